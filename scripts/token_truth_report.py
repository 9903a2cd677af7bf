"""Accuracy of `analytics.tokens.count_request` against recorded OpenAI prompt-token counts: in-sample and
leave-one-repository-out cross-validated, side by side.

In-sample = constants fitted on every row; CV = each repository's rows counted with constants fitted on the
other repositories (rules that are not fitted are the same in every fold). The fit ships from the dev set
(the default); pass several files to fit and cross-validate on them together (the dev, extra and fresh sets:
49 repositories), without `--write` to leave the shipped fit as it is. Rates per api, family, feature and
request shape, the share of `exact: true` claims that are wrong, and the range coverage of estimates.
`--write` stores the full fit (`analytics/data/token_constants.json`) and the calibration from the CV run
(`analytics/data/token_shapes.json`). The held-out truth files (by default the extra, fresh and fresh2 sets;
`--test FILE`, repeatable, for others) are then counted with that fit, each in its own section.

    .venv/bin/python scripts/token_truth_report.py [TRUTH.jsonl ...] [--write] [--test HELD.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from analytics import token_truth
from analytics.token_truth import Sample

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT.parent / "shared" / "data" / "openai-token-truth-dev.jsonl"
EXTRA = ROOT / "data" / "token_truth" / "openai-token-truth-extra.jsonl"
FRESH = ROOT / "data" / "token_truth" / "openai-token-truth-fresh.jsonl"
FRESH2 = ROOT / "data" / "token_truth" / "openai-token-truth-fresh2.jsonl"
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


def _wrong_share(samples: Sequence[Sample], counts, claims: Sequence[bool]) -> str:
    claimed = [i for i, claim in enumerate(claims) if claim]
    wrong = sum(counts[i] != samples[i].truth for i in claimed)
    share = 100 * wrong / len(claimed) if claimed else 0.0
    return f"{wrong}/{len(claimed)} = {share:.2f}% (exact claimed on {len(claimed)}/{len(samples)} rows)"


def report(paths: Sequence[Path], *, write: bool, test: Sequence[Path], worst: int, min_repos: int) -> None:
    rows = [row for path in paths for row in token_truth.load_rows(path)]
    excluded = [(row, token_truth.exclusion(row)) for row in rows if token_truth.exclusion(row)]
    samples = [token_truth.analyse(row) for row in rows if token_truth.exclusion(row) is None]
    failed = [s for s in samples if s.base is None]
    samples = [s for s in samples if s.base is not None]
    fitted = token_truth.fit(samples, min_repos=min_repos)
    folds = token_truth.cross_validate(samples, min_repos=min_repos)
    ins = [s.count(fitted) for s in samples]
    cv = token_truth.cv_counts(samples, folds)
    table = token_truth.calibrate(samples, cv)
    repos = sorted({s.repo for s in samples})
    names = " + ".join(path.name for path in paths)
    print(
        f"ground truth: {names} ({len(rows)} rows from {len(repos)} repositories, {len(excluded)} excluded)"
    )
    print(f"fit: constants leave their prior on a value exact in >= {min_repos} repositories")
    ins_hits = [c == s.truth for c, s in zip(ins, samples, strict=True)]
    cv_hits = [c == s.truth for c, s in zip(cv, samples, strict=True)]
    print(f"overall exact            in-sample {_rate(ins_hits)}   cross-validated {_rate(cv_hits)}")
    plain = [i for i, s in enumerate(samples) if s.shape.endswith("/plain")]
    print(
        f"plain text (chat+resp.)  in-sample {_rate([ins_hits[i] for i in plain])}   "
        f"cross-validated {_rate([cv_hits[i] for i in plain])}"
    )
    in_claims = [token_truth.claims_exact(s, c, table) for s, c in zip(samples, ins, strict=True)]
    cv_claims = token_truth.nested_claims(samples, cv)
    print("\n`exact: true` claims that are wrong (calibrated: shape CV exact rate >= 99%):")
    print(f"  in-sample (shipped fit and calibration): {_wrong_share(samples, ins, in_claims)}")
    print(
        "  cross-validated (fit and calibration without the repository): "
        + _wrong_share(samples, cv, cv_claims)
    )
    covered = [token_truth.in_range(s, c, table) for s, c in zip(samples, ins, strict=True)]
    estimates = [i for i, claim in enumerate(in_claims) if not claim]
    print(
        f"estimates whose low..high holds the recorded count: {_rate([covered[i] for i in estimates])}"
        " (range = 5th..95th percentile of the shape's CV error)"
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
    for held in test:
        if held.exists():
            held_out(held, fitted, table)
        else:
            print(f"\nheld-out test set {held}: no such file")


def held_out(path: Path, fitted: dict[str, int], table: dict) -> None:
    """Counts a truth file never used for fitting with the full fit and calibration."""
    rows = [row for row in token_truth.load_rows(path) if token_truth.exclusion(row) is None]
    samples = [s for s in (token_truth.analyse(row) for row in rows) if s.base is not None]
    counts = [s.count(fitted) for s in samples]
    hits = [c == s.truth for c, s in zip(counts, samples, strict=True)]
    claims = [token_truth.claims_exact(s, c, table) for s, c in zip(samples, counts, strict=True)]
    print(f"\nheld-out test set {path} ({len(rows)} rows, {len({s.repo for s in samples})} repositories)")
    print(f"  exact {_rate(hits)}; `exact: true` wrong: {_wrong_share(samples, counts, claims)}")
    plain = [h for h, s in zip(hits, samples, strict=True) if s.shape.endswith("/plain")]
    print(f"  plain text exact {_rate(plain)}")
    covered = [
        token_truth.in_range(s, c, table)
        for s, c, claim in zip(samples, counts, claims, strict=True)
        if not claim
    ]
    print(f"  estimates whose low..high holds the recorded count: {_rate(covered)}")
    for title, keys in [*GROUPS, ("per repository", lambda s: [s.repo])]:
        print(f"\n  {title:42s} {'exact':>19s}   exact: true claimed (wrong)")
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
        "--test",
        type=Path,
        nargs="+",
        action="extend",
        help="held-out truth file(s), repeatable (default: the extra, fresh and fresh2 sets)",
    )
    parser.add_argument("--min-repos", type=int, default=1, help="repositories a fitted value needs")
    args = parser.parse_args()
    test = args.test or [EXTRA, FRESH, FRESH2]
    report(args.truth, write=args.write, test=test, worst=args.worst, min_repos=args.min_repos)


if __name__ == "__main__":
    main()
