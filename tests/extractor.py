"""scripts/extract_cassette_truth.py loaded as a module, for the tests of the truth extractor and its formats.

The script is not part of the package (it reads repository snapshots to build the truth sets), so it is loaded
from its path, once, and shared by every test file that needs it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).parent.parent
SCRIPT = ROOT / "scripts" / "extract_cassette_truth.py"
_spec = importlib.util.spec_from_file_location("extract_cassette_truth", SCRIPT)
extract = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(extract)
