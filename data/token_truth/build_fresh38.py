"""Builds openai-token-truth-fresh38.jsonl (a held-out set) from a snapshot in /work/.mirror.

One source, one new owner, mined by the fresh38 search helper (found through `search` (code) on "record mode
... saves OpenAI responses to fixtures", which returned a fork's `specs/rust-llm-testing.md`, "Rust LLM
Provider Testing (Record/Replay)"; `find_repos` on `talkcody` then named the upstream). It records with a
fixture recorder of its own (JSON, bodies stored parsed, the streamed reply as its list of SSE events), which
the extractor does not read: this script adds a reader for it (below), as fresh28 first did with a hook and
fresh36 did for a JSON cache. Two Responses API requests with function tools, one of them a tool round.

- talkcody/talkcody (TypeScript and Rust, a Tauri desktop coding agent; MIT `LICENSE` at the top since the
  first commit 60bcb84, 2025-11-30, "MIT License / Copyright (c) 2025 KaisenKang"; the same file at the
  commit listed and at the commits that wrote the fixtures): its Rust LLM core streams every provider request
  through `src-tauri/core/src/llm/streaming/stream_handler.rs`, which, when `LLM_TEST_MODE=record` is set,
  builds a `Recorder` (`src-tauri/core/src/llm/testing/recorder.rs`) with `request_body: body.clone()`, the
  same `serde_json::Value` it then sends with reqwest's `.json(body)`, the URL it posts to, the request
  headers (authorization and any header naming a token replaced by `REDACTED`; headers are not read here),
  then every SSE event of the reply (`record_sse_event(event, data)`, the data line as received), the
  reply's status and headers, the request's structured test input and the parsed stream events, and writes
  one JSON fixture per provider, protocol, model and channel (`fixtures.rs`, `write_fixture`:
  `serde_json::to_string_pretty`) as `<provider>__<protocol>__<model>__<channel>.json`: `{version,
  provider_id, protocol, model, endpoint_path, request: {method, url, headers, body}, response: {type:
  stream, status, headers, sse_events: [{event, data}]}, test_input, expected_events}`. The fixtures are
  committed under `.llm-fixtures/` and `src-tauri/.llm-fixtures/` (older ones under
  `src-tauri/src/llm/testing/recordings/` and `src-tauri/core/src/llm/testing/recordings/`); only two of
  them post to api.openai.com (the `openai` provider's `custom` channel, an API key; the `oauth` ones go to
  the ChatGPT Codex backend and the others to other hosts): `.llm-fixtures/
  openai__OpenAiCompatible__gpt-5.2-codex__custom.json` (written in fdf38b6, 2026-02-04, recorded
  2026-02-05 by the reply's `date`; unchanged at the commit listed) and `src-tauri/.llm-fixtures/
  openai__OpenAiCompatible__gpt-5.4__custom.json` (written in 671e50f, 2026-03-12, recorded 2026-03-12;
  e21b6da, 2026-04-25, "Update LLM fixtures and normalize paths", changed one line outside the request;
  0c7d860, 2026-04-29, replaced the request's `instructions` with the fixture matcher's wildcard `__ANY__`,
  "For `openai-responses`, the `instructions` field uses a sentinel `__ANY__` in fixtures",
  `specs/rust-llm-testing.md`). Both are `/v1/responses` requests of the app's coding agent, streamed
  (`stream: true`, `store: false`, `include: [reasoning.encrypted_content]`, `reasoning: {effort: high,
  summary: auto}`, `text: {verbosity: medium}`), with an `instructions` string and a `developer` and a
  `user` message: gpt-5.2-codex with two function tools (`webSearch`, `webFetch`), gpt-5.4 with fourteen
  function tools and a tool round (a `function_call` and its `function_call_output` item). The replies are
  the API's SSE streams (`resp_` ids, `response.completed` carrying the usage). The commit listed is the
  snapshot's HEAD (5543bf92, 2026-05-25, 420 commits); `--history` reads the earlier versions, which is where
  the gpt-5.4 request is found intact.

The reader (`_talkcody_exchange`): a fixture with a parsed `request.body` and a `response` of type `stream`
is one exchange: the stored method and URL, the body as `json.dumps` of the stored map with compact
separators and non-ASCII kept (serde_json's and so reqwest's `.json` rendering of the same value; no length
is stored: `no-content-length`), the reply as the SSE text rebuilt from `sse_events` (`event: <event>` and
`data: <data>` lines, a blank line after each), the stored integer status, the date the reply's `date`
header. A fixture whose request body holds the wildcard `__ANY__` (a value the author replaced after
recording, for the replay matcher) is not read at all (no exchange), as an edited body is not the request
sent; this is how the gpt-5.4 fixture at HEAD is passed over (its earlier, intact versions are read through
`--history`). Every other file goes to the extractor's own JSON reader unchanged (the talkcody fixture would
otherwise be taken for dd-apm-test-agent's `{request, response}` shape and give nothing, its body being
parsed). The hook runs the extractor (scripts/extract_cassette_truth.py, unedited) in a child process of this
script with the reader in front of its `_json_exchanges`, and reads the same fixtures' replies for the
generated-id check (build_fresh2._replies) with the same reader. Rows get READER_NOTE appended to their notes.

The repository is not in the dev, extra, fresh .. fresh36 sets, its owner owns no repository in any of them
(/tmp/used_repos.txt), and it is not named in README.md or data/token_truth/README.md; it was claimed in
/work/notes/claims.txt (`fresh38 talkcody/talkcody`) before it was fetched. It goes through the extractor at
the commit listed, with `--history`, and through exactly fresh5's filters (build_fresh3.build, with
build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's commit, a response id the
API generated, a request not already in an earlier set (dev, extra, fresh .. fresh18, fresh20 .. fresh22,
fresh24, fresh25, fresh28, fresh30 .. fresh36; there is no fresh19, fresh23, fresh26, fresh27 or fresh29) or
in an earlier source of this list, no `previous_response_id`, no response id recorded for two different
requests, at most 10 characters per recorded prompt token. No new filter rule. The section in
/tmp/fresh38/README-section.md (for the end of data/token_truth/README.md) gives the search and what was left
out.

    .venv/bin/python data/token_truth/build_fresh38.py > data/token_truth/openai-token-truth-fresh38.jsonl
"""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import Any

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh36

