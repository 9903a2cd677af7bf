"""Builds openai-token-truth-fresh28.jsonl (a held-out set) from snapshots in /work/.mirror.

Two sources, two new owners, mined by the fresh28 helper (issue/PR threads about recordings, then
`find_string` on the test code that sits next to cassettes). Both record with vcrpy through pytest-recording
(YAML cassettes).

- Marvin-Labs/lbgpt (Python, MIT `LICENSE` at the top since the first commit fcbdc7f, 2023-11-03, "Copyright
  (c) 2023 Marvin Labs Limited"): a load balancer over the OpenAI and Azure OpenAI chat APIs (with caches and
  LiteLLM routing). Its tests record with pytest-recording (`tests/conftest.py`: `record_mode: once`,
  `filter_headers: {authorization: DUMMY_AUTHORIZATION}`, no request or response hook) into
  `tests/cassette/<module>/<test>.yaml` (singular `cassette`) and `tests/{cache,semantic_cache}/cassette/...`.
  Only the api.openai.com Chat Completions exchanges give rows (the Azure, DeepSeek, Together, Nebius, Gemini,
  Vertex and Hugging Face ones do not). The commit listed is the snapshot's HEAD (567e90a5, 2025-07-29, 132
  commits); `--history` reads the earlier versions too.
  Its cassettes were written by vcrpy 5.1.0 (pinned in `requirements-testing.txt`) through its httpx stubs,
  whose reply shape is its own: `response: {status_code, http_version, headers, content}` (content: the
  decoded reply text) where every other vcrpy recorder writes `status: {code}` and `body: {string}`. The
  extractor's YAML reader finds no reply in such an interaction (0 exchanges), so this script reads these
  files through `_legacy_httpx`: an interaction of that shape gets `status` and `body` from `status_code` and
  `content`, and the file then goes through the extractor's own YAML reader unchanged (the request, its
  Content-Length check, the redaction and image rules, the date from the reply's Date header). It does so only
  for LEGACY_HTTPX repositories, by running the extractor in this process with its module's `_yaml_exchanges`
  replaced (build_fresh.extract and build_fresh2._replies are hooked, as recording_formats.use does);
  scripts/extract_cassette_truth.py itself is not changed, and every other repository goes through it as a
  subprocess, as before. The rows kept get a note saying so.
- neurostuff/neurostore-text-extraction (Python, MIT `LICENSE` at the top since the first commit 1c574c2,
  2024-07-30): pipelines that extract study metadata (tasks, participant demographics) from neuroimaging
  papers with gpt-4o-mini / gpt-4o function calling. Its tests record with pytest-recording
  (`tests/conftest.py`: `filter_headers` for authorization, cookie, user-agent and the x-stainless headers
  only; no body hook) into `tests/cassettes/...`; the embeddings exchanges give no rows. Standard vcrpy
  cassettes (no new reader). The commit listed is the snapshot's HEAD (771aff75, 2025-08-19, 229 commits),
  with `--history`.

Neither repository is in the dev, extra, fresh .. fresh25 sets, neither owner owns a repository in any of them
(/tmp/used_repos.txt), and neither is named in README.md; both were claimed in /work/notes/claims.txt
(`fresh28 ...`) before they were fetched. Each goes through scripts/extract_cassette_truth.py at the commit
listed, with `--history`, and through exactly fresh5's filters (build_fresh3.build with build_fresh4's licence
rule): a licence file that is not the GPL/AGPL in the row's commit, a response id the API generated, a request
not already in an earlier set (dev, extra, fresh .. fresh25; there is no fresh19, fresh23 or fresh26) or in an
earlier source of this list, no `previous_response_id`, no response id recorded for two different requests, at
most 10 characters per recorded prompt token. No new filter rule. The FRESH28.md note gives the search and
what was left out.

    .venv/bin/python data/token_truth/build_fresh28.py > data/token_truth/openai-token-truth-fresh28.jsonl
"""

from __future__ import annotations

import contextlib
import io
import json
import pathlib
import subprocess
import sys
from typing import Any

