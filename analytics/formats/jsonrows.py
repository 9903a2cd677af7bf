"""Stages canonical rows built in Python (JSON pages are small) and reads JSON with located errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import duckdb

from analytics.formats import STAGE_TABLES, BadExportError, Source, Staged, decode_head, not_utf8
from analytics.formats.csvsql import TIME_MAX, TIME_MIN, canonical, key_sql, q


def load_json(source: Source) -> tuple[Any, str]:
    """Returns (document, text); numbers with a fraction become Decimal. Syntax errors name line/column."""
    raw = source.path.read_bytes()
    decode_head(raw[:4096], source.name)  # empty file
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise not_utf8(source.name, raw, e.start) from None
    try:
        return json.loads(text, parse_float=Decimal), text
    except json.JSONDecodeError as e:
        raise BadExportError(
            source.name,
            "valid JSON (is the file truncated?)",
            line=e.lineno,
            column_number=e.colno,
            got=e.msg,
        ) from None


def pages(document: Any) -> list[Any]:
    """Returns the pages of a file: one page object, or a JSON array of pages."""
    return document if isinstance(document, list) else [document]


def bucket_results(
    source: Source,
    document: Any,
    *,
    expected_page: str,
    period: Callable[[str, dict], tuple[datetime, datetime]],
) -> Iterator[tuple[str, dict, datetime, datetime]]:
    """Yields (path, result, period start, period end) for every result of every bucket of every page.

    Both vendors' Admin APIs page the same way: `{"data": [{<bucket times>, "results": [...]}]}`; only
    the time fields differ, which `period(path, bucket)` reads and checks.
    """
    for p, page in enumerate(pages(document)):
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise BadExportError(source.name, expected_page, column=f"[{p}]", got=str(page)[:60])
        for b, bucket in enumerate(page["data"]):
            path = f"data[{b}]"
            start, end = period(path, bucket)
            for r, result in enumerate(bucket.get("results") or []):
                yield f"{path}.results[{r}]", result, start, end


def stage_facts(
    con: duckdb.DuckDBPyConnection,
    read: int,
    usage: list[dict[str, Any]],
    costs: list[dict[str, Any]],
    *,
    usage_key: tuple[str, ...],
    cost_key: tuple[str, ...],
) -> Staged:
    """Stages the usage and cost rows read from JSON pages (either list may be empty)."""
    relations = {}
    if usage:
        relations["usage"] = stage_rows(con, "usage", usage, key=usage_key)
    if costs:
        relations["costs"] = stage_rows(con, "costs", costs, key=cost_key)
    return Staged(read, relations)


class Locator:
    """Finds where a JSON value sits in the text, so errors can name a line and column."""

    def __init__(self, source: Source, text: str) -> None:
        self.source = source
        self.text = text

    def error(self, path: str, field: str, value: Any, expected: str) -> BadExportError:
        """Returns a BadExportError for `field` (shown as its JSON path) holding `value`."""
        shown = json.dumps(value, default=str) if not isinstance(value, str) else value
        pattern = re.escape(json.dumps(field)) + r"\s*:\s*" + re.escape(json.dumps(value, default=str))
        match = re.search(pattern, self.text) or re.search(re.escape(json.dumps(field)), self.text)
        line = col = None
        if match:
            line = self.text.count("\n", 0, match.start()) + 1
            col = match.start() - (self.text.rfind("\n", 0, match.start()) + 1) + 1
        return BadExportError(
            self.source.name, expected, line=line, column=path, column_number=col, got=shown
        )

    def count(self, path: str, obj: dict, field: str) -> int | None:
        """Returns a whole non-negative count from obj[field] (None when absent); refuses anything else."""
        value = obj.get(field)
        if value is None:
            return None
        ok = (
            isinstance(value, int | Decimal)
            and not isinstance(value, bool)
            and value >= 0
            and value == int(value)
        )
        if not ok:
            raise self.error(f"{path}.{field}", field, value, "a whole non-negative number")
        return int(value)

    def unix_time(self, path: str, obj: dict, field: str) -> datetime:
        value = obj.get(field)
        if not isinstance(value, int) or isinstance(value, bool) or not TIME_MIN <= value < TIME_MAX:
            raise self.error(f"{path}.{field}", field, value, "a Unix time in seconds between 2015 and 2100")
        return datetime.fromtimestamp(value, UTC)

    def iso_time(self, path: str, obj: dict, field: str) -> datetime:
        value = obj.get(field)
        try:
            stamp = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            stamp = None
        if stamp is None or not TIME_MIN <= stamp.timestamp() < TIME_MAX:
            raise self.error(f"{path}.{field}", field, value, "an RFC 3339 time such as 2025-08-01T00:00:00Z")
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)

    def decimal(self, path: str, value: Any, field: str) -> Decimal:
        try:
            amount = Decimal(str(value)) if isinstance(value, int | str | Decimal) else None
        except ArithmeticError:
            amount = None
        if amount is None or not amount.is_finite():
            raise self.error(f"{path}.{field}", field, value, "a decimal amount")
        return amount


def stage_rows(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    rows: list[dict[str, Any]],
    *,
    key: tuple[str, ...],
) -> str:
    """Creates the stage table for `kind` from canonical row dicts and returns its name.

    Each row may carry `namespace` and `key_extra` (strings) for its record key. Values go to DuckDB as
    text and are cast there, so Decimal amounts and big counts never pass through float.
    """
    import pandas as pd  # only JSON imports pay for importing pandas

    columns = canonical(kind)
    table = STAGE_TABLES[kind]
    frame = pd.DataFrame(
        {
            **{c: [_text(r.get(c), columns[c]) for r in rows] for c in columns},
            "_namespace": [r["namespace"] for r in rows],
            "_key_extra": [r.get("key_extra", "") for r in rows],
        },
        dtype=object,
    )
    casts = ", ".join(f"CAST({q(c)} AS {t}) AS {q(c)}" for c, t in columns.items())
    record_key = key_sql("NS", columns, key, "_key_extra").replace("'NS'", "_namespace")
    con.register("_rows", frame)
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
                SELECT * EXCLUDE (_namespace, _key_extra),
                       {record_key} AS record_key,
                       false AS _skip, false AS _bad
                FROM (SELECT {casts}, _namespace, _key_extra FROM _rows)"""
        )
    finally:
        con.unregister("_rows")
    return table


def _text(value: Any, sql_type: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if sql_type == "JSON":
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def details(**values: Any) -> dict[str, Any] | None:
    """Returns the non-None values as a details dict, or None when there are none."""
    kept = {k: v for k, v in values.items() if v is not None}
    return kept or None
