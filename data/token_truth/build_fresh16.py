"""Builds openai-token-truth-fresh16.jsonl (the eighteenth held-out set) from snapshots under /work/.mirror.

Each repository listed here is in none of the dev, extra, fresh .. fresh15 sets, its owner has no repository
in any of them, and it is in none of their tried and left-out lists; mined by a helper looking at ecosystems
other than Python/JS/TS (here Go: maruel/genai's go-vcr cassettes, a format the extractor already reads).
It goes through scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly
fresh5's filters (build_fresh3.build with build_fresh4's licence rule): a licence file that is not the
GPL/AGPL in the row's commit, a response id the API generated, a request not already in an earlier set (dev,
extra, fresh .. fresh15) or in an earlier source of this list, no `previous_response_id`, no response id
recorded for two different requests, at most 10 characters per recorded prompt token. No new rule, no new
reader. The Fresh16 section of README.md gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh16.py > data/token_truth/openai-token-truth-fresh16.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh15

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH15 = ROOT / "data/token_truth/openai-token-truth-fresh15.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("maruel/genai", "66b63e62283f032dc40f348b3a9885221bad394e", "Apache-2.0", ()),
)

# every set before this one: a request in any of them is not kept again (fresh15 was mined at the same time)
EARLIER = (*build_fresh15.EARLIER, FRESH15)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
