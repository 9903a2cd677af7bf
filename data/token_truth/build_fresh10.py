"""Builds openai-token-truth-fresh10.jsonl (the twelfth held-out set) from the snapshots under /work/.mirror.

Each repository listed here is in none of the dev, extra, fresh .. fresh9 sets, nor in their tried and
left-out lists, and its owner has no repository in any of them; mined by a helper looking for recordings with
tools in the Python ecosystem (vcrpy / pytest-recording cassettes). It goes through
scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly fresh5's filters
(build_fresh3.build with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's
commit, a response id the API generated, a request not already in an earlier set (dev, extra, fresh .. fresh9)
or in an earlier source of this list, no `previous_response_id`, no response id recorded for two different
requests, at most 10 characters per recorded prompt token. No new rule and no new recording format: the
extractor is unchanged.

One choice of what to read, not a filter on what was recorded: coralogix/llm-tracekit's OpenAI
instrumentation tests (COPIED below) replay cassettes copied, with the instrumentation, from
open-telemetry/opentelemetry-python-contrib (a dev-set repository; recorded 2024-11 .. 2025-03, before
llm-tracekit's first commit of 2025-03-30), so they are not independent evidence: the rows read from those
folders are dropped before the filters (the count is added to the repository's tally line). FRESH10.md gives
the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh10.py > data/token_truth/openai-token-truth-fresh10.jsonl
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import build_fresh  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh3
import build_fresh4
import build_fresh9

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH9 = ROOT / "data/token_truth/openai-token-truth-fresh9.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("myriade-ai/agentlys", "13d8211cc4f61c9451e8f46e8cea1c6878c431ee", "MIT", ()),
    ("coralogix/llm-tracekit", "88a14efc91aa4132c788d13a0c7a593ad31c1a25", "Apache-2.0", ()),
)

# folders whose cassettes are copies of another repository's (one already in an earlier set): not read
COPIED: dict[str, tuple[str, ...]] = {
    "coralogix/llm-tracekit": ("instrumentations/openai/tests/cassettes/", "tests/openai/cassettes/"),
}

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh9.EARLIER, FRESH9)


def _leave_out_copies() -> None:
    """Drops the extractor's rows from the COPIED folders of a repository; other rows pass unchanged."""
    extract = build_fresh.extract

    def extract_without_copies(
        git_dir: pathlib.Path, repo: str, licence: str, commit: str, *options: str
    ) -> subprocess.CompletedProcess:
        out = extract(git_dir, repo, licence, commit, *options)
        folders = COPIED.get(repo, ())
        if not folders:
            return out
        lines = out.stdout.splitlines()
        kept = [line for line in lines if not json.loads(line)["source_path"].startswith(folders)]
        note = f"{out.stderr.strip()}; {len(lines) - len(kept)} rows from copied cassettes not read"
        return subprocess.CompletedProcess(out.args, out.returncode, "".join(f"{k}\n" for k in kept), note)

    build_fresh.extract = extract_without_copies


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    _leave_out_copies()
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
