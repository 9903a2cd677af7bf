"""Parquet export: Hive layout, types, the effective-rows rule, determinism, refusal of foreign folders; and
the portable (Ibis) report core on DuckDB agreeing with `analytics.reports` to the last digit."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analytics import demo, engines, portable, reports
from analytics.cli import main
from analytics.export import COSTS_SCHEMA, USAGE_SCHEMA, export_parquet
from analytics.portable import synthetic
from analytics.store import Store

DEMO_END = date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("demo")
    store = Store.open(folder / "demo.duckdb")
    demo.load(store, folder / "exports", end=DEMO_END)
    return store


@pytest.fixture(scope="module")
def small_generated(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Every rule the generator reaches (org rows, tiers, Claude windows, Gemini long context) in 30k rows."""
    store = Store.open(tmp_path_factory.mktemp("gen") / "gen.duckdb")
    synthetic.generate(store, 30_000)
    return store


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_export_layout_types_and_counts(small_generated, tmp_path):
    result = export_parquet(small_generated, tmp_path / "out")
    out = tmp_path / "out"
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet"))
    assert "usage/provider=openai/month=2026-09/part-00000.parquet" in files
    assert "usage/provider=anthropic/month=2026-10/part-00000.parquet" in files
    assert "costs/provider=openai/month=2026-10/part-00000.parquet" in files
    assert "prices/prices.parquet" in files
    usage = pq.read_schema(out / "usage/provider=openai/month=2026-09/part-00000.parquet")
    assert usage.equals(USAGE_SCHEMA)
    assert usage.field("period_start").type == pa.timestamp("us", tz="UTC")
    costs = pq.read_schema(out / "costs/provider=openai/month=2026-09/part-00000.parquet")
    assert costs.equals(COSTS_SCHEMA)
    assert costs.field("amount_usd").type == pa.decimal128(38, 12)
    prices = pq.read_table(out / "prices/prices.parquet")
    assert prices.schema.field("input_per_mtok").type == pa.decimal128(38, 12)
    assert set(prices.column("tier").to_pylist()) >= {"standard", "batch"}

    # Only the effective rows: organisation rows of buckets that have project rows are left out.
    with small_generated.reader() as con:
        (effective,) = con.execute("SELECT count(*) FROM usage_effective").fetchone()
        (raw,) = con.execute("SELECT count(*) FROM usage").fetchone()
        (billed,) = con.execute("SELECT sum(amount_usd) FROM costs_effective").fetchone()
    assert raw > effective == result.usage_rows
    (exported,) = duckdb.sql(
        f"SELECT count(*), sum(input_tokens) FILTER (WHERE provider = 'google'),"
        f" count(*) FILTER (WHERE context_window = '> 200k') FROM read_parquet('{out}/usage/*/*/*.parquet',"
        " hive_partitioning = true)"
    ).fetchall()
    assert exported[0] == effective and exported[1] > 0 and exported[2] > 0
    ((exported_billed,),) = duckdb.sql(
        f"SELECT sum(amount_usd) FROM read_parquet('{out}/costs/*/*/*.parquet', hive_partitioning = true)"
    ).fetchall()
    assert exported_billed == billed and isinstance(exported_billed, Decimal)


def test_reexport_is_byte_identical_and_drops_stale_partitions(small_generated, tmp_path):
    out = tmp_path / "out"
    export_parquet(small_generated, out)
    first = _digest(out)
    (out / "usage" / "provider=stale").mkdir()
    (out / "usage" / "provider=stale" / "x.parquet").write_bytes(b"old")
    export_parquet(small_generated, out)
    assert _digest(out) == first


