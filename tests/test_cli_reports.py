"""The spend commands as a user runs them: report, whatif, reconcile, anomalies, budget, check."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_reports import forecast_store, small_store

from analytics import demo
from analytics.cli import main
from analytics.store import Store

DEMO_END = date(2026, 11, 20)


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    return small_store(tmp_path / "small").path


@pytest.fixture
def steady_db(tmp_path: Path) -> Path:
    return forecast_store(tmp_path / "steady").path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    store = Store.open(folder / "demo.duckdb")
    demo.load(store, folder / "exports", end=DEMO_END)
    return store.path


def test_report_json_for_a_month(steady_db):
    assert run("budget", "set", "30", "--alert-at", "50,80", "--db", steady_db).exit_code == 0
    result = run("report", "--month", "2026-10", "--db", steady_db, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["spent_usd"], out["budget_usd"], out["basis"]) == (
        "17.700000000000",
        "30.000000000000",
        "estimated",
    )
    assert Decimal(out["forecast_usd"]) == Decimal("37.95")
    assert (Decimal(out["forecast_low_usd"]), Decimal(out["forecast_high_usd"])) == (
        Decimal("37.2"),
        Decimal("40.2"),
    )
    assert out["runs_out_on"] == "2026-10-26"
    assert [(a["percent"], a["crossed_on"]) for a in out["alerts"]] == [("50", "2026-10-13"), ("80", None)]
    assert len(out["days"]) == 14
    assert out["days"][6] == {"date": "2026-10-07", "cost_usd": "3.000000000000", "basis": "estimated"}


def test_report_range_by_user_splits_the_bill(small_db):
    result = run(
        "report", "--from", "2026-10-01", "--to", "2026-10-03", "--by", "user", "--db", small_db, "--json"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["spent_usd"] == "9.400000000000"
    assert out["budget_usd"] is None and out["forecast_usd"] is None
    assert [(d["cost_usd"], d["basis"]) for d in out["days"]] == [
        ("5.200000000000", "billed"), ("1.200000000000", "billed"), ("3.000000000000", "estimated"),
    ]  # fmt: skip
    assert [(b["date"], b["user"], b["cost_usd"]) for b in out["breakdown"] if b["date"] == "2026-10-02"] == [
        ("2026-10-02", "user-1", "0.600000000000"),
        ("2026-10-02", "user-3", "0.600000000000"),
    ]


def test_report_human_output_and_project_filter(small_db):
    result = run(
        "report", "--from", "2026-10-01", "--to", "2026-10-03", "--project", "Alpha", "--db", small_db
    )
    assert result.exit_code == 0, result.output
    assert "Spent     $1.40  (mixed)" in result.output  # billed 0.20 + 1.20, and a 0 estimated day
    assert "2026-10-02  $1.20  billed" in result.output  # one number of decimals for the column


@pytest.mark.parametrize("suffix", [".png", ".html", ".svg"])
def test_report_saves_a_chart(demo_db, tmp_path, suffix):
    target = tmp_path / f"month{suffix}"
    result = run("report", "--month", "2026-11", "--db", demo_db, "--chart", target)
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == ".png" else len(data) > 1000


@pytest.mark.parametrize(
    "args",
    [
        ("--month", "2026-13"),
        ("--from", "2026-10-01", "--to", "2026-10-02", "--month", "2026-10"),
        ("--from", "yesterday", "--to", "2026-10-02"),
        ("--from", "2026-10-03", "--to", "2026-10-01"),
        ("--by", "colour"),
        ("--chart", "x.pdf"),
    ],
)
def test_report_bad_input_exits_2(small_db, args):
    result = run("report", *args, "--db", small_db)
    assert result.exit_code == 2, result.output
    assert "Error" in result.output


def test_whatif_json(small_db):
    result = run("whatif", "--from", "2026-10-01", "--to", "2026-10-03", "--model-map", "gpt-4o=gpt-4o-mini",
                 "--db", small_db, "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["actual_usd"], out["scenario_usd"], out["saving_usd"]) == (
        "9.095000000000", "1.575000000000", "7.520000000000",
    )  # fmt: skip
    assert out["projects"][1] == {
        "project": "proj_b",
        "actual_usd": "8.000000000000",
        "scenario_usd": "0.480000000000",
        "saving_usd": "7.520000000000",
    }


def test_whatif_human_and_bad_share(small_db):
    result = run("whatif", "--from", "2026-10-01", "--to", "2026-10-03", "--tier", "batch", "--db", small_db)
    assert result.exit_code == 0, result.output
    assert "total" in result.output and "$1.79" in result.output  # saving 0.54 + 1.25
    bad = run("whatif", "--cached-share", "2", "--db", small_db)
    assert bad.exit_code == 2


def test_reconcile_json_rows(small_db):
    result = run("reconcile", "--tolerance", "5", "--db", small_db, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [
        (r["date"], r["project"], r["model"], r["billed_usd"], r["estimated_usd"], r["diff_usd"], r["status"])
        for r in rows
    ] == [
        ("2026-10-01", "proj_a", "gpt-4o-mini", "0.200000000000", "0.195000000000", "0.005000000000",
         "within rounding"),
        ("2026-10-01", "proj_b", "gpt-4o", "5.000000000000", "5.000000000000", "0.000000000000",
         "to the cent"),
        ("2026-10-02", "proj_a", "gpt-4o-mini", "1.200000000000", "0.900000000000", "0.300000000000",
         "flagged"),
    ]  # fmt: skip
    human = run("reconcile", "--db", small_db)
    assert "0 days matched to the cent, 1 within the bill's rounding" in human.output
    assert "1 flagged" in human.output and "25.00%" in human.output


def test_anomalies_names_the_runaway(demo_db):
    result = run("anomalies", "--db", demo_db, "--json")
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.stdout)
    assert found["date"] == "2026-10-28"
    assert found["drivers"]["api_key"]["name"] == "research-dev"


def test_budget_set_show_and_credit(steady_db):
    assert run("budget", "set", "500", "--hard-limit", "600", "--db", steady_db).exit_code == 0
    assert (
        run("budget", "set", "120", "--project", "proj_a", "--alert-at", "90", "--db", steady_db).exit_code
        == 0
    )
    shown = json.loads(run("budget", "show", "--db", steady_db, "--json").stdout)
    assert [
        (b["scope"], b["monthly_usd"], b["alert_percents"], b["hard_limit_usd"]) for b in shown["budgets"]
    ] == [
        ("org", "500.000000000000", [50, 80, 100], "600.000000000000"),
        ("proj_a", "120.000000000000", [90], None),
    ]
    result = run(
        "budget", "credit", "20", "--starts", "2026-10-01", "--expires", "2026-11-01", "--db", steady_db
    )
    assert result.exit_code == 0, result.output
    assert "$2.30 left on 2026-10-14; runs out 2026-10-16" in result.output
    bad = run("budget", "set", "500", "--alert-at", "fifty", "--db", steady_db)
    assert bad.exit_code == 2 and "50,80,100" in bad.output


def test_check_exits_0_then_3(steady_db):
    run("budget", "set", "40", "--db", steady_db)
    ok = run("check", "--month", "2026-10", "--db", steady_db)
    assert ok.exit_code == 0, ok.output
    assert "no threshold crossed" in ok.output
    run("budget", "set", "30", "--db", steady_db)
    crossed = run("check", "--month", "2026-10", "--db", steady_db)
    assert crossed.exit_code == 3, crossed.output
    assert "50% of $30.00 ($15.00) since 2026-10-13" in crossed.output


def test_check_without_budget_or_recipient_is_bad_input(steady_db):
    assert run("check", "--db", steady_db).exit_code == 2
    no_to = run("check", "--notify", "smtp://127.0.0.1:25", "--db", steady_db)
    assert no_to.exit_code == 2 and "--to" in no_to.output
