"""Media URLs that point inside the company's network are refused when the request is read.

A request may carry `image_url` / `video_url` parts by URL. Whoever fetches such a URL — a cloud
provider, or Turnout's own fetcher for a local model — must never be aimed at the building's own
hosts: cloud metadata (169.254.169.254), loopback admin ports, intranet names. `backends/fetch.py`
checks every address it dials after resolving; this earlier check needs no DNS (it runs on the hot
path) and refuses, with a 400 naming the field, what is inside the network on its face:

- literal addresses that are not globally routable, in every spelling a resolver accepts (dotted,
  decimal `2130706433`, hex `0x7f.1`, octal `0177.0.0.1`, IPv4-mapped or NAT64/6to4-embedded IPv6);
- percent-encoded (`%31%32%37.0.0.1`) and full-width or ideographic-dot (`１２７。０。０。１`) spellings;
- names that only resolve inside a network: `localhost`, single-label hosts (`intranet`), the
  special-use suffixes (`.local`, `.internal`, `.lan`, `.home.arpa`, `.svc`, ...), wildcard-loopback
  domains (`localtest.me`, `lvh.me`) and names that spell an inner address for a DNS service that
  answers with it (`127.0.0.1.nip.io`, `10-0-0-1.sslip.io`, `ip-10-0-0-5.example.com`);
- every host some parser may read in an ambiguous URL: user info before `@` (`127.0.0.1:80@example.com`)
  and a backslash ending the authority for WHATWG parsers (`http://127.0.0.1\\@example.com/`);
- schemes other than `http`, `https` and `data` (`file:`, `gopher:`, `ftp:` ...).

The same holds for a `file` part whose `file_data` is a URL rather than base64.

Networks the policy allows for fetching (`media.fetch.allow_networks`) are allowed here too.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import re
import socket
import unicodedata
from collections.abc import Iterator, Sequence
from urllib.parse import unquote, urlsplit

from router.errors import BadRequest
from backends.fetch import Address, forbidden
from router.request import ChatRequest, FilePart, ImagePart, VideoPart

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = ("http", "https", "data")
# RFC 6761 / 6762 / 8375 special-use names, and suffixes that are internal by convention.
INTERNAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".intranet", ".lan", ".home.arpa",
                     ".corp", ".home", ".private", ".test", ".invalid", ".onion", ".arpa",
                     ".svc", ".consul")  # Kubernetes services (`kubernetes.default.svc`), Consul


# Wildcard DNS that answers loopback for every name under it, and services that answer the address a name
# spells (10.0.0.1.nip.io, 10-0-0-1.sslip.io, 7f000001.nip.io, fd00--1.sslip.io): inside the network by name.
LOOPBACK_ZONES = ("localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "localhost.direct", "fuf.me")
ECHO_ZONES = ("nip.io", "sslip.io", "xip.io", "nip.direct", "traefik.me", "backname.io")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})  # the dots IDNA (UTS 46) maps to "."
_UNSAFE = str.maketrans("", "", "\t\r\n")
_SPELLED = re.compile(r"(?<![0-9])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})(?![0-9])")


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


def _spelled(host: str) -> Iterator[Address]:
    """The addresses a name spells out (`10.0.0.1.nip.io`, `ip-10-0-0-5.example.com`), which wildcard DNS
    services answer with; under an echo zone also the hex and IPv6 forms (`7f000001.nip.io`, `fd00--1.sslip.io`)."""
    for match in _SPELLED.finditer(host):
        with contextlib.suppress(ValueError):
            yield ipaddress.IPv4Address(".".join(match.groups()))
    zone = next((z for z in ECHO_ZONES if host.endswith("." + z)), None)
    if zone is not None:
        for label in host[: -len(zone) - 1].split("."):
            with contextlib.suppress(ValueError):
                yield (ipaddress.IPv4Address(int(label, 16)) if re.fullmatch(r"[0-9a-f]{8}", label)
                       else ipaddress.IPv6Address(label.replace("-", ":")))


def _hosts(url: str) -> Iterator[tuple[str, bool]]:
    """Every host some parser may read in `url`, each with whether it is the host (True) or user info
    before an `@` (False): RFC 3986's (urllib), and WHATWG's, for which `\\` also ends the authority
    (`http://127.0.0.1\\@example.com/`). `127.0.0.1:80@example.com` names 127.0.0.1 to some parsers too."""
    after = url.split(":", 1)[1].lstrip("/\\")
    whatwg = re.split(r"[/\\?#]", after, maxsplit=1)[0]
    rfc = urlsplit(url).netloc
    for authority in dict.fromkeys((whatwg, rfc)):
        pieces = authority.split("@")
        for i, piece in enumerate(pieces):
            host = piece[1:].split("]", 1)[0] if piece.startswith("[") else piece.split(":", 1)[0]
            yield host, i == len(pieces) - 1


def _judge(host: str, allowed: Sequence[Network], named: bool) -> str | None:
    """Why `host` is inside the network, or None. `named` False (user info): only addresses and
    special-use names count, not single labels (`user:password@`)."""
    host = unicodedata.normalize("NFKC", unquote(host)).translate(_DOTS).rstrip(".").lower()
    if not host:
        return "has no host" if named else None
    if (address := _literal(host)) is not None:
        why = forbidden(address, allowed)  # 6to4, Teredo and NAT64 addresses are judged by the IPv4 inside
        return None if why is None else f"points inside the network ({address}: {why})"
    if host == "localhost" or host.endswith(INTERNAL_SUFFIXES):
        return f"points inside the network (host {host!r} is a local or special-use name)"
    if host in LOOPBACK_ZONES or host.endswith(tuple("." + z for z in LOOPBACK_ZONES)):
        return f"points inside the network (host {host!r} resolves to loopback)"
    for address in _spelled(host):
        if (why := forbidden(address, allowed)) is not None:
            return f"points inside the network (host {host!r} spells {address}: {why})"
    if named and "." not in host:
        return f"points inside the network (single-label host {host!r} resolves only on an intranet)"
    return None


def inside(url: str, allowed: Sequence[Network] = ()) -> str | None:
    """Why `url` points inside the network (or uses a refused scheme), or None when it may be sent.
    Every host a URL parser may read in it is judged (`_hosts`): one inside refuses the URL."""
    url = url.strip().translate(_UNSAFE)  # as every URL parser does: tabs and newlines are dropped, not read
    scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
    if scheme == "data":
        return None
    if scheme not in SCHEMES:
        return f"scheme {scheme or '(none)'!r} is not allowed; allowed: http, https, data"
    try:
        hosts = list(_hosts(url))
    except ValueError:
        return "is not a valid URL"
    if not any(host for host, named in hosts if named):
        return "has no host"
    for host, named in hosts:
        if (why := _judge(host, allowed, named)) is not None:
            return why
    return None


def _urls(request: ChatRequest) -> Iterator[tuple[str, str]]:
    for i, message in enumerate(request.messages):
        if isinstance(message.content, list):
            for j, part in enumerate(message.content):
                if isinstance(part, ImagePart):
                    yield f"messages[{i}].content[{j}].image_url.url", part.image_url.url
                elif isinstance(part, VideoPart):
                    yield f"messages[{i}].content[{j}].video_url.url", part.video_url.url
                elif isinstance(part, FilePart) and ":" in (part.file.file_data or ""):  # base64 has no ":"
                    yield f"messages[{i}].content[{j}].file.file_data", part.file.file_data


@functools.lru_cache(maxsize=16)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def refuse_inner_urls(request: ChatRequest, allow_networks: Sequence[str] = ()) -> None:
    """BadRequest (400) naming the first media URL that points inside the network (the policy's
    `media.fetch.allow_networks`, CIDR strings, excepted)."""
    for where, url in _urls(request):
        if (why := inside(url, _networks(tuple(allow_networks)))) is not None:
            raise BadRequest(f"{where}: the URL {why}; send the media inline (data: URL) instead", param=where)
