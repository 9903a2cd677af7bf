"""Spend reports over the store: daily spend, breakdowns, month status against a budget, forecast,
prepaid credit, anomalies, what-if re-pricing and reconciliation.

**Cost basis.** A day's cost for a provider is what its cost export billed when one covers that day (any
cost row of the provider that UTC day), otherwise the day's tokens priced at the price in force that day
(cached input, cache writes, batch / flex / priority tier, long context). Token rows are priced in SQL by
joining a small price table (`prices.price_table` for the models present) — never row by row in Python.
Every figure carries its basis: `billed`, `estimated`, or `mixed` (both kinds added up).

Reports read the `usage_effective` / `costs_effective` views, so organisation-level and per-project rows
are never added together. Money is Decimal (DECIMAL(38,12) in DuckDB); all days are UTC.

Breakdowns by model and project use the bill's own columns (OpenAI cost line items name the model). The
bill has no user, service tier or (usually) API key: for those, a billed day's amount per project is split
in proportion to the token-estimated cost of each key that day, and keeps the `billed` basis.

Speed: usage is summed per (day, model, tier, key) before it is priced, so only a few thousand groups meet
the price table (`benchmarks/bench_reports.py`: 10M rows). Most of the remaining time is the views' anti-join.

Long-context prices apply to a request whose input exceeds the threshold. Claude exports name the side
(`context_window` "> 200k"); other buckets sum many requests, so one is priced long when its *average*
request input exceeds the threshold (and never when it has no request count).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from analytics import prices
from analytics.budgets import ORG, Budget, Credit, get_budget, list_credits
from analytics.prices import PriceBook
from analytics.prices import rule as price_rule
from analytics.prices import sql as price_sql
from analytics.store import Store

BASES = ("billed", "allocated", "estimated", "mixed")
DIMENSIONS = ("model", "project", "api_key", "user", "service_tier", "workspace", "provider")
_LABEL_KIND = {"project": "project", "api_key": "api_key", "user": "user"}
_USAGE_KEY = {
    "model": "model",
    "project": "project_id",
    "api_key": "api_key_id",
    "user": "user_id",
    "service_tier": "tier",
    "workspace": "workspace",
    "provider": "provider",
}
# Dimensions the bill itself carries; the others are split from the bill by estimated shares.
_COST_KEY = {"model": "model", "project": "project_id", "workspace": "workspace", "provider": "provider"}
# Exports that name keys but give no id (Claude Console) are broken down by the name.
_USAGE_ROWS = "(SELECT * REPLACE (coalesce(api_key_id, api_key_name) AS api_key_id) FROM usage_effective)"
FILTER_FIELDS = DIMENSIONS  # the keys of `daily_spend(where=...)`
NONE_LABEL = "(none)"
CENT_12 = Decimal("1e-12")
FORECAST_WINDOW_DAYS = 28

_TIER_SQL = """CASE WHEN batch OR service_tier = 'batch' THEN 'batch'
    WHEN service_tier = 'flex' THEN 'flex' WHEN service_tier = 'priority' THEN 'priority'
    ELSE 'standard' END"""

# The typed price relation `_prices` over the registered `_price_frame`; its rate columns are the ones the
# pricing rule (`prices.rule`) reads, so every report prices with the one rule the estimates use.
_PRICES_CTE = price_sql.PRICES_CTE


# ---------------------------------------------------------------- SQL building blocks


@dataclass(frozen=True)
class _Filter:
    """A resolved `where`: SQL (parameterised by `params`) over the raw usage and cost columns.

    `usage_sql` / `cost_sql` (" AND ..." clauses) hold the fields the bill carries (project, model);
    `keep_sql` (a boolean) the fields it lacks (API key, user, tier): their bill share is split by estimates.
    """

    usage_sql: str = ""
    cost_sql: str = ""
    keep_sql: str = "true"
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def split(self) -> bool:
        return self.keep_sql != "true"


def _project_filter(project_id: str | None) -> _Filter:
    if not project_id:
        return _Filter()
    return _Filter(" AND project_id = $project", " AND project_id = $project", params={"project": project_id})


def _usage_cte(
    project: str | None, *, model: str = "model", tier: str = _TIER_SQL, filt: _Filter | None = None
) -> str:
    where = " AND project_id = $project" if project else ""
    if filt is not None:
        where += filt.usage_sql
    keep = "true" if filt is None else filt.keep_sql
    return f"""_usage AS (
    SELECT provider, CAST(period_start AS DATE) AS day, model, {model} AS price_model,
           project_id, api_key_id, user_id, workspace, {tier} AS tier, coalesce(requests, 0) AS requests,
           coalesce(input_tokens, 0) AS input_tokens, coalesce(cached_input_tokens, 0) AS cached,
           coalesce(cache_write_tokens, 0) AS cache_write,
           least(coalesce(cache_write_1h_tokens, 0), coalesce(cache_write_tokens, 0)) AS cache_write_1h,
           coalesce(output_tokens, 0) AS output_tokens, details, {keep} AS keep
    FROM {_USAGE_ROWS} WHERE period_start >= $start AND period_start < $stop{where})"""


def _priced_cte(
    name: str = "_priced", *, source: str = "_usage", cached: str = "u.cached", prices_alias: str = "p"
) -> str:
    """Usage rows with `micro_cost`: USD x 1,000,000 (summed first, scaled once; exact DECIMAL), and
    `micro_uncached`: the same tokens with cache reads and writes billed as plain input."""
    p = prices_alias
    # A swapped model (what-if) has its own threshold: the export's context window only speaks for its own.
    window = "CASE WHEN u.price_model = u.model THEN u.details->>'context_window' END"
    long = price_rule.long_sql(f"{p}.long_threshold", "u.input_tokens", "u.requests", window)
    tokens = {
        "uncached_input": f"u.input_tokens - ({cached}) - u.cache_write",
        "cached_input": f"({cached})",
        "cache_write_5m": "u.cache_write - u.cache_write_1h",
        "cache_write_1h": "u.cache_write_1h",
        "output": "u.output_tokens",
    }
    return f"""{name} AS (
    SELECT u.*, {p}.model IS NOT NULL AS priced,
           {price_rule.micro_cost_sql(tokens, p, long)} AS micro_cost,
           {price_rule.micro_cost_sql(tokens, p, long, without_cache=True)} AS micro_uncached
    FROM {source} u LEFT JOIN _prices {p} ON {p}.model = u.price_model AND {p}.tier = u.tier
         AND {p}.valid_from <= u.day AND u.day < {p}.valid_to)"""


def _summed_priced_cte(keys: tuple[str, ...], long_flag: str) -> str:
    """`_priced`: usage summed per (provider, day, model, tier, `keys`, long-context side), then priced.

    Summing first prices a few thousand groups instead of every row (rates are constant within a group);
    `long_flag` (from `_register_prices`) decides the long-context side per row, before summing.
    """
    base = ("provider", "day", "model", "price_model", "tier")
    columns = ", ".join(dict.fromkeys([*base, *keys]))
    tokens = {
        "uncached_input": "u.uncached",
        "cached_input": "u.cached",
        "cache_write_5m": "u.cache_write - u.cache_write_1h",
        "cache_write_1h": "u.cache_write_1h",
        "output": "u.output_tokens",
    }
    return f"""_sums AS (
    SELECT {columns}, {long_flag} AS is_long,
           CAST(sum(input_tokens - cached - cache_write) AS BIGINT) AS uncached,
           CAST(sum(cached) AS BIGINT) AS cached, CAST(sum(cache_write) AS BIGINT) AS cache_write,
           CAST(sum(cache_write_1h) AS BIGINT) AS cache_write_1h,
           CAST(sum(output_tokens) AS BIGINT) AS output_tokens
    FROM _usage GROUP BY ALL),
