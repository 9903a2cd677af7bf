"""Prompt tokens of Chat Completions and Responses API request bodies (re-exported by `analytics.tokens`).

OpenAI's published rules (cookbook "How to count tokens with tiktoken", the vision cost docs) where they hold,
and elsewhere the rendering that the recorded exchanges in `openai-token-truth-dev.jsonl` pin down: tools are
rendered as a TypeScript namespace (the format openai/harmony publishes), json_schema response formats as
compact JSON, tool calls as messages addressed `to=functions.name`. The constants below that have no published
source were fitted to those recorded counts; each says what it stands for.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from analytics.tokens import TokenCount, base_model, encoding_name_for_model, text_tokens

# Messages (cookbook): <|im_start|>, <|im_sep|>, <|im_end|> per message, the role counted as text; +1 for a
# name; the reply is primed with <|im_start|>assistant<|im_sep|>.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
# Reasoning models (o1, o3, o4-mini, gpt-5) prime the reply with one token less.
REASONING_REPLY_PRIMING = 2
# gpt-5 renders turns like harmony: assistant turns carry a channel, tools sit in a developer message after a
# fixed preamble, and every tool call and result carries channel and content-type markers.
HARMONY_ASSISTANT_EXTRA = 2
HARMONY_TOOLS_PREAMBLE = 80
HARMONY_TOOL_ROUND_EXTRA = 7  # per call and its result, on top of both messages
HARMONY_RESPONSES_ROUND_EXTRA = 1  # the Responses API adds one more per round

# Tool definitions: `# Tools` section added to the first system message (or a system message of its own;
# always its own on the Responses API). Nested objects are rendered inline without indentation.
TOOLS_SECTION_ADJUST = -1  # the section costs one token less than its text
TOOL_CHOICE_FORCED = 7  # a forced function costs this plus its name
TOOL_CHOICE_NONE = 1
# Tool calls: on Chat Completions a call is addressed `assistant to=functions` + `.` (one token) + the name
# tokenized on its own; o-series models cost one more than the text `assistant to=functions.name`. A result
# message costs one more than its text.
CALL_ADDRESS_DOT = 1
TOOL_CALL_EXTRA = 1
TOOL_RESULT_EXTRA = 1
# The Responses API (non-reasoning models) renders a function_call and its function_call_output without
# that extra token.
RESPONSES_TOOL_CALL_EXTRA = 0
RESPONSES_TOOL_RESULT_EXTRA = 0
# A function_call item that carries its item id (`fc_...`, as an earlier response returned it) costs three
# tokens more than one sent with only its call_id (fitted: 15 rows of openai-agents / activeagent).
RESPONSES_STORED_CALL_EXTRA = 3

# json_schema response formats: `# Response Formats` section with the schema as compact JSON, non-ASCII
# characters escaped (`\u2014`: crewAI's StepObservation rows, whose descriptions carry em dashes).
RESPONSE_FORMAT_EXTRA = 4  # Chat Completions, a format without function tools (with them it costs its text)
# ... and on Chat Completions the format's name costs its tokens once more, less two (fitted: crewAI's
# ExtractedMemories / TaskEvaluationPydanticOutput / TrainingTaskEvaluation / LLMGuardrailResult rows and the
# one-token Person / Invoice names; a two-token name costs nothing more, as all the other rows show).
RESPONSE_FORMAT_NAME_ADJUST = -2
# ... and four more once the conversation holds an assistant reply with text, with or without tools (fitted:
# crewAI's *_to_another_task, lite_agent and structured_output_with_tools rows, chatlas' data_extraction).
RESPONSE_FORMAT_AFTER_REPLY = 4
ANY_OF_EXTRA = 3  # Responses API: each anyOf costs three tokens more than its JSON (pydantic-ai's rows)
# Strict mode implies `required` / `additionalProperties` and does not support bounds and defaults: the
# recorded counts show all of them left out of the rendered schema.
STRICT_DROPPED_KEYS = frozenset(
    {"required", "additionalProperties", "default", "minimum", "maximum", "minItems", "maxItems"}
)

# The Responses API renders the same sections a few tokens shorter than Chat Completions does.
RESPONSES_TOOLS_ADJUST = -6  # non-reasoning models: exactly the `# Tools\n\n## functions\n\n` header
# A parameters schema with a `title` is rendered with it as a comment (`// get_weather_args`); on the
# Responses API, and for strict functions on Chat Completions, that comment costs one token more than its
# text (fitted: the Responses rows of openai-agents / agent-framework, magentic's strict rows; DataDog's
# non-strict Chat Completions rows cost the text).
PARAMETERS_TITLE_EXTRA = 1
RESPONSES_REASONING_UNDESCRIBED = -1  # reasoning models: a function without a description costs one less
RESPONSES_FORMAT_EXTRA = -3
RESPONSES_REASONING_FORMAT_ADJUST = -1  # reasoning models, a format without tools
RESPONSES_REASONING_FORMAT_WITH_TOOLS = 2  # reasoning models, a format next to function tools


# Model families whose chat formatting the recorded counts confirm; others are counted with the nearest rules
# and marked as estimates.
VERIFIED_MODEL_PREFIXES = (
    "gpt-3.5",
    "gpt-35",
    "gpt-4-",
    "gpt-4o",
    "chatgpt-4o",
    "gpt-4.1",
    "gpt-5",
    "o1-mini",
    "o3",
    "o4-mini",
)
VERIFIED_MODELS = frozenset({"gpt-4"})


class _Counter:
    """Accumulates the prompt tokens of one request, and the reasons the total is not exact."""

    def __init__(self, model: str, images: ImageResolver, *, responses_api: bool = False) -> None:
        self.model = model
        self.encoding = encoding_name_for_model(model)
        self.images = images
        self.responses_api = responses_api
        self.reasoning = is_reasoning_model(model)
        self.harmony = self.reasoning and base_model(model).startswith("gpt-5")
        self.tokens = 0
        self.notes: list[str] = []
        name = base_model(model)
        if name not in VERIFIED_MODELS and not name.startswith(VERIFIED_MODEL_PREFIXES):
            self.note(
                f"chat formatting of {name} not verified against recorded counts (nearest family's rules)"
            )

    def text(self, text: str) -> None:
        self.tokens += text_tokens(self.encoding, text)

    def note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)

    def result(self) -> TokenCount:
        return TokenCount(self.model, self.encoding, self.tokens, not self.notes, tuple(self.notes))


def is_reasoning_model(model: str) -> bool:
    """Returns whether `model` is an o-series or gpt-5 reasoning model (they render turns differently)."""
    name = base_model(model)
    if name.startswith(("o1-mini", "o1-preview", "gpt-5-chat")):  # chat-style rendering, like gpt-4o
        return False
    return name.startswith(("o1", "o3", "o4", "gpt-5"))


def count_request(
    body: Mapping[str, Any],
    model: str | None = None,
    *,
    image_sizes: Mapping[str, tuple[int, int]] | None = None,
    base_dir: Path | None = None,
) -> TokenCount:
    """Returns the prompt tokens of a Chat Completions (`messages`) or Responses API (`input`) body.

    Images are sized from `data:` URLs or local files (relative to `base_dir`); a remote URL needs its
    (width, height) in `image_sizes`. Image counts are estimates, and the result says so in `notes`.
    """
    model = model or body.get("model")
    if not model:
        raise ValueError('no model: pass model= or put "model" in the request body')
    images = ImageResolver(image_sizes or {}, base_dir)
    if "messages" in body:
        counter = _Counter(model, images)
        _count_chat(counter, body)
    elif "input" in body or "instructions" in body:
        counter = _Counter(model, images, responses_api=True)
        _count_chat(counter, _responses_as_chat(body))
    else:
        raise ValueError('not a chat request: the body has neither "messages" nor "input"/"instructions"')
    return counter.result()


def count_message_tokens(
    message: Mapping[str, Any],
    model: str,
    *,
    image_sizes: Mapping[str, tuple[int, int]] | None = None,
    base_dir: Path | None = None,
) -> TokenCount:
    """Returns the tokens one Chat Completions message adds to a prompt (without the reply priming)."""
    counter = _Counter(model, ImageResolver(image_sizes or {}, base_dir))
    _count_message(counter, message, {})
    return counter.result()


# --- Chat Completions -----------------------------------------------------------------------------------


def _count_chat(counter: _Counter, body: Mapping[str, Any]) -> None:
    messages = list(body["messages"])
    functions = _chat_functions(body)
    sections = []
    for kind in body.get("builtin_tools") or ():
        counter.note(f"built-in tool {kind}: its hidden instructions are not counted")
    if any(_nested_type_list(function.get("parameters") or {}) for function in functions):
        counter.note("tool parameters with a type list inside a nested object: rendering not verified")
    if functions and counter.harmony and not counter.responses_api:
        counter.tokens += TOKENS_PER_MESSAGE + HARMONY_TOOLS_PREAMBLE
        counter.text("developer")
        counter.text(render_functions(functions))
        # The bare-first-property correction holds here too, except for the first such function (fitted:
        # pydantic-ai's gpt-5 tool_choice_matrix / tool_search_eval rows with one to four bare functions).
        counter.tokens += min(0, _bare_first_property_adjustment(functions) + 1)
    elif functions:
        sections.append(render_functions(functions))
        counter.tokens += _bare_first_property_adjustment(functions)
        # o-series models on Chat Completions see the section at its full cost (fitted: crewAI's o3-mini
        # test_agent_powered_by_new_o_model_family_that_uses_tool rows, the only ones with tools).
        if counter.responses_api or not counter.reasoning:
            counter.tokens += TOOLS_SECTION_ADJUST
        titled = [function for function in functions if (function.get("parameters") or {}).get("title")]
        if counter.responses_api and not counter.reasoning:
            counter.tokens += RESPONSES_TOOLS_ADJUST
            counter.tokens += PARAMETERS_TITLE_EXTRA * len(titled)
        elif not counter.reasoning:  # Chat Completions: strict functions only (magentic's *_strict rows)
            strict_titled = sum(bool(function.get("strict")) for function in titled)
            counter.tokens += PARAMETERS_TITLE_EXTRA * strict_titled
        if counter.responses_api and counter.reasoning:
            undescribed = sum(not function.get("description") for function in functions)
            counter.tokens += RESPONSES_REASONING_UNDESCRIBED * undescribed
    if functions:
        _count_tool_choice(counter, body.get("tool_choice", body.get("function_call")), functions)
    response_format = render_response_format(body.get("response_format"))
    if response_format:
        sections.append(response_format)
        if counter.responses_api:
            counter.tokens += RESPONSES_FORMAT_EXTRA
            # Chat Completions shows no such cost: it was the format's name (LLMGuardrailResult) and its
            # escaped em dashes (StepObservation) that the rows fitting it there had in common.
            counter.tokens += ANY_OF_EXTRA * response_format.count('"anyOf":')
        else:
            counter.tokens += 0 if functions else RESPONSE_FORMAT_EXTRA
            name = (body["response_format"].get("json_schema") or {}).get("name") or ""
            counter.tokens += text_tokens(counter.encoding, name) + RESPONSE_FORMAT_NAME_ADJUST
            if any(m.get("role") == "assistant" and m.get("content") for m in messages):
                counter.tokens += RESPONSE_FORMAT_AFTER_REPLY
        if counter.responses_api and counter.reasoning:
            counter.tokens += (
                RESPONSES_REASONING_FORMAT_WITH_TOOLS if functions else RESPONSES_REASONING_FORMAT_ADJUST
            )
    if sections:
        _add_to_system_message(counter, messages, "\n\n".join(sections))
    call_names = {
        call.get("id", ""): (call.get("function") or {}).get("name", "")
        for message in messages
        for call in message.get("tool_calls") or ()
    }
    for message in messages:
        _count_message(counter, message, call_names)
    counter.tokens += REASONING_REPLY_PRIMING if counter.reasoning else REPLY_PRIMING


def _add_to_system_message(counter: _Counter, messages: list[Mapping[str, Any]], section: str) -> None:
    """Appends `section` to the first system message, or counts it as a system message of its own."""
    index = next((i for i, m in enumerate(messages) if m.get("role") in ("system", "developer")), None)
    # The Responses API never merges it into `instructions` or a system message: it is a message of its own.
    if counter.responses_api or index is None or not isinstance(messages[index].get("content"), str):
        counter.tokens += TOKENS_PER_MESSAGE
        counter.text("system")
        counter.text(section)
    else:
        messages[index] = {**messages[index], "content": f"{messages[index]['content']}\n\n{section}"}


def _chat_functions(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Returns the function definitions of `tools` (type function) or of the legacy `functions`."""
    if body.get("tools"):
        return [tool["function"] for tool in body["tools"] if tool.get("type", "function") == "function"]
    return list(body.get("functions") or [])


