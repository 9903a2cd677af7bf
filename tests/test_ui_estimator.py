"""The Estimator page through Streamlit's AppTest: what a user types, what the page shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = "from analytics.ui import estimator\nestimator.show()\n"


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_string(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def test_estimator_asks_for_a_prompt(app: AppTest):
    assert app.title[0].value == "Estimator"
    assert app.info[0].value.startswith("Enter a prompt")


def test_text_prompt_gives_a_per_model_table(app: AppTest):
    app.multiselect(key="est_models").set_value(["gpt-4o", "gpt-4o-mini"])
    app.number_input(key="est_output").set_value(1000)
    app.text_area(key="est_text").input("Hello, world").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table["Model"]) == ["gpt-4o-mini", "gpt-4o"]  # cheapest first
    assert list(table["Input tokens"]) == [3, 3]
    assert list(table["Output tokens"]) == [1000, 1000]
    assert app.metric[0].label == "Cheapest: gpt-4o-mini"
    chart = app.get("vega_lite_chart")[0]
    assert json.loads(chart.proto.spec)["mark"]["type"] == "bar"


def test_request_body_counts_like_the_api(app: AppTest, fixtures: Path):
    app.radio(key="est_kind").set_value("Request body (JSON)").run()
    app.multiselect(key="est_models").set_value(["gpt-4o-mini"])
    body = (fixtures / "requests" / "chat_request.json").read_text()
    app.text_area(key="est_body").input(body).run()
    assert not app.exception
    assert list(app.dataframe[0].value["Input tokens"]) == [39]


def test_bad_request_body_names_line_and_column(app: AppTest):
    app.radio(key="est_kind").set_value("Request body (JSON)").run()
    app.text_area(key="est_body").input('{"model": "gpt-4o",\n "messages": [}').run()
    assert "Line 2, column" in app.error[0].value


def test_tier_without_price_is_an_error_not_standard(app: AppTest):
    app.multiselect(key="est_models").set_value(["gpt-3.5-turbo"])
    app.selectbox(key="est_tier").set_value("flex")
    app.text_area(key="est_text").input("Hello").run()
    assert app.error, "flex has no price for gpt-3.5-turbo: the page must say so"


def test_an_estimated_count_shows_its_range(app: AppTest):
    app.radio(key="est_kind").set_value("Request body (JSON)").run()
    app.multiselect(key="est_models").set_value(["gpt-4o-mini"])
    tool = {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}
    body = {
        "messages": [{"role": "user", "content": "Hi"}],
        "tools": [{"type": "function", "function": tool}],
    }
    app.text_area(key="est_body").input(json.dumps(body)).run()
    assert not app.exception
    label = app.dataframe[0].value["Count"][0]
    low, high = (int(n.replace(",", "")) for n in label.split("(")[1].split(" ")[0].split("–"))
    assert label.startswith("estimate (") and low <= app.dataframe[0].value["Input tokens"][0] <= high


def test_a_past_day_counts_a_request_with_the_rules_then(app: AppTest):
    # A Responses API input cost a fixed block more before 2025-04-01: the page's day sets the prices and
    # the counting rules alike.
    from datetime import date

    from analytics import tokens

    body = {"model": "gpt-4o", "input": "What is the refund policy?"}
    app.radio(key="est_kind").set_value("Request body (JSON)").run()
    app.multiselect(key="est_models").set_value(["gpt-4o"])
    app.text_area(key="est_body").input(json.dumps(body)).run()
    assert list(app.dataframe[0].value["Input tokens"]) == [tokens.count_request(body).tokens]
    app.date_input(key="est_at").set_value(date(2025, 3, 1)).run()
    assert not app.exception
    early = tokens.count_request(body, at=date(2025, 3, 1)).tokens
    assert list(app.dataframe[0].value["Input tokens"]) == [early]
    assert app.date_input(key="est_at").label == "As on (UTC)"


def test_a_body_naming_a_model_not_selected_says_so(app: AppTest):
    body = {"model": "o4-mini", "messages": [{"role": "user", "content": "Hi"}]}
    app.radio(key="est_kind").set_value("Request body (JSON)").run()
    app.multiselect(key="est_models").set_value(["gpt-4o-mini"])
    app.text_area(key="est_body").input(json.dumps(body)).run()
    assert not app.exception
    assert any("The body names o4-mini" in c.value for c in app.caption)
    assert list(app.dataframe[0].value["Model"]) == ["gpt-4o-mini"]
    app.multiselect(key="est_models").set_value(["gpt-4o-mini", "o4-mini"]).run()
    assert not any("The body names" in c.value for c in app.caption)
    assert sorted(app.dataframe[0].value["Model"]) == ["gpt-4o-mini", "o4-mini"]
