"""The spend core written once over Ibis: daily spend by dimension with its basis, month-status inputs,
what-if re-pricing and reconcile's join. It runs on DuckDB (the store, or Parquet) and on Spark alike.

The rules are those of `analytics.reports` (see its docstring), and `tests/test_portable.py` /
`tests/test_spark.py` check that both give the same figures:

* a provider's day is billed when any cost row covers it, else its tokens are priced by joining the dated
  price table (model as reported, tier, `valid_from <= day < valid_to`);
* the long-context side of a row is its `context_window` when the export names it, else whether its average
  request input exceeds the model's threshold (never without a request count);
* usage is summed per (provider, day, model, tier, side, keys) before it meets the price table again, so
  only a few thousand groups are multiplied by Decimal rates;
* a bill has no key, user or tier: split by those, a billed (day, provider, project) is shared out in
  proportion to each key's estimated cost that day.

**Exact money on every engine.** Rates (USD per 1M tokens, 12 decimals) are scaled by 1e12 to whole
DECIMAL(18,0) numbers and token sums cast to DECIMAL(19,0), so every product and sum is a whole number
of 1e-18 USD: no engine has to drop scale (Spark shrinks the scale of a product wider than 38 digits;
DuckDB refuses one that overflows 18). Costs leave the engine in those units and are scaled in Python.

**What stays in Python.** Arithmetic on the few result rows: scaling, adding the billed and estimated parts,
the bill split's division (Decimal, 28 digits, as `reports` does) and labels. Everything that reads the
facts is Ibis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from analytics import prices as price_book
from analytics.portable.facts import Facts, days_covered
from analytics.prices import rule as price_rule

DIMENSIONS = ("model", "project", "api_key", "user", "service_tier", "workspace", "provider")
USAGE_KEY = {
    "model": "model",
    "project": "project_id",
    "api_key": "api_key_id",
    "user": "user_id",
    "service_tier": "tier",
    "workspace": "workspace",
    "provider": "provider",
}
# The dimensions a bill itself carries; the others are allocated from the bill by estimated shares.
COST_KEY = {"model": "model", "project": "project_id", "workspace": "workspace", "provider": "provider"}
LABEL_KIND = {"project": "project", "api_key": "api_key", "user": "user"}
NONE_LABEL = "(none)"
TOKENS = dt.Decimal(19, 0)
RATE = dt.Decimal(18, 0)  # USD per 1M tokens x 1e12
PRICE = dt.Decimal(38, 12)
RATE_SCALE = 10**12
CENT_12 = Decimal("1e-12")
ZERO = ibis.literal(0, type=dt.Decimal(38, 0))
_ANY = object()  # a scope key: every project (or model) of the day and provider


# ---------------------------------------------------------------- building blocks


def _price_table(facts: Facts, start: date, end: date, book: Any, extra_models: tuple[str, ...] = ()) -> Any:
    """The dated price table as an Ibis table on the facts' backend: p_model, p_tier, p_from, p_to,
    p_threshold and one p_<field> per rate field of the pricing rule (x 1e12, whole numbers).

    An export brings its own table (what was joined when it was written); otherwise the price book prices
    the models present start..end, so both engines join one table from one rule.
    """
    if facts.prices is not None and not extra_models:
        table = facts.prices
    else:
        models = _distinct_models(facts, start, end)
        from analytics.export import price_frame  # one conversion of the book's table to typed Arrow

        arrow, _ = price_frame(list(dict.fromkeys([*models, *extra_models])), start, end, book=book)
        # Shipped as text and cast by the engine: every backend parses decimal and date strings the same
        # way, while in-memory Decimal / nullable int columns are converted differently by each.
        columns = [
            "model",
            "tier",
            "valid_from",
            "valid_to",
            "long_context_threshold",
            *(f"{f}_per_mtok" for f in price_rule.price_columns()),
        ]
        text = {c: [None if v is None else str(v) for v in arrow.column(c).to_pylist()] for c in columns}
        table = ibis.memtable(pd.DataFrame(text, dtype=object), schema={c: dt.string for c in columns})
    return table.select(
        p_model=table.model,
        p_tier=table.tier,
        p_from=table.valid_from.cast(dt.date),
        p_to=table.valid_to.cast(dt.date),
        p_threshold=table.long_context_threshold.cast(dt.int64),
        **{
            f"p_{name}": (table[f"{name}_per_mtok"].cast(PRICE) * RATE_SCALE).cast(RATE)
            for name in price_rule.price_columns()
        },
    )


def _in_range(table: Any, start: date, end: date) -> Any:
    day = table.period_start.date()
    table = table.mutate(day=day)
    if "month" in table.columns:  # a Hive-partitioned export: prune the months outside the range
        table = table.filter(table.month >= start.strftime("%Y-%m"), table.month <= end.strftime("%Y-%m"))
    return table.filter(table.day >= ibis.literal(start), table.day <= ibis.literal(end))


def _usage(facts: Facts, start: date, end: date, project: str | None) -> Any:
    u = _in_range(facts.usage, start, end)
    if project:
        u = u.filter(u.project_id == project)
    tier = ibis.cases(
        (u.batch.fill_null(False) | (u.service_tier == "batch").fill_null(False), "batch"),
        (u.service_tier == "flex", "flex"),
        (u.service_tier == "priority", "priority"),
        else_="standard",
    )
    write = u.cache_write_tokens.fill_null(0)
    return u.select(
        "provider",
        "day",
        "model",
        "project_id",
        "user_id",
        "workspace",
        "context_window",
        # Exports that name keys but give no id (Claude Console) are broken down by the name.
        api_key_id=u.api_key_id.coalesce(u.api_key_name),
        price_model=u.model,
        tier=tier,
        requests=u.requests.fill_null(0),
        input_tokens=u.input_tokens.fill_null(0),
        cached=u.cached_input_tokens.fill_null(0),
        cache_write=write,
        cache_write_1h=ibis.least(u.cache_write_1h_tokens.fill_null(0), write),
        output_tokens=u.output_tokens.fill_null(0),
    )


def _costs(facts: Facts, start: date, end: date, project: str | None) -> Any:
    c = _in_range(facts.costs, start, end)
    return c.filter(c.project_id == project) if project else c


def _priced(usage: Any, prices: Any, keys: tuple[str, ...]) -> Any:
    """Usage summed per (provider, day, model, price model, tier, long side, `keys`), with `micro_cost`.

    `micro_cost` is in 1e-18 USD (a whole number): tokens x (USD per 1M tokens x 1e12), by the kinds and
    rates of `prices.rule` (the rule the DuckDB reports and the Python estimates use); NULL when the row
    has tokens of a kind its price leaves unpriced, or no price at all.
    """
    joined = usage.left_join(
        prices,
        [
            prices.p_model == usage.price_model,
            prices.p_tier == usage.tier,
            prices.p_from <= usage.day,
            usage.day < prices.p_to,
        ],
    )
    # A swapped model (what-if) has its own threshold: the export's context window only speaks for its own.
    window = ibis.ifelse(joined.price_model == joined.model, joined.context_window, ibis.null(dt.string))
    by_average = (
        joined.p_threshold.notnull()
        & (joined.requests > 0)
        & (joined.input_tokens > joined.p_threshold * joined.requests)
    ).fill_null(False)
    is_long = ibis.ifelse(window.notnull(), window.startswith(">"), by_average)
    joined = joined.mutate(is_long=is_long)
    group = list(dict.fromkeys(["provider", "day", "model", "price_model", "tier", "p_from", *keys]))
    sums = joined.group_by([*group, "is_long"]).aggregate(
        uncached=(joined.input_tokens - joined.cached - joined.cache_write).sum(),
        cached=joined.cached.sum(),
        cache_write=joined.cache_write.sum(),
        cache_write_1h=joined.cache_write_1h.sum(),
        output_tokens=joined.output_tokens.sum(),
    )
    rated = sums.left_join(
        prices,
        [prices.p_model == sums.price_model, prices.p_tier == sums.tier, prices.p_from == sums.p_from],
    )
    tokens = {
        "uncached_input": rated.uncached,
        "cached_input": rated.cached,
        "cache_write_5m": rated.cache_write - rated.cache_write_1h,
        "cache_write_1h": rated.cache_write_1h,
        "output": rated.output_tokens,
    }
    micro = None
    for kind in price_rule.KINDS:
        amount = tokens[kind.name]
        term = amount.cast(TOKENS) * _rate(kind, rated, rated.is_long)
        if kind.unpriced_when is not None:
            term = ibis.ifelse(amount == 0, ZERO, term)  # NULL only when such tokens exist
        micro = term if micro is None else micro + term
    return rated.select(*[sums[c] for c in group if c != "p_from"], micro_cost=micro)


def _rate(kind: Any, p: Any, long: Any) -> Any:
    """`prices.rule`'s rate of `kind` (its `_rate_sql`) as an Ibis expression over price row `p`."""
    chain = [
        ibis.ifelse(long, p[f"p_long_{name}"].coalesce(p[f"p_{name}"]), p[f"p_{name}"]) for name in kind.rates
    ]
    rate = ibis.coalesce(*chain) if len(chain) > 1 else chain[0]
    if kind.unpriced_when is not None:
        missing = p[f"p_{kind.rates[0]}"].isnull() & p[f"p_{kind.unpriced_when}"].notnull()
        rate = ibis.ifelse(missing, ibis.null(RATE), rate)
    return rate


