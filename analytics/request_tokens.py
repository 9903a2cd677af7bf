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
import functools
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from analytics import audio_length, claude_tokens, pdf_text, request_fields, request_shape, token_shapes
from analytics.request_shape import MalformedRequestError
from analytics.tokens import (
    TokenCount,
    UnknownModelError,
    approximate_claude,
    base_model,
    encoding_name_for_model,
    text_tokens,
)

# Messages (cookbook "How to count tokens with tiktoken"): <|im_start|>, <|im_sep|>, <|im_end|> per message,
# the role counted as text; the reply is primed with <|im_start|>assistant<|im_sep|>. These are published
# rules, confirmed by the plain-text rows of every repository in the truth set; they are never fitted.
TOKENS_PER_MESSAGE = 3
REPLY_PRIMING = 3
# Chat Completions addresses a call `to=functions` + `.` + the name, each tokenized on its own: the dot is
# one token (`.get_weather` and `get_weather` cost the same, `.calculator` one more than `calculator`:
# pydantic-ai's durability_ vs plain tool names, crewAI's tools).
CALL_ADDRESS_DOT = 1
# A turn of several tool calls on Chat Completions is one `multi_tool_use.parallel` call: it costs 2 tokens
# more than its rendering, and each of its results is addressed `functions.` without the function's name (a
# single call's result is addressed `functions.<name>`). Not fitted: of the 165 recorded requests with such
# a turn (21 owners), 75 are exact with both (and the bare-default rule of `_bare_functions`), 31 were
# without. Every such request of ten owners is: patvice/ruby_llm-mcp (33; the 19 whose two calls share a
# name were 4 over, the 14 others exact by chance), pydantic-ai (12; exact before only by two errors
# cancelling, this and a 1-under tools section), charmbracelet/fantasy (8), llmrb/llm (8, three calls),
# open-telemetry (4), openai/openai-dotnet (2), langchain-ai/langgraph, eidolon-ai/typedai,
# coralogix/llm-tracekit and elastic (1 each); and 3 of good-agent's 7.
PARALLEL_CALL = 2
# gpt-3.5-turbo-0301 (cookbook): 4 tokens per message, and a name replaces the role (-1). The alias
# `gpt-3.5-turbo` pointed at it until OpenAI moved it to 0613 on 2023-06-27; counting `at` an earlier date
# follows it (BoxcarsAI/boxcars' June 2023 recordings: one token per message more than today's rule).
TOKENS_PER_MESSAGE_0301 = 4
TOKENS_PER_NAME_0301 = -1
GPT35_ALIAS_MOVED = date(2023, 6, 27)
# ... and until late March 2023 its reply was primed with 2 tokens, not 3 (the cookbook's first version,
# still copied in public code: `num_tokens += 2  # every reply is primed with <im_start>assistant`). Not
# fitted (the dev set has no such row): two independent sources show it, amosjyng's langchain-visualizer,
# vcr-langchain and langchain-contrib (10 requests of 2023-03-03 to 2023-03-23, the same requests 1 token
# more from 2023-04-04 on) and dvcrn/ex_openai (1, 2023-03-04); the 43 recordings of 2023-04-04 to
# 2023-06-26 (amosjyng, BoxcarsAI, livingbio, roseflow-ai) are exact with 3. In between, an estimate.
LEGACY_PRIMING_CHANGED = (date(2023, 3, 23), date(2023, 4, 4))  # last seen with 2, first seen with 3
# A json_schema format on Chat Completions costs reasoning models 3 tokens less than others (beside the
# fitted `response_format`). Not fitted (the dev set has no such row): two independent sources show it,
# charmbracelet/fantasy (gpt-5 and o4-mini, 8 rows) and agamble/llm_ruby (o1 and o3-mini, 4 rows), each
# 3 over without it; no recording has such a format beside tools. A conversation holding a reply is left
# as it was (posit-dev/chatlas's one gpt-5.4 row is exact without it).
REASONING_CHAT_FORMAT = -3
# tool_choice "required" on Chat Completions cost 2 tokens more than today's rule until OpenAI changed how it
# renders it, one family at a time. Not fitted (the dev set has no such row): three independent sources show
# it, langchain-ai/langgraph and instructor-ai/instructor-rb (gpt-3.5-turbo) and Future-House's ldp, paper-qa
# and aviary (gpt-3.5-turbo, gpt-4o, gpt-4o-mini): the 16 requests recorded from 2024-05-18 to 2024-11-08
# are exact with it and none without, while 164 of the 196 recorded later (11 repositories; the other 32 are
# off for other reasons) are exact without it. Per family: the last day seen with the old cost and the first
# seen with today's; in between, the count is an estimate. A family with no such recording follows gpt-4o.
TOOL_CHOICE_REQUIRED_EARLY = 2
TOOL_CHOICE_REQUIRED_CHANGED: dict[str, tuple[date, date]] = {
    "gpt-3.5": (date(2024, 11, 8), date(2025, 1, 17)),
    "gpt-4o": (date(2024, 10, 7), date(2024, 10, 24)),
}
# On the Responses API a past function call costs the first gpt-5 models (gpt-5, gpt-5-mini, gpt-5-nano,
# August 2025) and o4-mini 3 tokens less than the later ones whose rows fit `harmony_responses_round`
# (gpt-5.4: chatlas's 40 and ellmer's 14 rows). Not fitted (the dev set has two such rows): five independent
# sources show it, each 3 over per call without it: charmbracelet/fantasy (gpt-5 10 rows, 3 and 6 over for
# one and two calls; o4-mini 6), docker/cagent (3), pydantic/pydantic-ai, janeapp/riffer and
# Hyper-Unearthing/llm_gateway (1 each). Chat Completions shows no such difference (gpt-5 and gpt-5.4 tool
# rounds are exact alike there). gpt-5.1 to 5.3 have no such recording and follow gpt-5.4.
EARLY_RESPONSES_ROUND = -3
EARLY_RESPONSES_ROUND_MODELS = re.compile(r"(gpt-5(-mini|-nano)?|o4-mini)(-\d{4}-\d{2}-\d{2})?$")
# o4-mini's tools section on the Responses API costs 3 tokens less than gpt-5's there, with a system prompt or
# without. Not fitted (the dev set has no such row): three independent sources, each 3 over without it:
# charmbracelet/fantasy (developer prompt, 4 rows), Hyper-Unearthing/llm_gateway (instructions, 1) and
# maruel/genai (no system prompt, 28; fresh16, after its first count).
O4_MINI_RESPONSES_TOOLS = -3
# gpt-4 (0613) on the Responses API counts one token fewer than the o200k models' rules (and gpt-4-turbo's:
# maruel/genai's 14 rows are exact with them) when the request has no function tools. Not fitted (the dev set
# has no such row): two independent sources show it, raaf-ai/raaf (fresh2, a calibration set: 6 requests, with
# `instructions` or without) and braintrustdata/braintrust-sdk-go (fresh3, held out, after its first count:
# 1), each 1 over without it. With function tools it is not applied: raaf-ai's 5 such requests split 3 exact
# without it (cost_optimization, error_recovery, tool_execution) against 2 exact with it (parallel_tools,
# research_pipeline), so the tools section's cost for gpt-4 is not known to 1 token.
GPT4_RESPONSES_WITHOUT_TOOLS = -1
# For two weeks of October 2025 gpt-5 (and gpt-5-codex) saw its tools section on the Responses API at 3
# tokens more, while gpt-5-mini and gpt-5-nano did not: EndlessInternational/intelligence (2025-10-01, 2
# requests), neilberkman/req_llm (2025-10-05 to 2025-10-14, 3; its gpt-5-mini and -nano requests of the same
# hour are exact) and pydantic-ai (2025-10-13, 1, also 3 under for something else) are 3 under without it;
# pydantic-ai's requests of 2025-09-16 and 2025-10-24 are exact without it. Not fitted (its one dev row in the
# window is the pydantic-ai request); dated counts only; between the window and the recordings either side, an
# estimate.
GPT5_RESPONSES_TOOLS_OCTOBER_2025 = 3
GPT5_OCTOBER_2025_SEEN = (date(2025, 10, 1), date(2025, 10, 14))
GPT5_OCTOBER_2025_BOUNDS = (date(2025, 9, 16), date(2025, 10, 24))  # last seen before, first seen after
GPT5_OCTOBER_2025_MODELS = re.compile(r"gpt-5(-codex)?(-\d{4}-\d{2}-\d{2})?$")
GPT4_0613_NAMES = ("gpt-4", "gpt-4-0613")
# o1-mini and o1-preview on Chat Completions counted one token more than gpt-4o's rules until early 2025:
# agamble/llm_ruby (fresh9, 2025-02-23, "hello world" on all four o1-mini / o1-preview names) and
# Marvin-Labs/lbgpt (fresh28, after its first count, 2024-10-22) are 1 under without it; crewAI's o1-mini
# request of 2025-07-18 is exact without it (maruel/genai's undated ones too). Two owners; dated counts only;
# between the two dates an estimate whose range holds both. Not fitted (the dev set's one o1-mini row is 7
# off).
O1_EARLY_PRIMING = 1
O1_EARLY_SEEN = (None, date(2025, 2, 23))
O1_EARLY_BOUNDS = (None, date(2025, 7, 18))  # first seen without it
O1_CHAT_MODELS = re.compile(r"o1-(mini|preview)(-\d{4}-\d{2}-\d{2})?$")
# An inline PDF (`file_data`) costs its extracted text (analytics.pdf_text) plus a fixed amount. On Chat
# Completions that amount is 216 tokens for a one-page PDF, whatever the model: three owners, three PDFs,
# exact so: Mirascope/mirascope (gpt-4o, 2026-02-07, "Hello, world!": 220 over its text-less count),
# braintrustdata/braintrust-sdk (gpt-4o-mini, 2026-01-06, "Test Document": 218) and maruel/genai (gpt-4.1,
# gpt-4o-mini, gpt-5 to gpt-5.6, o4-mini, 2025-03 to 2026-08, "orange" and a page number: 219, 49 rows).
# On the Responses API it is 4: Mirascope (2026-02-07, the same PDF) and maruel/genai's recordings of 2025-07
# to 2025-12 (21 rows); maruel/genai's of 2026-04 and 2026-05 count 13 more and of 2026-08 18 more, as does
# its one gpt-4.1-nano recording of 2025-06: one owner, so the count keeps 4 and its range reaches 18 above.
# A PDF of several pages costs more than its text and this (llmrb/llm's ten pages: 13,253 tokens,
# not about 8,000), by an amount not known here: its count has a lower end only. Not fitted (the dev set
# has no PDF).
PDF_FILE_CHAT = 216
PDF_FILE_RESPONSES = 4
PDF_FILE_RESPONSES_LATER = 18
PDF_TEXT_SPREAD = 0.1  # not measured: see _count_file
# Input audio costs 10 tokens a second (whole tenths, rounded down: OpenAI's "1 token per 100 ms" of user
# audio) of its length as played (analytics.audio_length), plus 4 tokens of text around it. The usage of
# every recorded `input_audio` request splits its prompt into `audio_tokens` and `text_tokens`; the audio part
# equals the clip's length so on all seven clips (WAV and MP3, 0.135 s to 10.04 s) and the text part is 4
# over the rest of the request on all five owners' rows: Mirascope/mirascope (gpt-audio, extra),
# envoyproxy/ai-gateway (gpt-4o-audio-preview, fresh), DataDog/dd-trace-js (gpt-audio-mini, fresh2),
# node-llm/node-llm and maruel/genai (gpt-4o-audio-preview, gpt-audio; 18 rows). Not fitted (the dev set has
# no audio).
AUDIO_TOKENS_PER_SECOND = 10
AUDIO_PART = 4


