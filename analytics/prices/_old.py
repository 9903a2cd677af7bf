"""Dated LLM API prices: the genai-prices catalog, our cited corrections, and a user override file.

A price is looked up for one model, one tier and one UTC day. Sources, first match wins:

1. the override file (negotiated prices, private or fine-tuned models), for the tier it names;
2. the genai-prices catalog price for that tier in force that day, patched by `price_corrections.CORRECTIONS`
   (a correction can also price a tier the catalog leaves unpriced on those days);
3. a provider's flat tier discount from `price_corrections.TIER_RULES`, labelled in `Price.fallback`;
4. otherwise `TierNotPricedError` — never the standard price in disguise.

All money is `Decimal` USD per 1M tokens. The catalog module is large, so it is imported on first use.
"""

from __future__ import annotations

import csv
import difflib
import functools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics.price_corrections import CORRECTIONS, TIER_RULES, Correction, TierRule

if TYPE_CHECKING:
    import pandas as pd
    from genai_prices.types import ModelInfo, ModelPrice, Provider

__all__ = [
    "OVERRIDES_ENV",
    "TIERS",
    "Cost",
    "OverrideRow",
    "Price",
    "TierNotPricedError",
    "TokenUsage",
    "UnknownModelError",
    "cost",
    "list_prices",
    "load_overrides",
    "price_for",
    "price_table",
    "resolve_model",
    "set_override_file",
]

TIERS = ("standard", "batch", "flex", "priority")
OVERRIDES_ENV = "LLM_COST_PRICE_OVERRIDES"
CATALOG = f"genai-prices {version('genai-prices')}"
_MTOK = Decimal(1_000_000)
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
    """Token counts of one request (or a sum of requests that share one long-context side)."""

    input_tokens: int
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_ttl: str = "5m"

    def __post_init__(self) -> None:
        for name in ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens"):
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


@dataclass(frozen=True)
class Cost:
    """The exact cost of a `TokenUsage` at a `Price`; no rounding."""

    input_usd: Decimal
    output_usd: Decimal
    total_usd: Decimal
    price: Price
    long_context: bool


@dataclass(frozen=True)
class OverrideRow:
    """One line of the override file: a full price for (model, tier) from `valid_from` on."""

    provider: str | None
    model: str  # lower case, as written (a catalog id, a dated snapshot, "ft:..." or a private name)
    tier: str
    valid_from: date
    input: Decimal
    output: Decimal
    cached_input: Decimal | None
    cache_write_5m: Decimal | None
    cache_write_1h: Decimal | None
    note: str
    line: int


@dataclass(frozen=True)
class _Target:
    """A resolved model name: where its prices come from."""

    provider: str
    model: str  # canonical id (catalog id, or the override name)
    given: str  # the name as asked, lower case; overrides may be keyed on it
    catalog_provider: str | None  # provider whose model list holds `model`; None for override-only models
    base_of_fine_tune: bool = False  # "ft:X:..." with no fine-tune price in the catalog, priced as X


# ---------------------------------------------------------------- public API


def resolve_model(name: str, *, provider: str | None = None) -> tuple[str, str]:
    """Returns (provider, canonical id) for a model name as reported by an API, export or person.

    >>> resolve_model("gpt-4o-2024-08-06")
    ('openai', 'gpt-4o')
    """
    target = _resolve(name.strip().lower(), _norm_provider(provider), _override_token())
    return target.provider, target.model


def price_for(
    model: str,
    *,
    at: date | datetime | None = None,
    tier: str = "standard",
    provider: str | None = None,
) -> Price:
    """Returns the price of `model` in `tier` in force at `at` (a UTC day; None = today UTC)."""
    _check_tier(tier)
    token = _override_token()
    target = _resolve(model.strip().lower(), _norm_provider(provider), token)
    return _price_on(target, _utc_day(at), tier, token)


def cost(
    model: str,
    usage: TokenUsage,
    *,
    at: date | datetime | None = None,
    tier: str = "standard",
    provider: str | None = None,
) -> Cost:
    """Returns the exact cost of `usage` on `model` in `tier` at the price in force at `at`."""
    return _cost_at(price_for(model, at=at, tier=tier, provider=provider), usage)


