"""How the month report's cost grows with rows, per engine: DuckDB on the store, DuckDB on the Parquet export,
Spark local mode on the Parquet export — one table of seconds, ratios and peak memory, in one run.

For each size, a store is generated in DuckDB SQL (`analytics.portable.synthetic`, three providers, bills
for 40 of 61 days) and exported with `llm-cost export --parquet`. The month report is October's month
status (daily series, weekday forecast) plus its breakdown by project:

* anchor — `reports.month_status(store, by="project")`, the DuckDB SQL the CLI and app run;
* duckdb/store — the portable (Ibis) core on the same store file;
* duckdb/parquet — the portable core on the export, DuckDB reading Parquet;
* spark/parquet — the portable core on the export, Spark `local[2]` (JVM start not counted).

Every measurement runs in its own process (so peak memory is its own: Python's, plus the JVM's for Spark),
warm: once untimed, then the best of `--repeat`. Seconds are ratios to the anchor timed on the same data
in the same run. Prints figures; asserts nothing. Temp files are removed at the end.

    .venv/bin/python benchmarks/bench_scale.py                      # 1M and 10M rows
    .venv/bin/python benchmarks/bench_scale.py --rows 100000000     # several GB of disk, and patience
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

MONTH = date(2026, 10, 1)
ENGINES = ("anchor", "duckdb/store", "duckdb/parquet", "spark/parquet")


def _peak_mb(jvm_pid: int | None = None) -> float:
    """This process's peak resident memory (VmHWM: its own, unlike ru_maxrss, which Linux carries over from
    the parent across fork and exec), plus the JVM's for Spark."""
    peak = 0.0
    for pid in ("self", *([str(jvm_pid)] if jvm_pid else [])):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak += int(line.split()[1]) / 1024  # kB
    return peak


def measure(engine: str, store_path: str, parquet: str, repeat: int) -> dict[str, float]:
    """Runs one engine's month report (warm, best of `repeat`); returns seconds and peak MB."""
    warnings.filterwarnings("ignore")
    from analytics import engines, portable, reports
    from analytics.store import Store

    store = Store.open(Path(store_path))
    jvm = None
    if engine == "anchor":

        def run() -> object:
            return reports.month_status(store, MONTH, by="project")
    else:
        if engine == "duckdb/store":
            facts = portable.from_store(store)
        elif engine == "duckdb/parquet":
            facts = portable.from_parquet(engines.duckdb_backend(), parquet)
        else:
            session = engines.spark_session("local[2]", app_name="llm-cost-bench")
            facts = portable.from_parquet(engines.spark_backend(session), parquet)
            jvm = session.sparkContext._gateway.proc.pid

        def run() -> object:
            inputs = portable.month_inputs(facts, MONTH)
            return inputs, portable.daily_spend(facts, MONTH, inputs.as_of, by="project")

    run()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return {"seconds": best, "peak_mb": _peak_mb(jvm)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--engines", default=",".join(ENGINES), help=f"some of {','.join(ENGINES)}")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one measurement in a child process
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--parquet", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.store, args.parquet, args.repeat)))
        return

    from analytics.export import export_parquet
    from analytics.portable import synthetic
    from analytics.store import Store

    chosen = [e for e in args.engines.split(",") if e]
    results: list[tuple[int, str, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="llm-cost-scale-") as tmp:
        for rows in args.rows:
            folder = Path(tmp) / str(rows)
            store = Store.open(folder / "gen.duckdb")
            started = time.perf_counter()
            synthetic.generate(store, rows)
            generated = time.perf_counter() - started
            started = time.perf_counter()
            export_parquet(store, folder / "parquet")
            exported = time.perf_counter() - started
            size = sum(p.stat().st_size for p in (folder / "parquet").rglob("*.parquet")) / 2**20
            print(f"{rows:,} rows: generated in {generated:.1f} s, exported in {exported:.1f} s"
                  f" ({size:.0f} MB Parquet)", flush=True)  # fmt: skip
            for engine in chosen:
                out = subprocess.run(
                    [sys.executable, __file__, "--measure", engine, "--store", str(store.path),
                     "--parquet", str(folder / "parquet"), "--repeat", str(args.repeat)],
                    capture_output=True, text=True, check=True,
                    env={**os.environ, "PYTHONWARNINGS": "ignore"},
                )  # fmt: skip
                figures = json.loads(out.stdout.strip().splitlines()[-1])
                results.append((rows, engine, figures["seconds"], figures["peak_mb"]))
                print(
                    f"  {engine:15} {figures['seconds']:8.2f} s  peak {figures['peak_mb']:7.0f} MB",
                    flush=True,
                )
            store.path.unlink()  # disk: the next size's files
    print()
    print("| rows | engine | seconds | x anchor (DuckDB SQL on the store) | peak memory MB |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for rows, engine, seconds, peak in results:
        anchor = next((s for r, e, s, _ in results if r == rows and e == "anchor"), None)
        ratio = f"{seconds / anchor:.1f}x" if anchor else "-"
        print(f"| {rows:,} | {engine} | {seconds:.2f} | {ratio} | {peak:.0f} |")


if __name__ == "__main__":
    main()
