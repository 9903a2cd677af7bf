"""Sync against a local server (127.0.0.1) that replays the vendors' published response shapes.

The server below speaks the OpenAI Admin API (`/organization/usage/<kind>`, `/organization/costs`,
projects and their API keys, spend alerts/limits) and the Anthropic Admin API (`usage_report/messages`,
`cost_report`, workspaces, API keys): daily buckets, `has_more`/`next_page` paging over several pages,
`group_by[]` parameters, cursor-paged lists, 401 for a wrong key, and injected 429 (with Retry-After) and
500 answers. Nothing of ours is mocked: the sync runs its real HTTP client, readers and store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from analytics import sync
from analytics.cli import main
from analytics.store import Store

OPENAI_KEY = "sk-admin-TESTKEY-0penai-9f8e7d6c5b4a"
ANTHROPIC_KEY = "sk-ant-admin01-TESTKEY-anthr0pic-1a2b3c"
FIRST = date(2026, 11, 1)
LAST = date(2026, 11, 10)
DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
WORKSPACE = "wrkspc_01TestWorkspace"
ANTHROPIC_API_KEY_ID = "apikey_01TestKey"


def _unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _iso(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def openai_data() -> dict[str, dict[date, list[dict]]]:
    """Per endpoint, per day: results as the spec's examples show them (amounts with many decimals)."""
    completions: dict[date, list[dict]] = {}
    costs: dict[date, list[dict]] = {}
    for n, day in enumerate(DAYS):
        completions[day] = [
            {"object": "organization.usage.completions.result", "input_tokens": 1000 + n * 7 + i,
             "input_cached_tokens": 100 + i, "input_cache_write_tokens": 10 * i, "output_tokens": 500 + n,
             "input_audio_tokens": 0, "output_audio_tokens": 0, "num_model_requests": 5 + i,
             "project_id": project, "user_id": "user_abc", "api_key_id": f"key_{project[-1]}",
             "model": model, "batch": i == 3, "service_tier": "default"}
            for i, (project, model) in enumerate(
                [("proj_a", "gpt-4o-2024-08-06"), ("proj_a", "gpt-4o-mini"), ("proj_b", "gpt-4o-mini"),
                 ("proj_b", "gpt-4.1")]
            )
        ]  # fmt: skip
        costs[day] = [
            {"object": "organization.costs.result", "amount": {"value": Decimal(value), "currency": "usd"},
             "line_item": line, "project_id": project, "api_key_id": None, "quantity": None,
             "quantity_unit": None}
            for project, line, value in [
                ("proj_a", "gpt-4o-2024-08-06, input", f"1.23456789{n}"),
                ("proj_a", "gpt-4o-2024-08-06, output", f"0.{n + 1}0500000000000000001"),
                ("proj_b", "gpt-4o-mini, input", f"0.0{n}7"),
            ]
        ]  # fmt: skip
    embeddings = {DAYS[2]: [{"object": "organization.usage.embeddings.result", "input_tokens": 4242,
                             "num_model_requests": 3, "project_id": "proj_a", "user_id": None,
                             "api_key_id": "key_a", "model": "text-embedding-3-small"}]}  # fmt: skip
    return {"completions": completions, "embeddings": embeddings, "costs": costs}


def anthropic_data() -> dict[str, dict[date, list[dict]]]:
    usage: dict[date, list[dict]] = {}
    costs: dict[date, list[dict]] = {}
    for n, day in enumerate(DAYS):
        usage[day] = [
            {"uncached_input_tokens": 2000 + n, "cache_read_input_tokens": 300,
             "cache_creation": {"ephemeral_5m_input_tokens": 40, "ephemeral_1h_input_tokens": 4 * i},
             "output_tokens": 800 + i, "server_tool_use": {"web_search_requests": i},
             "api_key_id": ANTHROPIC_API_KEY_ID, "workspace_id": WORKSPACE if i else None, "model": model,
             "service_tier": "standard", "context_window": "0-200k"}
            for i, model in enumerate(["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"])
        ]  # fmt: skip
        costs[day] = [
            {"currency": "USD", "amount": amount, "workspace_id": WORKSPACE, "description": desc,
             "cost_type": "tokens", "context_window": "0-200k", "model": "claude-sonnet-4-5-20250929",
             "service_tier": "standard", "token_type": token}
            for desc, token, amount in [
                ("Claude Sonnet 4.5 Usage - Input Tokens", "uncached_input_tokens", f"61.{n}234567"),
                ("Claude Sonnet 4.5 Usage - Output Tokens", "output_tokens", f"1{n}0.5"),
            ]
        ]  # fmt: skip
    return {"messages": usage, "cost_report": costs}


