"""bench/latency.py's output: the side-by-side table, the issue's ratios and the scale table.

A row is (name, {connections: wrk result}, TTFT p50 ms); names end in "N replica(s)" or "N worker(s)",
and each Turnout row is held against the peer rows with the same number of serving processes (its
ingress replicas, the trivial app's replicas, the proxy's uvicorn workers), else those with the fewest.
Of several proxy rows (releases), each ratio takes the proxy's best: the lowest added p50, the most req/s.
"""

from __future__ import annotations

import re

from bench.cpu_share import CORES, where_it_stops

Row = tuple[str, dict[int, dict], float]


def table(rows: list[Row], floor: tuple[dict[int, dict], float] | None, conns: list[int], duration: int) -> str:
    head = "| target | " + " | ".join(f"p50 ms ({c}c) | req/s ({c}c)" for c in conns) + \
        " | added p50 (1c) | TTFT p50 ms | added TTFT | non-2xx/errors |"
    lines = [f"wrk -d{duration}s --latency, -t1 at 1 connection, -t2 above; loopback; 'added' = over the "
             f"upstream called directly", "", head, "|" + "---|" * (2 * len(conns) + 5)]
    for name, results, stream_ms in rows:
        cells = " | ".join(f"{results[c]['p50']:.2f} | {results[c]['rps']:,.0f}" for c in conns)
        added = results[conns[0]]["p50"] - floor[0][conns[0]]["p50"] if floor else float("nan")
        added_ttft = stream_ms - floor[1] if floor else float("nan")
        bad = f"{sum(r['non2xx'] for r in results.values())}/{sum(r['errors'] for r in results.values())}"
        lines.append(f"| {name} | {cells} | {added:.2f} | {stream_ms:.2f} | {added_ttft:.2f} | {bad} |")
    return "\n".join(lines)


def processes(name: str) -> int:
    """The serving processes a row's name says it ran (1 when it says none)."""
    m = re.search(r"(\d+) (?:replica|worker)", name)
    return int(m.group(1)) if m else 1


def _peers(by: dict[str, tuple[dict[int, dict], float]], prefix: str, n: int) -> list[str]:
    """The names of the rows starting with `prefix` that ran `n` processes, else of those that ran the
    fewest."""
    peers = [k for k in by if k.startswith(prefix)]
    same = [k for k in peers if processes(k) == n]
    return same or [k for k in peers if processes(k) == min(map(processes, peers))]


def ratios(rows: list[Row], floor, conns: list[int]) -> list[str]:
    """Each Turnout row against the issue's targets, from the same run."""
    by = {name: (results, stream_ms) for name, results, stream_ms in rows}
    if floor is None:
        return ["(no upstream row: no ratios)"]
    c1, many = conns[0], 8 if 8 in conns else conns[-1]

    def added(results):
        return results[c1]["p50"] - floor[0][c1]["p50"]

    out = []
    for name, (results, stream_ms) in by.items():
        if not name.startswith("turnout"):
            continue
        parts = [name + ":"]
        n = processes(name)
        if proxies := _peers(by, "litellm proxy", n):  # the proxy at its best, of the releases run
            fast = min(proxies, key=lambda k: added(by[k][0]))
            most = max(proxies, key=lambda k: by[k][0][many]["rps"])
            parts.append(f"vs {fast}: added p50 {added(results) / added(by[fast][0]):.2f}x (target <= 0.15);")
            parts.append(f"vs {most}: req/s at {many}c {results[many]['rps'] / by[most][0][many]['rps']:.1f}x "
                         f"(target >= 10);")
        if trivials := _peers(by, "ray trivial", n):
            tresults, tstream = by[trivials[0]]
            parts.append(f"vs {trivials[0]}: added p50 {added(results) / max(added(tresults), 0.01):.1f}x "
                         f"(target <= 2), TTFT {stream_ms - tstream:+.2f} ms (target within 1 ms)")
        out.append(" ".join(parts))
    return out


def scale_table(rows: list[Row], conns: list[int]) -> list[str]:
    """Per row and connection count: req/s, the machine's busy share and each of the target's processes'
    share of one core during that wrk run; then, per row, where throughput stops growing and why."""
    lines = [f"Scale: CPU during each wrk run, as % of one core per process (same-named processes summed, "
             f"xN); 'machine' is all {CORES} cores, anyone's processes", "",
             "| target | conns | req/s | machine busy | busiest processes of the target (% of one core) |",
             "|---|---|---|---|---|"]
    for name, results, _ in rows:
        for c in conns:
            busy = results[c].get("busy")
            if busy is None:
                continue
            lines.append(f"| {name} | {c} | {results[c]['rps']:,.0f} | {busy.machine:.0f}% | {busy.describe()} |")
    lines.append("")
    lines += [where_it_stops(name, results) for name, results, _ in rows if len(results) > 1]
    return lines
