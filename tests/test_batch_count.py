"""Batch files counted by byte ranges over processes and priced from sums; the caches that make it fast."""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import batch_count, bpe_cache, price_memo, prices, tokens
from analytics.cli import main
from analytics.estimate import BadInputError, _priced, estimate_requests

DAY = date(2025, 6, 1)
FIXTURES = Path(__file__).parent / "fixtures"


def _batch_file(path: Path, n: int, *, seed: int = 3) -> list[str]:
    """Writes n Batch API lines of varied length (some blank lines between); returns the request lines."""
    rng = random.Random(seed)
    lines = []
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            words = " ".join(
                rng.choice(["refund", "login", "naïve", "日本", "ok"]) for _ in range(rng.randint(1, 90))
            )
            body = {
                "model": rng.choice(["gpt-4o-mini", "gpt-4o"]),
                "messages": [
                    {"role": "system", "content": "Classify the ticket."},
                    {"role": "user", "content": f"{i}: {words}"},
                ],
                "max_tokens": rng.randint(1, 50),
            }
            line = json.dumps(
                {"custom_id": str(i), "method": "POST", "url": "/v1/chat/completions", "body": body}
            )
            lines.append(line)
            out.write(line + "\n" + ("\n" if i % 17 == 0 else ""))
    return lines


