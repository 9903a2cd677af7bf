"""Bad input, case by case: `llm-cost import` exits 2 with `file:line:col: ... expected ...`, never a
traceback, and every table of the store is as it was.

The malformed exports are genuine-format files with one fault each: tests/fixtures/exports/bad/ (written by
make_bad_exports.py there, from the good fixtures) plus a few made here because they are big, binary, links
or archives.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from store_tables import snapshot

from analytics.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
BAD = FIXTURES / "bad"
GOOD = FIXTURES / "good"
USAGE_CSV = GOOD / "completions_usage_2025-01-01_2025-01-04.csv"

# file -> (line:col the message must name, words it must contain)
CASES = {
    "dup_header.csv": ("1:13", "each column named once"),
    "empty_header_name.csv": ("1:9", "a name for column 9"),
    "cr_only.csv": ("1:383", "LF or CRLF"),
    "missing_input_tokens.csv": ("1:1", "a column named input_tokens"),
    "count_1e19.csv": ("2:12", "input_tokens: expected a whole non-negative number"),
    "count_1e400.csv": ("2:13", "output_tokens: expected a whole"),
    "count_nan.csv": ("2:12", 'got "nan"'),
    "count_inf.csv": ("3:6", 'num_model_requests: expected a whole non-negative number, got "inf"'),
    "amount_nan.csv": (
        "2:5",
        'amount_value: expected a decimal amount such as 0.8958740000000000, got "NaN"',
    ),
    "amount_inf.csv": ("2:5", 'got "inf"'),
    "amount_dollar.csv": ("2:5", 'got "$1.00"'),
    "amount_comma.csv": ("2:5", 'got "1,50"'),
    "amount_30_digits.csv": ("2:5", 'got "111111111111111111111111111111"'),
    "claude_cost_abc.csv": ("2:8", 'cost_usd: expected a decimal amount in dollars, got "abc"'),
    "newline_in_model.csv": ("2:9", "model: expected a name without a line break"),
    "iso_disagrees.csv": ("2:3", "start_time_iso: expected the same time as start_time"),
    "json_data_not_list.json": ("4:5", "data as a list"),
    "json_bucket_not_object.json": ("1:1", "data[0]: expected a bucket object"),
    "json_results_not_list.json": ("9:9", "results: expected a list of results"),
    "json_result_not_object.json": ("1:1", 'expected a result object, got "42"'),
    "json_amount_not_object.json": ("88:13", 'amount: expected an object, got "1.25 usd"'),
    "json_model_object.json": ("21:13", "model: expected a string or null"),
    "json_count_1e19.json": ("12:13", "input_tokens: expected a whole non-negative number"),
    "json_count_1e400.json": ("12:13", 'got "1E+400"'),
    "json_count_nan.json": ("12:13", 'got "NaN"'),
    "json_amount_30_digits.json": ("89:15", "amount.value: expected a decimal amount below 1e26"),
    "anthropic_cache_creation_list.json": ("9:11", "cache_creation: expected an object"),
    "anthropic_amount_1e400.json": ("9:11", 'amount: expected a decimal amount below 1e26, got "1e400"'),
}


def _made_here(folder: Path) -> dict[str, tuple[str, str]]:
    """Writes the cases too big, binary or special to commit; returns them like CASES."""
    lines = USAGE_CSV.read_text().splitlines()
    header = lines[0].split(",")
    fields = lines[1].split(",")
    fields[header.index("model")] = "x" * (20 << 20)
    (folder / "field_20mb.csv").write_text(f"{lines[0]}\n{','.join(fields)}\n")
    (folder / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "nul_bytes.csv").write_bytes(b"start_time,end_time\x00\x01\x02\n" + bytes(range(256)))
    (folder / "unknown_header.csv").write_text("day,spend\n2025-01-01,3.10\n")
    os.symlink("/etc/passwd", folder / "passwd_link.csv")
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("completions_usage.csv", b"0" * (64 << 20))  # 64 MiB from ~64 KB
    with zipfile.ZipFile(folder / "not_exports.zip", "w") as z:
        z.writestr("readme.txt", "hello")
        z.writestr("chart.png", b"\x89PNG")
    deep = '{"object": "page", "x": {"object": "bucket"}, "data": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (folder / "deep.json").write_text(deep)
    return {
        "field_20mb.csv": ("2:1", "lines of at most 2 MB"),
        "image.csv": ("1:1", "binary content: a PNG image"),
        "nul_bytes.csv": ("1:1", "binary content"),
        "unknown_header.csv": ("1:1", "the header of a known usage or cost export"),
        "passwd_link.csv": ("1:1", "a link to a system file"),
        "bomb.zip!completions_usage.csv": ("1:1", "is it a zip bomb?"),
        "not_exports.zip": ("1:1", "no export in it (chart.png, readme.txt)"),
        "deep.json": ("1:", "JSON nested at most 64 levels"),
    }


@pytest.fixture(scope="module")
def made_here(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("bad_made_here")
    return folder, _made_here(folder)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    assert CliRunner().invoke(main, ["import", str(USAGE_CSV), "--db", str(path)]).exit_code == 0
    return path


def _check_refused(db: Path, path: Path, shown: str, where: str, words: str) -> str:
    before = snapshot(db)
    result = CliRunner().invoke(main, ["import", str(path), "--db", str(db)])
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # exit 2, not a crash
    assert re.search(re.escape(f"{shown}:{where}"), output), output
    assert words in output, output
    assert "0 files imported, 1 refused" in output
    assert snapshot(db) == before
    return output


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_committed_bad_export_is_refused_with_its_place_and_nothing_changes(db, name):
    where, words = CASES[name]
    _check_refused(db, BAD / name, name, where, words)


@pytest.mark.parametrize(
    "name",
    ["field_20mb.csv", "image.csv", "nul_bytes.csv", "unknown_header.csv", "passwd_link.csv", "bomb.zip",
     "not_exports.zip", "deep.json"],
)  # fmt: skip
def test_a_made_bad_export_is_refused_with_its_place_and_nothing_changes(db, made_here, name):
    folder, cases = made_here
    shown = next(k for k in cases if k.split("!")[0] == name)
    where, words = cases[shown]
    output = _check_refused(db, folder / name, shown, where, words)
    if name == "passwd_link.csv":
        assert "root:x:" not in output and "/bin/" not in output  # nothing of the linked file is echoed
    if name == "unknown_header.csv":
        assert "--map FIELD=COLUMN" in output and "--mapping" not in output
    if name == "image.csv":
        assert "re-export the file as UTF-8" not in output


def test_the_app_message_for_an_unknown_header_names_no_command_line_option(made_here):
    from analytics.formats import BadExportError, detect

    folder, _ = made_here
    with pytest.raises(BadExportError) as refused:
        detect(folder / "unknown_header.csv")
    assert "--map" not in str(refused.value)  # the CLI adds it as a hint; the Upload page shows str()
    assert "--map" in refused.value.cli_hint


def test_a_folder_with_bad_files_imports_every_good_one(db, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("cost_2025-01-01_2025-01-05.csv", "claude_usage_2025-10.csv", "anthropic_cost_report.json"):
        (folder / name).write_bytes((GOOD / name).read_bytes())
    for name in ("count_nan.csv", "json_model_object.json"):
        (folder / name).write_bytes((BAD / name).read_bytes())
    result = CliRunner().invoke(main, ["import", str(folder), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "3 files imported, 2 refused" in result.output
    assert "count_nan.csv:2:12" in result.output and "json_model_object.json:21:13" in result.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM imports").fetchone() == (4,)


def test_an_atomic_batch_with_a_bad_file_lands_nothing(db):
    from analytics.formats import BadExportError
    from analytics.store import Store

    store = Store.open(db, create=False)
    before = snapshot(db)
    with pytest.raises(BadExportError, match=r"count_nan\.csv:2:12") as refused:
        store.import_files([GOOD / "cost_2025-01-01_2025-01-05.csv", BAD / "count_nan.csv"], atomic=True)
    assert refused.value.imported == []
    assert snapshot(db) == before
    results = store.import_files(
        [GOOD / "cost_2025-01-01_2025-01-05.csv", GOOD / "claude_usage_2025-10.csv"], atomic=True
    )
    assert [r.import_id for r in results] == [2, 3]
