"""`PriceBook`: the immutable value every price comes from — catalog + our corrections + the user's overrides.

A price is looked up for one model, one tier and one UTC day. Sources, first match wins:

1. the book's override rows (negotiated prices, private or fine-tuned models), for the tier they name;
2. the genai-prices catalog price for that tier in force that day, patched by the book's corrections
   (a correction can also price a tier the catalog leaves unpriced on those days);
3. a provider's flat tier discount from the book's tier rules, labelled in `Price.fallback`;
4. otherwise `TierNotPricedError` — never the standard price in disguise.

A book is built once (`PriceBook.load(overrides=path)`, or `Store.price_book()` for the file beside a
store) and passed explicitly to whatever prices: there is no process-wide override setting. Books are
hashable and compare by content, so lookups are cached per book and two books of the same file share them.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.price_corrections import CORRECTIONS, TIER_RULES, Correction, TierRule
from analytics.prices import catalog, corrections, rule
from analytics.prices.overrides import OverrideRow, Overrides, norm_provider
from analytics.prices.types import (
    TIERS,
    Cost,
    Price,
    Target,
    TierNotPricedError,
    TokenUsage,
    UnknownModelError,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, eq=False)
class PriceBook:
    """Dated prices: the catalog snapshot, `corrections` / `tier_rules`, and the user's `overrides`."""

    overrides: Overrides = field(default_factory=Overrides)
    corrections: tuple[Correction, ...] = CORRECTIONS
    tier_rules: tuple[TierRule, ...] = TIER_RULES
    catalog: str = catalog.CATALOG

    def __post_init__(self) -> None:
        key = (self.overrides, self.corrections, self.tier_rules, self.catalog)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_hash", hash(key))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PriceBook) and self._key == other._key  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]

    # ------------------------------------------------------------ building

    @classmethod
    def load(cls, overrides: str | Path | None = None) -> PriceBook:
        """The catalog and our corrections, plus the override file at `overrides` (None: no overrides).

        Raises ValueError (naming file, line and column) for a missing or malformed file. Reading the same
        unchanged file again returns the cached book.
        """
        if overrides is None:
            return _default()
        path = Path(overrides)
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise ValueError(f"{path}: price override file not found") from None
        return _load_file(str(path.resolve()), stat.st_mtime_ns, stat.st_size)

    @property
    def overrides_file(self) -> str | None:
        return self.overrides.file

    def describe(self) -> str:
        """One line saying what the book is made of."""
        extra = (
            f" + {len(self.overrides.rows)} override row(s) from {self.overrides.file}"
            if self.overrides.file
            else ""
        )
        return f"{self.catalog} + {len(self.corrections)} correction(s){extra}"

    # ------------------------------------------------------------ lookups

    def resolve_model(self, name: str, *, provider: str | None = None) -> tuple[str, str]:
        """Returns (provider, canonical id) for a model name as reported by an API, export or person.

        >>> PriceBook.load().resolve_model("gpt-4o-2024-08-06")
        ('openai', 'gpt-4o')
        """
        target = _resolve(name.strip().lower(), norm_provider(provider), self)
        return target.provider, target.model

    def price_for(
        self,
        model: str,
        *,
        at: date | datetime | None = None,
        tier: str = "standard",
        provider: str | None = None,
    ) -> Price:
        """Returns the price of `model` in `tier` in force at `at` (a UTC day; None = today UTC)."""
        _check_tier(tier)
        target = _resolve(model.strip().lower(), norm_provider(provider), self)
        return _price_on(target, utc_day(at), tier, self)

    def cost(
        self,
        model: str,
        usage: TokenUsage,
        *,
        at: date | datetime | None = None,
        tier: str = "standard",
        provider: str | None = None,
        without_cache: bool = False,
    ) -> Cost:
        """Returns the exact cost of `usage` on `model` in `tier` at the price in force at `at`.

        `without_cache=True`: what the same tokens would cost with cache reads and writes billed as input.
        """
        price = self.price_for(model, at=at, tier=tier, provider=provider)
        return rule.cost(price, usage, without_cache=without_cache)

    def list_prices(
        self,
        *,
        provider: str | None = None,
        search: str | None = None,
        at: date | datetime | None = None,
        tier: str = "standard",
    ) -> list[Price]:
        """Returns the price table as it stands at `at`: one `Price` per model priced in `tier`, sorted."""
        _check_tier(tier)
        day = utc_day(at)
        wanted = norm_provider(provider)
        needle = (search or "").strip().lower()
        table: dict[tuple[str, str], Price] = {}
        for target in self._targets():
            if wanted and target.provider != wanted:
                continue
            if (
                needle
                and needle not in target.model.lower()
                and needle not in catalog.display_name(target).lower()
            ):
                continue
            try:
                table[(target.provider, target.model)] = _price_on(target, day, tier, self)
            except TierNotPricedError:
                continue
        return [table[key] for key in sorted(table)]

    def price_table(self, models: Iterable[str], start: date, end: date) -> pd.DataFrame:
        """One row per (model as given, tier, price period) covering start..end; see `prices.sql`."""
        from analytics.prices import sql

        return sql.price_table(self, models, start, end)

    # ------------------------------------------------------------ internals shared with `sql`

    def target(self, name: str, provider: str | None = None) -> Target:
        return _resolve(name.strip().lower(), norm_provider(provider), self)

    def price_on(self, target: Target, day: date, tier: str) -> Price:
        return _price_on(target, day, tier, self)

    def change_days(self, target: Target) -> set[date]:
        """Every day on which some source of this model's prices may change."""
        days = {r.valid_from for r in self.overrides.rows if r.model in (target.given, target.model)}
        days |= corrections.change_days(target, self.corrections, self.tier_rules)
        if target.catalog_provider is not None:
            days |= catalog.change_days(target)
        return days

    def _targets(self) -> Iterator[Target]:
        yield from catalog.all_targets()
        for row in self.overrides.rows:
            target = _resolve(row.model, row.provider, self)
            if target.catalog_provider is None:  # catalog models were listed above
                yield target