def _count_tool_choice(counter: _Counter, choice: Any, functions: Sequence[Mapping[str, Any]]) -> None:
    if counter.reasoning:  # reasoning models do not see tool_choice in the prompt
        return
    if counter.responses_api:
        # The Responses API renders only a forced function: named, or "required" with a single function.
        if choice == "required" and len(functions) == 1:
            choice = {"name": functions[0].get("name", "")}
        if isinstance(choice, Mapping) and choice.get("type", "function") == "function":
            counter.tokens += TOOL_CHOICE_FORCED
            counter.text(choice.get("name", ""))
        return
    if choice == "none":
        counter.tokens += TOOL_CHOICE_NONE
    elif isinstance(choice, Mapping):
        counter.tokens += TOOL_CHOICE_FORCED
        counter.text((choice.get("function") or choice).get("name", ""))


def _count_message(counter: _Counter, message: Mapping[str, Any], call_names: Mapping[str, str]) -> None:
    """Adds one message; `call_names` maps tool_call ids to the names of the functions called, because a
    tool result is rendered under that name (`functions.get_weather`), not under the role `tool`."""
    role = message.get("role", "user")
    if role == "assistant" and message.get("tool_calls"):
        _count_tool_calls(counter, message)
        return
    counter.tokens += TOKENS_PER_MESSAGE
    if role in ("tool", "function"):
        name = (
            call_names.get(message.get("tool_call_id", ""), "") if role == "tool" else message.get("name", "")
        )
        counter.text(f"functions.{name}")
        responses = counter.responses_api and not counter.reasoning
        counter.tokens += RESPONSES_TOOL_RESULT_EXTRA if responses else TOOL_RESULT_EXTRA
    else:
        counter.text(role)
        if message.get("name"):
            counter.tokens += TOKENS_PER_NAME
            counter.text(message["name"])
    _count_content(counter, message.get("content"))
    if role == "assistant" and counter.harmony:
        counter.tokens += HARMONY_ASSISTANT_EXTRA