class VendorServer(ThreadingHTTPServer):
    """Both vendors' Admin APIs on one port: OpenAI under /v1, Anthropic under /v1/organizations."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.openai = openai_data()
        self.anthropic = anthropic_data()
        self.page_size = 3  # buckets per page: ten days come back in four pages
        self.faults: dict[str, list[tuple[int, str | None]]] = {}  # path -> answers to give first
        self.requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        self.hang_after: int | None = None  # stop answering after this many requests (a killed sync)
        self.hanging = threading.Event()
        self.release = threading.Event()
        self.spend: dict[str, Any] = {"alerts": [], "limit": None, "project_alerts": {}}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    # --- totals the store must match --------------------------------------------------------------

    def openai_cost(self, days: list[date] = DAYS) -> Decimal:
        return sum((r["amount"]["value"] for d in days for r in self.openai["costs"].get(d, [])), Decimal(0))

    def anthropic_cost(self, days: list[date] = DAYS) -> Decimal:
        cents = sum((Decimal(r["amount"]) for d in days for r in self.anthropic["cost_report"].get(d, [])),
                    Decimal(0))  # fmt: skip
        return cents / 100

    def openai_input_tokens(self) -> int:
        return sum(r["input_tokens"] for kind in ("completions", "embeddings")
                   for rs in self.openai[kind].values() for r in rs)  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    server: VendorServer

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # the stdlib's name
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        srv = self.server
        srv.requests.append((parts.path, query, {k.lower(): v for k, v in self.headers.items()}))
        if srv.hang_after is not None and len(srv.requests) > srv.hang_after:
            srv.hanging.set()
            srv.release.wait(30)
            return
        faults = srv.faults.get(parts.path)
        if faults:
            status, retry_after = faults.pop(0)
            extra = {"Retry-After": retry_after} if retry_after else {}
            return self._json(status, {"error": {"message": "slow down" if status == 429 else "oops"}}, extra)
        if parts.path.startswith("/v1/organizations/"):
            if (
                self.headers.get("x-api-key") != ANTHROPIC_KEY
                or self.headers.get("anthropic-version") is None
            ):
                shown = (self.headers.get("x-api-key") or "")[-6:]
                message = f"invalid x-api-key ...{shown}"
                return self._json(401, {"type": "error", "error": {"type": "authentication_error",
                                                                    "message": message}})  # fmt: skip
            return self._anthropic(parts.path, query)
        if self.headers.get("Authorization") != f"Bearer {OPENAI_KEY}":
            key = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            message = f"Incorrect API key provided: {key[:9]}****{key[-4:]}."
            return self._json(401, {"error": {"message": message, "type": "invalid_request_error"}})
        return self._openai(parts.path, query)

    # --- OpenAI -----------------------------------------------------------------------------------

    def _openai(self, path: str, query: dict[str, list[str]]) -> None:
        srv = self.server
        if path.startswith("/v1/organization/usage/") or path == "/v1/organization/costs":
            kind = "costs" if path.endswith("/costs") else path.rsplit("/", 1)[-1]
            start = int(query["start_time"][0])
            end = int(query.get("end_time", [str(start + 7 * 86400)])[0])
            days = [d for d in _days_between(start, end)]
            rows = srv.openai.get(kind, {})
            buckets = [{"object": "bucket", "start_time": _unix(d), "end_time": _unix(d + timedelta(days=1)),
                        "results": rows.get(d, [])} for d in days]  # fmt: skip
            return self._page(buckets, query, {"object": "page"})
        if path == "/v1/organization/projects":
            data = [{"id": p, "object": "organization.project", "name": f"Project {p[-1].upper()}",
                     "created_at": 1730000000, "archived_at": None, "status": "active"}
                    for p in ("proj_a", "proj_b")]  # fmt: skip
            return self._list(data, query, "after")
        if path.startswith("/v1/organization/projects/") and path.endswith("/api_keys"):
            project = path.split("/")[4]
            data = [{"object": "organization.project.api_key", "redacted_value": "sk-abc...def",
                     "name": f"Key of {project}", "created_at": 1730000000, "last_used_at": None,
                     "id": f"key_{project[-1]}", "owner_project_access": "all", "owner": {}}]  # fmt: skip
            return self._list(data, query, "after")
        if path.endswith("/spend_alerts"):
            project = path.split("/")[4] if "/projects/" in path else None
            alerts = srv.spend["project_alerts"].get(project, []) if project else srv.spend["alerts"]
            data = [{"id": f"alert_{i}", "object": "organization.spend_alert", "threshold_amount": cents,
                     "currency": "USD", "interval": "month",
                     "notification_channel": {"type": "email", "recipients": ["a@example.com"]}}
                    for i, cents in enumerate(alerts)]  # fmt: skip
            return self._list(data, query, "after")
        if path == "/v1/organization/spend_limit":
            if srv.spend["limit"] is None:
                return self._json(404, {"error": {"message": "No spend limit"}})
            limit = {
                "object": "organization.spend_limit",
                "threshold_amount": srv.spend["limit"],
                "currency": "USD",
                "interval": "month",
                "enforcement": {"status": "enforcing"},
            }
            return self._json(200, limit)
        if path.endswith("/spend_limit"):
            return self._json(404, {"error": {"message": "No spend limit"}})
        return self._json(404, {"error": {"message": f"no route {path}"}})

    # --- Anthropic --------------------------------------------------------------------------------

    def _anthropic(self, path: str, query: dict[str, list[str]]) -> None:
        srv = self.server
        if path in ("/v1/organizations/usage_report/messages", "/v1/organizations/cost_report"):
            kind = path.rsplit("/", 1)[-1]
            start = _parse_iso(query["starting_at"][0])
            end = _parse_iso(query["ending_at"][0]) if "ending_at" in query else start + 7 * 86400
            rows = srv.anthropic[kind]
            buckets = [{"starting_at": _iso(d), "ending_at": _iso(d + timedelta(days=1)),
                        "results": rows.get(d, [])} for d in _days_between(start, end)]  # fmt: skip
            return self._page(buckets, query, {})
        if path == "/v1/organizations/api_keys":
            data = [{"id": ANTHROPIC_API_KEY_ID, "type": "api_key", "name": "Prod key",
                     "workspace_id": WORKSPACE, "created_at": "2026-01-01T00:00:00Z",
                     "created_by": {"id": "user_1", "type": "user"},
                     "partial_key_hint": "sk-ant-api03-R2D...igAA", "status": "active"}]  # fmt: skip
            return self._list(data, query, "after_id")
        if path == "/v1/organizations/spend_limits":
            if self.headers.get("anthropic-beta") != "spend-limit-reads-2026-09-26":
                return self._json(400, {"type": "error", "error": {"message": "beta header required"}})
            data = [{"type": "spend_limit", "id": "spl_1", "amount": "50000", "currency": "USD",
                     "is_enabled": True, "period": "monthly", "scope": {"type": "organization"},
                     "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"},
                    {"type": "spend_limit", "id": "spl_2", "amount": "12345", "currency": "USD",
                     "is_enabled": True, "period": "monthly",
                     "scope": {"type": "workspace", "workspace_id": WORKSPACE},
                     "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}]  # fmt: skip
            return self._json(200, {"data": data, "has_more": False, "next_page": None})
        if path == "/v1/organizations/workspaces":
            data = [{"id": WORKSPACE, "type": "workspace", "name": "Research",
                     "created_at": "2026-01-01T00:00:00Z", "archived_at": None,
                     "display_color": "#6C5BB9"}]  # fmt: skip
            return self._list(data, query, "after_id")
        return self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "no route"}})

    # --- paging -----------------------------------------------------------------------------------

    def _page(self, buckets: list[dict], query: dict[str, list[str]], extra: dict) -> None:
        size = min(int(query.get("limit", ["7"])[0]), self.server.page_size)
        offset = int(query["page"][0].removeprefix("page_")) if "page" in query else 0
        chunk = buckets[offset : offset + size]
        more = offset + size < len(buckets)
        self._json(200, {**extra, "data": chunk, "has_more": more,
                         "next_page": f"page_{offset + size}" if more else None})  # fmt: skip

    def _list(self, data: list[dict], query: dict[str, list[str]], cursor: str) -> None:
        # One object per page, so a two-item list takes two requests with the cursor.
        after = query.get(cursor, [None])[0]
        ids = [d["id"] for d in data]
        start = ids.index(after) + 1 if after in ids else 0
        chunk = data[start : start + 1]
        self._json(200, {"object": "list", "data": chunk, "first_id": chunk[0]["id"] if chunk else None,
                         "last_id": chunk[-1]["id"] if chunk else None,
                         "has_more": start + 1 < len(data)})  # fmt: skip

    def _json(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)


def _days_between(start: int, end: int) -> Iterator[date]:
    t = start
    while t < end:
        yield datetime.fromtimestamp(t, UTC).date()
        t += 86400


def _parse_iso(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[VendorServer]:
    srv = VendorServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private temp folder for everything the sync writes (so the test can read it all for keys)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def env(server: VendorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_ADMIN_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "store" / "sync.duckdb")


class Sleeps(list):
    """An injected sleep: records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))


