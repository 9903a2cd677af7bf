"""The facts the portable reports read, as Ibis tables on any backend: usage, costs and the price table.

Every source is turned into the export's schema (`analytics.export.USAGE_SCHEMA` / `COSTS_SCHEMA`, plus
`provider`), so the report core is written once against one set of columns:

* `from_store`: the DuckDB store, read in place (its `*_effective` views, `context_window` pulled out of
  the JSON `details` in DuckDB SQL — the one engine-specific step);
* `from_parquet`: an `llm-cost export --parquet` folder, on any backend that reads Parquet (DuckDB, Spark);
* `from_table`: somebody else's table (a gateway's request log in a warehouse) through a `TableMapping`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt

if TYPE_CHECKING:
    from ibis.backends import BaseBackend
    from ibis.expr.types import Table

    from analytics.store import Store

_TOKENS = (
    "requests",
    "input_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
)
_TEXT = ("project_id", "api_key_id", "user_id", "workspace", "model", "service_tier", "context_window")
# The usage columns the report core reads (of the export schema).
USAGE_COLUMNS = ("provider", "period_start", "batch", *_TEXT, *_TOKENS)
COST_COLUMNS = ("provider", "period_start", "project_id", "workspace", "line_item", "model", "amount_usd")
MONEY = dt.Decimal(38, 12)


@dataclass(frozen=True)
class Facts:
    """Usage and cost facts on one Ibis backend; `prices` None = priced from the price book when run."""

    backend: BaseBackend
    usage: Table
    costs: Table
    prices: Table | None = None
    labels: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, id) -> name, as Store.labels()

    def execute(self, expr: Any) -> Any:
        return self.backend.to_pandas(expr)


def from_store(store: Store) -> Facts:
    """Returns the store's facts on Ibis's DuckDB backend (read-only; the default engine)."""
    from analytics.engines import duckdb_backend

    backend = duckdb_backend(str(store.path), read_only=True)  # days are UTC days there
    present = set(backend.table("usage").columns)
    one_hour = "cache_write_1h_tokens" if "cache_write_1h_tokens" in present else "0"
    usage = backend.sql(
        f"""SELECT provider, period_start, project_id, api_key_id, api_key_name, user_id, workspace, model,
                   service_tier, batch, details->>'context_window' AS context_window, requests, input_tokens,
                   cached_input_tokens, cache_write_tokens,
                   CAST({one_hour} AS BIGINT) AS cache_write_1h_tokens, output_tokens
            FROM usage_effective"""
    )
    costs = backend.sql(f"SELECT {', '.join(COST_COLUMNS)} FROM costs_effective")
    return Facts(backend, usage, costs, None, store.labels())


def from_parquet(backend: BaseBackend, folder: str | Path, *, labels: dict | None = None) -> Facts:
    """Returns the facts of an `llm-cost export --parquet` folder on `backend` (its price table included).

    `folder` is a path or URL the backend can read (a local folder, `s3://...`, `dbfs:/...`); the Hive
    folders `provider=` and `month=` become columns, and `month` filters prune whole partitions.
    """
    root = str(folder).rstrip("/")
    usage = _read_hive(backend, f"{root}/usage")
    costs = _read_hive(backend, f"{root}/costs")
    prices = backend.read_parquet(f"{root}/prices/prices.parquet")
    if labels is None:
        names = backend.read_parquet(f"{root}/labels/labels.parquet") if _has_labels(root) else None
        frame = backend.to_pandas(names) if names is not None else None
        labels = {} if frame is None else {(r.kind, r.id): r.name for r in frame.itertuples(index=False)}
    return Facts(backend, usage, costs, prices, dict(labels))


def _has_labels(root: str) -> bool:
    # Exports before labels were written have none; a remote URL is taken to have them.
    return "://" in root or (Path(root) / "labels" / "labels.parquet").is_file()


def _read_hive(backend: BaseBackend, path: str) -> Table:
    name = backend.name
    if name == "duckdb":
        table = backend.read_parquet(
            f"{path}/*/*/*.parquet", hive_partitioning=True, hive_types_autocast=False
        )
    else:  # Spark and the rest discover Hive partition folders from the root
        table = backend.read_parquet(path)
    return table


def manifest(folder: str | Path) -> dict[str, Any]:
    """Returns an export's manifest (row counts, days covered, unpriced models)."""
    return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- foreign tables


