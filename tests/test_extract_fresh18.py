# ruff: noqa: E501 -- the genuine cache lines below are one long JSON object each
"""scripts/extract_cassette_truth.py reads TensorZero ModelInferenceCache exports (fresh18): a `.jsonl` file given
to `--json`, one `{short_cache_key, long_cache_key, timestamp, output, raw_request, raw_response, ...}` object a
line, the provider request body kept as the string the gateway sent. A line names no host: it is read as
api.openai.com's Chat Completions only when the request names an OpenAI model and the reply is a
`chat.completion` with an API-generated id; an Anthropic line gives no exchange, nor does a request whose inline
image the cache replaced by a placeholder (`<TENSORZERO_FILE_0>`).

The three lines below are genuine and unchanged: tensorzero/tensorzero (Apache-2.0),
ui/fixtures/model_inference_cache_e2e.jsonl as written by commit 640172a1b82046f9505fb046c06fe6783f13d5b8
(2025-12-10, blob 5cd49a6c), its lines 14 (gpt-4o-mini, "Tell me a fun fact."), 44 (gpt-4o-mini with an image
replaced by a placeholder) and 75 (claude-3-5-haiku). The first is fresh18's
`...model_inference_cache_e2e.jsonl#9@640172a1b820`.
"""

from __future__ import annotations

import json

from extractor import ROOT, build_script, extract

REPO = "tensorzero/tensorzero"
COMMIT = "640172a1b82046f9505fb046c06fe6783f13d5b8"
PATH = "ui/fixtures/model_inference_cache_e2e.jsonl"
FRESH16 = ROOT / "data" / "token_truth" / "openai-token-truth-fresh16.jsonl"
FRESH17 = ROOT / "data" / "token_truth" / "openai-token-truth-fresh17.jsonl"
FRESH18 = ROOT / "data" / "token_truth" / "openai-token-truth-fresh18.jsonl"

OPENAI = r"""{"short_cache_key":2890358704471843360,"long_cache_key":"20a2808ded9d1c284165a64448baf4f4215668c35e12507ca4e89f484f228871","timestamp":"2025-12-10 22:00:42","output":"[{\"type\":\"text\",\"text\":\"Did you know that honey never spoils? Archaeologists have found pots of honey in ancient Egyptian tombs that are over 3,000 years old and still perfectly edible! Honey's unique chemical composition helps it resist bacteria and mold, making it one of the few foods that can last indefinitely.\"}]","raw_request":"{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a fun fact.\"}],\"model\":\"gpt-4o-mini\",\"stream\":false}","raw_response":"{\n  \"id\": \"chatcmpl-ClMWfvaPWPg8sEsZz4Oql5WJIZYqk\",\n  \"object\": \"chat.completion\",\n  \"created\": 1765404041,\n  \"model\": \"gpt-4o-mini-2024-07-18\",\n  \"choices\": [\n    {\n      \"index\": 0,\n      \"message\": {\n        \"role\": \"assistant\",\n        \"content\": \"Did you know that honey never spoils? Archaeologists have found pots of honey in ancient Egyptian tombs that are over 3,000 years old and still perfectly edible! Honey's unique chemical composition helps it resist bacteria and mold, making it one of the few foods that can last indefinitely.\",\n        \"refusal\": null,\n        \"annotations\": []\n      },\n      \"logprobs\": null,\n      \"finish_reason\": \"stop\"\n    }\n  ],\n  \"usage\": {\n    \"prompt_tokens\": 13,\n    \"completion_tokens\": 59,\n    \"total_tokens\": 72,\n    \"prompt_tokens_details\": {\n      \"cached_tokens\": 0,\n      \"audio_tokens\": 0\n    },\n    \"completion_tokens_details\": {\n      \"reasoning_tokens\": 0,\n      \"audio_tokens\": 0,\n      \"accepted_prediction_tokens\": 0,\n      \"rejected_prediction_tokens\": 0\n    }\n  },\n  \"service_tier\": \"default\",\n  \"system_fingerprint\": \"fp_11f3029f6b\"\n}\n","is_deleted":false,"input_tokens":13,"output_tokens":59,"finish_reason":"stop"}"""

IMAGE = r"""{"short_cache_key":4516401887765731438,"long_cache_key":"6e182e87967bad3e2acc9f508e8a0b6742598f7168922aa138c39f6568eb5d08","timestamp":"2025-12-10 21:58:43","output":"[{\"type\":\"text\",\"text\":\"The animal in the image is a crab.\"}]","raw_request":"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What kind of animal is in this image?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image\/png;base64,<TENSORZERO_FILE_0>\"}}]}],\"model\":\"gpt-4o-mini-2024-07-18\",\"stream\":false}","raw_response":"{\n  \"id\": \"chatcmpl-ClMUk3FlJt4ShEcHJtO7FdesuVU25\",\n  \"object\": \"chat.completion\",\n  \"created\": 1765403922,\n  \"model\": \"gpt-4o-mini-2024-07-18\",\n  \"choices\": [\n    {\n      \"index\": 0,\n      \"message\": {\n        \"role\": \"assistant\",\n        \"content\": \"The animal in the image is a crab.\",\n        \"refusal\": null,\n        \"annotations\": []\n      },\n      \"logprobs\": null,\n      \"finish_reason\": \"stop\"\n    }\n  ],\n  \"usage\": {\n    \"prompt_tokens\": 8516,\n    \"completion_tokens\": 9,\n    \"total_tokens\": 8525,\n    \"prompt_tokens_details\": {\n      \"cached_tokens\": 0,\n      \"audio_tokens\": 0\n    },\n    \"completion_tokens_details\": {\n      \"reasoning_tokens\": 0,\n      \"audio_tokens\": 0,\n      \"accepted_prediction_tokens\": 0,\n      \"rejected_prediction_tokens\": 0\n    }\n  },\n  \"service_tier\": \"default\",\n  \"system_fingerprint\": \"fp_a460d7e2b7\"\n}\n","is_deleted":false,"input_tokens":8516,"output_tokens":9,"finish_reason":"stop"}"""

