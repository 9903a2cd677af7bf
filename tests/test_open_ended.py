"""Requests holding content that costs tokens but cannot be counted offline (a file part, a built-in tool, a
stored conversation): an estimate with a lower end only, everywhere the range is shown."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from analytics import batch_count, tokens
from analytics.cli import main
from analytics.estimate import estimate, estimate_requests

PDF_PART = {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0xLjQK"}}
WITH_FILE = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": [{"type": "text", "text": "Summarise this."}, PDF_PART]}],
}
PLAIN = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Summarise this."}]}
DAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    "body",
    [
        WITH_FILE,
        {"model": "gpt-4o", "input": "What changed today?", "tools": [{"type": "web_search"}]},
        {"model": "gpt-4o", "input": "And then?", "previous_response_id": "resp_123"},
        {"model": "gpt-4o", "input": [{"type": "item_reference", "id": "msg_1"}]},
    ],
)
def test_uncountable_content_makes_an_open_ended_estimate(body: dict) -> None:
    counted = tokens.count_request(body)
    assert counted.open_ended and not counted.exact
    assert counted.low <= counted.tokens and any("not counted" in note for note in counted.notes)


def test_an_item_reference_without_its_type_is_stored_input_not_an_empty_message() -> None:
    # Hyper-Unearthing/llm_gateway replays a turn by its id alone (`{"id": "msg_..."}`, the item reference's
    # optional type left out); the API recorded 172 input tokens, more than the body's text holds.
    truth = Path(__file__).parent.parent / "data" / "token_truth" / "openai-token-truth-fresh11.jsonl"
    wanted = "full_flow_test_rb/test_openai_responses_full_flow.yml#1@6d299c95c00b"
    row = next(r for r in map(json.loads, truth.open()) if r["id"].endswith(wanted))
    assert {"id": row["request"]["input"][1]["id"]} == row["request"]["input"][1]
    counted = tokens.count_request(row["request"])
    assert counted.open_ended and not counted.exact
    assert counted.low <= counted.tokens < row["prompt_tokens"] and counted.upper is None
    assert any("item_reference is not counted" in note for note in counted.notes)


def test_stored_input_is_a_shape_of_its_own_not_plain_text() -> None:
    body = {"model": "gpt-4o-mini", "input": "And grass?", "previous_response_id": "resp_1"}
    analysis = tokens.analyse_request(body)
    assert analysis.shape == "responses/chat/stored_input" and analysis.open_ended
    assert tokens.analyse_request({"model": "gpt-4o-mini", "input": "And grass?"}).shape.endswith("/plain")


def test_countable_requests_are_not_open_ended() -> None:
    reasoning_item = {"type": "reasoning", "id": "rs_1", "summary": []}
    for body in (
        PLAIN,
        {"model": "gpt-5-mini", "input": [reasoning_item, {"role": "user", "content": "Hi"}]},
    ):
        assert not tokens.count_request(body).open_ended


def test_count_json_gives_no_upper_end_and_the_text_says_at_least(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(WITH_FILE))
    runner = CliRunner()
    shown = json.loads(runner.invoke(main, ["count", "--messages", str(request), "--json"]).output)
    assert shown["high"] is None and shown["open_ended"] is True and shown["exact"] is False
    assert shown["low"] <= shown["tokens"]
    text = runner.invoke(main, ["count", "--messages", str(request)]).output
    assert f"estimate, at least {shown['low']:,}" in text and "file content part is not counted" in text
    request.write_text(json.dumps(PLAIN))
    plain = json.loads(runner.invoke(main, ["count", "--messages", str(request), "--json"]).output)
    assert plain["high"] == plain["tokens"] and plain["open_ended"] is False


def test_estimate_of_one_request_has_no_upper_end() -> None:
    shown = estimate(WITH_FILE, model="gpt-4o", output_tokens=10, at=DAY).to_json()
    assert shown["input_tokens_high"] is None and shown["open_ended"] is True
    plain = estimate(PLAIN, model="gpt-4o", output_tokens=10, at=DAY).to_json()
    assert plain["input_tokens_high"] == plain["input_tokens"] and plain["open_ended"] is False


def _batch(path: Path, bodies: list[dict]) -> None:
    lines = [
        json.dumps({"custom_id": str(i), "method": "POST", "url": "/v1/chat/completions", "body": body})
        for i, body in enumerate(bodies)
    ]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_with_a_file_part_has_lower_ends_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(batch_count, "PARALLEL_BYTES", 0)  # two processes even for a small file
    monkeypatch.setattr(batch_count, "CHUNK_BYTES", 512)
    path = tmp_path / "batch.jsonl"
    _batch(path, [PLAIN] * 30 + [WITH_FILE] * 3 + [PLAIN] * 30)
    result = estimate_requests(path, at=DAY, workers=workers)
    (model,) = result.models
    assert model.requests == 63 and model.open_ended_requests == 3
    shown = result.to_json()
    assert shown["open_ended"] is True
    assert shown["input_tokens_range"][0] <= sum(m.input_tokens for m in result.models)
    assert shown["input_tokens_range"][1] is None and shown["standard_usd_range"][1] is None
    assert shown["models"][0]["input_tokens_range"][1] is None
    assert shown["models"][0]["open_ended_requests"] == 3


def test_a_batch_without_uncountable_content_keeps_its_whole_range(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    _batch(path, [PLAIN] * 5)
    shown = estimate_requests(path, at=DAY).to_json()
    assert shown["open_ended"] is False and None not in shown["input_tokens_range"]
    assert shown["models"][0]["open_ended_requests"] == 0


def test_estimate_file_text_names_the_lower_end(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    _batch(path, [PLAIN, WITH_FILE])
    output = CliRunner().invoke(main, ["estimate-file", str(path)]).output
    assert "~ gpt-4o: input at least" in output and "content not counted" in output


def test_estimator_page_labels_show_the_lower_end(tmp_path: Path) -> None:
    from analytics.ui import estimator

    single = estimate(WITH_FILE, model="gpt-4o", output_tokens=10, at=DAY)
    assert estimator._count_label(single).startswith(
        f"estimate (at least {single.to_json()['input_tokens_low']:,}"
    )
    path = tmp_path / "batch.jsonl"
    _batch(path, [PLAIN, WITH_FILE])
    (total,) = estimate_requests(path, at=DAY).models
    label = estimator._batch_count_label(total)
    assert label.startswith(f"estimate: ≥ {total.input_tokens_low:,} tokens") and "(1 request not" in label
