"""scripts/extract_cassette_truth.py reads each cassette format with the same filters, into the same rows."""

from __future__ import annotations

import base64
import json
from typing import Any

from extractor import extract

BODY = '{"messages":[{"content":"Say hi","role":"user"}],"model":"gpt-4o-mini"}'
REPLY = json.dumps({"model": "gpt-4o-mini-2024-07-18", "usage": {"prompt_tokens": 9, "completion_tokens": 2}})


def _go_vcr(length: int, code: int = 200, url: str = "https://api.openai.com/v1/chat/completions") -> str:
    """A go-vcr (v2+) cassette: `url`, the request's `content_length`, the response's `code`."""
    return f"""---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    content_length: {length}
    body: '{BODY}'
    headers:
      Content-Type:
      - application/json
    url: {url}
    method: POST
  response:
    content_length: -1
    body: '{REPLY}'
    status: {code} OK
    code: {code}
    duration: 1.2s
"""


def _r_vcr(code: int = 200) -> str:
    """An R vcr cassette: `status: {status_code: 200}`, no Content-Length header."""
    return f"""http_interactions:
- request:
    method: post
    uri: https://api.openai.com/v1/chat/completions
    body:
      encoding: ''
      string: '{BODY}'
    headers:
      Content-Type: application/json
  response:
    status:
      status_code: {code}
      category: Success
      reason: OK
    headers:
      content-type: application/json
    body:
      encoding: ''
      file: no
      string: '{REPLY}'
  recorded_at: 2024-10-08 05:33:21 GMT
  recorded_with: vcr/1.6.0, webmockr/1.0.0
"""


def _rows(text: str, path: str = "testdata/cassette.yaml") -> list[dict]:
    return extract.rows_from_file(text, "owner/name", path, "0" * 40, "MIT")


def test_a_go_vcr_cassette_gives_a_row_checked_against_its_recorded_content_length() -> None:
    (row,) = _rows(_go_vcr(len(BODY)))
    assert row["request"] == json.loads(BODY) and row["prompt_tokens"] == 9
    assert row["body_check"] == "match-raw" and row["api"] == "chat.completions"
    assert row["family"] == "gpt-4o-mini" and row["id"] == "owner/name:testdata/cassette.yaml#0"


def test_a_go_vcr_body_that_is_not_the_one_sent_or_a_failed_call_gives_no_row() -> None:
    assert _rows(_go_vcr(len(BODY) + 20)) == []
    assert _rows(_go_vcr(len(BODY), code=400)) == []
    assert _rows(_go_vcr(len(BODY), url="https://example.com/v1/chat/completions")) == []


def test_an_r_vcr_cassette_reads_its_status_code() -> None:
    (row,) = _rows(_r_vcr())
    assert row["prompt_tokens"] == 9 and row["body_check"] == "no-content-length"
    assert _rows(_r_vcr(code=500)) == []


def _vcrpy_httpx_stub(code: int = 200) -> str:
    """vcrpy before 8.0 through its httpx stubs: `status_code` and `content` where others write `status` and
    `body` (Marvin-Labs/lbgpt's vcrpy 5.1.0 cassettes)."""
    return f"""interactions:
- request:
    body: '{BODY}'
    headers:
      content-length:
      - '{len(BODY)}'
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    content: '{REPLY}'
    headers:
      content-type: application/json
    http_version: HTTP/1.1
    status_code: {code}
version: 1
"""


def test_a_vcrpy_httpx_stub_cassette_reads_its_status_code_and_content() -> None:
    (row,) = _rows(_vcrpy_httpx_stub())
    assert row["prompt_tokens"] == 9 and row["body_check"] == "match-raw"
    assert _rows(_vcrpy_httpx_stub(code=500)) == []


