"""Builds openai-token-truth-fresh3.jsonl (the fifth held-out set) from the snapshots under /work/.mirror.

Each repository (none of them in the dev, extra, fresh or fresh2 set) goes through
scripts/extract_cassette_truth.py at the commit listed here, with `--history` and, where listed, `--json`, and
through fresh2's filters (build_fresh2.py): a licence file that is not the GPL/AGPL in the row's commit, a
response id the API generated, and a request not already in the dev, extra, fresh or fresh2 set or in an
earlier repository of this list. Three more rules, all read off the recording, none off a count of ours:

- llama-stack's recorder rewrites response ids (`rec-` and a hash): there a reply counts as generated when it
  has such an id and a `system_fingerprint` of the API;
- a Responses request with `previous_response_id` is left out: its recorded count includes the stored
  conversation, which is not in the body;
- a response id recorded for two different requests is a reused (hand-made) response: all its rows are left
  out;
- a row with more than 10 characters per recorded prompt token in the parts of the request that are read as
  prompt (the JSON of `messages` / `input`, `instructions`, `tools` / `functions` and the response format;
  inline base64 data not counted) is left out: no tokeniser gives that, so the recorded usage does not belong
  to the body as stored.

    .venv/bin/python data/token_truth/build_fresh3.py > data/token_truth/openai-token-truth-fresh3.jsonl
"""

from __future__ import annotations

import contextlib
import io
import json
import pathlib
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping

import build_fresh  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh2

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH2 = ROOT / "data/token_truth/openai-token-truth-fresh2.jsonl"
MAX_CHARS_PER_TOKEN = 10
BASE64 = re.compile(r"data:[^\"]*;base64,[A-Za-z0-9+/=]+|[A-Za-z0-9+/]{200,}={0,2}")


# repo, commit, licence (from the repository's LICENSE file), JSON recording pathspecs (`--json`)
SOURCES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("khasinski/ruby_llm-responses_api", "174cd52bc1063a8fa6b36635ae9d5e75a9abc994", "MIT", ()),
    ("braintrustdata/braintrust-sdk-ruby", "1ca9a9991d5ea9d161192b360afe66a760abb9d3", "Apache-2.0", ()),
    ("braintrustdata/braintrust-sdk-go", "63142de713534a8746ee2d4acced1b50f750b066", "Apache-2.0", ()),
    ("braintrustdata/braintrust-sdk-python", "a7053505083fb7b7ae6ed1c10a4141a0d8673cc4", "Apache-2.0", ()),
    (
        "braintrustdata/braintrust-sdk-javascript",
        "96a8132d9327efa81ecd66a01920ab6206a57ca1",
        "Apache-2.0",
        (),
    ),
    ("llamastack/llama-stack", "d1b6632946ca1bb953d47ea3317b8f3c30771d88", "MIT", ("tests/integration",)),
)
# llama-stack's recorder replaces the response's id with `rec-` and a hash of the request (and `created` with
# 0); a reply of its recorder counts as generated when it has that id and the API's `system_fingerprint`.
RECORDER_IDS = {
    "llamastack/llama-stack": re.compile(
        r'"id": "rec-[0-9a-f]{12,}"(?=.*"system_fingerprint": "fp_[0-9a-f]+")', re.S
    )
}


PROMPT_FIELDS = ("messages", "input", "instructions", "tools", "functions", "response_format", "text")


def chars_per_token(row: dict) -> float:
    """Characters per recorded prompt token in the JSON of the request's prompt fields (not its sampling
    parameters), inline base64 data left out."""
    prompt = {name: row["request"][name] for name in PROMPT_FIELDS if name in row["request"]}
    text = BASE64.sub("", json.dumps(prompt, ensure_ascii=False))
    return len(text) / max(row["prompt_tokens"], 1)


def _licence_ok(git_dir: pathlib.Path, commit: str, _source_path: str) -> bool:
    return build_fresh2._licence_ok(git_dir, commit)