def _billed(store: Store, provider: str) -> Decimal:
    """Billed cost in the store; the store keeps 12 decimals (DECIMAL(38,12)), the vendor may send more."""
    with store.reader() as con:
        return con.execute(
            "SELECT coalesce(sum(amount_usd), 0) FROM costs_effective WHERE provider = ?", [provider]
        ).fetchone()[0]


def _facts(store: Store) -> tuple:
    """Everything a sync may change in the facts, to compare a store before and after."""
    with store.reader() as con:
        return tuple(
            con.execute(sql).fetchall()
            for sql in (
                "SELECT provider, count(*), sum(input_tokens), sum(output_tokens), sum(cache_write_tokens) "
                "FROM usage GROUP BY ALL ORDER BY ALL",
                "SELECT provider, count(*), sum(amount_usd) FROM costs GROUP BY ALL ORDER BY ALL",
                "SELECT count(*) FROM imports",
            )
        )


def _sync(store: Store, name: str, sleeps: Sleeps | None = None, **days: date) -> sync.SyncResult:
    days = days or {"first_day": FIRST, "last_day": LAST}
    return sync.sync(store, name, sleep=sleeps if sleeps is not None else Sleeps(), **days)


# --- the tests ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("env")
def test_openai_sync_lands_the_servers_totals_to_the_cent_over_several_pages(
    server: VendorServer, store: Store
) -> None:
    result = _sync(store, "openai")
    assert _cents(_billed(store, "openai")) == _cents(server.openai_cost())
    assert abs(_billed(store, "openai") - server.openai_cost()) < Decimal("1e-11")
    assert result.cost_usd == server.openai_cost()
    with store.reader() as con:
        tokens, writes = con.execute(
            "SELECT sum(input_tokens), sum(cache_write_tokens) FROM usage_effective WHERE provider = 'openai'"
        ).fetchone()
    assert tokens == server.openai_input_tokens()
    assert writes == sum(
        r["input_cache_write_tokens"] for rs in server.openai["completions"].values() for r in rs
    )
    pages = [q for p, q, _ in server.requests if p == "/v1/organization/usage/completions"]
    assert len(pages) == 4  # ten daily buckets, three per page, followed to the end
    assert pages[1]["page"] == ["page_3"] and pages[3]["page"] == ["page_9"]
    assert pages[0]["group_by[]"] == ["project_id", "user_id", "api_key_id", "model", "batch", "service_tier"]
    assert pages[0]["bucket_width"] == ["1d"]
    assert pages[0]["start_time"] == [str(_unix(FIRST))]
    assert pages[0]["end_time"] == [str(_unix(LAST + timedelta(days=1)))]  # --to is included
    costs = next(q for p, q, _ in server.requests if p == "/v1/organization/costs")
    assert costs["group_by[]"] == ["project_id", "line_item"]
    assert store.labels()[("project", "proj_b")] == "Project B"
    assert store.labels()[("api_key", "key_a")] == "Key of proj_a"
    assert result.rows_inserted == 10 * 4 + 1 + 10 * 3 and result.rows_replaced == 0


