"""Adapter to the genai-prices catalog: model lookup by name, and a tier's token price on a day.

Nothing here knows about corrections or overrides; `book` layers those on top. genai-prices ships its
snapshot as immutable data (`genai_prices.data`), ~1.6 MB of Python, so it is imported on first use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics.prices.types import Price, Target

if TYPE_CHECKING:
    from genai_prices.types import ModelInfo, ModelPrice, Provider


def _installed_version(distribution: str, package: str) -> str:
    # `importlib.metadata` costs a third of `llm-cost --help` to import; the installed distribution's
    # `<name>-<version>.dist-info` folder beside the package says the same (metadata as the fallback).
    spec = find_spec(package)
    if spec is not None and spec.origin:
        found = sorted(Path(spec.origin).parent.parent.glob(f"{package}-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len(package) + 1 : -len(".dist-info")]
    from importlib.metadata import version

    return version(distribution)


CATALOG = f"genai-prices {_installed_version('genai-prices', 'genai_prices')}"
# How genai-prices selects a tier: `price_variants` whose `when` equals this request context.
_TIER_CONTEXT = {
    "batch": {"processing": "batch"},
    "flex": {"service_tier": "flex"},
    "priority": {"service_tier": "priority"},
}
# Catalog price key -> our field. Reasoning tokens have no key of their own here: they are billed as output.
_CATALOG_FIELDS = {
    "input_mtok": ("input", "long_input"),
    "output_mtok": ("output", "long_output"),
    "cache_read_mtok": ("cached_input", "long_cached_input"),
    "cache_write_mtok": ("cache_write_5m", "long_cache_write_5m"),
    "cache_write_1h_mtok": ("cache_write_1h", "long_cache_write_1h"),
}
_FIRST_PARTY = ("openai", "anthropic", "google", "mistral", "deepseek", "x-ai", "cohere")
_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")


@functools.cache
def providers() -> dict[str, Provider]:
    # genai_prices.data is ~1.6 MB of Python; pay for it on the first lookup, not at import.
    from genai_prices.data import providers as catalog

    return {p.id: p for p in catalog}


@functools.cache
def display_names() -> dict[str, tuple[str, str]]:
    """Lower-cased display names ("claude opus 4.5") -> (provider, id), for exports that only name models."""
    names: dict[str, tuple[str, str]] = {}
    for provider_id in ("anthropic", "openai"):
        for info in providers()[provider_id].models:
            if info.name:
                names.setdefault(info.name.strip().lower(), (provider_id, info.id))
    return names


def model_info(target: Target) -> ModelInfo:
    assert target.catalog_provider is not None
    return _model_index()[(target.catalog_provider, target.model)]


@functools.cache
def _model_index() -> dict[tuple[str, str], ModelInfo]:
    return {(p.id, m.id): m for p in providers().values() for m in p.models}


def _find(ref: str, provider: str | None) -> tuple[str, str, str] | None:
    """(provider asked for, owning provider, model id) for a catalog match, or None."""
    catalog = providers()
    if provider is not None:
        home = catalog.get(provider)
        candidates = [home] if home else []
    else:
        # First-party providers first: resellers (azure, openrouter, ...) also match "gpt-..." names, and
        # usage reported without a provider is the vendor's own. Then the catalog's model_match rules.
        matched = [
            p.id for p in catalog.values() if p.model_match is not None and p.model_match.is_match(ref)
        ]
        order = dict.fromkeys([*(p for p in _FIRST_PARTY if p in catalog), *matched, *catalog])
        candidates = [catalog[p] for p in order]
    everything = list(catalog.values())
    for home in candidates:
        info = home.find_model(ref, all_providers=everything)
        if info is not None:
            owner = home.id if any(m is info for m in home.models) else _owner_of(info)
            return home.id, owner, info.id
    return None


def _owner_of(info: ModelInfo) -> str:
    return next(p.id for p in providers().values() if any(m is info for m in p.models))


def resolve(name: str, provider: str | None) -> tuple[str, str, str, bool] | None:
    """(provider, owner, id, priced-as-base-fine-tune) from the catalog, trying each spelling in turn."""
    if name in display_names() and provider in (None, display_names()[name][0]):
        home, model_id = display_names()[name]
        return home, home, model_id, False
    for ref, fine_tune in _spellings(name):
        found = _find(ref, provider)
        if found is not None:
            return (*found, fine_tune)
    return None


def _spellings(name: str) -> Iterator[tuple[str, bool]]:
    """The name, then without a date suffix; a fine-tune "ft:BASE:org::id" falls back to BASE."""
    yield name, False
    if " " in name:
        # Older display names ("Claude 3.5 Sonnet") hyphenate into ids the catalog matches.
        yield "-".join(name.split()), False
    undated = _DATE_SUFFIX.sub("", name)
    if undated != name:
        yield undated, False
    if name.startswith("ft:"):
        base = name[3:].split(":", 1)[0]
        yield base, True
        if (undated_base := _DATE_SUFFIX.sub("", base)) != base:
            yield undated_base, True


def tier_price(target: Target, day: date, tier: str) -> Price | None:
    info = model_info(target)
    moment = _moment(day)
    if tier == "standard":
        model_price = info.get_prices(moment)
    elif has_tier(info, tier, moment):
        model_price = info.get_prices(moment, _TIER_CONTEXT[tier])
    else:
        return None
    return _from_catalog(target, tier, model_price)


def _moment(day: date) -> datetime:
    # Catalog prices change on UTC day boundaries (StartDateConstraint); noon keeps us clear of the
    # few off-peak TimeOfDateConstraint windows that straddle midnight.
    return datetime.combine(day, time(12), tzinfo=UTC)


def has_tier(info: ModelInfo, tier: str, moment: datetime | None) -> bool:
    """Whether a price variant for the tier exists (in force at `moment`, or on any date if None)."""
    context = _TIER_CONTEXT[tier]
    return any(
        v.when == context and (moment is None or v.constraint is None or v.constraint.active(moment))
        for v in info.price_variants or ()
    )


def _from_catalog(target: Target, tier: str, model_price: ModelPrice) -> Price | None:
    values: dict[str, Any] = {}
    threshold: int | None = None
    steps = 0
    for key, (base_field, long_field) in _CATALOG_FIELDS.items():
        raw = getattr(model_price, key, None)
        base, start, long = _split_tiers(raw)
        values[base_field], values[long_field] = base, long
        steps = max(steps, len(getattr(raw, "tiers", ())))
        if start is not None:
            threshold = start if threshold is None else min(threshold, start)
    if values["input"] is None:
        return None  # priced per request, image or second, not per token: not a token price
    return Price(
        model=target.model,
        provider=target.provider,
        tier=tier,
        input=values["input"],
        # Embedding models have no output price because they produce no output tokens.
        output=values["output"] if values["output"] is not None else Decimal(0),
        cached_input=values["cached_input"],
        cache_write_5m=values["cache_write_5m"],
        cache_write_1h=values["cache_write_1h"],
        long_context_threshold=threshold,
        long_input=values["long_input"],
        long_output=values["long_output"],
        long_cached_input=values["long_cached_input"],
        long_cache_write_5m=values["long_cache_write_5m"],
        long_cache_write_1h=values["long_cache_write_1h"],
        source=CATALOG,
        # A couple of resold models have two or more steps; Price holds one, so say what is left out.
        fallback=f"only the first of {steps} long-context price steps is modelled" if steps > 1 else None,
    )


def _split_tiers(value: object) -> tuple[Decimal | None, int | None, Decimal | None]:
    """(base price, threshold, price above it). genai-prices' TieredPrices apply to the whole request."""
    from genai_prices.types import TieredPrices

    if isinstance(value, TieredPrices):
        if not value.tiers:
            return value.base, None, None
        first = value.tiers[0]
        return value.base, first.start, first.price
    return (value if isinstance(value, Decimal) else None), None, None


