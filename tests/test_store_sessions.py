"""Two app sessions in one server process: a writer that finds a reader open (or back) waits, not fails."""

from __future__ import annotations

import threading
from pathlib import Path

from analytics.store import Store


def test_a_writer_waits_for_a_reader_of_the_same_process(tmp_path: Path):
    store = Store.open(tmp_path / "llm-cost.duckdb")
    reading, release = threading.Event(), threading.Event()

    def viewer() -> None:  # another session of the app reading the store
        with store.reader() as con:
            con.execute("SELECT count(*) FROM usage").fetchone()
            reading.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=viewer)
    thread.start()
    assert reading.wait(timeout=30)
    waits: list[str] = []
    waiting = Store(
        store.path, lock_timeout=30, on_wait=lambda message: (waits.append(message), release.set())
    )
    with waiting.writer() as con:  # an upload in this session: waits until the reader is closed
        con.execute("CREATE TABLE scratch AS SELECT 1 AS x")
    thread.join(timeout=30)
    assert waits, "the writer said it was waiting"
    with store.reader() as con:
        assert con.execute("SELECT x FROM scratch").fetchone() == (1,)