def list_prices(
    *,
    provider: str | None = None,
    search: str | None = None,
    at: date | datetime | None = None,
    tier: str = "standard",
) -> list[Price]:
    """Returns the price table as it stands at `at`: one `Price` per model priced in `tier`, sorted."""
    _check_tier(tier)
    token = _override_token()
    day = _utc_day(at)
    wanted = _norm_provider(provider)
    needle = (search or "").strip().lower()
    table: dict[tuple[str, str], Price] = {}
    for target in _all_targets(token):
        if wanted and target.provider != wanted:
            continue
        if needle and needle not in target.model.lower() and needle not in _display_name(target).lower():
            continue
        try:
            table[(target.provider, target.model)] = _price_on(target, day, tier, token)
        except TierNotPricedError:
            continue
    return [table[key] for key in sorted(table)]


def price_table(models: Iterable[str], start: date, end: date) -> pd.DataFrame:
    """Returns one row per (model as given, tier, price period) covering the UTC days start..end.

    `valid_from` is inclusive and `valid_to` exclusive (the last period ends on end + 1 day), so a usage
    day `d` joins with `valid_from <= d AND d < valid_to`. Prices are decimal strings: cast them to
    DECIMAL(38,12) in SQL. Tiers a model has no price for on some days have no rows for those days.
    """
    import pandas as pd

    if end < start:
        raise ValueError(f"price_table: end {end} is before start {start}")
    token = _override_token()
    rows: list[dict[str, Any]] = []
    for name in dict.fromkeys(models):
        target = _resolve(name.strip().lower(), None, token)
        for tier in TIERS:
            for valid_from, valid_to, price in _periods(target, tier, start, end, token):
                rows.append(_table_row(name, price, valid_from, valid_to))
    table = pd.DataFrame(rows, columns=_TABLE_COLUMNS)
    # Nullable integer: most models have no threshold, and a float column would turn 200000 into 200000.0.
    table["long_context_threshold"] = table["long_context_threshold"].astype("Int64")
    return table


def set_override_file(path: str | Path | None) -> None:
    """Uses `path` as the price override file (None: fall back to ${LLM_COST_PRICE_OVERRIDES}, else none)."""
    global _override_file
    _override_file = None if path is None else Path(path)


def load_overrides(path: str | Path) -> tuple[OverrideRow, ...]:
    """Returns the rows of an override CSV; raises ValueError naming file, line and column when malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"{path}: price override file not found") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: price override file is not UTF-8 text ({error.reason})") from None
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return ()
    reader = csv.reader(lines, delimiter="\t" if "\t" in lines[0] else ",")
    header = [h.strip().lower() for h in next(reader)]
    _check_header(path, header)
    line_numbers = _data_line_numbers(text)
    rows = []
    for index, values in enumerate(reader):
        line = line_numbers[index]
        if len(values) > len(header):
            raise ValueError(
                f"{path}:{line}: {len(values)} fields, expected at most {len(header)} ({','.join(header)})"
            )
        record = dict(zip(header, [v.strip() for v in values], strict=False))
        rows.append(_parse_override(path, line, record))
    _check_duplicates(path, rows)
    return tuple(rows)


# ---------------------------------------------------------------- overrides

_override_file: Path | None = None
_OVERRIDE_REQUIRED = ("model", "tier", "valid_from", "input_per_mtok", "output_per_mtok")
_OVERRIDE_COLUMNS = (
    "provider",
    "model",
    "tier",
    "valid_from",
    "input_per_mtok",
    "output_per_mtok",
    "cached_input_per_mtok",
    "cache_write_5m_per_mtok",
    "cache_write_1h_per_mtok",
    "note",
)


def _override_path() -> Path | None:
    if _override_file is not None:
        return _override_file
    from_env = os.environ.get(OVERRIDES_ENV, "").strip()
    return Path(from_env) if from_env else None


def _override_token() -> tuple[str, int, int] | None:
    """Identifies the override file's current content cheaply, so cached lookups notice edits."""
    path = _override_path()
    if path is None:
        return None
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ValueError(f"{path}: price override file not found (set by {_override_origin()})") from None
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


def _override_origin() -> str:
    return "set_override_file()" if _override_file is not None else f"${OVERRIDES_ENV}"


@functools.lru_cache(maxsize=8)
def _override_rows(token: tuple[str, int, int] | None) -> tuple[OverrideRow, ...]:
    return () if token is None else load_overrides(Path(token[0]))


