"""The Ray Serve adapter: `build_app(args) -> Application`.

    import_path: router.app:build_app        (deploy/serve.yaml)

One ingress deployment (the FastAPI app of router/http.py over a Gateway), one deployment per
local llama.cpp model, and one each for the OCR and speech engines (router/media_serve.py). Each
local replica owns one model, asks Ray for its GPU share and caps its
concurrency (`max_ongoing_requests`) and queue (`max_queued_requests`), so a saturated pool is
visible to the router and work that may leave the building overflows to the cloud. Cloud calls are
async litellm calls from the ingress replica. The policy reloads on file change, on
POST /admin/reload, and on a new `user_config` (`serve deploy` with `user_config: {reload: N}`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from ray import serve
from ray.serve.handle import DeploymentHandle

from backends.base import Backend, BackendError, BackendUnavailable, Health
from router.http import create_app
from router.settings import Settings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


class AppArgs(BaseModel):
    """`args:` of deploy/serve.yaml; every key optional, TURNOUT_* settings fill the rest."""

    model_config = ConfigDict(extra="forbid")

    policy: str | None = Field(None, description="policy YAML path (default: TURNOUT_POLICY / policies/default.yaml)")
    model_dir: str | None = Field(None, description="directory relative GGUF paths resolve against")
    redis_url: str | None = Field(None, description="redis://... for cache and budgets; unset = in-process")
    max_body_bytes: int | None = Field(None, ge=1024, description="largest accepted request body")
    ingress_replicas: int = Field(1, ge=1, description="ingress (router) replicas")
    ingress_max_ongoing_requests: int = Field(512, ge=1, description="concurrent requests per ingress replica")
    watch_policy: bool = Field(True, description="reload the policy file when it changes")

    def settings(self) -> Settings:
        overrides = {k: v for k, v in self.model_dump().items()
                     if v is not None and k in Settings.model_fields}
        return Settings(**overrides)


class RayLocalBackend:
    """A local model behind its Serve deployment handle; counts in-flight requests so the router
    sees saturation without a round trip."""

    def __init__(self, model_id: str, handle: DeploymentHandle, capacity: int, queue_limit: int, *,
                 per_replica: int | None = None, deployment: str | None = None, app_name: str | None = None) -> None:
        self.model_id = model_id
        self.handle = handle
        self.capacity = capacity
        self.queue_limit = queue_limit
        # autoscaled: capacity follows the deployment's running replicas (read every COUNT_EVERY_S)
        self.per_replica, self.deployment, self.app_name = per_replica, deployment, app_name
        self._next_count = 0.0
        self.in_flight = 0
        self.health_timeout_s = 2.0
        self.last_detail: str | None = None  # the replica's last health detail, when it was available

    def _translate(self, exc: BaseException) -> BackendError:
        from ray.serve.exceptions import BackPressureError

        if isinstance(exc, BackendError):
            return exc
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BackendError):
            return cause
        if isinstance(exc, BackPressureError):
            return BackendUnavailable(self.model_id, "local queue is full (max_queued_requests reached)")
        return BackendUnavailable(self.model_id, f"local replica failed: {type(exc).__name__}")

    COUNT_EVERY_S = 5.0

    async def _follow_replicas(self) -> None:
        """Autoscaled deployments: capacity = running replicas x requests per replica. A failed
        status read keeps the last count."""
        if self.deployment is None or self.per_replica is None or time.monotonic() < self._next_count:
            return
        self._next_count = time.monotonic() + self.COUNT_EVERY_S
        try:
            running = await asyncio.to_thread(running_replicas, self.app_name, self.deployment)
        except Exception:  # the controller is busy or restarting: keep what we knew
            return
        self.capacity = running * self.per_replica

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        self.in_flight += 1
        try:
            return await self.handle.complete.remote(request)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise self._translate(exc) from None
        finally:
            self.in_flight -= 1

    async def embed(self, request: dict[str, Any]) -> dict[str, Any]:
        self.in_flight += 1
        try:
            return await self.handle.embed.remote(request)
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


@serve.deployment(ray_actor_options={"num_cpus": 0})
class LocalModel:
    """One replica, one llama.cpp model (loaded for chat or, with `embedding`, for embeddings)."""

    def __init__(self, model_id: str, options: dict[str, Any]) -> None:
        from backends.base import REGISTRY

        self.engine = REGISTRY["llamacpp"](model_id, **options)

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        return await self.engine.complete(request)

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        async for chunk in self.engine.stream(request):
            yield chunk

    async def embed(self, request: dict[str, Any]) -> dict[str, Any]:
        return await self.engine.embed(request)

    async def health(self) -> dict[str, Any]:
        return dataclasses.asdict(await self.engine.health())


_replica: dict[str, Any] = {}  # one Ingress replica per Ray actor process


def _build_replica_app():
    """Serve builds the replica's app with this; Ingress.__init__ attaches the gateway (either order)."""
    app = create_app()
    _replica["app"] = app
    if "state" in _replica:
        _attach(app, _replica["state"])
    return app


