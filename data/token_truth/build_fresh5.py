"""Builds openai-token-truth-fresh5.jsonl (the seventh held-out set) from the snapshots under /work/.mirror.

Each repository (none of them in the dev, extra, fresh, fresh2, fresh3 or fresh4 set, nor in their tried and
left-out lists) goes through scripts/extract_cassette_truth.py at the commit listed here, with `--history`,
and through the same filters as fresh4 (build_fresh3.build with build_fresh4's licence rule): a licence file
that is not the GPL/AGPL in the row's commit, a response id the API generated, a request not already in the
dev, extra, fresh, fresh2, fresh3 or fresh4 set or in an earlier repository of this list, no
`previous_response_id`, no response id recorded for two different requests, at most 10 characters per
recorded prompt token. No new rule.

    .venv/bin/python data/token_truth/build_fresh5.py > data/token_truth/openai-token-truth-fresh5.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh2  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh3
import build_fresh4

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH4 = ROOT / "data/token_truth/openai-token-truth-fresh4.jsonl"


# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("roseflow-ai/roseflow", "fc59bad095e837ff91dc645c40df1c9bec050818", "MIT", ()),
    ("kieranklaassen/ruby_llm-skills", "a914cfd975ba099874c6ee3ffb758ae52a5d83fe", "MIT", ()),
    ("drnic/promptcraft", "fd7bc8f811cb1f5909bc85dbc012a43ba81b8aee", "MIT", ()),
    ("codenamev/agentic", "499e7927be187685d8c67bce53eef9048bf49168", "MIT", ()),
    # added after the first count (rows appended; counted once on their own, see the README)
    ("khasinski/dj-llm", "3a396cc30934043a3338522411e087b49d72f823", "MIT", ()),
    ("dautroc/synapse_ai", "af92c62b237d399307498da5489f225530825943", "MIT", ()),
)


# every set before this one: a request in any of them is not kept again
EARLIER = (
    build_fresh2.DEV,
    build_fresh2.EXTRA,
    build_fresh2.FRESH,
    build_fresh3.FRESH2,
    build_fresh4.FRESH3,
    FRESH4,
)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