@pytest.mark.usefixtures("env")
def test_anthropic_sync_lands_cents_as_dollars_and_names_keys(server: VendorServer, store: Store) -> None:
    result = _sync(store, "anthropic")
    assert _cents(_billed(store, "anthropic")) == _cents(server.anthropic_cost())
    assert abs(_billed(store, "anthropic") - server.anthropic_cost()) < Decimal("1e-11")
    assert result.cost_usd == server.anthropic_cost()
    with store.reader() as con:
        rows, writes = con.execute(
            "SELECT count(*), sum(cache_write_tokens) FROM usage WHERE provider = 'anthropic'"
        ).fetchone()
    assert rows == 20 and writes == 10 * (40 + 40 + 4)
    usage = [(q, h) for p, q, h in server.requests if p == "/v1/organizations/usage_report/messages"]
    assert len(usage) == 4
    assert usage[0][0]["group_by[]"] == [
        "api_key_id",
        "workspace_id",
        "model",
        "service_tier",
        "context_window",
    ]
    assert usage[0][0]["starting_at"] == ["2026-11-01T00:00:00Z"]
    assert usage[0][0]["ending_at"] == ["2026-11-11T00:00:00Z"]
    assert usage[0][1]["anthropic-version"] == "2023-06-01"
    cost = next(q for p, q, _ in server.requests if p == "/v1/organizations/cost_report")
    assert cost["group_by[]"] == ["workspace_id", "description"]
    assert store.labels()[("api_key", ANTHROPIC_API_KEY_ID)] == "Prod key"


