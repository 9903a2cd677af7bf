"""OpenAI dashboard cost export (`cost_<from>_<to>.csv`): the Costs API buckets, flattened.

Two generations, both matched by column name:

* 10 columns: `start_time, end_time, start_time_iso, end_time_iso, amount_value, amount_currency,
  line_item, project_id, organization_id, organization_name`
* 17 columns: the same plus `project_name, api_key_id, api_key_name, quantity_value, quantity_unit,
  unit_price_value, unit_price_currency` (any further columns are kept in `details`).

Quirks: `amount_value` has up to 30 decimals (read as text, rounded to the store's 12 places by DuckDB's
cast, half away from zero); currency is `usd` (anything else is refused); `line_item` is
`"<model>, <token type>"` (`"gpt-5-nano, input_tokens"`) or a plain name (`"web search tool calls"`);
rows without `project_id` are organisation totals (see the org/project rule in `analytics.store`);
a bucket with no cost is a row with only the time columns (skipped).
Natural key: start_time, end_time, project_id, line_item, api_key_id (shared with Costs API pages).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb

from analytics.formats import Source, Staged, csv_columns
from analytics.formats.csvsql import (
    Check,
    CsvSpec,
    blank,
    one_line_checks,
    stage_csv,
    unix_time_checks,
    with_iso_times,
)

NAME = "openai_cost_csv"
# The natural key of a cost line, shared with the Costs API pages (same key namespace).
COST_KEY = ("period_start", "period_end", "project_id", "line_item", "api_key_id")
HEADER_V1 = [
    "start_time",
    "end_time",
    "start_time_iso",
    "end_time_iso",
    "amount_value",
    "amount_currency",
    "line_item",
    "project_id",
    "organization_id",
    "organization_name",
]
HEADER = [
    *HEADER_V1,
    "project_name",
    "api_key_id",
    "api_key_name",
    "quantity_value",
    "quantity_unit",
    "unit_price_value",
    "unit_price_currency",
]

_LINE_ITEM = blank("line_item")
SPEC = CsvSpec(
    name=NAME,
    kind="costs",
    namespace="openai:costs",
    types={"start_time": "DOUBLE", "end_time": "DOUBLE"},
    expected={"start_time": "a Unix time in seconds", "end_time": "a Unix time in seconds"},
    required=("start_time", "end_time", "amount_value", "amount_currency"),
    text=(
        "start_time_iso",
        "end_time_iso",
        "amount_value",
        "amount_currency",
        "line_item",
        "project_id",
        "project_name",
        "organization_id",
        "organization_name",
        "api_key_id",
        "api_key_name",
    ),
    select={
        "provider": "'openai'",
        "period_start": "to_timestamp(start_time)",
        "period_end": "to_timestamp(end_time)",
        "project_id": blank("project_id"),
        "api_key_id": blank("api_key_id"),
        "workspace": "NULL",
        "line_item": _LINE_ITEM,
        "model": f"CASE WHEN contains({_LINE_ITEM}, ',') THEN trim(split_part({_LINE_ITEM}, ',', 1)) END",
        "token_type": f"CASE WHEN contains({_LINE_ITEM}, ',') "
        f"THEN trim(substr({_LINE_ITEM}, strpos({_LINE_ITEM}, ',') + 1)) END",
        "amount_usd": "CAST(trim(amount_value) AS DECIMAL(38,12))",
        "currency": "upper(trim(amount_currency))",
    },
    skip=f"{blank('amount_value')} IS NULL AND {_LINE_ITEM} IS NULL",
    checks=(
        *unix_time_checks("start_time", "end_time"),
        *one_line_checks(["line_item"]),
        Check(
            "amount_value",
            "TRY_CAST(trim(amount_value) AS DECIMAL(38,12)) IS NULL",
            "a decimal amount such as 0.8958740000000000",
        ),
        Check(
            "amount_currency",
            "lower(trim(amount_currency)) IS DISTINCT FROM 'usd'",
            "usd (only US-dollar exports are supported)",
        ),
    ),
    hint_column="start_time",
    iso_times={"start_time_iso": "start_time", "end_time_iso": "end_time"},
    key=COST_KEY,
    key_source={"period_start": "start_time", "period_end": "end_time"},
    details={
        "project_name": blank("project_name"),
        "organization_id": blank("organization_id"),
        "organization_name": blank("organization_name"),
        "api_key_name": blank("api_key_name"),
    },
)


def sniff(head: bytes) -> bool:
    """True for both generations of the dashboard cost CSV."""
    return {"start_time", "amount_value", "amount_currency"} <= csv_columns(head)


def stage(con: duckdb.DuckDBPyConnection, source: Source) -> Staged:
    """Stages the cost rows (all in SQL)."""
    return stage_csv(con, source, SPEC)


def write(path: Path, rows: Iterable[Mapping[str, object]], *, header: list[str] = HEADER) -> None:
    """Writes rows (dicts keyed by header names; Unix-second times, Decimal amounts) like the dashboard.

    For the demo generator: ISO times are derived, `amount_currency` defaults to `usd`, amounts are written
    with 16 decimals as the dashboard does, missing keys are blank.
    """
    from decimal import Decimal

    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        for row in rows:
            values = with_iso_times(row)
            if values.get("amount_value") is not None:
                values.setdefault("amount_currency", "usd")
                amount = values["amount_value"]
                if isinstance(amount, Decimal):
                    values["amount_value"] = f"{amount:.16f}"
            out.writerow(["" if values.get(c) is None else str(values[c]) for c in header])
