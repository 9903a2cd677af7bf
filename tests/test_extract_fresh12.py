# ruff: noqa: E501 -- the cassette excerpt below is kept byte for byte, its long lines too
"""scripts/extract_cassette_truth.py reads pydantic-ai's `json_body_serializer` cassettes (fresh12): a vcrpy
YAML cassette whose JSON bodies are stored parsed, under `parsed_body`, in place of `body`, request and reply.
The request is checked against the serialisations of its parsed body ("match-reserialized"), never as the
bytes sent.

The cassette below is genuine: the api.openai.com interaction of ggozad/haiku.rag (MIT),
tests/cassettes/test_qa/test_qa_openai.yaml at commit 1e9a10a23521d1658e5f2a49aa0fec026f99f3c1, lines 80-253
(its other interactions, Ollama embeddings at localhost, left out), wrapped in the file's own first and last
lines. Its row is fresh12's `...test_qa_openai.yaml#1@1e9a10a23521`."""

from __future__ import annotations

import json
import subprocess
import sys

from extractor import ROOT, SCRIPT, build_script, extract

REPO = "ggozad/haiku.rag"
PATH = "tests/cassettes/test_qa/test_qa_openai.yaml"
COMMIT = "1e9a10a23521d1658e5f2a49aa0fec026f99f3c1"
FRESH12 = ROOT / "data" / "token_truth" / "openai-token-truth-fresh12.jsonl"

INTERACTION = """- request:
    headers:
      accept:
      - application/json
      accept-encoding:
      - gzip, deflate, zstd
      connection:
      - keep-alive
      content-length:
      - '2724'
      content-type:
      - application/json
      host:
      - api.openai.com
    method: POST
    parsed_body:
      messages:
      - content: |-
          You are a knowledgeable assistant that answers questions using a document knowledge base.

          Process:
          1. Call search_documents with relevant keywords from the question
          2. Review the results and their relevance scores
          3. If needed, perform follow-up searches with different keywords (max 3 total)
          4. Provide a concise answer based strictly on the retrieved content

          The search tool returns results like:
          [chunk_abc123] (score: 0.85)
          Source: "Document Title" > Section > Subsection
          Type: paragraph
          Content:
          The actual text content here...

          [chunk_def456] (score: 0.72)
          Source: "Another Document"
          Type: table
          Content:
          | Column 1 | Column 2 |
          ...

          Each result includes:
          - chunk_id in brackets and relevance score
          - Source: document title and section hierarchy (when available)
          - Type: content type like paragraph, table, code, list_item (when available)
          - Content: the actual text

          In your response, include the chunk IDs you used in cited_chunks.

          Guidelines:
          - Base answers strictly on retrieved content - do not use external knowledge
          - Use the Source and Type metadata to understand context
          - If multiple results are relevant, synthesize them coherently
          - If information is insufficient, say: "I cannot find enough information in the knowledge base to answer this question."
          - Be concise and direct - avoid elaboration unless asked
          - Higher scores indicate more relevant results
        role: system
      - content: What innovative form of civic engagement did Bintang introduce for gathering feedback from citizens during
          Jakarta's election?
        role: user
      model: gpt-4o-mini
      stream: false
      tool_choice: required
      tools:
      - function:
          description: |-
            Search the knowledge base for relevant documents.

            Returns results with chunk IDs and relevance scores.
            Reference results by their chunk_id in cited_chunks.
          name: search_documents
          parameters:
            additionalProperties: false
            properties:
              limit:
                anyOf:
                - type: integer
                - type: 'null'
                default: null
              query:
                type: string
            required:
            - query
            type: object
        type: function
      - function:
          description: Answer to a search query with chunk references.
          name: final_result
          parameters:
            additionalProperties: false
            properties:
              answer:
                description: The answer to the question
                type: string
              cited_chunks:
                description: IDs of chunks used to form the answer
                items:
                  type: string
                type: array
              confidence:
                default: 1.0
                description: Confidence score for this answer (0-1)
                maximum: 1.0
                minimum: 0.0
                type: number
              query:
                description: The question that was answered
                type: string
            required:
            - query
            - answer
            type: object
        type: function
    uri: https://api.openai.com/v1/chat/completions
  response:
    headers:
      access-control-expose-headers:
      - X-Request-ID
      alt-svc:
      - h3=":443"; ma=86400
      connection:
      - keep-alive
      content-length:
      - '1148'
      content-type:
      - application/json
      openai-organization:
      - enfold-systems
      openai-processing-ms:
      - '2407'
      openai-project:
      - proj_XYweeUJpJHbbRSNsezto5Wfh
      openai-version:
      - '2020-10-01'
      strict-transport-security:
      - max-age=31536000; includeSubDomains; preload
      transfer-encoding:
      - chunked
    parsed_body:
      choices:
      - finish_reason: tool_calls
        index: 0
        logprobs: null
        message:
          annotations: []
          content: null
          refusal: null
          role: assistant
          tool_calls:
          - function:
              arguments: '{"query":"Bintang innovative civic engagement Jakarta election feedback"}'
              name: search_documents
            id: call_F7yfYm4HcUw09BxRamS6lfsv
            type: function
      created: 1767000342
      id: chatcmpl-Cs3nShhB45rtsYwfTLbs4yuHJ7NT3
      model: gpt-4o-mini-2024-07-18
      object: chat.completion
      service_tier: default
      system_fingerprint: fp_29330a9688
      usage:
        completion_tokens: 21
        completion_tokens_details:
          accepted_prediction_tokens: 0
          audio_tokens: 0
          reasoning_tokens: 0
          rejected_prediction_tokens: 0
        prompt_tokens: 485
        prompt_tokens_details:
          audio_tokens: 0
          cached_tokens: 0
        total_tokens: 506
    status:
      code: 200
      message: OK
"""
CASSETTE = "interactions:\n" + INTERACTION + "version: 1\n"


