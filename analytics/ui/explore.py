"""Explore page: spend broken down by model, project, key, user or tier, filtered by any of them at once;
CSV download; what-if re-pricing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import streamlit as st

from analytics import charts, prices, reports
from analytics.csv_out import frame_to_csv
from analytics.money import format_usd
from analytics.store import Store
from analytics.ui import components, state

DEFAULT_DAYS = 30
CUSTOM = "Custom"
PRESETS = ("This month", "Last month", f"Last {DEFAULT_DAYS} days", "All", CUSTOM)
DEFAULT_PRESET = PRESETS[2]
# The filters offered, each a multiselect of the ids in the chosen days (shown by label name).
FILTERS = reports.FILTER_FIELDS
_LABEL_KIND = {"project": "project", "api_key": "api_key", "user": "user"}
Where = tuple[tuple[str, tuple[str, ...]], ...]  # hashable, for the cache


@st.cache_data(show_spinner="Reading the store…", max_entries=32)
def _breakdown(
    _store: Store, path: str, start: date, end: date, by: str, where: Where, version: tuple
) -> pd.DataFrame:
    # `path` and `version` key the cache (see components.data_version).
    return reports.daily_spend(_store, start, end, by=by, where=dict(where))


@st.cache_data(show_spinner=False, max_entries=32)
def _usage(
    _store: Store, path: str, start: date, end: date, by: str, where: Where, version: tuple
) -> pd.DataFrame:
    return reports.daily_usage(_store, start, end, by=by, where=dict(where))


@st.cache_data(show_spinner=False, max_entries=32)
def _caching(
    _store: Store, path: str, start: date, end: date, by: str, where: Where, version: tuple
) -> pd.DataFrame:
    return reports.cache_savings(_store, start, end, by=by, where=dict(where))


USAGE_COLUMNS = ["requests", "input_tokens", "cached_input_tokens", "output_tokens"]
CACHING_COLUMNS = ["without_cache_usd", "caching_saved_usd"]


def daily_rows(
    shown: pd.DataFrame, usage: pd.DataFrame, by: str, caching: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Returns the rows of the daily download: date, provider(s), the key, cost (Decimal), basis, and the
    tokens and requests behind it (0 for a billed line without usage, such as a tool call); with `caching`
    (`reports.cache_savings`) also what the same tokens would cost without cached input, and the saving."""
    sums = {c: (c, "sum") for c in USAGE_COLUMNS}
    if by == "provider":  # the key is the provider itself
        per_key = usage.groupby(["date", by], as_index=False).agg(**sums)
        rows = shown[["date", by, "cost_usd", "basis"]].merge(per_key, on=["date", by], how="left")
        columns = ["date", by, "cost_usd", "basis"]
    else:
        joined = {"provider": ("provider", lambda p: ", ".join(sorted(set(p))))}
        per_key = usage.groupby(["date", by], as_index=False).agg(**joined, **sums)
        rows = shown[["date", by, "cost_usd", "basis"]].merge(per_key, on=["date", by], how="left")
        rows["provider"] = rows["provider"].fillna("")
        columns = ["date", "provider", by, "cost_usd", "basis"]
    for column in USAGE_COLUMNS:
        rows[column] = rows[column].fillna(0).astype("int64")
    if caching is None:
        return rows[[*columns, *USAGE_COLUMNS]]
    extra = caching.rename(columns={"saved_usd": "caching_saved_usd"})[["date", by, *CACHING_COLUMNS]]
    rows = rows.merge(extra, on=["date", by], how="left")
    for column in CACHING_COLUMNS:
        rows[column] = [Decimal(0) if pd.isna(v) else v for v in rows[column]]
    return rows[[*columns, *USAGE_COLUMNS, *CACHING_COLUMNS]]


@st.cache_data(show_spinner=False, max_entries=32)
def _options(_store: Store, path: str, start: date, end: date, version: tuple) -> dict[str, list[str]]:
    return reports.filter_options(_store, start, end)


@components.retry_when_busy
def show() -> None:
    """Renders the Explore page."""
    st.title("Explore")
    current = components.store()
    span = reports.data_range(current)
    if span is None:
        st.info("The store is empty: there is nothing to explore yet.")
        components.page_link("upload", "Upload exports or load the demo data", icon=":material/upload:")
        return
    version = components.data_version(current)
    start, end, by, where = _filters(current, span, version)
    shown = _breakdown(current, str(current.path), start, end, by, where, version)
    _summary(shown, by, start, end)
    if shown.empty:
        st.info("No spend in this selection.")
    else:
        st.altair_chart(charts.spend_breakdown(shown, by), width="stretch", key="explore_chart")
        totals = components.totals_by(shown, by)
        components.money_table(totals, by, key="explore_table")
        usage = _usage(current, str(current.path), start, end, by, where, version)
        caching = _caching(current, str(current.path), start, end, by, where, version)
        rows = daily_rows(shown, usage, by, caching)
        _downloads(rows, totals, by, start, end, _describe(current, where))
    if shown.attrs.get("unpriced"):
        st.warning("No price for: " + ", ".join(shown.attrs["unpriced"]) + "; their tokens count as $0.")
    _what_if(current, start, end, dict(where), version)


