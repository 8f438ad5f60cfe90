"""Text-only local models that take media: images as their OCR text, audio as its transcript.

A local model entry with `image_input: ocr` and/or `audio_input: transcribe` gets its backend wrapped
in `MediaAsText`: before the model sees a request, each image part (and image file) becomes a text
part holding the text read from it, and each audio part its transcript, both marked as such, so the
model knows it reads a machine reading and where it came from. Reads go through the same cached
reader as the privacy look, so a screenshot the look has read is not read again.

A part that cannot be read is replaced by a line saying so (the model answers from what it has);
an engine failure is `BackendUnavailable`, so dispatch falls back along the decision's chain.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

from backends.base import Backend, BackendUnavailable, Health
from router.readers import MediaReader, MediaUnreadable

DEFAULT_MAX_PIXELS = 16_000_000


# Plain markers: SmolLM2-135M answers from "The image contains this text (read by OCR):" placed
# before the question, and repeats bracketed markers or ignores text placed after it (tried by hand).
def _image_block(where: str, text: str) -> str:
    body = text.strip() or "(no text found)"
    return f"The image contains this text (read by OCR):\n{body}"


def _audio_block(where: str, text: str, seconds: float) -> str:
    body = text.strip() or "(no speech found)"
    return f"The audio clip says (speech-to-text transcript, {seconds:.1f} s):\n{body}"


def _unread_block(where: str, what: str, why: str) -> str:
    return f"({what} could not be read: {why}.)"


class MediaAsText:
    """A Backend that replaces media parts with their text, then calls `inner`."""

    def __init__(self, inner: Backend, reader: MediaReader, *, images: bool, audio: bool,
                 max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self.inner = inner
        self.reader = reader
        self.images = images
        self.audio = audio
        self.max_pixels = max_pixels
        self.model_id = getattr(inner, "model_id", "?")

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        return await self.inner.complete(await self.as_text(request))

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        converted = await self.as_text(request)
        async for chunk in self.inner.stream(converted):
            yield chunk

    async def health(self) -> Health:
        return await self.inner.health()

    async def as_text(self, request: dict[str, Any]) -> dict[str, Any]:
        """The request with its media parts as marked text. A message left with text parts only becomes
        one string, media text first and the message's own text after it (text-only chat templates
        expect string content; small models answer a question that follows what it is about)."""
        messages = []
        changed = False
        for i, message in enumerate(request.get("messages") or []):
            content = message.get("content")
            if not isinstance(content, list):
                messages.append(message)
                continue
            parts, read = [], []
            for j, part in enumerate(content):
                text = await self._part_text(part, f"messages[{i}].content[{j}]")
                changed = changed or text is not None
                parts.append(part if text is None else {"type": "text", "text": text})
                read.append(text is not None)
            if all(p.get("type") == "text" for p in parts):
                ordered = [p["text"] for p, r in zip(parts, read) if r] + [p["text"] for p, r in zip(parts, read) if not r]
                messages.append({**message, "content": "\n\n".join(ordered)})
            else:
                messages.append({**message, "content": parts})
        return {**request, "messages": messages} if changed else request

    async def _part_text(self, part: dict[str, Any], where: str) -> str | None:
        kind = part.get("type")
        try:
            if kind == "image_url" and self.images:
                url = (part.get("image_url") or {}).get("url", "")
                if not url.startswith("data:"):
                    return _unread_block(where, "An image", "remote image URLs are never fetched")
                data = base64.b64decode(url[url.find(",") + 1:])
                return _image_block(where, await self.reader.image_text(data, max_pixels=self.max_pixels))
            if kind == "input_audio" and self.audio:
                clip = part.get("input_audio") or {}
                transcript = await self.reader.transcribe(base64.b64decode(clip.get("data", "")),
                                                          clip.get("format", "wav"))
                return _audio_block(where, transcript.text, transcript.duration_s)
        except MediaUnreadable as exc:
            return _unread_block(where, "An image" if kind == "image_url" else "An audio clip", str(exc))
        except BackendUnavailable:
            raise
        except Exception as exc:  # the engine or its replica failed: another model may take the request
            raise BackendUnavailable(self.model_id, f"reading media for a text-only model failed: "
                                                    f"{type(exc).__name__}") from None
        return None
