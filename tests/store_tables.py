"""The whole store as plain data, for "the store is exactly as before" assertions."""

from __future__ import annotations

from pathlib import Path

import duckdb


def snapshot(db: Path) -> dict[str, list]:
    """Every table of the store file (whatever migrations added), each as its sorted rows' reprs."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    finally:
        con.close()
