"""What the benchmarks print about the machine beside their ratios."""

from __future__ import annotations

import compileall
import os
from pathlib import Path


def machine_load() -> str:
    """The load others put on the machine. With every core already busy (CPU pressure near 100%) a second
    process of ours gains little wall time, so the ratios then say more about CPU time than about cores."""
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    try:
        pressure = Path("/proc/pressure/cpu").read_text().split()[1].split("=")[1]
    except (OSError, IndexError):
        pressure = "n/a"
    return f"machine: {os.cpu_count()} cores, load average {load}, CPU pressure (some, avg10) {pressure}%"


def compile_package() -> None:
    """Writes the package's bytecode, as `pip install` does for an installed package (and for tiktoken).

    Our editable install has none until a first import writes it, which PYTHONDONTWRITEBYTECODE (set on these
    machines) prevents: every run of ours would then compile ~50 modules (~0.1 s) that the anchors, run
    from pip-compiled bytecode, do not."""
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "analytics", quiet=1)
