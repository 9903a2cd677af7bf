"""The Upload page through AppTest: the empty-store choice and the demo data."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = "from analytics.ui import upload\nupload.show()\n"


def test_empty_store_offers_the_demo_and_loads_it(sandboxed_store: Path):
    at = AppTest.from_string(PAGE, default_timeout=120)
    at.run()
    assert not at.exception
    assert "store is empty" in at.info[0].value
    at.button(key="load_demo").click().run()
    assert not at.exception
    # The page reruns with the data in: the first-start choice is gone, the imports are listed.
    assert not at.info
    shown = [m.value for m in at.markdown]
    assert "openai_cost_csv" in shown and "openai_usage_csv" in shown
    assert sandboxed_store.exists()
