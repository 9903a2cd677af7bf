"""Accuracy of `analytics.tokens.count_request` against recorded OpenAI prompt-token counts: in-sample and
leave-one-repository-out cross-validated, side by side, then on held-out sets.

In-sample = constants fitted on every row; CV = each repository's rows counted with constants fitted on the
other repositories (rules that are not fitted are the same in every fold). The fit ships from the dev set
(the default); pass several files to fit and cross-validate on them together, without `--write` to leave the
shipped fit as it is. The calibration (which request shapes are exact, the ranges of the others) is built from
counts that were not fitted on their rows: the dev set's CV counts plus the `--calibrate-on` sets (default:
the extra, fresh and fresh2 sets) counted with the full fit; its claims and ranges are also measured per
owner with a calibration built without that owner. `--write` stores the full fit
(`analytics/data/token_constants.json`) and that calibration (`analytics/data/token_shapes.json`). The test
sets (default: the fresh3 .. fresh18, fresh20 .. fresh22, fresh24, fresh25, fresh28, fresh30 .. fresh36 and
fresh38 .. fresh40 sets that exist; `--test FILE`, repeatable) are used for neither, and are counted last,
each in its own section.

    .venv/bin/python scripts/token_truth_report.py [TRUTH.jsonl ...] [--write] [--calibrate-on FILE ...]
        [--test FILE ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from analytics import token_shapes, token_truth
from analytics.token_truth import Sample

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT.parent / "shared" / "data" / "openai-token-truth-dev.jsonl"
EXTRA = ROOT / "data" / "token_truth" / "openai-token-truth-extra.jsonl"
FRESH = ROOT / "data" / "token_truth" / "openai-token-truth-fresh.jsonl"
FRESH2 = ROOT / "data" / "token_truth" / "openai-token-truth-fresh2.jsonl"
# fresh19, 23, 26, 27, 29, 37, 41 and 42 were searched for and gave nothing (37 has no file: TESTS skips it)
TEST_NUMBERS = (*range(3, 19), 20, 21, 22, 24, 25, 28, *range(30, 41))
TESTS = [ROOT / "data" / "token_truth" / f"openai-token-truth-fresh{n}.jsonl" for n in TEST_NUMBERS]
DATA = ROOT / "analytics" / "data"

_API = {"chat.completions": "chat", "responses": "responses"}
# How the rows are broken down, in both the dev section and each held-out section.
GROUPS: list[tuple[str, Callable[[Sample], list[str]]]] = [
    ("per api", lambda s: [_API.get(s.row["api"], s.row["api"])]),
    ("per family", lambda s: [s.row["family"]]),
    ("per feature (a row counts under each)", lambda s: s.row["features"] or ["plain"]),
]


def _rate(hits: Sequence[bool]) -> str:
    return f"{sum(hits):5d}/{len(hits):<5d} {100 * sum(hits) / len(hits):6.1f}%" if hits else "    -"


def _grouped(samples: Sequence[Sample], keys: Callable[[Sample], list[str]]) -> list[tuple[str, list[int]]]:
    """Returns (key, indices of the samples under it), the largest group first."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, sample in enumerate(samples):
        for key in keys(sample):
            groups[key].append(index)
    return sorted(groups.items(), key=lambda kv: -len(kv[1]))


def _table(title: str, samples: Sequence[Sample], keys: Callable[[Sample], list[str]], ins, cv) -> None:
    print(f"\n{title:44s} {'in-sample':>19s}   {'cross-validated':>19s}")
    for key, indices in _grouped(samples, keys):
        in_hits = [ins[i] == samples[i].truth for i in indices]
        cv_hits = [cv[i] == samples[i].truth for i in indices]
        print(f"  {key[:42]:42s} {_rate(in_hits)}   {_rate(cv_hits)}")


def _widths(samples: Sequence[Sample], counts, claims: Sequence[bool], table: dict) -> str:
    """The median width (high - low) of the estimates' ranges, in tokens and as a share of the count."""
    widths = []
    for sample, counted, claim in zip(samples, counts, claims, strict=True):
        if claim or counted is None:
            continue
        count = token_truth.as_count(sample, counted, table)
        widths.append((count.high - count.low, (count.high - count.low) / max(1, counted)))
    if not widths:
        return "-"
    tokens = statistics.median(w for w, _ in widths)
    share = statistics.median(r for _, r in widths)
    return f"median range width {tokens:.0f} tokens, {100 * share:.1f}% of the count"


def _wrong_share(samples: Sequence[Sample], counts, claims: Sequence[bool]) -> str:
    claimed = [i for i, claim in enumerate(claims) if claim]
    wrong = sum(counts[i] != samples[i].truth for i in claimed)
    share = 100 * wrong / len(claimed) if claimed else 0.0
    return f"{wrong}/{len(claimed)} = {share:.2f}% (exact claimed on {len(claimed)}/{len(samples)} rows)"


