"""Overview page: this month against its budget, the forecast, the daily chart, what drove the spend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
import streamlit as st

from analytics import charts, demo, reports
from analytics.csv_out import frame_to_csv
from analytics.money import format_usd
from analytics.store import Store
from analytics.ui import components, state

TOP = 5


@dataclass(frozen=True)
class _Figures:
    status: reports.MonthStatus
    models: pd.DataFrame
    projects: pd.DataFrame
    keys: pd.DataFrame
    anomalies: list[reports.Anomaly]
    caching: pd.DataFrame | None = None  # reports.cache_savings of the month's days


@st.cache_data(show_spinner="Reading the store…", max_entries=16)
def _figures(_store: Store, path: str, month: date, version: tuple) -> _Figures:
    # `path` and `version` key the cache: a new import, budget, label or price file recomputes it.
    status = reports.month_status(_store, month, by="model")
    empty = pd.DataFrame(columns=["date", "cost_usd", "basis"])
    if status.as_of < status.month:
        return _Figures(status, empty, empty, empty, [])
    start, end = status.month, status.as_of
    return _Figures(
        status=status,
        models=components.totals_by(status.breakdown, "model"),
        projects=components.totals_by(reports.daily_spend(_store, start, end, by="project"), "project"),
        keys=components.totals_by(reports.daily_spend(_store, start, end, by="api_key"), "api_key"),
        anomalies=reports.anomalies(_store, start, end),
        caching=reports.cache_savings(_store, start, end),
    )


@components.retry_when_busy
def show() -> None:
    """Renders the Overview page."""
    st.title("Overview")
    current = components.store()
    span = reports.data_range(current)
    if span is None:
        _first_start(current)
        return
    top = st.columns([1, 3])
    with top[0]:
        # ?month=2025-06 opens that month; the URL follows the picker, so it is always a bookmark.
        state.from_url("overview_month", lambda url: state.url_month(url["month"][-1], *span), "month")
        month = components.month_picker(span[0], span[1], key="overview_month")
        state.to_url({"month": f"{month:%Y-%m}"})
    figures = _figures(current, str(current.path), month, components.data_version(current))
    status = figures.status
    with top[1]:
        st.caption(
            f"Month to date up to **{status.as_of:%a %d %b %Y}** (the last day with data). "
            f"All days are {components.zone_label()}. Badges say whether a figure is billed (the provider's "
            "cost export), estimated (tokens x the price in force that day) or mixed."
        )
        from analytics.sync import freshness  # "OpenAI synced 2 h ago, Anthropic from a CSV imported Nov 28"

        if fresh := freshness(current):
            st.caption("Data: " + "; ".join(fresh) + ".")
        opened = reports.default_month(current)
        if opened.note and month == opened.month:
            st.caption(opened.note)
    if status.as_of < status.month:
        st.info(f"No usage in {month:%B %Y} yet.")
        return
    _metrics(status)
    _caching_line(figures.caching)
    _budget_lines(status)
    _chart(status)
    if status.unpriced:
        st.warning(
            "No price for: " + ", ".join(status.unpriced) + ". Their tokens count as $0; add them to the "
            "price overrides in Settings."
        )
    _top_tables(figures)
    _anomalies(figures.anomalies)


def _first_start(current: Store) -> None:
    st.info("The store is empty. Look around with a demo organisation, or bring your own exports.")
    left, right = st.columns(2)
    with left:
        st.markdown("**Try it**: 90 days of a fictional organisation with a $1,000 monthly budget.")
        if st.button("Load 90 days of demo data", key="overview_load_demo", type="primary"):
            with st.spinner("Generating and importing the demo exports…"):
                demo.load(current, current.path.parent / "demo")
            st.rerun()
    with right:
        st.markdown("**Your own data**: OpenAI or Anthropic usage and cost exports (CSV, JSON, zip).")
        components.page_link("upload", "Upload exports", icon=":material/upload:")


def _caching_line(caching: pd.DataFrame | None) -> None:
    """What prompt caching saved this month: the same tokens without cached input, as gateways show it."""
    if caching is None or caching.empty:
        return
    saved = sum(caching["saved_usd"], Decimal(0))
    if saved:
        without = sum(caching["without_cache_usd"], Decimal(0))
        st.caption(
            f"**Caching saved {format_usd(saved)}** this month: the same tokens without cached input would "
            f"have cost {format_usd(without)} (token estimate at the dated prices)."
        )


def _metrics(status: reports.MonthStatus) -> None:
    cols = st.columns(5)
    components.money_metric(
        cols[0], f"Spent, {status.month:%b} 1–{status.as_of:%d}", status.spent_usd, basis=status.basis
    )
    budget = status.budget
    if budget is None:
        with cols[1]:
            st.metric("Budget", "not set", help="Set a monthly budget in Settings.")
    else:
        limit = "" if budget.hard_limit_usd is None else f"hard limit {format_usd(budget.hard_limit_usd)}"
        components.money_metric(cols[1], "Monthly budget", budget.monthly_usd, note=limit or None)
    with cols[2]:
        st.metric("Budget used", "n/a" if status.percent_used is None else f"{status.percent_used:.1f}%")
    forecast = status.forecast
    components.money_metric(
        cols[3],
        f"Forecast, {status.month:%b} {reports.month_end(status.month):%d}",
        forecast.expected_usd,
        note="the month's total"
        if status.over
        else f"range {format_usd(forecast.low_usd)} – {format_usd(forecast.high_usd)}",
        help="Spent so far plus each remaining day at the mean of the same weekday over the last 28 days; "
        "the range uses each weekday's lowest and highest day. A month that is over: its total.",
        basis=status.forecast_basis,
    )
    value, note = _runs_out(status)
    with cols[4]:
        st.metric("Budget runs out", value)
        if note:
            st.caption(note)


def _runs_out(status: reports.MonthStatus) -> tuple[str, str | None]:
    """Returns (value, note) for the run-out metric."""
    if status.budget is None:
        return "n/a", None
    day = status.runs_out_on
    if day is None:
        return "—", f"not by {reports.month_end(status.month):%b %d} at this pace"
    if day <= status.as_of:
        return f"{day:%b %d}", "reached"
    days = (day - status.as_of).days
    return f"{day:%b %d}", f"in {days} day{'s' if days != 1 else ''} at this pace"


def _budget_lines(status: reports.MonthStatus) -> None:
    if not status.alerts:
        return
    parts = []
    for alert in status.alerts:
        name = "hard limit" if alert.kind == "hard_limit" else f"{alert.percent:g}%"
        when = f"crossed on {alert.crossed_on:%b %d}" if alert.crossed_on else "not reached"
        parts.append(f"**{name}** ({format_usd(alert.threshold_usd)}): {when}")
    crossed = status.crossed
    text = "Budget lines: " + " · ".join(parts)
    if any(a.kind == "hard_limit" or a.percent >= 100 for a in crossed):
        st.error(text)
    elif crossed:
        st.warning(text)
    else:
        st.success(text)


def _chart(status: reports.MonthStatus) -> None:
    budget = status.budget
    lines = []
    if budget is not None:
        lines = [(f"{p}%", budget.monthly_usd * p / 100) for p in budget.alert_percents if p != 100]
        if budget.hard_limit_usd is not None:
            lines.append(("hard limit", budget.hard_limit_usd))
    chart = charts.month_spend(
        status.days,
        breakdown=status.breakdown,
        by="model",
        budget_usd=status.budget_usd,
        alert_thresholds=lines,
        forecast=status.forecast.days,
        zone=components.zone_label(),
    )
    st.subheader("Daily cost against the budget")
    # A two-panel chart keeps its own width (Vega-Lite cannot stretch a concatenation to the container).
    st.altair_chart(chart, width="content", key="overview_chart")
    cols = st.columns([3, 1])
    cols[0].caption(
        f"Top: each {components.zone_label()} day's cost by model; estimated days are drawn lighter than "
        "billed ones (the tooltip says which). Below, on its own axis: month to date; dashed with a grey "
        "band: the forecast and its range; red: the budget; orange dashes: the alert lines."
    )
    cols[1].download_button(
        "Chart data (CSV)",
        chart_csv(status).encode(),
        file_name=f"llm-cost_overview_{status.month:%Y-%m}.csv",
        mime="text/csv",
        key="overview_download",
        icon=":material/download:",
    )


def chart_csv(status: reports.MonthStatus) -> str:
    """Returns what the chart shows as CSV: each day's cost per model with its basis, and month to date."""
    by_day = dict(zip(status.days["date"], status.days["cumulative_usd"], strict=True))
    rows = status.breakdown if status.breakdown is not None else status.days.assign(model="")
    frame = pd.DataFrame(
        {
            "date": [d.isoformat() for d in rows["date"]],
            "model": list(rows["model"]),
            "cost_usd": [format(Decimal(c), "f") for c in rows["cost_usd"]],
            "basis": list(rows["basis"]),
            "month_to_date_usd": [format(Decimal(by_day.get(d, 0)), "f") for d in rows["date"]],
        }
    )
    return frame_to_csv(frame)


