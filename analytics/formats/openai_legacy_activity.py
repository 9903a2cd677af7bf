"""Legacy OpenAI activity export (the old usage page's CSV, or `/v1/usage` JSON `data` records):

    organization_id, organization_name, aggregation_timestamp, n_requests, operation, snapshot_id,
    n_context_tokens_total, n_generated_tokens_total, email, api_key_id, api_key_name, api_key_redacted,
    api_key_type, project_id, project_name, request_type, n_cached_context_tokens_total,
    n_context_audio_tokens_total, n_generated_audio_tokens_total

`aggregation_timestamp` (Unix seconds, or ISO text in some CSVs) starts a 5-minute bucket, the legacy
API's aggregation. `snapshot_id` is the model. The user is known only by `email` (kept as user_id).
"""

from __future__ import annotations

from typing import Any

import duckdb

from analytics.formats import BadExportError, Source, Staged, csv_columns, json_keys
from analytics.formats.csvsql import WHOLE, Check, CsvSpec, blank, stage_csv, whole_checks
from analytics.formats.jsonrows import Locator, details, load_json, stage_rows

NAME = "openai_legacy_activity"
COUNTS = [
    "n_requests",
    "n_context_tokens_total",
    "n_generated_tokens_total",
    "n_cached_context_tokens_total",
    "n_context_audio_tokens_total",
    "n_generated_audio_tokens_total",
]
TEXT = (
    "organization_id", "organization_name", "aggregation_timestamp", "operation", "snapshot_id", "email",
    "api_key_id", "api_key_name", "api_key_redacted", "api_key_type", "project_id", "project_name",
    "request_type",
)  # fmt: skip
KEY = ("period_start", "project_id", "api_key_id", "user_id", "model")
_START = (
    "coalesce(to_timestamp(TRY_CAST(aggregation_timestamp AS DOUBLE)), "
    "TRY_CAST(aggregation_timestamp AS TIMESTAMPTZ))"
)

SPEC = CsvSpec(
    name=NAME,
    kind="usage",
    namespace="openai:legacy",
    types={c: "DOUBLE" for c in COUNTS},
    expected=dict.fromkeys(COUNTS, WHOLE),
    required=("aggregation_timestamp", "n_context_tokens_total", "n_generated_tokens_total"),
    text=TEXT,
    select={
        "provider": "'openai'",
        "period_start": _START,
        "period_end": f"{_START} + INTERVAL 5 MINUTE",
        "project_id": blank("project_id"),
        "project_name": blank("project_name"),
        "api_key_id": blank("api_key_id"),
        "api_key_name": blank("api_key_name"),
        "user_id": blank("email"),
        "workspace": "NULL",
        "model": blank("snapshot_id"),
        "service_tier": "NULL",
        "batch": "lower(request_type) = 'batch'",
        "requests": "CAST(n_requests AS BIGINT)",
        "input_tokens": "CAST(coalesce(n_context_tokens_total, 0) AS BIGINT)",
        "cached_input_tokens": "CAST(coalesce(n_cached_context_tokens_total, 0) AS BIGINT)",
        "cache_write_tokens": "0",
        "cache_write_1h_tokens": "0",
        "output_tokens": "CAST(coalesce(n_generated_tokens_total, 0) AS BIGINT)",
        "reasoning_tokens": "NULL",
    },
    skip="n_context_tokens_total IS NULL AND n_generated_tokens_total IS NULL",
    checks=(
        Check(
            "aggregation_timestamp",
            f"{_START} IS NULL OR year({_START}) NOT BETWEEN 2015 AND 2099",
            "a Unix time or ISO timestamp between 2015 and 2100",
        ),
        *whole_checks(COUNTS),
    ),
    key=KEY,
    key_extra=("operation", "request_type"),
    details={
        "operation": blank("operation"),
        "request_type": blank("request_type"),
        "organization_id": blank("organization_id"),
        "input_audio_tokens": "CAST(nullif(n_context_audio_tokens_total, 0) AS BIGINT)",
        "output_audio_tokens": "CAST(nullif(n_generated_audio_tokens_total, 0) AS BIGINT)",
    },
)


def sniff(head: bytes) -> bool:
    """True for the legacy activity CSV or a `/v1/usage` JSON response."""
    fields = {"aggregation_timestamp", "n_context_tokens_total"}
    return fields <= csv_columns(head) or fields <= json_keys(head)


def stage(con: duckdb.DuckDBPyConnection, source: Source) -> Staged:
    """Stages the CSV in SQL, or the JSON `data` records in Python."""
    if json_keys(source.head()):
        return _stage_json(con, source)
    return stage_csv(con, source, SPEC)


def _stage_json(con: duckdb.DuckDBPyConnection, source: Source) -> Staged:
    document, text = load_json(source)
    at = Locator(source, text)
    records = document.get("data") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise BadExportError(source.name, "a /v1/usage response with a data list", column="data")
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(records):
        where = f"data[{i}]"
        start = at.unix_time(where, r, "aggregation_timestamp")
        from datetime import timedelta

        rows.append({
            "namespace": "openai:legacy",
            "key_extra": "|".join(str(r.get(k) or "") for k in ("operation", "request_type")),
            "provider": "openai",
            "period_start": start,
            "period_end": start + timedelta(minutes=5),
            "project_id": r.get("project_id"),
            "project_name": r.get("project_name"),
            "api_key_id": r.get("api_key_id"),
            "api_key_name": r.get("api_key_name"),
            "user_id": r.get("email"),
            "model": r.get("snapshot_id"),
            "batch": (r.get("request_type") == "batch") if r.get("request_type") else None,
            "requests": at.count(where, r, "n_requests"),
            "input_tokens": at.count(where, r, "n_context_tokens_total") or 0,
            "cached_input_tokens": at.count(where, r, "n_cached_context_tokens_total") or 0,
            "cache_write_tokens": 0,
            "cache_write_1h_tokens": 0,
            "output_tokens": at.count(where, r, "n_generated_tokens_total") or 0,
            "details": details(operation=r.get("operation"), request_type=r.get("request_type")),
        })  # fmt: skip
    relations = {"usage": stage_rows(con, "usage", rows, key=KEY)} if rows else {}
    return Staged(len(records), relations)
