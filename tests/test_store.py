"""The store: idempotent, transactional imports; bad input refused with nothing changed; locks; migrations."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from analytics.formats import BadExportError
from analytics.store import (
    BUSY_MESSAGE,
    MIGRATIONS,
    SCHEMA_VERSION,
    NotAStoreError,
    Store,
    StoreBusyError,
    default_db_path,
)

GOOD = Path(__file__).parent / "fixtures" / "exports" / "good"
USAGE_CSV = GOOD / "completions_usage_2025-01-01_2025-01-04.csv"
COST_CSV = GOOD / "cost_2025-01-01_2025-01-05.csv"
TABLES = ("schema_version", "imports", "usage", "costs", "budgets", "credits", "labels")


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Returns every table's full contents, for before/after comparisons."""
    with store.reader() as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A store that already holds a usage and a cost import, so 'unchanged' means something."""
    s = Store.open(tmp_path / "store" / "s.duckdb")
    s.import_files([USAGE_CSV, COST_CSV])
    return s


# --- idempotence and overlap ----------------------------------------------------------------------


def test_reimporting_the_same_file_adds_nothing(store):
    before = snapshot(store)
    (again,) = store.import_files([USAGE_CSV])
    assert (again.import_id, again.rows_inserted, again.rows_replaced, again.rows_unchanged) == (
        None,
        0,
        0,
        4,
    )
    assert "already imported as #1" in again.note
    assert snapshot(store) == before


def test_reimporting_the_same_rows_in_other_bytes_adds_nothing(store, tmp_path):
    crlf = tmp_path / "same_rows_crlf.csv"
    crlf.write_bytes(USAGE_CSV.read_bytes().replace(b"\n", b"\r\n"))
    usage_before = snapshot(store)["usage"]
    (again,) = store.import_files([crlf])
    assert (again.rows_read, again.rows_inserted, again.rows_replaced, again.rows_unchanged) == (4, 0, 0, 3)
    assert (again.rows_skipped, again.import_id, again.note) == (
        1,
        None,
        "nothing new: every row is already in the store",
    )
    assert snapshot(store)["usage"] == usage_before  # nothing recorded: the store is as it was


def test_a_newer_overlapping_export_replaces_the_rows_it_covers(store, tmp_path):
    lines = USAGE_CSV.read_text().splitlines()
    # Jan 1 gpt-4o revised (10646 -> 20000 output tokens), Jan 4 is new, Jan 3 is unchanged.
    jan4 = (
        lines[4]
        .replace("1735948800", "1736035200")
        .replace("1735862400", "1735948800")
        .replace("2025-01-04T", "2025-01-05T")
        .replace("2025-01-03T", "2025-01-04T")
    )
    revised = [lines[0], lines[1].replace("10646.0", "20000.0"), lines[4], jan4]
    newer = tmp_path / "completions_usage_2025-01-01_2025-01-05.csv"
    newer.write_text("\n".join(revised) + "\n")
    (result,) = store.import_files([newer])
    assert (result.rows_read, result.rows_inserted, result.rows_replaced, result.rows_unchanged) == (
        3,
        1,
        1,
        1,
    )
    # Jan 1's gpt-4o-mini row is gone from the newer export: Jan 1 is the newer export alone.
    assert [str(d) for d in result.replaced_days] == ["2025-01-01"]
    assert "replaced the stored figures of 2025-01-01" in result.note
    with store.reader() as con:
        rows, output = con.execute("SELECT count(*), sum(output_tokens) FROM usage_effective").fetchone()
    assert (rows, output) == (3, 20000 + 274770 + 274770)


@pytest.mark.parametrize("second_output", ["10646.0", "1.0"], ids=["identical", "different"])
def test_several_rows_for_one_bucket_and_group_are_summed(tmp_path, second_output):
    # A genuine dashboard export can hold two rows for one day, project, user, key, model, batch and tier
    # (it groups by something it does not export): both are real usage.
    lines = USAGE_CSV.read_text().splitlines()
    dup = tmp_path / "dup.csv"
    dup.write_text("\n".join([*lines, lines[1].replace("10646.0", second_output)]) + "\n")
    s = Store.open(tmp_path / "s.duckdb")
    (result,) = s.import_files([dup])
    assert (result.rows_read, result.rows_inserted, result.rows_skipped, result.rows_summed) == (5, 3, 1, 1)
    assert "1 rows for an already-seen bucket and group were added to it" in result.note
    file_total = 10646 + float(second_output) + 300 + 274770
    with s.reader() as con:
        assert con.execute("SELECT count(*), sum(output_tokens) FROM usage_effective").fetchone() == (
            3,
            file_total,
        )
    before = snapshot(s)
    copy = tmp_path / "dup_again.csv"
    copy.write_bytes(dup.read_bytes().replace(b"\n", b"\r\n"))  # the same rows in other bytes
    (again,) = s.import_files([copy])
    assert (again.import_id, again.rows_inserted, again.rows_replaced) == (None, 0, 0)
    assert snapshot(s) == before


def test_org_rows_and_project_rows_are_never_added_together(tmp_path):
    s = Store.open(tmp_path / "s.duckdb")
    org = tmp_path / "cost_org.csv"
    org.write_text(
        "start_time,end_time,amount_value,amount_currency,line_item,project_id\n"
        "1738368000,1738454400,10.0,usd,,\n"
    )
    per_project = tmp_path / "cost_projects.csv"
    per_project.write_text(
        "start_time,end_time,amount_value,amount_currency,line_item,project_id\n"
        "1738368000,1738454400,6.0,usd,,proj_A\n"
        "1738368000,1738454400,4.0,usd,,proj_B\n"
        "1738454400,1738540800,1.0,usd,,proj_A\n"
    )
    extra_day = tmp_path / "cost_org_day2.csv"
    extra_day.write_text(
        "start_time,end_time,amount_value,amount_currency,line_item,project_id\n"
        "1738540800,1738627200,7.0,usd,,\n"
    )
    s.import_files([org, per_project, extra_day])
    with s.reader() as con:
        (raw,) = con.execute("SELECT sum(amount_usd) FROM costs").fetchone()
        (effective,) = con.execute("SELECT sum(amount_usd) FROM costs_effective").fetchone()
    assert raw == Decimal("28")  # both kept...
    assert effective == Decimal("6") + Decimal("4") + Decimal("1") + Decimal("7")  # ...never summed


def test_forget_removes_one_imports_rows(store):
    assert [i["import_id"] for i in store.list_imports()] == [2, 1]
    assert store.forget(1) == 3
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM usage").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM costs").fetchone() == (3,)
    assert [i["import_id"] for i in store.list_imports()] == [2]
    with pytest.raises(KeyError, match=r"no import #7; known imports: \[2\]"):
        store.forget(7)


def test_imports_keep_the_sha256_and_period(store):
    import hashlib

    first = store.list_imports()[-1]
    assert first["sha256"] == hashlib.sha256(USAGE_CSV.read_bytes()).hexdigest()
    assert (first["rows_read"], first["rows_inserted"], first["source_format"]) == (4, 3, "openai_usage_csv")
    assert first["period_start"].isoformat() == "2025-01-01T00:00:00+00:00"


# --- files, folders, zips ---------------------------------------------------------------------------


def test_folder_and_zip_each_file_is_its_own_import(tmp_path):
    archive = tmp_path / "exports.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(USAGE_CSV, "jan/completions_usage.csv")
        z.write(COST_CSV, "jan/cost.csv")
        z.writestr("__MACOSX/jan/._cost.csv", b"\x00\x05junk")
    s = Store.open(tmp_path / "s.duckdb")
    seen: list[str] = []
    results = s.import_files([archive], on_progress=lambda r: seen.append(r.path))
    assert [r.path for r in results] == [f"{archive}!jan/completions_usage.csv", f"{archive}!jan/cost.csv"]
    assert seen == [r.path for r in results]
    assert [r.import_id for r in results] == [1, 2]

    folder_store = Store.open(tmp_path / "f.duckdb")
    results = folder_store.import_files([GOOD])
    assert len(results) == len(list(GOOD.iterdir()))
    assert all(r.import_id for r in results)


def test_progress_and_earlier_files_survive_a_bad_file(tmp_path):
    bad = tmp_path / "z_bad.csv"
    bad.write_text("a,b\n1,2\n")
    s = Store.open(tmp_path / "s.duckdb")
    with pytest.raises(BadExportError) as e:
        s.import_files([USAGE_CSV, bad])
    assert [r.import_id for r in e.value.imported] == [1]
    assert [i["import_id"] for i in s.list_imports()] == [1]


# --- bad input: one clear message naming file, line and column; the store exactly as before ---------


def _usage_with(old: str, new: str, *, line: int = 4) -> str:
    lines = USAGE_CSV.read_text().splitlines()
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines) + "\n"


def _json(name: str, old: str, new: str) -> str:
    return (GOOD / name).read_text().replace(old, new, 1)


BAD = [
    ("unknown_header.csv", "date,tokens\n2025-01-01,5\n",
     'unknown_header.csv:1:1: expected the header of a known usage or cost export'),
    ("truncated.csv", USAGE_CSV.read_text()[:-150],
     "truncated.csv:5:6: num_model_requests: expected 24 fields as in the header (is the file truncated?), "
     'got "5 fields"'),
    ("not_a_number.csv", _usage_with("80992.0", "abc", line=5),
     'not_a_number.csv:5:12: input_tokens: expected a whole non-negative number, got "abc"'),
    ("negative.csv", _usage_with("10646.0", "-3.0", line=2),
     'negative.csv:2:13: output_tokens: expected a whole non-negative number, got "-3.0"'),
    ("fraction.csv", _usage_with("3.0", "2.5", line=3),
     'fraction.csv:3:6: num_model_requests: expected a whole non-negative number, got "2.5"'),
    ("impossible_time.csv", _usage_with("1735862400", "99999999999", line=5),
     "impossible_time.csv:5:1: start_time: expected a Unix time in seconds between 2015 and 2100, "
     'got "99999999999"'),
    ("impossible_date.csv",
     (GOOD / "claude_usage_2025-10.csv").read_text().replace("2025-10-02", "2025-02-30"),
     'impossible_date.csv:4:1: usage_date_utc: expected a date such as 2025-10-31, got "2025-02-30"'),
    ("euro.csv", COST_CSV.read_text().replace("0.34090000000000000,usd", "0.34090000000000000,eur"),
     'euro.csv:5:6: amount_currency: expected usd (only US-dollar exports are supported), got "eur"'),
    ("latin1.csv", USAGE_CSV.read_bytes().replace(b"gpt-5-mini", b"gpt-5-mini-caf\xe9"),
     'latin1.csv:5:130: expected UTF-8 text (re-export the file as UTF-8), got "byte 0xE9"'),
    ("latin1_header.csv", b"start_time,end_time,caf\xe9\n",
     'latin1_header.csv:1:24: expected UTF-8 text (re-export the file as UTF-8), got "byte 0xE9"'),
    ("empty.csv", "", "empty.csv:1:1: expected a usage or cost export, not an empty file"),
    ("models_page.json", '{"object": "list", "data": [{"object": "model", "id": "gpt-4o"}]}',
     "models_page.json:1:1: expected an OpenAI or Anthropic usage or cost page"),
    ("truncated.json", (GOOD / "anthropic_usage_report.json").read_text()[:300],
     "truncated.json:10:11: expected valid JSON (is the file truncated?)"),
    ("negative.json", _json("anthropic_usage_report.json", '"output_tokens": 20', '"output_tokens": -20'),
     "negative.json:23:11: data[0].results[1].output_tokens: "
     'expected a whole non-negative number, got "-20"'),
    ("bad_result.json", _json("openai_admin_pages.json", "organization.usage.embeddings.result",
                              "organization.project"),
     'bad_result.json:35:12: data[0].results[0].object: expected organization.usage.<kind>.result'),
    ("yen.json", _json("anthropic_cost_report.json", '"currency": "USD"', '"currency": "JPY"'),
     'yen.json:7:10: data[0].results[0].currency: expected USD, got "JPY"'),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_with_file_line_column_and_nothing_changes(
    store, tmp_path, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = snapshot(store)
    with pytest.raises(BadExportError) as e:
        store.import_files([path])
    assert str(e.value).startswith(message), str(e.value)
    assert e.value.path.endswith(name) and e.value.line is not None
    assert snapshot(store) == before


def test_a_missing_path_is_refused(store, tmp_path):
    with pytest.raises(BadExportError, match=r"expected an existing file, folder or \.zip archive"):
        store.import_files([tmp_path / "nope.csv"])


# --- schema, location, concurrency ------------------------------------------------------------------


def test_default_db_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LLM_COST_DB", str(tmp_path / "x" / "y.duckdb"))
    assert default_db_path() == tmp_path / "x" / "y.duckdb"
    monkeypatch.delenv("LLM_COST_DB")
    assert default_db_path().name == "llm-cost.duckdb"


def test_open_creates_the_parent_folder_and_the_schema(tmp_path):
    s = Store.open(tmp_path / "deep" / "er" / "s.duckdb")
    assert s.schema_version() == SCHEMA_VERSION
    assert snapshot(s)["usage"] == []


def test_migrating_from_an_older_schema_keeps_the_data(tmp_path):
    path = tmp_path / "old.duckdb"
    old = Store.open(path, schema_version=1)
    assert old.schema_version() == 1
    with old.writer() as con:  # rows as a version-1 store holds them (today's import writes newer columns)
        for n in range(3):
            con.execute(
                "INSERT INTO usage (provider, source_format, import_id, record_key, period_start, "
                "period_end, model, input_tokens, output_tokens) VALUES ('openai', 'openai_usage_csv', 1, ?, "
                "'2025-01-01', '2025-01-02', 'gpt-4o', 10, 1)",
                [n],
            )
    with old.reader() as con:
        assert con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'credits'"
        ).fetchone() == (0,)
    migrated = Store.open(path)
    assert migrated.schema_version() == SCHEMA_VERSION == max(m[0] for m in MIGRATIONS)
    with migrated.reader() as con:
        assert con.execute("SELECT count(*) FROM usage_effective").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM credits").fetchone() == (0,)
    assert [r[0] for r in snapshot(migrated)["schema_version"]] == sorted(m[0] for m in MIGRATIONS)


def test_a_version_2_store_gains_the_1h_cache_write_column_in_its_views(tmp_path):
    path = tmp_path / "v2.duckdb"
    old = Store.open(path, schema_version=2)
    with old.writer() as con:
        # A row as the version-2 Anthropic reader stored it: the 1-hour part only in details.
        con.execute(
            """INSERT INTO usage (provider, source_format, import_id, record_key, period_start, period_end,
                   model, input_tokens, cache_write_tokens, output_tokens, details)
               VALUES ('anthropic', 'anthropic_admin_json', 1, 7, '2025-08-01', '2025-08-02',
                   'claude-sonnet-4-5', 500, 300, 10, '{"cache_write_1h_tokens": 200}'),
                  ('openai', 'openai_usage_csv', 1, 8, '2025-08-01', '2025-08-02', 'gpt-5', 9, 0, 1, NULL)"""
        )
    migrated = Store.open(path)
    with migrated.reader() as con:
        columns = [d[0] for d in con.execute("SELECT * FROM usage_effective LIMIT 0").description]
        assert "cache_write_1h_tokens" in columns
        assert con.execute(
            "SELECT provider, cache_write_1h_tokens FROM usage_effective ORDER BY 1"
        ).fetchall() == [("anthropic", 200), ("openai", 0)]
    fresh = Store.open(tmp_path / "new.duckdb")
    with fresh.reader() as con, migrated.reader() as con2:
        # A new store and a migrated one have the same tables, column for column.
        shape = "SELECT table_name, column_name, data_type FROM duckdb_columns() ORDER BY ALL"
        assert con.execute(shape).fetchall() == con2.execute(shape).fetchall()


def test_open_without_create_refuses_a_missing_store_and_creates_nothing(tmp_path):
    path = tmp_path / "nowhere" / "s.duckdb"
    with pytest.raises(NotAStoreError, match=r"no store at .*s\.duckdb"):
        Store.open(path, create=False)
    assert not path.parent.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "is an empty file"), (b"day,model\n2025-01-01,gpt-4o\n", "not a DuckDB database file")],
    ids=["empty", "foreign"],
)
@pytest.mark.parametrize("create", [True, False])
def test_an_empty_or_foreign_file_at_the_store_path_is_a_clear_error(tmp_path, content, message, create):
    path = tmp_path / "s.duckdb"
    path.write_bytes(content)
    with pytest.raises(NotAStoreError, match=message):
        Store.open(path, create=create)
    assert path.read_bytes() == content  # left as it was


def test_another_duckdb_database_is_not_taken_over(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (id INTEGER)")
    con.close()
    with pytest.raises(NotAStoreError, match=r"not an llm-cost store.*orders"):
        Store.open(path)


CREATE_STORE = textwrap.dedent(
    """
    import sys, time
    from analytics.store import Store
    start = float(sys.argv[2])
    while time.time() < start:
        pass
    store = Store.open(sys.argv[1])
    print(store.schema_version())
    """
)


def test_two_processes_creating_a_new_store_at_once_both_succeed(tmp_path):
    # Both start at the same instant (a shared start time), several rounds, each on a fresh path.
    for round_no in range(4):
        path = tmp_path / f"race{round_no}" / "s.duckdb"
        start = time.time() + 1.5
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", CREATE_STORE, str(path), str(start)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=60) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [o[1][-500:] for o in outs]
        assert [o[0].strip() for o in outs] == [str(SCHEMA_VERSION)] * 2
        assert [p.name for p in path.parent.iterdir()] == ["s.duckdb"]  # no temporary file left behind


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time, duckdb
    read_only = sys.argv[3] == "read"
    con = duckdb.connect(sys.argv[1], read_only=read_only)
    if not read_only:
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO labels VALUES ('project', 'proj_Alpha01', 'Support bot')")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    if not read_only:
        con.execute("COMMIT")
    con.close()
    """
)


