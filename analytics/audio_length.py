"""Measures how long an inline audio clip (an `input_audio` part's base64 WAV or MP3) plays, offline.

The API counts input audio by its length, so a request's count needs the length, not the bytes. WAV gives it
in its header: the data chunk over the byte rate, the chunk's declared size capped at the bytes present (a
streamed WAV declares 0 or 0xFFFFFFFF, a cut one more than it holds). MP3 has no header for it: the frames are
walked and their samples added up, less the encoder delay and padding that a LAME / Lavc "Info" or "Xing"
frame records (gapless length, what a decoder plays). With the gapless length every recorded clip counts
exactly; with the raw frame length two of seven are one token over.

Lengths are Fractions, so that a count of whole tenths of a second is not a float's rounding away from the
truth. A clip that cannot be measured gives None: the caller leaves it uncounted rather than guess.
"""

from __future__ import annotations

import re
from fractions import Fraction

from analytics import base64_text

# MPEG audio, layer III only (the format the API takes as "mp3"): kbps by bitrate index, for MPEG-1 and for
# MPEG-2 / 2.5; sample rates by version bits (3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5) and rate index.
_MPEG1_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0)
_MPEG2_KBPS = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0)
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
# A frame header starts with 11 set bits; the next byte's top three are the rest of them.
_SYNC = re.compile(rb"\xff[\xe0-\xff]")
# Give up on a stream after this many candidate headers that were not frames: noise, not audio, and reading
# on would cost seconds on a hostile clip of sync bytes.
_MAX_FALSE_SYNCS = 10_000


def seconds(data: str, audio_format: object) -> Fraction | None:
    """Returns the length in seconds of base64 `data` in `audio_format` ("wav" or "mp3"), or None."""
    if not isinstance(data, str) or not isinstance(audio_format, str):
        return None
    audio_format = audio_format.lower()
    raw = base64_text.decode(data)
    if raw is None:
        return None
    if audio_format == "wav":
        return wav_seconds(raw)
    if audio_format == "mp3":
        return mp3_seconds(raw)
    return None


def wav_seconds(raw: bytes) -> Fraction | None:
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        return None
    at, byte_rate, block = 12, 0, 0
    while at + 8 <= len(raw):
        kind, size = raw[at : at + 4], int.from_bytes(raw[at + 4 : at + 8], "little")
        if kind == b"fmt " and size >= 16:
            byte_rate = int.from_bytes(raw[at + 16 : at + 20], "little")
            block = int.from_bytes(raw[at + 20 : at + 22], "little")
        elif kind == b"data":
            present = len(raw) - at - 8
            size = present if size in (0, 0xFFFFFFFF) else min(size, present)  # streamed, or cut short
            if not byte_rate or not block:
                return None
            return Fraction(size - size % block, byte_rate)  # whole frames only
        at += 8 + size + (size & 1)
    return None


def mp3_seconds(raw: bytes) -> Fraction | None:
    at = _after_id3(raw)
    samples, rate, trimmed, first, false_syncs = 0, 0, 0, True, 0
    while at + 4 <= len(raw):
        frame = _frame(raw, at)
        if frame is None or at + frame[0] > len(raw):  # not a frame, or a last frame cut short
            false_syncs += 1
            found = _SYNC.search(raw, at + 1)
            if found is None or false_syncs > _MAX_FALSE_SYNCS:
                break
            at = found.start()
            continue
        length, frame_samples, frame_rate = frame
        if first:
            first = False
            gapless = _gapless_trim(raw[at : at + length])
            if gapless is not None:  # the Info / Xing / VBRI frame is silent metadata, not audio
                trimmed = gapless
                at += length
                continue
        if rate and frame_rate != rate:
            return None  # a stream that changes rate is not one clip
        samples, rate = samples + frame_samples, frame_rate
        at += length
    if not rate or trimmed > samples or false_syncs > _MAX_FALSE_SYNCS:
        return None
    return Fraction(samples - trimmed, rate)


def _after_id3(raw: bytes) -> int:
    if raw[:3] != b"ID3" or len(raw) < 10:
        return 0
    size = (raw[6] << 21) | (raw[7] << 14) | (raw[8] << 7) | raw[9]  # syncsafe: 7 bits a byte
    return 10 + size + (10 if raw[5] & 0x10 else 0)  # a footer follows the tag when its flag is set


def _frame(raw: bytes, at: int) -> tuple[int, int, int] | None:
    """(length in bytes, samples, sample rate) of the layer III frame whose header starts at `at`."""
    header = int.from_bytes(raw[at : at + 4], "big")
    version, layer = (header >> 19) & 3, (header >> 17) & 3
    bitrate, rate_index, padding = (header >> 12) & 15, (header >> 10) & 3, (header >> 9) & 1
    if header >> 21 != 0x7FF or version == 1 or layer != 1 or rate_index == 3:
        return None
    kbps = (_MPEG1_KBPS if version == 3 else _MPEG2_KBPS)[bitrate]
    if not kbps:
        return None
    rate = _SAMPLE_RATES[version][rate_index]
    samples = 1152 if version == 3 else 576
    return samples // 8 * kbps * 1000 // rate + padding, samples, rate


def _gapless_trim(frame: bytes) -> int | None:
    """The encoder delay plus padding an Info / Xing frame records (0 without a LAME-style tag; 0 for a VBRI
    frame), or None if the frame is audio. The tags sit at fixed offsets: after the side information (which
    is 32, 17 or 9 bytes by version and channels) for Xing / Info, at 36 for VBRI."""
    mpeg1, mono = (frame[1] >> 3) & 3 == 3, (frame[3] >> 6) == 3
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    if frame[36:40] == b"VBRI":
        return 0
    if frame[4 + side : 8 + side] not in (b"Xing", b"Info"):
        return None
    for encoder in (b"LAME", b"Lavc", b"Lavf"):
        at = frame.find(encoder)
        if at >= 0 and at + 24 <= len(frame):
            first, middle, last = frame[at + 21 : at + 24]  # delay and padding, 12 bits each
            return (first << 4 | middle >> 4) + ((middle & 15) << 8 | last)
    return 0
