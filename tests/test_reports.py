"""Reports: hand-computed Decimal figures on small real-format stores, shapes on the demo store."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from analytics import demo, reports
from analytics.budgets import add_credit, set_budget
from analytics.formats import openai_cost_csv, openai_usage_csv
from analytics.store import Store

D = Decimal
DEMO_END = date(2026, 11, 20)

# Small stores in the real OpenAI export formats, with hand-computable costs. Prices used (genai-prices,
# USD per 1M tokens, October 2026): gpt-4o-mini standard input 0.15, cached 0.075, output 0.60; batch input
# 0.075, output 0.30. gpt-4o standard input 2.50, cached 1.25, output 10; batch input 1.25, cached 1.25,
# output 5.

MINI = "gpt-4o-mini-2024-07-18"
FOUR_O = "gpt-4o-2024-08-06"


def unix(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def usage_row(
    day: date,
    project: str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    *,
    cached: int = 0,
    key: str = "key_a",
    user: str = "user-1",
    batch: bool = False,
    requests: int = 10,
) -> dict[str, object]:
    return {
        "start_time": unix(day),
        "end_time": unix(day + timedelta(days=1)),
        "project_id": project,
        "num_model_requests": requests,
        "user_id": user,
        "api_key_id": key,
        "model": model,
        "batch": batch,
        "service_tier": "batch" if batch else "default",
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "input_cached_tokens": cached,
        "input_uncached_tokens": input_tokens - cached,
    }


def cost_row(day: date, project: str, line_item: str, amount: str) -> dict[str, object]:
    return {
        "start_time": unix(day),
        "end_time": unix(day + timedelta(days=1)),
        "amount_value": Decimal(amount),
        "line_item": line_item,
        "project_id": project,
        "organization_id": "org-test",
        "organization_name": "Test org",
    }


D1, D2, D3, D4 = (date(2026, 10, d) for d in (1, 2, 3, 4))


def small_store(
    folder: Path, *, extra_usage: tuple[dict, ...] = (), extra_costs: tuple[dict, ...] = ()
) -> Store:
    """Three days of usage; a cost export covers the first two.

    Token estimates: D1 Alpha mini 0.195 (800k x 0.15 + 200k x 0.075 + 100k x 0.60), D1 proj_b gpt-4o batch
    5.00; D2 Alpha mini 0.45 for user-1 and 0.45 for user-3; D3 proj_b gpt-4o 3.00 (600k x 2.50 + 400k x
    1.25 + 100k x 10). Billed: D1 Alpha 0.20, proj_b 5.00; D2 Alpha 1.20 (0.40 input + 0.80 output).
    """
    folder.mkdir(parents=True, exist_ok=True)
    usage = folder / "completions_usage_2026-10-01_2026-10-03.csv"
    openai_usage_csv.write(
        usage,
        [
            usage_row(D1, "proj_a", MINI, 1_000_000, 100_000, cached=200_000),
            usage_row(D1, "proj_b", FOUR_O, 2_000_000, 500_000, key="key_b", user="user-2", batch=True),
            usage_row(D2, "proj_a", MINI, 1_000_000, 500_000),
            usage_row(D2, "proj_a", MINI, 1_000_000, 500_000, user="user-3"),
            usage_row(D3, "proj_b", FOUR_O, 1_000_000, 100_000, cached=400_000, key="key_b", user="user-2"),
            *extra_usage,
        ],
    )
    costs = folder / "cost_2026-10-01_2026-10-02.csv"
    openai_cost_csv.write(
        costs,
        [
            cost_row(D1, "proj_a", f"{MINI}, input_tokens", "0.20"),
            cost_row(D1, "proj_b", f"{FOUR_O}, input_tokens", "2.50"),
            cost_row(D1, "proj_b", f"{FOUR_O}, output_tokens", "2.50"),
            cost_row(D2, "proj_a", f"{MINI}, input_tokens", "0.40"),
            cost_row(D2, "proj_a", f"{MINI}, output_tokens", "0.80"),
            *extra_costs,
        ],
    )
    store = Store.open(folder / "small.duckdb")
    store.import_files([usage, costs])
    store.set_labels([("project", "proj_a", "Alpha"), ("api_key", "key_a", "alpha-prod")])
    return store


FORECAST_FIRST = date(2026, 9, 7)  # a Monday
FORECAST_LAST = date(2026, 10, 14)  # a Wednesday
SPIKE = date(2026, 10, 7)  # a Wednesday


def forecast_store(folder: Path) -> Store:
    """Usage only (so every day is estimated): weekdays 1.50 (10M mini input), weekends 0.30 (2M), from
    Monday 7 Sep to Wednesday 14 Oct 2026; on Wednesday 7 Oct a second project adds 1.50 (3.00 that day).
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    day = FORECAST_FIRST
    while day <= FORECAST_LAST:
        rows.append(usage_row(day, "proj_a", MINI, 10_000_000 if day.weekday() < 5 else 2_000_000, 0))
        if day == SPIKE:
            rows.append(usage_row(day, "proj_spike", MINI, 10_000_000, 0, key="key_spike"))
        day += timedelta(days=1)
    usage = folder / "completions_usage_forecast.csv"
    openai_usage_csv.write(usage, rows)
    store = Store.open(folder / "forecast.duckdb")
    store.import_files([usage])
    return store


