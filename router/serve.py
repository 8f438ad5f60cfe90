"""`turnout serve`: run the gateway on a local Ray Serve instance and own everything it starts.

The HAProxy ingress and throughput-optimized mode are set in the environment before Ray starts
(they are read at import and by the controller). Every process started under `turnout serve`
carries its run marker (router/leftovers.py), so a later start can end what a SIGKILLed run left
behind, and never touches anyone else's processes.

The gateway runs in a child of its own session (router/supervisor.py), so a SIGTERM sent to the whole
process group reaches it once, forwarded, and never reaches Ray's GCS and raylet directly.

Stopping (SIGTERM or Ctrl-C; a second one skips the drain) takes a few seconds, bounded by
`drain_notice_s` + `drain_timeout_s` plus about 5 s:
0. notice: /readyz answers 503 "draining" (a flag file beside the run file) while requests are
   still taken for `drain_notice_s`, so a load balancer in front stops sending;
1. drain: HAProxy's soft stop (SIGUSR1) closes its listeners at once (new connections are
   refused), lets the requests in flight finish and exits when the last one is done, or when
   `drain_timeout_s` has passed;
2. `serve.shutdown()`: with nothing in flight and Serve's direct-ingress "stay reachable so load
   balancers can deregister" window set to 0 (its default, 30 s, is where the 34-42 s stops came
   from: the only load balancer here is our own haproxy, already stopped), the replicas exit
   within their wait loop (bounded at SERVE_STOP_S; what is left then is ended in step 3);
3. `ray.shutdown()`, then every process with this run's marker is waited for, then ended.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import psutil

from backends.gguf_files import resolve_model_path
from router import runtime, supervisor
from router.engines import whisper_model
from router.leftovers import (RUN_ENV, PortBusy, check_ports, drain_flag, end_leftovers, find_leftovers, marker_of,
                              record_run, run_file, run_marker)
from router.runtime import StartupError
from router.settings import Settings

# Serve's knobs for a fast stop on one machine; an operator's own setting wins (setdefault).
SHUTDOWN_ENV = {"RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S": "0"}
SERVE_STOP_S = 5.0  # Serve's own wait for its controller is 30 s: a stuck replica must not hold the stop that long
HAPROXY_PORTS = {"RAY_SERVE_HAPROXY_STATS_PORT": (8404, "HAProxy stats"),
                 "RAY_SERVE_HAPROXY_METRICS_PORT": (9101, "HAProxy metrics")}


def haproxy_pids() -> set[int]:
    """PIDs of every running haproxy (Serve's ingress outlives `ray stop`)."""
    return {p.pid for p in psutil.process_iter(["name"]) if (p.info.get("name") or "").startswith("haproxy")}


def end_processes(pids: set[int]) -> int:
    """Terminate `pids`, kill what is still alive after 5 s; returns how many were running."""
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


def _ours(marker: str) -> list:
    """Every process of this run (raylet, GCS, agents, workers, replicas, haproxy): those under
    this one, and those carrying its marker wherever they were reparented to; this one excluded."""


    try:
        found = {proc.pid: proc for proc in psutil.Process().children(recursive=True)}
    except psutil.Error:
        found = {}
    for proc in psutil.process_iter():
        if proc.pid != os.getpid() and proc.pid not in found and marker_of(proc) == marker:
            found[proc.pid] = proc
    return list(found.values())


def _drain(marker: str, timeout_s: float, hurry: threading.Event) -> int:
    """Stop taking new requests and let those in flight finish: soft-stop (SIGUSR1) our haproxy,
    which closes its listeners at once and exits after its last response, and wait for it up to
    `timeout_s` (or until `hurry` is set). Returns how many haproxy processes were still serving."""
    import psutil

    procs = []
    for proc in _ours(marker):
        try:
            if proc.name().startswith("haproxy"):
                proc.send_signal(signal.SIGUSR1)
                procs.append(proc)
        except psutil.Error:
            continue
    deadline = time.monotonic() + timeout_s
    while procs and time.monotonic() < deadline and not hurry.is_set():
        _, procs = psutil.wait_procs(procs, timeout=min(0.2, max(0.0, deadline - time.monotonic())))
    return len(procs)


def _reap(marker: str, known: list, grace_s: float = 3.0) -> None:
    """Wait for the processes Ray started (`known`, and any found now) to finish exiting (they do
    so asynchronously after ray.shutdown()); terminate, then kill, whatever still runs after `grace_s`."""
    procs = {proc.pid: proc for proc in known + _ours(marker)}
    _, alive = psutil.wait_procs(list(procs.values()), timeout=grace_s)
    for proc in alive:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(alive, timeout=2)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=2)