# Everything else that costs a fixed number of tokens is a fitted constant: its value is data
# (`analytics/data/token_constants.json`, written by `scripts/token_truth_report.py --write`), derived by
# `analytics.token_truth.fit` from recorded counts, so that leave-one-repository-out cross-validation
# can refit it without the held-out repository. Each entry: the value assumed before any data (the
# published figure where there is one, else 0 = "no such cost") and what it stands for. A constant the
# training rows never use keeps its prior.
CONSTANTS: dict[str, tuple[int, str]] = {
    "name": (1, "a `name` on a message (cookbook: +1 per name, beside the name's own tokens)"),
    "reply_priming_reasoning": (3, "reply priming of reasoning models (o1, o3, o4-mini, gpt-5)"),
    "harmony_assistant": (0, "gpt-5: an assistant turn's channel markers"),
    "harmony_tools_preamble": (0, "gpt-5 on Chat Completions: the developer message's preamble before tools"),
    "harmony_bare_parameters": (0, "gpt-5 on Chat Completions: per function of bare parameters"),
    "harmony_undescribed": (0, "gpt-5 on Chat Completions: a function without a description"),
    "harmony_tool_round": (0, "gpt-5: per tool call and its result, on top of both messages"),
    "harmony_responses_round": (0, "gpt-5 on the Responses API: one more per tool round"),
    "tools_section": (0, "the `# Tools` section against its text (non-reasoning models, or Responses)"),
    "tools_section_o_series_chat": (0, "the `# Tools` section against its text (o-series, Chat Completions)"),
    "bare_parameters": (0, "a function none of whose parameters has a comment (description/title)"),
    "responses_tools": (0, "Responses API, non-reasoning: the tools section against Chat Completions'"),
    "parameters_title_responses": (0, "Responses API: a parameters `title` comment against its text"),
    "parameters_title_strict_chat": (0, "Chat Completions, strict function: a `title` comment vs its text"),
    "responses_reasoning_undescribed": (0, "Responses API, reasoning: a function without a description"),
    "tool_choice_forced": (0, "a forced function in tool_choice, beside its `functions.name`"),
    "tool_choice_none": (0, 'tool_choice "none" (Chat Completions; the Responses API, non-reasoning models)'),
    "tool_choice_required": (0, 'tool_choice "required" (Chat Completions)'),
    "tool_call_o_series": (0, "o-series on Chat Completions: a tool call against its text"),
    "responses_tool_call": (0, "Responses API, non-reasoning: a function_call and its output vs their text"),
    "responses_stored_call": (0, "Responses API: a function_call sent with its item id (fc_...)"),
    "tool_result": (0, "a tool result message against its text (not gpt-5: in harmony_tool_round)"),
    # On Chat Completions a format's name costs its tokens once more (crewAI's ExtractedMemories,
    # LLMGuardrailResult... rows); the two constants below are the rest of a format's cost against its text.
    "response_format": (0, "Chat Completions: a json_schema format without function tools"),
    "response_format_with_tools": (0, "Chat Completions: a json_schema format beside function tools"),
    "response_format_after_reply": (0, "Chat Completions: a format once the conversation holds a reply"),
    "responses_format": (0, "Responses API, non-reasoning: a json_schema format against its text"),
    "responses_format_with_tools": (0, "Responses API, non-reasoning: a json_schema format beside tools"),
    "responses_reasoning_format": (0, "Responses API, reasoning: a format without tools"),
    "responses_reasoning_format_with_tools": (0, "Responses API, reasoning: a format beside tools"),
    "patch_image": (0, "an image counted with the 32px patch scheme, beside its patches"),
    "early_responses": (0, "Responses API before 2025-04-01: per request, against today's rendering"),
    # ... and a fixed block more when the request has function tools, whatever their size (dd-trace-py's
    # and pydantic-ai's March 2025 rows: +215/216 with tools of 217 to 587 characters, +18 without).
    "early_responses_tools": (0, "Responses API before 2025-04-01: a request with function tools"),
    "early_responses_reasoning": (0, "Responses API before 2025-04-01, reasoning models: per request"),
}
# The Responses API counted input differently before this date (the rows recorded earlier show it).
EARLY_RESPONSES_API_BEFORE = date(2025, 4, 1)


def _load_fitted() -> dict[str, int]:
    """Returns the fitted values shipped with the package, the prior for any constant the file lacks."""
    try:
        shipped = json.loads(resources.files("analytics").joinpath("data/token_constants.json").read_text())
    except FileNotFoundError:
        shipped = {}
    return {
        name: int(shipped.get("constants", {}).get(name, prior)) for name, (prior, _) in CONSTANTS.items()
    }


FITTED: dict[str, int] = _load_fitted()

# The rendered response format schema leaves these keywords out (strict mode implies `required` /
# `additionalProperties`; the recorded counts show them left out of non-strict schemas too). `$schema` too:
# traceloop/openllmetry-js's AI SDK format (draft-07) is exact without it and 15 over with it, and
# apache/camel-quarkus's (2020-12, fresh13, after its first count) goes from 21 to 4 over.
STRICT_DROPPED_KEYS = frozenset(
    {"required", "additionalProperties", "default", "minimum", "maximum", "minItems", "maxItems", "$schema"}
)


# Model families whose chat formatting the recorded counts confirm; others are counted with the nearest rules
# and marked as estimates (o1-mini is not: its one recorded plain request is 7 tokens off).
VERIFIED_MODEL_PREFIXES = (
    "gpt-3.5",
    "gpt-35",
    "gpt-4-",
    "gpt-4o",
    "chatgpt-4o",
    "gpt-4.1",
    "gpt-5",
    "o3",
    "o4-mini",
)
VERIFIED_MODELS = frozenset({"gpt-4"})
# Special-purpose variants of a verified family render their prompt their own way: gpt-4o-mini-search-preview
# counted 7 tokens fewer than gpt-4o-mini's rules on a one-line prompt (envoyproxy/ai-gateway's cassette).
# Their counts stay estimates (the audio models' recordings, maruel/genai's in fresh16, carry audio parts).
UNVERIFIED_VARIANTS = ("-search-", "-audio-", "-realtime", "-transcribe", "-tts", "computer-use", "gpt-audio")


