"""Builds openai-token-truth-fresh30.jsonl (a held-out set) from snapshots in /work/.mirror.

Two sources, two new owners, mined by the fresh30 helper (code-search results: the excerpt of a pytest
conftest, then `find_repos` on the project's name; and a README that says its tests use vcrpy). Both record
with vcrpy (YAML cassettes).

- zenbase-ai/core (Python, MIT `LICENSE` at the top since the first commit a42a91d, 2024-05-30, "Copyright (c)
  2024 zenbase-ai"; the same file at HEAD): Zenbase, a prompt-optimisation library (labelled few-shot demos
  picked by an optimiser and scored on GSM8K through LangSmith and LangChain). In its first days (2024-05-30
  .. 2024-06-12) its tests recorded with pytest-recording (`py/tests/conftest.py`: `vcr_config` with
  `filter_headers: [authorization, x-api-key]`, `filter_query_parameters: [api_key]`, `record_mode:
  new_episodes`, `cassette_library_dir: tests/cache/cassettes`; no request or response hook; vcrpy >= 6.0.1,
  openai >= 1.30.5 in `py/pyproject.toml`) into two cassettes, `py/tests/cache/cassettes/
  test_langsmith_zen_labelled_few_shot.yaml` and `.../test_langchain_labelled_few_shot.yaml`, standard vcrpy
  YAML (`body: {string}`, `status: {code}`). Besides the LangSmith and Hugging Face traffic they hold the
  api.openai.com Chat Completions exchanges of the optimiser's runs (gpt-3.5-turbo: the OpenAI client through
  `langsmith.wrappers.wrap_openai` with `response_format: json_object`, and LangChain's ChatOpenAI with
  `temperature`/`n`). The cassettes were deleted in 9fe2eff (2024-06-12, "0.0.1"), so no row is at HEAD: all
  come from earlier versions (`--history`). The commit listed is the snapshot's HEAD (59971868, 2025-03-24, 92
  commits). zenbase-ai/lib is an earlier copy of the same history (its HEAD 3ac8d34b is an ancestor of
  core's), so it is not a second source.
- duncantmiller/llm_prompt_engineering (Python, MIT `LICENSE` since 5744a89, 2023-12-23, "Copyright (c) 2023
  Duncan Miller"): an example project for testing prompts (a user prompt augmented by a pre-prompt and a
  cite-sources prompt, answered by gpt-3.5-turbo and gpt-4-1106-preview; bias checks judged by the other
  model). `test.py` records with a `vcr.VCR(filter_headers=["authorization"], cassette_library_dir=
  "fixtures/vcr_cassettes")` instance, no hook; `requirements.txt` pins vcrpy 5.1.0, openai 1.6.1 and httpx
  0.26.0, so its cassettes are vcrpy's pre-8.0 httpx-stub shape (`response: {status_code, http_version,
  headers, content}`), which the extractor reads (`_reply_body`, as for fresh28's lbgpt); those rows get the
  same note as lbgpt's. The text-davinci-003 (completions) exchanges give no rows. The commit listed is the
  snapshot's HEAD (af16b577, 2024-01-24, 132 commits), with `--history`; one exchange of a commit before the
  licence file was added is left out by the licence rule.

Neither repository is in the dev, extra, fresh .. fresh28 sets, neither owner owns a repository in any of them
(/tmp/used_repos.txt), and neither is named in README.md or data/token_truth/README.md; both were claimed in
/work/notes/claims.txt (`fresh30 zenbase-ai/core`, `fresh30 duncantmiller/llm_prompt_engineering`) before they
were fetched. Each goes through scripts/extract_cassette_truth.py at the commit listed, with `--history`, and
through exactly fresh5's filters (build_fresh3.build, here through build_noted for the note above, with
build_fresh4's licence rule): a licence file that is not the GPL/AGPL in the row's commit, a response id the
API generated, a request not already in an earlier set (dev, extra, fresh .. fresh18, fresh20 .. fresh22,
fresh24, fresh25, fresh28; there is no fresh19, fresh23, fresh26, fresh27 or fresh29) or in an earlier source
of this list, no `previous_response_id`, no response id recorded for two different requests, at most 10
characters per recorded prompt token. No new filter rule. The "Fresh30" section at the end of
data/token_truth/README.md gives the search and what was left out.

    .venv/bin/python data/token_truth/build_fresh30.py > data/token_truth/openai-token-truth-fresh30.jsonl
"""

from __future__ import annotations

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh28

# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
DUNCAN = "duncantmiller/llm_prompt_engineering"
SOURCES: tuple[build_fresh3.Source, ...] = (
    ("zenbase-ai/core", "59971868e85784c54eddb6980cf791b975e0befb", "MIT", ()),  # HEAD of the snapshot
    (DUNCAN, "af16b577af774a94e4cf40cc7ea803b25b13a895", "MIT", ()),  # HEAD of the snapshot
)

# repositories whose cassettes were written by vcrpy 5.1.0's httpx stubs (the reply as `content` and
# `status_code`): their rows carry fresh28's note for that shape
LEGACY_HTTPX: frozenset[str] = frozenset({DUNCAN})

# every set before this one: a request in any of them is not kept again
EARLIER = build_fresh4.after(build_fresh28)

if __name__ == "__main__":
    build_fresh4.run(SOURCES, EARLIER, dict.fromkeys(LEGACY_HTTPX, build_fresh28.LEGACY_NOTE))
