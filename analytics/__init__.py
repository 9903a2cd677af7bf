"""llm-cost: what will an LLM request cost, and what did we spend?

The public API, re-exported from the modules that own it. (`analytics.estimate` is the function here; the
module of the same name is `import analytics.estimate` / `from analytics.estimate import ...`.)
"""

from analytics.estimate import Estimate, FileEstimate, compare, count_tokens, estimate, estimate_requests
from analytics.prices import Price, TokenUsage, cost, list_prices, price_for
from analytics.reports import anomalies, daily_spend, month_status, reconcile, what_if
from analytics.store import Store
from analytics.tokens import TokenCount, count_request, count_text

__all__ = [
    "Estimate",
    "FileEstimate",
    "Price",
    "Store",
    "TokenCount",
    "TokenUsage",
    "anomalies",
    "compare",
    "cost",
    "count_request",
    "count_text",
    "count_tokens",
    "daily_spend",
    "estimate",
    "estimate_requests",
    "list_prices",
    "month_status",
    "price_for",
    "reconcile",
    "what_if",
]
