"""The Explore page through AppTest: breakdowns, filters, the CSV of what is shown, what-if re-pricing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import demo, reports
from analytics.store import Store

PAGE = "from analytics.ui import explore\nexplore.show()\n"
DEMO_END = date(2026, 11, 20)
LAST_30 = (date(2026, 10, 22), DEMO_END)


@pytest.fixture
def demo_store(sandboxed_store: Path) -> Store:
    store = Store.open(sandboxed_store)
    demo.load(store, sandboxed_store.parent / "demo", end=DEMO_END)
    return store


def run() -> AppTest:
    at = AppTest.from_string(PAGE, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def test_empty_store_points_to_upload(sandboxed_store: Path):
    at = run()
    assert "nothing to explore" in at.info[0].value
    assert not at.get("vega_lite_chart")


def test_breakdown_by_model_matches_the_report(demo_store: Store):
    at = run()
    assert at.date_input(key="explore_days").value == LAST_30
    table = at.dataframe[0].value
    expected = reports.daily_spend(demo_store, *LAST_30, by="model")
    totals = expected.groupby("model")["cost_usd"].apply(lambda s: sum(s, Decimal(0)))
    assert set(table["Model"]) == set(totals.index)
    top = totals.sort_values(ascending=False).index[0]
    assert table["Model"].iloc[0] == top
    assert table["Cost"].iloc[0] == f"${totals[top]:,.2f}"
    assert len(at.get("vega_lite_chart")) == 1


def test_filters_narrow_what_is_shown(demo_store: Store):
    at = run()
    at.selectbox(key="explore_by").select("api_key").run()
    at.selectbox(key="explore_project").select("proj_support01").run()
    assert not at.exception
    keys = set(at.dataframe[0].value["API key"])
    assert keys == {"support-prod", "support-staging"}  # labels applied; only that project's keys
    at.multiselect(key="explore_only_api_key").select("support-staging").run()
    assert list(at.dataframe[0].value["API key"]) == ["support-staging"]
    at.date_input(key="explore_days").set_value((date(2026, 11, 1), date(2026, 11, 7))).run()
    expected = reports.daily_spend(demo_store, date(2026, 11, 1), date(2026, 11, 7), by="api_key",
                                   project="proj_support01")  # fmt: skip
    staging = sum(expected[expected["api_key"] == "support-staging"]["cost_usd"], Decimal(0))
    assert at.dataframe[0].value["Cost"].iloc[0] == f"${staging:,.2f}"


def test_what_if_shows_the_saving(demo_store: Store):
    at = run()
    at.text_input(key="explore_model_map").set_value("gpt-4o=gpt-4o-mini").run()
    assert not at.exception
    result = reports.what_if(demo_store, *LAST_30, model_map={"gpt-4o": "gpt-4o-mini"})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Saving"] == f"${result.saving_usd:,.2f}"
    assert result.saving_usd > 0
    at.text_input(key="explore_model_map").set_value("gpt-4o").run()
    assert "from=to" in at.error[0].value
