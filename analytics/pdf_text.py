"""Reads the text of an inline PDF (a file part's `file_data`: a `data:application/pdf;base64,...` URL, or the
bare base64 the Responses API also takes), offline.

The API puts a PDF's extracted text into the model's context, so a request's count needs that text. pypdf
extracts it page by page. A page whose text pypdf cannot map to characters (a content stream that shows
strings with no font resource, as braintrust-sdk's one-line test PDF does) falls back to the strings its
text-showing operators draw, which is what the API's extractor read there.

A request body can carry any bytes, so reading is bounded: a file over the API's own limits (32 MB, 100
pages), a page whose content stream is over a megabyte (no page of prose comes near it; 200,000 text
operators in 15 kB of deflate do) or text longer than any model's context gives None, as a PDF that cannot be
read at all does: the caller leaves it uncounted rather than guess or stall.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from analytics import base64_text

MAX_FILE_BYTES = 32 * 1024 * 1024  # the API's limit for the files of one request
MAX_PAGES = 100  # the API's limit
MAX_PAGE_CONTENT_BYTES = 1024 * 1024
MAX_TEXT_CHARS = 4_000_000  # about a million tokens: more than any model's context
MAX_INFLATED_BYTES = 16 * 1024 * 1024  # one compressed stream, unpacked
# `data:application/pdf;base64,` with any parameters before `base64` (`;name=x.pdf`), in any case.
_PDF_DATA_URL = re.compile(r"data:application/pdf(;[^,;]*)*;base64,", re.IGNORECASE)
# Text-showing operators of a content stream: Tj, ' and " show one string, TJ an array of strings and kerns.
_SHOW_TEXT = {b"Tj", b"'", b'"', b"TJ"}


class _TooLarge(Exception):
    """Reading on would cost more than a count should."""


@dataclass(frozen=True)
class PdfText:
    """The pages' extracted text, in page order."""

    pages: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def textless_pages(self) -> int:
        return sum(not page.strip() for page in self.pages)


def read_file_data(value: object) -> PdfText | None:
    """Returns the text of the PDF in `value` (a data: URL or bare base64), or None if it holds no PDF or
    the PDF cannot be read within the bounds above."""
    data = _pdf_bytes(value)
    return None if data is None else read(data)


def _pdf_bytes(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    prefix = _PDF_DATA_URL.match(value)
    if prefix is None and value.startswith("data:"):
        return None  # another media type
    encoded = value[prefix.end() :] if prefix else value
    if len(encoded) > MAX_FILE_BYTES * 4 // 3 + 4096:
        return None
    data = base64_text.decode(encoded)
    if data is None:
        return None
    return data if data.startswith(b"%PDF-") or prefix else None


def read(data: bytes) -> PdfText | None:
    if len(data) > MAX_FILE_BYTES:
        return None
    import pypdf  # imported here: only a request with an inline PDF needs it

    # pypdf's own limits on unpacked streams are 75 MB each (a 155 kB deflate bomb takes 7 s to reach that);
    # lowered for this read only (a context variable: other threads and the host's own use keep theirs).
    limits = {f"{kind}_maximum_output_length": MAX_INFLATED_BYTES for kind in ("zlib", "lzw", "run_length")}
    with _quiet_pypdf(), pypdf.apply_configuration(**limits):
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            if len(reader.pages) > MAX_PAGES:
                return None
            pages, chars = [], 0
            for page in reader.pages:
                pages.append(_page_text(page))
                chars += len(pages[-1])
                if chars > MAX_TEXT_CHARS:
                    return None
            return PdfText(tuple(pages))
        except (
            Exception
        ):  # pypdf raises many kinds of error on a damaged file; any of them means "unreadable"
            return None


def _page_text(page: object) -> str:
    contents = page.get_contents()  # type: ignore[attr-defined]
    if contents is not None and len(contents.get_data()) > MAX_PAGE_CONTENT_BYTES:
        raise _TooLarge
    text = page.extract_text() or ""  # type: ignore[attr-defined]
    return text if text.strip() else _shown_strings(page, contents)


def _shown_strings(page: object, contents: object) -> str:
    from pypdf.generic import ContentStream

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


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs the repairs it makes to slightly broken files (a wrong startxref offset) as warnings; the
    text is still read, and a count should not print them. Restored afterwards for the host's own use."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
