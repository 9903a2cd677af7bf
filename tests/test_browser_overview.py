"""Overview, Explore and Settings in a real browser, against a `streamlit run` server on a demo store."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

import pytest
from conftest import running_streamlit, wait_for_script

from analytics import demo
from analytics.store import Store

pytestmark = pytest.mark.browser
DEMO_END = date(2026, 11, 20)
TALL = {"width": 1400, "height": 2200}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory):
    """A server of its own on a store filled with the demo organisation (so test order does not matter)."""
    folder = tmp_path_factory.mktemp("demo-store")
    store = Store.open(folder / "llm-cost.duckdb")
    demo.load(store, folder / "demo", end=DEMO_END)
    with running_streamlit(store.path, folder / "server.log") as url:
        yield url


def test_overview_shows_the_month_against_the_budget(demo_server: str, page):
    page.set_viewport_size(TALL)  # Streamlit scrolls inside the page: a tall window shows it all
    page.goto(demo_server)
    wait_for_script(page)
    page.get_by_role("heading", name="Overview").wait_for()
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.locator("canvas, svg").first.wait_for()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    figures = dict(zip((label.strip() for label in labels), values, strict=True))
    assert figures["Monthly budget"] == "$1,000.00"
    assert figures["Spent, Nov 1–20"].startswith("$")
    assert figures["Budget used"].endswith("%")
    assert "crossed on Nov" in page.locator('[data-testid="stAlertContentWarning"]').first.inner_text()
    assert page.get_by_text("Top projects").count() == 1
    box = chart.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 250


def test_explore_downloads_the_csv_of_what_is_shown(demo_server: str, page, tmp_path):
    page.set_viewport_size(TALL)
    page.goto(f"{demo_server}/explore")
    wait_for_script(page)
    page.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first.wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name="Daily rows (CSV)").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name == "llm-cost_model_daily_2026-10-22_2026-11-20.csv"
    with target.open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["date", "model", "cost_usd", "basis"]
    days = {str(DEMO_END - timedelta(days=n)) for n in range(30)}
    assert {r["date"] for r in rows} == days
    assert all(Decimal(r["cost_usd"]) >= 0 for r in rows)
    assert {r["basis"] for r in rows} <= {"billed", "estimated", "mixed"}


def test_settings_shows_budgets_and_names(demo_server: str, page):
    page.goto(f"{demo_server}/settings")
    wait_for_script(page)
    page.get_by_role("heading", name="Settings").wait_for()
    assert page.get_by_role("tab", name="Budgets").count() == 1
    page.get_by_role("tab", name="Names").click()
    names = page.get_by_role("tabpanel", name="Names")
    names.get_by_text("Give your projects").wait_for()
    names.locator('[data-testid="stDataFrame"]').wait_for()


def test_overview_reads_in_the_dark_theme(demo_server: str, page):
    page.set_viewport_size(TALL)
    page.emulate_media(color_scheme="dark")
    page.goto(demo_server)
    wait_for_script(page)
    page.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first.wait_for()
    background = page.locator('[data-testid="stApp"]').evaluate("e => getComputedStyle(e).backgroundColor")
    assert background != "rgb(255, 255, 255)"