_priced AS (
    SELECT u.*, p.model IS NOT NULL AS priced,
           {price_rule.micro_cost_sql(tokens, "p", "u.is_long")} AS micro_cost,
           {price_rule.micro_cost_sql(tokens, "p", "u.is_long", without_cache=True)} AS micro_uncached
    FROM _sums u LEFT JOIN _prices p ON p.model = u.price_model AND p.tier = u.tier
         AND p.valid_from <= u.day AND u.day < p.valid_to)"""


def _long_flag(frame: pd.DataFrame) -> str:
    """Returns SQL deciding, per usage row, whether it is priced at the long-context rates.

    A row whose export names its context window (Claude: `> 200k`) says so itself; otherwise a row whose
    average request input exceeds the model's threshold is long; a row without a request count is not.
    """
    rows = frame[frame["long_context_threshold"].notna()]
    if rows.empty:
        return "false"

    def quoted(text: object) -> str:
        return "'" + str(text).replace("'", "''") + "'"

    cases = " ".join(
        f"WHEN price_model = {quoted(r.model)} AND tier = {quoted(r.tier)}"
        f" AND day >= DATE {quoted(r.valid_from)} AND day < DATE {quoted(r.valid_to)}"
        f" THEN {int(r.long_context_threshold)}"
        for r in rows.itertuples()
    )
    # The rule's own long-context test (`prices.rule.long_sql`), with the threshold of the row's price.
    return price_rule.long_sql(
        f"(CASE {cases} END)", "input_tokens", "requests", "details->>'context_window'"
    )


_COVERED_CTE = """_covered AS (
    SELECT DISTINCT provider, CAST(period_start AS DATE) AS day FROM costs_effective
    WHERE period_start >= $start AND period_start < $stop)"""


def _params(start: date, end: date, project: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"start": _midnight(start), "stop": _midnight(end + timedelta(days=1))}
    if project:
        params["project"] = project
    return params


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _register_prices(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    project: str | None,
    *,
    extra_models: tuple[str, ...] = (),
    tiers_sql: str = _TIER_SQL,
    filt: _Filter | None = None,
    book: PriceBook | None = None,
) -> tuple[list[str], str]:
    """Registers `_price_frame` (prices from `book`) for the models used in start..end.

    Returns the 'model (tier)' pairs left unpriced (of the rows `filt` keeps), and the SQL of the
    long-context flag (`_long_flag`).
    """
    book = book or prices.default_book()
    # The raw table (a superset of the view's models) spares the view's anti-join on this small query.
    where = " AND project_id = $project" if project else ""
    params = _params(start, end, project)
    keep = "true"
    if filt is not None:
        where, keep = where + filt.usage_sql, filt.keep_sql
        params.update(filt.params)
    rows = con.execute(
        f"SELECT model, {tiers_sql} AS tier, {keep} AS keep, bool_or(coalesce(cache_write_1h_tokens, 0) > 0)"
        f" FROM usage WHERE period_start >= $start AND period_start < $stop{where} GROUP BY ALL",
        params,
    ).fetchall()
    used = list(dict.fromkeys((m, t) for m, t, _, _ in rows))
    kept = list(dict.fromkeys((m, t) for m, t, k, _ in rows if k))
    with_1h = {(m, t) for m, t, k, h in rows if k and h}
    frames = []
    unknown: set[str] = set()
    for model in dict.fromkeys([*(m for m, _ in used if m), *extra_models]):
        try:
            frames.append(book.price_table([model], start, end))
        except prices.UnknownModelError:
            unknown.add(model)
    frame = pd.concat(frames, ignore_index=True) if frames else book.price_table([], start, end)
    con.register("_price_frame", frame)
    priced = set(zip(frame["model"], frame["tier"], strict=True))
    unpriced = sorted(f"{m} ({t})" for m, t in kept if m is None or m in unknown or (m, t) not in priced)
    # The rule leaves 1-hour writes unpriced on a model that prices only 5-minute ones (`prices.rule`).
    no_1h = frame[frame["cache_write_5m_per_mtok"].notna() & frame["cache_write_1h_per_mtok"].isna()]
    unpriced += sorted(
        {f"{m} ({t}, 1-hour cache writes)" for m, t in zip(no_1h["model"], no_1h["tier"], strict=True)
         if (m, t) in with_1h}
    )  # fmt: skip
    return unpriced, _long_flag(frame)


# ---------------------------------------------------------------- daily spend


def daily_spend(
    store: Store,
    start: date,
    end: date,
    *,
    by: str | None = None,
    project: str | None = None,
    where: Mapping[str, Sequence[str]] | None = None,
    book: PriceBook | None = None,
) -> pd.DataFrame:
    """Returns the cost of each UTC day start..end: columns `date`, [`by`], `cost_usd` (Decimal), `basis`.

    Without `by`, every day of the range has a row (0 on days without usage). `by` is one of `DIMENSIONS`;
    ids are shown by their label names. `frame.attrs["unpriced"]` lists models (tier) whose tokens had no
    price and so count as 0.

    `where` keeps only some rows, all its fields at once: {field: values} with fields among `FILTER_FIELDS`;
    a row is kept when it matches any of a field's values (an empty sequence does not filter). Projects,
    API keys and users are ids or label names (`NONE_LABEL` matches rows without one); a model matches as
    reported and by its family (`gpt-4o` keeps `gpt-4o-2024-08-06`, not `gpt-4o-mini`); tiers are
    `prices.TIERS`. Project and model filter the bill's own lines (bill lines without a model, such as tool
    calls, are dropped by a model filter). The bill has no key, user or tier: with those filters a billed
    (day, provider, project) keeps the share of its token estimate that passes the filter, still `billed`;
    a bill with no usage estimate to split counts 0 then.
    `project` is short for `where={"project": [project]}`.
    """
    if end < start:
        raise ValueError(f"the report range ends ({end}) before it starts ({start})")
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(DIMENSIONS)}")
    where = dict(where or {})
    if project:
        if where.get("project"):
            raise ValueError("give the project filter once: as project= or in where=")
        where["project"] = [project]
    totals, breakdown = _daily(store, start, end, by, _resolve_where(store, start, end, where), book=book)
    return totals if breakdown is None else breakdown


def _resolve_where(store: Store, start: date, end: date, where: Mapping[str, Sequence[str]]) -> _Filter:
    """Returns the SQL of `where` (see `daily_spend`); label names become ids, models their spellings."""
    unknown = sorted(set(where) - set(FILTER_FIELDS))
    if unknown:
        raise ValueError(f"unknown filter {unknown[0]!r}; expected some of {', '.join(FILTER_FIELDS)}")
    wanted = {k: [v] if isinstance(v, str) else [str(x) for x in v] for k, v in where.items() if v}
    if not wanted:
        return _Filter()
    labels = store.labels() if wanted.keys() & _LABEL_KIND.keys() else {}
    usage_sql, cost_sql, keep, params = [], [], [], {}

    def clause(column: str, name: str, values: list[str]) -> str:
        ids = [v for v in values if v != NONE_LABEL]
        params[name] = ids
        test = f"list_contains(${name}, {column})"
        return f"({test} OR {column} IS NULL)" if NONE_LABEL in values else test

    for key, values in wanted.items():
        name = f"where_{key}"
        if key in _LABEL_KIND:
            kind = _LABEL_KIND[key]
            ids = [i for (k, i), n in labels.items() if k == kind and n in values]
            sql = clause(_USAGE_KEY[key], name, list(dict.fromkeys([*values, *ids])))
        elif key == "model":
            sql = clause("model", name, _matching_models(store, start, end, values))
        elif key in ("workspace", "provider"):
            sql = clause(key, name, values)
        else:
            bad = [v for v in values if v not in prices.TIERS]
            if bad:
                raise ValueError(f"unknown tier {bad[0]!r}; expected one of {', '.join(prices.TIERS)}")
            params[name] = values
            sql = f"list_contains(${name}, {_TIER_SQL})"
        if key in _COST_KEY:
            usage_sql.append(f" AND {sql}")
            cost_sql.append(f" AND {sql}")
        else:
            keep.append(sql)
    return _Filter("".join(usage_sql), "".join(cost_sql), " AND ".join(keep) or "true", params)


def filter_options(store: Store, start: date, end: date) -> dict[str, list[str]]:
    """Returns, for each of `FILTER_FIELDS`, the ids (models as reported, tiers) in start..end's usage."""
    columns = {**_USAGE_KEY, "service_tier": f"({_TIER_SQL})"}
    columns["api_key"] = "coalesce(api_key_id, api_key_name)"  # names-only keys (Claude Console) too
    out: dict[str, list[str]] = {}
    with store.reader() as con:
        for name in FILTER_FIELDS:
            out[name] = [v for (v,) in con.execute(
                f"SELECT DISTINCT {columns[name]} AS v FROM usage_effective"
                " WHERE period_start >= $start AND period_start < $stop AND v IS NOT NULL ORDER BY 1",
                _params(start, end, None),
            ).fetchall()]  # fmt: skip
    return out


def daily_usage(
    store: Store,
    start: date,
    end: date,
    *,
    by: str,
    where: Mapping[str, Sequence[str]] | None = None,
    book: PriceBook | None = None,
) -> pd.DataFrame:
    """Returns the tokens and requests of each UTC day, provider and `by` key start..end (the usage rows that
    pass `where`, as in `daily_spend`): `date`, `provider`, `by`, `requests`, `input_tokens` (cached
    included), `cached_input_tokens`, `output_tokens` — for downloads beside the cost."""
    if by not in DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(DIMENSIONS)}")
    filt = _resolve_where(store, start, end, dict(where or {}))
    key = _USAGE_KEY[by]
    sql = f"""WITH {_usage_cte(None, filt=filt)}
        SELECT day AS date, provider, {key} AS key, sum(requests) AS requests,
               sum(input_tokens) AS input_tokens, sum(cached) AS cached_input_tokens,
               sum(output_tokens) AS output_tokens
        FROM _usage WHERE keep GROUP BY ALL ORDER BY date, provider, key"""
    with store.reader() as con:
        frame = con.execute(sql, {**_params(start, end, None), **filt.params}).df()
    keys = frame.pop("key")
    if by == "model":  # keyed as the breakdowns are: the canonical model id
        book = book or store.price_book()
        keys = pd.Series([_canonical_key(k, book) for k in keys], dtype=object)
    if by != "provider":  # by provider: the provider column is the key
        frame.insert(2, by, _label(store, by, keys))
    frame["date"] = [pd.Timestamp(d).date() for d in frame["date"]]
    counts = ["requests", "input_tokens", "cached_input_tokens", "output_tokens"]
    frame = frame.groupby(["date", "provider", by] if by != "provider" else ["date", "provider"],
                          as_index=False, sort=True)[counts].sum()  # fmt: skip
    for column in counts:
        frame[column] = frame[column].astype("int64")
    return frame