@pytest.fixture
def small(tmp_path: Path) -> Store:
    return small_store(tmp_path / "small")


@pytest.fixture
def steady(tmp_path: Path) -> Store:
    return forecast_store(tmp_path / "forecast")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("demo")
    store = Store.open(folder / "demo.duckdb")
    demo.load(store, folder / "exports", end=DEMO_END)
    return store


# --- daily spend and basis ------------------------------------------------------------------------


def test_daily_spend_uses_the_bill_where_it_exists_and_tokens_elsewhere(small):
    frame = reports.daily_spend(small, D1, D4)
    assert list(zip(frame["date"], frame["cost_usd"], frame["basis"], strict=True)) == [
        (D1, D("5.20"), "billed"),  # billed 0.20 + 5.00, although tokens say 0.195 + 5.00
        (D2, D("1.20"), "billed"),  # billed, although tokens say 0.90
        (D3, D("3.00"), "estimated"),  # no cost export: 600k x 2.50 + 400k x 1.25 + 100k x 10
        (D4, D("0"), "estimated"),
    ]
    assert all(isinstance(c, Decimal) for c in frame["cost_usd"])
    assert frame.attrs["unpriced"] == []


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        # Models by canonical id: a dated id, a display name and the bill's line items meet as one model.
        ("model", [(D1, "gpt-4o", "5.00"), (D1, "gpt-4o-mini", "0.20"), (D2, "gpt-4o-mini", "1.20"),
                   (D3, "gpt-4o", "3.00")]),
        ("project", [(D1, "Alpha", "0.20"), (D1, "proj_b", "5.00"), (D2, "Alpha", "1.20"),
                     (D3, "proj_b", "3.00")]),
        ("api_key", [(D1, "alpha-prod", "0.20"), (D1, "key_b", "5.00"), (D2, "alpha-prod", "1.20"),
                     (D3, "key_b", "3.00")]),
        # The bill has no user: D2's billed 1.20 is split by the users' equal token estimates (0.45 each).
        ("user", [(D1, "user-1", "0.20"), (D1, "user-2", "5.00"), (D2, "user-1", "0.60"),
                  (D2, "user-3", "0.60"), (D3, "user-2", "3.00")]),
        ("service_tier", [(D1, "batch", "5.00"), (D1, "standard", "0.20"), (D2, "standard", "1.20"),
                          (D3, "standard", "3.00")]),
    ],
)  # fmt: skip
def test_breakdowns_add_up_to_the_daily_total(small, by, expected):
    frame = reports.daily_spend(small, D1, D4, by=by)
    assert list(zip(frame["date"], frame[by], frame["cost_usd"], strict=True)) == [
        (d, k, D(v)) for d, k, v in expected
    ]
    # The bill names model and project; key, user and tier are split from it by token shares.
    split = "billed" if by in ("model", "project") else "allocated"
    assert list(frame["basis"]) == [split] * (len(expected) - 1) + ["estimated"]
    totals = reports.daily_spend(small, D1, D4)
    assert list(totals["basis"]) == ["billed", "billed", "estimated", "estimated"]


