"""scripts/extract_cassette_truth.py reads KaibanJS's moscaFetch recordings (`--moscafetch`): a JSON list of
`{url, method, body, response}`, the request body and the reply stored parsed, no status and no headers. Only
files under a `--moscafetch` pathspec are read this way; every other file is read as before."""

from __future__ import annotations

import json
import subprocess
import sys

from extractor import SCRIPT, extract

BODY = {
    "model": "gpt-4o-mini",
    "temperature": 1,
    "stream": False,
    "messages": [
        {"role": "system", "content": "You are Clark Kent."},
        {"role": "user", "content": "Hi Clark Kent, please complete the following task: é"},
    ],
}
REPLY = {
    "id": "chatcmpl-AgdF09ggUZZPvrK8v717moqsqsI7h",
    "object": "chat.completion",
    "created": 1734723982,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 31, "completion_tokens": 2, "total_tokens": 33},
}
URL = "https://api.openai.com/v1/chat/completions"
PATH = "tests/e2e/examples/teams/output_schema/openai.requests.json"


def _recording(*items: dict) -> str:
    return json.dumps(list(items), indent=2, ensure_ascii=False)


def _item(body: dict = BODY, reply: object = REPLY, url: str = URL, method: str = "POST") -> dict:
    return {"url": url, "method": method, "body": body, "response": reply}


def test_reads_a_moscafetch_recording() -> None:
    text = _recording(_item(), _item(url="https://api.tavily.com/search", body={"query": "x"}, reply={}))
    rows = extract.rows_from_file(text, "kaiban-ai/KaibanJS", PATH, "abc123", "MIT", moscafetch=True)
    assert len(rows) == 1
    row = rows[0]
    assert row["request"] == BODY
    assert row["prompt_tokens"] == 31
    assert row["api"] == "chat.completions"
    assert row["family"] == "gpt-4o-mini"
    assert row["body_check"] == "no-content-length"
    assert row["recorded_at"] == "2024-12-20T19:46:22Z"  # the reply's `created`
    assert row["id"] == f"kaiban-ai/KaibanJS:{PATH}#0"
    assert not row["streamed"]


def test_exchange_order_and_replies() -> None:
    exchanges = extract._moscafetch_exchanges(_recording(_item(), _item(reply={"error": {"message": "no"}})))
    assert [exchange[1] for exchange in exchanges] == [URL, URL]
    assert json.loads(exchanges[0][4])["id"] == REPLY["id"]
    assert exchanges[0][5] == 200 and exchanges[0][3] is None
    assert exchanges[1][4] is None and exchanges[1][5] is None  # an error reply is not a 200


def test_error_and_get_replies_give_no_row() -> None:
    text = _recording(_item(reply={"error": {"message": "Incorrect API key"}}), _item(method="GET"))
    assert extract.rows_from_file(text, "r/r", PATH, "c", "MIT", moscafetch=True) == []


def test_not_read_without_the_option() -> None:
    """The same file read as an ordinary JSON recording (nock, ...) gives nothing, as before the reader."""
    text = _recording(_item())
    assert extract.rows_from_file(text, "r/r", PATH, "c", "MIT") == []
    assert extract._json_exchanges(text) == []


def test_pathspec_match() -> None:
    assert extract._under(PATH, ("tests/*.json",))
    assert not extract._under("spec/cassettes/a.json", ("tests/*.json",))
    assert not extract._under(PATH, ())


def test_command_line_with_history(git_repo) -> None:
    repo = git_repo.path
    recording = repo / PATH
    recording.parent.mkdir(parents=True)
    earlier = dict(BODY, temperature=0)
    recording.write_text(_recording(_item(body=earlier, reply=dict(REPLY, id="chatcmpl-" + "B" * 29))))
    git_repo.git("add", ".")
    git_repo.git("commit", "-q", "-m", "first")
    recording.write_text(_recording(_item()))
    git_repo.git("commit", "-q", "-am", "second")
    command = [sys.executable, str(SCRIPT), str(repo / ".git"), "r/r", "MIT", "--history"]
    plain = subprocess.run(command, capture_output=True, text=True, check=True)
    assert plain.stdout == ""  # not read without --moscafetch
    out = subprocess.run([*command, "--moscafetch", "tests"], capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [row["request"]["temperature"] for row in rows] == [1, 0]
    assert "@" in rows[1]["id"] and "--history" in rows[1]["notes"]