def _covered(costs: Any) -> Any:
    return costs.select("provider", "day").distinct()


def _micro_to_usd(value: Any) -> Decimal | None:
    """1e-18 USD units (see `_priced`) as USD."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return Decimal(value).scaleb(-18)


def _plain(value: Any) -> Any:
    """NaN / NA (how a backend may return NULL) as None."""
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value


def _day(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def combine_bases(bases: Any) -> str:
    kinds = set(bases)
    return kinds.pop() if len(kinds) == 1 else "mixed"


# ---------------------------------------------------------------- daily spend


def daily_spend(
    facts: Facts,
    start: date,
    end: date,
    *,
    by: str | None = None,
    project: str | None = None,
    book: Any = None,
) -> pd.DataFrame:
    """Returns `reports.daily_spend`'s frame computed on `facts`' engine: date, [by], cost_usd, basis.

    Without `by` every day start..end has a row; with `by` ids are shown by `facts.labels` names and models
    by their canonical id. `book` is the price book (default: catalog + corrections).
    """
    if end < start:
        raise ValueError(f"the report range ends ({end}) before it starts ({start})")
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(DIMENSIONS)}")
    totals, breakdown = _daily(facts, start, end, by, project, book or price_book.default_book())
    return totals if breakdown is None else breakdown


def _daily(
    facts: Facts, start: date, end: date, by: str | None, project: str | None, book: Any
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    prices = _price_table(facts, start, end, book)
    parts = _spend(facts, prices, start, end, by, project, book)
    if by is not None and len(parts):
        # Allocated parts add up exactly to their bill, so a day's total is the sum of its parts.
        totals = (
            parts.assign(basis=parts["basis"].replace("allocated", "billed"))
            .groupby("date", as_index=False, sort=True)
            .agg(cost_usd=("cost_usd", "sum"), basis=("basis", combine_bases))
        )
    elif by is not None:
        totals = pd.DataFrame(columns=["date", "cost_usd", "basis"])
    else:
        totals = parts
    days = pd.DataFrame({"date": [start + timedelta(days=i) for i in range((end - start).days + 1)]})
    totals = days.merge(totals[["date", "cost_usd", "basis"]], on="date", how="left")
    totals["cost_usd"] = [Decimal(0) if _plain(c) is None else c for c in totals["cost_usd"]]
    totals["basis"] = totals["basis"].fillna("estimated")
    if by is None:
        return totals, None
    breakdown = parts.rename(columns={"key": by})
    kind = LABEL_KIND.get(by)
    breakdown[by] = [
        NONE_LABEL if _plain(k) is None else facts.labels.get((kind, k), k) if kind else k
        for k in breakdown[by]
    ]
    if breakdown.empty:
        return totals, pd.DataFrame(columns=["date", by, "cost_usd", "basis"])
    breakdown = breakdown.groupby(["date", by], as_index=False, sort=True).agg(
        cost_usd=("cost_usd", "sum"), basis=("basis", combine_bases)
    )
    return totals, breakdown.reset_index(drop=True)


def _spend(
    facts: Facts,
    prices: Any,
    start: date,
    end: date,
    by: str | None,
    project: str | None,
    book: Any,
) -> pd.DataFrame:
    """Returns rows (date, key, cost_usd, basis); key is None without a breakdown.

    The engine computes three small frames (estimates of unbilled days, token-priced shares of billed
    days, bill lines); Python combines them as `reports._spend` does: a bill line that lacks the field
    broken down by is split with `reports.allocate` over the usage it can stand for (its project, its
    model, when it names them), basis `allocated`.
    """
    from analytics.reports import allocate  # the one allocation rule

    usage, costs = _usage(facts, start, end, project), _costs(facts, start, end, project)
    key = None if by is None else USAGE_KEY[by]
    priced = _priced(usage, prices, ("project_id", *(() if key is None else (key,))))
    priced = priced.mutate(key=ibis.null(dt.string) if key is None else priced[key].cast(dt.string))
    covered = _covered(costs)
    # On Spark, the estimates and the shares read the priced groups once, cached, instead of one pass over
    # the usage each. (Not on DuckDB: fast enough without, and Ibis 12 fails to drop its cached tables there.)
    cached = facts.backend.name == "pyspark"
    if cached:
        # Ibis 12's cache() does not register in-memory tables (a live price table) first; execute does.
        register = getattr(facts.backend, "_register_in_memory_tables", None)
        if register is not None:
            register(priced)
        priced, covered = priced.cache(), covered.cache()
    uncovered = priced.anti_join(covered, [priced.provider == covered.provider, priced.day == covered.day])
    est = uncovered.group_by(["day", "key"]).aggregate(micro=uncovered.micro_cost.sum())
    on_billed = priced.semi_join(covered, [priced.provider == covered.provider, priced.day == covered.day])
    shares = on_billed.group_by(["day", "provider", "project_id", "model", "key"]).aggregate(
        weight=on_billed.micro_cost.sum()
    )
    cost_key = COST_KEY.get(by) if by else None
    bills = costs.mutate(
        key=ibis.null(dt.string) if cost_key is None else costs[cost_key].cast(dt.string),
        other_line=(costs.line_item.notnull() & costs.model.isnull()),
    )
    bills = bills.group_by(["day", "provider", "project_id", "model", "key", "other_line"]).aggregate(
        cost=bills.amount_usd.sum()
    )
    try:
        est_frame, share_frame, bill_frame = (facts.execute(x) for x in (est, shares, bills))
    finally:
        if cached:
            priced.release()
            covered.release()
    canonical = _canonical_key if by == "model" else (lambda k, _book: k)
    rows: list[tuple[date, Any, Decimal, str]] = []
    for r in est_frame.itertuples(index=False):
        usd = _micro_to_usd(_plain(r.micro)) or Decimal(0)
        rows.append((_day(r.day), canonical(_plain(r.key), book), usd, "estimated"))
    weights: dict[tuple, dict[Any, Decimal]] = {}
    for r in share_frame.itertuples(index=False):
        k = canonical(_plain(r.key), book)
        weight = _micro_to_usd(_plain(r.weight)) or Decimal(0)
        model = _canonical_key(_plain(r.model), book)
        for scope_project in (_plain(r.project_id), _ANY):
            for scope_model in (model, _ANY):
                scope = weights.setdefault((_day(r.day), r.provider, scope_project, scope_model), {})
                scope[k] = scope.get(k, Decimal(0)) + weight
    for r in bill_frame.itertuples(index=False):
        amount = Decimal(_plain(r.cost) or 0)
        day, line_project, model = _day(r.day), _plain(r.project_id), _canonical_key(_plain(r.model), book)
        scope = weights.get(
            (
                day,
                r.provider,
                _ANY if line_project is None else line_project,
                _ANY if model is None else model,
            ),
            {},
        )
        whole = sum(scope.values(), Decimal(0))
        k = canonical(_plain(r.key), book) if by in COST_KEY else None
        if by is None or k is not None or (by == "model" and bool(r.other_line)):
            rows.append((day, k, amount, "billed"))  # the bill names the key itself (or has none to name)
            continue
        if not whole:  # nothing to split by: the bill stays whole, under no key
            rows.append((day, None, amount, "billed"))
            continue
        kept = {part: w for part, w in scope.items() if w}
        for part, share in allocate(amount, kept, total=whole).items():
            rows.append((day, part, share, "allocated"))
    grouped: dict[tuple, list] = {}
    for d, k, cost, basis in rows:
        entry = grouped.setdefault((d, k), [Decimal(0), set()])
        entry[0] += cost
        entry[1].add(basis)
    out = pd.DataFrame(
        [(d, k, c.quantize(CENT_12), combine_bases(b)) for (d, k), (c, b) in grouped.items()],
        columns=["date", "key", "cost_usd", "basis"],
    )
    return out.sort_values(["date", "key"], key=_sortable).reset_index(drop=True)


def _canonical_key(model: Any, book: Any) -> Any:
    """The canonical model id breakdowns key on (an unknown name: as written, lower case)."""
    if model is None:
        return None
    try:
        return book.resolve_model(str(model))[1]
    except price_book.UnknownModelError:
        return str(model).strip().lower()


def _add(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    if value is None:
        return total
    return value if total is None else total + value


def _sortable(column: pd.Series) -> pd.Series:
    # None keys sort last, as DuckDB's ORDER BY does.
    if column.name == "key":
        return column.map(lambda v: (v is None, "" if v is None else str(v)))
    return column


# ---------------------------------------------------------------- month status inputs


@dataclass(frozen=True)
class MonthInputs:
    """What a month status is computed from: the month's days so far and the forecast history."""

    month: date
    as_of: date
    days: pd.DataFrame  # date, cost_usd, basis, cumulative_usd: month start..as_of
    spent_usd: Decimal
    basis: str
    forecast: Any  # reports.Forecast