def test_project_filter_takes_an_id_or_a_label_name(small):
    by_name = reports.daily_spend(small, D1, D3, project="Alpha")
    by_id = reports.daily_spend(small, D1, D3, project="proj_a")
    assert list(by_name["cost_usd"]) == list(by_id["cost_usd"]) == [D("0.20"), D("1.20"), D(0)]


@pytest.fixture
def two_models(tmp_path) -> Store:
    """The small store plus, on D2, Alpha's user-3 on gpt-4o: 40k input = 0.10 estimated, billed 0.90.

    D2's Alpha bill is then 2.10: mini lines 1.20 over the mini estimates user-1 0.45, user-3 0.45, and
    the gpt-4o line 0.90 over user-3's gpt-4o estimate 0.10 (each line is split over its own model).
    """
    return small_store(
        tmp_path / "two",
        extra_usage=(usage_row(D2, "proj_a", FOUR_O, 40_000, 0, user="user-3"),),
        extra_costs=(cost_row(D2, "proj_a", f"{FOUR_O}, input_tokens", "0.90"),),
    )


def spend(store: Store, where: dict) -> list[tuple[date, Decimal, str]]:
    frame = reports.daily_spend(store, D1, D4, where=where)
    return list(zip(frame["date"], frame["cost_usd"], frame["basis"], strict=True))


def costs(store: Store, where: dict) -> list[Decimal]:
    return [c for _, c, _ in spend(store, where)]


def test_where_keeps_a_model_family_from_the_bill_and_the_tokens(small):
    # gpt-4o keeps gpt-4o-2024-08-06 (bill lines and usage), never gpt-4o-mini. D2's bill has no gpt-4o
    # line: billed $0.
    assert spend(small, {"model": ["gpt-4o"]}) == [
        (D1, D("5.00"), "billed"), (D2, D(0), "billed"), (D3, D("3.00"), "estimated"),
        (D4, D(0), "estimated"),
    ]  # fmt: skip
    assert costs(small, {"model": [MINI]}) == [D("0.20"), D("1.20"), D(0), D(0)]


def test_where_splits_the_bill_for_a_key_a_user_or_a_tier(two_models):
    # The key by its label name: Alpha's whole bill (all its usage is alpha-prod).
    assert costs(two_models, {"api_key": ["alpha-prod"]}) == [D("0.20"), D("2.10"), 0, 0]
    # user-3: half the mini lines (0.60) and all of the gpt-4o line (0.90), allocated; user-1 the other 0.60.
    assert spend(two_models, {"user": ["user-3"]}) == [
        (D1, D(0), "billed"), (D2, D("1.50"), "allocated"), (D3, D(0), "estimated"),
        (D4, D(0), "estimated"),
    ]  # fmt: skip
    assert costs(two_models, {"user": ["user-1", "user-2"]}) == [
        D("5.20"), D("0.60"), D("3.00"), 0,
    ]  # fmt: skip
    assert costs(two_models, {"service_tier": ["batch"]}) == [D("5.00"), 0, 0, 0]