class _Counter:
    """Accumulates the prompt tokens of one request, the request's shape, and the reasons it is not exact.

    Fitted constants are added through `add`, which also records how often each was used: the truth harness
    (`analytics.token_truth`) refits them from those uses without counting the text again.
    """

    def __init__(
        self,
        model: str,
        images: ImageResolver,
        *,
        responses_api: bool = False,
        constants: Mapping[str, int] | None = None,
        at: date | datetime | None = None,
    ) -> None:
        self.model = model
        name, self.encoding, self.reasoning, verified = _model_info(model)
        self.images = images
        self.responses_api = responses_api
        self.constants = FITTED if constants is None else constants
        self.at = None if at is None else _day(at)
        self.legacy_0301 = name.startswith("gpt-3.5-turbo-0301") or (
            name == "gpt-3.5-turbo" and self.at is not None and self.at < GPT35_ALIAS_MOVED
        )
        self.harmony = self.reasoning and name.startswith("gpt-5")
        # o4-mini renders past turns as gpt-5 does (an assistant turn's channel markers, a tool round at
        # harmony's cost, on the Responses API at the first gpt-5 models' cost) but its tools as the o-series
        # do; o3-mini does not (crewAI's rows). Not fitted (the dev set has no such row): charmbracelet/
        # fantasy's and Hyper-Unearthing/llm_gateway's o4-mini tool rounds (on Chat Completions 6 under each,
        # on the Responses API 1 under) and llm_gateway's assistant turns (2 under each on both) show it.
        self.o4_mini = self.reasoning and name.startswith("o4-mini")
        self.harmony_turns = self.harmony or self.o4_mini
        self.early_responses_round = responses_api and bool(EARLY_RESPONSES_ROUND_MODELS.match(name))
        self.tokens = 0
        self.open_ended = False  # content that costs tokens is left uncounted (see TokenCount.open_ended)
        self.unsure_above = 0  # the count may be this much under for a reason its shape's range does not see
        self.unsure_below = 0  # ... or this much over
        self.uses: dict[str, int] = {}
        self.features: set[str] = set()
        self.notes: list[str] = []
        if not verified:
            self.note(
                f"chat formatting of {name} not verified against recorded counts (nearest family's rules)"
            )
        elif responses_api and self.encoding == "cl100k_base":
            # The Responses API's rules were measured on o200k models only (the dev set has no cl100k row;
            # gpt-4 needs a correction of its own, GPT4_RESPONSES_WITHOUT_TOOLS, seen in two sources), so a
            # cl100k count stays an estimate.
            self.note(f"Responses API formatting of {name} not verified against recorded counts")

    def text(self, text: str) -> None:
        self.tokens += text_tokens(self.encoding, text)

    def add(self, constant: str, times: int = 1) -> None:
        if times:
            self.tokens += self.constants[constant] * times
            self.uses[constant] = self.uses.get(constant, 0) + times

    def note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)

    def leave_uncounted(self, note: str) -> None:
        """Records content that costs tokens but is not counted here: the count becomes open-ended."""
        self.open_ended = True
        self.note(note)

    @property
    def shape(self) -> str:
        """The request's shape, the key of its calibration: api, model kind and the features it uses."""
        api = "responses" if self.responses_api else "chat"
        kind = "reasoning" if self.reasoning else "chat"
        return f"{api}/{kind}/{'+'.join(sorted(self.features)) or 'plain'}"


@dataclass(frozen=True)
class RequestAnalysis:
    """How a request was counted: the total, the uses of each fitted constant, its shape and notes."""

    model: str
    encoding: str
    tokens: int
    uses: Mapping[str, int]
    shape: str
    notes: tuple[str, ...]
    open_ended: bool = False
    unsure_above: int = 0
    unsure_below: int = 0


@functools.lru_cache(maxsize=1024)
def _model_info(model: str) -> tuple[str, str, bool, bool]:
    """Returns (base model, encoding, reasoning, chat formatting verified) of a model name, once per name
    (a batch counts thousands of requests for a handful of models)."""
    name = base_model(model)
    verified = name in VERIFIED_MODELS or name.startswith(VERIFIED_MODEL_PREFIXES)
    verified = verified and not any(variant in name for variant in UNVERIFIED_VARIANTS)
    return name, encoding_name_for_model(model), is_reasoning_model(model), verified


def is_reasoning_model(model: str) -> bool:
    """Returns whether `model` is an o-series or gpt-5 reasoning model (they render turns differently)."""
    name = base_model(model)
    if name.startswith(("o1-mini", "o1-preview", "gpt-5-chat")):  # chat-style rendering, like gpt-4o
        return False
    # codex-mini-latest is OpenAI's fine-tune of o4-mini (ReqLLM's 10 plain requests count exactly as one).
    return name.startswith(("o1", "o3", "o4", "gpt-5", "codex-mini"))


def analyse_request(
    body: Mapping[str, Any],
    model: str | None = None,
    *,
    image_sizes: Mapping[str, tuple[int, int]] | None = None,
    base_dir: Path | None = None,
    at: date | datetime | None = None,
    constants: Mapping[str, int] | None = None,
) -> RequestAnalysis:
    """Counts a request with `constants` (default: the shipped fit) and says how (see `count_request`)."""
    model = model or body.get("model")
    if not model:
        raise ValueError('no model: pass model= or put "model" in the request body')
    request_shape.check(body)
    try:
        return _analyse(body, model, ImageResolver(image_sizes or {}, base_dir), at, constants)
    except UnknownModelError:
        raise
    except (AttributeError, TypeError, KeyError) as error:
        # a shape `check` does not look at (it checks what real bodies get wrong, not every corner)
        raise MalformedRequestError(
            "request body", f"expected a Chat Completions or Responses API request body ({error})"
        ) from None


def _analyse(
    body: Mapping[str, Any],
    model: str,
    images: ImageResolver,
    at: date | datetime | None,
    constants: Mapping[str, int] | None,
) -> RequestAnalysis:
    if "messages" in body:
        counter = _Counter(model, images, constants=constants, at=at)
        _count_chat(counter, body)
    elif "input" in body or "instructions" in body:
        counter = _Counter(model, images, responses_api=True, constants=constants, at=at)
        if counter.at is not None and counter.at < EARLY_RESPONSES_API_BEFORE:
            counter.add("early_responses_reasoning" if counter.reasoning else "early_responses")
            if any(tool.get("type") == "function" for tool in body.get("tools") or ()):
                counter.add("early_responses_tools")
            counter.features.add("before_2025_04")
        if body.get("instructions"):
            counter.features.add("instructions")
        if body.get("parallel_tool_calls") is False:
            # Recorded Responses requests with it count differently (ruby_llm: 78 more with tools; lmnr: 1
            # more without any), unlike Chat Completions' 30 exact ones: a shape of its own, never exact yet.
            counter.features.add("parallel_tool_calls_off")
        _count_chat(counter, _responses_as_chat(body))
        if base_model(model) in GPT4_0613_NAMES and "tools" not in counter.features:
            counter.tokens += GPT4_RESPONSES_WITHOUT_TOOLS
    else:
        raise ValueError('not a chat request: the body has neither "messages" nor "input"/"instructions"')
    for field in request_fields.unknown_fields(body, responses_api=counter.responses_api):
        unknown = f"request field {field} is not one the counting rules know"
        if field.startswith("reasoning."):
            counter.leave_uncounted(f"{unknown}: it may add hidden input")
        else:
            counter.note(f"{unknown}: its cost is not verified")
    for value in request_fields.unrecorded_values(body):
        counter.note(
            f"request field value {value} is not one the rules were verified on: its cost is not verified"
        )
    return RequestAnalysis(
        model,
        counter.encoding,
        counter.tokens,
        counter.uses,
        counter.shape,
        tuple(counter.notes),
        counter.open_ended,
        counter.unsure_above,
        counter.unsure_below,
    )


def _day(at: date | datetime) -> date:
    return at.date() if isinstance(at, datetime) else at


def count_request(
    body: Mapping[str, Any],
    model: str | None = None,
    *,
    image_sizes: Mapping[str, tuple[int, int]] | None = None,
    base_dir: Path | None = None,
    at: date | datetime | None = None,
) -> TokenCount:
    """Returns the prompt tokens of a Chat Completions (`messages`) or Responses API (`input`) body.

    Exact only when the request's shape counts exactly in at least 99% of recorded requests the constants
    were not fitted on, 30 or more from 3 or more repositories (`analytics/data/token_shapes.json`);
    otherwise an estimate with a `low`..`high` range from that shape's error on those requests. `at` (a
    date) counts with the rules in force then (the Responses API changed its input count on 2025-04-01);
    today's rules when omitted.
    Images are sized from `data:` URLs or local files (relative to `base_dir`); a remote URL needs its
    (width, height) in `image_sizes`. Image counts are estimates, and the result says so in `notes`.
    """
    model = model or body.get("model")
    if model and claude_tokens.is_claude(model):
        counting = claude_tokens.APPROXIMATING_MODEL
        as_gpt = {**body, "model": counting}
        counted = count_request(as_gpt, counting, image_sizes=image_sizes, base_dir=base_dir, at=at)
        return approximate_claude(counted, model)
    analysis = analyse_request(body, model, image_sizes=image_sizes, base_dir=base_dir, at=at)
    return calibrated(analysis)


