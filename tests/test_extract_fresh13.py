# ruff: noqa: E501 -- the WireMock mapping below is kept byte for byte, its long lines too
"""scripts/extract_cassette_truth.py reads WireMock stub mappings (fresh13): a JSON file under a `--json`
pathspec holding `{request: {url, method, bodyPatterns: [{equalToJson}]}, response: {status, body,
headers}}`, as WireMock's recorder writes one per exchange. The url has no host: the mapping is api.openai.com's
only when its recorded reply sets a cookie for `.api.openai.com`; `/chat/completions` is read under `/v1`.
The request body is the `equalToJson` string, with no length ("no-content-length").

The mapping below is genuine: apache/camel-quarkus (Apache-2.0),
integration-tests/openai/src/test/resources/mappings/chat_completions-e3409921-1e95-4efe-a299-cc8202215d5a.json
at commit 9e952fb7eee50c87edd37bc84bef3c7d4edc516e (the whole file, 3,145 bytes; unchanged since it was added
in 385131980c94, 2026-02-17). Its row is fresh13's `...chat_completions-e3409921-...json#0`."""

from __future__ import annotations

import json
import subprocess
import sys

from extractor import ROOT, SCRIPT, build_script, extract

REPO = "apache/camel-quarkus"
PATH = "integration-tests/openai/src/test/resources/mappings/chat_completions-e3409921-1e95-4efe-a299-cc8202215d5a.json"
COMMIT = "9e952fb7eee50c87edd37bc84bef3c7d4edc516e"
FRESH13 = ROOT / "data" / "token_truth" / "openai-token-truth-fresh13.jsonl"

MAPPING = r"""{
  "id" : "e3409921-1e95-4efe-a299-cc8202215d5a",
  "name" : "chat_completions",
  "request" : {
    "url" : "/chat/completions",
    "method" : "POST",
    "bodyPatterns" : [ {
      "equalToJson" : "{\"messages\":[{\"content\":\"Create an example product description.\",\"role\":\"user\"}],\"model\":\"gpt-5\",\"response_format\":{\"json_schema\":{\"name\":\"camel_schema\",\"schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"price\":{\"type\":\"number\"}}}},\"type\":\"json_schema\"}}",
      "ignoreArrayOrder" : true,
      "ignoreExtraElements" : true
    } ]
  },
  "response" : {
    "status" : 200,
    "body" : "{\n  \"id\": \"chatcmpl-D6FgQFP84kkJHFYIGmNRSuumMKs60\",\n  \"object\": \"chat.completion\",\n  \"created\": 1770382626,\n  \"model\": \"gpt-5-2025-08-07\",\n  \"choices\": [\n    {\n      \"index\": 0,\n      \"message\": {\n        \"role\": \"assistant\",\n        \"content\": \"{\\\"name\\\":\\\"Nimbus Noise‑Cancelling Wireless Headphones\\\",\\\"price\\\":149.99}\",\n        \"refusal\": null,\n        \"annotations\": []\n      },\n      \"finish_reason\": \"stop\"\n    }\n  ],\n  \"usage\": {\n    \"prompt_tokens\": 45,\n    \"completion_tokens\": 607,\n    \"total_tokens\": 652,\n    \"prompt_tokens_details\": {\n      \"cached_tokens\": 0,\n      \"audio_tokens\": 0\n    },\n    \"completion_tokens_details\": {\n      \"reasoning_tokens\": 576,\n      \"audio_tokens\": 0,\n      \"accepted_prediction_tokens\": 0,\n      \"rejected_prediction_tokens\": 0\n    }\n  },\n  \"service_tier\": \"default\",\n  \"system_fingerprint\": null\n}\n",
    "headers" : {
      "x-request-id" : "req_3fb758d207124b90bd83b6000cba24b5",
      "x-ratelimit-limit-tokens" : "500000",
      "openai-organization" : "user-fc32zjefei81sjxkd0c7bqkx",
      "CF-RAY" : "9c9acfb7df6d8a9b-PRG",
      "Server" : "cloudflare",
      "X-Content-Type-Options" : "nosniff",
      "x-ratelimit-reset-requests" : "120ms",
      "x-openai-proxy-wasm" : "v0.1",
      "x-ratelimit-remaining-tokens" : "499988",
      "cf-cache-status" : "DYNAMIC",
      "x-ratelimit-remaining-requests" : "499",
      "Date" : "Fri, 06 Feb 2026 12:57:15 GMT",
      "x-ratelimit-reset-tokens" : "1ms",
      "access-control-expose-headers" : "X-Request-ID",
      "Strict-Transport-Security" : "max-age=31536000; includeSubDomains; preload",
      "x-ratelimit-limit-requests" : "500",
      "Set-Cookie" : [ "__cf_bm=yuzjAErLURfyv9i3on9hnWhG5Obbm8F8DkMk2qaiXp4-1770382635-1.0.1.1-czYHL1V66cc50MxqZaX.HGhXdKLxIdtpqYHjz4CrpuXxUE6ze7JAbb84qYnqoRCaf66w71D_OKqycxI81x4FKKH7sGK38dkC.83C8mTnaxo; path=/; expires=Fri, 06-Feb-26 13:27:15 GMT; domain=.api.openai.com; HttpOnly; Secure; SameSite=None", "_cfuvid=rE.OOynH9e5aokJczm4.M6pdQm5.ysxClY810HiTlWo-1770382635697-0.0.1.1-604800000; path=/; domain=.api.openai.com; HttpOnly; Secure; SameSite=None" ],
      "openai-version" : "2020-10-01",
      "openai-processing-ms" : "8901",
      "alt-svc" : "h3=\":443\"; ma=86400",
      "Content-Type" : "application/json"
    }
  },
  "uuid" : "e3409921-1e95-4efe-a299-cc8202215d5a",
  "persistent" : true,
  "insertionIndex" : 4
}"""