def _filters(current: Store, span: tuple[date, date], version: tuple) -> tuple[date, date, str, Where]:
    """Renders the filters; returns (start, end, breakdown dimension, the `where` of the chosen filters)."""
    first, last = span
    # The URL carries every choice (?from=2025-06-01&to=2025-06-30&by=project&model=gpt-4o): a bookmark.
    state.from_url("explore_days", lambda url: _days_from_url(url, first, last), "from", "to")
    state.from_url(
        "explore_by", lambda url: next((b for b in url["by"] if b in reports.DIMENSIONS), None), "by"
    )
    _period_presets(first, last)
    cols = st.columns([2, 1])
    picked = cols[0].date_input(
        f"Days ({components.zone_label()})",
        min_value=first,
        max_value=last,
        key="explore_days",
        on_change=lambda: st.session_state.update(explore_period=CUSTOM),
    )
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else (first, last)
    by = cols[1].selectbox(
        "Break down by",
        reports.DIMENSIONS,
        format_func=components.DIMENSION_TITLES.get,
        key="explore_by",
    )
    labels = current.labels()
    options = _options(current, str(current.path), start, end, version)
    where = []
    for column, name in zip(st.columns(len(FILTERS)), FILTERS, strict=True):
        key = f"explore_{name}"
        kind = _LABEL_KIND.get(name)
        title = components.DIMENSION_TITLES[name]
        # Keep what was chosen on the options when the days change, so a choice is never silently lost.
        state.from_url(key, lambda url, name=name: list(dict.fromkeys(url[name])), name)
        chosen_before = [v for v in st.session_state.get(key, []) if v not in options[name]]
        values = column.multiselect(
            title,
            [*options[name], *chosen_before],
            format_func=lambda v, kind=kind: labels.get((kind, v), v) if kind else v,
            key=key,
            placeholder=f"All {title if title.startswith('API') else title.lower()}s",  # "All API keys"
        )
        if values:
            where.append((name, tuple(values)))
    state.to_url({"from": str(start), "to": str(end), "by": by} | {n: dict(where).get(n) for n in FILTERS})
    return start, end, by, tuple(where)


def _days_from_url(url: dict[str, list[str]], first: date, last: date) -> tuple[date, date] | None:
    start = state.url_day(url["from"][-1], first, last) if url["from"] else first
    end = state.url_day(url["to"][-1], first, last) if url["to"] else last
    return (start, end) if start is not None and end is not None and start <= end else None


def preset_range(preset: str, first: date, last: date) -> tuple[date, date]:
    """Returns the days of a period preset within the data first..last. "This month" is the month of the
    last day with data (this month when it has data, else the newest with data, as everywhere)."""
    month = last.replace(day=1)
    if preset == "This month":
        start, end = month, last
    elif preset == "Last month":
        end = month - timedelta(days=1)
        start = end.replace(day=1)
    elif preset == "All":
        start, end = first, last
    else:
        start, end = last - timedelta(days=DEFAULT_DAYS - 1), last
    start, end = max(start, first), min(end, last)
    return (start, end) if start <= end else (first, first)


def _period_presets(first: date, last: date) -> None:
    """Renders the period presets above the day picker; a preset sets the days, picking days by hand (or a
    range from the URL) makes it Custom."""
    session = st.session_state
    session.setdefault("explore_period", DEFAULT_PRESET)
    if "explore_days" not in session:
        session["explore_days"] = preset_range(session["explore_period"], first, last)
    elif session["explore_period"] != CUSTOM and tuple(session["explore_days"]) != preset_range(
        session["explore_period"], first, last
    ):
        session["explore_period"] = CUSTOM

    def apply() -> None:
        if session["explore_period"] != CUSTOM:
            session["explore_days"] = preset_range(session["explore_period"], first, last)

    st.radio("Period", PRESETS, horizontal=True, key="explore_period", on_change=apply)


def _summary(shown: pd.DataFrame, by: str, start: date, end: date) -> None:
    total = sum(shown["cost_usd"], Decimal(0)) if not shown.empty else Decimal(0)
    basis = reports.combine_bases(shown["basis"]) if not shown.empty else None
    days = (end - start).days + 1
    cols = st.columns(3)
    zone = components.zone_label()
    components.money_metric(cols[0], f"Total, {start:%b %d} – {end:%b %d} ({zone})", total, basis=basis)
    components.money_metric(cols[1], "Per day", total / days)
    with cols[2]:
        st.metric(f"{components.DIMENSION_TITLES[by]}s", f"{shown[by].nunique() if not shown.empty else 0:,}")