def _count_tool_calls(counter: _Counter, message: Mapping[str, Any]) -> None:
    """Adds an assistant turn that calls tools: a message addressed `to=functions.name` whose content is the
    arguments as compact JSON; several calls in one turn become one `multi_tool_use.parallel` call
    (gpt-5 sends each call as a message of its own)."""
    if message.get("content"):
        counter.tokens += TOKENS_PER_MESSAGE
        counter.text("assistant")
        _count_content(counter, message["content"])
    calls = [call.get("function") or {} for call in message["tool_calls"]]
    if counter.responses_api and not counter.reasoning:
        counter.tokens += RESPONSES_STORED_CALL_EXTRA * sum(
            bool(call.get("stored")) for call in message["tool_calls"]
        )
    if counter.harmony or len(calls) == 1:
        responses = counter.responses_api and not counter.reasoning
        extra = RESPONSES_TOOL_CALL_EXTRA if responses else TOOL_CALL_EXTRA
        if counter.harmony:
            extra = HARMONY_TOOL_ROUND_EXTRA + (HARMONY_RESPONSES_ROUND_EXTRA if counter.responses_api else 0)
        for call in calls:
            counter.tokens += TOKENS_PER_MESSAGE
            if counter.responses_api or counter.reasoning:
                counter.tokens += extra
                counter.text(f"assistant to=functions.{call.get('name', '')}")
            else:
                # Chat Completions: the function name is tokenized apart from `functions` and its dot (the
                # dot is one token): `.get_weather` and `get_weather` cost the same, `.calculator` one
                # more than `calculator` (pydantic-ai's durability_ vs plain tool names, crewAI's tools).
                counter.text("assistant to=functions")
                counter.tokens += CALL_ADDRESS_DOT
                counter.text(call.get("name", ""))
            counter.text(_compact_arguments(call.get("arguments")))
        return
    uses = [
        {
            "recipient_name": f"functions.{call.get('name', '')}",
            "parameters": _parsed_arguments(call.get("arguments")),
        }
        for call in calls
    ]
    counter.tokens += TOKENS_PER_MESSAGE
    counter.text("assistant to=multi_tool_use.parallel")
    counter.text(_compact({"tool_uses": uses}))


