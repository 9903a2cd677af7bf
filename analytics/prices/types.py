"""The values prices are made of: `Price`, `TokenUsage`, `Cost`, the tiers and the lookup errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

TIERS = ("standard", "batch", "flex", "priority")
OVERRIDES_ENV = "LLM_COST_PRICE_OVERRIDES"
MTOK = Decimal(1_000_000)


class UnknownModelError(KeyError):
    """No catalog entry or override prices this model name."""

    def __init__(self, name: str, *, close: Iterable[str] = (), provider: str | None = None) -> None:
        super().__init__(name)
        self.name = name
        self.close = tuple(close)
        self.provider = provider

    def __str__(self) -> str:
        where = f" for provider {self.provider!r}" if self.provider else ""
        hint = f"; closest known: {', '.join(self.close)}" if self.close else "; no similar model is known"
        return (
            f"unknown model {self.name!r}{where}{hint}. "
            f"To price a private or fine-tuned model, add it to the price override file (${OVERRIDES_ENV})."
        )


class TierNotPricedError(LookupError):
    """Neither catalog, corrections nor overrides price this tier of this model on this day."""

    def __init__(self, model: str, tier: str, day: date, *, priced: Iterable[str]) -> None:
        self.model, self.tier, self.day, self.priced = model, tier, day, tuple(priced)
        tiers = ", ".join(self.priced) or "none"
        super().__init__(
            f"no {tier} price for {model} on {day.isoformat()} (tiers priced that day: {tiers}); "
            f"add a {tier} row to the price override file (${OVERRIDES_ENV}) if you have one"
        )


@dataclass(frozen=True)
class Price:
    """One model's prices in force at one instant for one tier; USD per 1M tokens."""

    model: str
    provider: str
    tier: str
    input: Decimal
    output: Decimal
    cached_input: Decimal | None
    cache_write_5m: Decimal | None
    cache_write_1h: Decimal | None
    long_context_threshold: int | None
    long_input: Decimal | None
    long_output: Decimal | None
    long_cached_input: Decimal | None
    source: str
    fallback: str | None = None
    # Anthropic also raises cache-write prices above the long-context threshold.
    long_cache_write_5m: Decimal | None = None
    long_cache_write_1h: Decimal | None = None


@dataclass(frozen=True)
class TokenUsage:
    """Token counts of one request (or a sum of requests that share one long-context side).

    `input_tokens` includes cached reads and cache writes; `cache_write_tokens` is the total written with
    either TTL and `cache_write_1h_tokens` the part of it written with the 1-hour TTL (as the store keeps
    them). `cache_write_ttl="1h"` is the older way to say that every write was a 1-hour write.
    """

    input_tokens: int
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_ttl: str = "5m"
    cache_write_1h_tokens: int = 0

    def __post_init__(self) -> None:
        for name in (
            "input_tokens",
            "output_tokens",
            "cached_input_tokens",
            "cache_write_tokens",
            "cache_write_1h_tokens",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        parts = self.cached_input_tokens + self.cache_write_tokens
        if parts > self.input_tokens:
            raise ValueError(
                f"cached_input_tokens + cache_write_tokens ({parts}) exceed input_tokens"
                f" ({self.input_tokens});"
                " input_tokens must include them"
            )
        if self.cache_write_ttl not in ("5m", "1h"):
            raise ValueError(f"cache_write_ttl must be '5m' or '1h', got {self.cache_write_ttl!r}")
        if self.cache_write_1h_tokens > self.cache_write_tokens:
            raise ValueError(
                f"cache_write_1h_tokens ({self.cache_write_1h_tokens}) exceed cache_write_tokens"
                f" ({self.cache_write_tokens}); cache_write_tokens is the total of both TTLs"
            )

    @property
    def written_1h(self) -> int:
        """Cache-write tokens written with the 1-hour TTL."""
        return self.cache_write_tokens if self.cache_write_ttl == "1h" else self.cache_write_1h_tokens

    def by_kind(self) -> dict[str, int]:
        """Tokens per kind of token of `rule.KINDS` (the kinds are disjoint and add up to all tokens)."""
        return {
            "uncached_input": self.input_tokens - self.cached_input_tokens - self.cache_write_tokens,
            "cached_input": self.cached_input_tokens,
            "cache_write_5m": self.cache_write_tokens - self.written_1h,
            "cache_write_1h": self.written_1h,
            "output": self.output_tokens,
        }


@dataclass(frozen=True)
class Cost:
    """The exact cost of a `TokenUsage` at a `Price`; no rounding."""

    input_usd: Decimal
    output_usd: Decimal
    total_usd: Decimal
    price: Price
    long_context: bool


@dataclass(frozen=True)
class Target:
    """A resolved model name: where its prices come from."""

    provider: str
    model: str  # canonical id (catalog id, or the override name)
    given: str  # the name as asked, lower case; overrides may be keyed on it
    catalog_provider: str | None  # provider whose model list holds `model`; None for override-only models
    base_of_fine_tune: bool = False  # "ft:X:..." with no fine-tune price in the catalog, priced as X
