"""Times the Overview page's first full render on 1,000,000 usage rows against the same reports run bare.

Goal (issue 5): the first full render (server start and imports excluded) < 2 s. The render is timed with
Streamlit's AppTest (the page's script, its widgets and its report calls, Streamlit's cache cold); the
anchor is the same library calls — `reports.month_status` with the model breakdown, the project and key
breakdowns, the anomalies — run bare in the same process. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_app.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench_reports import generate  # same folder: the 60-day hourly synthetic organisation

from analytics import reports
from analytics.budgets import set_budget
from analytics.store import Store

ROWS = 1_000_000
PAGE = "from analytics.ui import overview\noverview.show()\n"


def bare(store: Store) -> object:
    """The queries behind the Overview, without Streamlit."""
    span = reports.data_range(store)
    status = reports.month_status(store, span[1], by="model")
    start, end = status.month, status.as_of
    return (
        status,
        reports.daily_spend(store, start, end, by="project"),
        reports.daily_spend(store, start, end, by="api_key"),
        reports.anomalies(store, start, end),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="llm-cost-bench-app-") as folder:
        path = Path(folder) / "bench.duckdb"
        os.environ["LLM_COST_DB"] = str(path)
        store = Store.open(path)
        started = time.perf_counter()
        generate(store, args.rows)
        print(f"generated {args.rows:,} usage rows in {time.perf_counter() - started:.1f} s")
        set_budget(store, 1_000_000)

        import streamlit as st
        from streamlit.testing.v1 import AppTest

        # Imports (streamlit, altair, the page modules) happen here, outside the timed runs.
        AppTest.from_string("import streamlit as st\nfrom analytics.ui import overview\n").run()
        bare(store)  # warm the file pages and the price catalog for both sides

        bare_times, render_times, rerun_times = [], [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            bare(store)
            bare_times.append(time.perf_counter() - t)

            st.cache_data.clear()  # a first render: nothing cached by the app
            at = AppTest.from_string(PAGE, default_timeout=300)
            t = time.perf_counter()
            at.run()
            render_times.append(time.perf_counter() - t)
            if at.exception:
                raise SystemExit(f"the Overview failed: {at.exception[0].message}")
            t = time.perf_counter()
            at.run()  # a rerun (a widget change elsewhere on the page): the reports come from the cache
            rerun_times.append(time.perf_counter() - t)

        base, render, rerun = min(bare_times), min(render_times), min(rerun_times)
        rows = f"{args.rows:,} rows"
        print(f"anchor: the Overview's report queries run bare over {rows}: {base:.3f} s")
        ratio = render / base
        print(
            f"  Overview first full render (AppTest, cache cold): {render:.3f} s = {ratio:.2f}x anchor"
            " (goal < 2 s)"
        )
        print(f"  Overview rerun (reports cached): {rerun:.3f} s = {rerun / base:.2f}x anchor")
        print(f"(metrics shown: {', '.join(f'{m.label} {m.value}' for m in at.metric)})")


if __name__ == "__main__":
    main()
