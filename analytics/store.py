"""The usage store: a DuckDB file with a versioned schema, and transactional, idempotent imports.

Rules the rest of the project relies on:

* **One import = one transaction.** A file is staged (validated and mapped to canonical rows, in SQL
  for CSVs), then merged and recorded in `imports` in the same transaction; any error rolls all of it
  back, so a refused file leaves every table exactly as it was.
* **What an import covers, and which rows answer for a bucket.** Each import records, per *dataset* (one
  kind of fact from one vendor, whichever format carried it: OpenAI completions usage from the dashboard
  CSV or the Admin API; OpenAI costs from the cost CSV or the Costs API; Anthropic usage from the Console
  CSV or the usage report; ...), what it covers in the `coverage` table: the time range from its first
  bucket to its last, the grouping columns it filled, and its filter: an OpenAI export whose every row is
  one project's is taken as filtered to that project. The rule: **for each dataset and bucket, the newest
  organisation-wide (unfiltered) import covering the bucket answers for it alone; when none covers it, the
  newest import of each project answers for that project.** So a newer export replaces the whole day (a
  row it no longer has stops counting), an ungrouped and a grouped export of one day never add up, and a
  one-project export never shrinks an organisation's day. Rows that stop answering are kept, marked
  `superseded_by` (the views `usage_effective` / `costs_effective` leave them out); `forget` of an import
  deletes its rows and re-applies the rule, so what it had replaced counts again. An import that changes
  nothing (every row already stored as it is) is not recorded.
* **record_key** is the md5 (as a 128-bit integer, `md5_number`) of the format's natural key (OpenAI
  usage: start/end time, project, user, API key, model, batch, service tier), shared by formats carrying the
  same facts. It counts what an import changes: a key new to the covered buckets is inserted, one stored
  with other values is replaced, one with the same values unchanged. Several rows of one file with one key
  are summed (a genuine export can hold two rows for one bucket and group, both real usage), so a file's
  total is the sum of its rows. A file whose sha256 is already on record is not read again.
* **Speed.** A big CSV goes from `read_csv` straight into its table in one INSERT (no temp copy, no row
  through Python); the coverage rule runs only when another import covers some of the same buckets.
  See `benchmarks/bench_import.py`.
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


# A dataset is one kind of fact from one vendor, whichever format carried it: the dashboard usage CSV and
# the Admin API completions pages are one dataset, the Console CSVs and the Admin API reports another.
_DATASETS = {
    "usage": {
        "openai_usage_csv": "'openai:completions'",
        "openai_admin_json": "'openai:' || coalesce({details}->>'kind', 'completions')",
        "openai_legacy_activity": "'openai:legacy'",
        "claude_console_csv": "'anthropic:usage'",
        "anthropic_admin_json": "'anthropic:usage'",
    },
    "costs": {
        "openai_cost_csv": "'openai:costs'",
        "openai_admin_json": "'openai:costs'",
        "claude_console_cost_csv": "'anthropic:costs'",
        "anthropic_admin_json": "'anthropic:costs'",
    },
}


def _dataset_sql(kind: str, fmt: str, provider: str, details: str) -> str:
    """Returns SQL naming the dataset of a row from its format, provider and details."""
    cases = " ".join(
        f"WHEN '{name}' THEN {expr.format(details=details)}" for name, expr in _DATASETS[kind].items()
    )
    return f"(CASE {fmt} {cases} ELSE {fmt} || ':' || {provider} END)"


def _settle_sql(kind: str, window: str) -> list[str]:
    """Returns the statements that recompute `superseded_by` for the rows of `kind` matching `window`.

    A stored row stops answering for its bucket when another import of its dataset covering that bucket
    beats it: an organisation-wide import beats any older import and every one-project import; a
    one-project import beats only older imports of the same project. `superseded_by` names the first
    such import (any will do: the row counts only when there is none).
    """
    return [
        f"UPDATE {kind} SET superseded_by = NULL WHERE {window} AND superseded_by IS NOT NULL",
        f"""UPDATE {kind} SET superseded_by = w.winner FROM (
                SELECT r.rowid AS rid, min(c.import_id) AS winner
                FROM (SELECT rowid, import_id, dataset, period_start, period_end FROM {kind}
                      WHERE {window}) r
                JOIN coverage own ON own.import_id = r.import_id AND own.kind = '{kind}'
                     AND own.dataset = r.dataset
                JOIN coverage c ON c.kind = '{kind}' AND c.dataset = r.dataset AND c.import_id <> r.import_id
                     AND c.period_start <= r.period_start AND r.period_end <= c.period_end
                WHERE (c.project_filter IS NULL
                       AND (own.project_filter IS NOT NULL OR c.import_id > r.import_id))
                   OR (c.project_filter = own.project_filter AND c.import_id > r.import_id)
                GROUP BY r.rowid) w
            WHERE {kind}.rowid = w.rid""",
    ]


def _coverage_sql(kind: str, where: str) -> str:
    """Returns the SELECT of coverage rows (one per import and dataset) for the rows of `kind` in `where`:
    the time range and, when every row is one OpenAI project's, that project (an export filtered to one
    project answers only for that project), plus the grouping columns the export filled."""
    return f"""SELECT import_id, '{kind}', dataset, {_COVERAGE_AGGREGATES[kind]}
            FROM {kind} WHERE {where} GROUP BY import_id, dataset"""


def _coverage_aggregates(kind: str) -> str:
    # min = max rather than count(DISTINCT): one pass, no hash table (this runs over every imported row).
    grouping = ", ".join(f"CASE WHEN count({c}) > 0 THEN '{c}' END" for c in _GROUPING[kind])
    return f"""CASE WHEN bool_and(provider = 'openai') AND count(project_id) = count(*)
                         AND min(project_id) = max(project_id) THEN min(project_id) END,
               min(period_start), max(period_end), concat_ws(',', {grouping})"""


_GROUPING = {
    "usage": ("project_id", "api_key_id", "api_key_name", "user_id", "workspace", "model", "service_tier"),
    "costs": ("project_id", "api_key_id", "workspace", "line_item", "model"),
}
_COVERAGE_AGGREGATES = {kind: _coverage_aggregates(kind) for kind in _GROUPING}


def _coverage_migration() -> list[str]:
    statements = []
    for kind in ("usage", "costs"):
        statements += [
            f"ALTER TABLE {kind} ADD COLUMN dataset VARCHAR",
            f"ALTER TABLE {kind} ADD COLUMN superseded_by BIGINT",
            f"UPDATE {kind} SET dataset = {_dataset_sql(kind, 'source_format', 'provider', 'details')}",
        ]
    statements.append(
        """CREATE TABLE IF NOT EXISTS coverage (
            import_id BIGINT NOT NULL, kind VARCHAR NOT NULL, dataset VARCHAR NOT NULL,
            project_filter VARCHAR, period_start TIMESTAMPTZ NOT NULL, period_end TIMESTAMPTZ NOT NULL,
            grouping VARCHAR)"""
    )
    for kind in ("usage", "costs"):
        statements += [
            f"INSERT INTO coverage {_coverage_sql(kind, 'true')}",
            *_settle_sql(kind, "true"),
            f"CREATE OR REPLACE VIEW {kind}_effective AS "
            f"SELECT * EXCLUDE (superseded_by) FROM {kind} WHERE superseded_by IS NULL",
        ]
    return statements


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
                status VARCHAR NOT NULL, pages BIGINT NOT NULL DEFAULT 0,
                rows_inserted BIGINT NOT NULL DEFAULT 0,
                rows_replaced BIGINT NOT NULL DEFAULT 0, rows_unchanged BIGINT NOT NULL DEFAULT 0,
                cost_usd DECIMAL(38,12), import_ids BIGINT[], message VARCHAR)""",
        ],
    ),
    (
        6,
        "coverage: what each import covers; rows it supersedes are kept (superseded_by), not deleted",
        _coverage_migration(),
    ),
    (
        4,
        "notifications: which alert of which budget month was sent to which target (check notifies once)",
        [
            # The target is kept as a hash (webhook URLs and SMTP URLs carry secrets) and a redacted label.
            """CREATE TABLE IF NOT EXISTS notifications (
                scope VARCHAR NOT NULL, month DATE NOT NULL, target_sha256 VARCHAR NOT NULL,
                target_label VARCHAR NOT NULL, alert VARCHAR NOT NULL, notified_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (scope, month, target_sha256, alert))""",
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
        except (duckdb.IOException, duckdb.ConnectionException) as e:
            # IOException: another process holds the file. ConnectionException: this process has it open the
            # other way (a read-only connection while a writer opens, or back): two app sessions at once.
            if "lock" not in str(e).lower() and "different configuration" not in str(e):
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
    """What one file added: rows read = inserted + replaced + unchanged + skipped (empty buckets) + summed."""

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
    replaced_days: tuple = ()  # UTC days whose stored rows this import superseded (dates)
    rows_summed: int = 0  # rows added into an earlier row of the same file with the same bucket and group

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
        if schema_version == SCHEMA_VERSION and store._is_current():
            return store  # nothing to migrate: no write lock needed (readers never wait for each other)
        with store.writer() as con:
            tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            if tables and "schema_version" not in tables:
                raise NotAStoreError(
                    f"{store.path} is a DuckDB database but not an llm-cost store (tables: "
                    f"{', '.join(sorted(tables)[:5])}); choose another --db"
                )
            migrate(con, target=schema_version)
        return store

    def _is_current(self) -> bool:
        """True when the file is a store with every migration applied (checked read-only)."""
        with self.reader() as con:
            tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            if "schema_version" not in tables:
                return False
            applied = {r[0] for r in con.execute("SELECT version FROM schema_version").fetchall()}
        return applied >= {m[0] for m in MIGRATIONS}

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
        """Deletes an import's rows and its record in one transaction; returns rows deleted. The stored rows
        it had superseded count again, as they did before it.

        KeyError (naming the known ids) when there is no such import.
        """
        with self.writer() as con:
            if not con.execute("SELECT 1 FROM imports WHERE import_id = ?", [import_id]).fetchone():
                known = [r[0] for r in con.execute("SELECT import_id FROM imports ORDER BY 1").fetchall()]
                raise KeyError(f"no import #{import_id}; known imports: {known or 'none'}")
            con.execute("BEGIN TRANSACTION")
            try:
                deleted = _remove_import(con, import_id)
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
ZIP_MAX_RATIO = 250  # expanded / compressed; text exports compress ~10-50x


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
        elif path.is_symlink() and _is_system_file(path):
            # Never read, so nothing of it can be echoed back.
            yield BadExportError(
                path, "a usage or cost export", line=1, column_number=1, got="a link to a system file"
            )
        elif path.suffix.lower() == ".zip" and path.is_file():
            yield from _zip_members(path, scratch)
        elif path.is_file():
            yield Source(path, str(path), private=path.is_symlink())
        elif path.exists():
            yield BadExportError(path, "a regular file, folder or .zip archive", got="a device or pipe")
        else:
            yield BadExportError(path, "an existing file, folder or .zip archive", got=str(path))


_SYSTEM_DIRS = ("/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/var", "/usr", "/bin", "/sbin", "/lib")


def _is_system_file(path: Path) -> bool:
    target = str(path.resolve())
    return any(target == d or target.startswith(d + "/") for d in _SYSTEM_DIRS)


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
                path,
                f"a zip of at most {ZIP_MAX_MEMBERS:,} files (is it a zip bomb?)",
                line=1,
                column_number=1,
                got=f"{len(infos):,}",
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
                yield BadExportError(
                    name, "a zip member that can be extracted", line=1, column_number=1, got=str(e)
                )
                continue
            yield Source(target, name)
        if not found:
            listed = ", ".join(skipped[:5]) + (" …" if len(skipped) > 5 else "")
            yield BadExportError(
                path,
                "a zip holding usage or cost exports (.csv, .tsv, .json, .jsonl)",
                line=1,
                column_number=1,
                got=f"no export in it ({listed or 'empty'})",
            )


def _zip_too_big(name: str, size: int) -> BadExportError:
    return BadExportError(
        name,
        f"a zip member that expands to at most {ZIP_MEMBER_MAX_BYTES >> 30} GiB and "
        f"{ZIP_MAX_RATIO}x its compressed size (is it a zip bomb? unzip it yourself if it is genuine)",
        line=1,
        column_number=1,
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
        result = _merge_staged(con, source, module_name, digest, staged, own_transaction=own_transaction)
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
    con: duckdb.DuckDBPyConnection,
    source: Source,
    fmt: str,
    digest: str,
    staged: Staged,
    *,
    own_transaction: bool = True,
) -> ImportResult:
    import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchone()[0]
    inserted = replaced = unchanged = usable = summed = 0
    all_repeated = True  # every stored row in range is repeated unchanged: the file brings nothing new
    starts: list[datetime] = []
    ends: list[datetime] = []
    for kind, relation in staged.relations.items():
        near = bool(staged.period_hint) and _stored_rows_near(con, kind, staged.period_hint)
        counts = _merge_relation(con, import_id, fmt, kind, relation, staged.params, near=near)
        usable += counts.usable
        inserted += counts.usable - counts.summed - counts.replaced - counts.unchanged
        replaced += counts.replaced
        unchanged += counts.unchanged
        summed += counts.summed
        all_repeated = all_repeated and counts.overlap == counts.unchanged
        if counts.start:
            starts.append(counts.start)
            ends.append(counts.end)
    start, end = (min(starts), max(ends)) if starts else (None, None)
    rows_read = staged.rows_read if staged.count_rows is None else staged.count_rows()
    skipped = rows_read - usable  # empty buckets
    if usable == 0:
        return ImportResult(
            source.name, fmt, None, rows_read, 0, 0, skipped, start, end,
            note="0 usable rows: nothing imported (the export has no usage or cost rows)",
        )  # fmt: skip
    con.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [import_id, fmt, source.name, digest, rows_read, inserted, replaced, start, end],
    )
    # Cheap first: a re-export of stored rows needs no settling at all (~2x faster on big files).
    nothing_new = inserted == 0 and replaced == 0 and all_repeated
    superseded_days, shadowed_by = ([], None) if nothing_new else _settle_import(con, import_id)
    if nothing_new or (inserted == 0 and replaced == 0 and not superseded_days and not shadowed_by):
        # Every row is already stored as it is, and no stored row stops counting: nothing to record (the
        # caller rolls back its own transaction; inside an atomic batch the import is taken out again).
        if not own_transaction:
            _remove_import(con, import_id)
        return ImportResult(
            source.name, fmt, None, rows_read, 0, 0, skipped, start, end, rows_unchanged=unchanged,
            note="nothing new: every row is already in the store",
        )  # fmt: skip
    notes = []
    if summed:
        notes.append(f"{summed:,} rows for an already-seen bucket and group were added to it")
    if superseded_days:
        notes.append(f"replaced the stored figures of {_day_ranges(superseded_days)}")
    if shadowed_by:
        notes.append(
            f"kept but not counted: import #{shadowed_by} covers these days for the whole organisation, "
            "this export only one project"
        )
    return ImportResult(
        source.name, fmt, import_id, rows_read, inserted, replaced, skipped, start, end,
        rows_unchanged=unchanged, note="; ".join(notes) or None, replaced_days=tuple(superseded_days),
        rows_summed=summed,
    )  # fmt: skip


@dataclass(frozen=True)
class _Counts:
    usable: int  # rows of the file that landed (before summing duplicates)
    replaced: int  # keys stored before with other values
    unchanged: int  # keys stored before with the same values
    summed: int  # rows added into another row of the same bucket and group
    overlap: int  # stored rows answering for buckets in the new rows' time range
    start: datetime | None
    end: datetime | None


def _merge_relation(
    con: duckdb.DuckDBPyConnection,
    import_id: int,
    fmt: str,
    kind: str,
    relation: str,
    params: dict[str, object],
    *,
    near: bool = False,
) -> _Counts:
    """Inserts a staged relation into `kind` (every row: stored rows are superseded, never deleted).

    The rows go straight from the file into the table (one pass, no temp copy); a row failing a check
    aborts the statement via error(). Rows of one file sharing a key are summed into one. When the file
    is `near` stored rows (its first/last rows say so), it is staged in a temp table first, so a re-export
    of rows already stored writes nothing at all.
    """
    values = [c for c in _TABLES[kind] if c != "provider"]
    target = ", ".join(["provider", "source_format", "import_id", "record_key", "dataset", *values])
    # Most formats carry one dataset: a constant, not a CASE evaluated on every row.
    fixed = _DATASETS[kind].get(fmt)
    dataset = (
        fixed
        if fixed and "{details}" not in fixed
        else _dataset_sql(kind, "CAST($fmt AS VARCHAR)", "s.provider", "s.details")
    )
    select = ", ".join(["s.provider", "$fmt", "$id", "s.record_key", dataset, *(f"s.{c}" for c in values)])
    rows = (
        f"SELECT {select} FROM {relation} s "
        f"WHERE NOT s._skip AND CASE WHEN s._bad THEN error('{BAD_ROW_MARK}') ELSE true END"
    )
    # Row order in the table does not matter (keys do): letting DuckDB insert out of order is ~15% faster.
    # (_import_one resets it after a failed insert: an aborted transaction accepts no statement.)
    con.execute("SET preserve_insertion_order = false")
    if near:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _new AS {rows}",
            {**params, "fmt": fmt, "id": import_id},
        )
        con.execute("RESET preserve_insertion_order")
        repeated = _only_repeats(con, kind, import_id, values)
        if repeated is not None:
            con.execute("DROP TABLE _new")
            return repeated
        con.execute(f"INSERT INTO {kind} ({target}) SELECT * FROM _new")
        con.execute("DROP TABLE _new")
    else:
        con.execute(f"INSERT INTO {kind} ({target}) {rows}", {**params, "fmt": fmt, "id": import_id})
    con.execute("RESET preserve_insertion_order")  # the bad-row search numbers lines in file order
    # One pass over the new rows: their counts and, per dataset, what the import covers.
    coverage = con.execute(
        f"SELECT count(*), count(DISTINCT record_key), dataset, {_COVERAGE_AGGREGATES[kind]} "
        f"FROM {kind} WHERE import_id = ? GROUP BY dataset",
        [import_id],
    ).fetchall()
    if not coverage:
        return _Counts(0, 0, 0, 0, 0, None, None)
    usable = sum(r[0] for r in coverage)
    distinct = sum(r[1] for r in coverage)  # record keys never repeat across datasets (own namespaces)
    start, end = min(r[4] for r in coverage), max(r[5] for r in coverage)
    if distinct != usable:
        _sum_duplicates(con, kind, import_id, values)
    con.executemany(
        "INSERT INTO coverage VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[import_id, kind, *r[2:]] for r in coverage],
    )
    # Only stored rows in the new rows' time range can share a key: zone maps make this check cheap, and
    # an import of new days skips the join entirely.
    in_range = (
        "import_id <> $id AND superseded_by IS NULL AND period_start >= $start AND period_start <= $end"
    )
    range_params = {"id": import_id, "start": start, "end": end}
    overlap = con.execute(f"SELECT count(*) FROM {kind} WHERE {in_range}", range_params).fetchone()[0]
    if overlap == 0:
        return _Counts(usable, 0, 0, usable - distinct, 0, start, end)
    differs = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in ["provider", *values])
    replaced, unchanged = con.execute(
        f"""SELECT count(*) FILTER (changed), count(*) FILTER (NOT changed) FROM (
                SELECT ({differs}) AS changed
                FROM (SELECT * FROM {kind} WHERE import_id = $id) n
                JOIN (SELECT * FROM {kind} WHERE {in_range}) o USING (record_key))""",
        range_params,
    ).fetchone()
    return _Counts(usable, replaced, unchanged, usable - distinct, overlap, start, end)


