"""llm-cost: what will an LLM request cost, and what did we spend?

The public API, re-exported from the modules that own it. (`analytics.estimate` is the function here; the
module of the same name is `import analytics.estimate` / `from analytics.estimate import ...`.)

The names resolve on first use (module `__getattr__`), so `import analytics` stays light: counting tokens
must not pay for pandas and DuckDB, which only the store and the reports need.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers and editors; at run time `__getattr__` below resolves them
    from analytics.estimate import Estimate, FileEstimate, compare, count_tokens, estimate, estimate_requests  # noqa: F401
    from analytics.prices import Price, TokenUsage, cost, list_prices, price_for  # noqa: F401
    from analytics.reports import anomalies, daily_spend, month_status, reconcile, what_if  # noqa: F401
    from analytics.store import Store  # noqa: F401
    from analytics.tokens import TokenCount, count_request, count_text  # noqa: F401

# public name -> the module that owns it
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("Estimate", "FileEstimate", "compare", "count_tokens", "estimate", "estimate_requests"),
        "analytics.estimate",
    ),
    **dict.fromkeys(("Price", "TokenUsage", "cost", "list_prices", "price_for"), "analytics.prices"),
    **dict.fromkeys(
        ("anomalies", "daily_spend", "month_status", "reconcile", "what_if"), "analytics.reports"
    ),
    "Store": "analytics.store",
    **dict.fromkeys(("TokenCount", "count_request", "count_text"), "analytics.tokens"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """Keeps `analytics.estimate` the function, as it was when this module imported everything eagerly.

    Importing the submodule `analytics.estimate` sets that attribute to the module; the function wins.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "estimate" and isinstance(value, types.ModuleType):
            value = value.estimate
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
