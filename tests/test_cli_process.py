"""The installed `llm-cost` command as a user runs it: a separate process, its output and exit status.

`analytics.cli.run` ends a command that opened no store without the interpreter's teardown (`os._exit`
after the exit handlers and a flush): these check that nothing of the output or the status is lost that
way, and that a command that writes a store still exits the usual way with its rows kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

LLM_COST = str(Path(sys.executable).with_name("llm-cost"))
EXPORTS = Path(__file__).parent / "fixtures" / "exports" / "good"


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([LLM_COST, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_count_prints_its_line_and_exits_0() -> None:
    done = _run("count", "hello world", "-m", "gpt-4o")
    assert (done.returncode, done.stdout, done.stderr) == (0, "2 tokens (gpt-4o, o200k_base, exact)\n", "")


def test_a_long_prompt_is_counted_and_its_json_arrives_whole() -> None:
    # (a prompt longer than a file name can be was once taken for a path: OSError "File name too long")
    prompt = " ".join(["word"] * 20_000)
    done = _run("estimate", prompt, "-m", "gpt-4o", "-m", "gpt-4o-mini", "--json")
    assert done.returncode == 0
    rows = json.loads(done.stdout)  # all of it, or this fails
    assert [row["input_tokens"] for row in rows] == [20_000, 20_000]


def test_a_bad_model_exits_2_with_its_message() -> None:
    done = _run("count", "hello", "-m", "gpt-4oo")
    assert done.returncode == 2
    assert "unknown model 'gpt-4oo'" in done.stderr and "did you mean gpt-4o" in done.stderr
    assert done.stdout == ""


def test_an_import_keeps_its_rows_after_the_process_ends(tmp_path: Path) -> None:
    db = tmp_path / "team.duckdb"
    done = _run("import", str(EXPORTS / "cost_2025-01-01_2025-01-05.csv"), "--db", str(db))
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(db), read_only=True) as connection:
        (rows,) = connection.execute("select count(*) from costs").fetchone()
    assert rows > 0