def month_inputs(
    facts: Facts, month: date, *, as_of: date | None = None, project: str | None = None, book: Any = None
) -> MonthInputs:
    """Returns the month's spend to date and the weekday forecast, as `reports.month_status` computes them."""
    from analytics import reports  # the forecast arithmetic runs on a few dozen rows, in one place

    book = book or price_book.default_book()
    first = month.replace(day=1)
    last = reports.month_end(first)
    span = days_covered(facts)
    if as_of is None:
        as_of = min(last, span[1]) if span else first - timedelta(days=1)
        as_of = max(as_of, first - timedelta(days=1))
    history_start = min(first, as_of - timedelta(days=reports.FORECAST_WINDOW_DAYS - 1))
    series, _ = _daily(facts, history_start, max(as_of, history_start), None, project, book)
    series = series[series["date"] <= as_of]
    days = series[series["date"] >= first].reset_index(drop=True)
    cumulative = reports.running_total(days["cost_usd"])
    days = days.assign(cumulative_usd=cumulative)
    spent = cumulative[-1] if cumulative else Decimal(0)
    history = series[series["date"] > as_of - timedelta(days=reports.FORECAST_WINDOW_DAYS)]
    first_usage = _first_usage_day(facts, project) or history_start
    history = history[history["date"] >= first_usage]
    forecast = reports.weekday_forecast(history, as_of + timedelta(days=1), last, spent=spent)
    basis = combine_bases(days["basis"]) if len(days) else "estimated"
    return MonthInputs(first, as_of, days, spent, basis, forecast)


