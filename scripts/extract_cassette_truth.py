"""Extracts token-truth rows from the HTTP cassettes of a repository snapshot (VCR, vcrpy, go-vcr, HAR, JSON).

A row pairs an OpenAI request body as sent (Chat Completions or Responses API, api.openai.com only) with the
prompt tokens the API reported, plus provenance. Integrity filters (those of the dev set's README): the
recorded Content-Length must match the body (raw bytes, or its compact JSON: "match-raw" /
"match-reserialized"; absent: "no-content-length"; a mismatch drops the row), non-200 responses, bodies with
redaction markers, remote images (their size is unknown offline) and prompts recorded more than once with
different counts are dropped. Only the rows are kept (never the repository's code).

A YAML cassette written with pydantic-ai's `json_body_serializer` stores a JSON body parsed, under
`parsed_body` (request and reply), in place of `body`: it is read as that JSON, and the request's length is
checked against the usual client serialisations of it ("match-reserialized"; absent: "no-content-length").

`--history` also reads every earlier version of the cassettes (each blob once; a row's commit is the one that
wrote that version, its id ends in `@<commit>`); a prompt recorded in several versions must agree there too.

`--json PATHSPEC` also reads the JSON recordings under PATHSPEC (repeatable): nock recordings (a list of
`{scope, method, path, body, status, response, rawHeaders}`; the request body is stored parsed, with no
length, so its check is "no-content-length"), dd-apm-test-agent's (`{request: {method, url, headers, body},
response: {status: {code}, headers, body}}`) and llama-stack's inference recorder's (`{request: {url, body,
endpoint}, response: {body, is_streaming}}`, the body stored parsed) and ExVCR's (Elixir: a list of `{request:
{method, url, headers, body}, response: {status_code, headers, body}}`, no request length).

A WireMock stub mapping among them (`{request: {url, method, bodyPatterns: [{equalToJson}]}, response:
{status, body, headers}}`, as its recorder writes one per exchange under `mappings/`) is read too: its url has
no host, so it counts as api.openai.com only when the recorded reply sets a cookie for `.api.openai.com`, and
a path without `/v1` is read under it (the recorder proxied to the base URL `https://api.openai.com/v1`); the
request body is the `equalToJson` string the recorder stored, with no length ("no-content-length").

A ReqLLM fixture among them (Elixir: `{request: {method, url, headers, body: {b64}, canonical_json}, response:
{status, headers, body}, chunks?}`, as agentjido/req_llm's recorder writes one per exchange) is read too: the
request body is its `b64` decoded, the bytes sent (the parsed `canonical_json` copy is not read), with no
length ("no-content-length"); a streamed reply is the top-level `chunks` (base64 each) joined.

A `.jsonl` path given to `--json` is read as a TensorZero ModelInferenceCache export (Rust: one `{raw_request,
raw_response, timestamp, ...}` object a line, the provider body as the string sent): it names no host, so a
line counts as api.openai.com's Chat Completions only when the request names an OpenAI model and the reply is
a `chat.completion` with an API-generated `chatcmpl-` id and no Azure filter results ("no-content-length").

`--pickle PATHSPEC` also reads motleycache recordings under PATHSPEC (repeatable): one pickled
`httpx.Response` per `.pkl` file, its request inside; they are read without importing or running anything
(every class the pickle names is a stand-in that only keeps its arguments and state).

`--moscafetch PATHSPEC` also reads the JSON recordings of KaibanJS's moscaFetch recorder under PATHSPEC
(repeatable): a list of `{url, method, body, response}`, the request body and the reply stored parsed, no
status, no headers (so "no-content-length"). Only files under these pathspecs are read this way.

`--zen-json PATHSPEC` also reads the JSON recordings of zen-mcp-server's HTTP transport recorder under
PATHSPEC (repeatable): `{interactions: [{request: {method, url, headers, content}, response: {status_code,
headers, content: {data, encoding}}}]}`, the request body stored parsed beside the Content-Length it was sent
with (so a body that passes is "match-reserialized"). Only files under these pathspecs are read this way.

`--httpmock-yaml PATHSPEC` also reads the recordings of Rust httpmock's recorder under PATHSPEC (repeatable; a
folder means its `*.yml` / `*.yaml` files): one YAML document per exchange, `{when: {method, path,
json_body_str or body}, then: {status, header, body}}`. They store no host: a recording under one of these
pathspecs counts as api.openai.com (whoever gives the pathspec vouches that its recorder forwarded there, and
each row's notes say the host is inferred). The request body is the `json_body_str` stored (a re-serialised
copy of the body sent) and no length ("no-content-length"); the date is the reply's `created_at` (set by the
API). Only files under these pathspecs are read this way.

    .venv/bin/python scripts/extract_cassette_truth.py GIT_DIR OWNER/NAME LICENCE [--commit REV] [--history]
        [--json PATHSPEC]... [--pickle PATHSPEC]... [--moscafetch PATHSPEC]... [--zen-json PATHSPEC]...
        [--httpmock-yaml PATHSPEC]...
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import gzip
import io
import json
import pickle
import re
import subprocess
import sys
import zlib
from collections import defaultdict
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import yaml

ENDPOINTS = {"/v1/chat/completions": "chat.completions", "/v1/responses": "responses"}
REDACTION = re.compile(r"REDACTED|FILTERED|<redacted>|\*\*\*\*", re.IGNORECASE)
FAMILIES = (
    ("gpt-4o-mini", "gpt-4o-mini"),
    ("gpt-4o", "gpt-4o"),
    ("chatgpt-4o", "gpt-4o"),
    ("gpt-4.1", "gpt-4.1"),
    ("gpt-5", "gpt-5"),
    ("gpt-4", "gpt-4"),
    ("gpt-3.5", "gpt-3.5"),
    ("o1", "o-series"),
    ("o3", "o-series"),
    ("o4", "o-series"),
)


def _git(git_dir: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", git_dir, *args], capture_output=True, check=True).stdout


def _grep_listed(git_dir: str, pattern: str, commit: str, paths: tuple[str, ...], *flags: str) -> bytes:
    """`commit:path` lines of the files under `paths` that match `pattern` (extended regex)."""
    # git grep exits 1 when nothing matches (and 128 on a blob the snapshot lacks): its output still counts
    command = ["git", "-C", git_dir, "grep", "-l", *flags, "-E", pattern, commit, "--", *paths]
    return subprocess.run(command, capture_output=True).stdout


def _text(body: Any) -> str | None:
    """Returns a cassette body as text (vcrpy: str or {string: ...}; Ruby VCR: {encoding, string})."""
    if isinstance(body, dict):
        body = base64.b64decode(body["base64_string"]) if "base64_string" in body else body.get("string")
    if isinstance(body, bytes):
        for decode in (lambda b: gzip.decompress(b), lambda b: zlib.decompress(b, 47), lambda b: b):
            try:
                return decode(body).decode("utf-8")
            except (OSError, EOFError, zlib.error, UnicodeDecodeError):
                continue
        return None
    return body


def _header_values(headers: Any, name: str) -> list[Any]:
    """Every value recorded for header `name` (any case): recorders keep one value or a list of them."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value if isinstance(value, list) else [value]
    return []


