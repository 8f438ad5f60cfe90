"""POST /v1/chat/completions is served ahead of FastAPI's stack (router/http.py's ChatCompletions): it
must answer as the framework did — the same headers and SSE framing, OpenAI-shaped 4xx and 500s,
the 405 of a wrong method — and a client's hang-up must cancel the work done for it (router/http_io.py)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path

import httpx
import pytest

from backends.function import FunctionBackend, completion
from router.http import create_app
from router.http_io import HangUp, unless_disconnected
from router.runtime import build
from router.settings import Settings

POLICY = """
version: 1
auth: {mode: keys}
models:
  - {id: cloud, kind: litellm, model: openai/a, api_base: "http://a.invalid", context_tokens: 8192,
     pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}}
  - {id: cleared, kind: litellm, model: openai/b, api_base: "http://b.invalid", context_tokens: 8192,
     clearance: restricted, pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [cleared]
  - id: default
    route: [cloud]
tenants:
  - id: team
    api_key_sha256: [KEY_SHA]
"""
KEY = {"authorization": "Bearer team-key"}
CHAT = {"model": "auto", "max_tokens": 8, "temperature": 0.7, "messages": [{"role": "user", "content": "Say hi."}]}


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    path: Path = tmp_path_factory.mktemp("chat") / "policy.yaml"
    path.write_text(POLICY.replace("KEY_SHA", hashlib.sha256(b"team-key").hexdigest()), encoding="utf-8")
    return Settings(policy=path, redis_url=None)


def client(settings: Settings, handler=None, max_body_bytes: int = 4096) -> httpx.AsyncClient:
    handler = handler or (lambda request: completion("hi there", prompt_tokens=5, completion_tokens=2))
    gateway = build(settings, backends={m: FunctionBackend(m, handler) for m in ("cloud", "cleared")})
    app = create_app(gateway, max_body_bytes=max_body_bytes)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout")


def openai_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


async def test_an_answer_carries_its_json_and_the_decision_headers(settings):
    async with client(settings) as http:
        response = await http.post("/v1/chat/completions", json=CHAT, headers=KEY)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    assert (response.headers["x-turnout-model"], response.headers["x-turnout-rule"]) == ("cloud", "default")
    assert response.headers["x-turnout-cache"] == "bypass" and float(response.headers["x-turnout-cost-usd"]) > 0
    body = response.json()
    assert body["choices"][0]["message"]["content"] == "hi there" and body["id"].startswith("chatcmpl-")


async def test_a_stream_is_server_sent_events_ending_with_done(settings):
    async with client(settings) as http:
        response = await http.post("/v1/chat/completions", json={**CHAT, "stream": True}, headers=KEY)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache" and response.headers["x-turnout-model"] == "cloud"
    events = [e for e in response.text.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"
    text = "".join((c.get("delta") or {}).get("content") or ""
                   for e in events[:-1] for c in json.loads(e[6:]).get("choices") or [])
    assert text == "hi there"


@pytest.mark.parametrize(("body", "status", "needle"), [
    (b"{not json", 400, "not valid JSON"),
    (b"", 400, "body is empty"),
    (json.dumps({"model": "auto"}).encode(), 400, "messages"),
    (json.dumps({**CHAT, "messages": [{"role": "user", "content": "x" * 5000}]}).encode(), 413, "exceeds the limit"),
])
async def test_bad_input_gets_an_openai_shaped_4xx(settings, body, status, needle):
    async with client(settings) as http:
        response = await http.post("/v1/chat/completions", content=body, headers=KEY)
    assert needle in openai_error(response, status)["message"]


async def test_a_missing_or_unknown_key_is_401(settings):
    async with client(settings) as http:
        missing = await http.post("/v1/chat/completions", json=CHAT)
        wrong = await http.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer nope"})
    assert "missing API key" in openai_error(missing, 401)["message"]
    assert "invalid API key" in openai_error(wrong, 401)["message"]


async def test_a_wrong_method_is_405_naming_post(settings):
    async with client(settings) as http:
        response = await http.get("/v1/chat/completions", headers=KEY)
    assert openai_error(response, 405)["code"] == "method_not_allowed" and response.headers["allow"] == "POST"


async def test_an_unexpected_failure_is_a_generic_500_and_is_logged(settings, caplog):
    def broken(request):
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR, logger="turnout.http"):
        async with client(settings, broken) as http:
            response = await http.post("/v1/chat/completions", json=CHAT, headers=KEY)
    error = openai_error(response, 500)
    assert error["code"] == "internal_error" and "secret internals" not in response.text
    assert any("unexpected error" in r.message for r in caplog.records)


# -- a hang-up cancels the work, and nothing else is swallowed ----------------------------------------

def receiver(disconnect: asyncio.Event):
    async def receive() -> dict:
        await disconnect.wait()
        return {"type": "http.disconnect"}
    return receive


async def test_a_hang_up_cancels_the_work_and_answers_none():
    disconnect, cancelled = asyncio.Event(), asyncio.Event()

    async def work() -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "answer"

    asyncio.get_running_loop().call_later(0.02, disconnect.set)
    assert await asyncio.wait_for(unless_disconnected(receiver(disconnect), work()), 5) is None
    assert cancelled.is_set()


async def test_work_that_finishes_first_is_answered_and_leaves_no_watcher():
    before = len(asyncio.all_tasks())

    async def work() -> str:
        await asyncio.sleep(0)
        return "answer"

    assert await unless_disconnected(receiver(asyncio.Event()), work()) == "answer"
    await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) == before


async def test_a_cancellation_from_outside_is_not_taken_for_a_hang_up():
    disconnect = asyncio.Event()

    async def serve() -> None:
        async with HangUp(receiver(disconnect)):
            try:
                await asyncio.sleep(30)
            finally:
                await asyncio.sleep(0.2)  # clean-up after the hang-up (a budget hold settled, say)

    task = asyncio.ensure_future(serve())
    await asyncio.sleep(0.01)
    disconnect.set()
    await asyncio.sleep(0.05)  # heard: the block is cancelled and cleaning up
    task.cancel()  # ...when the server cancels the request too (shutting down)
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_plain_cancellation_goes_through():
    async def serve() -> None:
        async with HangUp(receiver(asyncio.Event())):
            await asyncio.sleep(30)

    task = asyncio.ensure_future(serve())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_where_the_server_watches_hang_ups_itself_no_second_watcher_reads_the_connection():
    """Inside Ray Serve (router/app.py: watch_hang_ups off) the replica awaits the disconnect and cancels
    the request; the endpoint's HangUp then never calls receive, so it takes nothing from Serve's queue."""
    reads = 0

    async def receive() -> dict:
        nonlocal reads
        reads += 1
        return {"type": "http.disconnect"}

    async with HangUp(receive, watch=False) as hang_up:
        await asyncio.sleep(0.01)
    assert (reads, hang_up.happened) == (0, False)
    async with HangUp(receive) as hang_up:  # watching: the same disconnect cancels the block
        await asyncio.sleep(5)
    assert (reads, hang_up.happened) == (1, True)


async def test_an_answer_leaves_before_its_cache_store_and_the_store_serves_the_next_request(settings):
    """The client does not wait for the cache store (nor the budget settlement): both run once the
    answer's last body message has gone, and the stored answer is a hit for the same request next."""
    gateway = build(settings, backends={m: FunctionBackend(m, lambda r: completion("hi there", prompt_tokens=5,
                                                                                   completion_tokens=2))
                                        for m in ("cloud", "cleared")})
    app = create_app(gateway)
    events: list[str] = []
    store = gateway.cache.set

    async def set_and_note(*args, **kwargs):
        events.append("stored")
        return await store(*args, **kwargs)

    gateway.cache.set = set_and_note
    body = json.dumps({**CHAT, "temperature": 0}).encode()

    async def call() -> list[dict]:
        sent: list[dict] = []
        given = asyncio.Event()

        async def receive():
            if not given.is_set():
                given.set()
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # never hangs up

        async def send(message):
            sent.append(message)
            events.append(message["type"])

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions",
                 "query_string": b"", "root_path": "", "headers": [(b"authorization", b"Bearer team-key"),
                                                                   (b"content-type", b"application/json")]}
        await app(scope, receive, send)
        return sent

    first = await call()
    assert events == ["http.response.start", "http.response.body", "stored"]
    assert dict(first[0]["headers"])[b"x-turnout-cache"] == b"miss"
    second = await call()
    assert dict(second[0]["headers"])[b"x-turnout-cache"] == b"hit"
    assert json.loads(second[1]["body"])["choices"][0]["message"]["content"] == "hi there"
