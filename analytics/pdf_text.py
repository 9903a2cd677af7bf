"""Reads the text of an inline PDF (a `data:application/pdf;base64,...` file part), offline.

The API puts a PDF's extracted text into the model's context, so a request's count needs that text. pypdf
extracts it page by page. A page whose text pypdf cannot map to characters (a content stream that shows
strings with no font resource, as braintrust-sdk's one-line test PDF does) falls back to the strings its
text-showing operators draw, which is what the API's extractor read there.

A PDF that cannot be read at all gives None: the caller leaves it uncounted rather than guess.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
from dataclasses import dataclass

PDF_DATA_URL = "data:application/pdf;base64,"
# Text-showing operators of a content stream: Tj, ' and " show one string, TJ an array of strings and kerns.
_SHOW_TEXT = {b"Tj", b"'", b'"', b"TJ"}


@dataclass(frozen=True)
class PdfText:
    """The pages' extracted text, in page order."""

    pages: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


def read_data_url(url: object) -> PdfText | None:
    """Returns the text of the PDF in a data: URL, or None if `url` is not one or the PDF cannot be read."""
    if not isinstance(url, str) or not url.startswith(PDF_DATA_URL):
        return None
    try:
        data = base64.b64decode(url[len(PDF_DATA_URL) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    return read(data)


def read(data: bytes) -> PdfText | None:
    import pypdf  # imported here: only a request with an inline PDF needs it

    # pypdf logs repairs of slightly broken files (a wrong startxref offset); the text is still read.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        return PdfText(tuple(_page_text(page) for page in reader.pages))
    except Exception:  # pypdf raises many kinds of error on a damaged file; any of them means "unreadable"
        return None


def _page_text(page: object) -> str:
    text = page.extract_text() or ""  # type: ignore[attr-defined]
    return text if text.strip() else _shown_strings(page)


def _shown_strings(page: object) -> str:
    from pypdf.generic import ContentStream

    contents = page.get_contents()  # type: ignore[attr-defined]
    if contents is None:
        return ""
    lines = []
    for operands, operator in ContentStream(contents, page.pdf).operations:  # type: ignore[attr-defined]
        if operator not in _SHOW_TEXT or not operands:
            continue
        shown = operands[-1]
        strings = shown if operator == b"TJ" else [shown]
        lines.append("".join(item for item in strings if isinstance(item, str)))  # numbers in TJ are kerning
    return "\n".join(line for line in lines if line)
