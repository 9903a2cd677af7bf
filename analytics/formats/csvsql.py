"""Stages a CSV export in SQL: DuckDB reads and types the file, a SELECT maps it to canonical rows.

Python only reads the header line. The good path is one typed `read_csv` pass; the rare bad file costs a
second pass that finds the first offending line and column, so every error names them.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from analytics.formats import (
    BAD_ROW_MARK,
    COST_COLUMNS,
    HEAD_BYTES,
    USAGE_COLUMNS,
    BadExportError,
    Source,
    Staged,
    decode_head,
    delimiter,
    header_names,
    not_utf8,
)

WHOLE = "a whole non-negative number"
TIME_MIN, TIME_MAX = 1420070400, 4102444800  # 2015-01-01 .. 2100-01-01: anything else is a broken export


@dataclass(frozen=True)
class Check:
    """A row is refused when `bad` (SQL over the typed source columns) is true; the message names `column`."""

    column: str
    bad: str
    expected: str


@dataclass(frozen=True)
class CsvSpec:
    """How one CSV format maps to canonical rows. Column names are lower-case source names."""

    name: str
    kind: str  # "usage" or "costs"
    namespace: str  # record keys of the same facts from different formats share a namespace
    types: dict[str, str]  # typed source columns and their DuckDB types
    expected: dict[str, str]  # what a value of a typed column should look like, for error messages
    required: tuple[str, ...]
    select: dict[str, str]  # canonical column -> SQL over source columns (absent known columns are NULL)
    skip: str = "false"  # SQL: an empty bucket row, counted as skipped
    checks: tuple[Check, ...] = ()
    key: tuple[str, ...] = ()  # canonical columns of the natural key
    key_extra: tuple[str, ...] = ()  # more natural-key parts, SQL over source columns
    key_source: dict[str, str] = field(default_factory=dict)  # key time column -> Unix seconds in the source
    hint_column: str | None = None  # the bucket-start column (Unix seconds or ISO date) for period_hint
    details: dict[str, str] = field(default_factory=dict)  # details JSON key -> SQL over source columns
    text: tuple[str, ...] = ()  # known VARCHAR source columns (unknown columns go into details as they are)
    # ISO copy column -> its Unix-seconds column: checked to agree on the first and last 64 KB of rows
    # (a per-row check would make DuckDB parse every ISO time: +30% on a big import).
    iso_times: dict[str, str] = field(default_factory=dict)

    def known(self) -> dict[str, str]:
        """Returns every known source column with its type."""
        return {**dict.fromkeys(self.text, "VARCHAR"), **self.types}


def q(name: str) -> str:
    """Returns a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Returns a quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _key_part(expr: str, sql_type: str, is_epoch: bool = False) -> str:
    """Returns SQL spelling one natural-key value as text: times as whole Unix seconds, NULL as ''."""
    if sql_type == "TIMESTAMPTZ" and not is_epoch:
        expr = f"epoch({expr})"
    if sql_type == "TIMESTAMPTZ":
        expr = f"CAST({expr} AS BIGINT)"
    return f"coalesce(CAST({expr} AS VARCHAR), '')"


def key_sql(namespace: str, columns: dict[str, str], key: tuple[str, ...], extra: str = "''") -> str:
    """Returns SQL for record_key over canonical columns: md5 of the namespace and the natural key."""
    parts = [_key_part(q(col), columns[col]) for col in key]
    # An empty extra part is left out (concat_ws skips NULL), so keys match those spelled by stage_csv.
    return f"md5_number(concat_ws('|', {lit(namespace)}, {', '.join(parts)}, nullif({extra}, '')))"


def canonical(kind: str) -> dict[str, str]:
    return USAGE_COLUMNS if kind == "usage" else COST_COLUMNS


def _details_sql(details: dict[str, str], extra_columns: list[str]) -> str:
    pairs = [f"{lit(k)}, {v}" for k, v in details.items()]
    pairs += [f"{lit(c)}, {q(c)}" for c in extra_columns]
    if not pairs:
        return "NULL::JSON"
    # Rows with nothing to add (the common case) carry NULL rather than a JSON object of nulls.
    values = [v for k, v in details.items()] + [q(c) for c in extra_columns]
    any_value = " OR ".join(f"({v}) IS NOT NULL" for v in values)
    return f"CASE WHEN {any_value} THEN json_object({', '.join(pairs)}) END"