def _only_repeats(
    con: duckdb.DuckDBPyConnection, kind: str, import_id: int, values: list[str]
) -> _Counts | None:
    """Returns the counts when the staged rows (`_new`) only repeat stored rows exactly, every stored row
    of their range included (nothing to write); else None."""
    usable, distinct, start, end = con.execute(
        "SELECT count(*), count(DISTINCT record_key), min(period_start), max(period_end) FROM _new"
    ).fetchone()
    if usable == 0:
        return _Counts(0, 0, 0, 0, 0, None, None)
    if distinct != usable:
        return None
    in_range = (
        "import_id <> $id AND superseded_by IS NULL AND period_start >= $start AND period_start <= $end"
    )
    range_params = {"id": import_id, "start": start, "end": end}
    overlap = con.execute(f"SELECT count(*) FROM {kind} WHERE {in_range}", range_params).fetchone()[0]
    same = " AND ".join(f"n.{c} IS NOT DISTINCT FROM o.{c}" for c in ["provider", *values])
    unchanged = con.execute(
        f"SELECT count(*) FROM _new n JOIN (SELECT * FROM {kind} WHERE {in_range}) o USING (record_key) "
        f"WHERE {same}",
        range_params,
    ).fetchone()[0]
    if unchanged == usable == overlap:
        return _Counts(usable, 0, unchanged, 0, overlap, start, end)
    return None


