"""Upload page: drop exports of any supported format; each file lands whole or not at all."""

from __future__ import annotations

import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import demo
from analytics.formats import BadExportError
from analytics.store import ImportResult, StoreBusyError
from analytics.ui import auth
from analytics.ui.components import retry_when_busy, store

ACCEPTED = ["csv", "tsv", "json", "jsonl", "zip"]


@retry_when_busy
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
    changed = [r for r in results if r.rows_inserted or r.rows_replaced]
    for r in results:
        if not (r.rows_inserted or r.rows_replaced):
            st.info(f"{_name(r.path)}: {_unchanged(r)}")
    if changed and not refused:
        st.success(f"Imported {len(changed)} file(s).")
    elif refused:
        st.warning(f"Imported {len(changed)} file(s), {len(refused)} refused.")
    if changed:
        st.table(_results_table(changed))  # a static table: long file names wrap instead of hiding columns


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _unchanged(result: ImportResult) -> str:
    """Says why a file changed nothing: it (or every row of it) was already imported, or it had no rows."""
    note = result.note or ""
    if "0 usable rows" in note:
        return f"nothing imported, nothing changed ({note.split(':', 1)[-1].strip()})."
    same = re.search(r"already imported as #(\d+)", note)
    if same:
        return f"already imported, nothing changed (it is import #{same[1]})."
    return "already imported, nothing changed" + (f" ({note})." if note else ".")


def _results_table(results: list[ImportResult]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "File": [_name(r.path) for r in results],
            "Format": [r.format for r in results],
            "Inserted": [f"{r.rows_inserted:,}" for r in results],
            "Replaced": [f"{r.rows_replaced:,}" for r in results],
            "Skipped (empty)": [f"{r.rows_skipped:,}" for r in results],
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
    if done := st.session_state.pop("upload_forgot", None):
        st.success(done)
    widths = [1, 5, 3, 2, 3, 2]
    head = st.columns(widths)
    for col, title in zip(head, ["ID", "File", "Format", "Rows", "Period (UTC)"], strict=False):
        col.markdown(f"**{title}**")
    asked = st.session_state.get("upload_confirm_forget")
    for r in listed:
        cols = st.columns(widths, vertical_alignment="center")
        cols[0].write(f"#{r['import_id']}")
        # Markdown text wraps: a long export name takes two lines instead of pushing columns off-screen.
        cols[1].markdown(Path(r["file_name"]).name.replace("_", "\\_\u200b"))  # may break after a _
        cols[1].caption(f"imported {r['imported_at']:%Y-%m-%d %H:%M} UTC")
        cols[2].write(r["source_format"])
        cols[3].write(f"{r['rows_inserted']:,} new, {r['rows_replaced']:,} replaced")
        cols[4].write(_period_of(r["period_start"], r["period_end"]))
        if cols[5].button("Forget", key=f"upload_forget_{r['import_id']}", icon=":material/delete:"):
            st.session_state["upload_confirm_forget"] = asked = r["import_id"]
        if asked == r["import_id"]:
            _confirm_forget(r)
    st.caption(f"Store: {store().path}")


def _confirm_forget(listed: dict) -> None:
    """Asks before removing one import's rows (as `llm-cost forget` does it), then says what was removed."""
    import_id = listed["import_id"]
    st.warning(
        f"Forget import #{import_id} ({Path(listed['file_name']).name})? Its rows leave the store and every "
        "report; importing the file again brings them back."
    )
    yes, no, _ = st.columns([1, 1, 4])
    if yes.button("Yes, forget it", key="upload_forget_yes", type="primary"):
        st.session_state.pop("upload_confirm_forget", None)
        if auth.require_editor("Forgetting an import"):
            try:
                removed = store().forget(import_id)
            except (KeyError, StoreBusyError) as error:
                st.error(f"Import #{import_id} was not forgotten: {error}")
                return
            st.session_state["upload_forgot"] = f"Forgot import {import_id}: {removed:,} rows removed."
            st.rerun()
    if no.button("Cancel", key="upload_forget_no"):
        st.session_state.pop("upload_confirm_forget", None)
        st.rerun()