def _load(path: Path) -> list[Sample]:
    """The countable samples of a truth file (excluded and failing rows left out)."""
    rows = [row for row in token_truth.load_rows(path) if token_truth.exclusion(row) is None]
    return [s for s in (token_truth.analyse(row) for row in rows) if s.base is not None]


def report(
    paths: Sequence[Path],
    *,
    write: bool,
    calibrate_on: Sequence[Path],
    test: Sequence[Path],
    worst: int,
    min_repos: int,
) -> None:
    rows = [row for path in paths for row in token_truth.load_rows(path)]
    excluded = [(row, token_truth.exclusion(row)) for row in rows if token_truth.exclusion(row)]
    samples = [token_truth.analyse(row) for row in rows if token_truth.exclusion(row) is None]
    failed = [s for s in samples if s.base is None]
    samples = [s for s in samples if s.base is not None]
    fitted = token_truth.fit(samples, min_repos=min_repos)
    folds = token_truth.cross_validate(samples, min_repos=min_repos)
    ins = [s.count(fitted) for s in samples]
    cv = token_truth.cv_counts(samples, folds)
    calibration_sets = [(path, _load(path)) for path in calibrate_on]
    # The calibration rows: the fit set's CV counts, then each calibration set counted with the full fit.
    all_samples = [*samples, *(s for _, set_samples in calibration_sets for s in set_samples)]
    all_counts = [*cv, *(s.count(fitted) for s in all_samples[len(samples) :])]
    table = token_truth.calibrate(all_samples, all_counts)
    unseen_claims, unseen_covered = token_truth.without_source(all_samples, all_counts)
    repos = sorted({s.repo for s in samples})
    names = " + ".join(path.name for path in paths)
    print(
        f"ground truth: {names} ({len(rows)} rows from {len(repos)} repositories, {len(excluded)} excluded)"
    )
    print(f"fit: constants leave their prior on a value exact in >= {min_repos} repositories")
    print(
        f"calibration: {names} (CV counts) + "
        + (" + ".join(path.name for path in calibrate_on) or "nothing")
        + f" (counted with the fit): {len(all_samples)} rows from {len({s.repo for s in all_samples})}"
        f" repositories; exact = >= {token_shapes.MIN_ROWS} rows from >= {token_shapes.MIN_SOURCES}"
        " owners, >= 99% exact"
    )
    ins_hits = [c == s.truth for c, s in zip(ins, samples, strict=True)]
    cv_hits = [c == s.truth for c, s in zip(cv, samples, strict=True)]
    print(f"overall exact            in-sample {_rate(ins_hits)}   cross-validated {_rate(cv_hits)}")
    plain = [i for i, s in enumerate(samples) if s.shape.endswith("/plain")]
    print(
        f"plain text (chat+resp.)  in-sample {_rate([ins_hits[i] for i in plain])}   "
        f"cross-validated {_rate([cv_hits[i] for i in plain])}"
    )
    in_claims = [token_truth.claims_exact(s, c, table) for s, c in zip(samples, ins, strict=True)]
    cv_claims = unseen_claims[: len(samples)]
    print("\n`exact: true` claims that are wrong (calibrated: shape exact rate >= 99%):")
    print(f"  in-sample (shipped fit and calibration): {_wrong_share(samples, ins, in_claims)}")
    print(
        "  cross-validated (fit without the repository, calibration without its owner): "
        + _wrong_share(samples, cv, cv_claims)
    )
    print(
        "  every calibration row, calibrated without its owner: "
        + _wrong_share(all_samples, all_counts, unseen_claims)
    )
    covered = [token_truth.in_range(s, c, table) for s, c in zip(samples, ins, strict=True)]
    estimates = [i for i, claim in enumerate(in_claims) if not claim]
    print(
        f"estimates whose low..high holds the recorded count: {_rate([covered[i] for i in estimates])}"
        " (range = 5th..95th percentile of the shape's error)"
    )
    print(f"  {_widths(samples, ins, in_claims, table)}")
    unseen_estimates = [i for i, claim in enumerate(unseen_claims) if not claim]
    print(
        "  every calibration row, calibrated without its owner: "
        + _rate([unseen_covered[i] for i in unseen_estimates])
    )
    for title, keys in [*GROUPS, ("per request shape (calibration key)", lambda s: [s.shape])]:
        _table(title, samples, keys, ins, cv)
    exact_shapes = sorted(key for key, entry in table["shapes"].items() if entry["exact"])
    print(f"\nshapes calibrated exact: {', '.join(exact_shapes) or 'none'}")
    print("\nfitted constants (prior -> full fit; range over the CV folds)")
    for name in fitted:
        values = sorted({fold[name] for fold in folds.values()})
        spread = f"{values[0]}..{values[-1]}" if len(values) > 1 else "same in every fold"
        print(f"  {name:40s} {token_truth.PRIORS[name]:4d} -> {fitted[name]:4d}   ({spread})")
    print("\nexcluded rows")
    for row, reason in excluded:
        print(f"  {row['id'][:100]}  ({reason})")
    for sample in failed:
        print(f"  failed: {sample.row['id'][:90]}: {sample.error}")
    misses = sorted(
        (i for i in range(len(samples)) if not cv_hits[i]), key=lambda i: -abs(cv[i] - samples[i].truth)
    )
    print(f"\nworst {worst} cross-validated mismatches (counted - recorded)")
    for i in misses[:worst]:
        s = samples[i]
        print(f"  {cv[i] - s.truth:+6d}  {s.row['model']:22s} {s.shape[:44]:44s} {s.row['id'][:80]}")
    if write:
        DATA.mkdir(parents=True, exist_ok=True)
        about = (
            f"fitted by scripts/token_truth_report.py on {names} ({len(samples)} rows, {len(repos)} repos)"
        )
        constants = {"about": about, "constants": fitted}
        (DATA / "token_constants.json").write_text(json.dumps(constants, indent=1) + "\n")
        (DATA / "token_shapes.json").write_text(json.dumps(table, indent=1) + "\n")
        print(f"\nwrote {DATA / 'token_constants.json'} and {DATA / 'token_shapes.json'}")
    start = len(samples)
    for path, set_samples in calibration_sets:
        part = slice(start, start + len(set_samples))
        start = part.stop
        title = (
            f"calibration set {path} (constants not fitted on it; claims and ranges from a calibration "
            "without the row's owner)"
        )
        _section(title, set_samples, all_counts[part], unseen_claims[part], unseen_covered[part], table)
    for held in test:
        if held.exists():
            held_samples = _load(held)
            counts = [s.count(fitted) for s in held_samples]
            claims = [
                token_truth.claims_exact(s, c, table) for s, c in zip(held_samples, counts, strict=True)
            ]
            held_covered = [
                token_truth.in_range(s, c, table) for s, c in zip(held_samples, counts, strict=True)
            ]
            _section(f"held-out test set {held}", held_samples, counts, claims, held_covered, table)
        else:
            print(f"\nheld-out test set {held}: no such file")