def _rows(text: str = MAPPING) -> list[dict]:
    return extract.rows_from_file(text, REPO, PATH, COMMIT, "Apache-2.0")


def test_the_genuine_mapping_gives_its_recorded_prompt_tokens() -> None:
    (row,) = _rows()
    assert row["prompt_tokens"] == 45
    assert row["cached_tokens"] == 0
    assert row["usage"]["completion_tokens_details"]["reasoning_tokens"] == 576
    assert row["api"] == "chat.completions"
    assert row["model"] == "gpt-5" and row["family"] == "gpt-5"
    assert row["features"] == ["response_format_json_schema"]
    assert row["body_check"] == "no-content-length"  # WireMock keeps no request length
    assert not row["streamed"]
    assert row["recorded_at"] == "2026-02-06T12:57:15Z"  # the reply's Date header
    assert row["id"] == f"{REPO}:{PATH}#0"


def test_the_request_is_the_equal_to_json_string() -> None:
    (row,) = _rows()
    request = row["request"]
    assert request["messages"] == [{"content": "Create an example product description.", "role": "user"}]
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["name"] == "camel_schema"
    assert list(request["response_format"]["json_schema"]["schema"]["properties"]) == ["name", "price"]
    stored = json.loads(MAPPING)["request"]["bodyPatterns"][0]["equalToJson"]
    assert json.dumps(request, separators=(",", ":"), ensure_ascii=False) == stored  # key order as sent


def test_the_exchange_gets_the_openai_host_from_the_cookie() -> None:
    (exchange,) = extract._json_exchanges(MAPPING)
    method, uri, body, length, reply, status, _stamp = exchange
    assert (method, uri, length, status) == ("POST", "https://api.openai.com/v1/chat/completions", None, 200)
    assert json.loads(reply)["id"] == "chatcmpl-D6FgQFP84kkJHFYIGmNRSuumMKs60"  # generated by the API
    assert body.startswith('{"messages":[')


def test_without_the_openai_cookie_there_is_no_row() -> None:
    mapping = json.loads(MAPPING)
    del mapping["response"]["headers"]["Set-Cookie"]
    (exchange,) = extract._json_exchanges(json.dumps(mapping))
    assert exchange[1] == ""  # no host: not api.openai.com
    assert _rows(json.dumps(mapping)) == []


def test_a_cookie_for_another_domain_gives_no_row() -> None:
    text = MAPPING.replace("domain=.api.openai.com", "domain=.example.com")
    assert "api.openai.com" not in text
    assert _rows(text) == []


def test_a_v1_path_is_not_doubled() -> None:
    text = MAPPING.replace('"url" : "/chat/completions"', '"url" : "/v1/chat/completions"')
    (exchange,) = extract._json_exchanges(text)
    assert exchange[1] == "https://api.openai.com/v1/chat/completions"
    assert len(_rows(text)) == 1


def test_a_reply_kept_in_a_body_file_is_not_read() -> None:
    mapping = json.loads(MAPPING)
    del mapping["response"]["body"]
    mapping["response"]["bodyFileName"] = "chat_completions-e3409921.json"
    (exchange,) = extract._json_exchanges(json.dumps(mapping))
    assert exchange[4] is None
    assert _rows(json.dumps(mapping)) == []


def test_a_non_200_mapping_gives_no_row() -> None:
    assert _rows(MAPPING.replace('"status" : 200', '"status" : 429')) == []


def test_command_line_reads_mappings_under_a_json_pathspec(git_repo) -> None:
    repo = git_repo.path
    mapping = repo / PATH
    mapping.parent.mkdir(parents=True)
    mapping.write_text(MAPPING)
    git_repo.git("add", ".")
    git_repo.git("commit", "-q", "-m", "add mapping")
    base = [sys.executable, str(SCRIPT), str(repo / ".git"), REPO, "Apache-2.0", "--history"]
    without = subprocess.run(base, capture_output=True, text=True, check=True)
    assert without.stdout == ""  # a JSON recording is read only under a `--json` pathspec
    folder = PATH.rsplit("/", 1)[0]
    out = subprocess.run([*base, "--json", folder], capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(row["model"], row["prompt_tokens"]) for row in rows] == [("gpt-5", 45)]


def test_the_build_lists_every_earlier_set() -> None:
    build_fresh13 = build_script("build_fresh13")
    names = [path.name for path in build_fresh13.EARLIER]
    for n in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"):
        assert f"openai-token-truth-fresh{n}.jsonl" in names
    assert [source[0] for source in build_fresh13.SOURCES] == [REPO]
    assert build_fresh13.SOURCES[0][1] == COMMIT


def test_the_built_file_holds_the_genuine_row() -> None:
    rows = [json.loads(line) for line in FRESH13.open()]
    assert len(rows) == 9
    assert {row["source_repo"] for row in rows} == {REPO}
    assert {row["model"] for row in rows} == {"gpt-5"}
    assert {row["body_check"] for row in rows} == {"no-content-length"}
    (row,) = [row for row in rows if row["id"] == f"{REPO}:{PATH}#0"]
    assert row["prompt_tokens"] == 45
    assert row["request"] == _rows()[0]["request"]
