"""Money for display: figures stay Decimal everywhere else and are only rounded here, at the edge."""

from __future__ import annotations

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