def test_history_reads_each_earlier_version_of_a_cassette_once(git_repo) -> None:
    root, git = git_repo.path, git_repo.git
    cassette = root / "testdata" / "cassette.yaml"
    cassette.parent.mkdir()
    commits = []
    for text in ("Say hi", "Say hello", "Say hi"):  # the third version is the first one again
        body = BODY.replace("Say hi", text)
        cassette.write_text(_go_vcr(len(body)).replace(BODY, body))
        git("add", ".")
        git("commit", "-q", "--allow-empty", "-m", text)
        commits.append(git("rev-parse", "HEAD"))
    rows = extract._history_rows(str(root), "owner/name", commits[-1], "MIT")
    assert sorted(row["request"]["messages"][0]["content"] for row in rows) == ["Say hello", "Say hi"]
    for row in rows:
        assert row["id"] == f"owner/name:testdata/cassette.yaml#0@{row['commit'][:12]}"
        assert row["commit"] in commits and "--history" in row["notes"]


def _nock(status: int = 200, body: object = None, response: object = None) -> str:
    """A nock recording: the request body stored parsed, the gzip-encoded response as hex chunks."""
    import gzip

    reply = response if response is not None else [gzip.compress(REPLY.encode()).hex()]
    return json.dumps(
        [
            {
                "scope": "https://api.openai.com:443",
                "method": "POST",
                "path": "/v1/chat/completions",
                "body": json.loads(BODY) if body is None else body,
                "status": status,
                "response": reply,
                "rawHeaders": ["content-encoding", "gzip", "date", "Thu, 17 Jul 2025 07:27:49 GMT"],
            }
        ]
    )


def _dd_test_agent(length: int, code: int = 200) -> str:
    """A dd-apm-test-agent JSON cassette: one `{request, response}` with the request's Content-Length."""
    return json.dumps(
        {
            "request": {
                "method": "POST",
                "url": "https://api.openai.com/v1/chat/completions",
                "headers": {"Content-Type": "application/json", "Content-Length": str(length)},
                "body": BODY,
            },
            "response": {
                "status": {"code": code, "message": "OK"},
                "headers": {"Date": "Wed, 22 Jul 2026 20:13:31 GMT"},
                "body": REPLY,
            },
        }
    )


def test_a_nock_recording_gives_a_row_with_no_content_length_to_check() -> None:
    (row,) = _rows(_nock(), "test/mock-responses/chat.json")
    assert row["request"] == json.loads(BODY) and row["prompt_tokens"] == 9
    assert row["body_check"] == "no-content-length" and row["recorded_at"] == "2025-07-17T07:27:49Z"
    (plain,) = _rows(_nock(response=json.loads(REPLY)), "test/mock-responses/chat.json")
    assert plain["prompt_tokens"] == 9
    assert _rows(_nock(status=429), "test/mock-responses/chat.json") == []
    assert _rows(_nock(body=["not", "an", "object"]), "test/mock-responses/chat.json") == []


def test_a_dd_test_agent_cassette_is_checked_against_its_content_length() -> None:
    (row,) = _rows(_dd_test_agent(len(BODY)), "test/llmobs/cassettes/openai/chat_post_1.json")
    assert row["body_check"] == "match-raw" and row["recorded_at"] == "2026-07-22T20:13:31Z"
    assert _rows(_dd_test_agent(len(BODY) + 20), "test/llmobs/cassettes/openai/chat_post_1.json") == []
    assert _rows(_dd_test_agent(len(BODY), code=500), "test/llmobs/cassettes/openai/chat_post_1.json") == []


def _llama_stack(streamed: bool = False, exception: bool = False) -> str:
    """A llama-stack recording: the body stored parsed, the url with `/v1` twice, replies as typed objects."""
    reply = json.loads(REPLY)
    chunks = [
        {"choices": [{"delta": {"content": "Hi"}}], "usage": None},
        {"choices": [], "usage": reply["usage"]},
    ]
    typed = "openai.types.chat.chat_completion_chunk.ChatCompletionChunk"
    body: object = {"__data__": reply}
    if streamed:
        body = [{"__type__": typed, "__data__": chunk} for chunk in chunks]
    response = {"body": None if exception else body, "is_streaming": streamed}
    if exception:
        response.update(is_exception=True, exception_message="Rate limit")
    request = {
        "method": "POST",
        "url": "https://api.openai.com/v1/v1/chat/completions",
        "headers": {},
        "body": json.loads(BODY),
        "endpoint": "/v1/chat/completions",
        "model": "gpt-4o-mini",
    }
    test_id = "tests/integration/test_x.py::test_hi"
    return json.dumps({"test_id": test_id, "request": request, "response": response})


