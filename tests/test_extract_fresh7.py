"""scripts/extract_cassette_truth.py reads zen-mcp-server's HTTP transport recordings (`--zen-json`): the
request body stored parsed beside the Content-Length it was sent with, the reply base64; only files under the
option's pathspecs are read this way."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

from extractor import SCRIPT, extract

BODY = {
    "messages": [
        {"content": "Réponds en un mot.", "role": "system"},
        {"content": "Quelle couleur a le ciel ?", "role": "user"},
    ],
    "model": "gpt-5",
    "stream": False,
}
REPLY = {
    "id": "chatcmpl-Zq4Lw8Xn2Vb6Tc1Rm9Ks3Yd7Hf5Ja",
    "model": "gpt-5-2025-08-07",
    "usage": {"prompt_tokens": 27, "completion_tokens": 9, "total_tokens": 36},
}
PATH = "tests/openai_cassettes/chat_colour.json"


def recording(body: dict = BODY, length: int | None = None, status: int = 200) -> str:
    """A transport recording of one exchange, the request's Content-Length that of its compact UTF-8 JSON."""
    sent = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    reply = json.dumps(REPLY, indent=2).encode("utf-8")
    return json.dumps(
        {
            "interactions": [
                {
                    "request": {
                        "content": body,
                        "headers": {
                            "content-length": str(len(sent) if length is None else length),
                            "content-type": "application/json",
                            "host": "api.openai.com",
                        },
                        "method": "POST",
                        "path": "/v1/chat/completions",
                        "url": "https://api.openai.com/v1/chat/completions",
                    },
                    "response": {
                        "content": {
                            "data": base64.b64encode(reply).decode(),
                            "encoding": "base64",
                            "size": len(reply),
                        },
                        "headers": {
                            "content-type": "application/json",
                            "date": "Sat, 04 Oct 2025 06:24:03 GMT",
                        },
                        "reason_phrase": "OK",
                        "status_code": status,
                    },
                }
            ]
        },
        indent=2,
    )


def test_a_transport_recording_gives_a_reserialized_row() -> None:
    rows = extract.rows_from_file(recording(), "o/r", PATH, "c0ffee", "Apache-2.0", zen=True)
    assert len(rows) == 1
    row = rows[0]
    assert row["request"] == BODY
    assert list(row["request"]) == list(BODY)  # the stored key order is kept
    assert row["api"] == "chat.completions"
    assert row["prompt_tokens"] == 27
    assert row["body_check"] == "match-reserialized"  # stored parsed: never "match-raw"
    assert row["recorded_at"] == "2025-10-04T06:24:03Z"
    assert row["streamed"] is False


def test_without_the_option_the_file_is_read_as_before() -> None:
    text = recording()
    assert extract.rows_from_file(text, "o/r", PATH, "c0ffee", "Apache-2.0") == []
    assert extract._json_exchanges(text) == extract._yaml_exchanges(text)  # a vcrpy JSON cassette, no body


def test_a_content_length_matching_no_serialisation_drops_the_row() -> None:
    text = recording(length=len(json.dumps(BODY)) + 3)
    assert extract.rows_from_file(text, "o/r", PATH, "c0ffee", "Apache-2.0", zen=True) == []


def test_a_failed_call_or_an_undecodable_reply_gives_no_row() -> None:
    assert extract.rows_from_file(recording(status=429), "o/r", PATH, "c", "MIT", zen=True) == []
    broken = json.loads(recording())
    broken["interactions"][0]["response"]["content"]["data"] = "not base64 at all!"
    assert extract.rows_from_file(json.dumps(broken), "o/r", PATH, "c", "MIT", zen=True) == []
    assert extract._zen_exchanges("[1, 2]") == []
    assert extract._zen_exchanges("not json") == []


def test_the_cli_reads_transport_recordings_only_under_the_option(git_repo) -> None:
    root, git = git_repo.path, git_repo.git
    (root / "LICENSE").write_text("MIT\n")
    (root / PATH).parent.mkdir(parents=True)
    (root / PATH).write_text(recording())
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "other.json").write_text(recording({**BODY, "model": "gpt-5-mini"}))
    git("add", ".")
    git("commit", "-q", "-m", "first")
    first = git("rev-parse", "HEAD")
    (root / PATH).write_text(recording({**BODY, "stream": True}))
    git("add", ".")
    git("commit", "-q", "-m", "second")

    def run(*options: str) -> list[dict]:
        command = [sys.executable, str(SCRIPT), str(root), "o/r", "MIT", "--history", *options]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return [json.loads(line) for line in out.splitlines()]

    assert run() == []
    assert run("--json", "elsewhere") == []  # read as a vcrpy JSON cassette, as before: no body, no row
    rows = run("--zen-json", "tests/openai_cassettes")
    assert [row["request"].get("stream") for row in rows] == [True, False]
    assert rows[1]["commit"] == first and rows[1]["id"].endswith(f"@{first[:12]}")
    assert {row["source_path"] for row in rows} == {PATH}
