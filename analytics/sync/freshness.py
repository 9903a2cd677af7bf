"""How fresh each vendor's data is: "OpenAI synced 2 h ago", "Anthropic from a CSV of Nov 28"."""

from __future__ import annotations

from datetime import UTC, datetime

from analytics.store import Store
from analytics.sync.keys import VENDORS

# Which vendor an import's format belongs to (formats are per vendor; generic CSVs say nothing).
_FORMAT_VENDOR = {"openai": "openai", "claude": "anthropic", "anthropic": "anthropic"}


def _ago(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 90:
        return "just now"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min ago"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


def freshness(store: Store, *, now: datetime | None = None) -> list[str]:
    """One phrase per vendor with data: the last successful sync, else the newest imported export."""
    now = now or datetime.now(UTC)
    with store.reader() as con:
        synced = dict(
            con.execute(
                "SELECT provider, max(finished_at) FROM sync_runs WHERE status = 'ok' GROUP BY provider"
            ).fetchall()
        )
        imports = con.execute(
            "SELECT source_format, max(imported_at) FROM imports GROUP BY source_format"
        ).fetchall()
    exported: dict[str, tuple[datetime, str]] = {}
    for fmt, when in imports:
        name = _FORMAT_VENDOR.get(fmt.split("_", 1)[0])
        if name and (name not in exported or when > exported[name][0]):
            exported[name] = (when, "a CSV" if fmt.endswith("csv") else "an export")
    phrases = []
    for name, spec in VENDORS.items():
        if name in synced:
            phrases.append(f"{spec.title} synced {_ago(synced[name], now)}")
        elif name in exported:
            when, kind = exported[name]
            phrases.append(f"{spec.title} from {kind} imported {when.astimezone(UTC):%b %-d}")
    return phrases