def _attach(app, state: dict[str, Any]) -> None:
    for key, value in state.items():
        setattr(app.state, key, value)


@serve.deployment(ray_actor_options={"num_cpus": 0})
@serve.ingress(_build_replica_app)
class Ingress:
    """The router: classify, decide, dispatch. Local models are reached through their handles."""

    async def __init__(self, args: dict[str, Any], local: dict[str, DeploymentHandle],
                       unavailable: dict[str, str], media: dict[str, DeploymentHandle]) -> None:
        from router.runtime import media_as_text, remote_backends, load_store, make_budgets, make_cache
        from router.gateway import Gateway
        from router.look import MediaLook
        from router.media_serve import RayReader
        from router.readers import CachedReader
        from router.telemetry import setup_telemetry

        setup_telemetry()
        parsed = AppArgs.model_validate(args)
        settings = parsed.settings()
        store = load_store(settings)
        limits = {m.id: m for m in store.current.spec.models}
        backends: dict[str, Backend] = {}
        for model_id, handle in local.items():
            spec = limits[model_id]
            replicas = spec.replicas if spec.autoscaling is None else max(1, spec.autoscaling.min_replicas)
            scaled = spec.autoscaling is not None
            backends[model_id] = RayLocalBackend(
                model_id, handle, replicas * spec.max_ongoing_requests, spec.max_queued_requests,
                per_replica=spec.max_ongoing_requests if scaled else None,
                deployment=local_deployment_options(spec)["name"] if scaled else None,
                app_name=serve.get_replica_context().app_name if scaled else None)
        backends.update(remote_backends(store.current))
        cache = make_cache(settings)
        reader = CachedReader(RayReader(media["ocr"], media["speech"]), store=cache)
        backends = media_as_text(store.current, backends, reader)
        gateway = Gateway(store, backends, cache=cache, budgets=make_budgets(settings), look=MediaLook(reader))
        gateway.unavailable = dict(unavailable)
        self.gateway = gateway
        state = {"gateway": gateway, "max_body_bytes": settings.max_body_bytes}
        if settings.admin_key is not None:
            state["admin_key_sha256"] = hashlib.sha256(settings.admin_key.get_secret_value().encode()).hexdigest()
        # Serve ships this class by value, with copies of the globals it names: reach the real module.
        import router.app as module

        module._replica["state"] = state
        if "app" in module._replica:
            module._attach(module._replica["app"], state)
        await gateway.refresh_health()
        self._tasks = [asyncio.get_running_loop().create_task(self._refresh(gateway))]
        if parsed.watch_policy:
            self._tasks.append(asyncio.get_running_loop().create_task(store.watch()))

    @staticmethod
    async def _refresh(gateway) -> None:
        while True:
            await asyncio.sleep(1.0)
            await gateway.refresh_health()

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        """Serve's user_config hook: any new user_config reloads the policy file."""
        self.gateway.store.reload()


def running_replicas(app_name: str | None, deployment: str) -> int:
    """RUNNING replicas of `deployment` in Serve application `app_name` (blocking: a controller call)."""
    status = serve.status()
    app = status.applications[app_name] if app_name else next(iter(status.applications.values()))
    return int(app.deployments[deployment].replica_states.get("RUNNING", 0))


def local_deployment_options(model: Any) -> dict[str, Any]:
    """Serve deployment options for one local model (a policy LlamaCppModel): a fixed `replicas`
    count, or the policy's autoscaling settings."""
    options: dict[str, Any] = {
        "name": f"llamacpp-{model.id}",
        "max_ongoing_requests": model.max_ongoing_requests,
        "max_queued_requests": model.max_queued_requests,
        "ray_actor_options": {"num_cpus": 0, "num_gpus": model.num_gpus},
    }
    scaling = model.autoscaling
    if scaling is None:
        options["num_replicas"] = model.replicas
    else:
        options["autoscaling_config"] = {
            "min_replicas": scaling.min_replicas, "initial_replicas": max(1, scaling.min_replicas),
            "max_replicas": scaling.max_replicas, "target_ongoing_requests": scaling.target_ongoing_requests,
            "upscale_delay_s": scaling.upscale_delay_s, "downscale_delay_s": scaling.downscale_delay_s,
        }
    return options


def build_app(args: dict[str, Any] | None = None) -> serve.Application:
    """Validate `args` (AppArgs), check the policy and local model files, and bind the deployments."""
    from router.media_serve import bind_engines
    from router.runtime import llamacpp_options, load_store, plan_local_models

    parsed = AppArgs.model_validate(args or {})
    settings = parsed.settings()
    store = load_store(settings)
    local_models, unavailable = plan_local_models(store.current, settings.model_dir)
    local = {m.id: LocalModel.options(**local_deployment_options(m)).bind(
                 m.id, llamacpp_options(m, settings.model_dir, store.current.spec.media))
             for m in local_models}
    return Ingress.options(
        num_replicas=parsed.ingress_replicas,
        max_ongoing_requests=parsed.ingress_max_ongoing_requests,
    ).bind(parsed.model_dump(), local, unavailable, bind_engines(store.current, settings.model_dir))
