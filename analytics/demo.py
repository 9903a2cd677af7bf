"""A seeded generator of realistic exports for a fictional organisation, in the real OpenAI CSV formats.

90 days of the dashboard usage export (`completions_usage_<from>_<to>.csv`) and cost export
(`cost_<from>_<to>.csv`) for "Northwind Analytics": four projects with their keys and users, several models,
batch and cached usage, a weekday rhythm, slow growth and one runaway day (an agent stuck in a loop). The cost
export stops two days before the usage export, as the dashboard's billing lags, so the newest days are priced
from tokens. Amounts are the tokens priced at the dated price of each day, exactly as Decimal.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from analytics import prices
from analytics.budgets import get_budget, set_budget
from analytics.formats import openai_cost_csv, openai_usage_csv
from analytics.store import ImportResult, Store

ORGANIZATION = ("org-NorthwindDemo0001", "Northwind Analytics")
COST_LAG_DAYS = 2
# The demo organisation spends ~$900 a month: its budget is crossed at 50% and 80% every month.
DEMO_BUDGET_USD = Decimal(1000)
DEMO_HARD_LIMIT_USD = Decimal(1200)
WEEKDAY_FACTOR = (1.0, 1.05, 1.1, 1.05, 0.95, 0.35, 0.3)  # Monday .. Sunday
DAILY_GROWTH = 0.006
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Workload:
    """One steady stream of requests: a key of a project calling a model."""

    project: tuple[str, str]
    api_key: tuple[str, str]
    users: tuple[str, ...]
    model: str  # as the usage export reports it: a dated snapshot
    requests_per_day: int
    input_per_request: int
    output_per_request: int
    cached_share: float = 0.0
    batch: bool = False


SUPPORT = ("proj_support01", "Support assistant")
SEARCH = ("proj_search002", "Semantic search")
PIPELINE = ("proj_pipeline3", "Document pipeline")
RESEARCH = ("proj_research4", "Research agents")

WORKLOADS = (
    Workload(SUPPORT, ("key_sup_prod01", "support-prod"), ("user-ana", "user-ben"), "gpt-4o-mini-2024-07-18",
             4_200, 2_600, 220, cached_share=0.55),
    Workload(SUPPORT, ("key_sup_prod01", "support-prod"), ("user-ana",), "gpt-4o-2024-08-06",
             380, 3_400, 420, cached_share=0.4),
    Workload(SUPPORT, ("key_sup_stage2", "support-staging"), ("user-carl",), "gpt-4.1-mini-2025-04-14",
             260, 2_000, 180),
    Workload(SEARCH, ("key_search_api", "search-api"), ("user-dina",), "gpt-4.1-nano-2025-04-14",
             9_000, 900, 60),
    Workload(PIPELINE, ("key_pipe_batch", "pipeline-batch"), ("user-eli",), "gpt-4o-mini-2024-07-18",
             12_000, 1_800, 350, batch=True),
    Workload(PIPELINE, ("key_pipe_batch", "pipeline-batch"), ("user-eli",), "gpt-5-mini-2025-08-07",
             2_500, 2_400, 900, batch=True),
    Workload(RESEARCH, ("key_research_d", "research-dev"), ("user-fay", "user-gus"), "o4-mini-2025-04-16",
             420, 5_500, 2_400, cached_share=0.2),
    Workload(RESEARCH, ("key_research_d", "research-dev"), ("user-gus",), "gpt-5-2025-08-07",
             150, 8_000, 3_000, cached_share=0.3),
)  # fmt: skip

# The runaway: research-dev's gpt-5 agent loops for a day, ~15x its usual volume.
RUNAWAY_DAYS_BEFORE_END = 23
RUNAWAY_FACTOR = 15


@dataclass(frozen=True)
class UsageBucket:
    day: date
    workload: Workload
    user: str
    requests: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int


def generate(folder: Path, *, end: date | None = None, days: int = 90, seed: int = 7) -> list[Path]:
    """Writes the usage and cost exports for the `days` UTC days up to `end` (default: yesterday).

    Returns the paths written: the usage export and the cost export.
    """
    end = end or (datetime.now(UTC).date() - timedelta(days=1))
    start = end - timedelta(days=days - 1)
    buckets = list(_buckets(start, end, random.Random(seed)))
    folder.mkdir(parents=True, exist_ok=True)
    usage_path = folder / f"completions_usage_{start.isoformat()}_{end.isoformat()}.csv"
    openai_usage_csv.write(usage_path, (_usage_row(b) for b in buckets))
    cost_end = end - timedelta(days=COST_LAG_DAYS)
    cost_path = folder / f"cost_{start.isoformat()}_{cost_end.isoformat()}.csv"
    openai_cost_csv.write(cost_path, _cost_rows([b for b in buckets if b.day <= cost_end]))
    return [usage_path, cost_path]


def _buckets(start: date, end: date, rng: random.Random) -> Iterator[UsageBucket]:
    runaway_day = end - timedelta(days=RUNAWAY_DAYS_BEFORE_END)
    day = start
    while day <= end:
        trend = (1 + DAILY_GROWTH) ** (day - start).days * WEEKDAY_FACTOR[day.weekday()]
        for workload in WORKLOADS:
            factor = trend * rng.lognormvariate(0, 0.12)
            if workload.batch and day.weekday() >= 5:
                continue  # the pipeline's batch jobs run on weekdays only
            if day == runaway_day and workload.model.startswith("gpt-5-2025"):
                factor *= RUNAWAY_FACTOR
            for share, user in _user_shares(workload.users):
                requests = max(1, round(workload.requests_per_day * factor * share))
                input_tokens = round(requests * workload.input_per_request * rng.uniform(0.85, 1.15))
                cached = round(input_tokens * workload.cached_share * rng.uniform(0.8, 1.1))
                output = round(requests * workload.output_per_request * rng.uniform(0.8, 1.2))
                cached = min(cached, input_tokens)
                yield UsageBucket(day, workload, user, requests, input_tokens, cached, output)
        day += timedelta(days=1)


def _user_shares(users: tuple[str, ...]) -> list[tuple[float, str]]:
    weights = [1 / (i + 1) for i in range(len(users))]  # the first user does most of the work
    return [(w / sum(weights), user) for w, user in zip(weights, users, strict=True)]


def _unix(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def _usage_row(bucket: UsageBucket) -> dict[str, object]:
    w = bucket.workload
    return {
        "start_time": _unix(bucket.day),
        "end_time": _unix(bucket.day + timedelta(days=1)),
        "project_id": w.project[0],
        "num_model_requests": bucket.requests,
        "user_id": bucket.user,
        "api_key_id": w.api_key[0],
        "model": w.model,
        "batch": w.batch,
        "service_tier": "batch" if w.batch else "default",
        "input_tokens": bucket.input_tokens,
        "output_tokens": bucket.output_tokens,
        "input_cached_tokens": bucket.cached_tokens,
        "input_uncached_tokens": bucket.input_tokens - bucket.cached_tokens,
        "input_text_tokens": bucket.input_tokens,
        "output_text_tokens": bucket.output_tokens,
        "input_cached_text_tokens": bucket.cached_tokens,
        "input_audio_tokens": 0,
        "input_cached_audio_tokens": 0,
        "output_audio_tokens": 0,
        "input_image_tokens": 0,
        "input_cached_image_tokens": 0,
        "output_image_tokens": 0,
    }


def _cost_rows(buckets: list[UsageBucket]) -> Iterator[dict[str, object]]:
    """One row per day x project x line item, like the dashboard's cost export grouped by line item."""
    totals: dict[tuple[date, tuple[str, str], str], Decimal] = {}
    for bucket in buckets:
        w = bucket.workload
        price = prices.price_for(w.model, at=bucket.day, tier="batch" if w.batch else "standard")
        cached_price = price.cached_input if price.cached_input is not None else price.input
        parts = {
            "input_tokens": (bucket.input_tokens - bucket.cached_tokens) * price.input,
            "cached_input_tokens": bucket.cached_tokens * cached_price,
            "output_tokens": bucket.output_tokens * price.output,
        }
        for token_type, amount in parts.items():
            if amount:
                key = (bucket.day, w.project, f"{w.model}, {token_type}")
                totals[key] = totals.get(key, Decimal(0)) + amount / MILLION
    for (day, project, line_item), amount in sorted(totals.items()):
        yield {
            "start_time": _unix(day),
            "end_time": _unix(day + timedelta(days=1)),
            "amount_value": amount,
            "amount_currency": "usd",
            "line_item": line_item,
            "project_id": project[0],
            "organization_id": ORGANIZATION[0],
            "organization_name": ORGANIZATION[1],
            "project_name": project[1],
        }


