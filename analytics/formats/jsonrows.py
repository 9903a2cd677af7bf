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
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constant), text
    except RecursionError:
        # An export nests four levels deep; this is thousands: refuse it without a RecursionError.
        return _too_deep(source, text), text
    except json.JSONDecodeError as e:
        raise BadExportError(
            source.name,
            "valid JSON (is the file truncated?)",
            line=e.lineno,
            column_number=e.colno,
            got=e.msg,
        ) from None


def _no_constant(name: str) -> Any:
    # NaN / Infinity are not JSON; kept as a marker so the field's own check names line and column.
    return _Constant(name)


class _Constant(str):
    """A NaN/Infinity literal from the file (not valid JSON; refused where a number is expected)."""


MAX_DEPTH = 64


def _too_deep(source: Source, text: str) -> Any:
    depth = 0
    in_string = escaped = False
    line, col = 1, 0
    for ch in text:
        col += 1
        if ch == "\n":
            line, col = line + 1, 0
        if in_string:
            escaped = not escaped and ch == "\\"
            if ch == '"' and not escaped:
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                break
        elif ch in "]}":
            depth -= 1
    raise BadExportError(
        source.name,
        f"JSON nested at most {MAX_DEPTH} levels deep (a usage page nests 4)",
        line=line,
        column_number=col,
        got=f"more than {MAX_DEPTH} levels",
    )


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
    at = Locator(source, source_text(source))
    for p, page in enumerate(pages(document)):
        if not isinstance(page, dict):
            raise at.error(f"[{p}]", None, page, expected_page)
        if not isinstance(page.get("data"), list):
            raise at.error(f"[{p}].data", "data", page.get("data"), f"{expected_page} (data as a list)")
        for b, bucket in enumerate(page["data"]):
            path = f"data[{b}]"
            if not isinstance(bucket, dict):
                raise at.error(path, None, bucket, "a bucket object with start and end times and results")
            start, end = period(path, bucket)
            results = bucket.get("results")
            if results is None:
                continue
            if not isinstance(results, list):
                raise at.error(f"{path}.results", "results", results, "a list of results")
            for r, result in enumerate(results):
                if not isinstance(result, dict):
                    raise at.error(f"{path}.results[{r}]", None, result, "a result object")
                yield f"{path}.results[{r}]", result, start, end


def source_text(source: Source) -> str:
    """Returns the file's text (for locating errors)."""
    return source.path.read_bytes().decode("utf-8-sig", "replace")


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


BIGINT_LIMIT = 9_200_000_000_000_000_000  # the store's counts are BIGINT (< 2**63)
AMOUNT_LIMIT = Decimal(10) ** 26  # DECIMAL(38,12) holds 26 integer digits


class Locator:
    """Finds where a JSON value sits in the text, so errors can name a line and column."""

    def __init__(self, source: Source, text: str) -> None:
        self.source = source
        self.text = text

    def error(self, path: str, field: str | None, value: Any, expected: str) -> BadExportError:
        """Returns a BadExportError for `field` (shown as its JSON path) holding `value`, located at the
        first place the field (with that value, if it can be found) appears in the text; line 1 column 1
        when it cannot be found, so every message has a place."""
        try:
            dumped = json.dumps(value, default=str)
        except (RecursionError, ValueError):
            dumped = str(type(value).__name__)
        scalar = isinstance(value, str | int | Decimal) and not isinstance(value, bool)
        shown = str(value) if scalar else dumped
        if isinstance(value, _Constant | Decimal):
            dumped = str(value)
        match = None
        if field is not None:
            key = re.escape(json.dumps(field)) + r"\s*:\s*"
            match = re.search(key + re.escape(dumped), self.text) or re.search(key, self.text)
        line = self.text.count("\n", 0, match.start()) + 1 if match else 1
        col = match.start() - (self.text.rfind("\n", 0, match.start()) + 1) + 1 if match else 1
        return BadExportError(
            self.source.name, expected, line=line, column=path, column_number=col, got=shown[:200]
        )

    def text_field(self, path: str, obj: dict, field: str) -> str | None:
        """Returns obj[field] when it is text (None when absent or null); refuses objects, lists, numbers."""
        value = obj.get(field)
        if value is None or (isinstance(value, str) and not isinstance(value, _Constant)):
            if isinstance(value, str) and ("\n" in value or "\r" in value):
                raise self.error(f"{path}.{field}", field, value, "a name without a line break")
            return value
        raise self.error(f"{path}.{field}", field, value, "a string or null")

    def number(self, path: str, obj: dict, field: str) -> Decimal | int | None:
        """Returns obj[field] when it is a finite number (None when absent); refuses anything else."""
        value = obj.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal) or not Decimal(value).is_finite():
            raise self.error(f"{path}.{field}", field, value, "a number or null")
        return value

    def obj(self, path: str, obj: dict, field: str) -> dict:
        """Returns obj[field] when it is an object ({} when absent or null); refuses anything else."""
        value = obj.get(field)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(f"{path}.{field}", field, value, "an object")
        return value

    def count(self, path: str, obj: dict, field: str) -> int | None:
        """Returns a whole non-negative count from obj[field] (None when absent); refuses anything else."""
        value = obj.get(field)
        if value is None:
            return None
        ok = (
            isinstance(value, int | Decimal)
            and not isinstance(value, bool)
            and (not isinstance(value, Decimal) or value.is_finite())
            and 0 <= value < BIGINT_LIMIT
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
        if amount is None or not amount.is_finite() or abs(amount) >= AMOUNT_LIMIT:
            raise self.error(f"{path}.{field}", field, value, "a decimal amount below 1e26")
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
