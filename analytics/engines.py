"""Engine URL -> Ibis backend, so the same reports run on DuckDB, a Spark cluster or a warehouse.

    duckdb://                      in-process DuckDB (the default; `duckdb:///path.duckdb` for a file)
    spark://host:7077              a Spark standalone cluster (PySpark builds the session)
    local[2]  /  spark://local[2]  Spark in local mode on this machine (tests, benchmarks)
    anything else                  an Ibis connection URL: `bigquery://project/dataset`,
                                   `snowflake://user:pass@account/db/schema`, `clickhouse://host`, `trino://...`

The URL comes from `--engine` or `$LLM_COST_ENGINE` (configuration only: no code names a cluster).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

ENGINE_ENV = "LLM_COST_ENGINE"
DEFAULT_ENGINE = "duckdb://"
# Local-mode Spark sized for a small machine: two threads, few shuffle partitions, no web UI, loopback only.
SPARK_LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.sql.session.timeZone": "UTC",  # a "day" is a UTC day on every engine
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",  # month=2026-11 stays text
    "spark.sql.ansi.enabled": "true",  # overflow is an error, never a silent NULL
    "spark.driver.memory": "2g",
    # No spark-warehouse/ folder in the working directory: nothing here creates managed tables.
    "spark.sql.warehouse.dir": os.path.join(tempfile.gettempdir(), "llm-cost-spark-warehouse"),
}


def engine_url(url: str | None = None) -> str:
    """Returns `url`, else $LLM_COST_ENGINE, else the in-process DuckDB."""
    return (url or os.environ.get(ENGINE_ENV, "") or DEFAULT_ENGINE).strip()


def connect(url: str | None = None) -> Any:
    """Returns an Ibis backend for an engine URL (see the module docstring)."""
    url = engine_url(url)
    if is_spark(url):
        return _spark_backend(url)
    import ibis

    if url.startswith("duckdb://"):
        return duckdb_backend(url.removeprefix("duckdb://") or None)
    try:
        return ibis.connect(url)
    except Exception as error:  # Ibis raises many kinds; the user needs the URL and the reason
        raise ValueError(f"cannot connect to engine {url!r}: {error}") from None


def is_spark(url: str) -> bool:
    return url.startswith(("spark://", "local[", "local", "yarn", "k8s://"))


def spark_session(master: str = "local[2]", *, app_name: str = "llm-cost") -> Any:
    """Returns a SparkSession on `master`; local masters get `SPARK_LOCAL_CONF`."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName(app_name)
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # never bind an outside interface
        for key, value in SPARK_LOCAL_CONF.items():
            builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_backend(session: Any) -> Any:
    """Returns Ibis's PySpark backend on an existing session."""
    import ibis

    return ibis.pyspark.connect(session)


def _spark_backend(url: str) -> Any:
    master = url.removeprefix("spark://") if url.startswith("spark://local") else url
    try:
        return spark_backend(spark_session(master))
    except ImportError:
        raise ValueError(
            "the Spark engine needs pyspark and a Java runtime: pip install 'llm-cost[spark]'"
        ) from None


def duckdb_compat() -> None:
    """Lets Ibis 12 drive DuckDB 2, which renamed the Arrow fetch methods Ibis calls.

    DuckDB 2 spells `fetch_arrow_table` / `fetch_record_batch` as `to_arrow_table` / `to_arrow_reader`;
    the old names are added back as aliases (only when missing), until an Ibis release uses the new ones.
    """
    import duckdb

    cls = duckdb.DuckDBPyConnection
    if not hasattr(cls, "fetch_arrow_table"):
        cls.fetch_arrow_table = lambda self, rows_per_batch=1_000_000: self.to_arrow_table()
    if not hasattr(cls, "fetch_record_batch"):
        cls.fetch_record_batch = lambda self, rows_per_batch=1_000_000: self.to_arrow_reader(rows_per_batch)


def duckdb_backend(path: str | None = None, *, read_only: bool = False) -> Any:
    """Returns Ibis's DuckDB backend: in memory, or on a database file."""
    import ibis

    duckdb_compat()
    backend = ibis.duckdb.connect(path or ":memory:", read_only=read_only)
    backend.raw_sql("SET TimeZone = 'UTC'")
    return backend
