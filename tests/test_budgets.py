"""Budget and credit settings: stored in the store, validated, replaced per scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from analytics import budgets
from analytics.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "b.duckdb")


def test_a_budget_is_stored_and_replaced_per_scope(store):
    budgets.set_budget(store, Decimal("500"), alert_percents=[100, 50, 80], hard_limit_usd=Decimal("600"))
    budgets.set_budget(store, Decimal("120.50"), scope="proj_a", alert_percents=[90])
    again = budgets.set_budget(store, Decimal("550"))
    assert (again.monthly_usd, again.alert_percents, again.hard_limit_usd) == (
        Decimal(550),
        (50, 80, 100),
        None,
    )
    assert [(b.scope, b.monthly_usd, b.alert_percents) for b in budgets.list_budgets(store)] == [
        ("org", Decimal(550), (50, 80, 100)),
        ("proj_a", Decimal("120.50"), (90,)),
    ]
    assert budgets.get_budget(store, "nobody") is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"monthly_usd": Decimal(0)}, "more than 0"),
        ({"monthly_usd": Decimal(10), "alert_percents": [0]}, "1 to 1000"),
        ({"monthly_usd": Decimal(10), "hard_limit_usd": Decimal(-1)}, "hard limit"),
        ({"monthly_usd": Decimal(10), "scope": " "}, "scope"),
    ],
)
def test_bad_budgets_are_refused(store, kwargs, message):
    with pytest.raises(ValueError, match=message):
        budgets.set_budget(store, **kwargs)
    assert budgets.list_budgets(store) == []


def test_credits_are_listed_in_order(store):
    budgets.add_credit(
        store, Decimal("250"), starts_on=date(2026, 11, 1), expires_on=date(2027, 2, 1), note="inv 7"
    )
    budgets.add_credit(store, Decimal("10.5"), starts_on=date(2026, 10, 1))
    assert [
        (c.credit_id, c.amount_usd, c.starts_on, c.expires_on, c.note) for c in budgets.list_credits(store)
    ] == [
        (2, Decimal("10.5"), date(2026, 10, 1), None, None),
        (1, Decimal(250), date(2026, 11, 1), date(2027, 2, 1), "inv 7"),
    ]


@pytest.mark.parametrize(
    ("amount", "expires", "message"),
    [(Decimal(0), None, "more than 0"), (Decimal(5), date(2026, 11, 1), "after its start")],
)
def test_bad_credits_are_refused(store, amount, expires, message):
    with pytest.raises(ValueError, match=message):
        budgets.add_credit(store, amount, starts_on=date(2026, 11, 1), expires_on=expires)
