"""The prompt tokens of a whole request file, streamed and split over the cores; sums only, no prices.

A JSONL file (Batch API input lines or bare request bodies) is cut into byte ranges at line boundaries. The
parent counts the first range itself and forks one child per other range after the encodings are loaded,
so the children share them copy-on-write instead of loading them again. Each range comes back as a
`Tally` — per model, the requests binned by their prompt tokens — never as per-request objects, and memory
stays flat in the file size: lines are streamed, and a tally holds one bin per distinct prompt size (the
pricing needs the size of each request only to tell which side of a long-context threshold it falls).
A CSV of prompts (its quoted fields may hold newlines) is counted in one process.

Distinct texts are tokenized once per process: `tokens.text_tokens` is memoised.
"""

from __future__ import annotations

import contextlib
import copyreg
import csv
import dataclasses
import itertools
import json
import multiprocessing
import pickle
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

from analytics import claude_tokens, tokens
from analytics.request_shape import MalformedRequestError
from analytics.request_tokens import RequestAnalysis, analyse_request, calibrated, count_request

try:  # parses a Batch API line 3-4x faster than json; a line it refuses is parsed again by json
    import orjson

    _fast_loads: Callable[[bytes], Any] | None = orjson.loads
except ImportError:  # pragma: no cover - a declared dependency, kept optional for a bare source tree
    _fast_loads = None

ProgressCallback = Callable[[int, int], None]

# Below this file size one process is quicker than forking a second (a fork costs ~20 ms; 1 MB of Batch
# API lines is ~450 requests, ~0.1 s of counting).
PARALLEL_BYTES = 1 << 20
# Processes take the file in chunks of about this size: small enough that the last chunk leaves a core idle
# for a moment only (~0.1 s), large enough that taking one costs nothing next to counting it.
CHUNK_BYTES = 2 << 20
_PROGRESS_EVERY = 512  # lines between progress reports
NO_MAX_OUTPUT_NOTE = "some requests set no max output tokens: counted as 0 output tokens"

# Unknown-model errors cross the process boundary with their suggestions (their __init__ takes two args).
copyreg.pickle(tokens.UnknownModelError, lambda e: (tokens.UnknownModelError, (e.model, e.suggestions)))


class BadInputError(ValueError):
    """A request file that cannot be read; the message names file, line and column."""

    def __init__(self, path: Path | str, line: int, column: int, expected: str) -> None:
        self.path, self.line, self.column, self.expected = str(path), line, column, expected
        super().__init__(f"{path}:{line}:{column}: {expected}")

    def __reduce__(self) -> tuple[Any, ...]:
        return BadInputError, (self.path, self.line, self.column, self.expected)


class Request(NamedTuple):
    """One request of a batch file, as the estimator needs it (a tuple: one is made per line and model)."""

    line: int
    model: str
    body: Mapping[str, Any] | None  # None for a plain prompt (CSV input)
    prompt: str | None
    max_output_tokens: int | None
    kind: str  # "chat", "responses", "embeddings", "text"


@dataclass
class ModelTally:
    """The sums of one model's requests: `bins[prompt tokens] = [requests, low, high, output, exact]`.

    `low`/`high` are the summed ends of each request's token range (equal to its tokens when exact),
    `output` the summed output tokens, `exact` how many of the requests were counted exactly.
    """

    bins: dict[int, list[int]] = field(default_factory=dict)
    notes: set[str] = field(default_factory=set)
    open_ended: int = 0  # requests holding content left uncounted (TokenCount.open_ended)

    def add(self, counted: tokens.TokenCount, output: int) -> None:
        size, low, high = counted.tokens, counted.low, counted.high
        self.open_ended += counted.open_ended
        found = self.bins.get(size)
        if found is None:
            self.bins[size] = [1, low, high, output, int(counted.exact)]
        else:
            found[0] += 1
            found[1] += low
            found[2] += high
            found[3] += output
            found[4] += counted.exact
        if counted.notes:
            self.notes.update(counted.notes)

    def merge(self, other: ModelTally) -> None:
        for size, sums in other.bins.items():
            found = self.bins.get(size)
            if found is None:
                self.bins[size] = list(sums)
            else:
                for i, value in enumerate(sums):
                    found[i] += value
        self.notes |= other.notes
        self.open_ended += other.open_ended


Tally = dict[str, ModelTally]


@dataclass(frozen=True)
class Job:
    """What to count: `models` prices every request as each of them (empty: as the model it names)."""

    path: Path
    models: tuple[str, ...] = ()
    output_tokens: int | None = None
    prompt_column: str = "prompt"
    at: date | None = None  # count with the rules in force on this day (None: today's; a datetime: its day)


