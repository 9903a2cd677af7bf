"""Spend charts: what the Vega-Lite spec says (budget line at the budget, layers, stacking), and that
they render offline through vl-convert."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from analytics import charts

D = Decimal
DAYS = [date(2026, 10, 1) + timedelta(days=i) for i in range(3)]


def month_days() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": DAYS,
            "cost_usd": [D("1.50"), D("3.00"), D("0.30")],
            "basis": ["billed", "billed", "estimated"],
            "cumulative_usd": [D("1.50"), D("4.50"), D("4.80")],
        }
    )


def forecast_days() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [date(2026, 10, 4), date(2026, 10, 5)],
            "expected_usd": [D("1.00"), D("2.00")],
            "low_usd": [D("0.50"), D("1.00")],
            "high_usd": [D("2.00"), D("4.00")],
        }
    )


def layers(spec: dict) -> list[dict]:
    """Flattens nested layers into their leaf views."""
    if "layer" not in spec:
        return [spec]
    return [leaf for child in spec["layer"] for leaf in layers(child)]


def mark(view: dict) -> str:
    return view["mark"] if isinstance(view["mark"], str) else view["mark"]["type"]


def test_month_chart_has_bars_cumulative_budget_alerts_and_forecast_band():
    chart = charts.month_spend(
        month_days(),
        budget_usd=D("30"),
        alert_thresholds=[("50%", D("15")), ("80%", D("24"))],
        forecast=forecast_days(),
    )
    spec = chart.to_dict()
    assert spec["resolve"]["scale"]["y"] == "independent"
    views = layers(spec)
    assert [mark(v) for v in views] == ["bar", "line", "area", "line", "rule", "rule", "rule"]
    rules = [v["encoding"]["y"]["datum"] for v in views if mark(v) == "rule"]
    assert rules == [30.0, 15.0, 24.0]  # the budget, then the alert lines
    datasets = spec["datasets"]
    band = next(v for v in views if mark(v) == "area")
    assert band["encoding"]["y"]["field"] == "low_usd" and band["encoding"]["y2"]["field"] == "high_usd"
    # The band starts from the spend to date (4.80) and accumulates the days ahead.
    (band_rows,) = [rows for rows in datasets.values() if rows and "low_usd" in rows[0]]
    assert [(r["low_usd"], r["expected_usd"], r["high_usd"]) for r in band_rows] == [
        (5.3, 5.8, 6.8),
        (6.3, 7.8, 10.8),
    ]
    (bar_rows,) = [rows for rows in datasets.values() if rows and "basis" in rows[0]]
    assert [r["cost_usd"] for r in bar_rows] == [1.5, 3.0, 0.3]


def test_month_chart_without_budget_or_forecast_is_bars_and_line():
    views = layers(charts.month_spend(month_days()).to_dict())
    assert [mark(v) for v in views] == ["bar", "line"]


def test_breakdown_is_stacked_by_the_dimension():
    frame = pd.DataFrame(
        {"date": [DAYS[0], DAYS[0], DAYS[1]], "project": ["A", "B", "A"], "cost_usd": [D(1), D(2), D(3)]}
    )
    spec = charts.spend_breakdown(frame, "project").to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["color"]["field"] == "project"
    assert spec["encoding"]["y"]["stack"] == "zero"


def test_reconciliation_shows_billed_and_estimated_per_day():
    frame = pd.DataFrame(
        {
            "date": [DAYS[0], DAYS[0], DAYS[1]],
            "model": ["a", "b", "a"],
            "billed_usd": [D(1), D(2), D("1.2")],
            "estimated_usd": [D(1), D(2), D("0.9")],
            "flagged": [False, False, True],
        }
    )
    spec = charts.reconciliation(frame).to_dict()
    (rows,) = spec["datasets"].values()
    assert [(r["kind"], r["usd"], r["flagged"]) for r in rows] == [
        ("billed", 3.0, False),
        ("billed", 1.2, True),
        ("estimated", 3.0, False),
        ("estimated", 0.9, True),
    ]


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_charts_render_offline(tmp_path, suffix):
    # conftest refuses non-local connections: a font or schema download would fail this test.
    chart = charts.month_spend(month_days(), budget_usd=D(30), forecast=forecast_days())
    target = tmp_path / f"c{suffix}"
    chart.save(str(target))
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data[:200]