@functools.cache
def _default() -> PriceBook:
    return PriceBook()


@functools.lru_cache(maxsize=8)
def _load_file(path: str, mtime_ns: int, size: int) -> PriceBook:
    # Keyed on the file's stat, so an edited file is read again and an unchanged one is not.
    return PriceBook(overrides=Overrides.read(path))


def default_book() -> PriceBook:
    """The book used where none is passed: catalog + corrections, no overrides.

    The user's override file is applied where the caller knows it: `Store.price_book()`, or the CLI's
    `--price-overrides` (`$LLM_COST_PRICE_OVERRIDES`); nothing reads it behind the caller's back.
    """
    return _default()


def env_book() -> PriceBook:
    """The book of `$LLM_COST_PRICE_OVERRIDES` when set, else `default_book()` (scripts without a store)."""
    from analytics.prices.types import OVERRIDES_ENV

    path = os.environ.get(OVERRIDES_ENV, "").strip()
    return PriceBook.load(path or None)


# ---------------------------------------------------------------- resolution


@functools.lru_cache(maxsize=8192)
def _resolve(name: str, provider: str | None, book: PriceBook) -> Target:
    if not name:
        raise UnknownModelError(name, close=())
    providers = catalog.providers()
    if provider is not None and provider not in providers and not _override_names(book, provider):
        raise UnknownModelError(
            name, close=difflib.get_close_matches(provider, list(providers)), provider=provider
        )
    found = catalog.resolve(name, provider)
    if found is not None:
        home, owner, model_id, fine_tune = found
        return Target(home, model_id, name, owner, base_of_fine_tune=fine_tune)
    for row in book.overrides.rows:
        if row.model == name and (provider is None or row.provider in (None, provider)):
            return Target(row.provider or provider or "custom", name, name, None)
    raise UnknownModelError(name, close=_close_names(name, provider, book), provider=provider)


