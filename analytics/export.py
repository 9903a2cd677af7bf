"""Export the store as Hive-partitioned Parquet, for engines past one machine (Spark, warehouses).

Layout under the export folder (every path fixed, so a re-export of the same store is byte-identical):

    usage/provider=<p>/month=<YYYY-MM>/part-00000.parquet   the usage facts (`USAGE_SCHEMA`)
    costs/provider=<p>/month=<YYYY-MM>/part-00000.parquet   the billed facts (`COSTS_SCHEMA`)
    prices/prices.parquet                                   the dated price table the reports join
    labels/labels.parquet                                   names given to ids (kind, id, name)
    manifest.json                                           layout version, row counts, unpriced models

**Which rows.** The rows of the `usage_effective` / `costs_effective` views: where a bucket has
per-project rows, the organisation-level rows of that bucket are left out (they would count the same
spend twice), so every exported row counts exactly once and a reader needs no de-duplication rule.

**Types.** Money is DECIMAL(38,12), as in the store; timestamps are UTC instants (Parquet
`isAdjustedToUTC`, microseconds); `record_key` (a 128-bit integer, which Parquet lacks) is its decimal
string; `details` is the JSON text; `context_window` is `details->>'context_window'` (Claude's long-context
side), pulled out because JSON functions differ between engines. `provider` and `month` (the UTC month of
`period_start`) are the partition folders, not columns inside the files.

**Determinism.** Rows are sorted (period_start, record_key); files carry no timestamps; the whole export is
written to a scratch folder and swapped in, so a reader never sees half an export and partitions that
disappeared from the store disappear from the export.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from analytics import prices

if TYPE_CHECKING:
    import duckdb

    from analytics.store import Store

LAYOUT_VERSION = 1
MANIFEST = "manifest.json"
MONEY = pa.decimal128(38, 12)
UTC_TIME = pa.timestamp("us", tz="UTC")
ROW_GROUP_ROWS = 1_000_000

USAGE_SCHEMA = pa.schema(
    [
        ("period_start", UTC_TIME),
        ("period_end", UTC_TIME),
        ("project_id", pa.string()),
        ("project_name", pa.string()),
        ("api_key_id", pa.string()),
        ("api_key_name", pa.string()),
        ("user_id", pa.string()),
        ("workspace", pa.string()),
        ("model", pa.string()),
        ("service_tier", pa.string()),
        ("batch", pa.bool_()),
        ("requests", pa.int64()),
        ("input_tokens", pa.int64()),  # cached and cache-write tokens included
        ("cached_input_tokens", pa.int64()),
        ("cache_write_tokens", pa.int64()),  # both TTLs
        ("cache_write_1h_tokens", pa.int64()),  # the 1-hour part of cache_write_tokens (0 when unknown)
        ("output_tokens", pa.int64()),  # reasoning tokens included
        ("reasoning_tokens", pa.int64()),
        ("context_window", pa.string()),
        ("details", pa.string()),
        ("source_format", pa.string()),
        ("import_id", pa.int64()),
        ("record_key", pa.string()),
    ]
)
COSTS_SCHEMA = pa.schema(
    [
        ("period_start", UTC_TIME),
        ("period_end", UTC_TIME),
        ("project_id", pa.string()),
        ("api_key_id", pa.string()),
        ("workspace", pa.string()),
        ("line_item", pa.string()),
        ("model", pa.string()),
        ("token_type", pa.string()),
        ("amount_usd", MONEY),
        ("currency", pa.string()),
        ("details", pa.string()),
        ("source_format", pa.string()),
        ("import_id", pa.int64()),
        ("record_key", pa.string()),
    ]
)
# SQL for the columns that are not plain copies of a store column.
_DERIVED = {
    "context_window": "details->>'context_window'",
    "details": "CAST(details AS VARCHAR)",
    "record_key": "CAST(record_key AS VARCHAR)",
}


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    usage_rows: int
    cost_rows: int
    price_rows: int
    partitions: int
    unpriced_models: tuple[str, ...]


def export_parquet(store: Store, folder: str | Path) -> ExportResult:
    """Writes the store's effective usage and cost rows and their price table under `folder`.

    `folder` must be missing, empty, or an earlier export (it has `manifest.json`); it is replaced whole.
    Raises ValueError for a folder that holds anything else, so a typo never deletes someone's files.
    """
    folder = Path(folder)
    if folder.exists() and (
        not folder.is_dir() or (any(folder.iterdir()) and not (folder / MANIFEST).is_file())
    ):
        raise ValueError(
            f"{folder}: not empty and not an llm-cost export (no {MANIFEST}); choose another folder"
        )
    scratch = folder.with_name(f".{folder.name}.exporting")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        with store.reader() as con:
            con.execute("SET TimeZone = 'UTC'")  # months and Arrow timestamps in UTC
            usage_rows, usage_parts = _write_fact(con, "usage", USAGE_SCHEMA, scratch)
            cost_rows, cost_parts = _write_fact(con, "costs", COSTS_SCHEMA, scratch)
            models, span = _models_and_span(con)
        _write_labels(store, scratch / "labels" / "labels.parquet")
        book = store.price_book()  # the store's override file too, as its reports use
        price_rows, unpriced = _write_prices(models, span, scratch / "prices" / "prices.parquet", book)
        manifest = {
            "layout_version": LAYOUT_VERSION,
            "store_schema_version": store.schema_version(),
            "rows": {"usage": usage_rows, "costs": cost_rows, "prices": price_rows},
            "partitions": {"usage": usage_parts, "costs": cost_parts},
            "days": None if span is None else [span[0].isoformat(), span[1].isoformat()],
            "unpriced_models": unpriced,
        }
        (scratch / MANIFEST).write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        if folder.exists():
            shutil.rmtree(folder)
        scratch.rename(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return ExportResult(
        folder, usage_rows, cost_rows, price_rows, len(usage_parts) + len(cost_parts), tuple(unpriced)
    )


def _write_fact(
    con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, root: Path
) -> tuple[int, list[str]]:
    present = {name for (name,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()}  # fmt: skip
    columns = ", ".join(
        f"{_DERIVED.get(f.name, f.name if f.name in present else '0')} AS {f.name}" for f in schema
    )
    month = "strftime(period_start, '%Y-%m')"
    parts = con.execute(f"SELECT DISTINCT provider, {month} FROM {table}_effective ORDER BY 1, 2").fetchall()
    total = 0
    written = []
    for provider, month_text in parts:
        path = root / table / f"provider={_safe(provider)}" / f"month={month_text}" / "part-00000.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        reader = con.sql(
            f"SELECT {columns} FROM {table}_effective WHERE provider = ? AND {month} = ?"
            " ORDER BY period_start, record_key",
            params=[provider, month_text],
        ).to_arrow_reader(ROW_GROUP_ROWS)
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            for batch in reader:
                table_batch = pa.Table.from_batches([batch]).cast(schema)
                writer.write_table(table_batch, row_group_size=ROW_GROUP_ROWS)
                total += table_batch.num_rows
        written.append(path.relative_to(root).as_posix())
    return total, written


def _safe(provider: str) -> str:
    # Partition values are folder names: a provider is a short id, but refuse anything that could escape.
    if not provider or any(c in provider for c in "/\\=\0") or provider in (".", ".."):
        raise ValueError(f"provider {provider!r} cannot name a partition folder")
    return provider


def _models_and_span(con: duckdb.DuckDBPyConnection) -> tuple[list[str], tuple[date, date] | None]:
    models = [m for (m,) in con.execute(
        "SELECT DISTINCT model FROM (SELECT model FROM usage_effective"
        " UNION SELECT model FROM costs_effective) WHERE model IS NOT NULL ORDER BY 1"
    ).fetchall()]  # fmt: skip
    first, last = con.execute(
        "SELECT min(d), max(d) FROM (SELECT CAST(period_start AS DATE) d FROM usage_effective"
        " UNION ALL SELECT CAST(period_start AS DATE) FROM costs_effective)"
    ).fetchone()
    return models, None if first is None else (first, last)


def price_frame(models: list[str], start: date, end: date, *, book: Any = None) -> tuple[pa.Table, list[str]]:
    """Returns the price table for `models` over start..end as Arrow (Decimal rates), and the unpriced models.

    One row per (model as reported, tier, price period): the same `prices.price_table` the DuckDB reports
    join, so both engines apply one pricing rule.
    """
    book = book or prices.default_book()
    frames, unpriced = [], []
    for model in models:
        try:
            frames.append(book.price_table([model], start, end))
        except prices.UnknownModelError:
            unpriced.append(model)
    import pandas as pd  # the price table is a DataFrame

    frame = pd.concat(frames, ignore_index=True) if frames else book.price_table([], start, end)
    fields = []
    for name in frame.columns:
        if name.endswith("_per_mtok"):
            kind = MONEY
        elif name in ("valid_from", "valid_to"):
            kind = pa.date32()
        elif name == "long_context_threshold":
            kind = pa.int64()
        else:
            kind = pa.string()
        fields.append((name, kind))
    schema = pa.schema(fields)
    columns = {}
    for name, kind in fields:
        values = frame[name].tolist()
        if kind == MONEY:
            values = [None if v is None or v != v else Decimal(str(v)) for v in values]
        elif kind == pa.int64():
            values = [None if v is None or v is pd.NA or v != v else int(v) for v in values]
        elif kind == pa.string():
            values = [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]
        columns[name] = pa.array(values, type=kind)
    table = pa.table(columns, schema=schema)
    order = [(c, "ascending") for c in ("model", "tier", "valid_from")]
    return table.sort_by(order), unpriced


def _write_prices(
    models: list[str], span: tuple[date, date] | None, path: Path, book: Any
) -> tuple[int, list[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    start, end = span if span else (date(2000, 1, 1), date(2000, 1, 1))
    table, unpriced = price_frame(models if span else [], start, end, book=book)
    pq.write_table(table, path, compression="zstd")
    return table.num_rows, unpriced


def _write_labels(store: Store, path: Path) -> None:
    """The names people gave ids (project, API key, user), so reports elsewhere show the same names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted((kind, id_, name) for (kind, id_), name in store.labels().items())
    table = pa.table(
        {"kind": [r[0] for r in rows], "id": [r[1] for r in rows], "name": [r[2] for r in rows]},
        schema=pa.schema([("kind", pa.string()), ("id", pa.string()), ("name", pa.string())]),
    )
    pq.write_table(table, path, compression="zstd")
