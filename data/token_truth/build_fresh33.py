"""Builds openai-token-truth-fresh33.jsonl (a held-out set) from snapshots in /work/.mirror.

Two sources, two new owners, mined by the fresh33 helper (`find_string` on cassette-name prefixes in test
code, `use_cassette("translat` and `use_cassette('openai_`, then `read_file` of the hit and `find_repos` on
the package name). One records with vcrpy (YAML), one with Ruby VCR (YAML). One row each: a thin set.

- efe/yesglot (Python, MPL-2.0 `LICENSE` at the top since the first commit 9c2f391, 2025-08-21, "Mozilla
  Public License Version 2.0"; the same file at the commit listed): a Django app whose `translatemessages`
  management command fills in the empty `msgstr`s of a `.po` file through LiteLLM (`litellm>=1.75.8`; the
  OpenAI Python SDK 1.99.9 on the wire by the recorded user-agent) with gpt-4o-mini, `temperature: 0`, a
  system prompt and one user message holding the entries to translate. Its test
  (`tests/test_translatemessages.py`) records with a module-level `vcr.VCR(cassette_library_dir="cassettes",
  record_mode="once", filter_headers=["authorization"], decode_compressed_response=True)` (vcrpy 7.0.0, pinned
  in `tests/requirements.txt`; no request or response hook) into standard vcrpy YAML (`body: {string}`,
  `status: {code}`): `tests/cassettes/translatemessages_tr.yaml`, one Turkish translation (and LiteLLM's
  model-price download from raw.githubusercontent.com, not a row). Recorded 2025-08-23 (abc65ea, the only
  version of the cassette's text). The commit listed is the snapshot's HEAD (a4cb138d, 2025-08-26; 13
  commits on main, 20 with two pull-request refs).
- Eth3rnit3/kernai (Ruby, MIT `LICENSE` at the top since d1367e6, 2026-04-20, "Copyright (c) 2025 Kernai
  contributors"; `spec.license = 'MIT'` in the gemspec; the same file at the commit listed): an agent kernel
  gem with a structured block protocol; its OpenAI provider (`Kernai::Providers::Openai`, Net::HTTP, so the
  recorded user-agent is `Ruby`) posts Chat Completions requests. `test/examples/vcr_helper.rb` records with
  Ruby VCR and WebMock (`hook_into :webmock`, `record: :none` unless `VCR_RECORD` is set, `match_requests_on:
  [method, uri]`, `filter_sensitive_data` for the three API keys; no hook) into
  `test/examples/cassettes/*.yml`. Only `openai_final_block.yml` gives a row (gpt-4.1, a system prompt with
  the block protocol and a one-line user question; recorded 2026-04-06 in 0d76ab8; its first version,
  a9634ad, was a hand-written placeholder with an empty request body, which gives no row).
  `openai_streaming_final.yml` and the three `openai_scenario_*.yml` (multi-turn block exchanges) are streamed
  without `stream_options.include_usage`, so their replies carry no usage (the scenario files also store some
  bodies under Ruby's `!binary` tag, which the extractor's YAML loader does not read; they would give no row
  either way). Ruby VCR with WebMock stores no request Content-Length, so the row's body check is
  `no-content-length`. The commit listed is the snapshot's HEAD (69002da6, 2026-04-21, 44 commits), where
  the cassette's text is the 0d76ab8 one and the licence file exists.

Neither repository is in the dev, extra, fresh .. fresh32 sets, neither owner owns a repository in any of
them (/tmp/used_repos.txt), and neither is named in README.md or data/token_truth/README.md; both were
claimed in /work/notes/claims.txt (`fresh33 efe/yesglot`, `fresh33 Eth3rnit3/kernai`) before they were
fetched. Each goes through scripts/extract_cassette_truth.py at the commit listed, with `--history`, and
through exactly fresh5's filters (build_fresh3.build, with build_fresh4's licence rule): a licence file that
is not the GPL/AGPL in the row's commit, a response id the API generated, a request not already in an earlier
set (dev, extra, fresh .. fresh18, fresh20 .. fresh22, fresh24, fresh25, fresh28, fresh30 .. fresh32; there
is no fresh19, fresh23, fresh26, fresh27 or fresh29) or in an earlier source of this list, no
`previous_response_id`, no response id recorded for two different requests, at most 10 characters per
recorded prompt token. No new filter rule and no new reader; neither source uses vcrpy's pre-8.0 httpx-stub
shape, so no row carries fresh28's `LEGACY_NOTE`. The "Fresh33" section at the end of
data/token_truth/README.md gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh33.py > data/token_truth/openai-token-truth-fresh33.jsonl
"""

from __future__ import annotations

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh32

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("efe/yesglot", "a4cb138d4001ee4cd308ddae612417853625c3d1", "MPL-2.0", ()),  # HEAD of the snapshot
    ("Eth3rnit3/kernai", "69002da6d2daa54c73e239d76b606a11e80792ec", "MIT", ()),  # HEAD of the snapshot
)

# every set before this one: a request in any of them is not kept again
EARLIER = build_fresh4.after(build_fresh32)

if __name__ == "__main__":
    build_fresh4.run(SOURCES, EARLIER)