def _first_usage_day(facts: Facts, project: str | None) -> date | None:
    u = facts.usage
    if project:
        u = u.filter(u.project_id == project)
    value = _plain(facts.execute(u.aggregate(first=u.period_start.date().min())).iloc[0]["first"])
    return None if value is None else _day(value)


# ---------------------------------------------------------------- what-if


@dataclass(frozen=True)
class WhatIfTotals:
    projects: pd.DataFrame  # project_id, actual_usd, scenario_usd
    actual_usd: Decimal
    scenario_usd: Decimal


def what_if(
    facts: Facts,
    start: date,
    end: date,
    *,
    model_map: Mapping[str, str] | None = None,
    tier: str | None = None,
    project: str | None = None,
    book: Any = None,
) -> WhatIfTotals:
    """Returns the usage of start..end priced as it ran and with models swapped / every request in `tier`.

    As `reports.what_if` (models matched by resolved model, so `gpt-4o` covers its dated snapshots), without
    its cached-share option (the DuckDB path keeps that).
    """
    model_map = dict(model_map or {})
    book = book or price_book.default_book()
    if tier is not None and tier not in price_book.TIERS:
        raise ValueError(f"unknown tier {tier!r}; expected one of {', '.join(price_book.TIERS)}")
    wanted = {book.resolve_model(k)[1]: v for k, v in model_map.items()}
    mapping: dict[str, str] = {}
    for model in _distinct_models(facts, start, end):
        try:
            canonical = book.resolve_model(model)[1]
        except price_book.UnknownModelError:
            continue
        if canonical in wanted:
            mapping[model] = wanted[canonical]
    prices = _price_table(facts, start, end, book, tuple(dict.fromkeys(mapping.values())))
    usage = _usage(facts, start, end, project)
    actual = _priced(usage, prices, ("project_id",))
    swapped = usage
    if mapping:
        swap = ibis.memtable(
            pd.DataFrame({"m_from": list(mapping), "m_to": list(mapping.values())}, dtype=object)
        )
        swapped = usage.left_join(swap, usage.model == swap.m_from)
        swapped = swapped.mutate(price_model=swapped.m_to.coalesce(swapped.model)).drop("m_from", "m_to")
    if tier:
        swapped = swapped.mutate(tier=ibis.literal(tier))
    scenario = _priced(swapped, prices, ("project_id",))
    a = actual.group_by("project_id").aggregate(micro=actual.micro_cost.sum())
    s = scenario.group_by("project_id").aggregate(micro=scenario.micro_cost.sum())
    fa, fs = facts.execute(a), facts.execute(s)
    keys = sorted(
        {*map(_plain, fa["project_id"]), *map(_plain, fs["project_id"])}, key=lambda v: (v is None, v)
    )

    def by_project(frame: pd.DataFrame) -> dict[Any, Decimal]:
        out = {}
        for r in frame.itertuples(index=False):
            usd = _micro_to_usd(_plain(r.micro))
            out[_plain(r.project_id)] = Decimal(0) if usd is None else usd.quantize(CENT_12)
        return out

    actual_by, scenario_by = by_project(fa), by_project(fs)
    projects = pd.DataFrame(
        {
            "project_id": keys,
            "actual_usd": [actual_by.get(k, Decimal(0)) for k in keys],
            "scenario_usd": [scenario_by.get(k, Decimal(0)) for k in keys],
        }
    )
    return WhatIfTotals(
        projects, sum(projects["actual_usd"], Decimal(0)), sum(projects["scenario_usd"], Decimal(0))
    )


