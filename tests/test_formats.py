"""Each export format, read from real-format fixtures into a real DuckDB store, with hand-computed totals."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from analytics.formats import BadExportError, Source, detect
from analytics.formats.generic_csv import GenericMapping
from analytics.store import Store

GOOD = Path(__file__).parent / "fixtures" / "exports" / "good"
GENERIC = Path(__file__).parent / "fixtures" / "exports" / "generic"


def totals(store: Store, table: str) -> tuple:
    """Returns the sums the tests check, straight from SQL (Decimal for money)."""
    with store.reader() as con:
        if table == "usage":
            return con.execute(
                "SELECT count(*), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), "
                "sum(output_tokens), sum(requests) FROM usage"
            ).fetchone()
        return con.execute("SELECT count(*), sum(amount_usd) FROM costs").fetchone()


# file, format, (rows_read, inserted, skipped), table, expected totals
# usage totals: (rows, input incl. cached + cache writes, cached, cache writes, output, requests)
CASES = [
    # 24 columns, counts as 1.0, booleans False/TRUE/FALSE, one empty bucket row
    ("completions_usage_2025-01-01_2025-01-04.csv", "openai_usage_csv", (4, 3, 1), "usage",
     (3, 59200 + 1500 + 80992, 5760 + 0 + 1024, 0, 10646 + 300 + 274770, 10 + 3 + 21)),
    # 10-column generation, CRLF, 30-decimal amount rounded to 12 places, one empty bucket, org rows
    ("cost_2025-01-01_2025-01-05.csv", "openai_cost_csv", (4, 3, 1), "costs",
     (3, Decimal("0.895874") + Decimal("0.123456789012") + Decimal("0.3409"))),
    # 17-column generation, tab separated, UTF-8 BOM, line items "model, token type"
    ("cost_2025-02-01_2025-02-03.csv", "openai_cost_csv", (4, 4, 0), "costs",
     (4, Decimal("1.25") + Decimal("0.4") + Decimal("2.5") + Decimal("3"))),
    ("openai_admin_pages.json", "openai_admin_json", (6, 6, 0), "usage",
     (4, 5000 + 700 + 16 + 0, 4000, 0, 1000 + 300, 5 + 2 + 2 + 2)),
    ("legacy_activity_2023-11.csv", "openai_legacy_activity", (2, 2, 0), "usage",
     (2, 1200 + 800, 100, 0, 300 + 200, 3 + 1)),
    ("legacy_usage_api.json", "openai_legacy_activity", (2, 2, 0), "usage", (2, 130, 0, 0, 50, 3)),
    # ≤ 200k / > 200k, cache writes 5m + 1h, batch usage type
    ("claude_usage_2025-10.csv", "claude_console_csv", (3, 3, 0), "usage",
     (3, 425000 + 50000 + 1250000, 300000 + 1000000, 25000, 12000 + 2000 + 40000, None)),
    # older generation: one cache_write column, tab separated, CRLF
    ("claude_usage_2025-06_tab.tsv", "claude_console_csv", (1, 1, 0), "usage",
     (1, 4200, 3000, 200, 400, None)),
    ("claude_cost_2025-10.csv", "claude_console_cost_csv", (5, 5, 0), "costs",
     (5, Decimal("0.30") + Decimal("0.18") + Decimal("0.0375") + Decimal("0.00125") + Decimal("0.03"))),
    # uncached + 5m + 1h writes + reads; an empty bucket has no results
    ("anthropic_usage_report.json", "anthropic_admin_json", (2, 2, 0), "usage",
     (2, 1500 + 500 + 1000 + 200 + 10, 200, 1500, 500 + 20, None)),
    # amounts are strings in cents: "123.45" is $1.2345
    ("anthropic_cost_report.json", "anthropic_admin_json", (3, 3, 0), "costs",
     (3, Decimal("1.2345") + Decimal("0.000375") + Decimal("10"))),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fmt", "counts", "table", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_format_imports_with_correct_totals(tmp_path, name, fmt, counts, table, expected):
    store = Store.open(tmp_path / "s.duckdb")
    (result,) = store.import_files([GOOD / name])
    assert (result.format, result.import_id) == (fmt, 1)
    assert (result.rows_read, result.rows_inserted, result.rows_skipped) == counts
    assert totals(store, table) == expected


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_formats_are_sniffed_from_content_not_file_name(tmp_path, name):
    renamed = tmp_path / "export.txt"
    shutil.copy(GOOD / name, renamed)
    expected = next(c[1] for c in CASES if c[0] == name)
    assert expected == detect(Source(renamed, "export.txt")).NAME


def test_openai_cost_line_items_split_into_model_and_token_type(tmp_path):
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([GOOD / "cost_2025-02-01_2025-02-03.csv"])
    with store.reader() as con:
        rows = con.execute("SELECT line_item, model, token_type FROM costs ORDER BY amount_usd").fetchall()
    assert rows == [
        ("gpt-5-nano, output_tokens", "gpt-5-nano", "output_tokens"),
        ("gpt-5-nano, input_tokens", "gpt-5-nano", "input_tokens"),
        ("web search tool calls", None, None),
        ("gpt-4o-2024-08-06, input_tokens", "gpt-4o-2024-08-06", "input_tokens"),
    ]


def test_claude_cost_display_names_map_to_model_ids(tmp_path):
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([GOOD / "claude_cost_2025-10.csv"])
    with store.reader() as con:
        models = {r[0] for r in con.execute("SELECT DISTINCT model FROM costs").fetchall()}
    assert models == {"claude-sonnet-4-5", "claude-opus-4-5", "claude-haiku-4-5", None}


def test_usage_csv_times_are_utc_buckets_and_batch_is_boolean(tmp_path):
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([GOOD / "completions_usage_2025-01-01_2025-01-04.csv"])
    with store.reader() as con:
        rows = con.execute(
            "SELECT strftime(period_start, '%Y-%m-%d %H:%M'), epoch(period_end - period_start), batch, model "
            "FROM usage ORDER BY period_start, model"
        ).fetchall()
    assert rows == [
        ("2025-01-01 00:00", 86400, False, "gpt-4o-2024-08-06"),
        ("2025-01-01 00:00", 86400, True, "gpt-4o-mini-2024-07-18"),
        ("2025-01-03 00:00", 86400, False, "gpt-5-mini-2025-08-07"),
    ]


def test_audio_tokens_are_kept_in_details(tmp_path):
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([GOOD / "completions_usage_2025-01-01_2025-01-04.csv"])
    with store.reader() as con:
        details = con.execute(
            "SELECT details->>'input_audio_tokens', details->>'output_audio_tokens' FROM usage "
            "WHERE details IS NOT NULL"
        ).fetchall()
    assert details == [("120", "40")]


def test_generic_csv_with_a_mapping_gives_usage_and_costs(tmp_path):
    store = Store.open(tmp_path / "s.duckdb")
    mapping = GenericMapping(
        date="Day", model="Model", input_tokens="Prompt Tokens", output_tokens="Completion Tokens",
        cost_usd="Cost", provider="mistral",
    )  # fmt: skip
    (result,) = store.import_files([GENERIC / "generic_spend.csv"], mapping=mapping)
    assert (result.format, result.rows_inserted, result.rows_skipped) == ("generic_csv", 4, 2)
    assert totals(store, "usage") == (2, 4000, 0, 0, 800, None)
    assert totals(store, "costs") == (2, Decimal("0.024"))


def test_header_only_usage_export_is_zero_usable_rows_not_zero_dollars(tmp_path):
    empty = tmp_path / "completions_usage_2025-03-01_2025-03-02.csv"
    empty.write_text("start_time,end_time,start_time_iso,end_time_iso\n")
    store = Store.open(tmp_path / "s.duckdb")
    (result,) = store.import_files([empty])
    assert result.import_id is None
    assert result.note is not None and result.note.startswith("0 usable rows")
    assert store.list_imports() == []


def test_empty_buckets_only_is_zero_usable_rows(tmp_path):
    only_empty = tmp_path / "completions_usage.csv"
    only_empty.write_text(
        "start_time,end_time,start_time_iso,end_time_iso\n"
        "1735689600,1735776000,2025-01-01T00:00:00+00:00,2025-01-02T00:00:00+00:00\n"
    )
    store = Store.open(tmp_path / "s.duckdb")
    (result,) = store.import_files([only_empty])
    assert (result.import_id, result.rows_read, result.rows_skipped) == (None, 1, 1)


def test_vendor_added_columns_are_matched_by_name_and_kept(tmp_path):
    src = (GOOD / "completions_usage_2025-01-01_2025-01-04.csv").read_text().splitlines()
    # Reorder two columns and add one the vendor introduced later.
    header = src[0].split(",")
    lines = [",".join(["region", *header])] + [",".join(["eu", *line.split(",")]) for line in src[1:]]
    path = tmp_path / "usage_new_generation.csv"
    path.write_text("\n".join(lines) + "\n")
    store = Store.open(tmp_path / "s.duckdb")
    (result,) = store.import_files([path])
    assert result.rows_inserted == 3
    with store.reader() as con:
        assert con.execute("SELECT DISTINCT details->>'region' FROM usage").fetchall() == [("eu",)]


def test_openai_usage_writer_round_trips(tmp_path):
    from analytics.formats import openai_usage_csv

    path = tmp_path / "completions_usage_demo.csv"
    openai_usage_csv.write(
        path,
        [
            {"start_time": 1735689600, "end_time": 1735776000, "project_id": "proj_X", "model": "gpt-4o",
             "batch": False, "num_model_requests": 2, "input_tokens": 100, "output_tokens": 10},
            {"start_time": 1735776000, "end_time": 1735862400},
        ],
    )  # fmt: skip
    assert "2.0" in path.read_text() and ",False," in path.read_text()
    store = Store.open(tmp_path / "s.duckdb")
    (result,) = store.import_files([path])
    assert (result.rows_inserted, result.rows_skipped) == (1, 1)
    assert totals(store, "usage") == (1, 100, 0, 0, 10, 2)


def test_openai_cost_writer_round_trips(tmp_path):
    from analytics.formats import openai_cost_csv

    path = tmp_path / "cost_demo.csv"
    openai_cost_csv.write(
        path,
        [{"start_time": 1735689600, "end_time": 1735776000, "amount_value": Decimal("0.1234567890123456"),
          "line_item": "gpt-4o, input", "project_id": "proj_X"}],
    )  # fmt: skip
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([path])
    assert totals(store, "costs") == (1, Decimal("0.123456789012"))


def test_unknown_header_names_what_is_known(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text("date,tokens\n2025-01-01,5\n")
    with pytest.raises(BadExportError) as e:
        detect(Source(path, "report.csv"))
    assert str(e.value).startswith("report.csv:1:1: expected the header of a known usage or cost export")


def test_the_same_bucket_from_the_dashboard_csv_and_the_admin_api_is_one_row(tmp_path):
    csv_path = tmp_path / "completions_usage.csv"
    csv_path.write_text(
        "start_time,end_time,project_id,num_model_requests,user_id,api_key_id,model,batch,service_tier,"
        "input_tokens,output_tokens,input_cached_tokens\n"
        "1730419200,1730505600,proj_Alpha01,5.0,,,gpt-4o-mini-2024-07-18,False,default,5000.0,1000.0,4000.0\n"
    )
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([csv_path])
    # The Admin API page holds that bucket (with audio details the CSV lacks) plus three other results.
    (result,) = store.import_files([GOOD / "openai_admin_pages.json"])
    assert (result.rows_inserted, result.rows_replaced, result.rows_unchanged) == (5, 1, 0)
    with store.reader() as con:
        alpha = "SELECT count(*) FROM usage_effective WHERE project_id = 'proj_Alpha01'"
        assert con.execute(alpha).fetchone() == (3,)


def test_query_keeps_money_as_decimal(tmp_path):
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([GOOD / "anthropic_cost_report.json"])
    frame = store.query("SELECT amount_usd FROM costs ORDER BY amount_usd")
    assert list(frame["amount_usd"]) == [Decimal("0.000375"), Decimal("1.2345"), Decimal("10")]


def test_the_same_cost_from_the_dashboard_csv_and_the_costs_api_is_one_row(tmp_path):
    csv_path = tmp_path / "cost.csv"
    csv_path.write_text(
        "start_time,end_time,amount_value,amount_currency,line_item,project_id\n"
        '1730419200,1730505600,0.0600000000000000,usd,"gpt-4o-mini-2024-07-18, input",proj_Alpha01\n'
    )
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([csv_path])
    (result,) = store.import_files([GOOD / "openai_admin_pages.json"])
    assert (result.rows_inserted, result.rows_replaced, result.rows_unchanged) == (5, 0, 1)


def test_claude_console_key_and_workspace_names_show_in_breakdowns(tmp_path):
    from datetime import date

    from analytics import reports

    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([GOOD / "claude_usage_2025-10.csv"])
    by_key = reports.daily_spend(store, date(2025, 10, 1), date(2025, 10, 31), by="api_key")
    assert set(by_key["api_key"]) == {"support-bot", "research"}
    by_workspace = reports.daily_spend(store, date(2025, 10, 1), date(2025, 10, 31), by="workspace")
    assert set(by_workspace["workspace"]) == {"Default", "Research"}
    assert sum(by_key["cost_usd"]) == sum(by_workspace["cost_usd"]) > 0
    by_provider = reports.daily_spend(store, date(2025, 10, 1), date(2025, 10, 31), by="provider")
    assert set(by_provider["provider"]) == {"anthropic"}
    kept = reports.daily_spend(
        store, date(2025, 10, 1), date(2025, 10, 31), by="api_key", where={"api_key": ["research"]}
    )
    assert set(kept["api_key"]) == {"research"}
    assert "research" in reports.filter_options(store, date(2025, 10, 1), date(2025, 10, 31))["api_key"]
