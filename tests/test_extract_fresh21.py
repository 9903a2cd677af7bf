"""scripts/extract_cassette_truth.py reads Rust httpmock recordings (`--httpmock-yaml`): one YAML document per
exchange, `when: {path, method, json_body_str}` and `then: {status, header, body}`, no host stored. Only files
under an `--httpmock-yaml` pathspec are read this way (as api.openai.com); every other file is read as before.

The sample is an excerpt of a genuine recording, dcdpr/jp's
`crates/jp_llm/tests/fixtures/openai/test_chat_completion_stream.yml` at f2206fe1 (a row left out of fresh21:
its reply id comes back with another request in a later, hand-edited version), and its
`test_model_details.yml`. The request and the `response.created` event are as recorded; the reply is cut to
that event, one text delta and a shortened `response.completed`, whose usage is a placeholder (not the
recorded numbers, which stay out of the tests). Nothing here checks a count."""

from __future__ import annotations

import json
import subprocess
import sys

from extractor import SCRIPT, build_script, extract

PATH = "crates/jp_llm/tests/fixtures/openai/test_chat_completion_stream.yml"
FOLDER = "crates/jp_llm/tests/fixtures/openai"
RESPONSE_ID = "resp_0f2c01036abf9111016995b6b50a548193af0a94d9057da4be"
CREATED = (
    '{"type":"response.created","response":{"id":"resp_0f2c01036abf9111016995b6b50a548193af0a94d9057da4be",'
    '"object":"response","created_at":1771419317,"status":"in_progress","background":false,"completed_at":null,'
    '"error":null,"frequency_penalty":0.0,"incomplete_details":null,"instructions":null,"max_output_tokens":null,'
    '"max_tool_calls":null,"model":"gpt-5-mini-2025-08-07","output":[],"parallel_tool_calls":true,'
    '"presence_penalty":0.0,"previous_response_id":null,"prompt_cache_key":null,"prompt_cache_retention":null,'
    '"reasoning":{"effort":"low","summary":"detailed"},"safety_identifier":null,"service_tier":"auto",'
    '"store":false,"temperature":1.0,"text":{"format":{"type":"text"},"verbosity":"medium"},'
    '"tool_choice":"auto","tools":[],"top_logprobs":0,"top_p":1.0,"truncation":"auto","usage":null,"user":null,'
    '"metadata":{}},"sequence_number":0}'
)
DELTA = (
    '{"type":"response.output_text.delta","content_index":0,"delta":"Received",'
    '"item_id":"msg_0f2c01036abf9111016995b6b82f2881938c010e84816fcec3","logprobs":[],'
    '"obfuscation":"3skv6ui5","output_index":1,"sequence_number":89}'
)
# shortened, and the usage a placeholder (see the module's docstring)
COMPLETED = (
    '{"type":"response.completed","response":{"id":"resp_0f2c01036abf9111016995b6b50a548193af0a94d9057da4be",'
    '"object":"response","created_at":1771419317,"status":"completed","model":"gpt-5-mini-2025-08-07",'
    '"output":[],"usage":{"input_tokens":1,"input_tokens_details":{"cached_tokens":0},"output_tokens":1,'
    '"output_tokens_details":{"reasoning_tokens":0},"total_tokens":2}},"sequence_number":104}'
)
REQUEST = """\
    {
      "model": "gpt-5-mini",
      "input": [
        {
          "type": "message",
          "role": "system",
          "content": []
        },
        {
          "type": "message",
          "role": "user",
          "content": "Test message"
        }
      ],
      "include": [
        "reasoning.encrypted_content"
      ],
      "instructions": null,
      "max_output_tokens": null,
      "metadata": null,
      "parallel_tool_calls": null,
      "previous_response_id": null,
      "reasoning": {
        "effort": "low",
        "summary": "auto"
      },
      "service_tier": null,
      "store": false,
      "stream": true,
      "temperature": null,
      "text": null,
      "tool_choice": "auto",
      "tools": [],
      "top_p": null,
      "truncation": "auto",
      "user": null
    }"""
MODELS = """\
when:
  path: /v1/models/gpt-5-mini
  method: GET
then:
  status: 200
  header:
    - name: content-type
      value: application/json
  body: |-
    {
      "id": "gpt-5-mini",
      "object": "model",
      "created": 1754425928,
      "owned_by": "system"
    }
"""


def _exchange(request: str = REQUEST, status: int = 200, path: str = "/v1/responses") -> str:
    events = (
        ("response.created", CREATED),
        ("response.output_text.delta", DELTA),
        ("response.completed", COMPLETED),
    )
    body = "".join(f"    event: {name}\n    data: {data}\n    \n" for name, data in events)
    return (
        f"when:\n  path: {path}\n  method: POST\n  json_body_str: >-\n{request}\n"
        f"then:\n  status: {status}\n  header:\n    - name: content-type\n"
        f"      value: text/event-stream; charset=utf-8\n  body: |+\n{body}\n"
    )


