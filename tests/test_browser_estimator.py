"""The Estimator in a real browser against a real `streamlit run` server."""

from __future__ import annotations

import pytest
from conftest import wait_for_script

pytestmark = pytest.mark.browser


def test_estimator_prices_a_prompt_in_the_browser(streamlit_server: str, page):
    page.goto(streamlit_server)
    wait_for_script(page)
    page.get_by_role("heading", name="Estimator").wait_for()
    prompt = page.get_by_label("Prompt")
    prompt.fill("Hello, world")
    prompt.press("Control+Enter")  # Streamlit applies a text area on Ctrl+Enter or blur
    page.get_by_text("Cheapest:").wait_for()
    wait_for_script(page)
    assert page.locator('[data-testid="stMetricLabel"]').first.inner_text().startswith("Cheapest: ")
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    # The Vega chart has drawn its bars.
    page.locator(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
    ).first.wait_for()
