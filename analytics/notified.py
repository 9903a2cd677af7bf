"""Which budget alerts were already sent where, so a daily `llm-cost check` notifies once per threshold.

A target is notified about a budget's month when it crosses an alert (or the hard limit) that target was
not yet told about: once on the first crossing, once more at each next threshold and at the hard limit,
never again for the same one (`--force` resends). Kept in the store's `notifications` table (migration 4),
the target as a SHA-256 (webhook and SMTP URLs carry secrets) beside its redacted form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from analytics.notify import redact
from analytics.reports import Alert, MonthStatus
from analytics.store import Store


def target_key(target: str, to: Sequence[str] = ()) -> str:
    """Returns the stored identity of a target: a hash of its URL and, for e-mail, its recipients."""
    recipients = ",".join(sorted(address.strip().lower() for address in to))
    return hashlib.sha256(f"{target}\n{recipients}".encode()).hexdigest()


def alert_key(alert: Alert) -> str:
    """Returns "hard_limit" or "alert_<percent>" ("alert_80")."""
    return "hard_limit" if alert.kind == "hard_limit" else f"alert_{format(alert.percent.normalize(), 'f')}"


def unsent(store: Store, status: MonthStatus, target: str, to: Sequence[str] = ()) -> list[Alert]:
    """Returns the crossed alerts of `status` not yet sent to `target` (empty: nothing new to say)."""
    with store.reader() as con:
        sent = {
            row[0]
            for row in con.execute(
                "SELECT alert FROM notifications WHERE scope = ? AND month = ? AND target_sha256 = ?",
                [status.scope, status.month, target_key(target, to)],
            ).fetchall()
        }
    return [alert for alert in status.crossed if alert_key(alert) not in sent]


def record(store: Store, status: MonthStatus, target: str, to: Sequence[str] = ()) -> None:
    """Remembers that every crossed alert of `status` was sent to `target` now."""
    now = datetime.now(UTC)
    rows = [
        [status.scope, status.month, target_key(target, to), redact(target), alert_key(alert), now]
        for alert in status.crossed
    ]
    if not rows:
        return
    with store.writer() as con:
        con.executemany(
            "INSERT INTO notifications VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET notified_at = excluded.notified_at",
            rows,
        )
