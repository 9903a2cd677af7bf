"""Lets a build script read a recording format of its own (a pickle, a project's JSON recorder) through
build_fresh3.build: the extractor gets the format's option for the repositories that use it, and the
generated-id check (build_fresh2._replies, which reads text recordings only) reads such a file's replies
with the extractor's reader. Every other file goes through both unchanged.
"""

from __future__ import annotations

import pathlib
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

import build_fresh  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh2

# (git dir, path in the repository) -> whether the file is a recording of the format
Claims = Callable[[pathlib.Path, str], bool]
# a recording's bytes -> the extractor's exchanges, the reply text fifth
Reader = Callable[[bytes], list[Any]]


def repo_of(git_dir: pathlib.Path) -> str:
    """The owner/name of a snapshot under /work/.mirror (`owner+name/repo`)."""
    return git_dir.parent.name.replace("+", "/", 1)


def use(option: str, paths: Mapping[str, tuple[str, ...]], claims: Claims, reader: Reader) -> None:
    """Passes `option PATH` to the extractor for each of a repository's `paths`, and reads the replies of the
    files `claims` picks with `reader`."""
    extract, replies = build_fresh.extract, build_fresh2._replies

    def extract_with(
        git_dir: pathlib.Path, repo: str, licence: str, commit: str, *options: str
    ) -> subprocess.CompletedProcess:
        extra = tuple(arg for path in paths.get(repo, ()) for arg in (option, path))
        return extract(git_dir, repo, licence, commit, *options, *extra)

    def replies_with(git_dir: pathlib.Path, commit: str, path: str) -> list[str | None]:
        if not claims(git_dir, path):
            return replies(git_dir, commit, path)
        data = subprocess.run(
            ["git", "-C", str(git_dir), "show", f"{commit}:{path}"], capture_output=True, check=True
        ).stdout
        return [exchange[4] for exchange in reader(data)]

    build_fresh.extract = extract_with
    build_fresh2._replies = replies_with


def text(read: Callable[[str], list[Any]]) -> Reader:
    """A reader of bytes from a reader of text (UTF-8, a bad byte replaced)."""
    return lambda data: read(data.decode("utf-8", "replace"))
