"""The `llm-cost` command line: thin commands, each calling one library function.

Bad input exits with code 2 and one message naming the file, line and column (as click's usage errors do).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from analytics import prices, request_shape
from analytics.money import format_usd, format_usd_column, parse_usd, usd_json

if TYPE_CHECKING:
    from analytics.formats.generic_csv import GenericMapping
    from analytics.store import Store


class _Deferred:
    """A module imported on first attribute use. `llm-cost --help` and `count` must not pay for pandas,
    DuckDB (store, formats, reports) or tiktoken when they do not use them; never import those at the top
    of this file (`python -X importtime -c "import analytics.cli"` shows what loads)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


tokens = _Deferred("analytics.tokens")
reports = _Deferred("analytics.reports")
budgets = _Deferred("analytics.budgets")
_estimate = _Deferred("analytics.estimate")
_formats = _Deferred("analytics.formats")
_generic_csv = _Deferred("analytics.formats.generic_csv")
_store = _Deferred("analytics.store")


class _DeferredChoice(click.Choice):
    """A click.Choice read from a deferred module when the option is parsed or its help shown (click.Choice
    copies its values when the command is defined, which would import the module for every command)."""

    def __init__(self, module: _Deferred, name: str) -> None:
        self._source = (module, name)
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        module, name = self._source
        return tuple(getattr(module, name))


BAD_INPUT = 2
DEFAULT_PROVIDERS = ("openai", "anthropic")


def _bad_input_is_exit_2(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turns the library's input errors into a clean message and exit code 2, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (
            tokens.UnknownModelError,
            prices.UnknownModelError,
            prices.TierNotPricedError,
            _estimate.BadInputError,
            ValueError,
        ) as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(BAD_INPUT)
        except _store.StoreBusyError as error:  # not bad input: another process kept the store locked
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="llm-cost")
@click.option(
    "--price-overrides",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar=prices.OVERRIDES_ENV,
    help=f"CSV of negotiated or private-model prices that win over the catalog (or ${prices.OVERRIDES_ENV}).",
)
@click.pass_context
def main(ctx: click.Context, price_overrides: Path | None) -> None:
    """What will an LLM request cost, and what did we spend?"""
    ctx.obj = {"price_overrides": price_overrides}


def _book(store: Store | None = None) -> prices.PriceBook:
    """The prices a command uses: --price-overrides (${LLM_COST_PRICE_OVERRIDES}) when given, else the
    override file beside the store (`Store.price_book()`), else catalog + corrections. Passed as `book=`."""
    context = click.get_current_context(silent=True)
    path = ((context and context.find_root().obj) or {}).get("price_overrides")
    if path is not None:
        return prices.PriceBook.load(path)
    return store.price_book() if store is not None else prices.default_book()


# --- shared input handling ---------------------------------------------------------------------------


_PATH_LIKE = re.compile(r"(~|\.{1,2})?[/\\]\S*|\S*[/\\]\S*|[^\s/\\]+\.[A-Za-z][A-Za-z0-9]{0,4}")


def _read_text_source(source: str | None, *, literal: bool = False) -> str | None:
    """Returns the prompt: `-` reads stdin, an existing file is read, anything else is the text itself.

    A single word that looks like a path (`notes/q3.txt`, `~/prompt.md`, `prompt.txt`) but names no file is
    an error rather than seven tokens of its own name; `literal` (--text) always takes the text as given.
    """
    if source is None:
        return None
    if literal:
        return source
    if source == "-":
        return sys.stdin.read()
    path = Path(source).expanduser()
    try:
        exists, is_dir, is_file = path.exists(), path.is_dir(), path.is_file()
    except (OSError, ValueError):  # a long prompt is no file name (ENAMETOOLONG): it is the text
        return source
    if not exists and _PATH_LIKE.fullmatch(source.strip()):
        raise click.BadParameter(f"no such file: {source} (to count it as text, add --text)",
                                 param_hint="TEXT | FILE")  # fmt: skip
    if is_dir:
        raise click.BadParameter(f"{source} is a folder, expected a text file", param_hint="TEXT | FILE")
    if is_file:
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise _estimate.BadInputError(path, 1, error.start + 1, "expected UTF-8 text") from None
    return source


def _read_request_body(path_text: str) -> dict[str, Any]:
    """Returns a request body read from a JSON file (or stdin for `-`); errors name line and column."""
    name = "<stdin>" if path_text == "-" else path_text
    try:
        text = sys.stdin.read() if path_text == "-" else Path(path_text).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _estimate.BadInputError(name, 1, 1, "expected an existing JSON file") from None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        expected = f"expected JSON ({error.msg})"
        raise _estimate.BadInputError(name, error.lineno, error.colno, expected) from None
    if not isinstance(body, dict):
        raise _estimate.BadInputError(name, 1, 1, "expected a JSON object (a request body)")
    if "body" in body and isinstance(body["body"], dict):  # one Batch API line
        body = body["body"]
    try:
        request_shape.check(body)
    except request_shape.MalformedRequestError as error:
        line, column = _position_of(text, error.where)
        raise _estimate.BadInputError(name, line, column, str(error)) from None
    return body


def _position_of(text: str, where: str) -> tuple[int, int]:
    """Returns the line and column of the key a body path names (`messages[1].tool_calls`: the first
    `"tool_calls"` after `"messages"`), or 1, 1; the message gives the whole path in any case."""
    offset = 0
    for key in (part.split("[", 1)[0] for part in where.split(".")):
        found = text.find(f'"{key}"', offset)
        if found < 0:
            break
        offset = found
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _is_request_body(text: str) -> bool:
    """Whether a prompt read as text is a JSON request body (an object with messages or input)."""
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and ("messages" in value or "input" in value)


def _prompt_from(
    source: str | None, messages: str | None, *, literal: bool = False
) -> str | dict[str, Any] | None:
    if source is not None and messages is not None:
        raise click.UsageError("give either TEXT/FILE or --messages, not both")
    if messages is not None:
        return _read_request_body(messages)
    return _read_text_source(source, literal=literal)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