def test_a_llama_stack_recording_gives_a_row_with_no_content_length_to_check() -> None:
    path = "tests/integration/responses/recordings/0a1b2c.json"
    (row,) = _rows(_llama_stack(), path)
    assert row["api"] == "chat.completions" and row["request"] == json.loads(BODY)
    assert row["prompt_tokens"] == 9 and row["body_check"] == "no-content-length" and not row["streamed"]
    (streamed,) = _rows(_llama_stack(streamed=True), path)
    assert streamed["prompt_tokens"] == 9 and streamed["streamed"]
    assert _rows(_llama_stack(exception=True), path) == []


def _exvcr(status: int = 200, binary: bool = False) -> str:
    """An ExVCR (Elixir) cassette: a list of `{request, response}`, the url ending in `?`, no length."""
    return json.dumps(
        [
            {
                "request": {
                    "body": BODY,
                    "headers": {"Authorization": "***", "Content-type": "application/json"},
                    "method": "post",
                    "options": {"recv_timeout": 50000},
                    "request_body": "",
                    "url": "https://api.openai.com/v1/chat/completions?",
                },
                "response": {
                    "binary": binary,
                    "body": REPLY,
                    "headers": {"Date": "Sat, 04 Mar 2023 12:16:18 GMT"},
                    "status_code": status,
                    "type": "ok",
                },
            }
        ]
    )


def test_an_exvcr_cassette_gives_a_row_with_no_content_length_to_check() -> None:
    path = "test/fixture/vcr_cassettes/chat_basic_completion.json"
    (row,) = _rows(_exvcr(), path)
    assert row["api"] == "chat.completions" and row["request"] == json.loads(BODY)
    assert row["prompt_tokens"] == 9 and row["body_check"] == "no-content-length"
    assert row["recorded_at"] == "2023-03-04T12:16:18Z"
    assert _rows(_exvcr(status=500), path) == []
    assert _rows(_exvcr(binary=True), path) == []


def _wiremock(cookie: str | None = "__cf_bm=x; path=/; domain=.api.openai.com; HttpOnly", **response) -> str:
    """A WireMock stub mapping as its recorder writes it: a relative url, the body sent as an `equalToJson`
    string, no request length; the reply's headers carry the provider's cookies."""
    headers: dict = {"Date": "Fri, 06 Feb 2026 12:57:15 GMT", "Content-Type": "application/json"}
    if cookie is not None:
        headers["Set-Cookie"] = [cookie]
    return json.dumps(
        {
            "id": "e3409921-1e95-4efe-a299-cc8202215d5a",
            "request": {
                "url": "/chat/completions",
                "method": "POST",
                "bodyPatterns": [
                    {"equalToJson": BODY, "ignoreArrayOrder": True, "ignoreExtraElements": True}
                ],
            },
            "response": {"status": 200, "body": REPLY, "headers": headers, **response},
        }
    )


def test_a_wiremock_mapping_gives_a_row_when_its_reply_is_openai_s() -> None:
    path = "src/test/resources/mappings/chat_completions-e3409921.json"
    (row,) = _rows(_wiremock(), path)
    assert row["api"] == "chat.completions" and row["request"] == json.loads(BODY)
    assert row["prompt_tokens"] == 9 and row["body_check"] == "no-content-length"
    assert row["recorded_at"] == "2026-02-06T12:57:15Z"
    assert _rows(_wiremock(cookie=None), path) == []  # no host to read off the mapping
    assert _rows(_wiremock(cookie="__cf_bm=x; domain=.example.com"), path) == []
    assert _rows(_wiremock(status=500), path) == []
    (parsed,) = _rows(_wiremock(body=None, jsonBody=json.loads(REPLY)), path)
    assert parsed["prompt_tokens"] == 9


