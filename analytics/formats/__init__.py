"""Usage and cost export formats: sniff a file's content, stage its rows as canonical rows in DuckDB.

Each format module has `NAME`, `sniff(head: bytes) -> bool` (looks only at the header line or the JSON keys,
never at the file name) and `stage(con, source) -> Staged`: per kind ("usage"/"costs") an SQL relation of
canonical rows (`USAGE_COLUMNS` / `COST_COLUMNS` plus `record_key`, `_skip`, `_bad`). Big CSV formats are a
`read_csv` relation mapped in SQL (Python never sees a row); JSON pages are small, read in Python and staged
in a temp table. The store (`analytics.store`) inserts the relation in one transactional import.

    detect(Source(Path("completions_usage_2025-01-01_2025-02-01.csv"), "usage.csv")).NAME
    # -> "openai_usage_csv"
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from types import ModuleType

HEAD_BYTES = 64 * 1024

# Canonical columns of the store's `usage` and `costs` tables, in the order a format stages them.
# `input_tokens` includes cached and cache-write tokens; `output_tokens` includes reasoning tokens;
# `cache_write_1h_tokens` is the part of `cache_write_tokens` written with the 1-hour TTL (5-minute writes =
# cache_write_tokens - cache_write_1h_tokens; 0 where a format does not carry the split).
USAGE_COLUMNS: dict[str, str] = {
    "provider": "VARCHAR",
    "period_start": "TIMESTAMPTZ",
    "period_end": "TIMESTAMPTZ",
    "project_id": "VARCHAR",
    "project_name": "VARCHAR",
    "api_key_id": "VARCHAR",
    "api_key_name": "VARCHAR",
    "user_id": "VARCHAR",
    "workspace": "VARCHAR",
    "model": "VARCHAR",
    "service_tier": "VARCHAR",
    "batch": "BOOLEAN",
    "requests": "BIGINT",
    "input_tokens": "BIGINT",
    "cached_input_tokens": "BIGINT",
    "cache_write_tokens": "BIGINT",
    "cache_write_1h_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "reasoning_tokens": "BIGINT",
    "details": "JSON",
}
# Money is DECIMAL(38,12): vendor amounts with more decimals (OpenAI writes up to 30) are rounded to
# 12 places by DuckDB's VARCHAR -> DECIMAL cast (half away from zero; at most 1e-12 USD per row).
COST_COLUMNS: dict[str, str] = {
    "provider": "VARCHAR",
    "period_start": "TIMESTAMPTZ",
    "period_end": "TIMESTAMPTZ",
    "project_id": "VARCHAR",
    "api_key_id": "VARCHAR",
    "workspace": "VARCHAR",
    "line_item": "VARCHAR",
    "model": "VARCHAR",
    "token_type": "VARCHAR",
    "amount_usd": "DECIMAL(38,12)",
    "currency": "VARCHAR",
    "details": "JSON",
}
STAGE_TABLES = {"usage": "stage_usage", "costs": "stage_costs"}
BAD_ROW_MARK = "llm-cost: row fails a check"


class BadExportError(ValueError):
    """An export that cannot be imported; names the file, line and column and what was expected there.

    str(): `completions_usage.csv:14:7: input_tokens: expected a whole non-negative number, got "abc"`.
    `line` is 1-based and counts the header as line 1; `column_number` is 1-based; either may be None when the
    problem is the whole file (empty, not UTF-8 at an unknown place, JSON that is not a usage page).
    """

    def __init__(
        self,
        path: str | Path,
        expected: str,
        *,
        line: int | None = None,
        column: str | None = None,
        column_number: int | None = None,
        got: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.column_number = column_number
        self.expected = expected
        self.got = got
        self.imported: list = []  # ImportResults that landed in the same import_files call (store fills it)
        self.errors: list = []  # every file refused in that call, this one included (the store fills it)
        self.cli_hint: str | None = None  # advice that only makes sense on the command line
        super().__init__(self._message())

    def _message(self) -> str:
        where = Path(self.path).name if "!" not in self.path else self.path.rsplit("/", 1)[-1]
        if self.line is not None:
            where += f":{self.line}"
            if self.column_number is not None:
                where += f":{self.column_number}"
        what = f"{self.column}: " if self.column else ""
        got = "" if self.got is None else f', got "{_clip(self.got)}"'
        return f"{where}: {what}expected {self.expected}{got}"


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Source:
    """One export file to read: `path` on disk, `name` as shown to the user (`exports.zip!cost.csv`)."""

    path: Path
    name: str
    # A link to a file elsewhere: its content is never echoed in messages (it may be a private file).
    private: bool = False

    def head(self) -> bytes:
        with self.path.open("rb") as f:
            return f.read(HEAD_BYTES)

    @cached_property
    def sha256(self) -> str:
        """Returns the file's sha256 (~0.1 s per 100 MB), computed once."""
        with self.path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()


@dataclass(frozen=True)
class Staged:
    """A staged export: per kind ("usage"/"costs") an SQL relation of canonical rows plus `record_key`,
    `_skip` (an empty bucket) and `_bad` (fails a check); `explain` turns a failed insert into the
    BadExportError that names the first bad line and column."""

    rows_read: int | None  # None: call `count_rows` once the rows are in (SQL-staged CSVs)
    relations: dict[str, str]
    params: dict[str, object] = field(default_factory=dict)
    explain: Callable[[Exception], BadExportError] | None = None
    count_rows: Callable[[], int] | None = None
    # The file's time range guessed from its first and last rows (exports are sorted by time): when stored
    # rows are near it, the store merges through a temp table instead of inserting directly.
    period_hint: tuple[datetime, datetime] | None = None


# --- looking at the first bytes ---------------------------------------------------------------------


