"""Reconciliation on bills as they come, in the vendors' real export formats.

- An OpenAI organisation-level cost CSV (the 10-column dashboard export, `line_item` and `project_id`
  empty) against the per-project usage CSV of the same week: compared per day, to the cent.
- A Claude Console cost CSV (display names, one line per token type, each rounded to the cent) against
  the Console token CSV (versioned model ids): paired model by model, the rounding not flagged.
- Allocation: the organisation bill split by model or project sums back to the bill, basis `allocated`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from analytics import prices, reports
from analytics.cli import main
from analytics.formats import openai_cost_csv, openai_usage_csv
from analytics.prices import TokenUsage, rule
from analytics.store import Store

D = Decimal
WEEK = [date(2026, 11, 2) + timedelta(days=i) for i in range(7)]
BILL_ONLY_DAY = date(2026, 11, 9)  # billed, but the usage export stops the day before
# project, model as the usage export names it, tier, input, cached, output (per day; scaled by the day)
OPENAI_USAGE = [
    ("proj_support", "gpt-5-mini-2025-08-07", "standard", 2_100_000, 700_000, 310_000),
    ("proj_support", "gpt-4.1-nano-2025-04-14", "batch", 5_000_000, 0, 400_000),
    ("proj_research", "gpt-5-2025-08-07", "standard", 900_000, 300_000, 120_000),
    ("proj_research", "gpt-5-mini-2025-08-07", "flex", 1_300_000, 100_000, 90_000),
]


def unix(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def openai_day_cost(day: date, scale: int) -> Decimal:
    total = D(0)
    for _, model, tier, input_tokens, cached, output in OPENAI_USAGE:
        usage = TokenUsage(input_tokens * scale, output * scale, cached * scale)
        total += prices.cost(model, usage, at=day, tier=tier).total_usd
    return total


@pytest.fixture
def openai_week(tmp_path: Path) -> Store:
    usage_rows, cost_rows = [], []
    for i, day in enumerate(WEEK):
        scale = 1 + i % 3
        for project, model, tier, input_tokens, cached, output in OPENAI_USAGE:
            usage_rows.append({
                "start_time": unix(day), "end_time": unix(day + timedelta(days=1)), "project_id": project,
                "num_model_requests": 40 * scale, "user_id": "", "api_key_id": "", "model": model,
                "batch": tier == "batch", "service_tier": "default" if tier == "standard" else tier,
                "input_tokens": input_tokens * scale, "output_tokens": output * scale,
                "input_cached_tokens": cached * scale,
                "input_uncached_tokens": (input_tokens - cached) * scale,
            })  # fmt: skip
        # The cost export writes amounts with up to 30 decimals, no line item and no project.
        cost_rows.append(_org_cost_row(day, f"{openai_day_cost(day, scale):.30f}"))
    cost_rows.append(_org_cost_row(BILL_ONLY_DAY, "1.234567000000000000000000000000"))
    usage = tmp_path / "completions_usage_2026-11-02_2026-11-08.csv"
    costs = tmp_path / "cost_2026-11-02_2026-11-09.csv"
    openai_usage_csv.write(usage, usage_rows)
    openai_cost_csv.write(costs, cost_rows, header=openai_cost_csv.HEADER_V1)
    store = Store.open(tmp_path / "openai.duckdb")
    store.import_files([usage, costs])
    return store


def _org_cost_row(day: date, amount: str) -> dict[str, object]:
    return {
        "start_time": unix(day),
        "end_time": unix(day + timedelta(days=1)),
        "amount_value": amount,
        "amount_currency": "usd",
        "line_item": "",
        "project_id": "",
        "organization_id": "org-Hp9mSGev2sVmtMeF2wrnSeOV",
        "organization_name": "Personal",
    }


def test_an_organisation_bill_reconciles_with_project_usage_to_the_cent_per_day(openai_week):
    frame = reports.reconcile(openai_week, tolerance_pct=D(0))
    # One row per day (the bill carries neither project nor model), not a billed and an estimated row.
    assert frame["date"].tolist() == [*WEEK, BILL_ONLY_DAY]
    assert frame["project"].isna().all() and frame["model"].isna().all()
    matched = frame[frame["date"] != BILL_ONLY_DAY]
    assert matched["status"].tolist() == ["to the cent"] * 7
    assert all(abs(d) < D("0.005") for d in matched["diff_usd"])
    assert not matched["flagged"].any()
    last = frame.iloc[-1]
    assert (last["status"], last["estimated_usd"]) == ("flagged", D(0))
    assert "the usage export does not cover this day" in last["cause"]


@pytest.mark.parametrize("by", ["model", "project"])
def test_an_organisation_bill_split_by_model_or_project_sums_back_to_the_bill(openai_week, by):
    frame = reports.daily_spend(openai_week, WEEK[0], WEEK[-1], by=by)
    totals = reports.daily_spend(openai_week, WEEK[0], WEEK[-1])
    assert set(frame["basis"]) == {"allocated"}
    assert set(totals["basis"]) == {"billed"}
    for day, bill in zip(totals["date"], totals["cost_usd"], strict=True):
        assert sum(frame[frame["date"] == day]["cost_usd"], D(0)) == bill  # exactly, to 12 places
    if by == "model":
        # Canonical ids: one row per model and day, the dated ids folded in.
        assert set(frame["model"]) == {"gpt-5-mini", "gpt-4.1-nano", "gpt-5"}
    else:
        assert set(frame["project"]) == {"proj_support", "proj_research"}


# ---------------------------------------------------------------- Claude Console cost vs token export

CLAUDE_DAY = date(2025, 11, 26)
TOKEN_HEADER = (
    "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,"
    "usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,"
    "usage_output_tokens,web_search_count,inference_geo,speed"
)
COST_HEADER = (
    "usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,cost_type,"
    "inference_geo,speed"
)
# display name, model id, usage type, no-cache, 5m writes, 1h writes, cache reads, output
CLAUDE_USAGE = [
    # Chosen so each Opus line rounds down by almost half a cent: 1.6 cents in all, inside 5 lines' cents.
    ("Claude Opus 4.5", "claude-opus-4-5-20251101", "standard", 412_999, 51_999, 20_001, 1_809_999, 98_765),
    ("Claude Sonnet 4.5", "claude-sonnet-4-5-20250929", "standard", 1_203_457, 90_001, 0, 3_500_123, 201_234),
    ("Claude Haiku 4.5", "claude-haiku-4-5-20251001", "batch", 2_500_003, 0, 0, 0, 400_009),
]
TOKEN_TYPES = ("input_no_cache", "cache_read", "input_cache_write_5m", "input_cache_write_1h", "output")


def cents(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def claude_day(tmp_path: Path) -> Store:
    tokens, lines = [TOKEN_HEADER], [COST_HEADER]
    for name, model, usage_type, plain, w5m, w1h, reads, output in CLAUDE_USAGE:
        tokens.append(f"{CLAUDE_DAY},{model},prod,Default,{usage_type},≤ 200k,{plain},{w5m},{w1h},{reads},"
                      f"{output},0,global,")  # fmt: skip
        price = prices.price_for(model, at=CLAUDE_DAY, tier=usage_type)
        counts = dict(zip(TOKEN_TYPES, (plain, reads, w5m, w1h, output), strict=True))
        kinds = dict(zip(TOKEN_TYPES, (rule.KINDS[i] for i in (0, 1, 2, 3, 4)), strict=True))
        for token_type, count in counts.items():
            if count:
                amount = cents(count * rule.rate(price, kinds[token_type], False) / D(1_000_000))
                lines.append(f"{CLAUDE_DAY},{name},Default,prod,message,≤ 200k,{token_type},{amount},token,"
                             "global,")  # fmt: skip
    lines.append(f"{CLAUDE_DAY},Claude Sonnet 9,Default,prod,message,≤ 200k,output,4.20,token,global,")
    token_file = tmp_path / "claude_api_tokens_2025_11_26.csv"
    cost_file = tmp_path / "claude_api_cost_2025_11_26.csv"
    token_file.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    cost_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = Store.open(tmp_path / "claude.duckdb")
    store.import_files([token_file, cost_file])
    return store


def test_a_claude_cost_export_pairs_with_its_token_export_model_by_model(claude_day):
    frame = reports.reconcile(claude_day, tolerance_pct=D(0))
    assert frame["model"].tolist() == [
        "claude-haiku-4-5", "claude-opus-4-5", "claude-sonnet-4-5", "claude-sonnet-9",
    ]  # fmt: skip
    paired = frame[frame["model"] != "claude-sonnet-9"]
    # Both exports name the workspace (Claude's project): compared per workspace and model.
    assert set(frame["workspace"]) == {"Default"} and frame["project"].isna().all()
    # Each line is rounded to the cent: a gap inside cents x lines is the bill's rounding, never flagged.
    assert not paired["flagged"].any()
    assert set(paired["status"]) <= {"to the cent", "within rounding"}
    for r in paired.itertuples():
        assert abs(r.diff_usd) <= r.rounding_usd == D("0.01") * r.lines
    assert "within rounding" in set(paired["status"])
    unknown = frame.iloc[-1]
    assert unknown["flagged"] and unknown["estimated_usd"] == 0
    assert "no usage of this model that day" in unknown["cause"]
    assert frame.attrs["notes"] == [
        "the bill names a model no price book knows: 'Claude Sonnet 9' (kept as 'claude-sonnet-9', "
        "not matched to any usage)"
    ]


def test_a_claude_breakdown_shows_each_model_once(claude_day):
    frame = reports.daily_spend(claude_day, CLAUDE_DAY, CLAUDE_DAY, by="model")
    assert frame["model"].tolist() == [
        "claude-haiku-4-5", "claude-opus-4-5", "claude-sonnet-4-5", "claude-sonnet-9",
    ]  # fmt: skip
    assert set(frame["basis"]) == {"billed"}
    assert frame.attrs["notes"] == [
        "the bill names a model no price book knows: 'Claude Sonnet 9' (shown as 'claude-sonnet-9')"
    ]


def test_llm_cost_reconcile_prints_matched_and_flagged_days_and_totals(claude_day, openai_week):
    runner = CliRunner()
    out = runner.invoke(main, ["reconcile", "--db", str(openai_week.path)])
    assert out.exit_code == 0, out.output
    assert "7 days matched to the cent" in out.output
    assert "2026-11-09" in out.output and "the usage export does not cover this day" in out.output
    assert "billed $" in out.output and "estimated $" in out.output
    claude = runner.invoke(main, ["reconcile", "--db", str(claude_day.path), "--json"])
    rows = json.loads(claude.stdout)
    assert {r["status"] for r in rows} == {"to the cent", "within rounding", "flagged"} or {
        r["status"] for r in rows
    } == {"within rounding", "flagged"}
    assert all("cause" in r and "rounding_usd" in r for r in rows)


# ---------------------------------------------------------------- month badges


def test_a_month_billed_every_day_is_billed_and_its_forecast_is_its_total(tmp_path):
    october = [date(2026, 10, 1) + timedelta(days=i) for i in range(31)]
    quiet = {date(2026, 10, 10), date(2026, 10, 11)}
    # A bucket with no spend is a row with only the time columns: nothing is stored for it, but the export
    # covers the day, so it is billed $0, not an estimated day.
    rows = [
        _org_cost_row(day, "2.50") if day not in quiet
        else {**_org_cost_row(day, ""), "amount_currency": "", "organization_id": "", "organization_name": ""}
        for day in october
    ]  # fmt: skip
    costs = tmp_path / "cost_2026-10-01_2026-10-31.csv"
    openai_cost_csv.write(costs, rows, header=openai_cost_csv.HEADER_V1)
    store = Store.open(tmp_path / "october.duckdb")
    store.import_files([costs])
    status = reports.month_status(store, date(2026, 10, 1))
    assert status.as_of == date(2026, 10, 31) and status.over
    assert set(status.days["basis"]) == {"billed"} and status.basis == "billed"
    assert status.spent_usd == D("72.50")
    forecast = status.forecast
    assert forecast.expected_usd == forecast.low_usd == forecast.high_usd == status.spent_usd
    assert status.forecast_basis == "billed"


def test_line_items_reconcile_per_project_and_model_and_tool_calls_are_explained(tmp_path):
    day = date(2026, 11, 3)
    model = "gpt-5-mini-2025-08-07"
    usage = tmp_path / "completions_usage_2026-11-03_2026-11-03.csv"
    rows, lines = [], []
    for project, input_tokens, output in (
        ("proj_support", 4_000_000, 500_000),
        ("proj_research", 800_000, 90_000),
    ):
        rows.append({
            "start_time": unix(day), "end_time": unix(day + timedelta(days=1)), "project_id": project,
            "num_model_requests": 100, "user_id": "", "api_key_id": "", "model": model, "batch": False,
            "service_tier": "default", "input_tokens": input_tokens, "output_tokens": output,
            "input_cached_tokens": 0, "input_uncached_tokens": input_tokens,
        })  # fmt: skip
        price = prices.price_for(model, at=day)
        for kind, tokens, rate in (("input", input_tokens, price.input), ("output", output, price.output)):
            lines.append({
                "start_time": unix(day), "end_time": unix(day + timedelta(days=1)),
                "amount_value": f"{tokens * rate / D(1_000_000):.30f}", "amount_currency": "usd",
                "line_item": f"{model}, {kind}_tokens", "project_id": project, "organization_id": "org-1",
                "organization_name": "Acme", "project_name": project, "quantity_value": f"{tokens}.0",
                "quantity_unit": "tokens",
            })  # fmt: skip
    lines.append({
        "start_time": unix(day), "end_time": unix(day + timedelta(days=1)), "amount_value": "2.5",
        "amount_currency": "usd", "line_item": "web search tool calls", "project_id": "proj_research",
        "organization_id": "org-1", "organization_name": "Acme", "quantity_value": "250.0",
        "quantity_unit": "calls",
    })  # fmt: skip
    openai_usage_csv.write(usage, rows)
    costs = tmp_path / "cost_2026-11-03_2026-11-03.csv"
    openai_cost_csv.write(costs, lines)
    store = Store.open(tmp_path / "items.duckdb")
    store.import_files([usage, costs])
    frame = reports.reconcile(store, tolerance_pct=D(0))
    assert [(r.project, r.model, r.line_item, r.status) for r in frame.itertuples()] == [
        ("proj_research", "gpt-5-mini", None, "to the cent"),
        ("proj_research", None, "web search tool calls", "flagged"),
        ("proj_support", "gpt-5-mini", None, "to the cent"),
    ]
    assert frame.iloc[1]["cause"] == "usage not in the token export (web search calls)"