def _hold(path: Path, seconds: float, mode: str = "write") -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds), mode], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_writer_waits_for_the_first_process_and_then_imports(tmp_path):
    s = Store.open(tmp_path / "s.duckdb")
    waits: list[str] = []
    waiting = Store(s.path, lock_timeout=30, on_wait=waits.append)
    holder = _hold(s.path, 1.0)
    started = time.monotonic()
    try:
        (result,) = waiting.import_files([USAGE_CSV])
    finally:
        holder.wait(timeout=30)
    assert time.monotonic() - started >= 0.5
    assert waits == [BUSY_MESSAGE]
    assert result.rows_inserted == 3
    with s.reader() as con:  # the other process's write landed too: nothing was lost or corrupted
        assert con.execute("SELECT name FROM labels").fetchall() == [("Support bot",)]


def test_a_writer_waits_for_a_reader_in_another_process(tmp_path):
    # The app reads with short read-only connections: the CLI waits for one instead of failing.
    s = Store.open(tmp_path / "s.duckdb")
    waits: list[str] = []
    holder = _hold(s.path, 0.8, "read")
    try:
        (result,) = Store(s.path, on_wait=waits.append).import_files([USAGE_CSV])
    finally:
        holder.wait(timeout=30)
    assert (waits, result.rows_inserted) == ([BUSY_MESSAGE], 3)


