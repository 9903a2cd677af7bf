"""What every page shares: the store, opened once per server process; the page's choices in its URL."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import streamlit as st

from analytics.store import Store, default_db_path


@st.cache_resource(show_spinner=False)
def _store_at(path: str) -> Store:
    # A Store holds only its path: each query opens and closes its own short connection, so the app never
    # keeps the file locked and `llm-cost import` can write while the app is open.
    # A page waits a few seconds for a busy store, then says so (components.retry_when_busy), rather than
    # the CLI's minute.
    return Store.open(path, lock_timeout=float(os.environ.get("LLM_COST_APP_LOCK_TIMEOUT", "5")))


def store() -> Store:
    """Returns the store the app works on (`$LLM_COST_DB`, else the user data folder)."""
    return _store_at(str(default_db_path()))


# --- the page's choices in its URL (?month=2025-06&project=proj_a&project=proj_b), so any view is a bookmark

_WRITTEN = "_llm_cost_url_written"  # session state: the query values this session last put in the URL


def from_url(key: str, parse: Callable[[Mapping[str, list[str]]], Any], *params: str) -> None:
    """Opens the widget `key` on what the URL's `params` say, when they say something this session did not
    write itself (a bookmark, a shared or typed link). `parse` gets {param: values} and returns the widget's
    value, or None when the URL's values do not fit (they are then ignored)."""
    given = {param: st.query_params.get_all(param) for param in params}
    written = st.session_state.setdefault(_WRITTEN, {})
    if not any(given.values()) or all(written.get(p) == v for p, v in given.items()):
        return  # nothing in the URL, or only what this page wrote: the widget keeps the user's choice
    value = parse(given)
    if value is not None:
        st.session_state[key] = value
    written.update(given)


def to_url(params: Mapping[str, str | Sequence[str] | None]) -> None:
    """Puts the page's current choices in the URL (None or empty removes a parameter)."""
    written = st.session_state.setdefault(_WRITTEN, {})
    for param, value in params.items():
        values = [] if value is None else [value] if isinstance(value, str) else [str(v) for v in value]
        if values and st.query_params.get_all(param) != values:
            st.query_params[param] = values
        elif not values and param in st.query_params:
            del st.query_params[param]
        written[param] = values


def url_month(text: str, first: date, last: date) -> date | None:
    """Returns the first day of the month `text` ("2025-06") when first..last has data in it, else None."""
    try:
        month = date.fromisoformat(f"{text.strip()}-01")
    except ValueError:
        return None
    return month if first.replace(day=1) <= month <= last else None


def url_day(text: str, first: date, last: date) -> date | None:
    """Returns the day `text` ("2025-06-30") moved into first..last, None when it is not a date."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return min(max(day, first), last)
