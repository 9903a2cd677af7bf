"""The Estimator in a real browser against a real `streamlit run` server."""

from __future__ import annotations

import pytest
from conftest import wait_for_script

pytestmark = pytest.mark.browser


def test_estimator_prices_a_prompt_in_the_browser(streamlit_server: str, page):
    page.goto(f"{streamlit_server}/estimator")
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


def test_estimator_sizes_a_batch_file_with_its_rate_limit_time(streamlit_server: str, page, fixtures):
    page.goto(f"{streamlit_server}/estimator")
    wait_for_script(page)
    page.get_by_text("Batch file", exact=True).click()
    wait_for_script(page)
    tpm = page.get_by_label("TPM limit")
    tpm.fill("100")
    tpm.press("Enter")
    wait_for_script(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(fixtures / "requests" / "batch_input.jsonl")
    )
    page.get_by_text("Least time under the rate limits").wait_for(timeout=60_000)
    wait_for_script(page)
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert metrics[0] == "4"  # requests
    assert metrics[-1] == "2 min"  # 191 tokens of gpt-4o-mini at 100 TPM (models run side by side)