def test_export_refuses_a_folder_that_is_not_an_export(small_generated, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(ValueError, match="not an llm-cost export"):
        export_parquet(small_generated, folder)
    assert (folder / "holiday.jpg").read_bytes() == b"\xff\xd8"


def test_cli_export(demo_store, tmp_path):
    out = tmp_path / "exported"
    result = CliRunner().invoke(main, ["export", "--parquet", str(out), "--db", str(demo_store.path)])
    assert result.exit_code == 0, result.output
    assert "850 usage rows" in result.output
    assert (out / "manifest.json").is_file()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("keep me")
    refused = CliRunner().invoke(
        main, ["export", "--parquet", str(tmp_path / "other"), "--db", str(demo_store.path)]
    )
    assert refused.exit_code == 2 and "not an llm-cost export" in refused.output


# --- the portable core on DuckDB agrees with reports ------------------------------------------------------


def _same(a, b) -> bool:
    return a.reset_index(drop=True).astype(str).equals(b.reset_index(drop=True).astype(str))


# Totals, a bill-carried dimension keyed by canonical model, a split (allocated) one, a Claude-only one;
# project, user and tier take the same paths (project: on the demo below).
@pytest.mark.parametrize("by", [None, "model", "api_key", "workspace"])
def test_portable_on_the_store_equals_reports(small_generated, by):
    start, end = date(2026, 9, 1), date(2026, 10, 31)
    expected = reports.daily_spend(small_generated, start, end, by=by)
    got = portable.daily_spend(portable.from_store(small_generated), start, end, by=by)
    assert _same(expected, got), (expected.head(), got.head())


def test_portable_on_parquet_equals_reports_on_the_demo(demo_store, tmp_path):
    export_parquet(demo_store, tmp_path / "out")
    facts = portable.from_parquet(engines.duckdb_backend(), tmp_path / "out", labels=demo_store.labels())
    start, end = date(2026, 9, 1), DEMO_END
    for by in (None, "project", "api_key"):
        assert _same(
            reports.daily_spend(demo_store, start, end, by=by), portable.daily_spend(facts, start, end, by=by)
        )
    status = reports.month_status(demo_store, date(2026, 11, 1))
    inputs = portable.month_inputs(facts, date(2026, 11, 1))
    assert (inputs.as_of, inputs.spent_usd, inputs.basis) == (status.as_of, status.spent_usd, status.basis)
    assert inputs.forecast.expected_usd == status.forecast.expected_usd
    assert _same(
        inputs.days[["date", "cost_usd", "basis", "cumulative_usd"]],
        status.days[["date", "cost_usd", "basis", "cumulative_usd"]],
    )


def test_portable_what_if_equals_reports(small_generated):
    start, end = date(2026, 10, 1), date(2026, 10, 31)
    for model_map, tier in (
        ({"gpt-4o": "gpt-4o-mini"}, None),
        ({}, "batch"),
        ({"claude-sonnet-4-5": "claude-haiku-4-5"}, "batch"),
    ):
        expected = reports.what_if(small_generated, start, end, model_map=model_map, tier=tier)
        got = portable.what_if(
            portable.from_store(small_generated), start, end, model_map=model_map, tier=tier
        )
        assert (got.actual_usd, got.scenario_usd) == (expected.actual_usd, expected.scenario_usd)
        assert got.scenario_usd != got.actual_usd


def test_portable_reconcile_join_covers_every_bill(small_generated):
    """Reconcile's join: every billed cent lands on a (day, provider, model) row beside its token estimate;
    days the bill has unitemised lines (tool calls) have one row with no model."""
    start, end = date(2026, 9, 1), date(2026, 10, 31)
    frame = portable.reconcile(portable.from_store(small_generated), start, end)
    with small_generated.reader() as con:
        (billed,) = con.execute("SELECT sum(amount_usd) FROM costs_effective").fetchone()
    assert sum(frame["billed_usd"]) == billed
    unitemised = frame[frame["model"].isna()]
    assert len(unitemised) > 0 and all(d.day % 7 == 0 for d in unitemised["date"])
    assert (frame["estimated_usd"] > 0).all()
    assert set(frame["provider"]) == {"openai"}


def _day_totals(frame) -> dict[tuple, tuple[Decimal, Decimal]]:
    totals: dict[tuple, tuple[Decimal, Decimal]] = {}
    for row in frame.itertuples(index=False):
        billed, estimated = totals.get((row.date, row.provider), (Decimal(0), Decimal(0)))
        totals[(row.date, row.provider)] = (
            billed + (row.billed_usd or Decimal(0)),
            estimated + (row.estimated_usd or Decimal(0)),
        )
    return totals


@pytest.mark.parametrize("store_name", ["small_generated", "demo_store"])
def test_portable_reconcile_join_agrees_with_reports_reconcile(store_name, request):
    """The portable join and `reports.reconcile` (which compares at finer levels) bill and estimate every
    (day, provider) alike, to the 12th decimal."""
    store = request.getfixturevalue(store_name)
    start, end = reports.data_range(store)
    portable_totals = _day_totals(portable.reconcile(portable.from_store(store), start, end))
    assert portable_totals
    assert portable_totals == _day_totals(reports.reconcile(store, start, end))


def test_cli_report_on_an_export_picks_the_engine_from_the_environment(demo_store, tmp_path):
    export_parquet(demo_store, tmp_path / "out")
    result = CliRunner().invoke(
        main,
        ["report", "--parquet", str(tmp_path / "out"), "--month", "2026-11", "--by", "project", "--json"],
        env={"LLM_COST_ENGINE": "duckdb://"},
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    status = reports.month_status(demo_store, date(2026, 11, 1))
    assert out["engine"] == "duckdb"
    assert Decimal(out["spent_usd"]) == status.spent_usd
    assert Decimal(out["forecast_usd"]) == status.forecast.expected_usd
    assert {r["project"] for r in out["breakdown"]} == {"Research agents", "Support assistant",
                                                       "Document pipeline", "Semantic search"}  # fmt: skip
    unknown = CliRunner().invoke(
        main, ["report", "--parquet", str(tmp_path / "out")], env={"LLM_COST_ENGINE": "nosuch://x"}
    )
    assert unknown.exit_code == 2 and "nosuch://x" in unknown.output