TALKCODY = "talkcody/talkcody"
# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (
        TALKCODY,
        "5543bf9264366daa2f26880095fc34e016ffb304",  # HEAD of the snapshot
        "MIT",
        (
            ".llm-fixtures",
            "src-tauri/.llm-fixtures",
            "src-tauri/src/llm/testing/recordings",
            "src-tauri/core/src/llm/testing/recordings",
        ),
    ),
)
READER_NOTE = (
    "; talkcody LLM fixture (its own JSON, read by build_fresh38's reader): request body stored parsed"
    " (json.dumps of the map, compact separators, as serde_json sends it), no length; reply rebuilt as SSE"
    " text from the stored `sse_events`"
)

# every set before this one: a request in any of them is not kept again
EARLIER = build_fresh4.after(build_fresh36)

WILDCARD = "__ANY__"  # the fixture matcher's sentinel (src-tauri/core/src/llm/testing/fixtures.rs)


def _is_talkcody(data: Any) -> bool:
    if not isinstance(data, dict) or not {"provider_id", "protocol", "endpoint_path"} <= set(data):
        return False
    request, response = data.get("request"), data.get("response")
    return (
        isinstance(request, dict)
        and isinstance(request.get("body"), dict)
        and isinstance(response, dict)
        and response.get("type") == "stream"
        and isinstance(response.get("sse_events"), list)
    )


def _holds_wildcard(node: Any) -> bool:
    if isinstance(node, str):
        return node == WILDCARD
    if isinstance(node, dict):
        return any(_holds_wildcard(value) for value in node.values())
    if isinstance(node, list):
        return any(_holds_wildcard(value) for value in node)
    return False


def _talkcody_exchange(data: dict) -> tuple[Any, ...]:
    request, response = data["request"], data["response"]
    reply = "".join(
        (f"event: {event['event']}\n" if event.get("event") else "") + f"data: {event.get('data', '')}\n\n"
        for event in response["sse_events"]
        if isinstance(event, dict)
    )
    status = response.get("status")
    date = (response.get("headers") or {}).get("date")
    try:
        stamp = parsedate_to_datetime(date) if isinstance(date, str) else None
    except (TypeError, ValueError):
        stamp = None
    return (
        str(request.get("method") or ""),
        str(request.get("url") or ""),
        json.dumps(request["body"], ensure_ascii=False, separators=(",", ":")),
        None,
        reply or None,
        status if isinstance(status, int) and not isinstance(status, bool) else None,
        stamp,
    )


def _read(data: Any) -> list[tuple[Any, ...]] | None:
    if not _is_talkcody(data):
        return None
    if _holds_wildcard(data["request"]["body"]):  # edited after recording: not the request sent
        return []
    return [_talkcody_exchange(data)]


if __name__ == "__main__":
    build_fresh4.run_with_json_reader(__file__, _read, SOURCES, EARLIER, {TALKCODY: READER_NOTE})
