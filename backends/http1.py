"""A small HTTP/1.1 client for the upstream calls on the request path: keep-alive connections per
origin, responses parsed by httptools (llhttp, the parser uvicorn serves with; one connection's
protocol and the error tree are in backends/http1_connection.py), asyncio's own transports (TLS
included, with the system's trust store, as aiohttp's default).

Why not aiohttp: one call through a pooled aiohttp session costs ~0.25 ms of the ingress's CPU on
loopback, most of it Python above the socket (its request and response objects, cookie jar, tracing
hooks, payload writers); `kind: openai`'s whole call over this client costs ~0.1 ms
(bench/litellm_call.py).
What it leaves out is what these calls never need: redirects, cookies, compression (no
`accept-encoding` is sent, so a server answers in identity encoding) and HTTP/2.

Egress proxies: a pool reads the standard variables (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY,
upper or lower case; backends/egress.py) when it is made, as httpx, and so litellm's own calls, do.
An https upstream is reached through `CONNECT host:port` and TLS inside the tunnel (the upstream's
name checked against the system's trust store, as without a proxy); an http upstream gets its
requests in absolute form. Credentials in the proxy URL go as `Proxy-Authorization: Basic`. Pooled
connections are kept per (upstream, proxy): a tunnel is reused for the next request to its upstream.

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
       │    └── ProxyError  the proxy is unreachable, refused (any non-2xx to CONNECT, a 407) or
       │                    named by a variable this client cannot use (`transient` says which)
       ├── ReadTimeout      read_timeout passed with no byte from the server
       ├── Broken           the connection closed mid-response, or the response is not HTTP
       └── BadHeader        a header holds a line break or NUL (nothing is sent)

Every error of a call through a proxy has `proxy` set to its host:port (None without one), and so
has an Exchange (`Exchange.proxy`: a plain-http answer may be the proxy's own, a 401 or 403 say); no
message carries the proxy's credentials. A 407 to a plain-http request is the proxy's: a ProxyError.

A request on a reused connection that the server had already closed (the keep-alive race: no byte
of the response came back) is sent once more on a fresh connection.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urlsplit

from backends.egress import Proxies, Proxy, ProxyConfigError
from backends.http1_connection import (BadHeader, Broken, ConnectFailed, ConnectTimeout, Connection, HTTPError,
                                       ProxyError, ReadTimeout)

__all__ = ["BadHeader", "Broken", "ConnectFailed", "ConnectTimeout", "Exchange", "HTTPError", "Pool", "ProxyError",
           "ReadTimeout"]

Key = tuple[str, str, int, Proxy | None]  # scheme, host, port of the upstream; the proxy on the way, if any

KEEPALIVE_S = 15.0  # an idle connection older than this is closed, not reused (aiohttp's default)
_SSL: ssl.SSLContext | None = None
_UNSAFE = re.compile(r"[\r\n\0]")


def _ssl_context() -> ssl.SSLContext:
    global _SSL
    if _SSL is None:  # made once: loading the trust store costs milliseconds
        _SSL = ssl.create_default_context()
    return _SSL


class Exchange:
    """One request's response: `status`, `headers` (lower-case names), then the body; see the module doc."""

    def __init__(self, pool: Pool, key: Key, connection: Connection, read_timeout: float | None):
        self._pool, self._key, self._connection, self._read_timeout = pool, key, connection, read_timeout
        self.status = connection.status
        self.headers: Mapping[str, str] = connection.headers
        self._released = False
        self.proxy = connection.via  # host:port of the proxy a plain-http answer came through (its errors too)

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

    `proxies`: the egress proxies (default: the standard variables, read now; `Proxies()` for none).

    A pool belongs to the event loop it was first used on; used from another loop (a test running
    several loops one after another), it drops the old loop's connections and starts afresh."""

    def __init__(self, max_connections: int = 256, proxies: Proxies | None = None) -> None:
        self.max_connections = max_connections
        self.proxies = Proxies.from_environment() if proxies is None else proxies
        self._proxied = bool(self.proxies)  # False: no route lookup at all per request
        self._routes: dict[tuple[str, str, int], Proxy | None] = {}  # each upstream's proxy, worked out once
        self._idle: dict[Key, list[Connection]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._open: set[Connection] = set()

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], *, connect_timeout: float | None,
                   read_timeout: float | None) -> Exchange:
        """Send `body` to `url`; the Exchange once the response's head is in (see the module doc)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._forget()
            self._loop, self._slots = loop, asyncio.Semaphore(self.max_connections)
        scheme, host, port, target = _split(url)
        proxy = self._route(scheme, host, port) if self._proxied else None
        key = (scheme, host, port, proxy)
        authority = f"[{host}]" if ":" in host else host
        authority = authority if port in (80, 443) else f"{authority}:{port}"
        if proxy is not None and scheme == "http":  # a proxy forwards what it is sent in absolute form
            target = f"http://{authority}{target}"
        head = [f"POST {target} HTTP/1.1\r\nhost: {authority}\r\ncontent-length: {len(body)}\r\n"]
        if proxy is not None and scheme == "http" and proxy.authorization is not None:
            head.append(f"proxy-authorization: {proxy.authorization}\r\n")
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
                if connection.status == 407 and proxy is not None and scheme == "http":  # the proxy's own answer
                    self._discard(connection)
                    raise ProxyError(f"proxy {proxy.where} refused the request to {authority}: "
                                     f"{_status(407)} (check the credentials in HTTP_PROXY or ALL_PROXY)",
                                     proxy=proxy.where, transient=False)
                return Exchange(self, key, connection, read_timeout)
            raise AssertionError("unreachable")
        except BaseException:
            self._slots.release()
            raise

    async def aclose(self) -> None:
        self._forget()

    # -- connections -------------------------------------------------------------------------------
    def _route(self, scheme: str, host: str, port: int) -> Proxy | None:
        try:
            return self._routes[(scheme, host, port)]
        except KeyError:
            pass
        try:
            proxy = self._routes[(scheme, host, port)] = self.proxies.route(scheme, host, port)
        except ProxyConfigError as exc:
            raise ProxyError(str(exc), proxy=None, transient=False) from None
        return proxy

    def _reuse(self, key: Key) -> Connection | None:
        idle, now = self._idle.get(key), time.monotonic()
        while idle:
            connection = idle.pop()
            if not connection.closed and now - connection.idle_since < KEEPALIVE_S:
                connection._reset()
                return connection
            self._discard(connection)
        return None

    async def _connect(self, loop: asyncio.AbstractEventLoop, key: Key, timeout: float | None) -> Connection:
        scheme, host, port, proxy = key
        if proxy is not None:
            return await self._through(loop, proxy, scheme, host, port, timeout)
        tls = _ssl_context() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    lambda: Connection(loop), host, port, ssl=tls, server_hostname=host if tls else None)
        except TimeoutError:
            raise ConnectTimeout(f"no connection to {host}:{port} within {timeout} s") from None
        except (OSError, ssl.SSLError) as exc:
            raise ConnectFailed(f"could not connect to {host}:{port}: {type(exc).__name__}") from None
        self._open.add(connection)
        return connection

    async def _through(self, loop: asyncio.AbstractEventLoop, proxy: Proxy, scheme: str, host: str, port: int,
                       timeout: float | None) -> Connection:
        """A connection to `proxy`; for an https upstream, tunnelled to host:port with TLS inside, all
        within `timeout`."""
        where, upstream = proxy.where, f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        connection: Connection | None = None
        try:
            async with asyncio.timeout(timeout):
                try:
                    _, connection = await loop.create_connection(lambda: Connection(loop, where), proxy.host,
                                                                 proxy.port)
                except OSError as exc:
                    raise ProxyError(f"could not connect to proxy {where}: {type(exc).__name__}", proxy=where) from None
                if scheme == "https":
                    await self._tunnel(loop, connection, proxy, host, upstream)
        except TimeoutError:
            self._close(connection)
            error = ConnectTimeout(f"no connection to {upstream} through proxy {where} within {timeout} s")
            error.proxy = where
            raise error from None
        except BaseException:
            self._close(connection)
            raise
        self._open.add(connection)
        return connection

    async def _tunnel(self, loop: asyncio.AbstractEventLoop, connection: Connection, proxy: Proxy, host: str,
                      upstream: str) -> None:
        """CONNECT through the proxy, then TLS with the upstream inside the tunnel."""
        where = proxy.where
        auth = f"proxy-authorization: {proxy.authorization}\r\n" if proxy.authorization is not None else ""
        assert connection.transport is not None
        connection.transport.write(f"CONNECT {upstream} HTTP/1.1\r\nhost: {upstream}\r\n{auth}\r\n".encode("latin-1"))
        try:
            while not connection.head_done:
                await connection.wait(None)
        except Broken:
            raise ProxyError(f"proxy {where} closed the connection instead of answering CONNECT {upstream}",
                             proxy=where) from None
        if not 200 <= connection.status < 300:
            # Any answer to CONNECT is the proxy's own; 401 is what some (tinyproxy) send for wrong credentials.
            hint = " (check the credentials in HTTPS_PROXY or ALL_PROXY)" if connection.status in (401, 407) else ""
            raise ProxyError(f"proxy {where} refused the tunnel to {upstream}: {_status(connection.status)}{hint}",
                             proxy=where, transient=connection.status not in (401, 403, 407))
        try:
            transport = await loop.start_tls(connection.transport, connection, _ssl_context(), server_hostname=host)
        except (OSError, ssl.SSLError) as exc:
            error = ConnectFailed(f"could not connect to {upstream} through proxy {where}: {type(exc).__name__}")
            error.proxy = where
            raise error from None
        connection.tunnelled(transport)  # type: ignore[arg-type]

    @staticmethod
    def _close(connection: Connection | None) -> None:
        if connection is not None and connection.transport is not None:
            connection.transport.close()

    def _give_back(self, key: Key, connection: Connection) -> None:
        if self._slots is not None:
            self._slots.release()
        if connection.reusable() and self._loop is connection.loop:
            connection.idle_since = time.monotonic()
            self._idle.setdefault(key, []).append(connection)
        else:
            self._discard(connection)

    def _discard(self, connection: Connection) -> None:
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


def _status(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, request target) of an http(s) URL; ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, target