def _recording(*documents: str) -> str:
    return "---\n".join(documents)


def test_reads_an_httpmock_recording() -> None:
    text = _recording(_exchange(), MODELS)
    rows = extract.rows_from_file(text, "dcdpr/jp", PATH, "abc123", "Apache-2.0", httpmock=True)
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == f"dcdpr/jp:{PATH}#0"
    assert row["api"] == "responses"
    assert row["model"] == "gpt-5-mini" and row["family"] == "gpt-5"
    assert row["request"]["input"][1] == {"type": "message", "role": "user", "content": "Test message"}
    assert row["request"]["include"] == ["reasoning.encrypted_content"]
    # explicit nulls are kept as recorded
    assert row["request"]["instructions"] is None and "previous_response_id" in row["request"]
    assert list(row["request"])[:3] == ["model", "input", "include"]  # the recorded key order
    assert row["features"] == ["content_parts"]
    assert row["body_check"] == "no-content-length"
    assert row["streamed"]
    assert row["recorded_at"] == "2026-02-18T12:55:17Z"  # the reply's created_at
    assert "--httpmock-yaml" in row["notes"] and "inferred" in row["notes"]


def test_exchanges_order_uri_and_replies() -> None:
    exchanges = extract._httpmock_exchanges(_recording(MODELS, _exchange(status=500)))
    assert [exchange[:2] for exchange in exchanges] == [
        ("GET", "https://api.openai.com/v1/models/gpt-5-mini"),
        ("POST", "https://api.openai.com/v1/responses"),
    ]
    assert json.loads(exchanges[0][4])["id"] == "gpt-5-mini"
    assert RESPONSE_ID in exchanges[1][4]
    assert json.loads(exchanges[1][2])["model"] == "gpt-5-mini"
    assert exchanges[1][3] is None and exchanges[1][5] == 500


def test_error_and_other_endpoints_give_no_row() -> None:
    text = _recording(_exchange(status=429), _exchange(path="/v1/embeddings"), MODELS)
    assert extract.rows_from_file(text, "r/r", PATH, "c", "MIT", httpmock=True) == []


def test_not_read_without_the_option() -> None:
    """The same file read as an ordinary YAML cassette (vcrpy, VCR, go-vcr) gives nothing, as before."""
    text = _recording(_exchange())
    assert extract.rows_from_file(text, "r/r", PATH, "c", "MIT") == []
    assert extract._yaml_exchanges(text) == []


def test_pathspecs() -> None:
    specs = extract._yaml_pathspecs([FOLDER, "other/one.yaml"])
    assert specs == ("other/one.yaml", f"{FOLDER}/*.yml", f"{FOLDER}/*.yaml")
    assert extract._under(PATH, specs)
    assert not extract._under(
        "crates/jp_llm/tests/fixtures/openrouter/test_chat_completion_stream.yml", specs
    )


def test_build_script_claims_only_the_openai_folder(tmp_path) -> None:
    build = build_script("build_fresh21")
    git_dir = tmp_path / "dcdpr+jp" / "repo"
    assert build._is_httpmock(git_dir, PATH)
    assert not build._is_httpmock(git_dir, "crates/jp_llm/tests/fixtures/anthropic/test_tool_call_auto.yml")
    assert not build._is_httpmock(git_dir, "crates/jp_llm/tests/fixtures/test_openai_chat_completion.yml")
    assert not build._is_httpmock(tmp_path / "other+repo" / "repo", PATH)


def test_command_line_with_history(git_repo) -> None:
    repo = git_repo.path
    recording = repo / PATH
    recording.parent.mkdir(parents=True)
    earlier = REQUEST.replace('"effort": "low"', '"effort": "minimal"')
    recording.write_text(_recording(_exchange(earlier)))
    git_repo.git("add", ".")
    git_repo.git("commit", "-q", "-m", "first")
    recording.write_text(_recording(_exchange(), MODELS))
    git_repo.git("commit", "-q", "-am", "second")
    command = [sys.executable, str(SCRIPT), str(repo / ".git"), "dcdpr/jp", "Apache-2.0", "--history"]
    plain = subprocess.run(command, capture_output=True, text=True, check=True)
    assert plain.stdout == ""  # not read without --httpmock-yaml (no host in the file)
    out = subprocess.run([*command, "--httpmock-yaml", FOLDER], capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [row["request"]["reasoning"]["effort"] for row in rows] == ["low", "minimal"]
    assert "@" not in rows[0]["id"] and "@" in rows[1]["id"] and "--history" in rows[1]["notes"]
