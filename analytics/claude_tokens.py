"""Approximate token counts for Claude models, offline, per tokenizer generation.

Anthropic publishes no tokenizer (its count_tokens endpoint needs the network), so a Claude count is the
o200k_base count (OpenAI's newest public encoding, of the same text or of the request rendered as for gpt-4o)
times a ratio per generation, with a range, and never exact:

- Claude before Opus 4.7 (Claude 3, 3.5, 3.7, 4, 4.1, 4.5, 4.6): no published ratio to o200k was found and
  none was measured here, so the central figure is o200k's own count and the range is wide (0.9x..1.25x).
- Claude Opus 4.7 and later use a new tokenizer: Anthropic's migration guide documents 1.0x..1.35x the
  tokens of earlier models for the same text; public measurements with Anthropic's count_tokens endpoint
  found 1.0x (CJK, Cyrillic, numbers) up to 1.45x..1.47x (English prose, technical docs), 1.13x..1.33x for
  code (claudecodecamp.com "I measured Claude 4.7's new tokenizer"; sol.ava.dev 2026-04-17). Central 1.3x,
  range 0.9x (the low end of earlier models) .. 1.25 x 1.47 = 1.84x.
"""

from __future__ import annotations

import math
import re

APPROXIMATING_MODEL = "gpt-4o"  # whose encoding (o200k_base) and chat rules a Claude count starts from
# generation -> (central ratio, low ratio, high ratio) against the o200k_base count
RATIOS: dict[str, tuple[float, float, float]] = {
    "before-4.7": (1.0, 0.9, 1.25),
    "4.7+": (1.3, 0.9, 1.84),
}
NEW_TOKENIZER_FROM = (4, 7)
# claude-3-5-sonnet-20241022, claude-3-opus, claude-sonnet-4-5, claude-opus-4-7, claude-haiku-4-5-20251001
_OLD_NAME = re.compile(r"claude-(\d+)(?:-(\d))?-(?:opus|sonnet|haiku|instant)")
_NEW_NAME = re.compile(r"claude-(?:opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?:-\d{8})?(?:-.*)?$")


def is_claude(model: str) -> bool:
    return model.strip().removeprefix("anthropic/").startswith("claude")


def generation(model: str) -> str:
    """Returns the tokenizer generation of a Claude model name ("before-4.7" or "4.7+")."""
    name = model.strip().removeprefix("anthropic/")
    match = _NEW_NAME.match(name) or _OLD_NAME.match(name)
    if not match:
        return "before-4.7"  # claude-2, claude-instant-1 and unversioned names predate the new tokenizer
    major, minor = int(match.group(1)), int(match.group(2) or 0)
    return "4.7+" if (major, minor) >= NEW_TOKENIZER_FROM else "before-4.7"


def approximate(o200k_tokens: int, model: str) -> tuple[int, int, int, str]:
    """Returns (tokens, low, high, note) for a Claude model from the o200k_base count of the same prompt."""
    central, low, high = RATIOS[generation(model)]
    note = (
        f"Anthropic publishes no offline tokenizer for {model}: o200k_base count x {central} "
        f"(range x{low}..x{high}, Claude {generation(model)} tokenizer) — an approximation"
    )
    return (
        round(o200k_tokens * central),
        math.floor(o200k_tokens * low),
        math.ceil(o200k_tokens * high),
        note,
    )