def _check_header(path: Path, header: list[str]) -> None:
    unknown = [h for h in header if h not in _OVERRIDE_COLUMNS]
    if unknown:
        column = header.index(unknown[0]) + 1
        raise ValueError(
            f"{path}:1: column {column} {unknown[0]!r} is not an override column; "
            f"expected some of: {', '.join(_OVERRIDE_COLUMNS)}"
        )
    missing = [c for c in _OVERRIDE_REQUIRED if c not in header]
    if missing:
        raise ValueError(f"{path}:1: header lacks required column(s) {', '.join(missing)}")


def _data_line_numbers(text: str) -> list[int]:
    """File line numbers of data rows (after the header), skipping blank and # comment lines."""
    numbers = [
        n for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")
    ]
    return numbers[1:]


def _parse_override(path: Path, line: int, record: dict[str, str]) -> OverrideRow:
    def fail(column: str, expected: str) -> ValueError:
        return ValueError(
            f"{path}:{line}: column {column!r}: expected {expected}, got {record.get(column, '')!r}"
        )

    def money(column: str, *, required: bool) -> Decimal | None:
        text = record.get(column, "").replace("$", "").strip()
        if not text:
            if required:
                raise fail(column, "a price in USD per 1M tokens, e.g. 2.50")
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise fail(column, "a decimal number of USD per 1M tokens, e.g. 2.50") from None
        if not value.is_finite() or value < 0:
            raise fail(column, "a non-negative price")
        return value

    model = record.get("model", "").strip().lower()
    if not model:
        raise fail("model", "a model name")
    tier = record.get("tier", "").strip().lower()
    if tier not in TIERS:
        raise fail("tier", f"one of {', '.join(TIERS)}")
    try:
        valid_from = date.fromisoformat(record.get("valid_from", "").strip())
    except ValueError:
        raise fail("valid_from", "a date YYYY-MM-DD (UTC day the price starts)") from None
    return OverrideRow(
        provider=_norm_provider(record.get("provider")),
        model=model,
        tier=tier,
        valid_from=valid_from,
        input=money("input_per_mtok", required=True),  # type: ignore[arg-type]
        output=money("output_per_mtok", required=True),  # type: ignore[arg-type]
        cached_input=money("cached_input_per_mtok", required=False),
        cache_write_5m=money("cache_write_5m_per_mtok", required=False),
        cache_write_1h=money("cache_write_1h_per_mtok", required=False),
        note=record.get("note", ""),
        line=line,
    )


def _check_duplicates(path: Path, rows: list[OverrideRow]) -> None:
    seen: dict[tuple[str | None, str, str, date], int] = {}
    for row in rows:
        key = (row.provider, row.model, row.tier, row.valid_from)
        if key in seen:
            raise ValueError(
                f"{path}:{row.line}: duplicate of line {seen[key]} (same provider, model, tier, valid_from)"
            )
        seen[key] = row.line


def _override_for(target: _Target, day: date, tier: str, token: tuple | None) -> OverrideRow | None:
    """The override row in force on `day`: rows for the name as given beat rows for the canonical id."""
    rows = _override_rows(token)
    for name in dict.fromkeys((target.given, target.model)):
        matching = [
            r
            for r in rows
            if r.model == name
            and r.tier == tier
            and r.valid_from <= day
            and r.provider in (None, target.provider)
        ]
        if matching:
            return max(matching, key=lambda r: r.valid_from)
    return None


def _override_price(target: _Target, row: OverrideRow, token: tuple | None) -> Price:
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
        source=f"override: {Path(token[0]).name if token else '?'} line {row.line}"
        + (f" ({row.note})" if row.note else ""),
    )


# ---------------------------------------------------------------- catalog


@functools.cache
def _providers() -> dict[str, Provider]:
    # genai_prices.data is ~1.6 MB of Python; pay for it on the first lookup, not at import.
    from genai_prices.data import providers

    return {p.id: p for p in providers}


@functools.cache
def _display_names() -> dict[str, tuple[str, str]]:
    """Lower-cased display names ("claude opus 4.5") -> (provider, id), for exports that only name models."""
    names: dict[str, tuple[str, str]] = {}
    for provider_id in ("anthropic", "openai"):
        for info in _providers()[provider_id].models:
            if info.name:
                names.setdefault(info.name.strip().lower(), (provider_id, info.id))
    return names


def _model_info(target: _Target) -> ModelInfo:
    assert target.catalog_provider is not None
    return _model_index()[(target.catalog_provider, target.model)]


@functools.cache
def _model_index() -> dict[tuple[str, str], ModelInfo]:
    return {(p.id, m.id): m for p in _providers().values() for m in p.models}


