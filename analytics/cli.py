"""The `llm-cost` command line: thin commands, each calling one library function.

Bad input exits with code 2 and one message naming the file, line and column (as click's usage errors do).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from analytics import prices, tokens
from analytics.estimate import BadInputError, compare, estimate_requests, format_minutes
from analytics.formats import BadExportError
from analytics.formats.generic_csv import GenericMapping
from analytics.money import format_usd
from analytics.store import Store, StoreBusyError

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
            BadInputError,
            ValueError,
        ) as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(BAD_INPUT)
        except StoreBusyError as error:  # not bad input: another process kept the store locked
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
def main(price_overrides: Path | None) -> None:
    """What will an LLM request cost, and what did we spend?"""
    prices.set_override_file(price_overrides)


# --- shared input handling ---------------------------------------------------------------------------


def _read_text_source(source: str | None) -> str | None:
    """Returns the prompt: `-` reads stdin, an existing file is read, anything else is the text itself."""
    if source is None:
        return None
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise BadInputError(path, 1, error.start + 1, "expected UTF-8 text") from None
    return source


def _read_request_body(path_text: str) -> dict[str, Any]:
    """Returns a request body read from a JSON file (or stdin for `-`); errors name line and column."""
    name = "<stdin>" if path_text == "-" else path_text
    try:
        text = sys.stdin.read() if path_text == "-" else Path(path_text).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInputError(name, 1, 1, "expected an existing JSON file") from None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInputError(name, error.lineno, error.colno, f"expected JSON ({error.msg})") from None
    if not isinstance(body, dict):
        raise BadInputError(name, 1, 1, "expected a JSON object (a request body)")
    if "body" in body and isinstance(body["body"], dict):  # one Batch API line
        body = body["body"]
    return body


def _prompt_from(source: str | None, messages: str | None) -> str | dict[str, Any] | None:
    if source is not None and messages is not None:
        raise click.UsageError("give either TEXT/FILE or --messages, not both")
    if messages is not None:
        return _read_request_body(messages)
    return _read_text_source(source)


def _as_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected a date like 2025-06-30, got {value!r}", param_hint="--at"
        ) from None


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


# --- count -------------------------------------------------------------------------------------------


@main.command()
@source_argument
@messages_option
@click.option("--model", "-m", help="Model name, e.g. gpt-4o (default: the request body's model).")
@json_option
@_bad_input_is_exit_2
def count(source: str | None, messages: str | None, model: str | None, as_json: bool) -> None:
    """Count the tokens of a prompt or a request body.

    \b
    llm-cost count "How many tokens is this?" --model gpt-4o
    llm-cost count --messages request.json
    """
    prompt = _prompt_from(source, messages)
    if prompt is None:
        raise click.UsageError("give TEXT, FILE, - (stdin) or --messages REQUEST.json")
    if isinstance(prompt, str):
        if not model:
            raise click.UsageError("--model is required for plain text")
        result = tokens.count_text(prompt, model)
    else:
        result = tokens.count_request(prompt, model)
    if as_json:
        _echo_json(
            {
                "model": result.model,
                "encoding": result.encoding,
                "tokens": result.tokens,
                "exact": result.exact,
            }
        )
        return
    kind = "exact" if result.exact else "estimate"
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
@click.option("--at", "at_text", metavar="DATE", help="Price as on this UTC date (default: today).")
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
    as_json: bool,
) -> None:
    """Estimate what a prompt or request costs on one or more models, cheapest first.

    \b
    llm-cost estimate "Summarise this..." -m gpt-4o -m gpt-4o-mini --output-tokens 500
    llm-cost estimate --messages request.json --tier batch
    llm-cost estimate --input-tokens 250000 -m claude-sonnet-4 --output-tokens 2000
    """
    prompt = _prompt_from(source, messages)
    if prompt is None and input_tokens is None:
        raise click.UsageError("give TEXT, FILE, - (stdin), --messages REQUEST.json or --input-tokens N")
    if prompt is not None and input_tokens is not None:
        raise click.UsageError("--input-tokens replaces the prompt: give one or the other")
    if not models:
        if isinstance(prompt, dict) and prompt.get("model"):
            models = (str(prompt["model"]),)
        else:
            raise click.UsageError("name at least one --model")
    results = compare(
        prompt,
        models=models,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=cached_tokens,
        cache_write_tokens=cache_write_tokens,
        cache_ttl=cache_ttl,
        tier=tier,
        at=_as_date(at_text),
    )
    if as_json:
        _echo_json([r.to_json() for r in results])
        return
    rows = [
        [
            r.model,
            r.tier,
            f"{r.input_tokens:,}" + ("" if r.exact else "~"),
            f"{r.output_tokens:,}",
            format_usd(r.input_usd),
            format_usd(r.output_usd),
            format_usd(r.total_usd),
        ]
        for r in results
    ]
    headers = ["model", "tier", "input tok", "output tok", "input", "output", "total"]
    click.echo(_table(headers, rows, right=(2, 3, 4, 5, 6)))
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
    help="Price every request as this model (needed for a CSV of prompts without a model column).",
)
@click.option(
    "--output-tokens", type=click.IntRange(min=0), help="Output tokens per request (default: max_tokens)."
)
@click.option("--prompt-column", default="prompt", show_default=True, help="CSV column holding the prompt.")
@click.option(
    "--tpm", type=click.IntRange(min=1), help="Tokens-per-minute limit, for the job's least duration."
)
@click.option("--rpm", type=click.IntRange(min=1), help="Requests-per-minute limit.")
@click.option("--at", "at_text", metavar="DATE", help="Price as on this UTC date (default: today).")
@json_option
@_bad_input_is_exit_2
def estimate_file(
    file: Path,
    model: str | None,
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
    """
    with _progress("Counting tokens") as on_progress:
        result = estimate_requests(
            file,
            model=model,
            output_tokens=output_tokens,
            prompt_column=prompt_column,
            tpm=tpm,
            rpm=rpm,
            at=_as_date(at_text),
            on_progress=on_progress,
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
            "" if m.minutes_at_limit is None else format_minutes(m.minutes_at_limit),
        ]
        for m in result.models
    ]
    if len(result.models) > 1:
        rows.append(
            [
                "total",
                f"{result.requests:,}",
                f"{sum(m.input_tokens for m in result.models):,}",
                f"{sum(m.output_tokens for m in result.models):,}",
                format_usd(result.standard_usd),
                format_usd(result.batch_usd),
                "" if result.minutes_at_limit is None else format_minutes(result.minutes_at_limit),
            ]
        )
    headers = ["model", "requests", "input tok", "output tok", "standard", "batch", "least time"]
    click.echo(_table(headers, rows, right=(1, 2, 3, 4, 5, 6)))
    notes = {note for m in result.models for note in m.notes}
    _echo_notes(notes, approximate=any(m.exact_requests < m.requests for m in result.models))


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
    at = _as_date(at_text) or datetime.now(UTC).date()
    if provider.strip().lower() == "all":
        table = prices.list_prices(search=search, at=at, tier=tier)
    else:
        table = [
            price
            for name in provider.split(",")
            for price in prices.list_prices(provider=name.strip(), search=search, at=at, tier=tier)
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
    def money(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "provider": price.provider,
        "model": price.model,
        "tier": price.tier,
        "input_per_mtok": money(price.input),
        "cached_input_per_mtok": money(price.cached_input),
        "cache_write_5m_per_mtok": money(price.cache_write_5m),
        "cache_write_1h_per_mtok": money(price.cache_write_1h),
        "output_per_mtok": money(price.output),
        "long_context_threshold": price.long_context_threshold,
        "long_input_per_mtok": money(price.long_input),
        "long_output_per_mtok": money(price.long_output),
        "source": price.source,
        "fallback": price.fallback,
    }


# --- the store: import, imports, forget, demo --------------------------------------------------------

db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The store file (default: $LLM_COST_DB, else your user data folder).",
)


