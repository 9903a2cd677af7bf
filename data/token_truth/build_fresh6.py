"""Builds openai-token-truth-fresh6.jsonl (the eighth held-out set) from the snapshots under /work/.mirror.

Each repository (none of them in the dev, extra, fresh, fresh2, fresh3, fresh4 or fresh5 set, nor in their
tried and left-out lists) goes through scripts/extract_cassette_truth.py at the commit listed here, with
`--history`, and through exactly fresh5's filters (build_fresh3.build with build_fresh4's licence rule): a
licence file that is not the GPL/AGPL in the row's commit, a response id the API generated, a request not
already in the dev, extra, fresh, fresh2, fresh3, fresh4 or fresh5 set or in an earlier source of this list,
no `previous_response_id`, no response id recorded for two different requests, at most 10 characters per
recorded prompt token. No new rule.

One new recording format: ShoggothAI/motleycrew's tests replay a motleycache cache, one pickled
`httpx.Response` (its request inside) per `.pkl` file under `tests/`. The extractor reads them with `--pickle`
(new, tested in tests/test_extract_fresh6.py) without importing or running anything; their headers were not
kept, so there is no Content-Length to check (`no-content-length`) and no date. Two hooks here pass `--pickle`
for the repositories in PICKLES and read a `.pkl` recording's reply for the generated-id check
(build_fresh2._replies reads only YAML, HAR, JSON and JSONL); every other file goes through them unchanged.

motleycrew's cached recordings were committed on pull-request branches, not on `main` (whose history holds
none), so it is listed once per pull-request head (`refs/pull/N/head`, the commit named here): `--history`
reads each head's earlier versions, and a request kept from one head is "already seen" in the next. Across
every head no request was recorded with two different counts. The heads are listed in the order that adds the
most new requests first; heads adding none are left out. build_fresh3.build keeps one tally per repository, so
its stderr line for motleycrew gives the rows kept from all heads but the extractor's note and the drops of
the last head only.

    .venv/bin/python data/token_truth/build_fresh6.py > data/token_truth/openai-token-truth-fresh6.jsonl
"""

from __future__ import annotations

import pathlib
import sys

import build_fresh3  # sibling scripts: this folder is on sys.path when a build script is run
import build_fresh4
import build_fresh5
import recording_formats
from build_fresh2 import extract

ROOT = pathlib.Path(__file__).resolve().parents[2]
FRESH5 = ROOT / "data/token_truth/openai-token-truth-fresh5.jsonl"

MOTLEYCREW = "ShoggothAI/motleycrew"
# repo, commit, licence (from the repository's licence file), JSON recording pathspecs (`--json`)
SOURCES: tuple[build_fresh3.Source, ...] = (
    (MOTLEYCREW, "666dcd97aa8f9bca0560818408c4dce6882ba840", "MIT", ()),  # refs/pull/65/head
    (MOTLEYCREW, "308e1c16d3a0bfbc5a1ed6a9f808540d29df9a57", "MIT", ()),  # refs/pull/46/head
    (MOTLEYCREW, "689d03a1bdadc452691bf214f0182cfe91492e7d", "MIT", ()),  # refs/pull/82/head
    (MOTLEYCREW, "60b02dc27f5ad79ea88735e5309b6c1df4bdd7b6", "MIT", ()),  # refs/pull/58/head
    (MOTLEYCREW, "4ee824a582d8e3715addf9ec7e07e4968e535971", "MIT", ()),  # refs/pull/57/head
    (MOTLEYCREW, "b84f7459612776de559bf7d147bd82d85ef63d32", "MIT", ()),  # refs/pull/70/head
    (MOTLEYCREW, "d18206a038229f17fed78266c6e13e00021eb674", "MIT", ()),  # refs/pull/76/head
    (MOTLEYCREW, "7cf2191b76e9519cf0faf95d4c135995f6de06ca", "MIT", ()),  # refs/pull/25/head
    (MOTLEYCREW, "95bc1e16dff058cdd627d85d92ec947ec9c08a44", "MIT", ()),  # refs/pull/44/head
    (MOTLEYCREW, "db8d34db42351a65cee97b374a5c06ad0e0b541e", "MIT", ()),  # refs/pull/43/head
    (MOTLEYCREW, "4daff1903aca6982ffdf302066dfbcb08d9f348d", "MIT", ()),  # refs/pull/40/head
    (MOTLEYCREW, "3fdc7d96851ed86b495d93780cef44953421b4b4", "MIT", ()),  # refs/pull/61/head
    (MOTLEYCREW, "649cbef6ba4520c49f656eb12298a15b3407f208", "MIT", ()),  # refs/pull/60/head
    (MOTLEYCREW, "9667bc037b2fd6eb956dcfc2d29223ee4b11c17a", "MIT", ()),  # refs/pull/51/head
)
# motleycache recording pathspecs (`--pickle`) per repository
PICKLES: dict[str, tuple[str, ...]] = {MOTLEYCREW: ("tests",)}


def main() -> None:
    mirror = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
    earlier = (*build_fresh5.EARLIER, FRESH5)
    recording_formats.use(
        "--pickle", PICKLES, lambda _git_dir, path: path.endswith(".pkl"), extract._motleycache_exchanges
    )
    build_fresh3.build(SOURCES, earlier, mirror, build_fresh4.licence_ok)


if __name__ == "__main__":
    main()
