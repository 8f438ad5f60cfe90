"""RayLocalBackend's view of a local replica, with a stand-in for the Serve handle (no Ray cluster):
a busy replica is saturated, never reported down — private requests must wait for it, not get 503s."""

from __future__ import annotations

import asyncio

import pytest

from backends.ray_local import RayLocalBackend

pytestmark = pytest.mark.asyncio(loop_scope="session")


class _Method:
    def __init__(self, handler) -> None:
        self.handler = handler
        self.calls = 0

    def remote(self, *args):
        self.calls += 1
        return self.handler(*args)


class FakeHandle:
    """`health.remote()` answers like LocalModel.health, after `delay` s (a replica queue), or raises."""

    def __init__(self, delay: float = 0.0, error: Exception | None = None) -> None:
        self.delay, self.error = delay, error

        async def health():
            await asyncio.sleep(self.delay)
            if self.error is not None:
                raise self.error
            return {"available": True, "detail": "llama.cpp gemma.gguf, n_ctx 8192, idle", "queue_depth": 0,
                    "free_slots": 1}

        self.health = _Method(health)


async def test_an_idle_replica_reports_its_own_health():
    backend = RayLocalBackend("local-gemma", FakeHandle(), capacity=1, queue_limit=4)
    health = await backend.health()
    assert health.available and health.free_slots == 1 and health.detail.endswith("idle")


async def test_while_requests_are_in_flight_no_health_call_queues_behind_them():
    handle = FakeHandle()
    backend = RayLocalBackend("local-gemma", handle, capacity=1, queue_limit=4)
    await backend.health()
    backend.in_flight = 3
    health = await backend.health()
    assert handle.health.calls == 1  # answered from what the ingress knows
    assert health.available and health.free_slots == -2 and health.queue_depth == 2
    assert health.detail == "llama.cpp gemma.gguf, n_ctx 8192; 3 request(s) in flight"


async def test_a_health_call_stuck_in_the_replica_queue_means_busy_not_down():
    """Another ingress replica keeps it busy: this one has nothing in flight, and the call times out."""
    backend = RayLocalBackend("local-gemma", FakeHandle(delay=5), capacity=1, queue_limit=4)
    backend.health_timeout_s = 0.05
    health = await backend.health()
    assert health.available and health.free_slots == 0 and "busy" in health.detail


async def test_a_dead_replica_is_unavailable():
    backend = RayLocalBackend("local-gemma", FakeHandle(error=RuntimeError("actor died")), capacity=1, queue_limit=4)
    health = await backend.health()
    assert not health.available and health.detail == "replica unreachable: RuntimeError"


class FailingHandle(FakeHandle):
    """`complete.remote()` raises what Ray raises when the replica dies or its queue is full."""

    def __init__(self, error: Exception) -> None:
        super().__init__()

        async def complete(request):
            raise error

        self.complete = _Method(complete)


async def test_a_crashed_replica_or_a_full_queue_is_a_backend_error_dispatch_falls_back_on():
    from ray.exceptions import RayActorError
    from ray.serve.exceptions import BackPressureError

    from backends.base import BackendUnavailable

    crashed = RayLocalBackend("local-gemma", FailingHandle(RayActorError()), capacity=1, queue_limit=4)
    with pytest.raises(BackendUnavailable, match="local replica failed: RayActorError"):
        await crashed.complete({"messages": []})
    assert crashed.in_flight == 0  # the slot count is given back
    full = RayLocalBackend("local-gemma", FailingHandle(BackPressureError(num_queued_requests=4,
                                                                          max_queued_requests=4)),
                           capacity=1, queue_limit=4)
    with pytest.raises(BackendUnavailable, match="local queue is full"):
        await full.complete({"messages": []})
