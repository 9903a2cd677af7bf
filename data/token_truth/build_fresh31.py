"""Builds openai-token-truth-fresh31.jsonl (a held-out set) from snapshots in /work/.mirror.

Three sources, three new owners, mined by the fresh31 helper (two from code-search results that named a
small test file, one from `find_string` on a cassette folder name in a README, then `find_files` on a cassette
path).
Two record with vcrpy (YAML cassettes), one with Ruby VCR (YAML cassettes).

- ashellunts/youtube-summarizer (Python, MIT `LICENSE` since the first commit a99fff8, 2023-01-18, "Copyright
  (c) 2023 Artur Shellunts"; the same file at HEAD): a Flask service that summarises a YouTube video's
  transcript with gpt-3.5-turbo (a system prompt and the transcript, or a part of it, as the user message).
  Its tests record with pytest-vcr 1.0.2 (`tests/conftest.py`: `vcr_config` with `filter_headers:
  [(authorization, DUMMY)]` and `match_on` including the body; no request or response hook; `openai==0.27.6`
  in `requirements.txt`, so the requests transport) into standard vcrpy YAML (`body: {string}`, `status:
  {code}`): `tests/summary_api/cassettes/test_summary_api[<video id>].yaml` (one per video, several calls each
  for long transcripts) and `tests/unit-tests/cassettes/test_summary_module.yaml`. Recorded 2023-04-07 ..
  2023-04-30. The commit listed is the snapshot's HEAD (a1377e87, 2025-03-01, 114 commits), with `--history`;
  one row comes from an earlier version (3b1ae85, 2023-04-16).
- michael1702/AI-Business-Model-Canvas (Python, Apache-2.0 `LICENSE` since f8d7a7b, 2025-10-05, "Add license";
  the same file at HEAD): a Flask app whose `bmc_service` fills in a business model canvas through the OpenAI
  Responses API (gpt-5-mini, `input` as one user message, `max_output_tokens`). Its tests record with vcrpy
  (`tests/bmc_service/conftest.py`: `vcr.VCR(record_mode="once", filter_headers=["authorization"],
  decode_compressed_response=True, match_on=[..., "body"])`, no hook; `vcrpy` and `openai` unpinned in
  `bmc_service/requirements.txt`) into standard vcrpy YAML: `tests/bmc_service/cassettes/example_canvas.yaml`
  and `.../prefill_building_block.yaml` (older copies of the same two cassettes under `tests/cassettes/` and
  `bmc_service/tests/cassettes/` hold the same two requests: 8 exchanges over all versions and copies, 2
  distinct prompts). Recorded 2025-10-12 and 2025-10-23. The commit listed
  is the snapshot's HEAD (ff88f3cc, 2026-01-12, 103 commits), with `--history`.
- alessiobussolari/better_translate (Ruby gem, MIT `LICENSE.txt` since the first commit 964d3e8, 2025-10-22,
  "Copyright (c) 2025 alessiobussolari"; the same file at HEAD): a translation gem with ChatGPT, Gemini and
  Claude providers; the ChatGPT provider sends Chat Completions requests (gpt-5-nano, `temperature: 1.0`, a
  system prompt and the text) through Faraday. Its integration specs record with Ruby VCR 6.3.1 and WebMock
  (`spec/spec_helper.rb`: `cassette_library_dir = "spec/vcr_cassettes"`, `filter_sensitive_data` for the three
  API keys, `record: :once`, `match_requests_on: [method, uri, body]`; no hook) into
  `spec/vcr_cassettes/chatgpt/*.yml` (translate to Italian / French, batch, variables, medical context,
  technical term; an invalid-key cassette gives no row). The requests carry no Content-Length header
  (`no-content-length`). Recorded 2025-10-22. The commit listed is the snapshot's HEAD (b5d0f78f, 2025-10-24,
  21 commits), with `--history`; seven rows come from earlier versions (964d3e8, 48c5e13).

None of the three repositories is in the dev, extra, fresh .. fresh30 sets, no owner owns a repository in any
of them (/tmp/used_repos.txt), and none is named in README.md or data/token_truth/README.md; each was claimed
in /work/notes/claims.txt (`fresh31 owner/name`) before it was fetched. Each goes through
scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly fresh5's filters
(build_fresh3.build, with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's
commit, a response id the API generated, a request not already in an earlier set (dev, extra, fresh ..
fresh18, fresh20 .. fresh22, fresh24, fresh25, fresh28, fresh30; there is no fresh19, fresh23, fresh26,
fresh27 or fresh29) or in an earlier source of this list, no `previous_response_id`, no response id recorded
for two different requests, at most 10 characters per recorded prompt token. No new filter rule and no new
reader. The "Fresh31" section at the end of data/token_truth/README.md gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh31.py > data/token_truth/openai-token-truth-fresh31.jsonl
"""

from __future__ import annotations

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh30

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("ashellunts/youtube-summarizer", "a1377e87ea758ac2f9e157b2677a65365f79a9e1", "MIT", ()),  # HEAD
    # HEAD
    ("michael1702/AI-Business-Model-Canvas", "ff88f3cc33efd288bbb9870a298058079119a245", "Apache-2.0", ()),
    ("alessiobussolari/better_translate", "b5d0f78f7d76726e4509b5ccbf37897199e6f3fb", "MIT", ()),  # HEAD
)

# every set before this one: a request in any of them is not kept again
EARLIER = build_fresh4.after(build_fresh30)

if __name__ == "__main__":
    build_fresh4.run(SOURCES, EARLIER)
