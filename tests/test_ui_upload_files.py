"""Uploaded files through AppTest: staged in a private temp folder (0700) that is gone afterwards, on every
path, errors included."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.store import Store

PAGE = "from analytics.ui import upload\nupload.show()\n"
GOOD = Path(__file__).parent / "fixtures" / "exports" / "good" / "completions_usage_2025-01-01_2025-01-04.csv"


@pytest.fixture
def scratch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The system temp folder, pointed at an empty folder of this test's own so leftovers can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def staged(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, int, int]]:
    """Records, for each file the page hands to the store, its folder, the folder's mode and the file's."""
    seen: list[tuple[Path, int, int]] = []
    real = Store.import_files

    def watching(self: Store, paths, *args, **kwargs):
        for path in paths:
            path = Path(path)
            seen.append(
                (path.parent, stat.S_IMODE(path.parent.stat().st_mode), stat.S_IMODE(path.stat().st_mode))
            )
        return real(self, paths, *args, **kwargs)

    monkeypatch.setattr(Store, "import_files", watching)
    return seen


def upload(files: list[tuple[str, bytes]]) -> AppTest:
    at = AppTest.from_string(PAGE, default_timeout=120)
    at.run()
    at.file_uploader(key="upload_files").set_value([(name, content, "text/csv") for name, content in files])
    at.run()
    return at


def test_uploads_are_staged_in_a_private_folder_then_removed(scratch: Path, staged, sandboxed_store: Path):
    good = GOOD.read_bytes()
    lines = good.decode().splitlines()
    bad = (lines[0] + "\n" + lines[1].replace(",59200.0,", ",-5,") + "\n").encode()
    at = upload([(GOOD.name, good), ("completions_usage_broken.csv", bad)])
    assert not at.exception
    assert "Imported 1 file(s), 1 refused." in [w.value for w in at.warning]
    folders = {folder for folder, _, _ in staged}
    assert len(staged) == 2 and len(folders) == 1
    (folder,) = folders
    assert folder.parent == scratch, "staged in the temp folder, not beside the store or in the work tree"
    assert {mode for _, mode, _ in staged} == {0o700}, "nobody else on the machine can read the uploads"
    assert not folder.exists() and list(scratch.iterdir()) == []


def test_the_folder_is_removed_when_the_import_fails(scratch: Path, monkeypatch: pytest.MonkeyPatch):
    def failing(self: Store, paths, *args, **kwargs):
        assert all(Path(p).exists() for p in paths)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Store, "import_files", failing)
    at = upload([(GOOD.name, GOOD.read_bytes())])
    assert at.exception, "the error reaches the page"
    assert list(scratch.iterdir()) == [], "and the upload is not left behind"