def test_a_writer_gives_up_after_the_lock_timeout(tmp_path):
    s = Store.open(tmp_path / "s.duckdb")
    holder = _hold(s.path, 1.0)
    try:
        with pytest.raises(StoreBusyError, match="locked by another process"):
            Store(s.path, lock_timeout=0.3, on_wait=lambda _: None).import_files([USAGE_CSV])
    finally:
        holder.wait(timeout=30)
    assert snapshot(s)["imports"] == []


def test_connections_are_short_lived(store):
    # After any call the file is free: another process can open it for writing at once.
    store.list_imports()
    con = duckdb.connect(str(store.path))
    con.close()


def test_overlap_without_a_time_hint_is_merged_too(tmp_path):
    # JSON pages carry no first/last-row hint: rows go in directly and overlaps are settled afterwards.
    s = Store.open(tmp_path / "s.duckdb")
    s.import_files([GOOD / "anthropic_cost_report.json"])
    revised = tmp_path / "cost_report_revised.json"
    revised.write_text((GOOD / "anthropic_cost_report.json").read_text().replace('"123.45"', '"200"'))
    (result,) = s.import_files([revised])
    assert (result.rows_inserted, result.rows_replaced, result.rows_unchanged) == (0, 1, 2)
    with s.reader() as con:
        assert con.execute("SELECT count(*), sum(amount_usd) FROM costs_effective").fetchone() == (
            3,
            Decimal("2") + Decimal("0.000375") + Decimal("10"),
        )


