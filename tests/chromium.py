"""Headless Chromium (Debian `chromium`, installed when missing) driven over the DevTools protocol.

A small CDP client over one websocket: navigate with extra request headers, wait for a condition in
the page, read values out of it, take a screenshot, and collect every console error, uncaught
exception and failed load the page logged on the way.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from media_samples import ensure_tool


class Page:
    """One browser tab. `errors` lists what the page reported as an error, one line each."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.errors: list[str] = []
        self.console: list[str] = []
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future] = {}
        self._events: dict[str, asyncio.Event] = {}
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            data = json.loads(message)
            if "id" in data and data["id"] in self._pending:
                future = self._pending.pop(data["id"])
                if "error" in data:
                    future.set_exception(RuntimeError(f"CDP error: {data['error']}"))
                else:
                    future.set_result(data.get("result", {}))
                continue
            self._on_event(data.get("method", ""), data.get("params", {}))

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append(f"{params.get('type')}: {text}")
            if params.get("type") in ("error", "assert"):
                self.errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append(f"uncaught: {details.get('exception', {}).get('description') or details.get('text')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}".strip())
        self._events.setdefault(method, asyncio.Event()).set()

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        await self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        return await asyncio.wait_for(future, timeout=30)

    async def goto(self, url: str, headers: dict[str, str] | None = None) -> None:
        for domain in ("Page", "Runtime", "Log", "Network"):
            await self.send(f"{domain}.enable")
        if headers:
            await self.send("Network.setExtraHTTPHeaders", headers=headers)
        loaded = self._events.setdefault("Page.loadEventFired", asyncio.Event())
        loaded.clear()
        result = await self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise RuntimeError(f"navigation to {url} failed: {result['errorText']}")
        await asyncio.wait_for(loaded.wait(), timeout=30)

    async def evaluate(self, expression: str) -> Any:
        """The JSON value of `expression` in the page (promises awaited)."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_until(self, expression: str, timeout_s: float = 20.0) -> Any:
        """Poll `expression` until it is truthy; its value."""
        deadline = time.monotonic() + timeout_s
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression!r} still falsy after {timeout_s} s; page errors: {self.errors}")
            await asyncio.sleep(0.1)

    async def screenshot(self, path: Path) -> Path:
        data = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
        await self.socket.close()


@contextlib.asynccontextmanager
async def chromium(width: int = 1280, height: int = 1000) -> AsyncIterator[Page]:
    """A fresh headless Chromium (own profile in a temp dir) and one blank tab in it; ended on exit."""
    binary = ensure_tool("chromium", "chromium")
    profile = Path(tempfile.mkdtemp(prefix="turnout-chromium-"))
    process = subprocess.Popen(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-extensions", "--disable-background-networking", "--remote-debugging-address=127.0.0.1",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", f"--window-size={width},{height}",
         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    page = None
    try:
        port = await _devtools_port(process, profile)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            targets = (await http.get("/json/list")).json()
            tab = next(t for t in targets if t.get("type") == "page")
        socket = await connect(tab["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024)
        page = Page(socket)
        await page.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                        mobile=False)
        yield page
    finally:
        if page is not None:
            await page.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


async def _devtools_port(process: subprocess.Popen, profile: Path, timeout_s: float = 30.0) -> int:
    """The port Chromium chose (it writes it to DevToolsActivePort in its profile once listening)."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode} before opening its DevTools port")
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        await asyncio.sleep(0.05)
    raise TimeoutError(f"chromium opened no DevTools port within {timeout_s} s")
