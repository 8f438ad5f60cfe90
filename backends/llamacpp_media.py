"""What a llama.cpp vision model's chat handler receives instead of the client's image and video parts.

`MediaPreparer.prepare(messages)` returns new messages (the request is never mutated) in which every
`image_url` part is an inline image written by backends.image_prep — decoded, EXIF orientation applied,
every piece of metadata dropped, shrunk to the model's pixel limit — and every inline `video_url`
part is the frames backends.video_frames samples from it, each prepared the same way. An http(s)
image URL is fetched by backends.fetch under the policy's `media.fetch` rules or refused. Anything
refused is an InvalidMedia (a BackendBadRequest: 400) under this model's id, whose message starts
with the part's location. `inline_only` replaces the chat handler's own loader, which would fetch
URLs with urllib.
"""

from __future__ import annotations

import asyncio
import base64
import io
from typing import Any

from backends.base import BackendBadRequest, InvalidMedia
from backends.fetch import Fetcher, FetchRules
from backends.image_prep import ImageLimits, decode_data_url, prepare_image
from backends.video_frames import VideoSampling, sample_frames

__all__ = ["MediaPreparer", "inline_only"]


def inline_only(image_url: str) -> bytes:
    """Stands in for the chat handler's image loader: only the preparer's data URLs reach it."""
    if not image_url.startswith("data:"):
        raise ValueError("image URLs are never fetched by llama.cpp's chat handler")
    return base64.b64decode(image_url.partition(",")[2])


class MediaPreparer:
    def __init__(self, model_id: str, *, max_images: int = 16, limits: ImageLimits = ImageLimits(),
                 fetch: FetchRules | Fetcher | None = None, video: VideoSampling | None = None) -> None:
        self.model_id = model_id
        self.max_images = max_images
        self.limits = limits
        self.fetcher = fetch if isinstance(fetch, Fetcher) else Fetcher(fetch or FetchRules())
        self.video = video or VideoSampling()

    async def prepare(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`messages` with every image and video part replaced by prepared inline images."""
        out, count = [], 0
        for index, message in enumerate(messages):
            content = message.get("content")
            if not isinstance(content, list):
                out.append(message)
                continue
            parts = []
            for p_index, part in enumerate(content):
                kind = part.get("type") if isinstance(part, dict) else None
                if kind not in ("image_url", "video_url"):
                    parts.append(part)
                    continue
                where = f"messages[{index}].content[{p_index}].{kind}"
                if message.get("role") != "user":
                    raise BackendBadRequest(self.model_id, f"{where}: images and videos are read only in user messages")
                if kind == "video_url":
                    parts += await self._frames(_url(part, kind), where)
                    continue
                count += 1
                if count > self.max_images:
                    raise BackendBadRequest(self.model_id, f"{where}: more than {self.max_images} images; "
                                                           f"this model takes at most {self.max_images}")
                parts.append({"type": "image_url", "image_url": {"url": await self._image(_url(part, kind), where)}})
            out.append({**message, "content": parts})
        return out

    async def _image(self, url: str, where: str) -> str:
        try:
            if url[:8].lower().startswith(("http://", "https://")):
                data = await self.fetcher.fetch(url, where)
            elif url[:5].lower() == "data:":
                data = decode_data_url(url, where, self.limits.max_bytes)
            else:
                raise InvalidMedia(f"{where}: unsupported image URL; allowed: data:image/...;base64, or http(s) "
                                   "where the policy's media.fetch allows it", where=where)
            prepared = await asyncio.to_thread(prepare_image, data, where, self.limits)
        except InvalidMedia as exc:
            raise InvalidMedia(exc.message, where=exc.where, model_id=self.model_id) from None
        return prepared.data_url()

    async def _frames(self, url: str, where: str) -> list[dict[str, Any]]:
        def frames() -> list[str]:
            urls = []
            for i, frame in enumerate(sample_frames(url, where, self.video)):
                buffer = io.BytesIO()
                frame.save(buffer, format="PNG", compress_level=1)
                urls.append(prepare_image(buffer.getvalue(), f"{where} frame {i}", self.limits).data_url())
            return urls

        try:
            urls = await asyncio.to_thread(frames)
        except InvalidMedia as exc:
            raise InvalidMedia(exc.message, where=exc.where, model_id=self.model_id) from None
        return [{"type": "image_url", "image_url": {"url": frame}} for frame in urls]


def _url(part: dict[str, Any], kind: str) -> str:
    value = part.get(kind)
    return str(value.get("url", "")) if isinstance(value, dict) else str(value or "")
