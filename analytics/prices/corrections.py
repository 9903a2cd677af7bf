"""Our cited corrections on top of the catalog: dated field fixes, and flat tier rules that derive a tier.

The tables themselves live in `analytics.price_corrections` (data with a source per row); this module
applies them. A `PriceBook` carries the tables it was built with, so tests can build books with others.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from analytics.price_corrections import Correction, TierRule
from analytics.prices import catalog
from analytics.prices.types import Price, Target


def corrected_price(
    target: Target, day: date, tier: str, corrections: tuple[Correction, ...]
) -> Price | None:
    """Catalog price for the tier that day with our corrections applied, or None if neither prices it."""
    if target.catalog_provider is None:
        return None
    price = catalog.tier_price(target, day, tier)
    for correction in _corrections_for(target, tier, day, corrections):
        if price is None:
            if "input" not in correction.set or "output" not in correction.set:
                continue
            price = _blank_price(target, tier)
        price = replace(price, **correction.set, source=_correction_source(price, correction))
    return price


def _corrections_for(
    target: Target, tier: str, day: date, corrections: tuple[Correction, ...]
) -> list[Correction]:
    return [
        c
        for c in corrections
        if _names_target(c, target)
        and c.provider == target.catalog_provider
        and c.tier == tier
        and c.valid_from <= day
        and (c.valid_to is None or day < c.valid_to)
    ]


def _correction_source(price: Price, correction: Correction) -> str:
    mine = f"correction: {correction.url} ({correction.why})"
    return mine if price.source in (catalog.CATALOG, "") else f"{price.source}; {mine}"


def _blank_price(target: Target, tier: str) -> Price:
    zero = Decimal(0)
    return Price(
        target.model, target.provider, tier, zero, zero, None, None, None, None, None, None, None, ""
    )


def label_fine_tune(target: Target, price: Price) -> Price:
    if not target.base_of_fine_tune:
        return price
    note = (
        f"fine-tune {target.given!r} priced at its base model {target.model}: the catalog has no fine-tuned "
        f"price for it (fine-tuned inference usually costs more); add an override row"
    )
    return replace(price, fallback=f"{price.fallback}; {note}" if price.fallback else note)


def tier_rule(target: Target, tier: str, day: date, rules: tuple[TierRule, ...]) -> TierRule | None:
    if target.catalog_provider is None:
        return None
    for rule in rules:
        if rule.provider != target.catalog_provider or rule.tier != tier or day < rule.valid_from:
            continue
        if rule.listed_plus is not None and not (
            catalog.has_tier(catalog.model_info(target), tier, None)
            or target.model.startswith(rule.listed_plus)
        ):
            continue
        return rule
    return None


def derive(standard: Price, rule: TierRule, target: Target, tier: str) -> Price:
    """A tier price as `rule.factor` x the standard price, labelled as derived."""
    fields_to_scale = ["input", "output", "long_input", "long_output"]
    if rule.cache == "all" or catalog.discounts_cache(target, tier):
        fields_to_scale += [
            "cached_input",
            "long_cached_input",
            "cache_write_5m",
            "cache_write_1h",
            "long_cache_write_5m",
            "long_cache_write_1h",
        ]
    scaled = {
        name: getattr(standard, name) * rule.factor
        for name in fields_to_scale
        if getattr(standard, name) is not None
    }
    label = f"{rule.label}, {rule.url}"
    if rule.cache != "all" and "cached_input" not in scaled and standard.cached_input is not None:
        label += "; cached input stays at the standard price, as the provider's batch table lists none"
    fallback = f"{label}; {standard.fallback}" if standard.fallback else label
    return replace(standard, tier=tier, fallback=fallback, **scaled)


def change_days(
    target: Target, corrections: tuple[Correction, ...], rules: tuple[TierRule, ...]
) -> set[date]:
    """Days on which a correction or tier rule for this model starts or ends."""
    days = {rule.valid_from for rule in rules}
    for c in corrections:
        if _names_target(c, target):
            days |= {c.valid_from} | ({c.valid_to} if c.valid_to else set())
    return days


def _names_target(correction: Correction, target: Target) -> bool:
    """Whether a correction is for this model: its canonical id, and the name as asked where the row lists
    names (an alias priced apart from the snapshots the catalog folds into the same id)."""
    return correction.model == target.model and (
        not correction.names or target.given.lower() in correction.names
    )