def cache_savings(
    store: Store,
    start: date,
    end: date,
    *,
    by: str | None = None,
    where: Mapping[str, Sequence[str]] | None = None,
    book: PriceBook | None = None,
) -> pd.DataFrame:
    """Returns what prompt caching saved each UTC day start..end (per `by` key when given): `date`,
    [`by`], `cost_usd` (the tokens as priced), `without_cache_usd` (the same tokens with cache reads and
    writes billed as plain input), `saved_usd` (the difference; negative when cache writes cost more than
    the reads saved). Token estimates at the dated prices, for every usage row `where` keeps, billed day or
    not: comparable with the "cache savings" of gateway dashboards. Unpriced tokens are left out.
    """
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(DIMENSIONS)}")
    filt = _resolve_where(store, start, end, dict(where or {}))
    book = book or store.price_book()
    key = "NULL" if by is None else _USAGE_KEY[by]
    keys = ("keep", *(() if by is None else (_USAGE_KEY[by],)))
    with store.reader() as con:
        _, long_flag = _register_prices(con, start, end, None, filt=filt, book=book)
        frame = _arrow(
            con,
            f"""WITH {_usage_cte(None, filt=filt)}, {_PRICES_CTE}, {_summed_priced_cte(keys, long_flag)}
                SELECT day AS date, {key} AS key,
                       CAST(sum(micro_cost) * 0.000001 AS DECIMAL(38,12)) AS cost_usd,
                       CAST(sum(micro_uncached) * 0.000001 AS DECIMAL(38,12)) AS without_cache_usd
                FROM _priced WHERE keep AND micro_cost IS NOT NULL GROUP BY ALL ORDER BY 1""",
            {**_params(start, end, None), **filt.params},
        )
    if by == "model":
        frame["key"] = [_canonical_key(_none(k), book) for k in frame["key"]]
    columns = ["date", *(() if by is None else (by,)), "cost_usd", "without_cache_usd", "saved_usd"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    if by is not None:
        frame[by] = _label(store, by, frame["key"])
    group = ["date", *(() if by is None else (by,))]
    frame = frame.groupby(group, as_index=False, sort=True, dropna=False).agg(
        cost_usd=("cost_usd", "sum"), without_cache_usd=("without_cache_usd", "sum")
    )
    frame["saved_usd"] = [w - c for w, c in zip(frame["without_cache_usd"], frame["cost_usd"], strict=True)]
    return frame[columns]


def _canonical(model: str) -> str | None:
    try:
        return prices.resolve_model(model)[1]
    except prices.UnknownModelError:
        return None


def _matching_models(store: Store, start: date, end: date, values: list[str]) -> list[str]:
    """Returns `values` and the models used or billed start..end that are one of them or in their family."""
    families = {c for c in map(_canonical, values) if c is not None}
    with store.reader() as con:
        models = [m for (m,) in con.execute(
            """SELECT DISTINCT model FROM usage WHERE period_start >= $start AND period_start < $stop
                AND model IS NOT NULL
            UNION SELECT DISTINCT model FROM costs WHERE period_start >= $start AND period_start < $stop
                AND model IS NOT NULL""",
            _params(start, end, None),
        ).fetchall()]  # fmt: skip
    return [*values, *(m for m in models if m not in values and _canonical(m) in families)]


def _daily(
    store: Store, start: date, end: date, by: str | None, filt: _Filter, *, book: PriceBook | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Returns (every day's total, the breakdown by `by` or None), both with `attrs["unpriced"]`.

    A breakdown by a dimension the bill carries (model, project) adds up exactly to the totals, so the
    totals are summed from it (one pass over the usage); split bills are totalled by their own pass.
    """
    with store.reader() as con:
        unpriced, long_flag = _register_prices(
            con, start, end, None, filt=filt, book=book or store.price_book()
        )
        parts = _spend(con, start, end, by, filt, long_flag, book or store.price_book())
        if by is not None:
            # Allocated parts add up exactly to their bill (`allocate`), so the day's total is the sum of
            # its parts; the total of a billed day is the bill, whatever the parts' split.
            whole = parts if filt.split else parts.assign(basis=parts["basis"].replace("allocated", "billed"))
            totals = whole.groupby("date", as_index=False, sort=True).agg(
                cost_usd=("cost_usd", "sum"), basis=("basis", combine_bases)
            )
        else:
            totals = parts
    days = pd.DataFrame({"date": [start + timedelta(days=i) for i in range((end - start).days + 1)]})
    totals = days.merge(totals[["date", "cost_usd", "basis"]], on="date", how="left")
    totals["cost_usd"] = [Decimal(0) if pd.isna(c) else c for c in totals["cost_usd"]]
    # A day without a row is billed $0 when a cost export covers it (the bill says nothing was spent).
    billed_periods = _cost_periods(store)
    totals["basis"] = [
        b if isinstance(b, str) else ("billed" if _covered(d, billed_periods) else "estimated")
        for d, b in zip(totals["date"], totals["basis"], strict=True)
    ]
    totals.attrs["unpriced"] = unpriced
    if by is None:
        return totals, None
    breakdown = parts.rename(columns={"key": by})
    breakdown[by] = _label(store, by, breakdown[by])
    breakdown = breakdown.groupby(["date", by], as_index=False, sort=True).agg(
        cost_usd=("cost_usd", "sum"), basis=("basis", combine_bases)
    )
    breakdown.attrs["unpriced"] = unpriced
    breakdown.attrs["notes"] = _unknown_bill_models(store, start, end, book) if by == "model" else []
    return totals, breakdown.reset_index(drop=True)


def _unknown_bill_models(store: Store, start: date, end: date, book: PriceBook | None) -> list[str]:
    """Notes on bill lines whose model no price book knows (a display name not mapped to an id)."""
    book = book or store.price_book()
    with store.reader() as con:
        rows = con.execute(
            """SELECT DISTINCT model, details->>'model_name' FROM costs_effective
               WHERE period_start >= $start AND period_start < $stop AND model IS NOT NULL ORDER BY 1""",
            _params(start, end, None),
        ).fetchall()
    notes = []
    for model, name in rows:
        try:
            book.resolve_model(model)
        except prices.UnknownModelError:
            notes.append(
                f"the bill names a model no price book knows: {name or model!r} (shown as {model!r})"
            )
    return notes


def _spend(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    by: str | None,
    filt: _Filter,
    long_flag: str,
    book: PriceBook | None = None,
) -> pd.DataFrame:
    """Returns rows (date, key, cost_usd, basis); key is NULL without a breakdown.

    Days a cost export covers are the bill's; the others are token estimates. A bill line that lacks the
    field broken down by (an organisation bill has no project, model or key) is split by `allocate` in
    proportion to each key's token-priced cost that day and provider (that project, when the line has
    one), basis `allocated`. With a filter on fields the bill lacks (key, user, tier), a line keeps the
    share of its scope's token cost that passes the filter, also `allocated`. Models are keyed by their
    canonical id (`canonical_model`), so a dated id and a display name of one model meet.
    """
    book = book or prices.default_book()
    usage_key = "NULL" if by is None else _USAGE_KEY[by]
    keys = ("keep", "project_id", *(() if by is None else (_USAGE_KEY[by],)))
    params = {**_params(start, end, None), **filt.params}
    head = f"""WITH {_usage_cte(None, filt=filt)}, {_PRICES_CTE}, {_summed_priced_cte(keys, long_flag)},
        {_COVERED_CTE}"""
    cost_key = _COST_KEY.get(by, "NULL") if by else "NULL"
    frames = _arrow(
        con,
        f"""{head},
            _est AS (SELECT day, {usage_key} AS key, coalesce(sum(micro_cost), 0) * 0.000001 AS cost
                FROM _priced u ANTI JOIN _covered c ON u.provider = c.provider AND u.day = c.day
                WHERE u.keep GROUP BY ALL),
            _shares AS (SELECT u.day, u.provider, u.project_id, u.model, {usage_key} AS key, u.keep,
                    coalesce(sum(micro_cost), 0) AS weight
                FROM _priced u SEMI JOIN _covered c ON u.provider = c.provider AND u.day = c.day
                GROUP BY ALL),
            _bills AS (SELECT CAST(period_start AS DATE) AS day, provider, project_id, model,
                    {cost_key} AS key, line_item IS NOT NULL AND model IS NULL AS other_line,
                    sum(amount_usd) AS cost
                FROM costs_effective WHERE period_start >= $start AND period_start < $stop{filt.cost_sql}
                GROUP BY ALL)
            SELECT 'estimated' AS part, day, NULL AS provider, NULL AS project_id, NULL AS model, key,
                   true AS keep, false AS other_line, CAST(cost AS DECIMAL(38,18)) AS amount
            FROM _est
            UNION ALL
            SELECT 'share', day, provider, project_id, model, key, keep, false, CAST(weight AS DECIMAL(38,18))
            FROM _shares
            UNION ALL
            SELECT 'bill', day, provider, project_id, model, key, true, other_line,
                   CAST(cost AS DECIMAL(38,18))
            FROM _bills""",
        params,
    )
    canon = _canonical_key if by == "model" else (lambda key, _book: key)
    rows: list[tuple[date, Any, Decimal, str]] = []
    for r in frames[frames["part"] == "estimated"].itertuples():
        rows.append((r.day, canon(_none(r.key), book), r.amount, "estimated"))
    # Token-priced weights per scope: (day, provider, project or any, model or any): a bill line is split
    # over the usage it can stand for (its project, its model, when it names them).
    weights: dict[tuple, dict[Any, list[Decimal]]] = {}
    for r in frames[frames["part"] == "share"].itertuples():
        key = canon(_none(r.key), book)
        model = _canonical_key(_none(r.model), book)
        for project in (_none(r.project_id), _ANY):
            for scope_model in (model, _ANY):
                scope = (r.day, r.provider, project, scope_model)
                whole_kept = weights.setdefault(scope, {}).setdefault(key, [Decimal(0), Decimal(0)])
                whole_kept[0] += r.amount
                if r.keep:
                    whole_kept[1] += r.amount
    for r in frames[frames["part"] == "bill"].itertuples():
        project, model = _none(r.project_id), _canonical_key(_none(r.model), book)
        scope = weights.get(
            (r.day, r.provider, _ANY if project is None else project, _ANY if model is None else model), {}
        )
        whole = sum((w[0] for w in scope.values()), Decimal(0))
        kept = {k: w[1] for k, w in scope.items() if w[1]}
        key = canon(_none(r.key), book) if by in _COST_KEY else None
        if by is None or key is not None or (by == "model" and r.other_line):
            # The bill names the key itself (or has none to name: a tool line has no model).
            if not filt.split:
                rows.append((r.day, key, r.amount, "billed"))
            elif whole and kept:
                share = r.amount * sum(kept.values(), Decimal(0)) / whole
                rows.append((r.day, key, share, "allocated"))
            continue
        if not whole:
            if not filt.split:  # nothing to split by: the bill stays whole, under no key
                rows.append((r.day, None, r.amount, "billed"))
            continue
        for part_key, amount in allocate(r.amount, kept, total=whole).items():
            rows.append((r.day, part_key, amount, "allocated"))
    out = pd.DataFrame(rows, columns=["date", "key", "cost_usd", "basis"])
    if out.empty:
        return out
    out["key"] = out["key"].astype(object).where(out["key"].notna(), None)
    out = out.groupby(["date", "key"], as_index=False, sort=True, dropna=False).agg(
        cost_usd=("cost_usd", "sum"), basis=("basis", combine_bases)
    )
    out["cost_usd"] = [c.quantize(CENT_12) for c in out["cost_usd"]]
    return out


_ANY = object()  # a scope key: every project of the day and provider


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def allocate(amount: Decimal, weights: Mapping[Any, Decimal], *, total: Decimal | None = None) -> dict:
    """Splits `amount` in proportion to `weights` (of `total`, default their sum), at 12 decimals.

    The one allocation rule of every report, the app and the notebooks (basis `allocated`). The parts add
    up exactly to `amount` x sum(weights) / total: the rounding remainder goes to the largest part, so an
    organisation bill split by model sums back to the bill.
    """
    weights = {k: w for k, w in weights.items() if w}
    whole = sum(weights.values(), Decimal(0))
    total = whole if total is None else total
    if not weights or not total:
        return {}
    target = (amount * whole / total).quantize(CENT_12)
    parts = {k: (amount * w / total).quantize(CENT_12) for k, w in weights.items()}
    largest = max(parts, key=lambda k: (parts[k], str(k)))
    parts[largest] += target - sum(parts.values(), Decimal(0))
    return parts


def _canonical_key(model: Any, book: PriceBook) -> Any:
    """The canonical model id breakdowns and reconciliation key on (an unknown name: as written)."""
    if model is None:
        return None
    return _canonical_model(str(model), book)


def _canonical_model(model: str, book: PriceBook) -> str:
    try:
        return book.resolve_model(model)[1]
    except prices.UnknownModelError:
        return model.strip().lower()


_BASIS_SQL = """CASE WHEN bool_and(src = 'billed') THEN 'billed'
    WHEN bool_and(src = 'estimated') THEN 'estimated' ELSE 'mixed' END"""


def _arrow(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    # Via Arrow, DECIMAL stays Decimal (DuckDB's .df() would give float64).
    return con.sql(sql, params=params).to_arrow_table().to_pandas()


def combine_bases(bases: pd.Series) -> str:
    """Returns the one basis all figures share, else `mixed`."""
    kinds = set(bases)
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _label(store: Store, by: str, keys: pd.Series) -> list[str]:
    kind = _LABEL_KIND.get(by)
    names = store.labels() if kind else {}
    return [
        NONE_LABEL
        if key is None or (isinstance(key, float) and pd.isna(key))
        else names.get((kind, key), key)
        for key in keys
    ]


def resolve_project(store: Store, project: str | None) -> str | None:
    """Returns the project id for an id or a label name (names as set with labels; ids pass through)."""
    if not project:
        return None
    for (kind, id_), name in store.labels().items():
        if kind == "project" and name == project:
            return id_
    return project


def unknown_project(store: Store, project: str | None) -> str | None:
    """Returns a warning when `project` (an id or a label name) matches no project in the store, else None
    (a budget or report for a typo would otherwise read as a quiet $0)."""
    project_id = resolve_project(store, project)
    if project_id is None:
        return None
    with store.reader() as con:
        known = [r[0] for r in con.execute(
            """SELECT project_id FROM usage WHERE project_id IS NOT NULL
               UNION SELECT project_id FROM costs WHERE project_id IS NOT NULL
               UNION SELECT id FROM labels WHERE kind = 'project' ORDER BY 1"""
        ).fetchall()]  # fmt: skip
    if project_id in known:
        return None
    names = {i: n for (k, i), n in store.labels().items() if k == "project"}
    shown = ", ".join(f"{names[i]} ({i})" if i in names else i for i in known[:8])
    return f"no project {project!r} in the store" + (f" (known: {shown}{', …' if len(known) > 8 else ''})"
                                                      if known else "")  # fmt: skip


def data_range(store: Store) -> tuple[date, date] | None:
    """Returns the first and last UTC day with usage or cost rows, or None for an empty store."""
    with store.reader() as con:
        first, last = con.execute(
            # The raw tables have the same buckets as the *_effective views (which only choose between
            # organisation and project rows of a bucket), and min/max over them skips the views' anti-join.
            """SELECT min(d), max(d) FROM (
                SELECT CAST(min(period_start) AS DATE) d FROM usage
                UNION ALL SELECT CAST(max(period_start) AS DATE) FROM usage
                UNION ALL SELECT CAST(min(period_start) AS DATE) FROM costs
                UNION ALL SELECT CAST(max(period_start) AS DATE) FROM costs)"""
        ).fetchone()
    return None if first is None else (first, last)


@dataclass(frozen=True)
class DefaultMonth:
    """The month a report opens on when none is asked for, and why (None: it is simply this month)."""

    month: date  # first day
    note: str | None


def default_month(store: Store, *, today: date | None = None) -> DefaultMonth:
    """The one rule for every front end: this UTC month if it has data, else the newest month with data
    (saying so), else this month (an empty store)."""
    this_month = (today or datetime.now(UTC).date()).replace(day=1)
    span = data_range(store)
    if span is None or span[1] >= this_month:
        return DefaultMonth(this_month, None)
    newest = span[1].replace(day=1)
    return DefaultMonth(
        newest, f"No data in {this_month:%B %Y} yet: showing {newest:%B %Y}, the newest month with data."
    )


def default_range(store: Store, start: date | None, end: date | None) -> tuple[date, date]:
    """Completes a half-open day range: no end = the last day with data, no start = the first
    (today for an empty store)."""
    span = data_range(store)
    today = datetime.now(UTC).date()
    first, last = span if span else (today, today)
    return start or min(first, end or first), end or max(last, start or last)


# ---------------------------------------------------------------- month status and forecast


@dataclass(frozen=True)
class Alert:
    """One budget line: an alert percent (or the hard limit) and the day month-to-date spend reached it."""

    kind: str  # "alert" or "hard_limit"
    percent: Decimal
    threshold_usd: Decimal
    crossed_on: date | None


@dataclass(frozen=True)
class Forecast:
    """Month-end spend at the weekday run rate: `expected`, and `low`-`high` from the weekdays' min-max."""

    expected_usd: Decimal
    low_usd: Decimal
    high_usd: Decimal
    days: pd.DataFrame = field(repr=False)  # date, expected_usd, low_usd, high_usd for days after as_of


@dataclass(frozen=True)
class MonthStatus:
    """Where a budget month stands on `as_of` (the last day with data, or the month end)."""

    month: date  # first day of the month
    as_of: date
    scope: str
    spent_usd: Decimal
    basis: str
    budget: Budget | None
    percent_used: Decimal | None
    forecast: Forecast
    runs_out_on: (
        date | None
    )  # the day spend reaches the budget (actual or at this pace); None: not this month
    alerts: tuple[Alert, ...]
    days: pd.DataFrame = field(repr=False)  # date, cost_usd, basis, cumulative_usd: month start..as_of
    unpriced: tuple[str, ...] = ()
    breakdown: pd.DataFrame | None = field(default=None, repr=False)  # as daily_spend(by=...), month days

    @property
    def budget_usd(self) -> Decimal | None:
        return None if self.budget is None else self.budget.monthly_usd

    @property
    def over(self) -> bool:
        """Whether `as_of` is the month's last day: the month's figures are its totals."""
        return self.as_of >= month_end(self.month)

    @property
    def forecast_basis(self) -> str:
        """The forecast's basis: the month's own when the month is over (the forecast is its total)."""
        return self.basis if self.over else "estimated"

    @property
    def crossed(self) -> tuple[Alert, ...]:
        """The alerts reached this month, in order."""
        return tuple(a for a in self.alerts if a.crossed_on is not None)


def parse_month(text: str) -> date:
    """Returns the first day of a `YYYY-MM` month."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError(f"a month is written YYYY-MM (e.g. 2026-11), got {text!r}") from None


def month_end(month: date) -> date:
    """Returns the last day of `month`'s month."""
    first_next = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)


def month_status(
    store: Store,
    month: date,
    *,
    as_of: date | None = None,
    project: str | None = None,
    budget: Budget | None = None,
    by: str | None = None,
    book: PriceBook | None = None,
) -> MonthStatus:
    """Returns spend to date, budget use, forecast, run-out day and alerts for the month containing `month`.

    `as_of` defaults to the last day with data in the store (capped to the month end), so an export that
    lags by a day does not read as a zero day. The budget defaults to the one stored for the project
    (or the organisation when no project is given). `by` also splits the month's days by a dimension
    (`breakdown`), in the same pass over the usage for model and project.
    """
    first = month.replace(day=1)
    last = month_end(first)
    project_id = resolve_project(store, project)
    if as_of is None:
        span = data_range(store)
        as_of = min(last, span[1]) if span else first - timedelta(days=1)
        # Days a cost export covers are known even without rows (billed $0): a month billed to its end is
        # over, and its forecast is its total.
        covered = [stop - timedelta(days=1) for _, stop in _cost_periods(store) if stop > first]
        if covered:
            as_of = max(as_of, min(last, max(covered)))
        as_of = max(as_of, first - timedelta(days=1))
    if budget is None:
        budget = get_budget(store, project_id or ORG)
    history_start = min(first, as_of - timedelta(days=FORECAST_WINDOW_DAYS - 1))
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(DIMENSIONS)}")
    series, breakdown = _daily(
        store, history_start, max(as_of, history_start), by, _project_filter(project_id), book=book
    )
    if breakdown is not None:
        breakdown = breakdown[(breakdown["date"] >= first) & (breakdown["date"] <= as_of)].reset_index(
            drop=True
        )
    unpriced = tuple(series.attrs.get("unpriced", ()))
    series = series[series["date"] <= as_of]
    days = series[series["date"] >= first].reset_index(drop=True)
    cumulative = running_total(days["cost_usd"])
    days = days.assign(cumulative_usd=cumulative)
    spent = cumulative[-1] if cumulative else Decimal(0)
    history = series[series["date"] > as_of - timedelta(days=FORECAST_WINDOW_DAYS)]
    history = history[history["date"] >= _first_data_day(store, project_id, history_start)]
    forecast = weekday_forecast(history, as_of + timedelta(days=1), last, spent=spent)
    alerts = _alerts(budget, days) if budget else ()
    return MonthStatus(
        month=first,
        as_of=as_of,
        scope=project_id or ORG,
        spent_usd=spent,
        basis=combine_bases(days["basis"]) if len(days) else "estimated",
        budget=budget,
        percent_used=(spent * 100 / budget.monthly_usd).quantize(Decimal("0.01")) if budget else None,
        forecast=forecast,
        runs_out_on=_runs_out(budget.monthly_usd, days, forecast.days) if budget else None,
        alerts=alerts,
        days=days,
        unpriced=unpriced,
        breakdown=breakdown,
    )