def _read_csv(path_param: str, names: list[str], types: dict[str, str], delim: str) -> str:
    columns = ", ".join(f"{lit(n)}: {lit(types.get(n.lower(), 'VARCHAR'))}" for n in names)
    return (
        f"read_csv({path_param}, header = true, delim = {lit(delim)}, quote = '\"', escape = '\"', "
        f"auto_detect = false, columns = {{{columns}}}, null_padding = false)"
    )


def stage_csv(con: duckdb.DuckDBPyConnection, source: Source, spec: CsvSpec) -> Staged:
    """Returns the export as an SQL relation over `read_csv` (nothing is read yet; the store inserts from it).

    Missing required columns are refused here; bad values surface when the store runs the insert, and
    `Staged.explain` turns that failure into a BadExportError naming the line and column.
    """
    head = source.head()
    text = decode_head(head, source.name)
    check_line_endings(source, text)
    header_line = text.split("\n", 1)[0].rstrip("\r")
    delim = delimiter(header_line)
    names = header_names(header_line)
    check_header_names(source, names)
    present = {n.lower() for n in names}
    for col in spec.required:
        if col not in present:
            raise BadExportError(
                source.name,
                f"a column named {col} in the header",
                line=1,
                column=col,
                column_number=1,
                got=header_line,
            )
    if _header_only(source, text):
        return Staged(0, {spec.kind: _empty_relation(spec)})

    known = spec.known()
    absent = [c for c in known if c not in present]
    extras = [n for n in names if n.lower() not in known]
    src = (
        f"(SELECT *{''.join(f', NULL::{known[c]} AS {q(c)}' for c in absent)} "
        f"FROM {_read_csv('$path', names, spec.types, delim)})"
    )
    columns = canonical(spec.kind)
    select = dict(spec.select)
    select["details"] = _details_sql(spec.details, extras)
    inner = ", ".join(f"CAST({select[c]} AS {t}) AS {q(c)}" for c, t in columns.items())
    # The key is computed from the source columns (cheaper than from the converted ones), spelled the way
    # key_sql spells canonical values, so the same fact from a CSV and a JSON page gets the same key.
    parts = [
        _key_part(spec.key_source.get(c) or select[c], columns[c], c in spec.key_source) for c in spec.key
    ]
    parts += [f"coalesce(CAST({e} AS VARCHAR), '')" for e in spec.key_extra]
    record_key = f"md5_number(concat_ws('|', {lit(spec.namespace)}, {', '.join(parts)}))"
    skip = f"coalesce({spec.skip}, false)"
    bad = " OR ".join(f"coalesce({c.bad}, false)" for c in spec.checks) or "false"
    relation = f"""(
        SELECT {inner}, {record_key} AS record_key,
               {skip} AS _skip, NOT {skip} AND ({bad}) AS _bad
        FROM {src}
    )"""

    def explain(error: Exception) -> BadExportError:
        # A failed check, or a value that passed DuckDB's reader but not a cast in the mapping (a count
        # too big for BIGINT, an amount that is no decimal): the checks find its line and column.
        if BAD_ROW_MARK in str(error) or not _LINE.search(str(error)):
            located = _locate_bad_row(con, source, names, spec, delim, absent)
            if located is not None:
                return located
        return _translate(error, source, names, spec)

    if spec.iso_times:
        _check_iso_times(source, text, names, delim, spec.iso_times)
    # The line count (for rows_read) runs in a thread while DuckDB reads the file: it needs no GIL-free
    # time of its own, and a separate SQL count would read the whole file a second time.
    hint = _period_hint(source, text, names, delim, spec.hint_column)
    return Staged(
        None, {spec.kind: relation}, {"path": str(source.path)}, explain, _count_rows_async(source), hint
    )