@contextlib.contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """Yields a (done, total) callback drawing a progress bar on a terminal, and doing nothing elsewhere."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    with click.progressbar(length=1, label=label, file=sys.stderr) as bar:

        def update(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        yield update


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


source_argument = click.argument("source", required=False, metavar="[TEXT | FILE | -]")
messages_option = click.option(
    "--messages",
    "messages",
    metavar="REQUEST.json",
    help="A Chat Completions or Responses API request body (JSON file, or - for stdin).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
text_option = click.option(
    "--text", "literal", is_flag=True, help="Take TEXT as the prompt even if it looks like a path."
)
csv_option = click.option(
    "--csv", "as_csv", is_flag=True, help="Print CSV for spreadsheets (exact amounts, text cells made safe)."
)


def _echo_csv(header: Sequence[str], rows: Iterator[Sequence[Any]] | Sequence[Sequence[Any]]) -> None:
    from analytics.csv_out import rows_to_csv  # every CSV a user gets goes through the formula guard

    click.echo(rows_to_csv(header, rows), nl=False)


def _one_output(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")


class _UsdType(click.ParamType):
    """A money option as a person types it: 1000, 1,000.50, $250 (never 1e3); a bad one: one line, exit 2."""

    name = "USD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        try:
            return parse_usd(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


USD = _UsdType()


# --- count -------------------------------------------------------------------------------------------


@main.command()
@source_argument
@messages_option
@click.option("--model", "-m", help="Model name, e.g. gpt-4o (default: the request body's model).")
@click.option("--at", "at_text", metavar="DATE", help="Count with the rules in force on this UTC date.")
@text_option
@json_option
@_bad_input_is_exit_2
def count(
    source: str | None,
    messages: str | None,
    model: str | None,
    at_text: str | None,
    literal: bool,
    as_json: bool,
) -> None:
    """Count the tokens of a prompt or a request body.

    \b
    llm-cost count "How many tokens is this?" --model gpt-4o
    llm-cost count --messages request.json
    """
    at = _day(at_text, "--at")  # checked for plain text too, which no dated rule changes
    prompt = _prompt_from(source, messages, literal=literal)
    if prompt is None:
        raise click.UsageError("give TEXT, FILE, - (stdin) or --messages REQUEST.json")
    if isinstance(prompt, str):
        if not model:
            hint = ""
            if _is_request_body(prompt):
                hint = f" ({source} holds a request body: give it as --messages {source} to count it as one)"
            raise click.UsageError(f"--model is required for plain text{hint}")
        result = tokens.count_text(prompt, model)
    else:
        result = tokens.count_request(prompt, model, at=at)
    if as_json:
        _echo_json(
            {
                "model": result.model,
                "encoding": result.encoding,
                "tokens": result.tokens,
                "low": result.low,
                "high": result.upper,
                "exact": result.exact,
                "open_ended": result.open_ended,
                "notes": list(result.notes),
            }
        )
        return
    if result.exact:
        kind = "exact"
    elif result.open_ended:  # content left uncounted: no upper bound to give
        kind = f"estimate, at least {result.low:,}"
    else:
        kind = f"estimate, {result.low:,}..{result.high:,}"
    click.echo(f"{result.tokens:,} tokens ({result.model}, {result.encoding}, {kind})")
    for note in result.notes:
        click.echo(f"  note: {note}")


# --- estimate ----------------------------------------------------------------------------------------


@main.command()
@source_argument
@messages_option
@click.option("--model", "-m", "models", multiple=True, help="Model to price; repeat to compare models.")
@click.option(
    "--input-tokens", type=click.IntRange(min=0), help="Price a known input count instead of a prompt."
)
@click.option("--output-tokens", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--cached-tokens", type=click.IntRange(min=0), default=0, help="Input tokens read from cache.")
@click.option(
    "--cache-write-tokens", type=click.IntRange(min=0), default=0, help="Input tokens written to cache."
)
@click.option("--cache-ttl", type=click.Choice(["5m", "1h"]), default="5m", show_default=True)
@click.option("--tier", type=click.Choice(prices.TIERS), default="standard", show_default=True)
@click.option(
    "--at", "at_text", metavar="DATE", help="Price, and count, as on this UTC date (default: today)."
)
@text_option
@json_option
@_bad_input_is_exit_2
def estimate(
    source: str | None,
    messages: str | None,
    models: tuple[str, ...],
    input_tokens: int | None,
    output_tokens: int,
    cached_tokens: int,
    cache_write_tokens: int,
    cache_ttl: str,
    tier: str,
    at_text: str | None,
    literal: bool,
    as_json: bool,
) -> None:
    """Estimate what a prompt or request costs on one or more models, cheapest first.

    \b
    llm-cost estimate "Summarise this..." -m gpt-4o -m gpt-4o-mini --output-tokens 500
    llm-cost estimate --messages request.json --tier batch
    llm-cost estimate --input-tokens 250000 -m claude-sonnet-4 --output-tokens 2000
    """
    prompt = _prompt_from(source, messages, literal=literal)
    if prompt is None and input_tokens is None:
        raise click.UsageError("give TEXT, FILE, - (stdin), --messages REQUEST.json or --input-tokens N")
    if prompt is not None and input_tokens is not None:
        raise click.UsageError("--input-tokens replaces the prompt: give one or the other")
    if not models:
        if isinstance(prompt, dict) and prompt.get("model"):
            models = (str(prompt["model"]),)
        else:
            raise click.UsageError("name at least one --model")
    results = _estimate.compare(
        prompt,
        models=models,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=cached_tokens,
        cache_write_tokens=cache_write_tokens,
        cache_ttl=cache_ttl,
        tier=tier,
        at=_day(at_text, "--at"),
        book=_book(),
    )
    if as_json:
        _echo_json([r.to_json() for r in results])
        return
    money = [format_usd_column(getattr(r, c) for r in results) for c in ("input_usd", "output_usd")]
    money.append(format_usd_column(r.total_usd for r in results))
    per_thousand = format_usd_column(r.total_usd * 1000 for r in results)
    rows = [
        [r.model, r.tier, f"{r.input_tokens:,}" + ("" if r.exact else "~"), f"{r.output_tokens:,}", *cells]
        for r, *cells in zip(results, *money, per_thousand, strict=True)
    ]
    headers = ["model", "tier", "input tok", "output tok", "input", "output", "per request", "per 1,000"]
    click.echo(_table(headers, rows, right=(2, 3, 4, 5, 6, 7)))
    _echo_notes({note for r in results for note in r.notes}, approximate=any(not r.exact for r in results))


def _echo_notes(notes: set[str], *, approximate: bool) -> None:
    if approximate:
        click.echo("~ token count is an estimate (see notes)")
    for note in sorted(notes):
        click.echo(f"note: {note}")


# --- estimate-file -----------------------------------------------------------------------------------


@main.command("estimate-file")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--model",
    "-m",
    "models",
    multiple=True,
    help="Price every request as this model; repeat to compare models side by side (needed for a CSV of "
    "prompts without a model column).",
)
@click.option(
    "--output-tokens", type=click.IntRange(min=0), help="Output tokens per request (default: max_tokens)."
)
@click.option("--prompt-column", default="prompt", show_default=True, help="CSV column holding the prompt.")
@click.option(
    "--tpm", type=click.IntRange(min=1), help="Tokens-per-minute limit, for the job's least duration."
)
@click.option("--rpm", type=click.IntRange(min=1), help="Requests-per-minute limit.")
@click.option(
    "--at", "at_text", metavar="DATE", help="Price, and count, as on this UTC date (default: today)."
)
@json_option
@_bad_input_is_exit_2
def estimate_file(
    file: Path,
    models: tuple[str, ...],
    output_tokens: int | None,
    prompt_column: str,
    tpm: int | None,
    rpm: int | None,
    at_text: str | None,
    as_json: bool,
) -> None:
    """Estimate a whole batch: a Batch API input file, a JSONL of request bodies or a CSV of prompts.

    \b
    llm-cost estimate-file batch_input.jsonl --tpm 2000000 --rpm 5000
    llm-cost estimate-file prompts.csv --model gpt-4o-mini --output-tokens 300
    llm-cost estimate-file batch_input.jsonl -m gpt-4o -m gpt-4.1-mini
    """
    with _progress("Counting tokens") as on_progress:
        result = _estimate.estimate_requests(
            file,
            models=models,
            output_tokens=output_tokens,
            prompt_column=prompt_column,
            tpm=tpm,
            rpm=rpm,
            at=_day(at_text, "--at"),
            on_progress=on_progress,
            book=_book(),
        )
    if as_json:
        _echo_json(result.to_json())
        return
    rows = [
        [
            m.model,
            f"{m.requests:,}",
            f"{m.input_tokens:,}" + ("" if m.exact_requests == m.requests else "~"),
            f"{m.output_tokens:,}",
            format_usd(m.standard_usd),
            format_usd(m.batch_usd),
            "" if m.minutes_at_limit is None else _estimate.format_minutes(m.minutes_at_limit),
        ]
        for m in result.models
    ]
    if len(result.models) > 1 and not result.alternatives:  # side-by-side alternatives do not add up
        rows.append(
            [
                "total",
                f"{result.requests:,}",
                f"{sum(m.input_tokens for m in result.models):,}",
                f"{sum(m.output_tokens for m in result.models):,}",
                format_usd(result.standard_usd),
                format_usd(result.batch_usd),
                "" if result.minutes_at_limit is None else _estimate.format_minutes(result.minutes_at_limit),
            ]
        )
    headers = ["model", "requests", "input tok", "output tok", "standard", "batch", "least time"]
    click.echo(_table(headers, rows, right=(1, 2, 3, 4, 5, 6)))
    if result.alternatives:
        click.echo("each model prices every request (alternatives side by side, not a sum)")
    for m in result.models:
        if not m.exact:
            tokens_range = (m.input_tokens_low, m.input_tokens_high)
            usd_ranges = (m.standard_usd_low, m.standard_usd_high), (m.batch_usd_low, m.batch_usd_high)
            open_ended = bool(m.open_ended_requests)
            click.echo(_estimate_range(m.model, tokens_range, *usd_ranges, open_ended=open_ended))
    if len(result.models) > 1 and not result.alternatives and not result.exact:
        click.echo(_estimate_range("total", result.input_tokens_range, result.standard_usd_range,
                                   result.batch_usd_range, open_ended=result.open_ended))  # fmt: skip
    notes = {note for m in result.models for note in m.notes}
    _echo_notes(notes, approximate=any(m.exact_requests < m.requests for m in result.models))


def _estimate_range(
    label: str,
    input_tokens: tuple[int, int],
    standard: tuple[Decimal, Decimal],
    batch: tuple[Any, Any],
    *,
    open_ended: bool = False,
) -> str:
    """One line with the range an estimated batch total lies in (from each request's count range); with
    requests holding uncounted content (files, built-in tools) only the lower end is known."""
    if open_ended:
        line = f"~ {label}: input at least {input_tokens[0]:,} tokens, "
        line += f"standard at least {format_usd(standard[0])}"
        if batch[0] is not None:
            line += f", batch at least {format_usd(batch[0])}"
        return line + " (some requests hold content not counted: see notes)"
    line = (
        f"~ {label}: input {input_tokens[0]:,} .. {input_tokens[1]:,} tokens, "
        f"standard {format_usd(standard[0])} .. {format_usd(standard[1])}"
    )
    if batch[0] is not None and batch[1] is not None:
        line += f", batch {format_usd(batch[0])} .. {format_usd(batch[1])}"
    return line


# --- models ------------------------------------------------------------------------------------------


@main.command()
@click.argument("search", required=False)
@click.option(
    "--provider",
    default=",".join(DEFAULT_PROVIDERS),
    show_default=True,
    help="Providers to list, comma-separated, or 'all' (the catalog also prices resellers).",
)
@click.option("--tier", type=click.Choice(prices.TIERS), default="standard", show_default=True)
@click.option("--at", "at_text", metavar="DATE", help="The table as on this UTC date (default: today).")
@json_option
@_bad_input_is_exit_2
def models(search: str | None, provider: str | None, tier: str, at_text: str | None, as_json: bool) -> None:
    """The price table as it stands today, USD per million tokens.

    \b
    llm-cost models gpt-4o
    llm-cost models --provider anthropic --tier batch
    """
    at = _day(at_text, "--at") or datetime.now(UTC).date()
    if provider.strip().lower() == "all":
        table = prices.list_prices(search=search, at=at, tier=tier, book=_book())
    else:
        book = _book()
        table = [
            price
            for name in provider.split(",")
            for price in prices.list_prices(provider=name.strip(), search=search, at=at, tier=tier, book=book)
        ]
    if as_json:
        _echo_json([_price_json(p) for p in table])
        return
    if not table:
        click.echo("No models match.")
        return
    rows = [
        [
            p.provider,
            p.model,
            _per_mtok(p.input),
            _per_mtok(p.cached_input),
            _per_mtok(p.output),
            "" if p.long_context_threshold is None else f">{p.long_context_threshold:,}",
            "*" if p.fallback else "",
        ]
        for p in table
    ]
    click.echo(f"Prices per 1M tokens, {tier} tier, as on {at.isoformat()} (UTC)")
    click.echo(
        _table(
            ["provider", "model", "input", "cached in", "output", "long ctx", ""], rows, right=(2, 3, 4, 5)
        )
    )
    if any(p.fallback for p in table):
        click.echo("* derived price: " + "; ".join(sorted({p.fallback for p in table if p.fallback})))


def _per_mtok(value: Decimal | None) -> str:
    """Shows a price per 1M tokens with at least cents: $0.075, $2.50, $10.00."""
    if value is None:
        return ""
    places = max(2, -value.normalize().as_tuple().exponent)
    return f"${value.quantize(Decimal(1).scaleb(-places)):,f}"


def _price_json(price: prices.Price) -> dict[str, Any]:
    return {
        "provider": price.provider,
        "model": price.model,
        "tier": price.tier,
        "input_per_mtok": usd_json(price.input),
        "cached_input_per_mtok": usd_json(price.cached_input),
        "cache_write_5m_per_mtok": usd_json(price.cache_write_5m),
        "cache_write_1h_per_mtok": usd_json(price.cache_write_1h),
        "output_per_mtok": usd_json(price.output),
        "long_context_threshold": price.long_context_threshold,
        "long_input_per_mtok": usd_json(price.long_input),
        "long_output_per_mtok": usd_json(price.long_output),
        "source": price.source,
        "fallback": price.fallback,
    }


# --- the store: import, imports, forget, demo --------------------------------------------------------

db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The store file (default: $LLM_COST_DB, else your user data folder).",
)


def _open_store(db: Path | None, *, create: bool = False) -> Store:
    """Returns the store; only the commands that fill one (`import`, `demo`, `sync`) create it, so a
    typo in --db names the missing file instead of creating folders and an empty store."""
    import inspect

    wait = {"on_wait": lambda message: click.echo(message, err=True)}
    if "create" in inspect.signature(_store.Store.open).parameters:
        store = _store.Store.open(db, create=create, **wait)
    else:
        from analytics.store import default_db_path

        path = Path(db) if db else default_db_path()
        if not create and not path.exists():
            raise ValueError(
                f"no store at {path}: import exports first (`llm-cost import FILE`) or try `llm-cost demo`"
            )
        store = _store.Store.open(path, **wait)
    return store


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _period(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return ""
    # period_end is exclusive (the end of the last bucket); people read the last day covered.
    return f"{start.date().isoformat()} .. {(end - timedelta(microseconds=1)).date().isoformat()}"


def _generic_mapping(pairs: tuple[str, ...], provider: str | None) -> GenericMapping | None:
    """Returns the column mapping given as FIELD=COLUMN pairs, or None when there are none."""
    if not pairs:
        return None
    fields = {f.name for f in dataclasses.fields(_generic_csv.GenericMapping)} - {"provider"}
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or field.strip() not in fields or not column:
            raise click.BadParameter(
                f"expected FIELD=COLUMN with FIELD one of {', '.join(sorted(fields))}, got {pair!r}",
                param_hint="--map",
            )
        mapping[field.strip()] = column
    if "date" not in mapping:
        raise click.BadParameter("map the date column: --map date=COLUMN", param_hint="--map")
    return _generic_csv.GenericMapping(**mapping, provider=provider or "other")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@db_option
@click.option(
    "--map",
    "mapping_pairs",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Read a CSV of another shape: which column holds date, model, input_tokens, output_tokens, "
    "cached_input_tokens, requests, cost_usd, project, api_key (repeat).",
)
@click.option("--provider", help="Provider of a --map CSV's rows (e.g. mistral).")
@json_option
@_bad_input_is_exit_2
def import_(
    paths: tuple[Path, ...],
    db: Path | None,
    mapping_pairs: tuple[str, ...],
    provider: str | None,
    as_json: bool,
) -> None:
    """Import usage and cost exports: files, folders or .zip archives, in any supported format.

    \b
    llm-cost import ~/Downloads/completions_usage_2025-06-01_2025-06-30.csv
    llm-cost import exports/ cost_report.json --db team.duckdb
    llm-cost import spend.csv --map date=Day --map model=Model --map cost_usd=Cost --provider mistral

    Each file is one transaction: a bad file changes nothing, and importing the same export again adds
    nothing.
    """
    mapping = _generic_mapping(mapping_pairs, provider)
    store = _open_store(db, create=True)
    # Every good file lands; each bad one is refused on its own (nothing of it changes the store).
    results = store.import_files(paths, mapping=mapping, errors="collect")
    refused = results.errors
    for error in refused:
        click.echo(f"Error: {error}", err=True)
        if error.cli_hint and mapping is None:
            click.echo(f"  hint: {error.cli_hint}", err=True)
    if as_json:
        _echo_json({"files": [r.as_dict() for r in results], "refused": [str(e) for e in refused]})
        if refused:
            sys.exit(BAD_INPUT)
        return
    names = [Path(r.path).name if "!" not in r.path else r.path.rsplit("/", 1)[-1] for r in results]
    rows = [
        [
            "" if r.import_id is None else str(r.import_id),
            r.format,
            f"{r.rows_read:,}",
            f"{r.rows_inserted:,}",
            f"{r.rows_replaced:,}",
            _period(r.period_start, r.period_end),
        ]
        for r in results
    ]
    headers = ["id", "format", "read", "new", "replaced", "period (UTC)"]
    if rows:  # fits 100 columns: file names shortened, skipped rows and the rest under --json
        click.echo(_table_with_files(headers, rows, names, right=(0, 2, 3, 4)))
    for name, r in zip(names, results, strict=True):
        if r.note:
            click.echo(f"note: {name}: {r.note}")
    click.echo(f"{results.summary()}; store: {store.path}")
    if refused:
        sys.exit(BAD_INPUT)


@main.command()
@db_option
@json_option
@csv_option
@_bad_input_is_exit_2
def imports(db: Path | None, as_json: bool, as_csv: bool) -> None:
    """List what has been imported, newest first."""
    _one_output(as_json, as_csv)
    store = _open_store(db)
    listed = store.list_imports()
    if as_json:
        _echo_json([{k: _jsonable(v) for k, v in r.items()} for r in listed])
        return
    if as_csv:
        header = list(listed[0]) if listed else ["import_id", "source_format", "file_name"]
        _echo_csv(header, [[_jsonable(r[k]) for k in header] for r in listed])
        return
    if not listed:
        click.echo(f"Nothing imported yet into {store.path}. Try `llm-cost import FILE` or `llm-cost demo`.")
        return
    rows = [
        [
            str(r["import_id"]),
            r["source_format"],
            f"{r['rows_inserted']:,}",
            f"{r['rows_replaced']:,}",
            _period(r["period_start"], r["period_end"]),
            r["imported_at"].strftime("%Y-%m-%d %H:%M"),
        ]
        for r in listed
    ]
    headers = ["id", "format", "new", "replaced", "period (UTC)", "imported (UTC)"]
    names = [Path(r["file_name"]).name for r in listed]
    click.echo(_table_with_files(headers, rows, names, right=(0, 2, 3)))


TABLE_WIDTH = 100


def _shorten(text: str, width: int) -> str:
    """Returns `text` cut in the middle to `width` characters (the start and the dated end stay)."""
    if len(text) <= width:
        return text
    tail = (width - 1) // 2
    return f"{text[: width - 1 - tail]}…{text[len(text) - tail :]}"


def _table_with_files(headers: Sequence[str], rows: Sequence[Sequence[str]], names: Sequence[str], *,
                      right: Sequence[int]) -> str:  # fmt: skip
    """Returns the table with a last `file` column whose names are shortened so a line fits 100 columns."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    room = max(16, TABLE_WIDTH - sum(widths) - 2 * len(widths))
    return _table([*headers, "file"], [[*r, _shorten(n, room)] for r, n in zip(rows, names, strict=True)],
                  right=right)  # fmt: skip


@main.command()
@click.argument("import_id", type=int)
@db_option
@json_option
@_bad_input_is_exit_2
def forget(import_id: int, db: Path | None, as_json: bool) -> None:
    """Remove one import's rows from the store (see `llm-cost imports` for ids)."""
    try:
        deleted = _open_store(db).forget(import_id)
    except KeyError as error:
        raise ValueError(error.args[0]) from None
    if as_json:
        _echo_json({"import_id": import_id, "rows_removed": deleted})
        return
    click.echo(f"Forgot import {import_id}: {deleted:,} rows removed; what it had replaced counts again.")


@main.command()
@db_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the demo exports (default: a demo/ folder beside the store).",
)
@click.option("--days", type=click.IntRange(min=7, max=730), default=90, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the store already holds data.")
@json_option
@_bad_input_is_exit_2
def demo(db: Path | None, out: Path | None, days: int, if_empty: bool, as_json: bool) -> None:
    """Fill the store with 90 days of a fictional organisation's exports (real OpenAI CSV formats)."""
    from analytics import demo as demo_data

    store = _open_store(db, create=True)
    if if_empty and not store.is_empty():
        if as_json:
            _echo_json({"store": str(store.path), "loaded": False, "files": []})
            return
        click.echo(f"The store already holds data: {store.path}")
        return
    results = demo_data.load(store, out or store.path.parent / "demo", days=days)
    if as_json:
        _echo_json({"store": str(store.path), "loaded": True, "files": [r.as_dict() for r in results]})
        return
    for r in results:
        click.echo(f"{Path(r.path).name}: {r.rows_inserted:,} rows inserted ({r.format})")
    click.echo(f"Demo data is in {store.path}")


# --- spend reports, budgets and alerts ---------------------------------------------------------------
# (`reports` and `budgets` are deferred modules, see the top: pandas loads only when a report runs.)

CHECK_CROSSED = 3
_CHART_SUFFIXES = (".png", ".svg", ".html", ".json")


def _day_option(name: str, help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(name, f"{name.strip('-')}_text", metavar="DATE", help=help_text)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected a date like 2026-11-30, got {value!r}", param_hint=option
        ) from None


def _default_month(store: Store, *, quiet: bool = False) -> date:
    """Returns the month a report opens on (`reports.default_month`), saying on stderr when it is not this
    month."""
    chosen = reports.default_month(store)
    if chosen.note and not quiet:
        click.echo(f"Note: {chosen.note}", err=True)
    return chosen.month


def _charts() -> Any:
    from analytics import charts

    return charts


def _save_chart(chart: Any, path: Path) -> None:
    if path.suffix.lower() not in _CHART_SUFFIXES:
        raise click.BadParameter(
            f"a chart file ends in {', '.join(_CHART_SUFFIXES)}, got {path.name!r}", param_hint="--chart"
        )
    chart.save(str(path))  # .png / .svg render offline through vl-convert


def _days_json(frame: Any) -> list[dict[str, Any]]:
    return [
        {"date": d.isoformat(), "cost_usd": str(c), "basis": b}
        for d, c, b in zip(frame["date"], frame["cost_usd"], frame["basis"], strict=True)
    ]


def _alert_label(alert: Any) -> str:
    return "hard limit" if alert.kind == "hard_limit" else f"{alert.percent}%"


def _echo_unpriced(unpriced: Sequence[str]) -> None:
    if unpriced:
        click.echo(f"Note: no price for {', '.join(unpriced)}: those tokens count as $0.", err=True)


chart_option = click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also save a chart: FILE.png, .svg, .html or .json.",
)
tz_option = click.option(
    "--tz",
    "tz",
    metavar="ZONE",
    envvar="LLM_COST_TZ",
    help="Count days and months in this time zone, e.g. Europe/Berlin (default: UTC, or $LLM_COST_TZ).",
)