def _rows(text: str = CASSETTE) -> list[dict]:
    return extract.rows_from_file(text, REPO, PATH, COMMIT, "MIT")


def test_the_genuine_interaction_gives_its_recorded_prompt_tokens() -> None:
    rows = _rows()
    assert len(rows) == 1
    row = rows[0]
    assert row["prompt_tokens"] == 485
    assert row["cached_tokens"] == 0
    assert (
        row["body_check"] == "match-reserialized"
    )  # Content-Length 2724 = the compact JSON of the parsed body
    assert row["api"] == "chat.completions"
    assert row["model"] == "gpt-4o-mini" and row["family"] == "gpt-4o-mini"
    assert row["features"] == ["tools"]
    assert not row["streamed"]
    assert row["recorded_at"] is None  # the serializer keeps no date header
    assert row["id"] == f"{REPO}:{PATH}#0"


def test_the_request_is_the_parsed_body() -> None:
    request = _rows()[0]["request"]
    assert request["tool_choice"] == "required"
    assert [tool["function"]["name"] for tool in request["tools"]] == ["search_documents", "final_result"]
    assert [message["role"] for message in request["messages"]] == ["system", "user"]
    assert request["stream"] is False
    compact = json.dumps(request, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert len(compact) == 2724


def test_the_reply_is_read_from_its_parsed_body() -> None:
    (exchange,) = extract._yaml_exchanges(CASSETTE)
    method, uri, body, length, reply, status, _stamp = exchange
    assert (method, uri, length, status) == ("POST", "https://api.openai.com/v1/chat/completions", 2724, 200)
    assert len(body.encode("utf-8")) != length  # given back indented: never "match-raw"
    assert json.loads(reply)["id"] == "chatcmpl-Cs3nShhB45rtsYwfTLbs4yuHJ7NT3"  # generated by the API
    assert json.loads(reply)["usage"]["prompt_tokens"] == 485


def test_a_content_length_that_fits_no_serialisation_drops_the_row() -> None:
    assert _rows(CASSETTE.replace("- '2724'", "- '2725'")) == []


def test_no_content_length_is_no_content_length() -> None:
    text = CASSETTE.replace("      content-length:\n      - '2724'\n", "")
    assert "'2724'" not in text
    (row,) = _rows(text)
    assert row["body_check"] == "no-content-length"
    assert row["prompt_tokens"] == 485


def test_command_line_with_history(git_repo) -> None:
    """Two versions of the cassette, as in haiku.rag's history: both are read with `--history`."""
    repo = git_repo.path
    cassette = repo / PATH
    cassette.parent.mkdir(parents=True)
    earlier = CASSETTE.replace("Cs3nShhB45rtsYwfTLbs4yuHJ7NT3", "Cs3nShhB45rtsYwfTLbs4yuHJ7NT4")
    earlier = earlier.replace("prompt_tokens: 485", "prompt_tokens: 484").replace(
        "gpt-4o-mini\n", "gpt-4o\n", 1
    )
    earlier = earlier.replace("- '2724'", "- '2719'")  # the body is 5 bytes shorter: its length as sent
    cassette.write_text(earlier)
    git_repo.git("add", ".")
    git_repo.git("commit", "-q", "-m", "first")
    cassette.write_text(CASSETTE)
    git_repo.git("commit", "-q", "-am", "second")
    command = [sys.executable, str(SCRIPT), str(repo / ".git"), REPO, "MIT", "--history"]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(row["model"], row["prompt_tokens"]) for row in rows] == [("gpt-4o-mini", 485), ("gpt-4o", 484)]
    assert {row["body_check"] for row in rows} == {"match-reserialized"}
    assert "@" in rows[1]["id"] and "--history" in rows[1]["notes"]


def test_the_build_lists_every_earlier_set() -> None:
    build_fresh12 = build_script("build_fresh12")
    names = [path.name for path in build_fresh12.EARLIER]
    for n in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"):
        assert f"openai-token-truth-fresh{n}.jsonl" in names
    assert [source[0] for source in build_fresh12.SOURCES] == [REPO]


def test_the_built_file_holds_the_genuine_row() -> None:
    rows = [json.loads(line) for line in FRESH12.open()]
    assert len(rows) == 7
    assert {row["source_repo"] for row in rows} == {REPO}
    assert {row["body_check"] for row in rows} == {"match-reserialized"}
    (row,) = [row for row in rows if row["id"] == f"{REPO}:{PATH}#1@{COMMIT[:12]}"]
    assert row["prompt_tokens"] == 485
    assert row["request"] == _rows()[0]["request"]
