"""Builds openai-token-truth-fresh9.jsonl (the eleventh held-out set) from the snapshots under /work/.mirror.

Each repository listed here is in none of the dev, extra, fresh, fresh2 .. fresh8 sets, nor in their tried and
left-out lists, and its owner has no repository in any of them. It goes through
scripts/extract_cassette_truth.py at the commit listed, with `--history` (and `--json` for the pathspecs
listed: EndlessInternational/intelligence keeps its Ruby VCR cassettes as JSON, which the extractor already
reads that way), and through exactly fresh5's filters (build_fresh3.build with build_fresh4's licence rule): a
licence file that is not the GPL/AGPL in the row's commit, a response id the API generated, a request not
already in an earlier set (dev, extra, fresh .. fresh8) or in an earlier source of this list, no
`previous_response_id`, no response id recorded for two different requests, at most 10 characters per recorded
prompt token. No new rule and no new recording format: the extractor is unchanged. The Fresh9 section of
README.md gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh9.py > data/token_truth/openai-token-truth-fresh9.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh7

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH7 = ROOT / "data/token_truth/openai-token-truth-fresh7.jsonl"
FRESH8 = ROOT / "data/token_truth/openai-token-truth-fresh8.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (
        "EndlessInternational/intelligence",
        "2ea7d4c0121a2c3eb962bb6199df67d8a38cb50a",
        "MIT",
        ("spec/fixtures/cassettes",),
    ),
    ("agamble/llm_ruby", "d41be99051989a6d7c01eff7986ce7c93e6a6b70", "MIT", ()),
    ("shohey1226/llm_memory", "94931606b065923ec74255879cbea3c632b7e861", "MIT", ()),
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh7.EARLIER, FRESH7, FRESH8)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