def test_duplicates_in_a_file_that_overlaps_stored_rows(store, tmp_path):
    lines = USAGE_CSV.read_text().splitlines()
    dup = tmp_path / "dup_overlap.csv"
    dup.write_text("\n".join([*lines, lines[1]]) + "\n")
    (result,) = store.import_files([dup])
    # The doubled gpt-4o row sums to a revised figure for that key; the other two are as stored.
    assert (result.rows_read, result.rows_inserted, result.rows_replaced, result.rows_unchanged) == (
        5,
        0,
        1,
        2,
    )
    with store.reader() as con:
        assert con.execute("SELECT sum(output_tokens) FROM usage_effective").fetchone() == (
            2 * 10646 + 300 + 274770,
        )


def test_the_price_override_file_beside_the_store_is_put_in_force(tmp_path):
    from datetime import date
    from decimal import Decimal

    from analytics import prices

    s = Store.open(tmp_path / "team.duckdb")
    assert s.price_book() == prices.default_book()
    (tmp_path / "price_overrides.csv").write_text(
        "provider,model,tier,valid_from,input_per_mtok,output_per_mtok\nopenai,gpt-4o,standard,2025-01-01,2.00,8.00\n"
    )
    assert s.price_book().overrides_file == "price_overrides.csv"
    assert s.price_book().price_for("gpt-4o", at=date(2025, 6, 1)).input == Decimal("2.00")
    assert prices.price_for("gpt-4o", at=date(2025, 6, 1)).input == Decimal("2.5")  # no process-wide state