@pytest.fixture
def parallel_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lets even a small file be split over processes, so the tests exercise the forked path."""
    monkeypatch.setattr(batch_count, "PARALLEL_BYTES", 0)


# --- byte ranges ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("parts", [1, 2, 3, 7, 50])
def test_byte_ranges_cover_every_line_once(tmp_path: Path, parts: int) -> None:
    path = tmp_path / "batch.jsonl"
    lines = _batch_file(path, 120)
    data = path.read_bytes()
    ranges = batch_count.line_ranges(path, parts)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(ranges))
    assert all(data[start - 1 : start] == b"\n" for start, _ in ranges[1:])  # each starts a line
    whole = [body for _, body, _ in batch_count.jsonl_bodies(path, 0, len(data))]
    split = [body for start, end in ranges for _, body, _ in batch_count.jsonl_bodies(path, start, end)]
    assert split == whole == [json.loads(line)["body"] for line in lines]


def test_byte_ranges_of_a_tiny_file_are_fewer_than_asked(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text('{"model": "gpt-4o", "messages": []}\n')
    assert batch_count.line_ranges(path, 4) == [(0, path.stat().st_size)]


@pytest.mark.usefixtures("parallel_always")
def test_one_worker_and_two_give_the_same_totals(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    _batch_file(path, 400)
    serial = estimate_requests(path, at=DAY, workers=1)
    parallel = estimate_requests(path, at=DAY, workers=2)
    assert [m.to_json() for m in parallel.models] == [m.to_json() for m in serial.models]
    assert serial.requests == 400


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Splits even a small file into many chunks, taken by whichever process is free."""
    monkeypatch.setattr(batch_count, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(batch_count, "CHUNK_BYTES", 4096)


@pytest.mark.usefixtures("small_chunks")
def test_many_chunks_over_two_processes_give_the_one_process_totals(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    _batch_file(path, 600)
    assert len(batch_count.line_ranges(path, path.stat().st_size // 4096)) > 20
    serial = estimate_requests(path, at=DAY, workers=1)
    parallel = estimate_requests(path, at=DAY, workers=2)
    assert [m.to_json() for m in parallel.models] == [m.to_json() for m in serial.models]
    assert parallel.requests == 600


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("bad_lines", [(5,), (300,), (590,), (150, 420), (420, 150, 151)])
def test_of_several_bad_lines_in_many_chunks_the_first_in_the_file_is_named(
    tmp_path: Path, bad_lines: tuple[int, ...]
) -> None:
    path = tmp_path / "batch.jsonl"
    _batch_file(path, 600)
    text = path.read_text(encoding="utf-8").splitlines()
    requests = [n for n, line in enumerate(text, start=1) if line]
    broken = [requests[k] for k in bad_lines]
    for number in broken:
        text[number - 1] = text[number - 1].replace('"POST"', 'POST"')
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    first = min(broken)
    for workers in (1, 2):
        with pytest.raises(BadInputError) as error:
            estimate_requests(path, at=DAY, workers=workers)
        assert (error.value.line, error.value.column) == (first, text[first - 1].index('POST"') + 1)


@pytest.mark.usefixtures("parallel_always")
def test_a_bad_line_in_the_second_range_names_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = _batch_file(path, 200)
    text = path.read_text(encoding="utf-8").splitlines()
    bad = max(n for n, line in enumerate(text, start=1) if line and n < len(text) - 10)  # in the second half
    column = text[bad - 1].index('"POST"') + 1
    text[bad - 1] = text[bad - 1].replace('"POST"', 'POST"')
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert len(lines) == 200
    errors = []
    for workers in (1, 2):
        with pytest.raises(BadInputError) as error:
            estimate_requests(path, at=DAY, workers=workers)
        errors.append((error.value.line, error.value.column, str(error.value)))
    assert errors[0] == errors[1]
    assert errors[0][:2] == (bad, column)
    assert f"batch.jsonl:{bad}:{column}: expected a JSON object" in errors[0][2]


@pytest.mark.usefixtures("parallel_always")
def test_an_unknown_model_in_a_worker_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    _batch_file(path, 50)
    with path.open("a") as out:
        out.write(json.dumps({"body": {"model": "gpt-4o-mni", "messages": []}}) + "\n")
    with pytest.raises(BadInputError, match=r"batch\.jsonl:\d+:1: unknown model 'gpt-4o-mni'.*gpt-4o-mini"):
        estimate_requests(path, at=DAY, workers=2)


def test_invalid_utf8_names_line_and_byte_column(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b'{"model": "gpt-4o", "messages": []}\n{"model": "gpt-4o\xff"}\n')
    with pytest.raises(BadInputError) as error:
        estimate_requests(path, at=DAY)
    assert (error.value.line, error.value.column) == (2, 18)


# --- pricing from sums ---------------------------------------------------------------------------------


def test_sums_are_priced_per_side_of_the_long_context_threshold() -> None:
    model = "gpt-5.4"
    threshold = prices.price_for(model, at=DAY).long_context_threshold
    assert threshold is not None
    sizes = [1_000, 2_000, threshold, threshold + 1, threshold * 2]
    tally = batch_count.ModelTally()
    for size in sizes:
        tally.add(tokens.TokenCount(model, "o200k_base", size, True), 100)
    total = _priced(model, tally, DAY, None)
    one_by_one = sum(
        (prices.cost(model, prices.TokenUsage(size, 100), at=DAY).total_usd for size in sizes), Decimal(0)
    )
    assert total.standard_usd == one_by_one
    assert total.standard_usd_low == total.standard_usd_high == one_by_one
    assert (total.requests, total.input_tokens, total.output_tokens) == (5, sum(sizes), 500)
    assert f"long-context prices apply above {threshold:,} input tokens" in total.notes


def test_estimated_requests_carry_token_and_cost_ranges() -> None:
    tally = batch_count.ModelTally()
    tally.add(tokens.TokenCount("gpt-4o", "o200k_base", 100, True), 10)
    tally.add(tokens.TokenCount("gpt-4o", "o200k_base", 200, False, ("estimated",), 180, 230), 10)
    total = _priced("gpt-4o", tally, DAY, None)
    assert (total.input_tokens_low, total.input_tokens, total.input_tokens_high) == (280, 300, 330)
    rate = Decimal("2.50") / 1_000_000
    out = 20 * Decimal(10) / 1_000_000
    assert total.standard_usd_low == 280 * rate + out
    assert total.standard_usd_high == 330 * rate + out
    assert not total.exact and total.exact_requests == 1
    assert total.to_json()["input_tokens_range"] == [280, 330]


# --- several models ------------------------------------------------------------------------------------


def test_estimate_file_prices_each_model_given_side_by_side() -> None:
    path = FIXTURES / "requests" / "batch_input.jsonl"
    runner = CliRunner()
    both = runner.invoke(
        main,
        ["estimate-file", str(path), "-m", "gpt-4o", "-m", "gpt-4.1-mini", "--at", "2025-06-01", "--json"],
    )
    assert both.exit_code == 0, both.output
    result = json.loads(both.output)
    assert result["alternatives"] is True and result["requests"] == 4
    assert result["standard_usd"] is None  # alternatives are not a sum
    singles = {}
    for model in ("gpt-4o", "gpt-4.1-mini"):
        one = runner.invoke(main, ["estimate-file", str(path), "-m", model, "--at", "2025-06-01", "--json"])
        (singles[model],) = json.loads(one.output)["models"]
    assert {m["model"]: m for m in result["models"]} == singles
    text = runner.invoke(main, ["estimate-file", str(path), "-m", "gpt-4o", "-m", "gpt-4.1-mini"])
    assert "alternatives side by side" in text.output
    assert not any(line.startswith("total") for line in text.output.splitlines())


# --- start-up ------------------------------------------------------------------------------------------


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_import_analytics_loads_no_pandas_or_duckdb() -> None:
    loaded = _modules_after("import analytics")
    assert not loaded & {"pandas", "duckdb", "numpy", "tiktoken", "genai_prices"}
    counted = _modules_after("import analytics; analytics.count_text('hi', 'gpt-4o')")
    assert "tiktoken" in counted and not counted & {"pandas", "duckdb"}


def test_help_loads_no_pandas_duckdb_or_streamlit() -> None:
    code = "from analytics.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    loaded = _modules_after(code)
    assert "click" in loaded
    assert not loaded & {"pandas", "duckdb", "streamlit", "altair", "genai_prices", "tiktoken"}


# --- caches --------------------------------------------------------------------------------------------


def _packaged(name: str) -> Path:
    return Path(tokens.__file__).parent / "bpe" / f"{name}.tiktoken.gz"


def test_verified_ranks_are_cached_and_reverified_when_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(bpe_cache.CACHE_ENV, str(tmp_path / "cache"))
    checks = []

    def verify() -> dict[bytes, int]:
        checks.append(1)
        return tokens._verified_ranks("cl100k_base")

    source = tmp_path / "cl100k_base.tiktoken.gz"
    source.write_bytes(_packaged("cl100k_base").read_bytes())
    sha = tokens.RANK_FILE_SHA256["cl100k_base"]
    first = bpe_cache.load("cl100k_base", source, sha, verify)
    second = bpe_cache.load("cl100k_base", source, sha, verify)
    assert second == first and len(first) == 100_256 and checks == [1]  # the second load skipped the check
    cached = bpe_cache.cache_path("cl100k_base")
    assert cached is not None and cached.exists()
    # A damaged copy is not trusted: the check runs again and the copy is rewritten.
    data = bytearray(cached.read_bytes())
    data[-5] ^= 1
    cached.write_bytes(bytes(data))
    assert bpe_cache.load("cl100k_base", source, sha, verify) == first and checks == [1, 1]
    # A replaced (here: touched) packaged file is verified again in full.
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert bpe_cache.load("cl100k_base", source, sha, verify) == first and checks == [1, 1, 1]
    assert bpe_cache.load("cl100k_base", source, sha, verify) == first and checks == [1, 1, 1]


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bpe_cache.CACHE_ENV, "")
    assert bpe_cache.cache_dir() is None
    checks = []
    source = _packaged("cl100k_base")

    def verify() -> dict[bytes, int]:
        checks.append(1)
        return {b"a": 0}

    for _ in range(2):
        bpe_cache.load("cl100k_base", source, "x", verify)
    assert checks == [1, 1]


def test_price_lookups_are_memoised_per_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bpe_cache.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(price_memo, "_memos", {})
    looked_up = price_memo.price_for("gpt-4o-mini", tier="batch", at=DAY)
    assert looked_up == prices.price_for("gpt-4o-mini", tier="batch", at=DAY)
    assert list((tmp_path / "prices").iterdir())  # written for the next process
    monkeypatch.setattr(price_memo, "_memos", {})  # as a new process: read back from the file

    def no_lookup(*args: object, **kwargs: object) -> None:
        raise AssertionError("looked up again")

    monkeypatch.setattr(prices, "price_for", no_lookup)
    assert price_memo.price_for("gpt-4o-mini", tier="batch", at=DAY) == looked_up


def test_text_memo_stays_bounded_and_keeps_the_texts_in_use() -> None:
    memo = tokens._TextTokens(maxsize=1_000, max_chars=10_000)
    shared = "You are a careful classifier of support tickets."
    for i in range(2_000):
        memo("o200k_base", shared)
        memo("o200k_base", f"ticket {i}: " + "word " * 50)  # ~260 characters, each new
    info = memo.cache_info()
    assert memo._chars <= 10_000 and info.currsize <= 1_000  # flat, whatever the number of messages
    assert info.misses == 2_001  # the shared prompt was tokenized once
    text = "ticket 5: " + "word " * 50
    assert memo("o200k_base", text) == len(tokens.get_encoding("o200k_base").encode_ordinary(text))


# --- the plain-chat fast path against count_request ----------------------------------------------------

_FAST_MODELS = [
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4",
    "gpt-3.5-turbo-0301",
    "o3-mini",
    "o1-mini",
    "gpt-5",
    "gpt-4.1",
]
_TEXT = st.lists(
    st.sampled_from([*"ab c\n日本é<|>{}", "<|im_start|>", "<|endoftext|>", " the", "  "]), max_size=40
).map("".join)
_PLAIN_MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(sorted(batch_count.PlainChat.ROLES)), "content": _TEXT.filter(bool)}
)
_OTHER_MESSAGE = st.one_of(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["user", "tool", "function", "critic"]), "content": _TEXT}
    ),
    st.fixed_dictionaries({"role": st.just("user"), "content": _TEXT, "name": st.just("ann")}),
    st.fixed_dictionaries(
        {
            "role": st.just("user"),
            "content": st.just([{"type": "text", "text": "hi"}, {"type": "text", "text": "x"}]),
        }
    ),
    st.fixed_dictionaries({"content": _TEXT.filter(bool)}),  # no role: the rules default it to user
)
_EXTRA_KEYS = st.dictionaries(
    st.sampled_from(["temperature", "max_tokens", "seed", "metadata", "store"]), st.integers(0, 9), max_size=2
)
_SHARED_FAST_PATH = batch_count.PlainChat()  # shared, as in a file: framing taken from earlier bodies


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    model=st.sampled_from(_FAST_MODELS),
    messages=st.lists(_PLAIN_MESSAGE, min_size=1, max_size=4),
    extra=_EXTRA_KEYS,
)
def test_the_plain_chat_fast_path_counts_as_count_request(model: str, messages: list, extra: dict) -> None:
    body = {"model": model, "messages": messages, **extra}
    fast = _SHARED_FAST_PATH.count(body, model)
    assert fast is not None
    assert fast == tokens.count_request(body, model)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    model=st.sampled_from([*_FAST_MODELS, "claude-sonnet-4-5"]),
    messages=st.lists(st.one_of(_PLAIN_MESSAGE, _OTHER_MESSAGE), min_size=1, max_size=4),
    extra=st.one_of(
        _EXTRA_KEYS,
        st.just({"response_format": {"type": "json_object"}}),
        st.just({"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}),
        st.just({"reasoning_effort": "low"}),
    ),
)
def test_the_fast_path_leaves_any_other_body_to_count_request(
    model: str, messages: list, extra: dict
) -> None:
    body = {"model": model, "messages": messages, **extra}
    fast = _SHARED_FAST_PATH.count(body, model)
    plain = (
        set(extra) <= batch_count.PlainChat.INERT_KEYS
        and not model.startswith("claude")
        and all(
            set(m) == {"role", "content"}
            and m["role"] in batch_count.PlainChat.ROLES
            and isinstance(m["content"], str)
            and m["content"]
            for m in messages
        )
    )
    assert (fast is not None) == plain
    if fast is not None:
        assert fast == tokens.count_request(body, model)


@pytest.mark.parametrize(
    "line",
    [
        '\ufeff{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}',  # BOM
        '{"model": "gpt-4o", "messages": [{"role": "user", "content": "\\ud800 lone"}]}',  # lone surrogate
        '{"model": "gpt-4o", "temperature": NaN, "messages": [{"role": "user", "content": "nan"}]}',
        '{"model": "gpt-4o", "seed": 123456789012345678901234567890, "messages": []}',  # beyond 64 bits
        '{"body": {"model": "gpt-4o", "input": "hi"}, "url": "/v1/responses"}',
        '{"body": [1], "model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}',
    ],
)
def test_lines_the_fast_parser_refuses_or_reads_are_read_as_json_reads_them(
    tmp_path: Path, line: str
) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(line + "\n\n", encoding="utf-8")
    with_fast = list(batch_count.jsonl_bodies(path, 0, path.stat().st_size))
    fast, batch_count._fast_loads = batch_count._fast_loads, None
    try:
        with_json = list(batch_count.jsonl_bodies(path, 0, path.stat().st_size))
    finally:
        batch_count._fast_loads = fast
    assert [(n, json.dumps(b), u) for n, b, u in with_fast] == [
        (n, json.dumps(b), u) for n, b, u in with_json
    ]
    assert len(with_fast) == 1


_PLAIN_35 = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "Is my refund late?"}]}
_REQUIRED_4O = {
    "model": "gpt-4o",
    "messages": [{"role": "user", "content": "Refund order 7, please."}],
    "tools": [{"type": "function", "function": {"name": "refund", "parameters": {"type": "object"}}}],
    "tool_choice": "required",
}


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize(
    ("body", "day", "more"),
    [
        # the gpt-3.5-turbo alias pointed at 0301 until 2023-06-27: 4 tokens a message, not 3 (fast path)
        (_PLAIN_35, date(2023, 6, 1), 1),
        # tool_choice "required" cost 2 tokens more until October 2024 (the rules' path)
        (_REQUIRED_4O, date(2024, 9, 1), 2),
    ],
)
def test_a_file_estimated_as_on_a_past_day_is_counted_with_the_rules_then(
    tmp_path: Path, workers: int, body: dict, day: date, more: int
) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text((json.dumps(body) + "\n") * 600)
    today = tokens.count_request(body).tokens
    assert tokens.count_request(body, at=day).tokens == today + more
    (then,) = estimate_requests(path, at=day, workers=workers).models
    assert then.input_tokens == 600 * (today + more)
    (now,) = estimate_requests(path, workers=workers).models
    assert now.input_tokens == 600 * today
