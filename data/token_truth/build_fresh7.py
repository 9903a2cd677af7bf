"""Builds openai-token-truth-fresh7.jsonl (the ninth held-out set) from the snapshots under /work/.mirror.

Each repository (none of them, nor any repository of their owners, in the dev, extra, fresh, fresh2, fresh3,
fresh4, fresh5 or fresh6 set, nor in their tried and left-out lists) goes through
scripts/extract_cassette_truth.py at the commit listed here, with `--history`, and through exactly fresh5's
filters (build_fresh3.build with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the
row's commit, a response id the API generated, a request not already in the dev, extra, fresh, fresh2, fresh3,
fresh4, fresh5 or fresh6 set or in an earlier source of this list, no `previous_response_id`, no response id
recorded for two different requests, at most 10 characters per recorded prompt token. No new rule.

One new recording format: BeehiveInnovations/zen-mcp-server's tests replay the JSON recordings of its own
HTTP transport recorder (`tests/openai_cassettes/*.json`: the request body stored parsed beside the
Content-Length sent, the reply base64). The extractor reads them with `--zen-json` (new, tested in
tests/test_extract_fresh7.py); two hooks here pass `--zen-json tests/openai_cassettes` for the repositories in
ZEN_JSON and read such a recording's reply for the generated-id check (build_fresh2._replies would read it as
a vcrpy JSON cassette and find no reply); every other file goes through them unchanged.

zen-mcp-server is listed twice: at `main` and at the head of its pull request 309 (`refs/pull/309/head`, the
commit named here, never merged), whose `*_responses.json` recordings (the same tests sent to the Responses
API, recorded by the pull request's author) are in no commit of `main`.

    .venv/bin/python data/token_truth/build_fresh7.py > data/token_truth/openai-token-truth-fresh7.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh5
import recording_formats
from build_fresh2 import extract

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH5 = ROOT / "data/token_truth/openai-token-truth-fresh5.jsonl"
FRESH6 = ROOT / "data/token_truth/openai-token-truth-fresh6.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
ZEN = "BeehiveInnovations/zen-mcp-server"
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("newrelic/newrelic-python-agent", "e3c9c1d035a5889d70ef6ce1bb90379b70040c4d", "Apache-2.0", ()),
    (ZEN, "bcfaccecd490859fe189f45df4cf5b8e102d7874", "Apache-2.0", ()),  # main
    (ZEN, "39ed408754a9b755d062a95abdcf2714a3534f3a", "Apache-2.0", ()),  # refs/pull/309/head
    ("rosnik-ai/rosnik-python", "4c11030f49c4d1b1d46d809016b99eb5aaca50fe", "MIT", ()),
)
# zen-mcp-server transport recording pathspecs (`--zen-json`) per repository
ZEN_JSON: dict[str, tuple[str, ...]] = {ZEN: ("tests/openai_cassettes",)}

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh5.EARLIER, FRESH5, FRESH6)


def _is_zen(git_dir: pathlib.Path, path: str) -> bool:
    prefixes = ZEN_JSON.get(recording_formats.repo_of(git_dir), ())
    return path.endswith(".json") and any(path.startswith(f"{p}/") for p in prefixes)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    recording_formats.use("--zen-json", ZEN_JSON, _is_zen, recording_formats.text(extract._zen_exchanges))
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
