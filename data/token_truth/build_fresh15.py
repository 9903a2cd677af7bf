"""Builds openai-token-truth-fresh15.jsonl (the seventeenth held-out set) from snapshots under /work/.mirror.

Each repository listed here is in none of the dev, extra, fresh .. fresh14 sets, its owner has no repository
in any of them, and it is in none of their tried and left-out lists; mined by a helper looking at Python,
JavaScript and TypeScript projects not yet in a set (here two Python libraries, both with vcrpy cassettes: an
agent library and a document-extraction library). It goes through scripts/extract_cassette_truth.py at the
commit listed, with `--history`, and through exactly fresh5's filters (build_fresh3.build with build_fresh4's
licence rule): a licence file that is not the GPL/AGPL in the row's commit, a response id the API generated, a
request not already in an earlier set (dev, extra, fresh .. fresh14) or in an earlier source of this list, no
`previous_response_id`, no response id recorded for two different requests, at most 10 characters per recorded
prompt token. No new rule, no new reader.

One change to the extractor, for a cassette format it already reads: a vcrpy reply whose `date` header was
redacted (shcherbak-ai/contextgem writes `DUMMY`) gives no recording time instead of stopping the extraction;
fresh3 .. fresh14 rebuild byte for byte with it. The Fresh15 section of README.md gives the search and what
was left out.

    .venv/bin/python data/token_truth/build_fresh15.py > data/token_truth/openai-token-truth-fresh15.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh14

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH14 = ROOT / "data/token_truth/openai-token-truth-fresh14.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("goodkiwillc/good-agent", "445234f219a6e9b712a59a4feb88b8123c9f9e31", "MIT", ()),
    ("shcherbak-ai/contextgem", "4a13e0b286863947f8b70217255e016f1a99c572", "Apache-2.0", ()),
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh14.EARLIER, FRESH14)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
