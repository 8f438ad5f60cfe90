"""Fetching a client's image URL, only as far as the policy allows — never a request forgery.

llama-cpp-python would fetch `http(s)` image URLs itself with urllib: any request could then make
the server fetch `http://169.254.169.254/...` (cloud metadata) or an intranet host, and a private
request would get uncontrolled egress. Turnout never lets a backend library fetch; when a local
model receives an image URL, `Fetcher` fetches it here, under the policy's `media.fetch`:

- the scheme must be allowed (default: https only);
- the host name is resolved **once**; every address it resolves to must be public (not private,
  loopback, link-local — which includes the 169.254.169.254 metadata address — multicast, reserved,
  unspecified, shared/CGNAT, or an IPv4-mapped form of those), unless it lies in the policy's
  explicit `allow_networks`; the connection then goes to that checked address, with the original
  host name as Host header and TLS server name, so a second DNS answer (DNS rebinding) is never used;
- redirects are followed by hand, at most `max_redirects`, each hop checked the same way;
- the body is read up to `max_bytes` and the whole fetch, redirects included, within `timeout_s`.

Every refusal is an `InvalidMedia` (400) naming the content part; nothing is sent to a refused
address. The resolver is injectable, so tests can make a name resolve to any address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from backends.base import InvalidMedia

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FetchRules:
    """What the policy allows (policy `media.fetch`). `enabled` False: every URL is refused."""

    enabled: bool = False
    schemes: tuple[str, ...] = ("https",)
    max_bytes: int = 10 * MiB
    timeout_s: float = 5.0
    max_redirects: int = 3
    allow_networks: tuple[str, ...] = ()


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, as strings (getaddrinfo in a thread)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IANA's special-purpose blocks that are not globally reachable but that `ipaddress` reads as global on
# some Python releases (the module's tables were brought up to the registry only in 3.12.4 / 3.13): the
# answer must not depend on the interpreter's patch level. 192.0.0.0/24 holds Oracle Cloud's metadata
# service (192.0.0.192); 3fff::/20 is documentation space (RFC 9637).
_SPECIAL_PURPOSE = tuple(ipaddress.ip_network(n) for n in ("192.0.0.0/24", "3fff::/20"))
# Public-looking addresses that a cloud answers from inside a tenant's own network: Azure's WireServer
# (168.63.129.16: VM agent, health probes, DNS; reachable from every Azure VM, never from outside).
_CLOUD_PLATFORM = (ipaddress.ip_network("168.63.129.16/32"),)


def _embedded(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    inner = [address.sixtofour] if address.sixtofour is not None else []
    inner += list(address.teredo or ())
    if address in _NAT64:
        inner.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return inner


def forbidden(address: Address, allowed: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network] = ()) -> str | None:
    """Why `address` may not be fetched from ("loopback", "link-local", ...), or None when it may."""
    if any(address in net for net in allowed if net.version == address.version):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return forbidden(address.ipv4_mapped, allowed)
        for inner in _embedded(address):  # a 6to4, Teredo or NAT64 address reaches the IPv4 inside it
            if (why := forbidden(inner, allowed)) is not None:
                return why
    for name in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{name}"):
            return name.replace("_", "-")
    if any(address in net for net in _CLOUD_PLATFORM if net.version == address.version):
        return "cloud platform service"
    if not address.is_global or any(address in net for net in _SPECIAL_PURPOSE if net.version == address.version):
        return "not globally routable"
    return None


class Fetcher:
    """Fetches image URLs under `rules`. One instance per engine; stateless between calls."""

    def __init__(self, rules: FetchRules, resolver: Resolver = system_resolver,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.rules = rules
        self._resolver = resolver
        self._transport = transport
        self._allowed = tuple(ipaddress.ip_network(n, strict=False) for n in rules.allow_networks)

    async def fetch(self, url: str, where: str) -> bytes:
        """The body at `url`. InvalidMedia (400) naming `where` for anything the rules refuse,
        an unreachable host, a non-2xx answer, a body over the limit, or the time running out."""
        if not self.rules.enabled:
            raise InvalidMedia(f"{where}: image URLs are not fetched for local models (policy media.fetch is "
                               "off); send the image inline as data:image/...;base64,", where=where)
        try:
            return await asyncio.wait_for(self._follow(url, where), self.rules.timeout_s)
        except asyncio.TimeoutError:
            raise InvalidMedia(f"{where}: fetching the image took longer than {self.rules.timeout_s:g} s",
                               where=where) from None
        except httpx.HTTPError as exc:  # refused or reset connection, TLS failure, a malformed answer or Location
            raise InvalidMedia(f"{where}: fetching the image failed ({type(exc).__name__})", where=where) from None

    async def _follow(self, url: str, where: str) -> bytes:
        async with httpx.AsyncClient(transport=self._transport, follow_redirects=False, trust_env=False,
                                     timeout=self.rules.timeout_s) as client:
            for _ in range(self.rules.max_redirects + 1):
                request = await self._checked_request(client, url, where)
                response = await client.send(request, stream=True)
                try:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        try:
                            url = urljoin(url, location)
                        except ValueError:
                            raise InvalidMedia(f"{where}: the image URL redirects to a malformed URL",
                                               where=where) from None
                        continue
                    if not response.is_success:
                        raise InvalidMedia(f"{where}: fetching the image failed: HTTP {response.status_code}",
                                           where=where)
                    return await self._body(response, where)
                finally:
                    await response.aclose()
        raise InvalidMedia(f"{where}: more than {self.rules.max_redirects} redirects", where=where)

    async def _checked_request(self, client: httpx.AsyncClient, url: str, where: str) -> httpx.Request:
        """A request to the checked address of `url`'s host (resolved once, here)."""
        try:
            parts = urlsplit(url)
        except ValueError as exc:  # "Invalid IPv6 URL": the URL (or a redirect's) is malformed
            raise InvalidMedia(f"{where}: image URL is malformed ({exc})", where=where) from None
        scheme = parts.scheme.lower()
        if scheme not in self.rules.schemes:
            raise InvalidMedia(f"{where}: image URL scheme {scheme or '(none)'!r} is not allowed; allowed: "
                               f"{', '.join(self.rules.schemes)}", where=where)
        host = parts.hostname
        if not host:
            raise InvalidMedia(f"{where}: image URL has no host", where=where)
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise InvalidMedia(f"{where}: image URL has an invalid port", where=where) from None
        try:
            literal = ipaddress.ip_address(host)
            addresses = [literal]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in await self._resolver(host, port)]
            except (OSError, ValueError):
                addresses = []
            if not addresses:
                raise InvalidMedia(f"{where}: image host {host!r} does not resolve", where=where) from None
        for address in addresses:  # one bad answer refuses the name: a round-robin may hide a rebinding
            why = forbidden(address, self._allowed)
            if why is not None:
                raise InvalidMedia(f"{where}: image URL host {host!r} resolves to {address} ({why}); "
                                   "fetching from private, loopback, link-local or metadata addresses is "
                                   "not allowed", where=where)
        address = addresses[0]
        netloc = f"[{address}]" if address.version == 6 else str(address)
        target = parts._replace(scheme=scheme, netloc=f"{netloc}:{port}").geturl()
        host_header = host if parts.port is None else f"{host}:{parts.port}"
        return client.build_request("GET", target, headers={"host": host_header, "accept": "image/*"},
                                    extensions={"sni_hostname": host} if scheme == "https" else {})

    async def _body(self, response: httpx.Response, where: str) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.rules.max_bytes:
            raise self._too_big(where)
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self.rules.max_bytes:
                raise self._too_big(where)
        return bytes(body)

    def _too_big(self, where: str) -> InvalidMedia:
        return InvalidMedia(f"{where}: the fetched image is larger than {self.rules.max_bytes / MiB:g} MiB "
                            "(policy media.fetch.max_bytes)", where=where)
