"""Builds openai-token-truth-fresh34.jsonl (a held-out set) from snapshots in /work/.mirror.

One source, one new owner, mined by the fresh34 helper (`find_string` on the Ruby cassette-name prefix
` VCR.use_cassette("openai_s`, a leading space keeping out Python's `request_vcr.use_cassette`, then
`find_repos` on the gem's name). It records with Ruby VCR (YAML). One row: a thin set.

- narralabs/i18n-ai (Ruby, MIT `LICENSE.txt` at the top since the first commit 0cdfeb2, 2024-07-31, "The MIT
  License (MIT) / Copyright (c) 2024 William Estoque"; `spec.license = "MIT"` in `i18n-ai.gemspec`; the same
  file at the commit listed): a gem that translates a Rails app's locale YAML with an LLM. Its OpenAI client
  (`I18nAi::Clients::OpenAiClient`, through `ruby-openai`, Faraday on the wire, hence the recorded user-agent
  `Ruby`) posts one Chat Completions request per target locale: gpt-4o-mini, `max_tokens`, and a single user
  message holding the instruction and the source YAML. `spec/spec_helper.rb` records with Ruby VCR and
  WebMock (`cassette_library_dir "spec/fixtures/vcr_cassettes"`, `filter_sensitive_data` for the API key,
  `decode_compressed_response: true`, a `before_record` hook that only forces the reply body's encoding to
  UTF-8) into `spec/fixtures/vcr_cassettes/openai_success.yml` (the row; recorded 2024-08-07) and
  `openai_max_token_success.yml` (the same request again, on the `lm/add-max-tokens-support` branch; the
  extractor keeps one of the two). The Anthropic and local-model cassettes give no row. Ruby VCR with WebMock
  stores no request Content-Length, so the row's body check is `no-content-length`. The commit listed is the
  snapshot's HEAD (d9e1f900, 2024-08-13, 80 commits on two branches).

The repository is not in the dev, extra, fresh .. fresh33 sets, its owner owns no repository in any of them
(/tmp/used_repos.txt), and it is not named in README.md or data/token_truth/README.md; it was claimed in
/work/notes/claims.txt (`fresh34 narralabs/i18n-ai`) before it was fetched. It goes through
scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly fresh5's filters
(build_fresh3.build, with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's
commit, a response id the API generated, a request not already in an earlier set (dev, extra, fresh ..
fresh18, fresh20 .. fresh22, fresh24, fresh25, fresh28, fresh30 .. fresh33; there is no fresh19, fresh23,
fresh26, fresh27 or fresh29) or in an earlier source of this list, no `previous_response_id`, no response id
recorded for two different requests, at most 10 characters per recorded prompt token. No new filter rule and
no new reader; the source is not a vcrpy httpx-stub cassette, so no row carries fresh28's `LEGACY_NOTE`. The
"Fresh34" section at the end of data/token_truth/README.md gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh34.py > data/token_truth/openai-token-truth-fresh34.jsonl
"""

from __future__ import annotations

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh33

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("narralabs/i18n-ai", "d9e1f9001a8c4893230d83b76f9eeb0f9c923614", "MIT", ()),  # HEAD of the snapshot
)

# every set before this one: a request in any of them is not kept again
EARLIER = build_fresh4.after(build_fresh33)

if __name__ == "__main__":
    build_fresh4.run(SOURCES, EARLIER)
