"""The price table for SQL joins: a book's dated prices for the models present, and the SQL that reads it.

`price_table()` gives one row per (model as given, tier, price period); `PRICES_CTE` turns the registered
frame (`_price_frame`) into the typed relation `_prices` whose rate columns are the ones `rule`
prices from, so reports price with `rule.micro_cost_sql(..., "p", ...)` over `_prices p`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from analytics.prices import rule
from analytics.prices.types import TIERS, Price, Target, TierNotPricedError

if TYPE_CHECKING:
    import pandas as pd

    from analytics.prices.book import PriceBook

TABLE_COLUMNS = [
    "model",
    "provider",
    "canonical_model",
    "tier",
    "valid_from",
    "valid_to",
    *(f"{name}_per_mtok" for name in rule.price_columns()),
    "long_context_threshold",
    "source",
    "fallback",
]

PRICES_CTE = (
    "_prices AS (\n    SELECT model, canonical_model, tier, CAST(valid_from AS DATE) AS valid_from,"
    " CAST(valid_to AS DATE) AS valid_to,\n           "
    + ",\n           ".join(
        f"CAST({name}_per_mtok AS DECIMAL(38,12)) AS {name}" for name in rule.price_columns()
    )
    + ",\n           CAST(long_context_threshold AS BIGINT) AS long_threshold\n    FROM _price_frame)"
)


def price_table(book: PriceBook, models: Iterable[str], start: date, end: date) -> pd.DataFrame:
    """Returns one row per (model as given, tier, price period) covering the UTC days start..end.

    `valid_from` is inclusive and `valid_to` exclusive (the last period ends on end + 1 day), so a usage
    day `d` joins with `valid_from <= d AND d < valid_to`. Prices are decimal strings: cast them to
    DECIMAL(38,12) in SQL. Tiers a model has no price for on some days have no rows for those days.
    """
    import pandas as pd

    if end < start:
        raise ValueError(f"price_table: end {end} is before start {start}")
    rows: list[dict[str, Any]] = []
    for name in dict.fromkeys(models):
        target = book.target(name)
        for tier in TIERS:
            for valid_from, valid_to, price in _periods(book, target, tier, start, end):
                rows.append(_table_row(name, price, valid_from, valid_to))
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    # Nullable integer: most models have no threshold, and a float column would turn 200000 into 200000.0.
    table["long_context_threshold"] = table["long_context_threshold"].astype("Int64")
    return table


def _periods(
    book: PriceBook, target: Target, tier: str, start: date, end: date
) -> Iterator[tuple[date, date, Price]]:
    """Maximal runs of days in start..end with one unchanged price; days without a price are skipped."""
    days = [start, *sorted(d for d in book.change_days(target) if start < d <= end)]
    current: tuple[date, Price] | None = None
    for day in days:
        try:
            price: Price | None = book.price_on(target, day, tier)
        except TierNotPricedError:
            price = None
        if current is not None and price == current[1]:
            continue
        if current is not None:
            yield current[0], day, current[1]
        current = None if price is None else (day, price)
    if current is not None:
        yield current[0], end + timedelta(days=1), current[1]


def _table_row(name: str, price: Price, valid_from: date, valid_to: date) -> dict[str, Any]:
    def money(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "model": name,
        "provider": price.provider,
        "canonical_model": price.model,
        "tier": price.tier,
        "valid_from": valid_from,
        "valid_to": valid_to,
        **{f"{field}_per_mtok": money(getattr(price, field)) for field in rule.price_columns()},
        "long_context_threshold": price.long_context_threshold,
        "source": price.source,
        "fallback": price.fallback,
    }
