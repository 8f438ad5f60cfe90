"""One gateway replica in a process of its own, for tests that need several (each with its own
OpenTelemetry SDK, set up from the OTEL_* variables as `turnout serve` sets it up):

    python -m tests.integration.replica POLICY PORT

Serves POLICY's real backends on uvicorn at 127.0.0.1:PORT until its stdin closes, then shuts the
SDK down, which pushes the last metrics. (Not on SIGTERM: uvicorn re-raises it after its graceful
shutdown, and a process killed by a signal runs no exit hooks.)"""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

import uvicorn

from router.http import create_app
from router.otel import setup_telemetry
from router.runtime import build
from router.settings import Settings


async def main(policy: Path, port: int) -> None:
    providers = setup_telemetry()
    gateway = build(Settings(policy=policy, redis_url=None))
    await gateway.refresh_health()
    config = uvicorn.Config(create_app(gateway), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server, loop = uvicorn.Server(config), asyncio.get_running_loop()

    def stop_when_stdin_closes() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(setattr, server, "should_exit", True)

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    await server.serve()
    if providers is not None:
        providers.meter_provider.shutdown()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