@pytest.mark.usefixtures("env")
def test_second_sync_changes_nothing_and_a_revised_day_replaces(server: VendorServer, store: Store) -> None:
    _sync(store, "openai")
    before = _facts(store)
    again = _sync(store, "openai")
    assert (again.rows_inserted, again.rows_replaced) == (0, 0)
    assert _facts(store) == before

    revised = DAYS[-2]
    server.openai["costs"][revised][0]["amount"]["value"] += Decimal("0.50")
    server.openai["completions"][revised][0]["output_tokens"] += 1000
    third = _sync(store, "openai", first_day=DAYS[-3], last_day=LAST)
    assert third.rows_replaced == 2 and third.rows_inserted == 0
    assert _cents(_billed(store, "openai")) == _cents(server.openai_cost())
    assert abs(_billed(store, "openai") - server.openai_cost()) < Decimal("1e-11")
    with store.reader() as con:
        rows = con.execute("SELECT count(*) FROM costs_effective WHERE provider = 'openai'").fetchone()[0]
    assert rows == 30  # the revision answers for its day, not added beside the old value


@pytest.mark.usefixtures("env")
def test_429_waits_for_retry_after_and_500_backs_off(server: VendorServer, store: Store) -> None:
    server.faults["/v1/organization/usage/completions"] = [(429, "7"), (500, None), (503, None)]
    sleeps = Sleeps()
    _sync(store, "openai", sleeps)
    assert sleeps == [7.0, 2.0, 4.0]  # Retry-After honoured, then exponential backoff
    assert _cents(_billed(store, "openai")) == _cents(server.openai_cost())
    assert abs(_billed(store, "openai") - server.openai_cost()) < Decimal("1e-11")