def _find_in_catalog(ref: str, provider: str | None) -> tuple[str, str, str] | None:
    """(provider asked for, owning provider, model id) for a catalog match, or None."""
    providers = _providers()
    if provider is not None:
        home = providers.get(provider)
        candidates = [home] if home else []
    else:
        # First-party providers first: resellers (azure, openrouter, ...) also match "gpt-..." names, and
        # usage reported without a provider is the vendor's own. Then the catalog's model_match rules.
        matched = [
            p.id for p in providers.values() if p.model_match is not None and p.model_match.is_match(ref)
        ]
        order = dict.fromkeys([*(p for p in _FIRST_PARTY if p in providers), *matched, *providers])
        candidates = [providers[p] for p in order]
    everything = list(providers.values())
    for home in candidates:
        info = home.find_model(ref, all_providers=everything)
        if info is not None:
            owner = home.id if any(m is info for m in home.models) else _owner_of(info)
            return home.id, owner, info.id
    return None


def _owner_of(info: ModelInfo) -> str:
    return next(p.id for p in _providers().values() if any(m is info for m in p.models))


@functools.lru_cache(maxsize=4096)
def _resolve(name: str, provider: str | None, token: tuple | None) -> _Target:
    if not name:
        raise UnknownModelError(name, close=())
    if provider is not None and provider not in _providers() and not _override_names(token, provider):
        raise UnknownModelError(
            name, close=difflib.get_close_matches(provider, list(_providers())), provider=provider
        )
    found = _resolve_catalog(name, provider)
    if found is not None:
        home, owner, model_id, fine_tune = found
        return _Target(home, model_id, name, owner, base_of_fine_tune=fine_tune)
    for row in _override_rows(token):
        if row.model == name and (provider is None or row.provider in (None, provider)):
            return _Target(row.provider or provider or "custom", name, name, None)
    raise UnknownModelError(name, close=_close_names(name, provider, token), provider=provider)


def _resolve_catalog(name: str, provider: str | None) -> tuple[str, str, str, bool] | None:
    """(provider, owner, id, priced-as-base-fine-tune) from the catalog, trying each spelling in turn."""
    if name in _display_names() and provider in (None, _display_names()[name][0]):
        home, model_id = _display_names()[name]
        return home, home, model_id, False
    for ref, fine_tune in _spellings(name):
        found = _find_in_catalog(ref, provider)
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


def _override_names(token: tuple | None, provider: str | None = None) -> list[str]:
    return [r.model for r in _override_rows(token) if provider is None or r.provider == provider]


def _close_names(name: str, provider: str | None, token: tuple | None) -> list[str]:
    providers = _providers()
    pool = [provider] if provider in providers else list(providers)
    ids = {m.id for p in pool for m in providers[p].models} | set(_override_names(token))
    # A "claude"/"gpt" query should not be answered with some other vendor's near-spelling first.
    first_party = {m.id for p in ("openai", "anthropic") for m in providers[p].models}
    close = difflib.get_close_matches(name, sorted(first_party & ids), n=5, cutoff=0.6)
    return close or difflib.get_close_matches(name, sorted(ids), n=5, cutoff=0.6)


def _all_targets(token: tuple | None) -> Iterator[_Target]:
    for provider in _providers().values():
        for info in provider.models:
            yield _Target(provider.id, info.id, info.id.lower(), provider.id)
    for row in _override_rows(token):
        target = _resolve(row.model, row.provider, token)
        if target.catalog_provider is None:  # catalog models were listed above
            yield target


def _display_name(target: _Target) -> str:
    if target.catalog_provider is None:
        return target.model
    return _model_info(target).name or target.model


# ---------------------------------------------------------------- the dated lookup


@functools.lru_cache(maxsize=65536)
def _price_on(target: _Target, day: date, tier: str, token: tuple | None) -> Price:
    row = _override_for(target, day, tier, token)
    if row is not None:
        return _override_price(target, row, token)
    price = _corrected_tier_price(target, day, tier)
    if price is not None:
        return _label_fine_tune(target, price)
    if tier != "standard" and (rule := _tier_rule(target, tier, day)) is not None:
        # Derived from the list price, not from a standard-tier override: a negotiated standard price says
        # nothing about the batch price, and the derived price must not jump when the catalog starts to
        # list the tier itself. Negotiated tier prices get their own override rows.
        standard = _corrected_tier_price(target, day, "standard")
        if standard is not None:
            return _derive(_label_fine_tune(target, standard), rule, target, tier)
    raise TierNotPricedError(target.model, tier, day, priced=_tiers_priced(target, day, token))


