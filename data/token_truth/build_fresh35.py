"""Builds openai-token-truth-fresh35.jsonl (a held-out set) from snapshots in /work/.mirror.

Three sources, three new owners, mined by the fresh35 helper. Kludex/zigai was found through `find_string` on
the cassette file-name tail `_gpt_4o_mini.yaml` (a Zig test manifest listing
`cassettes/models/openai_gpt_4o_mini.yaml`), then `find_files` on the exact path
`tests/cassettes/models/openai_gpt_4o_mini.yaml`; it records with a recorder of its own (Cassetter-style
YAML), which the extractor does not read: the reader is in this script. hellas-ai/gate was found through
`find_string` on `cassettes/openai/chat` (a Yew demo's list of its cassettes, `gate_chat_ui`), then
`find_repos` on `hellas`; it records with vcrpy's JSON serialiser (read with `--json`). dragos199993/stonetape
was found through `find_string` on `cassettes/openai-` (the comment of its demo test, "a REAL OpenAI SDK agent
... commit tests/cassettes/openai-weather-agent.yaml"), then `find_files` on that exact path; it records with
a recorder of its own (YAML, bodies stored parsed): the reader is in this script too.

- Kludex/zigai (Zig, MIT `LICENSE` at the top since the first commit f9f0d26, 2026-08-14, "MIT License /
  Copyright (c) 2026 Marcelo Trylesinski"; the same file at the commit listed): a provider-agnostic agent
  framework for Zig. Its OpenAI provider (`src/providers/openai.zig`) posts Responses API requests
  (`https://api.openai.com/v1/responses`) through the library's own HTTP transport. The test recorder
  (`tests/record_cassettes.zig`, `cassettes.RecordingTransport.init` with no request or response body filter
  for the OpenAI scenarios) wraps that transport and writes each exchange as YAML
  (`tests/support/cassettes/format.zig`): `version: 1`, `interactions: [{request: {method, uri, headers: {},
  body: {type, content}}, response: {status, headers, body: {type, content}}}]`, where a JSON body is parsed
  with Zig's std.json (object keys in the order sent) and written as structured YAML under `content` (`type:
  json`), a streamed reply as its SSE text (`type: text`), an empty body as `type: none`. No request header is
  stored (authentication is outside the schema), so every row's body check is `no-content-length`; no `Date`
  is stored, so `recorded_at` is empty. Only api.openai.com Responses exchanges give rows: a model matrix
  (`tests/cassettes/models/openai_*.yaml`: a system and a user message and a `weather` function tool, then the
  second round with the `function_call` and its `function_call_output`), buffered and streamed text and tool
  rounds (`buffered/`, `streamed/text/`, `streamed/tools/`), one structured-output request (`structured/`,
  `text.format` json_schema), one high-effort reasoning request (`thinking/`), one inline image (`rich/`) and
  one request with the built-in web search tool (`native/`). The hand-written "deterministic" error cassette
  (`errors/openai.yaml`) holds a 200 reply with no response id, which fresh5's generated-id rule leaves out.
  The Anthropic, Google and OpenAI-compatible (Azure, OpenRouter, Groq ...) cassettes give no rows (other
  hosts). The commit listed is the snapshot's HEAD (e2c5aef5, 2026-08-17, 425 commits); `--history` reads the
  earlier versions too.
- hellas-ai/gate (Rust, dual `LICENSE-MIT` "Copyright (c) 2025 hellas.ai" and `LICENSE-APACHE` at the top
  since 56e7d0b / 6b0d627, 2025-08-14; `license = "MIT OR Apache-2.0"` in `Cargo.toml`; both files at the
  commit listed): an LLM inference server, proxy and router. Its `crates/fixtures` crate embeds provider
  fixtures that were recorded in Python: `crates/fixtures/test_openai_{chat_completions,responses}.py` call
  the OpenAI Python SDK (`AsyncOpenAI`, gpt-4o-mini: plain chat, system messages, tools and parallel tool
  calls, a tool round, JSON mode, structured outputs through pydantic models, logprobs, stop sequences,
  streaming, the Responses API with `instructions` and `text.format`) under pytest-recording, with
  `conftest.py`'s `vcr_config` (`serializer: json` registered from `serializer.py`, `record_mode` once,
  `filter_headers` for the credentials, `decode_compressed_response`, a `before_record_request` that only
  lower-cases header names and a `before_record_response` that only adds `X-VCR-*` timing headers; no body
  rewrite). The cassettes are vcrpy's JSON (`{interactions, metadata: {vcr_version: 7.0.0, recorded_at},
  version}`, request bodies as the string sent) under
  `crates/fixtures/data/openai/{chat_completions,responses}/*.json`, read with `--json
  crates/fixtures/data/openai` (no new reader). Recorded 2025-06-26 and 2025-07-03; committed in 270d34f
  (2025-07-04) and unchanged since, so every row is at the commit listed, the snapshot's HEAD (d642f994,
  2026-08-18, 1050 commits), where the licence files exist (they were added later than the fixtures).
- dragos199993/stonetape (TypeScript, MIT `LICENSE` at the top since the first commit e81ced5, 2026-08-06,
  "MIT License / Copyright (c) 2026 Stonetape authors"; the same file at the commit listed and at the
  cassette's commit): a record/replay library for LLM and tool interactions of TypeScript applications (a
  local proxy recorder). Its one recording, `tests/cassettes/openai-weather-agent.yaml` (written once, in
  4cea0cc, 2026-08-06, "record Demo 2 cassette: real gpt-5.6-luna weather agent (2 LLM calls + tool call)"),
  is its own YAML (`schemaVersion: 1`, `recorder`, `meta`, `interactions: [{seq, request: {method, url,
  headers, body}, response: {status, headers, body}, kind}]`) with the request and reply bodies stored parsed
  as YAML (key order kept), the request headers as sent by the OpenAI JS SDK 7.4.0 except the redacted
  `authorization` (no `content-length`, so `no-content-length`), and the reply's `date`. Two Chat Completions
  requests of gpt-5.6-luna with a `get_weather` function tool and `reasoning_effort`: the question, then the
  tool round (assistant `tool_calls` and the `tool` result). The commit listed is the snapshot's HEAD
  (732929ce, 2026-08-07, 22 commits).

The reader (READERS: the shape of each such repository's bodies): `_interactions` of
scripts/extract_cassette_truth.py is wrapped so that, for Kludex/zigai ("cassetter"), a body written as
`{type: json, content}` is given to the extractor as the JSON text of `content` (`json.dumps`, key order
kept), `{type: text, content}` as that text and `{type: none}` as no body, and for dragos199993/stonetape
("parsed") a body stored as a parsed mapping or list is given as its JSON text (`json.dumps`, key order kept);
for both, an integer `status` is read as `{code: status}` (vcrpy's shape); everything else the extractor does
(the api.openai.com / endpoint test, status 200, redaction markers, remote images, usage in the reply,
streamed replies only with usage, the Content-Length check, `--history`) is unchanged. The extractor runs in a
child process of this script (`--extractor`) with that wrapper in place, and the generated-id check
(build_fresh2._replies) reads the replies through the same wrapper. Each such row's notes say how the file was
read (NOTES).

None of the three repositories is in the dev, extra, fresh .. fresh34 sets, no owner owns a repository in any
of them (/tmp/used_repos.txt), and none is named in README.md or data/token_truth/README.md; each was claimed
in /work/notes/claims.txt (`fresh35 Kludex/zigai`, `fresh35 hellas-ai/gate`, `fresh35 dragos199993/stonetape`)
before it was fetched. Each goes through scripts/extract_cassette_truth.py at the commit listed, with
`--history`, and through exactly fresh5's filters (build_fresh3.build, with build_fresh4's licence rule): a
licence file that is not the GPL/AGPL in the row's commit, a response id the API generated, a request not
already in an earlier set (dev, extra, fresh .. fresh18, fresh20 .. fresh22, fresh24, fresh25, fresh28,
fresh30 .. fresh34; there is no fresh19, fresh23, fresh26, fresh27 or fresh29) or in an earlier source of this
list, no `previous_response_id`, no response id recorded for two different requests, at most 10 characters per
recorded prompt token. No new filter rule; one new reader with two body shapes (above), in this script. The
"Fresh35" section of data/token_truth/README.md gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh35.py > data/token_truth/openai-token-truth-fresh35.jsonl
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import subprocess
import sys
import types
from typing import Any

import build_fresh  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh2
import build_fresh3
import build_fresh4
import build_fresh34

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXTRACTOR = ROOT / "scripts/extract_cassette_truth.py"

ZIGAI = "Kludex/zigai"
STONETAPE = "dragos199993/stonetape"
# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (ZIGAI, "e2c5aef5f93015322891028a2048a217e7081687", "MIT", ()),  # HEAD of the snapshot
    (
        "hellas-ai/gate",
        "d642f9943244fe51c94e83be452eb4f488ce2cc8",  # HEAD of the snapshot
        "MIT OR Apache-2.0",
        ("crates/fixtures/data/openai",),
    ),
    (STONETAPE, "732929ceb94717b368613a455f2bb3abdcde4d61", "MIT", ()),  # HEAD of the snapshot
)
# repositories whose YAML cassettes store bodies parsed, read by this script: the shape of their bodies
READERS: dict[str, str] = {ZIGAI: "cassetter", STONETAPE: "parsed"}
NOTES = {
    ZIGAI: (
        "; Cassetter-style YAML cassette (Kludex/zigai's RecordingTransport): request and reply bodies stored"
        " as `body: {type: json|text, content}` (JSON parsed, key order kept) and read by build_fresh35.py's"
        " reader; no request headers stored"
    ),
    STONETAPE: (
        "; stonetape YAML cassette (its proxy recorder): request and reply bodies stored parsed as YAML"
        " (key order kept) and read by build_fresh35.py's reader; no request Content-Length stored"
    ),
}

# every set before this one: a request in any of them is not kept again
EARLIER = build_fresh4.after(build_fresh34)


def _body(body: Any, shape: str) -> Any:
    """A body of the given shape as the extractor's text body; any other body unchanged."""
    if (
        shape == "cassetter"
        and isinstance(body, dict)
        and "type" in body
        and set(body) <= {"type", "content"}
    ):
        kind, content = body.get("type"), body.get("content")
        if kind == "json":
            return json.dumps(content, ensure_ascii=False)
        if kind == "text" and isinstance(content, str):
            return content
        return None  # `none` (no body) or `binary` (hex; never a request the extractor reads)
    if shape == "parsed" and isinstance(body, (dict, list)):
        return json.dumps(body, ensure_ascii=False)
    return body


