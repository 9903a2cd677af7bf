"""Monthly budgets and prepaid credits, kept in the store (`budgets` and `credits` tables).

A budget's scope is `org` (the whole organisation) or a project id. Evaluating spend against a budget is
`reports.month_status`; this module only reads and writes the settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from analytics.store import Store

ORG = "org"
DEFAULT_ALERT_PERCENTS = (50, 80, 100)


@dataclass(frozen=True)
class Budget:
    """A monthly budget: alert at these percents of `monthly_usd`; `hard_limit_usd` is a second, hard line."""

    scope: str
    monthly_usd: Decimal
    alert_percents: tuple[int, ...]
    hard_limit_usd: Decimal | None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Credit:
    """Prepaid credit: `amount_usd` usable from `starts_on` until `expires_on` (exclusive; None = never)."""

    credit_id: int
    amount_usd: Decimal
    starts_on: date
    expires_on: date | None
    note: str | None = None


def set_budget(
    store: Store,
    monthly_usd: Decimal,
    *,
    scope: str = ORG,
    alert_percents: Iterable[int] = DEFAULT_ALERT_PERCENTS,
    hard_limit_usd: Decimal | None = None,
) -> Budget:
    """Returns the budget stored for `scope` (replacing any earlier one) after checking its values."""
    monthly_usd = Decimal(monthly_usd)
    percents = tuple(sorted(set(alert_percents)))
    if monthly_usd <= 0:
        raise ValueError(f"a monthly budget must be more than 0 USD, got {monthly_usd}")
    if not scope.strip():
        raise ValueError("a budget scope is 'org' or a project id")
    bad = [p for p in percents if not 1 <= p <= 1000]
    if bad:
        raise ValueError(f"alert percents must be whole numbers from 1 to 1000, got {bad}")
    if hard_limit_usd is not None:
        hard_limit_usd = Decimal(hard_limit_usd)
        if hard_limit_usd <= 0:
            raise ValueError(f"a hard limit must be more than 0 USD, got {hard_limit_usd}")
        if hard_limit_usd < monthly_usd:
            raise ValueError(
                f"a hard limit is a second line above the budget: {hard_limit_usd} USD is below the "
                f"monthly budget of {monthly_usd} USD"
            )
    with store.writer() as con:
        con.execute(
            "INSERT OR REPLACE INTO budgets VALUES (?, ?, ?, ?, now())",
            [scope, monthly_usd, list(percents), hard_limit_usd],
        )
    budget = get_budget(store, scope)
    assert budget is not None
    return budget


def get_budget(store: Store, scope: str = ORG) -> Budget | None:
    """Returns the budget of `scope`, or None when none is set."""
    found = [b for b in list_budgets(store) if b.scope == scope]
    return found[0] if found else None


def list_budgets(store: Store) -> list[Budget]:
    """Returns every stored budget, the organisation's first."""
    with store.reader() as con:
        rows = con.execute(
            "SELECT scope, monthly_usd, alert_percents, hard_limit_usd, updated_at FROM budgets "
            "ORDER BY scope <> 'org', scope"
        ).fetchall()
    return [Budget(s, m, tuple(a or ()), h, u) for s, m, a, h, u in rows]


def add_credit(
    store: Store,
    amount_usd: Decimal,
    *,
    starts_on: date | None = None,
    expires_on: date | None = None,
    note: str | None = None,
) -> Credit:
    """Returns the prepaid credit recorded: usable from `starts_on` (default today UTC) to `expires_on`."""
    amount_usd = Decimal(amount_usd)
    starts_on = starts_on or datetime.now(UTC).date()
    if amount_usd <= 0:
        raise ValueError(f"a credit must be more than 0 USD, got {amount_usd}")
    if expires_on is not None and expires_on <= starts_on:
        raise ValueError(f"credit expiry {expires_on} must be after its start {starts_on}")
    with store.writer() as con:
        credit_id = con.execute("SELECT coalesce(max(credit_id), 0) + 1 FROM credits").fetchone()[0]
        con.execute(
            "INSERT INTO credits VALUES (?, ?, ?, ?, ?)",
            [credit_id, amount_usd, _midnight(starts_on), _midnight(expires_on), note],
        )
    return Credit(credit_id, amount_usd, starts_on, expires_on, note)


def list_credits(store: Store) -> list[Credit]:
    """Returns the recorded credits, oldest first."""
    with store.reader() as con:
        rows = con.execute(
            "SELECT credit_id, amount_usd, CAST(starts_at AS DATE), CAST(expires_at AS DATE), note "
            "FROM credits ORDER BY starts_at, credit_id"
        ).fetchall()
    return [Credit(*row) for row in rows]


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), UTC)
