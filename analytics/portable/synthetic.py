# ruff: noqa: E501  (long SQL lines read better unbroken here)
"""A generated store of any size, made in DuckDB SQL (no row passes through Python), for the tests and
benchmarks at scale.

Sixty-one days (1 Sep .. 31 Oct 2026) of hourly buckets from three providers, shaped to reach every rule of
the reports: organisation rows that per-project rows supersede (and some that stand alone), batch / flex /
priority tiers, cached input, Claude cache writes and `context_window` sides, Gemini requests above the
long-context threshold (and rows without a request count), and OpenAI bills for the first 40 days with
per-model lines, superseded organisation lines and unitemised (no model) lines on some days.
"""

from __future__ import annotations

from datetime import date

from analytics.store import Store

FIRST_DAY = date(2026, 9, 1)
DAYS = 61
BILLED_DAYS = 40  # OpenAI bills cover 1 Sep .. 10 Oct; later days are priced from tokens
OPENAI_MODELS = (
    "gpt-4o-2024-08-06",
    "gpt-4o-mini-2024-07-18",
    "gpt-5-mini-2025-08-07",
    "o4-mini-2025-04-16",
    "gpt-4.1-mini-2025-04-14",
)
CLAUDE_MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001")


def _list(names: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{n}'" for n in names) + "]"


def generate(store: Store, rows: int) -> None:
    """Inserts `rows` usage rows (and the matching bills) into `store` in one transaction."""
    hours = DAYS * 24
    openai, claude = _list(OPENAI_MODELS), _list(CLAUDE_MODELS)
    with store.writer() as con:
        con.execute("SET preserve_insertion_order = false")
        # Stores that mark replaced rows at import time (`superseded_by`) get the mark the import would set;
        # older ones leave the choice to their views.
        marks = {c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'usage'"
        ).fetchall()} & {"superseded_by"}  # fmt: skip
        mark_col = ", superseded_by" if marks else ""
        usage_mark = ", CASE WHEN p = 'openai' AND i % 97 = 0 AND i % 89 <> 0 THEN 1 END" if marks else ""
        cost_mark = ", CAST(1 AS BIGINT)" if marks else ""
        cost_none = ", NULL" if marks else ""
        con.execute(
            f"""INSERT INTO usage (provider, source_format, import_id, record_key, period_start, period_end,
                project_id, api_key_id, user_id, workspace, model, service_tier, batch, requests, input_tokens,
                cached_input_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens,
                reasoning_tokens, details{mark_col})
            WITH r AS (
                SELECT i, TIMESTAMPTZ '2026-09-01 00:00:00+00' + to_hours(i * {hours} // {rows}) AS t,
                       CASE WHEN i % 10 < 7 THEN 'openai' WHEN i % 10 < 9 THEN 'anthropic' ELSE 'google' END AS p
                FROM range({rows}) s(i))
            SELECT p,
                   CASE WHEN p = 'openai' AND i % 89 = 0 THEN 'synthetic_org' ELSE 'synthetic_' || p END,
                   1, i::UHUGEINT, t, t + INTERVAL 1 HOUR,
                   CASE WHEN p <> 'openai' OR i % 97 = 0 OR i % 89 = 0 THEN NULL ELSE 'proj_' || (i % 20) END,
                   CASE WHEN i % 31 = 0 THEN NULL ELSE 'key_' || (i % 50) END,
                   CASE WHEN i % 7 = 0 THEN NULL ELSE 'user-' || (i % 200) END,
                   CASE WHEN p = 'anthropic' THEN 'ws_' || (i % 4) END,
                   CASE p WHEN 'openai' THEN {openai}[1 + (i // 10) % 5]
                          WHEN 'anthropic' THEN {claude}[1 + (i // 10) % 2] ELSE 'gemini-2.5-pro' END,
                   CASE WHEN p = 'openai' AND (i // 10) % 5 IN (2, 3) AND i % 6 = 1 THEN 'flex'
                        WHEN p = 'openai' AND (i // 10) % 5 IN (0, 2) AND i % 17 = 0 THEN 'priority'
                        WHEN p = 'openai' THEN 'default' END,
                   i % 10 = 0 OR (p = 'anthropic' AND i % 11 = 0),
                   CASE WHEN p = 'google' AND i % 50 = 9 THEN NULL ELSE 1 + i % 5 END,
                   CASE WHEN p = 'google' AND i % 7 = 0 THEN 260000 * (1 + i % 5) ELSE 1000 + i % 5000 END,
                   CASE WHEN p = 'openai' THEN (i % 3) * 300 WHEN p = 'anthropic' THEN (i % 4) * 150 ELSE 0 END,
                   CASE WHEN p = 'anthropic' THEN (i % 3) * 100 ELSE 0 END,
                   0,
                   100 + i % 700, 0,
                   CASE WHEN p = 'anthropic'
                        THEN json_object('context_window', CASE WHEN i % 13 = 0 THEN '> 200k' ELSE '0-200k' END)
                   END{usage_mark}
            FROM r"""
        )
        # Bills: one line per (day, project, model) of the billed days, organisation lines for the same
        # buckets (superseded), and unitemised lines (no model) every seventh day.
        con.execute(
            f"""INSERT INTO costs (provider, source_format, import_id, record_key, period_start, period_end,
                project_id, api_key_id, workspace, line_item, model, token_type, amount_usd, currency, details{mark_col})
            WITH lines AS (
                SELECT DISTINCT date_trunc('day', period_start) AS d, project_id, model FROM usage
                WHERE provider = 'openai' AND source_format = 'synthetic_openai' AND project_id IS NOT NULL
                  AND period_start < TIMESTAMPTZ '2026-09-01 00:00:00+00' + INTERVAL {BILLED_DAYS} DAY),
            numbered AS (SELECT *, row_number() OVER (ORDER BY d, project_id, model) AS n FROM lines)
            SELECT 'openai', 'synthetic_cost', 1, (n * 3)::UHUGEINT, d, d + INTERVAL 1 DAY, project_id, NULL,
                   NULL, model || ', input', model, 'input',
                   CAST((n * 7919) % 100000 AS DECIMAL(38,12)) / 1000 + CAST('0.000000000123' AS DECIMAL(38,12)),
                   'usd', NULL{cost_none}
            FROM numbered
            UNION ALL
            SELECT 'openai', 'synthetic_cost', 1, (n * 3 + 1)::UHUGEINT, d, d + INTERVAL 1 DAY, NULL, NULL,
                   NULL, model || ', input', model, 'input', CAST(999 AS DECIMAL(38,12)), 'usd', NULL{cost_mark}
            FROM numbered WHERE n % 50 = 0
            UNION ALL
            SELECT 'openai', 'synthetic_cost', 1, (n * 3 + 2)::UHUGEINT, d, d + INTERVAL 1 DAY, project_id, NULL,
                   NULL, 'web search tool calls', NULL, NULL, CAST('1.25' AS DECIMAL(38,12)), 'usd', NULL{cost_none}
            FROM numbered WHERE extract(day FROM d) % 7 = 0 AND model = '{OPENAI_MODELS[0]}'"""
        )
        con.execute("CHECKPOINT")
