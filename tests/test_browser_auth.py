"""The login wall in a real browser: a `streamlit run` server with a shared password in its secrets file."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import running_streamlit
from playwright.sync_api import expect

from analytics import demo
from analytics.store import Store

pytestmark = pytest.mark.browser
SECRETS = '[llm_cost]\npassword = "view-Secret-1"\neditor_password = "edit-Secret-2"\n'


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory):
    """A server on a demo store whose secrets ask for a password."""
    folder = tmp_path_factory.mktemp("guarded-store")
    store = Store.open(folder / "llm-cost.duckdb")
    demo.load(store, folder / "demo", end=date(2026, 11, 20))
    with running_streamlit(store.path, folder / "server.log", secrets=SECRETS) as url:
        yield url


def test_the_login_wall_shows_nothing_of_the_store_until_the_password(guarded_server: str, page):
    page.goto(f"{guarded_server}/overview?month=2026-11")
    expect(page.get_by_text("Sign in to see the spend.")).to_be_visible()
    # Nothing of the store: no figures, tables or charts, and no navigation to the other pages.
    for testid in ("stMetric", "stDataFrame", "stVegaLiteChart", "stSidebarNav"):
        expect(page.locator(f'[data-testid="{testid}"]')).to_have_count(0)
    password = page.get_by_label("Password", exact=True)
    password.fill("guess")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong password.")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
    password.fill("view-Secret-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    expect(page.get_by_text("Signed in · viewer")).to_be_visible()
    # A viewer reaches the Upload page but not its uploader.
    page.get_by_role("link", name="Upload").click()
    expect(page.get_by_text("Uploading exports needs an editor.")).to_be_visible()
    expect(page.locator('[data-testid="stFileUploader"]')).to_have_count(0)
