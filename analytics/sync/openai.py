"""OpenAI Admin API: usage (eight endpoints), costs, project and API key names, spend alerts and limits.

Endpoints and fields follow openai/openai-openapi (`/organization/usage/<kind>`, `/organization/costs`,
`/organization/projects`, `/organization/projects/{id}/api_keys`, `/organization/spend_alerts`,
`/organization/spend_limit` and the per-project ones). Times are Unix seconds; `end_time` is exclusive.
Buckets are daily (`bucket_width=1d`, at most 31 per usage page, 180 per costs page).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from analytics.sync.fetched import Fetched
from analytics.sync.http import Client, SyncError

# Per usage endpoint, every dimension the spec lets it be grouped by (the finest split the API gives).
USAGE_GROUPS: dict[str, tuple[str, ...]] = {
    "completions": ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier"),
    "embeddings": ("project_id", "user_id", "api_key_id", "model"),
    "moderations": ("project_id", "user_id", "api_key_id", "model"),
    "images": ("project_id", "user_id", "api_key_id", "model", "size", "source"),
    "audio_speeches": ("project_id", "user_id", "api_key_id", "model"),
    "audio_transcriptions": ("project_id", "user_id", "api_key_id", "model"),
    "vector_stores": ("project_id",),
    "code_interpreter_sessions": ("project_id",),
}
COST_GROUPS = ("project_id", "line_item")
USAGE_PAGE_LIMIT = 31  # the spec's maximum for bucket_width=1d
COST_PAGE_LIMIT = 180


def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Accept": "application/json"}


def unix(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def fetch(client: Client, first_day: date, last_day: date, on_progress: Callable[[str], None]) -> Fetched:
    """Fetches usage, costs and names for the UTC days first_day..last_day (both included)."""
    fetched = Fetched("openai", first_day, last_day)
    window = {"start_time": unix(first_day), "end_time": unix(last_day + timedelta(days=1)),
              "bucket_width": "1d"}  # fmt: skip
    for kind, groups in USAGE_GROUPS.items():
        params = {**window, "group_by": list(groups), "limit": USAGE_PAGE_LIMIT}
        for page, body in client.bucket_pages(f"/organization/usage/{kind}", params):
            fetched.add_page(f"openai-usage-{kind}", body)
            _note_days(fetched, page)
    params = {**window, "group_by": list(COST_GROUPS), "limit": COST_PAGE_LIMIT}
    for page, body in client.bucket_pages("/organization/costs", params):
        fetched.add_page("openai-costs", body)
        _note_days(fetched, page)
        fetched.cost_usd += sum(
            (_amount(r) for b in page["data"] for r in (b.get("results") or [])), Decimal(0)
        )
    on_progress("openai: project and API key names")
    fetched.labels = names(client)
    return fetched


def names(client: Client) -> list[tuple[str, str, str]]:
    """(kind, id, name) for every project (archived too: old usage names them) and its API keys."""
    labels: list[tuple[str, str, str]] = []
    for project in projects(client):
        if project.get("name"):
            labels.append(("project", project["id"], str(project["name"])))
        for key in client.list_all(f"/organization/projects/{project['id']}/api_keys", {"limit": 100}):
            if key.get("id") and key.get("name"):
                labels.append(("api_key", key["id"], str(key["name"])))
    return labels


def projects(client: Client) -> list[dict[str, Any]]:
    found = client.list_all("/organization/projects", {"limit": 100, "include_archived": True})
    return [p for p in found if p.get("id")]


def spend_settings(client: Client) -> list[dict[str, Any]]:
    """The vendor's monthly spend alerts and hard limits, organisation and per project, in dollars.

    Each item: {"scope": "org" or a project id, "kind": "alert" | "hard_limit", "amount_usd": Decimal,
    "interval": "month", "enforcing": bool | None}. Amounts are integer cents in the API.
    """
    found: list[dict[str, Any]] = []
    scopes: list[tuple[str, str]] = [("org", "/organization")]
    scopes += [(p["id"], f"/organization/projects/{p['id']}") for p in projects(client)
               if not p.get("archived_at")]  # fmt: skip
    for scope, prefix in scopes:
        for alert in client.list_all(f"{prefix}/spend_alerts", {"limit": 100}):
            found.append(_setting(scope, "alert", alert))
        limit = _optional(client, f"{prefix}/spend_limit")
        if limit is not None:
            found.append(_setting(scope, "hard_limit", limit))
    return found


def _optional(client: Client, path: str) -> dict[str, Any] | None:
    # No limit set: the API answers 404 (or an object without an amount); both mean "none".
    try:
        value = client.get(path)
    except SyncError as error:
        if error.status == 404:
            return None
        raise
    return value if isinstance(value, dict) and value.get("threshold_amount") is not None else None


def _setting(scope: str, kind: str, item: dict[str, Any]) -> dict[str, Any]:
    currency = str(item.get("currency") or "USD").upper()
    if currency != "USD":
        raise SyncError(f"openai spend {kind} for {scope}: currency {currency}, expected USD")
    enforcement = item.get("enforcement") or {}
    return {
        "scope": scope,
        "kind": kind,
        "amount_usd": Decimal(str(item["threshold_amount"])) / 100,
        "interval": item.get("interval") or "month",
        "enforcing": None if kind == "alert" else enforcement.get("status") == "enforcing",
    }


def _amount(result: dict[str, Any]) -> Decimal:
    value = (result.get("amount") or {}).get("value")
    return Decimal(str(value)) if value is not None else Decimal(0)


def _note_days(fetched: Fetched, page: dict[str, Any]) -> None:
    for bucket in page["data"]:
        if bucket.get("results") and isinstance(bucket.get("start_time"), int):
            fetched.days_with_data.add(datetime.fromtimestamp(bucket["start_time"], UTC).date())
