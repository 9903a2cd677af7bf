"""Builds openai-token-truth-fresh36.jsonl (a held-out set) from a snapshot in /work/.mirror.

One source, one new owner, mined by the fresh36 helper (Ruby, Go, Elixir, PHP, Java, Kotlin, C#, Swift; found
through `search` (issues) on ExVCR and OpenAI naming Elixir LLM libraries, then by memory of ExLLM's "test
response cache"). It records with a test cache of its own (JSON), which the extractor does not read: this
script adds a reader for it (below), as fresh28 first did with a hook. A thin set of plain Chat Completions
requests.

- azmaveth/ex_llm (Elixir, MIT `LICENSE` at the top since db6ea53, 2025-05-24, "MIT License / Copyright (c)
  2025 ExLLM"; the same file at the commit listed): a unified client for many LLM providers. When its tests
  run with the test cache on, `ExLLM.Testing.ResponseInterceptor` (`lib/ex_llm/testing/interceptor.ex`,
  called by `lib/ex_llm/plugs/execute_request.ex` and `lib/ex_llm/providers/shared/http_client.ex`) saves
  each live reply as `test/cache/<provider>/<endpoint>/<request hash>/<timestamp>.json` (plus an
  `index.json`), through `ExLLM.Testing.TestResponseMetadata.create_metadata` (`lib/ex_llm/testing/
  metadata.ex`): `{cached_at, cache_version, test_context, api_version, request_metadata: {provider,
  endpoint, method, request_body, request_headers, request_size, response_body, status_code, error,
  streaming, test_name, ...}, response_data}`. `request_body` is the request map the provider built (the map
  Tesla JSON-encodes and sends), stored parsed, with only keys named exactly `api_key`, `authorization`,
  `token`, `password` or `secret` dropped (none occurs in a chat body); the interceptor's plug passes the
  reply's status as `http_status` where the metadata reads `status_code`, so a saved success has
  `status_code: null` and `error: false`
  (`execute_request.ex` saves only 2xx replies); the request URL it sees is the endpoint without the Tesla
  `BaseUrl` (its lookup of `{Tesla.Middleware.BaseUrl, url}` misses Tesla's `{BaseUrl, :call, [url]}` form),
  so `provider` reads `unknown` and no host is stored. The folder's provider (`openai`) is the request's own
  (`provider: request.provider`), and the OpenAI provider's base URL is `https://api.openai.com/v1` by default
  (`@default_base_url` in `lib/ex_llm/providers/openai.ex`); the replies are real (`chatcmpl-` ids,
  `system_fingerprint`, `service_tier`). Only `test/cache/openai` and `test/cache.backup/openai` are read
  (the folders of other providers, and `test/cache/test_openai_capture` / `test_openai_display`, whose
  entries are made-up `request_summary` captures with no request body, are not). The entries were committed
  from 0af874c (2025-06-23) to 1cd4c78 (2025-07-06) and are still tracked at the commit listed (the
  snapshot's HEAD, c9e0f1aa, 2025-07-06, "add test/cache/ to .gitignore", 336 commits), so every row is read
  there; `--history` finds the same entries again in earlier versions (the extractor keeps one of each).

The reader (`_exllm_exchange`): an entry with a parsed `request_metadata.request_body` and an endpoint
`chat_completions` or `v1_chat_completions` under an `openai` folder is one exchange: POST
`https://api.openai.com/v1/chat/completions` (host inferred, as above), the body `json.dumps` of the stored
map (no length: `no-content-length`, as for nock's parsed bodies), the reply `json.dumps` of `response_data`,
the status `status_code` if one is stored, else 200 when `error` is false and the reply is a
`chat.completion` (inferred, as above), the date `cached_at`. Every other file goes to the extractor's own
JSON reader unchanged. The hook runs the extractor (scripts/extract_cassette_truth.py, unedited) in a child
process of this script with the reader in place of its `_json_exchanges` and with the ExLLM entry's
`"request_metadata"` accepted in place of the host in its JSON pre-filter (`OPENAI_HOST`, which a JSON
recording must match; these name no host), and reads the same entries' replies for the generated-id check
(build_fresh2._replies) with the same reader. Rows get HOST_NOTE appended to their notes.

The repository is not in the dev, extra, fresh .. fresh34 sets, its owner owns no repository in any of them
(/tmp/used_repos.txt), and it is not named in README.md or data/token_truth/README.md (a fork,
mikkihugo/ex_llm, is named there as "no usable OpenAI recording in the file listing, not fetched"; it was not
used); it was claimed in /work/notes/claims.txt (`fresh36 azmaveth/ex_llm`) before it was fetched. It goes
through the extractor at the commit listed, with `--history`, and through exactly fresh5's filters
(build_fresh3.build, with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's
commit, a response id the API generated, a request not already in an earlier set (dev, extra, fresh ..
fresh18, fresh20 .. fresh22, fresh24, fresh25, fresh28, fresh30 .. fresh34; there is no fresh19, fresh23,
fresh26, fresh27 or fresh29) or in an earlier source of this list, no `previous_response_id`, no response id
recorded for two different requests, at most 10 characters per recorded prompt token. No new filter rule.
The section in /tmp/fresh36/README-section.md (for the end of data/token_truth/README.md) gives the search
and what was left out.

    .venv/bin/python data/token_truth/build_fresh36.py > data/token_truth/openai-token-truth-fresh36.jsonl
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh34

EXLLM = "azmaveth/ex_llm"
# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (
        EXLLM,
        "c9e0f1aa98d6d5787739bb09c652cb58b2a9e54b",  # HEAD of the snapshot
        "MIT",
        ("test/cache/openai", "test/cache.backup/openai"),
    ),
)
HOST_NOTE = (
    "; ExLLM test-cache entry (its own JSON, read by build_fresh36's reader): no host stored, api.openai.com"
    " inferred from the entry's `openai` folder and the OpenAI provider's default base URL; status 200"
    " inferred (`error: false`, a `chat.completion` reply; the recorder saves 2xx replies only and drops"
    " their status); request body stored parsed (json.dumps of the map), no length"
)

# every set before this one: a request in any of them is not kept again
EARLIER = build_fresh4.after(build_fresh34)

ENDPOINTS = {"chat_completions", "v1_chat_completions"}
HOST_OR_ENTRY = r'api\.openai\.com|"request_metadata"'  # extended regex, as git grep reads it


def _is_exllm(data: Any) -> bool:
    meta = data.get("request_metadata") if isinstance(data, dict) else None
    return (
        isinstance(meta, dict)
        and "cache_version" in data
        and isinstance(meta.get("request_body"), dict)
        and "response_data" in data
    )


def _exllm_exchange(data: dict) -> tuple[Any, ...]:
    meta, reply = data["request_metadata"], data["response_data"]
    status = meta.get("status_code")
    if not isinstance(status, int):
        completion = isinstance(reply, dict) and reply.get("object") == "chat.completion"
        success = not meta.get("error") and completion
        status = 200 if success else None
    url = "https://api.openai.com/v1/chat/completions" if meta.get("endpoint") in ENDPOINTS else ""
    try:
        stamp = datetime.fromisoformat(str(data.get("cached_at", "")).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        stamp = None
    return (
        str(meta.get("method") or "POST"),
        url,
        json.dumps(meta["request_body"], ensure_ascii=False),
        None,
        json.dumps(reply, ensure_ascii=False) if isinstance(reply, (dict, list)) else None,
        status,
        stamp,
    )


def _read(data: Any) -> list[tuple[Any, ...]] | None:
    return [_exllm_exchange(data)] if _is_exllm(data) else None


if __name__ == "__main__":
    build_fresh4.run_with_json_reader(
        __file__, _read, SOURCES, EARLIER, {EXLLM: HOST_NOTE}, host=HOST_OR_ENTRY
    )