def _corrected_tier_price(target: _Target, day: date, tier: str) -> Price | None:
    """Catalog price for the tier that day with our corrections applied, or None if neither prices it."""
    if target.catalog_provider is None:
        return None
    price = _catalog_price(target, day, tier)
    for correction in _corrections_for(target, tier, day):
        if price is None:
            if "input" not in correction.set or "output" not in correction.set:
                continue
            price = _blank_price(target, tier)
        price = replace(price, **correction.set, source=_correction_source(price, correction))
    return price


def _catalog_price(target: _Target, day: date, tier: str) -> Price | None:
    info = _model_info(target)
    moment = _catalog_moment(day)
    if tier == "standard":
        model_price = info.get_prices(moment)
    elif _catalog_has_tier(info, tier, moment):
        model_price = info.get_prices(moment, _TIER_CONTEXT[tier])
    else:
        return None
    return _from_catalog(target, tier, model_price)


def _catalog_moment(day: date) -> datetime:
    # Catalog prices change on UTC day boundaries (StartDateConstraint); noon keeps us clear of the
    # few off-peak TimeOfDateConstraint windows that straddle midnight.
    return datetime.combine(day, time(12), tzinfo=UTC)


def _catalog_has_tier(info: ModelInfo, tier: str, moment: datetime | None) -> bool:
    """Whether a price variant for the tier exists (in force at `moment`, or on any date if None)."""
    context = _TIER_CONTEXT[tier]
    return any(
        v.when == context and (moment is None or v.constraint is None or v.constraint.active(moment))
        for v in info.price_variants or ()
    )


def _from_catalog(target: _Target, tier: str, model_price: ModelPrice) -> Price | None:
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


def _corrections_for(target: _Target, tier: str, day: date) -> list[Correction]:
    return [
        c
        for c in CORRECTIONS
        if c.model == target.model
        and c.provider == target.catalog_provider
        and c.tier == tier
        and c.valid_from <= day
        and (c.valid_to is None or day < c.valid_to)
    ]


def _correction_source(price: Price, correction: Correction) -> str:
    mine = f"correction: {correction.url} ({correction.why})"
    return mine if price.source in (CATALOG, "") else f"{price.source}; {mine}"


def _blank_price(target: _Target, tier: str) -> Price:
    zero = Decimal(0)
    return Price(
        target.model, target.provider, tier, zero, zero, None, None, None, None, None, None, None, ""
    )


def _label_fine_tune(target: _Target, price: Price) -> Price:
    if not target.base_of_fine_tune:
        return price
    note = (
        f"fine-tune {target.given!r} priced at its base model {target.model}: the catalog has no fine-tuned "
        f"price for it (fine-tuned inference usually costs more); add an override row"
    )
    return replace(price, fallback=f"{price.fallback}; {note}" if price.fallback else note)


def _tier_rule(target: _Target, tier: str, day: date) -> TierRule | None:
    if target.catalog_provider is None:
        return None
    for rule in TIER_RULES:
        if rule.provider != target.catalog_provider or rule.tier != tier or day < rule.valid_from:
            continue
        if rule.listed_plus is not None and not (
            _catalog_has_tier(_model_info(target), tier, None) or target.model.startswith(rule.listed_plus)
        ):
            continue
        return rule
    return None


def _derive(standard: Price, rule: TierRule, target: _Target, tier: str) -> Price:
    """A tier price as `rule.factor` x the standard price, labelled as derived."""
    fields_to_scale = ["input", "output", "long_input", "long_output"]
    if rule.cache == "all" or _catalog_discounts_cache(target, tier):
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


def _catalog_discounts_cache(target: _Target, tier: str) -> bool:
    """Whether any catalog price variant for this tier sets its own cached-input price."""
    context = _TIER_CONTEXT[tier]
    return any(
        v.when == context and getattr(v.prices, "cache_read_mtok", None) is not None
        for v in _model_info(target).price_variants or ()
    )


def _tiers_priced(target: _Target, day: date, token: tuple | None) -> list[str]:
    priced = []
    for tier in TIERS:
        if _override_for(target, day, tier, token) is not None or _corrected_tier_price(target, day, tier):
            priced.append(tier)
        elif tier != "standard" and _tier_rule(target, tier, day) is not None:
            priced.append(f"{tier} (derived)")
    return priced


# ---------------------------------------------------------------- cost arithmetic


