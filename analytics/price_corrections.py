"""Our dated corrections to the genai-prices catalog, each row citing the provider's published price page.

Two tables, both read by `analytics.prices`:

- `CORRECTIONS` replace fields of one model's price for one tier over a date range. A row that gives
  `input` and `output` can also price a tier the catalog leaves unpriced on those days.
- `TIER_RULES` derive a tier the catalog (and `CORRECTIONS`) do not price from the standard price, for
  providers whose discount is a published flat rule. A derived price is always labelled (`Price.fallback`).

Keep rows few and cited; when genai-prices fixes a gap upstream, delete the row and its test case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

OPENAI_PRICING = "https://developers.openai.com/api/docs/pricing"
OPENAI_RELEASE_NOTES = "https://help.openai.com/en/articles/9624314-model-release-notes"
OPENAI_BATCH = "https://platform.openai.com/docs/guides/batch"
OPENAI_FLEX = "https://platform.openai.com/docs/guides/flex-processing"
OPENAI_PRIORITY = "https://openai.com/api-priority-processing/"
OPENAI_GPT4O = "https://platform.openai.com/docs/models/gpt-4o"
ANTHROPIC_PRICING = "https://platform.claude.com/docs/en/about-claude/pricing"
ANTHROPIC_LONG_CONTEXT = "https://platform.claude.com/docs/en/about-claude/pricing#long-context-pricing"
ANTHROPIC_BATCH = "https://platform.claude.com/docs/en/build-with-claude/batch-processing#pricing"


@dataclass(frozen=True)
class Correction:
    """Fields of `Price` to set for (provider, model, tier) on days in [valid_from, valid_to)."""

    provider: str
    model: str  # the catalog's canonical id
    tier: str
    valid_from: date
    valid_to: date | None  # exclusive; None = still in force
    set: dict[str, Decimal | int | None] = field(hash=False)
    url: str
    why: str
    # When given, only a request naming one of these (lower case) gets the row: the catalog folds dated
    # snapshots into one canonical id (`gpt-4o-2024-08-06` is `gpt-4o`), and an alias can be priced apart.
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class TierRule:
    """`tier` costs `factor` x standard for every model of `provider` from `valid_from`, unless priced."""

    provider: str
    tier: str
    factor: Decimal
    valid_from: date
    url: str
    label: str
    # Which cache prices the discount reaches. "all": every field. "as_catalog": input and output always;
    # cached input only where the catalog's own (later) batch price for the model discounts it, because
    # OpenAI's Batch table lists a cached-input rate for some models and "-" for others.
    cache: str = "all"
    # When set, the rule covers only models the catalog prices in `tier` on some date (the provider's own
    # list of models that support the tier) plus ids starting with one of these prefixes.
    listed_plus: tuple[str, ...] | None = None


D = Decimal
_O3_CUT = date(2025, 6, 10)  # OpenAI cut o3 by 80% on this day
_FLEX_LAUNCH = date(2025, 4, 17)  # Flex processing (beta) for o3 and o4-mini
_GPT5_LAUNCH = date(2025, 8, 7)
_SONNET4_1M = date(2025, 8, 12)  # 1M-token context (beta) for Claude Sonnet 4, with long-context prices
_GPT51_LAUNCH = date(2025, 11, 13)  # gpt-5.1 in the API (snapshot gpt-5.1-2025-11-13)
_CATALOG_TIERS = date(2026, 10, 12)  # genai-prices dates its flex and priority prices from this day
_GPT4O_LAUNCH = date(2024, 5, 13)
# OpenAI's developer notice of September 2024: "On Wednesday, October 2nd, the default version of GPT-4o will
# be updated to ... gpt-4o-2024-08-06", 50% cheaper for input and 33% for output; until then `gpt-4o` was
# gpt-4o-2024-05-13 and billed as it.
_GPT4O_ALIAS_MOVED = date(2024, 10, 2)
# The pricing page's Flex and Priority tables as listed in November 2025 (the copy that lists gpt-5.1 and
# says AgentKit billing begins 2025-11-01), same prices as OpenAI's Priority processing page. We date them
# from gpt-5.1's launch, the earliest day that copy can be dated to; earlier priority use stays unpriced.
_NOV_2025_PAGE = "the pricing page's November 2025 Flex and Priority tables"

CORRECTIONS: tuple[Correction, ...] = (
    # The catalog prices the `gpt-4o` alias as gpt-4o-2024-08-06 ($2.50 / $10, cached $1.25) on every day;
    # before the alias moved it was gpt-4o-2024-05-13's $5 / $15, with no cached-input price (that snapshot
    # has none). Only the alias as named: gpt-4o-2024-08-06 cost $2.50 from its release. The batch price
    # follows from the 50% Batch API rule.
    Correction(
        "openai", "gpt-4o", "standard", _GPT4O_LAUNCH, _GPT4O_ALIAS_MOVED,
        {"input": D("5"), "output": D("15"), "cached_input": None},
        OPENAI_GPT4O,
        "gpt-4o pointed at gpt-4o-2024-05-13 until OpenAI moved it to gpt-4o-2024-08-06 on 2024-10-02",
        names=("gpt-4o",),
    ),
    Correction(
        "openai", "o3", "standard", date(2025, 4, 16), _O3_CUT,
        {"cached_input": D("2.50")},
        OPENAI_RELEASE_NOTES,
        "o3 launched at $10 in / $2.50 cached / $40 out; the catalog keeps the post-cut $0.50 cached price",
    ),
    # genai-prices dates every flex price from 2026-10-12 (when it verified them); flex was sold, at half
    # the standard price, from launch. Without these rows earlier flex usage would have no price at all.
    Correction(
        "openai", "o3", "flex", _FLEX_LAUNCH, _O3_CUT,
        {"input": D("5"), "output": D("20"), "cached_input": D("1.25")},
        OPENAI_FLEX,
        "flex launched 2025-04-17 at half the standard o3 price; the catalog dates flex from 2026-10-12",
    ),
    Correction(
        "openai", "o3", "flex", _O3_CUT, date(2026, 10, 12),
        {"input": D("1"), "output": D("4"), "cached_input": D("0.25")},
        OPENAI_PRICING,
        "o3 flex after the 2025-06-10 cut; the catalog dates flex from 2026-10-12",
    ),
    Correction(
        "openai", "o4-mini", "flex", _FLEX_LAUNCH, date(2026, 10, 12),
        {"input": D("0.55"), "output": D("2.20"), "cached_input": D("0.138")},
        OPENAI_FLEX,
        "flex launched 2025-04-17 for o4-mini; the catalog dates flex from 2026-10-12",
    ),
    *(
        Correction(
            "openai", model, "flex", _GPT5_LAUNCH, date(2026, 10, 12),
            {"input": D(i), "output": D(o), "cached_input": D(c)},
            OPENAI_PRICING,
            f"{model} was sold on flex from launch (2025-08-07); the catalog dates flex from 2026-10-12",
        )
        for model, i, o, c in (
            ("gpt-5", "0.625", "5", "0.0625"),
            ("gpt-5-mini", "0.125", "1", "0.0125"),
            ("gpt-5-nano", "0.025", "0.2", "0.0025"),
        )
    ),
    Correction(
        "openai", "gpt-5.1", "flex", _GPT51_LAUNCH, _CATALOG_TIERS,
        {"input": D("0.625"), "output": D("5"), "cached_input": D("0.0625")},
        OPENAI_PRICING,
        f"gpt-5.1 flex as {_NOV_2025_PAGE} list it; the catalog dates flex from 2026-10-12",
    ),
    *(
        Correction(
            "openai", model, "priority", _GPT51_LAUNCH, _CATALOG_TIERS,
            {"input": D(i), "output": D(o), "cached_input": None if c is None else D(c)},
            OPENAI_PRIORITY,
            f"{model} priority as {_NOV_2025_PAGE} list it; the catalog dates priority from 2026-10-12",
        )
        for model, i, c, o in (
            ("gpt-5.1", "2.50", "0.25", "20"),
            ("gpt-5", "2.50", "0.25", "20"),
            ("gpt-5-mini", "0.45", "0.045", "3.60"),
            ("gpt-4.1", "3.50", "0.875", "14"),
            ("gpt-4.1-mini", "0.70", "0.175", "2.80"),
            ("gpt-4.1-nano", "0.20", "0.05", "0.80"),
            ("gpt-4o", "4.25", "2.125", "17"),
            ("gpt-4o-2024-05-13", "8.75", None, "26.25"),
            ("gpt-4o-mini", "0.25", "0.125", "1"),
            ("o3", "3.50", "0.875", "14"),
            ("o4-mini", "2", "0.50", "8"),
        )
    ),
    Correction(
        "anthropic", "claude-sonnet-4-0", "standard", _SONNET4_1M, None,
        {
            "long_context_threshold": 200_000,
            "long_input": D("6"),
            "long_output": D("22.50"),
            "long_cached_input": D("0.60"),
            "long_cache_write_5m": D("7.50"),
            "long_cache_write_1h": D("12"),
        },
        ANTHROPIC_LONG_CONTEXT,
        "requests over 200K input tokens cost $6 in / $22.50 out; the catalog has no long-context tier",
    ),
)  # fmt: skip

TIER_RULES: tuple[TierRule, ...] = (
    TierRule(
        "openai", "batch", D("0.5"), date(2024, 4, 15), OPENAI_BATCH,
        "batch = 50% of standard (OpenAI Batch API discount)",
        cache="as_catalog",
        # The catalog lists the chat models the Batch API supports; embeddings are supported too
        # (text-embedding-3-small $0.01, -3-large $0.065 per 1M on the Batch table).
        listed_plus=("text-embedding-",),
    ),
    TierRule(
        "anthropic", "batch", D("0.5"), date(2024, 10, 8), ANTHROPIC_BATCH,
        "batch = 50% of standard (Anthropic Message Batches API discount, cache prices included)",
    ),
)  # fmt: skip
