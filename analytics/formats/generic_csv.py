"""Any other CSV, with a user-given column mapping (`GenericMapping`); read in SQL like the vendor CSVs.

    mapping = GenericMapping(date="day", model="model", input_tokens="prompt", output_tokens="completion",
                             cost_usd="cost", provider="mistral")
    Store.open().import_files(["spend.csv"], mapping=mapping)

Token columns make usage rows; `cost_usd` makes cost rows (dollars); both may be mapped. Each row covers
one `bucket` ("day" or "hour") starting at `date` (a date or timestamp, UTC).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analytics.formats import Source, Staged
from analytics.formats.csvsql import WHOLE, Check, CsvSpec, lit, q, stage_csv, whole_checks

NAME = "generic_csv"


@dataclass(frozen=True)
class GenericMapping:
    """Which CSV column holds what. Only `date` is required; unmapped values are NULL (or 0 for tokens)."""

    date: str
    model: str | None = None
    input_tokens: str | None = None  # including cached input
    output_tokens: str | None = None
    cached_input_tokens: str | None = None
    requests: str | None = None
    cost_usd: str | None = None
    project: str | None = None
    api_key: str | None = None
    provider: str = "other"
    bucket: str = "day"

    def token_columns(self) -> list[str]:
        return [
            c for c in (self.input_tokens, self.output_tokens, self.cached_input_tokens, self.requests) if c
        ]


def sniff(head: bytes) -> bool:
    """Never: a generic CSV is only read when the user gives a mapping."""
    return False


def stage(con: duckdb.DuckDBPyConnection, source: Source, *, mapping: GenericMapping) -> Staged:
    """Stages usage rows (token columns mapped) and/or cost rows (`cost_usd` mapped)."""
    if mapping.bucket not in ("day", "hour"):
        raise ValueError(f"bucket must be 'day' or 'hour', got {mapping.bucket!r}")
    if not mapping.token_columns() and not mapping.cost_usd:
        raise ValueError("map at least one of input_tokens, output_tokens, requests or cost_usd")
    staged = [stage_csv(con, source, spec) for spec in specs(mapping)]
    relations = {k: v for s in staged for k, v in s.relations.items()}
    # Every spec carries every check, so the first one can explain any failing row. Each CSV row is read
    # once per kind, so rows_read = inserted + replaced + unchanged + skipped still holds.
    count = staged[0].count_rows

    def rows() -> int:
        return count() * len(relations) if count else 0

    return Staged(
        None if count else 0, relations, staged[0].params, staged[0].explain, rows if count else None
    )


def specs(m: GenericMapping) -> list[CsvSpec]:
    """Returns the usage and/or cost spec for a mapping."""
    start = f"TRY_CAST({q(m.date)} AS TIMESTAMPTZ)"
    counts = m.token_columns()
    text = tuple(c.lower() for c in (m.date, m.model, m.project, m.api_key, m.cost_usd) if c)
    types = {c.lower(): "DOUBLE" for c in counts}
    checks = (
        Check(
            m.date.lower(),
            f"{start} IS NULL AND {q(m.date)} IS NOT NULL",
            "a date or timestamp such as 2025-01-31",
        ),
        *whole_checks([c.lower() for c in counts]),
        *(
            [
                Check(
                    m.cost_usd.lower(),
                    f"nullif(trim({q(m.cost_usd)}), '') IS NOT NULL "
                    f"AND TRY_CAST(trim({q(m.cost_usd)}) AS DECIMAL(38,12)) IS NULL",
                    "a decimal amount",
                )
            ]
            if m.cost_usd
            else []
        ),
    )

    def col(name: str | None) -> str:
        return f"nullif(trim({q(name)}), '')" if name else "NULL"

    def count(name: str | None, default: str = "0") -> str:
        return f"CAST(coalesce({q(name)}, 0) AS BIGINT)" if name else default

    common = {
        "provider": lit(m.provider),
        "period_start": start,
        "period_end": f"{start} + INTERVAL 1 {m.bucket.upper()}",
        "project_id": col(m.project),
        "api_key_id": col(m.api_key),
        "workspace": "NULL",
        "model": col(m.model),
    }
    base = dict(
        types=types,
        expected=dict.fromkeys(types, WHOLE),
        required=tuple(c.lower() for c in (m.date, m.model, m.project, m.api_key, m.cost_usd, *counts) if c),
        text=text,
        # A row with no date or no value at all is an empty bucket.
        skip=f"{q(m.date)} IS NULL OR ("
        + " AND ".join(
            [f"{q(c)} IS NULL" for c in counts]
            + ([f"nullif(trim({q(m.cost_usd)}), '') IS NULL"] if m.cost_usd else [])
        )
        + ")",
        checks=checks,
    )
    out = []
    if counts:
        out.append(
            CsvSpec(
                name=NAME,
                kind="usage",
                namespace=f"generic:{m.provider}:usage",
                select={
                    **common,
                    "project_name": "NULL",
                    "api_key_name": "NULL",
                    "user_id": "NULL",
                    "service_tier": "NULL",
                    "batch": "NULL",
                    "requests": count(m.requests, "NULL"),
                    "input_tokens": count(m.input_tokens),
                    "cached_input_tokens": count(m.cached_input_tokens),
                    "cache_write_tokens": "0",
                    "cache_write_1h_tokens": "0",
                    "output_tokens": count(m.output_tokens),
                    "reasoning_tokens": "NULL",
                },
                key=("period_start", "model", "project_id", "api_key_id"),
                **base,
            )
        )
    if m.cost_usd:
        out.append(
            CsvSpec(
                name=NAME,
                kind="costs",
                namespace=f"generic:{m.provider}:costs",
                select={
                    **common,
                    "line_item": col(m.model),
                    "token_type": "NULL",
                    "amount_usd": f"CAST(coalesce(nullif(trim({q(m.cost_usd)}), ''), '0') AS DECIMAL(38,12))",
                    "currency": "'USD'",
                },
                key=("period_start", "model", "project_id", "api_key_id"),
                **base,
            )
        )
    return out
