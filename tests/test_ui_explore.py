"""The Explore page through AppTest: breakdowns, filters, the CSV of what is shown, what-if re-pricing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import demo, reports
from analytics.formats import openai_cost_csv, openai_usage_csv
from analytics.money import format_usd
from analytics.store import Store

PAGE = "from analytics.ui import explore\nexplore.show()\n"
DEMO_END = date(2026, 11, 20)
LAST_30 = (date(2026, 10, 22), DEMO_END)


@pytest.fixture
def demo_store(sandboxed_store: Path) -> Store:
    store = Store.open(sandboxed_store)
    demo.load(store, sandboxed_store.parent / "demo", end=DEMO_END)
    return store


def run() -> AppTest:
    at = AppTest.from_string(PAGE, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def test_empty_store_points_to_upload(sandboxed_store: Path):
    at = run()
    assert "nothing to explore" in at.info[0].value
    assert not at.get("vega_lite_chart")


def test_breakdown_by_model_matches_the_report(demo_store: Store):
    at = run()
    assert at.date_input(key="explore_days").value == LAST_30
    table = at.dataframe[0].value
    expected = reports.daily_spend(demo_store, *LAST_30, by="model")
    totals = expected.groupby("model")["cost_usd"].apply(lambda s: sum(s, Decimal(0)))
    assert set(table["Model"]) == set(totals.index)
    top = totals.sort_values(ascending=False).index[0]
    assert table["Model"].iloc[0] == top
    assert table["Cost"].iloc[0] == f"${totals[top]:,.2f}"
    assert len(at.get("vega_lite_chart")) == 1


def total(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label.startswith("Total"))


def test_filters_narrow_what_is_shown(demo_store: Store):
    at = run()
    at.selectbox(key="explore_by").select("api_key").run()
    at.multiselect(key="explore_project").select("proj_support01").run()
    assert not at.exception
    keys = set(at.dataframe[0].value["API key"])
    assert keys == {"support-prod", "support-staging"}  # labels applied; only that project's keys
    at.multiselect(key="explore_api_key").select("key_sup_stage2").run()
    assert list(at.dataframe[0].value["API key"]) == ["support-staging"]
    at.date_input(key="explore_days").set_value((date(2026, 11, 1), date(2026, 11, 7))).run()
    expected = reports.daily_spend(demo_store, date(2026, 11, 1), date(2026, 11, 7), by="api_key",
                                   project="proj_support01")  # fmt: skip
    staging = sum(expected[expected["api_key"] == "support-staging"]["cost_usd"], Decimal(0))
    assert at.dataframe[0].value["Cost"].iloc[0] == f"${staging:,.2f}"


def test_model_and_key_filters_apply_together_whatever_the_breakdown(demo_store: Store):
    at = run()
    unfiltered = total(at)
    at.multiselect(key="explore_model").select("gpt-4o-mini-2024-07-18").run()
    at.multiselect(key="explore_api_key").select("key_sup_prod01").run()
    assert not at.exception
    where = {"model": ["gpt-4o-mini-2024-07-18"], "api_key": ["support-prod"]}
    expected = sum(reports.daily_spend(demo_store, *LAST_30, where=where)["cost_usd"], Decimal(0))
    only_model = sum(
        reports.daily_spend(demo_store, *LAST_30, where={"model": where["model"]})["cost_usd"], Decimal(0)
    )
    assert 0 < expected < only_model
    assert total(at) == format_usd(expected) != unfiltered
    # The breakdown is chosen apart from the filters: by user, the same filtered total.
    at.selectbox(key="explore_by").select("user").run()
    assert total(at) == format_usd(expected)
    assert set(at.dataframe[0].value["User"]) <= set(reports.filter_options(demo_store, *LAST_30)["user"])
    captions = " ".join(c.value for c in at.caption)
    assert "Only Model gpt-4o-mini-2024-07-18; API key support-prod." in captions  # next to the CSVs
    assert "the model, api key filter does not apply" in captions  # to the what-if


M1, M2 = date(2026, 10, 1), date(2026, 10, 2)
MINI, FOUR_O = "gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"


def _row(day: date, model: str, input_tokens: int, key: str) -> dict[str, object]:
    start = int(datetime.combine(day, time(), UTC).timestamp())
    return {
        "start_time": start, "end_time": start + 86_400, "project_id": "proj_a", "num_model_requests": 10,
        "user_id": "user-1", "api_key_id": key, "model": model, "batch": False, "service_tier": "default",
        "input_tokens": input_tokens, "output_tokens": 0, "input_cached_tokens": 0,
        "input_uncached_tokens": input_tokens,
    }  # fmt: skip


def _cost(day: date, model: str, amount: str) -> dict[str, object]:
    start = int(datetime.combine(day, time(), UTC).timestamp())
    return {
        "start_time": start, "end_time": start + 86_400, "amount_value": Decimal(amount),
        "line_item": f"{model}, input_tokens", "project_id": "proj_a", "organization_id": "org-test",
        "organization_name": "Test org",
    }  # fmt: skip


def test_model_and_key_filters_by_hand(sandboxed_store: Path):
    """D1 is billed (mini 0.60, gpt-4o 0.30); mini's estimate is 0.15 for key_a and 0.15 for key_b (1M input
    at 0.15 each), so key_b's share of the mini bill is 0.30. D2 has no bill: key_b's 2M mini input is 0.30.
    """
    folder = sandboxed_store.parent / "exports"
    folder.mkdir(parents=True)
    usage, costs = folder / "completions_usage.csv", folder / "cost.csv"
    openai_usage_csv.write(usage, [
        _row(M1, MINI, 1_000_000, "key_a"), _row(M1, MINI, 1_000_000, "key_b"),
        _row(M1, FOUR_O, 100_000, "key_b"),
        _row(M2, MINI, 2_000_000, "key_b"), _row(M2, FOUR_O, 100_000, "key_b"),
    ])  # fmt: skip
    openai_cost_csv.write(costs, [_cost(M1, MINI, "0.60"), _cost(M1, FOUR_O, "0.30")])
    store = Store.open(sandboxed_store)
    store.import_files([usage, costs])
    store.set_labels([("api_key", "key_b", "batch-key")])
    at = run()
    assert total(at) == "$1.45"  # D1 billed 0.60 + 0.30; D2 estimated 0.30 + 0.25 (100k gpt-4o input at 2.50)
    at.multiselect(key="explore_model").select(MINI).run()
    at.multiselect(key="explore_api_key").select("key_b").run()
    assert not at.exception
    assert total(at) == "$0.600"  # 0.30 billed share + 0.30 estimated
    assert reports.daily_spend(store, M1, M2, where={"model": ["gpt-4o-mini"], "api_key": ["batch-key"]})[
        "cost_usd"
    ].tolist() == [Decimal("0.30"), Decimal("0.30")]


def test_what_if_shows_the_saving(demo_store: Store):
    at = run()
    at.text_input(key="explore_model_map").set_value("gpt-4o=gpt-4o-mini").run()
    assert not at.exception
    result = reports.what_if(demo_store, *LAST_30, model_map={"gpt-4o": "gpt-4o-mini"})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Saving"] == f"${result.saving_usd:,.2f}"
    assert result.saving_usd > 0
    at.text_input(key="explore_model_map").set_value("gpt-4o").run()
    assert "from=to" in at.error[0].value


def test_what_if_follows_the_chosen_projects(demo_store: Store):
    at = run()
    at.multiselect(key="explore_project").select("proj_support01").select("proj_search002").run()
    at.text_input(key="explore_model_map").set_value("gpt-4o=gpt-4o-mini").run()
    assert not at.exception
    results = [
        reports.what_if(demo_store, *LAST_30, model_map={"gpt-4o": "gpt-4o-mini"}, project=p)
        for p in ("proj_support01", "proj_search002")
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["As run"] == format_usd(sum((r.actual_usd for r in results), Decimal(0)))
    assert metrics["Saving"] == format_usd(sum((r.saving_usd for r in results), Decimal(0)))
    assert set(at.dataframe[1].value["Project"]) == {"Support assistant", "Semantic search"}
