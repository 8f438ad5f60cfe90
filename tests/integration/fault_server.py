"""A fault-injecting OpenAI-compatible server on loopback, for integration tests.

A raw asyncio HTTP/1.1 server run on its own event loop in a background thread (so its sockets keep
answering while the test's loop is busy), one request per connection (`Connection: close`).
`POST /v1/chat/completions` behaves as `server.mode` says at the moment the request arrives:

    ok              a valid chat.completion with usage; with "stream": true, a valid SSE stream
                    (role/content chunks, a finish chunk, a final usage chunk, [DONE])
    429             HTTP 429 with `Retry-After: <server.retry_after>` (default 2) and an OpenAI error body
    500             HTTP 500 with an OpenAI error body
    hang            sends nothing for `hang_s` seconds (bounded), then closes the connection
    drop_midstream  a chunked SSE response: two content chunks, then the connection is closed
                    without ending the chunked body
    malformed       HTTP 200, content-type application/json, a body that is not JSON
    random          one of `random_modes` per request, drawn from a seeded random.Random
    400             HTTP 400 "invalid request" (the request's own fault: no fallback helps)
    context_length  HTTP 400 with code context_length_exceeded (a model with a larger window may help)
    slow_stream     SSE chunks every 0.1 s for up to `hang_s`; when the client hangs up, the time is
                    appended to `server.hangups` (tests of upstream cancellation)

`server.script`, when not empty, overrides `mode` for the next requests, one entry each (a list of
modes consumed in order), e.g. ["500", "ok"] for "fail once, then answer".

`POST /v1/responses` is OpenAI's Responses API under the same modes: in "ok" a `response` object (the
reply text as one output_text message, usage 12 in / 7 out), or with "stream": true the Responses events
(created, in_progress, output_item.added, content_part.added, one output_text.delta per word, the done
events, completed with usage); "drop_midstream" cuts that stream after the first delta.

`POST /v1/audio/transcriptions` answers `{"text": reply_text}` (a cloud speech-to-text model).

`POST /v1/embeddings` answers in mode "ok" with one 8-dimensional vector per input (derived from the
text's hash, so equal texts get equal vectors) and usage; the fault modes apply to it as well.

Every request body is recorded (as text) in `server.bodies`, in arrival order, before any fault, and
its path in `server.paths` (e.g. "/v1/chat/completions", "/v1/responses") and its headers (names in
lower case) in `server.headers`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import threading
import time
from collections.abc import Sequence

MODES = ("ok", "429", "500", "hang", "drop_midstream", "malformed")


class FaultServer:
    def __init__(self, *, mode: str = "ok", hang_s: float = 10.0, seed: int = 0,
                 random_modes: Sequence[str] = MODES, reply_text: str = "Hello from the fault server.") -> None:
        self.mode = mode
        self.hang_s = min(hang_s, 10.0)
        self.random_modes = tuple(random_modes)
        self.reply_text = reply_text
        self.retry_after = "2"
        self.report_usage = True  # False: answers and streams carry no usage (as some servers do)
        self.script: list[str] = []
        self.hangups: list[float] = []
        self.bodies: list[str] = []
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.modes_served: list[str] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task] = set()
        self.port: int = 0

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FaultServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="fault-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fault server did not start within 10 s")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            loop.stop()

        loop.call_soon_threadsafe(lambda: loop.create_task(shutdown()))
        self._thread.join(10)
        self._loop = None

    def clear(self) -> None:
        with self._lock:
            self.bodies.clear()
            self.paths.clear()
            self.headers.clear()
            self.modes_served.clear()
            self.hangups.clear()
            self.script.clear()

    # -- request handling --------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self._serve_one(reader, writer)
        except (asyncio.CancelledError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            try:
                writer.close()
            except Exception:
                pass

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        raw = await asyncio.wait_for(reader.readexactly(length), timeout=10) if length else b""
        if method == "POST" and path.rstrip("/").endswith("/audio/transcriptions"):
            with self._lock:
                self.bodies.append(raw.decode("utf-8", errors="replace"))
                self.paths.append(path)
            await self._send(writer, 200, {"text": self.reply_text})
            return
        embeddings = path.rstrip("/").endswith("/embeddings")
        responses = path.rstrip("/").endswith("/responses")
        if method != "POST" or not (embeddings or responses or path.rstrip("/").endswith("/chat/completions")):
            await self._send(writer, 404, {"error": {"message": f"no route {method} {path}", "type": "not_found"}})
            return
        text = raw.decode("utf-8", errors="replace")
        with self._lock:
            self.bodies.append(text)
            self.paths.append(path)
            self.headers.append(headers)
            mode = self.script.pop(0) if self.script else self.mode
            mode = mode if mode != "random" else self._rng.choice(self.random_modes)
            self.modes_served.append(mode)
        try:
            body = json.loads(text)
        except ValueError:
            body = {}
        stream = bool(body.get("stream"))
        if embeddings and mode == "ok":
            await self._send(writer, 200, _embeddings(body))
        elif responses and mode in ("ok", "drop_midstream") and (stream or mode == "ok"):
            if stream:
                await self._events(writer, body, drop_after=5 if mode == "drop_midstream" else None)
            else:
                await self._send(writer, 200, self._response(body, "completed"))
        elif mode == "ok":
            if stream:
                await self._stream(writer, body, drop_after=None)
            else:
                await self._send(writer, 200, self._completion(body))
        elif mode == "429":
            await self._send(writer, 429, _error("rate limited, slow down", "rate_limit_exceeded"),
                             extra={"Retry-After": self.retry_after})
        elif mode == "500":
            await self._send(writer, 500, _error("the fault server failed on purpose", "server_error"))
        elif mode == "hang":
            await asyncio.sleep(self.hang_s)
        elif mode == "drop_midstream":
            if stream:
                await self._stream(writer, body, drop_after=2)
            else:  # promise a body, send half of it, close
                payload = json.dumps(self._completion(body)).encode()
                writer.write(_status_line(200, {"Content-Type": "application/json",
                                                "Content-Length": str(len(payload))}) + payload[: len(payload) // 2])
                await writer.drain()
        elif mode == "malformed":
            await self._send_raw(writer, 200, b'{"id": "chatcmpl-broken", "choices": [ {not json', "application/json")
        elif mode == "400":
            await self._send(writer, 400, _error("invalid 'tools': schema is not valid", "invalid_request_error"))
        elif mode == "context_length":
            await self._send(writer, 400, _error("This model's maximum context length is 4096 tokens. However, your "
                                                 "messages resulted in 9000 tokens.", "context_length_exceeded"))
        elif mode == "slow_stream":
            await self._slow(reader, writer, body, stream)
        else:
            await self._send(writer, 500, _error(f"unknown fault mode {mode!r}", "server_error"))

    async def _slow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: dict,
                    stream: bool) -> None:
        """Trickle chunks (or, not streaming, nothing) until `hang_s` passes or the client hangs up."""
        gone = asyncio.ensure_future(reader.read(1))  # b"" at EOF: the client closed its end
        started = time.monotonic()
        base = {"id": "chatcmpl-fault-slow", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": request.get("model", "flaky")}
        try:
            if stream:
                writer.write(_status_line(200, {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"}))
            while time.monotonic() - started < self.hang_s:
                done, _ = await asyncio.wait({gone}, timeout=0.1)
                if done:
                    self.hangups.append(time.monotonic())
                    return
                if stream:
                    event = {**base, "choices": [{"index": 0, "delta": {"content": "tick "}, "finish_reason": None}]}
                    writer.write(_chunk(b"data: " + json.dumps(event).encode() + b"\n\n"))
                    await writer.drain()
        except ConnectionError:
            self.hangups.append(time.monotonic())
        finally:
            gone.cancel()

    def _completion(self, request: dict) -> dict:
        answer = {"id": "chatcmpl-fault-ok", "object": "chat.completion", "created": int(time.time()),
                  "model": request.get("model", "flaky"),
                  "choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply_text},
                               "finish_reason": "stop"}]}
        if self.report_usage:
            answer["usage"] = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
        return answer

    async def _stream(self, writer: asyncio.StreamWriter, request: dict, drop_after: int | None) -> None:
        writer.write(_status_line(200, {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked",
                                        "Cache-Control": "no-cache"}))
        base = {"id": "chatcmpl-fault-stream", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": request.get("model", "flaky")}
        words = self.reply_text.split(" ")
        events = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                        "finish_reason": None}]}]
        events += [{**base, "choices": [{"index": 0, "delta": {"content": w + " "}, "finish_reason": None}]}
                   for w in words]
        events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if self.report_usage:
            events.append({**base, "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": len(words),
                                                            "total_tokens": 12 + len(words)}})
        for i, event in enumerate(events):
            if drop_after is not None and i >= drop_after:
                await asyncio.sleep(0.05)
                transport = writer.transport
                transport.abort()  # no terminating chunk: the client sees a broken body
                return
            writer.write(_chunk(b"data: " + json.dumps(event).encode() + b"\n\n"))
            await writer.drain()
            await asyncio.sleep(0.005)
        writer.write(_chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
        await writer.drain()

    def _response(self, request: dict, status: str, text: str | None = None) -> dict:
        """A Responses `response` object answering `request` (no output while in progress)."""
        text = self.reply_text if text is None else text
        output = [] if status == "in_progress" else [
            {"id": "msg_fault", "type": "message", "status": "completed", "role": "assistant",
             "content": [{"type": "output_text", "text": text, "annotations": []}]}]
        usage = None
        if status == "completed" and self.report_usage:
            usage = {"input_tokens": 12, "output_tokens": 7, "total_tokens": 19,
                     "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}}
        return {"id": "resp_fault_upstream", "object": "response", "created_at": int(time.time()), "status": status,
                "model": request.get("model", "flaky"), "output": output, "usage": usage, "error": None,
                "incomplete_details": None, "instructions": request.get("instructions"),
                "max_output_tokens": request.get("max_output_tokens"), "parallel_tool_calls": True,
                "previous_response_id": request.get("previous_response_id"), "store": request.get("store", True),
                "temperature": request.get("temperature"), "top_p": request.get("top_p"), "tool_choice": "auto",
                "tools": request.get("tools") or [], "text": {"format": {"type": "text"}}, "metadata": {}}

    async def _events(self, writer: asyncio.StreamWriter, request: dict, drop_after: int | None) -> None:
        """The Responses event stream for the reply text; cut (no terminating chunk) after `drop_after` events."""
        writer.write(_status_line(200, {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked",
                                        "Cache-Control": "no-cache"}))
        item = {"id": "msg_fault", "type": "message", "status": "in_progress", "role": "assistant", "content": []}
        part = {"type": "output_text", "text": "", "annotations": []}
        where = {"item_id": "msg_fault", "output_index": 0, "content_index": 0}
        words = [w + " " for w in self.reply_text.split(" ")]
        text = "".join(words)
        events = [("response.created", {"response": self._response(request, "in_progress")}),
                  ("response.in_progress", {"response": self._response(request, "in_progress")}),
                  ("response.output_item.added", {"output_index": 0, "item": item}),
                  ("response.content_part.added", {**where, "part": part})]
        events += [("response.output_text.delta", {**where, "delta": w, "logprobs": []}) for w in words]
        done = self._response(request, "completed", text)
        events += [("response.output_text.done", {**where, "text": text, "logprobs": []}),
                   ("response.content_part.done", {**where, "part": {**part, "text": text}}),
                   ("response.output_item.done", {"output_index": 0, "item": done["output"][0]}),
                   ("response.completed", {"response": done})]
        for i, (kind, fields) in enumerate(events):
            if drop_after is not None and i >= drop_after:
                await asyncio.sleep(0.05)
                writer.transport.abort()
                return
            data = json.dumps({"type": kind, "sequence_number": i, **fields}).encode()
            writer.write(_chunk(b"event: " + kind.encode() + b"\ndata: " + data + b"\n\n"))
            await writer.drain()
            await asyncio.sleep(0.005)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    async def _send(self, writer: asyncio.StreamWriter, status: int, body: dict,
                    extra: dict[str, str] | None = None) -> None:
        await self._send_raw(writer, status, json.dumps(body).encode(), "application/json", extra)

    async def _send_raw(self, writer: asyncio.StreamWriter, status: int, payload: bytes, content_type: str,
                        extra: dict[str, str] | None = None) -> None:
        headers = {"Content-Type": content_type, "Content-Length": str(len(payload)), **(extra or {})}
        writer.write(_status_line(status, headers) + payload)
        await writer.drain()


_REASONS = {200: "OK", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}


def _status_line(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", "Connection: close",
             *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _error(message: str, code: str) -> dict:
    return {"error": {"message": message, "type": code, "param": None, "code": code}}


def _embeddings(body: dict) -> dict:
    texts = body.get("input") if isinstance(body.get("input"), list) else [body.get("input", "")]
    data = []
    for i, text in enumerate(texts):
        digest = hashlib.sha256(str(text).encode()).digest()
        data.append({"object": "embedding", "index": i, "embedding": [b / 255 for b in digest[:8]]})
    tokens = sum(len(str(t).split()) for t in texts)
    return {"object": "list", "model": body.get("model"), "data": data,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
