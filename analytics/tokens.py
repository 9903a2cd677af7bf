"""Token counts for OpenAI models, offline: model -> encoding, text -> tokens, request body -> prompt tokens.

The BPE rank files ship inside the package (gzip of the files tiktoken downloads) and are checked against the
sha256 that tiktoken itself pins before use, so counting never needs the network or tiktoken's cache.
Chat and Responses request bodies are counted in `analytics.request_tokens` (re-exported here).
"""

from __future__ import annotations

import base64
import difflib
import functools
import gzip
import hashlib
import itertools
import re
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import tiktoken
from tiktoken import _tiktoken

from analytics import bpe_cache

ENCODING_NAMES: tuple[str, ...] = ("o200k_base", "cl100k_base", "o200k_harmony")

# --- encodings ------------------------------------------------------------------------------------------

# The sha256 of each decompressed rank file, as pinned by tiktoken_ext/openai_public.py.
RANK_FILE_SHA256: dict[str, str] = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}

# pat_str and special tokens copied from tiktoken_ext/openai_public.py: calling its constructors would
# download the rank files (or read tiktoken's cache), which is what this module exists to avoid.
_CL100K_PAT = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|"""
    r"""\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}
_O200K_SPECIAL = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
_HARMONY_SPECIAL = {
    **_O200K_SPECIAL,
    "<|startoftext|>": 199998,
    "<|endoftext|>": 199999,
    "<|reserved_200000|>": 200000,
    "<|reserved_200001|>": 200001,
    "<|return|>": 200002,
    "<|constrain|>": 200003,
    "<|reserved_200004|>": 200004,
    "<|channel|>": 200005,
    "<|start|>": 200006,
    "<|end|>": 200007,
    "<|message|>": 200008,
    "<|reserved_200009|>": 200009,
    "<|reserved_200010|>": 200010,
    "<|reserved_200011|>": 200011,
    "<|call|>": 200012,
} | {f"<|reserved_{i}|>": i for i in range(200013, 201088)}

# encoding name -> (rank file, pat_str, special tokens)
_ENCODING_SPECS: dict[str, tuple[str, str, dict[str, int]]] = {
    "cl100k_base": ("cl100k_base", _CL100K_PAT, _CL100K_SPECIAL),
    "o200k_base": ("o200k_base", _O200K_PAT, _O200K_SPECIAL),
    "o200k_harmony": ("o200k_base", _O200K_PAT, _HARMONY_SPECIAL),
}


class RankFileError(ValueError):
    """A packaged BPE rank file is missing or does not match the hash tiktoken pins."""


def _read_rank_file(name: str) -> bytes:
    """Returns the decompressed bytes of the packaged rank file `name` (the one I/O edge of this module)."""
    packaged = resources.files("analytics").joinpath(f"bpe/{name}.tiktoken.gz")
    try:
        return gzip.decompress(packaged.read_bytes())
    except (OSError, EOFError) as error:
        raise RankFileError(
            f"cannot read the packaged BPE file analytics/bpe/{name}.tiktoken.gz: {error}"
        ) from None


def _verified_ranks(name: str) -> dict[bytes, int]:
    """Returns the mergeable ranks of rank file `name` after checking its sha256 against tiktoken's pin."""
    data = _read_rank_file(name)
    actual = hashlib.sha256(data).hexdigest()
    expected = RANK_FILE_SHA256[name]
    if actual != expected:
        raise RankFileError(
            f"analytics/bpe/{name}.tiktoken.gz decompresses to sha256 {actual}, "
            f"but tiktoken pins {expected}; the packaged file is corrupt or was replaced — reinstall llm-cost"
        )
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


_encodings: dict[str, tiktoken.Encoding] = {}
_encoding_lock = threading.Lock()


def get_encoding(name: str) -> tiktoken.Encoding:
    """Returns the tiktoken encoding `name` built from the packaged, hash-checked rank files (no network).

    Built once per process; o200k_harmony shares o200k_base's ranks.
    """
    encoding = _encodings.get(name)
    if encoding is not None:
        return encoding
    if name not in _ENCODING_SPECS:
        raise ValueError(f"unknown encoding {name!r}; known: {', '.join(ENCODING_NAMES)}")
    with _encoding_lock:  # two threads must not build the same (slow) encoding at once
        if name not in _encodings:
            rank_file, pat_str, special_tokens = _ENCODING_SPECS[name]
            _encodings[name] = tiktoken.Encoding(
                name, pat_str=pat_str, mergeable_ranks=_ranks(rank_file), special_tokens=special_tokens
            )
        return _encodings[name]


