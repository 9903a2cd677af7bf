"""Builds openai-token-truth-fresh4.jsonl (the sixth held-out set) from the snapshots under /work/.mirror.

Each repository (none of them in the dev, extra, fresh, fresh2 or fresh3 set) goes through
scripts/extract_cassette_truth.py at the commit listed here, with `--history` and, where listed, `--json`
(ExVCR cassettes for dvcrn/ex_openai), and through fresh3's filters (build_fresh3.build): a licence file that
is not the GPL/AGPL in the row's commit, a response id the API generated, a request not already in the dev,
extra, fresh, fresh2 or fresh3 set or in an earlier repository of this list, no `previous_response_id`, no
response id recorded for two different requests, at most 10 characters per recorded prompt token.

One change to the licence rule, read off the tree: besides `LICENSE*` / `COPYING*` at the top, a Rails-style
`MIT-LICENSE` at the top counts (CultivateLabs/raif), and where the top holds no licence file at all, one at
the top of the package directory that holds the cassette does (monarchwadia/ragged: `ragged/LICENSE.md` for
`ragged/recordings/`). The GPL/AGPL test is the same.

    .venv/bin/python data/token_truth/build_fresh4.py > data/token_truth/openai-token-truth-fresh4.jsonl
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

import build_fresh  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh2
import build_fresh3

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH3 = ROOT / "data/token_truth/openai-token-truth-fresh3.jsonl"


# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("vicentereig/dspy.rb", "377298ba87e35d545c8c7002e921d5a034b1149a", "MIT", ()),
    ("CultivateLabs/raif", "fb25951f688c20ed6ee4deb00e9e700444785ecb", "MIT", ()),
    ("livingbio/gpt-fn", "4c266e9ea7c90a7b12b8c0ff88fd691428ed6cf5", "MIT", ()),
    ("monarchwadia/ragged", "807fb983b84008406f673c5d0ffb96b1d3927cc7", "MIT", ()),
    ("superduper-io/superduper", "6d192e7bf255f913b445a44dc9486e7013ddc6bc", "Apache-2.0", ()),
    ("dvcrn/ex_openai", "9eaf7bfffc808327e107e8cad6f2db832325ed32", "MIT", ("test/fixture/vcr_cassettes",)),
)


def _names(git_dir: pathlib.Path, tree: str) -> list[str]:
    return subprocess.run(
        ["git", "-C", str(git_dir), "ls-tree", "--name-only", tree],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()


def licence_ok(git_dir: pathlib.Path, commit: str, source_path: str) -> bool:
    """build_fresh2's rule, with `MIT-LICENSE` at the top, or (no licence file at the top) a licence file
    at the top of the cassette's package directory."""
    if build_fresh.licence_files(git_dir, commit):
        return build_fresh2._licence_ok(git_dir, commit)
    found = [name for name in _names(git_dir, commit) if name.lower().endswith(("-license", "-licence"))]
    package = source_path.split("/", 1)[0]
    if not found and "/" in source_path:
        found = [
            name
            for name in _names(git_dir, f"{commit}:{package}")
            if name.lower().startswith(("licen", "copying"))
        ]
        found = [f"{package}/{name}" for name in found]
    return bool(found) and not any(build_fresh2.is_gpl(git_dir, commit, name) for name in found)


def after(previous: types.ModuleType) -> tuple[pathlib.Path, ...]:
    """The sets a new set must not repeat a request of: those `previous` (the build script of the set before
    it, build_freshN) did not repeat, and `previous`'s own set (openai-token-truth-freshN.jsonl)."""
    name = pathlib.Path(previous.__file__).stem.removeprefix("build_")
    return (*previous.EARLIER, ROOT / "data/token_truth" / f"openai-token-truth-{name}.jsonl")


def run(
    sources: tuple[build_fresh3.Source, ...],
    earlier: tuple[pathlib.Path, ...],
    notes: Mapping[str, str] | None = None,
) -> None:
    """Builds a set with fresh5's filters (this licence rule) from the snapshots in the folder given as the
    first argument (default /work/.mirror), rows to stdout, tallies to stderr; `notes`: build_noted's."""
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    if notes:
        build_fresh3.build_noted(sources, earlier, mirror, licence_ok, notes)
    else:
        build_fresh3.build(sources, earlier, mirror, licence_ok)


JsonReader = Callable[[Any], "list[Any] | None"]


# The argument a build script is called with, by `run_with_json_reader`, to run as the extractor.
AS_EXTRACTOR = "--as-extractor"


def run_with_json_reader(
    script: str,
    read: JsonReader,
    sources: tuple[build_fresh3.Source, ...],
    earlier: tuple[pathlib.Path, ...],
    notes: Mapping[str, str],
    *,
    host: str | None = None,
) -> None:
    """`run`, for recordings in a project's own JSON format: `read(data)` returns the exchanges (the
    extractor's tuples) of one parsed JSON file, or None for a file that is not such a recording (the
    extractor's own JSON reader takes it). The extractor runs as a child process of `script` called with
    AS_EXTRACTOR, so the reader is in place there as well as in this process (whose generated-id check
    reads the replies). `host`: an extended regex that replaces the extractor's host test, for a format
    that stores no host. Used by build_fresh36, build_fresh38 and build_fresh39."""

    def with_reader(extractor: Any) -> None:
        original = extractor._json_exchanges

        def json_exchanges(text: str) -> list[Any]:
            try:
                data = json.loads(text)
            except ValueError:
                return original(text)
            exchanges = read(data)
            return original(text) if exchanges is None else exchanges

        extractor._json_exchanges = json_exchanges

    if len(sys.argv) > 1 and sys.argv[1] == AS_EXTRACTOR:  # the child: the extractor, with the reader
        extractor = build_fresh2.extract
        with_reader(extractor)
        if host:
            extractor.OPENAI_HOST = re.compile(host)
        sys.argv = [str(ROOT / "scripts/extract_cassette_truth.py"), *sys.argv[2:]]
        extractor.main()
        return

    def extract(git_dir: Any, repo: str, licence: str, commit: str, *options: str) -> Any:
        command = [sys.executable, script, AS_EXTRACTOR, str(git_dir), repo, licence, "--commit", commit]
        return subprocess.run([*command, "--history", *options], capture_output=True, text=True, check=True)

    build_fresh.extract = extract
    with_reader(build_fresh2.extract)
    run(sources, earlier, notes)


def main() -> None:
    run(SOURCES, (build_fresh2.DEV, build_fresh2.EXTRA, build_fresh2.FRESH, build_fresh3.FRESH2, FRESH3))


if __name__ == "__main__":
    main()
