"""One upstream HTTP/1.1 connection for backends/http1.py's pool: the asyncio protocol whose response
is parsed by httptools (llhttp, the parser uvicorn serves with), and the client's error tree.

The protocol keeps one response at a time: status and headers (names lower case), then the body's
pieces as they arrive, up to a high-water mark past which the socket is paused until they are read.
`wait()` is the one place the pool and its exchanges wait for the server; a failure is kept and
raised from every later `wait()`.
"""

from __future__ import annotations

import asyncio
from collections import deque

import httptools

__all__ = ["BadHeader", "Broken", "ConnectFailed", "ConnectTimeout", "Connection", "HTTPError", "ProxyError",
           "ReadTimeout"]

_HIGH_WATER = 1 << 20  # buffered response bytes past which the socket is paused until they are read


class HTTPError(Exception):
    """A transport failure of one exchange (the server's own error statuses are responses, not these)."""

    proxy: str | None = None  # host:port of the proxy the call went through


class ConnectTimeout(HTTPError):
    pass


class ConnectFailed(HTTPError):
    pass


class ProxyError(ConnectFailed):
    """The egress proxy failed the call: unreachable, or it refused the tunnel or the request.
    `transient` is False where trying again cannot help (407, 403, a proxy URL this client cannot use)."""

    def __init__(self, message: str, *, proxy: str | None, transient: bool = True) -> None:
        super().__init__(message)
        self.proxy = proxy
        self.transient = transient


class ReadTimeout(HTTPError):
    pass


class Broken(HTTPError):
    pass


class BadHeader(HTTPError):
    """A header name or value holds a line break or NUL (it would end the header early: request
    smuggling); the message names the header, never its value (it may be a key)."""


class Connection(asyncio.Protocol):
    """One connection and the response being read on it; httptools calls the `on_*` methods."""

    def __init__(self, loop: asyncio.AbstractEventLoop, via: str | None = None) -> None:
        self.loop = loop
        self.via = via  # the proxy's host:port, stamped on this connection's errors
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.head_done = self.done = self.paused = self.keep_alive = False
        self.received = 0  # bytes of this response so far (0 when a reused connection died unanswered)
        self.pieces: deque[bytes] = deque()
        self.buffered = 0
        self.error: HTTPError | None = None

    # -- asyncio.Protocol --------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(Broken("upstream switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(Broken(f"upstream sent a response that is not HTTP/1.1 ({exc})"))

    def eof_received(self) -> bool | None:
        return None  # close our end too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.head_done and not self.done and self._until_close():
            self.done = True  # a body without length or chunking ends where the connection does
        elif not self.done:
            self._fail(Broken("upstream closed the connection before the response ended"))
        self._wake()

    # -- httptools callbacks -----------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        self.headers[key] = f"{self.headers[key]}, {text}" if key in self.headers else text

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if 100 <= self.status < 200:  # an interim response (100 Continue): the real one follows
            self.headers = {}
            return
        self.head_done = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.pieces.append(body)
        self.buffered += len(body)
        if self.buffered > _HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.head_done:
            self.keep_alive = self.parser.should_keep_alive()  # read now: the parser resets after the message
            self.done = True
            self._wake()

    # -- for Exchange ------------------------------------------------------------------------------
    def _until_close(self) -> bool:
        return "content-length" not in self.headers and "chunked" not in self.headers.get("transfer-encoding", "")

    def _fail(self, error: HTTPError) -> None:
        if self.error is None:
            if self.via is not None:
                error.proxy = self.via
            self.error = error
        if self.transport is not None:
            self.transport.close()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout: float | None) -> None:
        """Until the parser or the transport has news; ReadTimeout after `timeout` seconds of none."""
        if self.error is not None:
            raise self.error
        self._waiter = self.loop.create_future()
        try:
            if timeout is None:
                await self._waiter
            else:
                async with asyncio.timeout(timeout):
                    await self._waiter
        except TimeoutError:
            self._fail(ReadTimeout(f"no data from upstream within {timeout} s"))
        finally:
            self._waiter = None
        if self.error is not None:
            raise self.error

    def take(self) -> bytes:
        data = b"".join(self.pieces) if len(self.pieces) != 1 else self.pieces[0]
        self.pieces.clear()
        self.buffered = 0
        if self.paused and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return data

    def tunnelled(self, transport: asyncio.Transport) -> None:
        """Carry on over `transport` (TLS inside the proxy's tunnel) with a fresh parser: the proxy's
        answer to CONNECT is not part of any response read from here on."""
        self.transport = transport
        self.parser = httptools.HttpResponseParser(self)
        self._reset()

    def reusable(self) -> bool:
        return (self.done and self.error is None and not self.closed and self.transport is not None
                and not self.transport.is_closing() and self.keep_alive)