def _parsed_arguments(arguments: str | None) -> Any:
    try:
        return json.loads(arguments or "{}")
    except ValueError:
        return arguments


def _compact_arguments(arguments: str | None) -> str:
    """Returns call arguments re-serialised as compact JSON, as the API does (unparseable text is kept)."""
    if not arguments:
        return ""
    try:
        return _compact(json.loads(arguments))
    except ValueError:
        return arguments


def _count_content(counter: _Counter, content: Any) -> None:
    if isinstance(content, str):
        counter.text(content)
        return
    for part in content or ():
        kind = part.get("type")
        if kind in ("text", "input_text", "output_text"):
            counter.text(part["text"])
        elif kind in ("image_url", "input_image"):
            _count_image(counter, part)


def _count_image(counter: _Counter, part: Mapping[str, Any]) -> None:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, Mapping) else image
    detail = (image.get("detail") if isinstance(image, Mapping) else None) or part.get("detail") or "auto"
    width, height = counter.images.size(url)
    tokens, note = image_tokens(width, height, detail, counter.model)
    counter.tokens += tokens
    if note:
        counter.note(note)


# --- tool definitions -----------------------------------------------------------------------------------


def render_functions(functions: Sequence[Mapping[str, Any]]) -> str:
    """Returns the tools section the model sees for these function definitions (TypeScript namespace)."""
    blocks = []
    for function in functions:
        # Each description line becomes a comment, stripped; a blank line inside it becomes an empty comment
        # `//` (dd-trace-py's docstring `add` tool; the BPE mostly merges `//\n//`, so it is often free).
        description = (function.get("description") or "").strip()
        lines = [f"// {line.strip()}".rstrip(" ") for line in description.splitlines()]
        parameters = _resolve_refs(function.get("parameters") or {})
        if parameters.get("title"):
            lines.append(f"// {parameters['title']}")
        if parameters.get("properties"):
            lines.append(f"type {function['name']} = (_: {_ts_type(parameters)}) => any;\n")
        else:
            lines.append(f"type {function['name']} = () => any;\n")
        blocks.append("\n".join(lines))
    return (
        "# Tools\n\n## functions\n\nnamespace functions {\n\n"
        + "\n".join(blocks)
        + "\n} // namespace functions"
    )


