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


# Migration 1 created the tables with the columns of its day; later columns arrive by ALTER TABLE in their
# own step, so a new store and a migrated one end up with the same table.
_ADDED_LATER = {"cache_write_1h_tokens"}
_USAGE_DDL = _fact_table_ddl({c: t for c, t in USAGE_COLUMNS.items() if c not in _ADDED_LATER})
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
    (
        3,
        "usage.cache_write_1h_tokens: the 1-hour-TTL part of cache_write_tokens",
        [
            "ALTER TABLE usage ADD COLUMN cache_write_1h_tokens BIGINT DEFAULT 0",
            # Rows imported before the column: Anthropic formats kept the split in details.
            "UPDATE usage SET cache_write_1h_tokens = coalesce(TRY_CAST(details->>'cache_write_1h_tokens' AS "
            "BIGINT), 0) WHERE details->>'cache_write_1h_tokens' IS NOT NULL",
            # The views are `SELECT *`: recreated so they carry the new column.
            _effective_view("usage"),
            _effective_view("costs"),
        ],
    ),
    (
        5,
        "sync_runs: each Admin API sync (vendor, days covered, result), for incremental syncs and freshness",
        [
            """CREATE TABLE IF NOT EXISTS sync_runs (
                run_id BIGINT PRIMARY KEY, provider VARCHAR NOT NULL, started_at TIMESTAMPTZ NOT NULL,
                finished_at TIMESTAMPTZ NOT NULL, first_day DATE NOT NULL, last_day DATE NOT NULL,
                status VARCHAR NOT NULL, pages BIGINT NOT NULL DEFAULT 0, rows_inserted BIGINT NOT NULL DEFAULT 0,
                rows_replaced BIGINT NOT NULL DEFAULT 0, rows_unchanged BIGINT NOT NULL DEFAULT 0,
                cost_usd DECIMAL(38,12), import_ids BIGINT[], message VARCHAR)""",
        ],
    ),
]


# The schema version this code writes: the highest migration's (steps are numbered by owner, so one may be
# appended after a higher number).
SCHEMA_VERSION = max(version for version, _, _ in MIGRATIONS)


class StoreBusyError(RuntimeError):
    """Another process kept the store locked for longer than the lock timeout."""


class NotAStoreError(ValueError):
    """The path holds no store, or a file that is not one (empty, foreign, another DuckDB database)."""


_DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file


def _check_is_store_file(path: Path) -> None:
    """Raises NotAStoreError for an empty or foreign file (DuckDB would say 'not a valid database file')."""
    if path.is_dir():
        raise NotAStoreError(
            f"{path} is a folder, not a store file; pass a file name such as {path}/llm-cost.duckdb"
        )
    with path.open("rb") as f:
        head = f.read(12)
    if not head:
        raise NotAStoreError(f"{path} is an empty file, not a store; delete it or choose another --db")
    if head[8:12] != _DUCKDB_MAGIC:
        raise NotAStoreError(
            f"{path} is not an llm-cost store (not a DuckDB database file); choose another --db"
        )


