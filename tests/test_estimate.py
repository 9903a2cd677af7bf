"""The estimator: token counts x dated prices, per model, per request file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from analytics import prices, tokens
from analytics.estimate import (
    BadInputError,
    compare,
    estimate,
    estimate_requests,
    format_minutes,
    minutes_at_limit,
)

# Prices in force on this day (OpenAI pricing page): gpt-4o $2.50 in / $1.25 cached / $10 out per 1M;
# gpt-4o-mini $0.15 / $0.075 / $0.60.
DAY = date(2025, 6, 1)
M = Decimal(1_000_000)


@pytest.mark.parametrize(
    ("model", "input_tokens", "cached", "output", "tier", "input_usd", "output_usd"),
    [
        ("gpt-4o", 1_000_000, 0, 200_000, "standard", Decimal("2.50"), Decimal("2.00")),
        ("gpt-4o", 1_000_000, 400_000, 200_000, "standard", Decimal("2.00"), Decimal("2.00")),
        ("gpt-4o-mini", 10_000, 0, 1_000, "standard", Decimal("0.0015"), Decimal("0.0006")),
        # The Batch API is half price (and was before the catalog dated it).
        ("gpt-4o-mini", 10_000, 0, 1_000, "batch", Decimal("0.00075"), Decimal("0.0003")),
        ("gpt-4o-2024-08-06", 1_000_000, 0, 0, "standard", Decimal("2.50"), Decimal("0")),
    ],
)
def test_estimate_known_counts(model, input_tokens, cached, output, tier, input_usd, output_usd):
    result = estimate(
        model=model, input_tokens=input_tokens, cached_tokens=cached, output_tokens=output, tier=tier, at=DAY
    )
    assert (result.input_usd, result.output_usd) == (input_usd, output_usd)
    assert result.total_usd == input_usd + output_usd
    assert isinstance(result.total_usd, Decimal)


def test_estimate_counts_the_prompt_then_prices_it():
    # "Hello, world" is 3 tokens in o200k_base.
    result = estimate("Hello, world", model="gpt-4o", output_tokens=100, at=DAY)
    assert result.input_tokens == tokens.count_text("Hello, world", "gpt-4o").tokens == 3
    assert result.total_usd == Decimal(3) * Decimal("2.50") / M + Decimal(100) * Decimal(10) / M
    assert result.exact


def test_estimate_request_body_uses_recorded_count(fixtures: Path):
    import json

    body = json.loads((fixtures / "requests" / "chat_request.json").read_text())
    result = estimate(body, model="gpt-4o-mini", at=DAY)
    assert result.input_tokens == 39  # what the API reported for this exact body


def test_a_request_body_estimated_as_on_a_past_day_is_counted_with_the_rules_then():
    # The Responses API added a fixed block to every input until 2025-04-01: an estimate as on a day before
    # counts (and prices) what that day's request cost, one as on a later day today's count.
    body = {"model": "gpt-4o", "input": "What is the refund policy?"}
    before, after = date(2025, 3, 1), date(2025, 6, 1)
    early = tokens.count_request(body, at=before)
    assert early.tokens > tokens.count_request(body).tokens
    results = compare(body, models=["gpt-4o", "gpt-4o-mini"], at=before)
    assert [r.input_tokens for r in results] == [early.tokens, early.tokens]
    assert estimate(body, model="gpt-4o", at=after).input_tokens == tokens.count_request(body).tokens


def test_compare_sorts_cheapest_first():
    results = compare(
        "Summarise the quarterly report.", models=["gpt-4o", "gpt-4o-mini"], output_tokens=500, at=DAY
    )
    assert [r.model for r in results] == ["gpt-4o-mini", "gpt-4o"]
    assert results[0].total_usd < results[1].total_usd


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"input_tokens": 10, "cached_tokens": 11}, "cannot exceed the input tokens"),
        ({"input_tokens": -1}, "must not be negative"),
        ({}, "give a prompt"),
    ],
)
def test_estimate_rejects_impossible_parts(options, message):
    with pytest.raises(ValueError, match=message):
        estimate(model="gpt-4o", at=DAY, **options)


def test_unknown_model_names_close_ones():
    with pytest.raises((tokens.UnknownModelError, prices.UnknownModelError)) as error:
        estimate("hi", model="gpt-4o-mni", at=DAY)
    assert "gpt-4o-mini" in str(error.value)


def test_estimate_requests_batch_file(fixtures: Path):
    result = estimate_requests(fixtures / "requests" / "batch_input.jsonl", at=DAY, tpm=100, rpm=2)
    by_model = {m.model: m for m in result.models}
    mini, big = by_model["gpt-4o-mini"], by_model["gpt-4o"]
    # Prompt tokens the API reported for these bodies: 14 + 8 + 39, and 9; output from max_tokens.
    assert (mini.requests, mini.input_tokens, mini.output_tokens) == (3, 61, 130)
    assert (big.requests, big.input_tokens, big.output_tokens) == (1, 9, 50)
    assert mini.standard_usd == (61 * Decimal("0.15") + 130 * Decimal("0.60")) / M
    assert mini.batch_usd == mini.standard_usd / 2
    assert big.standard_usd == (9 * Decimal("2.50") + 50 * Decimal(10)) / M
    assert result.standard_usd == mini.standard_usd + big.standard_usd
    # 191 tokens at 100 TPM is the tighter bound for gpt-4o-mini; models run side by side.
    assert mini.minutes_at_limit == pytest.approx(1.91)
    assert result.minutes_at_limit == pytest.approx(1.91)


def test_estimate_requests_output_override_and_csv(fixtures: Path):
    result = estimate_requests(
        fixtures / "requests" / "prompts.csv", model="gpt-4o-mini", output_tokens=7, at=DAY
    )
    (total,) = result.models
    expected_input = sum(
        tokens.count_text(t, "gpt-4o-mini").tokens for t in ["What is the meaning of life?", "Hello, world"]
    )
    assert (total.requests, total.input_tokens, total.output_tokens) == (2, expected_input, 14)


def test_estimate_requests_parallel_matches_serial(tmp_path: Path, fixtures: Path):
    lines = (fixtures / "requests" / "batch_input.jsonl").read_text().splitlines()
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(lines * 700) + "\n")  # 2,800 requests: above the parallel threshold
    serial = estimate_requests(big, at=DAY, workers=1)
    parallel = estimate_requests(big, at=DAY, workers=2)
    assert [m.to_json() for m in parallel.models] == [m.to_json() for m in serial.models]
    assert serial.requests == 2_800


def test_broken_request_file_names_line_and_column(fixtures: Path):
    with pytest.raises(BadInputError) as error:
        estimate_requests(fixtures / "requests" / "broken.jsonl")
    assert (error.value.line, error.value.column) == (2, 79)
    assert "broken.jsonl:2:79" in str(error.value)


@pytest.mark.parametrize(
    ("tokens_total", "requests", "tpm", "rpm", "minutes"),
    [(1_000_000, 10, 100_000, None, 10.0), (1_000, 600, 100_000, 60, 10.0), (5, 5, None, None, None)],
)
def test_minutes_at_limit(tokens_total, requests, tpm, rpm, minutes):
    assert minutes_at_limit(tokens_total, requests, tpm=tpm, rpm=rpm) == minutes


@pytest.mark.parametrize(("minutes", "text"), [(0.5, "30 s"), (2.0, "2 min"), (125.0, "2 h 05 min")])
def test_format_minutes(minutes, text):
    assert format_minutes(minutes) == text
