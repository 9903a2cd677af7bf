"""Altair chart builders: a DataFrame in, a Chart out, no I/O."""

from __future__ import annotations

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
