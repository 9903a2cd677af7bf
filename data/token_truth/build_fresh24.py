"""Builds openai-token-truth-fresh24.jsonl (a held-out set) from snapshots in /work/.mirror.

Two sources, two new owners, mined by a helper looking at other languages' recorders (round 13, fresh24). Both
recording formats are ones the extractor already reads (Polly.js HAR, Ruby VCR YAML): no new reader, no hook.

- justintanner/apicity (TypeScript, MIT `LICENSE` at the top since the first commit a73f4cf, 2026-02-19,
  "Copyright (c) 2026 Justin Tanner"): standalone per-provider API packages (`@apicity/openai`,
  `@apicity/xai`, `@apicity/fal`, ...; earlier published as `@bareapi/*` and `@nakedapi/*`), whose integration
  tests (`tests/integration/*.test.ts`) record real traffic with Polly.js (`tests/harness.ts`: fetch adapter,
  fs persister, `POLLY_MODE=record`; the `beforePersist` hook only masks the Authorization / API-key headers,
  and replaces multipart form bodies by a summary) into
  `tests/recordings/<provider>_<hash>/<test>_<hash>/recording.har`. Only the api.openai.com entries give rows
  (the extractor reads that host only): `openai_3991279299/`, Chat Completions and Responses API, gpt-4o-mini,
  gpt-5.4-2026-03-05, o4-mini. The commit listed is the snapshot's HEAD (58c740bd, 2026-05-03); with
  `--history` the earlier versions of its recordings (from 2026-03-07) are read too. justintanner/nakedapi is
  the same repository under its earlier name: every one of its 549 commits is in apicity's history, so it is
  not listed (it would add nothing, and it is the same owner).
- aifoundry-org/rspec-llama (Ruby, Apache-2.0 `LICENSE` at the top, added in 8601c06, 2024-08-30): RSpec
  matchers for testing LLM prompts; the OpenAI model runner's spec records with Ruby VCR into
  `spec/vcr_cassettes/openai_model_runner/*.yml` (three successful gpt-3.5-turbo Chat Completions requests of
  the same prompt with different credentials, three 401s). The commit listed is the snapshot's HEAD (533e9604,
  2024-10-02); the cassettes were written 2024-08-27 .. 29, before the licence file, so only their versions at
  the listed commit can pass the licence rule.

Neither repository is in the dev, extra, fresh .. fresh22 sets, neither owner owns a repository in any of them
(/tmp/used_repos.txt), and neither is named in README.md's tried and left-out lists; both were claimed in
/work/notes/claims.txt (`fresh24 ...`) before they were fetched. Each goes through
scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly fresh5's filters
(build_fresh3.build with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's
commit, a response id the API generated, a request not already in an earlier set (dev, extra, fresh ..
fresh22; there is no fresh19) or in an earlier source of this list, no `previous_response_id`, no response id
recorded for two different requests, at most 10 characters per recorded prompt token. No new filter rule, no
new reader. The FRESH24.md note gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh24.py > data/token_truth/openai-token-truth-fresh24.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh22

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH22 = ROOT / "data/token_truth/openai-token-truth-fresh22.jsonl"

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("justintanner/apicity", "58c740bdf6d95625712864a5ca747485f7fd3de6", "MIT", ()),  # HEAD of the snapshot
    ("aifoundry-org/rspec-llama", "533e9604f2e7c1f3bed0fbc994377598131b095e", "Apache-2.0", ()),  # HEAD
)

# every set before this one: a request in any of them is not kept again
EARLIER = (*build_fresh22.EARLIER, FRESH22)


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    build_fresh3.build(SOURCES, EARLIER, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
