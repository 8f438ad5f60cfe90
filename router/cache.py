"""Response cache: the key, what may be cached, and the embedded in-process store.

The key partitions by tenant, data class and serving model (DESIGN invariant 1: nothing crosses a
tenant or a data class through the cache) and covers a canonical form of the request — messages,
tools and every sampling parameter that changes output — with a SHA-256 in place of each media
payload. Stored values are size-bounded and carry a format version; a value of another version is
a miss.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

import orjson

from router import telemetry
from router.profile import DataClass
from router.redis_client import Outage, redis_client
from router.request import ChatRequest

FORMAT_VERSION = 1
_NOT_OUTPUT_CHANGING = {"model", "stream", "stream_options", "user", "metadata", "store", "service_tier"}
_MEDIA_KEYS = {"url", "data", "file_data"}


class ResponseCache(Protocol):
    """get/set never raise: a failing store behaves as a miss / a no-op (the request must not fail)."""

    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def set(self, key: str, value: dict[str, Any], ttl_s: int) -> None: ...


def _canonical(node: Any) -> Any:
    """Replace media payloads (data: URLs, base64 audio, file data) with their SHA-256."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in _MEDIA_KEYS and isinstance(value, str) and (len(value) > 256 or value.startswith("data:")):
                out[key] = "sha256:" + hashlib.sha256(value.encode()).hexdigest()
            else:
                out[key] = _canonical(value)
        return out
    if isinstance(node, list):
        return [_canonical(item) for item in node]
    return node


def cache_key(tenant: str, data_class: DataClass, model: str, request: ChatRequest) -> str:
    body = request.model_dump(exclude=_NOT_OUTPUT_CHANGING, exclude_none=True)
    digest = hashlib.sha256(orjson.dumps(_canonical(body), option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"turnout:v{FORMAT_VERSION}:resp:{tenant}:{data_class.label}:{model}:{digest}"


def deterministic(request: ChatRequest) -> bool:
    """Only requests whose output is reproducible are cached: temperature 0 or a fixed seed."""
    return request.temperature == 0 or request.seed is not None


class MemoryCache:
    """Bounded in-process LRU with per-entry TTL: the embedded default, same interface as Redis."""

    def __init__(self, max_entries: int = 2048, max_value_bytes: int = 1 << 20) -> None:
        self.max_entries = max_entries
        self.max_value_bytes = max_value_bytes
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get(self, key: str) -> dict[str, Any] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, blob = entry
        if expires < time.monotonic():
            self._entries.pop(key, None)
            return None
        self._entries.move_to_end(key)
        value = orjson.loads(blob)
        return value.get("body") if value.get("v") == FORMAT_VERSION else None

    async def set(self, key: str, value: dict[str, Any], ttl_s: int) -> None:
        blob = orjson.dumps({"v": FORMAT_VERSION, "body": value})
        if ttl_s <= 0 or len(blob) > self.max_value_bytes:
            return
        self._entries[key] = (time.monotonic() + ttl_s, blob)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class RedisCache:
    """The response cache in Redis. Fails open: a Redis that is down, slow or full makes a lookup a
    miss and a store a no-op, within `timeout_s` — and, while it stays down, without trying (see
    Outage); errors are counted and logged once per interval."""

    def __init__(self, url: str, *, timeout_s: float = 0.05, max_value_bytes: int = 1 << 20,
                 log_interval_s: float = 60.0, pause_s: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = redis_client(url, timeout_s=timeout_s)
        self.max_value_bytes = max_value_bytes
        self.outage = Outage("redis cache", lambda action: telemetry.CACHE_ERRORS.add(1, {"action": action}),
                             pause_s=pause_s, log_interval_s=log_interval_s, clock=clock)

    @property
    def errors(self) -> int:
        return self.outage.errors

    async def get(self, key: str) -> dict[str, Any] | None:
        if self.outage.paused:
            return None
        try:
            blob = await self.client.get(key)
        except Exception as exc:  # fail open: any store failure is a miss
            self.outage.failed("get", exc)
            return None
        self.outage.ok()
        if blob is None:
            return None
        try:
            value = orjson.loads(blob)
        except orjson.JSONDecodeError:
            return None
        return value.get("body") if isinstance(value, dict) and value.get("v") == FORMAT_VERSION else None

    async def set(self, key: str, value: dict[str, Any], ttl_s: int) -> None:
        blob = orjson.dumps({"v": FORMAT_VERSION, "body": value})
        if ttl_s <= 0 or len(blob) > self.max_value_bytes or self.outage.paused:
            return
        try:
            await self.client.set(key, blob, ex=ttl_s)
        except Exception as exc:  # fail open: a failed store never fails the request
            self.outage.failed("set", exc)
            return
        self.outage.ok()