def _resolve_refs(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Returns `schema` with local `$ref`s (#/$defs/X, #/definitions/X) replaced by their definitions."""
    definitions = {**(schema.get("definitions") or {}), **(schema.get("$defs") or {})}

    def resolve(node: Any, depth: int) -> Any:
        if isinstance(node, list):
            return [resolve(item, depth) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and depth < 8:  # the depth bound stops recursive schemas
            target = definitions.get(ref.rsplit("/", 1)[-1])
            if target is not None:
                return resolve({**target, **{k: v for k, v in node.items() if k != "$ref"}}, depth + 1)
        return {k: resolve(v, depth) for k, v in node.items() if k not in ("$defs", "definitions")}

    return resolve(schema, 0) if definitions else schema


def _ts_type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join("number" if k == "integer" else str(k) for k in kind)
    if kind == "object" or "properties" in schema:
        return _ts_object(schema)
    if kind == "string":
        values = [v for v in schema.get("enum") or () if isinstance(v, str)]
        return " | ".join(f'"{v}"' for v in values) if values else "string"
    if kind in ("number", "integer"):
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "null":
        return "null"
    variants = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(variants, list) and variants:
        return " | ".join(_ts_type(variant) for variant in variants)
    if kind == "array":
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return "Array<any>"
        comment = items.get("description") or items.get("title")
        if comment and (items.get("type") == "object" or "properties" in items):
            # An array of objects whose item schema has a description (or title) wraps it in Array<...> with
            # the description as a comment; without one it is `{...}[]` (the recorded counts show both).
            return f"Array<\n// {comment}\n{_ts_type(items)}>"
        return f"{_ts_type(items)}[]"
    return "any"


def _ts_object(schema: Mapping[str, Any]) -> str:
    out = "{\n"  # nested objects are not indented; a description is rendered above its property only
    required = set(schema.get("required") or ())
    for key, prop in (schema.get("properties") or {}).items():
        out += _property_comments(prop)
        optional = "" if key in required else "?"
        out += f"{key}{optional}: {_ts_type(prop)},"
        if "default" in prop:
            out += f" // {_default_comment(prop)}"
        out += "\n"
    return out + "}"


def _property_comments(prop: Mapping[str, Any]) -> str:
    lines = []
    if prop.get("title"):
        lines.append(prop["title"])
        if prop.get("description"):
            lines.append("")  # harmony separates a title from the description with an empty comment line
    if prop.get("description"):
        # every line of a multi-line description is a comment of its own (agno's yfinance tools show it)
        lines.extend(line.strip() for line in prop["description"].strip().splitlines())
    return "".join(f"// {line}".rstrip(" ") + "\n" for line in lines)


def _default_comment(prop: Mapping[str, Any]) -> str:
    default = prop["default"]
    if isinstance(default, str):
        return f"default: {default}" if prop.get("enum") else f'default: "{default}"'
    return f"default: {json.dumps(default, separators=(',', ':'))}"


def _nested_type_list(schema: Mapping[str, Any], depth: int = 0) -> bool:
    """Returns whether a nested object (or array item) of a parameters schema has a property whose `type` is a
    list (`["string", "null"]`): the one nested shape whose recorded counts the rendering does not match."""
    for prop in (schema.get("properties") or {}).values():
        if not isinstance(prop, Mapping):
            continue
        if depth > 0 and isinstance(prop.get("type"), list):
            return True
        items = prop.get("items")
        for inner in (prop, items) if isinstance(items, Mapping) else (prop,):
            if inner.get("properties") and _nested_type_list(inner, depth + 1):
                return True
    return False


def _bare_first_property_adjustment(functions: Sequence[Mapping[str, Any]]) -> int:
    """Returns the token correction the recorded counts show: an object whose first property carries no
    comment costs one token less than its rendering (fitted; traceloop's recipe rows show that a `$ref`
    property that gets its definition's title as a comment is not bare)."""
    total = 0
    for function in functions:
        # A `$ref` property is judged by its definition, as it is rendered (its title becomes its comment).
        properties = list((_resolve_refs(function.get("parameters") or {}).get("properties") or {}).values())
        if properties and not (properties[0].get("description") or properties[0].get("title")):
            total -= 1
    return total


# --- images -------------------------------------------------------------------------------------------

# Tile scheme (published vision cost rules): detail low costs the base; high/auto fits the image in 2048x2048,
# shrinks it so the short side is at most 768 px, and adds a cost per 512 px tile. Longest prefix wins.
IMAGE_TILE_COSTS: dict[str, tuple[int, int]] = {
    "gpt-4o-mini": (2833, 5667),
    "gpt-4o": (85, 170),
    "chatgpt-4o": (85, 170),
    "gpt-4.1": (85, 170),
    "gpt-4.5": (85, 170),
    "gpt-4-turbo": (85, 170),
    "gpt-5-chat": (70, 140),
    "gpt-5": (70, 140),
    "o1": (75, 150),
    "o3": (75, 150),
    "computer-use-preview": (65, 129),
}
# Patch scheme: 32 px patches, at most 1536 (the image is shrunk to fit), times a per-model multiplier.
# gpt-5-mini/-nano and gpt-5.2+ use the multipliers the API is measured to bill (1.2 / 1.5), which differ from
# the documented 1.62 / 2.46 (OpenAI community thread 1344040 and the gpt-5.4 mini/nano launch thread).
IMAGE_PATCH_MULTIPLIERS: dict[str, float] = {
    "gpt-4.1-mini": 1.62,
    "gpt-4.1-nano": 2.46,
    "o4-mini": 1.72,
    "codex-mini": 1.72,
    "gpt-5-mini": 1.2,
    "gpt-5-nano": 1.5,
    "gpt-5.": 1.2,  # gpt-5.2, gpt-5.3-codex, gpt-5.4 and their -mini / -nano
}
PATCH_SIZE = 32
PATCH_IMAGE_EXTRA = 1  # the recorded counts show one token per image on top of the patches
MAX_PATCHES = 1536
TILE_SIZE = 512


def _longest_prefix(table: Mapping[str, Any], model: str) -> Any:
    name = base_model(model)
    matches = [prefix for prefix in table if name.startswith(prefix)]
    return table[max(matches, key=len)] if matches else None


def image_tokens(width: int, height: int, detail: str, model: str) -> tuple[int, str]:
    """Returns the estimated tokens of a `width` x `height` image for `model`, and a note on the rule used."""
    multiplier = _longest_prefix(IMAGE_PATCH_MULTIPLIERS, model)
    if multiplier is not None:
        tokens = math.ceil(_patches(width, height) * multiplier) + PATCH_IMAGE_EXTRA
        return tokens, "image tokens estimated with the 32px patch scheme"
    base, per_tile = _longest_prefix(IMAGE_TILE_COSTS, model) or IMAGE_TILE_COSTS["gpt-4o"]
    if detail == "low":
        return base, "image tokens estimated with the tile scheme (detail low)"
    return base + per_tile * _tiles(width, height), "image tokens estimated with the 512px tile scheme"


def _tiles(width: int, height: int) -> int:
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))
    width, height = width * scale, height * scale
    return math.ceil(width / TILE_SIZE) * math.ceil(height / TILE_SIZE)


def _patches(width: int, height: int) -> int:
    patches = math.ceil(width / PATCH_SIZE) * math.ceil(height / PATCH_SIZE)
    if patches <= MAX_PATCHES:
        return patches
    # Published resize: shrink to the patch budget, then so that whole patches fit each side.
    ratio = math.sqrt(PATCH_SIZE * PATCH_SIZE * MAX_PATCHES / (width * height))
    w_patches, h_patches = width * ratio / PATCH_SIZE, height * ratio / PATCH_SIZE
    ratio *= min(math.floor(w_patches) / w_patches, math.floor(h_patches) / h_patches)
    width, height = int(width * ratio), int(height * ratio)
    return min(MAX_PATCHES, math.ceil(width / PATCH_SIZE) * math.ceil(height / PATCH_SIZE))


class ImageResolver:
    """Finds the pixel size of an image: a data: URL, a local file, or a size the caller gave for its URL."""

    def __init__(self, sizes: Mapping[str, tuple[int, int]], base_dir: Path | None) -> None:
        self.sizes = sizes
        self.base_dir = base_dir

    def size(self, url: str | None) -> tuple[int, int]:
        if not url:
            raise ValueError("an image part has no URL")
        if url in self.sizes:
            return self.sizes[url]
        if url.startswith("data:"):
            return _pillow_size(_data_url_bytes(url), "a data: URL image")
        parsed = urlparse(url)
        if parsed.scheme in ("", "file"):
            path = Path(unquote(parsed.path) if parsed.scheme == "file" else url)
            if not path.is_absolute() and self.base_dir is not None:
                path = self.base_dir / path
            return _pillow_size(path.read_bytes(), str(path))
        raise ValueError(
            f"cannot size the remote image {url}: pass its (width, height) in image_sizes={{url: (w, h)}}"
        )


def _data_url_bytes(url: str) -> bytes:
    header, _, payload = url.partition(",")
    try:
        return base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode("latin-1")
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"cannot decode the data: URL image ({header[:40]}): {error}") from None