def test_where_applies_two_filters_at_once(two_models):
    # user-3 on mini: the mini lines (1.20) x user-3's share of the mini estimate (0.45 of 0.90) = 0.60.
    assert costs(two_models, {"model": ["gpt-4o-mini"], "user": ["user-3"]}) == [
        0, D("0.60"), 0, 0,
    ]  # fmt: skip
    # user-3 on gpt-4o: the gpt-4o line 0.90, all of it user-3's.
    assert costs(two_models, {"model": ["gpt-4o"], "user": ["user-3"]}) == [0, D("0.90"), 0, 0]
    assert costs(two_models, {"model": ["gpt-4o"], "api_key": ["key_b"]}) == [
        D("5.00"), 0, D("3.00"), 0,
    ]  # fmt: skip
    assert costs(two_models, {"project": ["Alpha"], "api_key": ["key_b"]}) == [0, 0, 0, 0]


def test_a_filtered_breakdown_adds_up_to_the_filtered_total(two_models):
    where = {"user": ["user-3"], "api_key": ["alpha-prod"]}
    frame = reports.daily_spend(two_models, D1, D4, by="model", where=where)
    # user-3's part of each of D2's lines: gpt-4o 0.90 (all of it), mini 0.60 (half).
    assert list(zip(frame["date"], frame["model"], frame["cost_usd"], strict=True)) == [
        (D2, "gpt-4o", D("0.90")), (D2, "gpt-4o-mini", D("0.60")),
    ]  # fmt: skip
    assert set(frame["basis"]) == {"allocated"}


def test_project_is_short_for_where_and_unknown_filters_are_refused(small):
    by_where = reports.daily_spend(small, D1, D3, where={"project": ["Alpha"]})
    assert list(by_where["cost_usd"]) == [D("0.20"), D("1.20"), D(0)]
    assert reports.daily_spend(small, D1, D3, where={"project": [], "user": ()})["cost_usd"].tolist() == [
        D("5.20"), D("1.20"), D("3.00"),
    ]  # fmt: skip
    with pytest.raises(ValueError, match="unknown filter 'colour'"):
        reports.daily_spend(small, D1, D2, where={"colour": ["red"]})
    with pytest.raises(ValueError, match="unknown tier"):
        reports.daily_spend(small, D1, D2, where={"service_tier": ["gold"]})
    with pytest.raises(ValueError, match="once"):
        reports.daily_spend(small, D1, D2, project="Alpha", where={"project": ["proj_b"]})


def test_a_day_with_a_billed_and_an_estimated_provider_is_mixed(small, tmp_path):
    # Anthropic usage has no cost export here, so D1 adds OpenAI's bill and Claude's token estimate.
    extra = tmp_path / "claude.csv"
    extra.write_text(
        "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,"
        "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,"
        "usage_input_tokens_cache_read,usage_output_tokens,web_search_count\n"
        "2026-10-01,claude-3-5-haiku-20241022,key-c,Default,standard,≤ 200k,1000000,0,0,0,0,0\n",
        encoding="utf-8",
    )
    small.import_files([extra])
    frame = reports.daily_spend(small, D1, D1)
    assert frame["basis"].tolist() == ["mixed"]
    assert frame["cost_usd"].tolist() == [D("5.20") + D("0.80")]  # 1M Haiku 3.5 input tokens at 0.80


def test_unknown_breakdown_and_reversed_range_are_refused(small):
    with pytest.raises(ValueError, match="unknown breakdown 'colour'"):
        reports.daily_spend(small, D1, D2, by="colour")
    with pytest.raises(ValueError, match="ends"):
        reports.daily_spend(small, D2, D1)


def test_a_model_without_a_price_counts_zero_and_is_named(tmp_path):
    usage = tmp_path / "u.csv"
    openai_usage_csv.write(usage, [usage_row(D1, "proj_a", "my-private-model", 1000, 10)])
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([usage])
    frame = reports.daily_spend(store, D1, D1)
    assert frame["cost_usd"].tolist() == [D(0)]
    assert frame.attrs["unpriced"] == ["my-private-model (standard)"]


# --- month status, forecast, alerts ---------------------------------------------------------------


