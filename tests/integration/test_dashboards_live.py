"""The dashboards against a real Prometheus and a real browser.

A gateway (real llama.cpp for local, the recording fault server for cloud) serves on loopback; a real
Prometheus (Debian package, installed when missing) scrapes its /metrics every second while two
rounds of varied traffic are sent. Then every PromQL expression of every Grafana board is evaluated
through Prometheus's HTTP API and must return data, the deploy configs must parse and name only
metrics the gateway exposes, and the built-in /dashboard page, loaded in headless Chromium, must
show the numbers the traffic produced without logging a single error.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from fault_server import FaultServer
from live_traffic import ADMIN_KEY, KEY_ENV, Ledger, one_round, policy_text
from prometheus_server import Prometheus, promtool, value
from router.otel import setup_telemetry
from wiring import gateway_for, served

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
BOARDS = sorted((DEPLOY / "grafana/dashboards").glob("*.json"))
ADMIN = {"authorization": f"Bearer {ADMIN_KEY}"}
pytestmark = pytest.mark.asyncio(loop_scope="session")

# Grafana's variables as a dashboard with every tenant and app selected would send them.
GRAFANA_VARIABLES = {"$__rate_interval": "2m", "$__range": "10m", "$tenant": ".*", "$app": ".*"}
# Gauges may truly read 0 (no breaker open, nothing queued); every other panel must show traffic.
MAY_BE_ZERO = ("turnout_breaker_state", "turnout_local_queue_depth")


def grafana_expand(expr: str) -> str:
    for variable, replacement in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, replacement)
    assert "$" not in expr, f"unexpanded Grafana variable in {expr}"
    return expr


def panel_expressions() -> list[tuple[str, str, str]]:
    return [(path.name, panel["title"], target["expr"]) for path in BOARDS
            for panel in json.loads(path.read_text())["panels"] for target in panel["targets"]]


@dataclass
class Live:
    url: str
    prometheus: Prometheus
    ledger: Ledger
    before: dict[str, Any]   # /dashboard/data before the traffic (earlier tests share the process's metrics)
    after: dict[str, Any]    # /dashboard/data once Prometheus has scraped all of it
    exposition: str          # GET /metrics at the same moment


@pytest.fixture(scope="module")
def cloud_servers():
    flaky = FaultServer(mode="ok", reply_text="flaky says hello").start()
    backup = FaultServer(mode="ok", reply_text="backup says hello").start()
    yield flaky, backup
    flaky.stop()
    backup.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def live(cloud_servers, llama_engine, tmp_path_factory):
    flaky, backup = cloud_servers
    workdir = tmp_path_factory.mktemp("dashboards")
    policy = workdir / "policy.yaml"
    policy.write_text(policy_text(flaky.base_url, backup.base_url), encoding="utf-8")
    os.environ[KEY_ENV] = "dashboard-test-key"
    setup_telemetry()
    gateway = gateway_for(policy, llama_engine)
    async with served(gateway) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
        prometheus = Prometheus([url.removeprefix("http://")], workdir).start()
        try:
            await prometheus.wait_for('up{job="turnout"}', lambda r: value(r) == 1)
            before = (await http.get("/dashboard/data", headers=ADMIN)).json()
            ledger = Ledger()
            for n in (1, 2):  # two rounds, each scraped: every rate() and increase() then has a rise to show
                await one_round(http, ledger, flaky, n)
                await prometheus.wait_for("sum(turnout_requests_total)",
                                          lambda r: value(r) == before["requests"] + ledger.requests)
            await prometheus.wait_for("sum(turnout_requests_total)", lambda r: True)  # one more scrape of the last state
            await _next_scrape(prometheus)
            after = (await http.get("/dashboard/data", headers=ADMIN)).json()
            exposition = (await http.get("/metrics")).text
            yield Live(url, prometheus, ledger, before, after, exposition)
        finally:
            prometheus.stop()


async def _next_scrape(prometheus: Prometheus) -> None:
    first = value(await prometheus.query('timestamp(up{job="turnout"})'))
    await prometheus.wait_for('timestamp(up{job="turnout"})', lambda r: value(r) > first)


@pytest.mark.parametrize("board,title,expr", panel_expressions(), ids=lambda v: v if "/" not in v and len(v) < 70 else None)
async def test_every_board_expression_returns_data_from_real_prometheus(live, board, title, expr):
    result = await live.prometheus.query(grafana_expand(expr))
    assert result, f"{board} / {title}: no data for {expr}"
    # NaN is what Grafana draws as a gap: a quantile or ratio over a series with no traffic in the window
    # (models of earlier tests in this process). Every model this traffic used must have a number.
    values = {tuple(sorted(series["metric"].items())): float(series["value"][1]) for series in result}
    numbers = [v for v in values.values() if not math.isnan(v)]
    assert numbers and all(math.isfinite(v) for v in numbers), f"{board} / {title}: {result}"
    if "histogram_quantile" in expr and "by (le, model)" in expr:
        streams_only = "time_to_first_token" in expr
        used = {m for m, streamed in zip(live.ledger.models, live.ledger.streamed) if m != "none"
                and (streamed or not streams_only)}
        measured = {dict(labels).get("model") for labels, v in values.items() if not math.isnan(v)}
        assert used <= measured, f"{board} / {title}: no quantile for {used - measured}: {result}"
    if not any(metric in expr for metric in MAY_BE_ZERO):
        assert any(v > 0 for v in numbers), f"{board} / {title}: every series is 0: {result}"


async def test_prometheus_totals_add_up_to_the_traffic_sent(live):
    base = live.before
    query = live.prometheus.query
    assert value(await query("sum(turnout_requests_total)")) == base["requests"] + live.ledger.requests
    local, cloud = live.ledger.local_and_cloud
    served = await query('sum by (location) (turnout_requests_total{location=~"local|cloud"})')
    by_location = {s["metric"]["location"]: float(s["value"][1]) for s in served}
    assert by_location["local"] == base["served"]["local"] + local
    assert by_location["cloud"] == base["served"]["cloud"] + cloud
    hits = value(await query('sum(turnout_cache_lookups_total{result="hit"})'))
    assert hits == base["cache"]["hit"] + live.ledger.caches.count("hit")


async def test_the_page_agrees_with_prometheus_on_spend_and_quantiles(live):
    """Two readings of the same series, independently computed: the page (in-process registry, its
    own quantile maths) and Prometheus (scraped text, histogram_quantile)."""
    page, query = live.after, live.prometheus.query
    assert page["spend_usd"] == pytest.approx(value(await query("sum(turnout_cost_USD_total)")), rel=1e-9)
    assert page["savings_usd"] == pytest.approx(value(await query("sum(turnout_savings_USD_total)")), rel=1e-9)
    for q in ("0.5", "0.99"):
        expected = value(await query(f"histogram_quantile({q}, sum by (le) (turnout_request_duration_seconds_bucket))"))
        assert page["latency_s"]["all"][f"p{round(float(q) * 100)}"] == pytest.approx(expected, rel=1e-9)


async def test_deploy_configs_parse_with_promtool():
    tool = promtool()
    checked = subprocess.run([tool, "check", "config", str(DEPLOY / "prometheus.yml")], capture_output=True, text=True,
                             timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


async def test_boards_and_configs_name_only_metrics_the_gateway_exposes(live):
    exposed = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", live.exposition, re.M))
    texts = [path.read_text() for path in BOARDS] + [(DEPLOY / name).read_text()
                                                     for name in ("prometheus.yml", "otel-collector.yaml", "compose.yaml")]
    named = {m for text in texts for m in re.findall(r"\b((?:turnout|gen_ai)_[a-zA-Z0-9_]+)", text)}
    label_names = {"gen_ai_request_model", "gen_ai_token_type", "gen_ai_operation_name", "gen_ai_provider_name"}
    missing = sorted(m for m in named - label_names if m not in exposed)
    assert not missing, f"named in deploy/ but absent from /metrics: {missing}"


async def test_the_built_in_page_in_headless_chromium_shows_the_traffic_and_logs_no_error(live, tmp_path):
    import base64

    from chromium import chromium

    basic = "Basic " + base64.b64encode(f"ops:{ADMIN_KEY}".encode()).decode()
    async with chromium() as page:
        await page.goto(f"{live.url}/dashboard", headers={"Authorization": basic})
        await page.wait_until("document.body.dataset.updates")
        tiles = await page.evaluate("Object.fromEntries([...document.querySelectorAll('.tile')].map(t => "
                                    "[t.dataset.key, {raw: t.dataset.value, text: t.querySelector('.value').textContent}]))")
        rules = await page.evaluate("[...document.querySelectorAll('#chart-rules svg > text')].map(t => t.textContent)")
        latency_models = await page.evaluate(
            "[...document.querySelectorAll('#chart-latency svg > text[text-anchor=end]')].map(t => t.textContent)")
        donut = await page.evaluate("document.querySelector('#chart-share svg').textContent")
        shot = await page.screenshot(Path(os.environ.get("TURNOUT_ARTIFACTS", tmp_path)) / "dashboard.png")
        errors = list(page.errors)
    before, ledger = live.before, live.ledger
    requests = int(before["requests"]) + ledger.requests
    assert tiles["requests"]["text"] == f"{requests:,}"
    local, cloud = before["served"]["local"] + ledger.local_and_cloud[0], before["served"]["cloud"] + ledger.local_and_cloud[1]
    assert tiles["local_share"]["text"] == f"{100 * local / (local + cloud):.1f}%"
    assert f"local: {local:,.0f} requests" in donut and f"cloud: {cloud:,.0f} requests" in donut
    spend = value(await live.prometheus.query("sum(turnout_cost_USD_total)"))
    assert spend > 0 and float(tiles["spend"]["raw"]) == pytest.approx(spend, rel=1e-9)
    hits = before["cache"]["hit"] + ledger.caches.count("hit")
    assert float(tiles["cache_hit_ratio"]["raw"]) == pytest.approx(hits / (hits + before["cache"]["miss"]
                                                                           + ledger.caches.count("miss")))
    assert {"private", "analytics", "routine"} <= set(rules)
    assert {"local-gemma", "flaky", "backup"} <= set(latency_models)
    assert tiles["p99"]["text"].endswith("s") and float(tiles["p99"]["raw"]) >= float(tiles["p50"]["raw"]) > 0
    assert errors == [], errors
    assert shot.stat().st_size > 10_000