def calibrated(analysis: RequestAnalysis, calibration_table: dict[str, Any] | None = None) -> TokenCount:
    """Returns the TokenCount of an analysed request: exact or an estimate with its range, per its shape
    (`calibration_table`: the shipped one unless given; the truth report passes the one it measures)."""
    exact, low, high, reason = token_shapes.calibration(analysis.shape, analysis.tokens, calibration_table)
    notes = analysis.notes
    if not exact and reason:
        notes = (*notes, reason)
    exact = exact and not analysis.notes and not (analysis.unsure_above or analysis.unsure_below)
    if not exact and low == high == analysis.tokens and analysis.notes:
        low, high = token_shapes.fallback_range(analysis.tokens)
    if not exact:
        high = max(high, analysis.tokens + analysis.unsure_above)
        low = max(0, min(low, analysis.tokens - analysis.unsure_below))
    return TokenCount(
        analysis.model, analysis.encoding, analysis.tokens, exact, notes, low, high, analysis.open_ended
    )


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
    exact = not counter.notes
    return TokenCount(
        model, counter.encoding, counter.tokens, exact, tuple(counter.notes), open_ended=counter.open_ended
    )


# --- Chat Completions -----------------------------------------------------------------------------------


def _count_chat(counter: _Counter, body: Mapping[str, Any]) -> None:
    messages = list(body["messages"])
    functions = _chat_functions(body)
    sections = []
    for kind in body.get("builtin_tools") or ():
        counter.features.add("builtin_tools")  # a web or file search also adds its results to the input
        counter.leave_uncounted(f"built-in tool {kind}: its hidden instructions are not counted")
    if not counter.responses_api:
        for tool in body.get("tools") or ():
            kind = tool.get("type") or "function"  # a null type is one not sent
            if kind != "function" and not _is_custom_tool(tool):  # rendered by no rule here
                counter.features.add("builtin_tools")
                counter.leave_uncounted(f"a tool of type {kind} is not counted")
    if body.get("empty_message"):
        counter.features.add("empty_message")  # left out; one source shows it, so a shape of its own
    for reason in body.get("uncounted") or ():
        counter.features.add("stored_input")  # input the API holds (a stored response, a referenced item)
        counter.leave_uncounted(reason)
    if any(_is_custom_tool(tool) for tool in body.get("tools") or ()):
        counter.features.add("custom_tools")
    if functions:
        counter.features.add("tools")
    if body.get("prediction"):  # predicted outputs: few recorded rows, one of them 12 tokens off
        counter.features.add("prediction")
    if any(_nested_type_list(function.get("parameters") or {}) for function in functions):
        counter.note("tool parameters with a type list inside a nested object: rendering not verified")
    bare = _bare_functions(functions)
    # An empty `tools` list on Chat Completions still renders the (empty) functions namespace: good-agent's
    # one such request (fresh15, after its first count) counts exactly so and was 12 under without it. One
    # source: a shape of its own. The Responses API renders nothing for it (five owners' rows agree).
    empty_tools = body.get("tools") == [] and not counter.responses_api and not counter.reasoning
    if empty_tools:
        counter.features.add("empty_tools")
    if functions and counter.harmony and not counter.responses_api:
        counter.tokens += TOKENS_PER_MESSAGE
        counter.add("harmony_tools_preamble")
        counter.text("developer")
        # harmony puts the request's system prompt in the developer message, as `# Instructions` before the
        # tools (openai/harmony, Render<DeveloperContent>), so its last word and the next section share BPE
        # merges: a prompt ending in "." costs one token less there than one ending in a letter (the rows of
        # envoyproxy/ai-gateway, posit-dev/chatlas, charmbracelet/fantasy and crewAI agree).
        instructions = _harmony_instructions(messages)
        if instructions is None:
            counter.text(render_functions(functions))
        else:
            if messages[0].get("role") == "developer":
                counter.features.add("developer")
            messages = messages[1:]
            counter.text(f"# Instructions\n\n{instructions}\n\n{render_functions(functions)}")
        # As on other models, a function of bare parameters costs a fixed amount against its rendering, and
        # (as on the Responses API's reasoning models) so does a function without a description. Until
        # round 9 the first bare function was exempt and the system prompt as `# Instructions` cost one
        # token more: that fitted the dev set as well, but left every request without a system prompt one
        # under (envoyproxy, kieranklaassen, Hyper-Unearthing) and every one with a bare function and a
        # system prompt one over (newrelic, posit-dev).
        counter.add("harmony_bare_parameters", bare)
        counter.add("harmony_undescribed", sum(not function.get("description") for function in functions))
    elif functions or empty_tools:
        sections.append(render_functions(functions))
        counter.add("bare_parameters", bare)
        # o-series models on Chat Completions see the section at another cost (crewAI's o3-mini rows).
        if counter.responses_api or not counter.reasoning:
            counter.add("tools_section")
        else:
            counter.add("tools_section_o_series_chat")
        titled = [function for function in functions if (function.get("parameters") or {}).get("title")]
        if counter.responses_api:
            # The parameters' title costs reasoning models what it costs others: introspection-org's
            # strict Agents SDK tools (`get_weather_args`, gpt-5-nano; fresh20, after its first count) are 1
            # under per titled function without it. One owner: no recorded reasoning row has one otherwise.
            counter.add("parameters_title_responses", len(titled))
        if counter.responses_api and not counter.reasoning:
            counter.add("responses_tools")
        elif not counter.reasoning:  # Chat Completions: strict functions only (magentic's *_strict rows)
            strict_titled = sum(bool(function.get("strict")) for function in titled)
            counter.add("parameters_title_strict_chat", strict_titled)
        if counter.responses_api and counter.reasoning:
            counter.add("responses_reasoning_undescribed", sum(not f.get("description") for f in functions))
        if counter.responses_api and counter.o4_mini:
            counter.tokens += O4_MINI_RESPONSES_TOOLS
        if counter.responses_api and functions:
            _count_gpt5_october_2025_tools(counter)
    if functions:
        _count_tool_choice(counter, body.get("tool_choice", body.get("function_call")), functions)
    response_format = render_response_format(body.get("response_format"))
    if (body.get("response_format") or {}).get("type") == "json_object":
        counter.features.add("json_object")
    if response_format:
        counter.features.add("response_format")
        if _has_optional_properties(body["response_format"]):
            counter.features.add("optional_format_fields")
        sections.append(response_format)
        if counter.responses_api:
            # Beside tools the format costs another amount (pydantic-ai's native-output rows and Mirascope's
            # structured-output-with-tools rows agree; an anyOf in the schema costs nothing extra).
            if not counter.reasoning:
                counter.add("responses_format_with_tools" if functions else "responses_format")
        else:
            counter.add("response_format_with_tools" if functions else "response_format")
            name = (body["response_format"].get("json_schema") or {}).get("name") or ""
            counter.text(name)
            if any(m.get("role") == "assistant" and m.get("content") for m in messages):
                counter.features.add("format_after_reply")  # few rows: calibrated on its own
                counter.add("response_format_after_reply")
            elif counter.reasoning and not functions:
                counter.tokens += REASONING_CHAT_FORMAT
        if counter.responses_api and counter.reasoning:
            with_tools = "responses_reasoning_format_with_tools"
            counter.add(with_tools if functions else "responses_reasoning_format")
    if sections:
        _add_to_system_message(counter, messages, "\n\n".join(sections))
    call_names = {
        call.get("id", ""): ""
        if _parallel_turn(counter, message)
        else (call.get("function") or {}).get("name", "")
        for message in messages
        for call in message.get("tool_calls") or ()
    }
    for message in messages:
        _count_message(counter, message, call_names)
    if counter.reasoning:
        counter.add("reply_priming_reasoning")
    else:
        counter.tokens += REPLY_PRIMING
        if counter.legacy_0301:
            _count_early_priming(counter)
        if not counter.responses_api and O1_CHAT_MODELS.match(base_model(counter.model)):
            _count_o1_early(counter)


def _in_force(
    at: date | None, seen: tuple[date | None, date], bounds: tuple[date | None, date]
) -> bool | None:
    """Whether a past rule applies on `at`: True on a day inside `seen` (the first and last recordings that
    show it; None first: since always), None between `seen` and `bounds` (the nearest recordings either
    side that do not show it), where which rule held is not known, and False otherwise or without `at`."""
    if at is None:
        return False
    first, last = seen
    before, after = bounds
    if (first is None or first <= at) and at <= last:
        return True
    if (before is None or before < at) and at < after:
        return None
    return False


def _count_dated(
    counter: _Counter,
    delta: int,
    seen: tuple[date | None, date],
    bounds: tuple[date | None, date],
    unsure: str,
    feature: str = "",
) -> None:
    """Adds `delta`, what a past rule cost against today's, on a day it was in force (`_in_force`), with
    `feature` (few recordings: a shape calibrated on its own). Between the recordings that show it and the
    nearest that do not, counts today's rule with a range that holds both, and says so (`unsure`)."""
    in_force = _in_force(counter.at, seen, bounds)
    if in_force:
        counter.tokens += delta
        if feature:
            counter.features.add(feature)
    elif in_force is None:
        if delta > 0:
            counter.unsure_above = max(counter.unsure_above, delta)
        else:
            counter.unsure_below = max(counter.unsure_below, -delta)
        counter.note(unsure)