def test_month_status_forecast_and_alerts_by_hand(steady):
    set_budget(steady, D(30), alert_percents=[50, 80, 100], hard_limit_usd=D(36))
    status = reports.month_status(steady, date(2026, 10, 1))
    assert status.as_of == FORECAST_LAST
    # Oct 1-14: ten weekdays at 1.50, the spike day adds 1.50 more, four weekend days at 0.30.
    assert status.spent_usd == D("17.70")
    assert status.basis == "estimated"
    assert status.percent_used == D("59.00")
    # Oct 15-31: 12 weekdays (two of them Wednesdays) and 5 weekend days. Wednesdays of the last four weeks
    # were 1.50, 1.50, 3.00, 1.50: mean 1.875, min 1.50, max 3.00.
    assert status.forecast.expected_usd == D("17.70") + 10 * D("1.50") + 2 * D("1.875") + 5 * D("0.30")
    assert status.forecast.low_usd == D("37.20")
    assert status.forecast.high_usd == D("40.20")
    # Month to date passes 15 on Tue 13 Oct (16.20); at this pace 30 is reached on Mon 26 Oct (31.275).
    assert [(a.kind, a.percent, a.threshold_usd, a.crossed_on) for a in status.alerts] == [
        ("alert", 50, D(15), date(2026, 10, 13)),
        ("alert", 80, D(24), None),
        ("alert", 100, D(30), None),
        ("hard_limit", D(120), D(36), None),
    ]
    assert [a.percent for a in status.crossed] == [50]
    assert status.runs_out_on == date(2026, 10, 26)
    assert len(status.days) == 14
    assert status.days["cumulative_usd"].iloc[-1] == D("17.70")


def test_spend_already_past_the_budget_runs_out_on_the_day_it_was_reached(steady):
    set_budget(steady, D(10), alert_percents=[100])
    status = reports.month_status(steady, date(2026, 10, 1))
    # Cumulative: 1.5, 3.0, 3.3, 3.6, 5.1, 6.6, 9.6, 11.1 -> reached on Thu 8 Oct.
    assert status.runs_out_on == date(2026, 10, 8)
    assert status.crossed[0].crossed_on == date(2026, 10, 8)


def test_month_without_budget_has_no_alerts(steady):
    status = reports.month_status(steady, date(2026, 10, 1))
    assert status.budget is None and status.alerts == () and status.percent_used is None
    assert status.runs_out_on is None


def test_weekday_forecast_falls_back_to_all_days_for_missing_weekdays():
    import pandas as pd

    history = pd.DataFrame({"date": [date(2026, 10, 5), date(2026, 10, 6)], "cost_usd": [D(1), D(3)]})
    forecast = reports.weekday_forecast(history, date(2026, 10, 7), date(2026, 10, 8), spent=D(4))
    assert forecast.days["expected_usd"].tolist() == [D(2), D(2)]
    assert (forecast.expected_usd, forecast.low_usd, forecast.high_usd) == (D(8), D(6), D(10))


def test_parse_month():
    assert reports.parse_month("2026-02") == date(2026, 2, 1)
    assert reports.month_end(date(2028, 2, 1)) == date(2028, 2, 29)
    with pytest.raises(ValueError, match="YYYY-MM"):
        reports.parse_month("Feb 2026")


# --- prepaid credit -------------------------------------------------------------------------------


def test_credit_runs_out_before_it_expires(steady):
    add_credit(steady, D(20), starts_on=date(2026, 10, 1), expires_on=date(2026, 11, 1))
    (status,) = reports.credit_status(steady)
    assert (status.used_usd, status.balance_usd) == (D("17.70"), D("2.30"))
    assert status.runs_out_on == date(2026, 10, 16)  # Thu 15: 0.80 left; Fri 16: gone
    assert not status.expires_first


