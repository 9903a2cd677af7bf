"""The coverage rule: for each dataset and bucket, which stored rows answer (see `analytics.store`).

Each case is a pair (or more) of real-format exports written with the dashboard's own headers
(`openai_usage_csv.HEADER`, `openai_cost_csv.HEADER`, the Console CSV header of the fixtures) and the
figure a finance user expects for the day.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from analytics.formats import openai_cost_csv, openai_usage_csv
from analytics.store import Store

JAN1, JAN2, JAN3 = 1735689600, 1735776000, 1735862400
DAY = 86400


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "s.duckdb")


def usage_csv(path: Path, rows: list[dict]) -> Path:
    full = [{"end_time": r["start_time"] + DAY, "batch": False, "service_tier": "default", **r} for r in rows]
    openai_usage_csv.write(path, full)
    return path


def cost_csv(path: Path, rows: list[dict]) -> Path:
    full = [{"end_time": r["start_time"] + DAY, **r} for r in rows]
    openai_cost_csv.write(path, full)
    return path


def effective(store: Store, sql: str) -> tuple:
    with store.reader() as con:
        return con.execute(sql).fetchone()


def usage_total(store: Store) -> tuple:
    return effective(store, "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage_effective")


def cost_total(store: Store) -> Decimal:
    return effective(store, "SELECT sum(amount_usd) FROM costs_effective")[0]


def row(start: int, model: str | None, inp: int, out: int, project: str | None = "proj_A", **extra) -> dict:
    return {
        "start_time": start, "project_id": project, "model": model, "num_model_requests": 1,
        "input_tokens": inp, "output_tokens": out, "input_cached_tokens": 0, **extra,
    }  # fmt: skip


# --- case 1: a newer export no longer has a row the older one had ------------------------------------


def test_1_a_newer_export_of_a_day_is_the_day_alone(store, tmp_path):
    old = usage_csv(tmp_path / "completions_usage_old.csv", [
        row(JAN1, "gpt-4o-2024-08-06", 1000, 100), row(JAN1, "gpt-4o-mini-2024-07-18", 50, 5),
        row(JAN2, "gpt-4o-2024-08-06", 7, 1),
    ])  # fmt: skip
    new = usage_csv(tmp_path / "completions_usage_new.csv", [row(JAN1, "gpt-4o-2024-08-06", 1200, 120)])
    store.import_files([old])
    (result,) = store.import_files([new])
    # Jan 1 is the newer export alone; Jan 2 (not covered by it) stays.
    assert usage_total(store) == (2, 1200 + 7, 120 + 1)
    assert [str(d) for d in result.replaced_days] == ["2025-01-01"]


# --- case 2: ungrouped, then grouped -----------------------------------------------------------------


def test_2_costs_ungrouped_then_by_line_item_count_once(store, tmp_path):
    flat = cost_csv(tmp_path / "cost_flat.csv", [{"start_time": JAN1, "amount_value": Decimal("10")}])
    items = cost_csv(tmp_path / "cost_items.csv", [
        {"start_time": JAN1, "amount_value": Decimal("6"), "line_item": "gpt-4o-2024-08-06, input"},
        {"start_time": JAN1, "amount_value": Decimal("4"), "line_item": "gpt-4o-2024-08-06, output"},
    ])  # fmt: skip
    store.import_files([flat])
    store.import_files([items])
    assert cost_total(store) == Decimal("10")


def test_2_usage_ungrouped_then_by_model_count_once(store, tmp_path):
    flat = usage_csv(tmp_path / "usage_flat.csv", [row(JAN1, None, 1500, 150, project=None)])
    by_model = usage_csv(tmp_path / "usage_by_model.csv", [
        row(JAN1, "gpt-4o-2024-08-06", 1000, 100, project=None),
        row(JAN1, "gpt-4o-mini-2024-07-18", 500, 50, project=None),
    ])  # fmt: skip
    store.import_files([flat, by_model])
    assert usage_total(store) == (2, 1500, 150)


# --- case 3: an organisation export, then one filtered to one project --------------------------------


@pytest.mark.parametrize("order", ["org_first", "project_first"])
def test_3_a_one_project_export_never_shrinks_the_organisation(store, tmp_path, order):
    def line(project: str, amount: str) -> dict:
        return {"start_time": JAN1, "amount_value": Decimal(amount), "line_item": "gpt-4o, input",
                "project_id": project}  # fmt: skip

    org = cost_csv(tmp_path / "cost_org.csv", [line("proj_A", "6"), line("proj_B", "4")])
    only_a = cost_csv(tmp_path / "cost_proj_A.csv", [line("proj_A", "6")])
    results = store.import_files([org, only_a] if order == "org_first" else [only_a, org])
    assert cost_total(store) == Decimal("10")
    if order == "org_first":
        assert "kept but not counted" in (results[1].note or "")


def test_3_an_ungrouped_organisation_day_is_not_replaced_by_one_project(store, tmp_path):
    org = usage_csv(tmp_path / "usage_org.csv", [row(JAN1, "gpt-4o-2024-08-06", 900, 90, project=None)])
    only_a = usage_csv(tmp_path / "usage_A.csv", [row(JAN1, "gpt-4o-2024-08-06", 300, 30)])
    store.import_files([org, only_a])
    assert usage_total(store)[1:] == (900, 90)


def test_3_two_one_project_exports_add_up_without_an_organisation_export(store, tmp_path):
    a = usage_csv(tmp_path / "usage_A.csv", [row(JAN1, "gpt-4o-2024-08-06", 300, 30)])
    b = usage_csv(tmp_path / "usage_B.csv", [row(JAN1, "gpt-4o-2024-08-06", 200, 20, project="proj_B")])
    a_revised = usage_csv(tmp_path / "usage_A2.csv", [row(JAN1, "gpt-4o-2024-08-06", 310, 31)])
    store.import_files([a, b, a_revised])
    assert usage_total(store) == (2, 510, 51)


# --- case 4: CSV and Admin API JSON of the same buckets ----------------------------------------------


def test_4_usage_csv_and_admin_json_of_the_same_bucket_count_once(store, tmp_path):
    csv_path = usage_csv(
        tmp_path / "completions_usage.csv", [row(JAN1, "gpt-4o-mini-2024-07-18", 5000, 1000)]
    )
    # The shape of GET /v1/organization/usage/completions (openai/openai-openapi: UsageResponse,
    # UsageTimeBucket, UsageCompletionsResult).
    page = {
        "object": "page", "has_more": False, "next_page": None,
        "data": [{"object": "bucket", "start_time": JAN1, "end_time": JAN1 + DAY, "results": [{
            "object": "organization.usage.completions.result", "input_tokens": 5000, "output_tokens": 1000,
            "input_cached_tokens": 0, "num_model_requests": 1, "project_id": "proj_A", "user_id": None,
            "api_key_id": None, "model": "gpt-4o-mini-2024-07-18", "batch": False, "service_tier": "default",
        }]}],
    }  # fmt: skip
    json_path = tmp_path / "usage_completions.json"
    json_path.write_text(json.dumps(page))
    store.import_files([csv_path])
    store.import_files([json_path])
    assert usage_total(store) == (1, 5000, 1000)


def test_4_cost_csv_and_costs_api_json_count_once(store, tmp_path):
    csv_path = cost_csv(tmp_path / "cost.csv", [
        {"start_time": JAN1, "amount_value": Decimal("1.25"), "line_item": "gpt-4o, input",
         "project_id": "proj_A"},
    ])  # fmt: skip
    # GET /v1/organization/costs (openai/openai-openapi: CostsResult with amount {value, currency}).
    page = {
        "object": "page", "has_more": False, "next_page": None,
        "data": [{"object": "bucket", "start_time": JAN1, "end_time": JAN1 + DAY, "results": [{
            "object": "organization.costs.result", "amount": {"value": 1.25, "currency": "usd"},
            "line_item": "gpt-4o, input", "project_id": "proj_A",
        }]}],
    }  # fmt: skip
    json_path = tmp_path / "costs.json"
    json_path.write_text(json.dumps(page))
    store.import_files([json_path, csv_path])
    assert cost_total(store) == Decimal("1.25")


def test_4_claude_console_csv_and_admin_usage_report_count_once(store, tmp_path):
    header = (
        "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,"
        "usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,"
        "usage_output_tokens,web_search_count,inference_geo,speed"
    )
    console = tmp_path / "claude_usage.csv"
    line = "2025-01-01,claude-sonnet-4-5-20250929,bot,Default,standard,≤ 200k,100,20,5,300,12,0,global,"
    console.write_text(f"{header}\n{line}\n")
    # GET /v1/organizations/usage_report/messages (Anthropic Admin API, MessagesUsageReport).
    report = {
        "data": [{"starting_at": "2025-01-01T00:00:00Z", "ending_at": "2025-01-02T00:00:00Z", "results": [{
            "uncached_input_tokens": 100, "cache_creation": {"ephemeral_5m_input_tokens": 20,
            "ephemeral_1h_input_tokens": 5}, "cache_read_input_tokens": 300, "output_tokens": 12,
            "server_tool_use": {"web_search_requests": 0}, "api_key_id": None, "workspace_id": None,
            "model": "claude-sonnet-4-5-20250929", "service_tier": "standard", "context_window": "0-200k",
        }]}],
        "has_more": False, "next_page": None,
    }  # fmt: skip
    admin = tmp_path / "usage_report.json"
    admin.write_text(json.dumps(report))
    store.import_files([console, admin])
    assert usage_total(store) == (1, 425, 12)
    assert effective(store, "SELECT sum(cache_write_1h_tokens) FROM usage_effective") == (5,)


# --- case 5: an import says which days it replaced; forget restores them ----------------------------


def test_5_forget_restores_what_an_import_replaced(store, tmp_path):
    old = usage_csv(tmp_path / "completions_usage_old.csv", [
        row(JAN1, "gpt-4o-2024-08-06", 1000, 100), row(JAN2, "gpt-4o-2024-08-06", 2000, 200),
        row(JAN3, "gpt-4o-2024-08-06", 3000, 300),
    ])  # fmt: skip
    new = usage_csv(tmp_path / "completions_usage_new.csv", [
        row(JAN2, "gpt-4o-2024-08-06", 2500, 250), row(JAN3, "gpt-4o-mini-2024-07-18", 1, 1),
    ])  # fmt: skip
    (first,) = store.import_files([old])
    before = usage_total(store)
    (second,) = store.import_files([new])
    assert second.replaced_days == (date(2025, 1, 2), date(2025, 1, 3))
    assert "replaced the stored figures of 2025-01-02..2025-01-03" in second.note
    assert usage_total(store) == (3, 1000 + 2500 + 1, 100 + 250 + 1)
    store.forget(second.import_id)
    assert usage_total(store) == before
    # Forgetting the older one too leaves nothing; forgetting it first keeps the newer export's days.
    (third,) = store.import_files([new])
    store.forget(first.import_id)
    assert usage_total(store) == (2, 2501, 251)
    store.forget(third.import_id)
    assert usage_total(store) == (0, None, None)


def test_5_forget_in_the_middle_of_three_keeps_the_newest(store, tmp_path):
    exports = [
        usage_csv(tmp_path / f"usage_v{v}.csv", [row(JAN1, "gpt-4o-2024-08-06", 100 * v, 10 * v)])
        for v in (1, 2, 3)
    ]
    results = store.import_files(exports)
    store.forget(results[1].import_id)
    assert usage_total(store) == (1, 300, 30)
    store.forget(results[2].import_id)
    assert usage_total(store) == (1, 100, 10)