def _pillow_size(data: bytes, where: str) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError  # Pillow only when a request carries an image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except UnidentifiedImageError:
        raise ValueError(f"cannot read {where} as an image") from None


# --- structured output --------------------------------------------------------------------------------


def render_response_format(response_format: Mapping[str, Any] | None) -> str:
    """Returns the `# Response Formats` section for a json_schema response_format ("" for none / json_object).

    The schema is rendered as compact JSON with non-ASCII characters escaped; in strict mode `required` and
    `additionalProperties` are implied and left out (the recorded counts show it).
    """
    if not response_format or response_format.get("type") != "json_schema":
        return ""
    spec = response_format.get("json_schema") or {}
    schema = spec.get("schema") or {}
    if spec.get("strict"):
        schema = _without_keys(schema, STRICT_DROPPED_KEYS)
    description = f"// {spec['description']}\n" if spec.get("description") else ""
    return f"# Response Formats\n\n## {spec.get('name', '')}\n\n{description}{_ascii_compact(schema)}"


def _without_keys(node: Any, keys: frozenset[str]) -> Any:
    """Returns a copy of a JSON schema without the schema keywords `keys` (property names are kept)."""
    if isinstance(node, list):
        return [_without_keys(item, keys) for item in node]
    if not isinstance(node, dict):
        return node
    kept = {}
    for key, value in node.items():
        if key in keys:
            continue
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            kept[key] = {name: _without_keys(sub, keys) for name, sub in value.items()}
        else:
            kept[key] = _without_keys(value, keys)
    return kept


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _ascii_compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# --- Responses API --------------------------------------------------------------------------------------


