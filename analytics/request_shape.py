"""Checks that a request body has the shape the counter reads, so a malformed one gets a clear error.

A body that parses as JSON can still hold the wrong kind of value where the Chat Completions or Responses
API expects another (`"tool_calls": "oops"`, an `input` list of bare strings). Counting such a body would
fail deep inside the rules with an AttributeError; `check` names the first such place instead, as a path
into the body (`messages[1].tool_calls`) and what belongs there. It checks only what the counter reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MalformedRequestError(ValueError):
    """A request body whose value at `where` is not what the API expects there (`expected`)."""

    def __init__(self, where: str, expected: str) -> None:
        self.where, self.expected = where, expected
        super().__init__(f"{where}: {expected}")

    @property
    def key(self) -> str:
        """The last key of `where` (`tool_calls` for `messages[1].tool_calls`), to find it in the file."""
        return self.where.rsplit(".", 1)[-1].split("[", 1)[0]

    def __reduce__(self) -> tuple[Any, ...]:  # raised in worker processes of estimate-file
        return MalformedRequestError, (self.where, self.expected)


def check(body: Mapping[str, Any]) -> None:
    """Raises MalformedRequestError at the first value of `body` the counter cannot read."""
    if "messages" in body:
        _check_list(body["messages"], "messages", "a list of messages", _check_message)
    if "input" in body and not isinstance(body["input"], str):
        _check_list(body["input"], "input", "a string or a list of input items", _check_input_item)
    if body.get("instructions") is not None:
        _check_content(body["instructions"], "instructions")
    if body.get("tools") is not None:
        _check_list(body["tools"], "tools", "a list of tools", _check_tool)
    for key in ("response_format", "text", "reasoning"):
        if body.get(key) is not None and not isinstance(body[key], Mapping):
            raise MalformedRequestError(key, "expected an object")
    choice = body.get("tool_choice")
    if choice is not None and not isinstance(choice, str | Mapping):
        raise MalformedRequestError("tool_choice", 'expected "auto", "none", "required" or an object')


def _check_list(value: Any, where: str, what: str, check_item: Any) -> None:
    if not isinstance(value, list):
        raise MalformedRequestError(where, f"expected {what}")
    for index, item in enumerate(value):
        check_item(item, f"{where}[{index}]")


def _check_object(value: Any, where: str, what: str) -> None:
    if not isinstance(value, Mapping):
        raise MalformedRequestError(where, f"expected {what} (a JSON object)")


def _check_string(value: Any, where: str) -> None:
    if value is not None and not isinstance(value, str):
        raise MalformedRequestError(where, "expected a string")


def _check_entry(entry: Any, where: str, what: str, string_keys: tuple[str, ...]) -> None:
    """Checks a message or an input item: an object whose `string_keys` are strings and whose content is
    a string or a list of parts."""
    _check_object(entry, where, what)
    for key in string_keys:
        _check_string(entry.get(key), f"{where}.{key}")
    if entry.get("content") is not None:
        _check_content(entry["content"], f"{where}.content")


def _check_message(message: Any, where: str) -> None:
    _check_entry(message, where, "a message", ("role", "name"))
    if message.get("tool_calls") is not None:
        _check_list(message["tool_calls"], f"{where}.tool_calls", "a list of tool calls", _check_tool_call)


def _check_content(content: Any, where: str) -> None:
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise MalformedRequestError(where, "expected a string or a list of content parts")
    for index, part in enumerate(content):
        _check_object(part, f"{where}[{index}]", "a content part")


def _check_tool_call(call: Any, where: str) -> None:
    _check_object(call, where, "a tool call")
    for key in ("function", "custom"):
        if call.get(key) is not None:
            _check_object(call[key], f"{where}.{key}", "a function call")
            _check_string(call[key].get("name"), f"{where}.{key}.name")
            _check_string(call[key].get("arguments"), f"{where}.{key}.arguments")
            _check_string(call[key].get("input"), f"{where}.{key}.input")


def _check_input_item(item: Any, where: str) -> None:
    _check_entry(item, where, "an input item", ("type", "role", "name", "arguments", "input", "call_id"))


def _check_tool(tool: Any, where: str) -> None:
    _check_object(tool, where, "a tool")
    function = tool.get("function", tool)
    if function is not tool:
        _check_object(function, f"{where}.function", "a function definition")
    _check_string(function.get("name"), f"{where}.name" if function is tool else f"{where}.function.name")
    _check_string(function.get("description"), f"{where}.description")
    parameters = function.get("parameters")
    if parameters is not None and not isinstance(parameters, Mapping):
        raise MalformedRequestError(f"{where}.parameters", "expected a JSON schema object")
