"""Times the spend reports on 10,000,000 usage rows against a bare DuckDB GROUP BY over the same table.

Goals (issue 4): the month report (daily series, one breakdown, forecast) < 1 s warm; the estimated-cost
pricing of all rows (tokens x dated price, tier and cache aware, in SQL) < 3 s. Both are printed as ratios
to the anchor `SELECT day, model, sum(tokens) ... GROUP BY` run in the same process. Prints figures;
asserts nothing. Temp files live in a temp dir, removed at the end.

    .venv/bin/python benchmarks/bench_reports.py [--rows 10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from analytics import reports
from analytics.budgets import set_budget
from analytics.store import Store

ROWS = 10_000_000
FIRST_DAY = date(2026, 9, 1)
DAYS = 60  # 1 Sep .. 30 Oct 2026, hourly buckets
MONTH = date(2026, 10, 1)
MODELS = [
    "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-5-2025-08-07", "gpt-5-mini-2025-08-07",
    "gpt-4.1-nano-2025-04-14", "o4-mini-2025-04-16", "gpt-4.1-mini-2025-04-14",
]  # fmt: skip


def generate(store: Store, rows: int) -> None:
    """Inserts `rows` usage rows in time order (as imports add them): 60 days of hourly buckets x
    20 projects x 50 keys x 200 users x 7 models, 10% batch, some cached input."""
    models = "[" + ", ".join(f"'{m}'" for m in MODELS) + "]"
    with store.writer() as con:
        con.execute("SET preserve_insertion_order = false")
        con.execute(
            # Columns named: the table has grown since (cache_write_1h_tokens, dataset, superseded_by),
            # and a positional INSERT broke `make bench` when it did.
            f"""INSERT INTO usage (provider, source_format, import_id, record_key, period_start, period_end,
                project_id, project_name, api_key_id, api_key_name, user_id, workspace, model, service_tier,
                batch, requests, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
                reasoning_tokens, details, dataset)
            SELECT 'openai', 'bench', 1, i::UHUGEINT,
                   TIMESTAMPTZ '2026-09-01 00:00:00+00' + to_hours(i * {DAYS * 24} // {rows}),
                   TIMESTAMPTZ '2026-09-01 01:00:00+00' + to_hours(i * {DAYS * 24} // {rows}),
                   'proj_' || (i % 20), NULL, 'key_' || (i % 50), NULL, 'user-' || (i % 200), NULL,
                   {models}[1 + (i // 3) % 7], CASE WHEN i % 10 = 0 THEN 'batch' ELSE 'default' END,
                   i % 10 = 0, 1 + i % 5, 1000 + i % 5000, (i % 3) * 300, 0, 100 + i % 700, 0, NULL,
                   'openai:completions'
            FROM range({rows}) t(i)"""
        )
        con.execute("CHECKPOINT")


def best_of(repeat: int, run: Callable[[], object]) -> float:
    run()  # warm: file pages and the price catalog
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="llm-cost-bench-") as folder:
        store = Store.open(Path(folder) / "bench.duckdb")
        started = time.perf_counter()
        generate(store, args.rows)
        print(f"generated {args.rows:,} usage rows in {time.perf_counter() - started:.1f} s")
        set_budget(store, 1_000_000)

        def anchor() -> object:
            with store.reader() as con:
                return con.execute(
                    "SELECT CAST(period_start AS DATE) AS day, model, sum(input_tokens), "
                    "sum(cached_input_tokens), sum(output_tokens) FROM usage GROUP BY ALL"
                ).fetchall()

        def month_report() -> object:
            return reports.month_status(store, MONTH, by="model")

        last = date.fromordinal(FIRST_DAY.toordinal() + DAYS - 1)

        def price_everything() -> object:
            return reports.daily_spend(store, FIRST_DAY, last)

        base = best_of(args.repeat, anchor)
        rows = f"{args.rows:,} rows"
        print(f"anchor: bare GROUP BY day, model over {rows}: {base:.3f} s")
        month = best_of(args.repeat, month_report)
        pricing = best_of(args.repeat, price_everything)
        print(f"  month report (daily, by model, forecast), warm: {month:.3f} s"
              f" = {month / base:.2f}x anchor (goal < 1 s)")  # fmt: skip
        print(f"  estimated cost of all {rows}: {pricing:.3f} s = {pricing / base:.2f}x anchor (goal < 3 s)")
        status = month_report()
        total = sum(price_everything()["cost_usd"])
        print(f"(October spent {status.spent_usd:.2f} USD, forecast {status.forecast.expected_usd:.2f}; "
              f"all rows {total:.2f} USD)")  # fmt: skip


if __name__ == "__main__":
    main()