# --- one request ---------------------------------------------------------------------------------------


def request_from_body(path: Path, line: int, body: dict, url: str, model: str | None) -> Request:
    """Returns the request of one JSONL line's body; `model` (when given) overrides the body's own."""
    request_model = model or body.get("model")
    if not request_model:
        raise BadInputError(path, line, 1, 'expected a "model" in the request body (or give --model)')
    if "messages" in body:
        kind = "chat"
    elif url.endswith("/embeddings") or (
        "input" in body and str(request_model).startswith(("text-embedding", "omni-moderation"))
    ):
        kind = "embeddings"
    elif "input" in body or "instructions" in body:
        kind = "responses"
    else:
        raise BadInputError(path, line, 1, 'expected a request body with "messages" or "input"')
    max_output = None
    for key in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        if isinstance(body.get(key), int):
            max_output = body[key]
            break
    return Request(line, str(request_model), body, None, max_output, kind)


def _column_of(path: Path, number: int, key: str) -> int:
    """Returns the column of `"key"` on line `number` of a JSONL file (1 if it is not there): read again only
    when a line is refused, so counting never keeps the raw lines."""
    with path.open("rb") as file:
        for _ in range(number - 1):
            file.readline()
        line = file.readline().decode("utf-8", "replace")
    return line.find(f'"{key}"') + 1 or 1


def count_one(request: Request, at: date | None = None) -> tokens.TokenCount:
    """Returns the prompt tokens of one request, with the rules in force on `at` (None: today's)."""
    if request.kind == "text":
        return tokens.count_text(request.prompt or "", request.model)
    assert request.body is not None
    if request.kind == "embeddings":
        value = request.body.get("input", "")
        total = 0
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                total += tokens.count_text(item, request.model).tokens
            elif isinstance(item, list):  # already token ids
                total += len(item)
        return tokens.TokenCount(request.model, tokens.encoding_name_for_model(request.model), total, True)
    return count_request(request.body, request.model, at=at)


def _tally_request(tally: Tally, request: Request, output_tokens: int | None, at: date | None = None) -> None:
    try:
        counted = count_one(request, at)
    except tokens.UnknownModelError as error:
        raise BadInputError("", request.line, 1, str(error)) from None
    model = tally.get(request.model)
    if model is None:
        model = tally[request.model] = ModelTally()
    if output_tokens is None:
        if request.max_output_tokens is None:
            model.notes.add(NO_MAX_OUTPUT_NOTE)
        output_tokens = request.max_output_tokens or 0
    model.add(counted, output_tokens)


class PlainChat:
    """Counts the common Batch API body (chat messages of plain string content, no name, tools, formats
    or images) without walking `count_request`'s rules for each request, with the same result.

    For such a body `count_request` is the framing of its roles plus the tokens of each content string.
    The framing, the shape, the notes and the calibration are taken from `count_request`'s own analysis of
    the first body of each (model, roles) seen, so the rules and the calibration stay in one place;
    `tests/test_batch_count.py` checks that the two agree on many bodies. Any other body returns None and
    is counted by `count_request`.
    """

    ROLES = frozenset({"system", "user", "assistant", "developer"})
    # Body keys that do not change the prompt (sampling and bookkeeping); any other key falls back.
    INERT_KEYS = frozenset(
        {
            "model",
            "messages",
            "max_tokens",
            "max_completion_tokens",
            "temperature",
            "top_p",
            "n",
            "seed",
            "stop",
            "user",
            "metadata",
            "store",
            "presence_penalty",
            "frequency_penalty",
            "logprobs",
            "top_logprobs",
            "service_tier",
        }
    )
    _MAX_COUNTS = 200_000  # TokenCounts kept (one per frame and prompt size), for memory flat in the file

    def __init__(self, at: date | None = None) -> None:
        self.at = at  # the day whose rules count (None: today's): the framing is analysed with them
        # (model, roles) -> (encoding, framing tokens, analysis of the first body), or None: not plain
        self._frames: dict[tuple[str, tuple[str, ...]], tuple[str, int, RequestAnalysis] | None] = {}
        self._counts: dict[tuple[str, tuple[str, ...], int], tokens.TokenCount] = {}

    def count(self, body: Mapping[str, Any], model: str) -> tokens.TokenCount | None:
        """Returns `count_request(body, model)` for a plain chat body, None for any other body."""
        messages = body.get("messages")
        if type(messages) is not list or not self.INERT_KEYS.issuperset(body):
            return None
        roles = []
        texts = []
        for message in messages:
            if type(message) is not dict or len(message) != 2:
                return None
            role, content = message.get("role"), message.get("content")
            # (empty content: counted by the rules, which may treat an empty turn differently)
            if role not in self.ROLES or type(content) is not str or not content:
                return None
            roles.append(role)
            texts.append(content)
        key = (model, tuple(roles))
        frame = self._frames.get(key)
        if frame is None:
            if key in self._frames or claude_tokens.is_claude(model):
                self._frames[key] = None
                return None
            analysis = analyse_request(body, model, at=self.at)  # raises UnknownModelError like count_request
            encoding = analysis.encoding
            framing = analysis.tokens - sum(tokens.text_tokens(encoding, text) for text in texts)
            self._frames[key] = frame = (encoding, framing, analysis)
        encoding, total, analysis = frame
        for text in texts:
            total += tokens.text_tokens(encoding, text)
        counted_key = (model, key[1], total)
        counted = self._counts.get(counted_key)
        if counted is None:
            counted = calibrated(dataclasses.replace(analysis, tokens=total))
            if len(self._counts) < self._MAX_COUNTS:
                self._counts[counted_key] = counted
        return counted