def _header(headers: Any, name: str) -> str | None:
    values = _header_values(headers, name)
    return values[0] if values else None


def _base64_text(data: str) -> str | None:
    """A base64 body as text (see `_text`), or None when it is not valid base64."""
    try:
        return _text(base64.b64decode(data, validate=True))
    except ValueError:
        return None


def _usage(text: str) -> tuple[dict | None, bool]:
    """Returns (usage, streamed) from a response body: JSON, or SSE whose last usage-carrying event counts."""
    try:
        data = json.loads(text)
        return data.get("usage"), False
    except (ValueError, AttributeError):
        pass
    usage = None
    for line in text.splitlines():
        if not line.startswith("data:"):
            continue
        try:
            event = json.loads(line[5:].strip())
        except ValueError:
            continue
        found = event.get("usage") or (event.get("response") or {}).get("usage")
        if found:
            usage = found
    return usage, True


def features(body: dict, api: str) -> list[str]:
    tags = set()
    items = body.get("messages") if api == "chat.completions" else body.get("input")
    items = [{"role": "user", "content": items}] if isinstance(items, str) else (items or [])
    if body.get("tools") or body.get("functions"):
        tags.add("tools")
    for item in items:
        if not isinstance(item, dict):
            continue
        if (
            item.get("tool_calls")
            or item.get("role") == "tool"
            or item.get("type")
            in (
                "function_call",
                "function_call_output",
            )
        ):
            tags.add("multi_turn_tool_calls")
        if item.get("role") == "tool" and item.get("name"):
            tags.add("tool_message_name")
        if item.get("role") in ("user", "assistant", "system") and item.get("name"):
            tags.add(f"name_{item['role']}")
        if item.get("role") == "developer":
            tags.add("developer_role")
        if isinstance(item.get("content"), list):
            tags.add("content_parts")
            if any(isinstance(p, dict) and "image" in str(p.get("type")) for p in item["content"]):
                tags.add("images")
    if any(isinstance(t, dict) and t.get("type") == "custom" for t in body.get("tools") or ()):
        tags.add("custom_tools")
    kind = (body.get("response_format") or (body.get("text") or {}).get("format") or {}).get("type")
    if kind in ("json_schema", "json_object"):
        tags.add(f"response_format_{kind}")
    if body.get("instructions"):
        tags.add("instructions")
    return sorted(tags)


def _remote_images(node: Any) -> bool:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("image_url", "url") and isinstance(value, str) and value.startswith("http"):
                return True
            url = str(value.get("url", "")) if isinstance(value, dict) else ""
            if key == "image_url" and url.startswith("http"):
                return True
            if _remote_images(value):
                return True
    elif isinstance(node, list):
        return any(_remote_images(item) for item in node)
    return False


def _serialised_lengths(body: dict) -> set[int]:
    """Byte lengths of the usual client serialisations of a body (compact or `, `/`: `, ASCII or not)."""
    return {
        len(json.dumps(body, separators=separators, ensure_ascii=ascii_only).encode("utf-8"))
        for separators in ((",", ":"), (", ", ": "))
        for ascii_only in (True, False)
    }


def _interactions(data: Any) -> list[tuple[dict, dict, str | None]]:
    if not isinstance(data, dict):
        return []
    found = []
    for item in data.get("interactions") or data.get("http_interactions") or ():
        if (
            isinstance(item, dict)
            and isinstance(item.get("request"), dict)
            and isinstance(item.get("response"), dict)
        ):
            found.append((item["request"], item["response"], item.get("recorded_at")))
    return found


Exchange = tuple[str, str, str | None, int | None, str | None, int | None, datetime | None]


def _body(part: dict, indent: int | None = None) -> str | None:
    """A vcrpy / Ruby VCR body as text, or, when there is none, the JSON of a `parsed_body`: pydantic-ai's
    `json_body_serializer` (its tests' `pytest_recording_configure`, used by other projects too) replaces a
    JSON body by its parsed value, dumped as YAML with sorted keys. A request's is given back indented, so it
    can never pass as the bytes sent ("match-raw"): it is checked against the usual client serialisations
    ("match-reserialized"), the key order as sent being lost."""
    body = _text(part.get("body"))
    parsed = part.get("parsed_body")
    if body is None and isinstance(parsed, (dict, list)):
        return json.dumps(parsed, ensure_ascii=False, indent=indent)
    return body


