"""Reading media as text, behind one small async protocol, with a cache by media hash.

    MediaReader
     ├── LocalReader     the engines in this process (the FastAPI app without Ray, tests, the CLI dry-run)
     ├── RayReader       the engines' own Ray Serve deployments (router/media_serve.py)
     └── CachedReader    either of them behind a cache keyed by the payload's SHA-256

Both methods raise `MediaUnreadable` when the payload cannot be read; whoever calls them decides what
an unreadable payload means (the privacy look fails closed). Timeouts are the caller's too.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from router.engines import MediaUnreadable, OcrEngine, SpeechEngine, Transcript

__all__ = ["MediaReader", "LocalReader", "CachedReader", "MediaUnreadable", "Transcript", "PARTITION",
           "SHARED_STORE_OK"]

# Cache partition of the request being served (its tenant), set by the privacy look before dispatch
# so that the text-as-media path of a text-only model reads the same cache entries.
PARTITION: contextvars.ContextVar[str] = contextvars.ContextVar("turnout_media_partition", default="default")
# False for a restricted request when the policy does not cache restricted data (defaults.cache_restricted):
# its media text then stays in this process's memory and never reaches the shared store.
SHARED_STORE_OK: contextvars.ContextVar[bool] = contextvars.ContextVar("turnout_media_shared_ok", default=True)


class MediaReader(Protocol):
    async def image_text(self, data: bytes, *, max_pixels: int) -> str:
        """The text in an image (lines joined by newlines; "" when it holds none)."""
        ...

    async def transcribe(self, data: bytes, fmt: str, *, language: str | None = None) -> Transcript:
        """The speech in a clip of container `fmt` (wav, mp3, flac, ogg, m4a, webm, pcm16)."""
        ...


class LocalReader:
    """The engines in this process, each loaded once, on first use, in a worker thread (a request that
    needs no media never pays for them). Reads run in worker threads; the event loop stays free."""

    def __init__(self, model_dir: Path, *, ocr_cuda: bool = False, speech_device: str = "cpu") -> None:
        self.model_dir = model_dir
        self.ocr_cuda = ocr_cuda
        self.speech_device = speech_device
        self._ocr: Any = None
        self._speech: Any = None
        self._loading = threading.Lock()  # not an asyncio lock: the CLI's dry-run runs one event loop per case

    def _engine(self, kind: str) -> Any:
        with self._loading:
            if kind == "ocr" and self._ocr is None:
                self._ocr = OcrEngine(use_cuda=self.ocr_cuda)
            if kind == "speech" and self._speech is None:
                self._speech = SpeechEngine(self.model_dir, device=self.speech_device)
        return self._ocr if kind == "ocr" else self._speech

    async def prepare(self, kinds: set[str]) -> None:
        """Load the engines for `kinds` ("image", "audio") now, so that loading is not timed as reading."""
        for kind in sorted(kinds):
            await asyncio.to_thread(self._engine, "ocr" if kind == "image" else "speech")

    async def image_text(self, data: bytes, *, max_pixels: int) -> str:
        return await asyncio.to_thread(lambda: self._engine("ocr").read(data, max_pixels))

    async def transcribe(self, data: bytes, fmt: str, *, language: str | None = None) -> Transcript:
        return await asyncio.to_thread(lambda: self._engine("speech").transcribe(data, fmt, language))


class CachedReader:
    """A reader behind two caches keyed by the payload's SHA-256 and the request's PARTITION (tenant):
    a bounded in-process LRU, then `store` (the response cache's store: Redis when configured), so the
    same screenshot is read once — by the look, and again for a text-only model. A restricted request's
    media text stays out of the store unless the policy caches restricted data (SHARED_STORE_OK). A
    failing store is a miss (its own contract); unreadable payloads are not cached."""

    FORMAT = 1

    def __init__(self, inner: MediaReader, store: Any = None, *, ttl_s: int = 86_400, max_entries: int = 512) -> None:
        self.inner = inner
        self.store = store
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._memory: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def key(self, kind: str, data: bytes) -> str:
        return f"turnout:v{self.FORMAT}:media:{PARTITION.get()}:{kind}:{hashlib.sha256(data).hexdigest()}"

    async def _cached(self, key: str, read) -> dict[str, Any]:
        shared = self.store is not None and SHARED_STORE_OK.get()
        value = self._memory.get(key)
        if value is None and shared:
            value = await self.store.get(key)
        if value is not None:
            self.hits += 1
            self._remember(key, value)
            return value
        self.misses += 1
        value = await read()
        self._remember(key, value)
        if shared:
            await self.store.set(key, value, self.ttl_s)
        return value

    def _remember(self, key: str, value: dict[str, Any]) -> None:
        self._memory[key] = value
        self._memory.move_to_end(key)
        while len(self._memory) > self.max_entries:
            self._memory.popitem(last=False)

    async def prepare(self, kinds: set[str]) -> None:
        prepare = getattr(self.inner, "prepare", None)
        if prepare is not None:
            await prepare(kinds)

    def is_cached(self, kind: str, data: bytes) -> bool:
        """In the in-process layer (the dry-run reports it)."""
        return self.key(kind, data) in self._memory

    async def image_text(self, data: bytes, *, max_pixels: int) -> str:
        async def read() -> dict[str, Any]:
            return {"text": await self.inner.image_text(data, max_pixels=max_pixels)}

        return (await self._cached(self.key(f"ocr:{max_pixels}", data), read))["text"]

    async def transcribe(self, data: bytes, fmt: str, *, language: str | None = None) -> Transcript:
        async def read() -> dict[str, Any]:
            return (await self.inner.transcribe(data, fmt, language=language)).as_dict()

        return Transcript.from_dict(await self._cached(self.key(f"stt:{fmt}:{language or 'auto'}", data), read))
