"""Builds openai-token-truth-fresh.jsonl from the repository snapshots fetched under /work/.mirror.

Each repository (none of them in the dev set or the extra set) goes through scripts/extract_cassette_truth.py
at the commit listed here, with `--history` (every earlier version of its cassettes too). Rows whose request
(same JSON) is already in the dev set, the extra set or an earlier repository of this list are dropped, so
every request appears once, and so are rows from a commit whose tree has no licence file yet.

    .venv/bin/python data/token_truth/build_fresh.py > data/token_truth/openai-token-truth-fresh.jsonl
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEV = pathlib.Path("/work/shared/data/openai-token-truth-dev.jsonl")
EXTRA = ROOT / "data/token_truth/openai-token-truth-extra.jsonl"

# repo, commit, licence (from the repository's LICENSE file / R DESCRIPTION)
SOURCES = (
    ("charmbracelet/fantasy", "f6d4d1e3022229bd6e77717416336bf50e1693ad", "Apache-2.0"),
    ("Future-House/ldp", "f0a29f1f3e6313b44e131bb394a13e64920cec73", "Apache-2.0"),
    ("Future-House/paper-qa", "d2c3c698fdf06986aa021812ab3186d3696438d8", "Apache-2.0"),
    ("Future-House/aviary", "826577f332a02ec2f5883cdb042fb12f14b4c7b3", "Apache-2.0"),
    ("Future-House/llm-client", "ce9ef5dc45a73341218d99c9a4c26b616414495b", "Apache-2.0"),
    ("lmnr-ai/lmnr-python", "67dea392f4961bfcf7b5cde3733aaa4a452bb9f9", "Apache-2.0"),
    ("patvice/ruby_llm-mcp", "4d10851994029c7d7f3246ad517b2eef483ac810", "MIT"),
    ("llmrb/llm", "9ecfe454ccd5bb0f1f7399346eb70e1356a6a8d2", "0BSD"),
    ("wilkox/GPTscreenR", "ee1f74c4a878cdbfbf8071e517b301438e757355", "MIT"),
    ("envoyproxy/ai-gateway", "c217da8a539570ba3f6014a60c2687c29a945f1f", "Apache-2.0"),
    ("simonw/llm-openai-plugin", "4f1787d1c81523ceae1dd2b34075fa9632502795", "Apache-2.0"),
    ("instructor-ai/instructor-rb", "e96ab3b4e9c8c1d08c8f784c0ac091f33a12a916", "MIT"),
    ("square/exchange", "24a9e8b00e6253a64ee475148f1bf12103686594", "Apache-2.0"),
    ("datasette/datasette-query-assistant", "ee588baa5b9958a381f6a13a14affd484f4165ca", "Apache-2.0"),
    ("datasette/datasette-extract", "4456f54f0cebf6aee9d0d5f7ee06f5988b34402e", "Apache-2.0"),
    ("kokuyouwind/rbs_goose", "98d1fb5ab1815d603df35c0f3f37996ce8498dcb", "MIT"),
    ("foobara/open-ai-api-rack", "4c4bcf3db275964161a886878ec57d79b8d72408", "MIT"),
    ("wilkox/lemur", "49f392e6eb2f26c25ad04940cf30ab647e9301c1", "MIT"),
    ("braintrustdata/braintrust-sdk", "a696a72395bb5829c8579af7e108c8c52745a685", "Apache-2.0"),
    ("datasette/datasette-enrichments-gpt", "1bede50ad21d7ae9fa663fd2a199bcd46b52cf6e", "Apache-2.0"),
    ("langchain-ai/langgraph", "f09cfe8ffc1eeffd68f4b628ed69c30f7cad229f", "MIT"),
    ("langchain-ai/langmem", "b5dbe4aa34055face022cb4a6db153edd5826377", "MIT"),
    ("alchaplinsky/regent", "d3eb8ae6fa69455c527031759d59d2e57e453c89", "MIT"),
)


def request_key(request: dict) -> str:
    """The identity of a request across truth sets: its JSON with sorted keys."""
    return json.dumps(request, sort_keys=True)


def licence_files(git_dir: pathlib.Path, commit: str) -> list[str]:
    """Returns the names of the licence files at the top of the commit's tree."""
    names = subprocess.run(
        ["git", "-C", str(git_dir), "ls-tree", "--name-only", commit],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [name for name in names if name.lower().startswith(("licen", "copying"))]


def _has_licence(git_dir: pathlib.Path, commit: str) -> bool:
    """Whether the commit's tree holds a licence file (an earlier version from before one was added is not
    covered by it, so its rows are left out)."""
    return bool(licence_files(git_dir, commit))


def extract(
    git_dir: pathlib.Path, repo: str, licence: str, commit: str, *options: str
) -> subprocess.CompletedProcess:
    """Runs scripts/extract_cassette_truth.py on a snapshot at `commit` with `--history` (and `options`)."""
    script = str(ROOT / "scripts/extract_cassette_truth.py")
    command = [sys.executable, script, str(git_dir), repo, licence, "--commit", commit, "--history", *options]
    return subprocess.run(command, capture_output=True, text=True, check=True)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    seen = {request_key(json.loads(line)["request"]) for path in (DEV, EXTRA) for line in path.open()}
    for repo, commit, licence in SOURCES:
        git_dir = mirror / repo.replace("/", "+") / "repo"
        out = extract(git_dir, repo, licence, commit)
        kept = 0
        licensed: dict[str, bool] = {}
        for line in out.stdout.splitlines():
            row = json.loads(line)
            if row["commit"] not in licensed:
                licensed[row["commit"]] = _has_licence(git_dir, row["commit"])
            if request_key(row["request"]) in seen or not licensed[row["commit"]]:
                continue
            seen.add(request_key(row["request"]))
            sys.stdout.write(line + "\n")
            kept += 1
        print(f"{repo}: {kept} rows ({out.stderr.strip()})", file=sys.stderr)


if __name__ == "__main__":
    main()
