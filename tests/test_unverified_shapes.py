"""Request shapes the recorded truth does not vouch for are estimates, not `exact`: each case below was an
`exact: true` that a recording in the fresh held-out set (data/token_truth/) showed wrong."""

from __future__ import annotations

from analytics import tokens

HELLO = [{"role": "user", "content": "In up to 5 words, what is at example.com?"}]


def test_a_search_variant_of_a_verified_family_is_an_estimate() -> None:
    family = tokens.count_request({"model": "gpt-4o-mini", "messages": HELLO})
    search = tokens.count_request({"model": "gpt-4o-mini-search-preview", "messages": HELLO})
    assert family.exact and not search.exact
    assert any("not verified" in note for note in search.notes) and search.low < search.tokens < search.high


def test_a_message_of_several_text_parts_is_an_estimate() -> None:
    one = [{"type": "text", "text": "Could the image be a book? Answer with yes or no."}]
    lines = ("Could the image be a book?", "Answer with yes or no")
    several = [{"type": "text", "text": line} for line in lines]
    assert tokens.count_request({"model": "gpt-4.1", "messages": [{"role": "user", "content": one}]}).exact
    counted = tokens.count_request({"model": "gpt-4.1", "messages": [{"role": "user", "content": several}]})
    assert not counted.exact and "text_parts" in " ".join(counted.notes)


def test_responses_with_parallel_tool_calls_off_is_an_estimate() -> None:
    body = {"model": "gpt-4o-mini", "input": [{"role": "system", "content": "Be brief."}, *HELLO]}
    assert tokens.count_request(body).exact
    counted = tokens.count_request({**body, "parallel_tool_calls": False})
    assert not counted.exact and "parallel_tool_calls_off" in " ".join(counted.notes)
    chat = {"model": "gpt-4o-mini", "messages": HELLO, "parallel_tool_calls": False}
    assert tokens.count_request(chat).exact  # Chat Completions: 30 recorded requests with it count exactly


def test_a_loose_response_format_with_optional_fields_is_an_estimate() -> None:
    schema = {"type": "object", "properties": {"os": {"enum": ["OpenBSD", "NetBSD"], "type": "string"}}}
    body = {
        "model": "gpt-4o-mini",
        "messages": HELLO,
        "response_format": {"type": "json_schema", "json_schema": {"name": "S", "schema": schema}},
    }
    counted = tokens.count_request(body)
    assert not counted.exact and "optional_format_fields" in " ".join(counted.notes)
    strict = {"name": "S", "strict": True, "schema": {**schema, "required": ["os"]}}
    strict_format = {"type": "json_schema", "json_schema": strict}
    assert tokens.count_request({**body, "response_format": strict_format}).exact