def _count_early_priming(counter: _Counter) -> None:
    """Takes off the token gpt-3.5-turbo-0301's reply priming lacked until late March 2023 (`at` only)."""
    last_old, first_new = LEGACY_PRIMING_CHANGED
    unsure = (
        f"the reply priming was 1 token shorter until some day between {last_old} and {first_new}: "
        "counted with today's"
    )
    _count_dated(counter, -1, (None, last_old), (None, first_new), unsure)


def _count_o1_early(counter: _Counter) -> None:
    """Adds the token o1-mini and o1-preview counted more on Chat Completions until early 2025 (`at` only)."""
    unsure = (
        f"o1-mini and o1-preview counted 1 token more until some day between {O1_EARLY_SEEN[1]} and "
        f"{O1_EARLY_BOUNDS[1]}: counted with today's rule"
    )
    _count_dated(counter, O1_EARLY_PRIMING, O1_EARLY_SEEN, O1_EARLY_BOUNDS, unsure)


def _count_gpt5_october_2025_tools(counter: _Counter) -> None:
    """Adds what gpt-5's tools section cost more on the Responses API in October 2025 (`at` only)."""
    if not GPT5_OCTOBER_2025_MODELS.match(base_model(counter.model)):
        return
    (first, last), (before, after) = GPT5_OCTOBER_2025_SEEN, GPT5_OCTOBER_2025_BOUNDS
    unsure = (
        f"gpt-5's tools section cost {GPT5_RESPONSES_TOOLS_OCTOBER_2025} tokens more from {first} to "
        f"{last} (today's cost on {before} and from {after}): counted with today's"
    )
    _count_dated(
        counter,
        GPT5_RESPONSES_TOOLS_OCTOBER_2025,
        GPT5_OCTOBER_2025_SEEN,
        GPT5_OCTOBER_2025_BOUNDS,
        unsure,
        feature="tools_october_2025",
    )


def _harmony_instructions(messages: Sequence[Mapping[str, Any]]) -> str | None:
    """Returns the text of a leading system (or developer) message of plain string content, else None."""
    if not messages or messages[0].get("role") not in ("system", "developer"):
        return None
    content = messages[0].get("content")
    return content if isinstance(content, str) and not messages[0].get("name") else None


def _add_to_system_message(counter: _Counter, messages: list[Mapping[str, Any]], section: str) -> None:
    """Appends `section` to the first system message, or counts it as a system message of its own."""
    index = next((i for i, m in enumerate(messages) if m.get("role") in ("system", "developer")), None)
    # The Responses API never merges it into `instructions` or a system message: it is a message of its own.
    # So do the o-series on Chat Completions (charmbracelet/fantasy's and Hyper-Unearthing/llm_gateway's
    # o4-mini rows with a system or developer prompt: 3 under each when merged; crewAI's o3-mini rows have no
    # system prompt beside tools). gpt-5 puts the prompt before its tools in the developer message instead.
    # A prompt of text parts is its text, the parts joined with nothing between (maruel/genai's developer
    # prompts of one part, 14 rows, and llmrb's, 1, were 4 over as a message of their own beside the tools).
    text = None if index is None else _plain_text(messages[index].get("content"))
    if counter.responses_api or (counter.reasoning and not counter.harmony) or text is None:
        counter.tokens += TOKENS_PER_MESSAGE
        counter.text("system")
        counter.text(section)
    else:
        if index > 0:
            # Only motleycrew's recordings have a system message after the first message beside tools (49
            # rows, one prompt, 1 token more than this): where the section goes then is not known.
            counter.note("the system message is not the first: where the tools section goes is a guess")
        messages[index] = {**messages[index], "content": f"{text}\n\n{section}"}


def _plain_text(content: Any) -> str | None:
    """Returns a message's content as one text if it is text only (a string, or text parts), else None."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and content and all(part.get("type") == "text" for part in content):
        return "".join(part["text"] for part in content)
    return None


def _is_custom_tool(tool: Mapping[str, Any]) -> bool:
    return tool.get("type") == "custom"


def _chat_functions(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Returns the function definitions of `tools` (type function, and custom tools as functions of one
    string argument: their rendering is not published, so their shape is never calibrated exact) or of the
    legacy `functions`."""
    if body.get("tools"):
        functions = []
        for tool in body["tools"]:
            if (tool.get("type") or "function") == "function":
                functions.append(tool.get("function") or tool)
            elif _is_custom_tool(tool):
                spec = tool.get("custom") or tool
                functions.append(
                    {
                        "name": spec.get("name", ""),
                        "description": spec.get("description") or "",
                        "parameters": {"type": "object", "properties": {"input": {"type": "string"}}},
                    }
                )
        return functions
    return list(body.get("functions") or [])


def _count_tool_choice(counter: _Counter, choice: Any, functions: Sequence[Mapping[str, Any]]) -> None:
    if choice not in (None, "auto"):
        counter.features.add("tool_choice")
    if counter.reasoning:  # reasoning models do not see tool_choice in the prompt
        return
    if counter.responses_api:
        # The Responses API renders only a forced function (named, or "required" with a single function) and
        # "none", at its Chat Completions cost (maruel/genai's 8 gpt-4.1, -nano and gpt-4-turbo requests,
        # fresh16 after its first count, 1 under each without it; one source there, the constant fitted on
        # Chat Completions' rows).
        if choice == "none":
            counter.add("tool_choice_none")
        if choice == "required" and len(functions) == 1:
            choice = {"name": functions[0].get("name", "")}
        if isinstance(choice, Mapping) and choice.get("type", "function") in ("function", "custom"):
            _count_forced(counter, choice.get("name", ""))
        return
    if choice == "none":
        counter.add("tool_choice_none")
    elif choice == "required":
        counter.add("tool_choice_required")
        _count_early_required(counter)
    elif isinstance(choice, Mapping):
        _count_forced(counter, (choice.get("function") or choice.get("custom") or choice).get("name", ""))


def _count_forced(counter: _Counter, name: str) -> None:
    """Adds a forced function: its name is read as the recipient `functions.name`, like a tool call's, not
    on its own. The two tokenise apart where `.` merges with the name's start: crewAI's TrainingTaskEvaluation
    and sublayer's four_digit_passcode rows (o200k, 2 tokens after `functions.` where other names take 1) are
    exact this way and were 1 short with the bare name; no exact row of the 8 sets changes. motleycrew's
    InstructorToolCalling (4 tokens on cl100k, 3 on o200k) was 1 and 2 short, now 1 short on both; trustcall's
    and gpt-fn's rows, already 1 to 125 off, move by 1 either way."""
    counter.add("tool_choice_forced")
    counter.text(f"functions.{name}")


def _count_early_required(counter: _Counter) -> None:
    """Adds what tool_choice "required" cost on Chat Completions before its rendering changed (`at` only)."""
    family = "gpt-3.5" if base_model(counter.model).startswith(("gpt-3.5", "gpt-35")) else "gpt-4o"
    last_old, first_new = TOOL_CHOICE_REQUIRED_CHANGED[family]
    unsure = (
        f'tool_choice "required" cost {TOOL_CHOICE_REQUIRED_EARLY} tokens more until between {last_old} '
        f"and {first_new}: counted with today's rule"
    )
    _count_dated(
        counter,
        TOOL_CHOICE_REQUIRED_EARLY,
        (None, last_old),
        (None, first_new),
        unsure,
        feature="required_before_change",
    )


def _count_message(counter: _Counter, message: Mapping[str, Any], call_names: Mapping[str, str]) -> None:
    """Adds one message; `call_names` maps tool_call ids to the names of the functions called, because a
    tool result is rendered under that name (`functions.get_weather`), not under the role `tool` (a result
    of a parallel call under no name, `functions.`)."""
    role = message.get("role", "user")
    if role == "developer":
        counter.features.add("developer")
    if message.get("audio"):  # an earlier audio reply by id: the API puts its audio back, not in the body
        counter.features.add("stored_input")
        counter.leave_uncounted("an earlier audio reply referenced by id is not counted")
    if role == "assistant" and message.get("tool_calls"):
        counter.features.add("tool_calls")
        _count_tool_calls(counter, message)
        return
    counter.tokens += TOKENS_PER_MESSAGE
    if role in ("tool", "function"):
        counter.features.add("tool_calls")
        if message.get("name"):
            counter.features.add("tool_message_name")
        name = (
            call_names.get(message.get("tool_call_id", ""), "") if role == "tool" else message.get("name", "")
        )
        counter.text(f"functions.{name}")
        # (the Responses API's and gpt-5's cost of a result is in their per-call constants)
        if not counter.harmony_turns and not (counter.responses_api and not counter.reasoning):
            counter.add("tool_result")
    elif counter.legacy_0301:
        counter.features.add("gpt35_0301")
        counter.tokens += TOKENS_PER_MESSAGE_0301 - TOKENS_PER_MESSAGE
        counter.text(role)
        if message.get("name"):
            counter.tokens += TOKENS_PER_NAME_0301
            counter.text(message["name"])
    else:
        counter.text(role)
        if message.get("name"):
            # harmony renders the author as `role:name` (openai/harmony, Render<Message>)
            _count_name(counter, role, message["name"], harmony_separator=":")
    _count_content(counter, message.get("content"))
    if role == "assistant" and counter.harmony_turns:
        counter.add("harmony_assistant")


