"""decide under a Constraint (the budget reroute's `allowed_locations`): the excluded models are
candidates that say why, the chain never holds one, and privacy still filters first."""

from __future__ import annotations

import pytest

from router.decide import Constraint, decide
from router.errors import Unroutable
from router.pipeline import plan
from router.policy_loader import compile_policy

POLICY = """
version: 1
models:
  - {id: local, kind: llamacpp, package: p, n_ctx: 4096}
  - {id: cloud, kind: litellm, model: openai/c, api_base: "http://c.invalid", context_tokens: 8192}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local]
  - id: default
    route: [cloud]
    fallbacks: [local]
"""
LOCAL_ONLY = Constraint(frozenset({"local"}), "tenant 't' daily budget of 1.00 USD is exhausted")


@pytest.fixture(scope="module")
def policy():
    return compile_policy(POLICY, "p.yaml")


def profile(policy, content: str = "Say hi.", model: str = "auto"):
    return plan(policy, {"model": model, "messages": [{"role": "user", "content": content}]}, {})[1].profile


def test_without_a_constraint_the_rule_order_stands(policy) -> None:
    assert decide(profile(policy), policy).chain == ("cloud", "local")


def test_a_location_constraint_leaves_only_allowed_models_and_says_why(policy) -> None:
    decision = decide(profile(policy), policy, None, LOCAL_ONLY)
    assert (decision.model, decision.chain, decision.rule) == ("local", ("local",), "default")
    cloud = next(c for c in decision.candidates if c.model == "cloud")
    assert not cloud.eligible and cloud.reason == f"cloud models excluded: {LOCAL_ONLY.why}"


def test_a_constraint_never_widens_what_privacy_allows(policy) -> None:
    anywhere = Constraint(frozenset({"local", "cloud"}), "no limit")
    decision = decide(profile(policy, "Mail maria.keller@example-mail.de the invoice."), policy, None, anywhere)
    assert decision.chain == ("local",)


def test_a_pinned_model_the_constraint_excludes_is_refused(policy) -> None:
    decision = decide(profile(policy, model="cloud"), policy, None, LOCAL_ONLY)
    assert isinstance(decision.error, Unroutable) and "cloud models excluded" in decision.error.message
