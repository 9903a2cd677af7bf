"""What a request, a prompt or a whole batch file will cost before it is sent.

Token counts come from `analytics.tokens`, prices from `analytics.prices`; this module only combines them.
Money stays Decimal; nothing here rounds.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from analytics import claude_tokens, prices, tokens

Prompt = str | Mapping[str, Any] | None
ProgressCallback = Callable[[int, int], None]

# Below this many requests a worker pool costs more to start than it saves.
_PARALLEL_THRESHOLD = 2_000
_CHUNK_SIZE = 500


class BadInputError(ValueError):
    """A request file that cannot be read; the message names file, line and column."""

    def __init__(self, path: Path | str, line: int, column: int, expected: str) -> None:
        self.path, self.line, self.column, self.expected = str(path), line, column, expected
        super().__init__(f"{path}:{line}:{column}: {expected}")


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

    def to_json(self) -> dict[str, Any]:
        """Returns a JSON-ready dict; money as decimal strings so no precision is lost."""
        return {
            "model": self.model,
            "tier": self.tier,
            "input_tokens": self.input_tokens,
            "input_tokens_low": self.input_tokens if self.input_tokens_low < 0 else self.input_tokens_low,
            "input_tokens_high": self.input_tokens if self.input_tokens_high < 0 else self.input_tokens_high,
            "output_tokens": self.output_tokens,
            "cached_input_tokens": self.cached_input_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "input_usd": str(self.input_usd),
            "output_usd": str(self.output_usd),
            "total_usd": str(self.total_usd),
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
    return tokens.TokenCount(model, counted.encoding, counted.tokens, False, (*counted.notes, note))


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

    `cached_tokens` and `cache_write_tokens` are parts of the input, as providers report them.
    """
    notes: tuple[str, ...] = ()
    exact = True
    token_range = (-1, -1)
    if input_tokens is None:
        counted = count_tokens(prompt, model, book=book, **request_options)
        input_tokens, exact, notes = counted.tokens, counted.exact, counted.notes
        token_range = (counted.low, counted.high)
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


@dataclass(frozen=True)
class Request:
    """One request of a batch file, as the estimator needs it."""

    line: int
    model: str
    body: Mapping[str, Any] | None  # None for a plain prompt (CSV input)
    prompt: str | None
    max_output_tokens: int | None
    kind: str  # "chat", "responses", "embeddings", "text"


@dataclass
class ModelTotal:
    """The totals of one model in a batch file."""

    model: str
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    standard_usd: Decimal = Decimal(0)
    batch_usd: Decimal | None = Decimal(0)  # None when the batch tier has no price for this model
    exact_requests: int = 0
    notes: set[str] = field(default_factory=set)
    minutes_at_limit: float | None = None

    def to_json(self) -> dict[str, Any]:
        """Returns a JSON-ready dict; money as decimal strings."""
        return {
            "model": self.model,
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "standard_usd": str(self.standard_usd),
            "batch_usd": None if self.batch_usd is None else str(self.batch_usd),
            "exact": self.exact_requests == self.requests,
            "notes": sorted(self.notes),
            "minutes_at_limit": self.minutes_at_limit,
        }


