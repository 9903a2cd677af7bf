"""Start-up of the command line and the library, whole processes, each against its anchor in the same run.

- `llm-cost --help` against a bare `python -c "import click"`;
- `llm-cost count TEXT -m gpt-4o` against a tiktoken one-liner that loads o200k_base and counts TEXT
  (tiktoken reads its own cache, prepared offline here from the file llm-cost ships);
- `python -c "import analytics"` against `python -c "import tiktoken"`.

Each pair runs alternately, the figure is the median of ours over the median of the anchor (lower is
better; 1.00 = as fast as the anchor). Both sides start warm: llm-cost's verified-BPE cache is filled first,
as it is after the first run on a machine.

    .venv/bin/python benchmarks/bench_startup.py [--repeats N]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from machine import compile_package, machine_load

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LLM_COST = str(Path(PYTHON).with_name("llm-cost"))
O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
TEXT = "How many tokens does this sentence take in gpt-4o? Count them offline, please."


def wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def pair(
    label: str, ours: list[str], anchor: list[str], anchor_label: str, env: dict[str, str], n: int
) -> None:
    ours_s, anchor_s = [], []
    for _ in range(n):
        anchor_s.append(wall(anchor, env))
        ours_s.append(wall(ours, env))
    mine, theirs = statistics.median(ours_s), statistics.median(anchor_s)
    print(
        f"{label}: {mine * 1000:5.0f} ms  {anchor_label}: {theirs * 1000:5.0f} ms  ratio {mine / theirs:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    compile_package()
    print(machine_load())
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        cache = folder / "tiktoken-cache"
        cache.mkdir()
        data = gzip.decompress((ROOT / "analytics" / "bpe" / "o200k_base.tiktoken.gz").read_bytes())
        (cache / hashlib.sha1(O200K_URL.encode()).hexdigest()).write_bytes(data)
        env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(cache), "LLM_COST_CACHE_DIR": str(folder / "llm-cost")}
        count = [LLM_COST, "count", TEXT, "-m", "gpt-4o"]
        subprocess.run(count, env=env, check=True, capture_output=True)  # fills the verified-BPE cache
        one_liner = (
            f"import tiktoken; print(len(tiktoken.get_encoding('o200k_base').encode_ordinary({TEXT!r})))"
        )
        print(f"start-up, median of {args.repeats} alternating runs (ratio: ours / anchor, lower is better)")
        pair("llm-cost --help", [LLM_COST, "--help"], [PYTHON, "-c", "import click"], "import click", env,
             args.repeats)  # fmt: skip
        pair("llm-cost count", count, [PYTHON, "-c", one_liner], "tiktoken one-liner", env, args.repeats)
        pair("import analytics", [PYTHON, "-c", "import analytics"], [PYTHON, "-c", "import tiktoken"],
             "import tiktoken", env, args.repeats)  # fmt: skip
        bpe_load(folder / "llm-cost")


def bpe_load(cache: Path) -> None:
    """The o200k_base ranks, in this process: the cached verified copy against the full check of the
    packaged file (gunzip, sha256, parse), best of 3 each."""
    os.environ["LLM_COST_CACHE_DIR"] = str(cache)
    from analytics import bpe_cache, tokens

    source = ROOT / "analytics" / "bpe" / "o200k_base.tiktoken.gz"
    sha = tokens.RANK_FILE_SHA256["o200k_base"]

    def best(work: Callable[[], object]) -> float:
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            work()
            timings.append(time.perf_counter() - start)
        return min(timings)

    def check() -> dict[bytes, int]:
        return tokens._verified_ranks("o200k_base")

    full = best(check)
    cached = best(lambda: bpe_cache.load("o200k_base", source, sha, check))
    print(f"BPE ranks o200k_base: cached copy {cached * 1000:5.0f} ms  full check {full * 1000:5.0f} ms  "
          f"ratio {cached / full:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
