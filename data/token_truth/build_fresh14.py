"""Builds openai-token-truth-fresh14.jsonl (the sixteenth held-out set) from snapshots under /work/.mirror.

Each repository listed here is in none of the dev, extra, fresh .. fresh13 sets, its owner has no repository
in any of them, and it is in none of their tried and left-out lists except as one that could not be had as a
snapshot: agentjido/req_llm (fresh2's list), read here through a fork that carries its history,
neilberkman/req_llm, at upstream's commit 487ea4f (2026-03-16, the last one to write its OpenAI fixtures);
every row's commit is an upstream commit (see the Fresh14 section of README.md). Mined by a helper looking for
recording formats and ecosystems less mined before (here Elixir: ReqLLM's own fixture recorder). It goes
through scripts/extract_cassette_truth.py at the commit listed, with `--history` and the `--json` pathspec
listed, and through exactly fresh5's filters (build_fresh3.build with build_fresh4's licence rule): a licence
file that is not the GPL/AGPL in the row's commit, a response id the API generated, a request not already in
an earlier set (dev, extra, fresh .. fresh13) or in an earlier source of this list, no `previous_response_id`,
no response id recorded for two different requests, at most 10 characters per recorded prompt token. No new
rule.

One new recording format, read by the extractor for every JSON recording under a `--json` pathspec (no new
option): ReqLLM fixtures (`{request: {method, url, headers, body: {b64}, canonical_json}, response: {status,
headers, body}, chunks?}`). The request body is the base64 `b64` decoded, the bytes sent (the parsed
`canonical_json` copy is not read); no request length is kept ("no-content-length"); a streamed reply is the
top-level `chunks` (base64 each) joined. fresh3 .. fresh13 rebuild byte for byte with it. The Fresh14 section
of README.md gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh14.py > data/token_truth/openai-token-truth-fresh14.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh13

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH13 = ROOT / "data/token_truth/openai-token-truth-fresh13.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (
        "neilberkman/req_llm",
        "487ea4f3bd219ab6c25526ee645fa8cad05d5631",
        "Apache-2.0",
        ("test/support/fixtures/openai",),
    ),
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh13.EARLIER, FRESH13)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
