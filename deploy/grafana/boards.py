"""The three Grafana boards, written as data: `python deploy/grafana/boards.py` rewrites
deploy/grafana/dashboards/*.json (a test checks the committed files match this script).

The PromQL follows three rules, so the boards add up with any number of ingress replicas:
- counters are read through `rate()` / `increase()` (never their raw value, which restarts at 0
  with each replica);
- every aggregation sums by the board's own labels (tenant, app, model, rule, ...), never by
  `instance` or `job`, so each replica's series add into one total;
- quantiles are `histogram_quantile(q, sum by (le, <labels>) (rate(..._bucket[...])))`: buckets
  summed across replicas first, the quantile taken once.
Gauges describing one shared thing (live replicas of a local deployment, seen alike by every
ingress) are read with `max`; those each ingress counts for itself (its queued requests, its
breaker) are summed or counted.

Metric names are the Prometheus names `opentelemetry-exporter-prometheus` (and the collector's
Prometheus exporter) make of the OTel instruments: dots to underscores, unit suffixes
(`_seconds`, `_USD`), `_total` on counters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
RATE = "$__rate_interval"
RANGE = "$__range"
BY_TENANT_APP = 'tenant=~"$tenant", app=~"$app"'


@dataclass(frozen=True)
class Panel:
    title: str
    targets: list[tuple[str, str]]  # (PromQL, legend)
    kind: str = "timeseries"
    unit: str = "short"
    width: int = 12
    description: str = ""
    options: dict = field(default_factory=dict)


def counter_rate(metric: str, by: str, match: str = BY_TENANT_APP, per: str = "") -> str:
    scale = f" * {per}" if per else ""
    return f"sum by ({by}) (rate({metric}{{{match}}}[{RATE}])){scale}"


def total(metric: str, match: str = BY_TENANT_APP) -> str:
    return f"sum(increase({metric}{{{match}}}[{RANGE}]))"


def quantiles(metric: str, by: str, match: str = "", legend: str = "") -> list[tuple[str, str]]:
    """p50 and p99 of a histogram, by `by` (buckets of every replica summed before the quantile)."""
    selector = f"{{{match}}}" if match else ""
    return [(f"histogram_quantile({q}, sum by (le, {by}) (rate({metric}_bucket{selector}[{RATE}])))",
             f"p{round(q * 100)} {legend or '{{' + by + '}}'}") for q in (0.5, 0.99)]


def ratio(numerator: str, denominator: str) -> str:
    return f"({numerator}) / ({denominator})"


REQUESTS = "turnout_requests_total"
SERVED = f'{BY_TENANT_APP}, location=~"local|cloud"'

COST_BOARD = [
    Panel("Spend (USD, selected range)", [(total("turnout_cost_USD_total"), "spend")], "stat", "currencyUSD", 6,
          "Actual spend: cloud usage at the price map (or the policy's override), local models at their "
          "GPU-hour price times the replica time each request held."),
    Panel("Savings vs reference (USD, selected range)", [(total("turnout_savings_USD_total"), "savings")], "stat",
          "currencyUSD", 6, "What the policy's reference flagship (accounting.reference_model) would have cost "
                            "on each request's actual usage, minus what it did cost; cache hits save the whole answer."),
    Panel("Kept local (USD, selected range)", [(total("turnout_kept_local_USD_total"), "kept local")], "stat",
          "currencyUSD", 6, "The reference cost of private traffic that could never go to the cloud: kept in the "
                            "building, not counted as savings."),
    Panel("Share served locally", [(ratio(total(REQUESTS, f'{BY_TENANT_APP}, location="local"'),
                                          total(REQUESTS, SERVED)), "local share")],
          "stat", "percentunit", 6, "Requests answered by a local model, of all requests answered by a model."),
    Panel("Spend by tenant (USD/hour)", [(counter_rate("turnout_cost_USD_total", "tenant", per="3600"),
                                          "{{tenant}}")], unit="currencyUSD", width=8),
    Panel("Spend by app (USD/hour)", [(counter_rate("turnout_cost_USD_total", "app", per="3600"), "{{app}}")],
          unit="currencyUSD", width=8),
    Panel("Spend by model (USD/hour)", [(counter_rate("turnout_cost_USD_total", "model, location", per="3600"),
                                         "{{model}} ({{location}})")], unit="currencyUSD", width=8),
    Panel("Actual vs reference cost (USD/hour)",
          [(f"sum(rate(turnout_cost_USD_total{{{BY_TENANT_APP}}}[{RATE}])) * 3600", "actual"),
           (f"sum(rate(turnout_reference_cost_USD_total{{{BY_TENANT_APP}}}[{RATE}])) * 3600", "reference flagship")],
          unit="currencyUSD"),
    Panel("Savings and kept local by tenant (USD/hour)",
          [(counter_rate("turnout_savings_USD_total", "tenant", per="3600"), "savings {{tenant}}"),
           (counter_rate("turnout_kept_local_USD_total", "tenant", per="3600"), "kept local {{tenant}}")],
          unit="currencyUSD"),
    Panel("Share served locally over time",
          [(ratio(f'sum(rate({REQUESTS}{{{BY_TENANT_APP}, location="local"}}[{RATE}]))',
                  f"sum(rate({REQUESTS}{{{SERVED}}}[{RATE}]))"), "local share")], unit="percentunit"),
    Panel("Tokens by model (tokens/s)",
          [(f"sum by (gen_ai_request_model, gen_ai_token_type) (rate(gen_ai_client_token_usage_sum[{RATE}]))",
            "{{gen_ai_request_model}} {{gen_ai_token_type}}")], width=12,
          description="Input and output tokens per backend model (the GenAI convention's token usage histogram)."),
]

ROUTING_BOARD = [
    Panel("Decisions by rule (req/s)", [(counter_rate(REQUESTS, "rule"), "{{rule}}")], width=8),
    Panel("Decisions by location (req/s)", [(counter_rate(REQUESTS, "location"), "{{location}}")], width=8),
    Panel("Decisions by data class (req/s)", [(counter_rate(REQUESTS, "data_class"), "{{data_class}}")], width=8),
    Panel("Fallbacks by failed model and error (/s)",
          [(f"sum by (model, error) (rate(turnout_fallbacks_total[{RATE}]))", "{{model}}: {{error}}")],
          description="A candidate failed and the next in the decision's chain was tried."),
    Panel("Refusals by reason (/s)",
          [(f'sum by (reason) (rate(turnout_refusals_total{{tenant=~"$tenant"}}[{RATE}]))', "{{reason}}")],
          description="privacy: nothing allowed to see the data is available; budget: the tenant's budget is spent."),
    Panel("Cache hit ratio",
          [(ratio(f'sum(rate(turnout_cache_lookups_total{{result="hit"}}[{RATE}]))',
                  f'sum(rate(turnout_cache_lookups_total{{result=~"hit|miss"}}[{RATE}]))'), "hit ratio")],
          "timeseries", "percentunit", description="Hits over cacheable lookups (bypassed requests not counted)."),
    Panel("Cache lookups by result (/s)",
          [(f"sum by (operation, result) (rate(turnout_cache_lookups_total[{RATE}]))", "{{operation}} {{result}}")]),
    Panel("Backend attempts by model and outcome (/s)",
          [(f"sum by (model, outcome) (rate(turnout_backend_attempts_total[{RATE}]))", "{{model}} {{outcome}}")]),
    Panel("Responses by status and operation (req/s)",
          [(counter_rate(REQUESTS, "status, operation"), "{{operation}} {{status}}")]),
    Panel("Budget events (selected range)",
          [(f"sum by (event) (increase(turnout_budget_events_total[{RANGE}]))", "{{event}}")], "bargauge",
          description="Budget refusals, reroutes to local and ledger failures."),
    Panel("Policy reloads (selected range)",
          [(f"sum by (result) (increase(turnout_policy_reloads_total[{RANGE}]))", "{{result}}")], "bargauge"),
]

LATENCY_BOARD = [
    Panel("Time to first token p50 / p99 by model (streams)",
          quantiles("turnout_time_to_first_token_seconds", "model"), unit="s"),
    Panel("Request duration p50 / p99 by model (arrival to last byte)",
          quantiles("turnout_request_duration_seconds", "model"), unit="s"),
    Panel("Backend attempt duration p50 / p99 by provider model",
          quantiles("gen_ai_client_operation_duration_seconds", "gen_ai_request_model"), unit="s", width=24),
    Panel("Local queue depth by model",
          [("sum by (model) (turnout_local_queue_depth)", "{{model}}")], width=8,
          description="Requests waiting for a local replica, summed over ingress replicas (each counts its own)."),
    Panel("Live local replicas by model",
          [("max by (model) (turnout_local_replicas)", "{{model}}")], width=8,
          description="Running replicas of each local deployment (every ingress sees the same count: max, not sum)."),
    Panel("Breaker state by model (0 closed, 1 half-open, 2 open)",
          [("max by (model) (turnout_breaker_state)", "worst {{model}}"),
           ("sum by (model) (turnout_breaker_state == bool 2)", "ingress replicas open {{model}}")], width=8,
          description="Each ingress keeps its own breakers: the worst state, and how many replicas hold it open."),
    Panel("Throughput by operation (req/s)",
          [(counter_rate(REQUESTS, "operation"), "{{operation}}")], width=24),
]

BOARDS = {
    "cost.json": ("turnout-cost", "Turnout · Cost & savings", COST_BOARD),
    "routing.json": ("turnout-routing", "Turnout · Routing", ROUTING_BOARD),
    "latency.json": ("turnout-latency", "Turnout · Latency & capacity", LATENCY_BOARD),
}


def _variable(name: str, label: str) -> dict:
    return {"name": name, "label": label, "type": "query", "datasource": DATASOURCE,
            "query": {"query": f"label_values({REQUESTS}, {name})", "refId": f"{name}-values"},
            "definition": f"label_values({REQUESTS}, {name})", "refresh": 2, "includeAll": True,
            "allValue": ".*", "multi": True, "current": {"text": ["All"], "value": ["$__all"]}, "sort": 1}


def _panel(panel: Panel, pid: int, x: int, y: int) -> dict:
    height = 5 if panel.kind == "stat" else 8
    body = {"id": pid, "type": panel.kind, "title": panel.title, "datasource": DATASOURCE,
            "gridPos": {"h": height, "w": panel.width, "x": x, "y": y},
            "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
            "targets": [{"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
                        for i, (expr, legend) in enumerate(panel.targets)],
            "options": panel.options or ({"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value"}
                                         if panel.kind in ("stat", "bargauge") else {})}
    if panel.description:
        body["description"] = panel.description
    return body


def board(uid: str, title: str, panels: list[Panel]) -> dict:
    """One dashboard: panels packed left to right in rows of 24 columns."""
    laid, x, y, row_height = [], 0, 0, 0
    for pid, panel in enumerate(panels, start=1):
        if x + panel.width > 24:
            x, y, row_height = 0, y + row_height, 0
        laid.append(_panel(panel, pid, x, y))
        x += panel.width
        row_height = max(row_height, laid[-1]["gridPos"]["h"])
    variables = [{"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
                  "current": {"text": "Prometheus", "value": "prometheus"}},
                 _variable("tenant", "Tenant"), _variable("app", "App")]
    links = [{"title": other_title, "type": "link", "url": f"/d/{other_uid}"}
             for other_uid, other_title, _ in BOARDS.values() if other_uid != uid]
    return {"uid": uid, "title": title, "tags": ["turnout"], "timezone": "browser", "editable": True,
            "schemaVersion": 39, "version": 1, "refresh": "30s", "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": variables}, "links": links, "panels": laid}


def render() -> dict[str, str]:
    """File name -> JSON text of every board."""
    return {name: json.dumps(board(uid, title, panels), indent=2, ensure_ascii=False) + "\n"
            for name, (uid, title, panels) in BOARDS.items()}


if __name__ == "__main__":
    for name, text in render().items():
        (DASHBOARDS / name).write_text(text, encoding="utf-8")
        print(f"wrote {DASHBOARDS / name}")