project_option = click.option("--project", help="One project: its id or label name.")


def _apply(decorators: Sequence[Callable[..., Any]]) -> Callable[..., Any]:
    def wrap(command: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return wrap


engine_options = [
    click.option(
        "--engine",
        metavar="URL",
        envvar="LLM_COST_ENGINE",
        help="Run on this engine: spark://host:7077, local[2], or an Ibis URL such as bigquery://project"
        " (or $LLM_COST_ENGINE); used with --parquet or --table.",
    ),
    click.option(
        "--parquet",
        "parquet_dir",
        metavar="DIR",
        help="Report on an `llm-cost export --parquet` folder (a path or URL the engine reads).",
    ),
    click.option(
        "--table",
        metavar="TABLE",
        help="Report on a table of the engine (a request log), or a .parquet path; needs --map.",
    ),
    click.option(
        "--map",
        "mapping",
        multiple=True,
        metavar="FIELD=COLUMN",
        help="With --table: time=, model=, input_tokens=, output_tokens= (required), provider=, project=,"
        " api_key=, user=, service_tier=, batch=, requests=, cached_input_tokens=, cache_write_tokens=,"
        " billed_usd= (a constant: provider==openai).",
    ),
]


@main.command()
@click.option("--month", "month_text", metavar="YYYY-MM", help="Budget month (default: this UTC month).")
@_day_option("--from", "First UTC day of a custom range (with --to).")
@_day_option("--to", "Last UTC day of a custom range (with --from).")
@click.option(
    "--by", type=_DeferredChoice(reports, "DIMENSIONS"), help="Split the daily cost by this dimension."
)
@project_option
@chart_option
@db_option
@json_option
@csv_option
@tz_option
@_apply(engine_options)
@_bad_input_is_exit_2
def report(
    month_text: str | None,
    from_text: str | None,
    to_text: str | None,
    by: str | None,
    project: str | None,
    chart: Path | None,
    db: Path | None,
    as_json: bool,
    as_csv: bool,
    tz: str | None,
    engine: str | None = None,
    parquet_dir: str | None = None,
    table: str | None = None,
    mapping: tuple[str, ...] = (),
) -> None:
    """Spend by day against the budget, with the month-end forecast and alerts.

    \b
    llm-cost report --month 2026-11
    llm-cost report --from 2026-11-01 --to 2026-11-15 --by project --json
    llm-cost report --chart november.png
    llm-cost report --engine spark://host:7077 --parquet s3://bucket/export --month 2026-11
    llm-cost report --engine local[2] --table requests.parquet \\
        --map time=ts,model=model,input_tokens=prompt,output_tokens=completion
    """
    _one_output(as_json, as_csv)
    if parquet_dir or table:  # another engine, over an export or a foreign table (analytics.portable)
        start, end = _day(from_text, "--from"), _day(to_text, "--to")
        _report_on_engine(engine, parquet_dir, table, mapping, month_text=month_text, start=start, end=end,
                          by=by, project=project, as_json=as_json)  # fmt: skip
        return
    store = _open_zoned(db, tz, quiet=as_json or as_csv)
    start, end = _day(from_text, "--from"), _day(to_text, "--to")
    if (start is not None or end is not None) and month_text:
        raise click.UsageError("give --month or --from/--to, not both")
    if not as_json:
        _warn_unknown_project(store, project)
    status = None
    if start is not None or end is not None:
        # One end given: the other is the first / last day with data.
        start, end = reports.default_range(store, start, end)
    if start is None:
        month = reports.parse_month(month_text) if month_text else _default_month(store, quiet=as_json)
        status = reports.month_status(store, month, project=project, by=by, book=_book(store))
        days, unpriced = status.days, list(status.unpriced)
        start, end = status.month, status.as_of
    else:
        days = reports.daily_spend(store, start, end, project=project, book=_book(store))
        unpriced = days.attrs["unpriced"]
    if status is not None:
        breakdown = status.breakdown
    else:
        breakdown = (
            reports.daily_spend(store, start, end, by=by, project=project, book=_book(store)) if by else None
        )
    spent = sum(days["cost_usd"], Decimal(0))
    basis = status.basis if status else (reports.combine_bases(days["basis"]) if len(days) else "estimated")
    caching = reports.cache_savings(
        store, start, end, where={"project": [project]} if project else None, book=_book(store)
    )
    saved, without_cache = (sum(caching[c], Decimal(0)) for c in ("saved_usd", "without_cache_usd"))
    if chart is not None:
        if breakdown is not None:
            figure = _charts().spend_breakdown(breakdown, by)
        else:
            shown = days if status else days.assign(cumulative_usd=reports.running_total(days["cost_usd"]))
            figure = _charts().month_spend(
                shown,
                budget_usd=status.budget_usd if status else None,
                alert_thresholds=[(_alert_label(a), a.threshold_usd) for a in status.alerts]
                if status
                else (),
                forecast=status.forecast.days if status else None,
            )
        _save_chart(figure, chart)
    if as_csv:
        if breakdown is not None:
            _echo_csv(["date", by, "cost_usd", "basis"],
                      [[r["date"].isoformat(), r[by], r["cost_usd"], r["basis"]]
                       for r in breakdown.to_dict("records")])  # fmt: skip
        else:
            running = reports.running_total(days["cost_usd"])
            _echo_csv(["date", "cost_usd", "basis", "cumulative_usd"],
                      [[d.isoformat(), c, b, t] for d, c, b, t in
                       zip(days["date"], days["cost_usd"], days["basis"], running, strict=True)])  # fmt: skip
        return
    if as_json:
        out: dict[str, Any] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "project": reports.resolve_project(store, project),
            "spent_usd": str(spent),
            "basis": basis,
            "budget_usd": usd_json(status.budget_usd) if status else None,
            "percent_used": usd_json(status.percent_used) if status else None,
            "forecast_usd": usd_json(status.forecast.expected_usd) if status else None,
            "forecast_low_usd": usd_json(status.forecast.low_usd) if status else None,
            "forecast_high_usd": usd_json(status.forecast.high_usd) if status else None,
            "runs_out_on": _jsonable(status.runs_out_on) if status else None,
            "alerts": [
                {
                    "kind": a.kind,
                    "percent": str(a.percent),
                    "threshold_usd": usd_json(a.threshold_usd),
                    "crossed_on": _jsonable(a.crossed_on),
                }
                for a in (status.alerts if status else ())
            ],
            "days": _days_json(days),
            "unpriced": unpriced,
            # What the same tokens would cost without cached input (token estimate, like gateways show).
            "caching_saved_usd": str(saved),
            "without_cache_usd": str(without_cache),
        }
        if status:
            out["month"] = status.month.strftime("%Y-%m")
        provisional = _provisional(store, start, end)
        out["provisional"] = {v: [d.isoformat() for d in ds] for v, ds in provisional.items()}
        if breakdown is not None:
            out["breakdown"] = [
                {
                    "date": r["date"].isoformat(),
                    by: r[by],
                    "cost_usd": usd_json(r["cost_usd"]),
                    "basis": r["basis"],
                }
                for r in breakdown.to_dict("records")
            ]
        _echo_json(out)
        return
    _echo_unpriced(unpriced)
    for note in [] if breakdown is None else breakdown.attrs.get("notes", []):
        click.echo(f"Note: {note}.", err=True)
    scope = _scope_name(store, reports.resolve_project(store, project) or budgets.ORG)
    if status:
        as_of = status.as_of.isoformat() if status.as_of >= status.month else "no data this month yet"
        click.echo(f"{status.month:%B %Y}, {scope}, as of {as_of} ({_zone_label(tz)})")
    else:
        click.echo(f"{start.isoformat()} .. {end.isoformat()}, {scope} ({_zone_label(tz)})")
    click.echo(f"Spent     {format_usd(spent)}  ({basis})")
    if saved:
        click.echo(
            f"Caching   saved {format_usd(saved)}: the same tokens without cached input would cost "
            f"{format_usd(without_cache)} (token estimate)"
        )
    for vendor_name, days_left in _provisional(store, start, end).items():
        click.echo(
            f"Provisional {vendor_name} {days_left[0]} .. {days_left[-1]} (synced; may still be revised)"
        )
    if status:
        if status.budget is not None:
            click.echo(f"Budget    {format_usd(status.budget_usd)}  {status.percent_used}% used")
        f = status.forecast
        click.echo(
            f"Forecast  {format_usd(f.expected_usd)} by month end "
            + ("(the month is over: its total)" if status.over
               else f"(range {format_usd(f.low_usd)} .. {format_usd(f.high_usd)})")
        )  # fmt: skip
        if status.budget is not None:
            runs_out = status.runs_out_on.isoformat() if status.runs_out_on else "not this month"
            click.echo(f"Runs out  {runs_out} at this pace")
            for a in status.alerts:
                when = f"crossed {a.crossed_on.isoformat()}" if a.crossed_on else "not reached"
                click.echo(f"Alert     {_alert_label(a):>10} ({format_usd(a.threshold_usd)}): {when}")
        else:
            click.echo("Budget    none set (llm-cost budget set AMOUNT)")
    click.echo("")
    if breakdown is not None:
        _echo_breakdown(breakdown, by)
        return
    running = reports.running_total(days["cost_usd"])
    costs, totals = format_usd_column(days["cost_usd"]), format_usd_column(running)
    rows = [
        [d.isoformat(), c, b, t]
        for d, c, b, t in zip(days["date"], costs, days["basis"], totals, strict=True)
    ]
    click.echo(_table(["date", "cost", "basis", "to date"], rows, right=(1, 3)))


