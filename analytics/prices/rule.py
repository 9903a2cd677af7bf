"""The pricing rule, written once: tokens x rate for each kind of token, at the tier's price, long context.

Both ways of pricing are generated from `KINDS`: `cost()` prices a `TokenUsage` in Python (estimates) and
`micro_cost_sql()` writes the SQL expression the reports sum over the store. A test prices the same usage
both ways and asserts the same Decimal, so the two cannot drift apart again.

A kind's rate is the first of its `rates` the price sets; above the long-context threshold each field's
`long_` variant wins where it is set. No cached-input price means the provider gives no caching discount
(those tokens are input); OpenAI has no cache-write price (writes are billed as input). A model that
prices 5-minute writes but not 1-hour writes leaves 1-hour writes unpriced: charging them at the 5-minute
rate would understate them (1-hour writes cost more), so the Python path raises and the SQL path gives NULL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from analytics.prices.types import MTOK, Cost, Price, TokenUsage


@dataclass(frozen=True)
class Kind:
    """One kind of token and the `Price` fields that give its rate, first set one wins."""

    name: str
    rates: tuple[str, ...]
    output: bool = False
    # The kind is unpriced (not priced at the next rate) when its own field is missing but this one is set.
    unpriced_when: str | None = None


KINDS: tuple[Kind, ...] = (
    Kind("uncached_input", ("input",)),
    Kind("cached_input", ("cached_input", "input")),
    Kind("cache_write_5m", ("cache_write_5m", "input")),
    Kind("cache_write_1h", ("cache_write_1h", "input"), unpriced_when="cache_write_5m"),
    Kind("output", ("output",), output=True),
)
# Price fields a rate can come from; each has a `long_` twin used above the long-context threshold.
RATE_FIELDS = ("input", "output", "cached_input", "cache_write_5m", "cache_write_1h")
# "What caching saved": the same tokens with reads and writes priced as plain input (no caching at all).
_UNCACHED = {"cached_input": ("input",), "cache_write_5m": ("input",), "cache_write_1h": ("input",)}


def _rates(kind: Kind, without_cache: bool) -> tuple[str, ...]:
    return _UNCACHED.get(kind.name, kind.rates) if without_cache else kind.rates


# ---------------------------------------------------------------- Python


def is_long(price: Price, input_tokens: int, requests: int = 1) -> bool:
    """Whether `requests` requests with `input_tokens` in all are priced at the long-context rates."""
    threshold = price.long_context_threshold
    return threshold is not None and requests > 0 and input_tokens > threshold * requests


def rate(price: Price, kind: Kind, long: bool, *, without_cache: bool = False) -> Decimal | None:
    """The rate (USD per 1M) of `kind` at `price`; None when the price leaves the kind unpriced."""
    rates = _rates(kind, without_cache)
    if (
        not without_cache
        and kind.unpriced_when is not None
        and getattr(price, rates[0]) is None
        and getattr(price, kind.unpriced_when) is not None
    ):
        return None
    for name in rates:
        value = getattr(price, f"long_{name}", None) if long else None
        if value is None:
            value = getattr(price, name)
        if value is not None:
            return value
    return None


def cost(price: Price, usage: TokenUsage, *, requests: int = 1, without_cache: bool = False) -> Cost:
    """The exact cost of `usage` at `price` (no rounding); ValueError for tokens of an unpriced kind."""
    long = is_long(price, usage.input_tokens, requests)
    parts = {True: Decimal(0), False: Decimal(0)}
    for kind, tokens in zip(KINDS, usage.by_kind().values(), strict=True):
        if not tokens:
            continue
        value = rate(price, kind, long, without_cache=without_cache)
        if value is None:
            raise ValueError(
                f"{price.model} has no {kind.name.replace('_', ' ')} price ({price.source});"
                " add it to the price override file"
            )
        parts[kind.output] += tokens * value
    input_usd, output_usd = parts[False] / MTOK, parts[True] / MTOK
    return Cost(input_usd, output_usd, input_usd + output_usd, price, long)


# ---------------------------------------------------------------- SQL


def long_sql(threshold: str, input_tokens: str, requests: str, context_window: str | None = None) -> str:
    """SQL of `is_long`; a row whose export names its context window (Claude: `> 200k`) says so itself."""
    by_average = f"({threshold} IS NOT NULL AND {requests} > 0 AND {input_tokens} > {threshold} * {requests})"
    if context_window is None:
        return by_average
    return (
        f"(CASE WHEN {context_window} IS NOT NULL THEN starts_with({context_window}, '>')"
        f" ELSE {by_average} END)"
    )


def _rate_sql(kind: Kind, p: str, long: str, without_cache: bool) -> str:
    rates = _rates(kind, without_cache)
    chain = ", ".join(
        f"CASE WHEN {long} THEN coalesce({p}.long_{name}, {p}.{name}) ELSE {p}.{name} END" for name in rates
    )
    sql = f"coalesce({chain})" if len(rates) > 1 else chain
    if not without_cache and kind.unpriced_when is not None:
        missing = f"{p}.{rates[0]} IS NULL AND {p}.{kind.unpriced_when} IS NOT NULL"
        sql = f"CASE WHEN {missing} THEN NULL ELSE {sql} END"
    return sql


def micro_cost_sql(tokens: Mapping[str, str], p: str, long: str, *, without_cache: bool = False) -> str:
    """SQL of the cost in USD x 1,000,000 (exact DECIMAL) of `tokens` ({kind name: SQL}) at price row `p`.

    `p` is an alias of a relation with `price_columns()`; `long` is a boolean SQL expression. The result
    is NULL when the row has tokens of a kind the price leaves unpriced (or no price row at all).
    """
    terms = []
    for kind in KINDS:
        amount = tokens[kind.name]
        term = f"({amount}) * {_rate_sql(kind, p, long, without_cache)}"
        if kind.unpriced_when is not None:
            term = f"CASE WHEN ({amount}) = 0 THEN 0 ELSE {term} END"  # NULL only when such tokens exist
        terms.append(term)
    return "\n             + ".join(terms)


def price_columns() -> tuple[str, ...]:
    """Rate columns of the SQL price relation, in `RATE_FIELDS` order then their `long_` twins."""
    return (*RATE_FIELDS, *(f"long_{name}" for name in RATE_FIELDS))
