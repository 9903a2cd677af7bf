"""Spend alerts and limits the vendors hold, beside our budgets: compare them, or pull them in.

OpenAI: organisation and project spend alerts and hard spend limits (monthly, integer cents).
Anthropic: the beta spend-limits API (organisation and workspace limits, cents strings); organisations
outside its preview get an HTTP error, shown as a note.

Our budget is a monthly amount with alert *percents* and an optional hard limit; a vendor's alerts are
*amounts*. `pull` maps them: the hard limit becomes ours; the monthly amount stays ours when one is set,
else it is the vendor's hard limit, else its highest alert; each alert becomes the percent of that
monthly amount it stands for (rounded to a whole percent).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from analytics import budgets
from analytics.store import Store
from analytics.sync import anthropic, openai
from analytics.sync.http import Client
from analytics.sync.keys import base_url, require_key
from analytics.sync.run import vendor

_MODULES = {"openai": openai, "anthropic": anthropic}


@dataclass(frozen=True)
class VendorBudget:
    """One scope's spend settings at a vendor (amounts in USD)."""

    vendor: str
    scope: str  # "org", a project id (OpenAI) or a workspace id (Anthropic)
    alerts_usd: tuple[Decimal, ...]
    hard_limit_usd: Decimal | None
    enforcing: bool | None


def fetch(
    name: str, *, sleep: Callable[[float], None] = time.sleep, timeout: float = 30.0
) -> list[VendorBudget]:
    """Reads the vendor's spend alerts and limits (raises MissingKeyError, AuthError, SyncError)."""
    spec = vendor(name)
    module = _MODULES[name]
    # Fewer tries than a sync: `budget show` should answer quickly when a vendor is unreachable.
    client = Client(
        base_url(spec), module.headers(require_key(spec)), name, timeout=timeout, attempts=3, sleep=sleep
    )
    by_scope: dict[str, dict[str, Any]] = {}
    for item in module.spend_settings(client):
        entry = by_scope.setdefault(item["scope"], {"alerts": [], "limit": None, "enforcing": None})
        if item["kind"] == "alert":
            entry["alerts"].append(item["amount_usd"])
        else:
            entry["limit"], entry["enforcing"] = item["amount_usd"], item["enforcing"]
    return [
        VendorBudget(name, scope, tuple(sorted(e["alerts"])), e["limit"], e["enforcing"])
        for scope, e in sorted(by_scope.items(), key=lambda kv: (kv[0] != "org", kv[0]))
    ]


def differences(ours: budgets.Budget | None, theirs: VendorBudget) -> list[str]:
    """What differs between our budget for a scope and the vendor's settings (empty when they agree)."""
    if ours is None:
        return ["no budget of ours for this scope"]
    found = []
    if theirs.hard_limit_usd is not None and ours.hard_limit_usd != theirs.hard_limit_usd:
        ours_text = "none" if ours.hard_limit_usd is None else f"${ours.hard_limit_usd:,.2f}"
        found.append(f"hard limit: ours {ours_text}, vendor's ${theirs.hard_limit_usd:,.2f}")
    our_alerts = {ours.monthly_usd * p / 100 for p in ours.alert_percents}
    missing = [a for a in theirs.alerts_usd if a not in our_alerts]
    if missing:
        found.append("vendor alerts at " + ", ".join(f"${a:,.2f}" for a in missing) + " that we do not have")
    return found


def pull(store: Store, name: str, settings: list[VendorBudget]) -> list[budgets.Budget]:
    """Writes the vendor's settings into our budgets (see the module docstring); returns what was saved."""
    saved = []
    for theirs in settings:
        ours = budgets.get_budget(store, theirs.scope)
        monthly = (
            (ours.monthly_usd if ours else None)
            or theirs.hard_limit_usd
            or (max(theirs.alerts_usd) if theirs.alerts_usd else None)
        )
        if monthly is None or monthly <= 0:
            continue
        percents = sorted({
            min(1000, max(1, int((a / monthly * 100).quantize(Decimal(1), ROUND_HALF_UP))))
            for a in theirs.alerts_usd
        }) or list(ours.alert_percents if ours else budgets.DEFAULT_ALERT_PERCENTS)  # fmt: skip
        hard = theirs.hard_limit_usd
        if hard is None and ours is not None:
            hard = ours.hard_limit_usd
        saved.append(budgets.set_budget(store, monthly, scope=theirs.scope, alert_percents=percents,
                                        hard_limit_usd=hard))  # fmt: skip
    return saved
