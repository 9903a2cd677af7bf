"""The Overview page through AppTest: the empty-store choice, the demo month, the budget line."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import demo
from analytics.budgets import set_budget
from analytics.store import Store

PAGE = "from analytics.ui import overview\noverview.show()\n"
DEMO_END = date(2026, 11, 20)


@pytest.fixture
def demo_store(sandboxed_store: Path) -> Store:
    store = Store.open(sandboxed_store)
    demo.load(store, sandboxed_store.parent / "demo", end=DEMO_END)
    return store


def run_page() -> AppTest:
    at = AppTest.from_string(PAGE, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def rules(spec: object) -> dict[str, float]:
    """Returns {tooltip: y datum} of every rule mark (budget and alert lines) in a Vega-Lite spec."""
    found: dict[str, float] = {}
    if isinstance(spec, dict):
        mark = spec.get("mark")
        if isinstance(mark, dict) and mark.get("type") == "rule":
            found[spec["encoding"]["tooltip"]["value"]] = spec["encoding"]["y"]["datum"]
        for value in spec.values():
            found |= rules(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= rules(value)
    return found


def chart_rules(at: AppTest) -> dict[str, float]:
    return rules(json.loads(at.get("vega_lite_chart")[0].proto.spec))


def test_empty_store_offers_the_demo_or_the_upload_page(sandboxed_store: Path):
    at = run_page()
    assert "store is empty" in at.info[0].value
    # A plain link when the page runs alone, a page link once app.py has registered the pages (another test
    # in the same process may have run the whole app).
    links = [m.value for m in at.markdown] + [link.proto.label for link in at.get("page_link")]
    assert any("Upload exports" in text for text in links)
    assert not at.metric
    at.button(key="overview_load_demo").click().run()
    assert not at.exception
    assert not at.info
    assert at.metric[1].value == "$1,000.00"


def test_demo_month_figures_say_their_basis(demo_store: Store):
    at = run_page()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Spent, Nov 1–20"].startswith("$")
    assert metrics["Monthly budget"] == "$1,000.00"
    spent = Decimal(metrics["Spent, Nov 1–20"].strip("$").replace(",", ""))
    assert metrics["Budget used"] == f"{spent / 10:.1f}%"
    assert metrics["Forecast, Nov 30"].startswith("$")
    # The cost export lags two days behind the usage export: the month is part billed, part estimated.
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert badges[:2] == [":orange-badge[mixed]", ":gray-badge[estimated]"]  # spent, forecast
    lines = at.warning[0].value
    assert "**50%** ($500.00): crossed on Nov" in lines
    assert "**80%** ($800.00)" in lines
    tables = [t.value for t in at.dataframe]
    assert list(tables[0].columns) == ["Model", "Cost", "Share"]
    # Labels are applied: the demo names its projects and keys.
    assert "Research agents" in set(tables[1]["Project"])
    assert "support-prod" in set(tables[2]["API key"])
    assert at.selectbox(key="overview_month").value == date(2026, 11, 1)


def test_an_earlier_month_is_picked(demo_store: Store):
    at = run_page()
    at.selectbox(key="overview_month").select(date(2026, 10, 1)).run()
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "Spent, Oct 1–31" in labels
    assert "Forecast, Oct 31" in labels
    assert "**80%** ($800.00): crossed on Oct 28" in at.warning[0].value
    # The demo's runaway agent: one October day far above its norm, with what drove it.
    unusual = next(t.value for t in at.dataframe if "Driven by" in t.value.columns)
    assert list(unusual["Day (UTC)"].astype(str)) == ["2026-10-28"]
    assert "Project Research agents" in unusual["Driven by"].iloc[0]
    assert "API key research-dev" in unusual["Driven by"].iloc[0]


def test_a_budget_change_moves_the_budget_line(demo_store: Store):
    at = run_page()
    assert chart_rules(at)["Budget $1,000.00"] == 1000.0
    assert chart_rules(at)["Alert 50%"] == 500.0
    set_budget(demo_store, Decimal(2500), alert_percents=(40, 100))
    at.run()
    assert not at.exception
    lines = chart_rules(at)
    assert lines["Budget $2,500.00"] == 2500.0
    assert lines["Alert 40%"] == 1000.0
    assert "Budget $1,000.00" not in lines
    assert {m.label: m.value for m in at.metric}["Monthly budget"] == "$2,500.00"
