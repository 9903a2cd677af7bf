"""OpenAI Admin API pages: `/v1/organization/usage/<kind>` and `/v1/organization/costs`, saved as JSON.

A file holds one page (`{"object": "page", "data": [buckets], "has_more", "next_page"}`) or a JSON array of
pages; each bucket (`{"object": "bucket", "start_time", "end_time", "results": [...]}`) holds results tagged
`organization.usage.<kind>.result` (completions, embeddings, moderations, images, audio_speeches,
audio_transcriptions, vector_stores, code_interpreter_sessions) or `organization.costs.result`.
Completions and costs share record keys with the dashboard CSVs (same facts, same key). Cost amounts are
parsed as Decimal, never float. Results without `project_id` are organisation-level rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from analytics.formats import Source, Staged, json_objects
from analytics.formats.jsonrows import Locator, bucket_results, details, load_json, stage_facts
from analytics.formats.openai_cost_csv import COST_KEY
from analytics.formats.openai_usage_csv import USAGE_KEY

NAME = "openai_admin_json"
USAGE_KINDS = (
    "completions", "embeddings", "moderations", "images", "audio_speeches", "audio_transcriptions",
    "vector_stores", "code_interpreter_sessions",
)  # fmt: skip
# Per kind, the counts that are not tokens (kept in details).
_OTHER_COUNTS = {
    "images": ("images",),
    "audio_speeches": ("characters",),
    "audio_transcriptions": ("seconds",),
    "vector_stores": ("usage_bytes",),
    "code_interpreter_sessions": ("num_sessions", "sessions"),
    "completions": ("input_audio_tokens", "output_audio_tokens"),
}


def sniff(head: bytes) -> bool:
    """True for a usage or costs page (by its `object` tags)."""
    objects = json_objects(head)
    return any(o.startswith("organization.usage.") or o == "organization.costs.result" for o in objects) or (
        "page" in objects and "bucket" in objects
    )


def stage(con: duckdb.DuckDBPyConnection, source: Source) -> Staged:
    """Stages usage and cost results of every page in the file."""
    document, text = load_json(source)
    at = Locator(source, text)

    def period(path: str, bucket: dict) -> tuple[datetime, datetime]:
        start = at.unix_time(path, bucket, "start_time")
        end = at.unix_time(path, bucket, "end_time")
        if end <= start:
            raise at.error(f"{path}.end_time", "end_time", bucket["end_time"], "a time after start_time")
        return start, end

    usage: list[dict[str, Any]] = []
    costs: list[dict[str, Any]] = []
    read = 0
    expected_page = "an OpenAI usage or costs page with a data list"
    for where, result, start, end in bucket_results(
        source, document, expected_page=expected_page, period=period
    ):
        read += 1
        kind = str(result.get("object", ""))
        if kind == "organization.costs.result":
            costs.append(_cost_row(at, where, result, start, end))
        elif kind.startswith("organization.usage.") and kind.split(".")[2] in USAGE_KINDS:
            usage.append(_usage_row(at, where, kind.split(".")[2], result, start, end))
        else:
            raise at.error(
                f"{where}.object",
                "object",
                kind,
                "organization.usage.<kind>.result or organization.costs.result",
            )
    return stage_facts(con, read, usage, costs, usage_key=USAGE_KEY, cost_key=COST_KEY)


def _usage_row(at: Locator, where: str, kind: str, r: dict, start, end) -> dict[str, Any]:
    counts = {f: at.count(where, r, f) for f in _OTHER_COUNTS.get(kind, ())}
    text = {f: at.text_field(where, r, f) for f in ("project_id", "api_key_id", "user_id", "model",
                                                     "service_tier", "source", "size")}  # fmt: skip
    batch = r.get("batch")
    if batch is not None and not isinstance(batch, bool):
        raise at.error(f"{where}.batch", "batch", batch, "true, false or null")
    return {
        "namespace": f"openai:{kind}",
        "key_extra": "|".join(text[k] or "" for k in ("source", "size")) if kind == "images" else "",
        "provider": "openai",
        "period_start": start,
        "period_end": end,
        "project_id": text["project_id"],
        "api_key_id": text["api_key_id"],
        "user_id": text["user_id"],
        "model": text["model"],
        "service_tier": text["service_tier"],
        "batch": batch,
        "requests": at.count(where, r, "num_model_requests"),
        "input_tokens": at.count(where, r, "input_tokens") or 0,
        "cached_input_tokens": at.count(where, r, "input_cached_tokens") or 0,
        # The Usage API reports prompt-cache writes (`input_cache_write_tokens`, part of input_tokens).
        "cache_write_tokens": at.count(where, r, "input_cache_write_tokens") or 0,
        "cache_write_1h_tokens": 0,
        "output_tokens": at.count(where, r, "output_tokens") or 0,
        "reasoning_tokens": None,
        "details": details(kind=kind, source=text["source"], size=text["size"], **counts),
    }


def _cost_row(at: Locator, where: str, r: dict, start, end) -> dict[str, Any]:
    amount = at.obj(where, r, "amount")
    currency = str(amount.get("currency", "")).lower()
    if currency != "usd":
        raise at.error(f"{where}.amount.currency", "currency", amount.get("currency"), "usd")
    value = at.decimal(f"{where}.amount", amount.get("value"), "value")
    text = {f: at.text_field(where, r, f) for f in ("line_item", "project_id", "api_key_id", "project_name")}
    line_item = text["line_item"]
    model, _, token_type = (line_item or "").partition(",")
    return {
        "namespace": "openai:costs",
        "provider": "openai",
        "period_start": start,
        "period_end": end,
        "project_id": text["project_id"],
        "api_key_id": text["api_key_id"],
        "line_item": line_item,
        "model": model.strip() if token_type else None,
        "token_type": token_type.strip() or None,
        "amount_usd": value,
        "currency": "USD",
        "details": details(project_name=text["project_name"], quantity=at.number(where, r, "quantity")),
    }
