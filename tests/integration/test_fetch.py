"""The image fetcher against a real local HTTP server, and every address it must refuse.

Nothing is ever sent to a non-loopback address: those cases are refused at resolution, and a
transport that fails the test on any request proves no connection was attempted."""

from __future__ import annotations

import asyncio
import http.server
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from backends.base import InvalidMedia
from backends.fetch import Fetcher, FetchRules, forbidden
from router.upstream import to_router_error

pytestmark = pytest.mark.asyncio(loop_scope="session")
WHERE = "messages[0].content[0].image_url"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


class _Handler(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []  # (path, Host header)

    def do_GET(self) -> None:  # noqa: N802
        type(self).seen.append((self.path, self.headers.get("host", "")))
        port = self.server.server_address[1]
        if self.path.startswith("/to/"):
            self.send_response(302)
            self.send_header("location", self.path[len("/to/"):].replace("PORT", str(port)))
            self.send_header("content-length", "0")
            self.end_headers()
            return
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/missing":
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        body = PNG * (2000 if self.path == "/big" else 1)
        self.send_response(200)
        self.send_header("content-type", "image/png")
        if self.path != "/big-chunked":
            self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.path == "/big-chunked":
            for _ in range(200):
                self.wfile.write(PNG * 10)
            return
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _clear() -> None:
    _Handler.seen.clear()


def _no_network(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"a request was sent to {request.url}")


def resolver(*answers: list[str]):
    """Answers in turn (the last repeats); records each lookup."""
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return answers[min(len(calls), len(answers)) - 1]

    resolve.calls = calls
    return resolve


LOCAL = FetchRules(enabled=True, schemes=("http",), allow_networks=("127.0.0.1/32",), max_bytes=64 * 1024,
                   timeout_s=1.0)


async def refused(fetcher: Fetcher, url: str, words: str) -> InvalidMedia:
    with pytest.raises(InvalidMedia) as err:
        await fetcher.fetch(url, WHERE)
    assert str(err.value).startswith(f"{WHERE}: "), err.value
    assert words in str(err.value), err.value
    assert err.value.where == WHERE and to_router_error(err.value).status == 400
    return err.value


async def test_allowed_local_server_is_fetched(port):
    assert await Fetcher(LOCAL).fetch(f"http://127.0.0.1:{port}/cat.png", WHERE) == PNG
    assert _Handler.seen == [("/cat.png", f"127.0.0.1:{port}")]


async def test_off_by_default_and_nothing_is_sent(port):
    await refused(Fetcher(FetchRules()), f"http://127.0.0.1:{port}/cat.png", "media.fetch is off")
    assert _Handler.seen == []


@pytest.mark.parametrize("url, words", [
    ("http://images.example/cat.png", "scheme 'http' is not allowed; allowed: https"),
    ("file:///etc/passwd", "scheme 'file' is not allowed"),
    ("ftp://images.example/cat.png", "scheme 'ftp' is not allowed"),
    ("gopher://127.0.0.1:6379/_FLUSHALL", "scheme 'gopher' is not allowed"),
])
async def test_schemes_outside_the_allow_list_are_refused(url, words):
    await refused(Fetcher(FetchRules(enabled=True), transport=httpx.MockTransport(_no_network)), url, words)


@pytest.mark.parametrize("host, why", [
    ("127.0.0.1", "loopback"), ("127.9.8.7", "loopback"), ("[::1]", "loopback"),
    ("[::ffff:127.0.0.1]", "loopback"), ("10.1.2.3", "private"), ("192.168.0.10", "private"),
    ("172.16.5.4", "private"), ("169.254.169.254", "link-local"), ("169.254.1.1", "link-local"),
    ("[fe80::1]", "link-local"), ("[fd00:ec2::254]", "private"), ("0.0.0.0", "private"),
    ("100.64.0.1", "not globally routable"), ("224.0.0.1", "multicast"),
])
async def test_private_loopback_link_local_and_metadata_addresses_are_refused(host, why):
    fetcher = Fetcher(FetchRules(enabled=True, schemes=("http", "https")), transport=httpx.MockTransport(_no_network))
    await refused(fetcher, f"http://{host}/latest/meta-data/", why)


@pytest.mark.parametrize("answers, why", [
    (["127.0.0.1"], "loopback"),
    (["::1"], "loopback"),
    (["10.0.0.7"], "private"),
    (["169.254.169.254"], "link-local"),
    (["93.184.216.34", "10.0.0.7"], "private"),  # one bad answer among good ones refuses the name
    (["2002:a9fe:a9fe::1"], "link-local"),  # 6to4 around the metadata address
    (["64:ff9b::7f00:1"], "loopback"),  # NAT64 around loopback
    (["2001:0:4136:e378:8000:63bf:f5ff:fffe"], "private"),  # Teredo: its client is 10.0.0.1
])
async def test_a_host_name_resolving_to_them_is_refused(answers, why):
    resolve = resolver(answers)
    fetcher = Fetcher(FetchRules(enabled=True), resolver=resolve, transport=httpx.MockTransport(_no_network))
    error = await refused(fetcher, "https://images.example/cat.png", why)
    assert "images.example" in str(error) and resolve.calls == ["images.example"]


async def test_dns_rebinding_cannot_switch_the_address_after_the_check(port):
    """Resolved once, and the connection goes to that checked address: a second answer (here
    10.0.0.7) is never asked for, let alone used."""
    resolve = resolver(["127.0.0.1"], ["10.0.0.7"])
    body = await Fetcher(LOCAL, resolver=resolve).fetch(f"http://images.internal:{port}/cat.png", WHERE)
    assert body == PNG and resolve.calls == ["images.internal"]
    assert _Handler.seen == [("/cat.png", f"images.internal:{port}")]  # the name as Host, the checked address dialled


async def test_public_address_is_dialled_directly_with_the_name_as_host_and_tls_server_name():
    sent: list[httpx.Request] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, content=PNG, headers={"content-type": "image/png"})

    fetcher = Fetcher(FetchRules(enabled=True), resolver=resolver(["93.184.216.34"]),
                      transport=httpx.MockTransport(upstream))
    assert await fetcher.fetch("https://images.example/a/cat.png?x=1", WHERE) == PNG
    (request,) = sent
    assert str(request.url) == "https://93.184.216.34/a/cat.png?x=1"
    assert request.headers["host"] == "images.example"
    assert request.extensions["sni_hostname"] == "images.example"


