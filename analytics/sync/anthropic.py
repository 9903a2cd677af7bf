"""Anthropic Admin API: messages usage report, cost report, workspace and API key names, spend limits.

Endpoints and fields follow the Admin API reference (`/v1/organizations/usage_report/messages`,
`/v1/organizations/cost_report`, `/v1/organizations/workspaces`, `/v1/organizations/api_keys`, and the
beta `/v1/organizations/spend_limits`). Times are RFC 3339; `ending_at` is exclusive; cost amounts are
decimal strings in cents. Daily buckets, at most 31 per page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from analytics.sync.fetched import Fetched
from analytics.sync.http import Client, SyncError

API_VERSION = "2023-06-01"
SPEND_LIMITS_BETA = "spend-limit-reads-2026-09-26"
USAGE_GROUPS = ("api_key_id", "workspace_id", "model", "service_tier", "context_window")
COST_GROUPS = ("workspace_id", "description")
PAGE_LIMIT = 31


def headers(key: str) -> dict[str, str]:
    return {"x-api-key": key, "anthropic-version": API_VERSION, "Accept": "application/json"}


def rfc3339(day: date) -> str:
    return datetime.combine(day, time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fetch(client: Client, first_day: date, last_day: date, on_progress: Callable[[str], None]) -> Fetched:
    """Fetches usage, costs and names for the UTC days first_day..last_day (both included)."""
    fetched = Fetched("anthropic", first_day, last_day)
    window = {"starting_at": rfc3339(first_day), "ending_at": rfc3339(last_day + timedelta(days=1)),
              "bucket_width": "1d", "limit": PAGE_LIMIT}  # fmt: skip
    usage = {**window, "group_by": list(USAGE_GROUPS)}
    for page, body in client.bucket_pages("/v1/organizations/usage_report/messages", usage):
        fetched.add_page("anthropic-usage-messages", body)
        _note_days(fetched, page)
    costs = {**window, "group_by": list(COST_GROUPS)}
    for page, body in client.bucket_pages("/v1/organizations/cost_report", costs):
        fetched.add_page("anthropic-costs", body)
        _note_days(fetched, page)
        for bucket in page["data"]:
            for result in bucket.get("results") or []:
                fetched.cost_usd += Decimal(str(result.get("amount") or 0)) / 100  # cents
    on_progress("anthropic: workspace and API key names")
    fetched.labels = names(client)
    return fetched


def names(client: Client) -> list[tuple[str, str, str]]:
    """(kind, id, name) for every API key and workspace (archived too: old usage names them)."""
    labels: list[tuple[str, str, str]] = []
    for key in client.list_all("/v1/organizations/api_keys", {"limit": 100}, cursor="after_id"):
        if key.get("id") and key.get("name"):
            labels.append(("api_key", key["id"], str(key["name"])))
    for space in client.list_all(
        "/v1/organizations/workspaces", {"limit": 100, "include_archived": True}, cursor="after_id"
    ):
        if space.get("id") and space.get("name"):
            labels.append(("workspace", space["id"], str(space["name"])))
    return labels


def spend_settings(client: Client) -> list[dict[str, Any]]:
    """Monthly spend limits from the beta spend-limits API, in dollars (amounts are cents strings).

    Items as in `analytics.sync.openai.spend_settings`; scope "org" or a workspace id. Organisations
    outside the beta get an HTTP 4xx, reported as SyncError by the caller.
    """
    beta = Client(client.base_url, {**client.headers, "anthropic-beta": SPEND_LIMITS_BETA}, client.vendor,
                  timeout=client.timeout, attempts=client.attempts, sleep=client.sleep)  # fmt: skip
    found: list[dict[str, Any]] = []
    for page, _ in beta.bucket_pages("/v1/organizations/spend_limits", {"limit": 100}):
        for item in page["data"]:
            scope = item.get("scope") or {}
            kind = scope.get("type")
            if kind not in ("organization", "workspace") or item.get("amount") is None:
                continue
            if str(item.get("currency") or "USD").upper() != "USD":
                raise SyncError(f"anthropic spend limit {item.get('id')}: currency is not USD")
            found.append({
                "scope": "org" if kind == "organization" else str(scope.get("workspace_id")),
                "kind": "hard_limit",
                "amount_usd": Decimal(str(item["amount"])) / 100,
                "interval": item.get("period") or "month",
                "enforcing": bool(item.get("is_enabled", True)),
            })  # fmt: skip
    return found


def _note_days(fetched: Fetched, page: dict[str, Any]) -> None:
    for bucket in page["data"]:
        start = bucket.get("starting_at")
        if bucket.get("results") and isinstance(start, str):
            try:
                fetched.days_with_data.add(datetime.fromisoformat(start).astimezone(UTC).date())
            except ValueError:
                continue  # the reader names the bad field with its line and column