def _cost_at(price: Price, usage: TokenUsage) -> Cost:
    long = price.long_context_threshold is not None and usage.input_tokens > price.long_context_threshold

    def rate(name: str) -> Decimal | None:
        value = getattr(price, f"long_{name}") if long else None
        return value if value is not None else getattr(price, name)

    input_rate = rate("input")
    # No cached price means the provider gives no caching discount on this model: those tokens are input.
    cached_rate = rate("cached_input") or input_rate
    write_rate = _cache_write_rate(price, usage, rate) or input_rate
    uncached = usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens
    input_usd = (
        uncached * input_rate
        + usage.cached_input_tokens * cached_rate
        + usage.cache_write_tokens * write_rate
    ) / _MTOK
    output_usd = usage.output_tokens * rate("output") / _MTOK
    return Cost(input_usd, output_usd, input_usd + output_usd, price, long)


def _cache_write_rate(price: Price, usage: TokenUsage, rate: Any) -> Decimal | None:
    if not usage.cache_write_tokens:
        return None
    if usage.cache_write_ttl == "1h":
        if price.cache_write_1h is None and price.cache_write_5m is not None:
            raise ValueError(f"{price.model} has no 1-hour cache-write price ({price.source}); use ttl '5m'")
        return rate("cache_write_1h")
    # OpenAI has no cache-write price: writes are billed as ordinary input.
    return rate("cache_write_5m")


# ---------------------------------------------------------------- price table for SQL joins

_TABLE_COLUMNS = [
    "model",
    "provider",
    "canonical_model",
    "tier",
    "valid_from",
    "valid_to",
    "input_per_mtok",
    "output_per_mtok",
    "cached_input_per_mtok",
    "cache_write_5m_per_mtok",
    "cache_write_1h_per_mtok",
    "long_context_threshold",
    "long_input_per_mtok",
    "long_output_per_mtok",
    "long_cached_input_per_mtok",
    "source",
    "fallback",
]


def _periods(
    target: _Target, tier: str, start: date, end: date, token: tuple | None
) -> Iterator[tuple[date, date, Price]]:
    """Maximal runs of days in start..end with one unchanged price; days without a price are skipped."""
    days = [start, *sorted(d for d in _change_days(target, token) if start < d <= end)]
    current: tuple[date, Price] | None = None
    for day in days:
        try:
            price: Price | None = _price_on(target, day, tier, token)
        except TierNotPricedError:
            price = None
        if current is not None and price == current[1]:
            continue
        if current is not None:
            yield current[0], day, current[1]
        current = None if price is None else (day, price)
    if current is not None:
        yield current[0], end + timedelta(days=1), current[1]


def _change_days(target: _Target, token: tuple | None) -> set[date]:
    """Every day on which some source of this model's prices may change."""
    days = {r.valid_from for r in _override_rows(token) if r.model in (target.given, target.model)}
    days |= {rule.valid_from for rule in TIER_RULES}
    if target.catalog_provider is None:
        return days
    for c in CORRECTIONS:
        if c.model == target.model:
            days |= {c.valid_from} | ({c.valid_to} if c.valid_to else set())
    info = _model_info(target)
    constraints = [p.constraint for p in info.prices] if isinstance(info.prices, list) else []
    constraints += [v.constraint for v in info.price_variants or ()]
    days |= {c.start_date for c in constraints if c is not None and hasattr(c, "start_date")}
    return days


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
        "input_per_mtok": money(price.input),
        "output_per_mtok": money(price.output),
        "cached_input_per_mtok": money(price.cached_input),
        "cache_write_5m_per_mtok": money(price.cache_write_5m),
        "cache_write_1h_per_mtok": money(price.cache_write_1h),
        "long_context_threshold": price.long_context_threshold,
        "long_input_per_mtok": money(price.long_input),
        "long_output_per_mtok": money(price.long_output),
        "long_cached_input_per_mtok": money(price.long_cached_input),
        "source": price.source,
        "fallback": price.fallback,
    }


# ---------------------------------------------------------------- small helpers


def _utc_day(at: date | datetime | None) -> date:
    if at is None:
        return datetime.now(UTC).date()
    if isinstance(at, datetime):
        # Naive datetimes are taken as UTC, as vendor exports are.
        return (at.astimezone(UTC) if at.tzinfo else at).date()
    return at


def _check_tier(tier: str) -> None:
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}")


def _norm_provider(provider: str | None) -> str | None:
    provider = (provider or "").strip().lower()
    return provider or None
