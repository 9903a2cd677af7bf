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
# # Model choice: what would a month have cost on other models and tiers?
#
# Takes the store's real usage of a month (this month if it has data, else the newest month with usage) and
# re-prices it (what-if) as if every request had gone to each candidate model of the providers the store
# holds, at standard and at batch prices, beside a quality score you fill in from your own evaluations.
# Then estimates a set of your prompts on the same candidates. Both sides of every comparison are token
# estimates at the dated prices, so they compare like with like.

# %% tags=["parameters"]
import os

STORE = os.environ.get("LLM_COST_DB", "")  # empty: the default store
MONTH = ""  # "YYYY-MM"; empty: this month if it has data, else the newest month with usage
# Candidate models per provider with a quality score from your own evals (0-1). Fill in your own figures;
# the candidates of the providers found in the store's usage are compared.
CANDIDATES = {
    "openai": {
        "gpt-5": 0.93,
        "gpt-4.1": 0.88,
        "gpt-5-mini": 0.86,
        "o4-mini": 0.85,
        "gpt-4o": 0.84,
        "gpt-4.1-mini": 0.80,
        "gpt-4o-mini": 0.74,
        "gpt-4.1-nano": 0.66,
    },
    "anthropic": {
        "claude-opus-4-1": 0.94,
        "claude-sonnet-4-5": 0.92,
        "claude-sonnet-4": 0.89,
        "claude-haiku-4-5": 0.84,
        "claude-3-5-haiku": 0.72,
    },
}
TIERS = ["standard", "batch"]
PROMPTS = [
    "Summarise this support ticket in one sentence: my invoice shows a charge twice for the same month.",
    "Classify the sentiment (positive, negative, neutral) of: 'The export finally works, thanks!'",
    "Write a SQL query returning the ten customers with the highest spend last quarter.",
]
OUTPUT_TOKENS_PER_PROMPT = 300

# %%
import altair as alt
import pandas as pd

from analytics import compare, reports
from analytics.money import format_usd
from analytics.store import Store

store = Store.open(STORE or None)
book = store.price_book()  # the store's prices: catalog + corrections + the override file beside it
first_day, last_day = reports.data_range(store)
opened = reports.default_month(store)  # the rule the CLI and the app follow
month = reports.parse_month(MONTH) if MONTH else opened.month
start, end = max(month, first_day), min(reports.month_end(month), last_day)
print(f"Re-pricing the usage of {start} .. {end} (UTC) from {store.path}")
if opened.note and not MONTH:
    print(opened.note)
providers = set(reports.daily_usage(store, start, end, by="provider")["provider"])
candidates = {m: q for p in sorted(providers) for m, q in CANDIDATES.get(p, {}).items()}
if not candidates:  # usage of other providers only: compare every candidate
    candidates = {m: q for by_provider in CANDIDATES.values() for m, q in by_provider.items()}
print(f"Providers in the usage: {', '.join(sorted(providers)) or 'none'}; {len(candidates)} candidates")

# %% [markdown]
# ## The month's usage on each candidate

# %%
models_used = sorted(reports.daily_spend(store, start, end, by="model", book=book)["model"].unique())
rows = []
for candidate, quality in candidates.items():
    for tier in TIERS:
        scenario = reports.what_if(
            store, start, end, model_map=dict.fromkeys(models_used, candidate), tier=tier, book=book
        )
        rows.append(
            {
                "model": candidate,
                "tier": tier,
                "quality": quality,
                "cost_usd": scenario.scenario_usd,
                "saving_usd": scenario.saving_usd,
                "actual_usd": scenario.actual_usd,
            }
        )
repriced = pd.DataFrame(rows).sort_values("cost_usd").reset_index(drop=True)
actual = repriced["actual_usd"].iloc[0]
print(f"What the month's usage cost as it ran (token estimate): {format_usd(actual)}")
repriced.assign(cost=repriced["cost_usd"].map(format_usd), saving=repriced["saving_usd"].map(format_usd))[
    ["model", "tier", "quality", "cost", "saving"]
]

# %% [markdown]
# ## Cost against quality
#
# Points to the upper left are better value. Display only: the chart uses float dollars; the table above
# holds the exact Decimal figures.

# %%
plot = repriced[["model", "tier", "quality"]].assign(cost=[float(c) for c in repriced["cost_usd"]])
alt.Chart(plot).mark_circle(size=120).encode(
    x=alt.X("cost:Q", title="Month's usage re-priced (USD)", scale=alt.Scale(type="log")),
    y=alt.Y("quality:Q", title="Quality (your evals)", scale=alt.Scale(zero=False)),
    color=alt.Color("tier:N", title="Tier"),
    tooltip=["model", "tier", "quality", alt.Tooltip("cost:Q", format="$,.2f")],
).properties(title="Cost against quality, per candidate and tier", width=560, height=360)

# %% [markdown]
# ## Your prompts on the same candidates

# %%
prompt_rows = []
for number, prompt in enumerate(PROMPTS, start=1):
    for result in compare(prompt, models=list(candidates), output_tokens=OUTPUT_TOKENS_PER_PROMPT):
        prompt_rows.append(
            {"prompt": number, "model": result.model, "input_tokens": result.input_tokens,
             "total_usd": result.total_usd}
        )  # fmt: skip
per_prompt = pd.DataFrame(prompt_rows)
per_model = per_prompt.groupby("model", as_index=False).agg(
    input_tokens=("input_tokens", "sum"), total_usd=("total_usd", "sum")
)
per_model = per_model.sort_values("total_usd").reset_index(drop=True)
per_model.assign(total=per_model["total_usd"].map(format_usd))[["model", "input_tokens", "total"]]

# %% [markdown]
# ## What the figures say

# %%
standard = repriced[repriced["tier"] == "standard"]
good_enough = standard[standard["quality"] >= 0.8].sort_values("cost_usd")
best = good_enough.iloc[0] if len(good_enough) else standard.iloc[0]
batch = repriced[(repriced["model"] == best["model"]) & (repriced["tier"] == "batch")]
change = (
    f"{format_usd(best['saving_usd'])} less"
    if best["saving_usd"] >= 0
    else f"{format_usd(-best['saving_usd'])} more, since the month's usage was partly batched already"
)
print(
    f"The cheapest candidate scoring 0.8 or more is {best['model']}: {month:%B %Y}'s usage, every request at "
    f"standard prices, would have cost {format_usd(best['cost_usd'])} against {format_usd(actual)} as it "
    f"ran ({change})."
)
if len(batch):
    print(f"Sent through the Batch API where latency allows: {format_usd(batch['cost_usd'].iloc[0])}.")
