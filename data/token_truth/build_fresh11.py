"""Builds openai-token-truth-fresh11.jsonl (the thirteenth held-out set) from snapshots under /work/.mirror.

Each repository listed here is in none of the dev, extra, fresh .. fresh9 sets, nor in their tried and
left-out lists, and its owner has no repository in any of them; mined by a helper looking for recordings with
tools outside the Python ecosystem. It goes through scripts/extract_cassette_truth.py at the commit listed,
with `--history` (all three are Ruby gems with ordinary Ruby VCR YAML cassettes, so no `--json` pathspec),
and through exactly fresh5's filters (build_fresh3.build with build_fresh4's licence rule): a licence file
that is not the GPL/AGPL in the row's commit, a response id the API generated, a request not already in an
earlier set (dev, extra, fresh .. fresh9) or in an earlier source of this list, no `previous_response_id`, no
response id recorded for two different requests, at most 10 characters per recorded prompt token. No new
rule and no new recording format: the extractor is unchanged. FRESH11.md gives the search and what was left
out.

    .venv/bin/python data/token_truth/build_fresh11.py > data/token_truth/openai-token-truth-fresh11.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh9

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH9 = ROOT / "data/token_truth/openai-token-truth-fresh9.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("Hyper-Unearthing/llm_gateway", "ac925d69e4056f49a98f41520193c11d62243c95", "MIT", ()),
    ("janeapp/riffer", "20a0a3dd8ebb298238c86359ee153b6bfe056104", "MIT", ()),
    ("andrewhampton/bristow", "a1aec3a6b357921f5c9cfa047dce55acd3480ea2", "MIT", ()),
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh9.EARLIER, FRESH9)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
