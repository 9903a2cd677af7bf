"""Calibration of request counts: which request shapes count exactly, and the range of the others.

The table `analytics/data/token_shapes.json` is written by `scripts/token_truth_report.py --write` from
errors measured on requests the counting constants were not fitted on: the dev set's
leave-one-repository-out cross-validation plus the extra, fresh and fresh2 sets counted with the shipped fit.
A shape (api / model kind / features, see `request_tokens._Counter.shape`) is exact only when at least
`EXACT_RATE` of those requests were counted exactly, there are at least `MIN_ROWS` of them, and they come
from at least `MIN_SOURCES` independent sources (repository owners). Any other shape is an estimate whose
range is the 5th..95th percentile of its signed error (recorded - counted, each repository weighing the
same), or, with fewer than `MIN_RANGE_ROWS` requests or `MIN_REPOS` repositories of its own, the widest
range of the features it combines.
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources
from typing import Any

EXACT_RATE = 0.99
# Chosen by leaving each truth set out in turn (calibrate on the others, count it): at 10 rows and any
# number of repositories, 13 of fresh2's 247 exact claims and 4 of extra's 219 were wrong, from shapes of 13
# or 14 rows (gpt35_0301: 14 rows, all BoxcarsAI/boxcars; format_after_reply: 13). At 30 rows from 3 or more
# repositories: 3/208 and 0/199 (and 0 on the dev and fresh sets), the 3 being rows of doubtful usage.
MIN_ROWS = 30
MIN_REPOS = 3  # a shape exact in one repository's tests is one recorder's habit, not yet a rule
# ... and repositories of one owner often build requests with the same code (Future-House's ldp, paper-qa and
# aviary: 72 requests of tool_choice with named tool results, exact, all made by aviary), so an exact claim
# needs that many owners.
MIN_SOURCES = 3
MIN_RANGE_ROWS = 20  # below this a shape's own percentiles are too noisy; its features' ranges are used
MIN_FEATURE_ROWS = 5  # a feature seen fewer times than this gives no range (the +-5% fallback does)
# No recorded request of a similar shape: a range of +-5% (at least 10 tokens), wider than every feature's
# cross-validated 95th percentile on the truth set but one (see the report's "range coverage").
FALLBACK_SHARE = 0.05
FALLBACK_MIN = 10


@functools.cache
def table() -> dict[str, Any]:
    """Returns the shipped calibration table (empty when none is shipped: everything is then an estimate)."""
    try:
        return json.loads(resources.files("analytics").joinpath("data/token_shapes.json").read_text())
    except FileNotFoundError:
        return {"shapes": {}, "features": {}}


def fallback_range(tokens: int) -> tuple[int, int]:
    margin = max(FALLBACK_MIN, math.ceil(tokens * FALLBACK_SHARE))
    return max(0, tokens - margin), tokens + margin


def calibration(
    shape: str, tokens: int, calibration_table: dict[str, Any] | None = None
) -> tuple[bool, int, int, str]:
    """Returns (exact, low, high, reason) for a count of `tokens` of a request of `shape`."""
    data = table() if calibration_table is None else calibration_table
    entry = data["shapes"].get(shape)
    if entry and entry["exact"]:
        return True, tokens, tokens, ""
    if entry and _enough(entry, MIN_RANGE_ROWS):
        low, high = entry["low"], entry["high"]
        if entry["claimable"]:
            reason = (
                f"request shape {shape}: {100 * entry['cv_exact']:.1f}% exact over {entry['rows']} recorded "
                f"requests of {entry['repos']} repositories, counted without fitting on them (exact needs "
                f"{100 * EXACT_RATE:.0f}% over {MIN_ROWS} requests from {MIN_SOURCES} owners); range from "
                "its error"
            )
        else:  # every count of the shape carries a note of its own (an image, say): never claimed exact
            reason = (
                f"request shape {shape}: {100 * entry['all_exact']:.1f}% of {entry['rows']} recorded "
                f"requests of {entry['repos']} repositories counted exactly without fitting on them, but "
                "its counts are estimates by rule (see the other notes); range from their error"
            )
    else:
        low, high, found = _feature_range(shape, data)
        seen = f"{entry['rows']} recorded requests" if entry else "no recorded request"
        if found:
            reason = f"request shape {shape}: {seen} of this shape; range from its features' error"
        else:
            fallback_low, fallback_high = fallback_range(tokens)
            low, high = fallback_low - tokens, fallback_high - tokens
            reason = f"request shape {shape}: {seen} of this shape or its features; range +-5%"
    # An estimate keeps at least 1 token either side: features that are all exact give 0..0 (a point range
    # would read as exact).
    return False, max(0, tokens + min(-1, low)), tokens + max(1, high), reason


def _enough(entry: dict[str, Any], rows: int) -> bool:
    """Whether a shape's or feature's own error is enough to give a range: a few rows of one or two
    repositories let one outlier set it (10 rows of text parts, one of them 13,229 tokens over)."""
    return entry["rows"] >= rows and entry.get("repos", 0) >= MIN_REPOS


def _feature_range(shape: str, data: dict[str, Any]) -> tuple[int, int, bool]:
    """Returns the widest (low, high) error offsets over the shape's features, and whether any was known."""
    api, kind, features = shape.split("/")
    lows, highs = [], []
    for feature in features.split("+"):
        entry = data["features"].get(f"{api}/{kind}/{feature}") or data["features"].get(f"{api}/*/{feature}")
        if entry and _enough(entry, MIN_FEATURE_ROWS):
            lows.append(entry["low"])
            highs.append(entry["high"])
    if not lows:
        return 0, 0, False
    return min(lows), max(highs), True