def _count_name(counter: _Counter, role: str, name: str, *, harmony_separator: str) -> None:
    """Adds a message's `name`: the cookbook's +1 and its tokens, on gpt-5 (harmony) the separator and its
    tokens; the feature `name_<role>` keeps such messages a shape of their own."""
    counter.features.add(f"name_{role}")
    if counter.harmony:
        counter.text(f"{harmony_separator}{name}")
    else:
        counter.add("name")
        counter.text(name)


def _count_tool_calls(counter: _Counter, message: Mapping[str, Any]) -> None:
    """Adds an assistant turn that calls tools: a message addressed `to=functions.name` whose content is the
    arguments as compact JSON; on Chat Completions several calls in one turn become one
    `multi_tool_use.parallel` call (o4-mini and the Responses API send each call as a message of its own)."""
    if message.get("content"):
        counter.tokens += TOKENS_PER_MESSAGE
        counter.text("assistant")
        _count_content(counter, message["content"])
    if message.get("name"):
        # A named turn that calls tools costs its name as any named message does (cookbook: +1 and the name;
        # on gpt-5 `:` and the name). Seen only in New Relic's LangChain agent rows (fresh7, after its
        # first count: gpt-3.5-turbo 3 and gpt-5.1 2 tokens more for `my_agent`): a shape of its own.
        _count_name(counter, "assistant", message["name"], harmony_separator=":")
    calls = [call.get("function") or call.get("custom") or {} for call in message["tool_calls"]]
    if counter.responses_api and not counter.reasoning and len(calls) == 1:
        # A call sent with its item id costs more only alone: a turn of several such calls costs what calls
        # without ids do (Mirascope's 12 parallel-call rows and activeagent's one, 3 over per call with it).
        counter.add("responses_stored_call", sum(bool(call.get("stored")) for call in message["tool_calls"]))
    # The Responses API sends each function_call item as a message of its own too (ellmer's, pydantic-ai's
    # and activeagent's parallel-call rows; multi_tool_use.parallel over-counts them by 16 to 22 tokens).
    if not _parallel_turn(counter, message):
        for call in calls:
            counter.tokens += TOKENS_PER_MESSAGE
            if counter.harmony_turns:
                counter.add("harmony_tool_round")
                if counter.responses_api:
                    counter.add("harmony_responses_round")
                    if counter.early_responses_round:
                        counter.tokens += EARLY_RESPONSES_ROUND
                counter.text(f"assistant to=functions.{call.get('name', '')}")
            elif counter.responses_api and not counter.reasoning:
                counter.add("responses_tool_call")
                counter.text(f"assistant to=functions.{call.get('name', '')}")
            elif counter.reasoning:
                counter.add("tool_call_o_series")
                counter.text(f"assistant to=functions.{call.get('name', '')}")
            else:
                counter.text("assistant to=functions")
                counter.tokens += CALL_ADDRESS_DOT
                counter.text(call.get("name", ""))
            arguments = call.get("arguments", call.get("input"))
            # Chat Completions re-serialises a call's arguments compactly; the Responses API keeps them as
            # sent (`{"a": 10, "b": 20}`: Mirascope, DataDog/system-tests, simonw/llm-openai-plugin and
            # introspection-org's rows, 1 to 3 under per call compacted; no exact row of any set changes).
            as_sent = counter.responses_api and isinstance(arguments, str)
            counter.text(arguments if as_sent else _compact_arguments(arguments))
        return
    uses = [
        {
            "recipient_name": f"functions.{call.get('name', '')}",
            "parameters": _parsed_arguments(call.get("arguments")),
        }
        for call in calls
    ]
    counter.tokens += TOKENS_PER_MESSAGE + PARALLEL_CALL
    if counter.harmony:
        # gpt-5 on Chat Completions: the parallel call is one tool round at harmony's cost, as a single call
        # is. charmbracelet/fantasy's (gpt-5, fresh) and Hyper-Unearthing/llm_gateway's (gpt-5.1, fresh11)
        # two-call turns were 10 and 8 under with a message per call, and are exact so; posit-dev/chatlas's
        # (gpt-5.4, dev) went from 9 under to 1 under, crewAI's three calls with named results from 12 over
        # to 5 over. No constant is new and no exact row of any set changes.
        counter.add("harmony_tool_round")
    counter.text("assistant to=multi_tool_use.parallel")
    counter.text(_compact({"tool_uses": uses}))


def _parallel_turn(counter: _Counter, message: Mapping[str, Any]) -> bool:
    """Returns whether an assistant turn is rendered as one `multi_tool_use.parallel` call: several calls on
    Chat Completions, gpt-5's too (see `_count_tool_calls`), except for o4-mini, which sends each call as a
    message of its own, as the Responses API does (its Chat rows hold no parallel turn to tell)."""
    several = len(message.get("tool_calls") or ()) > 1
    return several and not counter.o4_mini and not counter.responses_api


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
    # Consecutive text parts are one text, joined with nothing between them: "...in Quack." and "What is..."
    # tokenize as "Quack.What", one token fewer than apart (maruel/genai 157 rows, llama-stack 2, llmrb and
    # activeagent 1 each, all exact so; no row of any set counts worse, llama-stack's 279 others unchanged).
    run: list[str] = []
    texts = 0
    for part in content or ():
        kind = part.get("type")
        if kind in ("text", "input_text", "output_text"):
            run.append(part["text"])
            texts += 1
            if texts == 2:
                counter.features.add("text_parts")  # few sources: a shape of its own
            continue
        if run:
            counter.text("".join(run))
            run = []
        if kind in ("image_url", "input_image"):
            counter.features.add("images")
            _count_image(counter, part)
        elif kind in ("file", "input_file"):
            _count_file(counter, part, kind)
        elif kind in ("input_audio", "audio"):
            _count_audio(counter, part, kind)
    if run:
        counter.text("".join(run))


def _count_file(counter: _Counter, part: Mapping[str, Any], kind: str) -> None:
    """Counts an inline PDF as its text plus the fixed cost of a file (PDF_FILE_CHAT); an uploaded file
    (`file_id`), a file URL or another type of file is left uncounted."""
    file = part.get("file") if kind == "file" else part
    pdf = pdf_text.read_file_data(file.get("file_data")) if isinstance(file, Mapping) else None
    if pdf is None:
        _leave_part_uncounted(counter, kind)
        return
    counter.features.add("pdf")
    text = text_tokens(counter.encoding, pdf.text)
    counter.tokens += text
    # The recorded PDFs hold a few words each, so how far pypdf's text can be from the API's extractor on a
    # page of prose is not measured: the range allows a tenth of the text either way (a guess, said so).
    # Rounded down, so that a PDF of a few words, like the recorded ones, keeps the range they measured.
    spread = math.floor(text * PDF_TEXT_SPREAD)
    counter.unsure_above += spread
    counter.unsure_below += spread
    if counter.responses_api:
        counter.tokens += PDF_FILE_RESPONSES
        counter.unsure_above += PDF_FILE_RESPONSES_LATER  # per file
    else:
        counter.tokens += PDF_FILE_CHAT
    counter.note("an inline PDF is counted as its extracted text plus the measured cost of a one-page file")
    if len(pdf.pages) > 1:
        counter.leave_uncounted(f"a PDF of {len(pdf.pages)} pages costs more than its text (not counted)")
    elif pdf.textless_pages:
        # every recorded PDF has text; what the API reads from a scanned or empty page is not known
        counter.leave_uncounted("a PDF page with no text (a scan or an image) is not counted")


def _leave_part_uncounted(counter: _Counter, kind: str) -> None:
    counter.features.add("files")  # what is not counted keeps the shape `files`; PDFs and audio have theirs
    article = "an" if kind[:1] in "aeiou" else "a"
    counter.leave_uncounted(f"{article} {kind} content part is not counted (only its surrounding text)")


def _count_audio(counter: _Counter, part: Mapping[str, Any], kind: str) -> None:
    """Counts an inline WAV or MP3 clip by its length (AUDIO_TOKENS_PER_SECOND); other audio is uncounted."""
    audio = part.get("input_audio")
    length = None
    if isinstance(audio, Mapping) and isinstance(audio.get("data"), str):
        length = audio_length.seconds(audio["data"], audio.get("format"))
    if length is None:
        _leave_part_uncounted(counter, kind)
        return
    counter.features.add("audio")
    audio_tokens = math.floor(length * AUDIO_TOKENS_PER_SECOND)
    counter.tokens += audio_tokens + AUDIO_PART
    counter.note("input audio is counted by its length, 10 tokens a second")
    if counter.responses_api:
        counter.note("audio on the Responses API: counted as on Chat Completions, where it was measured")
    # The price book has one input price per model; audio input is billed at its own, higher rate.
    counter.note(
        f"{audio_tokens} of these tokens are input audio, billed at the model's audio input price: "
        "a cost from this count prices them as text, so it is too low"
    )


