"""Altair chart builders: a DataFrame in, a Chart out, no I/O."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import altair as alt
import pandas as pd


def cost_comparison(frame: pd.DataFrame) -> alt.Chart:
    """Returns horizontal bars of total cost per model, cheapest on top.

    `frame` needs columns `model`, `total_usd` (numeric, display only) and `tier`.
    """
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("total_usd:Q", title="Total cost (USD)", axis=alt.Axis(format="$,.6~f")),
            y=alt.Y("model:N", sort="x", title=None),
            color=alt.Color("tier:N", legend=None),
            tooltip=[
                alt.Tooltip("model:N", title="Model"),
                alt.Tooltip("tier:N", title="Tier"),
                alt.Tooltip("input_tokens:Q", title="Input tokens", format=","),
                alt.Tooltip("output_tokens:Q", title="Output tokens", format=","),
                alt.Tooltip("total_usd:Q", title="Total (USD)", format="$,.6~f"),
            ],
        )
        .properties(height=alt.Step(28))
    )


def _usd(values: Sequence[Decimal] | pd.Series) -> list[float]:
    # Display only: Vega-Lite needs numbers; the figures themselves stay Decimal in the reports.
    return [float(v) for v in values]


# Estimated days drawn lighter; an allocated part is a share of a bill.
BASIS_OPACITY = {"billed": 1.0, "allocated": 0.85, "mixed": 0.7, "estimated": 0.4}
_ONE_ROW = pd.DataFrame({"row": [0]})  # data for marks drawn once (a budget line), whatever the days


def day_axis(dates: Sequence[date] | pd.Series, *, title: str | None = None) -> alt.X:
    """Returns a time x encoding with one tick per day (or per few days on long ranges), so a short range
    does not repeat a date at every half day."""
    days = sorted({pd.Timestamp(d).date() for d in dates}) if len(dates) else []
    span = (days[-1] - days[0]).days + 1 if days else 1
    step = max(1, math.ceil(span / 12))
    return alt.X(
        "yearmonthdate(date):T",  # a day unit: bars fill their day instead of a few pixels at midnight
        title=title,
        axis=alt.Axis(format="%b %d", tickCount={"interval": "day", "step": step}, labelOverlap=True),
    )


def money_format(largest: float) -> str:
    """Returns a d3 money format with cents when amounts are small, so ticks never repeat ("$0 $1 $1 $2")."""
    return "$,.0f" if largest >= 50 else "$,.2f"


def month_spend(
    days: pd.DataFrame,
    *,
    breakdown: pd.DataFrame | None = None,
    by: str = "model",
    budget_usd: Decimal | None = None,
    alert_thresholds: Sequence[tuple[str, Decimal]] = (),
    forecast: pd.DataFrame | None = None,
    zone: str = "UTC",
) -> alt.VConcatChart:
    """Returns two panels on one day axis: daily cost bars (stacked by `by` when `breakdown` is given),
    and below them month to date with the forecast band and the budget and alert lines.

    Each panel has one money axis, so a line never reads against the wrong one. `days` has `date`,
    `cost_usd`, `basis`, `cumulative_usd` (as `reports.MonthStatus.days`); `breakdown` has `date`, `by`,
    `cost_usd`, `basis` (as `MonthStatus.breakdown`); `forecast` has `date`, `expected_usd`, `low_usd`,
    `high_usd` per day ahead (`reports.Forecast.days`), drawn cumulatively from the last spent figure.
    Estimated days are drawn lighter than billed ones; the basis is in every bar's tooltip.
    `alert_thresholds` are (label, USD) pairs; `zone` names the days' time zone in the title.
    """
    ahead = _forecast_frame(days, forecast)
    x = day_axis([*days["date"], *ahead["date"]])
    return alt.vconcat(
        _daily_bars(days, breakdown, by, x).properties(
            width=720, height=220, title=f"Daily cost ({zone} days)"
        ),
        _month_to_date(days, ahead, budget_usd, alert_thresholds, x).properties(
            width=720, height=180, title="Month to date"
        ),
        spacing=12,
    ).resolve_scale(x="shared", color="independent", opacity="independent", strokeDash="independent")


def _daily_bars(days: pd.DataFrame, breakdown: pd.DataFrame | None, by: str, x: alt.X) -> alt.Chart:
    if breakdown is not None and len(breakdown):
        data = pd.DataFrame(
            {
                "date": pd.to_datetime(breakdown["date"]),
                "key": [str(k) for k in breakdown[by]],
                "cost_usd": _usd(breakdown["cost_usd"]),
                "basis": list(breakdown["basis"]),
            }
        )
    else:
        data = pd.DataFrame(
            {
                "date": pd.to_datetime(days["date"]),
                "key": ["all"] * len(days),
                "cost_usd": _usd(days["cost_usd"]),
                "basis": list(days["basis"]),
            }
        )
    totals = data.groupby("date")["cost_usd"].sum()
    largest = float(totals.max()) if len(totals) else 0.0
    title = by.replace("_", " ").capitalize()
    return (
        alt.Chart(data)
        .mark_bar(width={"band": 0.85})
        .encode(
            x=x,
            y=alt.Y(
                "cost_usd:Q", title="USD per day", stack="zero", axis=alt.Axis(format=money_format(largest))
            ),
            color=alt.Color("key:N", title=title, legend=None if breakdown is None else alt.Legend()),
            opacity=alt.Opacity(
                "basis:N",
                title="Basis",
                scale=alt.Scale(domain=list(BASIS_OPACITY), range=list(BASIS_OPACITY.values())),
                legend=alt.Legend(symbolType="square", symbolFillColor="#4c78a8", symbolStrokeWidth=0),
            ),
            order=alt.Order("key:N"),
            tooltip=[
                alt.Tooltip("date:T", title="Day (UTC)", format="%a %b %d"),
                alt.Tooltip("key:N", title=title),
                alt.Tooltip("cost_usd:Q", title="Cost (USD)", format="$,.4f"),
                alt.Tooltip("basis:N", title="Basis"),
            ],
        )
    )


def _forecast_frame(days: pd.DataFrame, forecast: pd.DataFrame | None) -> pd.DataFrame:
    if forecast is None or not len(forecast):
        return pd.DataFrame(columns=["date", "expected_usd", "low_usd", "high_usd"])
    spent = float(days["cumulative_usd"].iloc[-1]) if len(days) else 0.0
    return pd.DataFrame(
        {
            "date": pd.to_datetime(forecast["date"]),
            "expected_usd": [spent + v for v in _cumsum(forecast["expected_usd"])],
            "low_usd": [spent + v for v in _cumsum(forecast["low_usd"])],
            "high_usd": [spent + v for v in _cumsum(forecast["high_usd"])],
        }
    )


def _month_to_date(
    days: pd.DataFrame,
    ahead: pd.DataFrame,
    budget_usd: Decimal | None,
    alert_thresholds: Sequence[tuple[str, Decimal]],
    x: alt.X,
) -> alt.LayerChart:
    frame = pd.DataFrame(
        {"date": pd.to_datetime(days["date"]), "cumulative_usd": _usd(days["cumulative_usd"])}
    )
    lines = [("budget", budget_usd)] if budget_usd is not None else []
    lines += [(f"alert {label}", usd) for label, usd in alert_thresholds]
    largest = max([0.0, *frame["cumulative_usd"], *ahead["high_usd"], *_usd([v for _, v in lines])])
    y = alt.Y("usd:Q", title="USD", axis=alt.Axis(format=money_format(largest)))
    layers: list[alt.Chart] = [
        # Mid grey reads on both the light and the dark theme.
        alt.Chart(frame.rename(columns={"cumulative_usd": "usd"}))
        .mark_line(color="#888", point=True)
        .encode(x=x, y=y, tooltip=[alt.Tooltip("date:T", title="Day (UTC)"),
                                   alt.Tooltip("usd:Q", title="Month to date", format="$,.2f")]),
    ]  # fmt: skip
    if len(ahead):
        layers.append(
            alt.Chart(ahead)
            .mark_area(opacity=0.2, color="#888")
            .encode(x=x, y=alt.Y("low_usd:Q", title="USD"), y2="high_usd:Q")
        )
        layers.append(
            alt.Chart(ahead)
            .mark_line(strokeDash=[4, 4], color="#888")
            .encode(x=x, y=alt.Y("expected_usd:Q", title="USD"),
                    tooltip=[alt.Tooltip("date:T", title="Day (UTC)"),
                             alt.Tooltip("expected_usd:Q", title="Forecast", format="$,.2f")])
        )  # fmt: skip
    for (label, usd), at in zip(lines, _usd([v for _, v in lines]), strict=True):
        # One rule per line at a datum of the panel's own axis (`at`, a drawing position); its name beside it.
        is_budget = label == "budget"
        text = f"Budget ${usd:,.2f}" if is_budget else f"Alert {label.removeprefix('alert ')}"
        rule = alt.Chart(_ONE_ROW).mark_rule(
            color="#d62728" if is_budget else "#ff7f0e",
            strokeWidth=2,
            strokeDash=[1, 0] if is_budget else [4, 3],
        )
        layers.append(rule.encode(y=alt.datum(at), tooltip=alt.value(text)))
        layers.append(
            alt.Chart(_ONE_ROW)
            .mark_text(align="left", baseline="bottom", dx=4, dy=-2, fontSize=11, color="#888")
            .encode(x=alt.value(0), y=alt.datum(at), text=alt.value(text))
        )
    return alt.layer(*layers)


def _cumsum(values: pd.Series) -> list[float]:
    out, total = [], Decimal(0)
    for v in values:
        total += v
        out.append(float(total))
    return out


def spend_breakdown(frame: pd.DataFrame, by: str) -> alt.Chart:
    """Returns daily cost bars stacked by `by` (a column of `frame`, beside `date` and `cost_usd`);
    estimated days lighter when `frame` has a `basis` column."""
    data = pd.DataFrame(
        {
            "date": pd.to_datetime(frame["date"]),
            by: [str(k) for k in frame[by]],
            "cost_usd": _usd(frame["cost_usd"]),
            "basis": list(frame["basis"]) if "basis" in frame else ["billed"] * len(frame),
        }
    )
    largest = float(data.groupby("date")["cost_usd"].sum().max()) if len(data) else 0.0
    return (
        alt.Chart(data)
        .mark_bar(width={"band": 0.85})
        .encode(
            x=day_axis(frame["date"]),
            y=alt.Y("sum(cost_usd):Q", title="Daily cost (USD)", stack="zero",
                    axis=alt.Axis(format=money_format(largest))),
            color=alt.Color(f"{by}:N", title=by.replace("_", " ").capitalize()),
            opacity=alt.Opacity(
                "basis:N", title="Basis",
                scale=alt.Scale(domain=list(BASIS_OPACITY), range=list(BASIS_OPACITY.values())),
                legend=alt.Legend(symbolType="square", symbolFillColor="#4c78a8", symbolStrokeWidth=0),
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Day (UTC)", format="%a %b %d"),
                alt.Tooltip(f"{by}:N", title=by.replace("_", " ").capitalize()),
                alt.Tooltip("sum(cost_usd):Q", title="Cost (USD)", format="$,.4f"),
                alt.Tooltip("basis:N", title="Basis"),
            ],
        )
        .properties(width=640, height=300)
    )  # fmt: skip


def reconciliation(frame: pd.DataFrame) -> alt.Chart:
    """Returns billed against token-estimated cost per day (the rows of `reports.reconcile`, summed)."""
    daily = frame.groupby("date", as_index=False).agg(
        billed_usd=("billed_usd", "sum"), estimated_usd=("estimated_usd", "sum"), flagged=("flagged", "any")
    )
    data = pd.DataFrame(
        {
            "date": list(pd.to_datetime(daily["date"])) * 2,
            "kind": ["billed"] * len(daily) + ["estimated"] * len(daily),
            "usd": _usd(daily["billed_usd"]) + _usd(daily["estimated_usd"]),
            "flagged": list(daily["flagged"]) * 2,
        }
    )
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=day_axis(daily["date"]),
            y=alt.Y("usd:Q", title="Cost (USD)", axis=alt.Axis(format="$,.2f")),
            color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=["billed", "estimated"])),
            strokeDash=alt.StrokeDash("kind:N", legend=None),
            tooltip=[
                alt.Tooltip("date:T", title="Day (UTC)"),
                alt.Tooltip("kind:N"),
                alt.Tooltip("usd:Q", title="USD", format="$,.4f"),
                alt.Tooltip("flagged:N", title="Beyond tolerance"),
            ],
        )
        .properties(width=640, height=300)
    )
