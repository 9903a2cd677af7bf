"""The usage store: a DuckDB file with a versioned schema, and transactional, idempotent imports.

Rules the rest of the project relies on:

* **One import = one transaction.** A file is staged (validated and mapped to canonical rows, in SQL
  for CSVs), then merged and recorded in `imports` in the same transaction; any error rolls all of it
  back, so a refused file leaves every table exactly as it was.
* **record_key** is the md5 (as a 128-bit integer, `md5_number`) of the format's natural key (OpenAI
  usage: start/end time, project, user, API key, model, batch, service tier); formats that carry the same
  facts share a key namespace (dashboard usage CSV and Admin API completions pages, cost CSV and Costs API
  pages), so importing both does not double count. Merging a staged row whose key is new inserts it; a
  key already stored with other values is **replaced** (vendors revise recent days: the last import of a
  bucket wins); a key stored with the same values is left alone (`rows_unchanged`). Re-importing the same
  export therefore adds nothing, and a file whose sha256 is already on record is not even read again.
  Two different rows with one key in one file are refused; identical duplicates are stored once.
* **Organisation rows vs project rows.** Rows with `project_id IS NULL` are organisation-level (OpenAI
  exports without project grouping, cost rows "without project_id"); per-project rows carry the project.
  Both are kept, under different record keys, and are never added together: for a given dataset
  (provider, source format, and for Admin API usage the kind) and bucket (`period_start`, `period_end`),
  reports use the per-project rows when any exist and the organisation rows otherwise. The views
  `usage_effective` and `costs_effective` apply that rule.
  (Anthropic rows have no project; their `workspace` is a dimension, not a total.)
* `forget(import_id)` deletes the rows that import owns: those it inserted or revised. Rows it saw
  unchanged stay owned by the earlier import, and older values it replaced are not restored (re-import
  the older export to get them back).
* **Speed.** A big CSV goes from `read_csv` straight into its table in one INSERT (no temp copy, no row
  through Python); only when the file's first/last rows say it overlaps stored rows is it staged in a
  temp table first, so unchanged rows are never written. See `benchmarks/bench_import.py`.
* **Concurrency.** DuckDB lets one process write a file at a time. Every method opens a short-lived
  connection and closes it; readers use `read_only=True`. When another process holds the file, a
  connection waits and retries (calling `on_wait` with a message) for up to `lock_timeout` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from analytics import prices
from analytics.formats import (
    BAD_ROW_MARK,
    COST_COLUMNS,
    STAGE_TABLES,
    USAGE_COLUMNS,
    BadExportError,
    Source,
    Staged,
    detect,
)

if TYPE_CHECKING:
    from analytics.formats.generic_csv import GenericMapping

log = logging.getLogger(__name__)

DB_ENV = "LLM_COST_DB"
SCHEMA_VERSION = 2
BUSY_MESSAGE = "store is busy (locked by another process), waiting…"
EXPORT_SUFFIXES = {".csv", ".tsv", ".json", ".jsonl", ".zip"}


def _fact_table_ddl(columns: dict[str, str]) -> str:
    """Returns the column list of a fact table: bookkeeping columns, then the canonical ones."""
    return ",\n".join(
        f"{c} {t}"
        for c, t in {
            "provider": "VARCHAR NOT NULL",
            "source_format": "VARCHAR NOT NULL",
            "import_id": "BIGINT NOT NULL",
            "record_key": "UHUGEINT NOT NULL",
            **{c: t for c, t in columns.items() if c != "provider"},
        }.items()
    )


_USAGE_DDL = _fact_table_ddl(USAGE_COLUMNS)
_COSTS_DDL = _fact_table_ddl(COST_COLUMNS)


def _effective_view(table: str) -> str:
    # Same dataset = same provider, source format and (Admin API usage) kind of usage, same bucket.
    # Per-project rows pass straight through; only organisation rows are checked against their bucket, so
    # the anti-join runs over the (few) organisation rows, not over every row (3x faster at 10M rows).
    kind = (
        "AND coalesce(p.details->>'kind', '') = coalesce(t.details->>'kind', '')" if table == "usage" else ""
    )
    return f"""
        CREATE OR REPLACE VIEW {table}_effective AS
        SELECT * FROM {table} WHERE project_id IS NOT NULL
        UNION ALL
        SELECT t.* FROM {table} t
        WHERE t.project_id IS NULL AND NOT EXISTS (
            SELECT 1 FROM {table} p
            WHERE p.project_id IS NOT NULL AND p.provider = t.provider
              AND p.source_format = t.source_format {kind}
              AND p.period_start = t.period_start AND p.period_end = t.period_end)
    """


# Ordered migrations: (version, description, statements). Never edit a released step; append a new one.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "imports, usage, costs, budgets, labels",
        [
            """CREATE TABLE imports (
                import_id BIGINT PRIMARY KEY, source_format VARCHAR NOT NULL, file_name VARCHAR NOT NULL,
                sha256 VARCHAR NOT NULL, rows_read BIGINT NOT NULL, rows_inserted BIGINT NOT NULL,
                rows_replaced BIGINT NOT NULL, period_start TIMESTAMPTZ, period_end TIMESTAMPTZ,
                imported_at TIMESTAMPTZ NOT NULL)""",
            # No primary key on record_key: an ART index over millions of rows would slow every import;
            # the single-writer merge below keeps keys unique.
            f"CREATE TABLE usage ({_USAGE_DDL})",
            f"CREATE TABLE costs ({_COSTS_DDL})",
            """CREATE TABLE budgets (
                scope VARCHAR PRIMARY KEY, monthly_usd DECIMAL(38,12) NOT NULL,
                alert_percents INTEGER[] NOT NULL DEFAULT [50, 80, 100], hard_limit_usd DECIMAL(38,12),
                updated_at TIMESTAMPTZ NOT NULL)""",
            "CREATE TABLE labels (kind VARCHAR NOT NULL, id VARCHAR NOT NULL, name VARCHAR NOT NULL, "
            "PRIMARY KEY (kind, id))",
        ],
    ),
    (
        2,
        "prepaid credits; views that never add organisation and project rows together",
        [
            """CREATE TABLE credits (
                credit_id BIGINT PRIMARY KEY, amount_usd DECIMAL(38,12) NOT NULL,
                starts_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ, note VARCHAR)""",
            _effective_view("usage"),
            _effective_view("costs"),
        ],
    ),
]


class StoreBusyError(RuntimeError):
    """Another process kept the store locked for longer than the lock timeout."""


def default_db_path() -> Path:
    """Returns `$LLM_COST_DB`, else `<user data dir>/llm-cost.duckdb`."""
    if env := os.environ.get(DB_ENV):
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("llm-cost", appauthor=False)) / "llm-cost.duckdb"


def connect(
    path: Path,
    *,
    read_only: bool = False,
    lock_timeout: float = 60.0,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Returns a UTC connection to the store file, waiting while another process holds its lock."""
    deadline = time.monotonic() + lock_timeout
    warned = False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            con.execute("SET TimeZone = 'UTC'")
            # Callers show their own progress; inside Jupyter without ipywidgets DuckDB refuses the setting.
            with contextlib.suppress(duckdb.InvalidInputException):
                con.execute("SET enable_progress_bar = false")
            return con
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"store {path} is locked by another process (waited {lock_timeout:g} s): "
                    f"{str(e).splitlines()[0]}"
                ) from None
            if not warned:
                (on_wait or log.warning)(BUSY_MESSAGE)
                warned = True
            time.sleep(0.1)


