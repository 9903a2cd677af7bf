"""One pricing rule: the same usage priced by `prices.cost` (the estimate path) and by the reports' SQL gives
the same Decimal, for every kind of token, every tier and both sides of the long-context threshold.

Usage goes into a store through real export formats (OpenAI dashboard usage CSV, Claude Console token
CSV), so the test covers the import's token columns as well as the SQL the reports generate.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from analytics import prices, reports
from analytics.formats import openai_usage_csv
from analytics.prices import TokenUsage, rule
from analytics.store import Store

DAY = date(2026, 11, 2)  # the catalog prices OpenAI flex and priority from 2026-10-12 on
CLAUDE_DAY = date(2025, 10, 1)
CLAUDE_HEADER = (
    "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,"
    "usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,"
    "usage_output_tokens,web_search_count,inference_geo,speed\n"
)

# model, tier, input (cached included), cached input, output
OPENAI = [
    ("gpt-5-mini-2025-08-07", "standard", 1_234_567, 234_567, 345_678),
    ("gpt-5-mini-2025-08-07", "batch", 1_234_567, 234_567, 345_678),
    ("gpt-5-mini-2025-08-07", "flex", 1_234_567, 234_567, 345_678),
    ("gpt-5-mini-2025-08-07", "priority", 1_234_567, 234_567, 345_678),
    ("o3-2025-04-16", "flex", 98_765, 8_765, 4_321),
    ("o3-2025-04-16", "priority", 98_765, 8_765, 4_321),
    ("gpt-5.4", "standard", 250_000, 50_000, 7_000),  # one request under the 272K threshold
    ("gpt-5.4", "standard", 300_001, 100_000, 7_000),  # and one over it: long-context rates
    ("gpt-5.4", "priority", 300_001, 100_000, 7_000),
]
# model, usage_type (tier), context window, no-cache, 5m writes, 1h writes, cache reads, output
CLAUDE = [
    ("claude-sonnet-4-5-20250929", "standard", "≤ 200k", 100_003, 20_011, 5_009, 60_007, 12_345),
    ("claude-sonnet-4-5-20250929", "standard", "> 200k", 150_003, 20_011, 5_009, 260_007, 12_345),
    ("claude-sonnet-4-5-20250929", "batch", "≤ 200k", 100_003, 20_011, 5_009, 60_007, 12_345),
    ("claude-haiku-4-5-20251001", "batch", "≤ 200k", 7_001, 0, 3_003, 1_000, 999),
    ("claude-opus-4-5-20251101", "standard", "≤ 200k", 1_001, 2_002, 3_003, 4_004, 5_005),
]


def unix(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def openai_store(folder: Path, model: str, tier: str, input_tokens: int, cached: int, output: int) -> Store:
    usage = folder / "completions_usage.csv"
    openai_usage_csv.write(
        usage,
        [
            {
                "start_time": unix(DAY),
                "end_time": unix(DAY + timedelta(days=1)),
                "project_id": "proj_a",
                "num_model_requests": 1,
                "user_id": "user-1",
                "api_key_id": "key_a",
                "model": model,
                "batch": tier == "batch",
                "service_tier": {"standard": "default"}.get(tier, tier),
                "input_tokens": input_tokens,
                "output_tokens": output,
                "input_cached_tokens": cached,
                "input_uncached_tokens": input_tokens - cached,
            }
        ],
    )
    store = Store.open(folder / "s.duckdb")
    store.import_files([usage])
    return store


def report_figures(store: Store, day: date) -> list[Decimal]:
    """The day's cost as three report paths compute it: totals, a breakdown, and what-if's actual side."""
    total = reports.daily_spend(store, day, day)["cost_usd"].iloc[0]
    by_model = sum(reports.daily_spend(store, day, day, by="model")["cost_usd"], Decimal(0))
    as_run = reports.what_if(store, day, day).actual_usd
    return [total, by_model, as_run]


@pytest.mark.parametrize(("model", "tier", "input_tokens", "cached", "output"), OPENAI)
def test_openai_usage_costs_the_same_in_a_report_as_in_an_estimate(
    tmp_path, model, tier, input_tokens, cached, output
):
    store = openai_store(tmp_path, model, tier, input_tokens, cached, output)
    usage = TokenUsage(input_tokens=input_tokens, output_tokens=output, cached_input_tokens=cached)
    expected = prices.cost(model, usage, at=DAY, tier=tier)
    if model == "gpt-5.4" and tier == "standard":
        assert expected.long_context == (input_tokens > 272_000)
    assert report_figures(store, DAY) == [expected.total_usd] * 3


@pytest.mark.parametrize(("model", "tier", "window", "plain", "w5m", "w1h", "reads", "output"), CLAUDE)
def test_claude_usage_with_both_cache_ttls_costs_the_same_in_a_report(
    tmp_path, model, tier, window, plain, w5m, w1h, reads, output
):
    path = tmp_path / "claude_api_tokens_2025_10.csv"
    path.write_text(
        CLAUDE_HEADER
        + f"{CLAUDE_DAY},{model},ci,Default,{tier},{window},{plain},{w5m},{w1h},{reads},{output},0,global,\n",
        encoding="utf-8",
    )
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([path])
    usage = TokenUsage(
        input_tokens=plain + w5m + w1h + reads,
        output_tokens=output,
        cached_input_tokens=reads,
        cache_write_tokens=w5m + w1h,
        cache_write_1h_tokens=w1h,
    )
    expected = prices.cost(model, usage, at=CLAUDE_DAY, tier=tier)
    assert expected.long_context == window.startswith(">")
    assert report_figures(store, CLAUDE_DAY) == [expected.total_usd] * 3
    # Each kind of token at its own rate: 1-hour writes are not priced as 5-minute ones.
    price = expected.price
    long = expected.long_context
    by_hand = sum(
        (
            tokens * rule.rate(price, kind, long)
            for kind, tokens in zip(rule.KINDS, (plain, reads, w5m, w1h, output), strict=True)
        ),
        Decimal(0),
    ) / Decimal(1_000_000)
    assert by_hand == expected.total_usd
    if w1h:
        assert rule.rate(price, rule.KINDS[3], long) > rule.rate(price, rule.KINDS[2], long)


def test_the_rule_prices_each_kind_from_its_own_field():
    price = prices.price_for("claude-sonnet-4-5", at=CLAUDE_DAY)
    rates = {k.name: rule.rate(price, k, False) for k in rule.KINDS}
    assert rates == {
        "uncached_input": Decimal("3"),
        "cached_input": Decimal("0.3"),
        "cache_write_5m": Decimal("3.75"),
        "cache_write_1h": Decimal("6"),
        "output": Decimal("15"),
    }
    long = {k.name: rule.rate(price, k, True) for k in rule.KINDS}
    assert long["cache_write_1h"] == Decimal("12") and long["uncached_input"] == Decimal("6")


def test_one_hour_writes_on_a_model_with_only_a_five_minute_price_are_unpriced_not_underpriced():
    book = prices.default_book()
    model = next(
        p.model
        for p in book.list_prices(provider="openai", at=DAY)
        if p.cache_write_5m is not None and p.cache_write_1h is None
    )
    usage = TokenUsage(input_tokens=1000, cache_write_tokens=100, cache_write_1h_tokens=100)
    with pytest.raises(ValueError, match="no cache write 1h price"):
        prices.cost(model, usage, at=DAY)
    assert prices.cost(model, TokenUsage(input_tokens=1000, cache_write_tokens=100), at=DAY).total_usd > 0


# ---------------------------------------------------------------- what caching saved


@pytest.mark.parametrize(("model", "tier", "window", "plain", "w5m", "w1h", "reads", "output"), CLAUDE[:3])
def test_what_caching_saved_is_the_same_tokens_priced_without_caching(
    tmp_path, model, tier, window, plain, w5m, w1h, reads, output
):
    path = tmp_path / "claude_api_tokens_2025_10.csv"
    path.write_text(
        CLAUDE_HEADER
        + f"{CLAUDE_DAY},{model},ci,Default,{tier},{window},{plain},{w5m},{w1h},{reads},{output},0,global,\n",
        encoding="utf-8",
    )
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([path])
    usage = TokenUsage(
        input_tokens=plain + w5m + w1h + reads,
        output_tokens=output,
        cached_input_tokens=reads,
        cache_write_tokens=w5m + w1h,
        cache_write_1h_tokens=w1h,
    )
    cached = prices.cost(model, usage, at=CLAUDE_DAY, tier=tier)
    plain_input = prices.cost(model, usage, at=CLAUDE_DAY, tier=tier, without_cache=True)
    # Without caching every input token is plain input (at the long-context rate when long).
    rate = cached.price.long_input if cached.long_context else cached.price.input
    out_rate = cached.price.long_output if cached.long_context else cached.price.output
    assert plain_input.total_usd == (usage.input_tokens * rate + output * out_rate) / Decimal(1_000_000)
    (row,) = reports.cache_savings(store, CLAUDE_DAY, CLAUDE_DAY).itertuples()
    assert (row.cost_usd, row.without_cache_usd) == (cached.total_usd, plain_input.total_usd)
    assert row.saved_usd == plain_input.total_usd - cached.total_usd > 0
    (by_model,) = reports.cache_savings(store, CLAUDE_DAY, CLAUDE_DAY, by="model").itertuples()
    assert by_model.model == prices.resolve_model(model)[1] and by_model.saved_usd == row.saved_usd


def test_explore_daily_download_carries_what_caching_saved(tmp_path):
    from analytics.ui import explore

    model, tier, window, plain, w5m, w1h, reads, output = CLAUDE[0]
    path = tmp_path / "claude_api_tokens_2025_10.csv"
    path.write_text(
        CLAUDE_HEADER
        + f"{CLAUDE_DAY},{model},ci,Default,{tier},{window},{plain},{w5m},{w1h},{reads},{output},0,global,\n",
        encoding="utf-8",
    )
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([path])
    shown = reports.daily_spend(store, CLAUDE_DAY, CLAUDE_DAY, by="model")
    usage = reports.daily_usage(store, CLAUDE_DAY, CLAUDE_DAY, by="model")
    caching = reports.cache_savings(store, CLAUDE_DAY, CLAUDE_DAY, by="model")
    (row,) = explore.daily_rows(shown, usage, "model", caching).to_dict("records")
    assert row["model"] == "claude-sonnet-4-5"
    assert row["caching_saved_usd"] == caching["saved_usd"].iloc[0] > 0
    assert row["without_cache_usd"] - row["caching_saved_usd"] == row["cost_usd"]  # estimated day


def test_a_report_names_one_hour_writes_it_cannot_price(tmp_path):
    # A private model whose override prices 5-minute cache writes but not 1-hour ones.
    (tmp_path / "price_overrides.csv").write_text(
        "provider,model,tier,valid_from,input_per_mtok,output_per_mtok,cached_input_per_mtok,"
        "cache_write_5m_per_mtok,cache_write_1h_per_mtok,note\n"
        ",acme-claude,standard,2025-01-01,1,2,0.1,1.25,,\n",
        encoding="utf-8",
    )
    path = tmp_path / "claude_api_tokens_2025_10.csv"
    path.write_text(
        CLAUDE_HEADER + f"{CLAUDE_DAY},acme-claude,ci,Default,standard,≤ 200k,1000,0,500,0,100,0,global,\n",
        encoding="utf-8",
    )
    store = Store.open(tmp_path / "s.duckdb")
    store.import_files([path])
    frame = reports.daily_spend(store, CLAUDE_DAY, CLAUDE_DAY)
    assert frame.attrs["unpriced"] == ["acme-claude (standard, 1-hour cache writes)"]
    usage = TokenUsage(
        input_tokens=1500, output_tokens=100, cache_write_tokens=500, cache_write_1h_tokens=500
    )
    with pytest.raises(ValueError, match="no cache write 1h price"):
        store.price_book().cost("acme-claude", usage, at=CLAUDE_DAY)
    assert frame["cost_usd"].iloc[0] == 0  # counted as 0 and named, never at the cheaper 5-minute rate


def test_the_cli_prices_reports_with_the_book_it_is_given(tmp_path):
    import json

    from click.testing import CliRunner

    from analytics.cli import main

    store = openai_store(tmp_path, "gpt-5-mini-2025-08-07", "standard", 1_000_000, 0, 1_000_000)
    runner = CliRunner()
    args = ["report", "--from", str(DAY), "--to", str(DAY), "--db", str(store.path), "--json"]
    listed = json.loads(runner.invoke(main, args).stdout)
    assert Decimal(listed["spent_usd"]) == Decimal("2.25")  # 0.25 in + 2.00 out, the list price
    overrides = tmp_path / "negotiated.csv"
    overrides.write_text(
        "provider,model,tier,valid_from,input_per_mtok,output_per_mtok\nopenai,gpt-5-mini,standard,2025-08-07,0.20,1.60\n",
        encoding="utf-8",
    )
    negotiated = json.loads(runner.invoke(main, ["--price-overrides", str(overrides), *args]).stdout)
    assert Decimal(negotiated["spent_usd"]) == Decimal("1.80")
    # The same file beside the store is the store's own book: no flag needed.
    (tmp_path / "price_overrides.csv").write_bytes(overrides.read_bytes())
    assert Decimal(json.loads(runner.invoke(main, args).stdout)["spent_usd"]) == Decimal("1.80")


def test_credit_balance_follows_the_book_the_cli_is_given(tmp_path):
    import json

    from click.testing import CliRunner

    from analytics.cli import main

    store = openai_store(tmp_path, "gpt-5-mini-2025-08-07", "standard", 1_000_000, 0, 1_000_000)
    runner = CliRunner()
    db = ["--db", str(store.path)]
    added = runner.invoke(main, ["budget", "credit", "10", "--starts", str(DAY), *db, "--json"])
    assert added.exit_code == 0, added.output
    overrides = tmp_path / "negotiated.csv"
    overrides.write_text(
        "provider,model,tier,valid_from,input_per_mtok,output_per_mtok\n"
        "openai,gpt-5-mini,standard,2025-08-07,0.20,1.60\n",
        encoding="utf-8",
    )

    def balance(*flags: str) -> Decimal:
        shown = runner.invoke(main, [*flags, "budget", "show", *db, "--json"])
        assert shown.exit_code == 0, shown.output
        return Decimal(json.loads(shown.stdout)["credits"][0]["balance_usd"])

    assert balance() == Decimal("7.75")  # $10 less the $2.25 list price of the day
    assert balance("--price-overrides", str(overrides)) == Decimal("8.20")  # less the negotiated $1.80
