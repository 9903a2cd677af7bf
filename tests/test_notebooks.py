"""The notebooks: each runs top to bottom on the demo store and draws its charts; .py and .ipynb agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from analytics import demo
from analytics.store import Store

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
PAIRS = sorted(NOTEBOOKS.glob("*.py"))


def is_chart(output: dict) -> bool:
    """An Altair chart as a front end receives it: a Vega-Lite mimebundle or the HTML that embeds one."""
    data = output.get("data", {})
    return any(k.startswith("application/vnd.vegalite") for k in data) or "vegaEmbed" in data.get(
        "text/html", ""
    )


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("notebook-store")
    store = Store.open(folder / "llm-cost.duckdb")
    demo.load(store, folder / "demo", end=datetime.now(UTC).date() - timedelta(days=1))
    return store.path


def test_there_are_notebooks():
    assert PAIRS, "notebooks/ holds no jupytext .py notebooks"


@pytest.mark.parametrize("script", PAIRS, ids=lambda p: p.stem)
def test_py_and_ipynb_are_in_sync(script: Path):
    paired = script.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} is missing: run `jupytext --sync {script}`"
    from_py = [(c.cell_type, c.source) for c in jupytext.read(script).cells]
    from_ipynb = [(c.cell_type, c.source) for c in nbformat.read(paired, as_version=4).cells]
    assert from_py == from_ipynb, f"{script.name} and {paired.name} differ: run `jupytext --sync {script}`"


@pytest.mark.parametrize("script", PAIRS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_demo_store_and_draws_charts(script: Path, demo_store: Path, monkeypatch):
    monkeypatch.setenv("LLM_COST_DB", str(demo_store))
    notebook = jupytext.read(script)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, if any cell fails
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    charts = [o for o in outputs if is_chart(o)]
    assert charts, f"{script.name} drew no chart"
