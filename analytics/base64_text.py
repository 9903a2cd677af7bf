"""Decodes the base64 a request body carries inline (a PDF's `file_data`, an audio clip's `data`)."""

from __future__ import annotations

import base64
import binascii
import re

_WHITESPACE = re.compile(rb"\s+")


def decode(text: str) -> bytes | None:
    """Returns the bytes of base64 `text` (MIME line breaks allowed), or None if it is not base64."""
    try:
        return base64.b64decode(_WHITESPACE.sub(b"", text.encode("ascii")), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
