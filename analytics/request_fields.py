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

from collections.abc import Mapping
from typing import Any


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Chat `verbosity` is left out: no recorded Chat request sets it, and it may change gpt-5's hidden
# instructions.
CHAT_FIELDS = _names(
    """audio frequency_penalty function_call functions logit_bias logprobs max_completion_tokens max_tokens
    messages metadata modalities model moderation n parallel_tool_calls prediction presence_penalty
    prompt_cache_key prompt_cache_retention reasoning_effort response_format safety_identifier seed
    service_tier stop store stream stream_options temperature tool_choice tools top_logprobs top_p user
    web_search_options"""
)
RESPONSES_FIELDS = _names(
    """background conversation include input instructions max_output_tokens max_tool_calls metadata model
    moderation parallel_tool_calls previous_response_id prompt prompt_cache_key prompt_cache_options
    prompt_cache_retention reasoning safety_identifier service_tier store stream stream_options temperature
    text tool_choice tools top_logprobs top_p truncation user"""
)
REASONING_FIELDS = _names("effort summary generate_summary context")
# Values of reasoning options the requests the rules were verified on used: another value (`summary:
# "concise"`, o4-mini, fresh24: 2 tokens more than "detailed" for the same prompt, claimed exact) may change
# the hidden instructions.
RECORDED_VALUES = {
    "reasoning.effort": _names("none minimal low medium high"),
    "reasoning.summary": _names("auto detailed"),
    "reasoning.generate_summary": _names("auto detailed"),
    "reasoning.context": _names("auto all_turns"),
    "reasoning_effort": _names("none minimal low medium high"),
}
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
    """Returns what of `body` the rules were not verified on: its unknown fields, then its unrecorded
    option values."""
    return unknown_fields(body, responses_api=responses_api) + unrecorded_values(body)


def unknown_fields(body: Mapping[str, Any], *, responses_api: bool) -> list[str]:
    """Returns the fields of `body` outside the verified ones, as paths (`reasoning.mode`), in body order.
    A null value is a field not sent (clients that serialise every field write `"reasoning": null`).

    Every request is checked, so the common case (nothing unknown) is one superset test per object."""
    found = _unknown(body, RESPONSES_FIELDS if responses_api else CHAT_FIELDS)
    for name, fields in (("reasoning", REASONING_FIELDS), ("text", TEXT_FIELDS)):
        nested = body.get(name)
        if isinstance(nested, Mapping):
            found += [f"{name}.{key}" for key in _unknown(nested, fields)]
    messages, parts = set(), set()
    items = body.get("messages") or body.get("input")
    item_fields = MESSAGE_FIELDS if "messages" in body else MESSAGE_ITEM_FIELDS
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, Mapping):
            continue
        if item.get("type", "message") == "message":
            messages.update(_unknown(item, item_fields))
        content = item.get("content")
        for part in content if isinstance(content, list) else ():
            if isinstance(part, Mapping):
                parts.update(_unknown(part, CONTENT_PART_FIELDS))
    return (
        found + sorted(f"message {key}" for key in messages) + sorted(f"content part {key}" for key in parts)
    )


def unrecorded_values(body: Mapping[str, Any]) -> list[str]:
    """`path="value"` for each reasoning option set to a value no recorded request used."""
    found = []
    for path, values in RECORDED_VALUES.items():
        head, _, key = path.rpartition(".")
        holder = body.get(head) if head else body
        value = holder.get(key) if isinstance(holder, Mapping) else None
        if value is not None and value not in values:
            found.append(f'{path}="{value}"')
    return found


def _unknown(fields: Mapping[str, Any], known: frozenset[str]) -> list[str]:
    if known.issuperset(fields):  # the common case, without building a set
        return []
    return [key for key, value in fields.items() if key not in known and value is not None]
