"""The Grafana boards and the deploy configs, read as files: PromQL shapes that add up across
replicas, the generated JSON in sync with its generator, one metrics path, provisioning wired."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
spec = importlib.util.spec_from_file_location("grafana_boards", DEPLOY / "grafana/boards.py")
boards = sys.modules["grafana_boards"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(boards)

BOARD_FILES = sorted((DEPLOY / "grafana/dashboards").glob("*.json"))


def expressions() -> list[tuple[str, str, str]]:
    """(board file, panel title, PromQL) for every target of every panel of every board."""
    return [(path.name, panel["title"], target["expr"]) for path in BOARD_FILES
            for panel in json.loads(path.read_text())["panels"] for target in panel["targets"]]


def test_three_boards_are_committed_as_the_generator_writes_them():
    assert [p.name for p in BOARD_FILES] == ["cost.json", "latency.json", "routing.json"]
    for name, text in boards.render().items():
        assert (DEPLOY / "grafana/dashboards" / name).read_text() == text, \
            f"{name} differs from deploy/grafana/boards.py: run `python deploy/grafana/boards.py`"


def test_boards_have_the_titles_and_panels_the_issue_names():
    titles = {json.loads(p.read_text())["title"]: [x["title"] for x in json.loads(p.read_text())["panels"]]
              for p in BOARD_FILES}
    assert set(titles) == {"Turnout · Cost & savings", "Turnout · Routing", "Turnout · Latency & capacity"}
    joined = {board: " | ".join(panels).lower() for board, panels in titles.items()}
    for word in ("spend by tenant", "spend by app", "spend by model", "savings vs reference", "share served locally",
                 "kept local"):
        assert word in joined["Turnout · Cost & savings"], word
    for word in ("by rule", "by location", "by data class", "fallbacks", "refusals by reason", "cache hit ratio"):
        assert word in joined["Turnout · Routing"], word
    for word in ("time to first token p50 / p99", "request duration p50 / p99", "queue depth", "live local replicas",
                 "breaker"):
        assert word in joined["Turnout · Latency & capacity"], word


@pytest.mark.parametrize("board,title,expr", expressions(), ids=lambda v: v if len(v) < 60 else None)
def test_promql_reads_counters_by_rate_histograms_by_bucket_and_never_groups_by_instance(board, title, expr):
    assert not re.search(r"\bby \([^)]*\b(instance|job)\b", expr), f"{board}/{title}: grouped by instance/job"
    selectors = re.sub(r"\bby \([^)]*\)", "", expr)  # label names are not metrics
    for metric in re.findall(r"\b((?:turnout|gen_ai)_[a-zA-Z_]+)", selectors):
        if metric.endswith("_total") or metric.endswith("_sum") or metric.endswith("_count"):
            assert re.search(rf"(rate|increase)\({metric}\b", expr), f"{board}/{title}: counter {metric} read raw"
        elif metric.endswith("_bucket"):
            assert re.search(rf"histogram_quantile\(0\.\d+, sum by \(le\b[^)]*\) \(rate\({metric}\b", expr), \
                f"{board}/{title}: {metric} not summed by le before the quantile"
        else:  # a gauge: aggregated across replicas by the board's own labels
            assert re.search(rf"(sum|max) by \(model\) \({metric}\b", expr), f"{board}/{title}: gauge {metric}"
    if "histogram_quantile" in expr:
        assert "_bucket" in expr


def test_every_latency_panel_shows_p50_and_p99():
    latency = json.loads((DEPLOY / "grafana/dashboards/latency.json").read_text())
    for panel in latency["panels"]:
        exprs = [t["expr"] for t in panel["targets"]]
        if any("histogram_quantile" in e for e in exprs):
            assert {e.split(",")[0] for e in exprs} == {"histogram_quantile(0.5", "histogram_quantile(0.99"}, panel["title"]


def test_panels_use_the_provisioned_datasource_and_declared_variables():
    datasource = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yaml").read_text())
    uid = datasource["datasources"][0]["uid"]
    for path in BOARD_FILES:
        board = json.loads(path.read_text())
        declared = {v["name"] for v in board["templating"]["list"]}
        assert next(v for v in board["templating"]["list"] if v["name"] == "datasource")["current"]["value"] == uid
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == "${datasource}"
            for target in panel["targets"]:
                used = set(re.findall(r"\$(\w+)", target["expr"])) - {"__rate_interval", "__range"}
                assert used <= declared, f"{path.name}/{panel['title']}: undeclared {used - declared}"
        assert len({p["id"] for p in board["panels"]}) == len(board["panels"])


def test_metrics_take_one_path_so_nothing_is_counted_twice():
    prometheus = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    collector = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text())
    jobs = prometheus["scrape_configs"]
    assert [job["job_name"] for job in jobs] == ["otel-collector"], "scrape the collector only, not the gateway too"
    assert jobs[0]["honor_labels"] is True  # each replica's instance label survives the scrape
    port = collector["exporters"]["prometheus"]["endpoint"].rsplit(":", 1)[1]
    assert jobs[0]["static_configs"][0]["targets"] == [f"otel-collector:{port}"]
    pipelines = collector["service"]["pipelines"]
    assert pipelines["metrics"]["receivers"] == ["otlp"], "the collector must not scrape the gateway as well"
    assert pipelines["metrics"]["exporters"] == ["prometheus"]
    assert "traces" in pipelines and "prometheus" not in pipelines["traces"]["exporters"]
    for pipeline in pipelines.values():  # every component a pipeline names is defined
        for kind in ("receivers", "processors", "exporters"):
            for name in pipeline.get(kind, []):
                assert name in collector[kind], f"pipeline names undefined {kind[:-1]} {name}"
    assert set(collector["receivers"]["otlp"]["protocols"]) == {"http", "grpc"}


def test_compose_mounts_the_configs_and_dashboards_that_exist_and_exposes_otlp():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"redis", "otel-collector", "prometheus", "grafana"} <= set(services)
    for name, service in services.items():
        assert not service["image"].endswith(":latest") and ":" in service["image"], f"{name}: pin the image"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert (DEPLOY / source).exists(), f"{name} mounts {source}, which deploy/ lacks"
    ports = {p.split(":")[0] for p in services["otel-collector"]["ports"]}
    assert {"4317", "4318"} <= ports
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/turnout.yaml").read_text())["providers"][0]
    mounted = {v.split(":")[1]: v.split(":")[0] for v in services["grafana"]["volumes"]}
    assert (DEPLOY / mounted[provider["options"]["path"]]).resolve() == (DEPLOY / "grafana/dashboards").resolve()
    datasource = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yaml").read_text())
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
