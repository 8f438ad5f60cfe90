"""A video turned into the frames an image-only local model reads (PyAV), and how many there are.

The frame count has one rule, `frame_count`, which the classifier's token estimate
(router.classify.media.inspect_video) uses too: the policy's `fps` (`VideoSampling`) over the
duration in an mp4/mov header (`mvhd`), or over `assumed_duration_s` for other containers and for
remote videos, at most `max_frames`. So the decision's token estimate, the budget reservation and
what the model sees agree. Frame `i` is the first decoded frame at or after `i / fps` seconds; a
video shorter than its header says repeats its last frame. Decoding stops after the last frame needed.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from backends.base import InvalidMedia
from backends.image_prep import decode_data_url

__all__ = ["ByteView", "VideoSampling", "frame_count", "mp4_duration", "sample_frames"]

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class VideoSampling:
    """How a video becomes frames for the model: `fps` frames a second, at most `max_frames`.

    Remote videos are never fetched, so their duration is assumed to be `assumed_duration_s`.
    """

    fps: float = 1.0
    max_frames: int = 32
    assumed_duration_s: float = 30.0

    def frames(self, duration_s: float | None) -> int:
        seconds = self.assumed_duration_s if duration_s is None else duration_s
        return max(1, min(self.max_frames, math.ceil(seconds * self.fps)))


class ByteView(Protocol):
    """Random access to a payload's bytes (router.classify.media decodes base64 slices on demand)."""

    nbytes: int

    def read(self, start: int, n: int) -> bytes: ...


class _Bytes:
    __slots__ = ("data", "nbytes")

    def __init__(self, data: bytes) -> None:
        self.data, self.nbytes = data, len(data)

    def read(self, start: int, n: int) -> bytes:
        return self.data[max(0, start):max(0, start + n)]


def mp4_duration(view: ByteView) -> float | None:
    """Duration from the `mvhd` box inside the top-level `moov` box, wherever it sits in the file."""
    offset = 0
    while offset + 8 <= view.nbytes:
        size, kind = struct.unpack(">I4s", view.read(offset, 8))
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", view.read(offset + 8, 8))[0], 16
        elif size == 0:
            size = view.nbytes - offset
        if kind == b"moov":
            child = view.read(offset + header, 40)
            if child[4:8] != b"mvhd":
                return None
            if child[8] == 1:  # version 1: 64-bit times
                scale, duration = struct.unpack(">IQ", child[28:40])
            else:
                scale, duration = struct.unpack(">II", child[20:28])
            return duration / scale if scale and duration else None
        if size < header:
            return None
        offset += size
    return None


def frame_count(view: ByteView | None, sampling: VideoSampling) -> int:
    """Frames sampled from the video in `view` (None: a remote video, never fetched)."""
    duration = None
    if view is not None and view.read(4, 4) == b"ftyp":
        try:
            duration = mp4_duration(view)
        except (struct.error, IndexError):
            duration = None
    return sampling.frames(duration)


def sample_frames(url: str, where: str, sampling: VideoSampling, max_bytes: int = 32 * MiB) -> list[Image.Image]:
    """The `frame_count` frames of an inline (data: URL) video. InvalidMedia (naming `where`) for a
    remote URL (never fetched), bad base64, or a file PyAV cannot decode."""
    if not url[:5].lower() == "data:":
        raise InvalidMedia(f"{where}: video URLs are not fetched for local models; send the video inline "
                         "as data:video/mp4;base64,", where=where)
    data = decode_data_url(url, where, max_bytes, "video")
    count = frame_count(_Bytes(data), sampling)
    import av

    frames: list[Image.Image] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise InvalidMedia(f"{where}: the file has no video stream", where=where)
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                seconds = float(frame.time) if frame.time is not None else len(frames) / sampling.fps
                while len(frames) < count and seconds + 1e-6 >= len(frames) / sampling.fps:
                    frames.append(frame.to_image())
                if len(frames) == count:
                    break
    except InvalidMedia:
        raise
    except Exception:  # PyAV raises its own error tree (InvalidDataError, ...) and ValueError
        raise InvalidMedia(f"{where}: video is corrupt or in a format that cannot be decoded", where=where) from None
    if not frames:
        raise InvalidMedia(f"{where}: video has no frames", where=where)
    frames += [frames[-1]] * (count - len(frames))
    return frames