def _provisional(store: Store, start: date, end: date) -> dict[str, list[date]]:
    """Synced days in start..end the vendor may still revise (analytics.sync.provisional_days)."""
    from analytics.sync import provisional_days

    try:
        found = provisional_days(store)
    except _store.duckdb.Error:  # a store from before sync_runs (read-only commands do not migrate)
        return {}
    return {v: kept for v, ds in found.items() if (kept := [d for d in ds if start <= d <= end])}


def _echo_breakdown(breakdown: Any, by: str) -> None:
    """Prints the daily split by `by` (one row per day and key), then each key's total."""
    title = by.replace("_", " ")
    records = breakdown.to_dict("records")
    costs = format_usd_column(r["cost_usd"] for r in records)
    rows = [[r["date"].isoformat(), str(r[by]), c, r["basis"]] for r, c in zip(records, costs, strict=True)]
    click.echo(_table(["date", title, "cost", "basis"], rows, right=(2,)))
    totals: dict[str, Decimal] = {}
    for r in records:
        totals[str(r[by])] = totals.get(str(r[by]), Decimal(0)) + r["cost_usd"]
    ordered = sorted(totals.items(), key=lambda kv: -kv[1])
    click.echo("")
    shown = format_usd_column(v for _, v in ordered)
    rows = [[k, v] for (k, _), v in zip(ordered, shown, strict=True)]
    click.echo(_table([title, "total"], rows, right=(1,)))


