"""Claude Console usage export (token CSV), several generations, matched by column name:

    usage_date_utc, model_version, api_key, workspace, usage_type, context_window,
    usage_input_tokens_no_cache, usage_input_tokens_cache_write_5m, usage_input_tokens_cache_write_1h,
    usage_input_tokens_cache_read, usage_output_tokens, web_search_count[, inference_geo, speed]

(older files have a single `usage_input_tokens_cache_write`). One row per UTC day x model x key x workspace
x usage type x context window (`≤ 200k` / `> 200k`). `api_key` and `workspace` are names, not ids.
`input_tokens` = no-cache + cache writes + cache reads.
"""

from __future__ import annotations

import duckdb

from analytics.formats import Source, Staged, csv_columns
from analytics.formats.csvsql import WHOLE, Check, CsvSpec, blank, one_line_checks, stage_csv, whole_checks

NAME = "claude_console_csv"
COUNTS = [
    "usage_input_tokens_no_cache",
    "usage_input_tokens_cache_write_5m",
    "usage_input_tokens_cache_write_1h",
    "usage_input_tokens_cache_write",
    "usage_input_tokens_cache_read",
    "usage_output_tokens",
    "web_search_count",
]
_WRITES = (
    "coalesce(usage_input_tokens_cache_write_5m, 0) + coalesce(usage_input_tokens_cache_write_1h, 0)"
    " + coalesce(usage_input_tokens_cache_write, 0)"
)
_TIERS = "('standard', 'batch', 'priority', 'flex')"

SPEC = CsvSpec(
    name=NAME,
    kind="usage",
    namespace="anthropic:console-usage",
    types={"usage_date_utc": "DATE", **{c: "DOUBLE" for c in COUNTS}},
    expected={"usage_date_utc": "a date such as 2025-10-31", **dict.fromkeys(COUNTS, WHOLE)},
    required=("usage_date_utc", "model_version", "usage_input_tokens_no_cache", "usage_output_tokens"),
    text=("model_version", "api_key", "workspace", "usage_type", "context_window", "inference_geo", "speed"),
    select={
        "provider": "'anthropic'",
        "period_start": "CAST(usage_date_utc AS TIMESTAMPTZ)",
        "period_end": "CAST(usage_date_utc AS TIMESTAMPTZ) + INTERVAL 1 DAY",
        "project_id": "NULL",
        "project_name": "NULL",
        "api_key_id": "NULL",
        "api_key_name": blank("api_key"),
        "user_id": "NULL",
        "workspace": blank("workspace"),
        "model": blank("model_version"),
        "service_tier": f"CASE WHEN lower(usage_type) IN {_TIERS} THEN lower(usage_type) END",
        "batch": "lower(usage_type) = 'batch'",
        "requests": "NULL",
        "input_tokens": f"CAST(coalesce(usage_input_tokens_no_cache, 0) + {_WRITES} "
        "+ coalesce(usage_input_tokens_cache_read, 0) AS BIGINT)",
        "cached_input_tokens": "CAST(coalesce(usage_input_tokens_cache_read, 0) AS BIGINT)",
        "cache_write_tokens": f"CAST({_WRITES} AS BIGINT)",
        "cache_write_1h_tokens": "CAST(coalesce(usage_input_tokens_cache_write_1h, 0) AS BIGINT)",
        "output_tokens": "CAST(coalesce(usage_output_tokens, 0) AS BIGINT)",
        "reasoning_tokens": "NULL",
    },
    skip="usage_input_tokens_no_cache IS NULL AND usage_output_tokens IS NULL",
    checks=(
        Check(
            "usage_date_utc", "year(usage_date_utc) NOT BETWEEN 2015 AND 2099", "a date between 2015 and 2099"
        ),
        *whole_checks(COUNTS),
        *one_line_checks(["model_version"]),
    ),
    hint_column="usage_date_utc",
    key=("period_start", "model", "api_key_name", "workspace"),
    key_extra=("usage_type", "context_window", "inference_geo", "speed"),
    details={
        "usage_type": blank("usage_type"),
        "context_window": blank("context_window"),
        "cache_write_5m_tokens": "CAST(nullif(usage_input_tokens_cache_write_5m, 0) AS BIGINT)",
        "cache_write_1h_tokens": "CAST(nullif(usage_input_tokens_cache_write_1h, 0) AS BIGINT)",
        "web_search_count": "CAST(nullif(web_search_count, 0) AS BIGINT)",
        "inference_geo": blank("inference_geo"),
        "speed": blank("speed"),
    },
)


def sniff(head: bytes) -> bool:
    """True for the Console token CSV."""
    return {"usage_date_utc", "model_version", "usage_output_tokens"} <= csv_columns(head)


def stage(con: duckdb.DuckDBPyConnection, source: Source) -> Staged:
    """Stages the usage rows (all in SQL)."""
    return stage_csv(con, source, SPEC)