def check_line_endings(source: Source, text: str) -> None:
    """Refuses a file whose lines end in CR alone (classic Mac): DuckDB would read it as one huge line."""
    cr = text.find("\r")
    if cr != -1 and text[cr + 1 : cr + 2] != "\n" and "\n" not in text[:cr]:
        raise BadExportError(
            source.name,
            "lines ending in LF or CRLF (this file ends them in CR alone; re-save it with Unix or Windows "
            "line endings)",
            line=1,
            column_number=cr + 1,
            got="CR",
        )


def check_header_names(source: Source, names: list[str]) -> None:
    """Refuses an empty or repeated column name in the header (DuckDB cannot tell the columns apart)."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            raise BadExportError(
                source.name, f"a name for column {i + 1} of the header", line=1, column_number=i + 1, got=""
            )
        if name.lower() in seen:
            raise BadExportError(
                source.name,
                f"each column named once in the header ({name} is also column {seen[name.lower()]})",
                line=1,
                column=name,
                column_number=i + 1,
                got=name,
            )
        seen[name.lower()] = i + 1


def _check_iso_times(source: Source, text: str, names: list[str], delim: str, pairs: dict[str, str]) -> None:
    """Refuses a file whose ISO time columns say another time than its Unix columns, on the rows of its
    first and last 64 KB (a spreadsheet that shifted or retyped the times does so on every row)."""
    lower = [n.lower() for n in names]
    pairs = {iso: unix for iso, unix in pairs.items() if iso in lower and unix in lower}
    if not pairs:
        return
    head_lines = text.split("\n")[1:-1]  # the last one may be cut by the head's end
    size = source.path.stat().st_size
    tail: list[tuple[int | None, str]] = []
    if size > HEAD_BYTES:
        with source.path.open("rb") as f:
            f.seek(size - HEAD_BYTES)
            tail = [(None, line) for line in f.read().decode("utf-8", "replace").split("\n")[1:]]
    rows = [(i + 2, line) for i, line in enumerate(head_lines)] + tail
    for number, line in rows:
        if not line.strip():
            continue
        try:
            fields = next(csv.reader([line.rstrip("\r")], delimiter=delim), [])
        except csv.Error:
            continue
        if len(fields) != len(names):
            continue  # part of a multi-line record, or a short row: DuckDB's reading judges it
        for iso, unix in pairs.items():
            i, u = lower.index(iso), lower.index(unix)
            if max(i, u) >= len(fields) or not fields[i].strip() or not fields[u].strip():
                continue
            try:
                seconds = float(fields[u])
            except ValueError:
                continue  # the Unix column's own check names it
            if not TIME_MIN <= seconds < TIME_MAX:
                continue
            try:
                said = datetime.fromisoformat(fields[i].strip().replace("Z", "+00:00"))
                said = said if said.tzinfo else said.replace(tzinfo=UTC)
                agrees = said == datetime.fromtimestamp(seconds, UTC)
            except (ValueError, OverflowError, OSError):
                agrees = False  # an unreadable ISO time: said so here, with its place
            if not agrees:
                if number is None:
                    number = _line_of(source, line)
                raise BadExportError(
                    source.name,
                    f"the same time as {unix} ({fields[u].strip()})",
                    line=number,
                    column=iso,
                    column_number=i + 1,
                    got=fields[i].strip(),
                )


def _line_of(source: Source, line: str) -> int | None:
    """Returns the number of the last line equal to `line` (only for an error near the end of a file)."""
    found = None
    with source.path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if raw.decode("utf-8", "replace").rstrip("\r\n") == line.rstrip("\r"):
                found = number
    return found


def _period_hint(
    source: Source, text: str, names: list[str], delim: str, column: str | None
) -> tuple[datetime, datetime] | None:
    """Returns (first, last) bucket starts read from the first and last data rows, or None if unsure."""
    lower = [n.lower() for n in names]
    if column is None or column not in lower:
        return None
    index = lower.index(column)
    size = source.path.stat().st_size
    with source.path.open("rb") as f:
        f.seek(max(size - 65536, 0))
        tail_lines = f.read().decode("utf-8", "replace").rstrip("\r\n").splitlines()
    head_lines = text.splitlines()
    if len(head_lines) < 2 or not tail_lines:
        return None
    stamps = [_as_time(_field(line, delim, index)) for line in (head_lines[1], tail_lines[-1])]
    if None in stamps:
        return None
    return min(stamps), max(stamps)


def _field(line: str, delim: str, index: int) -> str:
    row = next(csv.reader([line], delimiter=delim), [])
    return row[index].strip() if index < len(row) else ""


def _as_time(value: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _count_rows_async(source: Source) -> Callable[[], int]:
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(count_rows(source)), daemon=True)
    thread.start()

    def rows() -> int:
        thread.join()
        return result[0]

    return rows


def count_rows(source: Source) -> int:
    """Returns the number of data rows: non-blank lines after the header (no multi-line fields)."""
    newlines = 0
    tail = b""
    with source.path.open("rb") as f:
        while chunk := f.read(1 << 22):
            newlines += chunk.count(b"\n")
            tail = (tail + chunk)[-64:]
    stripped = tail.rstrip(b"\r\n")
    lines = newlines - tail[len(stripped) :].count(b"\n") + (1 if stripped else 0)
    return max(lines - 1, 0)


def _header_only(source: Source, text: str) -> bool:
    rest = text.split("\n", 1)[1] if "\n" in text else ""
    return not rest.strip() and source.path.stat().st_size <= HEAD_BYTES


def _empty_relation(spec: CsvSpec) -> str:
    columns = canonical(spec.kind)
    cols = ", ".join(f"NULL::{t} AS {q(c)}" for c, t in columns.items())
    return f"(SELECT {cols}, NULL::UHUGEINT AS record_key, false AS _skip, false AS _bad WHERE false)"


_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CONVERT = re.compile(r'Error when converting column "(.+?)"\. Could not convert string "(.*?)" to')
_FIELDS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _translate(error: Exception, source: Source, names: list[str], spec: CsvSpec) -> BadExportError:
    """Returns a BadExportError for a DuckDB CSV error, keeping the line and column DuckDB reports."""
    message = str(error)
    line_match = _LINE.search(message)
    line = int(line_match.group(1)) if line_match else None
    lower = [n.lower() for n in names]
    if m := _CONVERT.search(message):
        col = m.group(1).lower()
        number = lower.index(col) + 1 if col in lower else None
        expected = spec.expected.get(col, f"a value of type {spec.types.get(col, 'VARCHAR')}")
        return BadExportError(
            source.name, expected, line=line, column=col, column_number=number, got=m.group(2)
        )
    if m := _FIELDS.search(message):
        found = int(m.group(2))
        return BadExportError(
            source.name,
            f"{m.group(1)} fields as in the header (is the file truncated?)",
            line=line,
            column=names[found] if found < len(names) else None,
            column_number=found + 1,
            got=f"{found} fields",
        )
    if "maximum line size" in message.lower():
        return BadExportError(
            source.name,
            "lines of at most 2 MB (an export's fields are short: is this file an export?)",
            line=line,
            column_number=1,
            got="a longer line",
        )
    if "unicode" in message.lower() or "utf-8" in message.lower():
        return _find_not_utf8(source, line)
    if "quote" in message.lower():
        return BadExportError(
            source.name, "a closing quote before the end of the file (is it truncated?)", line=line
        )
    first = message.strip().splitlines()[0] if message.strip() else type(error).__name__
    return BadExportError(source.name, "a well-formed CSV file", line=line, got=first)


def _find_not_utf8(source: Source, line: int | None) -> BadExportError:
    """Returns the error naming the first byte that is not UTF-8 (DuckDB reports only the line)."""
    with source.path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as e:
                return not_utf8(source.name, raw, e.start, first_line=number)
    return BadExportError(source.name, "UTF-8 text (re-export the file as UTF-8)", line=line)


def _locate_bad_row(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    names: list[str],
    spec: CsvSpec,
    delim: str,
    absent: list[str],
) -> BadExportError | None:
    """Returns the error for the first row failing a check (a slow second pass, only for bad files), or
    None when no row fails one."""
    lower = [n.lower() for n in names]
    typed = ", ".join(
        f"TRY_CAST({q(n)} AS {spec.types.get(n.lower(), 'VARCHAR')}) AS {q(n)}, "
        f"{q(n)} AS {q('raw:' + n.lower())}"
        for n in names
    )
    known = spec.known()
    nulls = "".join(f", NULL::{known[c]} AS {q(c)}, NULL AS {q('raw:' + c)}" for c in absent)
    varchar = _read_csv("$path", names, {}, delim)
    rows = f"(SELECT row_number() OVER () + 1 AS _line, {typed}{nulls} FROM {varchar})"
    cases = " UNION ALL ".join(
        f"SELECT {i} AS check_no, min(_line) AS line FROM {rows} "
        f"WHERE NOT coalesce({spec.skip}, false) AND coalesce({c.bad}, false)"
        for i, c in enumerate(spec.checks)
    )
    if not spec.checks:
        return None
    found = con.execute(
        f"SELECT check_no, line FROM ({cases}) WHERE line IS NOT NULL ORDER BY line, check_no LIMIT 1",
        {"path": str(source.path)},
    ).fetchone()
    if found is None:
        return None
    check_no, line = found
    check = spec.checks[check_no]
    got = con.execute(
        f"SELECT {q('raw:' + check.column)} FROM {rows} WHERE _line = $line",
        {"path": str(source.path), "line": line},
    ).fetchone()[0]
    number = lower.index(check.column) + 1 if check.column in lower else None
    return BadExportError(
        source.name,
        check.expected,
        line=line,
        column=check.column,
        column_number=number,
        got="" if got is None else str(got),
    )


# --- shared pieces of specs ---------------------------------------------------------------------------


def whole_checks(columns: list[str]) -> list[Check]:
    """Returns checks that each count column holds a whole non-negative number (`1.0` is fine)."""
    # NaN and infinities parse as DOUBLE; 9.2e18 and up do not fit the store's BIGINT.
    return [
        Check(c, f"NOT isfinite({q(c)}) OR {q(c)} < 0 OR {q(c)} >= 9.2e18 OR {q(c)} <> trunc({q(c)})", WHOLE)
        for c in columns
    ]


def one_line_checks(columns: list[str]) -> list[Check]:
    """Returns checks that text columns (model names) hold no line break: a quoted newline inside a field
    is legal CSV, but no model, key or project name has one, so it is a broken export."""
    return [
        Check(c, f"contains({q(c)}, chr(10)) OR contains({q(c)}, chr(13))", "a name without a line break")
        for c in columns
    ]


def unix_time_checks(start: str, end: str) -> list[Check]:
    """Returns checks that two Unix-seconds columns are plausible times and end after start."""
    expected = "a Unix time in seconds between 2015 and 2100"
    return [
        Check(start, f"{q(start)} < {TIME_MIN} OR {q(start)} >= {TIME_MAX}", expected),
        Check(end, f"{q(end)} < {TIME_MIN} OR {q(end)} >= {TIME_MAX}", expected),
        Check(end, f"{q(end)} <= {q(start)}", f"a time after {start}"),
    ]


def count_expr(column: str) -> str:
    return f"CAST({q(column)} AS BIGINT)"


def blank(column: str) -> str:
    """Returns SQL for a text column with '' as NULL (not trimmed: vendors do not pad, and trim costs ~8%)."""
    return f"nullif({q(column)}, '')"


Selector = Callable[[set[str]], dict[str, str]]


def with_iso_times(row: Mapping[str, object]) -> dict[str, object]:
    """Returns the row with `start_time_iso` / `end_time_iso` derived from its Unix seconds, as the OpenAI
    dashboard exports write them (for writers of demo and test files)."""
    values = dict(row)
    for column in ("start_time", "end_time"):
        if values.get(column) is not None and values.get(f"{column}_iso") is None:
            values[f"{column}_iso"] = datetime.fromtimestamp(int(str(values[column])), UTC).isoformat()
    return values
