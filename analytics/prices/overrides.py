"""The user's price override file: negotiated prices, private or fine-tuned models, by tier and date.

A CSV (or tab-separated) file with the columns of `COLUMNS`; `#` lines and blank lines are ignored. Bad
input raises ValueError naming file, line and column. The file is read into an immutable `Overrides`
value that a `PriceBook` holds; nothing here is process-wide state.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from analytics.prices.types import TIERS


@dataclass(frozen=True)
class OverrideRow:
    """One line of the override file: a full price for (model, tier) from `valid_from` on."""

    provider: str | None
    model: str  # lower case, as written (a catalog id, a dated snapshot, "ft:..." or a private name)
    tier: str
    valid_from: date
    input: Decimal
    output: Decimal
    cached_input: Decimal | None
    cache_write_5m: Decimal | None
    cache_write_1h: Decimal | None
    note: str
    line: int


@dataclass(frozen=True)
class Overrides:
    """The rows of one override file (or none), with the file's name and content digest for labels."""

    rows: tuple[OverrideRow, ...] = ()
    file: str | None = None  # the file's name, shown in `Price.source`
    sha256: str | None = None

    @classmethod
    def read(cls, path: str | Path) -> Overrides:
        path = Path(path)
        rows = load_overrides(path)
        return cls(rows, path.name, hashlib.sha256(path.read_bytes()).hexdigest())


def load_overrides(path: str | Path) -> tuple[OverrideRow, ...]:
    """Returns the rows of an override CSV; raises ValueError naming file, line and column when malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"{path}: price override file not found") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: price override file is not UTF-8 text ({error.reason})") from None
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return ()
    reader = csv.reader(lines, delimiter="\t" if "\t" in lines[0] else ",")
    header = [h.strip().lower() for h in next(reader)]
    _check_header(path, header)
    line_numbers = _data_line_numbers(text)
    rows = []
    for index, values in enumerate(reader):
        line = line_numbers[index]
        if len(values) > len(header):
            raise ValueError(
                f"{path}:{line}: {len(values)} fields, expected at most {len(header)} ({','.join(header)})"
            )
        record = dict(zip(header, [v.strip() for v in values], strict=False))
        rows.append(_parse_override(path, line, record))
    _check_duplicates(path, rows)
    return tuple(rows)


# ---------------------------------------------------------------- overrides


REQUIRED = ("model", "tier", "valid_from", "input_per_mtok", "output_per_mtok")
COLUMNS = (
    "provider",
    "model",
    "tier",
    "valid_from",
    "input_per_mtok",
    "output_per_mtok",
    "cached_input_per_mtok",
    "cache_write_5m_per_mtok",
    "cache_write_1h_per_mtok",
    "note",
)


def _check_header(path: Path, header: list[str]) -> None:
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        column = header.index(unknown[0]) + 1
        raise ValueError(
            f"{path}:1: column {column} {unknown[0]!r} is not an override column; "
            f"expected some of: {', '.join(COLUMNS)}"
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(f"{path}:1: header lacks required column(s) {', '.join(missing)}")


def _data_line_numbers(text: str) -> list[int]:
    """File line numbers of data rows (after the header), skipping blank and # comment lines."""
    numbers = [
        n for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")
    ]
    return numbers[1:]


def _parse_override(path: Path, line: int, record: dict[str, str]) -> OverrideRow:
    def fail(column: str, expected: str) -> ValueError:
        return ValueError(
            f"{path}:{line}: column {column!r}: expected {expected}, got {record.get(column, '')!r}"
        )

    def money(column: str, *, required: bool) -> Decimal | None:
        text = record.get(column, "").replace("$", "").strip()
        if not text:
            if required:
                raise fail(column, "a price in USD per 1M tokens, e.g. 2.50")
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise fail(column, "a decimal number of USD per 1M tokens, e.g. 2.50") from None
        if not value.is_finite() or value < 0:
            raise fail(column, "a non-negative price")
        return value

    model = record.get("model", "").strip().lower()
    if not model:
        raise fail("model", "a model name")
    tier = record.get("tier", "").strip().lower()
    if tier not in TIERS:
        raise fail("tier", f"one of {', '.join(TIERS)}")
    try:
        valid_from = date.fromisoformat(record.get("valid_from", "").strip())
    except ValueError:
        raise fail("valid_from", "a date YYYY-MM-DD (UTC day the price starts)") from None
    return OverrideRow(
        provider=norm_provider(record.get("provider")),
        model=model,
        tier=tier,
        valid_from=valid_from,
        input=money("input_per_mtok", required=True),  # type: ignore[arg-type]
        output=money("output_per_mtok", required=True),  # type: ignore[arg-type]
        cached_input=money("cached_input_per_mtok", required=False),
        cache_write_5m=money("cache_write_5m_per_mtok", required=False),
        cache_write_1h=money("cache_write_1h_per_mtok", required=False),
        note=record.get("note", ""),
        line=line,
    )


def _check_duplicates(path: Path, rows: list[OverrideRow]) -> None:
    seen: dict[tuple[str | None, str, str, date], int] = {}
    for row in rows:
        key = (row.provider, row.model, row.tier, row.valid_from)
        if key in seen:
            raise ValueError(
                f"{path}:{row.line}: duplicate of line {seen[key]} (same provider, model, tier, valid_from)"
            )
        seen[key] = row.line


def norm_provider(provider: str | None) -> str | None:
    provider = (provider or "").strip().lower()
    return provider or None
