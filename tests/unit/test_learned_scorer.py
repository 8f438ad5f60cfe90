"""The learned complexity scorer: the shipped model, its scores and reasons, model files and the policy's
`complexity:` section."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import pytest

from router.classify import features
from router.classify.complexity import HeuristicScorer
from router.classify.learned import LearnedScorer, ScorerModelError, load_model
from router.policy import PolicyError
from router.policy_loader import compile_policy, load_policy
from router.request import ChatRequest

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO / "policies" / "default.yaml"
SCORER = LearnedScorer(load_model())


def score(text: str, **request):
    body = {"messages": [{"role": "user", "content": text}], **request}
    return SCORER.score(ChatRequest.model_validate(body), text)


def heavy_threshold() -> float:
    spec = load_policy(DEFAULT).spec
    return next(r.when.complexity_at_least for r in spec.rules if r.id == "heavy-reasoning")


# The issue's examples: both stayed on the 270M local model under the heuristic (0.30 and 0.45).
ISSUE_HEAVY = [
    "Design a sharded, multi-region rate limiter with exactly-once accounting; compare three designs and "
    "justify the trade-offs",
    "Give a rigorous proof that every bounded monotone sequence of real numbers converges.",
]
ROUTINE = [
    "Translate 'good morning' to French.",
    "Write a haiku about autumn.",
    "Please draft a polite reply to X about the delayed shipment.",
    "Caption this photo.",
    "Now suggest three names for a cat.",
]


@pytest.mark.parametrize("text", ISSUE_HEAVY)
def test_design_and_proof_requests_score_above_the_default_heavy_threshold(text):
    assert score(text).score >= heavy_threshold()


@pytest.mark.parametrize("text", ROUTINE)
def test_routine_requests_score_below_the_default_heavy_threshold(text):
    assert score(text).score < heavy_threshold()


NOTE = ("The quarterly town hall moved to the big meeting room on the third floor. Coffee and pastries will be "
        "served from half past eight, and the talks start at nine sharp. Priya will open with the sales figures, "
        "then Tom walks through the office move planned for the spring, and the afternoon is kept free for team "
        "outings. Please bring your badge, as the new doors only open with it, and tell reception by Thursday if "
        "you need a parking space or have any dietary wishes for lunch. Slides will be shared afterwards.")


@pytest.mark.parametrize("instruction", ["Translate this into German: ",
                                         "Write a short summary of this for the team chat:\n"])
def test_pasted_material_after_a_routine_instruction_stays_below_the_heavy_threshold(instruction):
    """The ask is the instruction: 600 characters of pasted note do not make a translation heavy."""
    assert len(NOTE) > 500 and score(instruction + NOTE).score < heavy_threshold()
    asked = features.extract(instruction + NOTE)[features.FEATURES.index("log_ask_chars")]
    assert asked <= math.log1p(len(instruction)) < features.extract(NOTE)[features.FEATURES.index("log_ask_chars")]


@pytest.mark.parametrize("text", ["\n\n" + NOTE, "\n" + NOTE + "\nThanks", "Note: " + NOTE])
def test_a_text_that_heads_itself_is_all_ask(text):
    """Leading blank lines or a one-word heading are not an instruction followed by material."""
    assert features.extract(text)[features.FEATURES.index("log_ask_chars")] == pytest.approx(math.log1p(len(text)))


def test_long_answer_options_are_measured():
    prompt = "Which is right?\nA. " + "x" * 40 + "\nB. " + "y" * 20 + "\nC. no\nD. yes\nAnswer:"
    vector = features.extract(prompt)
    assert vector[features.FEATURES.index("log_option_chars")] == pytest.approx(math.log1p((40 + 20 + 2 + 3) / 4))


def test_a_multi_step_word_problem_outranks_a_one_step_one():
    one = "Tom has 5 apples and eats 2. How many are left?"
    many = ("A shop sells shirts at $18 each and trousers at $42. In March it sold 120 shirts and 3/4 as many "
            "trousers, then raised both prices by 15% for April, when it sold 20% fewer of each. How much more "
            "or less money did it take in April than in March?")
    assert score(many).score > score(one).score


def test_generated_multi_step_word_problems_clear_the_heavy_threshold_more_often_than_one_step_ones():
    """Problems from a seed the shipped model was not trained on (training used seed 7)."""
    import sys

    sys.path.insert(0, str(REPO / "bench" / "routing"))
    from math_problems import generate

    rows = generate(11, 20)
    threshold = heavy_threshold()
    heavy = {"one": [], "multi": []}
    for row in rows:
        heavy[row["source"].split("/")[1]].append(score(row["prompt"]).score >= threshold)
    one, multi = (sum(v) / len(v) for v in (heavy["one"], heavy["multi"]))
    assert multi >= 0.95 and one <= 0.5 and multi - one >= 0.5, (one, multi)


@pytest.mark.parametrize("text", ["What is 7 times 8?", "Calculate 12 plus 9.", "What is 45 * 3?"])
def test_bare_one_step_arithmetic_stays_below_the_heavy_threshold(text):
    assert score(text).score < heavy_threshold()


def test_scores_are_probabilities_and_pure():
    for text in ISSUE_HEAVY + ROUTINE + ["", "?" * 10_000, "1 + 1 = " * 5_000]:
        first = score(text)
        assert 0.0 <= first.score <= 1.0
        assert score(text) == first


def test_reasons_name_what_the_prompt_has():
    proof = score(ISSUE_HEAVY[1])
    assert "asks for a proof" in proof.reasons
    assert 1 <= len(proof.reasons) <= 3
    assert "system design" in score(ISSUE_HEAVY[0]).reasons
    assert score("Translate 'good morning' to French.").reasons == ()  # nothing in it argues for the cloud


@pytest.mark.parametrize("effort", ["high", "xhigh"])
def test_reasoning_effort_raises_the_score_and_says_so(effort):
    plain, raised = score("Write a short note."), score("Write a short note.", reasoning_effort=effort)
    assert raised.score > plain.score + 0.3
    assert f"reasoning_effort={effort}" in raised.reasons


def test_words_buried_in_pasted_material_do_not_vote():
    filler = "Lorem ipsum dolor sit amet. " * 1000
    buried = score("Summarise this.\n" + filler + "Prove the theorem rigorously by induction. " + filler)
    assert "asks for a proof" not in buried.reasons


def test_the_profile_carries_the_feature_vector_for_feedback():
    result = score("Prove that 17 is prime.")
    assert len(result.features) == len(features.FEATURES)
    assert list(result.features) == features.extract("Prove that 17 is prime.")


def test_the_shipped_model_records_its_provenance():
    model = load_model()
    provenance = model.provenance
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", provenance["trained"])
    files = {f["file"]: f for f in provenance["files"]}
    assert files["mmlu_public.jsonl"]["rows"] == 7655
    tasks = REPO / "bench" / "routing" / "turnout_tasks.jsonl"
    assert files["turnout_tasks.jsonl"]["sha256"] == hashlib.sha256(tasks.read_bytes()).hexdigest()
    assert all(len(f["sha256"]) == 64 for f in files.values())
    held_out = provenance["held_out"]
    assert {"mmlu/abstract_algebra", "turnout/tasks"} <= set(held_out)
    assert all({"prompts", "apgr", "cpt50", "cpt80"} <= set(row) for row in held_out.values())
    assert files["math_judged.jsonl"]["rows"] == 240
    assert {"math/judged-a", "math/judged-b"} <= set(held_out)
    assert (REPO / "router" / "classify" / "models" / "complexity-v6.json").stat().st_size < 64 * 1024


@pytest.fixture
def model_json() -> dict:
    return load_model().to_json()


@pytest.mark.parametrize("breakage, message", [
    (lambda d: d.update(format="something-else"), "not a Turnout scorer model"),
    (lambda d: d.update(format_version=99), "format_version 99"),
    (lambda d: d.update(features_version=0), "retrain it with `turnout scorer train`"),
    (lambda d: d["features"].reverse(), "features: not the 55 features of version 5 in their order"),
    (lambda d: d["weights"].pop(), "weights: expected a list of"),
    (lambda d: d["scale"].__setitem__(0, 0.0), "scale: every entry must be > 0"),
    (lambda d: d.update(bias="high"), "bias: expected a number"),
])
def test_a_broken_model_file_is_refused_naming_file_and_field(tmp_path, model_json, breakage, message):
    breakage(model_json)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model_json))
    with pytest.raises(ScorerModelError, match=re.escape(message)) as caught:
        load_model(path)
    assert str(path) in str(caught.value)


def test_unreadable_and_invalid_json_model_files_are_located(tmp_path):
    with pytest.raises(ScorerModelError, match="cannot read scorer model"):
        load_model(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": \n  oops}')
    with pytest.raises(ScorerModelError, match=re.escape(f"{bad}:2:3: invalid JSON")):
        load_model(bad)


def policy_with(complexity: str, defaults: str = "") -> str:
    text = DEFAULT.read_text(encoding="utf-8")
    text = re.sub(r"complexity:\n  scorer: learned[^\n]*\n", complexity, text)
    return text.replace("  reference_model: cloud-flagship", defaults or "  reference_model: cloud-flagship")


def test_the_default_policy_scores_with_the_shipped_learned_model():
    assert isinstance(load_policy(DEFAULT).classifier.scorer, LearnedScorer)


def test_policy_can_keep_the_heuristic():
    compiled = compile_policy(policy_with("complexity: {scorer: heuristic}\n"), "p.yaml")
    assert isinstance(compiled.classifier.scorer, HeuristicScorer)


def test_policy_names_a_model_file_relative_to_itself(tmp_path, model_json):
    model_json["name"] = "retrained"
    (tmp_path / "scorer.json").write_text(json.dumps(model_json))
    path = tmp_path / "policy.yaml"
    path.write_text(policy_with("complexity: {scorer: learned, model: scorer.json}\n"))
    assert load_policy(path).classifier.scorer.model.name == "retrained"


def test_a_bad_model_path_is_a_located_policy_error(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(policy_with("complexity:\n  scorer: learned\n  model: nowhere.json\n"))
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: complexity\.model: .*nowhere\.json: cannot read scorer model",
                    message), message


@pytest.mark.parametrize("complexity, defaults, message", [
    ("complexity: {scorer: heuristic, model: x.json}\n", "",
     "complexity.model: a model file applies only to scorer: learned"),
    ("complexity: {scorer: clever}\n", "", "complexity.scorer:"),
    ("", "  reference_model: gpt-9", "accounting.reference_model: unknown model 'gpt-9'"),
    ("", "  reference_model: local-smollm2", "accounting.reference_model: 'local-smollm2' is a local model"),
])
def test_complexity_and_reference_mistakes_are_located(complexity, defaults, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        compile_policy(policy_with(complexity, defaults), "p.yaml")


def test_the_old_place_of_the_reference_model_is_a_located_error_naming_the_new_one():
    text = DEFAULT.read_text(encoding="utf-8").replace("defaults:\n", "defaults:\n  reference_model: cloud-flagship\n", 1)
    with pytest.raises(PolicyError) as caught:
        compile_policy(text, "p.yaml")
    message = str(caught.value)
    assert re.search(r"p\.yaml:\d+:\d+: defaults\.reference_model: .*moved.*accounting: \{reference_model: "
                     r"cloud-flagship\}", message), message


def test_a_model_of_the_previous_features_version_is_refused_naming_both_versions(tmp_path):
    data = load_model().to_json() | {"features_version": features.VERSION - 1}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ScorerModelError, match=f"version {features.VERSION - 1}, this Turnout computes version "
                                               f"{features.VERSION}"):
        load_model(path)


def test_stored_feedback_of_the_previous_features_version_is_featurised_again_from_its_prompt(tmp_path):
    from router.scorer import load_cases

    prompt = "Threat-model our badge readers: the attacks and a mitigation for each."
    path = tmp_path / "feedback.jsonl"
    path.write_text(json.dumps({"prompt": prompt, "features": [0.0] * 45, "features_version": features.VERSION - 1,
                                "weak_correct": False, "strong_correct": True}) + "\n", encoding="utf-8")
    (case,) = load_cases(path)
    assert case.vector() == features.extract(prompt)
