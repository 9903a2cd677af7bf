"""Calibration of request counts: which request shapes count exactly, and the range of the others.

The table `analytics/data/token_shapes.json` is written by `scripts/token_truth_report.py --write` from a
leave-one-repository-out cross-validation over the recorded truth set: a shape (api / model kind / features,
see `request_tokens._Counter.shape`) is exact only when at least `EXACT_RATE` of its held-out requests were
counted exactly and it has at least `MIN_ROWS` of them. Any other shape is an estimate whose range is the
5th..95th percentile of its cross-validated signed error (recorded - counted), or, with fewer than
`MIN_RANGE_ROWS` requests of its own, the widest range of the features it combines.
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources
from typing import Any

EXACT_RATE = 0.99
MIN_ROWS = 10  # fewer held-out requests than this cannot show a 99% rate: 1 miss in 10 is already 90%
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
    if entry and entry["rows"] >= MIN_RANGE_ROWS:
        low, high = entry["low"], entry["high"]
        reason = (
            f"request shape {shape}: {100 * entry['cv_exact']:.1f}% exact in cross-validation over "
            f"{entry['rows']} recorded requests (exact needs {100 * EXACT_RATE:.0f}%); range from its error"
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


def _feature_range(shape: str, data: dict[str, Any]) -> tuple[int, int, bool]:
    """Returns the widest (low, high) error offsets over the shape's features, and whether any was known."""
    api, kind, features = shape.split("/")
    lows, highs = [], []
    for feature in features.split("+"):
        entry = data["features"].get(f"{api}/{kind}/{feature}") or data["features"].get(f"{api}/*/{feature}")
        if entry and entry["rows"] >= MIN_FEATURE_ROWS:
            lows.append(entry["low"])
            highs.append(entry["high"])
    if not lows:
        return 0, 0, False
    return min(lows), max(highs), True
