"""The benchmarks' synthetic store is one the reports read: `make bench` is not run by CI, so a schema change
that breaks its generator (as the three columns usage gained did, unnoticed) fails here instead. No timing."""

from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

from analytics import reports
from analytics.store import Store

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _bench_reports():
    spec = importlib.util.spec_from_file_location("bench_reports", BENCHMARKS / "bench_reports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_report_benchmarks_rows_are_stored_and_priced(tmp_path: Path) -> None:
    bench = _bench_reports()
    store = Store.open(tmp_path / "bench.duckdb")
    bench.generate(store, 14_400)  # 60 days x 24 hourly buckets x 10 rows
    with store.reader() as con:
        stored, effective, first, last = con.execute(
            "SELECT (SELECT count(*) FROM usage), count(*), min(period_start)::DATE, max(period_start)::DATE "
            "FROM usage_effective"
        ).fetchone()
    assert (stored, effective) == (14_400, 14_400)
    assert (first, last) == (date(2026, 9, 1), date(2026, 10, 30))
    october = reports.month_status(store, bench.MONTH, by="model")
    daily = reports.daily_spend(store, date(2026, 10, 1), date(2026, 10, 31))
    assert october.spent_usd == sum(daily["cost_usd"], Decimal(0)) > 0
