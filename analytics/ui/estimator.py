"""Estimator page: a prompt, a request body or a batch file in; a per-model cost table out."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import charts, prices, tokens
from analytics.estimate import (
    BadInputError,
    Estimate,
    FileEstimate,
    ModelTotal,
    compare,
    estimate_requests,
    format_minutes,
)
from analytics.money import format_usd, format_usd_column
from analytics.ui import components

DEFAULT_MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1-mini"]
INPUT_KINDS = ("Text", "Request body (JSON)", "Batch file")


@st.cache_data(show_spinner=False)
def _model_choices(at_iso: str, book_id: str, _book: prices.PriceBook) -> list[str]:
    """Returns the priced model ids whose tokenizer we know (so a prompt can be counted for them)."""
    known = []
    for price in _book.list_prices(at=datetime.fromisoformat(at_iso).date()):
        try:
            tokens.encoding_name_for_model(price.model)
        except tokens.UnknownModelError:
            continue
        known.append(price.model)
    return sorted(set(known))


def show() -> None:
    """Renders the Estimator page."""
    st.title("Estimator")
    book = components.store().price_book()  # with the price overrides saved in Settings
    st.caption("What will a request cost before you send it? Token counts are tiktoken's, offline.")
    today = datetime.now(UTC).date()
    kind = st.radio("Input", INPUT_KINDS, horizontal=True, key="est_kind")

    choices = _model_choices(today.isoformat(), book.describe() + str(book.overrides.sha256), book)
    models = st.multiselect(
        "Models",
        options=choices,
        default=[m for m in DEFAULT_MODELS if m in choices],
        accept_new_options=True,
        # No "Select N matches" entry: typing "gpt-5" then Enter would add every model matching it (56)
        # instead of the one typed.
        select_all=False,
        key="est_models",
        help="Pick several to compare them side by side; type a dated snapshot or a fine-tune name too.",
    )
    left, middle, right = st.columns(3)
    tier = left.selectbox("Tier", prices.TIERS, key="est_tier")
    at = middle.date_input(
        "As on (UTC)",
        value=today,
        max_value=today,
        key="est_at",
        help="Prices of that day, and the counting rules in force then (a few changed over time).",
    )
    if kind == "Batch file":
        _show_batch(models, at)
        return
    output_tokens = right.number_input("Output tokens", min_value=0, value=500, step=100, key="est_output")
    c1, c2, c3 = st.columns(3)
    cached = c1.number_input("Cached input tokens", min_value=0, value=0, step=100, key="est_cached")
    cache_write = c2.number_input("Cache-write tokens", min_value=0, value=0, step=100, key="est_cache_write")
    ttl = c3.selectbox("Cache TTL", ["5m", "1h"], key="est_ttl")

    if kind == "Text":
        prompt: str | dict | None = st.text_area(
            "Prompt", height=160, key="est_text", placeholder="Paste the prompt here…"
        )
    else:
        prompt = _request_body_input()
        if prompt is _INVALID:
            return  # the error says what is wrong and where; no "enter a prompt" on top of it
    if not prompt or not models:
        st.info("Enter a prompt and pick at least one model.")
        return
    named = prompt.get("model") if isinstance(prompt, dict) else None
    if isinstance(named, str) and named and named not in models:
        # The table prices the body as each selected model; the model it names may count differently.
        st.caption(f"The body names {named}, which is not among the models priced below: add it to Models.")
    try:
        results = compare(
            prompt,
            models=models,
            output_tokens=int(output_tokens),
            cached_tokens=int(cached),
            cache_write_tokens=int(cache_write),
            cache_ttl=ttl,
            tier=tier,
            at=at,
            book=book,
        )
    except (tokens.UnknownModelError, prices.UnknownModelError, prices.TierNotPricedError, ValueError) as e:
        st.error(str(e))
        return
    _show_results(results)


_INVALID: dict = {}  # a request body that did not parse (the error is shown)


def _request_body_input() -> dict | None:
    text = st.text_area(
        "Request body",
        height=220,
        key="est_body",
        placeholder='{"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}',
        help="A Chat Completions or Responses API body, exactly as you would send it.",
    )
    if not text.strip():
        return None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        lines = text.splitlines()
        line = lines[error.lineno - 1] if error.lineno <= len(lines) else ""
        where = f"Line {error.lineno}, column {error.colno} of the request body"
        st.error(f"{where}: not valid JSON ({error.msg}).")
        st.code(f"{line}\n{' ' * (error.colno - 1)}^ here", language=None)
        return _INVALID
    if not isinstance(body, dict):
        st.error(
            f"Line 1, column 1 of the request body: expected a JSON object (a request body), "
            f"got a JSON {type(body).__name__.replace('str', 'string').replace('list', 'array')}."
        )
        return _INVALID
    return body


def _show_results(results: list[Estimate]) -> None:
    cheapest = results[0]
    st.metric(f"Cheapest: {cheapest.model}", format_usd(cheapest.total_usd), help=cheapest.price_source)
    table = pd.DataFrame(
        {
            "Model": [r.model for r in results],
            "Tier": [r.tier for r in results],
            "Input tokens": [r.input_tokens for r in results],
            "Output tokens": [r.output_tokens for r in results],
            "Input": format_usd_column(r.input_usd for r in results),
            "Output": format_usd_column(r.output_usd for r in results),
            "Per request": format_usd_column(r.total_usd for r in results),
            "Per 1,000 requests": format_usd_column(r.total_usd * 1000 for r in results),
            "Count": [_count_label(r) for r in results],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", column_config=components.TOKEN_COLUMNS)
    chart_data = pd.DataFrame(
        {
            "model": [r.model for r in results],
            "tier": [r.tier for r in results],
            "input_tokens": [r.input_tokens for r in results],
            "output_tokens": [r.output_tokens for r in results],
            # Display only: the chart needs numbers; the table above shows the exact Decimal figures.
            "total_usd": [float(r.total_usd) for r in results],
        }
    )
    st.altair_chart(charts.cost_comparison(chart_data), width="stretch")
    for note in sorted({n for r in results for n in r.notes}):
        st.caption(f"Note: {note}")


def _count_label(result: Estimate) -> str:
    """ "exact", or "estimate" with the range of the input count (TokenCount.low..high)."""
    if result.exact:
        return "exact"
    shown = result.to_json()
    low, high = shown["input_tokens_low"], shown["input_tokens_high"]
    if high is None:  # content left uncounted (a file, a built-in tool): only the lower end is known
        return f"estimate (at least {low:,} input tokens)"
    if low == high == result.input_tokens:
        return "estimate"
    return f"estimate ({low:,}–{high:,} input tokens)"


def batch_models(models: list[str], *, as_named: bool) -> list[str | None]:
    """Returns the models a batch is priced as: each model selected on the page, or (None) the models the
    file names when none is selected or the user asks for those."""
    return [None] if as_named or not models else list(models)


def _show_batch(models: list[str], at: date) -> None:
    st.write(
        "Upload an OpenAI Batch API input file, a JSONL of request bodies, or a CSV with a `prompt` column."
    )
    upload = st.file_uploader("Batch file", type=["jsonl", "json", "csv", "tsv", "txt"], key="est_batch")
    c1, c2, c3 = st.columns(3)
    output = c1.number_input("Output tokens per request (0: max_tokens)", min_value=0, key="est_b_out")
    tpm = c2.number_input("TPM limit", min_value=0, value=0, step=100_000, key="est_tpm")
    rpm = c3.number_input("RPM limit", min_value=0, value=0, step=100, key="est_rpm")
    as_named = st.checkbox(
        "Price each request as the model the file names (instead of the models selected above)",
        key="est_b_named",
    )
    if upload is None:
        return
    candidates = batch_models(models, as_named=as_named)
    st.caption(
        "Priced as the models the file names." if candidates == [None]
        else "Every request priced as each selected model: " + ", ".join(models) + "."
    )  # fmt: skip
    options = {
        "output_tokens": int(output) or None,
        "tpm": int(tpm) or None,
        "rpm": int(rpm) or None,
        "at": at,
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        progress = st.progress(0.0, text="Counting tokens…")
        try:
            jobs = [
                estimate_requests(
                    path,
                    model=model,
                    on_progress=lambda done, total: progress.progress(done / total, f"{done:,} / {total:,}"),
                    book=components.store().price_book(),
                    **options,
                )
                for model in candidates
            ]
        except (BadInputError, tokens.UnknownModelError, prices.UnknownModelError, ValueError) as e:
            st.error(str(e))
            return
        finally:
            progress.empty()
    _show_jobs(jobs)


def _batch_count_label(total: ModelTotal) -> str:
    """How a model's batch input was counted: exact, or the range its total lies in (and its cost's)."""
    if total.exact:
        return "exact"
    if total.open_ended_requests:  # some requests hold content left uncounted: only a lower end
        n = total.open_ended_requests
        return (
            f"estimate: ≥ {total.input_tokens_low:,} tokens, ≥ {format_usd(total.standard_usd_low)} "
            f"({n:,} {'request' if n == 1 else 'requests'} not fully countable)"
        )
    return (
        f"estimate: {total.input_tokens_low:,}–{total.input_tokens_high:,} tokens, "
        f"{format_usd(total.standard_usd_low)}–{format_usd(total.standard_usd_high)}"
    )


def _show_jobs(jobs: list[FileEstimate]) -> None:
    totals = [total for job in jobs for total in job.models]
    first = jobs[0]
    cols = st.columns(3)
    cols[0].metric("Requests", f"{first.requests:,}")
    if len(jobs) == 1:
        cols[1].metric("Standard price", format_usd(first.standard_usd))
        cols[2].metric("Batch price", format_usd(first.batch_usd))
        if first.minutes_at_limit is not None:
            st.metric("Least time under the rate limits", format_minutes(first.minutes_at_limit))
    table = pd.DataFrame(
        {
            "Model": [m.model for m in totals],
            "Requests": [m.requests for m in totals],
            "Input tokens": [m.input_tokens for m in totals],
            "Count": [_batch_count_label(m) for m in totals],
            "Output tokens": [m.output_tokens for m in totals],
            "Standard": format_usd_column(m.standard_usd for m in totals),
            "Batch": format_usd_column(m.batch_usd for m in totals),
            "Least time": [
                "" if m.minutes_at_limit is None else format_minutes(m.minutes_at_limit) for m in totals
            ],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", column_config=components.TOKEN_COLUMNS)
    if any(job.open_ended for job in jobs):
        st.warning(
            "Some requests hold content that is not counted offline (a file, a built-in tool, a stored "
            "conversation): their prices are lower bounds."
        )
    for note in sorted({n for m in totals for n in m.notes}):
        st.caption(f"Note: {note}")
