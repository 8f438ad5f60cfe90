"""The heuristic complexity scorer, calibrated on prompts whose difficulty is not in doubt."""

from __future__ import annotations

import pytest

from router.classify.complexity import ComplexityScorer, HeuristicScorer
from router.request import ChatRequest

SCORER: ComplexityScorer = HeuristicScorer()


def score(text: str, **request):
    body = {"messages": [{"role": "user", "content": text}], **request}
    return SCORER.score(ChatRequest.model_validate(body), text)


HARD = [
    "Prove rigorously that there are infinitely many primes of the form 4k+3, explaining each step.",
    "Plan a multi-step migration of a monolith to microservices with data consistency analysis and a "
    "rollback strategy for every step.",
    "Derive the closed form of the integral of x^2 e^x and prove it by induction, step by step.",
    "Refactor this service into a distributed architecture; evaluate the trade-offs and a migration plan.",
]
ROUTINE = [
    "Translate 'good morning' to French.",
    "Summarize in one sentence: Cats sleep a lot because they conserve energy.",
    "Write a haiku about autumn.",
    "Please draft a polite reply to X about the delayed shipment.",
    "Caption this photo.",
    "Tracking number 1Z999AA10123456784 - what carrier is it?",
    "What is a good weekly workout plan?",
    "List three ideas for the internal roadmap.",
    "Version 10.0.19045.3803 of the OS: what year was it released?",
    "Now suggest three names for a cat.",
]


@pytest.mark.parametrize("text", HARD)
def test_hard_prompts_score_at_least_0_6(text):
    assert score(text).score >= 0.6


@pytest.mark.parametrize("text", ROUTINE)
def test_routine_prompts_score_below_0_3(text):
    assert score(text).score < 0.3


def test_a_long_log_is_long_but_not_complex():
    log = "The quarterly operations log records routine maintenance and supplier deliveries. " * 4000
    result = score("Find recurring themes in this log:\n" + log)
    assert 0 < result.score < 0.3
    assert any(reason.startswith("long prompt") for reason in result.reasons)


def test_words_buried_in_pasted_material_do_not_vote():
    filler = "Lorem ipsum dolor sit amet. " * 1000
    result = score("Summarise this.\n" + filler + "We must prove the theorem rigorously. " + filler)
    assert "asks for a proof" not in result.reasons


@pytest.mark.parametrize("text, reason", [
    (HARD[0], "asks for a proof"),
    (HARD[0], "mathematics"),
    (HARD[0], "multi-step reasoning"),
    (HARD[1], "code design or architecture"),
    ("```python\ndef f(x):\n    return x\n```\nWhat does this do?", "contains code"),
])
def test_reasons_are_readable(text, reason):
    assert reason in score(text).reasons


def test_planning_reason_lists_the_terms():
    assert "planning or analysis (migration, rollback)" in score("Describe the migration rollback.").reasons


@pytest.mark.parametrize("effort, delta", [("high", 0.5), ("xhigh", 0.6), ("medium", 0.15)])
def test_reasoning_effort_raises_the_score(effort, delta):
    text = "Write a short note."
    result = score(text, reasoning_effort=effort)
    assert result.score == pytest.approx(score(text).score + delta)
    assert f"reasoning_effort={effort}" in result.reasons


def test_reasoning_effort_high_alone_is_a_strong_signal():
    assert score("Which one is better?", reasoning_effort="high").score >= 0.5


def test_low_effort_lowers_but_never_below_zero():
    assert score(HARD[0], reasoning_effort="low").score < score(HARD[0]).score
    assert score("Hi.", reasoning_effort="minimal").score == 0.0


def test_many_constraints_add_up():
    constraints = "\n".join(f"- the report must cover point {i}" for i in range(8))
    result = score("Write a report.\n" + constraints)
    assert any("constraints" in reason for reason in result.reasons)
    assert 0.1 <= result.score <= 0.3


@pytest.mark.parametrize("text", HARD + ROUTINE + [""])
def test_scores_are_in_unit_interval_and_deterministic(text):
    first, second = score(text, reasoning_effort="xhigh"), score(text, reasoning_effort="xhigh")
    assert first == second and 0.0 <= first.score <= 1.0