# A short text is counted without building the whole encoding: tiktoken's CoreBPE takes ~0.2 s to build
# from 200,000 ranks (most of a one-line `llm-cost count`), but ~5 ms from the few hundred ranks one short
# text can use. BPE only ever looks up byte strings inside the text, so the ranks of the text's substrings
# give the same tokens; a table of the longest token after each two-byte prefix bounds the substrings tried.
SHORT_TEXT_CHARS = 4_096  # ~25 ms to gather the ranks of this much text: a process counting more
# text than that in all builds the whole encoding once instead.


def _encode_ordinary_count(name: str, text: str) -> int:
    """Returns `len(get_encoding(name).encode_ordinary(text))`."""
    global _short_text_chars
    if name not in _encodings and _short_text_chars + len(text) <= SHORT_TEXT_CHARS:
        rank_file, pat_str, _ = _ENCODING_SPECS[name]
        longest = _longest_after_prefix(rank_file)
        if longest is not None:
            _short_text_chars += len(text)
            return _short_text_count(_ranks(rank_file), longest, pat_str, text)
    return len(get_encoding(name).encode_ordinary(text))


_short_text_chars = 0  # of the texts counted so by this process


def _short_text_count(ranks: dict[bytes, int], longest: dict[bytes, int], pat_str: str, text: str) -> int:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: replaced as tiktoken's Encoding.encode_ordinary does
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        data = text.encode("utf-8")
    size = len(data)
    used = {}
    for start in range(size):
        used[data[start : start + 1]] = ranks[data[start : start + 1]]  # every byte is a token
        for end in range(start + 2, min(start + longest.get(data[start : start + 2], 0), size) + 1):
            piece = data[start:end]
            rank = ranks.get(piece)
            if rank is not None:
                used[piece] = rank
    return len(_tiktoken.CoreBPE(used, {}, pat_str).encode_ordinary(text))


@functools.cache
def _longest_after_prefix(rank_file: str) -> dict[bytes, int] | None:
    """Returns {first two bytes: length of the longest token starting with them} of rank file `rank_file`,
    kept in the user cache beside its ranks (it takes ~0.1 s to build); None when the cache is off."""
    if bpe_cache.cache_path(rank_file) is None:
        return None

    def build() -> dict[bytes, int]:
        longest: dict[bytes, int] = {}
        for token in _ranks(rank_file):
            if len(token) > longest.get(token[:2], 1):
                longest[token[:2]] = len(token)
        return longest

    source = _packaged_file(rank_file)
    if source is None:
        return None
    return bpe_cache.load(f"{rank_file}.longest-after-prefix", source, RANK_FILE_SHA256[rank_file], build)


@functools.cache
def _ranks(name: str) -> dict[bytes, int]:
    # Checking and parsing the packaged file is most of a short `llm-cost count`: done once per install, the
    # verified ranks then load from the user cache (`analytics.bpe_cache`), keyed by the file and its pin.
    return bpe_cache.load(name, _packaged_file(name), RANK_FILE_SHA256[name], lambda: _verified_ranks(name))


def _packaged_file(name: str) -> Path | None:
    """Returns the packaged rank file `name` as a path, the key of its cached copies; None in a zipped
    install, which has no file to key on."""
    packaged = resources.files("analytics").joinpath(f"bpe/{name}.tiktoken.gz")
    return packaged if isinstance(packaged, Path) else None


# --- models ---------------------------------------------------------------------------------------------

