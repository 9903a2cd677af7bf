"""What a request, a prompt or a whole batch file will cost before it is sent.

Token counts come from `analytics.tokens`, prices from `analytics.prices`; this module only combines them.
Money stays Decimal; nothing here rounds.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from analytics import batch_count, claude_tokens, price_memo, prices, token_shapes, tokens
from analytics.batch_count import BadInputError, Request
from analytics.money import usd_json
from analytics.prices import rule as price_rule

Prompt = str | Mapping[str, Any] | None
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class Estimate:
    """The cost of one request (or one prompt) on one model and tier."""

    model: str
    tier: str
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    input_usd: Decimal
    output_usd: Decimal
    total_usd: Decimal
    exact: bool
    notes: tuple[str, ...] = ()
    price_source: str = ""
    input_tokens_low: int = -1  # the range of an estimated count (TokenCount.low/high); -1: input_tokens
    input_tokens_high: int = -1
    open_ended: bool = False  # content left uncounted (TokenCount.open_ended): no upper bound is known

    def to_json(self) -> dict[str, Any]:
        """Returns a JSON-ready dict; money as decimal strings so no precision is lost."""
        high = self.input_tokens if self.input_tokens_high < 0 else self.input_tokens_high
        return {
            "model": self.model,
            "tier": self.tier,
            "input_tokens": self.input_tokens,
            "input_tokens_low": self.input_tokens if self.input_tokens_low < 0 else self.input_tokens_low,
            "input_tokens_high": None if self.open_ended else high,
            "open_ended": self.open_ended,
            "output_tokens": self.output_tokens,
            "cached_input_tokens": self.cached_input_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "input_usd": usd_json(self.input_usd),
            "output_usd": usd_json(self.output_usd),
            "total_usd": usd_json(self.total_usd),
            "exact": self.exact,
            "notes": list(self.notes),
            "price_source": self.price_source,
        }


# Anthropic publishes no tokenizer (its count_tokens endpoint needs the network), so Claude prompts are
# counted with OpenAI's newest encoding and labelled as an approximation.
APPROXIMATING_MODEL = "gpt-4o"


def count_tokens(
    prompt: Prompt, model: str, *, book: prices.PriceBook | None = None, **request_options: Any
) -> tokens.TokenCount:
    """Returns the prompt tokens of a text or of a Chat Completions / Responses request body.

    A priced model without a public tokenizer (Claude) gets an approximate count, marked not exact.
    """
    if prompt is None:
        raise ValueError("give a prompt, a request body or input_tokens")
    counting_model = model
    try:
        if not claude_tokens.is_claude(model):  # the tokens layer approximates Claude, with a range
            tokens.encoding_name_for_model(model)
    except tokens.UnknownModelError:
        # An unpriced, unknown model fails here, naming close ones.
        provider, _ = prices.resolve_model(model, book=book)
        counting_model = APPROXIMATING_MODEL
        note = (
            f"{provider} publishes no offline tokenizer for {model}: counted with o200k_base as an "
            "approximation (the provider's own count may differ)"
        )
    if isinstance(prompt, str):
        counted = tokens.count_text(prompt, counting_model)
    else:
        counted = tokens.count_request({**prompt, "model": counting_model}, counting_model, **request_options)
    if counting_model == model:
        return counted
    low, high = token_shapes.fallback_range(counted.tokens)  # another tokenizer: at least +-5%
    return tokens.TokenCount(
        model,
        counted.encoding,
        counted.tokens,
        False,
        (*counted.notes, note),
        min(low, counted.low),
        max(high, counted.high),
        counted.open_ended,
    )


def estimate(
    prompt: Prompt = None,
    *,
    model: str,
    input_tokens: int | None = None,
    output_tokens: int = 0,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
    cache_ttl: str = "5m",
    tier: str = "standard",
    at: date | datetime | None = None,
    book: prices.PriceBook | None = None,
    **request_options: Any,
) -> Estimate:
    """Returns the estimated cost of sending `prompt` (or `input_tokens` already counted) to `model`.

    `cached_tokens` and `cache_write_tokens` are parts of the input, as providers report them. `at` prices
    with the prices of that day and counts a request body with the counting rules in force then.
    """
    notes: tuple[str, ...] = ()
    exact = True
    token_range = (-1, -1)
    open_ended = False
    if input_tokens is None:
        # a request body is counted with the rules in force that day (a text has no dated rule)
        counted = count_tokens(prompt, model, book=book, at=at, **request_options)
        input_tokens, exact, notes = counted.tokens, counted.exact, counted.notes
        token_range = (counted.low, counted.high)
        open_ended = counted.open_ended
    _check_parts(input_tokens, cached_tokens, cache_write_tokens, output_tokens)
    usage = prices.TokenUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_input_tokens=cached_tokens,
        cache_write_tokens=cache_write_tokens,
        cache_write_ttl=cache_ttl,
    )
    cost = prices.cost(model, usage, at=at, tier=tier, book=book)
    if cost.price.fallback:
        notes = (*notes, cost.price.fallback)
    if cost.long_context:
        notes = (
            *notes,
            f"long-context prices apply above {cost.price.long_context_threshold:,} input tokens",
        )
    return Estimate(
        model=model,
        tier=tier,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_input_tokens=cached_tokens,
        cache_write_tokens=cache_write_tokens,
        input_usd=cost.input_usd,
        output_usd=cost.output_usd,
        total_usd=cost.total_usd,
        exact=exact,
        notes=notes,
        price_source=cost.price.source,
        input_tokens_low=token_range[0],
        input_tokens_high=token_range[1],
        open_ended=open_ended,
    )


def compare(prompt: Prompt = None, *, models: Sequence[str], **options: Any) -> list[Estimate]:
    """Returns one estimate per model, cheapest first (ties keep the order given)."""
    if not models:
        raise ValueError("name at least one model")
    estimates = [estimate(prompt, model=model, **options) for model in models]
    return sorted(estimates, key=lambda e: e.total_usd)


def _check_parts(input_tokens: int, cached: int, cache_write: int, output: int) -> None:
    for name, value in (
        ("input tokens", input_tokens),
        ("cached tokens", cached),
        ("cache-write tokens", cache_write),
        ("output tokens", output),
    ):
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
    if cached + cache_write > input_tokens:
        raise ValueError(
            f"cached ({cached:,}) plus cache-write ({cache_write:,}) tokens are part of the input and cannot "
            f"exceed the input tokens ({input_tokens:,})"
        )


# --- batch files -------------------------------------------------------------------------------------


@dataclass
class ModelTotal:
    """The totals of one model in a batch file, with the range the token counts and costs lie in.

    `input_tokens_low`..`input_tokens_high` sums each request's count range (equal to `input_tokens` when
    every request was counted exactly); the `*_usd_low`/`*_usd_high` costs are priced from those sums.
    With `open_ended_requests` (requests holding content left uncounted, see `TokenCount.open_ended`) the
    highs cover the counted part only, and `to_json` shows them as null: no upper bound is known.
    """

    model: str
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    standard_usd: Decimal = Decimal(0)
    batch_usd: Decimal | None = Decimal(0)  # None when the batch tier has no price for this model
    exact_requests: int = 0
    notes: set[str] = field(default_factory=set)
    minutes_at_limit: float | None = None
    input_tokens_low: int = 0
    input_tokens_high: int = 0
    standard_usd_low: Decimal = Decimal(0)
    standard_usd_high: Decimal = Decimal(0)
    batch_usd_low: Decimal | None = Decimal(0)
    batch_usd_high: Decimal | None = Decimal(0)
    open_ended_requests: int = 0

    @property
    def exact(self) -> bool:
        return self.exact_requests == self.requests

    def to_json(self) -> dict[str, Any]:
        """Returns a JSON-ready dict; money as decimal strings."""
        bounded = not self.open_ended_requests
        return {
            "model": self.model,
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "input_tokens_range": _range_json(self.input_tokens_low, self.input_tokens_high, bounded),
            "output_tokens": self.output_tokens,
            "standard_usd": usd_json(self.standard_usd),
            "standard_usd_range": _range_json(self.standard_usd_low, self.standard_usd_high, bounded),
            "batch_usd": usd_json(self.batch_usd),
            "batch_usd_range": _range_json(self.batch_usd_low, self.batch_usd_high, bounded),
            "open_ended_requests": self.open_ended_requests,
            "exact": self.exact,
            "notes": sorted(self.notes),
            "minutes_at_limit": self.minutes_at_limit,
        }


def _range_json(low: Any, high: Any, bounded: bool) -> list[Any]:
    """[low, high] for JSON (money as strings); high is null when unbounded (requests left uncounted)."""

    def shown(value: Any) -> Any:
        return usd_json(value) if isinstance(value, Decimal) or value is None else value

    return [shown(low), shown(high) if bounded else None]


def _sum_usd(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for value in values:
        if value is None:
            return None
        total += value
    return total


@dataclass(frozen=True)
class FileEstimate:
    """The estimate for a whole request file: per-model totals and the job's least duration.

    With `alternatives` (models given to price the whole file as each of them) every model prices every
    request, so the totals across models are not a sum that means anything and are None in `to_json`.
    """

    path: str
    models: list[ModelTotal]
    minutes_at_limit: float | None  # None when no rate limit was given
    alternatives: bool = False

    @property
    def requests(self) -> int:
        if self.alternatives:
            return max((m.requests for m in self.models), default=0)
        return sum(m.requests for m in self.models)

    @property
    def standard_usd(self) -> Decimal:
        return sum((m.standard_usd for m in self.models), Decimal(0))

    @property
    def batch_usd(self) -> Decimal | None:
        return _sum_usd(m.batch_usd for m in self.models)

    @property
    def input_tokens_range(self) -> tuple[int, int]:
        return sum(m.input_tokens_low for m in self.models), sum(m.input_tokens_high for m in self.models)

    @property
    def standard_usd_range(self) -> tuple[Decimal, Decimal]:
        return (
            sum((m.standard_usd_low for m in self.models), Decimal(0)),
            sum((m.standard_usd_high for m in self.models), Decimal(0)),
        )

    @property
    def batch_usd_range(self) -> tuple[Decimal | None, Decimal | None]:
        return _sum_usd(m.batch_usd_low for m in self.models), _sum_usd(m.batch_usd_high for m in self.models)

    @property
    def exact(self) -> bool:
        return all(m.exact for m in self.models)

    @property
    def open_ended(self) -> bool:
        """Whether some request holds content left uncounted: the ranges then have no upper bound."""
        return any(m.open_ended_requests for m in self.models)

    def to_json(self) -> dict[str, Any]:
        totals: dict[str, Any] = {
            "input_tokens_range": None,
            "standard_usd": None,
            "standard_usd_range": None,
            "batch_usd": None,
            "batch_usd_range": None,
        }
        if not self.alternatives:
            standard_low, standard_high = self.standard_usd_range
            batch_low, batch_high = self.batch_usd_range
            bounded = not self.open_ended
            totals = {
                "input_tokens_range": _range_json(*self.input_tokens_range, bounded),
                "standard_usd": usd_json(self.standard_usd),
                "standard_usd_range": _range_json(standard_low, standard_high, bounded),
                "batch_usd": usd_json(self.batch_usd),
                "batch_usd_range": _range_json(batch_low, batch_high, bounded),
            }
        return {
            "path": self.path,
            "requests": self.requests,
            "alternatives": self.alternatives,
            **totals,
            "exact": self.exact,
            "open_ended": self.open_ended,
            "minutes_at_limit": self.minutes_at_limit,
            "models": [m.to_json() for m in self.models],
        }


def read_requests(
    path: Path | str, *, model: str | None = None, prompt_column: str = "prompt"
) -> Iterator[Request]:
    """Yields the requests of an OpenAI Batch API input file, a JSONL of request bodies or a CSV of prompts.

    The kind is told from the content: a CSV has a header row with `prompt_column`; JSONL lines are objects,
    either Batch API lines (`custom_id`, `method`, `url`, `body`) or bodies themselves.
    """
    path = Path(path)
    if batch_count.sniff(path) == "csv":
        yield from batch_count.csv_requests(path, model, prompt_column)
        return
    for number, body, url in batch_count.jsonl_bodies(path, 0, path.stat().st_size):
        yield batch_count.request_from_body(path, number, body, url, model)


def estimate_requests(
    path: Path | str,
    *,
    model: str | None = None,
    models: Sequence[str] = (),
    output_tokens: int | None = None,
    tpm: int | None = None,
    rpm: int | None = None,
    at: date | datetime | None = None,
    prompt_column: str = "prompt",
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
    book: prices.PriceBook | None = None,
) -> FileEstimate:
    """Returns per-model totals at standard and batch prices for every request in a file.

    Requests are priced as the model each names, or with `model` / `models` as each model given (side by
    side: every model prices every request; the file is counted once, each distinct text tokenized once).
    Output tokens are each request's `max_tokens` / `max_completion_tokens` / `max_output_tokens` unless
    `output_tokens` is given (then every request gets that many). With `tpm` / `rpm` the result also holds
    the least time the job takes under those limits (OpenAI applies limits per model). The file is streamed
    and counted by up to `workers` processes (default: the cores available, at most 2); `on_progress(done,
    total)` gets bytes read.
    """
    path = Path(path)
    given = tuple(dict.fromkeys([*([model] if model else []), *models]))
    for name in given:  # an unknown model fails before any time is spent counting
        tokens.encoding_name_for_model(name)
    if workers is None:
        workers = min(
            2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        )
    job = batch_count.Job(path, given, output_tokens, prompt_column, at=at)
    tally = batch_count.tally_file(job, workers=workers, on_progress=on_progress)
    if not tally:
        raise BadInputError(path, 1, 1, "expected at least one request, the file has none")
    totals = [_priced(name, tally[name], at, book) for name in (given or tally)]
    for total in totals:
        total.minutes_at_limit = minutes_at_limit(
            total.input_tokens + total.output_tokens, total.requests, tpm=tpm, rpm=rpm
        )
    totals.sort(key=lambda t: t.standard_usd, reverse=True)
    durations = [m.minutes_at_limit for m in totals if m.minutes_at_limit is not None]
    # Models named by the requests run side by side, so the job takes as long as its slowest model.
    least = None if len(given) > 1 or not durations else max(durations)
    return FileEstimate(str(path), totals, least, alternatives=len(given) > 1)


def _priced(model: str, tally: batch_count.ModelTally, at: date | datetime | None, book: Any) -> ModelTotal:
    """Prices one model's sums once per tier (not once per request): a request's price is linear in its
    tokens on one day in one tier, except that long-context rates apply per request above a threshold, so
    the requests are summed on each side of that tier's threshold and each side priced once."""
    total = ModelTotal(model, notes=set(tally.notes), open_ended_requests=tally.open_ended)
    for size, (requests, low, high, output, exact) in tally.bins.items():
        total.requests += requests
        total.input_tokens += size * requests
        total.input_tokens_low += low
        total.input_tokens_high += high
        total.output_tokens += output
        total.exact_requests += exact
    standard = _tier_cost(model, "standard", tally, at, book, total.notes)
    assert standard is not None  # the standard tier raises rather than going unpriced
    total.standard_usd, total.standard_usd_low, total.standard_usd_high = standard
    try:
        batch = _tier_cost(model, "batch", tally, at, book, total.notes)
    except prices.TierNotPricedError as error:
        total.batch_usd = total.batch_usd_low = total.batch_usd_high = None
        total.notes.add(str(error))
    else:
        total.batch_usd, total.batch_usd_low, total.batch_usd_high = batch
    return total


