"""Exact-match rate of prompt-token counts against what the OpenAI API reported, ours beside the peers'.

Ground truth: the shared file of real recorded exchanges (request body as sent + the API's prompt_tokens).
Peers: tokencost's `count_message_tokens` and litellm's `token_counter` (installed by `make bench` through the
`peers` extra). Both need tiktoken's BPE files; this script lends them ours through a temporary
TIKTOKEN_CACHE_DIR set for this process only, and keeps litellm from fetching its price map.

    .venv/bin/python benchmarks/bench_token_accuracy.py [TRUTH.jsonl]
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from analytics import tokens

TRUTH = Path(__file__).parent.parent.parent / "shared" / "data" / "openai-token-truth-dev.jsonl"
BPE_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}


def lend_bpe_files_to_tiktoken() -> None:
    """Fills a temp tiktoken cache (named as tiktoken names it: sha1 of the URL) so peers run offline."""
    cache = Path(tempfile.mkdtemp(prefix="tiktoken-cache-"))
    for name, url in BPE_URLS.items():
        data = gzip.decompress(resources.files("analytics").joinpath(f"bpe/{name}.tiktoken.gz").read_bytes())
        (cache / hashlib.sha1(url.encode()).hexdigest()).write_bytes(data)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


def peers() -> dict[str, Callable[[dict], int]]:
    counters: dict[str, Callable[[dict], int]] = {}
    try:
        import tokencost

        counters["tokencost"] = lambda body: tokencost.count_message_tokens(body["messages"], body["model"])
    except ImportError:
        print("tokencost not installed (pip install -e '.[peers]')")
    try:
        import litellm

        counters["litellm"] = lambda body: litellm.token_counter(
            model=body["model"], messages=body["messages"], tools=body.get("tools")
        )
    except ImportError:
        print("litellm not installed (pip install -e '.[peers]')")
    return counters


def main() -> None:
    truth_path = Path(sys.argv[1]) if len(sys.argv) > 1 else TRUTH
    rows = [json.loads(line) for line in truth_path.open()]
    lend_bpe_files_to_tiktoken()
    counters: dict[str, Callable[[dict], int]] = {
        "llm-cost": lambda body: tokens.count_request(body).tokens,
        **peers(),
    }
    chat = [r for r in rows if r["api"] == "chat.completions"]
    plain = [r for r in chat if not r["features"]]
    print(f"Ground truth: {len(rows):,} requests ({len(chat):,} Chat Completions, {len(plain):,} plain text)")
    print(f"{'counter':<10} {'all':>14} {'chat':>14} {'plain chat':>14} {'time':>8}")
    for name, counter in counters.items():
        exact = {"all": 0, "chat": 0, "plain": 0}
        start = time.perf_counter()
        for row in rows:
            if name != "llm-cost" and row["api"] != "chat.completions":
                continue  # peers have no Responses API counting
            try:
                with contextlib.redirect_stdout(io.StringIO()):  # tokencost prints a warning per call
                    ok = counter(row["request"]) == row["prompt_tokens"]
            except Exception:  # a peer that crashes on a request has not counted it
                ok = False
            exact["all"] += ok
            exact["chat"] += ok and row["api"] == "chat.completions"
            exact["plain"] += ok and not row["features"] and row["api"] == "chat.completions"
        seconds = time.perf_counter() - start
        print(
            f"{name:<10} {_share(exact['all'], rows)} {_share(exact['chat'], chat)} "
            f"{_share(exact['plain'], plain)} {seconds:>7.2f}s"
        )


def _share(hits: int, rows: list) -> str:
    """`hits` as a share of `rows`, or a dash when a set has none of them (a set without plain text)."""
    return f"{hits / len(rows):>13.1%}" if rows else f"{'-':>14}"


if __name__ == "__main__":
    main()