@dataclass(frozen=True)
class TableMapping:
    """Which column of a foreign table holds each usage field (a per-request or per-bucket log).

    Required: `time`, `model`, `input_tokens`, `output_tokens`. Optional (missing = null / 0): the rest.
    `provider` may be a column or, written `=openai`, one constant for the whole table. A `billed_usd`
    column (what the gateway says each row cost) is read as billed cost for the provider's day.
    """

    columns: dict[str, str]

    FIELDS = (
        "time",
        "model",
        "provider",
        "project",
        "api_key",
        "user",
        "service_tier",
        "batch",
        "requests",
        "input_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "output_tokens",
        "billed_usd",
    )
    REQUIRED = ("time", "model", "input_tokens", "output_tokens")

    @classmethod
    def parse(cls, pairs: list[str] | tuple[str, ...]) -> TableMapping:
        """Returns the mapping of `field=column` strings (several may be joined by commas)."""
        columns: dict[str, str] = {}
        for pair in (p.strip() for text in pairs for p in text.split(",") if p.strip()):
            name, sep, column = pair.partition("=")
            name, column = name.strip(), column.strip()
            if not sep or not column:
                raise ValueError(f"a mapping is written field=column (e.g. time=ts), got {pair!r}")
            if name not in cls.FIELDS:
                raise ValueError(
                    f"unknown field {name!r} in the mapping; expected some of {', '.join(cls.FIELDS)}"
                )
            columns[name] = column
        missing = [f for f in cls.REQUIRED if f not in columns]
        if missing:
            raise ValueError(f"the mapping lacks {', '.join(missing)} (write e.g. {missing[0]}=column_name)")
        return cls(columns)


def from_table(
    backend: BaseBackend, table: str | Table, mapping: TableMapping, *, provider: str = "gateway"
) -> Facts:
    """Returns a foreign table as facts: one usage row per table row, costs from `billed_usd` if mapped.

    Each row is its own bucket (period_start = its time); a per-request log has `requests` 1 per row.
    `cached_input_tokens` and `cache_write_tokens` are parts of `input_tokens`, as in our schema.
    """
    source = backend.table(table) if isinstance(table, str) else table
    cols = mapping.columns
    absent = [c for f, c in cols.items() if not c.startswith("=") and c not in source.columns]
    if absent:
        raise ValueError(
            f"table {table if isinstance(table, str) else 'given'} has no column {absent[0]!r}; "
            f"its columns are {', '.join(source.columns)}"
        )

    def column(name: str, kind: dt.DataType, default: Any) -> Any:
        given = cols.get(name)
        if given is None:
            return ibis.literal(default, type=kind)
        if given.startswith("="):
            return ibis.literal(given[1:], type=kind)
        return source[given].cast(kind)

    time = source[cols["time"]]
    if not time.type().is_timestamp():
        time = time.cast(dt.Timestamp(timezone="UTC"))
    rows = source.select(
        amount_usd=source[cols["billed_usd"]].cast(MONEY) if "billed_usd" in cols else ibis.null(MONEY),
        line_item=ibis.literal(None, type=dt.string),
        provider=column("provider", dt.string, provider),
        period_start=time,
        project_id=column("project", dt.string, None),
        api_key_id=column("api_key", dt.string, None),
        api_key_name=ibis.literal(None, type=dt.string),
        user_id=column("user", dt.string, None),
        workspace=ibis.literal(None, type=dt.string),
        model=column("model", dt.string, None),
        service_tier=column("service_tier", dt.string, None),
        batch=column("batch", dt.boolean, False),
        context_window=ibis.literal(None, type=dt.string),
        requests=column("requests", dt.int64, 1),
        input_tokens=column("input_tokens", dt.int64, 0),
        cached_input_tokens=column("cached_input_tokens", dt.int64, 0),
        cache_write_tokens=column("cache_write_tokens", dt.int64, 0),
        cache_write_1h_tokens=ibis.literal(0, type=dt.int64),
        output_tokens=column("output_tokens", dt.int64, 0),
    )
    usage = rows.drop("amount_usd", "line_item")
    if "billed_usd" in cols:
        costs = rows.filter(rows.amount_usd.notnull()).select(*COST_COLUMNS)
    else:
        costs = ibis.memtable(
            {c: [] for c in COST_COLUMNS},
            schema={
                **{c: dt.string for c in COST_COLUMNS},
                "period_start": dt.Timestamp(timezone="UTC"),
                "amount_usd": MONEY,
            },
        )
    return Facts(backend, usage, costs, None, {})


def days_covered(facts: Facts) -> tuple[date, date] | None:
    """Returns the first and last UTC day with usage or cost rows, or None when there are none."""
    parts = [
        t.aggregate(first=t.period_start.date().min(), last=t.period_start.date().max())
        for t in (facts.usage, facts.costs)
    ]
    rows = [facts.execute(p).iloc[0] for p in parts]
    firsts = [r["first"] for r in rows if r["first"] is not None and r["first"] == r["first"]]
    lasts = [r["last"] for r in rows if r["last"] is not None and r["last"] == r["last"]]
    if not firsts:
        return None
    return _as_date(min(firsts)), _as_date(max(lasts))


def _as_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value
