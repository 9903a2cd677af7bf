"""The CLI as a newcomer meets it (issue 15): money options, default period, missing stores,
paths, one money format per column, --json / --csv everywhere, the daily split of --by, tables that fit
100 columns."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_reports import D1, D3, FORECAST_LAST, SPIKE, forecast_store, small_store

from analytics import reports
from analytics.cli import main
from analytics.store import Store


def run(*args: object, input: str | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    return small_store(tmp_path / "small").path


@pytest.fixture
def steady_db(tmp_path: Path) -> Path:
    return forecast_store(tmp_path / "steady").path


# --- money options ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1000", "1000"), ("$1,000.50", "1000.50"), ("1,000", "1000"), ("$250", "250"), ("99.5", "99.5")],
)
def test_money_options_take_amounts_as_people_type_them(small_db, typed, stored):
    result = run("budget", "set", typed, "--db", small_db, "--json")
    assert result.exit_code == 0, result.output
    assert Decimal(json.loads(result.stdout)["monthly_usd"]) == Decimal(stored)


@pytest.mark.parametrize(
    "args",
    [
        ("budget", "set", "abc"),
        ("budget", "set", "1e3"),
        ("budget", "set", "1,00"),
        ("budget", "set", "500", "--hard-limit", "abc"),
        ("budget", "credit", "abc"),
        ("budget", "credit", "1e3"),
    ],
)
def test_a_malformed_amount_is_one_line_and_exit_2(small_db, args):
    before = run("budget", "show", "--db", small_db, "--json").stdout
    result = run(*args, "--db", small_db)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "expected an amount in USD" in errors[0]
    assert run("budget", "show", "--db", small_db, "--json").stdout == before


def test_a_hard_limit_below_the_budget_is_refused(small_db):
    result = run("budget", "set", "500", "--hard-limit", "400", "--db", small_db)
    assert result.exit_code == 2
    assert "below the monthly budget" in result.output
    assert json.loads(run("budget", "show", "--db", small_db, "--json").stdout)["budgets"] == []
    assert run("budget", "set", "500", "--hard-limit", "$600", "--db", small_db).exit_code == 0


def test_an_unknown_project_is_warned_about(small_db):
    result = run("budget", "set", "100", "--project", "Alpah", "--db", small_db)
    assert result.exit_code == 0
    assert "Warning: no project 'Alpah' in the store" in result.stderr
    assert "Alpha (proj_a)" in result.stderr  # the known ones are named, with their label
    quiet = run("budget", "set", "100", "--project", "Alpha", "--db", small_db)
    assert "Warning" not in quiet.stderr and "project Alpha (proj_a)" in quiet.stdout
    report = run("report", "--from", D1, "--project", "nope", "--db", small_db)
    assert report.exit_code == 0 and "Warning: no project 'nope'" in report.stderr


# --- stores that do not exist -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [("report",), ("imports",), ("budget", "show"), ("anomalies",)])
def test_read_commands_refuse_a_store_that_does_not_exist(tmp_path, command):
    missing = tmp_path / "typo" / "dir" / "x.duckdb"
    result = run(*command, "--db", missing)
    assert result.exit_code == 2
    assert str(missing) in result.output
    assert not missing.parent.exists()


def test_demo_and_import_create_the_store(tmp_path):
    db = tmp_path / "new" / "x.duckdb"
    result = run("demo", "--db", db, "--days", 7, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["loaded"] and out["files"] and Path(out["store"]) == db
    again = json.loads(run("demo", "--db", db, "--if-empty", "--json").stdout)
    assert again["loaded"] is False


# --- count: a path that is not there ------------------------------------------------------------------


def test_count_refuses_a_path_that_does_not_exist(tmp_path):
    missing = tmp_path / "does" / "not" / "exist.txt"
    result = run("count", missing, "-m", "gpt-4o")
    assert result.exit_code == 2
    assert "no such file" in result.output and "--text" in result.output
    literal = run("count", "--text", missing, "-m", "gpt-4o", "--json")
    assert literal.exit_code == 0 and json.loads(literal.stdout)["tokens"] > 3
    prose = run("count", "How many tokens is this?", "-m", "gpt-4o", "--json")
    assert prose.exit_code == 0 and json.loads(prose.stdout)["tokens"] == 6


def test_count_of_a_request_file_given_as_text_points_to_messages(tmp_path):
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello"}]}
    request = tmp_path / "request.json"
    request.write_text(json.dumps(body))
    result = run("count", request)
    assert result.exit_code == 2
    assert f"give it as --messages {request}" in result.output
    as_body = run("count", "--messages", request, "--json")
    assert as_body.exit_code == 0 and json.loads(as_body.stdout)["tokens"] == 8
    prose = tmp_path / "prompt.txt"
    prose.write_text("How many tokens is this?")
    assert "--messages" not in run("count", prose).output  # plain text: no hint


# --- default period -----------------------------------------------------------------------------------


def test_reports_open_on_the_newest_month_with_data_and_say_so(steady_db):
    # The store ends in October 2026, which is not the current month (the test runs later).
    assert date.today().replace(day=1) > FORECAST_LAST.replace(day=1)
    result = run("report", "--db", steady_db)
    assert result.exit_code == 0, result.output
    assert "showing October 2026, the newest month with data" in result.stderr
    assert result.stdout.startswith("October 2026, the organisation, as of 2026-10-14")
    out = json.loads(run("report", "--db", steady_db, "--json").stdout)
    assert (out["month"], out["to"], Decimal(out["spent_usd"]) > 0) == ("2026-10", "2026-10-14", True)
    assert run("budget", "set", "30", "--db", steady_db).exit_code == 0
    shown = run("budget", "show", "--db", steady_db, "--json")
    assert json.loads(shown.stdout)["budgets"][0]["month"] == "2026-10"
    check = json.loads(run("check", "--db", steady_db, "--json").stdout)
    assert check[0]["month"] == "2026-10" and Decimal(check[0]["spent_usd"]) > 0
    whatif = json.loads(run("whatif", "--db", steady_db, "--json").stdout)
    assert (whatif["from"], whatif["to"]) == ("2026-10-01", "2026-10-14")


def test_default_month_is_this_month_when_it_has_data(steady_db):
    store = Store.open(steady_db)
    assert reports.default_month(store, today=date(2026, 10, 20)) == reports.DefaultMonth(
        date(2026, 10, 1), None
    )
    later = reports.default_month(store, today=date(2027, 1, 5))
    assert later.month == date(2026, 10, 1) and "January 2027" in later.note


def test_from_without_to_runs_to_the_last_day_with_data_and_the_reverse(small_db):
    out = json.loads(run("report", "--from", D1 + timedelta(days=1), "--db", small_db, "--json").stdout)
    assert (out["from"], out["to"]) == ((D1 + timedelta(days=1)).isoformat(), D3.isoformat())
    out = json.loads(run("report", "--to", D1 + timedelta(days=1), "--db", small_db, "--json").stdout)
    assert (out["from"], out["to"]) == (D1.isoformat(), (D1 + timedelta(days=1)).isoformat())


# --- formats: money columns, --by split, csv, json ----------------------------------------------------


def _column(text: str, header: str) -> list[str]:
    """Returns the cells under `header` of the first table (columns are split by two or more spaces)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if header in re.split(r"\s{2,}", line.strip()))
    head = re.split(r"\s{2,}", lines[start].strip())
    out = []
    for line in lines[start + 2 :]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) != len(head):
            break
        out.append(cells[head.index(header)])
    return out


