"""Request bodies that parse as JSON but hold the wrong kind of value somewhere: every command answers with
the file, line, column and the body path of the first such value, exit code 2, and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import request_shape, tokens
from analytics.cli import main

TRUTH = Path(__file__).resolve().parents[1] / "data" / "token_truth"
BAD_TOOL_CALLS = '{\n  "model": "gpt-4o",\n  "messages": [\n    {"role": "user", "content": "hi"},\n' + (
    '    {"role": "assistant", "tool_calls": "oops"}\n  ]\n}\n'
)


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", [["count"], ["estimate", "-m", "gpt-4o"]])
def test_a_body_with_a_wrong_value_names_its_file_line_column_and_path(tmp_path: Path, command) -> None:
    path = tmp_path / "request.json"
    path.write_text(BAD_TOOL_CALLS)
    result = _run(*command, "--messages", str(path))
    assert result.exit_code == 2
    assert f"{path}:5:27: messages[1].tool_calls: expected a list of tool calls" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "gpt-4o", "input": ["hello"]}, "input[0]: expected an input item (a JSON object)"),
        ({"model": "gpt-4o", "messages": "hello"}, "messages: expected a list of messages"),
        (
            {"model": "gpt-4o", "input": [{"type": "function_call", "name": "f", "arguments": {"a": 1}}]},
            "input[0].arguments: expected a string",
        ),
        (
            {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "tools": [{"function": 3}]},
            "tools[0].function: expected a function definition (a JSON object)",
        ),
    ],
)
def test_a_batch_file_line_with_a_wrong_value_is_refused_with_its_line(tmp_path: Path, body, message) -> None:
    good = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions"}
    good["body"] = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    bad = {"custom_id": "b", "method": "POST", "url": "/v1/responses", "body": body}
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    result = _run("estimate-file", str(path))
    assert result.exit_code == 2
    assert f"{path}:2:" in result.output and message in result.output
    assert "Traceback" not in result.output


def test_every_recorded_request_has_the_shape_the_counter_reads() -> None:
    # the check must never refuse what the API accepted: every request of the project's truth sets passes
    for path in sorted(TRUTH.glob("openai-token-truth-*.jsonl")):
        for line in path.read_text().splitlines():
            request_shape.check(json.loads(line)["request"])


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
KEYS = st.sampled_from(["role", "content", "tool_calls", "function", "name", "arguments", "type", "text"])
MESSAGE = st.dictionaries(KEYS, JSON, max_size=4)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    messages=st.lists(MESSAGE | JSON, max_size=3),
    responses=st.booleans(),
    tools=st.none() | st.lists(st.dictionaries(KEYS, JSON, max_size=3) | JSON, max_size=2),
)
def test_any_json_body_is_counted_or_refused_with_a_value_error(messages, responses, tools) -> None:
    body = {"model": "gpt-4o", ("input" if responses else "messages"): messages}
    if tools is not None:
        body["tools"] = tools
    try:
        counted = tokens.count_request(body)
    except ValueError as error:  # MalformedRequestError among them: a message, never a traceback
        assert str(error)
    else:
        assert counted.tokens >= 0
