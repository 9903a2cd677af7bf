"""Dated LLM API prices: the genai-prices catalog, our cited corrections, and the user's override file.

Prices are an immutable value, a `PriceBook` (see `book`), that callers build or get from the store
(`Store.price_book()`) and pass explicitly. The functions here take an optional `book=`; without one they
use `default_book()` (catalog + corrections, no overrides), so a script that knows no store still prices.

One job per module: `catalog` (genai-prices adapter), `corrections` (our cited fixes and tier rules, data
in `analytics.price_corrections`), `overrides` (the override file), `rule` (tokens x rate by kind of token:
the single pricing rule, for Python and SQL), `sql` (the price table reports join), `book` (the lookup).
All money is `Decimal` USD per 1M tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from analytics.prices.book import PriceBook, default_book, env_book
from analytics.prices.catalog import CATALOG
from analytics.prices.overrides import OverrideRow, Overrides, load_overrides
from analytics.prices.types import (
    OVERRIDES_ENV,
    TIERS,
    Cost,
    Price,
    TierNotPricedError,
    TokenUsage,
    UnknownModelError,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CATALOG",
    "OVERRIDES_ENV",
    "TIERS",
    "Cost",
    "OverrideRow",
    "Overrides",
    "Price",
    "PriceBook",
    "TierNotPricedError",
    "TokenUsage",
    "UnknownModelError",
    "cost",
    "default_book",
    "env_book",
    "list_prices",
    "load_overrides",
    "price_for",
    "price_table",
    "resolve_model",
]


def resolve_model(
    name: str, *, provider: str | None = None, book: PriceBook | None = None
) -> tuple[str, str]:
    """Returns (provider, canonical id) for a model name as reported by an API, export or person.

    >>> resolve_model("gpt-4o-2024-08-06")
    ('openai', 'gpt-4o')
    """
    return (book or default_book()).resolve_model(name, provider=provider)


def price_for(
    model: str,
    *,
    at: date | datetime | None = None,
    tier: str = "standard",
    provider: str | None = None,
    book: PriceBook | None = None,
) -> Price:
    """Returns the price of `model` in `tier` in force at `at` (a UTC day; None = today UTC)."""
    return (book or default_book()).price_for(model, at=at, tier=tier, provider=provider)


def cost(
    model: str,
    usage: TokenUsage,
    *,
    at: date | datetime | None = None,
    tier: str = "standard",
    provider: str | None = None,
    book: PriceBook | None = None,
    without_cache: bool = False,
) -> Cost:
    """Returns the exact cost of `usage` on `model` in `tier` at the price in force at `at`."""
    return (book or default_book()).cost(
        model, usage, at=at, tier=tier, provider=provider, without_cache=without_cache
    )


def list_prices(
    *,
    provider: str | None = None,
    search: str | None = None,
    at: date | datetime | None = None,
    tier: str = "standard",
    book: PriceBook | None = None,
) -> list[Price]:
    """Returns the price table as it stands at `at`: one `Price` per model priced in `tier`, sorted."""
    return (book or default_book()).list_prices(provider=provider, search=search, at=at, tier=tier)


def price_table(
    models: Iterable[str], start: date, end: date, *, book: PriceBook | None = None
) -> pd.DataFrame:
    """Returns one row per (model as given, tier, price period) covering the UTC days start..end."""
    return (book or default_book()).price_table(models, start, end)