_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive or an Excel workbook (name a zip .zip; save a workbook as CSV)",
    b"\xd0\xcf\x11\xe0": "an old Excel or Word file (save it as CSV)",
    b"\x1f\x8b": "a gzip archive (unpack it first)",
    b"\xff\xd8\xff": "a JPEG image",
    b"SQLite format 3": "an SQLite database",
    b"\xff\xfe": "UTF-16 text (save it as UTF-8)",
    b"\xfe\xff": "UTF-16 text (save it as UTF-8)",
}


def binary_kind(head: bytes) -> str | None:
    """Returns what a binary head looks like ("a PNG image"), or None for text."""
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    if head[8:12] == b"DUCK":
        return "a DuckDB database (an llm-cost store? pass it as --db)"
    if b"\x00" in head[:8192]:
        return "a binary file"
    return None


def decode_head(head: bytes, name: str | Path) -> str:
    """Returns the head as text without a BOM; an empty, binary or non-UTF-8 head is a BadExportError."""
    if not head.strip():
        raise BadExportError(name, "a usage or cost export, not an empty file", line=1, column_number=1)
    if kind := binary_kind(head):
        raise BadExportError(
            name, "a text export (CSV, TSV or JSON)", line=1, column_number=1, got=f"binary content: {kind}"
        )
    try:
        # The head may end inside a multi-byte character: decode incrementally, keep what is complete.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as e:
        raise not_utf8(name, head, e.start) from None
    return text.removeprefix("\ufeff")


def not_utf8(name: str | Path, data: bytes, offset: int, *, first_line: int = 1) -> BadExportError:
    """Returns the error for a byte that is not UTF-8 at `offset` of `data` (which starts at `first_line`)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return BadExportError(
        name,
        "UTF-8 text (re-export the file as UTF-8)",
        line=first_line + data.count(b"\n", 0, offset),
        column_number=column,
        got=f"byte 0x{data[offset]:02X}",
    )


def first_line(head: bytes) -> str:
    """Returns the header line of a CSV head (no BOM, no line ending); '' for non-text heads."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False).removeprefix("\ufeff")
    except UnicodeDecodeError:
        return ""
    # Up to the first line break of any kind (a CR-only file is refused later, with its own message).
    return re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]


def delimiter(header_line: str) -> str:
    """Returns the CSV delimiter of a header line: tab when it has more tabs than commas, else comma."""
    return "\t" if header_line.count("\t") > header_line.count(",") else ","


def header_names(header_line: str) -> list[str]:
    """Returns the column names of a header line, unquoted and stripped (vendors quote some, not others)."""
    import csv

    try:
        row = next(csv.reader([header_line], delimiter=delimiter(header_line)), [])
    except csv.Error:  # a stray line break or quote: the header is then compared as plain text
        row = header_line.split(delimiter(header_line))
    return [name.strip() for name in row]


def csv_columns(head: bytes) -> set[str]:
    """Returns the set of header names of a CSV head (lower-cased), or an empty set if it is JSON/binary."""
    line = first_line(head)
    if not line or line.lstrip()[:1] in ("{", "["):
        return set()
    return {name.lower() for name in header_names(line)}


_JSON_KEY = re.compile(rb'"([A-Za-z_][A-Za-z0-9_.]*)"\s*:')
_JSON_STRING_VALUE = re.compile(rb'"object"\s*:\s*"([^"]+)"')


def json_keys(head: bytes) -> set[str]:
    """Returns the keys seen in a JSON head (any depth), or an empty set if the head is not JSON."""
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if stripped[:1] not in (b"{", b"["):
        return set()
    return {m.decode() for m in _JSON_KEY.findall(stripped)}


def json_objects(head: bytes) -> set[str]:
    """Returns the values of `"object": "..."` fields seen in a JSON head (OpenAI tags every level)."""
    return {m.decode() for m in _JSON_STRING_VALUE.findall(head)}


# --- the registry -----------------------------------------------------------------------------------


def formats() -> list[ModuleType]:
    """Returns the format modules in sniffing order (most specific first)."""
    from analytics.formats import (
        anthropic_admin_json,
        claude_console_cost_csv,
        claude_console_csv,
        openai_admin_json,
        openai_cost_csv,
        openai_legacy_activity,
        openai_usage_csv,
    )

    return [
        openai_usage_csv,
        openai_cost_csv,
        openai_legacy_activity,
        claude_console_csv,
        claude_console_cost_csv,
        openai_admin_json,
        anthropic_admin_json,
    ]


def detect(source: Source | Path) -> ModuleType:
    """Returns the format module whose sniffer accepts the file's content; BadExportError if none does."""
    if isinstance(source, Path | str):
        source = Source(Path(source), Path(source).name)
    head = source.head()
    text = decode_head(head, source.name)
    for module in formats():
        if module.sniff(head):
            return module
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        raise BadExportError(
            source.name,
            "an OpenAI or Anthropic usage or cost page (JSON with data[].results[])",
            line=1,
            column_number=1,
            got=None if source.private else _clip(" ".join(stripped.split())[:80]),
        )
    header = text.split("\n", 1)[0].rstrip("\r")
    error = BadExportError(
        source.name,
        "the header of a known usage or cost export (OpenAI usage/cost CSV, legacy activity, "
        "Claude Console usage/cost CSV)",
        line=1,
        column_number=1,
        got=None if source.private else header,
    )
    # Said by the command line only (the app has no such option): how to read a CSV of another shape.
    error.cli_hint = "a CSV of another shape can be read by naming its columns: --map FIELD=COLUMN"
    raise error


__all__ = [
    "COST_COLUMNS",
    "USAGE_COLUMNS",
    "BadExportError",
    "Source",
    "Staged",
    "detect",
    "formats",
]