@main.command()
@_day_option("--from", "First UTC day (default: this month's first day, or the newest month with data).")
@_day_option("--to", "Last UTC day (default: the last day with data).")
@click.option("--model-map", "model_map", multiple=True, metavar="FROM=TO",
              help="Price FROM's usage as TO, e.g. gpt-4o=gpt-4o-mini (repeatable).")  # fmt: skip
@click.option("--tier", type=click.Choice(prices.TIERS), help="Price every request in this tier.")
@click.option("--cached-share", type=click.FloatRange(0, 1), metavar="0..1",
              help="Share of input tokens read from cache (at least; never less than actual).")  # fmt: skip
@project_option
@db_option
@json_option
@csv_option
@tz_option
@_bad_input_is_exit_2
def whatif(
    from_text: str | None,
    to_text: str | None,
    model_map: tuple[str, ...],
    tier: str | None,
    cached_share: float | None,
    project: str | None,
    db: Path | None,
    as_json: bool,
    as_csv: bool,
    tz: str | None,
) -> None:
    """Re-price a period's real usage under other choices and show the saving per project.

    \b
    llm-cost whatif --from 2026-11-01 --to 2026-11-20 --model-map gpt-4o=gpt-4o-mini --tier batch
    """
    _one_output(as_json, as_csv)
    store = _open_zoned(db, tz, quiet=as_json or as_csv)
    start, end = _day(from_text, "--from"), _day(to_text, "--to")
    if start is None and end is None:
        start = _default_month(store, quiet=as_json or as_csv)
        end = min(reports.month_end(start), reports.default_range(store, start, None)[1])
    else:
        start, end = reports.default_range(store, start, end)
    share = None if cached_share is None else Decimal(str(cached_share))
    result = reports.what_if(
        store, start, end, model_map=reports.parse_model_map(model_map), tier=tier,
        cached_share=share, project=project, book=_book(store),
    )  # fmt: skip
    if as_csv:
        _echo_csv(["project", "actual_usd", "scenario_usd", "saving_usd"],
                  [[r.project, r.actual_usd, r.scenario_usd, r.saving_usd]
                   for r in result.projects.itertuples()]
                  + [["total", result.actual_usd, result.scenario_usd, result.saving_usd]])  # fmt: skip
        return
    if as_json:
        _echo_json(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "model_map": result.model_map,
                "tier": tier,
                "cached_share": usd_json(share),
                "basis": "estimated",
                "projects": [
                    {
                        "project": r.project,
                        "actual_usd": usd_json(r.actual_usd),
                        "scenario_usd": usd_json(r.scenario_usd),
                        "saving_usd": usd_json(r.saving_usd),
                    }
                    for r in result.projects.itertuples()
                ],
                "actual_usd": usd_json(result.actual_usd),
                "scenario_usd": usd_json(result.scenario_usd),
                "saving_usd": usd_json(result.saving_usd),
                "unpriced": list(result.unpriced),
            }
        )
        return
    _echo_unpriced(result.unpriced)
    columns = [
        format_usd_column([*result.projects[c], getattr(result, c)])
        for c in ("actual_usd", "scenario_usd", "saving_usd")
    ]
    names = [*result.projects["project"], "total"]
    rows = [[name, *cells] for name, *cells in zip(names, *columns, strict=True)]
    zone = _zone_label(tz)
    click.echo(f"{start.isoformat()} .. {end.isoformat()} ({zone}), token estimates at the dated prices")
    click.echo(_table(["project", "as run", "what if", "saving"], rows, right=(1, 2, 3)))


@main.command()
@_day_option("--from", "First UTC day (default: the first billed day).")
@_day_option("--to", "Last UTC day (default: the last billed day).")
@click.option("--tolerance", type=click.FloatRange(min=0), default=5.0, show_default=True, metavar="PCT",
              help="Flag differences beyond this percent of the bill.")  # fmt: skip
@click.option("--all", "show_all", is_flag=True, help="List every row, not only the flagged ones.")
@project_option
@chart_option
@db_option
@json_option
@csv_option
@tz_option
@_bad_input_is_exit_2
def reconcile(
    from_text: str | None,
    to_text: str | None,
    tolerance: float,
    show_all: bool,
    project: str | None,
    chart: Path | None,
    db: Path | None,
    as_json: bool,
    as_csv: bool,
    tz: str | None,
) -> None:
    """Compare the bill with the token-estimated cost per day and model.

    \b
    llm-cost reconcile --from 2026-11-01 --to 2026-11-18 --tolerance 2 --json
    """
    store = _open_zoned(db, tz, quiet=as_json or as_csv)
    frame = reports.reconcile(
        store, _day(from_text, "--from"), _day(to_text, "--to"),
        tolerance_pct=Decimal(str(tolerance)), project=project, book=_book(store),
    )  # fmt: skip
    if chart is not None:
        _save_chart(_charts().reconciliation(frame), chart)
    columns = ["date", "provider", "project", "workspace", "model", "line_item", "lines", "billed_usd",
               "estimated_usd", "diff_usd", "diff_pct", "rounding_usd", "status", "flagged",
               "cause"]  # fmt: skip
    if as_csv:
        _echo_csv(columns,
                  [[r.date.isoformat(), r.provider, r.project, r.workspace, r.model, r.line_item, r.lines,
                    r.billed_usd,
                    r.estimated_usd, r.diff_usd, "" if r.diff_pct is None else r.diff_pct, r.rounding_usd,
                    r.status, bool(r.flagged), r.cause]
                   for r in frame.itertuples()])  # fmt: skip
        return
    if as_json:
        _echo_json(
            [
                {
                    **{c: getattr(r, c) for c in ("provider", "project", "workspace", "model", "line_item")},
                    "date": r.date.isoformat(),
                    "lines": int(r.lines),
                    **{c: usd_json(getattr(r, c)) for c in ("billed_usd", "estimated_usd", "diff_usd")},
                    "rounding_usd": usd_json(r.rounding_usd),
                    "status": r.status,
                    "cause": r.cause,
                    "diff_pct": usd_json(r.diff_pct),
                    "flagged": bool(r.flagged),
                }
                for r in frame.itertuples()
            ]
        )
        return
    if frame.empty:
        click.echo("No billed days to reconcile: import a cost export first.")
        return
    summary = reports.reconcile_summary(frame)
    days = summary.days
    click.echo(
        f"{summary.first.isoformat()} .. {summary.last.isoformat()} (UTC): "
        f"billed {format_usd(summary.billed_usd)}, estimated {format_usd(summary.estimated_usd)} "
        f"from tokens, difference {format_usd(summary.diff_usd)}"
    )
    click.echo(
        f"{len(days['to the cent'])} days matched to the cent, {len(days['within rounding'])} within the "
        f"bill's rounding (a cent a line), {len(days['within tolerance'])} within {tolerance:g}%, "
        f"{len(days['flagged'])} flagged"
    )
    shown = frame if show_all else frame[frame["flagged"]]
    if len(shown):
        money = [format_usd_column(shown[c]) for c in ("billed_usd", "estimated_usd", "diff_usd")]
        rows = [
            [r.date.isoformat(), r.provider, r.project or r.workspace or "",
             r.model or r.line_item or "(all)", b, e, d,
             "" if r.diff_pct is None else f"{r.diff_pct}%", r.status, r.cause]
            for r, b, e, d in zip(shown.itertuples(), *money, strict=True)
        ]  # fmt: skip
        click.echo("")
        headers = ["date", "provider", "project/workspace", "model", "billed", "estimated", "diff", "diff %",
                   "status", "likely cause"]  # fmt: skip
        click.echo(_table(headers, rows, right=(4, 5, 6, 7)))
    for note in frame.attrs.get("notes", []):
        click.echo(f"note: {note}")