def _open_store(db: Path | None) -> Store:
    return Store.open(db, on_wait=lambda message: click.echo(message, err=True))


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
    fields = {f.name for f in dataclasses.fields(GenericMapping)} - {"provider"}
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
    return GenericMapping(**mapping, provider=provider or "other")


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
    store = _open_store(db)
    try:
        results = store.import_files(paths, mapping=mapping)
    except BadExportError as error:
        for landed in error.imported:
            click.echo(f"imported before the error: {landed.path}", err=True)
        raise
    if as_json:
        _echo_json({"files": [r.as_dict() for r in results]})
        return
    rows = [
        [
            Path(r.path).name if "!" not in r.path else r.path.rsplit("/", 1)[-1],
            r.format,
            "" if r.import_id is None else str(r.import_id),
            f"{r.rows_read:,}",
            f"{r.rows_inserted:,}",
            f"{r.rows_replaced:,}",
            f"{r.rows_skipped:,}",
            _period(r.period_start, r.period_end),
            r.note or "",
        ]
        for r in results
    ]
    headers = ["file", "format", "id", "read", "inserted", "replaced", "skipped", "period (UTC)", "note"]
    click.echo(_table(headers, rows, right=(2, 3, 4, 5, 6)))
    click.echo(f"store: {store.path}")


