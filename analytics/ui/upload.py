"""Upload page: drop exports of any supported format; each file lands whole or not at all."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import demo
from analytics.formats import BadExportError
from analytics.store import ImportResult, StoreBusyError
from analytics.ui import auth
from analytics.ui.components import store

ACCEPTED = ["csv", "tsv", "json", "jsonl", "zip"]


def show() -> None:
    """Renders the Upload page."""
    st.title("Upload")
    first_start = st.container()  # filled last, so an upload on this run already counts
    st.write(
        "Drop usage or cost exports: OpenAI dashboard CSVs, OpenAI or Anthropic Admin API JSON, Claude "
        "Console CSVs, the legacy OpenAI activity export, or a zip of them. The format is recognised from "
        "the content. Importing the same export twice adds nothing."
    )
    if auth.require_editor("Uploading exports"):
        uploads = st.file_uploader("Exports", type=ACCEPTED, accept_multiple_files=True, key="upload_files")
        if uploads:
            _import(uploads)
    if store().is_empty() and auth.can_edit():
        with first_start:
            _first_start()
    _show_imports()


def _first_start() -> None:
    st.info("The store is empty. Load a demo organisation to look around, or upload your own exports below.")
    if st.button("Load 90 days of demo data", key="load_demo", type="primary"):
        with st.spinner("Generating and importing the demo exports…"):
            demo.load(store(), store().path.parent / "demo")
        st.rerun()


def _import(uploads: list) -> None:
    results: list[ImportResult] = []
    refused: list[BadExportError] = []
    with tempfile.TemporaryDirectory() as folder:
        for upload in uploads:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            try:
                # Every good file (or zip member) lands; each bad one is refused on its own, changing nothing.
                batch = store().import_files([path], errors="collect")
            except StoreBusyError as error:
                st.error(f"The store is busy, try again in a moment: {error}")
                continue
            results.extend(batch)
            refused.extend(batch.errors)
    for error in refused:
        shown = error.path.rsplit("/", 1)[-1]
        st.error(f"{shown} was not imported, nothing changed: {error}")
    if results and not refused:
        st.success(f"Imported {len(results)} file(s).")
    elif refused:
        st.warning(f"Imported {len(results)} file(s), {len(refused)} refused.")
    if results:
        st.dataframe(_results_table(results), hide_index=True, width="stretch")


def _results_table(results: list[ImportResult]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "File": [r.path.rsplit("/", 1)[-1] for r in results],
            "Format": [r.format for r in results],
            "Inserted": [r.rows_inserted for r in results],
            "Replaced": [r.rows_replaced for r in results],
            "Skipped (empty)": [r.rows_skipped for r in results],
            "Period (UTC)": [_period(r) for r in results],
            "Note": [r.note or "" for r in results],
        }
    )


def _period(result: ImportResult) -> str:
    return _period_of(result.period_start, result.period_end)


def _period_of(start, end) -> str:
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return ""
    # period_end is exclusive (the end of the last bucket); people read the last day covered.
    return f"{start:%Y-%m-%d} – {end - timedelta(microseconds=1):%Y-%m-%d}"


def _show_imports() -> None:
    listed = store().list_imports()
    if not listed:
        return
    st.subheader("In the store")
    table = pd.DataFrame(
        {
            "Import": [r["import_id"] for r in listed],
            "Format": [r["source_format"] for r in listed],
            "File": [Path(r["file_name"]).name for r in listed],
            "Inserted": [r["rows_inserted"] for r in listed],
            "Replaced": [r["rows_replaced"] for r in listed],
            "Period (UTC)": [_period_of(r["period_start"], r["period_end"]) for r in listed],
            "Imported (UTC)": [f"{r['imported_at']:%Y-%m-%d %H:%M}" for r in listed],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"Store: {store().path}")