# --- reading -------------------------------------------------------------------------------------------


def sniff(path: Path) -> str:
    """Returns "jsonl" or "csv" from the file's first line."""
    with path.open("rb") as handle:
        first = handle.readline().decode("utf-8", "replace").lstrip("\ufeff")
    if first.lstrip().startswith("{"):
        return "jsonl"
    if first.strip():
        return "csv"
    raise BadInputError(path, 1, 1, "expected a JSONL request or a CSV header, got an empty line")


def line_ranges(path: Path, parts: int) -> list[tuple[int, int]]:
    """Returns `parts` (or fewer) byte ranges covering the file, each starting at the start of a line."""
    size = path.stat().st_size
    cuts = [0]
    with path.open("rb") as handle:
        for k in range(1, parts):
            handle.seek(max(k * size // parts - 1, cuts[-1]))
            handle.readline()  # to the end of the line the guess falls in
            position = handle.tell()
            if cuts[-1] < position < size:
                cuts.append(position)
    cuts.append(size)
    return list(itertools.pairwise(cuts))


def jsonl_bodies(
    path: Path, start: int, end: int, on_line: Callable[[int], None] | None = None
) -> Iterator[tuple[int, dict, str]]:
    """Yields (line number within the range, body, url) for each request line in bytes start..end.

    Line numbers count from 1 at `start`; a bad line raises BadInputError with that relative number.
    """
    with path.open("rb") as handle:
        handle.seek(start)
        position = start
        for number, raw in enumerate(handle, start=1):
            if position >= end:
                return
            position += len(raw)
            if on_line is not None and number % _PROGRESS_EVERY == 0:
                on_line(position - start)
            item = None
            if _fast_loads is not None:
                with contextlib.suppress(ValueError):  # blank, BOM, NaN, lone surrogates, bad: json decides
                    item = _fast_loads(raw)
            if type(item) is dict and not _has_huge_number(item):
                body = item.get("body")
                if type(body) is dict:
                    yield number, body, str(item.get("url", ""))
                else:
                    yield number, item, ""
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise BadInputError(path, number, error.start + 1, "expected UTF-8 text") from None
            if number == 1 and start == 0 and text.startswith("\ufeff"):
                text = text[1:]
            if not text or text.isspace():
                continue
            try:
                item = json.loads(text)
            except json.JSONDecodeError as error:
                raise BadInputError(
                    path, number, error.colno, f"expected a JSON object ({error.msg})"
                ) from None
            if not isinstance(item, dict):
                raise BadInputError(path, number, 1, "expected a JSON object per line")
            url = ""
            body = item.get("body")
            if isinstance(body, dict):
                url = str(item.get("url", ""))
                item = body
            yield number, item, url


def _has_huge_number(value: Any) -> bool:
    """Returns whether a parsed value holds a float as large as an integer beyond 64 bits: orjson reads
    such an integer as a float where json keeps it whole, so that line is parsed again by json."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float and abs(item) >= 9.2e18:
            return True
    return False


def csv_requests(path: Path, model: str | None, prompt_column: str) -> Iterator[Request]:
    """Yields the prompts of a CSV (or tab-separated) file with a header row naming `prompt_column`."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(8192)
            handle.seek(0)
            first = sample.split("\n", 1)[0]
            delimiter = "\t" if first.count("\t") > first.count(",") else ","
            reader = csv.DictReader(handle, delimiter=delimiter)
            header = reader.fieldnames or []
            if prompt_column not in header:
                raise BadInputError(
                    path,
                    1,
                    1,
                    f'expected a "{prompt_column}" column in the CSV header, found {", ".join(header)}',
                )
            for row in reader:
                line = reader.line_num
                row_model = model or row.get("model")
                if not row_model:
                    raise BadInputError(path, line, 1, "expected a model column or --model")
                max_output = None
                if row.get("max_tokens"):
                    column = header.index("max_tokens") + 1
                    try:
                        max_output = int(row["max_tokens"])
                    except ValueError:
                        raise BadInputError(
                            path, line, column, "max_tokens: expected a whole number"
                        ) from None
                yield Request(line, row_model, None, row[prompt_column] or "", max_output, "text")
    except UnicodeDecodeError as error:
        raise BadInputError(path, 1, error.start + 1, "expected UTF-8 text") from None


# --- counting ------------------------------------------------------------------------------------------


def tally_range(
    job: Job,
    start: int,
    end: int,
    on_bytes: Callable[[int], None] | None = None,
    tally: Tally | None = None,
    plain: PlainChat | None = None,
) -> Tally:
    """Returns the sums of the JSONL requests in bytes start..end (line numbers in errors: from `start`),
    added to `tally` when one is given; `plain` keeps its frames across the ranges one process counts."""
    if tally is None:
        tally = {}
    if plain is None:
        plain = PlainChat(job.at)
    path, output_tokens = job.path, job.output_tokens
    models: Sequence[str | None] = job.models or (None,)
    for number, body, url in jsonl_bodies(path, start, end, on_bytes):
        for model in models:
            request = request_from_body(path, number, body, url, model)
            try:
                counted = plain.count(body, request.model) if request.kind == "chat" else None
                if counted is None:
                    counted = count_one(request, job.at)
            except tokens.UnknownModelError as error:
                raise BadInputError(path, number, 1, str(error)) from None
            except MalformedRequestError as error:
                raise BadInputError(path, number, _column_of(path, number, error.key), str(error)) from None
            sums = tally.get(request.model)
            if sums is None:
                sums = tally[request.model] = ModelTally()
            output = output_tokens
            if output is None:
                output = request.max_output_tokens
                if output is None:
                    sums.notes.add(NO_MAX_OUTPUT_NOTE)
                    output = 0
            sums.add(counted, output)
    return tally


def tally_file(job: Job, *, workers: int = 1, on_progress: ProgressCallback | None = None) -> Tally:
    """Returns the sums of every request in the file, counted by up to `workers` processes.

    `on_progress(done, total)` reports bytes read of a JSONL file (requests of a CSV).
    """
    if sniff(job.path) == "csv":
        return _tally_csv(job, on_progress)
    size = job.path.stat().st_size
    parallel = workers > 1 and size >= PARALLEL_BYTES and _fork_is_safe()
    chunks = line_ranges(job.path, max(workers, -(-size // CHUNK_BYTES))) if parallel else [(0, size)]
    _load_encodings(job)  # (before forking; and a file is many texts: not worth tokens' short-text path)
    if len(chunks) == 1:
        report = (lambda done: on_progress(done, size)) if on_progress else None
        tally = tally_range(job, 0, size, report)
        if on_progress:
            on_progress(size, size)
        return tally
    return _tally_in_processes(job, chunks, workers, size, on_progress)


def _tally_csv(job: Job, on_progress: ProgressCallback | None) -> Tally:
    tally: Tally = {}
    models: Sequence[str | None] = job.models or (None,)
    done = 0
    for model in models:
        for request in csv_requests(job.path, model, job.prompt_column):
            try:
                _tally_request(tally, request, job.output_tokens, job.at)
            except BadInputError as error:
                raise BadInputError(job.path, request.line, error.column, error.expected) from None
            done += 1
    if on_progress:
        on_progress(done, done)
    return tally


def _fork_is_safe() -> bool:
    # Forking a process that runs other threads (a Streamlit server) can copy a lock another thread holds;
    # such a caller counts in one process.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _load_encodings(job: Job) -> None:
    """Loads, before forking, the encodings of the models given or of the first request's model."""
    names = set(job.models)
    if not names:
        try:
            for _, body, _ in jsonl_bodies(job.path, 0, job.path.stat().st_size):
                names.add(str(body.get("model", "")))
                break
        except BadInputError:
            return  # the range counting reports it with its line
    for name in names:
        with contextlib.suppress(tokens.UnknownModelError):  # reported by the counting, with its line
            tokens.get_encoding(tokens.encoding_name_for_model(name))


class _Chunks:
    """The chunks of a file, handed out in file order to whichever process asks next (shared memory).

    Taking chunks as they free up, rather than half the file each, keeps both cores busy to the end when
    one runs slower (a busy neighbour on a shared machine slowed one half by up to 25% in our runs).
    After a bad line in chunk k no chunk past k is handed out: the chunks before k were all handed out
    already, so the first bad line of the file is still found and reported.
    """

    def __init__(self, context: Any, ranges: list[tuple[int, int]]) -> None:
        self.ranges = ranges
        self._next = context.RawValue("q", 0)
        self._stop = context.RawValue("q", len(ranges))
        self._lock = context.Lock()

    def take(self) -> int | None:
        with self._lock:
            index = self._next.value
            if index >= len(self.ranges) or index > self._stop.value:
                return None
            self._next.value = index + 1
            return index

    def stop_after(self, index: int) -> None:
        with self._lock:
            self._stop.value = min(self._stop.value, index)


# A bad line: (chunk index, line within the chunk, column, what was expected)
_BadLine = tuple[int, int, int, str]


def _tally_chunks(job: Job, chunks: _Chunks, report: Callable[[int], None]) -> tuple[Tally, _BadLine | None]:
    """Counts chunks until none is left; returns the sums and the first bad line met, if any."""
    tally: Tally = {}
    # one per process: each (model, roles) frame is analysed once, not once per chunk
    plain = PlainChat(job.at)
    finished = 0  # bytes of the chunks this process has counted
    while (index := chunks.take()) is not None:
        start, end = chunks.ranges[index]
        try:
            tally_range(job, start, end, lambda read, before=finished: report(before + read), tally, plain)
        except BadInputError as error:
            chunks.stop_after(index)
            return tally, (index, error.line, error.column, error.expected)
        finished += end - start
        report(finished)
    return tally, None


def _tally_in_processes(
    job: Job, ranges: list[tuple[int, int]], workers: int, size: int, on_progress: ProgressCallback | None
) -> Tally:
    context = multiprocessing.get_context("fork")
    for stream in (sys.stdout, sys.stderr):  # or a child would write the parent's pending output again
        if stream is not None:
            stream.flush()
    chunks = _Chunks(context, ranges)
    done = multiprocessing.RawArray("q", workers)  # bytes counted per process, for the progress bar
    children: list[tuple[Any, Connection]] = []
    for index in range(1, workers):
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(job, chunks, sender, done, index), daemon=True)
        child.start()
        sender.close()
        children.append((child, receiver))

    def report(read: int) -> None:
        done[0] = read
        if on_progress:
            on_progress(sum(done), size)

    try:
        tally, bad = _tally_chunks(job, chunks, report)
        bad_lines = [bad] if bad else []
        for _, receiver in children:
            while on_progress and not receiver.poll(0.2):
                on_progress(sum(done), size)
            try:
                status, value = receiver.recv()
            except EOFError:
                raise RuntimeError("a counting process stopped before sending its sums") from None
            if status == "error":
                raise value
            child_tally, child_bad = value
            if child_bad:
                bad_lines.append(child_bad)
            for model, sums in child_tally.items():
                tally.setdefault(model, ModelTally()).merge(sums)
    finally:
        for child, receiver in children:
            if child.is_alive() and child.exitcode is None:
                child.terminate()
            child.join()
            receiver.close()
    if bad_lines:
        index, line, column, expected = min(bad_lines)
        raise BadInputError(job.path, _lines_before(job.path, ranges[index][0]) + line, column, expected)
    if on_progress:
        on_progress(size, size)
    return tally


def _child(job: Job, chunks: _Chunks, sender: Connection, done: Any, index: int) -> None:
    def report(read: int) -> None:
        done[index] = read

    try:
        result: tuple[str, Any] = ("ok", _tally_chunks(job, chunks, report))
    except Exception as error:  # sent to the parent, which raises it
        try:
            pickle.loads(pickle.dumps(error))
            result = ("error", error)
        except Exception:
            result = ("error", ValueError(str(error)))
    sender.send(result)
    sender.close()


def _lines_before(path: Path, offset: int) -> int:
    """Returns the number of lines that end before byte `offset` (only read when reporting an error)."""
    count = 0
    with path.open("rb") as handle:
        while offset > 0:
            chunk = handle.read(min(offset, 1 << 20))
            if not chunk:
                break
            count += chunk.count(b"\n")
            offset -= len(chunk)
    return count
