"""The app as a newcomer meets it (issue 15), through AppTest: the Overview chart by model with its CSV,
the newest month said, one-decimal anomaly scores; Explore presets and a CSV with tokens; Upload's Forget
and "already imported"; the Estimator's JSON errors, per-1,000 prices and batch models; the store's range."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import demo, reports
from analytics.store import Store
from analytics.ui import estimator, explore, overview, upload

DEMO_END = date(2026, 11, 20)
DEMO_FIRST = date(2026, 8, 23)  # 90 days up to DEMO_END


@pytest.fixture
def demo_store(sandboxed_store: Path) -> Store:
    store = Store.open(sandboxed_store)
    demo.load(store, sandboxed_store.parent / "demo", end=DEMO_END)
    return store


def run(page: str) -> AppTest:
    at = AppTest.from_string(f"from analytics.ui import {page}\n{page}.show()\n", default_timeout=120)
    at.run()
    assert not at.exception
    return at


def spec(at: AppTest, index: int = 0) -> dict:
    return json.loads(at.get("vega_lite_chart")[index].proto.spec)


def download_keys(at: AppTest) -> list[str]:
    return [element.proto.id for element in at.get("download_button")]


# --- Overview -----------------------------------------------------------------------------------------


def test_overview_chart_is_bars_by_model_over_a_month_to_date_panel(demo_store: Store):
    at = run("overview")
    daily, to_date = spec(at)["vconcat"]
    assert daily["mark"]["type"] == "bar" and daily["encoding"]["color"]["field"] == "key"
    assert daily["encoding"]["opacity"]["field"] == "basis"
    assert any(t["field"] == "basis" for t in daily["encoding"]["tooltip"])
    assert "resolve" not in to_date  # one money axis in each panel
    # The page says it opened the newest month with data (the demo ends before this month).
    assert date.today().replace(day=1) > DEMO_END.replace(day=1)
    assert any("showing November 2026, the newest month with data" in c.value for c in at.caption)
    assert any("overview_download" in key for key in download_keys(at))


def test_overview_chart_csv_is_what_the_chart_shows(demo_store: Store):
    status = reports.month_status(demo_store, date(2026, 11, 1), by="model")
    text = overview.chart_csv(status)
    lines = text.splitlines()
    assert lines[0] == "date,model,cost_usd,basis,month_to_date_usd"
    assert len(lines) - 1 == len(status.breakdown)
    total = sum(Decimal(line.split(",")[2]) for line in lines[1:])
    assert total == status.spent_usd
    assert lines[-1].split(",")[-1] == format(status.spent_usd, "f")


def test_anomaly_scores_show_one_decimal(demo_store: Store):
    at = run("overview")
    at.selectbox(key="overview_month").select(date(2026, 10, 1)).run()
    unusual = next(t for t in at.dataframe if "Driven by" in t.value.columns)
    scores = list(unusual.value["Score"])
    assert scores and all(s == round(s, 1) and s < 1000 for s in scores)
    config = json.loads(unusual.proto.columns)
    assert config["Score"]["type_config"]["format"] == "%.1f"


# --- Explore ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "days"),
    [
        ("This month", (date(2026, 11, 1), DEMO_END)),
        ("Last month", (date(2026, 10, 1), date(2026, 10, 31))),
        ("Last 30 days", (date(2026, 10, 22), DEMO_END)),
    ],
)
def test_explore_period_presets_set_the_days(demo_store: Store, preset, days):
    at = run("explore")
    assert at.radio(key="explore_period").value == "Last 30 days"
    at.radio(key="explore_period").set_value(preset).run()
    assert not at.exception
    assert at.date_input(key="explore_days").value == days
    total = next(m.value for m in at.metric if m.label.startswith("Total"))
    assert total.startswith("$")


def test_explore_all_and_custom(demo_store: Store):
    at = run("explore")
    at.radio(key="explore_period").set_value("All").run()
    first, last = at.date_input(key="explore_days").value
    assert (first, last) == reports.data_range(demo_store)
    at.date_input(key="explore_days").set_value((date(2026, 11, 2), date(2026, 11, 4))).run()
    assert at.radio(key="explore_period").value == "Custom"
    # A short range: one tick per day, no date repeated at every half day.
    axis = spec(at)["encoding"]["x"]["axis"]
    assert axis["tickCount"] == {"interval": "day", "step": 1}


def test_explore_daily_csv_has_tokens_requests_provider_and_basis(demo_store: Store):
    start, end = date(2026, 11, 1), date(2026, 11, 7)
    shown = reports.daily_spend(demo_store, start, end, by="project")
    usage = reports.daily_usage(demo_store, start, end, by="project")
    rows = explore.daily_rows(shown, usage, "project")
    assert list(rows.columns) == [
        "date", "provider", "project", "cost_usd", "basis",
        "requests", "input_tokens", "cached_input_tokens", "output_tokens",
    ]  # fmt: skip
    assert set(rows["provider"]) == {"openai"}
    assert rows["input_tokens"].sum() == usage["input_tokens"].sum() > 0
    assert rows["requests"].sum() == usage["requests"].sum() > 0
    assert sum(rows["cost_usd"], Decimal(0)) == sum(shown["cost_usd"], Decimal(0))
    for by in ("model", "provider", "api_key"):  # keyed as the breakdowns are (model: canonical ids)
        keyed = explore.daily_rows(
            reports.daily_spend(demo_store, start, end, by=by),
            reports.daily_usage(demo_store, start, end, by=by),
            by,
        )
        assert keyed["input_tokens"].sum() == usage["input_tokens"].sum(), by
    at = run("explore")
    assert any("explore_download_daily" in key for key in download_keys(at))


# --- Upload -------------------------------------------------------------------------------------------


def test_upload_lists_imports_with_a_forget_button_that_asks_first(demo_store: Store):
    listed = demo_store.list_imports()
    at = run("upload")
    first = listed[-1]["import_id"]
    at.button(key=f"upload_forget_{first}").click().run()
    assert "Forget import #" in at.warning[0].value
    at.button(key="upload_forget_no").click().run()
    assert not at.warning and len(demo_store.list_imports()) == len(listed)
    at.button(key=f"upload_forget_{first}").click().run()
    at.button(key="upload_forget_yes").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"Forgot import {first}: ")
    assert [r["import_id"] for r in demo_store.list_imports()] == [r["import_id"] for r in listed[:-1]]


def test_a_file_imported_again_says_already_imported(demo_store: Store, sandboxed_store: Path):
    export = next((sandboxed_store.parent / "demo").glob("completions_usage_*.csv"))
    first_id = next(r["import_id"] for r in demo_store.list_imports() if r["file_name"].endswith(export.name))
    (again,) = demo_store.import_files([export])
    assert upload._unchanged(again) == f"already imported, nothing changed (it is import #{first_id})."


# --- Estimator ----------------------------------------------------------------------------------------


def test_invalid_json_says_what_and_where_and_nothing_else():
    at = run("estimator")
    at.radio(key="est_kind").set_value("Request body (JSON)").run()
    at.text_area(key="est_body").input('{"model": "gpt-4o",\n "messages": [}').run()
    assert "Line 2, column 15 of the request body: not valid JSON" in at.error[0].value
    assert "^ here" in at.code[0].value
    assert not [i for i in at.info if i.value.startswith("Enter a prompt")]


def test_estimator_table_prices_per_request_and_per_thousand():
    at = run("estimator")
    at.multiselect(key="est_models").set_value(["gpt-4o", "gpt-4o-mini"])
    at.text_area(key="est_text").input("Hello, world").run()
    table = at.dataframe[0].value
    per_request = [Decimal(v.strip("$").replace(",", "")) for v in table["Per request"]]
    per_thousand = [Decimal(v.strip("$").replace(",", "")) for v in table["Per 1,000 requests"]]
    assert per_thousand == [p * 1000 for p in per_request]
    assert len({len(v.split(".")[1]) for v in table["Per request"]}) == 1  # one format per column
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["Input tokens"]["type_config"]["format"] == "localized"  # 1,234,567


def test_batch_mode_prices_the_models_selected_on_the_page():
    assert estimator.batch_models(["gpt-4o", "gpt-4o-mini"], as_named=False) == ["gpt-4o", "gpt-4o-mini"]
    assert estimator.batch_models([], as_named=False) == [None]  # none picked: the file's own models
    assert estimator.batch_models(["gpt-4o"], as_named=True) == [None]
    at = run("estimator")
    at.radio(key="est_kind").set_value("Batch file").run()
    assert not at.exception
    # The old opt-in box is gone; the opt-out one starts unticked.
    assert [(c.key, c.value) for c in at.checkbox] == [("est_b_named", False)]
    # (AppTest cannot upload a file: the browser shot of this page shows the caption.)


# --- Settings -----------------------------------------------------------------------------------------


def test_store_data_range_is_shown_whole(demo_store: Store):
    at = run("settings")
    first, last = reports.data_range(demo_store)
    facts = {m.label: m.value for m in at.metric}
    assert facts["Data (UTC)"] == f"{(last - first).days + 1} days"
    assert any(c.value == f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" for c in at.caption)