def _within(step, timeout_s: float, what: str) -> bool:
    """Run `step` on a thread of its own; whether it finished within `timeout_s` (its exception, if
    any, printed under `what`: shutting down what failed to start must not hide the first error)."""

    def guarded() -> None:
        try:
            step()
        except Exception as exc:
            print(f"turnout: {what}: {exc}", file=sys.stderr)

    thread = threading.Thread(target=guarded, name="turnout-stop", daemon=True)
    thread.start()
    thread.join(timeout_s)
    return not thread.is_alive()


def _track(run_dir: Path, marker: str, known: list) -> list:
    """Keep this run's run file current: rewritten whenever the set of processes under it changed."""

    procs = _ours(marker)
    if {p.pid for p in procs} != {p.pid for p in known}:
        record_run(run_dir, marker, procs)
    return procs


def _ports(settings) -> dict[int, str]:
    ports = {settings.port: "the gateway: --port or TURNOUT_PORT"}
    if settings.ingress == "haproxy":
        for env, (default, use) in HAPROXY_PORTS.items():
            ports.setdefault(int(os.environ.get(env) or default), f"{use}: {env}")
    return ports


def _clear_the_way(settings) -> None:
    """End what an earlier, killed `turnout serve` left running; then make sure every port this run
    binds is free. PortBusy (one line: port, holder, what to do) when another program holds one."""

    leftovers = find_leftovers(settings.run_dir)
    if leftovers:
        shown = ", ".join(str(item) for item in leftovers[:4]) + (f" and {len(leftovers) - 4} more" if len(leftovers) > 4 else "")
        print(f"turnout: ending {len(leftovers)} processes left running by a turnout serve that was killed: {shown}",
              flush=True)
    end_leftovers(leftovers, settings.run_dir)
    check_ports(_ports(settings))


