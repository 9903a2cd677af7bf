"""scripts/extract_cassette_truth.py reads motleycache recordings (`--pickle`): one pickled `httpx.Response`
per `.pkl` file, read without importing or running anything the pickle names."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import types
from collections import namedtuple
from pathlib import Path

import pytest
from extractor import SCRIPT, extract

BODY = '{"messages": [{"content": "Say hi", "role": "user", "name": "user_proxy"}], "model": "gpt-4-turbo"}'
REPLY = json.dumps(
    {
        "id": "chatcmpl-9ZqJ3kTq2mN8vB4xY7cW1pL0aS6dF",
        "model": "gpt-4-turbo-2024-04-09",
        "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14},
    }
)
PATH = "tests/itest_cache/demo/api.openai.com/v1_chat_completions/0123abcd.pkl"


@pytest.fixture
def fake_httpx(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """Stand-ins for the httpx classes a motleycache pickle names (httpx itself need not be installed)."""
    httpx = types.ModuleType("httpx")
    urlparse = types.ModuleType("httpx._urlparse")
    classes = {}
    for name in ("Response", "Request", "URL", "Headers"):
        classes[name] = type(name, (), {"__module__": "httpx"})
        setattr(httpx, name, classes[name])
    parse_result = namedtuple(
        "ParseResult", "scheme userinfo host port path query fragment", module="httpx._urlparse"
    )
    urlparse.ParseResult = parse_result
    monkeypatch.setitem(sys.modules, "httpx", httpx)
    monkeypatch.setitem(sys.modules, "httpx._urlparse", urlparse)
    return types.SimpleNamespace(**classes, ParseResult=parse_result)


def _make(cls: type, **state: object) -> object:
    made = cls.__new__(cls)
    made.__dict__.update(state)
    return made


def _recording(
    fake: types.SimpleNamespace,
    body: str = BODY,
    reply: str = REPLY,
    status: int = 200,
    host: str = "api.openai.com",
    headers: list[tuple[bytes, bytes, bytes]] | None = None,
) -> bytes:
    """A motleycache recording as its cache writes it: the response, its request inside, pickled."""
    url = _make(
        fake.URL, _uri_reference=fake.ParseResult("https", "", host, None, "/v1/chat/completions", None, None)
    )
    request = _make(
        fake.Request,
        method="POST",
        url=url,
        headers=_make(fake.Headers, _list=headers or [], _encoding=None),
        _content=body.encode(),
    )
    response = _make(
        fake.Response,
        status_code=status,
        headers=_make(fake.Headers, _list=[], _encoding=None),
        _request=request,
        next_request=None,
        history=[],
        is_stream_consumed=True,
        default_encoding="utf-8",
        _content=reply.encode(),
    )
    return pickle.dumps(response, protocol=4)


def _rows(data: bytes, path: str = PATH) -> list[dict]:
    return extract.rows_from_file(data.decode("latin-1"), "owner/name", path, "0" * 40, "MIT")


def test_a_motleycache_recording_gives_a_row_with_no_content_length_to_check(
    fake_httpx: types.SimpleNamespace,
) -> None:
    [row] = _rows(_recording(fake_httpx))
    assert row["request"] == json.loads(BODY) and row["prompt_tokens"] == 12
    assert row["api"] == "chat.completions" and row["model"] == "gpt-4-turbo" and row["family"] == "gpt-4"
    assert row["body_check"] == "no-content-length" and row["recorded_at"] is None
    assert row["id"] == f"owner/name:{PATH}#0" and not row["streamed"]


def test_a_recorded_content_length_is_checked(fake_httpx: types.SimpleNamespace) -> None:
    length = len(BODY.encode())
    [row] = _rows(
        _recording(fake_httpx, headers=[(b"Content-Length", b"content-length", str(length).encode())])
    )
    assert row["body_check"] == "match-raw"
    wrong = [(b"Content-Length", b"content-length", str(length + 3).encode())]
    assert _rows(_recording(fake_httpx, headers=wrong)) == []


def test_a_failed_call_another_host_or_a_reply_without_usage_gives_no_row(
    fake_httpx: types.SimpleNamespace,
) -> None:
    assert _rows(_recording(fake_httpx, status=429)) == []
    assert _rows(_recording(fake_httpx, host="example.com")) == []
    streamed = 'data: {"id":"chatcmpl-9ZqJ3kTq2mN8vB4xY7cW1pL0aS6dF","choices":[]}\n\ndata: [DONE]\n\n'
    assert _rows(_recording(fake_httpx, reply=streamed)) == []


def test_a_pickle_is_read_without_running_what_it_names(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple:
            return (Path.touch, (marker,))

    data = pickle.dumps(Payload())
    assert extract._motleycache_exchanges(data) == []
    assert extract._motleycache_exchanges(b"not a pickle") == []
    assert not marker.exists()


def test_the_cli_reads_pickles_only_with_the_option(git_repo, fake_httpx: types.SimpleNamespace) -> None:
    root, git = git_repo.path, git_repo.git
    recording = root / PATH
    recording.parent.mkdir(parents=True)
    recording.write_bytes(_recording(fake_httpx, body=BODY.replace("Say hi", "Say hello")))
    git("add", ".")
    git("commit", "-q", "-m", "first")
    first = git("rev-parse", "HEAD")
    recording.write_bytes(_recording(fake_httpx))
    git("add", ".")
    git("commit", "-q", "-m", "second")

    def run(*options: str) -> list[dict]:
        command = [sys.executable, str(SCRIPT), str(root), "owner/name", "MIT", *options]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return [json.loads(line) for line in out.splitlines()]

    assert run("--history") == []
    [latest] = run("--pickle", "tests")
    assert latest["request"]["messages"][0]["content"] == "Say hi"
    rows = run("--pickle", "tests", "--history")
    assert sorted(row["request"]["messages"][0]["content"] for row in rows) == ["Say hello", "Say hi"]
    [earlier] = [row for row in rows if row["commit"] == first]
    assert earlier["id"] == f"owner/name:{PATH}#0@{first[:12]}"