@main.command()
@_day_option("--from", "First UTC day to check (default: 60 days before --to).")
@_day_option("--to", "Last UTC day to check (default: the last day with data).")
@click.option("--threshold", type=click.FloatRange(min=0), default=3.5, show_default=True,
              help="Robust z-score at or above which a day is flagged.")  # fmt: skip
@project_option
@db_option
@json_option
@csv_option
@tz_option
@_bad_input_is_exit_2
def anomalies(
    from_text: str | None, to_text: str | None, threshold: float, project: str | None, db: Path | None,
    as_json: bool, as_csv: bool, tz: str | None,
) -> None:  # fmt: skip
    """List days far above their trailing 28-day norm, with the model, project and key that drove them."""
    store = _open_zoned(db, tz, quiet=as_json or as_csv)
    span = reports.data_range(store)
    end = _day(to_text, "--to") or (span[1] if span else datetime.now(UTC).date())
    start = _day(from_text, "--from") or end - timedelta(days=60)
    _one_output(as_json, as_csv)
    if not (as_json or as_csv):
        _warn_unknown_project(store, project)
    found = reports.anomalies(store, start, end, threshold=threshold, project=project, book=_book(store))
    if as_csv:
        _echo_csv(["date", "cost_usd", "expected_usd", "score", "basis", "drivers"],
                  [[a.date.isoformat(), a.cost_usd, a.expected_usd, f"{a.score:.1f}", a.basis,
                    "; ".join(f"{k} {n} (+{x})" for k, (n, x) in a.drivers.items())]
                   for a in found])  # fmt: skip
        return
    if as_json:
        _echo_json(
            [
                {
                    "date": a.date.isoformat(),
                    "cost_usd": usd_json(a.cost_usd),
                    "expected_usd": usd_json(a.expected_usd),
                    "score": round(a.score, 1),
                    "basis": a.basis,
                    "drivers": {k: {"name": n, "excess_usd": str(x)} for k, (n, x) in a.drivers.items()},
                }
                for a in found
            ]
        )
        return
    if not found:
        click.echo(f"No anomalies {start.isoformat()} .. {end.isoformat()}.")
        return
    costs = format_usd_column(a.cost_usd for a in found)
    usual = format_usd_column(a.expected_usd for a in found)
    rows = [
        [a.date.isoformat(), c, u, f"{a.score:.1f}",
         "; ".join(f"{k.replace('_', ' ')} {n} (+{format_usd(x)})" for k, (n, x) in a.drivers.items())]
        for a, c, u in zip(found, costs, usual, strict=True)
    ]  # fmt: skip
    click.echo(_table(["date", "cost", "usual", "score", "drivers"], rows, right=(1, 2, 3)))


@main.group("budget")
def budget_group() -> None:
    """Monthly budgets with alert thresholds, and prepaid credit."""


@budget_group.command("set")
@click.argument("amount", type=USD, metavar="USD")
@project_option
@click.option("--alert-at", default="50,80,100", show_default=True, metavar="PCTS",
              help="Comma-separated percents of the budget to alert at.")  # fmt: skip
@click.option("--hard-limit", type=USD, metavar="USD", help="A second, hard line (e.g. 600 for 500).")
@db_option
@json_option
@_bad_input_is_exit_2
def budget_set(amount: Decimal, project: str | None, alert_at: str, hard_limit: Decimal | None,
               db: Path | None, as_json: bool) -> None:  # fmt: skip
    """Set the monthly budget of the organisation or of one project.

    \b
    llm-cost budget set 500 --alert-at 50,80,100 --hard-limit 600
    llm-cost budget set '$1,000' --hard-limit 1,200
    llm-cost budget set 120 --project "Research agents"
    """
    try:
        percents = [int(p) for p in alert_at.split(",") if p.strip()]
    except ValueError:
        raise click.BadParameter(f"expected percents like 50,80,100, got {alert_at!r}",
                                 param_hint="--alert-at") from None  # fmt: skip
    store = _open_store(db)
    _warn_unknown_project(store, project)
    scope = reports.resolve_project(store, project) or budgets.ORG
    saved = budgets.set_budget(store, amount, scope=scope, alert_percents=percents, hard_limit_usd=hard_limit)
    if as_json:
        _echo_json({"scope": saved.scope, "monthly_usd": usd_json(saved.monthly_usd),
                    "alert_percents": list(saved.alert_percents),
                    "hard_limit_usd": usd_json(saved.hard_limit_usd)})  # fmt: skip
        return
    limit = f", hard limit {format_usd(saved.hard_limit_usd)}" if saved.hard_limit_usd is not None else ""
    click.echo(
        f"Budget for {_scope_name(store, scope)}: {format_usd(saved.monthly_usd)} a month, alerts at "
        f"{', '.join(f'{p}%' for p in saved.alert_percents)}{limit}."
    )


def _scope_name(store: Store, scope: str) -> str:
    """Returns "the organisation" or "project NAME (id)" for a budget scope."""
    if scope == budgets.ORG:
        return "the organisation"
    name = store.labels().get(("project", scope))
    return f"project {name} ({scope})" if name else f"project {scope}"


def _open_zoned(db: Path | None, tz: str | None, *, quiet: bool = False) -> Any:
    """Returns the store read on `tz`'s calendar (analytics.report_zone), saying how exactly it applies."""
    from analytics import report_zone

    store = _open_store(db)
    zone = report_zone.parse_zone(tz)
    if zone is None:
        return store
    span = reports.data_range(store)
    note = report_zone.zone_note(store, zone, *span) if span else None
    if note and not quiet:
        click.echo(f"Note: {note}", err=True)
    return report_zone.zoned(store, zone)


def _zone_label(tz: str | None) -> str:
    from analytics import report_zone

    zone = report_zone.parse_zone(tz)
    return "UTC" if zone is None else zone.key


def _warn_unknown_project(store: Store, project: str | None) -> None:
    warning = reports.unknown_project(store, project)
    if warning:
        click.echo(f"Warning: {warning}.", err=True)


@budget_group.command("show")
@db_option
@json_option
@_bad_input_is_exit_2
def budget_show(db: Path | None, as_json: bool) -> None:
    """Show budgets with this month's use (or the newest month with data), and prepaid credit balances."""
    store = _open_store(db)
    month = _default_month(store, quiet=as_json)
    statuses = [
        reports.month_status(
            store, month, project=None if b.scope == budgets.ORG else b.scope, budget=b, book=_book(store)
        )
        for b in budgets.list_budgets(store)
    ]
    credits = reports.credit_status(store, book=_book(store))
    vendor_limits = _vendor_limits(store)  # only vendors with an admin key set; [] otherwise
    if as_json:
        _echo_json(
            {
                "budgets": [
                    {
                        "scope": s.scope,
                        "monthly_usd": usd_json(s.budget_usd),
                        "alert_percents": list(s.budget.alert_percents),
                        "hard_limit_usd": usd_json(s.budget.hard_limit_usd),
                        "month": s.month.strftime("%Y-%m"),
                        "spent_usd": usd_json(s.spent_usd),
                        "percent_used": usd_json(s.percent_used),
                        "forecast_usd": usd_json(s.forecast.expected_usd),
                    }
                    for s in statuses
                ],
                "credits": [_credit_json(c) for c in credits],
                "vendor_limits": vendor_limits,
            }
        )
        return
    if not statuses and not credits:
        click.echo("No budget or credit set. Try `llm-cost budget set 500`.")
        _echo_vendor_limits(store, vendor_limits)
        return
    if statuses:
        rows = [
            [_scope_name(store, s.scope), format_usd(s.budget_usd),
             ",".join(map(str, s.budget.alert_percents)),
             format_usd(s.budget.hard_limit_usd) if s.budget.hard_limit_usd is not None else "",
             format_usd(s.spent_usd), f"{s.percent_used}%", format_usd(s.forecast.expected_usd)]
            for s in statuses
        ]  # fmt: skip
        click.echo(f"Budgets, {month:%B %Y}:")
        click.echo(_table(["scope", "monthly", "alerts %", "hard limit", "spent", "used", "forecast"], rows,
                          right=(1, 3, 4, 5, 6)))  # fmt: skip
    for c in credits:
        click.echo(_credit_line(c))
    _echo_vendor_limits(store, vendor_limits)


def _credit_json(c: Any) -> dict[str, Any]:
    return {
        "credit_id": c.credit.credit_id,
        "amount_usd": usd_json(c.credit.amount_usd),
        "starts_on": c.credit.starts_on.isoformat(),
        "expires_on": _jsonable(c.credit.expires_on),
        "as_of": c.as_of.isoformat(),
        "used_usd": usd_json(c.used_usd),
        "balance_usd": usd_json(c.balance_usd),
        "runs_out_on": _jsonable(c.runs_out_on),
        "left_at_expiry_usd": usd_json(c.left_at_expiry_usd),
    }