def _decimals(cells: list[str]) -> set[int]:
    return {len(c.split(".")[1]) if "." in c else 0 for c in cells}


def test_a_money_column_has_one_number_of_decimals(small_db):
    result = run("report", "--from", D1, "--to", D3, "--db", small_db)
    costs = _column(result.stdout, "cost")
    assert len(costs) == 3 and all(c.startswith("$") for c in costs)
    assert len(_decimals(costs)) == 1
    estimate = run(
        "estimate", "--input-tokens", 1000, "-m", "gpt-4o", "-m", "gpt-4o-mini", "--output-tokens", 10
    )
    assert estimate.exit_code == 0, estimate.output
    assert "per 1,000" in estimate.stdout
    per_request, per_thousand = _column(estimate.stdout, "per request"), _column(estimate.stdout, "per 1,000")
    assert len(_decimals(per_request)) == 1
    assert [Decimal(t[1:].replace(",", "")) for t in per_thousand] == [
        Decimal(t[1:]) * 1000 for t in per_request
    ]


def test_report_by_prints_the_daily_split_and_the_totals(small_db):
    result = run("report", "--from", D1, "--to", D3, "--by", "project", "--db", small_db)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "date        project" in text
    assert f"{D1.isoformat()}  Alpha" in text and f"{D3.isoformat()}  proj_b" in text
    assert "total" in text.splitlines()[-4]