Source = tuple[str, str, str, tuple[str, ...]]


def build(
    sources: tuple[Source, ...],
    earlier: tuple[pathlib.Path, ...],
    mirror: pathlib.Path,
    licence_ok: Callable[[pathlib.Path, str, str], bool] = _licence_ok,
) -> None:
    """Writes the rows of `sources` that pass the filters to stdout (a tally per repository to stderr); a
    request in one of the `earlier` sets, or in an earlier repository of `sources`, is left out."""
    key = build_fresh.request_key
    seen = {key(json.loads(line)["request"]) for path in earlier for line in path.open()}
    candidates: list[tuple[str, dict, str, str]] = []  # (repo, row, line, response id)
    tallies: dict[str, dict[str, int]] = {}
    notes: dict[str, str] = {}
    for repo, commit, licence, json_paths in sources:
        git_dir = mirror / repo.replace("/", "+") / "repo"
        out = build_fresh.extract(
            git_dir, repo, licence, commit, *(arg for path in json_paths for arg in ("--json", path))
        )
        notes[repo] = out.stderr.strip()
        tally = tallies[repo] = defaultdict(int)
        licensed: dict[tuple[str, str], bool] = {}
        replies: dict[tuple[str, str], list[str | None]] = {}
        for line in out.stdout.splitlines():
            row = json.loads(line)
            where = (row["commit"], row["source_path"])
            if where not in licensed:
                licensed[where] = licence_ok(git_dir, *where)
            if not licensed[where]:
                tally["unlicensed"] += 1
                continue
            if where not in replies:
                replies[where] = build_fresh2._replies(git_dir, *where)
            reply = replies[where][int(row["id"].rsplit("#", 1)[1].split("@")[0])]
            generated = RECORDER_IDS.get(repo, build_fresh2.GENERATED_ID).search(reply or "")
            if not generated:
                tally["no generated response id"] += 1
                continue
            if key(row["request"]) in seen:
                tally["already seen"] += 1
                continue
            seen.add(key(row["request"]))
            if row["api"] == "responses" and row["request"].get("previous_response_id"):
                tally["previous_response_id"] += 1
                continue
            if chars_per_token(row) > MAX_CHARS_PER_TOKEN:
                tally[f"over {MAX_CHARS_PER_TOKEN} chars per token"] += 1
                continue
            candidates.append((repo, row, line, generated.group(0)))
    requests_per_id: dict[str, set[str]] = defaultdict(set)
    for _repo, row, _line, response_id in candidates:
        requests_per_id[response_id].add(key(row["request"]))
    for repo, _row, line, response_id in candidates:
        if len(requests_per_id[response_id]) > 1:
            tallies[repo]["reused response id"] += 1
            continue
        sys.stdout.write(line + "\n")
        tallies[repo]["kept"] += 1
    for repo, tally in tallies.items():
        dropped = ", ".join(f"{count} {why}" for why, count in tally.items() if why != "kept")
        print(f"{repo}: {tally['kept']} rows ({notes[repo]}; dropped: {dropped or 'none'})", file=sys.stderr)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build(SOURCES, (build_fresh2.DEV, build_fresh2.EXTRA, build_fresh2.FRESH, FRESH2), mirror)


if __name__ == "__main__":
    main()


def build_noted(
    sources: tuple[Source, ...],
    earlier: tuple[pathlib.Path, ...],
    mirror: pathlib.Path,
    licence_ok: Callable[[pathlib.Path, str, str], bool],
    notes: Mapping[str, str],
) -> None:
    """`build`, with `notes[repo]` appended to the notes of each row of that repository (what a set's rows
    carry beyond the extractor's own note: an inferred host, a recorder's own reply shape)."""
    kept = io.StringIO()
    with contextlib.redirect_stdout(kept):
        build(sources, earlier, mirror, licence_ok)
    for line in kept.getvalue().splitlines():
        row = json.loads(line)
        row["notes"] += notes.get(row["source_repo"], "")
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