def _create_atomically(path: Path, target: int = 0) -> None:
    """Creates an empty, migrated store at `path` unless one appears there first (another process).

    Built under a temporary name in the same folder, then hard-linked into place: link() refuses an existing
    target, so of two processes racing, one places its file and the other finds a complete store there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".creating", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB refuses to open an empty file: let it create its own
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("SET TimeZone = 'UTC'")
            migrate(con, target=target or SCHEMA_VERSION)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race: its store is complete, use it
        except OSError:
            # A file system without hard links: rename does not refuse an existing target, so check first.
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


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
    # Every step not yet recorded, in number order: steps are numbered by owner, so a lower number may be
    # released after a higher one, and a store at 5 still needs a 4 that arrived later.
    applied = {r[0] for r in con.execute("SELECT version FROM schema_version").fetchall()}
    pending = sorted((m for m in MIGRATIONS if m[0] not in applied and m[0] <= target), key=lambda m: m[0])
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
    return max(current, pending[-1][0])


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


class ImportBatch(list):
    """The ImportResults of one `import_files` call (a list), plus `errors`: the files refused."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.errors: list[BadExportError] = []

    def summary(self) -> str:
        """Returns e.g. "3 files imported, 1 refused"."""
        n = len(self)
        text = f"{n} file{'' if n == 1 else 's'} imported"
        return text + (f", {len(self.errors)} refused" if self.errors else "")


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
        create: bool = True,
        lock_timeout: float = 60.0,
        on_wait: Callable[[str], None] | None = None,
        schema_version: int = SCHEMA_VERSION,
    ) -> Store:
        """Returns the store at `path` (default: `default_db_path()`), migrated as needed.

        `create=True` (importing, the demo) makes a missing store, atomically: it is built in a temporary
        file beside `path` and linked into place, so two processes creating it at once both succeed and
        neither sees a half-made file. `create=False` (read commands) refuses a missing store. Either way a
        file that is not a store (empty, another program's file, another DuckDB database) is a NotAStoreError
        naming it, never a DuckDB traceback.
        """
        store = cls(Path(path) if path else default_db_path(), lock_timeout, on_wait)
        if not store.path.exists():
            if not create:
                raise NotAStoreError(
                    f"no store at {store.path}: import an export first (llm-cost import FILE) or pass --db"
                )
            _create_atomically(store.path, schema_version)
        _check_is_store_file(store.path)
        with store.writer() as con:
            tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            if tables and "schema_version" not in tables:
                raise NotAStoreError(
                    f"{store.path} is a DuckDB database but not an llm-cost store (tables: "
                    f"{', '.join(sorted(tables)[:5])}); choose another --db"
                )
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
        atomic: bool = False,
        errors: str = "raise",
        mapping: GenericMapping | None = None,
        on_progress: Callable[[ImportResult], None] | None = None,
    ) -> ImportBatch:
        """Imports files, folders and .zip archives; returns one ImportResult per export file.

        `atomic=False`: each file is its own transaction; every good file lands and each bad one is refused
        with its own BadExportError (a bad file changes nothing). With `errors="collect"` the refusals are
        returned in the batch's `errors`; with `errors="raise"` (default) the first refusal is raised after
        the good files landed, carrying `imported` (the results) and `errors` (every refusal).
        `atomic=True`: all files in one transaction; the first bad file rolls every file back and is raised
        (its `imported` is empty). `mapping` (`analytics.formats.generic_csv.GenericMapping`) reads every file
        as a generic CSV.
        """
        if errors not in ("raise", "collect"):
            raise ValueError(f"errors must be 'raise' or 'collect', got {errors!r}")
        batch = ImportBatch()
        with tempfile.TemporaryDirectory(prefix="llm-cost-") as scratch, self.writer() as con:
            if atomic:
                con.execute("BEGIN TRANSACTION")
            try:
                for source in expand_sources(paths, Path(scratch)):
                    try:
                        if isinstance(source, BadExportError):
                            raise source
                        result = _import_one(con, source, mapping, own_transaction=not atomic)
                    except BadExportError as e:
                        if atomic:
                            raise
                        batch.errors.append(e)
                        continue
                    batch.append(result)
                    if on_progress:
                        on_progress(result)
                if atomic:
                    con.execute("COMMIT")
            except BaseException as e:
                if atomic:
                    with contextlib.suppress(duckdb.Error):
                        con.execute("ROLLBACK")
                    if isinstance(e, BadExportError):
                        e.imported, e.errors = [], [e]
                raise
        if batch.errors and errors == "raise":
            first = batch.errors[0]
            first.imported, first.errors = list(batch), list(batch.errors)
            raise first
        return batch

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

    def price_book(self) -> prices.PriceBook:
        """The prices for this store: catalog + corrections + `overrides_path()` when that file exists.

        An immutable value (re-read only when the file changes); pass it on as `book=` to whatever prices.
        """
        path = self.overrides_path()
        return prices.PriceBook.load(path if path.exists() else None)

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


# A zip member may expand to at most this much, and an archive may hold at most this many members: a
# 3 MB "zip bomb" would otherwise fill the disk before the import could refuse it. Real exports are far
# below (a year of hourly usage rows for a big organisation is ~1 GB of CSV).
ZIP_MEMBER_MAX_BYTES = 4 << 30
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_RATIO = 1000  # expanded / compressed; text exports compress ~10-50x


