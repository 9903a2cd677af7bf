"""Overview, Explore and Settings in a real browser, against a `streamlit run` server on a demo store."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from conftest import running_streamlit
from playwright.sync_api import expect

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


def metric(page, label: str):
    """Returns the value of the metric labelled `label` (a locator: expect() waits for it)."""
    return (
        page.locator('[data-testid="stMetric"]')
        .filter(has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
        .locator('[data-testid="stMetricValue"]')
    )


def test_overview_shows_the_month_against_the_budget(demo_server: str, page):
    page.set_viewport_size(TALL)  # Streamlit scrolls inside the page: a tall window shows it all
    page.goto(demo_server)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/overview\?month=2026-11$"))  # the root opens the Overview's URL
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart.locator("canvas, svg").first).to_be_visible()
    expect(metric(page, "Monthly budget")).to_have_text("$1,000.00")
    expect(metric(page, "Spent, Nov 1–20")).to_have_text(re.compile(r"^\$"))
    expect(metric(page, "Budget used")).to_have_text(re.compile(r"%$"))
    expect(page.locator('[data-testid="stAlertContentWarning"]').first).to_contain_text("crossed on Nov")
    expect(page.get_by_text("Top projects")).to_have_count(1)
    box = chart.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 250


def test_every_page_has_its_own_bookmarkable_url(demo_server: str, page):
    # A bookmark of an earlier month opens that month, not "Page not found" and not the latest month.
    page.goto(f"{demo_server}/overview?month=2026-10")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(metric(page, "Spent, Oct 1–31")).to_have_text(re.compile(r"^\$"))
    expect(page).to_have_url(re.compile(r"/overview\?month=2026-10$"))
    # Explore with its days, breakdown and a filter in the URL.
    page.goto(f"{demo_server}/explore?from=2026-11-01&to=2026-11-07&by=project&model=gpt-4o-mini")
    expect(page.get_by_role("heading", name="Explore")).to_be_visible()
    expect(page.locator('[data-testid="stMetricLabel"]').first).to_have_text("Total, Nov 01 – Nov 07 (UTC)")
    expect(page.get_by_label("Break down by")).to_have_value("Project")
    expect(page.locator('[data-testid="stMultiSelect"]').filter(has_text="gpt-4o-mini")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"from=2026-11-01&to=2026-11-07&by=project&model=gpt-4o-mini"))
    for path, heading in [("upload", "Upload"), ("estimator", "Estimator"), ("settings", "Settings")]:
        page.goto(f"{demo_server}/{path}")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()


def test_explore_downloads_the_csv_of_what_is_shown(demo_server: str, page, tmp_path):
    page.set_viewport_size(TALL)
    page.goto(f"{demo_server}/explore")
    expect(page.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Daily rows (CSV)").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name == "llm-cost_model_daily_2026-10-22_2026-11-20.csv"
    with target.open() as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    assert header[0] == "date" and {"model", "cost_usd", "basis"} <= set(header), header
    days = {str(DEMO_END - timedelta(days=n)) for n in range(30)}
    assert {r["date"] for r in rows} == days
    assert all(Decimal(r["cost_usd"]) >= 0 for r in rows)
    assert {r["basis"] for r in rows} <= {"billed", "estimated", "mixed"}


def test_settings_shows_budgets_and_names(demo_server: str, page):
    page.goto(f"{demo_server}/settings")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    expect(page.get_by_role("tab", name="Budgets")).to_have_count(1)
    page.get_by_role("tab", name="Names").click()
    names = page.get_by_role("tabpanel", name="Names")
    expect(names.get_by_text("Give your projects")).to_be_visible()
    expect(names.locator('[data-testid="stDataFrame"]')).to_be_visible()


def test_overview_reads_in_the_dark_theme(demo_server: str, page):
    page.set_viewport_size(TALL)
    page.emulate_media(color_scheme="dark")
    page.goto(demo_server)
    expect(page.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first).to_be_visible()
    expect(page.locator('[data-testid="stApp"]')).not_to_have_css("background-color", "rgb(255, 255, 255)")
