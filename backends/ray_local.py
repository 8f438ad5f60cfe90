"""A local model behind its Ray Serve deployment handle (the replica runs backends.llamacpp).

Ray itself is never imported here: the ingress hands in the handle, and the one Ray exception
this module must recognise is imported when a call has already failed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from backends.base import BackendError, BackendUnavailable, Health

__all__ = ["RayLocalBackend"]


class RayLocalBackend:
    """A local model behind its Serve deployment handle; counts in-flight requests so the router
    sees saturation without a round trip."""

    COUNT_EVERY_S = 5.0

    def __init__(self, model_id: str, handle: Any, capacity: int, queue_limit: int, *,
                 per_replica: int | None = None, count_replicas: Callable[[], int] | None = None,
                 expect_replicas: bool = False) -> None:
        """`count_replicas` (blocking): the running replica count, read at most every COUNT_EVERY_S;
        with `per_replica`, capacity is then that count x `per_replica`. `expect_replicas`: none running
        means the model is down (its node was lost and Serve waits for one to place a new replica on),
        not scaled to zero; a call would wait for a replica that may never come, so health says
        unavailable and decide sends nothing there."""
        self.model_id = model_id
        self.handle = handle
        self.capacity = capacity
        self.queue_limit = queue_limit
        self.per_replica, self.count_replicas = per_replica, count_replicas
        self.expect_replicas = expect_replicas
        self.running: int | None = None  # the last replica count read; None before the first
        self._next_count = 0.0
        self.in_flight = 0
        self.health_timeout_s = 2.0
        self.last_detail: str | None = None  # the replica's last health detail, when it was available

    def _translate(self, exc: BaseException) -> BackendError:
        from ray.serve.exceptions import BackPressureError  # only once a call failed: Ray is heavy

        if isinstance(exc, BackendError):
            return exc
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BackendError):
            return cause
        if isinstance(exc, BackPressureError):
            return BackendUnavailable(self.model_id, "local queue is full (max_queued_requests reached)")
        return BackendUnavailable(self.model_id, f"local replica failed: {type(exc).__name__}")

    async def _follow_replicas(self) -> None:
        """Read the running replicas (capacity follows them with `per_replica`). A failed read keeps the last count."""
        if self.count_replicas is None or time.monotonic() < self._next_count:
            return
        self._next_count = time.monotonic() + self.COUNT_EVERY_S
        try:
            running = await asyncio.to_thread(self.count_replicas)
        except Exception:  # the controller is busy or restarting: keep what we knew
            return
        self.running = running
        if self.per_replica is not None:
            self.capacity = running * self.per_replica

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        return await self._call("complete", request)

    async def embed(self, request: dict[str, Any]) -> dict[str, Any]:
        return await self._call("embed", request)

    async def _call(self, method: str, request: dict[str, Any]) -> dict[str, Any]:
        """One non-streamed call of the replica's `method`, counted in flight, its failure translated."""
        self.in_flight += 1
        try:
            return await getattr(self.handle, method).remote(request)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise self._translate(exc) from None
        finally:
            self.in_flight -= 1

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        self.in_flight += 1
        response = self.handle.options(stream=True).stream.remote(request)
        try:
            async for chunk in response:
                yield chunk
        except (asyncio.CancelledError, GeneratorExit):
            response.cancel()
            raise
        except Exception as exc:
            raise self._translate(exc) from None
        finally:
            self.in_flight -= 1

    async def health(self) -> Health:
        """The replica's own health when it is idle here; while this ingress has requests in flight a
        health call would wait in the replica's queue behind them (max_ongoing_requests), so what the
        ingress knows is reported instead. A busy replica is saturated, never "down": private work
        must wait for it, not be refused."""
        await self._follow_replicas()
        free = self.capacity - self.in_flight
        queued = max(0, self.in_flight - self.capacity)
        if self.expect_replicas and self.running == 0:
            return Health(False, "no running replica: its node is down or it is being placed again", queued, 0)
        if self.in_flight > 0 and self.last_detail is not None:
            return Health(True, f"{self.last_detail}; {self.in_flight} request(s) in flight", queued, free)
        try:
            state = await asyncio.wait_for(self.handle.health.remote(), timeout=self.health_timeout_s)
        except asyncio.TimeoutError:  # queued behind work from other ingress replicas
            return Health(True, f"busy: no health answer within {self.health_timeout_s:.0f} s", queued, 0)
        except Exception as exc:  # health never raises: an unreachable replica is unavailable
            return Health(False, f"replica unreachable: {type(exc).__name__}", queued, free)
        self.last_detail = state["detail"].removesuffix(", idle").removesuffix(", busy") if state["available"] else None
        return Health(state["available"], state["detail"], queued, free)
