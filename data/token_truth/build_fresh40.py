"""Builds openai-token-truth-fresh40.jsonl (a held-out set) from a snapshot in /work/.mirror.

One source, one new owner, mined by the fresh40 search helper (`find_string` on the Ruby VCR setting
`filter_sensitive_data('<OPENAI_ACCESS_TOKEN>')` hit a gem's `spec/spec_helper.rb` opening with
`require "quick_openai"`; `find_repos` on `quick_openai` named the repository). It records with Ruby VCR
(YAML), which the extractor reads as it is: no new reader. Two rows: a thin set of plain chat.

- Aesthetikx/quick_openai (Ruby, MIT `LICENSE.txt` at the top since the first commit 6ae3d71, 2022-12-14,
  "The MIT License (MIT) / Copyright (c) 2022 John DeSilva"; `spec.license = "MIT"` in `quick_openai.gemspec`;
  the same file at the commit listed): a gem of String extensions (`"...".gpt`, `.gpt3`, `.gpt4`, `.dalle`)
  over `ruby-openai` (`~> 8`; Faraday on the wire, hence the recorded user-agent `Ruby`). `QuickOpenAI::Gpt`
  posts one Chat Completions request, `{max_tokens: 2048, messages, model}` in that order, with a single
  `user` message and the model (`gpt-3.5-turbo` for `gpt3`, `gpt-4.1` for `gpt4` and the generic `gpt`).
  `spec/spec_helper.rb` records with Ruby VCR and WebMock (`cassette_library_dir 'spec/cassettes'`,
  `configure_rspec_metadata!`, so the cassette path is the describe and example names, and
  `filter_sensitive_data` for the key when it is set)
  into `spec/cassettes/QuickOpenAI/gpt/can_use_gpt3.yml` (gpt-3.5-turbo) and `can_use_a_generic_gpt.yml` /
  `can_use_gpt4.yml` (both gpt-4.1, the same request; the extractor keeps one), all three written in ff4482e
  (2025-04-18, "Support generic latest GPT and DALLE") and recorded 2025-04-18 by their `recorded_at`. The
  prompt of all three is the spec's "What is two plus two? Respond with only the digit." The earlier
  cassettes (`spec/cassettes/QuickOpenai/` and `spec/cassettes/QuickOpenAI/can_use_gpt3.yml`, 2022-12 and
  2024-01) post to the legacy `/v1/completions` (text-davinci-003, gpt-3.5-turbo-instruct) and give no row;
  the DALL-E cassettes give none either. Ruby VCR with WebMock stores no request Content-Length, so each
  row's body check is `no-content-length`. The commit listed is the snapshot's HEAD (ff4482e6, 2025-04-18,
  51 commits, one branch).

The repository is not in the dev, extra, fresh .. fresh38 sets, its owner owns no repository in any of them
(/tmp/used_repos.txt), and it is not named in README.md or data/token_truth/README.md; it was claimed in
/work/notes/claims.txt (`fresh40 Aesthetikx/quick_openai`) before it was fetched. It goes through
scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly fresh5's filters
(build_fresh3.build, with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's
commit, a response id the API generated, a request not already in an earlier set (dev, extra, fresh ..
fresh18, fresh20 .. fresh22, fresh24, fresh25, fresh28, fresh30 .. fresh36, fresh38; there is no fresh19,
fresh23, fresh26, fresh27, fresh29 or fresh37; fresh39 is mined at the same time and checked against this set
by the parent) or in an earlier source of this list, no `previous_response_id`, no response id recorded for
two different requests, at most 10 characters per recorded prompt token. No new filter rule and no new
reader; the source is not a vcrpy httpx-stub cassette, so no row carries fresh28's `LEGACY_NOTE`. The
section in /tmp/fresh40/README-section.md (for the end of data/token_truth/README.md) gives the search and
what was left out.

    .venv/bin/python data/token_truth/build_fresh40.py > data/token_truth/openai-token-truth-fresh40.jsonl
"""

from __future__ import annotations

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh38

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    # HEAD of the snapshot
    ("Aesthetikx/quick_openai", "ff4482e65d85901cfa5abf8e04b475b6300894c5", "MIT", ()),
)

# every set before this one: a request in any of them is not kept again
EARLIER = build_fresh4.after(build_fresh38)

if __name__ == "__main__":
    build_fresh4.run(SOURCES, EARLIER)
