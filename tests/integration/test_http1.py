"""The upstream client (backends/http1.py) against a real HTTP/1.1 server on loopback: keep-alive
reuse, every body framing a server may choose, a server that closes an idle connection, and each
failure as its own error; then egress through a real forward proxy (tinyproxy, tests/forward_proxy.py):
CONNECT tunnels with TLS inside, absolute-form requests, proxy credentials, NO_PROXY, refusals."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from backends import http1
from backends.egress import Proxies
from forward_proxy import PROXY_SOURCE, ForwardProxy, self_signed

BODY = b'{"ok": true}'


class Server:
    """A loopback server answering each request with the next of `answers` (raw bytes, or None to
    close the connection unanswered); it counts the connections it accepted and the peers they came
    from. With `tls` it speaks TLS; with `only_from` it hangs up on every other peer address at once."""

    def __init__(self, *answers: bytes | None, tls: ssl.SSLContext | None = None, only_from: str | None = None) -> None:
        self.answers = list(answers)
        self.connections = 0
        self.peers: list[str] = []
        self.requests: list[bytes] = []
        self.tls, self.only_from = tls, only_from

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/v1/chat/completions"

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.peers.append(writer.get_extra_info("peername")[0])
        if self.only_from is not None and self.peers[-1] != self.only_from:
            writer.close()
            return
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


# -- egress through a forward proxy ------------------------------------------------------------------

CREDENTIALS = ("turnout", "pr0xy-s3cret")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """tinyproxy demanding CREDENTIALS; its own connections come from PROXY_SOURCE."""
    server = ForwardProxy(tmp_path_factory.mktemp("proxy"), credentials=CREDENTIALS).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def upstream_tls(tmp_path_factory):
    """(server context, client context trusting it) for a TLS upstream at 127.0.0.1."""
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


@pytest.fixture
def trusted(upstream_tls, monkeypatch):
    """http1's trust store for this test: the test upstream's certificate only."""
    monkeypatch.setattr(http1, "_SSL", upstream_tls[1])


def environment(monkeypatch, **variables: str) -> None:
    """Set the proxy variables given (names as written), clearing every other spelling of them."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


async def test_an_https_upstream_only_the_proxy_reaches_is_tunnelled_and_the_tunnel_is_kept_alive(
        proxy, upstream_tls, trusted, monkeypatch):
    server = Server(fixed(), fixed(), fixed(), tls=upstream_tls[0], only_from=PROXY_SOURCE)
    async with server as url:
        environ = {"HTTPS_PROXY": proxy.url()}
        environment(monkeypatch, **environ)
        pool = http1.Pool()  # the standard variables, read as the pool is made
        for _ in range(3):
            assert await post(pool, url) == (200, BODY)
        await pool.aclose()
        direct = http1.Pool(proxies=Proxies())
        with pytest.raises((http1.ConnectFailed, http1.Broken)):  # without the proxy it is out of reach
            await post(direct, url)
        await direct.aclose()
    port = url.split(":")[2].split("/")[0]
    assert server.connections == 1 and server.peers[0] == PROXY_SOURCE  # one tunnel, TLS inside, reused
    assert proxy.requests().count(f"CONNECT 127.0.0.1:{port} HTTP/1.1") == 1
    assert server.requests[0].startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")  # origin form inside
    assert b"proxy-authorization" not in server.requests[0].lower()  # credentials are the proxy's only


