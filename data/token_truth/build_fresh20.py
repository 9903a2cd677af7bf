"""Builds openai-token-truth-fresh20.jsonl (the twenty-second held-out set) from snapshots in /work/.mirror.

Each repository listed here is in none of the dev, extra, fresh .. fresh18 sets, its owner has no repository
in any of them, and it is in none of their tried and left-out lists; mined by a helper looking at Python and
JS/TS: introspection-org's Python SDK (vcrpy YAML cassettes written by pytest-recording) and JS SDK (Polly.js
HAR recordings), and FortifyRoot/ocelle-py (vcrpy YAML cassettes), all formats the extractor already reads.
It goes through scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly
fresh5's filters (build_fresh3.build with build_fresh4's licence rule): a licence file that is not the
GPL/AGPL in the row's commit, a response id the API generated, a request not already in an earlier set (dev,
extra, fresh .. fresh18) or in an earlier source of this list, no `previous_response_id`, no response id
recorded for two different requests, at most 10 characters per recorded prompt token. No new filter rule, no
new reader. The two introspection-org commits listed are the last ones that still hold the recordings (the
next commit of each deleted them); the FRESH20.md note gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh20.py > data/token_truth/openai-token-truth-fresh20.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh18

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH18 = ROOT / "data/token_truth/openai-token-truth-fresh18.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (
        "introspection-org/introspection-python-sdk",
        "990760be3db9a112856ba8316ad64dc6a9494f62",
        "Apache-2.0",
        (),
    ),
    ("introspection-org/introspection-js-sdk", "a9bdf344d4e53ee84fb078e3ad222f3ca23b81a4", "Apache-2.0", ()),
    ("FortifyRoot/ocelle-py", "d0547d81d855e3d163978ad659cc2d173530fd1e", "Apache-2.0", ()),
)

# every set before this one: a request in any of them is not kept again (fresh19 was being mined at the same
# time and was not in data/token_truth/ when this set was built)
EARLIER = (*build_fresh18.EARLIER, FRESH18)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