def _credit_line(c: Any) -> str:
    expiry = c.credit.expires_on.isoformat() if c.credit.expires_on else "never"
    line = (
        f"Credit #{c.credit.credit_id}: {format_usd(c.credit.amount_usd)}, expires {expiry}; "
        f"{format_usd(c.balance_usd)} left on {c.as_of.isoformat()}"
    )
    if c.runs_out_on is not None:
        return f"{line}; runs out {c.runs_out_on.isoformat()} at this pace (before it expires)"
    if c.left_at_expiry_usd is not None:
        return f"{line}; expires first, with {format_usd(c.left_at_expiry_usd)} unused at this pace"
    return f"{line}; nothing is drawing on it"


@budget_group.command("credit")
@click.argument("amount", type=USD, metavar="USD")
@_day_option("--expires", "UTC day the credit expires (exclusive).")
@_day_option("--starts", "UTC day the credit starts (default: today).")
@click.option("--note", help="A note, e.g. the invoice number.")
@db_option
@json_option
@_bad_input_is_exit_2
def budget_credit(amount: Decimal, expires_text: str | None, starts_text: str | None, note: str | None,
                  db: Path | None, as_json: bool) -> None:  # fmt: skip
    """Record prepaid credit; show the balance left and when it runs out at the current pace.

    \b
    llm-cost budget credit 250 --expires 2027-02-01
    """
    store = _open_store(db)
    added = budgets.add_credit(store, amount, starts_on=_day(starts_text, "--starts"),
                               expires_on=_day(expires_text, "--expires"), note=note)  # fmt: skip
    status = next(
        c for c in reports.credit_status(store, book=_book(store)) if c.credit.credit_id == added.credit_id
    )
    if as_json:
        _echo_json(_credit_json(status))
        return
    click.echo(_credit_line(status))


# --- sync from the vendors' Admin APIs (network code lives in analytics/sync, imported only here) ------

_VENDOR_NAMES = ("openai", "anthropic")


def _sync_progress(as_json: bool) -> Callable[[str], None]:
    """Progress lines (pages fetched, days covered) on a terminal's stderr; nothing when piped or --json."""
    if as_json or not sys.stderr.isatty():
        return lambda _message: None
    return lambda message: click.echo(message, err=True)


@main.command("sync")
@click.argument("vendor_name", required=False, metavar="[openai|anthropic]", type=click.Choice(_VENDOR_NAMES))
@_day_option("--from", "First UTC day (default: the last synced day minus 3 days; first sync: 90 days).")
@_day_option("--to", "Last UTC day, included (default: today).")
@db_option
@json_option
@_bad_input_is_exit_2
def sync_command(
    vendor_name: str | None, from_text: str | None, to_text: str | None, db: Path | None, as_json: bool
) -> None:
    """Fetch usage and billed cost from the vendors' Admin APIs into the store (no export, no proxy).

    \b
    llm-cost sync                 # every vendor with a key: $OPENAI_ADMIN_KEY, $ANTHROPIC_ADMIN_KEY
    llm-cost sync openai --from 2026-11-01 --to 2026-11-30 --json

    One transaction per vendor: a failed or interrupted sync leaves the store as it was; syncing again
    adds nothing, and days the vendor revised replace the stored ones.
    """
    from analytics import sync as vendor_sync
    from analytics.formats import BadExportError

    names = [vendor_name] if vendor_name else [v.name for v in vendor_sync.configured()]
    if not names:
        raise ValueError(
            "no vendor key set: set OPENAI_ADMIN_KEY and/or ANTHROPIC_ADMIN_KEY to an admin key "
            "(see `llm-cost sync --help`)"
        )
    first, last = _day(from_text, "--from"), _day(to_text, "--to")
    store = _open_store(db, create=True)
    progress = _sync_progress(as_json)
    landed: list[dict[str, Any]] = []
    failed = False
    for name in names:
        try:
            result = vendor_sync.sync(store, name, first_day=first, last_day=last, on_progress=progress)
        except (vendor_sync.SyncError, BadExportError) as error:
            # One line, no traceback; the message never holds the key (see analytics/sync/http.py).
            failed = True
            landed.append({"vendor": name, "error": str(error)})
            click.echo(f"Error: {error}", err=True)
            continue
        landed.append(result.as_dict())
    provisional = vendor_sync.provisional_days(store)
    if as_json:
        for entry in landed:
            days = provisional.get(entry["vendor"], [])
            entry["provisional_days"] = [d.isoformat() for d in days]
        _echo_json({"vendors": landed, "store": str(store.path)})
    else:
        rows = [
            [e["vendor"], f"{e['first_day']} .. {e['last_day']}", f"{e['pages']:,}",
             f"{e['rows_inserted']:,}", f"{e['rows_replaced']:,}", f"{e['rows_unchanged']:,}",
             format_usd(Decimal(e["cost_usd"]))]
            for e in landed if "error" not in e
        ]  # fmt: skip
        if rows:
            headers = ["vendor", "days (UTC)", "pages", "inserted", "replaced", "unchanged", "billed"]
            click.echo(_table(headers, rows, right=(2, 3, 4, 5, 6)))
            for e in landed:
                days = provisional.get(e["vendor"]) if "error" not in e else None
                if days:
                    click.echo(f"{e['vendor']}: {days[0]} .. {days[-1]} provisional (may still be revised)")
            click.echo(f"store: {store.path}")
    if failed:
        sys.exit(1)


def _vendor_limits(store: Store) -> list[dict[str, Any]]:
    """Spend alerts/limits of every vendor with a key, beside our budget for the same scope."""
    from analytics import sync as vendor_sync
    from analytics.sync import limits

    out: list[dict[str, Any]] = []
    for spec in vendor_sync.configured():
        try:
            settings = limits.fetch(spec.name)
        except vendor_sync.SyncError as error:
            out.append({"vendor": spec.name, "error": str(error)})
            continue
        for theirs in settings:
            ours = budgets.get_budget(store, theirs.scope)
            out.append({
                "vendor": spec.name, "scope": theirs.scope,
                "alerts_usd": [usd_json(a) for a in theirs.alerts_usd],
                "hard_limit_usd": usd_json(theirs.hard_limit_usd), "enforcing": theirs.enforcing,
                "differences": limits.differences(ours, theirs),
            })  # fmt: skip
    return out


def _echo_vendor_limits(store: Store, found: list[dict[str, Any]]) -> None:
    if not found:
        return
    click.echo("Vendor spend alerts and limits:")
    for entry in found:
        if "error" in entry:
            click.echo(f"  {entry['vendor']}: not available ({entry['error']})")
            continue
        alerts = ", ".join(format_usd(Decimal(a)) for a in entry["alerts_usd"]) or "none"
        limit = format_usd(Decimal(entry["hard_limit_usd"])) if entry["hard_limit_usd"] else "none"
        verdict = "; ".join(entry["differences"]) or "same as ours"
        click.echo(f"  {entry['vendor']} {_scope_name(store, entry['scope'])}: alerts {alerts}, "
                   f"hard limit {limit} — {verdict}")  # fmt: skip


@budget_group.command("pull")
@click.argument("vendor_name", metavar="openai|anthropic", type=click.Choice(_VENDOR_NAMES))
@db_option
@json_option
@_bad_input_is_exit_2
def budget_pull(vendor_name: str, db: Path | None, as_json: bool) -> None:
    """Import the vendor's spend alerts and hard limits into our budgets (org and per project).

    \b
    llm-cost budget pull openai

    The vendor's hard limit becomes ours; our monthly amount stays (else it is the vendor's hard limit);
    each vendor alert becomes the percent of the monthly amount it stands for.
    """
    from analytics import sync as vendor_sync
    from analytics.sync import limits

    store = _open_store(db, create=True)
    try:
        settings = limits.fetch(vendor_name)
    except vendor_sync.SyncError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    usable = [s for s in settings if vendor_name == "openai" or s.scope == budgets.ORG]
    saved = limits.pull(store, vendor_name, usable)
    if as_json:
        _echo_json([{"scope": b.scope, "monthly_usd": usd_json(b.monthly_usd),
                     "alert_percents": list(b.alert_percents), "hard_limit_usd": usd_json(b.hard_limit_usd)}
                    for b in saved])  # fmt: skip
        return
    if not saved:
        click.echo(f"{vendor_name} holds no spend alerts or limits to import.")
    for b in saved:
        limit = f", hard limit {format_usd(b.hard_limit_usd)}" if b.hard_limit_usd is not None else ""
        alerts = ", ".join(f"{p}%" for p in b.alert_percents)
        click.echo(f"Budget for {_scope_name(store, b.scope)}: {format_usd(b.monthly_usd)} a month, "
                   f"alerts at {alerts}{limit} (from {vendor_name}).")  # fmt: skip
    skipped = len(settings) - len(usable)
    if skipped:
        click.echo(f"Skipped {skipped} workspace limit(s): budgets are per organisation or OpenAI project.")


