"""Fit, cross-validate and calibrate request token counting against recorded prompt-token counts.

A truth row pairs a request body as sent with the prompt tokens the API reported (`prompt_tokens`) and its
provenance (`source_repo`). Each row is analysed once with every fitted constant at 0: that gives its
`base` (rules and text only) and how often it uses each constant, so its count under any constants is
`base + sum(value * uses)`. Fitting chooses integer values that make the most training rows exact;
leave-one-repository-out cross-validation fits on all repositories but one and counts the held-out one.
Used by `scripts/token_truth_report.py` and its tests; nothing here runs when counting.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from analytics import (
    request_tokens,
    token_shapes,
    tokens,  # noqa: F401  (imported first: it loads request_tokens)
)

# Note fragments that mark a recording whose request body is not what was sent.
EXCLUDED_NOTES: dict[str, str] = {"REDACTED/FILTERED": "body text was redacted by the recorder"}
OTHER_RECORDINGS = re.compile(
    r"same prompt recorded \d+ more time\(s\) elsewhere with prompt_tokens \[([\d, ]+)\]"
)
ZERO = {name: 0 for name in request_tokens.CONSTANTS}
PRIORS = {name: prior for name, (prior, _) in request_tokens.CONSTANTS.items()}


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Returns the rows of a truth JSONL file; a bad line is reported as file:line:col."""
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{path}:{number}:{error.colno}: expected one JSON object: {error.msg}"
            ) from None
    return rows


def exclusion(row: Mapping[str, Any]) -> str | None:
    """Returns why a row cannot be trusted as truth, or None when it counts."""
    notes = row.get("notes") or ""
    for fragment, reason in EXCLUDED_NOTES.items():
        if fragment in notes:
            return reason
    others = OTHER_RECORDINGS.search(notes)
    if others and any(int(n) != row["prompt_tokens"] for n in others.group(1).split(",")):
        return f"recordings of the same prompt disagree ({row['prompt_tokens']} vs {others.group(1)})"
    return None


@dataclass
class Sample:
    """One truth row, analysed: its count is `base + sum(constants[c] * uses[c])`."""

    row: dict[str, Any]
    base: int | None
    uses: Mapping[str, int] = field(default_factory=dict)
    shape: str = ""
    notes: tuple[str, ...] = ()
    error: str = ""
    open_ended: bool = False  # content left uncounted: its range has a lower end only
    unsure_above: int = 0  # the range's widening beyond its shape's (RequestAnalysis.unsure_above)
    unsure_below: int = 0

    @property
    def repo(self) -> str:
        return self.row["source_repo"]

    @property
    def source(self) -> str:
        """The owner of the row's repository: one independent source of evidence. Repositories of one owner
        often build their requests with the same code (Future-House's ldp, paper-qa and aviary share aviary's
        tool messages; DataDog's tracers, langchain-ai's libraries), so they count once where a claim needs
        several sources."""
        return self.repo.split("/", 1)[0]

    @property
    def truth(self) -> int:
        return self.row["prompt_tokens"]

    def count(self, constants: Mapping[str, int]) -> int | None:
        if self.base is None:
            return None
        return self.base + sum(constants[name] * times for name, times in self.uses.items())


def recorded_day(row: Mapping[str, Any]) -> date | None:
    stamp = row.get("recorded_at") or ""
    return date.fromisoformat(stamp[:10]) if len(stamp) >= 10 else None


def analyse(row: dict[str, Any]) -> Sample:
    """Analyses a row's request as of its recording date, with every fitted constant at 0."""
    try:
        analysis = request_tokens.analyse_request(
            row["request"], row["model"], image_sizes=image_sizes(row), at=recorded_day(row), constants=ZERO
        )
    except Exception as error:  # a report lists failures instead of stopping at the first one
        return Sample(row, None, error=f"{type(error).__name__}: {error}")
    uses = dict(analysis.uses)
    return Sample(
        row,
        analysis.tokens,
        uses,
        analysis.shape,
        analysis.notes,
        open_ended=analysis.open_ended,
        unsure_above=analysis.unsure_above,
        unsure_below=analysis.unsure_below,
    )