def _responses_as_chat(body: Mapping[str, Any]) -> dict[str, Any]:
    """Returns a Responses API body in the Chat Completions shape it is rendered as."""
    messages: list[dict[str, Any]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": body["instructions"]})
    items = body.get("input") or []
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    for item in items:
        kind = item.get("type", "message")
        if kind == "message":
            messages.append({"role": item.get("role", "user"), "content": item.get("content")})
        elif kind == "function_call":
            function = {"name": item.get("name", ""), "arguments": item.get("arguments", "")}
            call = {"id": item.get("call_id", ""), "function": function, "stored": bool(item.get("id"))}
            if messages and messages[-1].get("role") == "assistant" and messages[-1].get("tool_calls"):
                messages[-1]["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output", "")
            messages.append({"role": "tool", "tool_call_id": item.get("call_id", ""), "content": output})
    chat: dict[str, Any] = {"messages": messages}
    tools = [tool for tool in body.get("tools") or () if tool.get("type") == "function"]
    chat["builtin_tools"] = [
        tool.get("type") for tool in body.get("tools") or () if tool.get("type") != "function"
    ]
    if tools:
        chat["tools"] = [{"type": "function", "function": tool} for tool in tools]
    if body.get("tool_choice") is not None:
        chat["tool_choice"] = body["tool_choice"]
    text_format = (body.get("text") or {}).get("format") or {}
    if text_format.get("type") == "json_schema":
        spec = {key: value for key, value in text_format.items() if key != "type"}
        chat["response_format"] = {"type": "json_schema", "json_schema": spec}
    return chat