def discounts_cache(target: Target, tier: str) -> bool:
    """Whether any catalog price variant for this tier sets its own cached-input price."""
    context = _TIER_CONTEXT[tier]
    return any(
        v.when == context and getattr(v.prices, "cache_read_mtok", None) is not None
        for v in model_info(target).price_variants or ()
    )


def change_days(target: Target) -> set[date]:
    """Days on which the catalog changes some price of the model (start dates of its constraints)."""
    info = model_info(target)
    constraints = [p.constraint for p in info.prices] if isinstance(info.prices, list) else []
    constraints += [v.constraint for v in info.price_variants or ()]
    return {c.start_date for c in constraints if c is not None and hasattr(c, "start_date")}


def all_targets() -> Iterator[Target]:
    """Every model of every catalog provider, as its own target."""
    for provider in providers().values():
        for info in provider.models:
            yield Target(provider.id, info.id, info.id.lower(), provider.id)


def display_name(target: Target) -> str:
    if target.catalog_provider is None:
        return target.model
    return model_info(target).name or target.model


def ids(pool: list[str] | None = None) -> set[str]:
    """Model ids of the providers in `pool` (all when None)."""
    catalog = providers()
    return {m.id for p in (pool if pool is not None else list(catalog)) for m in catalog[p].models}
