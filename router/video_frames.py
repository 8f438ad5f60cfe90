"""A video turned into the frames an image-only local model reads (PyAV).

The number of frames is exactly the classifier's estimate (`classify.media.inspect_video`: the
policy's `media.video_fps` over the duration in the mp4 header, at most `media.video_max_frames`),
so the decision's token estimate, the budget reservation and what the model sees agree. Frame `i`
is the first decoded frame at or after `i / fps` seconds; a video shorter than its header says
repeats its last frame. Decoding stops after the last frame needed.
"""

from __future__ import annotations

import io

from PIL import Image

from router.classify.media import MediaLimits, VideoSampling, inspect_video
from router.errors import InvalidContent
from router.image_prep import decode_data_url


def sample_frames(url: str, where: str, sampling: VideoSampling,
                  limits: MediaLimits = MediaLimits()) -> list[Image.Image]:
    """The frames of an inline (data: URL) video. InvalidContent (400, naming `where`) for a remote
    URL (never fetched), bad base64, or a file PyAV cannot decode."""
    if not url[:5].lower() == "data:":
        raise InvalidContent(f"{where}: video URLs are not fetched for local models; send the video inline "
                             "as data:video/mp4;base64,", param=where)
    count = inspect_video(url, where, sampling, limits).frames
    data = decode_data_url(url, where, limits.max_video_bytes)
    import av

    frames: list[Image.Image] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise InvalidContent(f"{where}: the file has no video stream", param=where)
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                seconds = float(frame.time) if frame.time is not None else len(frames) / sampling.fps
                while len(frames) < count and seconds + 1e-6 >= len(frames) / sampling.fps:
                    frames.append(frame.to_image())
                if len(frames) == count:
                    break
    except InvalidContent:
        raise
    except Exception:  # PyAV raises its own error tree (InvalidDataError, ...) and ValueError
        raise InvalidContent(f"{where}: video is corrupt or in a format that cannot be decoded", param=where) from None
    if not frames:
        raise InvalidContent(f"{where}: video has no frames", param=where)
    frames += [frames[-1]] * (count - len(frames))
    return frames
