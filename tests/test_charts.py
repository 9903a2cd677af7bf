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


def model_breakdown() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [DAYS[0], DAYS[0], DAYS[1], DAYS[2]],
            "model": ["gpt-4o", "gpt-4o-mini", "gpt-4o", "gpt-4o"],
            "cost_usd": [D("1.00"), D("0.50"), D("3.00"), D("0.30")],
            "basis": ["billed", "billed", "billed", "estimated"],
        }
    )


def month_chart(**kwargs) -> dict:
    return charts.month_spend(
        month_days(),
        breakdown=model_breakdown(),
        budget_usd=D("30"),
        alert_thresholds=[("50%", D("15")), ("80%", D("24"))],
        forecast=forecast_days(),
        **kwargs,
    ).to_dict()


def test_month_chart_is_daily_bars_by_model_over_a_separate_month_to_date_panel():
    spec = month_chart()
    daily, to_date = spec["vconcat"]
    assert spec["resolve"]["scale"]["x"] == "shared"
    assert "resolve" not in to_date  # one money axis per panel: nothing reads against the wrong one
    assert mark(daily) == "bar"
    assert daily["encoding"]["color"]["field"] == "key" and daily["encoding"]["y"]["stack"] == "zero"
    tooltip = {t["field"]: t["title"] for t in daily["encoding"]["tooltip"]}
    assert tooltip["basis"] == "Basis" and tooltip["key"] == "Model"
    rows = spec["datasets"][daily["data"]["name"]]
    assert [(r["key"], r["cost_usd"], r["basis"]) for r in rows][:2] == [
        ("gpt-4o", 1.0, "billed"),
        ("gpt-4o-mini", 0.5, "billed"),
    ]
    # Estimated days are lighter: opacity follows the basis.
    opacity = daily["encoding"]["opacity"]
    assert opacity["field"] == "basis"
    assert dict(zip(opacity["scale"]["domain"], opacity["scale"]["range"], strict=True)) == {
        "billed": 1.0, "allocated": 0.85, "mixed": 0.7, "estimated": 0.4,
    }  # fmt: skip


def test_month_to_date_panel_has_line_band_forecast_budget_and_alerts():
    spec = month_chart()
    views = layers(spec["vconcat"][1])
    assert [mark(v) for v in views] == ["line", "area", "line", *["rule", "text"] * 3]
    rules = [
        (v["encoding"]["tooltip"]["value"], v["encoding"]["y"]["datum"]) for v in views if mark(v) == "rule"
    ]
    assert rules == [("Budget $30.00", 30.0), ("Alert 50%", 15.0), ("Alert 80%", 24.0)]
    texts = [v["encoding"]["text"]["value"] for v in views if mark(v) == "text"]
    assert texts == ["Budget $30.00", "Alert 50%", "Alert 80%"]  # each line is named on the chart
    assert [v["mark"]["color"] for v in views if mark(v) == "rule"] == ["#d62728", "#ff7f0e", "#ff7f0e"]
    band = next(v for v in views if mark(v) == "area")
    assert band["encoding"]["y"]["field"] == "low_usd" and band["encoding"]["y2"]["field"] == "high_usd"
    # The band starts from the spend to date (4.80) and accumulates the days ahead.
    band_rows = spec["datasets"][band["data"]["name"]]
    assert [(r["low_usd"], r["expected_usd"], r["high_usd"]) for r in band_rows] == [
        (5.3, 5.8, 6.8),
        (6.3, 7.8, 10.8),
    ]


def test_small_amounts_keep_cents_on_the_axis_and_days_are_not_repeated():
    spec = charts.month_spend(month_days()).to_dict()
    daily, to_date = spec["vconcat"]
    assert daily["encoding"]["y"]["axis"]["format"] == "$,.2f"  # not "$0 $1 $1 $2"
    (line,) = layers(to_date)
    assert line["encoding"]["y"]["axis"]["format"] == "$,.2f"
    assert daily["encoding"]["x"]["axis"]["tickCount"] == {"interval": "day", "step": 1}
    month = [date(2026, 10, 1) + timedelta(days=i) for i in range(31)]
    assert charts.day_axis(month).to_dict()["axis"]["tickCount"]["step"] == 3
    assert charts.money_format(1200.0) == "$,.0f"


def test_month_chart_without_budget_or_forecast_is_bars_and_line():
    spec = charts.month_spend(month_days()).to_dict()
    assert [mark(v) for v in layers(spec["vconcat"][0])] == ["bar"]
    assert [mark(v) for v in layers(spec["vconcat"][1])] == ["line"]


def test_breakdown_is_stacked_by_the_dimension():
    frame = pd.DataFrame(
        {"date": [DAYS[0], DAYS[0], DAYS[1]], "project": ["A", "B", "A"], "cost_usd": [D(1), D(2), D(3)],
         "basis": ["billed", "estimated", "billed"]}
    )  # fmt: skip
    spec = charts.spend_breakdown(frame, "project").to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["color"]["field"] == "project"
    assert spec["encoding"]["y"]["stack"] == "zero"
    assert spec["encoding"]["opacity"]["field"] == "basis"
    assert spec["encoding"]["x"]["axis"]["tickCount"] == {"interval": "day", "step": 1}


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
