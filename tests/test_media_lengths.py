"""The readers of inline media (analytics.pdf_text, analytics.audio_length) on damaged input: a request body
can carry any bytes, and a count must never fail on them (it leaves the part uncounted instead)."""

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import audio_length, pdf_text

_MP3_INFO_FRAME_START = bytes.fromhex("fff3")  # MPEG-2 layer III header start, as in the recorded clips


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from(["wav", "mp3", "flac", None]))
def test_any_bytes_give_a_length_or_none(data: bytes, audio_format: str | None) -> None:
    length = audio_length.seconds(base64.b64encode(data).decode(), audio_format)
    assert length is None or length >= 0


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_bytes_after_an_mp3_frame_header_give_a_length_or_none(tail: bytes) -> None:
    length = audio_length.mp3_seconds(_MP3_INFO_FRAME_START + tail)
    assert length is None or length >= 0


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=1024))
def test_any_bytes_after_a_pdf_header_give_text_or_none(tail: bytes) -> None:
    result = pdf_text.read(b"%PDF-1.4\n" + tail)
    assert result is None or isinstance(result.text, str)


def test_a_data_url_that_is_not_a_pdf_gives_none() -> None:
    assert pdf_text.read_data_url("data:text/plain;base64,aGVsbG8=") is None
    assert pdf_text.read_data_url("data:application/pdf;base64,not base64!") is None
    assert pdf_text.read_data_url(None) is None