async def test_redirects_are_checked_hop_by_hop(port):
    fetcher = Fetcher(LOCAL)
    assert await fetcher.fetch(f"http://127.0.0.1:{port}/to/http://127.0.0.1:PORT/cat.png", WHERE) == PNG
    _Handler.seen.clear()
    for target, why in (("http://127.0.0.2:PORT/cat.png", "loopback"), ("http://169.254.169.254/", "link-local"),
                        ("http://10.0.0.1/", "private"), ("file:///etc/passwd", "scheme 'file'")):
        await refused(fetcher, f"http://127.0.0.1:{port}/to/{target}", why)
    assert all(path.startswith("/to/") for path, _ in _Handler.seen)  # only the first hop was fetched
    chain = f"http://127.0.0.1:{port}" + "/to/http://127.0.0.1:PORT" * 5 + "/cat.png"
    await refused(fetcher, chain, "more than 3 redirects")
    await refused(fetcher, "http://127.0.0.1:PORT/cat.png", "invalid port")


async def test_size_and_time_limits(port):
    fetcher = Fetcher(LOCAL)
    await refused(fetcher, f"http://127.0.0.1:{port}/big", "larger than 0.0625 MiB")
    await refused(fetcher, f"http://127.0.0.1:{port}/big-chunked", "larger than 0.0625 MiB")
    started = time.perf_counter()
    await refused(fetcher, f"http://127.0.0.1:{port}/slow", "longer than 1 s")
    assert time.perf_counter() - started < 1.4
    await refused(fetcher, f"http://127.0.0.1:{port}/missing", "HTTP 404")


async def test_unresolvable_host_is_a_400():
    fetcher = Fetcher(FetchRules(enabled=True), resolver=resolver([]), transport=httpx.MockTransport(_no_network))
    await refused(fetcher, "https://nowhere.invalid/cat.png", "does not resolve")


async def test_allow_networks_only_opens_what_it_names():
    import ipaddress

    allowed = [ipaddress.ip_network("10.20.0.0/16")]
    assert forbidden(ipaddress.ip_address("10.20.1.2"), allowed) is None
    assert forbidden(ipaddress.ip_address("10.21.1.2"), allowed) == "private"
    assert forbidden(ipaddress.ip_address("169.254.169.254"), allowed) == "link-local"
    assert forbidden(ipaddress.ip_address("93.184.216.34")) is None


async def test_concurrent_fetches_do_not_share_state(port):
    fetcher = Fetcher(LOCAL)
    bodies = await asyncio.gather(*(fetcher.fetch(f"http://127.0.0.1:{port}/cat{i}.png", WHERE) for i in range(5)))
    assert bodies == [PNG] * 5


def _public(answer):
    """A transport for a public host: `answer(request)` for every request, each recorded in `.seen`."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    transport = httpx.MockTransport(handle)
    transport.seen = seen
    return transport


@pytest.mark.parametrize("url", ["https://[::1/cat.png", "https://[fe80::1%zz/cat.png"])
async def test_a_malformed_url_is_a_400_not_a_crash(url):
    fetcher = Fetcher(FetchRules(enabled=True), resolver=resolver(["93.184.216.34"]),
                      transport=httpx.MockTransport(_no_network))
    await refused(fetcher, url, "malformed")


@pytest.mark.parametrize("location", ["http://[::1/", "https://[::ffff:127.0.0.1/x"])
async def test_a_redirect_to_a_malformed_url_is_a_400_after_one_public_hop(location):
    transport = _public(lambda request: httpx.Response(302, headers={"location": location}))
    fetcher = Fetcher(FetchRules(enabled=True, schemes=("http", "https")), resolver=resolver(["93.184.216.34"]),
                      transport=transport)
    await refused(fetcher, "https://images.example/cat.png", "failed")
    assert [str(r.url.host) for r in transport.seen] == ["93.184.216.34"]


async def test_a_connection_failure_is_a_400_naming_the_part():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fetcher = Fetcher(FetchRules(enabled=True), resolver=resolver(["93.184.216.34"]), transport=_public(refuse))
    await refused(fetcher, "https://images.example/cat.png", "fetching the image failed (ConnectError)")
