"""Uploading real-format exports through the browser, against a real `streamlit run` server."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
GOOD = Path(__file__).parent / "fixtures" / "exports" / "good"


def test_upload_a_real_usage_export_and_a_bad_one(streamlit_server: str, page, tmp_path: Path):
    page.goto(f"{streamlit_server}/upload")
    expect(page.get_by_role("heading", name="Upload")).to_be_visible()
    bad = tmp_path / "completions_usage_broken.csv"
    lines = (GOOD / "completions_usage_2025-01-01_2025-01-04.csv").read_text().splitlines()
    bad.write_text(lines[0] + "\n" + lines[1].replace(",59200.0,", ",-5,") + "\n")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(GOOD / "completions_usage_2025-01-01_2025-01-04.csv"), str(bad)]
    )
    expect(page.get_by_text("Imported 1 file(s), 1 refused.")).to_be_visible(timeout=60_000)
    error = page.locator('[data-testid="stAlertContentError"]').first
    expect(error).to_contain_text("completions_usage_broken.csv was not imported, nothing changed")
    expect(error).to_contain_text("completions_usage_broken.csv:2:")
    # This upload's result names the file that landed; the store's list below has it too.
    expect(page.locator('[data-testid="stTable"]')).to_contain_text("completions_usage_2025-01-01_2025-01-04")
    expect(page.get_by_text("The store is empty")).to_have_count(0)
