"""The upstream client (backends/http1.py) against a real HTTP/1.1 server on loopback: keep-alive
reuse, every body framing a server may choose, a server that closes an idle connection, and each
failure as its own error."""

from __future__ import annotations

import asyncio

import pytest

from backends import http1

BODY = b'{"ok": true}'


class Server:
    """A loopback server answering each request with the next of `answers` (raw bytes, or None to
    close the connection unanswered); it counts the connections it accepted."""

    def __init__(self, *answers: bytes | None) -> None:
        self.answers = list(answers)
        self.connections = 0
        self.requests: list[bytes] = []

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/v1/chat/completions"

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                self.requests.append(head + await reader.readexactly(length))
                answer = self.answers.pop(0)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


def fixed(body: bytes = BODY, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s" % (
        len(body), extra, body)


async def post(pool: http1.Pool, url: str) -> tuple[int, bytes]:
    async with await pool.post(url, b'{"model": "m"}', {"content-type": "application/json"},
                               connect_timeout=5, read_timeout=5) as response:
        return response.status, await response.read()


async def test_sequential_requests_share_one_kept_alive_connection():
    server = Server(fixed(), fixed(), fixed())
    async with server as url:
        pool = http1.Pool()
        for _ in range(3):
            await post(pool, url)
        await pool.aclose()
    assert server.connections == 1
    assert server.requests[0].startswith(b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:")
    assert server.requests[0].endswith(b'\r\n\r\n{"model": "m"}') and b"content-length: 14\r\n" in server.requests[0]


async def test_chunked_and_until_close_bodies_are_read_whole():
    chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"ok\"\r\n7\r\n: true}\r\n0\r\n\r\n"
    until_close = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n" + BODY
    server = Server(chunked, until_close, fixed())
    async with server as url:
        pool = http1.Pool()
        assert await post(pool, url) == (200, BODY)
        assert await post(pool, url) == (200, BODY)  # the server closes after it: the next one reconnects
        assert await post(pool, url) == (200, BODY)
        await pool.aclose()
    assert server.connections == 2


async def test_a_stream_arrives_piece_by_piece_and_a_status_carries_its_headers():
    events = b"data: {\"n\": 1}\n\ndata: [DONE]\n\n"
    answer = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\ncontent-length: 0\r\n\r\n"
    server = Server(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(events), events),
                    answer)
    async with server as url:
        pool = http1.Pool()
        async with await pool.post(url, b"{}", {}, connect_timeout=5, read_timeout=5) as response:
            assert b"".join([piece async for piece in response.chunks()]) == events
        async with await pool.post(url, b"{}", {}, connect_timeout=5, read_timeout=5) as response:
            assert (response.status, response.headers["retry-after"], await response.read()) == (429, "3", b"")
        await pool.aclose()


async def test_an_idle_connection_the_server_closed_is_replaced_unnoticed():
    server = Server(fixed(), None, fixed())  # the second request finds the kept connection closed
    async with server as url:
        pool = http1.Pool()
        assert await post(pool, url) == (200, BODY)
        assert await post(pool, url) == (200, BODY)
        await pool.aclose()
    assert server.connections == 2


async def test_failures_are_the_clients_own_errors():
    pool = http1.Pool()
    async with Server(None, None) as url:
        with pytest.raises(http1.Broken):  # a fresh connection closed unanswered is not retried
            await post(pool, url)
        free = url
    with pytest.raises(http1.ConnectFailed):
        await post(pool, free)  # nobody listens there any more
    async with Server(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"half") as url:
        with pytest.raises(http1.ReadTimeout):
            async with await pool.post(url, b"{}", {}, connect_timeout=5, read_timeout=0.2) as response:
                await response.read()
    async with Server(b"SMTP ready\r\n\r\n") as url:
        with pytest.raises(http1.Broken):
            await post(pool, url)
    await pool.aclose()


async def test_a_header_with_a_line_break_is_refused_before_anything_is_sent():
    server = Server(fixed())
    async with server as url:
        pool = http1.Pool()
        for headers in ({"authorization": "Bearer sk-abc\n"}, {"x-a\r\nx-b": "1"}, {"x-c": "a\0b"}):
            with pytest.raises(http1.BadHeader) as refused:
                await pool.post(url, b"{}", headers, connect_timeout=5, read_timeout=5)
            assert "sk-abc" not in str(refused.value)
        assert await post(pool, url) == (200, BODY)  # the pool is whole: no slot was taken
        await pool.aclose()
    assert len(server.requests) == 1
