"""Settings > Connections: which vendors have an admin key (never the key), their last sync, "Sync now"."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from analytics import sync
from analytics.formats import BadExportError
from analytics.money import format_usd
from analytics.store import Store
from analytics.ui import auth


def show(current: Store) -> None:
    """Renders the Connections section for the store the app works on."""
    st.write(
        "Sync pulls usage and billed cost straight from the vendors' Admin APIs into this store: no export "
        "to download, nothing in the request path. Keys are read from the environment of the app (or the "
        "system keyring) and are never stored or shown. The same as `llm-cost sync` on the command line."
    )
    runs = sync.last_runs(current)
    for name, spec in sync.VENDORS.items():
        st.subheader(spec.title)
        source = sync.key_source(spec)
        if source == "environment":
            st.markdown(f"Admin key: set in the environment (`{spec.key_env}`).")
        elif source == "keyring":
            st.markdown(f"Admin key: in the system keyring (service `llm-cost`, name `{spec.key_env}`).")
        else:
            st.markdown(
                f"Admin key: **not set**. Start the app with `{spec.key_env}` set to {spec.key_kind}."
            )
        st.caption(_last_run_text(runs.get(name)))
        clicked = bool(source) and st.button(f"Sync {spec.title} now", key=f"settings_sync_{name}")
        if clicked and auth.require_editor(f"Syncing {spec.title}"):
            _sync_now(current, name, spec.title)


def _last_run_text(run: dict | None) -> str:
    if run is None:
        return "Never synced."
    when = run["finished_at"].astimezone(UTC)
    days = f"{run['first_day']} .. {run['last_day']}"
    if run["status"] != "ok":
        return f"Last sync {when:%Y-%m-%d %H:%M} UTC failed ({days}): {run['message']}"
    cost = format_usd(run["cost_usd"]) if run["cost_usd"] is not None else "no"
    return (
        f"Last sync {when:%Y-%m-%d %H:%M} UTC: {days}, {run['pages']} pages, {run['rows_inserted']} rows "
        f"added, {run['rows_replaced']} revised, {cost} billed cost covered."
    )


def _sync_now(current: Store, name: str, title: str) -> None:
    with st.status(f"Syncing {title}…", expanded=True) as status:
        try:
            result = sync.sync(current, name, on_progress=status.write)
        except (sync.SyncError, BadExportError, ValueError) as error:
            status.update(label=f"{title} sync failed", state="error")
            st.error(str(error))  # never holds the key (analytics/sync/http.py blanks it)
            return
        status.update(label=f"{title} synced at {datetime.now(UTC):%H:%M} UTC", state="complete")
    st.success(
        f"{title}: {result.first_day} .. {result.last_day}, {result.rows_inserted} rows added, "
        f"{result.rows_replaced} revised, {result.rows_unchanged} unchanged."
    )