def labels() -> list[tuple[str, str, str]]:
    """Returns (kind, id, name) for the demo's projects and keys: the names a user would give them."""
    seen: dict[tuple[str, str], str] = {}
    for w in WORKLOADS:
        seen[("project", w.project[0])] = w.project[1]
        seen[("api_key", w.api_key[0])] = w.api_key[1]
    return [(kind, id_, name) for (kind, id_), name in sorted(seen.items())]


def load(store: Store, folder: Path, *, end: date | None = None, days: int = 90) -> list[ImportResult]:
    """Writes the demo exports into `folder`, imports them as any export, names the ids, sets a budget."""
    results = store.import_files(generate(folder, end=end, days=days))
    store.set_labels(labels())
    if get_budget(store) is None:
        set_budget(store, DEMO_BUDGET_USD, alert_percents=(50, 80, 100), hard_limit_usd=DEMO_HARD_LIMIT_USD)
    return results


TICKET_WORDS = (
    "invoice", "refund", "login", "password", "shipping", "delayed", "charged", "twice", "account", "locked",
    "cancel", "upgrade", "plan", "export", "csv", "api", "key", "rate", "limit", "error", "timeout",
    "webhook", "billing", "address", "tax", "receipt",
)  # fmt: skip
CLASSIFIER_PROMPT = (
    "You are a support triage assistant for Northwind Analytics. Classify the customer's ticket into exactly "
    "one of: billing, account, shipping, api, other. Reply with the category name only, in lower case."
)


def write_batch_input(path: Path, *, requests: int = 400, model: str = "gpt-4o-mini", seed: int = 11) -> Path:
    """Writes an OpenAI Batch API input file: ticket triage requests sharing one system prompt."""
    import json

    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(requests):
            ticket = " ".join(rng.choice(TICKET_WORDS) for _ in range(rng.randint(25, 220)))
            body = {
                "model": model,
                "messages": [
                    {"role": "system", "content": CLASSIFIER_PROMPT},
                    {"role": "user", "content": f"Ticket #{1000 + i}: {ticket}"},
                ],
                "max_tokens": 5,
            }
            line = {
                "custom_id": f"ticket-{1000 + i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": body,
            }
            out.write(json.dumps(line) + "\n")
    return path
