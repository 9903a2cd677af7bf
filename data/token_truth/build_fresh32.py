"""Builds openai-token-truth-fresh32.jsonl (a held-out set) from snapshots in /work/.mirror.

One source, one new owner, mined by the fresh32 helper (`find_string` on a cassette-name prefix in test code,
`use_cassette("llm_`, then `read_file` of the hit and `find_repos` / `find_files` on the package name). It
records with vcrpy (YAML cassettes).

- xduan7/llm-chess-arena (Python, MIT `LICENSE` at the top since the first commit df3f34f, 2025-08-28,
  "Copyright (c) 2025 Xiaotian Duan"; the same file at the commit listed): LLM chess players (a prompt with
  the position in FEN, the moves so far and the side to move; the model reasons and answers "Final Answer:
  <move>"; illegal moves are retried, and one test samples three answers with `n: 3` for a majority vote)
  driven through LiteLLM (`litellm>=1.40.0`, so the OpenAI Python SDK on the wire: `OpenAI/Python 1.102.0`)
  with gpt-4o-mini. Its integration tests (`tests/integration/test_llm_integration_vcr.py`) record with a
  module-level `vcr.VCR(record_mode="once", match_on=[method, scheme, host, port, path, query],
  filter_headers=[authorization, x-api-key, api-key], filter_post_data_parameters=["api_key"],
  decode_compressed_response=True, before_record_response=<drops the date, x-request-id and cf-ray reply
  headers>)` (`vcrpy>=6.0.0`, `pytest-vcr>=1.0.0`) into standard vcrpy YAML (`body: {string}`, `status:
  {code}`) under `tests/integration/cassettes/` (single moves, retries, a majority vote, a middlegame and an
  endgame position, short LLM-vs-LLM and LLM-vs-random games). `filter_post_data_parameters` makes vcrpy parse
  and re-dump the JSON request body (nothing is removed: no request carries `api_key`), so the stored body is
  `json.dumps`'s spacing and every row's body check is `match-reserialized` (the recorded Content-Length is
  the SDK's compact serialisation of the same body). The reply hook touches headers only. Recorded 2025-09-19
  .. 2025-09-20. The commit listed is the snapshot's newest (1bcd1b41, 2025-09-20, branch feature/metrics;
  main 0690579 and dev 9f51463 are its ancestors; 9 commits), with `--history`; 21 of the rows come from
  earlier versions (a6cbcce, 53acea8, 9c9203d).

The repository is not in the dev, extra, fresh .. fresh31 sets, its owner owns no repository in any of them
(/tmp/used_repos.txt), and it is not named in README.md or data/token_truth/README.md; it was claimed in
/work/notes/claims.txt (`fresh32 xduan7/llm-chess-arena`) before it was fetched. It goes through
scripts/extract_cassette_truth.py at the commit listed, with `--history`, and through exactly fresh5's filters
(build_fresh3.build, with build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's
commit, a response id the API generated, a request not already in an earlier set (dev, extra, fresh ..
fresh18, fresh20 .. fresh22, fresh24, fresh25, fresh28, fresh30, fresh31; there is no fresh19, fresh23,
fresh26, fresh27 or fresh29), no `previous_response_id`, no response id recorded for two different requests,
at most 10 characters per recorded prompt token. No new filter rule and no new reader; the source does not use
vcrpy's pre-8.0 httpx-stub shape, so no row carries fresh28's `LEGACY_NOTE`. The "Fresh32" section at the end
of data/token_truth/README.md gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh32.py > data/token_truth/openai-token-truth-fresh32.jsonl
"""

from __future__ import annotations

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh31

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    # newest commit (branch feature/metrics); main's HEAD 0690579 is its ancestor
    ("xduan7/llm-chess-arena", "1bcd1b41d5d211044222368f3afe6e60cc42cb21", "MIT", ()),
)

# every set before this one: a request in any of them is not kept again
EARLIER = build_fresh4.after(build_fresh31)

if __name__ == "__main__":
    build_fresh4.run(SOURCES, EARLIER)
