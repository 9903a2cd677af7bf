"""The store commands as a user runs them: `llm-cost import / imports / forget / demo`."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from store_tables import snapshot

from analytics import demo
from analytics.cli import main

GOOD = Path(__file__).parent / "fixtures" / "exports" / "good"
USAGE_CSV = GOOD / "completions_usage_2025-01-01_2025-01-04.csv"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_import_json_reports_each_file(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    result = run("import", str(USAGE_CSV), "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)["files"]
    assert {k: entry[k] for k in ("format", "import_id", "rows_read", "rows_inserted", "rows_replaced")} == {
        "format": "openai_usage_csv",
        "import_id": 1,
        "rows_read": 4,
        "rows_inserted": 3,  # one empty bucket is skipped
        "rows_replaced": 0,
    }
    assert entry["period_start"] == "2025-01-01T00:00:00+00:00"
    assert entry["period_end"] == "2025-01-04T00:00:00+00:00"
    tokens = duckdb.connect(str(db), read_only=True).execute("SELECT sum(input_tokens) FROM usage").fetchone()
    assert tokens[0] == 59200 + 1500 + 80992


def test_import_again_adds_nothing(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    run("import", str(GOOD), "--db", str(db))
    before = snapshot(db)
    again = json.loads(run("import", str(GOOD), "--db", str(db), "--json").stdout)
    assert all(f["rows_inserted"] == 0 for f in again["files"])
    assert snapshot(db) == before


def test_bad_file_exits_2_names_line_and_column_and_changes_nothing(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    run("import", str(USAGE_CSV), "--db", str(db))
    before = snapshot(db)
    bad = tmp_path / "completions_usage_bad.csv"
    lines = USAGE_CSV.read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("input_tokens")] = "12x"
    bad.write_text("\n".join([lines[0], ",".join(row)]) + "\n")
    result = run("import", str(bad), "--db", str(db))
    assert result.exit_code == 2
    column = header.index("input_tokens") + 1
    assert f"completions_usage_bad.csv:2:{column}: input_tokens" in result.output
    assert "Traceback" not in result.output
    assert snapshot(db) == before


def test_imports_lists_and_forget_removes(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    run("import", str(USAGE_CSV), "--db", str(db))
    listed = json.loads(run("imports", "--db", str(db), "--json").stdout)
    assert [(i["import_id"], i["source_format"], i["rows_inserted"]) for i in listed] == [
        (1, "openai_usage_csv", 3)
    ]
    result = run("forget", "1", "--db", str(db))
    assert result.exit_code == 0
    assert "3 rows removed" in result.output
    assert snapshot(db)["usage"] == []
    assert run("forget", "99", "--db", str(db)).exit_code == 2


def test_generic_csv_with_a_mapping(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    csv = Path(__file__).parent / "fixtures" / "exports" / "generic" / "generic_spend.csv"
    result = run(
        "import", str(csv), "--db", str(db), "--map", "date=Day", "--map", "model=Model",
        "--map", "input_tokens=Prompt Tokens", "--map", "output_tokens=Completion Tokens",
        "--map", "cost_usd=Cost", "--provider", "mistral", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT DISTINCT provider FROM usage").fetchall() == [("mistral",)]
    assert run("import", str(csv), "--db", str(db), "--map", "day=Day").exit_code == 2


def test_demo_fills_an_empty_store_once(tmp_path: Path):
    db = tmp_path / "s.duckdb"
    result = run("demo", "--db", str(db), "--out", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    days, projects, models = con.execute(
        "SELECT count(DISTINCT period_start), count(DISTINCT project_id), count(DISTINCT model) FROM usage"
    ).fetchone()
    batch_rows, cached = con.execute(
        "SELECT count(*) FILTER (WHERE batch), sum(cached_input_tokens) FROM usage"
    ).fetchone()
    labels = con.execute("SELECT count(*) FROM labels").fetchone()[0]
    con.close()
    assert (days, projects) == (90, 4)
    assert models >= 6 and batch_rows > 0 and cached > 0 and labels == 9  # 4 projects and 5 API keys
    again = run("demo", "--db", str(db), "--if-empty")
    assert "already holds data" in again.output


def test_demo_exports_are_real_format_and_have_a_runaway_day(tmp_path: Path):
    usage_path, cost_path = demo.generate(tmp_path, end=date(2025, 6, 30))
    assert usage_path.name == "completions_usage_2025-04-02_2025-06-30.csv"
    assert cost_path.name == "cost_2025-04-02_2025-06-28.csv"  # billing lags two days
    con = duckdb.connect()
    daily = con.execute(
        f"SELECT to_timestamp(start_time)::DATE AS day, sum(input_tokens) AS tokens "
        f"FROM read_csv('{usage_path}') WHERE model LIKE 'gpt-5-2025%' GROUP BY day ORDER BY tokens DESC"
    ).fetchall()
    top_day, top = daily[0]
    assert top_day == date(2025, 6, 30) - timedelta(days=demo.RUNAWAY_DAYS_BEFORE_END)
    median = sorted(tokens for _, tokens in daily)[len(daily) // 2]
    assert top > 5 * median


@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.iterdir()))
def test_every_fixture_format_imports_through_the_cli(name: str, tmp_path: Path):
    path = tmp_path / name
    shutil.copy(GOOD / name, path)
    result = run("import", str(path), "--db", str(tmp_path / "s.duckdb"), "--json")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["rows_inserted"] > 0