def image_sizes(row: Mapping[str, Any]) -> dict[str, tuple[int, int]]:
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


# --- fitting ----------------------------------------------------------------------------------------------


def fit(
    samples: Sequence[Sample], *, min_repos: int = 1, rounds: int = 6, restarts: int = 6
) -> dict[str, int]:
    """Returns integer constants that make the most `samples` exact, starting from the priors.

    Coordinate ascent (one constant at a time, to the value most rows agree on), then moves of two
    constants that appear in the same rows at once (their effects are partly collinear, so one at a time
    gets stuck), repeated while either improves. The search is run `restarts` times with the constants
    visited in different (deterministic) orders and the best is kept: a local optimum found in one order
    is often beaten in another. A constant leaves its prior only for a value that is exact on rows of at
    least `min_repos` repositories; a constant no sample uses keeps its prior.
    """
    usable = [s for s in samples if s.base is not None]
    best: tuple[int, dict[str, int]] | None = None
    for restart in range(restarts):
        state = _FitState(usable, min_repos)
        if restart == 1:
            state.names.reverse()
        elif restart > 1:
            random.Random(restart).shuffle(state.names)
        for _ in range(rounds):
            changed = state.ascend()
            changed = state.pair_moves() or changed
            if not changed:
                break
        score = state._score(range(len(usable)))
        if best is None or score > best[0]:
            best = (score, state.values)
    return best[1] if best else dict(PRIORS)


