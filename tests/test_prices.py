"""Dated prices: catalog, cited corrections, tier fallbacks, overrides, name resolution, exact cost."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from analytics import prices
from analytics.price_corrections import CORRECTIONS, TIER_RULES
from analytics.prices import Price, PriceBook, TierNotPricedError, TokenUsage, UnknownModelError

D = Decimal
EXAMPLE_OVERRIDES = Path(__file__).parent.parent / "data" / "price_overrides.example.csv"
HEADER = (
    "provider,model,tier,valid_from,input_per_mtok,output_per_mtok,cached_input_per_mtok,"
    "cache_write_5m_per_mtok,cache_write_1h_per_mtok,note\n"
)


def write_overrides(tmp_path: Path, body: str, *, name: str = "overrides.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the catalog, checked against price pages

# Standard prices as published on the providers' pricing pages, USD per 1M tokens. OpenAI:
# developers.openai.com/api/docs/pricing; Anthropic: platform.claude.com/docs/en/about-claude/pricing.
PUBLISHED = [
    # model, input, cached input, output, 5m cache write, 1h cache write
    ("gpt-4o", "2.50", "1.25", "10", None, None),
    ("gpt-4o-mini", "0.15", "0.075", "0.60", None, None),
    ("gpt-4.1", "2", "0.50", "8", None, None),
    ("gpt-4.1-mini", "0.40", "0.10", "1.60", None, None),
    ("gpt-4.1-nano", "0.10", "0.025", "0.40", None, None),
    ("gpt-5", "1.25", "0.125", "10", None, None),
    ("gpt-5-mini", "0.25", "0.025", "2", None, None),
    ("gpt-5-nano", "0.05", "0.005", "0.40", None, None),
    ("o4-mini", "1.10", "0.275", "4.40", None, None),
    ("text-embedding-3-small", "0.02", None, "0", None, None),
    ("text-embedding-3-large", "0.13", None, "0", None, None),
    ("claude-opus-4-5", "5", "0.50", "25", "6.25", "10"),
    ("claude-sonnet-4-5", "3", "0.30", "15", "3.75", "6"),
    ("claude-haiku-4-5", "1", "0.10", "5", "1.25", "2"),
    ("claude-sonnet-4-0", "3", "0.30", "15", "3.75", "6"),
    ("claude-opus-4-1", "15", "1.50", "75", "18.75", "30"),
]


@pytest.mark.parametrize(("model", "input_", "cached", "output", "write_5m", "write_1h"), PUBLISHED)
def test_standard_prices_match_the_published_pages(model, input_, cached, output, write_5m, write_1h):
    price = prices.price_for(model, at=date(2025, 11, 1))
    assert (price.input, price.cached_input, price.output) == (
        D(input_),
        None if cached is None else D(cached),
        D(output),
    )
    assert price.cache_write_5m == (None if write_5m is None else D(write_5m))
    assert price.cache_write_1h == (None if write_1h is None else D(write_1h))
    assert price.tier == "standard"
    assert price.fallback is None


def test_every_money_field_is_a_decimal():
    price = prices.price_for("claude-sonnet-4-5", at=date(2025, 11, 1))
    money = [price.input, price.output, price.cached_input, price.cache_write_5m, price.long_input]
    assert all(isinstance(value, Decimal) for value in money)


# ---------------------------------------------------------------- dated prices and our corrections

DATED = [
    # model, day, tier, expected (input, cached input, output), source starts with
    ("o3", date(2025, 6, 9), "standard", ("10", "2.50", "40"), "correction: "),
    ("o3", date(2025, 6, 10), "standard", ("2", "0.5", "8"), "genai-prices "),
    ("o3", date(2025, 5, 1), "flex", ("5", "1.25", "20"), "correction: "),
    ("o3", date(2025, 6, 9), "flex", ("5", "1.25", "20"), "correction: "),
    ("o3", date(2025, 6, 10), "flex", ("1", "0.25", "4"), "correction: "),
    ("o3", date(2026, 10, 12), "flex", ("1", "0.25", "4"), "genai-prices "),
    ("o4-mini", date(2025, 5, 1), "flex", ("0.55", "0.138", "2.20"), "correction: "),
    ("gpt-5", date(2025, 9, 1), "flex", ("0.625", "0.0625", "5"), "correction: "),
    ("gpt-5-nano", date(2025, 9, 1), "flex", ("0.025", "0.0025", "0.2"), "correction: "),
    ("gpt-4o", date(2026, 10, 12), "priority", ("4.25", "2.125", "17"), "genai-prices "),
    # The pricing page's Flex and Priority tables of November 2025, from gpt-5.1's launch (2025-11-13).
    ("gpt-5.1-2025-11-13", date(2025, 11, 20), "flex", ("0.625", "0.0625", "5"), "correction: "),
    ("gpt-5.1", date(2025, 11, 20), "priority", ("2.50", "0.25", "20"), "correction: "),
    ("o3-2025-04-16", date(2025, 11, 20), "priority", ("3.50", "0.875", "14"), "correction: "),
    ("o4-mini", date(2025, 12, 1), "priority", ("2", "0.50", "8"), "correction: "),
    ("gpt-5-mini", date(2026, 10, 11), "priority", ("0.45", "0.045", "3.60"), "correction: "),
    ("gpt-5-mini", date(2026, 10, 12), "priority", ("0.45", "0.045", "3.6"), "genai-prices "),
    ("gpt-4o-2024-05-13", date(2026, 1, 5), "priority", ("8.75", None, "26.25"), "correction: "),
    # The `gpt-4o` alias was gpt-4o-2024-05-13 until OpenAI moved it on 2024-10-02; the catalog prices the
    # alias as gpt-4o-2024-08-06 on every day. The dated snapshot is not affected.
    ("gpt-4o", date(2024, 6, 1), "standard", ("5", None, "15"), "correction: "),
    ("GPT-4o", date(2024, 10, 1), "standard", ("5", None, "15"), "correction: "),
    ("gpt-4o", date(2024, 10, 2), "standard", ("2.5", "1.25", "10"), "genai-prices "),
    ("gpt-4o-2024-08-06", date(2024, 9, 1), "standard", ("2.5", "1.25", "10"), "genai-prices "),
]


@pytest.mark.parametrize(("model", "day", "tier", "expected", "source"), DATED)
def test_the_price_in_force_that_day(model, day, tier, expected, source):
    price = prices.price_for(model, at=day, tier=tier)
    wanted = tuple(None if v is None else D(v) for v in expected)
    assert (price.input, price.cached_input, price.output) == wanted
    assert price.source.startswith(source)
    assert price.fallback is None


def test_every_correction_cites_a_provider_page_and_says_why():
    for row in [*CORRECTIONS, *TIER_RULES]:
        assert row.url.startswith("https://")
        assert any(host in row.url for host in ("openai.com", "claude.com", "anthropic.com"))
    assert all(c.why for c in CORRECTIONS)
    assert all(c.valid_to is None or c.valid_from < c.valid_to for c in CORRECTIONS)


@pytest.mark.parametrize(
    ("at", "expected_cached"),
    [
        (datetime(2025, 6, 9, 23, 59, 59, tzinfo=UTC), D("2.50")),
        (datetime(2025, 6, 10, 0, 0, tzinfo=UTC), D("0.5")),
        # 01:00 at UTC+2 is still 2025-06-09 in UTC: the old price.
        (datetime(2025, 6, 10, 1, 0, tzinfo=timezone(timedelta(hours=2))), D("2.50")),
        # Naive datetimes are UTC, as vendor exports are.
        (datetime(2025, 6, 10, 0, 30), D("0.5")),
    ],
)
def test_datetimes_are_priced_on_their_utc_day(at, expected_cached):
    assert prices.price_for("o3", at=at).cached_input == expected_cached


def test_at_none_means_today_utc():
    assert prices.price_for("gpt-4o") == prices.price_for("gpt-4o", at=datetime.now(UTC).date())


# ---------------------------------------------------------------- tiers: catalog, labelled fallback, or error

BATCH = [
    # model, day, expected (input, cached input, output), labelled fallback?
    ("gpt-4o-mini", date(2025, 3, 1), ("0.075", "0.075", "0.30"), True),
    ("gpt-4o-mini", date(2026, 10, 14), ("0.075", "0.075", "0.3"), False),
    ("gpt-4o", date(2025, 3, 1), ("1.25", "1.25", "5"), True),
    ("gpt-5", date(2025, 9, 1), ("0.625", "0.0625", "5"), True),  # OpenAI's batch table halves gpt-5 cache
    ("o3", date(2025, 6, 9), ("5", "2.50", "20"), True),
    ("text-embedding-3-small", date(2025, 3, 1), ("0.01", None, "0"), True),
    ("text-embedding-3-large", date(2026, 11, 1), ("0.065", None, "0"), True),
    ("claude-opus-4-0", date(2025, 9, 1), ("7.5", "0.75", "37.5"), True),
    ("claude-opus-4-1", date(2026, 11, 1), ("7.5", "0.75", "37.5"), True),
    ("claude-sonnet-4-0", date(2025, 9, 1), ("1.5", "0.15", "7.5"), True),
    ("claude-haiku-4-5", date(2026, 11, 1), ("0.5", "0.05", "2.5"), False),
]


@pytest.mark.parametrize(("model", "day", "expected", "derived"), BATCH)
def test_batch_prices(model, day, expected, derived):
    price = prices.price_for(model, at=day, tier="batch")
    assert (price.input, price.cached_input, price.output) == tuple(
        None if v is None else D(v) for v in expected
    )
    assert price.tier == "batch"
    assert (price.fallback is not None) == derived
    if derived:
        assert "50% of standard" in price.fallback


def test_batch_before_the_catalog_dates_it_is_half_the_standard_price():
    day = date(2025, 3, 1)
    standard = prices.price_for("gpt-4o-mini", at=day)
    batch = prices.price_for("gpt-4o-mini", at=day, tier="batch")
    assert (batch.input, batch.output) == (standard.input / 2, standard.output / 2)
    assert "OpenAI Batch API" in batch.fallback


def test_anthropic_batch_halves_cache_writes_too():
    price = prices.price_for("claude-opus-4-0", at=date(2025, 9, 1), tier="batch")
    assert (price.cache_write_5m, price.cache_write_1h) == (D("9.375"), D("15"))


@pytest.mark.parametrize(
    ("model", "day", "tier"),
    [
        ("gpt-4o", date(2025, 9, 1), "flex"),  # OpenAI never sold gpt-4o on flex
        # Priority existed, but neither the catalog (2026-10-12) nor a page copy we cite covers this day.
        ("gpt-4o-mini", date(2025, 9, 1), "priority"),
        ("o3", date(2025, 4, 16), "flex"),  # the day before flex launched
        ("claude-sonnet-4-5", date(2025, 11, 1), "flex"),
        ("claude-sonnet-4-5", date(2025, 11, 1), "priority"),
        ("gpt-4o-realtime-preview", date(2025, 11, 1), "batch"),  # not on the Batch API
        ("gpt-4o", date(2024, 4, 14), "batch"),  # before the Batch API existed
    ],
)
def test_a_tier_nobody_prices_is_an_error_not_the_standard_price(model, day, tier):
    with pytest.raises(TierNotPricedError) as error:
        prices.price_for(model, at=day, tier=tier)
    message = str(error.value)
    assert f"no {tier} price" in message
    assert day.isoformat() in message
    assert "standard" in message  # names the tiers that are priced


def test_unknown_tier_is_a_value_error():
    with pytest.raises(ValueError, match="expected one of standard, batch, flex, priority"):
        prices.price_for("gpt-4o", tier="economy")


# ---------------------------------------------------------------- long context

LONG_CONTEXT = [
    # model, day, tier, input tokens, expected input USD, expected output USD for 10,000 out, long?
    ("claude-sonnet-4-0", date(2025, 9, 1), "standard", 200_000, "0.6", "0.15", False),
    ("claude-sonnet-4-0", date(2025, 9, 1), "standard", 200_001, "1.200006", "0.225", True),
    ("claude-sonnet-4-0", date(2025, 9, 1), "batch", 200_001, "0.600003", "0.1125", True),
    ("claude-sonnet-4-5", date(2025, 11, 1), "standard", 200_000, "0.6", "0.15", False),
    ("claude-sonnet-4-5", date(2025, 11, 1), "standard", 200_001, "1.200006", "0.225", True),
    ("gpt-5.4", date(2026, 11, 1), "standard", 272_000, "0.68", "0.15", False),
    ("gpt-5.4", date(2026, 11, 1), "standard", 272_001, "1.360005", "0.225", True),
]


@pytest.mark.parametrize(("model", "day", "tier", "tokens", "input_usd", "output_usd", "long"), LONG_CONTEXT)
def test_long_context_prices_apply_to_the_whole_request_above_the_threshold(
    model, day, tier, tokens, input_usd, output_usd, long
):
    result = prices.cost(model, TokenUsage(input_tokens=tokens, output_tokens=10_000), at=day, tier=tier)
    assert (result.input_usd, result.output_usd, result.long_context) == (D(input_usd), D(output_usd), long)


def test_sonnet_4_long_context_correction():
    price = prices.price_for("claude-sonnet-4-20250514", at=date(2025, 9, 1))
    assert price.long_context_threshold == 200_000
    assert (price.long_input, price.long_output, price.long_cached_input) == (D("6"), D("22.50"), D("0.60"))
    assert (price.long_cache_write_5m, price.long_cache_write_1h) == (D("7.50"), D("12"))
    assert "long-context-pricing" in price.source


# ---------------------------------------------------------------- cost arithmetic, by hand


def test_cost_of_gpt_4o_with_cached_input():
    # 600,000 uncached x $2.50 + 400,000 cached x $1.25 = $1.50 + $0.50; 200,000 out x $10 = $2.00.
    usage = TokenUsage(input_tokens=1_000_000, output_tokens=200_000, cached_input_tokens=400_000)
    result = prices.cost("gpt-4o", usage, at=date(2025, 1, 1))
    assert (result.input_usd, result.output_usd, result.total_usd) == (D("2.00"), D("2"), D("4.00"))
    assert result.long_context is False
    assert result.price.model == "gpt-4o"


@pytest.mark.parametrize(
    ("ttl", "expected_input"),
    [
        # 70,000 x $3 + 20,000 cached x $0.30 + 10,000 written x ($3.75 for 5m | $6 for 1h)
        ("5m", "0.2535"),
        ("1h", "0.276"),
    ],
)
def test_cost_with_anthropic_cache_writes(ttl, expected_input):
    usage = TokenUsage(
        input_tokens=100_000,
        output_tokens=5_000,
        cached_input_tokens=20_000,
        cache_write_tokens=10_000,
        cache_write_ttl=ttl,
    )
    result = prices.cost("claude-sonnet-4-5", usage, at=date(2025, 11, 1))
    assert result.input_usd == D(expected_input)
    assert result.output_usd == D("0.075")
    assert result.total_usd == D(expected_input) + D("0.075")


def test_cached_tokens_on_a_model_without_a_cached_price_cost_the_input_price():
    usage = TokenUsage(input_tokens=1_000_000, cached_input_tokens=500_000)
    assert prices.cost("text-embedding-3-small", usage, at=date(2025, 1, 1)).input_usd == D("0.02")


def test_cost_is_exact_for_tiny_usage():
    result = prices.cost("gpt-5-nano", TokenUsage(input_tokens=1, output_tokens=1), at=date(2025, 9, 1))
    assert result.total_usd == D("0.00000045")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_tokens": -1}, "input_tokens must be >= 0"),
        ({"input_tokens": 10, "cached_input_tokens": 8, "cache_write_tokens": 3}, "exceed input_tokens"),
        ({"input_tokens": 10, "cache_write_ttl": "24h"}, "cache_write_ttl"),
    ],
)
def test_token_usage_rejects_impossible_counts(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TokenUsage(**kwargs)


# ---------------------------------------------------------------- model names

RESOLUTION = [
    ("gpt-4o", None, ("openai", "gpt-4o")),
    ("GPT-4o", None, ("openai", "gpt-4o")),
    ("gpt-4o-2024-08-06", None, ("openai", "gpt-4o")),
    ("gpt-4o-2024-05-13", None, ("openai", "gpt-4o-2024-05-13")),  # priced apart: $5 / $15
    ("gpt-4.1-mini-2025-04-14", None, ("openai", "gpt-4.1-mini")),
    ("gpt-5-2025-08-07", None, ("openai", "gpt-5")),
    ("o3-2025-04-16", None, ("openai", "o3")),
    ("text-embedding-3-small", None, ("openai", "text-embedding-3-small")),
    (
        "ft:gpt-4o-mini-2024-07-18:org::abc",
        None,
        ("openai", "ft:gpt-4o-mini"),
    ),  # the catalog's fine-tune price
    ("ft:gpt-4.1-2025-04-14:org:custom:xyz", None, ("openai", "gpt-4.1")),  # no fine-tune price: base
    ("Claude Opus 4.5", None, ("anthropic", "claude-opus-4-5")),
    ("Claude Sonnet 4", None, ("anthropic", "claude-sonnet-4-0")),
    ("claude haiku 4.5", None, ("anthropic", "claude-haiku-4-5")),
    ("Claude 3.5 Sonnet", None, ("anthropic", "claude-3-5-sonnet")),
    ("claude-sonnet-4-20250514", None, ("anthropic", "claude-sonnet-4-0")),
    ("claude-opus-4-1-20250805", None, ("anthropic", "claude-opus-4-1")),
    ("claude-sonnet-4-5-20250929", "anthropic", ("anthropic", "claude-sonnet-4-5")),
    ("gpt-4o", "azure", ("azure", "gpt-4o")),
]


@pytest.mark.parametrize(("name", "provider", "expected"), RESOLUTION)
def test_resolve_model(name, provider, expected):
    assert prices.resolve_model(name, provider=provider) == expected


def test_a_fine_tune_priced_at_its_base_model_says_so():
    price = prices.price_for("ft:gpt-4.1-2025-04-14:org:custom:xyz", at=date(2025, 9, 1))
    assert price.input == D("2")
    assert "priced at its base model gpt-4.1" in price.fallback


def test_a_fine_tune_the_catalog_prices_gets_the_fine_tuned_price():
    price = prices.price_for("ft:gpt-4o-mini-2024-07-18:org::abc", at=date(2025, 9, 1))
    assert (price.input, price.output, price.fallback) == (D("0.3"), D("1.2"), None)


@pytest.mark.parametrize(
    ("name", "close"),
    [
        ("gpt-4o-mni", "gpt-4o-mini"),
        ("claude-sonet-4-5", "claude-sonnet-4-5"),
        ("gpt-5-nanoo", "gpt-5-nano"),
    ],
)
def test_unknown_model_names_the_closest_known_models(name, close):
    with pytest.raises(UnknownModelError) as error:
        prices.price_for(name)
    assert close in error.value.close
    message = str(error.value)
    assert message.startswith(f"unknown model {name!r}; closest known: ")
    assert close in message
    assert "LLM_COST_PRICE_OVERRIDES" in message


def test_unknown_model_is_a_key_error_with_a_readable_message():
    with pytest.raises(KeyError) as error:
        prices.resolve_model("totally-made-up-model-xyz")
    assert str(error.value).startswith("unknown model 'totally-made-up-model-xyz'")


# ---------------------------------------------------------------- overrides


def test_override_wins_over_catalog_and_correction(tmp_path):
    path = write_overrides(
        tmp_path,
        "openai,gpt-4o,standard,2025-01-01,2.25,9.00,1.125,,,negotiated\n"
        "openai,o3,standard,2025-05-01,8,32,2,,,negotiated o3\n",
    )
    book = PriceBook.load(path)
    gpt4o = book.price_for("gpt-4o-2024-08-06", at=date(2025, 1, 1))
    assert (gpt4o.input, gpt4o.output, gpt4o.cached_input) == (D("2.25"), D("9.00"), D("1.125"))
    assert gpt4o.source == "override: overrides.csv line 2 (negotiated)"
    # Over the o3 cached-input correction too.
    assert book.price_for("o3", at=date(2025, 6, 9)).cached_input == D("2")
    # Before valid_from the catalog price applies.
    assert book.price_for("gpt-4o", at=date(2024, 12, 31)).input == D("2.5")
    # The book is a value: the default book (and the module functions) never see the file.
    assert prices.price_for("gpt-4o", at=date(2025, 1, 1)).input == D("2.5")
    assert prices.price_for("gpt-4o", at=date(2025, 1, 1), book=book).input == D("2.25")


def test_override_applies_only_to_the_tier_it_names(tmp_path):
    book = PriceBook.load(write_overrides(tmp_path, "openai,gpt-4o,standard,2025-01-01,2,8,1,,,\n"))
    batch = book.price_for("gpt-4o", at=date(2025, 3, 1), tier="batch")
    assert batch.input == D("1.25")  # 50% of the list price, not of the negotiated one
    assert batch.fallback is not None


def test_later_override_rows_replace_earlier_ones(tmp_path):
    book = PriceBook.load(
        write_overrides(
            tmp_path,
            "custom,acme-70b,standard,2025-01-01,1,2,,,,\ncustom,acme-70b,standard,2025-07-01,0.5,1,,,,\n",
        )
    )
    assert book.price_for("acme-70b", at=date(2025, 6, 30)).input == D("1")
    assert book.price_for("acme-70b", at=date(2025, 7, 1)).input == D("0.5")
    with pytest.raises(TierNotPricedError):
        book.price_for("acme-70b", at=date(2024, 12, 31))


def test_private_model_from_overrides_resolves_and_lists(tmp_path):
    book = PriceBook.load(
        write_overrides(tmp_path, "custom,acme-llama-70b,standard,2025-03-01,0.60,0.80,,,,\n")
    )
    assert book.resolve_model("acme-llama-70b") == ("custom", "acme-llama-70b")
    result = book.cost("acme-llama-70b", TokenUsage(input_tokens=1_000_000, output_tokens=1_000_000))
    assert result.total_usd == D("1.40")
    with pytest.raises(UnknownModelError):
        prices.resolve_model("acme-llama-70b")
    listed = book.list_prices(search="acme")
    assert [(p.provider, p.model) for p in listed] == [("custom", "acme-llama-70b")]


def test_override_for_a_fine_tune_beats_the_base_model_fallback(tmp_path):
    name = "ft:gpt-4.1-2025-04-14:acme::bot"
    book = PriceBook.load(write_overrides(tmp_path, f"openai,{name},standard,2025-05-01,3,12,0.75,,,\n"))
    price = book.price_for(name, at=date(2025, 6, 1))
    assert (price.input, price.output, price.fallback) == (D("3"), D("12"), None)


def test_override_file_from_the_environment_and_reread_after_edit(tmp_path, monkeypatch):
    path = write_overrides(tmp_path, "openai,gpt-4o,standard,2025-01-01,2,8,,,,\n")
    monkeypatch.setenv(prices.OVERRIDES_ENV, str(path))
    first = prices.env_book()
    assert first.price_for("gpt-4o", at=date(2025, 2, 1)).input == D("2")
    assert PriceBook.load(path) is first  # an unchanged file is not read again
    path.write_text(HEADER + "openai,gpt-4o,standard,2025-01-01,1.75,7,,,,\n", encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))
    assert prices.env_book().price_for("gpt-4o", at=date(2025, 2, 1)).input == D("1.75")
    assert first.price_for("gpt-4o", at=date(2025, 2, 1)).input == D("2")  # a book never changes
    monkeypatch.delenv(prices.OVERRIDES_ENV)
    assert prices.env_book().price_for("gpt-4o", at=date(2025, 2, 1)).input == D("2.5")


def test_the_documented_example_override_file_parses():
    rows = prices.load_overrides(EXAMPLE_OVERRIDES)
    assert {row.tier for row in rows} <= set(prices.TIERS)
    assert all(isinstance(row.input, Decimal) for row in rows)
    assert any(row.model.startswith("ft:") for row in rows)


def test_override_file_with_bom_tabs_and_comments(tmp_path):
    path = tmp_path / "tabs.tsv"
    path.write_text(
        "\ufeff# negotiated\nprovider\tmodel\ttier\tvalid_from\tinput_per_mtok\toutput_per_mtok\n"
        "\n# a comment\nopenai\tgpt-4o\tbatch\t2025-01-01\t$1.00\t4\n",
        encoding="utf-8",
    )
    (row,) = prices.load_overrides(path)
    assert (row.model, row.tier, row.input, row.output, row.line) == ("gpt-4o", "batch", D("1.00"), D("4"), 5)


MALFORMED = [
    ('openai,gpt-4o,standard,2025-01-01,"2,50",10,,,,\n', ":2: column 'input_per_mtok': expected a decimal"),
    ("openai,gpt-4o,standard,2025-01-01,abc,10,,,,\n", ":2: column 'input_per_mtok'"),
    ("openai,gpt-4o,standard,2025-01-01,-1,10,,,,\n", "expected a non-negative price"),
    ("openai,gpt-4o,standard,2025-01-01,1,,,,,\n", ":2: column 'output_per_mtok': expected a price"),
    ("openai,gpt-4o,economy,2025-01-01,1,2,,,,\n", ":2: column 'tier': expected one of standard, batch"),
    ("openai,gpt-4o,standard,01/02/2025,1,2,,,,\n", ":2: column 'valid_from': expected a date YYYY-MM-DD"),
    ("openai,,standard,2025-01-01,1,2,,,,\n", ":2: column 'model': expected a model name"),
    ("openai,gpt-4o,standard,2025-01-01,1,2,,,,,extra\n", ":2: 11 fields, expected at most 10"),
    (
        "openai,gpt-4o,standard,2025-01-01,1,2,,,,\nopenai,gpt-4o,standard,2025-01-01,3,4,,,,\n",
        ":3: duplicate of line 2",
    ),
]


@pytest.mark.parametrize(("body", "expected"), MALFORMED)
def test_malformed_override_file_names_file_line_and_column(tmp_path, body, expected):
    path = write_overrides(tmp_path, body, name="bad.csv")
    with pytest.raises(ValueError) as error:
        prices.load_overrides(path)
    assert str(error.value).startswith(str(path))
    assert expected in str(error.value)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("model,tier,valid_from,input_per_mtok\n", "header lacks required column(s) output_per_mtok"),
        ("model,tier,valid_from,input,output_per_mtok\n", "column 4 'input' is not an override column"),
    ],
)
def test_malformed_override_header(tmp_path, header, expected):
    path = tmp_path / "bad.csv"
    path.write_text(header + "gpt-4o,standard,2025-01-01,1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv:1: "):
        prices.load_overrides(path)
    with pytest.raises(ValueError) as error:
        prices.load_overrides(path)
    assert expected in str(error.value)


def test_a_missing_override_file_is_an_error_when_configured(tmp_path):
    with pytest.raises(ValueError, match=r"nope\.csv: price override file not found"):
        PriceBook.load(tmp_path / "nope.csv")


# ---------------------------------------------------------------- tables


def test_list_prices_filters_and_labels_derived_prices():
    table = prices.list_prices(provider="anthropic", search="opus-4", at=date(2025, 9, 1), tier="batch")
    models = [p.model for p in table]
    assert "claude-opus-4-0" in models
    assert "claude-sonnet-4-0" not in models
    assert all(p.tier == "batch" and p.fallback for p in table)
    assert models == sorted(models)


def test_price_table_splits_at_price_changes():
    table = prices.price_table(["o3-2025-04-16"], date(2025, 6, 1), date(2025, 6, 30))
    standard = table[table.tier == "standard"]
    assert list(zip(standard.valid_from, standard.valid_to, standard.cached_input_per_mtok, strict=True)) == [
        (date(2025, 6, 1), date(2025, 6, 10), "2.50"),
        (date(2025, 6, 10), date(2025, 7, 1), "0.5"),
    ]
    assert set(table.model) == {"o3-2025-04-16"}
    assert set(table.canonical_model) == {"o3"}
    assert set(table.tier) == {"standard", "batch", "flex"}  # no priority price before 2026-10-12


def test_the_gpt4o_alias_costs_what_it_pointed_at_before_october_2024():
    # A June 2024 bill for `gpt-4o` was billed at gpt-4o-2024-05-13's $5 / $15; its batch price follows.
    usage = TokenUsage(input_tokens=1_000_000, output_tokens=1_000_000)
    june = prices.cost("gpt-4o", usage, at=date(2024, 6, 1))
    assert (june.input_usd, june.output_usd) == (D("5"), D("15"))
    batch = prices.cost("gpt-4o", usage, at=date(2024, 6, 1), tier="batch")
    assert (batch.input_usd, batch.output_usd) == (D("2.5"), D("7.5"))
    assert prices.cost("gpt-4o-2024-08-06", usage, at=date(2024, 9, 1)).input_usd == D("2.5")
    table = prices.price_table(["gpt-4o", "gpt-4o-2024-08-06"], date(2024, 9, 1), date(2024, 10, 31))
    standard = table[(table.tier == "standard") & (table.model == "gpt-4o")]
    assert list(zip(standard.valid_from, standard.valid_to, standard.input_per_mtok, strict=True)) == [
        (date(2024, 9, 1), date(2024, 10, 2), "5"),
        (date(2024, 10, 2), date(2024, 11, 1), "2.5"),
    ]
    snapshot = table[(table.tier == "standard") & (table.model == "gpt-4o-2024-08-06")]
    assert list(snapshot.input_per_mtok) == ["2.5"]


def test_price_table_joins_in_sql():
    duckdb = pytest.importorskip("duckdb")
    table = prices.price_table(
        ["gpt-4o-mini", "claude-sonnet-4-20250514"], date(2025, 1, 1), date(2025, 12, 31)
    )
    con = duckdb.connect()
    con.register("price_rows", table)
    row = con.sql(
        "WITH usage(model, tier, day, tokens) AS "
        "(VALUES ('gpt-4o-mini', 'batch', DATE '2025-03-01', 1000000)) "
        "SELECT CAST(p.input_per_mtok AS DECIMAL(38,12)) AS per_mtok, p.fallback "
        "FROM usage u JOIN price_rows p ON p.model = u.model AND p.tier = u.tier "
        "AND u.day >= p.valid_from AND u.day < p.valid_to"
    ).fetchall()
    assert len(row) == 1
    assert row[0][0] == D("0.075")
    assert "50% of standard" in row[0][1]
    assert str(table.long_context_threshold.dtype) == "Int64"


# ---------------------------------------------------------------- performance


def test_the_catalog_is_imported_lazily():
    code = "import analytics.prices, sys; print('genai_prices.data' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_repeated_lookups_are_cached():
    prices.price_for("gpt-4o", at=date(2025, 1, 1), tier="batch")
    start = time.perf_counter()
    for _ in range(10_000):
        prices.price_for("gpt-4o", at=date(2025, 1, 1), tier="batch")
    assert time.perf_counter() - start < 1.0


def test_price_is_hashable_and_frozen():
    price = prices.price_for("gpt-4o", at=date(2025, 1, 1))
    assert isinstance(price, Price)
    with pytest.raises(AttributeError):
        price.input = D("0")  # type: ignore[misc]
    assert hash(price) == hash(prices.price_for("gpt-4o", at=date(2025, 1, 1)))