def test_credit_expiring_first_says_what_is_forfeited(steady):
    add_credit(steady, D(100), starts_on=date(2026, 10, 1), expires_on=date(2026, 10, 20))
    (status,) = reports.credit_status(steady)
    assert status.balance_usd == D("82.30")
    assert status.runs_out_on is None
    # Oct 15-19 at the weekday pace: 1.50 + 1.50 + 0.30 + 0.30 + 1.50 = 5.10.
    assert status.left_at_expiry_usd == D("77.20")


def test_the_credit_expiring_first_is_drawn_first(steady):
    add_credit(steady, D(100), starts_on=date(2026, 10, 1))
    add_credit(steady, D(5), starts_on=date(2026, 10, 1), expires_on=date(2026, 12, 1))
    never, soon = reports.credit_status(steady)
    assert soon.balance_usd == 0 and soon.runs_out_on == date(2026, 10, 5)  # 1.5+1.5+0.3+0.3+1.5 = 5.1
    assert never.balance_usd == D("100") - (D("17.70") - D(5))


# --- anomalies ------------------------------------------------------------------------------------


def test_the_spike_is_the_only_anomaly_and_names_its_driver(steady):
    (anomaly,) = reports.anomalies(steady, date(2026, 10, 1), FORECAST_LAST)
    assert anomaly.date == SPIKE
    assert (anomaly.cost_usd, anomaly.expected_usd) == (D("3.00"), D("1.50"))
    assert anomaly.drivers["project"] == ("proj_spike", D("1.50"))
    assert anomaly.drivers["api_key"] == ("key_spike", D("1.50"))
    assert anomaly.score > 3.5


def test_demo_runaway_day_is_found(demo_store):
    found = reports.anomalies(demo_store, DEMO_END - timedelta(days=60), DEMO_END)
    runaway = DEMO_END - timedelta(days=demo.RUNAWAY_DAYS_BEFORE_END)
    assert [a.date for a in found] == [runaway]
    assert found[0].drivers["model"][0] == "gpt-5"  # models by canonical id
    assert found[0].drivers["api_key"][0] == "research-dev"


# --- what-if --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choices", "alpha", "proj_b"),
    [
        # Alpha actual: 0.195 + 0.45 + 0.45 = 1.095; proj_b actual: 5.00 + 3.00.
        ({"model_map": {"gpt-4o": "gpt-4o-mini"}}, ("1.095", "1.095"), ("8.00", "0.48")),  # 0.30 + 0.18
        ({"tier": "batch"}, ("1.095", "0.555"), ("8.00", "6.75")),  # 0.105 + 2 x 0.225; 5.00 + 1.75
        (
            {"cached_share": D("0.5")},
            ("1.095", "0.9975"),
            ("8.00", "7.875"),
        ),  # 0.1725 + 2 x 0.4125; 5 + 2.875
    ],
)
def test_what_if_savings_by_hand(small, choices, alpha, proj_b):
    result = reports.what_if(small, D1, D3, **choices)
    rows = {r.project: (r.actual_usd, r.scenario_usd, r.saving_usd) for r in result.projects.itertuples()}
    assert rows["Alpha"] == (D(alpha[0]), D(alpha[1]), D(alpha[0]) - D(alpha[1]))
    assert rows["proj_b"] == (D(proj_b[0]), D(proj_b[1]), D(proj_b[0]) - D(proj_b[1]))
    assert result.saving_usd == rows["Alpha"][2] + rows["proj_b"][2]
    assert result.unpriced == ()


def test_what_if_refuses_bad_choices(small):
    with pytest.raises(ValueError, match="between 0 and 1"):
        reports.what_if(small, D1, D3, cached_share=D("1.5"))
    with pytest.raises(ValueError, match="unknown tier"):
        reports.what_if(small, D1, D3, tier="cheap")
    with pytest.raises(KeyError):
        reports.what_if(small, D1, D3, model_map={"gpt-4o": "gpt-nonexistent-9"})
    assert reports.parse_model_map(["gpt-4o=gpt-4o-mini,o3=o4-mini"]) == {
        "gpt-4o": "gpt-4o-mini",
        "o3": "o4-mini",
    }
    with pytest.raises(ValueError, match="from=to"):
        reports.parse_model_map(["gpt-4o"])