class _FitState:
    def __init__(self, samples: Sequence[Sample], min_repos: int) -> None:
        self.samples = samples
        self.min_repos = min_repos
        self.values = dict(PRIORS)
        self.counts = [s.count(self.values) or 0 for s in samples]
        self.truth = [s.truth for s in samples]
        self.users: dict[str, list[int]] = defaultdict(list)
        for index, sample in enumerate(samples):
            for name in sample.uses:
                self.users[name].append(index)
        self.names = [name for name in request_tokens.CONSTANTS if self.users.get(name)]

    def _votes(self, name: str) -> tuple[Counter[int], dict[int, set[str]]]:
        votes: Counter[int] = Counter()
        repos: dict[int, set[str]] = defaultdict(set)
        value = self.values[name]
        for index in self.users[name]:
            times = self.samples[index].uses[name]
            rest = self.truth[index] - (self.counts[index] - value * times)
            if rest % times == 0:
                votes[rest // times] += 1
                repos[rest // times].add(self.samples[index].repo)
        return votes, repos

    def _best(self, name: str) -> int:
        votes, repos = self._votes(name)
        supported = [v for v in votes if len(repos[v]) >= self.min_repos]
        if not supported:
            return self.values[name]
        best = max(supported, key=lambda v: (votes[v], -abs(v - PRIORS[name])))
        return best if votes[best] > votes.get(self.values[name], 0) else self.values[name]

    def _set(self, name: str, value: int) -> None:
        delta = value - self.values[name]
        if delta:
            for index in self.users[name]:
                self.counts[index] += delta * self.samples[index].uses[name]
            self.values[name] = value

    def _score(self, indices: Iterable[int]) -> int:
        return sum(self.counts[i] == self.truth[i] for i in indices)

    def ascend(self) -> bool:
        changed = False
        for _ in range(12):
            moved = False
            for name in self.names:
                best = self._best(name)
                if best != self.values[name]:
                    self._set(name, best)
                    moved = True
            if not moved:
                break
            changed = True
        return changed

    def pair_moves(self, candidates: int = 8) -> bool:
        changed = False
        for a in self.names:
            rows_a = set(self.users[a])
            for b in self.names:
                if a == b or not rows_a.intersection(self.users[b]):
                    continue
                rows = rows_a.union(self.users[b])
                old_a, old_b = self.values[a], self.values[b]
                best = (self._score(rows), old_a, old_b)
                votes, repos = self._votes(a)
                tried = [v for v, _ in votes.most_common(candidates) if len(repos[v]) >= self.min_repos]
                for value in tried:
                    if value == old_a:
                        continue
                    self._set(a, value)
                    self._set(b, self._best(b))
                    score = self._score(rows)
                    if score > best[0]:
                        best = (score, value, self.values[b])
                    self._set(b, old_b)
                    self._set(a, old_a)
                if (best[1], best[2]) != (old_a, old_b):
                    self._set(a, best[1])
                    self._set(b, best[2])
                    changed = True
        return changed


def cross_validate(samples: Sequence[Sample], **fit_options: Any) -> dict[str, dict[str, int]]:
    """Returns, per repository, the constants fitted on every other repository's samples."""
    repos = sorted({s.repo for s in samples})
    return {repo: fit([s for s in samples if s.repo != repo], **fit_options) for repo in repos}


def cv_counts(samples: Sequence[Sample], folds: Mapping[str, Mapping[str, int]]) -> list[int | None]:
    return [s.count(folds[s.repo]) for s in samples]


# --- calibration ------------------------------------------------------------------------------------------


def _percentile(errors: Sequence[tuple[int, str]], share: float) -> int:
    """Weighted nearest-rank percentile of (error, repository) pairs, each repository weighing the same
    whatever its number of rows: the range is for a request of a repository not yet seen, and one
    repository's systematic miss (trustcall's 50 rows of -108..-124 among 1,343 tool rows) must not set
    it alone."""
    per_repo = Counter(repo for _, repo in errors)
    weighted = sorted((error, 1 / per_repo[repo]) for error, repo in errors)
    target = share * len(per_repo)
    reached = 0.0
    for error, weight in weighted:
        reached += weight
        if reached >= target - 1e-9:
            return error
    return weighted[-1][0]


def _entry(errors: Sequence[tuple[int, str, str, bool]]) -> dict[str, Any]:
    """One calibration entry from (error, repository, source, claimable) tuples. Only claimable rows (a count
    with no note that makes it an estimate anyway, e.g. an unverified model variant) decide whether the shape
    is exact: those are the counts the claim would be made for, and they must come from `MIN_SOURCES`
    independent sources (owners). Every row gives the range, each repository weighing the same."""
    claimable = [(error, source) for error, _, source, can_claim in errors if can_claim]
    rate = sum(error == 0 for error, _ in claimable) / len(claimable) if claimable else 0.0
    exact = (
        len(claimable) >= token_shapes.MIN_ROWS
        and rate >= token_shapes.EXACT_RATE
        and len({source for _, source in claimable}) >= token_shapes.MIN_SOURCES
    )
    # An estimate's range is never a single point: at least one token either side of the count.
    floor = 0 if exact else 1
    pairs = [(error, repo) for error, repo, _, _ in errors]
    return {
        "rows": len(errors),
        "repos": len({repo for _, repo in pairs}),
        "sources": len({source for _, _, source, _ in errors}),
        "cv_exact": round(rate, 4),
        # Over every row, claimable or not: the rate a note shows when no count of the shape can be claimed
        # (an image's tokens are always an estimate, so `cv_exact` of an image shape is 0 by construction).
        "all_exact": round(sum(error == 0 for error, _ in pairs) / len(pairs), 4),
        "claimable": len(claimable),
        "exact": exact,
        "low": min(-floor, _percentile(pairs, 0.05)),
        "high": max(floor, _percentile(pairs, 0.95)),
    }


def calibrate(samples: Sequence[Sample], counts: Sequence[int | None]) -> dict[str, Any]:
    """Returns the calibration table from `counts` made without fitting on the samples (cross-validated or
    held out): per shape and per (api, kind, feature) the rows, the repositories they come from, their exact
    rate and the 5th / 95th percentile of the signed error (recorded - counted)."""
    by_shape: dict[str, list[tuple[int, str, str, bool]]] = defaultdict(list)
    by_feature: dict[str, list[tuple[int, str, str, bool]]] = defaultdict(list)
    for sample, counted in zip(samples, counts, strict=True):
        # An open-ended count (a file part, a built-in tool, stored input) is only a lower bound: its error
        # is unbounded by design and says nothing of the ranges of countable requests.
        # So is a count whose range is widened for a known reason (a dated rule whose change day is not
        # known exactly): its error belongs to that reason, not to its shape.
        if counted is None or sample.open_ended or sample.unsure_above or sample.unsure_below:
            continue
        error = (sample.truth - counted, sample.repo, sample.source, not sample.notes)
        by_shape[sample.shape].append(error)
        api, kind, features = sample.shape.split("/")
        for feature in features.split("+"):
            by_feature[f"{api}/{kind}/{feature}"].append(error)
            by_feature[f"{api}/*/{feature}"].append(error)
    return {
        "about": (
            "written by scripts/token_truth_report.py --write from counts not fitted on the rows "
            "(leave-one-repository-out cross-validation, held-out sets); "
            f"exact = at least {token_shapes.MIN_ROWS} rows from {token_shapes.MIN_SOURCES} owners and "
            f"{100 * token_shapes.EXACT_RATE:.0f}% exact; "
            "low/high = 5th/95th percentile of recorded - counted, each repository weighing the same, "
            "at least 1 token either side for estimates"
        ),
        "shapes": {key: _entry(errors) for key, errors in sorted(by_shape.items())},
        "features": {key: _entry(errors) for key, errors in sorted(by_feature.items())},
    }


def as_count(sample: Sample, counted: int, table: Mapping[str, Any]) -> request_tokens.TokenCount:
    """Returns the TokenCount `count_request` would give for this sample's count under calibration `table`
    (the same code, so that the report measures the claims and ranges users get)."""
    analysis = request_tokens.RequestAnalysis(
        sample.row.get("model", ""),
        "",
        counted,
        sample.uses,
        sample.shape,
        sample.notes,
        sample.open_ended,
        sample.unsure_above,
        sample.unsure_below,
    )
    return request_tokens.calibrated(analysis, dict(table))


def claims_exact(sample: Sample, counted: int, table: Mapping[str, Any]) -> bool:
    """Returns whether `count_request` would call this sample's count exact under calibration `table`."""
    return as_count(sample, counted, table).exact


def without_source(samples: Sequence[Sample], counts: Sequence[int | None]) -> tuple[list[bool], list[bool]]:
    """Returns, per sample, whether its count is claimed exact, and whether the count's range holds the
    recorded count, under a calibration built without the sample's source, every repository of its owner
    (so both measure the calibration on a source not yet seen)."""
    claims = [False] * len(samples)
    covered = [False] * len(samples)
    for source in sorted({s.source for s in samples}):
        others = [i for i, s in enumerate(samples) if s.source != source]
        table = calibrate([samples[i] for i in others], [counts[i] for i in others])
        for index in (i for i, s in enumerate(samples) if s.source == source and counts[i] is not None):
            count = as_count(samples[index], counts[index], table)
            claims[index] = count.exact
            covered[index] = _holds(samples[index], count)
    return claims, covered


def in_range(sample: Sample, counted: int, table: Mapping[str, Any]) -> bool:
    """Returns whether the count's low..high (as `count_request` gives it) holds the recorded count."""
    return _holds(sample, as_count(sample, counted, table))


def _holds(sample: Sample, count: request_tokens.TokenCount) -> bool:
    return count.low <= sample.truth and (sample.open_ended or sample.truth <= count.high)
