"""Claude Console cost export (cost CSV), matched by column name:

    usage_date_utc, model, workspace, api_key, usage_type, context_window, token_type, cost_usd, cost_type
    [, inference_geo, speed, ...later generations' columns, kept in details]

`model` is a display name ("Claude Opus 4.5"): it is mapped to the model id (`claude-opus-4-5`) with
`DISPLAY_NAMES`, and unknown names fall back to lower-case-with-hyphens. `cost_usd` is in dollars.
"""

from __future__ import annotations

import duckdb

from analytics.formats import Source, Staged, csv_columns
from analytics.formats.csvsql import Check, CsvSpec, blank, lit, one_line_checks, stage_csv

NAME = "claude_console_cost_csv"
DISPLAY_NAMES = {
    "Claude Opus 4.5": "claude-opus-4-5",
    "Claude Sonnet 4.5": "claude-sonnet-4-5",
    "Claude Haiku 4.5": "claude-haiku-4-5",
    "Claude Opus 4.1": "claude-opus-4-1",
    "Claude Opus 4": "claude-opus-4",
    "Claude Sonnet 4": "claude-sonnet-4",
    "Claude Sonnet 3.7": "claude-3-7-sonnet",
    "Claude 3.7 Sonnet": "claude-3-7-sonnet",
    "Claude Haiku 3.5": "claude-3-5-haiku",
    "Claude 3.5 Haiku": "claude-3-5-haiku",
    "Claude Sonnet 3.5": "claude-3-5-sonnet",
    "Claude 3.5 Sonnet": "claude-3-5-sonnet",
    "Claude Haiku 3": "claude-3-haiku",
    "Claude 3 Haiku": "claude-3-haiku",
    "Claude Opus 3": "claude-3-opus",
    "Claude 3 Opus": "claude-3-opus",
}
_MAP = "MAP {" + ", ".join(f"{lit(k.lower())}: {lit(v)}" for k, v in DISPLAY_NAMES.items()) + "}"
_MODEL = blank("model")
MODEL_ID = (
    f"coalesce({_MAP}[lower({_MODEL})], regexp_replace(replace(lower({_MODEL}), '.', '-'), '\\s+', '-', 'g'))"
)

SPEC = CsvSpec(
    name=NAME,
    kind="costs",
    namespace="anthropic:console-cost",
    types={"usage_date_utc": "DATE"},
    expected={"usage_date_utc": "a date such as 2025-10-31"},
    required=("usage_date_utc", "model", "token_type", "cost_usd"),
    text=(
        "model",
        "workspace",
        "api_key",
        "usage_type",
        "context_window",
        "token_type",
        "cost_usd",
        "cost_type",
        "inference_geo",
        "speed",
    ),
    select={
        "provider": "'anthropic'",
        "period_start": "CAST(usage_date_utc AS TIMESTAMPTZ)",
        "period_end": "CAST(usage_date_utc AS TIMESTAMPTZ) + INTERVAL 1 DAY",
        "project_id": "NULL",
        "api_key_id": "NULL",
        "workspace": blank("workspace"),
        "line_item": f"concat_ws(', ', {_MODEL}, coalesce({blank('token_type')}, {blank('cost_type')}))",
        "model": MODEL_ID,
        "token_type": blank("token_type"),
        "amount_usd": "CAST(trim(cost_usd) AS DECIMAL(38,12))",
        "currency": "'USD'",
    },
    skip=f"{blank('cost_usd')} IS NULL",
    checks=(
        Check(
            "usage_date_utc", "year(usage_date_utc) NOT BETWEEN 2015 AND 2099", "a date between 2015 and 2099"
        ),
        Check(
            "cost_usd", "TRY_CAST(trim(cost_usd) AS DECIMAL(38,12)) IS NULL", "a decimal amount in dollars"
        ),
        *one_line_checks(["model"]),
    ),
    hint_column="usage_date_utc",
    key=("period_start", "workspace", "model", "token_type"),
    key_extra=("api_key", "usage_type", "context_window", "cost_type", "inference_geo", "speed"),
    details={
        "model_name": _MODEL,
        "api_key_name": blank("api_key"),
        "usage_type": blank("usage_type"),
        "context_window": blank("context_window"),
        "cost_type": blank("cost_type"),
        "inference_geo": blank("inference_geo"),
        "speed": blank("speed"),
    },
)


def sniff(head: bytes) -> bool:
    """True for the Console cost CSV."""
    return {"usage_date_utc", "model", "cost_usd"} <= csv_columns(head)


def stage(con: duckdb.DuckDBPyConnection, source: Source) -> Staged:
    """Stages the cost rows (all in SQL)."""
    return stage_csv(con, source, SPEC)
