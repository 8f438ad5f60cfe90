"""Audio durations from container headers, reading only the bytes needed (for token
estimates).

wav: RIFF fmt/data chunks (exact); mp3: first frame header, Xing/Info frame count when present,
else constant bit rate over the bytes; flac: STREAMINFO total samples; m4a: the mp4 `mvhd` box
(backends.video_frames.mp4_duration, which video frame counts share); ogg: last page granule
position (Opus at 48 kHz, Vorbis at its header rate); pcm16: bytes / 48000. When a container gives
no duration (webm, or a header without one), duration = bytes * 8 / ESTIMATED_BITRATE[fmt]. Pure: bytes in, seconds out.
"""

from __future__ import annotations

import struct

from backends.video_frames import ByteView, mp4_duration

__all__ = ["ESTIMATED_BITRATE", "PCM16_RATE", "ByteView", "audio_duration", "mp4_duration"]

PCM16_RATE = 24_000  # OpenAI's pcm16: raw 16-bit little-endian mono at 24 kHz


# Bit rates assumed where the container header gives no duration cheaply. Lower rates give longer
# (more conservative) durations: Opus voice is ~24-32 kbit/s, AAC voice ~64 kbit/s.
ESTIMATED_BITRATE = {"webm": 32_000, "ogg": 32_000, "m4a": 64_000, "flac": 400_000}


def audio_duration(view: ByteView, fmt: str) -> float | None:
    """Seconds of audio in `view` as `fmt`; None when it is not a readable file of that format."""
    head = view.read(0, 4096)
    if fmt == "wav":
        return _wav_duration(view, head)
    if fmt == "mp3":
        return _mp3_duration(view, head)
    if fmt == "pcm16":
        return view.nbytes / (PCM16_RATE * 2)
    if fmt == "flac":
        if head[:4] != b"fLaC":
            return None
        rate = int.from_bytes(head[18:21], "big") >> 4
        total = int.from_bytes(head[21:26], "big") & ((1 << 36) - 1)
        return total / rate if rate and total else _by_bitrate(view, fmt)
    if fmt == "m4a":
        if head[4:8] != b"ftyp":
            return None
        return mp4_duration(view) or _by_bitrate(view, fmt)
    if fmt == "ogg":
        return _ogg_duration(view, head) if head[:4] == b"OggS" else None
    if fmt == "webm":
        return _by_bitrate(view, fmt) if head[:4] == b"\x1a\x45\xdf\xa3" else None
    return None


def _by_bitrate(view: ByteView, fmt: str) -> float:
    return view.nbytes * 8 / ESTIMATED_BITRATE[fmt]


def _wav_duration(view: ByteView, head: bytes) -> float | None:
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    offset, byte_rate = 12, 0
    while offset + 8 <= view.nbytes:
        chunk = view.read(offset, 8)
        cid, size = chunk[:4], struct.unpack("<I", chunk[4:8])[0]
        if cid == b"fmt ":
            byte_rate = struct.unpack("<I", view.read(offset + 16, 4))[0]
        elif cid == b"data":
            available = view.nbytes - offset - 8
            size = available if size in (0, 0xFFFFFFFF) else min(size, available)  # streamed: size unknown
            return size / byte_rate if byte_rate else None
        offset += 8 + size + (size & 1)
    return None


_MP3_BITRATES = {  # kbit/s by bitrate index, layer III
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2 and 2.5
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_duration(view: ByteView, head: bytes) -> float | None:
    start = 0
    if head[:3] == b"ID3":  # ID3v2 tag: syncsafe size, optional 10-byte footer
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        start = 10 + size + (10 if head[5] & 0x10 else 0)
    frame = view.read(start, 4096)
    for i in range(len(frame) - 4):
        if frame[i] != 0xFF or frame[i + 1] & 0xE0 != 0xE0:
            continue
        version, layer = (frame[i + 1] >> 3) & 3, (frame[i + 1] >> 1) & 3
        bitrate_index, rate_index = frame[i + 2] >> 4, (frame[i + 2] >> 2) & 3
        if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
            continue  # reserved values: not a layer III frame header
        rate = _MP3_RATES[version][rate_index]
        mono = frame[i + 3] >> 6 == 3
        side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
        xing = frame[i + 4 + side:i + 16 + side]
        if xing[:4] in (b"Xing", b"Info") and xing[7] & 1:  # VBR header with a frame count
            samples = 1152 if version == 3 else 576
            return struct.unpack(">I", xing[8:12])[0] * samples / rate
        bitrate = _MP3_BITRATES[1 if version == 3 else 2][bitrate_index] * 1000
        return (view.nbytes - start - i) * 8 / bitrate
    return None


def _ogg_duration(view: ByteView, head: bytes) -> float | None:
    if b"OpusHead" in head[:64]:
        rate = 48_000  # Opus granule positions always count 48 kHz samples
    elif (at := head.find(b"\x01vorbis")) >= 0:
        rate = struct.unpack("<I", head[at + 12:at + 16])[0]
    else:
        return None
    tail = view.read(max(0, view.nbytes - 65_536), 65_536)
    last = tail.rfind(b"OggS")
    if last < 0 or not rate:
        return None
    return struct.unpack("<q", tail[last + 6:last + 14])[0] / rate