# A model name is a family followed by known variant words and snapshot dates ("gpt-4o-mini-2024-07-18",
# "o4-mini-deep-research", "gpt-5.2-codex"). Unknown words are refused, so a typo ("gpt-4o-mni") is reported
# with suggestions instead of being counted with a guessed tokenizer. First matching family wins.
MODEL_FAMILIES: tuple[tuple[str, str], ...] = (
    (r"gpt-5(?:\.\d+)?", "o200k_base"),  # gpt-5, gpt-5.1, gpt-5.2, ...
    (r"gpt-4\.5", "o200k_base"),
    (r"gpt-4\.1", "o200k_base"),
    (r"(?:chatgpt-)?gpt-4o|chatgpt-4o", "o200k_base"),
    (r"o1|o3|o4-mini", "o200k_base"),
    (r"codex-mini|computer-use-preview", "o200k_base"),
    (r"gpt-audio|gpt-realtime", "o200k_base"),  # the gpt-4o audio models' successors (August 2025)
    (r"gpt-oss-(?:20b|120b)", "o200k_harmony"),
    (r"gpt-4", "cl100k_base"),
    (r"gpt-3\.5-turbo|gpt-35-turbo|gpt-3\.5", "cl100k_base"),
    (r"text-embedding-3-(?:small|large)|text-embedding-ada-002", "cl100k_base"),
    (r"davinci-002|babbage-002", "cl100k_base"),
)
VARIANT_WORDS = frozenset(
    {"mini", "nano", "pro", "max", "codex", "chat", "latest", "preview", "audio", "realtime", "search"}
    | {"transcribe", "tts", "diarize", "deep-research", "turbo", "instruct", "vision", "32k", "16k"}
    | {"terra", "sol", "luna"}  # gpt-5.6 variants seen in the recorded exchanges
)
_VARIANT = "|".join([*(re.escape(word) for word in sorted(VARIANT_WORDS)), r"\d{4}-\d{2}-\d{2}", r"\d{4}"])
_MODEL_PATTERNS = [
    (re.compile(rf"(?:{family})(?:-(?:{_VARIANT}))*"), encoding) for family, encoding in MODEL_FAMILIES
]
# Current names, for `known_models()` and for suggestions when a name is not recognised.
KNOWN_MODELS: tuple[str, ...] = (
    "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-pro", "gpt-5-codex", "gpt-5-chat-latest",
    "gpt-5.1", "gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5.1-chat-latest", "gpt-5.2", "gpt-5.2-pro",
    "gpt-5.2-codex", "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-5.5", "gpt-5.6",
    "gpt-4.5-preview", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
    "gpt-4o", "gpt-4o-mini", "gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "chatgpt-4o-latest",
    "gpt-4o-audio-preview", "gpt-4o-realtime-preview", "gpt-4o-search-preview", "gpt-4o-mini-search-preview",
    "o1", "o1-mini", "o1-pro", "o3", "o3-mini", "o3-pro", "o3-deep-research",
    "o4-mini", "o4-mini-deep-research",
    "codex-mini-latest", "computer-use-preview", "gpt-oss-20b", "gpt-oss-120b",
    "gpt-audio", "gpt-audio-mini", "gpt-realtime", "gpt-realtime-mini",
    "gpt-4", "gpt-4-turbo", "gpt-4-0613", "gpt-3.5-turbo", "gpt-3.5-turbo-0125", "gpt-3.5-turbo-instruct",
    "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002",
    "davinci-002", "babbage-002",
)  # fmt: skip
# A provider prefix some SDKs and gateways put in front of the model name ("openai/gpt-4o").
_PROVIDER_PREFIX = re.compile(r"^(?:openai|azure)/")


class UnknownModelError(KeyError):
    """The model name maps to no known encoding; the message names the closest known models."""

    def __init__(self, model: str, suggestions: list[str]) -> None:
        super().__init__(model)
        self.model = model
        self.suggestions = suggestions

    def __str__(self) -> str:
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        return f"unknown model {self.model!r}: no token encoding is known for it{hint}"


def known_models() -> list[str]:
    """Returns current model names that map to an encoding, sorted (snapshots and fine-tunes map too)."""
    return sorted(KNOWN_MODELS)


def base_model(model: str) -> str:
    """Returns the model a name stands for: `ft:gpt-4o-mini-2024-07-18:org::id` -> `gpt-4o-mini-2024-07-18`.

    A gateway prefix (`openai/gpt-4o`) is dropped too.
    """
    model = _PROVIDER_PREFIX.sub("", model.strip())
    if model.startswith("ft:"):
        return model[3:].split(":", 1)[0]
    return model


def encoding_name_for_model(model: str) -> str:
    """Returns the encoding name of `model`; raises UnknownModelError naming the closest known models."""
    name = base_model(model)
    for pattern, encoding in _MODEL_PATTERNS:
        if pattern.fullmatch(name):
            return encoding
    raise UnknownModelError(model, difflib.get_close_matches(name, KNOWN_MODELS, n=3, cutoff=0.5))


