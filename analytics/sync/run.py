"""One sync run: choose the days, fetch everything, then land it in the store in one transaction.

Order matters for the guarantees: every page is fetched *before* the store is touched, written to a
private temp folder (0700) exactly as the API sent it, and imported with `Store.import_files(atomic=True)`
through the Admin JSON readers — the same code path, record keys and replace rules as `llm-cost import`.
A network failure, a refused key or a killed process therefore leaves usage and costs as they were. The run
itself (days, rows, result) is recorded in `sync_runs` afterwards; failures are recorded too (for Settings)
but change no usage or cost row.

Days: `--from`/`--to` are UTC days, both included. Without `--from`, a sync starts REVISION_DAYS before the
last day a successful sync covered (vendors revise recent days; Anthropic says data can arrive up to a
day late), and the first sync takes the last FIRST_SYNC_DAYS days. The days a vendor may still revise are
`provisional_days()`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from analytics.formats import BadExportError
from analytics.store import Store
from analytics.sync import anthropic, openai
from analytics.sync.fetched import Fetched
from analytics.sync.http import AuthError, Client, SyncError
from analytics.sync.keys import VENDORS, Vendor, base_url, require_key

REVISION_DAYS = 3
FIRST_SYNC_DAYS = 90
_MODULES = {"openai": openai, "anthropic": anthropic}


@dataclass(frozen=True)
class SyncResult:
    """What one vendor's sync landed."""

    vendor: str
    first_day: date
    last_day: date
    pages: int
    days_with_data: int
    rows_inserted: int
    rows_replaced: int
    rows_unchanged: int
    cost_usd: Decimal  # billed cost in the fetched cost pages (the vendor's figure)
    import_ids: tuple[int, ...]
    labels_added: int

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["first_day"], out["last_day"] = self.first_day.isoformat(), self.last_day.isoformat()
        out["days"] = (self.last_day - self.first_day).days + 1
        out["cost_usd"] = str(self.cost_usd)
        out["import_ids"] = list(self.import_ids)
        return out


def vendor(name: str) -> Vendor:
    if name not in VENDORS:
        raise ValueError(f"unknown vendor {name!r}: expected one of {', '.join(VENDORS)}")
    return VENDORS[name]


def days_to_sync(
    store: Store, name: str, first_day: date | None, last_day: date | None, *, today: date | None = None
) -> tuple[date, date]:
    """Returns the UTC days (first, last) a sync of `name` covers, following the incremental rule."""
    today = today or datetime.now(UTC).date()
    last = last_day or today
    if first_day is None:
        synced = last_synced_day(store, name)
        first_day = (min(synced, today) - timedelta(days=REVISION_DAYS) if synced
                     else today - timedelta(days=FIRST_SYNC_DAYS - 1))  # fmt: skip
        first_day = min(first_day, last)
    if first_day > last:
        raise ValueError(f"--from {first_day} is after --to {last}")
    return first_day, last


def sync(
    store: Store,
    name: str,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: Callable[[str], None] | None = None,
    today: date | None = None,
    timeout: float = 60.0,
) -> SyncResult:
    """Syncs one vendor into the store; raises MissingKeyError, AuthError or SyncError (store unchanged)."""
    spec = vendor(name)
    key = require_key(spec)
    first, last = days_to_sync(store, name, first_day, last_day, today=today)
    progress = on_progress or (lambda _message: None)
    module = _MODULES[name]
    client = Client(base_url(spec), module.headers(key), name, timeout=timeout, sleep=sleep, on_page=progress)
    del key  # only the client's headers hold it from here on
    started = datetime.now(UTC)
    progress(f"{name}: syncing {first.isoformat()} .. {last.isoformat()} (UTC)")
    try:
        fetched = module.fetch(client, first, last, progress)
        progress(f"{name}: {fetched.pages} pages fetched; importing")
        result = _land(store, fetched)
    except AuthError as error:
        message = (
            f"{spec.title} refused the key in {spec.key_env} (HTTP {error.status}): "
            f"it needs to be {spec.key_kind}"
        )
        _record(store, name, started, first, last, "failed", message=message)
        raise AuthError(message, error.status) from None
    except SyncError as error:
        _record(store, name, started, first, last, "failed", message=str(error))
        raise
    except BadExportError as error:
        # A page the reader refuses (a field the published schema does not have): nothing landed.
        message = f"{name}: a response does not match the published schema, nothing was stored: {error}"
        _record(store, name, started, first, last, "failed", message=message)
        raise SyncError(message) from None
    _record(store, name, started, first, last, "ok", result=result)
    return result