def _yaml_exchanges(text: str) -> list[Exchange]:
    """(method, uri, body, recorded length, response body, status, recorded at) per interaction."""
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return []
    found = []
    for request, response, recorded in _interactions(data):
        length = _header(request.get("headers"), "Content-Length")
        if (
            length is None
            and isinstance(request.get("content_length"), int)
            and request["content_length"] > 0
        ):
            length = request["content_length"]  # go-vcr (v2+): the request's recorded ContentLength
        status = response.get("status")
        # vcrpy / Ruby VCR: `status: {code: 200}`; R vcr: `status: {status_code: 200}`; go-vcr: `code: 200`;
        # vcrpy's httpx stubs before 8.0: `status_code: 200` beside `content` (Marvin-Labs/lbgpt, vcrpy 5.1.0)
        code = (
            status.get("code", status.get("status_code"))
            if isinstance(status, dict)
            else response.get("code", response.get("status_code"))
        )
        code = int(code) if isinstance(code, str) and code.isdigit() else code
        if recorded:
            stamp = parsedate_to_datetime(recorded) if "," in str(recorded) else None
        else:
            date_header = _header(response.get("headers"), "date")
            try:
                stamp = parsedate_to_datetime(date_header) if date_header else None
            except (TypeError, ValueError):  # a redacted Date header (contextgem: "DUMMY"): no time
                stamp = None
        found.append(
            (
                str(request.get("method", "")),
                str(request.get("uri") or request.get("url") or ""),
                _body(request, indent=1),
                int(length) if length is not None else None,
                _reply_body(response),
                code,
                stamp,
            )
        )
    return found


def _reply_body(response: dict) -> str | None:
    """A vcrpy / Ruby VCR reply's body; vcrpy's httpx stubs before 8.0 wrote it as `content` (the text of
    httpx's decoded `.content`) beside `status_code`, with no `body`."""
    body = _body(response)
    if body is None and "body" not in response and isinstance(response.get("content"), str):
        return response["content"]
    return body


def _har_exchanges(text: str) -> list[Exchange]:
    """The same from a HAR file (Polly.js recordings): the request's `bodySize` is its recorded length."""
    try:
        entries = json.loads(text)["log"]["entries"]
    except (ValueError, KeyError, TypeError):
        return []
    found = []
    for entry in entries:
        request, response = entry.get("request") or {}, entry.get("response") or {}
        content = response.get("content") or {}
        reply = content.get("text")
        if reply and content.get("encoding") == "base64":
            reply = _text(base64.b64decode(reply))
        elif reply and content.get("_isBinary"):
            try:
                reply = _text(b"".join(base64.b64decode(chunk) for chunk in json.loads(reply)))
            except (ValueError, TypeError):
                reply = None
        size = request.get("bodySize")
        stamp = entry.get("startedDateTime")
        found.append(
            (
                str(request.get("method", "")),
                str(request.get("url", "")),
                (request.get("postData") or {}).get("text"),
                size if isinstance(size, int) and size >= 0 else None,
                reply,
                response.get("status"),
                datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None,
            )
        )
    return found


def _date(headers: Any) -> datetime | None:
    stamp = _header(headers, "date")
    try:
        return parsedate_to_datetime(stamp) if isinstance(stamp, str) else None
    except (TypeError, ValueError):
        return None


def _nock_reply(response: Any) -> str | None:
    """A nock recording's response: parsed JSON, text, or (gzip-encoded) a list of hex chunks."""
    if isinstance(response, list) and response and all(isinstance(c, str) for c in response):
        try:
            return _text(bytes.fromhex("".join(response)))
        except ValueError:
            return None
    if isinstance(response, (dict, list)):
        return json.dumps(response)
    return response if isinstance(response, str) else None


def _is_llama_stack(data: Any) -> bool:
    """llama-stack's inference recorder: `{request: {method, url, body (parsed), endpoint, model}, response:
    {body: {__type__, __data__} or a list of them (streamed), is_streaming}}`."""
    request = data.get("request") if isinstance(data, dict) else None
    return (
        isinstance(request, dict)
        and isinstance(request.get("endpoint"), str)
        and isinstance(request.get("body"), dict)
        and isinstance(data.get("response"), dict)
        and "is_streaming" in data["response"]
    )


def _llama_stack_exchange(data: dict) -> Exchange:
    """One llama-stack recording. Its url repeats the base URL's `/v1` (`.../v1/v1/chat/completions`): the
    endpoint is read from `endpoint`. The body is stored parsed, with no length ("no-content-length"); a
    streamed reply becomes SSE `data:` lines; a recorded exception has no status."""
    request, response = data["request"], data["response"]
    host = re.match(r"https?://[^/]+", str(request.get("url", "")))
    body = response.get("body")
    events = body if isinstance(body, list) else [body]
    parts = [event.get("__data__") for event in events if isinstance(event, dict)]
    if response.get("is_exception") or not parts or any(not isinstance(part, dict) for part in parts):
        reply, status = None, None
    elif isinstance(body, list):
        reply, status = "".join(f"data: {json.dumps(part)}\n\n" for part in parts) + "data: [DONE]\n\n", 200
    else:
        reply, status = json.dumps(parts[0]), 200
    return (
        str(request.get("method", "")),
        (host.group(0) if host else "") + request["endpoint"],
        json.dumps(request["body"], ensure_ascii=False),
        None,
        reply,
        status,
        None,
    )


def _is_exvcr(data: Any) -> bool:
    """ExVCR (Elixir): a list of `{request: {method, url, headers, body}, response: {status_code, headers,
    body, binary}}`."""
    return (
        isinstance(data, list)
        and bool(data)
        and all(
            isinstance(item, dict)
            and isinstance(item.get("request"), dict)
            and isinstance(item.get("response"), dict)
            and "status_code" in item["response"]
            for item in data
        )
    )


def _exvcr_exchange(item: dict) -> Exchange:
    """One ExVCR interaction. Its recorder keeps no request Content-Length ("no-content-length"); the url may
    end in `?` (read as a query); a binary response body is not read."""
    request, response = item["request"], item["response"]
    body, reply = request.get("body"), response.get("body")
    length = _header(request.get("headers"), "Content-Length")
    return (
        str(request.get("method", "")),
        str(request.get("url", "")),
        body if isinstance(body, str) else None,
        int(length) if isinstance(length, str) and length.isdigit() else None,
        reply if isinstance(reply, str) and not response.get("binary") else None,
        response.get("status_code"),
        _date(response.get("headers")),
    )