def test_the_app_says_the_store_is_busy_and_retries_instead_of_a_traceback(
    sandboxed_store, monkeypatch, tmp_path
):
    from streamlit.testing.v1 import AppTest

    Store.open(sandboxed_store).import_files([USAGE_CSV])
    monkeypatch.setenv("LLM_COST_APP_LOCK_TIMEOUT", "0.5")
    holder = _hold(sandboxed_store, 30)  # a long import holds the write lock
    try:
        at = AppTest.from_string("from analytics.ui import overview\noverview.show()\n", default_timeout=60)
        at.run()
        assert not at.exception
        assert any("The store is busy" in w.value for w in at.warning)
        assert [b.label for b in at.button] == ["Retry"]
    finally:
        holder.kill()
        holder.wait()
    at.button[0].click().run()
    assert not at.exception
    assert not any("The store is busy" in w.value for w in at.warning)


def _big_usage_csv(path: Path, rows: int) -> Path:
    """A real-format dashboard usage export of `rows` rows (one per user and day, two projects)."""
    from analytics.formats import openai_usage_csv

    day0 = 1735689600
    openai_usage_csv.write(
        path,
        (
            {
                "start_time": day0 + 86400 * (i // 1000), "end_time": day0 + 86400 * (i // 1000 + 1),
                "project_id": f"proj_{'AB'[i % 2]}", "user_id": f"user-{i % 1000}",
                "model": "gpt-4o-mini-2024-07-18", "batch": False, "service_tier": "default",
                "num_model_requests": 1, "input_tokens": 100 + i % 7, "output_tokens": 10,
                "input_cached_tokens": 0,
            }
            for i in range(rows)
        ),
    )  # fmt: skip
    return path


IMPORT = (
    "import sys\nfrom analytics.store import Store\nStore.open(sys.argv[1]).import_files([sys.argv[2]])\n"
)


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.5])
def test_kill_9_during_an_import_leaves_the_store_as_before_or_after(tmp_path, delay):
    import signal

    db = tmp_path / "s.duckdb"
    store = Store.open(db)
    store.import_files([COST_CSV])
    big = _big_usage_csv(tmp_path / "completions_usage_big.csv", 150_000)
    before = snapshot(store)
    process = subprocess.Popen([sys.executable, "-c", IMPORT, str(db), str(big)])
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    after = Store.open(db)
    with after.reader() as con:
        rows = con.execute("SELECT count(*) FROM usage_effective").fetchone()[0]
        imports = con.execute("SELECT count(*) FROM imports").fetchone()[0]
    assert (rows, imports) in {(0, 1), (150_000, 2)}
    if rows == 0:
        assert snapshot(after) == before
    (again,) = after.import_files([big])  # the store still takes imports
    assert again.rows_read == 150_000


READ_LOOP = textwrap.dedent(
    """
    import sys, time
    from analytics.store import Store
    store = Store(__import__("pathlib").Path(sys.argv[1]), lock_timeout=60)
    seen = set()
    end = time.time() + float(sys.argv[2])
    while time.time() < end:
        with store.reader() as con:
            seen.add(con.execute(
                "SELECT (SELECT count(*) FROM usage_effective), (SELECT count(*) FROM imports)").fetchone())
    print(sorted(seen))
    """
)


def test_a_report_during_an_import_sees_it_whole_or_not_at_all(tmp_path):
    db = tmp_path / "s.duckdb"
    store = Store.open(db)
    store.import_files([USAGE_CSV])
    big = _big_usage_csv(tmp_path / "completions_usage_big.csv", 150_000)
    reader = subprocess.Popen(
        [sys.executable, "-c", READ_LOOP, str(db), "6"], stdout=subprocess.PIPE, text=True
    )
    time.sleep(1)
    store.import_files([big])
    seen = eval(reader.communicate(timeout=120)[0])
    # (The big export covers the small one's days: it alone answers for them.)
    assert set(seen) <= {(3, 1), (150_000, 2)}, seen
