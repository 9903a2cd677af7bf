"""Proxy-free sync from the vendors' Admin APIs into the store (the only network code besides notify.py).

    from analytics.sync import sync
    sync(Store.open(), "openai")            # incremental: last synced day minus the revision window
    sync(store, "anthropic", first_day=date(2026, 11, 1), last_day=date(2026, 11, 30))

Modules: `http` (GET with retries and paging), `keys` (keys and base URLs from the environment or the
keyring), `openai` / `anthropic` (endpoints, grouping, names, spend settings), `run` (days, landing in
one transaction, the `sync_runs` record), `limits` (vendor spend alerts/limits vs our budgets),
`freshness` (how fresh each vendor's data is).
"""

from __future__ import annotations

from analytics.sync.freshness import freshness
from analytics.sync.http import AuthError, SyncError
from analytics.sync.keys import VENDORS, MissingKeyError, configured, key_source
from analytics.sync.run import (
    FIRST_SYNC_DAYS,
    REVISION_DAYS,
    SyncResult,
    days_to_sync,
    last_runs,
    last_synced_day,
    provisional_days,
    sync,
)

__all__ = [
    "FIRST_SYNC_DAYS",
    "REVISION_DAYS",
    "VENDORS",
    "AuthError",
    "MissingKeyError",
    "SyncError",
    "SyncResult",
    "configured",
    "days_to_sync",
    "freshness",
    "key_source",
    "last_runs",
    "last_synced_day",
    "provisional_days",
    "sync",
]