@main.command()
@click.option("--month", "month_text", metavar="YYYY-MM", help="Budget month (default: this UTC month).")
@project_option
@click.option(
    "--notify",
    "targets",
    multiple=True,
    metavar="URL",
    help="On a crossed threshold: POST to a webhook URL, or e-mail via smtp://host:port.",
)
@click.option("--to", "recipients", multiple=True, metavar="ADDR", help="E-mail recipient (for smtp://).")
@click.option(
    "--from-address", default=None, metavar="ADDR", help="E-mail sender (default: llm-cost@localhost)."
)
@click.option(
    "--force", is_flag=True, help="Notify even when a target was already told about every crossed threshold."
)
@db_option
@json_option
@_bad_input_is_exit_2
def check(
    month_text: str | None,
    project: str | None,
    targets: tuple[str, ...],
    recipients: tuple[str, ...],
    from_address: str | None,
    force: bool,
    db: Path | None,
    as_json: bool,
) -> None:
    """Exit 3 when a budget threshold is crossed this month (0 otherwise); for cron and CI.

    \b
    llm-cost check --notify https://hooks.slack.com/services/...
    llm-cost check --notify smtp://localhost:25 --to finance@example.com
    llm-cost check --notify 'smtps://alerts%40example.com:PASSWORD@mail.example.com' --to finance@example.com

    A target is told once about each threshold of a month (and the hard limit), so a daily cron does not
    repeat itself; --force sends again.
    """
    from analytics import notified, notify

    for target in targets:
        if target.lower().startswith(("smtp://", "smtps://")) and not recipients:
            raise click.BadParameter("an smtp:// target needs --to ADDR", param_hint="--notify")
    store = _open_store(db)
    month = reports.parse_month(month_text) if month_text else _default_month(store, quiet=as_json)
    chosen = budgets.list_budgets(store)
    if project:
        scope = reports.resolve_project(store, project)
        chosen = [b for b in chosen if b.scope == scope]
    if not chosen:
        raise ValueError("no budget set" + (f" for project {project}" if project else "")
                         + "; set one with `llm-cost budget set AMOUNT`")  # fmt: skip
    statuses = [
        reports.month_status(
            store, month, project=None if b.scope == budgets.ORG else b.scope, budget=b, book=_book(store)
        )
        for b in chosen
    ]
    crossed = [s for s in statuses if s.crossed]
    if as_json:
        _echo_json(
            [
                {
                    "scope": s.scope,
                    "month": s.month.strftime("%Y-%m"),
                    "spent_usd": usd_json(s.spent_usd),
                    "budget_usd": usd_json(s.budget_usd),
                    "percent_used": str(s.percent_used),
                    "crossed": [
                        {
                            "kind": a.kind,
                            "percent": str(a.percent),
                            "threshold_usd": usd_json(a.threshold_usd),
                            "crossed_on": a.crossed_on.isoformat(),
                        }
                        for a in s.crossed
                    ],
                }
                for s in statuses
            ]
        )
    else:
        for s in statuses:
            who = _scope_name(store, s.scope)
            if not s.crossed:
                click.echo(f"OK {who}: {format_usd(s.spent_usd)} of {format_usd(s.budget_usd)} "
                           f"({s.percent_used}%) in {s.month:%Y-%m}, no threshold crossed")  # fmt: skip
            for a in s.crossed:
                click.echo(f"CROSSED {who}: {_alert_label(a)} of {format_usd(s.budget_usd)} "
                           f"({format_usd(a.threshold_usd)}) since {a.crossed_on.isoformat()}; "
                           f"spent {format_usd(s.spent_usd)} ({s.percent_used}%)")  # fmt: skip
    if not crossed:
        return
    for s in crossed:
        subject, body = notify.alert_text(s)
        for target in targets:
            to = recipients if target.lower().startswith(("smtp://", "smtps://")) else ()
            if not force and not notified.unsent(store, s, target, to):
                if not as_json:
                    click.echo(f"Already notified {notify.redact(target)} of {s.scope} {s.month:%Y-%m} "
                               "(no new threshold; --force sends again)")  # fmt: skip
                continue
            try:
                notify.send(target, subject, body, to=to, sender=from_address or notify.DEFAULT_SENDER)
            except notify.NotifyError as error:
                click.echo(f"Error: {error}", err=True)
                sys.exit(1)
            notified.record(store, s, target, to)
            if not as_json:
                click.echo(f"Notified {notify.redact(target)}")
    sys.exit(CHECK_CROSSED)


# --- scale-out: Parquet export and reports on another engine (issue 16) ------------------------------


@main.command("export")
@click.option(
    "--parquet",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write (replaced whole if it is an earlier export; refused if it holds anything else).",
)
@db_option
@json_option
@_bad_input_is_exit_2
def export_command(folder: Path, db: Path | None, as_json: bool) -> None:
    """Write the store as Hive-partitioned Parquet (provider=/month=) with its dated price table.

    \b
    llm-cost export --parquet /data/llm-cost
    llm-cost report --engine spark://host:7077 --parquet s3://bucket/llm-cost --month 2026-11
    """
    from analytics.export import export_parquet

    result = export_parquet(_open_store(db), folder)
    if as_json:
        _echo_json(dataclasses.asdict(result) | {"folder": str(result.folder)})
        return
    click.echo(
        f"Wrote {result.usage_rows:,} usage rows, {result.cost_rows:,} cost rows and {result.price_rows:,}"
        f" price rows ({result.partitions} partitions) to {result.folder}"
    )
    if result.unpriced_models:
        click.echo(f"Note: no price for {', '.join(result.unpriced_models)}", err=True)


def _engine_facts(
    engine: str | None, parquet_dir: str | None, table: str | None, mapping: tuple[str, ...]
) -> Any:
    from analytics import engines, portable

    if bool(parquet_dir) == bool(table):
        raise click.UsageError("give --parquet DIR or --table TABLE with --engine")
    if table and not mapping:
        raise click.UsageError(
            "--table needs --map FIELD=COLUMN,... (time=, model=, input_tokens=, output_tokens=)"
        )
    backend = engines.connect(engine)
    if parquet_dir:
        return portable.from_parquet(backend, parquet_dir)
    source: Any = table
    if table.endswith(".parquet") or "/" in table:
        source = backend.read_parquet(table)
    return portable.from_table(backend, source, portable.TableMapping.parse(mapping))


def _report_on_engine(
    engine: str | None,
    parquet_dir: str | None,
    table: str | None,
    mapping: tuple[str, ...],
    *,
    month_text: str | None,
    start: date | None,
    end: date | None,
    by: str | None,
    project: str | None,
    as_json: bool,
) -> None:
    """`report` over --parquet / --table on --engine: the portable core (`analytics.portable`)."""
    from analytics import portable

    facts = _engine_facts(engine, parquet_dir, table, mapping)
    if by is not None and by not in portable.DIMENSIONS:
        raise click.BadParameter(f"expected one of {', '.join(portable.DIMENSIONS)}", param_hint="--by")
    status = None
    if start is None and end is None:
        span = portable.days_covered(facts)
        if month_text:
            month = reports.parse_month(month_text)
        elif span:
            month = span[1].replace(day=1)
        else:
            month = datetime.now(UTC).date().replace(day=1)
        status = portable.month_inputs(facts, month, project=project)
        days, start, end = status.days, status.month, status.as_of
    else:
        span = portable.days_covered(facts)
        start = start or (span[0] if span else end)
        end = end or (span[1] if span else start)
        if start is None or end is None:
            raise ValueError("no usage or cost rows to report on")
        days = portable.daily_spend(facts, start, end, project=project)
    breakdown = portable.daily_spend(facts, start, end, by=by, project=project) if by else None
    spent = sum(days["cost_usd"], Decimal(0))
    basis = reports.combine_bases(days["basis"]) if len(days) else "estimated"
    if as_json:
        out: dict[str, Any] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "engine": _engine_name(facts),
            "project": project,
            "spent_usd": str(spent),
            "basis": basis,
            "forecast_usd": usd_json(status.forecast.expected_usd) if status else None,
            "forecast_low_usd": usd_json(status.forecast.low_usd) if status else None,
            "forecast_high_usd": usd_json(status.forecast.high_usd) if status else None,
            "days": _days_json(days),
        }
        if breakdown is not None:
            out["breakdown"] = [
                {"date": d.isoformat(), by: str(k), "cost_usd": usd_json(c), "basis": b}
                for d, k, c, b in zip(
                    breakdown["date"], breakdown[by], breakdown["cost_usd"], breakdown["basis"], strict=True
                )
            ]
        _echo_json(out)
        return
    click.echo(f"{start:%Y-%m-%d} .. {end:%Y-%m-%d} on {_engine_name(facts)}: {format_usd(spent)} ({basis})")
    if status is not None:
        f = status.forecast
        click.echo(
            f"Month-end forecast: {format_usd(f.expected_usd)}"
            f" (range {format_usd(f.low_usd)} – {format_usd(f.high_usd)})"
        )
    rows = [
        [d.isoformat(), format_usd(c), b]
        for d, c, b in zip(days["date"], days["cost_usd"], days["basis"], strict=True)
    ]
    click.echo(_table(["date", "cost", "basis"], rows, right=(1,)))
    if breakdown is not None:
        totals: dict[str, Decimal] = {}
        for key, cost in zip(breakdown[by], breakdown["cost_usd"], strict=True):
            totals[str(key)] = totals.get(str(key), Decimal(0)) + cost
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        click.echo(_table([by, "cost"], [[k, format_usd(v)] for k, v in ranked], right=(1,)))


def _engine_name(facts: Any) -> str:
    return str(getattr(facts.backend, "name", "engine"))


def run() -> None:
    """The `llm-cost` command: `main`, then a quick exit when no store was opened.

    Freeing the 200,000 BPE ranks and the rest of the heap at interpreter exit costs ~0.1 s, a third of a
    short `count` and much of what `estimate-file` loses against a plain loop on a mid-sized file. A command
    that never loaded DuckDB has nothing else to close, so once the exit handlers have run and the output is
    flushed the process ends without the teardown; a command that opened a store exits the usual way.
    """
    try:
        main()
    except SystemExit as stop:
        if "duckdb" in sys.modules:
            raise
        code = stop.code
        if isinstance(code, str):  # as the interpreter does with such an exit: the text, status 1
            print(code, file=sys.stderr)
            code = 1
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(0 if code is None else int(code))


if __name__ == "__main__":
    run()
