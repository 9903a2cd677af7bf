"""What every page shares: the store, opened once per server process."""

from __future__ import annotations

import streamlit as st

from analytics.store import Store, default_db_path


@st.cache_resource(show_spinner=False)
def _store_at(path: str) -> Store:
    # A Store holds only its path: each query opens and closes its own short connection, so the app never
    # keeps the file locked and `llm-cost import` can write while the app is open.
    return Store.open(path)


def store() -> Store:
    """Returns the store the app works on (`$LLM_COST_DB`, else the user data folder)."""
    return _store_at(str(default_db_path()))