def _is_wiremock(data: Any) -> bool:
    """A WireMock stub mapping: `{request: {url | urlPath, method, bodyPatterns}, response: {status, ...}}`
    (no request `body`: dd-apm-test-agent's recordings have one)."""
    request = data.get("request") if isinstance(data, dict) else None
    return (
        isinstance(request, dict)
        and isinstance(request.get("bodyPatterns"), list)
        and "body" not in request
        and isinstance(data.get("response"), dict)
        and isinstance(data["response"].get("status"), int)
    )


WIREMOCK_OPENAI_COOKIE = re.compile(r"domain=\.?api\.openai\.com(;|$)", re.IGNORECASE)


def _wiremock_exchange(data: dict) -> Exchange:
    """One WireMock stub mapping as its recorder writes it. The url is relative: it is api.openai.com's only
    when the recorded reply sets a cookie for that domain (`Set-Cookie: ...; domain=.api.openai.com`), and a
    path without `/v1` is read under `/v1` (the recorder proxied to `https://api.openai.com/v1`); any other
    mapping gets no host, so no row. The request body is the first `equalToJson` pattern (the body the
    recorder received, kept as a string); the recorder keeps no request length ("no-content-length"). The
    reply is `body` (text), `jsonBody` (parsed) or `base64Body`; a `bodyFileName` reply (under `__files/`) is
    not read."""
    request, response = data["request"], data["response"]
    headers = response.get("headers") if isinstance(response.get("headers"), dict) else {}
    cookies = _header_values(headers, "Set-Cookie")
    path = str(request.get("url") or request.get("urlPath") or "")
    uri = ""
    if path.startswith("/") and any(
        isinstance(cookie, str) and WIREMOCK_OPENAI_COOKIE.search(cookie) for cookie in cookies
    ):
        uri = "https://api.openai.com" + ("" if path.startswith("/v1/") else "/v1") + path
    patterns = [p for p in request["bodyPatterns"] if isinstance(p, dict) and "equalToJson" in p]
    body = patterns[0]["equalToJson"] if patterns else None
    if isinstance(body, (dict, list)):
        body = json.dumps(body, ensure_ascii=False)
    reply = response.get("body")
    if reply is None and isinstance(response.get("jsonBody"), (dict, list)):
        reply = json.dumps(response["jsonBody"], ensure_ascii=False)
    if reply is None and isinstance(response.get("base64Body"), str):
        reply = _base64_text(response["base64Body"])
    return (
        str(request.get("method", "")),
        uri,
        body if isinstance(body, str) else None,
        None,
        reply if isinstance(reply, str) else None,
        response["status"],
        _date(headers),
    )


def _is_req_llm(data: Any) -> bool:
    """A ReqLLM fixture (Elixir, agentjido/req_llm's `test/support/fixtures/<provider>/<model>/<name>.json`):
    `{request: {method, url, headers, body: {b64}, canonical_json}, response: {status, headers, body},
    chunks?}`, the request body kept as the base64 of the bytes sent."""
    request = data.get("request") if isinstance(data, dict) else None
    return (
        isinstance(request, dict)
        and isinstance(request.get("body"), dict)
        and isinstance(request["body"].get("b64"), str)
        and isinstance(data.get("response"), dict)
    )


def _req_llm_exchange(data: dict) -> Exchange:
    """One ReqLLM fixture. The request body is its `b64` decoded (the bytes sent; `canonical_json`, a parsed
    copy, is not read); its recorder keeps no request Content-Length ("no-content-length"). The reply is the
    response `body` (stored parsed) or, for a streamed exchange, the top-level `chunks` (each the base64 of
    what was received) joined into the SSE text."""
    request, response = data["request"], data["response"]
    body = _base64_text(request["body"]["b64"])
    chunks = data.get("chunks")
    reply = response.get("body")
    if isinstance(chunks, list) and chunks:
        try:
            reply = _text(b"".join(base64.b64decode(chunk["b64"], validate=True) for chunk in chunks))
        except (ValueError, TypeError, KeyError):
            reply = None
    elif isinstance(reply, (dict, list)):
        reply = json.dumps(reply, ensure_ascii=False)
    length = _header(request.get("headers"), "Content-Length")
    return (
        str(request.get("method", "")),
        str(request.get("url", "")),
        body,
        int(length) if isinstance(length, str) and length.isdigit() else None,
        reply if isinstance(reply, str) else None,
        response.get("status"),
        _date(response.get("headers")),
    )


TENSORZERO_CHAT_ID = re.compile(r"chatcmpl-[A-Za-z0-9]{29}")
TENSORZERO_MODELS = re.compile(r"(gpt-|chatgpt-|o[134]-|o[134]$|ft:gpt-)")
# TensorZero stores a file or image sent inline as a placeholder (`data:image/png;base64,<TENSORZERO_FILE_0>`)
TENSORZERO_PLACEHOLDER = re.compile(r"<TENSORZERO_[A-Z]+_\d+>")


