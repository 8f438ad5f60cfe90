"""`turnout serve`: run the gateway on a local Ray Serve instance and own everything it starts.

The HAProxy ingress and throughput-optimized mode are set in the environment before Ray starts
(they are read at import and by the controller). On SIGTERM or Ctrl-C, Serve and Ray are shut
down and any haproxy process that Serve started is ended too: it outlives `ray stop`.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

from router.runtime import StartupError

HIGH_THROUGHPUT_ENV = {"RAY_SERVE_ENABLE_HA_PROXY": "1", "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1"}


def haproxy_pids() -> set[int]:
    """PIDs of every running haproxy (Serve's ingress outlives `ray stop`)."""
    import psutil

    return {p.pid for p in psutil.process_iter(["name"]) if (p.info.get("name") or "").startswith("haproxy")}


def end_processes(pids: set[int]) -> int:
    """Terminate `pids`, kill what is still alive after 5 s; returns how many were running."""
    import psutil

    procs = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            proc.terminate()
            procs.append(proc)
        except psutil.Error:
            continue
    _, alive = psutil.wait_procs(procs, timeout=5)
    for proc in alive:
        proc.kill()
    return len(procs)


def _descendants() -> list:
    import psutil

    try:
        return psutil.Process().children(recursive=True)
    except psutil.Error:
        return []


def _reap(procs: list, grace_s: float = 10.0) -> None:
    """Wait for processes Ray started to finish exiting (they do so asynchronously after
    ray.shutdown()); terminate, then kill, whatever still runs after `grace_s`."""
    import psutil

    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for proc in alive:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(alive, timeout=3)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass


def serve(policy: str | None = None, host: str | None = None, port: int | None = None) -> int:
    from router.settings import Settings

    overrides = {k: v for k, v in {"policy": policy, "host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        summary = _preflight(settings)
    except StartupError as exc:
        print(f"turnout: {exc}", file=sys.stderr)
        return 1
    if settings.ingress == "haproxy":
        os.environ.update(HIGH_THROUGHPUT_ENV)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

    stop = threading.Event()

    haproxy_before = haproxy_pids()
    import ray
    from ray import serve as ray_serve

    from router.app import build_app

    try:
        ray.init(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
        for sig in (signal.SIGTERM, signal.SIGINT):  # after ray.init, which installs handlers of its own
            signal.signal(sig, lambda *_: stop.set())
        ray_serve.start(http_options={"host": settings.host, "port": settings.port})
        args = {"policy": str(settings.policy), "model_dir": str(settings.model_dir)}
        ray_serve.run(build_app(args), name="turnout", route_prefix="/", blocking=False)
        ingress = "HAProxy ingress" if settings.ingress == "haproxy" else "Python proxy"
        print(f"turnout: listening on http://{settings.host}:{settings.port} ({ingress})", flush=True)
        for line in summary:
            print(f"turnout: {line}", flush=True)
        while not stop.wait(0.5):
            pass
        print("turnout: shutting down", flush=True)
        return 0
    except StartupError as exc:
        print(f"turnout: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:  # Serve reports a replica that failed to start this way
        reason = str(exc).strip().splitlines()[-1]
        print(f"turnout: Ray Serve could not start the gateway: {reason} "
              f"(replica logs: /tmp/ray/session_latest/logs/serve/)", file=sys.stderr)
        return 1
    finally:
        started = _descendants()  # raylet, GCS, workers, replicas: all of it must be gone when we exit
        try:
            ray_serve.shutdown()
        except Exception as exc:  # shutting down what failed to start must not hide the first error
            print(f"turnout: serve shutdown: {exc}", file=sys.stderr)
        ray.shutdown()
        end_processes(haproxy_pids() - haproxy_before)
        _reap(started)


def _preflight(settings) -> list[str]:
    """Everything that can fail before Ray starts: policy, local model files (packaged models are
    assembled now). Returns the start-up summary lines; StartupError with one clear line."""
    from backends.llamacpp import resolve_model_path
    from router.policy import LlamaCppModel
    from router.runtime import load_store, plan_local_models

    store = load_store(settings)
    local, unavailable = plan_local_models(store.current, settings.model_dir)
    lines = [f"policy {store.path} (digest {store.current.digest})"]
    for model in local:
        try:
            path = resolve_model_path(model.path, model.package, settings.model_dir)
        except (FileNotFoundError, ImportError) as exc:
            raise StartupError(f"model {model.id!r}: {exc}") from None
        lines.append(f"local model {model.id}: {Path(path).name} (n_ctx {model.n_ctx}, n_gpu_layers {model.n_gpu_layers})")
    for model_id, why in unavailable.items():
        lines.append(f"local model {model_id}: unavailable ({why})")
    from router.engines import whisper_model

    try:
        lines.append(f"speech-to-text: Whisper base at {whisper_model(settings.model_dir)}")
    except (FileNotFoundError, ValueError) as exc:
        raise StartupError(f"speech engine: {exc}") from None
    for model in store.current.spec.models:
        if not isinstance(model, LlamaCppModel):
            key_ok = model.api_key_env is None or bool(os.environ.get(model.api_key_env))
            state = "ready" if key_ok or model.api_base else f"unavailable ({model.api_key_env} not set)"
            lines.append(f"{model.location} {model.kind} model {model.id}: {model.model} at "
                         f"{model.api_base or 'the provider API'} {state}")
    for warning in store.current.warnings:
        lines.append(f"warning: {warning}")
    return lines
