"""OpenAI dashboard usage export (`completions_usage_<from>_<to>.csv`): the Usage API buckets, flattened.

The 24-column header (columns are matched by name; vendors add some every few months):

    start_time, end_time, start_time_iso, end_time_iso, project_id, num_model_requests, user_id, api_key_id,
    model, batch, service_tier, input_tokens, output_tokens, input_cached_tokens, input_uncached_tokens,
    input_text_tokens, output_text_tokens, input_cached_text_tokens, input_audio_tokens,
    input_cached_audio_tokens, output_audio_tokens, input_image_tokens, input_cached_image_tokens,
    output_image_tokens

Quirks: counts are written `1.0`; `batch` is `False`/`FALSE`/`True`; a bucket with no usage is a row with only
the four time columns filled (skipped, counted); an empty range exports just those four columns.
`input_tokens` already includes cached tokens; `output_tokens` includes reasoning tokens.
Natural key: start_time, end_time, project_id, user_id, api_key_id, model, batch, service_tier
(shared with the Admin API completions pages, so the same bucket from either source is one row).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import duckdb

from analytics.formats import Source, Staged, csv_columns
from analytics.formats.csvsql import (
    WHOLE,
    CsvSpec,
    blank,
    count_expr,
    one_line_checks,
    stage_csv,
    unix_time_checks,
    whole_checks,
    with_iso_times,
)

NAME = "openai_usage_csv"
# The natural key of a usage bucket, shared with the Admin API completions pages (same key namespace), so
# the same bucket from either source is one row.
USAGE_KEY = (
    "period_start",
    "period_end",
    "project_id",
    "user_id",
    "api_key_id",
    "model",
    "batch",
    "service_tier",
)
TIME_COLUMNS = ["start_time", "end_time", "start_time_iso", "end_time_iso"]
HEADER = [
    *TIME_COLUMNS,
    "project_id",
    "num_model_requests",
    "user_id",
    "api_key_id",
    "model",
    "batch",
    "service_tier",
    "input_tokens",
    "output_tokens",
    "input_cached_tokens",
    "input_uncached_tokens",
    "input_text_tokens",
    "output_text_tokens",
    "input_cached_text_tokens",
    "input_audio_tokens",
    "input_cached_audio_tokens",
    "output_audio_tokens",
    "input_image_tokens",
    "input_cached_image_tokens",
    "output_image_tokens",
]
COUNTS = [c for c in HEADER[5:] if c.endswith("_tokens") or c == "num_model_requests"] + [
    "output_reasoning_tokens"
]
# Kept in `details` when non-zero: audio and image parts of the totals (text = total - these; uncached =
# input - cached, so those columns are not repeated).
_DETAIL_COUNTS = [c for c in COUNTS if "audio" in c or "image" in c]
USED_COUNTS = [
    "num_model_requests", "input_tokens", "output_tokens", "input_cached_tokens", "output_reasoning_tokens",
    *_DETAIL_COUNTS,
]  # fmt: skip

SPEC = CsvSpec(
    name=NAME,
    kind="usage",
    namespace="openai:completions",
    types={
        "start_time": "DOUBLE",
        "end_time": "DOUBLE",
        "batch": "BOOLEAN",
        **{c: "DOUBLE" for c in COUNTS},
    },
    expected={
        "start_time": "a Unix time in seconds",
        "end_time": "a Unix time in seconds",
        "batch": "True or False",
        **dict.fromkeys(COUNTS, WHOLE),
    },
    # The ISO copies of the times are known but unused, so DuckDB never parses them.
    text=(
        "start_time_iso",
        "end_time_iso",
        "project_id",
        "project_name",
        "user_id",
        "user_email",
        "api_key_id",
        "api_key_name",
        "model",
        "service_tier",
    ),
    required=("start_time", "end_time"),
    select={
        "provider": "'openai'",
        # The Unix columns are authoritative; the ISO copies are not even parsed (that would double the
        # cost of reading the file).
        "period_start": "to_timestamp(start_time)",
        "period_end": "to_timestamp(end_time)",
        "project_id": blank("project_id"),
        "project_name": blank("project_name"),
        "api_key_id": blank("api_key_id"),
        "api_key_name": blank("api_key_name"),
        "user_id": blank("user_id"),
        "workspace": "NULL",
        "model": blank("model"),
        "service_tier": blank("service_tier"),
        "batch": "batch",
        "requests": count_expr("num_model_requests"),
        "input_tokens": "CAST(coalesce(input_tokens, 0) AS BIGINT)",
        "cached_input_tokens": "CAST(coalesce(input_cached_tokens, 0) AS BIGINT)",
        "cache_write_tokens": "0",
        "cache_write_1h_tokens": "0",
        "output_tokens": "CAST(coalesce(output_tokens, 0) AS BIGINT)",
        "reasoning_tokens": count_expr("output_reasoning_tokens"),
    },
    # An empty bucket: the time columns and nothing else.
    skip="num_model_requests IS NULL AND input_tokens IS NULL AND output_tokens IS NULL",
    # Only the columns we keep are checked (and so parsed); the text/uncached splits are derivable.
    checks=(
        *unix_time_checks("start_time", "end_time"),
        *whole_checks(USED_COUNTS),
        *one_line_checks(["model"]),
    ),
    key_source={"period_start": "start_time", "period_end": "end_time"},
    hint_column="start_time",
    iso_times={"start_time_iso": "start_time", "end_time_iso": "end_time"},
    key=USAGE_KEY,
    details={
        # Only the non-zero modality splits, so plain text rows carry no JSON at all.
        "user_email": blank("user_email"),
        **{c: f"CAST(nullif({c}, 0) AS BIGINT)" for c in _DETAIL_COUNTS},
    },
)


def sniff(head: bytes) -> bool:
    """True for the dashboard usage CSV, including the 4-column header of an empty range."""
    cols = csv_columns(head)
    if not {"start_time", "end_time"} <= cols:
        return False
    return bool(cols & {"num_model_requests", "input_tokens", "output_tokens"}) or cols == set(TIME_COLUMNS)


# Without these the rows would land with zero tokens (and replace stored figures): a file that has any
# count column must have them. Only the 4-column file of an empty range has none.
COUNTS_REQUIRED = ("input_tokens", "output_tokens")


def stage(con: duckdb.DuckDBPyConnection, source: Source) -> Staged:
    """Stages the usage rows in `stage_usage` (all in SQL)."""
    cols = csv_columns(source.head())
    if cols - set(TIME_COLUMNS):
        return stage_csv(con, source, replace(SPEC, required=(*SPEC.required, *COUNTS_REQUIRED)))
    return stage_csv(con, source, SPEC)


def write(path: Path, rows: Iterable[Mapping[str, object]]) -> None:
    """Writes rows (dicts keyed by `HEADER` names, times as Unix seconds) the way the dashboard does.

    For the demo generator: counts come out as `12.0`, `batch` as `False`/`True`, ISO times are derived,
    missing keys are blank.
    """
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for row in rows:
            values = with_iso_times(row)
            out.writerow([_vendor_value(c, values.get(c)) for c in HEADER])


def _vendor_value(column: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)  # "True" / "False", as the dashboard writes them
    if column in COUNTS and isinstance(value, int):
        return f"{value}.0"
    return str(value)
