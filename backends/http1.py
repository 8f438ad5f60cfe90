"""A small HTTP/1.1 client for the upstream calls on the request path: keep-alive connections per
origin, responses parsed by httptools (llhttp, the parser uvicorn serves with), asyncio's own
transports (TLS included, with the system's trust store, as aiohttp's default).

Why not aiohttp: one call through a pooled aiohttp session costs ~0.25 ms of the ingress's CPU on
loopback, most of it Python above the socket (its request and response objects, cookie jar, tracing
hooks, payload writers); `kind: openai`'s whole call over this client costs ~0.1 ms
(bench/litellm_call.py).
What it leaves out is what these calls never need: redirects, cookies, proxies, compression
(no `accept-encoding` is sent, so a server answers in identity encoding) and HTTP/2.

Contract:
- `Pool.post(url, body, headers, connect_timeout=, read_timeout=)` sends one request and returns an
  `Exchange` once the response's status line and headers are in: `status`, `headers` (names lower
  case), then `await read()` for the whole body or `async for piece in chunks()` as it arrives
  (content-length, chunked or until-close bodies alike).
- An exchange must end with `release()` (`async with` does it): a fully read response whose
  server keeps the connection alive returns it to the pool; anything else closes it.
- Failures raise one of the `HTTPError` subclasses below, never a bare OSError:

      HTTPError
       ├── ConnectTimeout   no connection within connect_timeout
       ├── ConnectFailed    refused, unreachable, name not resolved, TLS handshake failed
       ├── ReadTimeout      read_timeout passed with no byte from the server
       ├── Broken           the connection closed mid-response, or the response is not HTTP
       └── BadHeader        a header holds a line break or NUL (nothing is sent)

A request on a reused connection that the server had already closed (the keep-alive race: no byte
of the response came back) is sent once more on a fresh connection.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from urllib.parse import urlsplit

import httptools

__all__ = ["Broken", "ConnectFailed", "ConnectTimeout", "Exchange", "HTTPError", "Pool", "ReadTimeout"]

KEEPALIVE_S = 15.0  # an idle connection older than this is closed, not reused (aiohttp's default)
_HIGH_WATER = 1 << 20  # buffered response bytes past which the socket is paused until they are read
_SSL: ssl.SSLContext | None = None
_UNSAFE = re.compile(r"[\r\n\0]")


class HTTPError(Exception):
    """A transport failure of one exchange (the server's own error statuses are responses, not these)."""


class ConnectTimeout(HTTPError):
    pass


class ConnectFailed(HTTPError):
    pass


class ReadTimeout(HTTPError):
    pass


class Broken(HTTPError):
    pass


class BadHeader(HTTPError):
    """A header name or value holds a line break or NUL (it would end the header early: request
    smuggling); the message names the header, never its value (it may be a key)."""


def _ssl_context() -> ssl.SSLContext:
    global _SSL
    if _SSL is None:  # made once: loading the trust store costs milliseconds
        _SSL = ssl.create_default_context()
    return _SSL


class _Connection(asyncio.Protocol):
    """One connection and the response being read on it; httptools calls the `on_*` methods."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
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

    def reusable(self) -> bool:
        return (self.done and self.error is None and not self.closed and self.transport is not None
                and not self.transport.is_closing() and self.keep_alive)


class Exchange:
    """One request's response: `status`, `headers` (lower-case names), then the body; see the module doc."""

    def __init__(self, pool: Pool, key: tuple[str, str, int], connection: _Connection, read_timeout: float | None):
        self._pool, self._key, self._connection, self._read_timeout = pool, key, connection, read_timeout
        self.status = connection.status
        self.headers: Mapping[str, str] = connection.headers
        self._released = False

    async def read(self) -> bytes:
        """The whole body."""
        connection, parts = self._connection, []
        while not connection.done:
            await connection.wait(self._read_timeout)
            if connection.pieces:
                parts.append(connection.take())
        if connection.pieces:
            parts.append(connection.take())
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; `read_timeout` bounds each wait for more."""
        return self

    def __aiter__(self) -> Exchange:
        return self

    async def __anext__(self) -> bytes:
        connection = self._connection
        while not connection.pieces:
            if connection.done:
                raise StopAsyncIteration
            await connection.wait(self._read_timeout)
        return connection.take()

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._pool._give_back(self._key, self._connection)

    async def __aenter__(self) -> Exchange:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.release()


class Pool:
    """Keep-alive connections by origin, at most `max_connections` in use at once (more wait).

    A pool belongs to the event loop it was first used on; used from another loop (a test running
    several loops one after another), it drops the old loop's connections and starts afresh."""

    def __init__(self, max_connections: int = 256) -> None:
        self.max_connections = max_connections
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._open: set[_Connection] = set()

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], *, connect_timeout: float | None,
                   read_timeout: float | None) -> Exchange:
        """Send `body` to `url`; the Exchange once the response's head is in (see the module doc)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._forget()
            self._loop, self._slots = loop, asyncio.Semaphore(self.max_connections)
        scheme, host, port, target = _split(url)
        key = (scheme, host, port)
        authority = f"[{host}]" if ":" in host else host
        head = [f"POST {target} HTTP/1.1\r\nhost: {authority if port in (80, 443) else f'{authority}:{port}'}\r\n"
                f"content-length: {len(body)}\r\n"]
        for name, value in headers.items():
            if _UNSAFE.search(name) or _UNSAFE.search(value):
                raise BadHeader(f"header {name[:40]!r} holds a line break or NUL (a key read from a file with its "
                                f"trailing newline?)")
            head.append(f"{name}: {value}\r\n")
        message = "".join(head).encode("latin-1") + b"\r\n" + body
        assert self._slots is not None
        await self._slots.acquire()
        try:
            for fresh in (False, True):
                connection = None if fresh else self._reuse(key)
                if connection is None:
                    fresh = True
                    connection = await self._connect(loop, key, connect_timeout)
                assert connection.transport is not None
                connection.transport.write(message)
                try:
                    while not connection.head_done:
                        await connection.wait(read_timeout)
                except Broken:
                    self._discard(connection)
                    if fresh or connection.received:
                        raise
                    continue  # the keep-alive race: the server had closed it before reading a byte
                except BaseException:
                    self._discard(connection)
                    raise
                return Exchange(self, key, connection, read_timeout)
            raise AssertionError("unreachable")
        except BaseException:
            self._slots.release()
            raise

    async def aclose(self) -> None:
        self._forget()

    # -- connections -------------------------------------------------------------------------------
    def _reuse(self, key: tuple[str, str, int]) -> _Connection | None:
        idle, now = self._idle.get(key), time.monotonic()
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < KEEPALIVE_S:
                connection._reset()
                return connection
            self._discard(connection)
        return None

    async def _connect(self, loop: asyncio.AbstractEventLoop, key: tuple[str, str, int],
                       timeout: float | None) -> _Connection:
        scheme, host, port = key
        tls = _ssl_context() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop), host, port, ssl=tls, server_hostname=host if tls else None)
        except TimeoutError:
            raise ConnectTimeout(f"no connection to {host}:{port} within {timeout} s") from None
        except (OSError, ssl.SSLError) as exc:
            raise ConnectFailed(f"could not connect to {host}:{port}: {type(exc).__name__}") from None
        self._open.add(connection)
        return connection

    def _give_back(self, key: tuple[str, str, int], connection: _Connection) -> None:
        if self._slots is not None:
            self._slots.release()
        if connection.reusable() and self._loop is connection.loop:
            connection.idle_since = time.monotonic()
            self._idle.setdefault(key, []).append(connection)
        else:
            self._discard(connection)

    def _discard(self, connection: _Connection) -> None:
        self._open.discard(connection)
        if connection.transport is not None and not connection.transport.is_closing():
            try:
                connection.transport.close()
            except RuntimeError:  # its event loop is closed already (a pool reused from a new loop)
                pass

    def _forget(self) -> None:
        for connection in list(self._open):
            self._discard(connection)
        self._idle.clear()


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, request target) of an http(s) URL; ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, target