def _stored_rows_near(con: duckdb.DuckDBPyConnection, kind: str, hint: tuple[datetime, datetime]) -> bool:
    """True when stored rows fall within a day of the file's time range (from its first and last rows)."""
    return con.execute(
        f"SELECT count(*) > 0 FROM {kind} WHERE period_start >= ? - INTERVAL 1 DAY "
        "AND period_start <= ? + INTERVAL 1 DAY",
        list(hint),
    ).fetchone()[0]


_SUMMED = {
    "usage": (
        "requests", "input_tokens", "cached_input_tokens", "cache_write_tokens", "cache_write_1h_tokens",
        "output_tokens", "reasoning_tokens",
    ),
    "costs": ("amount_usd",),
}  # fmt: skip


def _sum_duplicates(con: duckdb.DuckDBPyConnection, kind: str, import_id: int, values: list[str]) -> None:
    """Adds up the rows of one import that share a key: a genuine export may hold two rows for one bucket
    and group (the dashboard groups by something it does not export), and both are real usage, so the
    file's total is the sum of its rows (and importing it again finds the same sums)."""
    columns = ["provider", "source_format", "import_id", "record_key", "dataset", *values]
    types = _TABLES[kind]
    agg = ", ".join(
        f"CAST(sum({c}) AS {types[c]}) AS {c}" if c in _SUMMED[kind] else f"any_value({c}) AS {c}"
        for c in columns
        if c != "record_key"
    )
    dup_keys = f"SELECT record_key FROM {kind} WHERE import_id = $id GROUP BY 1 HAVING count(*) > 1"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT record_key, {agg} FROM {kind} "
        f"WHERE import_id = $id AND record_key IN ({dup_keys}) GROUP BY record_key",
        {"id": import_id},
    )
    con.execute(
        f"DELETE FROM {kind} WHERE import_id = $id AND record_key IN (SELECT record_key FROM _dups)",
        {"id": import_id},
    )
    con.execute(f"INSERT INTO {kind} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM _dups")
    con.execute("DROP TABLE _dups")


