"""Media URLs that point inside the company's network are refused when the request is read.

A request may carry `image_url` / `video_url` parts by URL. Whoever fetches such a URL — a cloud
provider, or Turnout's own fetcher for a local model — must never be aimed at the building's own
hosts: cloud metadata (169.254.169.254), loopback admin ports, intranet names. `backends/fetch.py`
checks every address it dials after resolving; this earlier check needs no DNS (it runs on the hot
path) and refuses, with a 400 naming the field, what is inside the network on its face:

- literal addresses that are not globally routable, in every spelling a resolver accepts (dotted,
  decimal `2130706433`, hex `0x7f.1`, octal `0177.0.0.1`, IPv4-mapped or NAT64/6to4-embedded IPv6);
- names that only resolve inside a network: `localhost`, single-label hosts (`intranet`), and the
  special-use suffixes (`.local`, `.internal`, `.lan`, `.home.arpa`, ...);
- schemes other than `http`, `https` and `data` (`file:`, `gopher:`, `ftp:` ...).

Networks the policy allows for fetching (`media.fetch.allow_networks`) are allowed here too.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import unicodedata
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

from router.errors import BadRequest
from backends.fetch import Address, forbidden
from router.request import ChatRequest, ImagePart, VideoPart

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = ("http", "https", "data")
# RFC 6761 / 6762 / 8375 special-use names, and suffixes that are internal by convention.
INTERNAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".intranet", ".lan", ".home.arpa",
                     ".corp", ".home", ".private", ".test", ".invalid", ".onion")


def _literal(host: str) -> Address | None:
    """The address a literal host stands for, or None when it is a name."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        if not all(part.isalnum() for part in host.split(".")):
            return None
        try:  # inet_aton reads what resolvers read: 2130706433, 0x7f.1, 0177.0.0.1, 127.1
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None


def inside(url: str, allowed: Sequence[Network] = ()) -> str | None:
    """Why `url` points inside the network (or uses a refused scheme), or None when it may be sent."""
    scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
    if scheme == "data":
        return None
    if scheme not in SCHEMES:
        return f"scheme {scheme or '(none)'!r} is not allowed; allowed: http, https, data"
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return "is not a valid URL"
    if not host:
        return "has no host"
    host = unicodedata.normalize("NFKC", host).rstrip(".").lower()
    if (address := _literal(host)) is not None:
        why = forbidden(address, allowed)  # 6to4, Teredo and NAT64 addresses are judged by the IPv4 inside
        return None if why is None else f"points inside the network ({address}: {why})"
    if host == "localhost" or host.endswith(INTERNAL_SUFFIXES):
        return f"points inside the network (host {host!r} is a local or special-use name)"
    if "." not in host:
        return f"points inside the network (single-label host {host!r} resolves only on an intranet)"
    return None


def _urls(request: ChatRequest) -> Iterator[tuple[str, str]]:
    for i, message in enumerate(request.messages):
        if isinstance(message.content, list):
            for j, part in enumerate(message.content):
                if isinstance(part, ImagePart):
                    yield f"messages[{i}].content[{j}].image_url.url", part.image_url.url
                elif isinstance(part, VideoPart):
                    yield f"messages[{i}].content[{j}].video_url.url", part.video_url.url


@functools.lru_cache(maxsize=16)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def refuse_inner_urls(request: ChatRequest, allow_networks: Sequence[str] = ()) -> None:
    """BadRequest (400) naming the first media URL that points inside the network (the policy's
    `media.fetch.allow_networks`, CIDR strings, excepted)."""
    for where, url in _urls(request):
        if (why := inside(url, _networks(tuple(allow_networks)))) is not None:
            raise BadRequest(f"{where}: the URL {why}; send the media inline (data: URL) instead", param=where)
