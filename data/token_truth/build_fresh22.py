"""Builds openai-token-truth-fresh22.jsonl (the twenty-fourth held-out set) from snapshots in /work/.mirror.

Two sources, two new owners, both vcrpy YAML cassettes that the extractor already reads (no new reader, no
hook):

- Verdenroz/chimeric (Python, MIT `LICENSE` at the top, "Copyright (c) 2025 Harvey Tseng"): a multi-provider
  LLM client whose integration suite records real provider traffic with pytest-recording into
  `tests/integration/cassettes/<provider>/<test>.yaml` (`tests/integration/conftest.py`). Only the
  `openai/` cassettes are api.openai.com (the extractor reads api.openai.com only): OpenAI Responses API,
  gpt-4o-mini, tool calls replayed as `function_call` / `function_call_output` items, written once in
  c86c640 (2025-07-29, "test: adds prerecorded cassettes for vcr"). The commit listed is the snapshot's HEAD
  (2c5fcd4f, 2025-08-11, tag v0.1.0); the file index names later commits of the repository (new embedding
  and structured-output cassettes) that the snapshot `fetch` gives does not hold.
- handley-lab/mcp-handley-lab (Python, MIT `LICENSE` at the top, "Copyright (c) 2025 Handley Lab"): MCP
  tool servers whose integration suite records real traffic with vcrpy into
  `tests/integration/cassettes/<TestClass>.<test>[<provider>].yaml`; the `[openai]` cassettes hold Chat
  Completions requests of its LLM tool (gpt-4o-mini, gpt-4o with an inline PNG), including its memory
  feature's replayed conversation history. The commit listed is the snapshot's HEAD (022b5bd4,
  2025-08-23); the LICENSE file was added in 26eb96e (2025-08-14), so every cassette version written before
  it is left out by the licence rule (44 exchanges). Four cassettes of the snapshot are over 4 MiB and
  absent from it (image generation, not chat).

Neither repository is in the dev, extra, fresh .. fresh21 sets, neither owner owns a repository in any of
them, and neither is named in README.md's tried and left-out lists; both were claimed in
/work/notes/claims.txt (`fresh22 ...`) before they were fetched. Each goes through
scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly fresh5's
filters (build_fresh3.build with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the
row's commit, a response id the API generated, a request not already in an earlier set (dev, extra, fresh ..
fresh18, fresh20, fresh21; there is no fresh19) or in an earlier source of this list, no
`previous_response_id`, no response id recorded for two different requests, at most 10 characters per
recorded prompt token. No new filter rule, no new reader. The FRESH22.md note gives the search and what was
left out.

    .venv/bin/python data/token_truth/build_fresh22.py > data/token_truth/openai-token-truth-fresh22.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh21

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH21 = ROOT / "data/token_truth/openai-token-truth-fresh21.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("Verdenroz/chimeric", "2c5fcd4fa7e4d0eda1265be6464bc42ef7fd244b", "MIT", ()),  # HEAD of the snapshot
    ("handley-lab/mcp-handley-lab", "022b5bd46ac7366d05e8caf05bc97bf50e4d8028", "MIT", ()),  # HEAD
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh21.EARLIER, FRESH21)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
