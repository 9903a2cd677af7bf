"""Exact-match rate of `analytics.tokens.count_request` against the recorded OpenAI prompt-token counts.

Prints the rate overall, per family, per feature and per api, then the worst mismatches. Rows whose recording
cannot be trusted (see EXCLUDED_NOTES) are reported apart and left out of the target figures.

    .venv/bin/python scripts/token_truth_report.py [TRUTH.jsonl] [--worst N]
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from analytics import tokens

TRUTH = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "openai-token-truth-dev.jsonl"

# Note fragments that mark a recording whose request body is not what was sent, or whose count is in doubt.
EXCLUDED_NOTES: dict[str, str] = {
    "REDACTED/FILTERED": "body text was redacted by the recorder",
    "recorded before 2025-04-01": "early Responses API, which counted input differently",
}


@dataclass
class Outcome:
    row: dict
    counted: int | None
    error: str = ""

    @property
    def exact(self) -> bool:
        return self.counted == self.row["prompt_tokens"]

    @property
    def delta(self) -> int | None:
        return None if self.counted is None else self.counted - self.row["prompt_tokens"]


OTHER_RECORDINGS = re.compile(
    r"same prompt recorded \d+ more time\(s\) elsewhere with prompt_tokens \[([\d, ]+)\]"
)


# The Responses API counted input differently before this date; a recording made earlier is left out even when
# its notes do not say so (pydantic-ai's o3-mini reasoning_effort row, recorded 2025-03-27).
EARLY_RESPONSES_API_BEFORE = "2025-04-01"


def exclusion(row: dict) -> str | None:
    """Returns why a row is left out of the target, or None when it counts."""
    notes = row.get("notes") or ""
    if row.get("api") == "responses" and (row.get("recorded_at") or "~") < EARLY_RESPONSES_API_BEFORE:
        return EXCLUDED_NOTES["recorded before 2025-04-01"]
    for fragment, reason in EXCLUDED_NOTES.items():
        if fragment in notes:
            return reason
    others = OTHER_RECORDINGS.search(notes)
    if others and any(int(n) != row["prompt_tokens"] for n in others.group(1).split(",")):
        return f"recordings of the same prompt disagree ({row['prompt_tokens']} vs {others.group(1)})"
    return None


def evaluate(row: dict) -> Outcome:
    try:
        return Outcome(
            row, tokens.count_request(row["request"], row["model"], image_sizes=_image_sizes(row)).tokens
        )
    except Exception as error:  # a report lists failures instead of stopping at the first one
        return Outcome(row, None, f"{type(error).__name__}: {error}")


def _image_sizes(row: dict) -> dict[str, tuple[int, int]]:
    """Returns the recorded sizes of remote image URLs (data: URLs are measured by the counter itself)."""
    urls = [url for url in _image_urls(row["request"]) if not url.startswith("data:")]
    sizes = [(image["width"], image["height"]) for image in row.get("images") or ()]
    return dict(zip(urls, sizes, strict=False))


def _image_urls(node: object) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "image_url":
                yield value["url"] if isinstance(value, dict) else value
            else:
                yield from _image_urls(value)
    elif isinstance(node, list):
        for item in node:
            yield from _image_urls(item)


def _rate_table(title: str, groups: dict[str, list[Outcome]]) -> None:
    print(f"\n{title}")
    for key, outcomes in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        exact = sum(o.exact for o in outcomes)
        print(f"  {key:36s} {exact:5d}/{len(outcomes):<5d} {100 * exact / len(outcomes):6.1f}%")


def report(path: Path, worst: int) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    kept = [evaluate(row) for row in rows if exclusion(row) is None]
    excluded = [(row, exclusion(row)) for row in rows if exclusion(row) is not None]
    exact = sum(o.exact for o in kept)
    everything = kept + [evaluate(row) for row, _ in excluded]
    plain = [o for o in kept if not o.row["features"] and o.row["api"] == "chat.completions"]
    print(f"ground truth: {path} ({len(rows)} rows, {len(excluded)} excluded)")
    print(f"overall exact: {exact}/{len(kept)} = {100 * exact / len(kept):.1f}%")
    all_exact = sum(o.exact for o in everything)
    share = 100 * all_exact / len(everything)
    print(f"  (all rows, exclusions included: {all_exact}/{len(everything)} = {share:.1f}%)")
    print(f"plain-text chat exact: {sum(o.exact for o in plain)}/{len(plain)}")
    groups: dict[str, dict[str, list[Outcome]]] = {"family": defaultdict(list), "feature": defaultdict(list)}
    by_api: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in kept:
        groups["family"][outcome.row["family"]].append(outcome)
        by_api[outcome.row["api"]].append(outcome)
        for feature in outcome.row["features"] or ["plain"]:
            groups["feature"][feature].append(outcome)
    _rate_table("per family", groups["family"])
    _rate_table("per feature (a row counts under each of its features)", groups["feature"])
    _rate_table("per api", by_api)
    print("\nexcluded rows")
    for row, reason in excluded:
        print(f"  {row['id'][:100]}  ({reason})")
    misses = sorted((o for o in kept if not o.exact), key=lambda o: -abs(o.delta or 10**9))
    print(f"\nworst {worst} mismatches (counted - recorded)")
    for o in misses[:worst]:
        shown = o.error or f"{o.delta:+d}"
        print(
            f"  {shown:>8s}  {o.row['model']:22s} {','.join(o.row['features'])[:40]:40s} {o.row['id'][:90]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("truth", nargs="?", type=Path, default=TRUTH)
    parser.add_argument("--worst", type=int, default=25)
    args = parser.parse_args()
    report(args.truth, args.worst)


if __name__ == "__main__":
    main()
