"""Settings page: budgets and alerts, prepaid credit, names for ids, price overrides, the store."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import budgets, prices, reports
from analytics.money import format_usd
from analytics.store import Store
from analytics.ui import auth, components

LABEL_KINDS = {"project": "Project", "api_key": "API key", "user": "User"}
_ID_COLUMNS = {"project": "project_id", "api_key": "api_key_id", "user": "user_id"}


@components.retry_when_busy
def show() -> None:
    """Renders the Settings page."""
    st.title("Settings")
    current = components.store()
    budgets_tab, credit_tab, names_tab, prices_tab, connections_tab, store_tab = st.tabs(
        ["Budgets", "Prepaid credit", "Names", "Price overrides", "Connections", "Store"]
    )
    with budgets_tab:
        _budgets(current)
    with credit_tab:
        _credits(current)
    with names_tab:
        _names(current)
    with prices_tab:
        _price_overrides(current)
    with connections_tab:
        from analytics.ui import connections  # vendor Admin API sync (analytics/sync)

        connections.show(current)
    with store_tab:
        _store_facts(current)


# ---------------------------------------------------------------- budgets


def _budgets(current: Store) -> None:
    st.write(
        "A monthly budget (UTC months) for the organisation or one project: alerts at percents of it, and "
        "an optional hard limit drawn as a second line."
    )
    projects = _ids(current, "project")
    names = current.labels()
    scopes = [budgets.ORG, *projects]
    scope = st.selectbox(
        "Budget for",
        scopes,
        format_func=lambda s: "The organisation" if s == budgets.ORG else names.get(("project", s), s),
        key="settings_budget_scope",
    )
    existing = budgets.get_budget(current, scope)
    with st.form("settings_budget_form"):
        cols = st.columns(3)
        monthly = cols[0].number_input(
            "Monthly budget (USD)",
            min_value=0.0,
            value=float(existing.monthly_usd) if existing else 1000.0,
            step=100.0,
            format="%.2f",
            key=f"settings_budget_usd_{scope}",
        )
        alerts = cols[1].text_input(
            "Alert at (% of budget)",
            value=", ".join(
                str(p) for p in (existing.alert_percents if existing else budgets.DEFAULT_ALERT_PERCENTS)
            ),
            key=f"settings_budget_alerts_{scope}",
            help="Whole percents, separated by commas, e.g. 50, 80, 100.",
        )
        hard = cols[2].number_input(
            "Hard limit (USD, 0 = none)",
            min_value=0.0,
            value=float(existing.hard_limit_usd or 0) if existing else 0.0,
            step=100.0,
            format="%.2f",
            key=f"settings_budget_hard_{scope}",
        )
        saved = st.form_submit_button("Save budget", type="primary")
    if saved and auth.require_editor("Changing budgets"):
        try:
            percents = [int(p) for p in alerts.replace(";", ",").split(",") if p.strip()]
        except ValueError:
            st.error(
                f"Alert percents are whole numbers separated by commas, e.g. 50, 80, 100; got {alerts!r}."
            )
            percents = None
        if percents is not None:
            try:
                budgets.set_budget(
                    current,
                    _usd(monthly),
                    scope=scope,
                    alert_percents=percents,
                    hard_limit_usd=_usd(hard) if hard else None,
                )
            except ValueError as error:
                st.error(str(error))
            else:
                st.success(f"Saved: {format_usd(_usd(monthly))} a month.")
    listed = budgets.list_budgets(current)
    if listed:
        st.dataframe(
            pd.DataFrame(
                {
                    "Scope": [
                        "organisation" if b.scope == budgets.ORG else names.get(("project", b.scope), b.scope)
                        for b in listed
                    ],
                    "Monthly": [format_usd(b.monthly_usd) for b in listed],
                    "Alerts at": [", ".join(f"{p}%" for p in b.alert_percents) for b in listed],
                    "Hard limit": [format_usd(b.hard_limit_usd) if b.hard_limit_usd else "" for b in listed],
                    "Updated (UTC)": [
                        f"{b.updated_at:%Y-%m-%d %H:%M}" if b.updated_at else "" for b in listed
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def _usd(value: float) -> Decimal:
    # number_input gives a float; the budget is what the user typed, to the cent.
    return Decimal(str(round(value, 2)))


# ---------------------------------------------------------------- credit


def _credits(current: Store) -> None:
    st.write("Prepaid credit the organisation's spend draws on, the credit expiring first first.")
    today = datetime.now(UTC).date()
    with st.form("settings_credit_form", clear_on_submit=True):
        cols = st.columns(4)
        amount = cols[0].number_input(
            "Amount (USD)", min_value=0.0, value=0.0, step=100.0, format="%.2f", key="settings_credit_usd"
        )
        starts = cols[1].date_input("Usable from (UTC)", value=today, key="settings_credit_from")
        expires = cols[2].date_input(
            "Expires on (UTC, optional)", value=None, min_value=starts + timedelta(1)
        )
        note = cols[3].text_input("Note", key="settings_credit_note")
        added = st.form_submit_button("Add credit")
    if added and auth.require_editor("Adding credit"):
        try:
            budgets.add_credit(current, _usd(amount), starts_on=starts, expires_on=expires, note=note or None)
        except ValueError as error:
            st.error(str(error))
        else:
            st.success(f"Added {format_usd(_usd(amount))} of credit.")
    statuses = reports.credit_status(current)
    if not statuses:
        st.caption("No credit recorded.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Amount": [format_usd(s.credit.amount_usd) for s in statuses],
                "From (UTC)": [s.credit.starts_on for s in statuses],
                "Expires (UTC)": [s.credit.expires_on or "never" for s in statuses],
                "Used": [format_usd(s.used_usd) for s in statuses],
                "Balance": [format_usd(s.balance_usd) for s in statuses],
                "Runs out": [_credit_end(s) for s in statuses],
                "Note": [s.credit.note or "" for s in statuses],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(f"Balances as on {statuses[0].as_of} (the last day with data); run-out at the weekday pace.")


def _credit_end(status: reports.CreditStatus) -> str:
    if status.runs_out_on is not None:
        return f"{status.runs_out_on}"
    if status.left_at_expiry_usd is not None:
        return f"expires with {format_usd(status.left_at_expiry_usd)} unused"
    return "not at this pace"


# ---------------------------------------------------------------- names


def _ids(current: Store, kind: str) -> list[str]:
    column = _ID_COLUMNS[kind]
    frame = current.query(
        f"SELECT DISTINCT {column} AS id FROM usage WHERE {column} IS NOT NULL "
        f"UNION SELECT id FROM labels WHERE kind = $kind ORDER BY id",
        {"kind": kind},
    )
    return list(frame["id"])


def _names(current: Store) -> None:
    st.write(
        "Exports carry only ids. Give your projects, API keys and users names: every breakdown shows them."
    )
    labels = current.labels()
    rows = [(kind, id_, labels.get((kind, id_), "")) for kind in LABEL_KINDS for id_ in _ids(current, kind)]
    table = pd.DataFrame(
        {
            "Kind": [LABEL_KINDS[k] for k, _, _ in rows],
            "Id": [i for _, i, _ in rows],
            "Name": [n for _, _, n in rows],
        },
        dtype=object,
    )
    edited = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        disabled=["Kind", "Id"],
        key="settings_labels",
        column_config={"Name": st.column_config.TextColumn(help="Leave empty to show the id.")},
    )
    if st.button("Save names", key="settings_save_labels", type="primary") and auth.require_editor(
        "Naming projects, keys and users"
    ):
        changed = [
            (kind, id_, str(name).strip())
            for (kind, id_, old), name in zip(rows, edited["Name"], strict=True)
            if isinstance(name, str) and name.strip() and name.strip() != old
        ]
        if changed:
            current.set_labels(changed)
            st.success(f"Saved {len(changed)} name(s).")
        else:
            st.info("No names changed.")


# ---------------------------------------------------------------- price overrides


def _price_overrides(current: Store) -> None:
    path = current.overrides_path()
    st.write(
        "Negotiated prices, private or fine-tuned models: rows here win over the catalog for the tier they "
        "name, from their `valid_from` day (UTC). Prices are USD per 1M tokens."
    )
    st.caption(
        f"File: `{path}`"
        + (f" (from ${prices.OVERRIDES_ENV})" if os.environ.get(prices.OVERRIDES_ENV) else "")
    )
    upload = st.file_uploader("Upload an override CSV", type=["csv", "tsv", "txt"], key="settings_overrides")
    if upload is not None and auth.require_editor("Replacing the price overrides"):
        _replace_overrides(path, upload.name, upload.getvalue())
    if path.exists():
        try:
            rows = prices.load_overrides(path)
        except ValueError as error:
            st.error(f"The current override file is not valid: {error}")
            rows = ()
        if rows:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Provider": [r.provider or "" for r in rows],
                        "Model": [r.model for r in rows],
                        "Tier": [r.tier for r in rows],
                        "From (UTC)": [r.valid_from for r in rows],
                        "Input / 1M": [format_usd(r.input) for r in rows],
                        "Output / 1M": [format_usd(r.output) for r in rows],
                        "Cached input / 1M": [
                            format_usd(r.cached_input) if r.cached_input is not None else "" for r in rows
                        ],
                        "Note": [r.note for r in rows],
                    }
                ),
                hide_index=True,
                width="stretch",
                key="settings_overrides_table",
            )
        st.download_button(
            "Download the current file", path.read_bytes(), file_name=path.name, mime="text/csv"
        )
        if st.button("Reset to catalog prices", key="settings_reset_overrides") and auth.require_editor(
            "Resetting the price overrides"
        ):
            backup = path.with_name(path.name + ".bak")
            os.replace(path, backup)  # the store's price book is re-read when its file changes
            st.success(f"Removed the overrides; the old file is kept as {backup.name}.")
            st.rerun()
    else:
        st.caption("No override file: every price comes from the catalog.")
    st.caption(
        "Columns: provider, model, tier, valid_from, input_per_mtok, output_per_mtok, cached_input_per_mtok, "
        "cache_write_5m_per_mtok, cache_write_1h_per_mtok, note."
    )


def _replace_overrides(path: Path, name: str, content: bytes) -> None:
    """Checks an uploaded override file and, when valid, puts it in place of the current one."""
    marker = st.session_state.get("settings_overrides_done")
    fingerprint = (name, len(content), hash(content))
    if marker == fingerprint:
        return  # this upload was handled on an earlier rerun
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".csv", delete=False) as scratch:
        scratch.write(content)
    staged = Path(scratch.name)
    try:
        rows = prices.load_overrides(staged)
    except ValueError as error:
        st.error(f"{str(error).replace(str(staged), name)} — the current prices are unchanged.")
        return
    else:
        os.replace(staged, path)  # `Store.price_book()` reads it from now on
    finally:
        staged.unlink(missing_ok=True)  # on every path, errors included (after the move it is gone)
    st.session_state["settings_overrides_done"] = fingerprint
    st.success(f"Using {name}: {len(rows)} override row(s).")


# ---------------------------------------------------------------- store


COMMON_ZONES = ("UTC", "Europe/Berlin", "Europe/London", "Europe/Paris", "America/New_York",
                "America/Chicago", "America/Los_Angeles", "Asia/Tokyo", "Asia/Singapore",
                "Australia/Sydney")  # fmt: skip


def _time_zone(current: Store, span: tuple | None) -> None:
    """The reporting time zone of this session: days and months on every page in that zone."""
    from zoneinfo import available_timezones

    from analytics.report_zone import zone_note

    zones = [*COMMON_ZONES, *sorted(available_timezones() - set(COMMON_ZONES))]
    chosen = components.zone_label()

    def keep() -> None:
        picked = st.session_state["settings_tz"]
        st.session_state[components.ZONE_KEY] = None if picked == "UTC" else picked

    st.selectbox(
        "Reporting time zone",
        zones,
        index=zones.index(chosen) if chosen in zones else 0,
        key="settings_tz",
        on_change=keep,
        help="Days and months on every page in this zone (for this session; set $LLM_COST_TZ for a default). "
        "The store itself stays UTC.",
    )
    note = zone_note(current, components.report_zone(), *span) if span and components.report_zone() else None
    st.caption(note or "Days are UTC days, as the providers' exports count them.")


def _store_facts(current: Store) -> None:
    path = current.path
    size = path.stat().st_size if path.exists() else 0
    imports = current.list_imports()
    span = reports.data_range(current)
    cols = st.columns(3)
    cols[0].metric("Size", f"{size / 1_000_000:,.1f} MB")
    cols[1].metric("Imports", f"{len(imports):,}")
    # The range goes under the metric: as the metric's value it was cut to "2026-09-02 – 202…".
    days = f"{(span[1] - span[0]).days + 1:,} days" if span else "empty"
    cols[2].metric(f"Data ({components.zone_label()})", days)
    if span:
        cols[2].caption(f"{span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}")
    _time_zone(current, span)
    st.write(
        f"The store is the DuckDB file `{path}`. Point `LLM_COST_DB` at another file to use another one."
    )
    st.caption(
        "The app opens it read-only for each query, so `llm-cost import` can write to it while the app "
        "is open."
    )