ANTHROPIC = r"""{"short_cache_key":830815242419694782,"long_cache_key":"beec67a60fa6870baf15fd4f7549fe12adefb3f08b82ca4da6fd6d1cf6b8a8dc","timestamp":"2025-12-10 22:01:21","output":"[{\"type\":\"text\",\"text\":\"Let me think about this... definition is about clarity, meaning, essence. I'll explore the concept of defining something, perhaps metaphorically.\\n\\nHmm... I want to capture the idea of boundaries, understanding, and precision. A haiku could approach this from a few angles.\\n\\nHere's my haiku on definition:\\n\\nWords draw sharp borders\\nMeaning carved from shifting mist\\nClarity blooms bright\"}]","raw_request":"{\"model\":\"claude-3-5-haiku-20241022\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"The topic is definition.\"}]}],\"max_tokens\":8192,\"stream\":false,\"system\":[{\"type\":\"text\",\"text\":\"You are a haiku writer. You will be given a topic and you will write a haiku about the topic.\\nA haiku is a three line poem with a 5-7-5 syllable pattern.\\nYou may think out loud, but please be sure that the last 3 lines you write are the haiku.\"}]}","raw_response":"{\"model\":\"claude-3-5-haiku-20241022\",\"id\":\"msg_015tXL3SXQLKpxyNEMy3N2LJ\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Let me think about this... definition is about clarity, meaning, essence. I'll explore the concept of defining something, perhaps metaphorically.\\n\\nHmm... I want to capture the idea of boundaries, understanding, and precision. A haiku could approach this from a few angles.\\n\\nHere's my haiku on definition:\\n\\nWords draw sharp borders\\nMeaning carved from shifting mist\\nClarity blooms bright\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":83,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},\"output_tokens\":90,\"service_tier\":\"standard\"}}","is_deleted":false,"input_tokens":83,"output_tokens":90,"finish_reason":"stop"}"""

CACHE = "\n".join((OPENAI, IMAGE, ANTHROPIC)) + "\n"


def _rows(text: str = CACHE) -> list[dict]:
    return extract.rows_from_file(text, REPO, PATH, COMMIT, "Apache-2.0")


def test_only_the_openai_line_gives_an_exchange() -> None:
    (exchange,) = extract._tensorzero_cache_exchanges(CACHE)
    method, uri, body, length, reply, status, stamp = exchange
    assert (method, uri, length, status) == ("POST", "https://api.openai.com/v1/chat/completions", None, 200)
    assert body == json.loads(OPENAI)["raw_request"]  # the string the gateway sent, unchanged
    assert json.loads(reply)["id"] == "chatcmpl-ClMWfvaPWPg8sEsZz4Oql5WJIZYqk"
    assert stamp is not None and stamp.isoformat() == "2025-12-10T22:00:42+00:00"


def test_the_row_of_the_openai_line() -> None:
    (row,) = _rows()
    assert row["request"] == {
        "messages": [{"role": "user", "content": "Tell me a fun fact."}],
        "model": "gpt-4o-mini",
        "stream": False,
    }
    assert row["prompt_tokens"] == 13
    assert (row["api"], row["family"], row["body_check"]) == (
        "chat.completions",
        "gpt-4o-mini",
        "no-content-length",
    )
    assert row["recorded_at"] == "2025-12-10T22:00:42Z"
    assert row["id"] == f"{REPO}:{PATH}#0"


def test_a_placeholder_image_or_another_provider_gives_no_exchange() -> None:
    assert "<TENSORZERO_FILE_0>" in json.loads(IMAGE)["raw_request"]
    assert extract._tensorzero_cache_exchanges(IMAGE) == []
    assert json.loads(json.loads(ANTHROPIC)["raw_request"])["model"].startswith("claude")
    assert extract._tensorzero_cache_exchanges(ANTHROPIC) == []


def test_an_azure_reply_or_a_made_up_id_gives_no_exchange() -> None:
    item = json.loads(OPENAI)
    reply = json.loads(item["raw_response"])
    for changed in ({**reply, "prompt_filter_results": []}, {**reply, "id": "chatcmpl-123"}):
        line = json.dumps({**item, "raw_response": json.dumps(changed)})
        assert extract._tensorzero_cache_exchanges(line) == []


def test_a_jsonl_path_is_kept_as_given() -> None:
    assert extract._json_pathspecs([PATH, "test/cassettes"]) == (PATH, "test/cassettes/*.json")


def test_the_build_lists_every_earlier_set() -> None:
    build = build_script("build_fresh18")
    fresh16 = build_script("build_fresh16")
    assert (*fresh16.EARLIER, FRESH16, FRESH17) == build.EARLIER
    # antiwork/gumroad was left out (licence)
    assert {repo for repo, *_ in build.SOURCES} == {"marcelotto/magma", REPO}


def test_the_built_file_holds_the_genuine_row() -> None:
    rows = {row["id"]: row for row in map(json.loads, FRESH18.open())}
    row = rows[f"{REPO}:{PATH}#9@{COMMIT[:12]}"]
    (genuine,) = _rows()
    assert row["request"] == genuine["request"]
    assert row["prompt_tokens"] == genuine["prompt_tokens"] == 13
    assert row["commit"] == COMMIT