async def test_an_http_upstream_is_sent_absolute_form_requests_with_the_proxy_credentials(proxy, monkeypatch):
    server = Server(fixed(), only_from=PROXY_SOURCE)
    async with server as url:
        environment(monkeypatch, http_proxy=proxy.url(), HTTP_PROXY="http://127.0.0.1:1")  # lower case wins
        pool = http1.Pool()
        assert await post(pool, url) == (200, BODY)
        await pool.aclose()
    assert f"POST {url} HTTP/1.1" in proxy.requests()  # absolute form, as a proxy expects
    assert server.requests[0].startswith(b"POST /v1/chat/completions HTTP/1.1")
    assert b"proxy-authorization" not in server.requests[0].lower()


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "127.0.0.0/8", "*", "localhost,127.0.0.1:{port}"])
async def test_no_proxy_sends_a_matching_upstream_directly(proxy, monkeypatch, no_proxy):
    server = Server(fixed())
    async with server as url:
        port = url.split(":")[2].split("/")[0]
        environment(monkeypatch, ALL_PROXY=proxy.url(), NO_PROXY=no_proxy.format(port=port))
        before = len(proxy.requests())
        pool = http1.Pool()
        assert await post(pool, url) == (200, BODY)
        await pool.aclose()
    assert server.peers == ["127.0.0.1"] and len(proxy.requests()) == before


async def test_no_proxy_for_another_port_or_host_still_goes_through_the_proxy(proxy, monkeypatch):
    server = Server(fixed(), only_from=PROXY_SOURCE)
    async with server as url:
        environment(monkeypatch, ALL_PROXY=proxy.url(), NO_PROXY="127.0.0.1:1,.0.0.1,example.com,10.0.0.0/8")
        pool = http1.Pool()
        assert await post(pool, url) == (200, BODY)
        await pool.aclose()
    assert server.peers == [PROXY_SOURCE]


async def test_a_proxy_that_refuses_or_is_unreachable_is_a_proxy_error_naming_it_without_credentials(
        proxy, upstream_tls, trusted, closed_port, monkeypatch, tmp_path):
    wrong = ("turnout", "not-the-password")
    async with Server(fixed(), tls=upstream_tls[0]) as https_url, Server(fixed()) as http_url:
        cases = [
            # tinyproxy answers wrong credentials with 401 and none with 407; to CONNECT, either is the proxy's
            (https_url, Proxies.from_environment({"HTTPS_PROXY": proxy.url(wrong)}), "check the credentials", False),
            (https_url, Proxies.from_environment({"HTTPS_PROXY": f"http://{proxy.where}"}), "HTTP 407", False),
            (http_url, Proxies.from_environment({"HTTP_PROXY": f"http://{proxy.where}"}), "HTTP 407", False),
            (https_url, Proxies.from_environment({"HTTPS_PROXY": f"http://u:pw@127.0.0.1:{closed_port}"}),
             "could not connect to proxy", True),
            (https_url, Proxies.from_environment({"HTTPS_PROXY": f"socks5://u:pw@127.0.0.1:{closed_port}"}),
             "HTTPS_PROXY names a socks5:// proxy", False),
        ]
        strict = ForwardProxy(tmp_path, credentials=CREDENTIALS, connect_ports=(443,)).start()
        try:  # a proxy that tunnels to port 443 only
            cases.append((https_url, Proxies.from_environment({"HTTPS_PROXY": strict.url()}), "HTTP 403", False))
            for url, proxies, words, transient in cases:
                pool = http1.Pool(proxies=proxies)
                with pytest.raises(http1.ProxyError) as failed:
                    await post(pool, url)
                await pool.aclose()
                message = str(failed.value)
                assert words in message and failed.value.transient is transient, message
                assert "not-the-password" not in message and "pw@" not in message and ":pw" not in message
                if "socks5" not in words:
                    assert failed.value.proxy is not None and failed.value.proxy in message
        finally:
            strict.stop()


async def test_a_proxy_that_never_answers_is_a_connect_timeout_naming_it(unanswering_port):
    pool = http1.Pool(proxies=Proxies.from_environment({"HTTPS_PROXY": f"http://u:pw@127.0.0.1:{unanswering_port}"}))
    with pytest.raises(http1.ConnectTimeout) as failed:
        async with await pool.post("https://api.example.com/v1/chat/completions", b"{}", {}, connect_timeout=0.3,
                                   read_timeout=5):
            pass
    await pool.aclose()
    assert failed.value.proxy == f"127.0.0.1:{unanswering_port}" and failed.value.proxy in str(failed.value)
    assert "pw" not in str(failed.value)
