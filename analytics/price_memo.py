"""Prices a batch estimate looked up, kept in the user cache: a short estimate need not load the catalog.

Looking up one price loads genai-prices' 1.6 MB catalog (~0.4 s on a quiet machine, more than counting a
small batch file). A lookup is a pure function of the price book (catalog version, corrections, tier rules,
override rows), the pricing code, the model, the tier and the UTC day, so its answer — a `Price`, or the
`TierNotPricedError` it raised — is kept under a digest of all of those and reused by the next process.
A missing, unreadable or stale memo only costs the lookup. `LLM_COST_CACHE_DIR` moves it (empty: off).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from analytics import bpe_cache, prices


def _utc_day(at: date | datetime | None) -> date:
    if at is None:
        return datetime.now(UTC).date()
    if isinstance(at, datetime):
        return (at.astimezone(UTC) if at.tzinfo else at).date()  # naive is UTC, as prices take it
    return at


@functools.cache
def _code_stamp() -> str:
    # The lookup rules live in these files: a changed or reinstalled file makes every memo stale.
    package = Path(prices.__file__).parent
    files = sorted([*package.glob("*.py"), package.parent / "price_corrections.py"])
    return ";".join(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)


def _digest(book: prices.PriceBook) -> str:
    content = repr((book.catalog, book.overrides, book.corrections, book.tier_rules, _code_stamp()))
    return hashlib.sha256(content.encode()).hexdigest()[:32]


_memos: dict[str, dict[str, tuple[str, Any]]] = {}


def _path(digest: str) -> Path | None:
    folder = bpe_cache.cache_dir()
    return None if folder is None else folder / "prices" / f"{digest}.pickle"


def _memo(digest: str) -> dict[str, tuple[str, Any]]:
    memo = _memos.get(digest)
    if memo is None:
        memo = {}
        path = _path(digest)
        if path is not None:
            try:
                loaded = pickle.loads(path.read_bytes())  # our own file in the user's cache folder
                if isinstance(loaded, dict):
                    memo = loaded
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
                pass
        _memos[digest] = memo
    return memo


def _save(digest: str, memo: dict[str, tuple[str, Any]]) -> None:
    path = _path(digest)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(memo, out)
        os.replace(temporary, path)
    except OSError:
        pass  # the memo is only a shortcut


def price_for(
    model: str, *, tier: str, at: date | datetime | None = None, book: prices.PriceBook | None = None
) -> prices.Price:
    """`prices.price_for`, answered from the memo when this book, code, model, tier and day were looked up."""
    book = book or prices.default_book()
    day = _utc_day(at)
    digest = _digest(book)
    memo = _memo(digest)
    key = f"{model}\n{tier}\n{day.isoformat()}"
    found = memo.get(key)
    if found is not None:
        kind, value = found
        if kind == "price" and isinstance(value, prices.Price):
            return value
        if kind == "unpriced":
            raise prices.TierNotPricedError(*value[:3], priced=value[3])
    try:
        price = prices.price_for(model, at=day, tier=tier, book=book)
    except prices.TierNotPricedError as error:
        memo[key] = ("unpriced", (error.model, error.tier, error.day, error.priced))
        _save(digest, memo)
        raise
    memo[key] = ("price", price)
    _save(digest, memo)
    return price
