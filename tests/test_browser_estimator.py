"""The Estimator in a real browser against a real `streamlit run` server."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_estimator_prices_a_prompt_in_the_browser(streamlit_server: str, page):
    page.goto(f"{streamlit_server}/estimator")
    expect(page.get_by_role("heading", name="Estimator")).to_be_visible()
    prompt = page.get_by_label("Prompt")
    prompt.fill("Hello, world")
    prompt.press("Control+Enter")  # Streamlit applies a text area on Ctrl+Enter or blur
    # Each expect() retries until the page shows it (the rerun takes a moment longer on a busy machine).
    expect(page.locator('[data-testid="stMetricLabel"]').first).to_have_text(re.compile(r"^Cheapest: "))
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(1)
    # The Vega chart has drawn its bars.
    expect(
        page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first
    ).to_be_visible()


def _upload_then_price_as_named(page, path) -> None:
    """Drops a file on the batch uploader, then ticks "price as the model the file names".

    In this order: a file set while Streamlit is still re-rendering after a widget change can be lost with the
    widget it was set on (CI showed the uploader empty a minute after the checkbox was ticked first), while an
    uploaded file stays through later reruns.
    """
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    expect(page.get_by_text("Every request priced as each selected model")).to_be_visible(timeout=60_000)
    page.get_by_text("Price each request as the model the file names").click()
    expect(page.get_by_role("checkbox", name=re.compile("^Price each request as the model"))).to_be_checked()
    expect(page.get_by_text("Priced as the models the file names.")).to_be_visible(timeout=60_000)


def test_estimator_sizes_a_batch_file_with_its_rate_limit_time(streamlit_server: str, page, fixtures):
    page.goto(f"{streamlit_server}/estimator")
    page.get_by_text("Batch file", exact=True).click()
    tpm = page.get_by_label("TPM limit")
    tpm.fill("100")
    tpm.press("Enter")
    expect(tpm).to_have_value("100")
    # Priced as the model each request names (gpt-4o-mini), not as each model selected above.
    _upload_then_price_as_named(page, fixtures / "requests" / "batch_input.jsonl")
    expect(page.get_by_text("Least time under the rate limits")).to_be_visible(timeout=60_000)
    values = page.locator('[data-testid="stMetricValue"]')
    expect(values.first).to_have_text("4")  # requests
    expect(values.last).to_have_text(
        "2 min"
    )  # 191 tokens of gpt-4o-mini at 100 TPM (models run side by side)


def test_a_batch_with_a_pdf_part_shows_lower_bounds(streamlit_server: str, page, tmp_path):
    pdf = {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0xLjQK"}}
    lines = []
    for i, content in enumerate(
        ["Ticket 1: my invoice is wrong", [{"type": "text", "text": "Summarise."}, pdf]]
    ):
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], "max_tokens": 5}
        lines.append(
            json.dumps({"custom_id": str(i), "method": "POST", "url": "/v1/chat/completions", "body": body})
        )
    path = tmp_path / "with_pdf.jsonl"
    path.write_text("\n".join(lines) + "\n")
    page.goto(f"{streamlit_server}/estimator")
    page.get_by_text("Batch file", exact=True).click()
    _upload_then_price_as_named(page, path)
    expect(page.get_by_text("their prices are lower bounds")).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("2")
    expect(page.get_by_text("a file content part is not counted", exact=False)).to_be_visible()


def test_typing_a_model_and_enter_adds_that_one_model_not_every_match(streamlit_server: str, page):
    # Streamlit 1.63+ offers "Select N matches" first while one types: Enter then added all 56 gpt-5 models.
    page.goto(f"{streamlit_server}/estimator")
    picker = page.locator('[data-testid="stMultiSelect"]').first
    chips = picker.locator("[data-tag]")  # by CSS: the open list hides the chips from the accessibility tree
    expect(chips).to_have_count(3)  # gpt-4o, gpt-4o-mini, gpt-4.1-mini
    field = picker.get_by_role("combobox")
    field.fill("gpt-5-nano")
    expect(page.get_by_role("option").first).to_be_visible()
    field.press("Enter")
    expect(chips).to_have_count(4)
    expect(chips.last).to_have_attribute("aria-label", "gpt-5-nano")
