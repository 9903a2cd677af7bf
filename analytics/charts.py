"""Altair chart builders: a DataFrame in, a Chart out, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
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


def _usd(values: pd.Series) -> list[float]:
    # Display only: Vega-Lite needs numbers; the figures themselves stay Decimal in the reports.
    return [float(v) for v in values]


def month_spend(
    days: pd.DataFrame,
    *,
    budget_usd: Decimal | None = None,
    alert_thresholds: Sequence[tuple[str, Decimal]] = (),
    forecast: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """Returns daily cost bars with the cumulative month-to-date line, budget and alert lines, forecast band.

    `days` has `date`, `cost_usd`, `basis`, `cumulative_usd` (as `reports.MonthStatus.days`); `forecast`
    has `date`, `expected_usd`, `low_usd`, `high_usd` per day ahead (`reports.Forecast.days`); it is drawn
    as a cumulative band from the last spent figure. `alert_thresholds` are (label, USD) pairs.
    Bars use the left axis, cumulative figures the right one.
    """
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(days["date"]),
            "cost_usd": _usd(days["cost_usd"]),
            "basis": list(days["basis"]),
            "cumulative_usd": _usd(days["cumulative_usd"]),
        }
    )
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%b %d"))
    bars = (
        alt.Chart(frame)
        .mark_bar(opacity=0.8)
        .encode(
            x=x,
            y=alt.Y("cost_usd:Q", title="Daily cost (USD)", axis=alt.Axis(format="$,.2f")),
            color=alt.Color(
                "basis:N",
                title="Basis",
                scale=alt.Scale(
                    domain=["billed", "estimated", "mixed"], range=["#4c78a8", "#9ecae9", "#f58518"]
                ),
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Day (UTC)"),
                alt.Tooltip("cost_usd:Q", title="Cost (USD)", format="$,.2f"),
                alt.Tooltip("basis:N", title="Basis"),
            ],
        )
    )
    right = alt.Axis(format="$,.0f", orient="right")
    cumulative_y = alt.Y("cumulative_usd:Q", title="Month to date (USD)", axis=right)
    lines: list[alt.Chart] = [
        # Mid grey reads on both the light and the dark theme.
        alt.Chart(frame).mark_line(color="#888", point=True).encode(x=x, y=cumulative_y),
    ]
    if forecast is not None and len(forecast):
        spent = float(days["cumulative_usd"].iloc[-1]) if len(days) else 0.0
        ahead = pd.DataFrame(
            {
                "date": pd.to_datetime(forecast["date"]),
                "expected_usd": [spent + v for v in _cumsum(forecast["expected_usd"])],
                "low_usd": [spent + v for v in _cumsum(forecast["low_usd"])],
                "high_usd": [spent + v for v in _cumsum(forecast["high_usd"])],
            }
        )
        lines.append(
            alt.Chart(ahead)
            .mark_area(opacity=0.2, color="#888")
            .encode(x=x, y=alt.Y("low_usd:Q", axis=right, title="Month to date (USD)"), y2="high_usd:Q")
        )
        lines.append(
            alt.Chart(ahead)
            .mark_line(strokeDash=[4, 4], color="#888")
            .encode(x=x, y=alt.Y("expected_usd:Q", axis=right, title="Month to date (USD)"))
        )
    if budget_usd is not None:
        lines.append(
            alt.Chart(frame)
            .mark_rule(color="#d62728", strokeWidth=2)
            .encode(
                y=alt.datum(float(budget_usd), axis=right), tooltip=alt.value(f"Budget ${budget_usd:,.2f}")
            )
        )
    for label, threshold in alert_thresholds:
        lines.append(
            alt.Chart(frame)
            .mark_rule(color="#ff7f0e", strokeDash=[2, 2])
            .encode(y=alt.datum(float(threshold), axis=right), tooltip=alt.value(f"Alert {label}"))
        )
    return alt.layer(bars, alt.layer(*lines)).resolve_scale(y="independent").properties(width=640, height=300)


def _cumsum(values: pd.Series) -> list[float]:
    out, total = [], Decimal(0)
    for v in values:
        total += v
        out.append(float(total))
    return out


def spend_breakdown(frame: pd.DataFrame, by: str) -> alt.Chart:
    """Returns daily cost bars stacked by `by` (a column of `frame`, beside `date` and `cost_usd`)."""
    data = pd.DataFrame(
        {"date": pd.to_datetime(frame["date"]), by: list(frame[by]), "cost_usd": _usd(frame["cost_usd"])}
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %d")),
            y=alt.Y("sum(cost_usd):Q", title="Daily cost (USD)", stack="zero", axis=alt.Axis(format="$,.2f")),
            color=alt.Color(f"{by}:N", title=by.replace("_", " ").capitalize()),
            tooltip=[
                alt.Tooltip("date:T", title="Day (UTC)"),
                alt.Tooltip(f"{by}:N"),
                alt.Tooltip("sum(cost_usd):Q", title="Cost (USD)", format="$,.4f"),
            ],
        )
        .properties(width=640, height=300)
    )


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
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %d")),
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