def _cost_periods(store: Store) -> list[tuple[date, date]]:
    """UTC day ranges [first, stop) that cost exports cover, empty buckets included."""
    with store.reader() as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        sql = (
            "SELECT DISTINCT CAST(period_start AS DATE), CAST(period_end AS DATE) FROM coverage"
            " WHERE kind = 'costs'"
            if "coverage" in tables
            else "SELECT DISTINCT CAST(i.period_start AS DATE), CAST(i.period_end AS DATE) FROM imports i"
            " WHERE i.period_start IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM costs c WHERE c.import_id = i.import_id)"
        )
        return [(a, b) for a, b in con.execute(sql).fetchall() if a is not None and b is not None]


def _covered(day: date, periods: list[tuple[date, date]]) -> bool:
    return any(first <= day < stop for first, stop in periods)


def _first_data_day(store: Store, project: str | None, default: date) -> date:
    where = "WHERE project_id = $project" if project else ""
    with store.reader() as con:
        (first,) = con.execute(
            f"SELECT CAST(min(period_start) AS DATE) FROM usage {where}",  # same buckets as the view
            {"project": project} if project else {},
        ).fetchone()
    return first or default


def running_total(values: pd.Series) -> list[Decimal]:
    """Returns the running sums of Decimal `values`."""
    out: list[Decimal] = []
    total = Decimal(0)
    for value in values:
        total += value
        out.append(total)
    return out