# --- reconcile ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tolerance", "flags"), [(D(5), [False, False, True]), (D(1), [False, False, True])])
def test_reconcile_per_day_project_and_model(small, tolerance, flags):
    frame = reports.reconcile(small, tolerance_pct=tolerance)
    # The bill names project and model: compared at that level, models by canonical id.
    assert [
        (r.date, r.project, r.model, r.billed_usd, r.estimated_usd, r.diff_usd) for r in frame.itertuples()
    ] == [
        (D1, "proj_a", "gpt-4o-mini", D("0.20"), D("0.195"), D("0.005")),
        (D1, "proj_b", "gpt-4o", D("5.00"), D("5.00"), D(0)),
        (D2, "proj_a", "gpt-4o-mini", D("1.20"), D("0.90"), D("0.30")),
    ]
    # Half a cent on a line billed in whole cents is the bill's own rounding, whatever the tolerance.
    assert frame["status"].tolist() == ["within rounding", "to the cent", "flagged"]
    assert frame["flagged"].tolist() == flags
    assert frame["diff_pct"].tolist() == [D("2.50"), D(0), D("25.00")]
    assert frame["cause"].iloc[2].startswith("prices differ from the price book")


def test_reconcile_demo_store_matches_to_the_cent(demo_store):
    frame = reports.reconcile(demo_store)
    assert len(frame) > 500
    assert not frame["flagged"].any()
    assert frame["date"].max() == DEMO_END - timedelta(days=demo.COST_LAG_DAYS)


# --- demo shapes ----------------------------------------------------------------------------------


def test_demo_month_status_shape(demo_store):
    set_budget(demo_store, D(1000))
    status = reports.month_status(demo_store, date(2026, 11, 1))
    assert status.as_of == DEMO_END
    assert status.basis == "mixed"
    assert status.days["basis"].tolist()[-2:] == ["estimated", "estimated"]
    assert set(status.days["basis"].tolist()[:-2]) == {"billed"}
    assert status.forecast.low_usd <= status.forecast.expected_usd <= status.forecast.high_usd
    assert status.spent_usd == sum(status.days["cost_usd"], D(0))
    assert len(status.forecast.days) == 10


# --- long context ---------------------------------------------------------------------------------


def test_long_context_by_average_request_and_by_the_claude_export(tmp_path):
    # gpt-5.4: input 2.50 per 1M, 5.00 above 272,000 input tokens per request.
    usage = tmp_path / "u.csv"
    openai_usage_csv.write(
        usage,
        [
            usage_row(D1, "proj_a", "gpt-5.4", 600_000, 0, requests=2),  # 300k a request: long, 3.00
            usage_row(D1, "proj_a", "gpt-5.4", 600_000, 0, requests=3, user="user-2"),  # 200k: 1.50
        ],
    )
    # Claude Sonnet 4.5: input 3.00 per 1M, 6.00 in the "> 200k" context window the export names.
    claude = tmp_path / "claude.csv"
    claude.write_text(
        "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,"
        "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,"
        "usage_input_tokens_cache_read,usage_output_tokens,web_search_count\n"
        "2026-10-02,claude-sonnet-4-5-20250929,key-c,Default,standard,> 200k,1000000,0,0,0,0,0\n"
        "2026-10-02,claude-sonnet-4-5-20250929,key-c,Default,standard,≤ 200k,1000000,0,0,0,0,0\n",
        encoding="utf-8",
    )
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([usage, claude])
    frame = reports.daily_spend(store, D1, D2)
    assert frame["cost_usd"].tolist() == [D("4.50"), D("9.00")]
    assert reports.what_if(store, D1, D2).actual_usd == D("13.50")  # the row-level pricing agrees
