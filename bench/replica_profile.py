"""Where a request's time goes inside Ray Serve: CPU per request of every process of the run, and a
py-spy profile of the ingress replica, under `wrk` at one connection (or streamed requests, one at a time).

    flock /tmp/turnout-ray.lock python bench/replica_profile.py [--target openai|litellm|ray] [--stream]
        [--seconds 10] [--rate 250] [--native] [--perf] [--top 30]

It starts the instant upstream of bench/latency.py and one target in front of it (`turnout serve` with
the upstream as `kind: openai` or `kind: litellm`, or the trivial Ray Serve app), warms it up, then:
1. CPU ms per request of each process the run started (replica, haproxy, Serve's controller, ...),
   from their CPU times over a `wrk -c1` run: on these shared 2-core machines a steadier measure than
   latency, and the gap to the trivial app split by process; then the replica's own CPU per request by
   thread (the kernel's thread names: Ray names the event loop's thread `ray::IDLE`);
2. py-spy on the replica (needs `py-spy` beside this Python, and ptrace rights) during a second run:
   the top functions by own and by inclusive share of samples, and the share per package.
3. with `--perf`, `perf record` of the replica during a third run: the share of native code by shared
   object (the interpreter, the kernel, uvloop, pydantic-core, tiktoken, orjson, ...) and by symbol.
Under load py-spy counts a thread waiting for a core as busy, so syscall sites (socket writes) read
high; compare shares between targets of one run. Everything started is stopped at the end, by run
marker, as in bench/latency.py.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import latency_rig as L  # noqa: E402
from router.leftovers import marker_of  # noqa: E402

_FRAME = re.compile(r"(.*) \((.*?)(?::\d+)?\)$")


def _where(frame: str) -> tuple[str, str]:
    """(function, file shortened to its package path) of one py-spy frame."""
    m = _FRAME.match(frame)
    if not m:
        return frame, frame
    name, path = m.groups()
    for marker in ("site-packages/", "lib/python3.11/", str(L.ROOT) + "/"):
        if marker in path:
            return name, path.split(marker, 1)[1]
    return name, path


def summary(raw: Path, top: int) -> str:
    """py-spy's raw (collapsed) output as three rankings: own share, inclusive share, own share per package."""
    own, inclusive, package = collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n, frames = int(count), [_where(f) for f in stack.split(";")]
        total += n
        name, path = frames[-1]
        own[f"{name} ({path})"] += n
        package[path.split("/")[0]] += n
        for key in {f"{name} ({path})" for name, path in frames}:
            inclusive[key] += n
    if not total:
        return "(no samples)"

    def ranked(title: str, counter: collections.Counter, n: int) -> list[str]:
        return [f"-- {title}"] + [f"{100 * c / total:5.1f}%  {k}" for k, c in counter.most_common(n)]

    return "\n".join([f"{total} samples"] + ranked("own time", own, top) + ranked("inclusive", inclusive, top * 2)
                     + ranked("own time by package", package, 15))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", choices=["openai", "litellm", "ray"], default="openai")
    ap.add_argument("--stream", action="store_true", help="streamed requests, one at a time, instead of wrk")
    ap.add_argument("--seconds", type=int, default=10, help="length of each measured run")
    ap.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    ap.add_argument("--native", action="store_true", help="py-spy --native (C frames too; slower)")
    ap.add_argument("--perf", action="store_true",
                    help="also `perf record` the replica (native code: the event loop, the interpreter, C extensions)")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--replicas", type=int, default=1, help="ingress replicas (TURNOUT_INGRESS_REPLICAS)")
    ap.add_argument("--idle", action="store_true",
                    help="no load: CPU ms per second of each process, and py-spy of an idle replica")
    args = ap.parse_args()
    spy = Path(L.PY).parent / "py-spy"
    tmp = Path(tempfile.mkdtemp(prefix="turnout-replica-profile-"))
    env = dict(L.bench_env(), TURNOUT_RUN_DIR=str(tmp / "runs"), RAY_SERVE_HAPROXY_METRICS_PORT=str(L.free_port()),
               RAY_SERVE_HAPROXY_STATS_PORT=str(L.free_port()))
    procs: list[L.Proc] = []

    def start(name: str, argv: list[str], extra: dict[str, str] | None = None) -> L.Proc:
        proc = L.Proc(name, argv, dict(env, **(extra or {})), tmp, cwd=tmp)
        procs.append(proc)
        return proc

    try:
        up_port, fixed = L.free_port(), json.dumps(L.FIXED_RESPONSE)
        (tmp / "upstream.py").write_text(L.UPSTREAM_SCRIPT)
        (tmp / "fixed.json").write_text(fixed)
        (tmp / "fixed.sse").write_bytes(L.sse_payload())
        upstream = start("upstream", [L.PY, str(tmp / "upstream.py"), str(up_port), fixed, str(tmp / "fixed.sse")])
        L.wait_ok(upstream, lambda: L.post(f"http://127.0.0.1:{up_port}/v1/chat/completions",
                                           L.chat_body("instant", 0.7))[0] == 200, 30)
        port = L.free_port()
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        if args.target == "ray":
            (tmp / "ray_trivial.py").write_text(L.RAY_SCRIPT)
            served = start("ray", [L.PY, str(tmp / "ray_trivial.py"), str(port), str(tmp / "fixed.json"),
                                   str(tmp / "fixed.sse"), str(args.replicas)],
                           {"RAY_SERVE_ENABLE_HA_PROXY": "1", "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1",
                            "RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S": "0"})
            model, replica = "instant", "Trivial"
            L.wait_ok(served, lambda: L.post(url, L.chat_body(model, 0.7))[0] == 200, 180)
        else:
            text = L.POLICY.format(port=up_port)
            if args.target == "openai":
                text = text.replace("kind: litellm", "kind: openai").replace("model: openai/instant", "model: instant")
            (tmp / "policy.yaml").write_text(text)
            turnout = Path(L.PY).parent / "turnout"
            served = start("turnout", [str(turnout), "serve", "--policy", str(tmp / "policy.yaml"), "--port", str(port)],
                           {"TURNOUT_INGRESS_REPLICAS": str(args.replicas)})
            model, replica = "auto", "Ingress"
            L.wait_ok(served, lambda: L.get_status(url.replace("/v1/chat/completions", "/readyz")) == 200, 180)
        body = L.chat_body(model, 0.7)
        for _ in range(200):
            L.post(url, body)
        markers = {p.marker for p in procs if p.marker}
        ours = [p for p in psutil.process_iter() if _of_run(p, markers, served.p.pid)]
        pid = next(p.pid for p in ours if any("ServeReplica" in part and replica in part for part in _cmdline(p)))
        lua = tmp / "chat.lua"
        lua.write_text(L.LUA.format(body=json.dumps(body)))

        def load() -> tuple[str, float]:
            if args.idle:
                time.sleep(args.seconds)
                return f"idle for {args.seconds} s (rows: CPU ms per second)", args.seconds
            if args.stream:
                stream_body, n, began = L.chat_stream_body(model), 0, time.monotonic()
                medians = []
                while time.monotonic() - began < args.seconds:
                    medians.append(L.ttft(url, stream_body, 40))
                    n += 50  # ttft() sends 10 warm-up requests more than it measures
                return f"{n} streamed requests, TTFT p50 {sorted(medians)[len(medians) // 2]:.2f} ms", n
            result = L.run_wrk(url, lua, 1, 1, args.seconds)
            return f"wrk -c1: p50 {result['p50']:.2f} ms, {result['rps']:.0f} req/s", result["rps"] * args.seconds

        before, threads_before = _cpu(ours), _thread_cpu(pid)
        what, requests = load()
        after, threads_after = _cpu(ours), _thread_cpu(pid)
        print(f"{args.target}{' (streamed)' if args.stream else ''}: {what}; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        rows = sorted(((after[k][1] - before[k][1]) * 1000 / max(requests, 1), after[k][0]) for k in after if k in before)
        for ms, name in reversed(rows[-10:]):
            print(f"  {ms:6.3f} ms CPU per {'second' if args.idle else 'request'}  {name}")
        print(f"  {sum(ms for ms, _ in rows):6.3f} ms CPU per {'second' if args.idle else 'request'} in all of the run's processes")
        per = "second" if args.idle else "request"
        by_name: collections.Counter = collections.Counter()
        for tid, (name, seconds) in threads_after.items():
            by_name[name] += seconds - threads_before.get(tid, (name, 0.0))[1]
        print(f"  the replica's threads (CPU ms per {per}, by thread name):")
        for name, seconds in by_name.most_common(8):
            print(f"    {seconds * 1000 / max(requests, 1):6.3f}  {name}")
        raw = tmp / "replica.txt"
        spying = subprocess.Popen([str(spy), "record", "-p", str(pid), "-r", str(args.rate), "-d", str(args.seconds),
                                   "-f", "raw", "-o", str(raw), "--nonblocking"] + (["--native"] if args.native else []),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        load()
        spying.wait()
        print(summary(raw, args.top) if raw.exists() else "py-spy wrote nothing (is ptrace allowed?)")
        print(f"raw profile: {raw}")
        if args.perf:
            print(native(pid, tmp / "perf.data", load, args.top))
    finally:
        markers = {p.marker for p in procs if p.marker}
        for proc in reversed(procs):
            proc.stop()
        L.end_own_leftovers(markers, tmp / "runs")
    return 0


def native(pid: int, data: Path, load, top: int) -> str:
    """`perf record` of one process during a run of `load`: own share of samples by shared object and symbol."""
    recording = subprocess.Popen(["perf", "record", "-F", "997", "-p", str(pid), "-o", str(data)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    load()
    recording.send_signal(2)
    recording.wait()
    out = ["-- native (perf): own share by shared object, then by symbol"]
    for sort in ("dso", "dso,symbol"):
        report = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--sort", sort, "--percent-limit", "0.4"],
                                capture_output=True, text=True)
        rows = [" ".join(line.split()) for line in report.stdout.splitlines() if line.strip() and not line.startswith("#")]
        out += [f"  {row}" for row in rows[:top]]
    return "\n".join(out)


def _thread_cpu(pid: int) -> dict[int, tuple[str, float]]:
    """tid -> (thread name as the kernel has it, user + system CPU seconds so far) for one process."""
    out = {}
    for thread in psutil.Process(pid).threads():
        try:
            name = Path(f"/proc/{pid}/task/{thread.id}/comm").read_text().strip()
        except OSError:
            continue
        out[thread.id] = (name, thread.user_time + thread.system_time)
    return out


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def _of_run(proc: psutil.Process, markers: set[str], pid: int) -> bool:
    try:
        return proc.pid == pid or marker_of(proc) in markers
    except psutil.Error:
        return False


def _cpu(procs: list[psutil.Process]) -> dict[int, tuple[str, float]]:
    """pid -> (process name, Ray's actor title for Ray's, user + system CPU seconds so far)."""
    out = {}
    for proc in procs:
        try:
            times = proc.cpu_times()
            first = (proc.cmdline() or [proc.name()])[0]
            out[proc.pid] = (first if first.startswith("ray::") else Path(first).name, times.user + times.system)
        except psutil.Error:
            continue
    return out


if __name__ == "__main__":
    sys.exit(main())