def migrate(con: duckdb.DuckDBPyConnection, *, target: int = SCHEMA_VERSION) -> int:
    """Applies the pending migrations up to `target` in one transaction; returns the schema version."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ NOT NULL)"
    )
    current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise RuntimeError(
            f"the store is at schema version {current}, newer than this llm-cost ({SCHEMA_VERSION}); upgrade"
        )
    pending = [m for m in MIGRATIONS if current < m[0] <= target]
    if not pending:
        return current
    con.execute("BEGIN TRANSACTION")
    try:
        for version, description, statements in pending:
            for statement in statements:
                con.execute(statement)
            con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, description])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return pending[-1][0]


@dataclass(frozen=True)
class ImportResult:
    """What one file added: rows read = inserted + replaced + unchanged + skipped (empty buckets)."""

    path: str
    format: str
    import_id: int | None  # None when nothing was recorded (0 usable rows, or the same file again)
    rows_read: int
    rows_inserted: int
    rows_replaced: int
    rows_skipped: int
    period_start: datetime | None
    period_end: datetime | None
    rows_unchanged: int = 0
    note: str | None = None  # e.g. "0 usable rows: nothing imported", "already imported as #3"

    def as_dict(self) -> dict[str, Any]:
        """Returns a JSON-ready dict (times as ISO strings)."""
        out = asdict(self)
        for k in ("period_start", "period_end"):
            out[k] = out[k].isoformat() if out[k] else None
        return out


@dataclass(frozen=True)
class Store:
    """A DuckDB usage store file. Methods open a short connection each; nothing is held between calls."""

    path: Path
    lock_timeout: float = 60.0
    on_wait: Callable[[str], None] | None = None

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        lock_timeout: float = 60.0,
        on_wait: Callable[[str], None] | None = None,
        schema_version: int = SCHEMA_VERSION,
    ) -> Store:
        """Returns the store at `path` (default: `default_db_path()`), created and migrated as needed."""
        store = cls(Path(path) if path else default_db_path(), lock_timeout, on_wait)
        store.path.parent.mkdir(parents=True, exist_ok=True)
        with store.writer() as con:
            migrate(con, target=schema_version)
        return store

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yields a write connection, closed on exit (keep it short: it locks out other processes)."""
        con = connect(self.path, lock_timeout=self.lock_timeout, on_wait=self.on_wait)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yields a read-only connection, closed on exit (for the app, reports and notebooks)."""
        con = connect(self.path, read_only=True, lock_timeout=self.lock_timeout, on_wait=self.on_wait)
        try:
            yield con
        finally:
            con.close()

    def query(self, sql: str, params: list | dict | None = None):
        """Returns the result of a read-only query as a pandas DataFrame; money columns hold Decimal.

        (Via Arrow: DuckDB's own `.df()` turns DECIMAL into float64.)
        """
        with self.reader() as con:
            return con.sql(sql, params=params).to_arrow_table().to_pandas()

    def schema_version(self) -> int:
        """Returns the schema version of the file."""
        with self.reader() as con:
            return con.execute("SELECT max(version) FROM schema_version").fetchone()[0]

    # --- importing ----------------------------------------------------------------------------------

    def import_files(
        self,
        paths: Iterable[str | Path],
        *,
        mapping: GenericMapping | None = None,
        on_progress: Callable[[ImportResult], None] | None = None,
    ) -> list[ImportResult]:
        """Imports files, folders and .zip archives; returns one ImportResult per export file.

        Each file is its own transaction. A bad file raises BadExportError (its `imported` attribute lists
        the files that landed before it); the bad file itself changes nothing. `mapping`
        (`analytics.formats.generic_csv.GenericMapping`) reads every file as a generic CSV.
        """
        results: list[ImportResult] = []
        with tempfile.TemporaryDirectory(prefix="llm-cost-") as scratch, self.writer() as con:
            for source in expand_sources(paths, Path(scratch)):
                try:
                    result = _import_one(con, source, mapping)
                except BadExportError as e:
                    e.imported = list(results)
                    raise
                results.append(result)
                if on_progress:
                    on_progress(result)
        return results

    def list_imports(self) -> list[dict[str, Any]]:
        """Returns the recorded imports, newest first, as dicts (the columns of `imports`)."""
        with self.reader() as con:
            cur = con.execute("SELECT * FROM imports ORDER BY import_id DESC")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def forget(self, import_id: int) -> int:
        """Deletes an import's rows and its record in one transaction; returns rows deleted.

        KeyError (naming the known ids) when there is no such import.
        """
        with self.writer() as con:
            if not con.execute("SELECT 1 FROM imports WHERE import_id = ?", [import_id]).fetchone():
                known = [r[0] for r in con.execute("SELECT import_id FROM imports ORDER BY 1").fetchall()]
                raise KeyError(f"no import #{import_id}; known imports: {known or 'none'}")
            con.execute("BEGIN TRANSACTION")
            try:
                deleted = 0
                for table in ("usage", "costs"):
                    deleted += con.execute(
                        f"DELETE FROM {table} WHERE import_id = ?", [import_id]
                    ).fetchone()[0]
                con.execute("DELETE FROM imports WHERE import_id = ?", [import_id])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return deleted

    # --- price overrides ------------------------------------------------------------------------------

    OVERRIDES_FILE_NAME = "price_overrides.csv"

    def overrides_path(self) -> Path:
        """Returns the price override file that goes with this store: `$LLM_COST_PRICE_OVERRIDES`, else
        `price_overrides.csv` next to the store file (where the app's Settings page saves uploads)."""
        from_env = os.environ.get(prices.OVERRIDES_ENV, "").strip()
        return Path(from_env) if from_env else self.path.parent / self.OVERRIDES_FILE_NAME

    def use_price_overrides(self) -> Path | None:
        """Puts the store's override file in force when it exists; returns it (None: catalog prices only)."""
        path = self.overrides_path()
        prices.set_override_file(path if path.exists() else None)
        return path if path.exists() else None

    # --- labels and state ---------------------------------------------------------------------------

    LABEL_KINDS = ("project", "api_key", "user")

    def set_labels(self, labels: Iterable[tuple[str, str, str]]) -> None:
        """Stores (kind, id, name) names for ids the exports carry bare; a later name replaces an earlier."""
        rows = list(labels)
        for kind, _, name in rows:
            if kind not in self.LABEL_KINDS:
                raise ValueError(f"label kind must be one of {', '.join(self.LABEL_KINDS)}, got {kind!r}")
            if not name.strip():
                raise ValueError("a label needs a name")
        with self.writer() as con:
            con.executemany("INSERT OR REPLACE INTO labels VALUES (?, ?, ?)", rows)

    def labels(self) -> dict[tuple[str, str], str]:
        """Returns {(kind, id): name}."""
        with self.reader() as con:
            return {(k, i): n for k, i, n in con.execute("SELECT kind, id, name FROM labels").fetchall()}

    def is_empty(self) -> bool:
        """True when no usage or cost row has been imported yet."""
        with self.reader() as con:
            return not con.execute(
                "SELECT EXISTS (SELECT 1 FROM usage) OR EXISTS (SELECT 1 FROM costs)"
            ).fetchone()[0]


# --- sources --------------------------------------------------------------------------------------


def expand_sources(paths: Iterable[str | Path], scratch: Path) -> Iterator[Source]:
    """Yields one Source per export file: files as given, folders walked, zip members extracted."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                hidden = any(part.startswith((".", "__MACOSX")) for part in child.relative_to(path).parts)
                if not hidden and child.suffix.lower() in EXPORT_SUFFIXES:
                    yield from expand_sources([child], scratch)
        elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            yield from _zip_members(path, scratch)
        elif path.is_file():
            yield Source(path, str(path))
        else:
            raise BadExportError(path, "an existing file, folder or .zip archive", got=str(path))


def _zip_members(path: Path, scratch: Path) -> Iterator[Source]:
    with zipfile.ZipFile(path) as archive:
        for i, info in enumerate(sorted(archive.infolist(), key=lambda m: m.filename)):
            member = Path(info.filename)
            if info.is_dir() or any(p.startswith((".", "__MACOSX")) for p in member.parts):
                continue
            if member.suffix.lower() not in EXPORT_SUFFIXES - {".zip"}:
                continue
            # Extracted so DuckDB can read_csv it; the temp name keeps the suffix, the shown name the member.
            target = scratch / f"{i}-{member.name}"
            with archive.open(info) as src, target.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            yield Source(target, f"{path}!{info.filename}")


# --- one import -----------------------------------------------------------------------------------

_TABLES = {"usage": USAGE_COLUMNS, "costs": COST_COLUMNS}
_FILE_ERRORS = (duckdb.ConversionException, duckdb.InvalidInputException)


def _import_one(
    con: duckdb.DuckDBPyConnection, source: Source, mapping: GenericMapping | None
) -> ImportResult:
    if mapping is not None:
        from analytics.formats import generic_csv

        module_name = generic_csv.NAME

        def stage(c: duckdb.DuckDBPyConnection, s: Source) -> Staged:
            return generic_csv.stage(c, s, mapping=mapping)
    else:
        module = detect(source)
        module_name, stage = module.NAME, module.stage

    digest = source.sha256
    previous = con.execute(
        "SELECT import_id, rows_read, period_start, period_end FROM imports WHERE sha256 = ? LIMIT 1",
        [digest],
    ).fetchone()
    if previous:
        # Same bytes as an import still on record: nothing to read, nothing to change.
        import_id, rows_read, start, end = previous
        return ImportResult(
            source.name, module_name, None, rows_read, 0, 0, 0, start, end,
            rows_unchanged=rows_read, note=f"already imported as #{import_id} (same sha256)",
        )  # fmt: skip

    staged: Staged | None = None
    con.execute("BEGIN TRANSACTION")
    try:
        for table in STAGE_TABLES.values():
            con.execute(f"DROP TABLE IF EXISTS {table}")
        staged = stage(con, source)
        result = _merge_staged(con, source, module_name, digest, staged)
        con.execute("COMMIT" if result.import_id is not None else "ROLLBACK")
    except _FILE_ERRORS as e:
        con.execute("ROLLBACK")
        con.execute("RESET preserve_insertion_order")
        # The file's content is at fault: find the line and column (a second, slower pass).
        if staged is None or staged.explain is None:
            raise BadExportError(source.name, "a well-formed export", got=str(e).splitlines()[0]) from None
        raise staged.explain(e) from None
    except BaseException:
        con.execute("ROLLBACK")
        con.execute("RESET preserve_insertion_order")
        raise
    finally:
        for table in STAGE_TABLES.values():
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return result


def _merge_staged(
    con: duckdb.DuckDBPyConnection, source: Source, fmt: str, digest: str, staged: Staged
) -> ImportResult:
    import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchone()[0]
    inserted = replaced = unchanged = usable = 0
    starts: list[datetime] = []
    ends: list[datetime] = []
    for kind, relation in staged.relations.items():
        if staged.period_hint and _stored_rows_near(con, kind, staged.period_hint):
            counts = _merge_via_stage(con, source, fmt, import_id, kind, relation, staged.params)
        else:
            counts = _merge_relation(con, source, fmt, import_id, kind, relation, staged.params)
        usable += counts[0]
        inserted += counts[1]
        replaced += counts[2]
        unchanged += counts[3]
        if counts[4]:
            starts.append(counts[4])
            ends.append(counts[5])
    start, end = (min(starts), max(ends)) if starts else (None, None)
    rows_read = staged.rows_read if staged.count_rows is None else staged.count_rows()
    skipped = rows_read - usable
    if usable == 0:
        return ImportResult(
            source.name, fmt, None, rows_read, 0, 0, skipped, start, end,
            note="0 usable rows: nothing imported (the export has no usage or cost rows)",
        )  # fmt: skip
    con.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [import_id, fmt, source.name, digest, rows_read, inserted, replaced, start, end],
    )
    return ImportResult(
        source.name, fmt, import_id, rows_read, inserted, replaced, skipped, start, end,
        rows_unchanged=unchanged,
    )  # fmt: skip


def _merge_relation(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    fmt: str,
    import_id: int,
    kind: str,
    relation: str,
    params: dict[str, object],
) -> tuple[int, int, int, int, datetime | None, datetime | None]:
    """Inserts a staged relation into `kind`, then settles keys it shares with stored rows.

    Returns (usable, inserted, replaced, unchanged, start, end). The rows go straight from the file into
    the table (one pass, no temp copy: deleting rows inserted in the same transaction would make DuckDB
    rewrite them at commit); a row failing a check aborts the statement via error().
    """
    values = [c for c in _TABLES[kind] if c != "provider"]
    target = ", ".join(["provider", "source_format", "import_id", "record_key", *values])
    select = ", ".join(["s.provider", "$fmt", "$id", "s.record_key", *(f"s.{c}" for c in values)])
    # Row order in the table does not matter (keys do): letting DuckDB insert out of order is ~15% faster.
    # (_import_one resets it after a failed insert: an aborted transaction accepts no statement.)
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"INSERT INTO {kind} ({target}) SELECT {select} FROM {relation} s "
        f"WHERE NOT s._skip AND CASE WHEN s._bad THEN error('{BAD_ROW_MARK}') ELSE true END",
        {**params, "fmt": fmt, "id": import_id},
    )
    con.execute("RESET preserve_insertion_order")  # the bad-row search numbers lines in file order
    usable, distinct, start, end = con.execute(
        f"SELECT count(*), count(DISTINCT record_key), min(period_start), max(period_end) "
        f"FROM {kind} WHERE import_id = ?",
        [import_id],
    ).fetchone()
    if usable == 0:
        return 0, 0, 0, 0, None, None
    if distinct != usable:
        _collapse_duplicates(con, source, kind, import_id, values)
        usable = distinct
    # Only stored rows in the new rows' time range can share a key: zone maps make this check cheap, and
    # an import of new days skips the join entirely.
    in_range = "import_id <> $id AND period_start >= $start AND period_start <= $end"
    range_params = {"id": import_id, "start": start, "end": end}
    overlap = con.execute(f"SELECT count(*) FROM {kind} WHERE {in_range}", range_params).fetchone()[0]
    if overlap == 0:
        return usable, usable, 0, 0, start, end
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in ["provider", *values])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _pairs AS
            SELECT n.rowid AS new_row, o.rowid AS old_row, ({differs}) AS changed
            FROM (SELECT rowid, * FROM {kind} WHERE import_id = $id) n
            JOIN (SELECT rowid, * FROM {kind} WHERE {in_range}) o USING (record_key)""",
        range_params,
    )
    replaced, unchanged = con.execute(
        "SELECT count(*) FILTER (changed), count(*) FILTER (NOT changed) FROM _pairs"
    ).fetchone()
    # A revised row replaces the stored one; an identical row keeps the stored one (and its import).
    con.execute(f"DELETE FROM {kind} WHERE rowid IN (SELECT old_row FROM _pairs WHERE changed)")
    con.execute(f"DELETE FROM {kind} WHERE rowid IN (SELECT new_row FROM _pairs WHERE NOT changed)")
    con.execute("DROP TABLE _pairs")
    return usable, usable - replaced - unchanged, replaced, unchanged, start, end


def _stored_rows_near(con: duckdb.DuckDBPyConnection, kind: str, hint: tuple[datetime, datetime]) -> bool:
    """True when stored rows fall within a day of the file's time range (from its first and last rows)."""
    return con.execute(
        f"SELECT count(*) > 0 FROM {kind} WHERE period_start >= ? - INTERVAL 1 DAY "
        "AND period_start <= ? + INTERVAL 1 DAY",
        list(hint),
    ).fetchone()[0]


def _merge_via_stage(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    fmt: str,
    import_id: int,
    kind: str,
    relation: str,
    params: dict[str, object],
) -> tuple[int, int, int, int, datetime | None, datetime | None]:
    """Like _merge_relation, for a file that overlaps stored rows: stage in a temp table first, then
    insert only new and revised rows (inserting everything and deleting the unchanged copies would make
    DuckDB rewrite the whole insert at commit)."""
    values = [c for c in _TABLES[kind] if c != "provider"]
    columns = ["provider", "source_format", "import_id", "record_key", *values]
    select = ", ".join(["s.provider", "$fmt::VARCHAR AS source_format", "$id::BIGINT AS import_id",
                        "s.record_key", *(f"s.{c}" for c in values)])  # fmt: skip
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _new AS SELECT {select} FROM {relation} s "
        f"WHERE NOT s._skip AND CASE WHEN s._bad THEN error('{BAD_ROW_MARK}') ELSE true END",
        {**params, "fmt": fmt, "id": import_id},
    )
    con.execute("RESET preserve_insertion_order")
    usable, distinct, start, end = con.execute(
        "SELECT count(*), count(DISTINCT record_key), min(period_start), max(period_end) FROM _new"
    ).fetchone()
    if usable == 0:
        con.execute("DROP TABLE _new")
        return 0, 0, 0, 0, None, None
    if distinct != usable:
        _refuse_conflicts(con, source, "_new", "true", [], values)
        con.execute("CREATE OR REPLACE TEMP TABLE _new AS SELECT DISTINCT ON (record_key) * FROM _new")
        usable = distinct
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in ["provider", *values])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _pairs AS
            SELECT n.record_key, o.rowid AS old_row, ({differs}) AS changed
            FROM _new n JOIN (SELECT rowid, * FROM {kind}
                              WHERE period_start >= $start AND period_start <= $end) o USING (record_key)""",
        {"start": start, "end": end},
    )
    replaced, unchanged = con.execute(
        "SELECT count(*) FILTER (changed), count(*) FILTER (NOT changed) FROM _pairs"
    ).fetchone()
    con.execute(f"DELETE FROM {kind} WHERE rowid IN (SELECT old_row FROM _pairs WHERE changed)")
    con.execute(
        f"INSERT INTO {kind} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM _new "
        "WHERE record_key NOT IN (SELECT record_key FROM _pairs WHERE NOT changed)"
    )
    con.execute("DROP TABLE _pairs")
    con.execute("DROP TABLE _new")
    return usable, usable - replaced - unchanged, replaced, unchanged, start, end


def _refuse_conflicts(
    con: duckdb.DuckDBPyConnection, source: Source, table: str, where: str, params: list, values: list[str]
) -> None:
    """Raises BadExportError when two rows of one import share a key but differ in value."""
    compared = ", ".join(c for c in values if c != "import_id")
    conflict = con.execute(
        f"""SELECT any_value(model), any_value(period_start) FROM {table} WHERE {where}
            GROUP BY record_key HAVING count(DISTINCT ({compared})) > 1 LIMIT 1""",
        params,
    ).fetchone()
    if conflict:
        raise BadExportError(
            source.name,
            "one row per time bucket and group, got two different rows for the same bucket "
            f"(model {conflict[0]}, starting {conflict[1]:%Y-%m-%d %H:%M} UTC)",
        )


def _collapse_duplicates(
    con: duckdb.DuckDBPyConnection, source: Source, kind: str, import_id: int, values: list[str]
) -> None:
    """Keeps one of several identical rows of one import; two different rows for one key is an error."""
    _refuse_conflicts(con, source, kind, "import_id = ?", [import_id], values)
    con.execute(
        f"""DELETE FROM {kind} WHERE import_id = $id AND rowid NOT IN (
                SELECT min(rowid) FROM {kind} WHERE import_id = $id GROUP BY record_key)""",
        {"id": import_id},
    )