def _land(store: Store, fetched: Fetched) -> SyncResult:
    """Imports the fetched pages in one transaction, then fills in names the store does not have yet."""
    folder = Path(tempfile.mkdtemp(prefix=f"llm-cost-sync-{fetched.vendor}-"))  # mode 0700
    try:
        paths = []
        for stem in fetched.files:
            path = folder / f"{stem}-{fetched.first_day.isoformat()}_{fetched.last_day.isoformat()}.json"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(fetched.as_file(stem))
            paths.append(path)
        results = store.import_files(paths, atomic=True) if paths else []
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    added = _add_missing_labels(store, fetched.labels)
    return SyncResult(
        fetched.vendor, fetched.first_day, fetched.last_day, fetched.pages, len(fetched.days_with_data),
        sum(r.rows_inserted for r in results), sum(r.rows_replaced for r in results),
        sum(r.rows_unchanged for r in results), fetched.cost_usd,
        tuple(r.import_id for r in results if r.import_id is not None), added,
    )  # fmt: skip


def _add_missing_labels(store: Store, labels: list[tuple[str, str, str]]) -> int:
    # A name the user gave in Settings wins over the vendor's: only ids without a name get one.
    known = store.labels()
    kinds = getattr(Store, "LABEL_KINDS", ())
    new = {(k, i): n for k, i, n in labels if k in kinds and (k, i) not in known and n.strip()}
    if new:
        store.set_labels([(k, i, n) for (k, i), n in new.items()])
    return len(new)


def _record(
    store: Store, name: str, started: datetime, first: date, last: date, status: str, *,
    result: SyncResult | None = None, message: str | None = None,
) -> None:  # fmt: skip
    with store.writer() as con:
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM sync_runs").fetchone()[0]
        con.execute(
            "INSERT INTO sync_runs VALUES (?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id, name, started, first, last, status,
                result.pages if result else 0,
                result.rows_inserted if result else 0,
                result.rows_replaced if result else 0,
                result.rows_unchanged if result else 0,
                result.cost_usd if result else None,
                list(result.import_ids) if result else None,
                message,
            ],
        )  # fmt: skip


# --- what the store knows about syncs ---------------------------------------------------------------


def last_synced_day(store: Store, name: str) -> date | None:
    """The last UTC day a successful sync of `name` covered, or None before the first one."""
    with store.reader() as con:
        row = con.execute(
            "SELECT max(last_day) FROM sync_runs WHERE provider = ? AND status = 'ok'", [name]
        ).fetchone()
    return row[0] if row else None


def last_runs(store: Store) -> dict[str, dict[str, Any]]:
    """The latest run per vendor (ok or failed): {vendor: {finished_at, status, first_day, ...}}."""
    with store.reader() as con:
        cur = con.execute(
            "SELECT * FROM sync_runs "
            "QUALIFY row_number() OVER (PARTITION BY provider ORDER BY run_id DESC) = 1"
        )
        names = [d[0] for d in cur.description]
        return {row[1]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def provisional_days(store: Store) -> dict[str, list[date]]:
    """Per vendor, the synced days the vendor may still revise: the last REVISION_DAYS days before the
    latest successful sync, through the last day it covered. They stay provisional until a later sync
    re-fetches them after the window has passed."""
    out: dict[str, list[date]] = {}
    with store.reader() as con:
        rows = con.execute(
            """SELECT provider, max(last_day), arg_max(CAST(finished_at AS DATE), run_id), min(first_day)
               FROM sync_runs WHERE status = 'ok' GROUP BY provider ORDER BY provider"""
        ).fetchall()
    for provider, last_day, finished, first_day in rows:
        start = max(finished - timedelta(days=REVISION_DAYS), first_day)
        days = [start + timedelta(days=n) for n in range((last_day - start).days + 1)]
        if days:
            out[provider] = days
    return out
