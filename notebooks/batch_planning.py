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
# # Batch planning: what will this Batch API job cost, and how long will it take?
#
# Size a job from its OpenAI Batch API input file before you submit it: the prompt tokens of every request
# (counted offline, exactly as the API counts them), the output tokens its `max_tokens` allow, the cost at
# standard and at batch prices for the models you are weighing, and the least time the same requests would
# take through the synchronous API under your rate limits.

# %% tags=["parameters"]
import os
from pathlib import Path

BATCH_FILE = os.environ.get("LLM_COST_BATCH_FILE", "")  # your Batch API input file; empty: the example
CANDIDATE_MODELS = ["gpt-4o-mini", "gpt-4.1-nano", "gpt-4.1-mini", "gpt-5-mini", "gpt-4o"]
RATE_LIMITS = {"Tier 1": (200_000, 500), "Tier 2": (2_000_000, 5_000), "Tier 4": (10_000_000, 10_000)}
OUTPUT_TOKENS = None  # None: each request's max_tokens; or a number per request

# %%
from decimal import Decimal

import altair as alt
import pandas as pd

from analytics import demo, prices
from analytics.estimate import estimate_requests, format_minutes
from analytics.money import format_usd
from analytics.store import Store, default_db_path

root = Path.cwd() if (Path.cwd() / "data").exists() else Path.cwd().parent
batch_file = Path(BATCH_FILE) if BATCH_FILE else root / "data" / "example_batch_input.jsonl"
# The store's prices (catalog + corrections + the override file beside it), as the app and CLI use them.
store_path = Path(os.environ["LLM_COST_DB"]) if os.environ.get("LLM_COST_DB") else default_db_path()
book = Store.open(store_path).price_book() if store_path.exists() else prices.default_book()
if not batch_file.exists():
    demo.write_batch_input(batch_file)
print(f"Batch file: {batch_file} ({batch_file.stat().st_size / 1e6:.1f} MB)")

# %% [markdown]
# ## The job as written

# %%
as_written = estimate_requests(batch_file, output_tokens=OUTPUT_TOKENS, book=book)
for total in as_written.models:
    print(
        f"{total.model}: {total.requests:,} requests, {total.input_tokens:,} prompt tokens, "
        f"{total.output_tokens:,} output tokens at most"
    )
print(
    f"Standard price: {format_usd(as_written.standard_usd)}   Batch price: {format_usd(as_written.batch_usd)}"
)

# %% [markdown]
# ## The same requests on other models
#
# Every request priced as if sent to each candidate, at standard and at batch prices. Token counts differ by
# encoding (the gpt-4o family and newer share `o200k_base`).

# %%
rows = []
for model in CANDIDATE_MODELS:
    job = estimate_requests(batch_file, model=model, output_tokens=OUTPUT_TOKENS, book=book)
    (total,) = job.models
    rows.append(
        {
            "model": model,
            "requests": total.requests,
            "input_tokens": total.input_tokens,
            "output_tokens": total.output_tokens,
            "standard_usd": total.standard_usd,
            "batch_usd": total.batch_usd,
            "saving_usd": None if total.batch_usd is None else total.standard_usd - total.batch_usd,
        }
    )
candidates = pd.DataFrame(rows).sort_values(
    "batch_usd", key=lambda s: s.map(lambda v: v or Decimal("Infinity"))
)
candidates.assign(
    standard=candidates["standard_usd"].map(format_usd),
    batch=candidates["batch_usd"].map(format_usd),
    saving=candidates["saving_usd"].map(format_usd),
)[["model", "requests", "input_tokens", "output_tokens", "standard", "batch", "saving"]]

# %%
# Display only: Altair needs numbers; the table above holds the exact Decimal figures.
long = candidates.melt(
    id_vars="model", value_vars=["standard_usd", "batch_usd"], var_name="price", value_name="usd"
)
long["usd"] = long["usd"].map(lambda v: None if v is None else float(v))
long["price"] = long["price"].str.replace("_usd", "")
cost_chart = (
    alt.Chart(long)
    .mark_bar()
    .encode(
        x=alt.X("usd:Q", title="Job cost (USD)"),
        y=alt.Y("model:N", sort="x", title=None),
        yOffset="price:N",
        color=alt.Color("price:N", title="Price"),
        tooltip=["model", "price", alt.Tooltip("usd:Q", format="$,.4f")],
    )
    .properties(title="The job on each candidate model", width=520)
)
cost_chart

# %% [markdown]
# ## How long it takes under rate limits
#
# The Batch API finishes within 24 hours whatever the limits. Sent synchronously, the job is bounded below by
# tokens per minute and by requests per minute; the tighter bound decides.

# %%
durations = []
for tier, (tpm, rpm) in RATE_LIMITS.items():
    job = estimate_requests(batch_file, output_tokens=OUTPUT_TOKENS, tpm=tpm, rpm=rpm, book=book)
    durations.append(
        {"limits": tier, "tpm": tpm, "rpm": rpm, "minutes": job.minutes_at_limit,
         "least time": format_minutes(job.minutes_at_limit)}
    )  # fmt: skip
durations = pd.DataFrame(durations)
durations

# %%
alt.Chart(durations).mark_bar().encode(
    x=alt.X("minutes:Q", title="Least time (minutes)"),
    y=alt.Y("limits:N", sort=list(RATE_LIMITS), title=None),
    tooltip=["limits", "tpm", "rpm", "least time"],
).properties(title="Least synchronous duration under each rate-limit tier", width=520)

# %% [markdown]
# ## What the figures say
#
# The cheapest candidate at batch prices, and what batching saves on it:

# %%
best = candidates.iloc[0]
print(
    f"Cheapest: {best['model']} at {format_usd(best['batch_usd'])} through the Batch API "
    f"(standard: {format_usd(best['standard_usd'])}, saving {format_usd(best['saving_usd'])})."
)