def test_a_dd_test_agent_cassette_is_not_read_as_a_wiremock_mapping() -> None:
    data = json.loads(_dd_test_agent(len(BODY)))
    assert not extract._is_wiremock(data)
    assert extract._is_wiremock(json.loads(_wiremock()))


def _req_llm(**request: Any) -> str:
    """A ReqLLM fixture (Elixir): the request body as the base64 of the bytes sent, the reply parsed."""
    return json.dumps(
        {
            "request": {
                "method": "post",
                "url": "https://api.openai.com/v1/chat/completions",
                "headers": {"content-type": ["application/json"]},
                "body": {"b64": base64.b64encode(BODY.encode()).decode()},
                "canonical_json": json.loads(BODY),
                **request,
            },
            "response": {
                "status": 200,
                "headers": {"date": ["Wed, 22 Jul 2026 20:13:31 GMT"]},
                "body": json.loads(REPLY),
            },
        }
    )


def test_a_req_llm_fixture_gives_a_row_from_its_b64_body() -> None:
    path = "test/support/fixtures/openai/gpt_4o_mini/basic.json"
    (row,) = _rows(_req_llm(), path)
    assert row["request"] == json.loads(BODY) and row["prompt_tokens"] == 9
    assert row["body_check"] == "no-content-length" and row["recorded_at"] == "2026-07-22T20:13:31Z"
    assert _rows(_req_llm(body={"b64": "%%%"}), path) == []  # not base64: no body, no row
    assert not extract._is_req_llm(json.loads(_dd_test_agent(len(BODY))))  # a string body is not ReqLLM's
    (dd,) = _rows(_dd_test_agent(len(BODY)), "cassettes/chat.json")
    assert dd["body_check"] == "match-raw"  # dd-apm-test-agent's are read as before


def _parsed_body(length: int | None) -> str:
    """A vcrpy cassette written with pydantic-ai's `json_body_serializer`: JSON bodies stored parsed, under
    `parsed_body` in place of `body` (keys sorted), headers lower-cased; the length header is optional."""
    header = f"      content-length:\n      - '{length}'\n" if length is not None else ""
    return f"""interactions:
- request:
    headers:
{header}      content-type:
      - application/json
      host:
      - api.openai.com
    method: POST
    parsed_body:
      messages:
      - content: Say hi
        role: user
      model: gpt-4o-mini
    uri: https://api.openai.com/v1/chat/completions
  response:
    headers:
      content-type:
      - application/json
    parsed_body:
      id: chatcmpl-Cs3nShhB45rtsYwfTLbs4yuHJ7NT3
      model: gpt-4o-mini-2024-07-18
      usage:
        completion_tokens: 2
        prompt_tokens: 9
    status:
      code: 200
      message: OK
version: 1
"""


def test_a_parsed_body_cassette_is_checked_against_the_serialisations_of_its_body() -> None:
    (row,) = _rows(_parsed_body(len(BODY)))  # BODY is the compact JSON of the parsed body
    assert row["request"] == json.loads(BODY) and row["prompt_tokens"] == 9
    assert row["body_check"] == "match-reserialized"  # never "match-raw": the bytes sent are not stored
    spaced = len(json.dumps(json.loads(BODY)))
    assert _rows(_parsed_body(spaced))[0]["body_check"] == "match-reserialized"
    assert _rows(_parsed_body(None))[0]["body_check"] == "no-content-length"
    assert _rows(_parsed_body(len(BODY) + 3)) == []


def test_a_body_beside_a_parsed_body_is_read_as_before() -> None:
    text = _parsed_body(len(BODY)).replace(
        "    parsed_body:\n      messages:", f"    body: '{BODY}'\n    x:\n      messages:", 1
    )
    (row,) = _rows(text)
    assert row["body_check"] == "match-raw" and row["prompt_tokens"] == 9
