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
import functools
import hashlib
from collections.abc import AsyncIterator
from typing import Any

from ray import serve
from ray.serve.handle import DeploymentHandle

from backends.ray_local import RayLocalBackend
from backends.registry import REGISTRY
from router import runtime
from router.otel import setup_telemetry
from router.http import create_app
from router.leftovers import draining
from router.media_serve import RayReader, bind_engines
from router.settings import Settings, settings_from_args


@serve.deployment(ray_actor_options={"num_cpus": 0})
class LocalModel:
    """One replica, one llama.cpp model (loaded for chat or, with `embedding`, for embeddings)."""

    def __init__(self, model_id: str, options: dict[str, Any]) -> None:
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


class _Replica:
    """One Ingress replica per Ray actor process. Serve builds the replica's FastAPI app and runs
    Ingress.__init__ in either order; whichever comes second attaches the gateway to the app. (A
    class, not a module dict: Serve ships Ingress by value with copies of the plain globals it
    names, while a module-level class travels by reference, so both sides see the same one.)"""

    app: Any = None
    state: dict[str, Any] | None = None

    @classmethod
    def attach(cls) -> None:
        if cls.app is not None and cls.state is not None:
            for key, value in cls.state.items():
                setattr(cls.app.state, key, value)


def _build_replica_app():
    """Serve's app builder for each Ingress replica (a plain function: Serve calls it, not an ASGI app)."""
    _Replica.app = create_app()
    _Replica.attach()
    return _Replica.app


@serve.deployment(ray_actor_options={"num_cpus": 0})
@serve.ingress(_build_replica_app)
class Ingress:
    """The router: classify, decide, dispatch. Local models are reached through their handles."""

    async def __init__(self, settings: Settings, local: dict[str, DeploymentHandle],
                       media: dict[str, DeploymentHandle]) -> None:
        setup_telemetry()
        app_name = serve.get_replica_context().app_name
        self.gateway = gateway = runtime.build(settings, local=lambda m: _ray_backend(m, local[m.id], app_name),
                                               reader=RayReader(media["ocr"], media["speech"]))
        # Serve's replica awaits each request's disconnect itself and cancels the request when its
        # client goes (499 if nothing was sent): the chat endpoint need not watch a second time.
        state: dict[str, Any] = {"gateway": gateway, "max_body_bytes": settings.max_body_bytes,
                                 "draining": functools.partial(draining, settings.run_dir), "watch_hang_ups": False}
        if settings.admin_key is not None:
            state["admin_key_sha256"] = hashlib.sha256(settings.admin_key.get_secret_value().encode()).hexdigest()
        _Replica.state = state
        _Replica.attach()
        await gateway.refresh_health()
        self._tasks = [asyncio.get_running_loop().create_task(self._refresh(gateway))]
        if settings.watch_policy:
            self._tasks.append(asyncio.get_running_loop().create_task(gateway.store.watch()))

    @staticmethod
    async def _refresh(gateway) -> None:
        while True:
            await asyncio.sleep(1.0)
            await gateway.refresh_health()

    def reconfigure(self, user_config: dict[str, Any]) -> None:
        """Serve's user_config hook: any new user_config reloads the policy file."""
        self.gateway.store.reload()


def _ray_backend(model: Any, handle: DeploymentHandle, app_name: str) -> RayLocalBackend:
    """The ingress's view of one local deployment: its capacity follows the running replicas, and none
    running (its node lost) is unavailable, unless the policy lets it scale to zero."""
    name = local_deployment_options(model)["name"]
    scaling = model.autoscaling
    replicas = model.replicas if scaling is None else max(1, scaling.min_replicas)
    return RayLocalBackend(model.id, handle, replicas * model.max_ongoing_requests, model.max_queued_requests,
                           per_replica=model.max_ongoing_requests, count_replicas=lambda: running_replicas(app_name, name),
                           expect_replicas=scaling is None or scaling.min_replicas > 0)


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
    if model.ray_resources:
        options["ray_actor_options"]["resources"] = dict(model.ray_resources)
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
    """Validate `args` (the Settings fields, see router.settings.AppArgs) before anything else, then bind."""
    return bind(settings_from_args(args))


def bind(settings: Settings) -> serve.Application:
    """Check the policy and local model files and bind the deployments; the replicas receive these
    Settings as they are (validated once, here or by `turnout serve`)."""
    store = runtime.load_store(settings)
    local_models, _ = runtime.plan_local_models(store.current, settings.model_dir)
    local = {m.id: LocalModel.options(**local_deployment_options(m)).bind(
                 m.id, runtime.llamacpp_options(m, settings.model_dir, store.current.spec.media))
             for m in local_models}
    return Ingress.options(
        num_replicas=settings.ingress_replicas,
        max_ongoing_requests=settings.ingress_max_ongoing_requests,
        ray_actor_options={"num_cpus": 0, "resources": dict(settings.ingress_resources)},
        logging_config={"enable_access_log": settings.serve_access_log},
    ).bind(settings, local, bind_engines(store.current, settings.model_dir))
