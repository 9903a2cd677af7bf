"""llm-cost: what will an LLM request cost, and what did we spend?

The public API, re-exported from the modules that own it.
"""

from analytics.estimate import Estimate, FileEstimate, compare, count_tokens, estimate, estimate_requests
from analytics.prices import Price, TokenUsage, cost, list_prices, price_for
from analytics.tokens import TokenCount, count_request, count_text

__all__ = [
    "Estimate",
    "FileEstimate",
    "Price",
    "TokenCount",
    "TokenUsage",
    "compare",
    "cost",
    "count_request",
    "count_text",
    "count_tokens",
    "estimate",
    "estimate_requests",
    "list_prices",
    "price_for",
]