def expand_sources(paths: Iterable[str | Path], scratch: Path) -> Iterator[Source | BadExportError]:
    """Yields one Source per export file (files as given, folders walked, zip members extracted), or a
    BadExportError in its place for a path or archive that cannot be read, so one bad file never stops
    the others."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                hidden = any(part.startswith((".", "__MACOSX")) for part in child.relative_to(path).parts)
                if not hidden and child.suffix.lower() in EXPORT_SUFFIXES:
                    yield from expand_sources([child], scratch)
        elif path.suffix.lower() == ".zip" and path.is_file():
            yield from _zip_members(path, scratch)
        elif path.is_file():
            yield Source(path, str(path))
        elif path.exists():
            yield BadExportError(path, "a regular file, folder or .zip archive", got="a device or pipe")
        else:
            yield BadExportError(path, "an existing file, folder or .zip archive", got=str(path))


def _zip_members(path: Path, scratch: Path) -> Iterator[Source | BadExportError]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        yield BadExportError(path, "a readable .zip archive", line=1, column_number=1, got=str(e))
        return
    with archive:
        infos = archive.infolist()
        if len(infos) > ZIP_MAX_MEMBERS:
            yield BadExportError(
                path, f"a zip of at most {ZIP_MAX_MEMBERS:,} files (is it a zip bomb?)", got=f"{len(infos):,}"
            )
            return
        found = 0
        skipped: list[str] = []
        for i, info in enumerate(sorted(infos, key=lambda m: m.filename)):
            member = Path(info.filename)
            if info.is_dir() or any(p.startswith((".", "__MACOSX")) for p in member.parts):
                continue
            if member.suffix.lower() not in EXPORT_SUFFIXES - {".zip"}:
                skipped.append(info.filename)
                continue
            found += 1
            name = f"{path}!{info.filename}"
            # Refused before extracting when the directory says so, and while extracting when the
            # member turns out bigger than its directory entry claims.
            if info.file_size > ZIP_MEMBER_MAX_BYTES or (
                info.compress_size
                and info.file_size > 1 << 20
                and info.file_size / info.compress_size > ZIP_MAX_RATIO
            ):
                yield _zip_too_big(name, info.file_size)
                continue
            # Extracted so DuckDB can read_csv it; the temp name keeps the suffix, the shown name the member.
            target = scratch / f"{i}-{member.name}"
            try:
                written = 0
                with archive.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > ZIP_MEMBER_MAX_BYTES:
                            raise OverflowError
                        dst.write(chunk)
            except OverflowError:
                target.unlink(missing_ok=True)
                yield _zip_too_big(name, written)
                continue
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as e:
                target.unlink(missing_ok=True)
                yield BadExportError(name, "a zip member that can be extracted", got=str(e))
                continue
            yield Source(target, name)
        if not found:
            listed = ", ".join(skipped[:5]) + (" …" if len(skipped) > 5 else "")
            yield BadExportError(
                path,
                "a zip holding usage or cost exports (.csv, .tsv, .json, .jsonl)",
                got=f"no export in it ({listed or 'empty'})",
            )


def _zip_too_big(name: str, size: int) -> BadExportError:
    return BadExportError(
        name,
        f"a zip member that expands to at most {ZIP_MEMBER_MAX_BYTES >> 30} GiB and "
        f"{ZIP_MAX_RATIO}x its compressed size (is it a zip bomb? unzip it yourself if it is genuine)",
        got=f"{size:,} bytes",
    )


# --- one import -----------------------------------------------------------------------------------

_TABLES = {"usage": USAGE_COLUMNS, "costs": COST_COLUMNS}
_FILE_ERRORS = (duckdb.ConversionException, duckdb.InvalidInputException)


def _import_one(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    mapping: GenericMapping | None,
    *,
    own_transaction: bool = True,
) -> ImportResult:
    """Imports one file; with `own_transaction=False` the caller's transaction holds it (atomic batches)."""
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
    if own_transaction:
        con.execute("BEGIN TRANSACTION")
    try:
        for table in STAGE_TABLES.values():
            con.execute(f"DROP TABLE IF EXISTS {table}")
        staged = stage(con, source)
        result = _merge_staged(con, source, module_name, digest, staged)
        if own_transaction:
            con.execute("COMMIT" if result.import_id is not None else "ROLLBACK")
    except _FILE_ERRORS as e:
        _abandon(con)
        # The file's content is at fault: find the line and column (a second, slower pass).
        if staged is None or staged.explain is None:
            raise BadExportError(source.name, "a well-formed export", got=str(e).splitlines()[0]) from None
        raise staged.explain(e) from None
    except BaseException:
        _abandon(con)
        raise
    finally:
        # Cleaning up must never hide the error that got us here.
        for table in STAGE_TABLES.values():
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP TABLE IF EXISTS {table}")
    return result


def _abandon(con: duckdb.DuckDBPyConnection) -> None:
    """Rolls back the open transaction (the file's, or an atomic batch's) and resets per-insert settings."""
    for statement in ("ROLLBACK", "RESET preserve_insertion_order"):
        with contextlib.suppress(duckdb.Error):
            con.execute(statement)


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