def _downloads(
    shown: pd.DataFrame, totals: pd.DataFrame, by: str, start: date, end: date, filtered: str
) -> None:
    """Renders the CSV downloads of what is shown; `filtered` says which filters made it ("": none)."""
    daily = components.decimal_strings(shown, ["cost_usd"])
    summed = components.decimal_strings(totals[[by, "cost_usd", "basis"]], ["cost_usd"])
    cols = st.columns([1, 1, 2])
    cols[0].download_button(
        "Daily rows (CSV)",
        frame_to_csv(daily).encode(),
        file_name=f"llm-cost_{by}_daily_{start}_{end}{'_filtered' if filtered else ''}.csv",
        mime="text/csv",
        key="explore_download_daily",
        icon=":material/download:",
    )
    cols[1].download_button(
        "Totals (CSV)",
        frame_to_csv(summed).encode(),
        file_name=f"llm-cost_{by}_totals_{start}_{end}{'_filtered' if filtered else ''}.csv",
        mime="text/csv",
        key="explore_download_totals",
        icon=":material/download:",
    )
    note = f" Only {filtered}." if filtered else ""
    cols[2].caption(
        f"Exact amounts in USD (not rounded), with the provider, basis, requests and tokens of each day; "
        f"days are {components.zone_label()}.{note}"
    )


def _describe(current: Store, where: Where) -> str:
    """Returns the chosen filters in words, label names shown (e.g. "API key support-prod")."""
    labels = current.labels()
    parts = []
    for k, values in where:
        names = ", ".join(labels.get((_LABEL_KIND.get(k), v), v) for v in values)
        parts.append(f"{components.DIMENSION_TITLES[k]} {names}")
    return "; ".join(parts)


def _what_if(
    current: Store, start: date, end: date, where: dict[str, tuple[str, ...]], version: tuple
) -> None:
    st.subheader("What if…")
    st.caption(
        "Re-price the same tokens of these days with other models, another tier, or more input read from "
        "cache. Both sides are token estimates at the dated prices, so the saving compares like with like."
    )
    others = [components.DIMENSION_TITLES[k].lower() for k in where if k != "project"]
    if others:
        st.caption(
            f"The what-if covers the days and the project filter only: the {', '.join(others)} "
            "filter does not apply to it."
        )
    cols = st.columns([2, 1, 1])
    mapping_text = cols[0].text_input(
        "Swap models (from=to, comma separated)",
        placeholder="gpt-4o=gpt-4o-mini, o4-mini=gpt-5-mini",
        key="explore_model_map",
    )
    tier = cols[1].selectbox("Tier", ["as run", *prices.TIERS], key="explore_tier")
    cached = cols[2].slider(
        "Input read from cache, at least (%)", 0, 100, 0, step=5, key="explore_cached",
        help="0: as it ran. A share below what was actually cached changes nothing.",
    )  # fmt: skip
    if not mapping_text.strip() and tier == "as run" and not cached:
        return
    try:
        model_map = reports.parse_model_map([mapping_text]) if mapping_text.strip() else {}
        results = [
            reports.what_if(
                current,
                start,
                end,
                model_map=model_map,
                tier=None if tier == "as run" else tier,
                cached_share=Decimal(cached) / 100 if cached else None,
                project=project,
            )
            for project in where.get("project") or [None]
        ]
    except (ValueError, prices.UnknownModelError) as error:
        st.error(str(error))
        return
    result = _combined(results)
    m = st.columns(3)
    components.money_metric(m[0], "As run", result.actual_usd, basis="estimated")
    components.money_metric(m[1], "With the change", result.scenario_usd, basis="estimated")
    percent = f"{result.saving_usd * 100 / result.actual_usd:.1f}% of the cost" if result.actual_usd else None
    components.money_metric(m[2], "Saving", result.saving_usd, note=percent)
    st.dataframe(
        pd.DataFrame(
            {
                "Project": list(result.projects["project"]),
                "As run": [format_usd(v) for v in result.projects["actual_usd"]],
                "With the change": [format_usd(v) for v in result.projects["scenario_usd"]],
                "Saving": [format_usd(v) for v in result.projects["saving_usd"]],
            }
        ),
        hide_index=True,
        width="stretch",
        key="explore_what_if_table",
    )
    if result.unpriced:
        st.warning("No price for: " + ", ".join(result.unpriced) + "; those tokens count as $0.")


def _combined(results: list[reports.WhatIf]) -> reports.WhatIf:
    """Returns one what-if of several projects' (each covers one project, so they add up)."""
    if len(results) == 1:
        return results[0]
    first = results[0]
    actual = sum((r.actual_usd for r in results), Decimal(0))
    scenario = sum((r.scenario_usd for r in results), Decimal(0))
    return reports.WhatIf(
        first.start, first.end, first.model_map, first.tier, first.cached_share,
        pd.concat([r.projects for r in results], ignore_index=True), actual, scenario, actual - scenario,
        tuple(sorted({u for r in results for u in r.unpriced})),
    )  # fmt: skip
