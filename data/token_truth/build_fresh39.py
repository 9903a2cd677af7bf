"""Builds openai-token-truth-fresh39.jsonl (a held-out set) from a snapshot in /work/.mirror.

One source, one new owner, mined by the fresh39 search helper (fresh40 was mined at the same time by another
helper; the parent checks the two sets against each other). Found through `search` (code) on "capture script
saves raw OpenAI request payload and response JSON ... to fixtures for unit tests, captured from real API",
which returned the opening of an unnamed `scripts/capture-fixtures.ts` ("Capture real OpenAI API
request/response pairs for use as test fixtures"); `find_string` and `read_file` on it gave its fixture
folder and its `OpenAIAdapter`, and `find_files` on `scripts/capture-fixtures.ts` listed
jodit/jodit-ai-adapter among the repositories holding that path. It records with a capture script of its own
(JSON, the request body stored parsed, the reply body stored parsed), which the extractor does not read: this
script adds a reader for it (below), as fresh38 did for talkcody's fixtures. Two Responses API requests, one
of them with a function tool.

- jodit/jodit-ai-adapter (TypeScript, the server-side AI adapter of the Jodit editor; MIT `LICENSE` at the
top,
  "MIT License / Copyright (c) 2025 Chupurnov Valeriy", the same file at every commit read): its
  `scripts/capture-fixtures.ts` (added in a08a7d6, 2026-02-07, "feat: add fixture capturing script and
  corresponding test fixtures for OpenAI API requests/responses") replaces `globalThis.fetch` with a capturing
  wrapper, runs the project's own `OpenAIAdapter` (`src/adapters/openai-adapter.ts`, which calls the Responses
  API through the Vercel AI SDK's OpenAI provider) against the real API with `OPENAI_API_KEY`, and for each
  scenario stores the first exchange as `{request: {url, method, body}, response: {status, body}}`, the
  request body `JSON.parse`d from the `init.body` string the SDK sent and the reply body from
  `response.clone().json()`, written with `JSON.stringify(fixture, null, '\\t')` (`saveFixture`; image
  replies' base64 trimmed; streamed replies are written as raw SSE text to `.txt` files without the request,
  and give nothing here). The fixtures read are `text-generation.json` (gpt-4.1-nano, a system message, a user
  message with one `input_text` part and the same text as `instructions`) and `text-with-tools.json` (the same
  shape with one function tool, `get_weather`, and `tool_choice: auto`; the reply is a `function_call`), under
  `src/adapters/__fixtures__/` at a08a7d6 and under `src/adapters/__fixtures__/openai/` since e63b775
  (2026-02-07, moved unchanged) and d910c0d (2026-02-07, "feat: add streaming support ...": both re-recorded,
  the same request bodies, new replies). The replies are the API's (`resp_` ids, `billing`, `usage`),
  status 200; `error-response.json` (an invalid key, 401) and `image-generation.json` (`/v1/images/
  generations`, dall-e-2) give no row. The commit listed is the snapshot's HEAD (ff08db4f, 2026-02-07, 45
  commits); `--history` reads the earlier versions.

The reader (`_jodit_exchange`): a JSON file whose top level is exactly `{request, response}`, with a `request`
of `{url, method, body}` whose `body` is a map and a `response` of `{status, body}` with an integer status, is
one exchange: the stored method and URL, the body as `json.dumps` of the stored map with compact separators
and non-ASCII kept (how `JSON.stringify` renders the parsed value; key order as stored, which is the order of
the string sent; no length is stored: `no-content-length`), the reply `json.dumps` of the stored reply map,
the stored status, the date the reply's `created_at` (no reply headers are stored). Every other file goes to
the extractor's own JSON reader unchanged (a jodit fixture would otherwise be taken for dd-apm-test-agent's
`{request, response}` shape and give nothing, its bodies being parsed). The hook runs the extractor
(scripts/extract_cassette_truth.py, unedited) in a child process of this script with the reader in front of
its `_json_exchanges`, and reads the same fixtures' replies for the generated-id check (build_fresh2._replies)
with the same reader. Rows get READER_NOTE appended to their notes.

The repository is not in the dev, extra, fresh .. fresh38 sets, its owner owns no repository in any of them
(/tmp/used_repos.txt), and it is not named in README.md or data/token_truth/README.md; it was claimed in
/work/notes/claims.txt (`fresh39 jodit/jodit-ai-adapter`) before it was fetched. It goes through the extractor
at the commit listed, with `--history`, and through exactly fresh5's filters (build_fresh3.build, with
build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's commit, a response id the
API generated, a request not already in an earlier set (dev, extra, fresh .. fresh18, fresh20 .. fresh22,
fresh24, fresh25, fresh28, fresh30 .. fresh36, fresh38; there is no fresh19, fresh23, fresh26, fresh27,
fresh29 or fresh37) or in an earlier source of this list, no `previous_response_id`, no response id recorded
for two different requests, at most 10 characters per recorded prompt token. No new filter rule. The section
in /tmp/fresh39/README-section.md (for the end of data/token_truth/README.md) gives the search and what was
left out.

    .venv/bin/python data/token_truth/build_fresh39.py > data/token_truth/openai-token-truth-fresh39.jsonl
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh38

JODIT = "jodit/jodit-ai-adapter"
# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (
        JODIT,
        "ff08db4f73825617547eabfb70a5f6240bf77a24",  # HEAD of the snapshot
        "MIT",
        ("src/adapters/__fixtures__",),
    ),
)
READER_NOTE = (
    "; jodit-ai-adapter capture fixture (its own JSON, read by build_fresh39's reader): request body stored"
    " parsed (json.dumps of the map, compact separators, as JSON.stringify sends it), no length; reply body"
    " stored parsed"
)

# every set before this one: a request in any of them is not kept again
EARLIER = build_fresh4.after(build_fresh38)


def _is_jodit(data: Any) -> bool:
    if not isinstance(data, dict) or set(data) != {"request", "response"}:
        return False
    request, response = data["request"], data["response"]
    return (
        isinstance(request, dict)
        and set(request) == {"url", "method", "body"}
        and isinstance(request.get("body"), dict)
        and isinstance(response, dict)
        and set(response) == {"status", "body"}
        and isinstance(response.get("status"), int)
        and not isinstance(response.get("status"), bool)
    )


def _jodit_exchange(data: dict) -> tuple[Any, ...]:
    request, response = data["request"], data["response"]
    reply = response.get("body")
    created = reply.get("created_at", reply.get("created")) if isinstance(reply, dict) else None
    try:
        stamp = (
            datetime.fromtimestamp(created, UTC)
            if isinstance(created, int) and not isinstance(created, bool)
            else None
        )
    except (OverflowError, OSError, ValueError):
        stamp = None
    return (
        str(request.get("method") or ""),
        str(request.get("url") or ""),
        json.dumps(request["body"], ensure_ascii=False, separators=(",", ":")),
        None,
        json.dumps(reply, ensure_ascii=False) if isinstance(reply, (dict, list)) else None,
        response["status"],
        stamp,
    )


def _read(data: Any) -> list[tuple[Any, ...]] | None:
    return [_jodit_exchange(data)] if _is_jodit(data) else None


if __name__ == "__main__":
    build_fresh4.run_with_json_reader(__file__, _read, SOURCES, EARLIER, {JODIT: READER_NOTE})