def weekday_forecast(history: pd.DataFrame, start: date, end: date, *, spent: Decimal) -> Forecast:
    """Returns spend by `end`: `spent` plus, for each day start..end, the mean of `history`'s same weekday.

    `history` has `date`, `cost_usd` (usually the last 28 days: four samples per weekday). A weekday with
    no sample uses all of history. Low / high add each weekday's smallest / largest sample instead.
    """
    by_weekday: dict[int, list[Decimal]] = {}
    for day, cost in zip(history["date"], history["cost_usd"], strict=True):
        by_weekday.setdefault(day.weekday(), []).append(cost)
    everything = [c for costs in by_weekday.values() for c in costs] or [Decimal(0)]
    rows = []
    day = start
    while day <= end:
        sample = by_weekday.get(day.weekday(), everything)
        mean = (sum(sample, Decimal(0)) / len(sample)).quantize(CENT_12)
        rows.append((day, mean, min(sample), max(sample)))
        day += timedelta(days=1)
    frame = pd.DataFrame(rows, columns=["date", "expected_usd", "low_usd", "high_usd"])
    return Forecast(
        expected_usd=spent + sum(frame["expected_usd"], Decimal(0)),
        low_usd=spent + sum(frame["low_usd"], Decimal(0)),
        high_usd=spent + sum(frame["high_usd"], Decimal(0)),
        days=frame,
    )


def _alerts(budget: Budget, days: pd.DataFrame) -> tuple[Alert, ...]:
    lines = [("alert", Decimal(p), budget.monthly_usd * p / 100) for p in budget.alert_percents]
    if budget.hard_limit_usd is not None:
        percent = (budget.hard_limit_usd * 100 / budget.monthly_usd).quantize(Decimal("0.01"))
        lines.append(("hard_limit", percent, budget.hard_limit_usd))
    out = []
    for kind, percent, threshold in lines:
        reached = days[[c >= threshold for c in days["cumulative_usd"]]]
        out.append(Alert(kind, percent, threshold, None if reached.empty else reached["date"].iloc[0]))
    return tuple(out)


