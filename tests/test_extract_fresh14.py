# ruff: noqa: E501 -- the ReqLLM fixtures below keep their base64 strings whole, their long lines too
"""scripts/extract_cassette_truth.py reads ReqLLM fixtures (fresh14): a JSON file under a `--json` pathspec
holding `{request: {method, url, headers, body: {b64}, canonical_json}, response: {status, headers, body},
chunks?}`, as agentjido/req_llm's fixture recorder writes one per exchange. The request body is the base64
`b64` decoded (the bytes sent; the parsed `canonical_json` copy is not read), with no length
("no-content-length"); a streamed reply is the top-level `chunks`, base64 each, joined into the SSE text.

The two fixtures below are genuine: neilberkman/req_llm (Apache-2.0; a fork carrying agentjido/req_llm's
history), at upstream commit 487ea4f3bd219ab6c25526ee645fa8cad05d5631, both last written by upstream's 5145075
(2025-11-02): test/support/fixtures/openai/gpt_4o_mini/multi_tool.json (blob 10cf29d9, 6,621 bytes) and
test/support/fixtures/openai/codex_mini_latest/streaming.json (blob 50d10af1, 6,590 bytes). Each is an excerpt:
re-indented, its response headers cut to `content-type` and `date`; every other key, value and base64 string is
unchanged. Their rows are fresh14's `...gpt_4o_mini/multi_tool.json#0` and `...codex_mini_latest/streaming.json#0`."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

from extractor import ROOT, SCRIPT, build_script, extract

REPO = "neilberkman/req_llm"
COMMIT = "487ea4f3bd219ab6c25526ee645fa8cad05d5631"
CHAT_PATH = "test/support/fixtures/openai/gpt_4o_mini/multi_tool.json"
STREAM_PATH = "test/support/fixtures/openai/codex_mini_latest/streaming.json"
FRESH14 = ROOT / "data" / "token_truth" / "openai-token-truth-fresh14.jsonl"

CHAT = r"""{
  "request": {
    "body": {
      "b64": "eyJtYXhfdG9rZW5zIjoxNjM4LCJtZXNzYWdlcyI6W3siY29udGVudCI6IldoYXQncyB0aGUgd2VhdGhlciBsaWtlIGluIFBhcmlzLCBGcmFuY2U/Iiwicm9sZSI6InVzZXIifV0sIm1vZGVsIjoiZ3B0LTRvLW1pbmkiLCJzZWVkIjo0Miwic3RyZWFtIjpmYWxzZSwidGVtcGVyYXR1cmUiOjAuMCwidG9vbHMiOlt7ImZ1bmN0aW9uIjp7ImRlc2NyaXB0aW9uIjoiR2V0IGN1cnJlbnQgd2VhdGhlciBpbmZvcm1hdGlvbiBmb3IgYSBsb2NhdGlvbiIsIm5hbWUiOiJnZXRfd2VhdGhlciIsInBhcmFtZXRlcnMiOnsiYWRkaXRpb25hbFByb3BlcnRpZXMiOmZhbHNlLCJwcm9wZXJ0aWVzIjp7ImxvY2F0aW9uIjp7InR5cGUiOiJzdHJpbmcifSwidW5pdCI6eyJlbnVtIjpbImNlbHNpdXMiLCJmYWhyZW5oZWl0Il0sInR5cGUiOiJzdHJpbmcifX0sInJlcXVpcmVkIjpbImxvY2F0aW9uIl0sInR5cGUiOiJvYmplY3QifX0sInR5cGUiOiJmdW5jdGlvbiJ9LHsiZnVuY3Rpb24iOnsiZGVzY3JpcHRpb24iOiJUZWxsIGEgZnVubnkgam9rZSIsIm5hbWUiOiJ0ZWxsX2pva2UiLCJwYXJhbWV0ZXJzIjp7ImFkZGl0aW9uYWxQcm9wZXJ0aWVzIjpmYWxzZSwicHJvcGVydGllcyI6eyJ0b3BpYyI6eyJkZXNjcmlwdGlvbiI6IlRvcGljIGZvciB0aGUgam9rZSIsInR5cGUiOiJzdHJpbmcifX0sInR5cGUiOiJvYmplY3QifX0sInR5cGUiOiJmdW5jdGlvbiJ9LHsiZnVuY3Rpb24iOnsiZGVzY3JpcHRpb24iOiJHZXQgdGhlIGN1cnJlbnQgdGltZSIsIm5hbWUiOiJnZXRfdGltZSIsInBhcmFtZXRlcnMiOnsicHJvcGVydGllcyI6e30sInR5cGUiOiJvYmplY3QifX0sInR5cGUiOiJmdW5jdGlvbiJ9XX0="
    },
    "canonical_json": {
      "max_tokens": 1638,
      "messages": [
        {
          "content": "What's the weather like in Paris, France?",
          "role": "user"
        }
      ],
      "model": "gpt-4o-mini",
      "seed": 42,
      "stream": false,
      "temperature": 0.0,
      "tools": [
        {
          "function": {
            "description": "Get current weather information for a location",
            "name": "get_weather",
            "parameters": {
              "additionalProperties": false,
              "properties": {
                "location": {
                  "type": "string"
                },
                "unit": {
                  "enum": [
                    "celsius",
                    "fahrenheit"
                  ],
                  "type": "string"
                }
              },
              "required": [
                "location"
              ],
              "type": "object"
            }
          },
          "type": "function"
        },
        {
          "function": {
            "description": "Tell a funny joke",
            "name": "tell_joke",
            "parameters": {
              "additionalProperties": false,
              "properties": {
                "topic": {
                  "description": "Topic for the joke",
                  "type": "string"
                }
              },
              "type": "object"
            }
          },
          "type": "function"
        },
        {
          "function": {
            "description": "Get the current time",
            "name": "get_time",
            "parameters": {
              "properties": {},
              "type": "object"
            }
          },
          "type": "function"
        }
      ]
    },
    "headers": {
      "accept-encoding": [
        "gzip"
      ],
      "authorization": "[REDACTED:authorization]",
      "content-type": [
        "application/json"
      ],
      "user-agent": [
        "req/0.5.15"
      ]
    },
    "method": "post",
    "url": "https://api.openai.com/v1/chat/completions"
  },
  "response": {
    "body": {
      "choices": [
        {
          "finish_reason": "tool_calls",
          "index": 0,
          "logprobs": null,
          "message": {
            "annotations": [],
            "content": null,
            "refusal": null,
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{\"location\":\"Paris, France\"}",
                  "name": "get_weather"
                },
                "id": "call_EvtUKfNAQ0pQG6RKEUktKY78",
                "type": "function"
              }
            ]
          }
        }
      ],
      "created": 1762105819,
      "id": "chatcmpl-CXWVXk5YfnNxvPcfqwKoYpXyaeun6",
      "model": "gpt-4o-mini-2024-07-18",
      "object": "chat.completion",
      "service_tier": "default",
      "system_fingerprint": "fp_51db84afab",
      "usage": {
        "completion_tokens": 16,
        "completion_tokens_details": {
          "accepted_prediction_tokens": 0,
          "audio_tokens": 0,
          "reasoning_tokens": 0,
          "rejected_prediction_tokens": 0
        },
        "prompt_tokens": 105,
        "prompt_tokens_details": {
          "audio_tokens": 0,
          "cached_tokens": 0
        },
        "total_tokens": 121
      }
    },
    "headers": {
      "content-type": [
        "application/json"
      ],
      "date": [
        "Sun, 02 Nov 2025 17:50:19 GMT"
      ]
    },
    "status": 200
  }
}"""

STREAM = r"""{
  "captured_at": "2025-11-02T17:50:17.251394Z",
  "chunks": [
    {
      "b64": "ZXZlbnQ6IHJlc3BvbnNlLmNyZWF0ZWQKZGF0YTogeyJ0eXBlIjoicmVzcG9uc2UuY3JlYXRlZCIsInNlcXVlbmNlX251bWJlciI6MCwicmVzcG9uc2UiOnsiaWQiOiJyZXNwXzBmZjY4YjNjMTcwYmNhNmUwMDY5MDc5OWQ4MGMwYzgxOTBiNWQ2NTI3YjY2NGE4MThiIiwib2JqZWN0IjoicmVzcG9uc2UiLCJjcmVhdGVkX2F0IjoxNzYyMTA1ODE2LCJzdGF0dXMiOiJpbl9wcm9ncmVzcyIsImJhY2tncm91bmQiOmZhbHNlLCJlcnJvciI6bnVsbCwiaW5jb21wbGV0ZV9kZXRhaWxzIjpudWxsLCJpbnN0cnVjdGlvbnMiOm51bGwsIm1heF9vdXRwdXRfdG9rZW5zIjoxMDAsIm1heF90b29sX2NhbGxzIjpudWxsLCJtb2RlbCI6ImNvZGV4LW1pbmktbGF0ZXN0Iiwib3V0cHV0IjpbXSwicGFyYWxsZWxfdG9vbF9jYWxscyI6dHJ1ZSwicHJldmlvdXNfcmVzcG9uc2VfaWQiOm51bGwsInByb21wdF9jYWNoZV9rZXkiOm51bGwsInByb21wdF9jYWNoZV9yZXRlbnRpb24iOm51bGwsInJlYXNvbmluZyI6eyJlZmZvcnQiOiJtZWRpdW0iLCJzdW1tYXJ5IjpudWxsfSwic2FmZXR5X2lkZW50aWZpZXIiOm51bGwsInNlcnZpY2VfdGllciI6ImF1dG8iLCJzdG9yZSI6dHJ1ZSwidGVtcGVyYXR1cmUiOjEuMCwidGV4dCI6eyJmb3JtYXQiOnsidHlwZSI6InRleHQifSwidmVyYm9zaXR5IjoibWVkaXVtIn0sInRvb2xfY2hvaWNlIjoiYXV0byIsInRvb2xzIjpbXSwidG9wX2xvZ3Byb2JzIjowLCJ0b3BfcCI6MS4wLCJ0cnVuY2F0aW9uIjoiZGlzYWJsZWQiLCJ1c2FnZSI6bnVsbCwidXNlciI6bnVsbCwibWV0YWRhdGEiOnt9fX0KCg=="
    },
    {
      "b64": "ZXZlbnQ6IHJlc3BvbnNlLmluX3Byb2dyZXNzCmRhdGE6IHsidHlwZSI6InJlc3BvbnNlLmluX3Byb2dyZXNzIiwic2VxdWVuY2VfbnVtYmVyIjoxLCJyZXNwb25zZSI6eyJpZCI6InJlc3BfMGZmNjhiM2MxNzBiY2E2ZTAwNjkwNzk5ZDgwYzBjODE5MGI1ZDY1MjdiNjY0YTgxOGIiLCJvYmplY3QiOiJyZXNwb25zZSIsImNyZWF0ZWRfYXQiOjE3NjIxMDU4MTYsInN0YXR1cyI6ImluX3Byb2dyZXNzIiwiYmFja2dyb3VuZCI6ZmFsc2UsImVycm9yIjpudWxsLCJpbmNvbXBsZXRlX2RldGFpbHMiOm51bGwsImluc3RydWN0aW9ucyI6bnVsbCwibWF4X291dHB1dF90b2tlbnMiOjEwMCwibWF4X3Rvb2xfY2FsbHMiOm51bGwsIm1vZGVsIjoiY29kZXgtbWluaS1sYXRlc3QiLCJvdXRwdXQiOltdLCJwYXJhbGxlbF90b29sX2NhbGxzIjp0cnVlLCJwcmV2aW91c19yZXNwb25zZV9pZCI6bnVsbCwicHJvbXB0X2NhY2hlX2tleSI6bnVsbCwicHJvbXB0X2NhY2hlX3JldGVudGlvbiI6bnVsbCwicmVhc29uaW5nIjp7ImVmZm9ydCI6Im1lZGl1bSIsInN1bW1hcnkiOm51bGx9LCJzYWZldHlfaWRlbnRpZmllciI6bnVsbCwic2VydmljZV90aWVyIjoiYXV0byIsInN0b3JlIjp0cnVlLCJ0ZW1wZXJhdHVyZSI6MS4wLCJ0ZXh0Ijp7ImZvcm1hdCI6eyJ0eXBlIjoidGV4dCJ9LCJ2ZXJib3NpdHkiOiJtZWRpdW0ifSwidG9vbF9jaG9pY2UiOiJhdXRvIiwidG9vbHMiOltdLCJ0b3BfbG9ncHJvYnMiOjAsInRvcF9wIjoxLjAsInRydW5jYXRpb24iOiJkaXNhYmxlZCIsInVzYWdlIjpudWxsLCJ1c2VyIjpudWxsLCJtZXRhZGF0YSI6e319fQoK"
    },
    {
      "b64": "ZXZlbnQ6IHJlc3BvbnNlLm91dHB1dF9pdGVtLmFkZGVkCmRhdGE6IHsidHlwZSI6InJlc3BvbnNlLm91dHB1dF9pdGVtLmFkZGVkIiwic2VxdWVuY2VfbnVtYmVyIjoyLCJvdXRwdXRfaW5kZXgiOjAsIml0ZW0iOnsiaWQiOiJyc18wZmY2OGIzYzE3MGJjYTZlMDA2OTA3OTlkODg4NTA4MTkwOTRlZGU5NmYxN2VjNzYwOCIsInR5cGUiOiJyZWFzb25pbmciLCJzdW1tYXJ5IjpbXX19Cgo="
    },
    {
      "b64": "ZXZlbnQ6IHJlc3BvbnNlLm91dHB1dF9pdGVtLmRvbmUKZGF0YTogeyJ0eXBlIjoicmVzcG9uc2Uub3V0cHV0X2l0ZW0uZG9uZSIsInNlcXVlbmNlX251bWJlciI6Mywib3V0cHV0X2luZGV4IjowLCJpdGVtIjp7ImlkIjoicnNfMGZmNjhiM2MxNzBiY2E2ZTAwNjkwNzk5ZDg4ODUwODE5MDk0ZWRlOTZmMTdlYzc2MDgiLCJ0eXBlIjoicmVhc29uaW5nIiwic3VtbWFyeSI6W119fQoK"
    },
    {
      "b64": "ZXZlbnQ6IHJlc3BvbnNlLmluY29tcGxldGUKZGF0YTogeyJ0eXBlIjoicmVzcG9uc2UuaW5jb21wbGV0ZSIsInNlcXVlbmNlX251bWJlciI6NCwicmVzcG9uc2UiOnsiaWQiOiJyZXNwXzBmZjY4YjNjMTcwYmNhNmUwMDY5MDc5OWQ4MGMwYzgxOTBiNWQ2NTI3YjY2NGE4MThiIiwib2JqZWN0IjoicmVzcG9uc2UiLCJjcmVhdGVkX2F0IjoxNzYyMTA1ODE2LCJzdGF0dXMiOiJpbmNvbXBsZXRlIiwiYmFja2dyb3VuZCI6ZmFsc2UsImVycm9yIjpudWxsLCJpbmNvbXBsZXRlX2RldGFpbHMiOnsicmVhc29uIjoibWF4X291dHB1dF90b2tlbnMifSwiaW5zdHJ1Y3Rpb25zIjpudWxsLCJtYXhfb3V0cHV0X3Rva2VucyI6MTAwLCJtYXhfdG9vbF9jYWxscyI6bnVsbCwibW9kZWwiOiJjb2RleC1taW5pLWxhdGVzdCIsIm91dHB1dCI6W3siaWQiOiJyc18wZmY2OGIzYzE3MGJjYTZlMDA2OTA3OTlkODg4NTA4MTkwOTRlZGU5NmYxN2VjNzYwOCIsInR5cGUiOiJyZWFzb25pbmciLCJzdW1tYXJ5IjpbXX1dLCJwYXJhbGxlbF90b29sX2NhbGxzIjp0cnVlLCJwcmV2aW91c19yZXNwb25zZV9pZCI6bnVsbCwicHJvbXB0X2NhY2hlX2tleSI6bnVsbCwicHJvbXB0X2NhY2hlX3JldGVudGlvbiI6bnVsbCwicmVhc29uaW5nIjp7ImVmZm9ydCI6Im1lZGl1bSIsInN1bW1hcnkiOm51bGx9LCJzYWZldHlfaWRlbnRpZmllciI6bnVsbCwic2VydmljZV90aWVyIjoiZGVmYXVsdCIsInN0b3JlIjp0cnVlLCJ0ZW1wZXJhdHVyZSI6MS4wLCJ0ZXh0Ijp7ImZvcm1hdCI6eyJ0eXBlIjoidGV4dCJ9LCJ2ZXJib3NpdHkiOiJtZWRpdW0ifSwidG9vbF9jaG9pY2UiOiJhdXRvIiwidG9vbHMiOltdLCJ0b3BfbG9ncHJvYnMiOjAsInRvcF9wIjoxLjAsInRydW5jYXRpb24iOiJkaXNhYmxlZCIsInVzYWdlIjp7ImlucHV0X3Rva2VucyI6MjcsImlucHV0X3Rva2Vuc19kZXRhaWxzIjp7ImNhY2hlZF90b2tlbnMiOjB9LCJvdXRwdXRfdG9rZW5zIjo2NCwib3V0cHV0X3Rva2Vuc19kZXRhaWxzIjp7InJlYXNvbmluZ190b2tlbnMiOjY0fSwidG90YWxfdG9rZW5zIjo5MX0sInVzZXIiOm51bGwsIm1ldGFkYXRhIjp7fX19Cgo="
    }
  ],
  "request": {
    "body": {
      "b64": "eyJpbnB1dCI6W3siY29udGVudCI6W3sidGV4dCI6IllvdSBhcmUgYSBoZWxwZnVsLCBjcmVhdGl2ZSBhc3Npc3RhbnQuIiwidHlwZSI6ImlucHV0X3RleHQifV0sInJvbGUiOiJzeXN0ZW0ifSx7ImNvbnRlbnQiOlt7InRleHQiOiJTYXkgaGVsbG8gaW4gb25lIHNob3J0LCBpbWFnaW5hdGl2ZSBzZW50ZW5jZS4iLCJ0eXBlIjoiaW5wdXRfdGV4dCJ9XSwicm9sZSI6InVzZXIifV0sIm1heF9vdXRwdXRfdG9rZW5zIjoxMDAsIm1vZGVsIjoiY29kZXgtbWluaS1sYXRlc3QiLCJzdHJlYW0iOnRydWV9"
    },
    "canonical_json": {
      "input": [
        {
          "content": [
            {
              "text": "You are a helpful, creative assistant.",
              "type": "input_text"
            }
          ],
          "role": "system"
        },
        {
          "content": [
            {
              "text": "Say hello in one short, imaginative sentence.",
              "type": "input_text"
            }
          ],
          "role": "user"
        }
      ],
      "max_output_tokens": 100,
      "model": "codex-mini-latest",
      "stream": true
    },
    "headers": {
      "accept": "text/event-stream",
      "authorization": "[REDACTED:authorization]",
      "content-type": "application/json"
    },
    "method": "POST",
    "url": "https://api.openai.com/v1/responses"
  },
  "response": {
    "body": null,
    "headers": {
      "content-type": "text/event-stream; charset=utf-8",
      "date": "Sun, 02 Nov 2025 17:50:16 GMT"
    },
    "status": 200
  }
}"""


def _rows(text: str, path: str = CHAT_PATH) -> list[dict]:
    return extract.rows_from_file(text, REPO, path, COMMIT, "Apache-2.0")


def test_the_genuine_chat_fixture_gives_its_recorded_prompt_tokens() -> None:
    (row,) = _rows(CHAT)
    assert row["prompt_tokens"] == 105
    assert row["cached_tokens"] == 0
    assert row["usage"]["completion_tokens"] == 16
    assert row["api"] == "chat.completions"
    assert row["model"] == "gpt-4o-mini" and row["family"] == "gpt-4o-mini"
    assert row["features"] == ["tools"]
    assert row["body_check"] == "no-content-length"  # ReqLLM keeps no request length
    assert not row["streamed"]
    assert row["recorded_at"] == "2025-11-02T17:50:19Z"  # the reply's Date header
    assert row["id"] == f"{REPO}:{CHAT_PATH}#0"


def test_the_request_is_the_b64_body_as_sent() -> None:
    (row,) = _rows(CHAT)
    request = row["request"]
    assert request["messages"] == [{"content": "What's the weather like in Paris, France?", "role": "user"}]
    assert [tool["function"]["name"] for tool in request["tools"]] == ["get_weather", "tell_joke", "get_time"]
    assert request["seed"] == 42 and request["max_tokens"] == 1638
    sent = base64.b64decode(json.loads(CHAT)["request"]["body"]["b64"]).decode()
    assert json.dumps(request, separators=(",", ":"), ensure_ascii=False) == sent  # key order as sent
    assert request == json.loads(CHAT)["request"]["canonical_json"]  # the parsed copy agrees here


def test_the_b64_body_wins_over_canonical_json() -> None:
    fixture = json.loads(CHAT)
    fixture["request"]["canonical_json"]["messages"][0]["content"] = "edited"
    (row,) = _rows(json.dumps(fixture))
    assert row["request"]["messages"][0]["content"] == "What's the weather like in Paris, France?"


def test_the_chat_exchange() -> None:
    (exchange,) = extract._json_exchanges(CHAT)
    method, uri, body, length, reply, status, _stamp = exchange
    assert (method, uri, length, status) == ("post", "https://api.openai.com/v1/chat/completions", None, 200)
    assert json.loads(reply)["id"] == "chatcmpl-CXWVXk5YfnNxvPcfqwKoYpXyaeun6"  # generated by the API
    assert body.startswith('{"max_tokens":1638,"messages":[')


def test_the_streamed_fixture_is_read_from_its_chunks() -> None:
    (row,) = _rows(STREAM, STREAM_PATH)
    assert row["api"] == "responses"
    assert row["model"] == "codex-mini-latest" and row["family"] == "other"
    assert row["streamed"]
    assert row["prompt_tokens"] == 27  # from the response.incomplete event (max_output_tokens reached)
    assert row["usage"]["output_tokens_details"]["reasoning_tokens"] == 64
    assert row["request"]["input"][0]["role"] == "system"
    assert row["request"]["stream"] is True
    assert row["recorded_at"] == "2025-11-02T17:50:16Z"
    (exchange,) = extract._json_exchanges(STREAM)
    reply = exchange[4]
    assert reply.startswith("event: response.created\ndata: ")
    assert reply.count("event: ") == 5  # one per chunk
    assert "resp_0ff68b3c170bca6e00690799d80c0c8190b5d6527b664a818b" in reply


def test_a_broken_chunk_gives_no_row() -> None:
    fixture = json.loads(STREAM)
    fixture["chunks"][-1]["b64"] = "not base64!"
    assert _rows(json.dumps(fixture), STREAM_PATH) == []


def test_a_non_200_fixture_gives_no_row() -> None:
    fixture = json.loads(CHAT)
    fixture["response"]["status"] = 429
    assert _rows(json.dumps(fixture)) == []


def test_another_host_gives_no_row() -> None:
    text = CHAT.replace(
        "https://api.openai.com/v1/chat/completions", "https://openrouter.ai/api/v1/chat/completions"
    )
    assert _rows(text) == []


def test_command_line_reads_fixtures_under_a_json_pathspec(git_repo) -> None:
    repo = git_repo.path
    for path, text in ((CHAT_PATH, CHAT), (STREAM_PATH, STREAM)):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git_repo.git("add", ".")
    git_repo.git("commit", "-q", "-m", "add fixtures")
    base = [sys.executable, str(SCRIPT), str(repo / ".git"), REPO, "Apache-2.0", "--history"]
    without = subprocess.run(base, capture_output=True, text=True, check=True)
    assert without.stdout == ""  # a JSON recording is read only under a `--json` pathspec
    out = subprocess.run(
        [*base, "--json", "test/support/fixtures/openai"], capture_output=True, text=True, check=True
    )
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert sorted((row["model"], row["prompt_tokens"]) for row in rows) == [
        ("codex-mini-latest", 27),
        ("gpt-4o-mini", 105),
    ]


def test_the_build_lists_every_earlier_set() -> None:
    build_fresh14 = build_script("build_fresh14")
    names = [path.name for path in build_fresh14.EARLIER]
    for n in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"):
        assert f"openai-token-truth-fresh{n}.jsonl" in names
    assert [source[0] for source in build_fresh14.SOURCES] == [REPO]
    assert build_fresh14.SOURCES[0][1] == COMMIT
    assert build_fresh14.SOURCES[0][3] == ("test/support/fixtures/openai",)


def test_the_built_file_holds_the_genuine_rows() -> None:
    rows = [json.loads(line) for line in FRESH14.open()]
    assert len(rows) == 275
    assert {row["source_repo"] for row in rows} == {REPO}
    assert {row["body_check"] for row in rows} == {"no-content-length"}
    assert {row["api"] for row in rows} == {"chat.completions", "responses"}
    by_id = {row["id"]: row for row in rows}
    chat = by_id[f"{REPO}:{CHAT_PATH}#0"]
    assert chat["prompt_tokens"] == 105 and chat["request"] == _rows(CHAT)[0]["request"]
    stream = by_id[f"{REPO}:{STREAM_PATH}#0"]
    assert stream["prompt_tokens"] == 27 and stream["request"] == _rows(STREAM, STREAM_PATH)[0]["request"]
    assert not any(row["request"].get("previous_response_id") for row in rows)
