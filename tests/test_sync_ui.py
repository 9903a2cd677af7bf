"""Settings > Connections and the Overview freshness line (AppTest), against the local vendor server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_sync import OPENAI_KEY, VendorServer, _billed

from analytics.store import Store

SETTINGS = "from analytics.ui import settings\nsettings.show()\n"
OVERVIEW = "from analytics.ui import overview\noverview.show()\n"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[VendorServer]:
    srv = VendorServer()
    srv.page_size = 31  # the default 90-day first sync in few pages
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{srv.url}/v1")
    yield srv
    srv.shutdown()
    srv.server_close()


def _texts(at: AppTest) -> list[str]:
    return [
        e.value for kind in ("markdown", "caption", "success", "error", "info") for e in getattr(at, kind)
    ]


def test_connections_show_which_keys_are_set_and_sync_now_lands_the_data(
    server: VendorServer, sandboxed_store: Path
) -> None:
    store = Store.open(sandboxed_store)
    at = AppTest.from_string(SETTINGS, default_timeout=120)
    at.run()
    assert not at.exception
    texts = _texts(at)
    assert any("set in the environment (`OPENAI_ADMIN_KEY`)" in t for t in texts)
    assert any("**not set**" in t and "ANTHROPIC_ADMIN_KEY" in t for t in texts)
    assert "Never synced." in texts
    assert [b.label for b in at.button if b.label.startswith("Sync ")] == ["Sync OpenAI now"]

    next(b for b in at.button if b.label == "Sync OpenAI now").click().run()
    assert not at.exception
    texts = _texts(at)
    assert any(t.startswith("OpenAI: ") and "rows added" in t for t in texts), texts
    assert _billed(store, "openai") > 0
    assert not any(OPENAI_KEY in t or OPENAI_KEY[-6:] in t for t in _texts(at))

    at = AppTest.from_string(SETTINGS, default_timeout=120)
    at.run()
    assert any(t.startswith("Last sync ") and "rows added" in t for t in _texts(at))
    overview = AppTest.from_string(OVERVIEW, default_timeout=120)
    overview.run()
    assert not overview.exception
    assert any("OpenAI synced just now" in c.value for c in overview.caption)
