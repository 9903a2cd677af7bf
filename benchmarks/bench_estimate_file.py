"""`llm-cost estimate-file` against a hand-written tiktoken loop, whole process against whole process.

The anchor is the ten-line script a user would write instead (`RAW_LOOP` below): parse each line with
`json`, call tiktoken's `encode_ordinary` on every message. Both run as fresh processes, alternately, on
the same Batch API file in the same run; the figure is the anchor's median wall time over ours ("x faster"),
with the spread of the run-by-run ratios and each side's peak RSS (of the main process; our forked worker
shares its encodings copy-on-write).
The files have one short shared system prompt and a unique user message per request (~2.3 kB a line, so
20,000 requests are ~46 MB); they are written to a temp folder and deleted afterwards.

    .venv/bin/python benchmarks/bench_estimate_file.py [N_REQUESTS ...]   (default: 100 20000 200000)
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import compile_package, machine_load

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LLM_COST = str(Path(PYTHON).with_name("llm-cost"))
O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"

RAW_LOOP = """\
import json, sys, tiktoken
encoding = tiktoken.get_encoding("o200k_base")
total = 0
with open(sys.argv[1], encoding="utf-8") as lines:
    for line in lines:
        if line.strip():
            for message in json.loads(line)["body"]["messages"]:
                total += len(encoding.encode_ordinary(message["content"]))
print(total)
"""

SYSTEM_PROMPT = "You are a support assistant. Classify the ticket into one of twelve categories; be brief."
WORDS = str.split(
    "invoice refund login password shipping broken delayed charge account cancel upgrade order payment card "
    "the a to and of my is it was for on with not have this that but when I we you can please help since "
    "yesterday week again still error message screen app website support team reply email address number "
    "tracking package arrived damaged wrong size colour return label subscription plan monthly annual price"
)


def tiktoken_cache(folder: Path) -> Path:
    """Returns a TIKTOKEN_CACHE_DIR holding o200k_base as tiktoken caches it, so the anchor runs offline."""
    cache = folder / "tiktoken-cache"
    cache.mkdir()
    data = gzip.decompress((ROOT / "analytics" / "bpe" / "o200k_base.tiktoken.gz").read_bytes())
    (cache / hashlib.sha1(O200K_URL.encode()).hexdigest()).write_bytes(data)
    return cache


def make_batch_file(path: Path, n: int) -> None:
    """Writes `n` Batch API chat requests: the shared system prompt and a unique ~2.2 kB user message."""
    rng = random.Random(12)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            words = [rng.choice(WORDS) for _ in range(rng.randint(295, 385))]
            ticket = f"Ticket {i}: " + " ".join(words)
            body = {
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": ticket},
                ],
                "max_tokens": 20,
            }
            line = {"custom_id": f"t{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}
            out.write(json.dumps(line) + "\n")


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str, float]:
    """Runs a command to the end; returns (wall seconds, peak RSS in MB, stdout, CPU seconds).

    `wait4` reports the process with the children it reaped (our forked worker): CPU time is their sum, the
    peak RSS the larger of the two."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return seconds, usage.ru_maxrss / 1024, stdout.decode(), usage.ru_utime + usage.ru_stime


def compare(n: int, folder: Path, env: dict[str, str], repeats: int) -> None:
    path = folder / f"batch_{n}.jsonl"
    make_batch_file(path, n)
    raw_loop = folder / "raw_loop.py"
    raw_loop.write_text(RAW_LOOP)
    ours_command = [LLM_COST, "estimate-file", str(path), "--json"]
    anchor_command = [PYTHON, str(raw_loop), str(path)]
    anchor, ours = [], []
    for _ in range(repeats):  # alternately, so load from other processes hits both alike
        anchor.append(timed(anchor_command, env))
        ours.append(timed(ours_command, env))
    anchor_s, ours_s = (statistics.median(run[0] for run in runs) for runs in (anchor, ours))
    anchor_mb, ours_mb = (max(run[1] for run in runs) for runs in (anchor, ours))
    anchor_cpu, ours_cpu = (statistics.median(run[3] for run in runs) for runs in (anchor, ours))
    raw_tokens = int(anchor[0][2])
    (model,) = json.loads(ours[0][2])["models"]
    size_mb = path.stat().st_size / 1e6
    print(f"estimate-file, {n:,} Batch API requests ({size_mb:.1f} MB), median of {repeats} runs")
    for label, seconds, cpu, megabytes in (
        ("anchor, raw json + encode_ordinary loop:", anchor_s, anchor_cpu, anchor_mb),
        ("llm-cost estimate-file:", ours_s, ours_cpu, ours_mb),
    ):
        print(f"  {label:41s}{seconds:7.2f} s  (CPU {cpu:6.2f} s)  peak RSS {megabytes:5.0f} MB")
    pairs = sorted(a[0] / o[0] for a, o in zip(anchor, ours, strict=True))
    spread = f" (run by run {pairs[0]:.2f}x to {pairs[-1]:.2f}x)" if len(pairs) > 1 else ""
    memory = ours_mb / anchor_mb
    print(f"  ratio: {anchor_s / ours_s:.2f}x faster than the anchor{spread}, memory {memory:.2f}x")
    print(f"  (message tokens {raw_tokens:,}; prompt tokens with the chat framing {model['input_tokens']:,})")
    path.unlink()


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [100, 20_000, 200_000]
    compile_package()
    print(machine_load())
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = {
            **os.environ,
            "TIKTOKEN_CACHE_DIR": str(tiktoken_cache(folder)),
            "LLM_COST_CACHE_DIR": str(folder / "llm-cost-cache"),
        }
        # Both sides start with their tokenizer data verified and cached, as on a machine in daily use.
        # (for llm-cost: the verified BPE ranks and the price looked up, both kept in the user cache)
        make_batch_file(folder / "warm_up.jsonl", 1)
        warm_up = [LLM_COST, "estimate-file", str(folder / "warm_up.jsonl")]
        subprocess.run(warm_up, env=env, check=True, capture_output=True)
        for n in sizes:
            compare(n, folder, env, repeats=5 if n <= 50_000 else 3)


if __name__ == "__main__":
    main()
