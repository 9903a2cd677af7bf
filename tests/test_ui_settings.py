"""The Settings page through AppTest: budgets, credit, names, price overrides, the store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_ui_overview import chart_rules

from analytics import budgets, demo, prices, reports
from analytics.store import Store

PAGE = "from analytics.ui import settings\nsettings.show()\n"
OVERVIEW = "from analytics.ui import overview\noverview.show()\n"
DEMO_END = date(2026, 11, 20)
EXAMPLE = Path(__file__).parent.parent / "data" / "price_overrides.example.csv"


@pytest.fixture
def demo_store(sandboxed_store: Path) -> Store:
    store = Store.open(sandboxed_store)
    demo.load(store, sandboxed_store.parent / "demo", end=DEMO_END)
    return store


def run(page: str = PAGE) -> AppTest:
    at = AppTest.from_string(page, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_empty_store_shows_where_it_lives(sandboxed_store: Path):
    at = run()
    facts = {m.label: m.value for m in at.metric}
    assert facts["Imports"] == "0"
    assert facts["Data (UTC)"] == "empty"
    assert any(str(sandboxed_store) in m.value for m in at.markdown)
    assert at.data_editor(key="settings_labels").value.empty
    assert "No credit recorded." in [c.value for c in at.caption]


def test_saving_a_budget_moves_the_overview_budget_line(demo_store: Store):
    overview = run(OVERVIEW)
    assert chart_rules(overview)["Budget $1,000.00"] == 1000.0
    at = run()
    assert at.number_input(key="settings_budget_usd_org").value == 1000.0
    at.number_input(key="settings_budget_usd_org").set_value(1750.0)
    at.text_input(key="settings_budget_alerts_org").set_value("60, 90")
    at.number_input(key="settings_budget_hard_org").set_value(0.0)
    button(at, "Save budget").click().run()
    assert not at.exception
    assert "Saved: $1,750.00 a month." in [s.value for s in at.success]
    stored = budgets.get_budget(demo_store)
    assert (stored.monthly_usd, stored.alert_percents, stored.hard_limit_usd) == (
        Decimal("1750"),
        (60, 90),
        None,
    )
    overview.run()
    lines = chart_rules(overview)
    assert lines == {"Budget $1,750.00": 1750.0, "Alert 60%": 1050.0, "Alert 90%": 1575.0}


@pytest.mark.parametrize(
    ("alerts", "message"),
    [
        ("50, lots", "Alert percents are whole numbers"),
        ("0, 80", "alert percents must be whole numbers from 1"),
    ],
)
def test_a_bad_budget_is_refused_and_the_old_one_kept(demo_store: Store, alerts: str, message: str):
    at = run()
    at.text_input(key="settings_budget_alerts_org").set_value(alerts)
    button(at, "Save budget").click().run()
    assert message in at.error[0].value
    assert budgets.get_budget(demo_store).alert_percents == (50, 80, 100)


def test_a_project_budget(demo_store: Store):
    at = run()
    at.selectbox(key="settings_budget_scope").select("proj_search002").run()
    at.number_input(key="settings_budget_usd_proj_search002").set_value(120.0)
    button(at, "Save budget").click().run()
    assert budgets.get_budget(demo_store, "proj_search002").monthly_usd == Decimal("120")
    scopes = list(at.dataframe[0].value["Scope"])
    assert scopes == ["organisation", "Semantic search"]


def test_credit_is_added_and_listed_with_its_balance(demo_store: Store):
    at = run()
    at.number_input(key="settings_credit_usd").set_value(500.0)
    at.date_input(key="settings_credit_from").set_value(date(2026, 11, 1))
    button(at, "Add credit").click().run()
    assert not at.exception
    table = next(t.value for t in at.dataframe if "Balance" in t.value.columns)
    assert list(table["Amount"]) == ["$500.00"]
    status = reports.credit_status(demo_store)[0]
    assert table["Balance"][0] == f"${status.balance_usd:,.2f}"
    assert table["Runs out"][0] == str(status.runs_out_on)


def test_a_name_edited_in_the_table_shows_in_the_breakdowns(demo_store: Store):
    at = run()
    editor = at.data_editor(key="settings_labels").value
    row = editor.index[(editor["Kind"] == "API key") & (editor["Id"] == "key_sup_prod01")][0]
    assert editor["Name"][row] == "support-prod"
    at.session_state["settings_labels"] = {
        "edited_rows": {int(row): {"Name": "Helpdesk bot"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    button(at, "Save names").click().run()
    assert not at.exception
    assert "Saved 1 name(s)." in [s.value for s in at.success]
    assert demo_store.labels()[("api_key", "key_sup_prod01")] == "Helpdesk bot"
    overview = run(OVERVIEW)
    keys = next(t.value for t in overview.dataframe if "API key" in t.value.columns)
    assert "Helpdesk bot" in set(keys["API key"])
    assert "support-prod" not in set(keys["API key"])


def test_a_good_override_file_is_used_and_can_be_reset(demo_store: Store):
    at = run()
    at.file_uploader(key="settings_overrides").upload("mine.csv", EXAMPLE.read_bytes(), "text/csv").run()
    assert not at.exception
    assert "Using mine.csv: 4 override row(s)." in [s.value for s in at.success]
    stored = demo_store.path.parent / "price_overrides.csv"
    assert stored.read_bytes() == EXAMPLE.read_bytes()
    shown = next(t.value for t in at.dataframe if "Input / 1M" in t.value.columns)
    assert shown["Model"].iloc[0] == "gpt-4o"
    assert demo_store.price_book().price_for("acme-llama-70b", at=date(2025, 6, 1)).input == Decimal("0.60")
    button(at, "Reset to catalog prices").click().run()
    assert not stored.exists()
    assert stored.with_name("price_overrides.csv.bak").exists()
    with pytest.raises(prices.UnknownModelError):
        demo_store.price_book().price_for("acme-llama-70b", at=date(2025, 6, 1))


def test_a_bad_override_file_names_line_and_column_and_keeps_the_old_one(demo_store: Store):
    stored = demo_store.path.parent / "price_overrides.csv"
    stored.write_bytes(EXAMPLE.read_bytes())
    lines = EXAMPLE.read_text().splitlines()
    bad = "\n".join([*lines[:7], lines[7].replace(",2.25,", ",cheap,")]) + "\n"
    at = run()
    at.file_uploader(key="settings_overrides").upload("broken.csv", bad.encode(), "text/csv").run()
    assert not at.exception
    error = at.error[0].value
    assert error.startswith("broken.csv:8:")
    assert "input_per_mtok" in error
    assert "the current prices are unchanged" in error
    assert stored.read_bytes() == EXAMPLE.read_bytes()
    assert [p for p in stored.parent.iterdir() if p.suffix == ".csv" and p != stored] == []
