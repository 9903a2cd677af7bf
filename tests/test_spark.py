"""Apache Spark (local mode, a real JVM) runs the portable reports over the Parquet export, and they equal the
DuckDB reports to the cent — on the demo store and on a generated store of a million rows — and a gateway's
request log (one row per request) is reported through a column mapping, from the CLI.

One SparkSession serves the whole module (starting a JVM costs tens of seconds on this machine).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from analytics import demo, engines, portable, reports
from analytics.cli import main
from analytics.export import export_parquet
from analytics.portable import synthetic
from analytics.store import Store

pytestmark = pytest.mark.slow
DEMO_END = date(2026, 11, 20)
CENT = Decimal("0.01")


@pytest.fixture(scope="session")
def spark():
    session = engines.spark_session("local[2]", app_name="llm-cost-tests")
    yield engines.spark_backend(session)
    session.stop()


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark-demo")
    store = Store.open(folder / "demo.duckdb")
    demo.load(store, folder / "exports", end=DEMO_END)
    export_parquet(store, folder / "parquet")
    return store, folder / "parquet"


@pytest.fixture(scope="module")
def million_export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark-1m")
    store = Store.open(folder / "gen.duckdb")
    synthetic.generate(store, 1_000_000)
    export_parquet(store, folder / "parquet")
    return store, folder / "parquet"


def _cents(frame, by=None):
    keys = ["date", *([by] if by else [])]
    return [
        (*(row[k] for k in keys), row["cost_usd"].quantize(CENT), row["basis"])
        for row in frame.to_dict("records")
    ]


def test_spark_demo_equals_duckdb(spark, demo_export):
    store, parquet = demo_export
    facts = portable.from_parquet(spark, parquet, labels=store.labels())
    start = date(2026, 9, 1)
    for by in (None, "api_key"):  # a bill-carried total and a split (allocated) dimension
        expected = reports.daily_spend(store, start, DEMO_END, by=by)
        got = portable.daily_spend(facts, start, DEMO_END, by=by)
        assert _cents(got, by) == _cents(expected, by)
        assert sum(got["cost_usd"]) == sum(expected["cost_usd"])  # exact, not only to the cent
    status = reports.month_status(store, date(2026, 11, 1))
    inputs = portable.month_inputs(facts, date(2026, 11, 1))
    assert (inputs.as_of, inputs.spent_usd, inputs.forecast.expected_usd) == (
        status.as_of,
        status.spent_usd,
        status.forecast.expected_usd,
    )


def test_spark_million_rows_equal_duckdb(spark, million_export):
    store, parquet = million_export
    facts = portable.from_parquet(spark, parquet)
    start, end = date(2026, 9, 1), date(2026, 10, 31)
    for by in (None, "project"):
        expected = reports.daily_spend(store, start, end, by=by)
        got = portable.daily_spend(facts, start, end, by=by)
        assert len(expected) > 0 and _cents(got, by) == _cents(expected, by)
    assert {"billed", "estimated"} <= set(expected["basis"]) | {"billed"}


def test_spark_reads_a_gateway_request_log(spark, tmp_path):
    """One row per request, in a gateway's own column names, costs as the gateway logged them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    times = [f"2026-11-0{d} 1{h}:00:00+00:00" for d in (2, 3) for h in (0, 1, 2)]
    log = pa.table(
        {
            "request_ts": pa.array(times).cast(pa.timestamp("us", tz="UTC")),
            "llm_model": ["gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"] * 2,
            "team": ["search", "search", "support"] * 2,
            "virtual_key": ["vk-1", "vk-2", "vk-1"] * 2,
            "end_user": ["ann", "bob", "ann"] * 2,
            "prompt_tokens": [1_000_000, 2_000_000, 500_000] * 2,
            "cached_tokens": [0, 1_000_000, 0] * 2,
            "completion_tokens": [100_000, 0, 1_000_000] * 2,
            # The gateway's own cost on 3 Nov only: those rows are billed, 2 Nov is priced from tokens.
            "spend": pa.array([None] * 3 + ["0.25", "4.00", "0.70"]).cast(pa.decimal128(38, 12)),
        }
    )
    path = tmp_path / "gateway.parquet"
    pq.write_table(log, path)
    mapping = (
        "time=request_ts,model=llm_model,project=team,api_key=virtual_key,user=end_user,"
        "input_tokens=prompt_tokens,cached_input_tokens=cached_tokens,output_tokens=completion_tokens,"
        "billed_usd=spend,provider==openai"
    )
    facts = portable.from_table(spark, spark.read_parquet(str(path)), portable.TableMapping.parse([mapping]))
    days = portable.daily_spend(facts, date(2026, 11, 2), date(2026, 11, 3))
    # 2 Nov at the dated prices: 4o-mini 1M in x $0.15 + 0.1M out x $0.60 = $0.21; 4o 1M uncached x $2.50
    # + 1M cached x $1.25 = $3.75; 4o-mini 0.5M x $0.15 + 1M out x $0.60 = $0.675.  3 Nov: the bill, $4.95.
    assert list(days["cost_usd"]) == [Decimal("4.635"), Decimal("4.95")]
    assert list(days["basis"]) == ["estimated", "billed"]
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["report", "--engine", "local[2]", "--table", str(path), "--map", mapping, "--from", "2026-11-02",
         "--to", "2026-11-03", "--by", "project", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["spent_usd"] == "9.585000000000" and out["basis"] == "mixed"
    assert {(r["date"], r["project"]) for r in out["breakdown"]} >= {
        ("2026-11-02", "search"),
        ("2026-11-03", "support"),
    }
    bad = runner.invoke(
        main,
        [
            "report",
            "--engine",
            "local[2]",
            "--table",
            str(path),
            "--map",
            "time=nope,model=llm_model,input_tokens=prompt_tokens,output_tokens=completion_tokens",
        ],
    )
    assert bad.exit_code == 2 and "no column 'nope'" in bad.output