def _top_tables(figures: _Figures) -> None:
    cols = st.columns(3)
    for col, (title, frame, by) in zip(
        cols,
        [
            ("Top models", figures.models, "model"),
            ("Top projects", figures.projects, "project"),
            ("Top API keys", figures.keys, "api_key"),
        ],
        strict=True,
    ):
        with col:
            st.subheader(title)
            if frame.empty:
                st.caption("No spend this month.")
            else:
                components.money_table(frame, by, top=TOP, compact=True, key=f"overview_top_{by}")


def _anomalies(found: list[reports.Anomaly]) -> None:
    st.subheader("Unusual days")
    if not found:
        st.caption("No day this month stands out from the 28 days before it.")
        return
    table = pd.DataFrame(
        {
            f"Day ({components.zone_label()})": [a.date for a in found],
            "Cost": [format_usd(a.cost_usd) for a in found],
            "Usual": [format_usd(a.expected_usd) for a in found],
            "Score": [round(a.score, 1) for a in found],
            "Basis": [a.basis for a in found],
            "Driven by": [
                "; ".join(
                    f"{components.DIMENSION_TITLES.get(dim, dim)} {name} (+{format_usd(excess)})"
                    for dim, (name, excess) in a.drivers.items()
                )
                for a in found
            ],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="overview_anomalies",
        column_config={"Score": st.column_config.NumberColumn(format="%.1f", width="small")},
    )
    st.caption(
        "Score: how far the day is above the median of the previous 28 days, in robust standard deviations "
        f"(the spread counts as at least ${reports.ANOMALY_MIN_SPREAD_USD}, and a day is scored once 7 of "
        "those days had spend; after mostly quiet days it is compared with the days that had spend)."
    )