def _override_names(book: PriceBook, provider: str | None = None) -> list[str]:
    return [r.model for r in book.overrides.rows if provider is None or r.provider == provider]


def _close_names(name: str, provider: str | None, book: PriceBook) -> list[str]:
    providers = catalog.providers()
    pool = [provider] if provider in providers else list(providers)
    ids = catalog.ids(pool) | set(_override_names(book))
    # A "claude"/"gpt" query should not be answered with some other vendor's near-spelling first.
    first_party = catalog.ids(["openai", "anthropic"])
    close = difflib.get_close_matches(name, sorted(first_party & ids), n=5, cutoff=0.6)
    return close or difflib.get_close_matches(name, sorted(ids), n=5, cutoff=0.6)


# ---------------------------------------------------------------- the dated lookup


@functools.lru_cache(maxsize=65536)
def _price_on(target: Target, day: date, tier: str, book: PriceBook) -> Price:
    row = _override_for(target, day, tier, book)
    if row is not None:
        return _override_price(target, row, book)
    price = corrections.corrected_price(target, day, tier, book.corrections)
    if price is not None:
        return corrections.label_fine_tune(target, price)
    if (
        tier != "standard"
        and (found := corrections.tier_rule(target, tier, day, book.tier_rules)) is not None
    ):
        # Derived from the list price, not from a standard-tier override: a negotiated standard price says
        # nothing about the batch price, and the derived price must not jump when the catalog starts to
        # list the tier itself. Negotiated tier prices get their own override rows.
        standard = corrections.corrected_price(target, day, "standard", book.corrections)
        if standard is not None:
            return corrections.derive(corrections.label_fine_tune(target, standard), found, target, tier)
    raise TierNotPricedError(target.model, tier, day, priced=_tiers_priced(target, day, book))


def _override_for(target: Target, day: date, tier: str, book: PriceBook) -> OverrideRow | None:
    """The override row in force on `day`: rows for the name as given beat rows for the canonical id."""
    for name in dict.fromkeys((target.given, target.model)):
        matching = [
            r
            for r in book.overrides.rows
            if r.model == name
            and r.tier == tier
            and r.valid_from <= day
            and r.provider in (None, target.provider)
        ]
        if matching:
            return max(matching, key=lambda r: r.valid_from)
    return None


def _override_price(target: Target, row: OverrideRow, book: PriceBook) -> Price:
    return Price(
        model=target.model,
        provider=target.provider,
        tier=row.tier,
        input=row.input,
        output=row.output,
        cached_input=row.cached_input,
        cache_write_5m=row.cache_write_5m,
        cache_write_1h=row.cache_write_1h,
        long_context_threshold=None,
        long_input=None,
        long_output=None,
        long_cached_input=None,
        source=f"override: {book.overrides.file or '?'} line {row.line}"
        + (f" ({row.note})" if row.note else ""),
    )


def _tiers_priced(target: Target, day: date, book: PriceBook) -> list[str]:
    priced = []
    for tier in TIERS:
        if _override_for(target, day, tier, book) is not None or corrections.corrected_price(
            target, day, tier, book.corrections
        ):
            priced.append(tier)
        elif tier != "standard" and corrections.tier_rule(target, tier, day, book.tier_rules) is not None:
            priced.append(f"{tier} (derived)")
    return priced


# ---------------------------------------------------------------- small helpers


def utc_day(at: date | datetime | None) -> date:
    if at is None:
        return datetime.now(UTC).date()
    if isinstance(at, datetime):
        # Naive datetimes are taken as UTC, as vendor exports are.
        return (at.astimezone(UTC) if at.tzinfo else at).date()
    return at


def _check_tier(tier: str) -> None:
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}")
