"""Builds openai-token-truth-fresh21.jsonl (the twenty-third held-out set) from a snapshot in /work/.mirror.

One source, dcdpr/jp (Rust, Apache-2.0 `LICENSE` at the top; owner dcdpr is in none of the dev, extra, fresh
.. fresh20 sets, owns no repository in any of them, and is in none of their tried and left-out lists). Its LLM
crate's provider tests record real traffic with Rust httpmock's recorder (`crates/jp_test/src/mock.rs`:
`forward_to_async`, `record_async`, `save_to_async`, then `modify_fixture`) into
`crates/jp_llm/tests/fixtures/<provider>/<test>.yml`. Only the `openai` folder is read: its recorder forwards
to `config.openai.base_url` of `LlmProviderConfig::default()` (`crates/jp_llm/src/test.rs`,
`run_chat_completion`), which is `https://api.openai.com` (`crates/jp_config/src/providers/llm/openai.rs`,
`#[setting(default = ...)]`). The recordings store no host, so api.openai.com is inferred from the folder and
that default; every row's notes say so.

It goes through scripts/extract_cassette_truth.py at the commit listed (the snapshot's HEAD, 2026-08-22), with
`--history` (every earlier version of the recordings: 46 commits touch the folder, from 2025-12-15 on), and
through exactly fresh5's filters (build_fresh3.build with build_fresh4's licence rule): a licence file that is
not the GPL/AGPL in the row's commit, a response id the API generated, a request not already in an earlier set
(dev, extra, fresh .. fresh20), no `previous_response_id`, no response id recorded for two different requests,
at most 10 characters per recorded prompt token. No new filter rule.

One new recording format: httpmock's YAML, one document per exchange (`when: {path, method, json_body_str}`,
`then: {status, header, body}`; the reply is the streamed SSE). The extractor reads it with `--httpmock-yaml`
(new, tested in tests/test_extract_fresh21.py), only under the pathspecs given; the request body is the
`json_body_str` that jp's `modify_fixture` writes (httpmock's recorded body string parsed by serde_json with
`preserve_order` and pretty-printed: a re-serialised copy with the explicit `null` fields the client sent,
kept as recorded), with no length, so the check is `no-content-length`; the date is the reply's `created_at`.
Two hooks (recording_formats.use) pass `--httpmock-yaml` for dcdpr/jp and read such a recording's replies for
the generated-id check (build_fresh2._replies would read the file as a vcrpy cassette and find none). The
older `crates/jp_llm/tests/fixtures/test_openai_*.yml` recordings (2025-05 .. 2025-12, before the per-provider
folders) are outside that folder and not read. The rows kept are written with the host evidence appended to
their notes; nothing else in them is changed.

    .venv/bin/python data/token_truth/build_fresh21.py > data/token_truth/openai-token-truth-fresh21.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh20
import recording_formats
from build_fresh2 import extract

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH20 = ROOT / "data/token_truth/openai-token-truth-fresh20.jsonl"

JP = "dcdpr/jp"
# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (JP, "4c1c39f1343e0ffc830a4d8f4e25b7fccc6c32a4", "Apache-2.0", ()),  # HEAD of the snapshot
)
# httpmock recording pathspecs (`--httpmock-yaml`) per repository: only the OpenAI provider's folder
HTTPMOCK: dict[str, tuple[str, ...]] = {JP: ("crates/jp_llm/tests/fixtures/openai",)}
HOST_NOTE = (
    "; host not recorded: api.openai.com inferred from the fixture folder"
    " (crates/jp_llm/tests/fixtures/openai) and the recorder's forward target, jp_config's OpenAI default"
    " base_url https://api.openai.com"
    " (crates/jp_config/src/providers/llm/openai.rs); body is httpmock's json_body_str (re-serialised,"
    " explicit nulls kept as recorded), no Content-Length"
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh20.EARLIER, FRESH20)


def _is_httpmock(git_dir: pathlib.Path, path: str) -> bool:
    return extract._under(
        path, extract._yaml_pathspecs(list(HTTPMOCK.get(recording_formats.repo_of(git_dir), ())))
    )


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    reader = recording_formats.text(extract._httpmock_exchanges)
    recording_formats.use("--httpmock-yaml", HTTPMOCK, _is_httpmock, reader)
    build_fresh3.build_noted(SOURCES, EARLIER, mirror, build_fresh4.licence_ok, {JP: HOST_NOTE})


if __name__ == "__main__":
    main()