import build_fresh  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh2
import build_fresh3
import build_fresh4
import build_fresh25
import recording_formats
import yaml
from build_fresh2 import extract

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH25 = ROOT / "data/token_truth/openai-token-truth-fresh25.jsonl"

LBGPT = "Marvin-Labs/lbgpt"
# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (LBGPT, "567e90a58ddc21273cee3706604c67d55ebd4d40", "MIT", ()),  # HEAD of the snapshot
    ("neurostuff/neurostore-text-extraction", "771aff7519379e350e6041ae92ec901ff06f639e", "MIT", ()),  # HEAD
)
# repositories whose cassettes were written by an older vcrpy's httpx stubs (vcrpy 5.1.0; see _legacy_httpx)
LEGACY_HTTPX: frozenset[str] = frozenset({LBGPT})
LEGACY_NOTE = (
    "; vcrpy httpx-stub cassette (vcrpy 5.1.0): the reply read from the response's `content` and"
    " `status_code` (that recorder's own shape), the request as in every vcrpy cassette"
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh25.EARLIER, FRESH25)

_yaml_exchanges = extract._yaml_exchanges  # the extractor's own YAML reader, used unchanged
_reading_legacy = False  # set only while a LEGACY_HTTPX repository is read


def _legacy_httpx(text: str) -> list[Any]:
    """Older vcrpy releases' httpx stubs (5.1.0 here) wrote a reply as `response: {status_code, http_version,
    headers, content}` (content: httpx's decoded `.content` as text) where every other vcrpy recorder writes
    `status: {code}` and `body: {string}`. Such an interaction gets the usual two keys, from those two, and
    the file then goes through the extractor's YAML reader as any vcrpy cassette; a file with none is read as
    it is."""
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return _yaml_exchanges(text)
    changed = False
    for _request, response, _recorded in extract._interactions(data):
        if (
            "status" not in response
            and "body" not in response
            and isinstance(response.get("status_code"), int)
            and isinstance(response.get("content"), str)
        ):
            response["status"] = {"code": response["status_code"]}
            response["body"] = {"string": response["content"]}
            changed = True
    if not changed:
        return _yaml_exchanges(text)
    return _yaml_exchanges(yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False))


def _yaml_reader(text: str) -> list[Any]:
    return _legacy_httpx(text) if _reading_legacy else _yaml_exchanges(text)


@contextlib.contextmanager
def _legacy(on: bool):
    global _reading_legacy
    before, _reading_legacy = _reading_legacy, on
    try:
        yield
    finally:
        _reading_legacy = before


_extract, _replies = build_fresh.extract, build_fresh2._replies


def _extract_with(
    git_dir: pathlib.Path, repo: str, licence: str, commit: str, *options: str
) -> subprocess.CompletedProcess:
    """The extractor as build_fresh.extract runs it (`--history`), in this process for a LEGACY_HTTPX
    repository so that its YAML reader is `_legacy_httpx`."""
    if repo not in LEGACY_HTTPX:
        return _extract(git_dir, repo, licence, commit, *options)
    argv = ["extract_cassette_truth.py", str(git_dir), repo, licence, "--commit", commit, "--history"]
    argv += options
    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    try:
        sys.argv = argv
        with _legacy(True), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            extract.main()
    finally:
        sys.argv = saved
    return subprocess.CompletedProcess(argv, 0, out.getvalue(), err.getvalue())


def _replies_with(git_dir: pathlib.Path, commit: str, path: str) -> list[str | None]:
    with _legacy(recording_formats.repo_of(git_dir) in LEGACY_HTTPX):
        return _replies(git_dir, commit, path)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    extract._yaml_exchanges = _yaml_reader
    build_fresh.extract, build_fresh2._replies = _extract_with, _replies_with
    kept = io.StringIO()
    with contextlib.redirect_stdout(kept):
        build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)
    for line in kept.getvalue().splitlines():
        row = json.loads(line)
        if row["source_repo"] in LEGACY_HTTPX:
            row["notes"] += LEGACY_NOTE
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
