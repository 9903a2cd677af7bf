"""Builds openai-token-truth-fresh2.jsonl (the fourth held-out set) from the snapshots under /work/.mirror.

Each repository (none of them in the dev set, the extra set or the fresh set) goes through
scripts/extract_cassette_truth.py at the commit listed here, with `--history` (every earlier version of its
cassettes too) and, where listed, `--json` for its JSON recordings (nock, dd-apm-test-agent). Rows whose
request (same JSON) is already in the dev, extra or fresh set or in an earlier repository of this list are
dropped, so every request appears once, and so are rows from a commit whose tree has no licence file yet
or a GPL/AGPL one.
A row is kept only if its recorded response carries an id the API generated (`chatcmpl-` and 20 or more
letters and digits, or `resp_` and 40 or more hex digits): hand-written stand-ins ("chatcmpl-audionodata1",
"resp_sys_instr_001", `usage` invented to look right) sit in some of these cassette directories.

    .venv/bin/python data/token_truth/build_fresh2.py > data/token_truth/openai-token-truth-fresh2.jsonl
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import re
import subprocess
import sys

import build_fresh  # a sibling script: this folder is on sys.path when a build script is run

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEV = pathlib.Path("/work/shared/data/openai-token-truth-dev.jsonl")
EXTRA = ROOT / "data/token_truth/openai-token-truth-extra.jsonl"
FRESH = ROOT / "data/token_truth/openai-token-truth-fresh.jsonl"
GENERATED_ID = re.compile(r"\bchatcmpl-[A-Za-z0-9]{20,}|\bresp_[0-9a-f]{40,}")

_spec = importlib.util.spec_from_file_location("extract", ROOT / "scripts/extract_cassette_truth.py")
extract = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(extract)

# repo, commit, licence (from the repository's LICENSE file), JSON recording pathspecs (`--json`)
SOURCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("knowsuchagency/promptic", "fe15855b0a0d50229215e76595f8871a5999cca0", "Apache-2.0", ()),
    (
        "DataDog/dd-trace-js",
        "5735ffe7643cd9a984a8d21bde2131cc2fbe3a50",
        "Apache-2.0 OR BSD-3-Clause",
        ("packages/dd-trace/test/llmobs/cassettes",),
    ),
    ("docker/cagent", "0d76412a3ed156faac105d7961753c333be0a879", "Apache-2.0", ()),
    ("hinthornw/trustcall", "8c7312b591542cf9349ce00d2811e890ea6eef91", "MIT", ()),
    ("vintasoftware/django-ai-assistant", "627e8b32e155856ca752b8dd8f3ee9ac7105c9c2", "MIT", ()),
    ("node-llm/node-llm", "2da375b0fe56944d2310f5b998a9e998efd7bc8a", "MIT", ()),
    (
        "open-telemetry/opentelemetry-js-contrib",
        "fd4d8ae8ffbbb21616baa036948b2fb70d289892",
        "Apache-2.0",
        ("packages/instrumentation-openai",),
    ),
    ("raaf-ai/raaf", "19d94711ea5e3db812a1c54a420fa8669cf79c65", "MIT", ()),
    (
        "DataDog/system-tests",
        "e30db60acb45051ef48591648828c7626b56e754",
        "Apache-2.0",
        ("tests/integration_frameworks/utils/vcr-cassettes",),
    ),
    ("eidolon-ai/typedai", "05be7c2babf27dd32a7653441a9944a1f77a9f1b", "MIT", ()),
    ("rungalileo/galileo-python", "a1a0821789e77b4e6ff9bd3fc8cb862fd256d2ca", "Apache-2.0", ()),
    ("MagnivOrg/prompt-layer-library", "c19662d2a2e50a2fc7f8af6d24ba6e9c0a9ac430", "Apache-2.0", ()),
    ("fjordllc/bootcamp", "9aea6167da4ecbca98720a1eafe5acefc5f0201a", "MIT", ()),
    ("amosjyng/langchain-visualizer", "e51a63e5842a02548927532e1926c2b409ba43d1", "MIT", ()),
    ("amosjyng/vcr-langchain", "30179a75b7cc3598ceeb8823a5361f75a79a7247", "MIT", ()),
    ("amosjyng/langchain-contrib", "ef3569455bbb535ccca0e62e2051a1171f320bc8", "MIT", ()),
    ("genai-impact/ecologits", "2d0a1c76358a1aad0c530d47794e37465ad029e8", "MPL-2.0", ()),
    ("future-agi/traceAI", "94a2616fb315be423a8d729c31f3188f0c4969f2", "Apache-2.0", ()),
)


def _licence_ok(git_dir: pathlib.Path, commit: str) -> bool:
    """Whether the commit's tree holds a licence file that is not the GPL or AGPL (an earlier version from
    before a licence was added, or from while the project was under the GPL, is left out)."""
    found = build_fresh.licence_files(git_dir, commit)
    return bool(found) and not any(is_gpl(git_dir, commit, name) for name in found)


def is_gpl(git_dir: pathlib.Path, commit: str, name: str) -> bool:
    """Whether the licence file's title is the GPL, AGPL or LGPL."""
    text = subprocess.run(
        ["git", "-C", str(git_dir), "show", f"{commit}:{name}"], capture_output=True, check=False
    ).stdout.decode("utf-8", "replace")
    # the title, at the top (the MPL's text names the GPL further down, as a "Secondary License")
    return bool(re.search(r"GNU (AFFERO |LESSER )?GENERAL PUBLIC LICENSE", text[:500], re.IGNORECASE))


def _replies(git_dir: pathlib.Path, commit: str, path: str) -> list[str | None]:
    """The recorded response bodies of a cassette, in the extractor's exchange order."""
    text = subprocess.run(
        ["git", "-C", str(git_dir), "show", f"{commit}:{path}"], capture_output=True, check=True
    ).stdout.decode("utf-8", "replace")
    return [exchange[4] for exchange in extract.text_exchanges(text, path)]


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    key = build_fresh.request_key
    seen = {key(json.loads(line)["request"]) for path in (DEV, EXTRA, FRESH) for line in path.open()}
    for repo, commit, licence, json_paths in SOURCES:
        git_dir = mirror / repo.replace("/", "+") / "repo"
        out = build_fresh.extract(
            git_dir, repo, licence, commit, *(arg for path in json_paths for arg in ("--json", path))
        )
        kept = known = unlicensed = made_up = 0
        licensed: dict[str, bool] = {}
        replies: dict[tuple[str, str], list[str | None]] = {}
        for line in out.stdout.splitlines():
            row = json.loads(line)
            if row["commit"] not in licensed:
                licensed[row["commit"]] = _licence_ok(git_dir, row["commit"])
            if not licensed[row["commit"]]:
                unlicensed += 1
                continue
            where = (row["commit"], row["source_path"])
            if where not in replies:
                replies[where] = _replies(git_dir, *where)
            reply = replies[where][int(row["id"].rsplit("#", 1)[1].split("@")[0])]
            if not GENERATED_ID.search(reply or ""):
                made_up += 1
                continue
            if key(row["request"]) in seen:
                known += 1
                continue
            seen.add(key(row["request"]))
            sys.stdout.write(line + "\n")
            kept += 1
        print(
            f"{repo}: {kept} rows ({out.stderr.strip()}; {known} already seen, {unlicensed} unlicensed,"
            f" {made_up} with no generated response id)",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
