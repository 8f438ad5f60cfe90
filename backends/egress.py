"""Which egress proxy, if any, an upstream call goes through: the standard proxy variables, read as
httpx (and so litellm's own calls) reads them.

    HTTPS_PROXY / https_proxy   the proxy for https:// upstreams (tunnelled: CONNECT, then TLS inside)
    HTTP_PROXY  / http_proxy    the proxy for http:// upstreams (requests sent in absolute form)
    ALL_PROXY   / all_proxy     either, when the scheme's own variable is unset
    NO_PROXY    / no_proxy      upstreams reached directly, comma-separated:
        *                       every upstream
        example.com             that host and its subdomains (not "badexample.com")
        .example.com            its subdomains only
        10.1.2.3, ::1, [::1]    that address, as written in the upstream URL (no name is resolved)
        10.0.0.0/8, fd00::/8    any address in that network, as written in the URL (a name entry
                                never matches an address: ".0.0.1" is not 127.0.0.1's suffix)
        host:8000, [::1]:8000   that host (or address) on that port only
        http://host             that host for that scheme only

The lower-case variable wins where both are set (urllib.request.getproxies, which httpx calls).
An empty value counts as unset. A proxy URL without a scheme is `http://`; without a port, the
scheme's default (80), as httpx has it. Credentials in the proxy URL (`http://user:pass@proxy:3128`,
percent-encoded) are sent as `Proxy-Authorization: Basic`; `Proxy.where` and every message name the
proxy by host and port only.

Where httpx differs: it parses a CIDR entry but then compares it as a plain host name, so
`NO_PROXY=10.0.0.0/8` bypasses nothing there; here it matches the network, as curl and requests do.
Only `http://` proxies are spoken to (what corporate forward proxies serve); a proxy URL of another
scheme (`https://`, `socks5://`) is an error for the requests it would carry (never a silent direct
connection: egress through the proxy may be mandatory).
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from backends.base import BackendUnavailable

__all__ = ["Proxies", "Proxy", "ProxyConfigError"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ProxyConfigError(ValueError):
    """A proxy variable Turnout cannot honour; the message names the variable, never credentials."""


@dataclass(frozen=True, slots=True)
class Proxy:
    """One http:// forward proxy. Equal proxies share pooled connections (http1's pool key)."""

    host: str
    port: int
    authorization: str | None = field(default=None, repr=False)  # "Basic ..." header value, or None

    @property
    def where(self) -> str:
        """host:port, for messages: never the credentials."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"Proxy({self.where})"


@dataclass(frozen=True, slots=True)
class _Bypass:
    scheme: str | None  # None: any
    host: str | None  # a name: itself and its subdomains; with `subdomains_only`, subdomains only
    network: Network | None
    port: int | None
    subdomains_only: bool = False

    def matches(self, scheme: str, host: str, port: int, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        if (self.scheme is not None and self.scheme != scheme) or (self.port is not None and self.port != port):
            return False
        if self.network is not None:
            return address is not None and address.version == self.network.version and address in self.network
        if self.host is None or address is not None:  # a name never matches an address by its digits
            return False
        if host.endswith("." + self.host):
            return True
        return host == self.host and not self.subdomains_only


@dataclass(frozen=True)
class Proxies:
    """The proxy per upstream scheme, and the upstreams reached directly. `Proxies()` is none at all."""

    http: Proxy | ProxyConfigError | None = None
    https: Proxy | ProxyConfigError | None = None
    bypass: tuple[_Bypass, ...] = ()
    bypass_all: bool = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Proxies:
        """The standard variables of `environ` (default: the process's), as the module doc says."""
        env = os.environ if environ is None else environ

        def get(name: str) -> tuple[str, str] | None:
            for variant in (name.lower(), name.upper()):
                if env.get(variant, "").strip():
                    return variant, env[variant].strip()
            return None

        fallback = get("all_proxy")
        http, https = get("http_proxy") or fallback, get("https_proxy") or fallback
        bypass, everything = _parse_no_proxy((get("no_proxy") or ("", ""))[1])
        return cls(http=_parse_proxy(*http) if http else None, https=_parse_proxy(*https) if https else None,
                   bypass=bypass, bypass_all=everything)

    def __bool__(self) -> bool:
        return (self.http is not None or self.https is not None) and not self.bypass_all

    def route(self, scheme: str, host: str, port: int) -> Proxy | None:
        """The proxy for an upstream at scheme://host:port, or None to connect directly; ProxyConfigError
        when its variable names a proxy this client cannot speak to."""
        chosen = self.https if scheme == "https" else self.http
        if chosen is None or self.bypass_all:
            return None
        name = host.lower().rstrip(".").strip("[]")
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            address = None
        if any(entry.matches(scheme, name, port, address) for entry in self.bypass):
            return None
        if isinstance(chosen, ProxyConfigError):
            raise ProxyConfigError(str(chosen))
        return chosen


def _parse_proxy(variable: str, value: str) -> Proxy | ProxyConfigError:
    url = urlsplit(value if "://" in value else f"http://{value}")
    if url.scheme != "http":
        return ProxyConfigError(f"{variable} names a {url.scheme}:// proxy; Turnout's upstream client speaks to "
                                f"http:// proxies only (CONNECT tunnels carry the TLS)")
    try:
        port = url.port or 80
    except ValueError:
        return ProxyConfigError(f"{variable} has a port that is not a number")
    if not url.hostname:
        return ProxyConfigError(f"{variable} names no proxy host")
    authorization = None
    if url.username is not None:
        pair = f"{unquote(url.username)}:{unquote(url.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return Proxy(url.hostname, port, authorization)


def _parse_no_proxy(value: str) -> tuple[tuple[_Bypass, ...], bool]:
    entries: list[_Bypass] = []
    for raw in (part.strip().lower() for part in value.split(",")):
        if not raw:
            continue
        if raw == "*":
            return (), True
        scheme = None
        if "://" in raw:
            scheme, raw = raw.split("://", 1)
            raw = raw.rstrip("/")
        entry = _entry(scheme, raw)
        if entry is not None:
            entries.append(entry)
    return tuple(entries), False


def _entry(scheme: str | None, text: str) -> _Bypass | None:
    """One NO_PROXY entry (a name, an address, a network, each with an optional port); None if unusable."""
    port = None
    if text.startswith("["):  # [v6] or [v6]:port
        inside, _, rest = text[1:].partition("]")
        text, port = inside, _port(rest[1:]) if rest.startswith(":") else None
    elif text.count(":") == 1:  # name:port or v4:port (more colons: a bare v6 address or network)
        text, _, given = text.partition(":")
        port = _port(given)
        if port is None:
            return None
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        network = None
    if network is not None:
        return _Bypass(scheme, None, network, port)
    subdomains_only = text.startswith(".") or text.startswith("*.")
    name = text.lstrip("*").lstrip(".").rstrip(".")
    return _Bypass(scheme, name, None, port, subdomains_only) if name else None


def _port(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def refusal(chain: list[BaseException]) -> tuple[str | None, int | None] | None:
    """(the proxy's host:port if known, the status it answered or None if it was unreachable) when an
    exception chain from litellm's own clients (aiohttp's transport, or httpx's) is a proxy's failure;
    None otherwise. Recognised by name, not imported: aiohttp is litellm's dependency, not Turnout's."""
    for link in chain:  # aiohttp's own errors, wrapped by litellm's transport in httpx's, say the most
        kind = type(link).__name__
        if kind == "ClientHttpProxyError":  # the proxy answered CONNECT (or the request) with an error
            url = getattr(getattr(link, "request_info", None), "real_url", None)
            where = f"{url.host}:{url.port}" if getattr(url, "host", None) else None
            return where, getattr(link, "status", None)
        if kind == "ClientProxyConnectionError":  # no connection to the proxy
            host, port = getattr(link, "host", None), getattr(link, "port", None)
            return (f"{host}:{port}" if host else None), None
    for link in chain:
        if type(link).__name__ == "ProxyError" and type(link).__module__.startswith(("httpx", "httpcore")):
            words = str(link).split(" ", 1)[0]
            return None, int(words) if words.isdigit() else None
    return None


def unavailable(model_id: str, where: str, chain: list[BaseException]) -> BackendUnavailable | None:
    """litellm's proxy failure in `chain` (refusal's reading of it) as the fast path words it, or None."""
    refused = refusal(chain)
    if refused is None:
        return None
    proxy, status = refused
    named = f"proxy {proxy}" if proxy else "the egress proxy"
    if status is None:
        return BackendUnavailable(model_id, f"egress proxy: could not connect to {named} for {where}")
    return BackendUnavailable(model_id, f"egress proxy: {named} refused the call to {where}: HTTP {status}",
                              transient=status not in (401, 403, 407))


def warn_if_proxied(model_id: str, api_base: str | None) -> None:
    """litellm's own client takes the standard variables' route and cannot be told otherwise per call:
    log a warning when a model in the building (`location: local`) would be reached through the proxy."""
    if api_base is None:
        return
    parts = urlsplit(api_base)
    try:
        proxy = Proxies.from_environment().route(parts.scheme or "http", parts.hostname or "",
                                                 parts.port or (443 if parts.scheme == "https" else 80))
    except Exception:
        return  # a bad variable is reported by the calls themselves
    if proxy is not None:
        logging.getLogger("turnout.backends").warning(
            "model %r is local but litellm's own client reaches %s through the egress proxy %s: add its host "
            "to NO_PROXY", model_id, parts.hostname, proxy.where)
