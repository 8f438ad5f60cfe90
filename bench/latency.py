"""Gateway latency side by side: wrk against an instant upstream, Turnout (both cloud kinds), a trivial
Ray Serve app and LiteLLM Proxy, at several connection counts and ingress replica counts.

    flock /tmp/turnout-ray.lock python bench/latency.py [--duration 5] [--conns 1,8,32] [--replicas 1,2]
        [--streams 200] [--skip ray,litellm] [--proxy-releases 1.110.2,1.100.5] [--litellm-bin PATH]

Targets (one at a time, loopback only):
  upstream         an instant OpenAI-compatible server (raw asyncio protocol), called directly
  turnout-openai   `turnout serve` in front of it, the upstream as `kind: openai` (direct HTTP)
  turnout-litellm  the same with `kind: litellm` (the default cloud path: litellm's transformation layer)
  ray              a trivial Ray Serve FastAPI app answering the same bytes, same HAProxy ingress settings
  litellm          LiteLLM Proxy in front of the upstream, as its production docs say, one row per
                   release and worker count (bench/litellm_proxy.py builds its venvs; a release not
                   built is skipped with a note)
Turnout runs with classification, policy, cache lookup (temperature 0.7: bypassed) and telemetry on.
`--replicas` is Turnout's and the trivial app's ingress replicas and the proxy's uvicorn workers.

Each row: `wrk --latency` at each connection count, then the p50 time to the first content event
of a streamed request (TTFT, one at a time on a kept-alive connection). The table's "added"
columns are over the upstream called directly; the lines after it are the issue's ratios, from this
run, then the scale table (bench/cpu_share.py: each process's CPU during each wrk run, and where
throughput stops growing). Everything started here is stopped at the end, and what its runs left
behind is found by their run markers (router/leftovers.py): no other haproxy or Ray is touched."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from bench import litellm_proxy
from bench.cpu_share import Watch
from bench.latency_report import ratios, scale_table, table
from bench.latency_rig import (FIXED_RESPONSE, POLICY, PY, RAY_SCRIPT, TARGETS, UPSTREAM_SCRIPT, Proc, bench_env,
                               chat_body, chat_stream_body, end_own_leftovers, free_port, get_status, measure, post,
                               sse_payload, ttft, wait_ok)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    ap.add_argument("--conns", default="1,8,32", help="connection counts (default 1,8,32)")
    ap.add_argument("--replicas", default="1,2",
                    help="ingress replicas of Turnout and the trivial app, and the proxy's uvicorn workers (default 1,2)")
    ap.add_argument("--streams", type=int, default=200, help="streamed requests for the TTFT p50 (default 200)")
    ap.add_argument("--skip", default="", help=f"comma-separated targets to skip: {', '.join(TARGETS)}")
    ap.add_argument("--proxy-releases", default=",".join(litellm_proxy.releases()),
                    help="litellm releases for the proxy rows, each from the venv bench/litellm_proxy.py builds "
                         f"(default {','.join(litellm_proxy.releases())})")
    ap.add_argument("--litellm-bin", default=None, help="one litellm CLI for the proxy rows instead of those")
    ap.add_argument("--ready-timeout", type=float, default=180.0, help="seconds to wait for each server")
    args = ap.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    conns = [int(c) for c in args.conns.split(",")]
    replicas = [int(r) for r in args.replicas.split(",")]
    if unknown := skip - set(TARGETS):
        ap.error(f"unknown targets in --skip: {', '.join(sorted(unknown))}")
    if not shutil.which("wrk"):
        print("wrk not found (apt-get install wrk)", file=sys.stderr)
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="turnout-latency-"))
    run_dir = tmp / "runs"
    env = dict(bench_env(), TURNOUT_RUN_DIR=str(run_dir))
    fixed = json.dumps(FIXED_RESPONSE)
    procs: list[Proc] = []
    markers: set[str] = set()
    rows: list[tuple[str, dict[int, dict], float]] = []
    floor = None
    notes: list[str] = [f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
                        f"({os.cpu_count()} cores)"]

    def start(name, argv, extra_env=None, cwd=None) -> Proc:
        # HAProxy binds metrics 9101 and stats 8404 by default: free ports avoid clashing with another gateway
        extra_env = {"RAY_SERVE_HAPROXY_METRICS_PORT": str(free_port()),
                     "RAY_SERVE_HAPROXY_STATS_PORT": str(free_port()), **(extra_env or {})}
        p = Proc(name, argv, dict(env, **extra_env), tmp, cwd=cwd)
        procs.append(p)
        markers.add(p.marker or "")
        return p

    def stop(p: Proc) -> None:
        procs.remove(p)
        p.stop()

    def bench(name: str, url: str, model: str, served: Proc | None = None) -> None:
        """The wrk runs and the TTFT of one target; CPU is watched on `served`'s processes and the upstream's."""
        label = re.sub(r"(-[\d.]+)+$", "", served.name) if served else ""  # litellm-proxy-1.110.2-2: litellm-proxy
        roots = {upstream.p.pid: "upstream"} | ({served.p.pid: label} if served else {})
        watch = Watch(roots, {served.marker} if served and served.marker else set())
        results = measure(name, url, chat_body(model, 0.7), tmp, args.duration, conns, watch)
        stream_ms = ttft(url, chat_stream_body(model), args.streams)
        print(f"  {name}: TTFT p50 {stream_ms:.2f} ms", file=sys.stderr, flush=True)
        rows.append((name, results, stream_ms))

    try:
        up_port = free_port()
        (tmp / "upstream.py").write_text(UPSTREAM_SCRIPT)
        (tmp / "fixed.json").write_text(fixed)
        (tmp / "fixed.sse").write_bytes(sse_payload())
        upstream = start("upstream", [PY, str(tmp / "upstream.py"), str(up_port), fixed, str(tmp / "fixed.sse")])
        up_url = f"http://127.0.0.1:{up_port}/v1/chat/completions"
        wait_ok(upstream, lambda: post(up_url, chat_body("instant", 0.7))[0] == 200, 30)
        if "upstream" not in skip:
            bench("upstream (direct)", up_url, "instant")
            floor = (rows[-1][1], rows[-1][2])

        def start_turnout(policy_text: str, name: str, n: int) -> tuple[Proc, str]:
            port = free_port()
            policy = tmp / f"{name}.yaml"
            policy.write_text(policy_text)
            turnout_bin = Path(PY).parent / "turnout"
            argv = ([str(turnout_bin)] if turnout_bin.exists() else [PY, "-m", "router.cli"]) + [
                "serve", "--policy", str(policy), "--port", str(port)]
            gw = start(name, argv, cwd=tmp, extra_env={"TURNOUT_INGRESS_REPLICAS": str(n)})  # cwd: no stray .env
            base = f"http://127.0.0.1:{port}"
            took = wait_ok(gw, lambda: get_status(base + "/readyz") == 200, args.ready_timeout)
            print(f"  {name} ({n} ingress replicas) ready in {took:.1f}s", file=sys.stderr)
            return gw, base + "/v1/chat/completions"

        kinds = {"turnout-openai": POLICY.format(port=up_port).replace("kind: litellm", "kind: openai").replace(
                     "model: openai/instant", "model: instant"),
                 "turnout-litellm": POLICY.format(port=up_port)}
        for target, policy_text in kinds.items():
            if target in skip:
                continue
            for n in replicas:
                gw, url = start_turnout(policy_text, f"{target}-{n}", n)
                status, headers, _ = post(url, chat_body("auto", 0.7))
                xt = {k: v for k, v in headers.items() if k.lower().startswith("x-turnout")}
                if n == replicas[0]:
                    notes.append(f"{target} sample: HTTP {status}, {json.dumps(xt)}")
                bench(f"turnout, kind: {target.split('-')[1]}, {n} replica{'s' * (n > 1)}", url, "auto", gw)
                stop(gw)

        if "ray" not in skip:
            (tmp / "ray_trivial.py").write_text(RAY_SCRIPT)
            for n in replicas:
                port = free_port()
                ray = start(f"ray-trivial-{n}", [PY, str(tmp / "ray_trivial.py"), str(port), str(tmp / "fixed.json"),
                                                 str(tmp / "fixed.sse"), str(n)],
                            extra_env={"RAY_SERVE_ENABLE_HA_PROXY": "1", "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1",
                                       "RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S": "0"})
                url = f"http://127.0.0.1:{port}/v1/chat/completions"
                took = wait_ok(ray, lambda: post(url, chat_body("instant", 0.7))[0] == 200, args.ready_timeout)
                print(f"  ray trivial app ({n} replicas) ready in {took:.1f}s", file=sys.stderr)
                bench(f"ray trivial app, {n} replica{'s' * (n > 1)}", url, "instant", ray)
                stop(ray)

        if "litellm" not in skip:
            clis = [args.litellm_bin] if args.litellm_bin else []
            for release in [] if args.litellm_bin else args.proxy_releases.split(","):
                if cli := litellm_proxy.find_cli(release.strip()):
                    clis.append(cli)
                else:
                    notes.append(f"litellm proxy {release}: skipped, not built (python bench/litellm_proxy.py "
                                 f"--releases {release})")
            for lbin in clis:
                release, lacks = litellm_proxy.check(Path(lbin).parent / "python")
                release = release or Path(lbin).parent.parent.name  # its litellm did not say: the venv's name
                if lacks:
                    notes.append(f"litellm proxy {release} ({lbin}) lacks {'; '.join(lacks)}: its rows understate "
                                 f"it (rebuild: python bench/litellm_proxy.py)")
                for n in replicas:
                    port = free_port()
                    cfg = tmp / "litellm.yaml"
                    cfg.write_text(litellm_proxy.CONFIG.format(port=up_port))
                    lp = start(f"litellm-proxy-{release}-{n}", litellm_proxy.argv(lbin, cfg, port, n),
                               litellm_proxy.env(), cwd=tmp)
                    url = f"http://127.0.0.1:{port}/v1/chat/completions"
                    took = wait_ok(lp, lambda: post(url, chat_body("instant", 0.7))[0] == 200, args.ready_timeout)
                    print(f"  litellm proxy {release} ({lbin}, {n} workers) ready in {took:.1f}s", file=sys.stderr)
                    bench(f"litellm proxy {release}, {n} worker{'s' * (n > 1)}", url, "instant", lp)
                    stop(lp)
    finally:
        for p in reversed(list(procs)):
            try:
                p.stop()
            except Exception as exc:  # keep stopping the rest
                print(f"  stopping {p.name}: {exc}", file=sys.stderr)
        ended = end_own_leftovers(markers, run_dir)
        if ended:
            notes.append(f"ended {len(ended)} leftover process(es) of this benchmark's runs: {', '.join(ended)}")
        notes.append(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(table(rows, floor, conns, args.duration))
        print()
        for line in ratios(rows, floor, conns) + [""] + scale_table(rows, conns) + [""] + notes:
            print(line)
        print(f"logs: {tmp}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