def test_csv_on_the_report_commands_goes_through_the_formula_guard(small_db):
    Store.open(small_db).set_labels([("project", "proj_b", "=HYPERLINK(1)")])
    result = run("report", "--from", D1, "--to", D3, "--by", "project", "--db", small_db, "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["project"] for r in rows} == {"Alpha", "'=HYPERLINK(1)"}
    assert sum(Decimal(r["cost_usd"]) for r in rows) == Decimal("9.40")
    for command in (("anomalies",), ("imports",), ("reconcile",), ("whatif", "--from", D1)):
        out = run(*command, "--db", small_db, "--csv")
        assert out.exit_code == 0, (command, out.output)
        assert out.stdout.splitlines()[0].count(",") >= 2, command
    both = run("imports", "--db", small_db, "--csv", "--json")
    assert both.exit_code == 2


def test_forget_speaks_json(small_db):
    listed = json.loads(run("imports", "--db", small_db, "--json").stdout)
    result = run("forget", listed[0]["import_id"], "--db", small_db, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["import_id"] == listed[0]["import_id"] and out["rows_removed"] > 0


def test_the_import_tables_fit_100_columns(tmp_path, small_db):
    folder = tmp_path / "long"
    folder.mkdir()
    source = next((Path(small_db).parent).glob("completions_usage_*.csv"))
    long_name = folder / ("completions_usage_" + "very_long_team_name_" * 6 + "2026-10-01_2026-10-03.csv")
    long_name.write_bytes(source.read_bytes().replace(b"proj_a", b"proj_z"))
    result = run("import", long_name, "--db", small_db)
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()[:3]) <= 100
    assert "…" in result.stdout and "2026-10-03.csv" in result.stdout
    listed = run("imports", "--db", small_db)
    assert max(len(line) for line in listed.stdout.splitlines()) <= 100


# --- anomalies ----------------------------------------------------------------------------------------


def test_anomaly_scores_are_plain_numbers_with_one_decimal(steady_db):
    result = run("anomalies", "--from", "2026-10-01", "--to", FORECAST_LAST, "--db", steady_db)
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.stdout.splitlines() if line.startswith(SPIKE.isoformat())]
    score = line.split()[3]
    assert score == "6.0"  # (3.00 - 1.50) / the $0.25 floor on the spread
    data = json.loads(run("anomalies", "--from", "2026-10-01", "--db", steady_db, "--json").stdout)
    assert data[0]["score"] == 6.0


def test_a_quiet_history_does_not_flag_every_spending_day():
    quiet = [Decimal(0)] * 20 + [Decimal("2.00"), Decimal("2.10"), Decimal("1.90")] * 3  # 9 spending days
    assert reports.anomaly_score(quiet, Decimal("2.20"))[1] < 3.5  # a usual spending day
    assert reports.anomaly_score(quiet, Decimal("20.00"))[1] > 3.5  # ten times a usual one
    too_short = [Decimal(0)] * 25 + [Decimal("0.01")] * 3
    assert reports.anomaly_score(too_short, Decimal("4.39")) is None  # no norm yet: not scored
    flat = [Decimal("0.10")] * 28  # MAD zero: the $0.25 floor keeps a cent from scoring billions
    assert reports.anomaly_score(flat, Decimal("0.11")) == (Decimal("0.10"), 0.0)