def _count_image(counter: _Counter, part: Mapping[str, Any]) -> None:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, Mapping) else image
    detail = (image.get("detail") if isinstance(image, Mapping) else None) or part.get("detail") or "auto"
    width, height = counter.images.size(url)
    tokens, note = image_tokens(width, height, detail, counter.model, patch_extra=0)
    counter.tokens += _gpt4o_mini_image_then(counter, tokens, width, height, detail)
    if _longest_prefix(IMAGE_PATCH_MULTIPLIERS, counter.model) is not None:
        counter.add("patch_image")  # added here so that the truth harness sees its use
        _over_patch_budget(counter, width, height)
    if note:
        counter.note(note)


def _over_patch_budget(counter: _Counter, width: int, height: int) -> None:
    """Widens the range of an image too large for the patch budget. The count follows the published resize,
    but shcherbak-ai/contextgem's 1414x2000 images (fresh15: 13 requests, gpt-4.1-mini and gpt-5-mini) were
    recorded at 1,362 tokens more than it gives under both models' multipliers, which is the unresized
    patches less the resized ones, less one. One source and one size: the range, not the count, says so."""
    unresized = _patch_grid(width, height)
    if unresized <= MAX_PATCHES:
        return
    counter.unsure_above += unresized - _patches(width, height)
    counter.note(
        f"an image of {width}x{height} is over the {MAX_PATCHES:,}-patch budget: counted with the published "
        "resize; recorded usage has counted such an image up to its unresized patches more"
    )


# --- tool definitions -----------------------------------------------------------------------------------


def render_functions(functions: Sequence[Mapping[str, Any]]) -> str:
    """Returns the tools section the model sees for these function definitions (TypeScript namespace)."""
    blocks = []
    for function in functions:
        # Each description line becomes a comment, stripped; a blank line inside it becomes an empty comment
        # `//` (dd-trace-py's docstring `add` tool; the BPE mostly merges `//\n//`, so it is often free).
        lines = _comment_lines(function.get("description") or "")
        parameters = _resolve_refs(function.get("parameters") or {})
        # A function without parameters is `() => any`, and its parameters' title is not rendered:
        # myriade-ai/agentlys's `Input for list_books`-style titles on empty parameters (fresh10, after its
        # first count: 6 rows 5 to 8 over with the title; 4 exact without it, 2 others 1 under). One source;
        # no exact row of any set is lost. (Such a schema's own description is still rendered below: no
        # recorded request has one that is not empty.)
        if parameters.get("title") and parameters.get("properties"):
            lines.append(f"// {parameters['title']}")
        # The parameters' own description is a comment too, after the title (langsmith-sdk's agent-as-tool
        # rows, pydantic-ai's load_capability rows: 9 to 13 tokens short without it).
        if isinstance(parameters.get("description"), str):
            lines.extend(_comment_lines(parameters["description"]))
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


def _comment_lines(text: str) -> list[str]:
    """Returns a description as `//` comment lines, each line stripped (a blank line: an empty `//`)."""
    return [f"// {line.strip()}".rstrip(" ") for line in text.strip().splitlines()]


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
    values = schema.get("additionalProperties")
    if kind == "object" and "properties" not in schema and isinstance(values, Mapping):
        return "object"  # a map (`dict[str, X]`): its value schema is not rendered
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
        # A type that two variants render alike (integer and number) is written once.
        return " | ".join(dict.fromkeys(_ts_type(variant) for variant in variants))
    if kind == "array":
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return "Array<any>"
        comment = _titled_comment(items)
        if comment and (items.get("type") == "object" or "properties" in items):
            # An array of objects whose item schema has a title or description wraps it in Array<...> with
            # them as comments, written as a property's are; without either it is `{...}[]` (the recorded
            # counts show both).
            return f"Array<\n{comment}{_ts_type(items)}>"
        item_type = _ts_type(items)
        return f"({item_type})[]" if _is_union(items) else f"{item_type}[]"
    return "any"


def _is_union(schema: Mapping[str, Any]) -> bool:
    """Returns whether `_ts_type` renders `schema` as a union of two or more types (`A | B`), which an array
    of it parenthesises; a union inside an object's property does not count (`{a: A | B}[]`)."""
    kind = schema.get("type")
    if isinstance(kind, list):
        return len({"number" if k == "integer" else str(k) for k in kind}) > 1
    if kind in ("object", "number", "integer", "boolean", "null") or "properties" in schema:
        return False
    if kind == "string":
        return len([v for v in schema.get("enum") or () if isinstance(v, str)]) > 1
    variants = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(variants, list):
        return len(dict.fromkeys(_ts_type(variant) for variant in variants)) > 1
    return False


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


def _titled_comment(schema: Mapping[str, Any]) -> str:
    """Returns a schema's title and description as comment lines, each ending in a newline ("" without)."""
    return _as_comments(_title_and_description(schema))


def _title_and_description(schema: Mapping[str, Any]) -> list[str]:
    lines = []
    if schema.get("title"):
        lines.append(schema["title"])
        if schema.get("description"):
            lines.append("")  # harmony separates a title from the description with an empty comment line
    if schema.get("description"):
        # every line of a multi-line description is a comment of its own (agno's yfinance tools show it)
        lines.extend(line.strip() for line in schema["description"].strip().splitlines())
    return lines


def _as_comments(lines: list[str]) -> str:
    return "".join(f"// {line}".rstrip(" ") + "\n" for line in lines)


def _property_comments(prop: Mapping[str, Any]) -> str:
    lines = _title_and_description(prop)
    # Numeric bounds are comment lines of their own after the description: ggozad/haiku.rag's `confidence`
    # (minimum 0.0, maximum 1.0; its 7 rows 14 under without them, exact with them, fresh12 after its first
    # count) and patvice/ruby_llm-mcp's `simple_progress` (0 and 100; 11 of its 23 tokens short). So is an
    # array's `minItems` (shcherbak-ai/contextgem's `items`, minItems 1: 12 rows 6 under without it, fresh15
    # after its first count); `maxItems` and string lengths have no recorded row and are not rendered.
    bounds = ("minimum", "maximum", "minItems")
    lines.extend(f"{key}: {json.dumps(prop[key])}" for key in bounds if key in prop)
    return _as_comments(lines)


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


def _bare_functions(functions: Sequence[Mapping[str, Any]]) -> int:
    """Returns how many functions have parameters none of which carries a comment (description or title):
    the recorded counts show such an object costing a fixed amount against its rendering (constant
    `bare_parameters`). Only the first property's comment was looked at until the rows of vintasoftware's
    and DataDog's functions whose first property is bare and a later one described (fresh2: 29 rows, no dev
    row has such a function) were all exact without the correction and 1 under with it. traceloop's recipe
    rows show that a `$ref` property that gets its definition's title as a comment is not bare."""
    total = 0
    for function in functions:
        # A `$ref` property is judged by its definition, as it is rendered (its title becomes its comment).
        properties = list((_resolve_refs(function.get("parameters") or {}).get("properties") or {}).values())
        commented = any(prop.get("description") or prop.get("title") for prop in properties)
        # ... but one costs its rendering when its last property is a string enum, whose closing quote the BPE
        # merges with the `,\n` after it (langgraph's get_weather and Router, ReqLLM's get_weather: 51 rows of
        # two owners exact without the correction, 1 under with it; no row of any set is lost).
        # ... and so does one whose only default is its last property's (`// default: 5` ends its last
        # line): good-agent's calculate, researcher and search_documentation (10 rows, fresh15 after its
        # first count) and pydantic-ai's get_error (12 rows; 9 of them were exact only while the parallel-call
        # rounds they hold were 1 over) are exact without the correction and 1 under with it; a function with
        # defaults before the last (good-agent's editable-document tools) keeps it.
        if not properties or commented:
            continue
        defaults = [index for index, prop in enumerate(properties) if "default" in prop]
        if not _ts_type(properties[-1]).endswith('"') and defaults != [len(properties) - 1]:
            total += 1
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
# gpt-4o-mini's usage counts an image at its own tile rates (33 times gpt-4o's, as its price page documents)
# except in early 2025: shcherbak-ai/contextgem's 13 requests of 2025-03-18 (fresh15, after its first count)
# are exact at gpt-4o's rates and 35,730 to 71,460 over at the mini's, and Future-House/llm-client's one of
# 2025-01-17 (fresh) records 460 tokens for a 32x32 image and a line of text, neither rate (8,520 at the
# mini's, as the same request recorded by Future-House/ldp on 2024-11-08 and 2025-06-16; 275 at gpt-4o's).
# Every recording from 2025-05-15 on (llmrb/llm, Future-House, dspy.rb, crewAI, node-llm, ...) is exact at the
# mini's. Counted `at` a date inside the window seen: gpt-4o's rates, the range reaching up to the mini's;
# between the window and the nearest recording at the mini's rates: the mini's, the range reaching down to
# gpt-4o's; otherwise (and without `at`) the mini's.
GPT4O_MINI_IMAGES_AT_GPT4O_RATES = (date(2025, 1, 17), date(2025, 3, 18))
GPT4O_MINI_IMAGES_AT_OWN_RATES = (date(2024, 11, 8), date(2025, 5, 15))  # last seen before, first seen after
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
MAX_PATCHES = 1536
TILE_SIZE = 512