def read_bodies(extractor: types.ModuleType, shape: str) -> None:
    """Wraps the extractor module's `_interactions` so that it reads bodies of `shape` (and an integer
    `status`) too."""
    interactions = extractor._interactions

    def with_bodies(data: Any) -> list[tuple[dict, dict, str | None]]:
        found = []
        for request, response, recorded in interactions(data):
            request, response = dict(request), dict(response)
            for part in (request, response):
                if "body" in part:
                    part["body"] = _body(part["body"], shape)
            if isinstance(response.get("status"), int) and not isinstance(response["status"], bool):
                response["status"] = {"code": response["status"]}
            found.append((request, response, recorded))
        return found

    extractor._interactions = with_bodies


def _load_extractor() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("extract", EXTRACTOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_extract = build_fresh.extract
_replies = build_fresh2._replies


def extract(
    git_dir: pathlib.Path, repo: str, licence: str, commit: str, *options: str
) -> subprocess.CompletedProcess:
    """build_fresh.extract, with this script's reader for the READERS repositories (in a child process)."""
    if repo not in READERS:
        return _extract(git_dir, repo, licence, commit, *options)
    here = str(pathlib.Path(__file__).resolve())
    command = [
        *(sys.executable, here, "--extractor", READERS[repo], str(git_dir), repo, licence),
        *("--commit", commit, "--history", *options),
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True)


def replies(git_dir: pathlib.Path, commit: str, path: str) -> list[str | None]:
    """build_fresh2._replies (for the generated-id check), through the same reader for READERS."""
    shape = READERS.get(git_dir.parent.name.replace("+", "/", 1))
    if shape is None:
        return _replies(git_dir, commit, path)
    interactions = build_fresh2.extract._interactions
    read_bodies(build_fresh2.extract, shape)
    try:
        return _replies(git_dir, commit, path)
    finally:
        build_fresh2.extract._interactions = interactions


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--extractor":  # the child: the extractor with the reader
        extractor = _load_extractor()
        read_bodies(extractor, sys.argv[2])
        sys.argv = [str(EXTRACTOR), *sys.argv[3:]]
        extractor.main()
        return
    build_fresh.extract = extract
    build_fresh2._replies = replies
    build_fresh4.run(SOURCES, EARLIER, NOTES)


if __name__ == "__main__":
    main()