def _tier_cost(
    model: str,
    tier: str,
    tally: batch_count.ModelTally,
    at: date | datetime | None,
    book: Any,
    notes: set[str],
) -> tuple[Decimal, Decimal, Decimal]:
    """Returns the (point, low, high) cost of the model's requests in `tier`."""
    price = price_memo.price_for(model, at=at, tier=tier, book=book)
    if price.fallback:
        notes.add(price.fallback)
    threshold = price.long_context_threshold
    sides: dict[bool, list[int]] = {}  # long? -> [requests, input, low, high, output]
    for size, (requests, low, high, output, _) in tally.bins.items():
        side = sides.setdefault(threshold is not None and size > threshold, [0, 0, 0, 0, 0])
        for i, value in enumerate((requests, size * requests, low, high, output)):
            side[i] += value
    point = low_usd = high_usd = Decimal(0)
    for long, (requests, input_tokens, low, high, output) in sides.items():
        if long:
            notes.add(f"long-context prices apply above {threshold:,} input tokens")
        # `requests=` prices a sum of requests on its side of the threshold (`rule.is_long` compares the
        # threshold with the average request).
        point += _cost(price, input_tokens, output, requests)
        low_usd += _cost(price, low, output, requests)
        high_usd += _cost(price, high, output, requests)
    return point, low_usd, high_usd


def _cost(price: prices.Price, input_tokens: int, output_tokens: int, requests: int) -> Decimal:
    usage = prices.TokenUsage(input_tokens=input_tokens, output_tokens=output_tokens)
    return price_rule.cost(price, usage, requests=requests).total_usd


def minutes_at_limit(tokens_total: int, requests: int, *, tpm: int | None, rpm: int | None) -> float | None:
    """Returns the least whole-job time in minutes under tokens-per-minute and requests-per-minute limits.

    Each limit alone bounds the job from below; the tighter one decides. None when neither is given.
    """
    bounds = []
    if tpm:
        bounds.append(tokens_total / tpm)
    if rpm:
        bounds.append(requests / rpm)
    return max(bounds) if bounds else None


def format_minutes(minutes: float) -> str:
    """Returns a duration like '2 h 05 min' or '45 s' for display."""
    seconds = math.ceil(minutes * 60)
    if seconds < 60:
        return f"{seconds} s"
    hours, rest = divmod(seconds, 3600)
    mins = math.ceil(rest / 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"
