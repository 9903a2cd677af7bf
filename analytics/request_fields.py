"""Which request fields the counting rules were verified with, so that a field they were not is never
counted as if it cost nothing.

A count is claimed exact for a request shape that counted exactly on recorded requests. A request that also
sets a field none of those requests set (a new API parameter, a new reasoning option) may change the hidden
prompt: gpt-5.6's `reasoning.mode: "pro"` (dcdpr/jp, fresh21) costs about 2,000 input tokens more than the
same request without it, and was claimed exact before this check. The lists hold every field the API reference
documents and the truth sets use; anything else makes the count an estimate, and an unknown reasoning option
(which can change the model's hidden instructions, as `effort` does in harmony's system message) leaves it
open-ended.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


CHAT_FIELDS = _names(
    """audio frequency_penalty function_call functions logit_bias logprobs max_completion_tokens max_tokens
    messages metadata modalities model moderation n parallel_tool_calls prediction presence_penalty
    prompt_cache_key prompt_cache_retention reasoning_effort response_format safety_identifier seed
    service_tier stop store stream stream_options temperature tool_choice tools top_logprobs top_p user
    verbosity web_search_options"""
)
RESPONSES_FIELDS = _names(
    """background conversation include input instructions max_output_tokens max_tool_calls metadata model
    moderation parallel_tool_calls previous_response_id prompt prompt_cache_key prompt_cache_options
    prompt_cache_retention reasoning safety_identifier service_tier store stream stream_options temperature
    text tool_choice tools top_logprobs top_p truncation user"""
)
REASONING_FIELDS = _names("effort summary generate_summary context")
TEXT_FIELDS = _names("format verbosity")
# A Chat message's fields (`audio` is an earlier audio reply referenced by id: counted as stored input, not
# here); `usage` and `cache_control` are sent by some clients and ignored by the API (recorded rows exact).
MESSAGE_FIELDS = _names(
    "role content name tool_calls tool_call_id function_call annotations refusal audio usage"
)
MESSAGE_FIELDS |= {"cache_control"}
# A Responses `message` item's fields; other items are counted (or left uncounted) by their type.
MESSAGE_ITEM_FIELDS = _names("type role content id status phase")
CONTENT_PART_FIELDS = _names(
    """type text image_url detail file file_data file_id file_url filename input_audio annotations logprobs
    prompt_cache_breakpoint"""
)


def unverified(body: Mapping[str, Any], *, responses_api: bool) -> list[str]:
    """Returns the fields of `body` outside the verified ones, as paths (`reasoning.mode`), in body order.
    A null value is a field not sent (clients that serialise every field write `"reasoning": null`)."""
    known = RESPONSES_FIELDS if responses_api else CHAT_FIELDS
    found = [key for key in _sent(body) if key not in known]
    for name, fields in (("reasoning", REASONING_FIELDS), ("text", TEXT_FIELDS)):
        nested = body.get(name)
        if isinstance(nested, Mapping):
            found += [f"{name}.{key}" for key in _sent(nested) if key not in fields]
    found += sorted({f"message {key}" for key in _message_keys(body) if key not in _message_fields(body)})
    found += sorted({f"content part {key}" for key in _part_keys(body) if key not in CONTENT_PART_FIELDS})
    return found


def _message_fields(body: Mapping[str, Any]) -> frozenset[str]:
    return MESSAGE_FIELDS if "messages" in body else MESSAGE_ITEM_FIELDS


def _message_keys(body: Mapping[str, Any]) -> Iterator[str]:
    items = body.get("messages") or body.get("input")
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping) and item.get("type", "message") == "message":
            yield from _sent(item)


def _sent(fields: Mapping[str, Any]) -> list[str]:
    return [key for key, value in fields.items() if value is not None]


def _part_keys(body: Mapping[str, Any]) -> Iterator[str]:
    items = body.get("messages") or body.get("input")
    for item in items if isinstance(items, list) else ():
        content = item.get("content") if isinstance(item, Mapping) else None
        for part in content if isinstance(content, list) else ():
            if isinstance(part, Mapping):
                yield from (key for key, value in part.items() if value is not None)
