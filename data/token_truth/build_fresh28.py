"""Builds openai-token-truth-fresh28.jsonl (a held-out set) from snapshots in /work/.mirror.

Two sources, two new owners, mined by the fresh28 helper (issue/PR threads about recordings, then
`find_string` on the test code that sits next to cassettes). Both record with vcrpy through pytest-recording
(YAML cassettes).

- Marvin-Labs/lbgpt (Python, MIT `LICENSE` at the top since the first commit fcbdc7f, 2023-11-03, "Copyright
  (c) 2023 Marvin Labs Limited"): a load balancer over the OpenAI and Azure OpenAI chat APIs (with caches and
  LiteLLM routing). Its tests record with pytest-recording (`tests/conftest.py`: `record_mode: once`,
  `filter_headers: {authorization: DUMMY_AUTHORIZATION}`, no request or response hook) into
  `tests/cassette/<module>/<test>.yaml` (singular `cassette`) and `tests/{cache,semantic_cache}/cassette/...`.
  Only the api.openai.com Chat Completions exchanges give rows (the Azure, DeepSeek, Together, Nebius, Gemini,
  Vertex and Hugging Face ones do not). The commit listed is the snapshot's HEAD (567e90a5, 2025-07-29, 132
  commits); `--history` reads the earlier versions too.
  Its cassettes were written by vcrpy 5.1.0 (pinned in `requirements-testing.txt`) through its httpx stubs,
  whose reply shape is its own: `response: {status_code, http_version, headers, content}` (content: the
  decoded reply text) where every other vcrpy recorder writes `status: {code}` and `body: {string}`. The
  extractor's YAML reader reads that shape too (`_reply_body`, and the code from `status_code`; when this set
  was built a hook in this script did the same, with the same rows), and the rows of LEGACY_HTTPX
  repositories get a note saying how their replies were stored.
- neurostuff/neurostore-text-extraction (Python, MIT `LICENSE` at the top since the first commit 1c574c2,
  2024-07-30): pipelines that extract study metadata (tasks, participant demographics) from neuroimaging
  papers with gpt-4o-mini / gpt-4o function calling. Its tests record with pytest-recording
  (`tests/conftest.py`: `filter_headers` for authorization, cookie, user-agent and the x-stainless headers
  only; no body hook) into `tests/cassettes/...`; the embeddings exchanges give no rows. Standard vcrpy
  cassettes (no new reader). The commit listed is the snapshot's HEAD (771aff75, 2025-08-19, 229 commits),
  with `--history`.

Neither repository is in the dev, extra, fresh .. fresh25 sets, neither owner owns a repository in any of them
(/tmp/used_repos.txt), and neither is named in README.md; both were claimed in /work/notes/claims.txt
(`fresh28 ...`) before they were fetched. Each goes through scripts/extract_cassette_truth.py at the commit
listed, with `--history`, and through exactly fresh5's filters (build_fresh3.build with build_fresh4's licence
rule): a licence file that is not the GPL/AGPL in the row's commit, a response id the API generated, a request
not already in an earlier set (dev, extra, fresh .. fresh25; there is no fresh19, fresh23 or fresh26) or in an
earlier source of this list, no `previous_response_id`, no response id recorded for two different requests, at
most 10 characters per recorded prompt token. No new filter rule. The FRESH28.md note gives the search and
what was left out.

    .venv/bin/python data/token_truth/build_fresh28.py > data/token_truth/openai-token-truth-fresh28.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh25

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH25 = ROOT / "data/token_truth/openai-token-truth-fresh25.jsonl"

LBGPT = "Marvin-Labs/lbgpt"
# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (LBGPT, "567e90a58ddc21273cee3706604c67d55ebd4d40", "MIT", ()),  # HEAD of the snapshot
    ("neurostuff/neurostore-text-extraction", "771aff7519379e350e6041ae92ec901ff06f639e", "MIT", ()),  # HEAD
)
# repositories whose cassettes were written by an older vcrpy's httpx stubs (vcrpy 5.1.0)
LEGACY_HTTPX: frozenset[str] = frozenset({LBGPT})
LEGACY_NOTE = (
    "; vcrpy httpx-stub cassette (vcrpy 5.1.0): the reply read from the response's `content` and"
    " `status_code` (that recorder's own shape), the request as in every vcrpy cassette"
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh25.EARLIER, FRESH25)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    notes = dict.fromkeys(LEGACY_HTTPX, LEGACY_NOTE)
    build_fresh3.build_noted(SOURCES, EARLIER, mirror, build_fresh4.licence_ok, notes)


if __name__ == "__main__":
    main()