@dataclass(frozen=True)
class FileEstimate:
    """The estimate for a whole request file: per-model totals and the job's least duration."""

    path: str
    models: list[ModelTotal]
    minutes_at_limit: float | None  # None when no rate limit was given

    @property
    def requests(self) -> int:
        return sum(m.requests for m in self.models)

    @property
    def standard_usd(self) -> Decimal:
        return sum((m.standard_usd for m in self.models), Decimal(0))

    @property
    def batch_usd(self) -> Decimal | None:
        if any(m.batch_usd is None for m in self.models):
            return None
        return sum((m.batch_usd for m in self.models if m.batch_usd is not None), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        batch = self.batch_usd
        return {
            "path": self.path,
            "requests": self.requests,
            "standard_usd": str(self.standard_usd),
            "batch_usd": None if batch is None else str(batch),
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
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            handle.seek(0)
            if first.lstrip().startswith("{"):
                yield from _read_jsonl(path, handle, model)
            elif first.strip():
                yield from _read_prompt_csv(path, handle, model, prompt_column)
            else:
                raise BadInputError(path, 1, 1, "expected a JSONL request or a CSV header, got an empty line")
    except UnicodeDecodeError as error:
        raise BadInputError(path, 1, error.start + 1, "expected UTF-8 text") from None


def _read_jsonl(path: Path, lines: Iterable[str], model: str | None) -> Iterator[Request]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadInputError(path, number, error.colno, f"expected a JSON object ({error.msg})") from None
        if not isinstance(item, dict):
            raise BadInputError(path, number, 1, "expected a JSON object per line")
        url = ""
        if "body" in item and isinstance(item["body"], dict):
            url = str(item.get("url", ""))
            item = item["body"]
        yield _request_from_body(path, number, item, url, model)


def _request_from_body(path: Path, line: int, body: dict, url: str, model: str | None) -> Request:
    request_model = model or body.get("model")
    if not request_model:
        raise BadInputError(path, line, 1, 'expected a "model" in the request body (or give --model)')
    if "messages" in body:
        kind = "chat"
    elif url.endswith("/embeddings") or (
        "input" in body and str(request_model).startswith(("text-embedding", "omni-moderation"))
    ):
        kind = "embeddings"
    elif "input" in body or "instructions" in body:
        kind = "responses"
    else:
        raise BadInputError(path, line, 1, 'expected a request body with "messages" or "input"')
    max_output = None
    for key in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        if isinstance(body.get(key), int):
            max_output = body[key]
            break
    return Request(line, str(request_model), body, None, max_output, kind)


def _read_prompt_csv(path: Path, handle: Any, model: str | None, prompt_column: str) -> Iterator[Request]:
    sample = handle.read(8192)
    handle.seek(0)
    delimiter = "\t" if sample.split("\n", 1)[0].count("\t") > sample.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(handle, delimiter=delimiter)
    header = reader.fieldnames or []
    if prompt_column not in header:
        raise BadInputError(
            path, 1, 1, f'expected a "{prompt_column}" column in the CSV header, found {", ".join(header)}'
        )
    for row in reader:
        line = reader.line_num
        row_model = model or row.get("model")
        if not row_model:
            raise BadInputError(path, line, 1, "expected a model column or --model")
        max_output = None
        if row.get("max_tokens"):
            column = header.index("max_tokens") + 1
            try:
                max_output = int(row["max_tokens"])
            except ValueError:
                raise BadInputError(path, line, column, "max_tokens: expected a whole number") from None
        yield Request(line, row_model, None, row[prompt_column] or "", max_output, "text")


def _count_one(request: Request) -> tuple[str, int, bool, tuple[str, ...], int | None]:
    """Returns (model, prompt tokens, exact, notes, max output) for one request; runs in worker processes."""
    if request.kind == "text":
        counted = tokens.count_text(request.prompt or "", request.model)
    elif request.kind == "embeddings":
        counted = _count_embedding_input(request)
    else:
        assert request.body is not None
        counted = tokens.count_request(request.body, request.model)
    return request.model, counted.tokens, counted.exact, counted.notes, request.max_output_tokens


def _count_embedding_input(request: Request) -> tokens.TokenCount:
    assert request.body is not None
    value = request.body.get("input", "")
    items = value if isinstance(value, list) else [value]
    total = 0
    for item in items:
        if isinstance(item, str):
            total += tokens.count_text(item, request.model).tokens
        elif isinstance(item, list):  # already token ids
            total += len(item)
    encoding = tokens.encoding_name_for_model(request.model)
    return tokens.TokenCount(request.model, encoding, total, True)


def _count_chunk(chunk: list[Request]) -> list[tuple[str, int, bool, tuple[str, ...], int | None]]:
    return [_count_one(request) for request in chunk]


def _chunks(requests: Iterable[Request], size: int) -> Iterator[list[Request]]:
    chunk: list[Request] = []
    for request in requests:
        chunk.append(request)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _counted(
    requests: list[Request], encodings: set[str], workers: int, on_progress: ProgressCallback | None
) -> Iterator[tuple[str, int, bool, tuple[str, ...], int | None]]:
    total = len(requests)
    done = 0
    if workers <= 1 or total < _PARALLEL_THRESHOLD:
        for chunk in _chunks(requests, _CHUNK_SIZE):
            yield from _count_chunk(chunk)
            done += len(chunk)
            if on_progress:
                on_progress(done, total)
        return
    # Load every encoding the file needs before forking, so workers inherit it instead of each loading it.
    for name in encodings:
        tokens.get_encoding(name)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for chunk, results in zip(
            _chunks(requests, _CHUNK_SIZE),
            pool.map(_count_chunk, _chunks(requests, _CHUNK_SIZE)),
            strict=True,
        ):
            yield from results
            done += len(chunk)
            if on_progress:
                on_progress(done, total)


def estimate_requests(
    path: Path | str,
    *,
    model: str | None = None,
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

    Output tokens are each request's `max_tokens` / `max_completion_tokens` / `max_output_tokens` unless
    `output_tokens` is given (then every request gets that many). With `tpm` / `rpm` the result also holds
    the least time the job takes under those limits (OpenAI applies limits per model).
    """
    requests = list(read_requests(path, model=model, prompt_column=prompt_column))
    if not requests:
        raise BadInputError(path, 1, 1, "expected at least one request, the file has none")
    # Fail on an unknown model before spending time counting.
    encodings = {tokens.encoding_name_for_model(model) for model in {r.model for r in requests}}
    workers = workers or min(2, os.cpu_count() or 1)
    totals: dict[str, ModelTotal] = {}
    for model_name, prompt_tokens, exact, notes, max_output in _counted(
        requests, encodings, workers, on_progress
    ):
        total = totals.setdefault(model_name, ModelTotal(model_name))
        out = output_tokens if output_tokens is not None else (max_output or 0)
        _add_request(total, prompt_tokens, out, exact, notes, at, book)
        if output_tokens is None and max_output is None:
            total.notes.add("some requests set no max output tokens: counted as 0 output tokens")
    for total in totals.values():
        total.minutes_at_limit = minutes_at_limit(
            total.input_tokens + total.output_tokens, total.requests, tpm=tpm, rpm=rpm
        )
    models = sorted(totals.values(), key=lambda t: t.standard_usd, reverse=True)
    durations = [m.minutes_at_limit for m in models if m.minutes_at_limit is not None]
    return FileEstimate(str(path), models, max(durations) if durations else None)


def _add_request(
    total: ModelTotal,
    prompt_tokens: int,
    out: int,
    exact: bool,
    notes: tuple[str, ...],
    at: date | datetime | None,
    book: prices.PriceBook | None = None,
) -> None:
    # Priced per request, because long-context prices depend on each request's own input size.
    usage = prices.TokenUsage(input_tokens=prompt_tokens, output_tokens=out)
    total.requests += 1
    total.input_tokens += prompt_tokens
    total.output_tokens += out
    total.exact_requests += exact
    total.notes.update(notes)
    total.standard_usd += prices.cost(total.model, usage, at=at, tier="standard", book=book).total_usd
    if total.batch_usd is not None:
        try:
            batch = prices.cost(total.model, usage, at=at, tier="batch", book=book)
        except prices.TierNotPricedError as error:
            total.batch_usd = None
            total.notes.add(str(error))
        else:
            total.batch_usd += batch.total_usd
            if batch.price.fallback:
                total.notes.add(batch.price.fallback)


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
