"""Widgets the pages share: the store with its price overrides, a month picker, basis badges, tables."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import streamlit as st

from analytics import reports
from analytics.money import format_usd, format_usd_column
from analytics.store import Store, StoreBusyError
from analytics.ui import state

BASIS_COLORS = {"billed": "blue", "allocated": "violet", "estimated": "gray", "mixed": "orange"}
BASIS_HELP = {
    "billed": "billed: from the provider's cost export",
    "allocated": "allocated: a bill without this field, split by each one's share of the token cost that day",
    "estimated": "estimated: tokens x the price in force that day (no cost export covers these days)",
    "mixed": "mixed: billed days and token-estimated days added up",
}
DIMENSION_TITLES = {
    "model": "Model",
    "project": "Project",
    "api_key": "API key",
    "user": "User",
    "service_tier": "Tier",
    "workspace": "Workspace",
    "provider": "Provider",
}
_pages: dict[str, object] = {}
# Counts with thousands separators (1,234,567) in every table that shows them.
TOKEN_COLUMNS = {
    name: st.column_config.NumberColumn(format="localized")
    for name in ("Requests", "Input tokens", "Output tokens", "Cached input tokens", "Inserted", "Replaced",
                 "Read", "Skipped (empty)")
}  # fmt: skip


ZONE_KEY = "report_tz"  # session state: the reporting time zone chosen in Settings (None: UTC)


def report_zone() -> str | None:
    """Returns the reporting time zone: the one chosen in Settings, else $LLM_COST_TZ, else None (UTC)."""
    return st.session_state.get(ZONE_KEY) or os.environ.get("LLM_COST_TZ") or None


def zone_label() -> str:
    """Returns the name days are counted in: "UTC" or the reporting zone ("Europe/Berlin")."""
    return report_zone() or "UTC"


def retry_when_busy(page: Callable[[], None]) -> Callable[[], None]:
    """Wraps a page so a store another process keeps locked (a long import) shows "the store is busy"
    and a Retry button instead of a StoreBusyError traceback."""

    @functools.wraps(page)
    def guarded() -> None:
        try:
            page()
        except StoreBusyError:
            st.warning(
                "The store is busy: another process (an import, a sync) is writing to it. "
                "Your data is safe; try again in a moment."
            )
            if st.button("Retry", key=f"retry_busy_{page.__module__}", type="primary"):
                st.rerun()

    return guarded


def store() -> Store:
    """Returns the app's store, read on the reporting zone's calendar (`analytics.report_zone`); its prices
    (with the override file beside it) are `store().price_book()`."""
    current = state.store()
    zone = report_zone()
    if not zone:
        return current
    from analytics.report_zone import zoned

    try:
        return zoned(current, zone)
    except ValueError as error:  # a bad $LLM_COST_TZ: say so once, count in UTC
        st.warning(f"{error}; days are shown in UTC.")
        return current


def data_version(current: Store) -> tuple:
    """Returns a cheap fingerprint of everything a report depends on (imports, budgets, labels, credits,
    price overrides), so cached reports are recomputed after any change, from this app or the CLI."""
    with current.reader() as con:
        row = con.execute(
            """SELECT (SELECT coalesce(max(import_id), 0) FROM imports), (SELECT count(*) FROM imports),
                      (SELECT md5(coalesce(string_agg(scope || monthly_usd || updated_at, '|'), ''))
                       FROM budgets),
                      (SELECT md5(coalesce(string_agg(kind || id || name, '|' ORDER BY kind, id), ''))
                       FROM labels),
                      (SELECT count(*) FROM credits)"""
        ).fetchone()
    path = current.overrides_path()
    stat = path.stat() if path.exists() else None
    # The zone is part of it: the same store counted in another zone is another set of figures.
    return (*row, None if stat is None else (str(path), stat.st_mtime_ns, stat.st_size), zone_label())


def register_pages(pages: dict[str, object]) -> None:
    """Remembers the router's pages by url path, so pages can link to each other."""
    _pages.update(pages)


def page_link(url_path: str, label: str, icon: str | None = None) -> None:
    """Renders a link to another page of the app (a plain link when the router is not running)."""
    page = _pages.get(url_path)
    if page is not None:
        st.page_link(page, label=label, icon=icon)
    else:
        st.markdown(f"[{label}](/{url_path})")


def basis_badge(basis: str, *, prefix: str = "") -> None:
    """Renders a small coloured badge saying whether a figure is billed, estimated or mixed."""
    st.badge(f"{prefix}{basis}", color=BASIS_COLORS.get(basis, "gray"), help=BASIS_HELP.get(basis))


def money_metric(
    column,
    label: str,
    amount: Decimal | None,
    *,
    basis: str | None = None,
    help: str | None = None,
    note: str | None = None,
) -> None:
    """Renders a metric with an amount as currency, a note and its basis badge under it."""
    with column:
        st.metric(label, format_usd(amount), help=help)
        if note:
            st.caption(note)
        if basis:
            basis_badge(basis)


def month_picker(first: date, last: date, *, key: str) -> date:
    """Renders a month select box (newest first) for the months first..last; returns the first day."""
    months = []
    month = last.replace(day=1)
    while month >= first.replace(day=1):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return st.selectbox(f"Month ({zone_label()})", months, format_func=lambda m: f"{m:%B %Y}", key=key)


def totals_by(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Returns one row per `by` key of a `daily_spend(by=...)` frame: cost_usd (Decimal), share, basis,
    largest first."""
    if frame.empty:
        return pd.DataFrame(columns=[by, "cost_usd", "share", "basis"])
    grouped = frame.groupby(by, as_index=False).agg(
        cost_usd=("cost_usd", lambda s: sum(s, Decimal(0))), basis=("basis", reports.combine_bases)
    )
    total = sum(grouped["cost_usd"], Decimal(0))
    grouped["share"] = [float(c / total) if total else 0.0 for c in grouped["cost_usd"]]
    order = sorted(range(len(grouped)), key=lambda i: grouped["cost_usd"].iloc[i], reverse=True)
    return grouped.iloc[order].reset_index(drop=True)[[by, "cost_usd", "share", "basis"]]


def money_table(
    frame: pd.DataFrame, by: str, *, top: int | None = None, compact: bool = False, key: str | None = None
) -> None:
    """Renders a `totals_by` frame: name, cost as currency, share of the total, basis.

    `compact` (for narrow columns) writes the share as a number and the basis as one badge under it.
    """
    shown = frame.head(top) if top else frame
    table = pd.DataFrame(
        {
            DIMENSION_TITLES.get(by, by): list(shown[by]),
            "Cost": format_usd_column(shown["cost_usd"]),
            "Share": [s * 100 for s in shown["share"]],
            "Basis": list(shown["basis"]),
        }
    )
    if compact:
        st.dataframe(
            table.drop(columns="Basis"),
            hide_index=True,
            width="stretch",
            key=key,
            column_config={"Share": st.column_config.NumberColumn(format="%.0f%%", width="small")},
        )
        basis_badge(reports.combine_bases(shown["basis"]))
        return
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key=key,
        column_config={"Share": st.column_config.ProgressColumn(format="%.1f%%", min_value=0, max_value=100)},
    )


def decimal_strings(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Returns `frame` with the Decimal money `columns` as plain decimal strings (for CSV downloads)."""
    return frame.assign(**{c: [format(Decimal(v), "f") for v in frame[c]] for c in columns})
