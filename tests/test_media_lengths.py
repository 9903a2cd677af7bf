"""The readers of inline media (analytics.pdf_text, analytics.audio_length) on damaged and hostile input: a
request body can carry any bytes, and a count must neither fail nor stall on them, nor believe a header over
the bytes present (it leaves the part uncounted instead)."""

import base64
import struct
import zlib
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import audio_length, pdf_text

_MP3_HEADER_START = bytes.fromhex("fff3")  # MPEG-2 layer III, the first two bytes of a frame header
# MPEG-2 layer III, 32 kbps, 16 kHz, mono: a 144-byte frame of 576 samples (36 ms), as in the recorded clips
_MP3_FRAME = bytes.fromhex("fff348c4") + bytes(140)


def _wav(payload: bytes, declared: int, rate: int = 8000) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    riff = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", declared)
        + payload
    )
    return b"RIFF" + struct.pack("<I", len(riff)) + riff


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096), st.integers(0, 0xFFFFFFFF))
def test_a_wav_is_never_longer_than_the_samples_it_holds(payload: bytes, declared: int) -> None:
    length = audio_length.wav_seconds(_wav(payload, declared))
    assert length is not None and length <= Fraction(len(payload), 2 * 8000)


def test_a_streamed_or_cut_wav_is_measured_by_its_bytes() -> None:
    one_second = bytes(16000)
    assert audio_length.wav_seconds(_wav(one_second, 0xFFFFFFFF)) == 1  # streamed: "to the end"
    assert audio_length.wav_seconds(_wav(one_second, 0)) == 1
    assert audio_length.wav_seconds(_wav(one_second, 32000)) == 1  # cut after a second of two
    assert audio_length.wav_seconds(b"RIFF\0\0\0\0WAVEdata\4\0\0\0\0\0\0\0") is None  # no fmt chunk


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_an_mp3_is_never_longer_than_its_frames_allow(tail: bytes) -> None:
    # no frame is shorter than 8 kbps allows: at most len * 8 / 8000 seconds of audio
    length = audio_length.mp3_seconds(_MP3_HEADER_START + tail)
    assert length is None or length <= Fraction((2 + len(tail)) * 8, 8000)


def test_mp3_frames_are_counted_whole_and_noise_is_given_up_on() -> None:
    assert audio_length.mp3_seconds(_MP3_FRAME * 10) == Fraction(5760, 16000)
    assert audio_length.mp3_seconds(_MP3_FRAME * 10 + _MP3_FRAME[:100]) == Fraction(5760, 16000)  # cut last
    assert audio_length.mp3_seconds(b"\xff" * 2_000_000) is None  # sync bytes and nothing else
    assert audio_length.seconds(base64.b64encode(_MP3_FRAME * 10).decode(), "MP3") == Fraction(5760, 16000)
    assert audio_length.seconds("not base64!", "mp3") is None


def _one_page(stream: bytes) -> bytes:
    packed = zlib.compress(stream)
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj "
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj "
        + f"4 0 obj<</Length {len(packed)}/Filter/FlateDecode>>stream\n".encode()
        + packed
        + b"\nendstream\nendobj\ntrailer<</Size 5/Root 1 0 R>>\nstartxref\n0\n%%EOF"
    )


def test_a_pdf_is_read_from_any_spelling_of_its_data_url_and_from_bare_base64() -> None:
    encoded = base64.b64encode(_one_page(b"BT /F1 12 Tf 72 700 Td (Quarterly report) Tj ET")).decode()
    for value in (
        f"data:application/pdf;base64,{encoded}",
        f"data:application/pdf;name=report.pdf;base64,{encoded}",
        f"DATA:Application/PDF;base64,{encoded}",
        f"data:application/pdf;base64,{encoded[:40]}\n{encoded[40:]}",  # MIME line breaks
        encoded,  # the Responses API also takes bare base64
    ):
        read = pdf_text.read_file_data(value)
        assert read is not None and read.text == "Quarterly report", value[:40]
    assert pdf_text.read_file_data(f"data:image/png;base64,{encoded}") is None
    assert pdf_text.read_file_data(base64.b64encode(b"just text").decode()) is None
    assert pdf_text.read_file_data(None) is None


def test_a_hostile_pdf_is_left_unread() -> None:
    operators = b"BT /F1 12 Tf 72 700 Td " + b"(hello world) Tj " * 200_000 + b"ET"  # 8 kB deflated
    assert pdf_text.read(_one_page(operators)) is None
    assert pdf_text.read(_one_page(bytes(150_000_000))) is None  # a deflate bomb of 150 kB
    assert pdf_text.read(b"%PDF-1.4\n" + bytes(100)) is None  # no objects at all
