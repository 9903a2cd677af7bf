"""Builds openai-token-truth-fresh25.jsonl (a held-out set) from snapshots in /work/.mirror.

Two sources, two new owners, mined by a helper looking at Python test suites (fresh25). Both record with
vcrpy (YAML cassettes), a format the extractor already reads: no new reader, no hook, no extractor change.

- funtusov/mcp-server-architect (Python, MIT `LICENSE` at the top since the first commit 2d3bcc2, 2025-03-27,
  "Copyright (c) 2025 Greg Funtusov"): an MCP server whose pydantic-ai agent (GPT-4o, with `code_reader`,
  `web_search` and `llm` tools) writes PRDs and "think" answers. Its tests record with pytest-recording
  (README: "The tests use pytest-recording to record HTTP interactions with APIs") into
  `tests/integration/cassettes/test_core/*.yaml` and `tests/tools/cassettes/test_llm/*.yaml`; only the
  api.openai.com Chat Completions exchanges give rows (the Gemini, Anthropic and Exa cassettes do not). The
  commit listed is the snapshot's HEAD (f6ab37b4, 2025-04-01, 20 commits); with `--history` one earlier
  version of `test_think.yaml` (60a1a9ac) is read too.
- JSv4/OpenContracts (Python/Django; Open-Source-Legal/OpenContracts is the same project under its
  organisation, claimed with it): a document-analytics platform whose extract tests run a LlamaIndex agent
  over a contract with OpenAI and record it with vcrpy (`@vcr.use_cassette("fixtures/vcr_cassettes/...")`,
  `filter_headers=["authorization"]`; its `before_record_response` only drops Hugging Face replies, request
  bodies are untouched). Its `LICENSE` was Apache-2.0 from the first commit (cb6f7c86, 2022-10-24) until
  372cd7e7 ("Update LICENSE", 2025-01-20) made it the GPL-3.0, so the commit listed is that commit's parent
  fb12617f (2025-01-20, "Ran linter."), the last one under Apache-2.0: with `--history` every version read
  is an ancestor of it and under Apache-2.0 (and build_fresh4.licence_ok checks each row's commit anyway).
  The later (GPL) cassettes, among them the pydantic-ai ones whose recorder rewrites document ids in request
  bodies, are not read. The big `test_run_extract_task.yaml` is absent at fb12617f (a file the snapshot
  lacks, over 4 MiB); its two earlier versions (ece27d2f, 2024-06-19; 6c758474, 2025-01-04) give almost all
  the rows.

Neither repository is in the dev, extra, fresh .. fresh24 sets, neither owner owns a repository in any of them
(/tmp/used_repos.txt), and neither is named in README.md; both were claimed in /work/notes/claims.txt
(`fresh25 ...`) before they were fetched. Each goes through scripts/extract_cassette_truth.py at the commit
listed, with `--history`, and through exactly fresh5's filters (build_fresh3.build with build_fresh4's licence
rule): a licence file that is not the GPL/AGPL in the row's commit, a response id the API generated, a request
not already in an earlier set (dev, extra, fresh .. fresh24; there is no fresh19 or fresh23) or in an earlier
source of this list, no `previous_response_id`, no response id recorded for two different requests, at most
10 characters per recorded prompt token. No new filter rule. The FRESH25.md note gives the search and what
was left out.

    .venv/bin/python data/token_truth/build_fresh25.py > data/token_truth/openai-token-truth-fresh25.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh24

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH24 = ROOT / "data/token_truth/openai-token-truth-fresh24.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("funtusov/mcp-server-architect", "f6ab37b4f03dcc7a83733dbca32580517887392b", "MIT", ()),  # HEAD
    # the last commit before LICENSE became the GPL-3.0 (372cd7e7, 2025-01-20)
    ("JSv4/OpenContracts", "fb12617fb5c1df52b9af01c15a224cfda46b95ab", "Apache-2.0", ()),
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh24.EARLIER, FRESH24)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
