"""The spend reports over a portable layer (Ibis), so one definition runs on DuckDB, Spark or a warehouse.

    from analytics import engines, portable
    facts = portable.from_parquet(engines.connect("spark://host:7077"), "s3://bucket/llm-cost-export")
    portable.daily_spend(facts, date(2026, 11, 1), date(2026, 11, 30), by="project")

`from_store(store)` reads the DuckDB store in place (the default engine); `from_parquet` an
`llm-cost export --parquet` folder; `from_table` a foreign table through a `TableMapping`. See `spend` for
the rules and for what stays in Python.
"""

from analytics.portable.facts import Facts, TableMapping, days_covered, from_parquet, from_store, from_table
from analytics.portable.spend import (
    DIMENSIONS,
    MonthInputs,
    WhatIfTotals,
    daily_spend,
    month_inputs,
    reconcile,
    what_if,
)

__all__ = [
    "DIMENSIONS",
    "Facts",
    "MonthInputs",
    "TableMapping",
    "WhatIfTotals",
    "daily_spend",
    "days_covered",
    "from_parquet",
    "from_store",
    "from_table",
    "month_inputs",
    "reconcile",
    "what_if",
]