def _runs_out(budget_usd: Decimal, days: pd.DataFrame, ahead: pd.DataFrame) -> date | None:
    total = Decimal(0)
    for day, cost in zip(days["date"], days["cost_usd"], strict=True):
        total += cost
        if total >= budget_usd:
            return day
    for day, cost in zip(ahead["date"], ahead["expected_usd"], strict=True):
        total += cost
        if total >= budget_usd:
            return day
    return None


# ---------------------------------------------------------------- prepaid credit


@dataclass(frozen=True)
class CreditStatus:
    """A prepaid credit on `as_of`: used, left, and when it runs out at the weekday pace or expires."""

    credit: Credit
    as_of: date
    used_usd: Decimal
    balance_usd: Decimal
    runs_out_on: date | None  # None: it expires first, or nothing is being spent
    left_at_expiry_usd: Decimal | None  # balance forfeited at expiry at this pace; None if it runs out first

    @property
    def expires_first(self) -> bool:
        return self.left_at_expiry_usd is not None


def credit_status(
    store: Store, *, as_of: date | None = None, horizon_days: int = 1096, book: PriceBook | None = None
) -> list[CreditStatus]:
    """Returns each credit's balance on `as_of` (default: last day with data) and its run-out day.

    The organisation's daily cost draws on the credits in force that day, the one expiring first first.
    Beyond `as_of` the weekday run rate of the last 28 days is projected, for at most `horizon_days`.
    """
    credits = list_credits(store)
    span = data_range(store)
    if not credits:
        return []
    if as_of is None:
        as_of = span[1] if span else datetime.now(UTC).date()
    first = min(c.starts_on for c in credits)
    history_start = min(first, as_of - timedelta(days=FORECAST_WINDOW_DAYS - 1))
    series = daily_spend(store, history_start, max(as_of, history_start), book=book)
    balance = {c.credit_id: c.amount_usd for c in credits}
    ran_out: dict[int, date] = {}

    def draw(day: date, cost: Decimal) -> None:
        active = [c for c in credits if c.starts_on <= day and (c.expires_on is None or day < c.expires_on)]
        for credit in sorted(active, key=lambda c: (c.expires_on or date.max, c.credit_id)):
            if cost <= 0:
                break
            if balance[credit.credit_id] <= 0:
                continue
            taken = min(cost, balance[credit.credit_id])
            balance[credit.credit_id] -= taken
            cost -= taken
            if balance[credit.credit_id] == 0:
                ran_out[credit.credit_id] = day

    for day, cost in zip(series["date"], series["cost_usd"], strict=True):
        if day >= first:
            draw(day, cost)
    now = dict(balance)
    history = series[series["date"] > as_of - timedelta(days=FORECAST_WINDOW_DAYS)]
    if span:
        history = history[history["date"] >= span[0]]
    ahead = weekday_forecast(
        history, as_of + timedelta(days=1), as_of + timedelta(days=horizon_days), spent=0
    )
    left_at_expiry: dict[int, Decimal] = {}
    for day, cost in zip(ahead.days["date"], ahead.days["expected_usd"], strict=True):
        for c in credits:
            if c.expires_on == day and c.credit_id not in ran_out:
                left_at_expiry[c.credit_id] = balance[c.credit_id]
        draw(day, cost)
        if all(c.credit_id in ran_out or c.credit_id in left_at_expiry for c in credits):
            break
    for c in credits:
        if c.expires_on is not None and c.expires_on <= as_of and c.credit_id not in ran_out:
            left_at_expiry[c.credit_id] = now[c.credit_id]
    return [
        CreditStatus(
            credit=c,
            as_of=as_of,
            used_usd=c.amount_usd - now[c.credit_id],
            balance_usd=now[c.credit_id],
            runs_out_on=ran_out.get(c.credit_id),
            left_at_expiry_usd=left_at_expiry.get(c.credit_id),
        )
        for c in credits
    ]


# ---------------------------------------------------------------- anomalies


@dataclass(frozen=True)
class Anomaly:
    """A day far above its trailing norm, with what drove it: {dimension: (name, excess USD)}."""

    date: date
    cost_usd: Decimal
    expected_usd: Decimal  # the usual day: the trailing median (of the spending days when most had none)
    score: float  # robust z-score, one decimal: (cost - median) / max(1.4826 x MAD, floors)
    basis: str
    drivers: dict[str, tuple[str, Decimal]]


ANOMALY_MIN_SPREAD_USD = Decimal("0.25")


def anomaly_score(
    trailing: Sequence[Decimal],
    cost: Decimal,
    *,
    min_history: int = 7,
    min_spread_usd: Decimal = ANOMALY_MIN_SPREAD_USD,
) -> tuple[Decimal, float] | None:
    """Returns (usual cost, robust z-score) of `cost` against the `trailing` days' costs, or None when
    fewer than `min_history` of them had any spend (no norm to compare with yet).

    The spread (1.4826 x MAD) is floored at `min_spread_usd` and at 5% of the median: a flat or mostly
    quiet history has a MAD of zero, which would make every cent above it look like billions of
    deviations. When most trailing days had no spend (median 0), a day is compared with the days that
    had some, so a usual spending day after quiet days is not flagged.
    """
    spending = [c for c in trailing if c > 0]
    if len(spending) < min_history:
        return None
    history = list(trailing)
    median = statistics.median(history)
    if median == 0:
        history = spending
        median = statistics.median(history)
    mad = statistics.median(abs(c - median) for c in history)
    scale = max(mad * Decimal("1.4826"), median * Decimal("0.05"), min_spread_usd)
    return median, round(float((cost - median) / scale), 1)


def anomalies(
    store: Store,
    start: date,
    end: date,
    *,
    window: int = FORECAST_WINDOW_DAYS,
    min_history: int = 7,
    min_spread_usd: Decimal = ANOMALY_MIN_SPREAD_USD,
    threshold: float = 3.5,
    project: str | None = None,
    book: PriceBook | None = None,
) -> list[Anomaly]:
    """Returns the days start..end whose cost has a robust z-score of `threshold` or more over the
    previous `window` days (days before the first data are not counted); see `anomaly_score` for the
    floors on the spread and the minimum history (`min_history` days with spend).
    """
    project_id = resolve_project(store, project)
    span = data_range(store)
    if span is None:
        return []
    lead = start - timedelta(days=window)
    series = daily_spend(store, lead, end, project=project_id, book=book)
    series = series[series["date"] >= span[0]].reset_index(drop=True)
    flagged: list[tuple[date, Decimal, Decimal, float, str]] = []
    for i, (day, cost, basis) in enumerate(
        zip(series["date"], series["cost_usd"], series["basis"], strict=True)
    ):
        if day < start:
            continue
        trailing = [c for d, c in zip(series["date"][:i], series["cost_usd"][:i], strict=True)
                    if d >= day - timedelta(days=window)]  # fmt: skip
        scored = anomaly_score(trailing, cost, min_history=min_history, min_spread_usd=min_spread_usd)
        if scored is not None and scored[1] >= threshold:
            flagged.append((day, cost, scored[0], scored[1], basis))
    if not flagged:
        return []
    drivers = {
        dim: daily_spend(store, lead, end, by=dim, project=project_id, book=book)
        for dim in ("model", "project", "api_key")
    }
    out = []
    for day, cost, median, score, basis in flagged:
        found = {dim: _driver(frame, dim, day, window) for dim, frame in drivers.items()}
        out.append(Anomaly(day, cost, median, score, basis, {k: v for k, v in found.items() if v}))
    return out


def _driver(frame: pd.DataFrame, dim: str, day: date, window: int) -> tuple[str, Decimal] | None:
    """Returns the key whose cost on `day` rose most above its own trailing median (missing days = 0)."""
    trailing_days = [day - timedelta(days=k) for k in range(1, window + 1)]
    best: tuple[str, Decimal] | None = None
    for key, group in frame.groupby(dim):
        costs = dict(zip(group["date"], group["cost_usd"], strict=True))
        median = statistics.median(costs.get(d, Decimal(0)) for d in trailing_days)
        excess = costs.get(day, Decimal(0)) - median
        if excess > 0 and (best is None or excess > best[1]):
            best = (str(key), excess)
    return best


# ---------------------------------------------------------------- what-if


@dataclass(frozen=True)
class WhatIf:
    """A period's real usage priced as it ran and under another choice; savings per project and total.

    Both sides are token estimates at the dated prices, so the saving compares like with like.
    """

    start: date
    end: date
    model_map: dict[str, str]
    tier: str | None
    cached_share: Decimal | None
    projects: pd.DataFrame  # project, actual_usd, scenario_usd, saving_usd (Decimal)
    actual_usd: Decimal
    scenario_usd: Decimal
    saving_usd: Decimal
    unpriced: tuple[str, ...] = ()


