"""Speed of token counting against raw tiktoken, both timed in this run; prints figures and ratios.

1. count_request on N realistic chat requests from the ground-truth file, vs tiktoken `encode` of just their
   message texts (the anchor: the least work any counter must do).
2. count_text on one big text vs tiktoken `encode` of the same text (should be ~1.0: no overhead on top).

    .venv/bin/python benchmarks/bench_tokens.py [TRUTH.jsonl] [--requests N]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from analytics import tokens

TRUTH = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "openai-token-truth-dev.jsonl"


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """Returns the fastest of `repeats` wall-clock timings of `work()`, in seconds."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return min(timings)


def chat_requests(path: Path, n: int) -> list[dict]:
    """Returns n Chat Completions bodies without images from the ground truth, cycling if there are fewer."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    bodies = [r["request"] for r in rows if r["api"] == "chat.completions" and not r["images"]]
    return [bodies[i % len(bodies)] for i in range(n)]


def message_texts(body: dict) -> Iterable[str]:
    for message in body["messages"]:
        content = message.get("content")
        if isinstance(content, str):
            yield content
        elif isinstance(content, list):
            yield from (part["text"] for part in content if part.get("type") == "text")


def bench_requests(bodies: list[dict]) -> None:
    encodings = {
        body["model"]: tokens.get_encoding(tokens.encoding_name_for_model(body["model"])) for body in bodies
    }

    def anchor() -> None:
        for body in bodies:
            encoding = encodings[body["model"]]
            for text in message_texts(body):
                encoding.encode_ordinary(text)

    def ours_cold() -> None:
        tokens.text_tokens.cache_clear()
        for body in bodies:
            tokens.count_request(body)

    def ours_warm() -> None:
        for body in bodies:
            tokens.count_request(body)

    anchor_s = best_of(3, anchor)
    cold_s = best_of(3, ours_cold)
    ours_warm()
    warm_s = best_of(3, ours_warm)
    print(f"  {len(bodies)} chat requests (tools, schemas, multi-turn included)")
    print(f"  tiktoken encode of message texts (anchor): {anchor_s * 1000:8.1f} ms")
    for label, seconds in [("empty memo cache", cold_s), ("warm memo cache", warm_s)]:
        print(f"  count_request, {label + ':':28s}{seconds * 1000:8.1f} ms  ratio {seconds / anchor_s:5.2f}")


def bench_big_text(bodies: list[dict]) -> None:
    text = "\n\n".join(t for body in bodies[:400] for t in message_texts(body))
    text = (text * (2_000_000 // max(len(text), 1) + 1))[:2_000_000]
    encoding = tokens.get_encoding("o200k_base")

    def ours() -> None:
        tokens.text_tokens.cache_clear()  # measure the counting, not the memo
        tokens.count_text(text, "gpt-4o")

    anchor_s = best_of(3, lambda: encoding.encode_ordinary(text))
    ours_s = best_of(3, ours)
    print(f"count_text on {len(text) / 1e6:.1f} MB of text")
    print(f"  tiktoken encode (anchor): {anchor_s * 1000:8.1f} ms")
    print(f"  count_text:               {ours_s * 1000:8.1f} ms  ratio {ours_s / anchor_s:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("truth", nargs="?", type=Path, default=TRUTH)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    start = time.perf_counter()
    for name in ("o200k_base", "cl100k_base"):
        tokens.get_encoding(name)
    print(f"loading and verifying the packaged encodings: {time.perf_counter() - start:.2f} s")
    bodies = chat_requests(args.truth, args.requests)
    unique = list({json.dumps(body, sort_keys=True): body for body in bodies}.values())
    print("unique requests (no repeats for the memo to reuse):")
    bench_requests(unique)
    print("a batch file's worth, where requests repeat system prompts and tools:")
    bench_requests(bodies)
    bench_big_text(bodies)


if __name__ == "__main__":
    main()
