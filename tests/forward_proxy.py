"""A real forward proxy on loopback for tests of egress through one: Debian's tinyproxy (installed
under the suite's apt lock when missing), as a company's egress proxy would be.

It listens on 127.0.0.1 and opens its own connections from `bind` (127.0.0.2 by default), so an
upstream that answers only peers from that address is reachable through the proxy alone. With
`credentials` it demands `Proxy-Authorization: Basic` (407 otherwise); `connect_ports` limits the
ports it tunnels to (403 for others). Its log (`requests()`) lists each request it took, CONNECT
tunnels included.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from media_samples import ensure_tool

PROXY_SOURCE = "127.0.0.2"  # the address the proxy's own connections come from


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ForwardProxy:
    def __init__(self, workdir: Path, *, credentials: tuple[str, str] | None = None,
                 connect_ports: tuple[int, ...] = (), bind: str = PROXY_SOURCE) -> None:
        self.workdir, self.credentials, self.connect_ports, self.bind = workdir, credentials, connect_ports, bind
        self.port = 0
        self.log = workdir / "tinyproxy.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def where(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, credentials: tuple[str, str] | None = None) -> str:
        """http://[user:password@]127.0.0.1:PORT (the proxy's own credentials by default)."""
        user = credentials or self.credentials
        return f"http://{user[0]}:{user[1]}@{self.where}" if user else f"http://{self.where}"

    def start(self) -> ForwardProxy:
        binary = ensure_tool("tinyproxy", "tinyproxy")
        self.port = _free_port()
        lines = [f"Port {self.port}", "Listen 127.0.0.1", f"Bind {self.bind}", "Timeout 30", "MaxClients 64",
                 "LogLevel Connect", f"LogFile \"{self.log}\"", "DisableViaHeader No"]
        if self.credentials:
            lines.append(f"BasicAuth {self.credentials[0]} {self.credentials[1]}")
        lines += [f"ConnectPort {port}" for port in self.connect_ports]
        config = self.workdir / "tinyproxy.conf"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self._process = subprocess.Popen([binary, "-d", "-c", str(config)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"tinyproxy did not start: {self.log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.02)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def requests(self) -> list[str]:
        """The request lines the proxy took so far, e.g. "CONNECT 127.0.0.1:4433 HTTP/1.1"."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line.split("): ", 1)[1] for line in text.splitlines() if "Request (file descriptor" in line]


def self_signed(workdir: Path, address: str = "127.0.0.1") -> tuple[Path, Path]:
    """(certificate, key) PEM files for a TLS server at `address`, made by the openssl CLI; the
    certificate is its own trust anchor (load it as the client's CA)."""
    openssl = ensure_tool("openssl", "openssl")
    cert, key = workdir / "upstream.crt", workdir / "upstream.key"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={address}",
                    "-addext", f"subjectAltName=IP:{address}"], check=True, capture_output=True, timeout=60)
    return cert, key
