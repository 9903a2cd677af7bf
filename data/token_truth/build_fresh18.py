"""Builds openai-token-truth-fresh18.jsonl (the twentieth held-out set) from snapshots under /work/.mirror.

Each repository listed here is in none of the dev, extra, fresh .. fresh17 sets, its owner has no repository
in any of them, and it is in none of their tried and left-out lists; mined by a helper looking at ecosystems
other than Python/JS/TS: Elixir (marcelotto/magma's ExVCR cassettes, a format the extractor already reads) and
Rust (tensorzero/tensorzero's ModelInferenceCache exports,
`.jsonl`, read by the reader this set added to scripts/extract_cassette_truth.py). It goes through
scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly fresh5's filters
(build_fresh3.build with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's
commit, a response id the API generated, a request not already in an earlier set (dev, extra, fresh ..
fresh17) or in an earlier source of this list, no `previous_response_id`, no response id recorded for two
different requests, at most 10 characters per recorded prompt token. No new filter rule. The Fresh18 section
of README.md gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh18.py > data/token_truth/openai-token-truth-fresh18.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh16

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH16 = ROOT / "data/token_truth/openai-token-truth-fresh16.jsonl"
FRESH17 = ROOT / "data/token_truth/openai-token-truth-fresh17.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
# antiwork/gumroad (15 rows of VCR cassettes) was mined too and left out by the parent before any count: its
# Gumroad Community License is source-available with use limits, not an open-source licence.
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("marcelotto/magma", "456953a6ff90e621c814e9a01e6b9152d7bcc86f", "MIT", ("test/cassettes",)),
    (
        "tensorzero/tensorzero",
        "7a6159a4348ff015373d7926f74ac589ca59a0d9",
        "Apache-2.0",
        ("ui/fixtures/model_inference_cache_e2e.jsonl", "ui/fixtures/model_inference_cache_examples.jsonl"),
    ),
)

# every set before this one: a request in any of them is not kept again (fresh17 was mined at the same time;
# its file was in data/token_truth/ when this set was built, so it is here: if it changes, rebuild)
EARLIER = (*build_fresh16.EARLIER, FRESH16, FRESH17)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
