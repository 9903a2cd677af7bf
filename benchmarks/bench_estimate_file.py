"""Time `estimate_requests` on a Batch API file against raw tiktoken encoding of the same texts.

The anchor is the least work any estimator must do: tiktoken's `encode` of every message text, timed in
the same run. Our figure adds JSON parsing, the chat counting rules and pricing per request; the shared system
prompt repeated in every request is tokenized once (memoised), which is what pays for the rest.

    .venv/bin/python benchmarks/bench_estimate_file.py [N_REQUESTS]
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from analytics import tokens
from analytics.estimate import estimate_requests

SYSTEM_PROMPT = (
    "You are a careful assistant that classifies customer support tickets into one of twelve categories. "
    "Answer with the category name only. " * 12
)


def make_batch_file(path: Path, n: int) -> list[list[str]]:
    """Writes a realistic Batch API input file; returns the message texts of each request."""
    rng = random.Random(7)
    words = [
        "invoice",
        "refund",
        "login",
        "password",
        "shipping",
        "broken",
        "delayed",
        "charge",
        "account",
        "cancel",
        "upgrade",
    ]
    texts = []
    with path.open("w") as out:
        for i in range(n):
            ticket = " ".join(rng.choice(words) for _ in range(rng.randint(20, 200)))
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
            texts.append([SYSTEM_PROMPT, ticket])
    return texts


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "batch_input.jsonl"
        texts = make_batch_file(path, n)
        encoding = tokens.get_encoding("o200k_base")
        encoding.encode_ordinary("warm up")

        start = time.perf_counter()
        anchor_tokens = sum(len(encoding.encode_ordinary(t)) for pair in texts for t in pair)
        anchor = time.perf_counter() - start

        ours = {}
        for workers in (1, 2):
            tokens.text_tokens.cache_clear()  # each run starts cold, as a fresh `llm-cost` process does
            start = time.perf_counter()
            result = estimate_requests(path, workers=workers)
            ours[workers] = time.perf_counter() - start
        (model,) = result.models
        print(f"estimate-file on {n:,} Batch API requests ({path.stat().st_size / 1e6:.1f} MB)")
        print(f"  anchor: raw tiktoken encode of each message text  {anchor:7.2f} s  ({anchor_tokens:,} tok)")
        for workers, seconds in ours.items():
            print(
                f"  llm-cost estimate_requests, {workers} worker(s)          {seconds:7.2f} s  "
                f"ratio {seconds / anchor:.2f}x the anchor"
            )
        print(f"  counted {model.input_tokens:,} prompt tokens, standard ${model.standard_usd:.4f}")


if __name__ == "__main__":
    main()