# --- coverage: which stored rows answer for a bucket -------------------------------------------------


def _remove_import(con: duckdb.DuckDBPyConnection, import_id: int) -> int:
    """Deletes an import's rows, coverage and record; what it had superseded answers again (unless another
    import still beats it). Returns the rows deleted. Runs inside the caller's transaction."""
    deleted = 0
    for table in _TABLES:
        deleted += con.execute(f"DELETE FROM {table} WHERE import_id = ?", [import_id]).fetchone()[0]
    windows = con.execute(
        "SELECT kind, dataset, period_start, period_end FROM coverage WHERE import_id = ?", [import_id]
    ).fetchall()
    con.execute("DELETE FROM coverage WHERE import_id = ?", [import_id])
    for kind, dataset, start, end in windows:
        _settle(con, kind, dataset, start, end)
    con.execute("DELETE FROM imports WHERE import_id = ?", [import_id])
    return deleted


def _settle_import(con: duckdb.DuckDBPyConnection, import_id: int) -> tuple[list, int | None]:
    """Settles the windows the import covers; returns (days whose stored rows it superseded, the import
    that shadows it when it is a one-project export under an organisation-wide one)."""
    windows = con.execute(
        "SELECT kind, dataset, period_start, period_end FROM coverage WHERE import_id = ?", [import_id]
    ).fetchall()
    for kind, dataset, start, end in windows:
        others = con.execute(
            "SELECT count(*) FROM coverage WHERE kind = ? AND dataset = ? AND import_id <> ? "
            "AND period_start < ? AND period_end > ?",
            [kind, dataset, import_id, end, start],
        ).fetchone()[0]
        if others:
            _settle(con, kind, dataset, start, end)
    days: set = set()
    shadowed_by = None
    for kind, columns in _TABLES.items():
        # Days where what counted before differs from what counts now: a stored row this import supersedes
        # that it does not repeat as it was (revised, or gone from the newer export).
        same = " AND ".join(f"n.{c} IS NOT DISTINCT FROM o.{c}" for c in columns)
        days |= {
            d
            for (d,) in con.execute(
                f"""SELECT DISTINCT CAST(o.period_start AS DATE) FROM {kind} o
                    WHERE o.superseded_by = $id AND NOT EXISTS (
                        SELECT 1 FROM {kind} n WHERE n.import_id = $id AND n.record_key = o.record_key
                        AND {same})""",
                {"id": import_id},
            ).fetchall()
        }
        row = con.execute(
            f"SELECT min(superseded_by) FROM {kind} WHERE import_id = ? AND superseded_by IS NOT NULL",
            [import_id],
        ).fetchone()
        shadowed_by = shadowed_by or row[0]
    return sorted(days), shadowed_by


def _settle(con: duckdb.DuckDBPyConnection, kind: str, dataset: str, start: datetime, end: datetime) -> None:
    """Recomputes `superseded_by` for the rows of one dataset in [start, end) from the coverage table."""
    window = "dataset = $ds AND period_start >= $start AND period_start < $end"
    params = {"ds": dataset, "start": start, "end": end}
    for statement in _settle_sql(kind, window):
        con.execute(statement, params)


def _day_ranges(days: list) -> str:
    """Returns days as compact ranges: "2025-01-02..2025-01-04, 2025-01-09"."""
    from datetime import timedelta

    parts: list[str] = []
    run_start = prev = None
    for d in [*days, None]:
        if prev is not None and (d is None or d != prev + timedelta(days=1)):
            parts.append(f"{run_start}" if run_start == prev else f"{run_start}..{prev}")
            run_start = None
        if d is not None and run_start is None:
            run_start = d
        prev = d
    return ", ".join(parts)