def _tensorzero_cache_exchanges(text: str) -> list[Exchange]:
    """A TensorZero ModelInferenceCache export (Rust, tensorzero/tensorzero's `ui/fixtures/
    model_inference_cache_*.jsonl`, a `.jsonl` file under a `--json` pathspec): one JSON object a line,
    `{short_cache_key, long_cache_key, timestamp, output, raw_request, raw_response, input_tokens, ...}`, the
    provider request body kept as the string the gateway serialised and sent (`raw_request`) beside the
    provider's reply (`raw_response`). A line names no provider or host: it is read as api.openai.com's
    Chat Completions only when the request names an OpenAI model and the reply is a `chat.completion` whose
    id is the API's own (`chatcmpl-` and 29 characters) with no Azure content-filter results; any other line
    (Anthropic, Fireworks, ...) gives no exchange, nor does a request whose inline file or image the cache
    replaced by a placeholder (`<TENSORZERO_FILE_0>`: not the bytes sent). The cache stores successful
    replies only (status 200) and no request length ("no-content-length"); the recording time is the line's
    `timestamp` (UTC)."""
    found: list[Exchange] = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
            request = json.loads(item["raw_request"])
            reply = item["raw_response"]
            data = json.loads(reply)
        except (ValueError, TypeError, KeyError):
            continue
        model = request.get("model") if isinstance(request, dict) else None
        if (
            not isinstance(data, dict)
            or data.get("object") != "chat.completion"
            or not TENSORZERO_CHAT_ID.fullmatch(str(data.get("id", "")))
            or "prompt_filter_results" in data
            or not isinstance(model, str)
            or not TENSORZERO_MODELS.match(model)
            or TENSORZERO_PLACEHOLDER.search(item["raw_request"])
        ):
            continue
        try:
            stamp = datetime.strptime(str(item.get("timestamp")), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            stamp = None
        url = "https://api.openai.com/v1/chat/completions"
        found.append(("POST", url, item["raw_request"], None, reply, 200, stamp))
    return found


def _json_exchanges(text: str) -> list[Exchange]:
    """The same from a JSON recording: nock's definitions (the request body stored parsed, no length),
    llama-stack's recordings, WireMock stub mappings, ReqLLM fixtures, dd-apm-test-agent's `{request,
    response}` or ExVCR's list of them; vcrpy's JSON serialiser is read as YAML."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if isinstance(data, dict) and (data.get("interactions") or data.get("http_interactions")):
        return _yaml_exchanges(text)
    found: list[Exchange] = []
    if _is_llama_stack(data):
        return [_llama_stack_exchange(data)]
    if _is_wiremock(data):
        return [_wiremock_exchange(data)]
    if _is_req_llm(data):
        return [_req_llm_exchange(data)]
    if isinstance(data, dict) and isinstance(data.get("request"), dict):  # dd-apm-test-agent
        request, response = data["request"], data.get("response") or {}
        status = response.get("status")
        code = status.get("code") if isinstance(status, dict) else status
        length = _header(request.get("headers"), "Content-Length")
        body, reply = request.get("body"), response.get("body")
        found.append(
            (
                str(request.get("method", "")),
                str(request.get("url", "")),
                body if isinstance(body, str) else None,
                int(length) if isinstance(length, str) and length.isdigit() else None,
                reply if isinstance(reply, str) else None,
                code,
                _date(response.get("headers")),
            )
        )
        return found
    if _is_exvcr(data):
        return [_exvcr_exchange(item) for item in data]
    for item in data if isinstance(data, list) else ():  # nock
        if not isinstance(item, dict) or not isinstance(item.get("scope"), str):
            continue
        headers = item.get("rawHeaders")
        if isinstance(headers, list):  # [name, value, name, value, ...]
            headers = dict(zip(headers[::2], headers[1::2], strict=False))
        body = item.get("body")
        found.append(
            (
                str(item.get("method", "")),
                re.sub(r":443$", "", item["scope"]) + str(item.get("path", "")),
                json.dumps(body, ensure_ascii=False) if isinstance(body, dict) else str(body or ""),
                None,
                _nock_reply(item.get("response")),
                item.get("status"),
                _date(headers),
            )
        )
    return found


class _Pickled:
    """Stands in for every class a pickle names: keeps the arguments it was made with and its state, and runs
    nothing (no module is imported, no method of the real class is called)."""

    qualified = ""

    def __new__(cls, *args: Any, **_kwargs: Any) -> _Pickled:
        made = object.__new__(cls)
        made.args, made.state = args, None
        return made

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        self.state = state


class _NoImports(pickle.Unpickler):
    """An unpickler whose every global is a fresh `_Pickled` subclass named after it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._classes: dict[tuple[str, str], type] = {}

    def find_class(self, module: str, name: str) -> type:
        key = (module, name)
        if key not in self._classes:
            self._classes[key] = type(name, (_Pickled,), {"qualified": f"{module}.{name}"})
        return self._classes[key]


def _pickled_header(headers: Any, name: str) -> str | None:
    """A header of a pickled `httpx.Headers` (its `_list` holds (raw name, lower-case name, value) bytes)."""
    state = headers.state if isinstance(headers, _Pickled) and isinstance(headers.state, dict) else {}
    for item in state.get("_list") or ():
        if isinstance(item, tuple) and len(item) == 3 and item[1] == name.lower().encode():
            return item[2].decode("latin-1") if isinstance(item[2], bytes) else None
    return None


def _motleycache_exchanges(data: bytes) -> list[Exchange]:
    """The exchange of a motleycache recording: a pickled `httpx.Response` whose `_request` is the request
    sent (`_content` its body as bytes, `url` an `httpx.URL` over a `ParseResult`); both bodies are the bytes
    on the wire (decoded content for the response). Anything else gives no exchange."""
    try:
        response = _NoImports(data).load()
    except Exception:  # a pickle that is not one of these (or is cut short): no exchange
        return []
    state = response.state if isinstance(response, _Pickled) else None
    if response.__class__.__dict__.get("qualified") != "httpx.Response" or not isinstance(state, dict):
        return []
    request = state.get("_request")
    sent = request.state if isinstance(request, _Pickled) else None
    if not isinstance(sent, dict):
        return []
    url = sent.get("url")
    parts = (
        url.state.get("_uri_reference") if isinstance(url, _Pickled) and isinstance(url.state, dict) else None
    )
    if not isinstance(parts, _Pickled) or len(parts.args) != 7:
        return []
    scheme, _user, host, port, path, query, _fragment = parts.args
    uri = f"{scheme}://{host}{f':{port}' if port else ''}{path}{f'?{query}' if query else ''}"
    body, reply = sent.get("_content"), state.get("_content")
    try:
        body = body.decode("utf-8") if isinstance(body, bytes) else None
        reply = reply.decode("utf-8") if isinstance(reply, bytes) else None
    except UnicodeDecodeError:
        return []
    length = _pickled_header(sent.get("headers"), "Content-Length")
    date = _pickled_header(state.get("headers"), "date")
    status = state.get("status_code")
    return [
        (
            str(sent.get("method", "")),
            uri,
            body,
            int(length) if isinstance(length, str) and length.isdigit() else None,
            reply,
            status if isinstance(status, int) else None,
            parsedate_to_datetime(date) if date else None,
        )
    ]


def _moscafetch_exchanges(text: str) -> list[Exchange]:
    """KaibanJS's moscaFetch recorder (`tests/utils/moscaFetch`, `saveRecords`): a JSON list of `{url, method,
    body, response}`, `body` the request body as parsed by `JSON.parse`, `response` the reply's JSON. It keeps
    no status and no headers: a reply counts as a 200 when it is a JSON object with no `error` (an error reply
    carries no usage either); with no length the check is "no-content-length"; the date is the reply's
    `created` (set by the API)."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    found: list[Exchange] = []
    for item in data if isinstance(data, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            continue
        body, reply = item.get("body"), item.get("response")
        ok = isinstance(reply, dict) and "error" not in reply
        created = reply.get("created") if ok else None
        found.append(
            (
                str(item.get("method", "")),
                item["url"],
                json.dumps(body, ensure_ascii=False) if isinstance(body, dict) else None,
                None,
                json.dumps(reply, ensure_ascii=False) if ok else None,
                200 if ok else None,
                datetime.fromtimestamp(created, UTC) if isinstance(created, int) else None,
            )
        )
    return found


def _under(path: str, pathspecs: tuple[str, ...]) -> bool:
    """Whether the path is under one of the pathspecs (`*` matches `/` too, as in git)."""
    return any(fnmatch.fnmatchcase(path, spec) for spec in pathspecs)


def _zen_exchanges(text: str) -> list[Exchange]:
    """zen-mcp-server's HTTP transport recorder (`tests/http_transport_recorder.py` there):
    `{interactions: [{request: {method, url, headers, content}, response: {status_code, headers, content:
    {data, encoding}}}]}`. The request's JSON body is stored parsed (`content`) beside the Content-Length it
    was sent with; it is given back indented, so it can never pass as the bytes sent ("match-raw") and is
    checked against the usual client serialisations ("match-reserialized"). The reply is base64
    (`encoding: base64`) or text."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    found: list[Exchange] = []
    for item in (data.get("interactions") if isinstance(data, dict) else None) or ():
        request = item.get("request") if isinstance(item, dict) else None
        response = item.get("response") if isinstance(item, dict) else None
        if not isinstance(request, dict) or not isinstance(response, dict):
            continue
        content = request.get("content")
        length = _header(request.get("headers"), "Content-Length")
        stored = response.get("content")
        reply = None
        if isinstance(stored, dict) and isinstance(stored.get("data"), str):
            data = stored["data"]
            reply = _base64_text(data) if stored.get("encoding") == "base64" else data
        status = response.get("status_code")
        found.append(
            (
                str(request.get("method", "")),
                str(request.get("url", "")),
                json.dumps(content, ensure_ascii=False, indent=1) if isinstance(content, dict) else None,
                int(length) if isinstance(length, str) and length.isdigit() else None,
                reply,
                status if isinstance(status, int) else None,
                _date(response.get("headers")),
            )
        )
    return found


HTTPMOCK_HOST = "https://api.openai.com"  # httpmock stores no host: see `--httpmock-yaml`
HTTPMOCK_NOTE = (
    " (--httpmock-yaml: httpmock recording, no host stored, api.openai.com inferred from the pathspec given;"
    " the request body is httpmock's json_body_str as stored, a re-serialised copy of the body sent, with no"
    " Content-Length)"
)


def _created_at(reply: str) -> datetime | None:
    """The `created_at` (or `created`) the API set in a reply: its JSON, or the first SSE event with one."""
    try:
        events = [json.loads(reply)]
    except ValueError:
        events = []
        for line in reply.splitlines():
            if line.startswith("data:"):
                try:
                    events.append(json.loads(line[5:].strip()))
                except ValueError:
                    continue
    for event in events:
        if not isinstance(event, dict):
            continue
        for part in (event.get("response"), event):
            stamp = part.get("created_at", part.get("created")) if isinstance(part, dict) else None
            if isinstance(stamp, int) and not isinstance(stamp, bool):
                try:
                    return datetime.fromtimestamp(stamp, UTC)
                except (OverflowError, OSError, ValueError):  # not seconds since the epoch
                    return None
    return None


def _httpmock_exchanges(text: str) -> list[Exchange]:
    """Rust httpmock's recorder (`MockServer::record`, `save_to`): one YAML document per exchange, `{when:
    {method, path, query_param?, body | json_body_str | json_body}, then: {status, header, body |
    json_body_str | json_body}}`. No host is stored: the uri is api.openai.com's (see `--httpmock-yaml`). The
    request body is `json_body_str` (dcdpr/jp's `modify_fixture` replaces httpmock's `body` string by this
    pretty-printed copy), else `body` as stored, else `json_body` dumped; there is no length
    ("no-content-length"). The date is the reply's `created_at`."""
    try:
        documents = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return []
    found: list[Exchange] = []
    for document in documents:
        when = document.get("when") if isinstance(document, dict) else None
        then = document.get("then") if isinstance(document, dict) else None
        if not isinstance(when, dict) or not isinstance(then, dict):
            continue
        bodies = []
        for part in (when, then):
            body = part.get("json_body_str") or part.get("body")
            if body is None and isinstance(part.get("json_body"), (dict, list)):
                body = json.dumps(part["json_body"], ensure_ascii=False, indent=1)
            bodies.append(body if isinstance(body, str) else None)
        raw, reply = bodies
        query = "&".join(
            f"{param.get('name')}={param.get('value')}"
            for param in when.get("query_param") or ()
            if isinstance(param, dict)
        )
        status = then.get("status")
        found.append(
            (
                str(when.get("method", "")),
                HTTPMOCK_HOST + str(when.get("path", "")) + (f"?{query}" if query else ""),
                raw,
                None,
                reply,
                status if isinstance(status, int) else None,
                _created_at(reply) if reply else None,
            )
        )
    return found


def text_exchanges(text: str, path: str) -> list[Exchange]:
    """The exchanges of a text recording, by its file name: HAR, JSON (nock, dd-apm-test-agent, llama-stack,
    ExVCR, WireMock, ReqLLM), a `.jsonl` TensorZero cache export (only a path given to `--json` is one), or
    else a YAML cassette (vcrpy, Ruby VCR, go-vcr)."""
    if path.endswith(".har"):
        return _har_exchanges(text)
    if path.endswith(".json"):
        return _json_exchanges(text)
    if path.endswith(".jsonl"):
        return _tensorzero_cache_exchanges(text)
    return _yaml_exchanges(text)


def rows_from_file(
    text: str,
    repo: str,
    path: str,
    commit: str,
    licence: str,
    moscafetch: bool = False,
    zen: bool = False,
    httpmock: bool = False,
) -> list[dict]:
    if moscafetch:  # only for files under a `--moscafetch` pathspec
        exchanges = _moscafetch_exchanges(text)
    elif zen:  # only for files under a `--zen-json` pathspec
        exchanges = _zen_exchanges(text)
    elif httpmock:  # only for files under an `--httpmock-yaml` pathspec
        exchanges = _httpmock_exchanges(text)
    elif path.endswith(".pkl"):  # motleycache: the file's bytes, read as latin-1 (see _read)
        exchanges = _motleycache_exchanges(text.encode("latin-1"))
    else:
        exchanges = text_exchanges(text, path)
    rows = []
    for index, (method, uri, raw, length, reply, status, stamp) in enumerate(exchanges):
        match = re.match(r"https://api\.openai\.com(/v1/(?:chat/completions|responses))/?(?:\?.*)?$", uri)
        if not match or method.upper() != "POST":
            continue
        api = ENDPOINTS[match.group(1)]
        if status != 200 or not raw or not reply or REDACTION.search(raw):
            continue
        try:
            body = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(body, dict) or not body.get("model") or _remote_images(body):
            continue
        if length is None:
            check = "no-content-length"
        elif length == len(raw.encode("utf-8")):
            check = "match-raw"
        elif length in _serialised_lengths(body):
            check = "match-reserialized"
        else:
            continue
        usage, streamed = _usage(reply)
        prompt_tokens = (usage or {}).get("prompt_tokens", (usage or {}).get("input_tokens"))
        if not isinstance(prompt_tokens, int):
            continue
        model = body["model"]
        family = next((f for prefix, f in FAMILIES if model.startswith(prefix)), "other")
        cached = ((usage.get("prompt_tokens_details") or usage.get("input_tokens_details")) or {}).get(
            "cached_tokens", 0
        )
        rows.append(
            {
                "id": f"{repo}:{path}#{index}",
                "source_repo": repo,
                "source_path": path,
                "commit": commit,
                "licence": licence,
                "api": api,
                "model": model,
                "family": family,
                "features": features(body, api),
                "request": body,
                "prompt_tokens": prompt_tokens,
                "cached_tokens": cached,
                "usage": usage,
                "recorded_at": stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else None,
                "streamed": streamed,
                "body_check": check,
                "images": None,
                "notes": "extracted by scripts/extract_cassette_truth.py"
                + (HTTPMOCK_NOTE if httpmock else ""),
            }
        )
    return rows


CASSETTES = ("*.yaml", "*.yml", "*.har")


def _read(data: bytes, path: str) -> str:
    """A recording's text: a motleycache pickle's bytes one for one (latin-1), any other file as UTF-8."""
    return data.decode("latin-1") if path.endswith(".pkl") else data.decode("utf-8", "replace")


OPENAI_URL = re.compile(r"api\.openai\.com/v1/(chat/completions|responses)")
OPENAI_HOST = re.compile(r"api\.openai\.com")  # JSON recordings: nock keeps the host apart from the path


def _history_rows(
    git_dir: str,
    repo: str,
    commit: str,
    licence: str,
    json_paths: tuple[str, ...] = (),
    pickle_paths: tuple[str, ...] = (),
    moscafetch_paths: tuple[str, ...] = (),
    zen_paths: tuple[str, ...] = (),
    httpmock_paths: tuple[str, ...] = (),
) -> list[dict]:
    """Rows from every earlier version of the cassettes: each blob once, with the commit that introduced it.

    A row's id gets `@<commit>` so the same path and index in two versions stay apart.
    """
    log = _git(
        *(git_dir, "log", "--format=C %H", "--raw", "--no-abbrev", "--no-renames", commit),
        *("--", *CASSETTES, *json_paths, *pickle_paths, *moscafetch_paths, *zen_paths, *httpmock_paths),
    )
    versions: dict[str, tuple[str, str]] = {}  # blob -> (path, the newest commit that wrote it)
    introduced = ""
    for line in log.decode().splitlines():
        if line.startswith("C "):
            introduced = line[2:]
        elif line.startswith(":"):
            meta, path = line.split("\t", 1)
            blob = meta.split()[3]
            if set(blob) != {"0"}:
                versions.setdefault(blob, (path, introduced))
    if not versions:
        return []
    batch = subprocess.run(
        ["git", "-C", git_dir, "cat-file", "--batch"],
        input="\n".join(versions).encode() + b"\n",
        capture_output=True,
        check=True,
    ).stdout
    rows, at = [], 0
    while at < len(batch):
        header_end = batch.index(b"\n", at)
        header = batch[at:header_end].decode().split()
        at = header_end + 1
        if len(header) < 3 or header[1] == "missing":  # a large blob the snapshot left out
            continue
        size = int(header[2])
        path, introduced = versions[header[0]]
        text = _read(batch[at : at + size], path)
        at += size + 1
        # a TensorZero cache (`.jsonl`) and an httpmock recording name no host: their exchanges are checked
        host = OPENAI_HOST if path.endswith((".json", ".pkl")) else OPENAI_URL
        httpmock = _under(path, httpmock_paths)
        if not path.endswith(".jsonl") and not httpmock and not host.search(text):
            continue
        moscafetch = _under(path, moscafetch_paths)
        zen = _under(path, zen_paths)
        for row in rows_from_file(
            text, repo, path, introduced, licence, moscafetch, zen=zen, httpmock=httpmock
        ):
            row["id"] += f"@{introduced[:12]}"
            row["notes"] += " --history (an earlier version of the cassette)"
            rows.append(row)
    return rows


def _pathspecs(paths: list[str], files: tuple[str, ...], folder_globs: tuple[str, ...]) -> tuple[str, ...]:
    """A path ending in one of `files` as given; any other path is a folder: its `*.<glob>` files."""
    return tuple(path for path in paths if path.endswith(files)) + tuple(
        f"{path.rstrip('/')}/*.{ext}" for path in paths if not path.endswith(files) for ext in folder_globs
    )


def _json_pathspecs(paths: list[str]) -> tuple[str, ...]:
    """A `.json` (or `.jsonl`) path as given, a folder as every `.json` file under it."""
    return _pathspecs(paths, (".json", ".jsonl"), ("json",))


def _yaml_pathspecs(paths: list[str]) -> tuple[str, ...]:
    """A `.yml` / `.yaml` path as given, a folder as every `.yml` and `.yaml` file under it."""
    return _pathspecs(paths, (".yml", ".yaml"), ("yml", "yaml"))


# httpmock keeps the path apart from the host (extended regex, as git grep reads it)
HTTPMOCK_ENDPOINT = r"^[[:space:]]*path:[[:space:]]*/v1/(chat/completions|responses)[[:space:]]*$"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir")
    parser.add_argument("repo")
    parser.add_argument("licence")
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument(
        "--history", action="store_true", help="also read every earlier version of the cassettes"
    )
    parser.add_argument(
        "--json",
        action="append",
        default=[],
        metavar="PATHSPEC",
        help="also read JSON recordings (nock, dd-apm-test-agent, llama-stack, ExVCR, WireMock, ReqLLM) here",
    )
    parser.add_argument(
        "--pickle",
        action="append",
        default=[],
        metavar="PATHSPEC",
        help="also read motleycache recordings (pickled httpx responses, `.pkl`) under this pathspec",
    )
    parser.add_argument(
        "--moscafetch",
        action="append",
        default=[],
        metavar="PATHSPEC",
        help="also read KaibanJS moscaFetch recordings (lists of {url, method, body, response}) here",
    )
    parser.add_argument(
        "--zen-json",
        action="append",
        default=[],
        metavar="PATHSPEC",
        help="also read zen-mcp-server HTTP transport recordings (JSON) under this pathspec",
    )
    parser.add_argument(
        "--httpmock-yaml",
        action="append",
        default=[],
        metavar="PATHSPEC",
        help="also read Rust httpmock recordings (YAML when/then documents, no host: api.openai.com) here",
    )
    args = parser.parse_args()
    json_paths = _json_pathspecs(args.json)
    pickle_paths = tuple(f"{path.rstrip('/')}/*.pkl" for path in args.pickle)
    moscafetch_paths = _json_pathspecs(args.moscafetch)
    zen_paths = _json_pathspecs(args.zen_json)
    httpmock_paths = _yaml_pathspecs(args.httpmock_yaml)
    commit = _git(args.git_dir, "rev-parse", args.commit).decode().strip()
    listed = _grep_listed(args.git_dir, OPENAI_URL.pattern, commit, CASSETTES)
    if json_paths:
        listed += _grep_listed(args.git_dir, OPENAI_HOST.pattern, commit, json_paths)
    if jsonl_paths := tuple(path for path in json_paths if path.endswith(".jsonl")):  # TensorZero: no host
        listed += _grep_listed(args.git_dir, '"raw_request"', commit, jsonl_paths)
    if pickle_paths:  # binary files: -a lets git grep match inside them
        listed += _grep_listed(args.git_dir, OPENAI_HOST.pattern, commit, pickle_paths, "-a")
    if moscafetch_paths:
        listed += _grep_listed(args.git_dir, OPENAI_HOST.pattern, commit, moscafetch_paths)
    if zen_paths:
        listed += _grep_listed(args.git_dir, OPENAI_HOST.pattern, commit, zen_paths)
    if httpmock_paths:  # no host stored: a recording of an endpoint's path
        listed += _grep_listed(args.git_dir, HTTPMOCK_ENDPOINT, commit, httpmock_paths)
    rows: list[dict] = []
    read: set[str] = set()
    for line in listed.decode().splitlines():
        path = line.split(":", 1)[1]
        if moscafetch_paths and path in read:  # listed under --json too: read once, as moscaFetch
            continue
        if httpmock_paths and path in read:  # listed as a cassette too: read once, as httpmock
            continue
        read.add(path)
        try:
            text = _read(_git(args.git_dir, "show", f"{commit}:{path}"), path)
        except subprocess.CalledProcessError:  # a large file the snapshot left out
            continue
        moscafetch = _under(path, moscafetch_paths)
        zen = _under(path, zen_paths)
        httpmock = _under(path, httpmock_paths)
        rows.extend(
            rows_from_file(
                text, args.repo, path, commit, args.licence, moscafetch, zen=zen, httpmock=httpmock
            )
        )
    if args.history:  # after the rows at `commit`, so those are the ones kept for a prompt recorded again
        rows.extend(
            _history_rows(
                *(args.git_dir, args.repo, commit, args.licence, json_paths, pickle_paths),
                moscafetch_paths,
                zen_paths,
                httpmock_paths,
            )
        )
    # The same prompt recorded more than once must agree, or none of its recordings is truth.
    by_prompt: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_prompt[json.dumps(row["request"], sort_keys=True)].append(row)
    kept = 0
    for same in by_prompt.values():
        if len({row["prompt_tokens"] for row in same}) == 1:
            sys.stdout.write(json.dumps(same[0], ensure_ascii=False) + "\n")
            kept += 1
    print(f"{args.repo}: {len(rows)} exchanges, {kept} distinct prompts kept", file=sys.stderr)


if __name__ == "__main__":
    main()