@main.command()
@db_option
@json_option
@_bad_input_is_exit_2
def imports(db: Path | None, as_json: bool) -> None:
    """List what has been imported, newest first."""
    store = _open_store(db)
    listed = store.list_imports()
    if as_json:
        _echo_json([{k: _jsonable(v) for k, v in r.items()} for r in listed])
        return
    if not listed:
        click.echo(f"Nothing imported yet into {store.path}. Try `llm-cost import FILE` or `llm-cost demo`.")
        return
    rows = [
        [
            str(r["import_id"]),
            r["source_format"],
            r["file_name"],
            f"{r['rows_inserted']:,}",
            f"{r['rows_replaced']:,}",
            _period(r["period_start"], r["period_end"]),
            r["imported_at"].strftime("%Y-%m-%d %H:%M UTC"),
        ]
        for r in listed
    ]
    headers = ["id", "format", "file", "inserted", "replaced", "period (UTC)", "imported at"]
    click.echo(_table(headers, rows, right=(0, 3, 4)))


@main.command()
@click.argument("import_id", type=int)
@db_option
@_bad_input_is_exit_2
def forget(import_id: int, db: Path | None) -> None:
    """Remove one import's rows from the store (see `llm-cost imports` for ids)."""
    try:
        deleted = _open_store(db).forget(import_id)
    except KeyError as error:
        raise ValueError(error.args[0]) from None
    click.echo(f"Forgot import {import_id}: {deleted:,} rows removed.")


@main.command()
@db_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the demo exports (default: a demo/ folder beside the store).",
)
@click.option("--days", type=click.IntRange(min=7, max=730), default=90, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the store already holds data.")
@_bad_input_is_exit_2
def demo(db: Path | None, out: Path | None, days: int, if_empty: bool) -> None:
    """Fill the store with 90 days of a fictional organisation's exports (real OpenAI CSV formats)."""
    from analytics import demo as demo_data

    store = _open_store(db)
    if if_empty and not store.is_empty():
        click.echo(f"The store already holds data: {store.path}")
        return
    results = demo_data.load(store, out or store.path.parent / "demo", days=days)
    for r in results:
        click.echo(f"{Path(r.path).name}: {r.rows_inserted:,} rows inserted ({r.format})")
    click.echo(f"Demo data is in {store.path}")


if __name__ == "__main__":
    main()
