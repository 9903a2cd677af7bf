"""Builds openai-token-truth-fresh12.jsonl (the fourteenth held-out set) from snapshots under /work/.mirror.

Each repository listed here is in none of the dev, extra, fresh .. fresh11 sets, its owner has no repository
in any of them, and it is in none of their tried and left-out lists except as a candidate held back for want
of a reader (ggozad/haiku.rag, fresh10's list: pydantic-ai's `json_body_serializer` cassettes). It goes
through scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly fresh5's
filters (build_fresh3.build with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the
row's commit, a response id the API generated, a request not already in an earlier set (dev, extra, fresh ..
fresh11) or in an earlier source of this list, no `previous_response_id`, no response id recorded for two
different requests, at most 10 characters per recorded prompt token. No new rule.

One new recording format, read by the extractor for every YAML cassette (no option): pydantic-ai's
`json_body_serializer` stores a JSON body parsed, under `parsed_body`, in place of `body` (request and reply);
the request is checked against the serialisations of its parsed body ("match-reserialized" when the recorded
Content-Length is one of them, dropped when it is none). fresh3 .. fresh11 rebuild byte for byte with it.
The Fresh12 section of README.md (here) gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh12.py > data/token_truth/openai-token-truth-fresh12.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh11

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH10 = ROOT / "data/token_truth/openai-token-truth-fresh10.jsonl"
FRESH11 = ROOT / "data/token_truth/openai-token-truth-fresh11.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("ggozad/haiku.rag", "e9f6fea59848bd10ac54942357bc753ea4681857", "MIT", ()),
)

# every set before this one: a request in any of them is not kept again (fresh10 and fresh11 were built side
# by side, each on fresh9's list, so both are added here)
EARLIER = (*build_fresh11.EARLIER, FRESH10, FRESH11)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
