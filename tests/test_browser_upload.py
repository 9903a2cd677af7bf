"""Uploading real-format exports through the browser, against a real `streamlit run` server."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import wait_for_script

pytestmark = pytest.mark.browser
GOOD = Path(__file__).parent / "fixtures" / "exports" / "good"


def test_upload_a_real_usage_export_and_a_bad_one(streamlit_server: str, page, tmp_path: Path):
    page.goto(f"{streamlit_server}/upload")
    wait_for_script(page)
    page.get_by_role("heading", name="Upload").wait_for()
    bad = tmp_path / "completions_usage_broken.csv"
    lines = (GOOD / "completions_usage_2025-01-01_2025-01-04.csv").read_text().splitlines()
    bad.write_text(lines[0] + "\n" + lines[1].replace(",59200.0,", ",-5,") + "\n")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(GOOD / "completions_usage_2025-01-01_2025-01-04.csv"), str(bad)]
    )
    page.get_by_text("Imported 1 file(s).").wait_for(timeout=60_000)
    wait_for_script(page)
    error = page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert "completions_usage_broken.csv was not imported, nothing changed" in error
    assert "completions_usage_broken.csv:2:" in error
    tables = page.locator('[data-testid="stDataFrame"]')
    tables.nth(1).wait_for()  # this upload's result, and what the store holds
    assert tables.count() == 2
    assert page.get_by_text("The store is empty").count() == 0