def serve(policy: str | None = None, host: str | None = None, port: int | None = None) -> int:
    if supervisor.wanted():  # the gateway runs in a child no group signal reaches (router/supervisor.py)
        argv = [sys.executable, "-m", "router.cli", "serve"]
        for flag, value in (("--policy", policy), ("--host", host), ("--port", port)):
            argv += [flag, str(value)] if value is not None else []
        return supervisor.run(argv, run_marker())
    overrides = {k: v for k, v in {"policy": policy, "host": host, "port": port}.items() if v is not None}
    settings = Settings(**overrides)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        summary = _preflight(settings)
        _clear_the_way(settings)
    except (StartupError, PortBusy) as exc:
        print(f"turnout: {exc}", file=sys.stderr)
        return 1
    runtime.prepare_environment(ray=settings)
    for name, value in SHUTDOWN_ENV.items():
        os.environ.setdefault(name, value)
    marker = supervisor.supervised() or run_marker()
    os.environ[RUN_ENV] = marker  # inherited by everything Ray starts from here on

    signals, stopping = [], []  # stopping: when the stop began, when the drain ended
    stop, hurry = threading.Event(), threading.Event()

    def on_signal(*_):
        signals.append(1)
        (hurry if len(signals) > 1 else stop).set()

    known: list = []  # this run's processes, as last recorded in its run file
    import ray  # heavy, and it must import after prepare_environment: kept off `turnout route`
    from ray import serve as ray_serve

    from router.app import bind

    try:
        ray.init(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
        known = _track(settings.run_dir, marker, known)
        for sig in (signal.SIGTERM, signal.SIGINT):  # after ray.init, which installs handlers of its own
            signal.signal(sig, on_signal)
        ray_serve.start(http_options={"host": settings.host, "port": settings.port})
        ray_serve.run(bind(settings), name="turnout", route_prefix="/", blocking=False)
        known = _track(settings.run_dir, marker, known)
        ingress = "HAProxy ingress" if settings.ingress == "haproxy" else "Python proxy"
        print(f"turnout: listening on http://{settings.host}:{settings.port} ({ingress})", flush=True)
        for line in summary:
            print(f"turnout: {line}", flush=True)
        while not stop.wait(2.0):  # a signal wakes it at once
            known = _track(settings.run_dir, marker, known)
        stopping.append(time.monotonic())
        drain_flag(settings.run_dir, marker).touch()
        print(f"turnout: shutting down: /readyz says draining; new requests refused in "
              f"{settings.drain_notice_s:g} s, those in flight drained (up to {settings.drain_timeout_s:g} s)", flush=True)
        hurry.wait(settings.drain_notice_s)
        still = _drain(marker, settings.drain_timeout_s, hurry)
        if still:
            print(f"turnout: requests still in flight after {time.monotonic() - stopping[0]:.1f} s are cut", flush=True)
        stopping.append(time.monotonic())
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
        known = known + _ours(marker)  # before Ray's processes exit and their children are reparented
        if not _within(ray_serve.shutdown, SERVE_STOP_S, "serve shutdown"):
            print(f"turnout: Serve did not stop within {SERVE_STOP_S:g} s; ending its processes", file=sys.stderr,
                  flush=True)
        serve_done = time.monotonic()
        ray.shutdown()
        _reap(marker, known)  # raylet, GCS, agents, workers, replicas, haproxy: all of it must be gone when we exit
        run_file(settings.run_dir, marker).unlink(missing_ok=True)
        drain_flag(settings.run_dir, marker).unlink(missing_ok=True)
        if len(stopping) == 2:
            begun, drained = stopping
            print(f"turnout: stopped in {time.monotonic() - begun:.1f} s (drain {drained - begun:.1f} s, "
                  f"Serve {serve_done - drained:.1f} s, Ray {time.monotonic() - serve_done:.1f} s)", flush=True)


def _preflight(settings: Settings) -> list[str]:
    """Everything that can fail before Ray starts: policy, local model files (packaged models are
    assembled now). Returns the start-up summary lines; StartupError with one clear line."""
    store = runtime.load_store(settings)
    local, unavailable = runtime.plan_local_models(store.current, settings.model_dir)
    lines = [f"policy {store.path} (digest {store.current.digest})"]
    for model in local:
        try:
            path = resolve_model_path(model.path, model.package, settings.model_dir)
        except (FileNotFoundError, ImportError) as exc:
            raise StartupError(f"model {model.id!r}: {exc}") from None
        lines.append(f"local model {model.id}: {Path(path).name} (n_ctx {model.n_ctx}, n_gpu_layers {model.n_gpu_layers})")
    for model_id, why in unavailable.items():
        lines.append(f"local model {model_id}: unavailable ({why})")

    try:
        lines.append(f"speech-to-text: Whisper base at {whisper_model(settings.model_dir)}")
    except (FileNotFoundError, ValueError) as exc:
        raise StartupError(f"speech engine: {exc}") from None
    for model in store.current.spec.models:
        if model.kind != "llamacpp":
            key_ok = model.api_key_env is None or bool(os.environ.get(model.api_key_env))
            state = "ready" if key_ok or model.api_base else f"unavailable ({model.api_key_env} not set)"
            lines.append(f"{model.location} {model.kind} model {model.id}: {model.model} at "
                         f"{model.api_base or 'the provider API'} {state}")
    for warning in store.current.warnings:
        lines.append(f"warning: {warning}")
    return lines