def _longest_prefix(table: Mapping[str, Any], model: str) -> Any:
    key = _longest_prefix_key(table, model)
    return None if key is None else table[key]


def _longest_prefix_key(table: Mapping[str, Any], model: str) -> str | None:
    name = base_model(model)
    matches = [prefix for prefix in table if name.startswith(prefix)]
    return max(matches, key=len) if matches else None


def _gpt4o_mini_image_then(counter: _Counter, tokens: int, width: int, height: int, detail: str) -> int:
    """Returns an image's tokens for gpt-4o-mini as its usage counted them on `counter.at` (see
    GPT4O_MINI_IMAGES_AT_GPT4O_RATES); `tokens` (today's rule) for any other model or date. No recorded
    request of those months has `detail: "low"`: it follows the same rates unverified."""
    if _longest_prefix_key(IMAGE_TILE_COSTS, counter.model) != "gpt-4o-mini":
        return tokens
    in_force = _in_force(counter.at, GPT4O_MINI_IMAGES_AT_GPT4O_RATES, GPT4O_MINI_IMAGES_AT_OWN_RATES)
    if in_force is False:
        return tokens
    at_gpt4o_rates = image_tokens(width, height, detail, "gpt-4o")[0]
    (first, last), (before, after) = GPT4O_MINI_IMAGES_AT_GPT4O_RATES, GPT4O_MINI_IMAGES_AT_OWN_RATES
    seen = f"gpt-4o-mini's usage counted images below its own rates on {first} and {last}"
    if in_force:
        counter.unsure_above += tokens - at_gpt4o_rates  # the range holds both rates
        counter.note(f"{seen}: counted at gpt-4o's rates, the range reaching up to its own")
        return at_gpt4o_rates
    counter.unsure_below += tokens - at_gpt4o_rates  # near the window: which rate held is not known
    counter.note(
        f"{seen} (at its own on {before} and from {after}): counted at its own, the range reaching "
        "down to gpt-4o's rates"
    )
    return tokens


def image_tokens(
    width: int, height: int, detail: str, model: str, *, patch_extra: int | None = None
) -> tuple[int, str]:
    """Returns the estimated tokens of a `width` x `height` image for `model`, and a note on the rule used.

    `patch_extra` is the fitted cost of a patch-scheme image beside its patches (default: the shipped fit).
    """
    multiplier = _longest_prefix(IMAGE_PATCH_MULTIPLIERS, model)
    if multiplier is not None:
        extra = FITTED["patch_image"] if patch_extra is None else patch_extra
        tokens = math.ceil(_patches(width, height) * multiplier) + extra
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


def _patch_grid(width: int, height: int) -> int:
    """The 32px patches that cover an image as it is, before any resize."""
    return math.ceil(width / PATCH_SIZE) * math.ceil(height / PATCH_SIZE)


def _patches(width: int, height: int) -> int:
    patches = _patch_grid(width, height)
    if patches <= MAX_PATCHES:
        return patches
    # Published resize: shrink to the patch budget, then so that whole patches fit each side.
    ratio = math.sqrt(PATCH_SIZE * PATCH_SIZE * MAX_PATCHES / (width * height))
    w_patches, h_patches = width * ratio / PATCH_SIZE, height * ratio / PATCH_SIZE
    ratio *= min(math.floor(w_patches) / w_patches, math.floor(h_patches) / h_patches)
    return min(MAX_PATCHES, _patch_grid(int(width * ratio), int(height * ratio)))


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

    The schema is rendered as compact JSON with non-ASCII characters escaped, without `required`,
    `additionalProperties`, bounds and defaults, in strict mode and out of it alike (strict rows of crewAI,
    Mirascope, traceloop; pydantic-ai's non-strict `final_result` rows are 48 tokens over with the keys kept).
    """
    if not response_format or response_format.get("type") != "json_schema":
        return ""
    spec = response_format.get("json_schema") or {}
    schema = _without_keys(spec.get("schema") or {}, STRICT_DROPPED_KEYS)
    description = f"// {spec['description']}\n" if spec.get("description") else ""
    return f"# Response Formats\n\n## {spec.get('name', '')}\n\n{description}{_ascii_compact(schema)}"


def _has_optional_properties(response_format: Mapping[str, Any]) -> bool:
    """Returns whether a non-strict json_schema format leaves some of its properties out of `required`.

    Strict formats require every property; the few recorded non-strict ones with optional properties disagree
    (one of three counted 3 tokens over), so they are a shape of their own, exact only if the truth earns it.
    """
    spec = response_format.get("json_schema") or {}
    schema = spec.get("schema") or {}
    if spec.get("strict") or not isinstance(schema, Mapping):
        return False
    return not set(schema.get("properties") or {}) <= set(schema.get("required") or ())


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
    uncounted: list[str] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": body["instructions"]})
    items = body.get("input") or []
    empty_message = False
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    users = [
        i
        for i, item in enumerate(items)
        if item.get("role") == "user" and item.get("type", "message") == "message"
    ]
    for index, item in enumerate(items):
        kind = item.get("type", "message")
        if "type" not in item and "role" not in item and "id" in item:
            # The API's item reference may leave out its type (`{"id": "msg_..."}`): a stored item, not an
            # empty user message (Hyper-Unearthing/llm_gateway's replayed turns).
            kind = "item_reference"
        if kind == "message" and item.get("content") == []:
            # A message of no parts is not rendered at all (ReqLLM's empty assistant turn: 4 to 6 tokens over
            # with a message frame, one source), while one of "" is an empty message (pydantic-ai's, exact).
            empty_message = True
        elif kind == "message":
            messages.append({"role": item.get("role", "user"), "content": item.get("content")})
        elif kind in ("function_call", "custom_tool_call"):
            arguments = item.get("arguments", item.get("input", ""))
            function = {"name": item.get("name", ""), "arguments": arguments}
            # An item id marks a call the API may hold from an earlier response; with `store: false` it holds
            # none, and the call costs what one without an id does (DataDog's dd-trace-js rows: 9 requests, 3
            # over per call with the stored-call cost; one source, so those requests stay estimates).
            stored = bool(item.get("id")) and body.get("store") is not False
            call = {"id": item.get("call_id", ""), "function": function, "stored": stored}
            if messages and messages[-1].get("role") == "assistant" and messages[-1].get("tool_calls"):
                messages[-1]["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "tool_calls": [call]})
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output", "")
            messages.append({"role": "tool", "tool_call_id": item.get("call_id", ""), "content": output})
        elif kind == "reasoning" and index > (users[-1] if users else -1):
            # Reasoning of the turn being answered (after the last user message, in a tool loop) is kept by
            # the API, and its tokens are not in the body (an id, or encrypted content): every such request
            # recorded is under by tens to a thousand tokens (charmbracelet, EndlessInternational and
            # introspection-org: 27 rows; fresh20, after its first count).
            note = "the reasoning of this turn's earlier steps is not counted (the API holds it)"
            uncounted += [note] if note not in uncounted else []
        elif kind == "reasoning":
            pass  # a past turn's reasoning, handed back: recorded counts with such items leave it out
        else:  # an item_reference, a built-in tool's call or result: stored, or not in the body
            uncounted.append(f"a Responses input item of type {kind} is not counted")
    for key in ("previous_response_id", "conversation"):
        if body.get(key):  # the stored turns the API prepends are not in the body
            uncounted.append(f"the stored conversation of {key} is not counted (only this request's input)")
    if body.get("prompt"):  # a reusable prompt of the dashboard, by id: its text is not in the body
        uncounted.append("the stored prompt of `prompt` is not counted (only this request's input)")
    chat: dict[str, Any] = {"messages": messages, "uncounted": uncounted, "empty_message": empty_message}
    tools = [tool for tool in body.get("tools") or () if tool.get("type") in ("function", "custom")]
    chat["builtin_tools"] = [
        tool.get("type") for tool in body.get("tools") or () if tool.get("type") not in ("function", "custom")
    ]
    if tools:
        chat["tools"] = [
            {"type": "function", "function": tool} if tool.get("type") == "function" else tool
            for tool in tools
        ]
    if body.get("tool_choice") is not None:
        chat["tool_choice"] = body["tool_choice"]
    text_format = (body.get("text") or {}).get("format") or {}
    if text_format.get("type") == "json_schema":
        spec = {key: value for key, value in text_format.items() if key != "type"}
        chat["response_format"] = {"type": "json_schema", "json_schema": spec}
    return chat