# --- text -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenCount:
    """A token count, and whether it is exact or an estimate (and why, in `notes`).

    `low`..`high` is the range the true count lies in: equal to `tokens` when exact; for an estimate, the
    range its request shape's error on recorded requests not fitted on gives (see `analytics.token_shapes`).
    Left out (or negative) they default to `tokens`.

    `open_ended`: the request holds content that costs tokens but is not counted offline (a file or audio
    part, a built-in tool's hidden instructions and results). `low..high` then covers the counted part only:
    the true count is at least about `low`, with no upper bound we can give, and outputs show no `high`.
    """

    model: str
    encoding: str
    tokens: int
    exact: bool
    notes: tuple[str, ...] = ()
    low: int = -1
    high: int = -1
    open_ended: bool = False

    @property
    def upper(self) -> int | None:
        """The upper end as outputs show it: `high`, or None when open-ended (no upper bound known)."""
        return None if self.open_ended else self.high

    def __post_init__(self) -> None:
        if self.low < 0:
            object.__setattr__(self, "low", self.tokens)
        if self.high < 0:
            object.__setattr__(self, "high", self.tokens)


class _TextTokens:
    """`text_tokens(encoding, text)`: the number of tokens of `text` in `encoding`; special-token text counts
    as plain text.

    Memoised because batch files repeat the same system prompt and tool definitions in every request. The
    memo is bounded both in entries (`maxsize`) and in the characters of the texts it keeps (`max_chars`),
    least recently used dropped first, so a batch file of unique 2 kB messages keeps memory flat instead of
    holding every message, while the texts it repeats stay. Same interface as
    `functools.lru_cache` (`cache_info()`, `cache_clear()`); safe to call from threads.
    """

    def __init__(self, maxsize: int, max_chars: int) -> None:
        self.maxsize, self.max_chars = maxsize, max_chars
        self._memo: dict[tuple[str, str], int] = {}
        self._chars = 0
        self._hits = self._misses = 0
        self._inserting = threading.Lock()

    def __call__(self, encoding: str, text: str) -> int:
        key = (encoding, text)
        memo = self._memo
        count = memo.pop(key, None)
        if count is not None:
            self._hits += 1
            memo[key] = count  # last again: a text in use (a shared system prompt) is never the oldest
            return count
        self._misses += 1
        count = _encode_ordinary_count(encoding, text)
        if len(text) <= self.max_chars // 8:
            with self._inserting:
                if key not in memo:
                    memo[key] = count
                    self._chars += len(text)
                if len(memo) > self.maxsize or self._chars > self.max_chars:
                    # Drop the oldest quarter (dicts keep insertion order), not one entry per miss.
                    for old in list(itertools.islice(memo, max(len(memo) // 4, 1))):
                        memo.pop(old, None)
                        self._chars -= len(old[1])
        return count

    def cache_info(self) -> functools._CacheInfo:
        return functools._CacheInfo(self._hits, self._misses, self.maxsize, len(self._memo))

    def cache_clear(self) -> None:
        with self._inserting:
            self._memo.clear()
            self._chars = 0
            self._hits = self._misses = 0


text_tokens = _TextTokens(maxsize=65_536, max_chars=8_000_000)  # at most ~8-32 MB of text


def count_text(text: str, model: str) -> TokenCount:
    """Returns the exact token count of plain `text` for `model` (a Claude model: an approximation with a
    range, see `analytics.claude_tokens`)."""
    from analytics import claude_tokens

    if claude_tokens.is_claude(model):
        return approximate_claude(count_text(text, claude_tokens.APPROXIMATING_MODEL), model)
    encoding = encoding_name_for_model(model)
    return TokenCount(model, encoding, text_tokens(encoding, text), True)


def approximate_claude(counted: TokenCount, model: str) -> TokenCount:
    """Returns a Claude model's approximate count from the o200k_base count of the same prompt."""
    from analytics import claude_tokens

    central, low, high, note = claude_tokens.approximate(counted.tokens, model)
    low = min(low, round(counted.low * claude_tokens.RATIOS[claude_tokens.generation(model)][1]))
    high = max(high, round(counted.high * claude_tokens.RATIOS[claude_tokens.generation(model)][2]))
    notes = (*(n for n in counted.notes if not n.startswith("request shape")), note)
    return TokenCount(model, counted.encoding, central, False, notes, low, high, counted.open_ended)


# The request counter builds on the definitions above (it imports this module), so its functions are
# re-exported lazily: either module can then be imported first.
_REQUEST_FUNCTIONS = frozenset({"count_request", "count_message_tokens", "analyse_request"})


def __getattr__(name: str) -> object:
    if name in _REQUEST_FUNCTIONS:
        from analytics import request_tokens

        return getattr(request_tokens, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ENCODING_NAMES",
    "TokenCount",
    "UnknownModelError",
    "count_message_tokens",  # noqa: F822 (lazy: __getattr__)
    "count_request",  # noqa: F822 (lazy: __getattr__)
    "count_text",
    "encoding_name_for_model",
    "get_encoding",
    "known_models",
]
