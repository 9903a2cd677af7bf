"""Days in a reporting time zone: hourly Admin API buckets move onto the zone's calendar exactly; daily
buckets stay whole (and the note says so); the CLI's --tz and the reports agree."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_reports import small_store

from analytics import reports
from analytics.cli import main
from analytics.report_zone import parse_zone, zone_note, zoned
from analytics.store import Store

MINI = "gpt-4o-mini-2024-07-18"


def hourly_bucket(start: datetime, input_tokens: int) -> dict:
    begin = int(start.timestamp())
    return {
        "object": "bucket",
        "start_time": begin,
        "end_time": begin + 3600,
        "results": [
            {
                "object": "organization.usage.completions.result",
                "input_tokens": input_tokens, "output_tokens": 0, "input_cached_tokens": 0,
                "num_model_requests": 10, "project_id": "proj_a", "user_id": None, "api_key_id": None,
                "model": MINI, "batch": False, "service_tier": "default",
            }
        ],
    }  # fmt: skip


@pytest.fixture
def hourly(tmp_path: Path) -> Store:
    """Two hours of usage on 1 Oct 2026 UTC: 10:00 (12:00 in Berlin) and 22:00 (00:00 on 2 Oct in Berlin)."""
    page = {
        "object": "page",
        "data": [
            hourly_bucket(datetime(2026, 10, 1, 10, tzinfo=UTC), 1_000_000),  # $0.15 at $0.15 / 1M input
            hourly_bucket(datetime(2026, 10, 1, 22, tzinfo=UTC), 2_000_000),  # $0.30
        ],
        "has_more": False,
        "next_page": None,
    }
    path = tmp_path / "usage_hourly.json"
    path.write_text(json.dumps([page]))
    store = Store.open(tmp_path / "hourly.duckdb")
    store.import_files([path])
    return store


def costs(store: Store, start: date, end: date) -> list[tuple[date, Decimal]]:
    frame = reports.daily_spend(store, start, end)
    return [(d, c) for d, c in zip(frame["date"], frame["cost_usd"], strict=True) if c]


def test_hourly_buckets_land_on_the_zones_day(hourly: Store):
    first, last = date(2026, 10, 1), date(2026, 10, 2)
    assert costs(hourly, first, last) == [(first, Decimal("0.45"))]
    berlin = zoned(hourly, "Europe/Berlin")
    assert costs(berlin, first, last) == [(first, Decimal("0.15")), (last, Decimal("0.30"))]
    assert reports.data_range(berlin) == (first, last)
    # Seattle is 7 hours behind in October: both hours stay on 1 October.
    assert costs(zoned(hourly, "America/Los_Angeles"), date(2026, 9, 30), last) == [(first, Decimal("0.45"))]
    assert (
        zone_note(hourly, "Europe/Berlin", first, last) == "Days in Europe/Berlin, from hourly data (exact)."
    )
    assert zone_note(hourly, "UTC", first, last) is None


def test_daily_buckets_stay_whole_and_the_note_says_the_zone_is_not_exact(tmp_path: Path):
    store = small_store(tmp_path / "small")
    first, last = date(2026, 10, 1), date(2026, 10, 3)
    for zone in ("Europe/Berlin", "America/New_York", "Asia/Tokyo"):
        assert costs(zoned(store, zone), first, last) == costs(store, first, last), zone
    note = zone_note(store, "America/New_York", first, last)
    assert "daily only" in note and "cannot be applied exactly" in note


def test_cli_tz_on_the_report_commands(hourly: Store):
    run = CliRunner().invoke
    out = run(main, ["report", "--from", "2026-10-01", "--db", str(hourly.path), "--tz", "Europe/Berlin",
                     "--json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    days = {d["date"]: d["cost_usd"] for d in json.loads(out.stdout)["days"]}
    assert Decimal(days["2026-10-02"]) == Decimal("0.30")
    text = run(main, ["report", "--from", "2026-10-01", "--db", str(hourly.path), "--tz", "Europe/Berlin"])
    assert "(Europe/Berlin)" in text.stdout and "from hourly data (exact)" in text.stderr
    for command in ("anomalies", "whatif", "reconcile"):
        assert run(main, [command, "--db", str(hourly.path), "--tz", "Europe/Berlin"]).exit_code == 0
    bad = run(main, ["report", "--db", str(hourly.path), "--tz", "berlin"])
    assert bad.exit_code == 2 and "did you mean Europe/Berlin" in bad.output


def test_zone_names():
    assert parse_zone(None) is None and parse_zone("UTC") is None
    assert parse_zone("Europe/Berlin").key == "Europe/Berlin"
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_zone("Nowhere/Land")


# --- the app: a reporting zone chosen in Settings applies to every page --------------------------------


def app(page: str):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_string(f"from analytics.ui import {page}\n{page}.show()\n", default_timeout=120)


@pytest.fixture
def hourly_app_store(sandboxed_store: Path, hourly: Store) -> Store:
    sandboxed_store.parent.mkdir(parents=True, exist_ok=True)
    sandboxed_store.write_bytes(hourly.path.read_bytes())
    return Store.open(sandboxed_store)


def test_settings_sets_the_zone_and_explore_counts_days_in_it(hourly_app_store: Store):
    settings = app("settings")
    settings.run()
    assert not settings.exception
    settings.selectbox(key="settings_tz").select("Europe/Berlin").run()
    assert settings.session_state["report_tz"] == "Europe/Berlin"
    assert any(c.value == "Days in Europe/Berlin, from hourly data (exact)." for c in settings.caption)
    assert {m.label: m.value for m in settings.metric}["Data (Europe/Berlin)"] == "2 days"
    explore = app("explore")
    explore.session_state["report_tz"] = "Europe/Berlin"
    explore.run()
    assert not explore.exception
    assert explore.date_input(key="explore_days").value == (date(2026, 10, 1), date(2026, 10, 2))
    assert explore.date_input(key="explore_days").label == "Days (Europe/Berlin)"
    utc = app("explore")
    utc.run()
    assert utc.date_input(key="explore_days").value == (date(2026, 10, 1), date(2026, 10, 1))
