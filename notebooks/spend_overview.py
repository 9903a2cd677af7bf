# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Spend overview: where did the money go, and will we stay in budget?
#
# Opens the usage store through the library (the same functions as `llm-cost report` and the app), so the
# figures here are the ones the dashboard shows. Each figure says its basis: **billed** where a cost export
# covers the day, **estimated** (tokens x the dated price) where none does yet, **mixed** when both.

# %% tags=["parameters"]
import os

STORE = os.environ.get("LLM_COST_DB", "")  # empty: the default store (`make run` uses data/llm-cost.duckdb)
MONTH = ""  # "YYYY-MM"; empty: this month if it has data, else the newest month with data

# %%

import pandas as pd

from analytics import charts, reports
from analytics.money import format_usd
from analytics.store import Store

store = Store.open(STORE or None)
book = store.price_book()  # the store's prices: catalog + corrections + the override file beside it
first_day, last_day = reports.data_range(store)
opened = reports.default_month(store)  # the rule the CLI and the app follow
month = reports.parse_month(MONTH) if MONTH else opened.month
print(f"Store: {store.path}\nData from {first_day} to {last_day} (UTC); looking at {month:%B %Y}")
if opened.note and not MONTH:
    print(opened.note)

# %% [markdown]
# ## The month against its budget

# %%
status = reports.month_status(store, month, by="model", book=book)
print(f"Spent to {status.as_of} (UTC): {format_usd(status.spent_usd)} ({status.basis})")
if status.budget_usd is not None:
    print(f"Budget: {format_usd(status.budget_usd)}, {status.percent_used:.1f}% used")
print(
    f"Forecast for the month: {format_usd(status.forecast.expected_usd)} "
    f"(range {format_usd(status.forecast.low_usd)} .. {format_usd(status.forecast.high_usd)})"
)
if status.runs_out_on:
    print(f"The budget runs out on {status.runs_out_on} at this pace")
for alert in status.alerts:
    label = "hard limit" if alert.kind == "hard_limit" else f"{alert.percent:g}% alert"
    when = f"crossed on {alert.crossed_on}" if alert.crossed_on else "not reached"
    print(f"  {label} at {format_usd(alert.threshold_usd)}: {when}")

# %%
charts.month_spend(
    status.days,
    budget_usd=status.budget_usd,
    alert_thresholds=[(f"{a.percent:g}%", a.threshold_usd) for a in status.alerts if a.kind == "alert"],
    forecast=status.forecast.days,
)

# %% [markdown]
# ## Where it went: by project, model and API key
#
# Labels (names given to project and key ids in Settings or by `Store.set_labels`) replace the bare ids.

# %%
month_end = min(reports.month_end(month), last_day)
breakdowns = {}
for dimension in ("project", "model", "api_key"):
    frame = reports.daily_spend(store, month, month_end, by=dimension, book=book)
    totals = (
        frame.groupby(dimension, as_index=False)["cost_usd"].sum().sort_values("cost_usd", ascending=False)
    )
    totals["share"] = [f"{c / totals['cost_usd'].sum():.0%}" for c in totals["cost_usd"]]
    breakdowns[dimension] = (frame, totals)
breakdowns["project"][1].assign(cost=breakdowns["project"][1]["cost_usd"].map(format_usd))[
    ["project", "cost", "share"]
]

# %%
breakdowns["model"][1].assign(cost=breakdowns["model"][1]["cost_usd"].map(format_usd))[
    ["model", "cost", "share"]
]

# %%
breakdowns["api_key"][1].assign(cost=breakdowns["api_key"][1]["cost_usd"].map(format_usd))[
    ["api_key", "cost", "share"]
]

# %%
charts.spend_breakdown(breakdowns["project"][0], "project")

# %% [markdown]
# ## Days that stand out
#
# A day is flagged when it is far above the median of the days before it (robust z-score, one decimal), with
# what drove it. The spread counts as at least $0.25 and a day is scored once 7 of the 28 days before it had
# spend, so a quiet history does not flag every spending day (`reports.anomaly_score`).

# %%
unusual = reports.anomalies(store, first_day, last_day)
pd.DataFrame(
    [
        {
            "date": a.date,
            "cost": format_usd(a.cost_usd),
            "usual": format_usd(a.expected_usd),
            "score": round(a.score, 1),
            **{f"top {dim}": f"{name} (+{format_usd(excess)})" for dim, (name, excess) in a.drivers.items()},
        }
        for a in unusual
    ]
)

# %% [markdown]
# ## What the figures say

# %%
top_project, top_model = breakdowns["project"][1].iloc[0], breakdowns["model"][1].iloc[0]
lines = [
    f"In {month:%B %Y} the organisation spent {format_usd(status.spent_usd)} to {status.as_of} "
    f"({status.basis} figures).",
    f"{top_project['project']} is the largest project ({top_project['share']} of spend); "
    f"{top_model['model']} the costliest model ({top_model['share']}).",
]
if status.budget_usd is not None:
    verdict = "over" if status.forecast.expected_usd > status.budget_usd else "within"
    lines.append(
        f"At the weekday run rate the month ends near {format_usd(status.forecast.expected_usd)}, "
        f"{verdict} the {format_usd(status.budget_usd)} budget."
    )
if unusual:
    worst = max(unusual, key=lambda a: a.cost_usd - a.expected_usd)
    driver = ", ".join(f"{dim} {name}" for dim, (name, _) in worst.drivers.items())
    lines.append(
        f"The most unusual day was {worst.date}: {format_usd(worst.cost_usd)} against a usual "
        f"{format_usd(worst.expected_usd)}, driven by {driver}."
    )
print("\n".join(lines))