def _distinct_models(facts: Facts, start: date, end: date) -> list[str]:
    u = _in_range(facts.usage, start, end)
    c = _in_range(facts.costs, start, end)
    frame = facts.execute(u.select("model").union(c.select("model")).distinct())
    return sorted(m for m in map(_plain, frame["model"]) if m is not None)


# ---------------------------------------------------------------- reconcile


def reconcile(
    facts: Facts, start: date, end: date, *, project: str | None = None, book: Any = None
) -> pd.DataFrame:
    """Returns billed and token-estimated cost per (date, provider, model) over the billed days.

    The join of `reports.reconcile` (model None on a provider's day whose bill has unitemised lines);
    the diff and flag columns are arithmetic on these rows.
    """
    prices = _price_table(facts, start, end, book or price_book.default_book())
    usage, costs = _usage(facts, start, end, project), _costs(facts, start, end, None)
    priced = _priced(usage, prices, ())
    covered = _covered(costs)
    unitemised = costs.filter(costs.model.isnull()).select("provider", "day").distinct()
    unitemised = unitemised.mutate(unitemised=ibis.literal(True))
    scoped = costs.filter(costs.project_id == project) if project else costs
    b = scoped.left_join(unitemised, [scoped.provider == unitemised.provider, scoped.day == unitemised.day])
    b = b.mutate(model=ibis.ifelse(b.unitemised.fill_null(False), ibis.null(dt.string), b.model))
    billed = b.group_by(["provider", "day", "model"]).aggregate(billed=b.amount_usd.sum())
    on_billed = priced.semi_join(covered, [priced.provider == covered.provider, priced.day == covered.day])
    e = on_billed.left_join(
        unitemised, [on_billed.provider == unitemised.provider, on_billed.day == unitemised.day]
    )
    e = e.mutate(model=ibis.ifelse(e.unitemised.fill_null(False), ibis.null(dt.string), e.model))
    estimated = e.group_by(["provider", "day", "model"]).aggregate(micro=e.micro_cost.sum())
    fb, fe = facts.execute(billed), facts.execute(estimated)
    rows: dict[tuple, list] = {}
    for r in fb.itertuples(index=False):
        rows.setdefault((_day(r.day), r.provider, _plain(r.model)), [None, None])[0] = _plain(r.billed)
    for r in fe.itertuples(index=False):
        usd = _micro_to_usd(_plain(r.micro))
        rows.setdefault((_day(r.day), r.provider, _plain(r.model)), [None, None])[1] = usd
    out = pd.DataFrame(
        [
            (
                d,
                p,
                m,
                (b or Decimal(0)).quantize(CENT_12, ROUND_HALF_UP),
                (e or Decimal(0)).quantize(CENT_12, ROUND_HALF_UP),
            )
            for (d, p, m), (b, e) in rows.items()
        ],
        columns=["date", "provider", "model", "billed_usd", "estimated_usd"],
    )
    return out.sort_values(["date", "provider", "model"], key=_model_last).reset_index(drop=True)


def _model_last(column: pd.Series) -> pd.Series:
    if column.name == "model":
        return column.map(lambda v: (v is None, "" if v is None else str(v)))
    return column
