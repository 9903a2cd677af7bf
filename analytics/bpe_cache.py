"""A per-user cache of the verified BPE ranks: the packaged rank files are checked once per install.

Decompressing, hashing and parsing a rank file takes most of a short `llm-cost count` (o200k_base has 200,000
base64 lines); a `marshal` copy of the parsed ranks loads several times faster. The copy is keyed by the
packaged file's size, modification time and the sha256 tiktoken pins, so a reinstalled or replaced file is
verified again in full; the copy carries the sha256 of its own bytes, so a truncated or damaged copy is
ignored (and rewritten) rather than trusted. The cache is only an optimisation: any error reading or
writing it falls back to the full check. `LLM_COST_CACHE_DIR` moves it; set to an empty value it is off.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

CACHE_ENV = "LLM_COST_CACHE_DIR"
_MAGIC = b"llm-cost verified BPE ranks v1\n"


def cache_dir() -> Path | None:
    """Returns the folder of the cache (`$LLM_COST_CACHE_DIR`, else the user cache dir), None when off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return Path(value).expanduser() if value.strip() else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("llm-cost", appauthor=False))


def cache_path(name: str) -> Path | None:
    """Returns where the verified ranks of rank file `name` are cached, None when the cache is off."""
    folder = cache_dir()
    return None if folder is None else folder / "bpe" / f"{name}.ranks"


def _key(source: Path, sha256: str) -> bytes:
    stat = source.stat()
    # marshal's format may change between Python versions, so the version is part of the key.
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return f"{stat.st_size}:{stat.st_mtime_ns}:{sha256}:marshal {marshal.version}:py {python}".encode()


def load(
    name: str, source: Path | None, sha256: str, verify: Callable[[], dict[bytes, int]]
) -> dict[bytes, int]:
    """Returns the ranks of rank file `name`: from the cache when its key matches `source`, else `verify()`
    (which reads and checks the packaged file in full), cached for the next process."""
    path = cache_path(name)
    if path is None or source is None:
        return verify()
    try:
        key = _key(source, sha256)
    except OSError:
        return verify()
    ranks = _read(path, key)
    if ranks is None:
        ranks = verify()
        _write(path, key, ranks)
    return ranks


def _read(path: Path, key: bytes) -> dict[bytes, int] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(_MAGIC):
        return None
    stored_key, _, rest = data[len(_MAGIC) :].partition(b"\n")
    digest, _, payload = rest.partition(b"\n")
    if stored_key != key or digest != hashlib.sha256(payload).hexdigest().encode():
        return None
    try:
        ranks = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return ranks if isinstance(ranks, dict) else None


def _write(path: Path, key: bytes, ranks: dict[bytes, int]) -> None:
    payload = marshal.dumps(ranks)
    data = b"".join([_MAGIC, key, b"\n", hashlib.sha256(payload).hexdigest().encode(), b"\n", payload])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed, so a concurrent reader sees the old copy or the new one, never half.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only or full home only costs the next process the full check