def _section(
    title: str,
    samples: Sequence[Sample],
    counts: Sequence[int],
    claims: Sequence[bool],
    covered: Sequence[bool],
    table: dict,
) -> None:
    """Prints a truth set counted with the full fit: exact rates, wrong exact claims and range coverage."""
    hits = [c == s.truth for c, s in zip(counts, samples, strict=True)]
    print(f"\n{title} ({len(samples)} rows, {len({s.repo for s in samples})} repositories)")
    print(f"  exact {_rate(hits)}; `exact: true` wrong: {_wrong_share(samples, counts, claims)}")
    plain = [h for h, s in zip(hits, samples, strict=True) if s.shape.endswith("/plain")]
    print(f"  plain text exact {_rate(plain)}")
    estimates = [hold for hold, claim in zip(covered, claims, strict=True) if not claim]
    print(f"  estimates whose low..high holds the recorded count: {_rate(estimates)}")
    print(f"  {_widths(samples, counts, claims, table)} (shipped calibration)")
    for group, keys in [*GROUPS, ("per repository", lambda s: [s.repo])]:
        print(f"\n  {group:42s} {'exact':>19s}   exact: true claimed (wrong)")
        for key, indices in _grouped(samples, keys):
            claimed = [i for i in indices if claims[i]]
            wrong = sum(not hits[i] for i in claimed)
            print(f"    {key[:40]:40s} {_rate([hits[i] for i in indices])}   {len(claimed):5d} ({wrong})")
    print("\n  mismatches (counted - recorded)")
    for sample, count, hit in zip(samples, counts, hits, strict=True):
        if not hit:
            print(
                f"  {count - sample.truth:+6d}  {sample.row['model']:22s} {sample.shape[:44]:44s} "
                + sample.row["id"][:70]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("truth", nargs="*", type=Path, default=[TRUTH])
    parser.add_argument("--worst", type=int, default=25)
    parser.add_argument("--write", action="store_true", help="write the fit and calibration tables")
    parser.add_argument(
        "--calibrate-on",
        type=Path,
        nargs="*",
        help="truth files counted with the fit and added to the calibration (default: extra, fresh, fresh2)",
    )
    parser.add_argument(
        "--test",
        type=Path,
        nargs="+",
        action="extend",
        help="held-out truth file(s), repeatable (default: fresh3..18, 20..22, 24, 25, 28 if present)",
    )
    parser.add_argument("--min-repos", type=int, default=1, help="repositories a fitted value needs")
    args = parser.parse_args()
    calibrate_on = [EXTRA, FRESH, FRESH2] if args.calibrate_on is None else args.calibrate_on
    test = args.test or [path for path in TESTS if path.exists()]
    report(
        args.truth,
        write=args.write,
        calibrate_on=calibrate_on,
        test=test,
        worst=args.worst,
        min_repos=args.min_repos,
    )


if __name__ == "__main__":
    main()
