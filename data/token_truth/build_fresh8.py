"""Builds openai-token-truth-fresh8.jsonl (the tenth held-out set) from the snapshots under /work/.mirror.

Each repository (none of them in the dev, extra, fresh, fresh2 .. fresh7 sets, nor in their tried and left-out
lists, and none of their owners in any of them) goes through scripts/extract_cassette_truth.py at the commit
listed here, with `--history`, and through exactly fresh5's filters (build_fresh3.build with build_fresh4's
licence rule): a licence file that is not the GPL/AGPL in the row's commit, a response id the API generated, a
request not already in an earlier set (dev, extra, fresh .. fresh7) or in an earlier source of this list, no
`previous_response_id`, no response id recorded for two different requests, at most 10 characters per recorded
prompt token. No new rule.

One new recording format: kaiban-ai/KaibanJS's end-to-end tests replay `*.requests.json` files written by
its own recorder, moscaFetch (`tests/utils/moscaFetch`): a JSON list of `{url, method, body, response}`, the
request body as parsed by `JSON.parse` and the reply's JSON, no status and no headers. The extractor reads
them with `--moscafetch` (new, tested in tests/test_extract_fresh8.py), only under the pathspecs given; with
no length the check is `no-content-length`, the date is the reply's `created`. Two hooks here pass
`--moscafetch` for the repositories in MOSCAFETCH and read a moscaFetch recording's replies for the
generated-id check (build_fresh2._replies would read that file as nock JSON and find none); every other file
goes through them unchanged.

    .venv/bin/python data/token_truth/build_fresh8.py > data/token_truth/openai-token-truth-fresh8.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh7
import recording_formats
from build_fresh2 import extract

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH7 = ROOT / "data/token_truth/openai-token-truth-fresh7.jsonl"

KAIBANJS = "kaiban-ai/KaibanJS"
# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (KAIBANJS, "ef2edabbdd56c6fc7f05cf82b3e568ce469ffbb4", "MIT", ()),
)
# moscaFetch recording pathspecs (`--moscafetch`) per repository
MOSCAFETCH: dict[str, tuple[str, ...]] = {KAIBANJS: ("tests",)}


def _is_moscafetch(git_dir: pathlib.Path, path: str) -> bool:
    return extract._under(
        path, extract._json_pathspecs(list(MOSCAFETCH.get(recording_formats.repo_of(git_dir), ())))
    )


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    earlier = (*build_fresh7.EARLIER, FRESH7)
    reader = recording_formats.text(extract._moscafetch_exchanges)
    recording_formats.use("--moscafetch", MOSCAFETCH, _is_moscafetch, reader)
    build_fresh3.build(SOURCES, earlier, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
