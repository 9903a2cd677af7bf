"""scripts/extract_cassette_truth.py loaded as a module, for the tests of the truth extractor and its formats.

The script is not part of the package (it reads repository snapshots to build the truth sets), so it is loaded
from its path, once, and shared by every test file that needs it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parent.parent
SCRIPT = ROOT / "scripts" / "extract_cassette_truth.py"
_spec = importlib.util.spec_from_file_location("extract_cassette_truth", SCRIPT)
extract = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(extract)


def build_script(name: str) -> ModuleType:
    """Imports the truth-set build script `data/token_truth/<name>.py` (the scripts import their siblings, so
    that folder is on sys.path while it loads)."""
    sys.path.insert(0, str(ROOT / "data" / "token_truth"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)
