"""The estimator commands as a user runs them: `llm-cost count / estimate / estimate-file / models`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from analytics.cli import main

DAY = "2025-06-01"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_count_text_json():
    result = run("count", "Hello, world", "--model", "gpt-4o", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "model": "gpt-4o",
        "encoding": "o200k_base",
        "tokens": 3,
        "low": 3,
        "high": 3,
        "exact": True,
        "open_ended": False,
        "notes": [],
    }


@pytest.mark.parametrize("text", ["plain", "--messages"])
def test_count_refuses_a_date_that_is_not_one_for_text_and_bodies(tmp_path: Path, text: str):
    body = tmp_path / "body.json"
    body.write_text('{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}')
    given = ["hi", "--model", "gpt-4o"] if text == "plain" else ["--messages", str(body)]
    result = run("count", *given, "--at", "2024-13-01")
    assert result.exit_code == 2
    assert "expected a date like" in result.output and "2024-13-01" in result.output


def test_count_file_and_stdin_agree(tmp_path: Path):
    text = "The quick brown fox jumps over the lazy dog.\n" * 20
    (tmp_path / "prompt.txt").write_text(text)
    from_file = json.loads(run("count", str(tmp_path / "prompt.txt"), "-m", "gpt-3.5-turbo", "--json").stdout)
    from_stdin = json.loads(run("count", "-", "-m", "gpt-3.5-turbo", "--json", input=text).stdout)
    assert from_file == from_stdin
    assert from_file["encoding"] == "cl100k_base"


def test_count_messages_uses_body_model(fixtures: Path):
    result = run("count", "--messages", str(fixtures / "requests" / "chat_request.json"), "--json")
    assert json.loads(result.stdout)["tokens"] == 39  # the API's own count for this body
    human = run("count", "--messages", str(fixtures / "requests" / "chat_request.json"))
    assert human.output.startswith("39 tokens (gpt-4o-mini, o200k_base, exact)")


def test_estimate_json_compares_models_sorted_by_total():
    result = run(
        "estimate", "--input-tokens", "1000000", "--output-tokens", "200000",
        "-m", "gpt-4o", "-m", "gpt-4o-mini", "--at", DAY, "--json",
    )  # fmt: skip
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["model"] for r in rows] == ["gpt-4o-mini", "gpt-4o"]
    mini, big = rows
    assert {k: mini[k] for k in ("tier", "input_tokens", "output_tokens", "exact")} == {
        "tier": "standard",
        "input_tokens": 1_000_000,
        "output_tokens": 200_000,
        "exact": True,
    }
    assert Decimal(mini["input_usd"]) == Decimal("0.15")
    assert Decimal(mini["output_usd"]) == Decimal("0.12")
    assert Decimal(big["total_usd"]) == Decimal("4.50")
    assert isinstance(big["total_usd"], str)  # money is a decimal string in JSON


def test_estimate_json_writes_a_tiny_amount_in_fixed_point():
    result = run("estimate", "--input-tokens", "2", "-m", "gpt-4o-mini", "--at", DAY, "--json")
    assert result.exit_code == 0
    (row,) = json.loads(result.stdout)
    assert (row["input_usd"], row["total_usd"]) == ("0.0000003", "0.0000003")  # not Decimal's "3E-7"


def test_estimate_cached_and_batch():
    rows = json.loads(
        run(
            "estimate", "--input-tokens", "1000000", "--cached-tokens", "400000", "-m", "gpt-4o",
            "--tier", "batch", "--at", DAY, "--json",
        ).stdout
    )  # fmt: skip
    # Batch input is half of $2.50; gpt-4o's batch table prices no cached input ("-"), so the cached
    # 400,000 are billed at the batch input rate too: $1.25 x 0.6 + $1.25 x 0.4.
    assert Decimal(rows[0]["input_usd"]) == Decimal("1.25")
    assert rows[0]["tier"] == "batch"


def test_estimate_human_table_shows_each_model():
    result = run("estimate", "Hello, world", "-m", "gpt-4o", "-m", "gpt-4.1-nano", "--output-tokens", "10")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "model", "tier", "input", "tok", "output", "tok", "input", "output", "per", "request", "per", "1,000",
    ]  # fmt: skip
    assert lines[2].startswith("gpt-4.1-nano")  # cheaper, so first
    assert lines[3].startswith("gpt-4o")


def test_estimate_file_json(fixtures: Path):
    result = run(
        "estimate-file", str(fixtures / "requests" / "batch_input.jsonl"), "--at", DAY,
        "--tpm", "100", "--rpm", "2", "--json",
    )  # fmt: skip
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["requests"] == 4
    mini = next(m for m in data["models"] if m["model"] == "gpt-4o-mini")
    assert (mini["input_tokens"], mini["output_tokens"]) == (61, 130)
    assert Decimal(mini["batch_usd"]) * 2 == Decimal(mini["standard_usd"])
    assert data["minutes_at_limit"] == pytest.approx(1.91)


def test_estimate_and_estimate_file_as_on_a_past_day_count_as_count_at_that_day(tmp_path: Path):
    # Responses API inputs cost a fixed block more before 2025-04-01: --at on estimate and estimate-file
    # counts as `count --at` does, not with today's rules.
    body = {"model": "gpt-4o", "input": "What is the refund policy?"}
    request = tmp_path / "request.json"
    request.write_text(json.dumps(body))
    batch = tmp_path / "batch.jsonl"
    batch.write_text((json.dumps(body) + "\n") * 3)
    for day in ("2025-03-01", "2025-06-01"):
        counted = json.loads(run("count", "--messages", str(request), "--at", day, "--json").stdout)
        (single,) = json.loads(run("estimate", "--messages", str(request), "--at", day, "--json").stdout)
        assert single["input_tokens"] == counted["tokens"]
        whole = json.loads(run("estimate-file", str(batch), "--at", day, "--json").stdout)
        assert whole["models"][0]["input_tokens"] == 3 * counted["tokens"]
    early = run("count", "--messages", str(request), "--at", "2025-03-01", "--json").stdout
    assert (
        json.loads(early)["tokens"]
        > json.loads(run("count", "--messages", str(request), "--json").stdout)["tokens"]
    )


def test_estimate_file_human_has_total_row(fixtures: Path):
    result = run(
        "estimate-file", str(fixtures / "requests" / "batch_input.jsonl"), "--at", DAY, "--tpm", "100"
    )
    assert result.exit_code == 0
    assert any(line.startswith("total") for line in result.output.splitlines())
    assert "2 min" in result.output


def test_models_lists_prices():
    result = run("models", "gpt-4o-mini", "--provider", "openai", "--at", DAY, "--json")
    assert result.exit_code == 0
    rows = {r["model"]: r for r in json.loads(result.stdout)}
    assert Decimal(rows["gpt-4o-mini"]["input_per_mtok"]) == Decimal("0.15")
    assert Decimal(rows["gpt-4o-mini"]["output_per_mtok"]) == Decimal("0.60")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["count", "hi", "--model", "gpt-4o-mni"], "gpt-4o-mini"),
        (["estimate", "hi", "-m", "gpt-4o", "--cached-tokens", "5", "--input-tokens", "1"], None),
        (["estimate-file", "{broken}"], "broken.jsonl:2:79"),
        (["count", "--messages", "{bad_json}"], "bad.json:2:"),
        (["estimate", "--input-tokens", "10", "-m", "gpt-4o", "--at", "2025-13-01"], "expected a date"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args, message, fixtures: Path, tmp_path: Path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"model": "gpt-4o",\n "messages": [}\n')
    args = [a.format(broken=fixtures / "requests" / "broken.jsonl", bad_json=bad_json) for a in args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    if message:
        assert message in result.output


def test_price_override_file_wins_over_the_catalog(tmp_path: Path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(
        "provider,model,tier,valid_from,input_per_mtok,output_per_mtok\n"
        "openai,gpt-4o,standard,2025-01-01,2.00,8.00\n"
        "custom,acme-llama-70b,standard,2025-03-01,0.60,0.80\n"
    )
    args = ["estimate", "--input-tokens", "1000000", "--output-tokens", "1000000", "--at", DAY, "--json"]
    negotiated = json.loads(run("--price-overrides", str(overrides), *args, "-m", "gpt-4o").stdout)
    assert Decimal(negotiated[0]["total_usd"]) == Decimal("10.00")
    catalog = json.loads(run(*args, "-m", "gpt-4o").stdout)
    assert Decimal(catalog[0]["total_usd"]) == Decimal("12.50")


def test_broken_override_file_is_refused_with_line_and_column(tmp_path: Path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(
        "provider,model,tier,valid_from,input_per_mtok,output_per_mtok\nopenai,gpt-4o,standard,2025-01-01,2,50,8\n"
    )
    result = CliRunner().invoke(
        main, ["--price-overrides", str(overrides), "estimate", "--input-tokens", "10", "-m", "gpt-4o"]
    )
    assert result.exit_code == 2
    assert "overrides.csv:2" in result.output
