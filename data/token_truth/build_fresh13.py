"""Builds openai-token-truth-fresh13.jsonl (the fifteenth held-out set) from snapshots under /work/.mirror.

Each repository listed here is in none of the dev, extra, fresh .. fresh12 sets, its owner has no repository
in any of them, and it is in none of their tried and left-out lists; mined by a helper looking for recording
formats and ecosystems less mined before (here Java: WireMock). It goes through
scripts/extract_cassette_truth.py at the commit listed, with `--history` and the `--json` pathspec listed,
and through exactly fresh5's filters (build_fresh3.build with build_fresh4's licence rule): a licence file
that is not the GPL/AGPL in the row's commit, a response id the API generated, a request not already in an
earlier set (dev, extra, fresh .. fresh12) or in an earlier source of this list, no `previous_response_id`,
no response id recorded for two different requests, at most 10 characters per recorded prompt token. No new
rule.

One new recording format, read by the extractor for every JSON recording under a `--json` pathspec (no new
option): WireMock stub mappings as its recorder writes them (`{request: {url, method, bodyPatterns:
[{equalToJson}]}, response: {status, body, headers}}`). Their url has no host: a mapping counts as
api.openai.com only when its recorded reply sets a cookie for `.api.openai.com`, and a path without `/v1` is
read under it. The request body is the `equalToJson` string ("no-content-length": no request length is
kept). fresh3 .. fresh12 rebuild byte for byte with it. The Fresh13 section of README.md (here) gives the
search and what was left out.

    .venv/bin/python data/token_truth/build_fresh13.py > data/token_truth/openai-token-truth-fresh13.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh12

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH12 = ROOT / "data/token_truth/openai-token-truth-fresh12.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (
        "apache/camel-quarkus",
        "9e952fb7eee50c87edd37bc84bef3c7d4edc516e",
        "Apache-2.0",
        ("integration-tests/openai/src/test/resources/mappings",),
    ),
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh12.EARLIER, FRESH12)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
