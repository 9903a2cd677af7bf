"""The model_choice notebook on a Claude-only store: Claude candidates, the newest month with usage."""

from __future__ import annotations

from pathlib import Path

import jupytext
from nbclient import NotebookClient

from analytics import reports
from analytics.store import Store

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "model_choice.py"
EXPORTS = Path(__file__).parent / "fixtures" / "exports" / "good"


def printed(notebook) -> str:
    return "".join(
        o.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream"
    )


def test_a_claude_only_store_gets_claude_candidates_for_its_newest_month(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "claude.duckdb")
    store.import_files([EXPORTS / "claude_usage_2025-10.csv"])
    first, last = reports.data_range(store)
    monkeypatch.setenv("LLM_COST_DB", str(store.path))
    notebook = jupytext.read(NOTEBOOK)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()  # fmt: skip
    text = printed(notebook)
    assert f"Re-pricing the usage of {max(last.replace(day=1), first)} .. {last} (UTC)" in text
    assert "Providers in the usage: anthropic; 5 candidates" in text
    assert "the newest month with data" in text  # said, since the store ends before this month
    assert "The cheapest candidate scoring 0.8 or more is claude-" in text
    assert "gpt-" not in text.split("Providers in the usage")[1]
