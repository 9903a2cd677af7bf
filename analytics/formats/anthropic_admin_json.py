"""Anthropic Admin API reports saved as JSON: `usage_report/messages` and `cost_report`.

Both are `{"data": [{"starting_at", "ending_at", "results": [...]}], "has_more", "next_page"}` (one page or
a JSON array of pages). Usage results carry `uncached_input_tokens`, `cache_creation`
(`ephemeral_5m_input_tokens`, `ephemeral_1h_input_tokens`), `cache_read_input_tokens`, `output_tokens`,
`server_tool_use.web_search_requests` and the grouping fields. Cost results carry `amount`, a **string in
cents** (`"123.45"` is $1.2345), converted to dollars here, at the boundary.
`input_tokens` = uncached + cache writes + cache reads, as everywhere in the store.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

from analytics.formats import BadExportError, Source, Staged, json_keys
from analytics.formats.jsonrows import Locator, bucket_results, details, load_json, stage_facts

NAME = "anthropic_admin_json"
USAGE_KEY = ("period_start", "period_end", "api_key_id", "workspace", "model", "service_tier")
COST_KEY = ("period_start", "period_end", "workspace", "model", "token_type")
_USAGE_FIELDS = {"uncached_input_tokens", "cache_read_input_tokens", "cache_creation"}
CENTS = Decimal(100)


def sniff(head: bytes) -> bool:
    """True for a usage_report or cost_report page (RFC 3339 `starting_at` buckets)."""
    keys = json_keys(head)
    return {"starting_at", "ending_at"} <= keys and "start_time" not in keys


def stage(con: duckdb.DuckDBPyConnection, source: Source) -> Staged:
    """Stages the usage and cost results of every page in the file."""
    document, text = load_json(source)
    at = Locator(source, text)

    def period(path: str, bucket: dict) -> tuple[datetime, datetime]:
        start = at.iso_time(path, bucket, "starting_at")
        end = at.iso_time(path, bucket, "ending_at")
        if end <= start:
            raise at.error(f"{path}.ending_at", "ending_at", bucket["ending_at"], "a time after starting_at")
        return start, end

    usage: list[dict[str, Any]] = []
    costs: list[dict[str, Any]] = []
    read = 0
    expected_page = "an Anthropic usage or cost report page with a data list"
    for where, result, start, end in bucket_results(
        source, document, expected_page=expected_page, period=period
    ):
        read += 1
        if "amount" in result:
            costs.append(_cost_row(at, where, result, start, end))
        elif _USAGE_FIELDS & result.keys() or "output_tokens" in result:
            usage.append(_usage_row(at, where, result, start, end))
        else:
            raise BadExportError(
                source.name, "a usage result (uncached_input_tokens, ...) or a cost result (amount)",
                column=where, got=str(sorted(result))[:60],
            )  # fmt: skip
    return stage_facts(con, read, usage, costs, usage_key=USAGE_KEY, cost_key=COST_KEY)


def _usage_row(at: Locator, where: str, r: dict, start, end) -> dict[str, Any]:
    creation = at.obj(where, r, "cache_creation")
    write_5m = at.count(f"{where}.cache_creation", creation, "ephemeral_5m_input_tokens") or 0
    write_1h = at.count(f"{where}.cache_creation", creation, "ephemeral_1h_input_tokens") or 0
    uncached = at.count(where, r, "uncached_input_tokens") or 0
    read = at.count(where, r, "cache_read_input_tokens") or 0
    tools = at.obj(where, r, "server_tool_use")
    searches = at.count(f"{where}.server_tool_use", tools, "web_search_requests")
    tier = at.text_field(where, r, "service_tier")
    text = {f: at.text_field(where, r, f) for f in ("api_key_id", "workspace_id", "model", "context_window",
                                                     "inference_geo")}  # fmt: skip
    return {
        "namespace": "anthropic:messages",
        "key_extra": "|".join(text[k] or "" for k in ("context_window", "inference_geo")),
        "provider": "anthropic",
        "period_start": start,
        "period_end": end,
        "api_key_id": text["api_key_id"],
        "workspace": text["workspace_id"],
        "model": text["model"],
        "service_tier": tier,
        "batch": None if tier is None else tier == "batch",
        "requests": None,
        "input_tokens": uncached + write_5m + write_1h + read,
        "cached_input_tokens": read,
        "cache_write_tokens": write_5m + write_1h,
        "cache_write_1h_tokens": write_1h,
        "output_tokens": at.count(where, r, "output_tokens") or 0,
        "reasoning_tokens": None,
        "details": details(
            cache_write_5m_tokens=write_5m or None,
            cache_write_1h_tokens=write_1h or None,
            web_search_requests=searches or None,
            context_window=text["context_window"],
            inference_geo=text["inference_geo"],
        ),
    }


def _cost_row(at: Locator, where: str, r: dict, start, end) -> dict[str, Any]:
    fields = ("currency", "model", "token_type", "cost_type", "description", "workspace_id", "context_window",
              "service_tier", "inference_geo")  # fmt: skip
    text = {f: at.text_field(where, r, f) for f in fields}
    if (text["currency"] or "USD").upper() != "USD":
        raise at.error(f"{where}.currency", "currency", r.get("currency"), "USD")
    cents = at.decimal(where, r.get("amount"), "amount")
    model, token_type = text["model"], text["token_type"]
    line_item = text["description"] or ", ".join(x for x in (model, token_type or text["cost_type"]) if x)
    return {
        "namespace": "anthropic:costs",
        "key_extra": "|".join(
            str(r.get(k) or "")
            for k in ("cost_type", "description", "context_window", "service_tier", "inference_geo")
        ),
        "provider": "anthropic",
        "period_start": start,
        "period_end": end,
        "workspace": text["workspace_id"],
        "line_item": line_item or None,
        "model": model,
        "token_type": token_type,
        "amount_usd": cents / CENTS,  # cents -> dollars, exact in Decimal
        "currency": "USD",
        "details": details(
            cost_type=r.get("cost_type"),
            context_window=r.get("context_window"),
            service_tier=r.get("service_tier"),
            inference_geo=r.get("inference_geo"),
        ),
    }
