"""Money for display: figures stay Decimal everywhere else and are only rounded here, at the edge."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

SIGNIFICANT_DIGITS = 3
MAX_PLACES = 10


def format_usd(amount: Decimal | None, *, places: int = 2) -> str:
    """Returns `$1,234.56`; amounts under a dollar keep enough places to show 3 significant digits.

    >>> format_usd(Decimal("0.00000045"))
    '$0.000000450'
    >>> format_usd(Decimal("1234.5"))
    '$1,234.50'
    """
    if amount is None:
        return "n/a"
    shown = places
    if amount and abs(amount) < 1:
        leading_zeros = -abs(amount).adjusted() - 1
        shown = max(places, min(MAX_PLACES, leading_zeros + SIGNIFICANT_DIGITS))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount).quantize(Decimal(1).scaleb(-shown)):,f}"


def format_usd_column(amounts: Iterable[Decimal | None], *, places: int = 2) -> list[str]:
    """Returns `amounts` formatted with one number of decimals for all, so a column lines up and reads
    alike: the places `format_usd` would need for the smallest non-zero amount (at least `places`).

    >>> format_usd_column([Decimal("0.984"), Decimal("0.0178"), Decimal("1")])
    ['$0.9840', '$0.0178', '$1.0000']
    """
    values = list(amounts)
    wanted = places  # enough for 3 significant digits of the smallest amount under a dollar...
    for amount in values:
        if amount and abs(amount) < 1:
            wanted = max(wanted, min(MAX_PLACES, -abs(amount).adjusted() - 1 + SIGNIFICANT_DIGITS))
    # ...but no more than any amount has: $0.20 and $1.20 stay cents, not $0.200 and $1.200.
    used = max((max(0, -a.normalize().as_tuple().exponent) for a in values if a), default=0)
    shown = max(places, min(wanted, used))
    return ["n/a" if a is None else _fixed(a, shown) for a in values]


def _fixed(amount: Decimal, places: int) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount).quantize(Decimal(1).scaleb(-places)):,f}"


# `$1,000.50`, `1000`, `1,000` (thousands grouped by three), `.5`; never `1e3`, `1,00` or `abc`.
_USD_TEXT = re.compile(r"\$?\s*(?P<whole>\d{1,3}(?:,\d{3})+|\d*)(?P<fraction>\.\d+)?")


def usd_json(amount: Decimal | None) -> str | None:
    """Returns an amount for JSON output: a fixed-point string ("0.0000003", never Decimal's "3E-7", which a
    spreadsheet or a person misreads), exact to the last digit; None stays None (null)."""
    if amount is None:
        return None
    text = str(amount)
    return format(amount, "f") if "E" in text else text


def parse_usd(text: str) -> Decimal:
    """Returns the amount of a money option as typed by a person; ValueError (one line) otherwise."""
    cleaned = text.strip()
    match = _USD_TEXT.fullmatch(cleaned)
    if not cleaned or match is None or not (match["whole"] or match["fraction"]):
        raise ValueError(f"expected an amount in USD like 1000, 1,000.50 or $250, got {text!r}")
    return Decimal(match["whole"].replace(",", "") + (match["fraction"] or "") or "0")