@pytest.mark.usefixtures("env")
def test_giving_up_after_the_bound_leaves_the_store_unchanged(server: VendorServer, store: Store) -> None:
    _sync(store, "anthropic")
    before = _facts(store)
    server.faults["/v1/organizations/cost_report"] = [(500, None)] * 6
    sleeps = Sleeps()
    with pytest.raises(sync.SyncError, match=r"gave up after 6 attempts, last: HTTP 500.*nothing was stored"):
        _sync(store, "anthropic", sleeps)
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert _facts(store) == before
    assert sync.last_runs(store)["anthropic"]["status"] == "failed"


@pytest.mark.usefixtures("env")
def test_wrong_key_is_one_line_naming_the_variable_and_never_the_key(
    server: VendorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "sk-proj-WRONGKEY-1234567890abcdef"
    monkeypatch.setenv("OPENAI_ADMIN_KEY", wrong)
    db = tmp_path / "store" / "cli.duckdb"
    result = CliRunner().invoke(main, ["sync", "openai", "--from", "2026-11-01", "--to", "2026-11-10",
                                       "--db", str(db)])  # fmt: skip
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "OPENAI_ADMIN_KEY" in lines[0] and "Admin API key" in lines[0] and "401" in lines[0]
    assert wrong not in result.output and wrong[-4:] not in result.output
    assert _facts(Store.open(db)) == ([], [], [(0,)])


@pytest.mark.usefixtures("env")
def test_cli_sync_json_and_every_configured_vendor(
    server: VendorServer, tmp_path: Path, scratch: Path
) -> None:
    db = tmp_path / "store" / "cli.duckdb"
    result = CliRunner().invoke(main, ["sync", "--from", "2026-11-01", "--to", "2026-11-10", "--db", str(db),
                                       "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    vendors = {v["vendor"]: v for v in out["vendors"]}
    assert set(vendors) == {"openai", "anthropic"}
    assert Decimal(vendors["openai"]["cost_usd"]) == server.openai_cost()
    assert Decimal(vendors["anthropic"]["cost_usd"]) == server.anthropic_cost()
    assert vendors["openai"]["days"] == 10 and vendors["openai"]["rows_inserted"] == 71
    # The key is in no file the sync wrote: the store's folder and the temp folder it used.
    written = [p for folder in (db.parent, scratch) for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in written)
    for path in written:
        data = path.read_bytes()
        for key in (OPENAI_KEY, ANTHROPIC_KEY):
            assert key.encode() not in data, path
    assert list(scratch.iterdir()) == []  # fetched pages are deleted once imported


@pytest.mark.usefixtures("env")
def test_incremental_window_and_provisional_days(server: VendorServer, store: Store) -> None:
    first = sync.days_to_sync(store, "openai", None, None, today=date(2026, 11, 10))
    assert first == (date(2026, 8, 13), date(2026, 11, 10))  # 90 days, today included
    _sync(store, "openai")
    assert sync.last_synced_day(store, "openai") == LAST
    start, end = sync.days_to_sync(store, "openai", None, None, today=date(2026, 11, 12))
    assert (start, end) == (LAST - timedelta(days=sync.REVISION_DAYS), date(2026, 11, 12))
    assert "openai" not in sync.provisional_days(store)  # synced long after: those days are settled

    today = datetime.now(UTC).date()
    _sync(store, "openai", first_day=today - timedelta(days=6), last_day=today)
    days = sync.provisional_days(store)["openai"]
    assert days == [today - timedelta(days=n) for n in range(sync.REVISION_DAYS, -1, -1)]
    args = ["report", "--from", (today - timedelta(days=9)).isoformat(), "--to", today.isoformat()]
    report = CliRunner().invoke(main, [*args, "--db", str(store.path), "--json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.output)["provisional"] == {"openai": [d.isoformat() for d in days]}


@pytest.mark.usefixtures("env")
def test_budget_show_compares_and_pull_imports_openai_limits(server: VendorServer, tmp_path: Path) -> None:
    server.spend = {"alerts": [50000, 80000], "limit": 120000, "project_alerts": {"proj_a": [10000]}}
    monkey_env = {"ANTHROPIC_ADMIN_KEY": ""}
    db = Store.open(tmp_path / "store" / "b.duckdb").path
    runner = CliRunner()
    assert runner.invoke(main, ["budget", "set", "1000", "--db", str(db)], env=monkey_env).exit_code == 0
    shown = runner.invoke(main, ["budget", "show", "--db", str(db), "--json"], env=monkey_env)
    assert shown.exit_code == 0, shown.output
    org = next(v for v in json.loads(shown.output)["vendor_limits"] if v.get("scope") == "org")
    assert org["alerts_usd"] == ["500", "800"] and Decimal(org["hard_limit_usd"]) == 1200
    assert any("hard limit" in d for d in org["differences"])
    pulled = runner.invoke(main, ["budget", "pull", "openai", "--db", str(db), "--json"], env=monkey_env)
    assert pulled.exit_code == 0, pulled.output
    saved = {b["scope"]: b for b in json.loads(pulled.output)}
    assert saved["org"]["alert_percents"] == [50, 80] and Decimal(saved["org"]["hard_limit_usd"]) == 1200
    assert Decimal(saved["org"]["monthly_usd"]) == 1000  # our monthly amount stays
    assert Decimal(saved["proj_a"]["monthly_usd"]) == 100 and saved["proj_a"]["alert_percents"] == [100]


def test_a_killed_sync_leaves_the_store_as_it_was(server: VendorServer, tmp_path: Path) -> None:
    db = tmp_path / "store" / "killed.duckdb"
    env = {**os.environ, "OPENAI_ADMIN_KEY": OPENAI_KEY, "OPENAI_BASE_URL": f"{server.url}/v1",
           "ANTHROPIC_ADMIN_KEY": "", "TMPDIR": str(tmp_path)}  # fmt: skip
    command = [sys.executable, "-m", "analytics.cli", "sync", "openai", "--from", "2026-11-01",
               "--to", "2026-11-10", "--db", str(db)]  # fmt: skip
    # A first sync of three days lands; then a full sync is killed while it is fetching.
    first = subprocess.run([*command[:-6], "--from", "2026-11-01", "--to", "2026-11-03", "--db", str(db)],
                           env=env, capture_output=True, timeout=120)  # fmt: skip
    assert first.returncode == 0, first.stderr
    before = _facts(Store.open(db))
    assert before[1]  # costs landed
    server.hang_after = len(server.requests) + 5
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert server.hanging.wait(60)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert _facts(Store.open(db)) == before

    # Killed at growing moments after the last page, i.e. while landing: the import is all or nothing, until
    # one run is left to finish and lands whole.
    server.release.set()
    server.hang_after, server.hanging = None, threading.Event()
    complete = _sync_copy(server, tmp_path)
    seen = []
    for delay in (0.0, 0.6, 1.2, 1.8, 30.0):
        calls = len(server.requests)
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while (
            not any(p.endswith("/api_keys") for p, _, _ in server.requests[calls:])
            and time.monotonic() < deadline
        ):
            time.sleep(0.005)
        try:
            process.wait(delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait(30)
        after = _facts(Store.open(db))
        assert after in (before, complete), f"partial store after a kill {delay} s into landing"
        seen.append(after == complete)
        if after == complete:
            break
    assert seen[-1], "the last, uninterrupted run lands whole"


def _sync_copy(server: VendorServer, tmp_path: Path) -> tuple:
    """The facts of a store that a full, uninterrupted sync of the same days produces."""
    os.environ["OPENAI_ADMIN_KEY"], os.environ["OPENAI_BASE_URL"] = OPENAI_KEY, f"{server.url}/v1"
    try:
        other = Store.open(tmp_path / "store" / "complete.duckdb")
        _sync(other, "openai", first_day=FIRST, last_day=date(2026, 11, 3))
        _sync(other, "openai")
        return _facts(other)
    finally:
        del os.environ["OPENAI_ADMIN_KEY"], os.environ["OPENAI_BASE_URL"]


@pytest.mark.usefixtures("env")
def test_a_synced_day_and_an_imported_cost_csv_of_that_day_are_never_added(
    server: VendorServer, store: Store, tmp_path: Path
) -> None:
    _sync(store, "openai")
    day = DAYS[0]
    rows = server.openai["costs"][day]
    revised = [Decimal("2.5"), rows[1]["amount"]["value"], rows[2]["amount"]["value"]]  # the dashboard, later
    header = (
        "start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,line_item,project_id"
    )
    lines = [header] + [
        f"{_unix(day)},{_unix(day + timedelta(days=1))},{day}T00:00:00+00:00,"
        f'{day + timedelta(days=1)}T00:00:00+00:00,{value},usd,"{r["line_item"]}",{r["project_id"]}'
        for r, value in zip(rows, revised, strict=True)
    ]
    csv = tmp_path / f"cost_{day}_{day}.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store.import_files([csv])
    old_day = sum((r["amount"]["value"] for r in rows), Decimal(0))
    expected = server.openai_cost() - old_day + sum(revised, Decimal(0))
    assert _cents(_billed(store, "openai")) == _cents(expected)
    with store.reader() as con:
        count = con.execute("SELECT count(*) FROM costs_effective WHERE provider = 'openai'").fetchone()[0]
    assert count == 30


@pytest.mark.usefixtures("env")
def test_budget_show_lists_anthropic_spend_limits_and_pull_keeps_the_org_one(tmp_path: Path) -> None:
    db = Store.open(tmp_path / "store" / "a.duckdb").path
    runner = CliRunner()
    env = {"OPENAI_ADMIN_KEY": ""}
    shown = runner.invoke(main, ["budget", "show", "--db", str(db), "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    limits = {v["scope"]: v for v in json.loads(shown.output)["vendor_limits"]}
    assert Decimal(limits["org"]["hard_limit_usd"]) == 500
    assert Decimal(limits[WORKSPACE]["hard_limit_usd"]) == Decimal("123.45")
    assert limits["org"]["differences"] == ["no budget of ours for this scope"]
    pulled = runner.invoke(main, ["budget", "pull", "anthropic", "--db", str(db)], env=env)
    assert pulled.exit_code == 0, pulled.output
    assert "Skipped 1 workspace limit" in pulled.output
    saved = json.loads(runner.invoke(main, ["budget", "show", "--db", str(db), "--json"], env=env).output)
    assert [
        (b["scope"], Decimal(b["monthly_usd"]), Decimal(b["hard_limit_usd"])) for b in saved["budgets"]
    ] == [("org", Decimal(500), Decimal(500))]


@pytest.mark.usefixtures("env")
def test_a_page_off_the_schema_is_refused_whole(server: VendorServer, store: Store) -> None:
    _sync(store, "openai", first_day=FIRST, last_day=DAYS[2])
    before = _facts(store)
    server.openai["costs"][DAYS[8]][1]["amount"]["currency"] = "eur"
    with pytest.raises(sync.SyncError, match=r"does not match the published schema.*currency"):
        _sync(store, "openai")
    assert _facts(store) == before  # the good usage pages of the same run did not land either


def test_no_key_names_the_variable_and_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_ADMIN_KEY", "ANTHROPIC_ADMIN_KEY"):
        monkeypatch.delenv(name, raising=False)
    db = str(tmp_path / "store" / "none.duckdb")
    named = CliRunner().invoke(main, ["sync", "anthropic", "--db", db])
    assert named.exit_code == 2 and "ANTHROPIC_ADMIN_KEY" in named.output
    every = CliRunner().invoke(main, ["sync", "--db", db])
    assert (
        every.exit_code == 2 and "OPENAI_ADMIN_KEY" in every.output and "ANTHROPIC_ADMIN_KEY" in every.output
    )