def parse_model_map(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Returns {from: to} for `a=b` strings (several may be joined by commas)."""
    out: dict[str, str] = {}
    for pair in (p.strip() for text in pairs for p in text.split(",")):
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValueError(f"a model map is written from=to (e.g. gpt-4o=gpt-4o-mini), got {pair!r}")
        out[source.strip()] = target.strip()
    return out


def what_if(
    store: Store,
    start: date,
    end: date,
    *,
    model_map: Mapping[str, str] | None = None,
    tier: str | None = None,
    cached_share: Decimal | None = None,
    project: str | None = None,
    book: PriceBook | None = None,
) -> WhatIf:
    """Returns the usage of start..end re-priced with models swapped (`model_map`, matched by resolved
    model, so `gpt-4o` covers `gpt-4o-2024-08-06`), every request in `tier`, and at least `cached_share`
    of input tokens read from cache (never less than actually were).
    """
    if end < start:
        raise ValueError(f"the what-if range ends ({end}) before it starts ({start})")
    model_map = dict(model_map or {})
    if tier is not None and tier not in prices.TIERS:
        raise ValueError(f"unknown tier {tier!r}; expected one of {', '.join(prices.TIERS)}")
    if cached_share is not None and not Decimal(0) <= Decimal(cached_share) <= 1:
        raise ValueError(f"the cached-input share is between 0 and 1, got {cached_share}")
    book = book or store.price_book()
    wanted = {book.resolve_model(k)[1]: v for k, v in model_map.items()}
    for target in model_map.values():
        book.resolve_model(target)  # an unknown target is the user's error: say so now
    project_id = resolve_project(store, project)
    params = _params(start, end, project_id)
    with store.reader() as con:
        models = [m for (m,) in con.execute(
            f"WITH {_usage_cte(project_id)} SELECT DISTINCT model FROM _usage WHERE model IS NOT NULL", params
        ).fetchall()]  # fmt: skip
        mapping = {}
        for model in models:
            try:
                canonical = book.resolve_model(model)[1]
            except prices.UnknownModelError:
                continue
            if canonical in wanted:
                mapping[model] = wanted[canonical]
        con.register(
            "_model_map",
            pd.DataFrame({"model": list(mapping), "new_model": list(mapping.values())}, dtype=object),
        )
        scenario_tier = f"'{tier}'" if tier else "u.tier"
        unpriced, _ = _register_prices(
            con, start, end, project_id, extra_models=tuple(mapping.values()), book=book
        )
        share = Decimal(cached_share) if cached_share is not None else None
        cached = (
            "u.cached" if share is None
            else f"least(greatest(u.cached, u.input_tokens * CAST('{share}' AS DECIMAL(10,6))), "
                 "u.input_tokens - u.cache_write)"
        )  # fmt: skip
        scenario_usage = f"""_usage2 AS (
            SELECT u.* REPLACE (coalesce(m.new_model, u.model) AS price_model, {scenario_tier} AS tier)
            FROM _usage u LEFT JOIN _model_map m ON m.model = u.model)"""
        head = f"WITH {_usage_cte(project_id)}, {_PRICES_CTE}, {scenario_usage}"
        frame = _arrow(
            con,
            f"""{head}, {_priced_cte("_actual")},
                {_priced_cte("_scenario", source="_usage2", cached=cached)}
                SELECT project_id, sum(a) * 0.000001 AS actual, sum(s) * 0.000001 AS scenario FROM (
                    SELECT project_id, micro_cost AS a, 0 AS s FROM _actual
                    UNION ALL SELECT project_id, 0, micro_cost FROM _scenario) GROUP BY ALL ORDER BY 1""",
            params,
        )
        if tier or mapping:
            scenario_unpriced = con.execute(
                f"""{head} SELECT DISTINCT u.price_model || ' (' || u.tier || ')' FROM _usage2 u
                    ANTI JOIN _prices p ON p.model = u.price_model AND p.tier = u.tier
                        AND p.valid_from <= u.day AND u.day < p.valid_to""",
                params,
            ).fetchall()
            unpriced = sorted({*unpriced, *(r[0] for r in scenario_unpriced)})
    q = CENT_12
    names = _label(store, "project", frame["project_id"])
    actual = [Decimal(0) if pd.isna(a) else a.quantize(q) for a in frame["actual"]]
    scenario = [Decimal(0) if pd.isna(s) else s.quantize(q) for s in frame["scenario"]]
    projects = pd.DataFrame(
        {
            "project": names,
            "actual_usd": actual,
            "scenario_usd": scenario,
            "saving_usd": [a - s for a, s in zip(actual, scenario, strict=True)],
        }
    )
    total_actual, total_scenario = sum(actual, Decimal(0)), sum(scenario, Decimal(0))
    return WhatIf(
        start, end, model_map, tier, share, projects, total_actual, total_scenario,
        total_actual - total_scenario, tuple(unpriced),
    )  # fmt: skip


# ---------------------------------------------------------------- reconciliation


@dataclass
class _Side:
    """One reconcile row being gathered: the bill's lines and the usage's token-priced cost."""

    billed: Decimal = Decimal(0)
    lines: int = 0
    cents: bool = True  # every line a whole number of cents (the export rounds each line)
    estimated: Decimal = Decimal(0)
    line_items: set = field(default_factory=set)  # bill lines that name no model (web search, ...)
    bill_models: set = field(default_factory=set)
    unpriced: set = field(default_factory=set)
    cache_writes: int = 0
    extras: dict = field(default_factory=dict)  # non-token usage counts from the usage export's details


# Words in a bill line item (or usage details key) -> what it is: usage a token export does not carry.
_NOT_TOKENS = (
    ("web search", "web search calls"),
    ("web_search", "web search calls"),
    ("image", "images"),
    ("audio", "audio"),
    ("transcri", "audio"),
    ("tts", "audio"),
    ("fine-tun", "fine-tuning"),
    ("fine_tun", "fine-tuning"),
    ("training", "fine-tuning"),
    ("file search", "file search"),
    ("code interpreter", "code interpreter"),
    ("container", "code interpreter"),
    ("vector", "vector storage"),
)


def reconcile(
    store: Store,
    start: date | None = None,
    end: date | None = None,
    *,
    tolerance_pct: Decimal = Decimal(5),
    project: str | None = None,
    book: PriceBook | None = None,
) -> pd.DataFrame:
    """Returns the bill against the token-priced cost over the days a cost export covers.

    Each (day, provider) is compared at the finest level both sides carry: by project (Claude:
    workspace) when the bill's lines all name one (and the usage has them), by model when the bill
    itemises models (line items), else the day as a whole (an organisation bill without line items).
    Models on both sides are mapped to
    one canonical id first (`Claude Opus 4.5` and `claude-opus-4-5-20251101` are one model); a bill line
    with no model (web search, ...) is its own row.

    Columns: `date`, `provider`, `project` / `workspace` (None when not compared by them), `model` (None
    when not compared by model), `line_item` (bill lines that are not tokens), `lines` (bill lines in the
    row), `billed_usd`, `estimated_usd`, `diff_usd` (billed - estimated), `diff_pct` (of billed),
    `rounding_usd` (a cent per bill line when the export rounds lines to cents, else 0), `status`
    (`to the cent`, `within rounding`, `within tolerance` (of `tolerance_pct`), `flagged`), `flagged`,
    and `cause` (what the store shows behind a gap, for rows not matched to the cent). The range defaults
    to the billed days. `frame.attrs["notes"]` holds notes on names (unknown model names on the bill).
    """
    project_id = resolve_project(store, project)
    book = book or store.price_book()
    if start is None or end is None:
        with store.reader() as con:
            first, last = con.execute(
                "SELECT CAST(min(period_start) AS DATE), CAST(max(period_start) AS DATE) FROM costs_effective"
            ).fetchone()
        if first is None:
            return _empty_reconcile()
        start, end = start or first, end or last
    if end < start:
        raise ValueError(f"the reconcile range ends ({end}) before it starts ({start})")
    params = _params(start, end, project_id)
    where = " AND project_id = $project" if project_id else ""
    with store.reader() as con:
        _, long_flag = _register_prices(con, start, end, project_id, book=book)
        usage = _arrow(
            con,
            f"""WITH {_usage_cte(project_id)}, {_PRICES_CTE},
                {_summed_priced_cte(("project_id", "workspace"), long_flag)}, {_COVERED_CTE}
                SELECT u.provider, u.day, u.project_id, u.workspace, u.model, u.tier,
                       bool_and(u.priced) AS priced,
                       CAST(coalesce(sum(u.micro_cost), 0) * 0.000001 AS DECIMAL(38,18)) AS estimated,
                       CAST(sum(u.cache_write) AS BIGINT) AS cache_writes
                FROM _priced u SEMI JOIN _covered c ON c.provider = u.provider AND c.day = u.day
                GROUP BY ALL""",
            params,
        )
        extras = con.execute(
            f"""SELECT provider, CAST(period_start AS DATE) AS day, project_id, workspace, model, key,
                       sum(TRY_CAST(details->>key AS BIGINT)) AS n
                FROM (SELECT provider, period_start, project_id, workspace, model,
                             unnest(json_keys(details)) AS key, details FROM usage_effective
                      WHERE period_start >= $start AND period_start < $stop{where} AND details IS NOT NULL)
                WHERE key LIKE '%search%' OR key LIKE '%image%' OR key LIKE '%audio%'
                GROUP BY ALL HAVING n > 0""",
            params,
        ).fetchall()
        bills = con.execute(
            f"""SELECT provider, CAST(period_start AS DATE) AS day, project_id, workspace, model, line_item,
                       details->>'model_name' AS model_name, count(*) AS lines, sum(amount_usd) AS billed,
                       bool_and(amount_usd = round(amount_usd, 2)) AS cents
                FROM costs_effective WHERE period_start >= $start AND period_start < $stop{where}
                GROUP BY ALL""",
            params,
        ).fetchall()
        usage_days = set(
            con.execute(
                """SELECT DISTINCT provider, CAST(period_start AS DATE) FROM usage_effective
                   WHERE period_start >= $start AND period_start < $stop""",
                _params(start, end, None),
            ).fetchall()
        )
    notes: list[str] = []
    # The level of each (provider, day): what the bill carries there.
    by_project: dict[tuple, bool] = {}
    by_workspace: dict[tuple, bool] = {}
    by_model: dict[tuple, bool] = {}
    for provider, day, bill_project, bill_workspace, model, *_ in bills:
        group = (provider, day)
        by_project[group] = by_project.get(group, True) and bill_project is not None
        by_workspace[group] = by_workspace.get(group, True) and bill_workspace is not None
        by_model[group] = by_model.get(group, False) or model is not None
    usage_projects = {(r.provider, r.day) for r in usage.itertuples() if _none(r.project_id) is not None}
    usage_workspaces = {(r.provider, r.day) for r in usage.itertuples() if _none(r.workspace) is not None}
    for group in by_project:
        by_project[group] = by_project[group] and group in usage_projects
        # Claude's exports have workspaces where OpenAI's have projects: the same level.
        by_workspace[group] = by_workspace[group] and group in usage_workspaces
    sides: dict[tuple, _Side] = {}

    def row_key(
        provider: str, day: date, row_project: Any, row_workspace: Any, model: Any, line_item: Any = None
    ) -> tuple:
        group = (provider, day)
        return (
            day,
            provider,
            _none(row_project) if by_project[group] else None,
            _none(row_workspace) if by_workspace[group] else None,
            _canonical_key(_none(model), book) if by_model[group] else None,
            line_item,
        )

    for line in bills:
        provider, day, bill_project, bill_workspace, model, line_item, model_name, lines, billed, cents = line
        other = line_item if model is None and by_model[(provider, day)] else None
        side = sides.setdefault(row_key(provider, day, bill_project, bill_workspace, model, other), _Side())
        side.billed += billed
        side.lines += lines
        side.cents = side.cents and bool(cents)
        if line_item and model is None:
            side.line_items.add(line_item)
        if model is not None:
            side.bill_models.add(model_name or model)
            try:
                book.resolve_model(model)
            except prices.UnknownModelError:
                note = (f"the bill names a model no price book knows: {model_name or model!r}"
                        f" (kept as {model!r}, not matched to any usage)")  # fmt: skip
                if note not in notes:
                    notes.append(note)
    for r in usage.itertuples():
        side = sides.setdefault(row_key(r.provider, r.day, r.project_id, r.workspace, r.model), _Side())
        side.estimated += r.estimated
        side.cache_writes += int(r.cache_writes or 0)
        if not r.priced:
            side.unpriced.add(f"{r.model} ({r.tier})")
    for provider, day, row_project, row_workspace, model, key, n in extras:
        if (provider, day) in by_project:
            side = sides.setdefault(row_key(provider, day, row_project, row_workspace, model), _Side())
            side.extras[key] = side.extras.get(key, 0) + int(n)
    rows = []
    tolerance = Decimal(tolerance_pct)
    for (day, provider, row_project, row_workspace, model, line_item), side in sorted(
        sides.items(), key=_reconcile_order
    ):
        diff = side.billed - side.estimated
        rounding = Decimal("0.01") * side.lines if side.cents else Decimal(0)
        if abs(diff) < Decimal("0.005"):
            status = "to the cent"
        elif abs(diff) <= rounding:
            status = "within rounding"
        elif side.billed and abs(diff) * 100 <= tolerance * abs(side.billed):
            status = "within tolerance"
        else:
            status = "flagged"
        if status == "to the cent":
            cause = ""
        elif status == "within rounding":
            cause = f"the bill rounds each of its {side.lines} line(s) to the cent"
        else:
            cause = _gap_cause(side, diff, (provider, day) in usage_days)
        rows.append({
            "date": day, "provider": provider, "project": row_project, "workspace": row_workspace,
            "model": model, "line_item": line_item,
            "lines": side.lines, "billed_usd": side.billed.quantize(CENT_12),
            "estimated_usd": side.estimated.quantize(CENT_12), "diff_usd": diff.quantize(CENT_12),
            "diff_pct": (diff * 100 / side.billed).quantize(Decimal("0.01")) if side.billed else None,
            "rounding_usd": rounding, "status": status, "flagged": status == "flagged", "cause": cause,
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=_RECONCILE_COLUMNS) if rows else _empty_reconcile()
    for column in ("project", "workspace", "model", "line_item"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame.attrs["notes"] = notes
    return frame


RECONCILE_STATUSES = ("to the cent", "within rounding", "within tolerance", "flagged")


@dataclass(frozen=True)
class ReconcileSummary:
    """A reconcile frame in a few figures: days by their worst row's status, and the totals."""

    first: date | None
    last: date | None
    days: dict[str, list[date]]  # status -> the days whose worst row has it
    billed_usd: Decimal
    estimated_usd: Decimal

    @property
    def diff_usd(self) -> Decimal:
        return self.billed_usd - self.estimated_usd


def reconcile_summary(frame: pd.DataFrame) -> ReconcileSummary:
    """Summarises `reconcile()`'s rows per day (a day is as good as its worst row)."""
    worst: dict[date, int] = {}
    for day, status in zip(frame["date"], frame["status"], strict=True):
        worst[day] = max(worst.get(day, 0), RECONCILE_STATUSES.index(status))
    days: dict[str, list[date]] = {status: [] for status in RECONCILE_STATUSES}
    for day in sorted(worst):
        days[RECONCILE_STATUSES[worst[day]]].append(day)
    return ReconcileSummary(
        first=min(worst) if worst else None,
        last=max(worst) if worst else None,
        days=days,
        billed_usd=sum(frame["billed_usd"], Decimal(0)),
        estimated_usd=sum(frame["estimated_usd"], Decimal(0)),
    )


def _reconcile_order(item: tuple) -> tuple:
    (day, provider, row_project, row_workspace, model, line_item), _ = item
    names = (row_project or "", row_workspace or "", model is None, model or "", line_item or "")
    return (day, provider, *names)


def _gap_cause(side: _Side, diff: Decimal, usage_covers_day: bool) -> str:
    """What the store shows behind a gap between the bill and the tokens (most likely first)."""
    causes = []
    if side.line_items and not side.estimated:
        kinds = sorted({_not_tokens(item) for item in side.line_items})
        causes.append(f"usage not in the token export ({', '.join(kinds)})")
    if not usage_covers_day:
        causes.append("the usage export does not cover this day")
    elif side.billed and not side.estimated and not side.line_items:
        causes.append("no usage of this model that day in the token export")
    if side.unpriced:
        causes.append(f"tokens with no price (counted as 0): {', '.join(sorted(side.unpriced))}")
    if side.extras and diff > 0:
        counts = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in sorted(side.extras.items()))
        causes.append(f"usage billed apart from tokens: {counts}")
    if side.cache_writes and diff:
        causes.append(f"{side.cache_writes:,} cache-write tokens (priced by TTL: check the 5m/1h split)")
    if side.estimated and not side.billed:
        causes.append("usage with no bill line (billed under another name, project or day?)")
    if not causes:
        causes.append("prices differ from the price book (a negotiated price? add an override row)")
    return "; ".join(causes)


def _not_tokens(line_item: str | None) -> str:
    text = (line_item or "").lower()
    for word, kind in _NOT_TOKENS:
        if word in text:
            return kind
    return line_item or "other endpoints"


def _empty_reconcile() -> pd.DataFrame:
    frame = pd.DataFrame(columns=_RECONCILE_COLUMNS)
    frame.attrs["notes"] = []
    return frame


_RECONCILE_COLUMNS = [
    "date",
    "provider",
    "project",
    "workspace",
    "model",
    "line_item",
    "lines",
    "billed_usd",
    "estimated_usd",
    "diff_usd",
    "diff_pct",
    "rounding_usd",
    "status",
    "flagged",
    "cause",
]
