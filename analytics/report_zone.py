"""Days and months in a reporting time zone (finance's Europe/Berlin) instead of UTC.

The store keeps UTC. A zoned store gives the reports the same rows with their buckets moved onto the zone's
calendar, so every report (daily spend, months, budgets, anomalies, reconcile) counts days in that zone
without a line of its SQL changing: each read connection shadows the `usage` and `costs` tables with temp
views of the moved buckets (the `*_effective` views read through them).

- A bucket shorter than a day (hourly Admin API data) lands on the zone's day and hour of its start: exact.
- A bucket of a day or more (dashboard CSVs, cost exports) cannot be split: it lands whole on the zone's
  day that holds its middle, which is the UTC day for any zone within 12 hours of UTC. `zone_note` says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import duckdb

from analytics.store import Store

UTC_NAMES = {"UTC", "Etc/UTC", "Z", "GMT"}

_MOVED = """CASE WHEN period_end - period_start >= INTERVAL 1 DAY
    THEN timezone('UTC', CAST(CAST(timezone($zone, period_start + (period_end - period_start) / 2) AS DATE)
                              AS TIMESTAMP))
    ELSE timezone('UTC', timezone($zone, period_start)) END"""


def parse_zone(text: str | None) -> ZoneInfo | None:
    """Returns the IANA zone for `text` ("Europe/Berlin"), None for UTC or nothing; ValueError otherwise."""
    if text is None or text.strip() in UTC_NAMES:
        return None
    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        close = sorted(z for z in available_timezones() if text.strip().lower() in z.lower())[:5]
        hint = f" (did you mean {', '.join(close)}?)" if close else " (an IANA name like Europe/Berlin)"
        raise ValueError(f"unknown time zone {text!r}{hint}") from None


class ZonedStore:
    """A store whose reads see every bucket on the zone's calendar (see the module notes); else as `store`."""

    def __init__(self, store: Store, zone: ZoneInfo) -> None:
        self._store = store
        self.zone = zone

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._store.reader() as con:
            catalog = con.execute("SELECT current_database()").fetchone()[0]
            for table in ("usage", "costs"):
                moved = _MOVED.replace("$zone", f"'{self.zone.key}'")
                con.execute(
                    f"""CREATE OR REPLACE TEMP VIEW {table} AS
                    SELECT * REPLACE ({moved} AS period_start,
                                      {moved} + (period_end - period_start) AS period_end)
                    FROM "{catalog}".main.{table}"""
                )
            yield con


def zoned(store: Store, zone: str | ZoneInfo | None) -> Store:
    """Returns `store` read on `zone`'s calendar (the store itself for UTC or None)."""
    zone = parse_zone(zone) if isinstance(zone, str) or zone is None else zone
    return store if zone is None else ZonedStore(store, zone)  # type: ignore[return-value]


def zone_note(store: Store, zone: str | ZoneInfo | None, start: date, end: date) -> str | None:
    """Returns what a reader should know about days in `zone` start..end: whether the store's buckets let
    the zone apply exactly (hourly data) or not (daily data lands whole on one day); None for UTC."""
    zone = parse_zone(zone) if isinstance(zone, str) or zone is None else zone
    if zone is None:
        return None
    raw = store._store if isinstance(store, ZonedStore) else store
    with raw.reader() as con:
        daily, hourly = con.execute(
            """SELECT count(*) FILTER (WHERE period_end - period_start >= INTERVAL 1 DAY),
                      count(*) FILTER (WHERE period_end - period_start < INTERVAL 1 DAY)
               FROM (SELECT period_start, period_end FROM usage_effective
                     UNION ALL SELECT period_start, period_end FROM costs_effective)
               WHERE period_start >= $start AND period_start < $stop""",
            {"start": start - timedelta(days=1), "stop": end + timedelta(days=2)},
        ).fetchone()
    name = zone.key
    if daily and not hourly:
        return (f"Days in {name}: the data is daily only (UTC days), so each day is shown whole on the "
                f"{name} day that holds most of it; the zone cannot be applied exactly.")  # fmt: skip
    if daily:
        return (f"Days in {name}: hourly rows are placed exactly; daily rows (e.g. cost exports) cannot be "
                f"split and are shown whole on the {name} day that holds most of each.")  # fmt: skip
    return f"Days in {name}, from hourly data (exact)." if hourly else f"Days in {name}."
