"""`turnout scorer train`, `turnout scorer eval` and `turnout simulate`: what they print, write and refuse."""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

import pytest

from router.classify.learned import load_model
from router.cli import main
from router.scorer import Case, summarise

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO / "policies" / "default.yaml"


def write_cases(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def synthetic(source: str, n: int, seed: int) -> list[dict]:
    """Arithmetic with many quantities defeats the weak model; plain prose does not (with 10% noise)."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        hard = i % 2 == 0
        if hard:
            numbers = [rnd.randint(2, 999) for _ in range(rnd.randint(4, 8))]
            prompt = ("A depot ships " + ", then ".join(f"{x} crates at ${rnd.randint(2, 90)} each" for x in numbers)
                      + ". What is the total cost, in dollars?")
        else:
            prompt = rnd.choice(["Write a friendly note to the team.", "Summarise the meeting in a sentence.",
                                 "Suggest a name for the new cafe.", "Translate 'thank you' into Italian."])
        weak = (not hard) if rnd.random() > 0.1 else hard
        rows.append({"id": f"{source}-{i}", "source": source, "prompt": prompt, "weak_correct": weak,
                     "strong_correct": True})
    return rows


@pytest.fixture
def cases(tmp_path) -> tuple[Path, Path]:
    first = write_cases(tmp_path / "a.jsonl", synthetic("shop/a", 60, 1) + synthetic("shop/b", 60, 2))
    second = write_cases(tmp_path / "c.jsonl", synthetic("shop/c", 60, 3))
    return first, second


def test_summarise_is_apgr_py_rule():
    four = [Case(str(i), "s", "p", weak, True) for i, weak in enumerate([False, False, True, True])]
    best = summarise(four, [4, 3, 2, 1])
    assert (best.weak, best.strong) == (0.5, 1.0)
    assert best.apgr == pytest.approx(0.7) and (best.cpt50, best.cpt80) == (0.25, 0.5)
    worst = summarise(four, [1, 2, 3, 4])
    assert worst.apgr == pytest.approx(0.3) and (worst.cpt50, worst.cpt80) == (0.75, 1.0)


def test_train_prints_the_leave_one_source_out_table_and_writes_a_model(tmp_path, cases, capsys):
    out = tmp_path / "scorer.json"
    assert main(["scorer", "train", str(cases[0]), str(cases[1]), "-o", str(out),
                 "--weight", f"{cases[1]}=2"]) == 0
    printed = capsys.readouterr().out
    rows = {m.group(1): float(m.group(2)) for m in re.finditer(r"^\| (shop/\w) \| 60 \| [\d.]+ \| [\d.]+ \| ([\d.-]+) \|",
                                                                printed, re.MULTILINE)}
    assert set(rows) == {"shop/a", "shop/b", "shop/c"}
    assert all(apgr > 0.65 for apgr in rows.values()), printed  # each source scored by a model that never saw it
    assert "(every held-out prediction)" in printed
    model = load_model(out)
    assert model.name == "scorer"
    files = model.provenance["files"]
    assert [(f["file"], f["rows"], f["sources"], f["row_weight"]) for f in files] == [
        ("a.jsonl", 120, 2, 1.0), ("c.jsonl", 60, 1, 2.0)]
    assert files[0]["sha256"] == hashlib.sha256(cases[0].read_bytes()).hexdigest()
    assert model.provenance["held_out"]["shop/a"]["prompts"] == 60


def test_eval_prints_apgr_against_baselines_and_gates_on_min(tmp_path, cases, capsys):
    out = tmp_path / "scorer.json"
    assert main(["scorer", "train", str(cases[0]), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["scorer", "eval", "--model", str(out), str(cases[1]), "--min", "0.6"]) == 0
    printed = capsys.readouterr().out
    routers = [line.split(" | ")[4] for line in printed.splitlines() if line.startswith("| c.jsonl")]
    assert routers == ["turnout learned (scorer)", "random", "prompt length", "oracle"]
    assert main(["scorer", "eval", "--model", str(out), str(cases[1]), "--min", "0.99"]) == 1
    assert main(["scorer", "eval", "--heuristic", str(cases[1])]) == 0
    assert "turnout heuristic" in capsys.readouterr().out


@pytest.mark.parametrize("lines, message", [
    (['{"prompt": "x", "weak_correct": true, "strong_correct": true}', "{oops"], r"bad\.jsonl:2:2: invalid JSON"),
    (['{"prompt": "x", "weak_correct": "yes", "strong_correct": true}'], r"bad\.jsonl:1: 'weak_correct' must be true or false"),
    (['{"weak_correct": true, "strong_correct": true}'], r"bad\.jsonl:1: give 'prompt'"),
    (['{"features": [1, 2], "features_version": 1, "weak_correct": true, "strong_correct": true}'],
     r"bad\.jsonl:1: 'features' must be \d+ numbers"),
])
def test_malformed_cases_are_refused_with_file_and_line(tmp_path, capsys, lines, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    assert main(["scorer", "train", str(bad), "-o", str(tmp_path / "m.json")]) == 1
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "m.json").exists()


def test_train_needs_two_sources_and_known_weight_files(tmp_path, capsys):
    one = write_cases(tmp_path / "one.jsonl", synthetic("only", 20, 1))
    assert main(["scorer", "train", str(one), "-o", str(tmp_path / "m.json")]) == 1
    assert "holds out whole sources, so it needs at least two" in capsys.readouterr().err
    assert main(["scorer", "train", str(one), "-o", str(tmp_path / "m.json"), "--weight", "other.jsonl=3"]) == 1
    assert "--weight names other.jsonl" in capsys.readouterr().err
    assert main(["scorer", "eval", "--model", str(tmp_path / "nope.json"), str(one)]) == 1
    assert "nope.json: cannot read scorer model" in capsys.readouterr().err


def traffic(tmp_path: Path) -> Path:
    rows = [
        {"prompt": "Prove rigorously that the square root of 2 is irrational, justifying every step.",
         "weak_correct": False, "strong_correct": True},
        {"prompt": "Translate 'good night' into German.", "weak_correct": True, "strong_correct": True},
        {"headers": {}, "body": {"model": "auto", "messages": [{"role": "user", "content": "Write a haiku."}]},
         "outcome": {"local": True, "cloud": True}},
        {"headers": {}, "body": {"model": "auto", "messages": [
            {"role": "user", "content": "Reply to maria.keller@example-mail.de about the invoice."}]}},
        {"headers": {}, "body": {"model": "auto", "messages": "not a list"}},
    ]
    return write_cases(tmp_path / "traffic.jsonl", rows)


def test_simulate_prices_the_policy_and_traces_the_threshold_curve(tmp_path, capsys):
    assert main(["simulate", "--policy", str(DEFAULT), str(traffic(tmp_path))]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "all-cloud reference: cloud-flagship" in out
    summary = next(line for line in out.splitlines() if line.startswith("| 4 |"))
    cells = [c.strip() for c in summary.strip("|").split("|")]
    # proof -> cloud; translation, haiku and the private reply stay local; quality over the 3 labelled
    assert cells[1:4] == ["75.0%", "1", "0"]
    assert cells[8] == "1.000 (3)"
    assert float(cells[7].rstrip("%")) < 100
    assert "| heavy-reasoning | 1 |" in out and "| private-stays-local | 1 |" in out and "| routine | 2 |" in out
    curve = [line for line in out.splitlines() if re.match(r"^\| [01]\.\d\d \|", line)]
    assert len(curve) == 21
    assert curve[0].split(" | ")[1] == "25.0%"  # threshold 0: everything that may leave goes to the cloud
    assert curve[-1].split(" | ")[1] == "100.0%"  # threshold 1: nothing does
    assert "traffic.jsonl:5: messages" in captured.err  # a line that cannot be classified is named, not fatal


def test_simulate_refuses_a_traffic_file_it_cannot_read(tmp_path, capsys):
    assert main(["simulate", "--policy", str(DEFAULT), str(tmp_path / "none.jsonl")]) == 1
    assert "none.jsonl: cannot read" in capsys.readouterr().err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"prompt": "x"}\n[1,\n')
    assert main(["simulate", "--policy", str(DEFAULT), str(broken)]) == 1
    assert "broken.jsonl:2:" in capsys.readouterr().err


def test_train_calibrates_to_fails_where_the_strong_model_succeeds(tmp_path):
    """Ranked on "the weak model fails", the probability is of the target: on hard prompts the weak model
    always fails and the strong one succeeds half the time, so a hard prompt scores about 0.5, not 1."""
    from router.classify.learned import LearnedScorer
    from router.request import ChatRequest
    from router.scorer import train

    rows = []
    for source, seed in (("shop/a", 1), ("shop/b", 2), ("shop/c", 3)):
        for i, row in enumerate(synthetic(source, 80, seed)):
            hard = i % 2 == 0
            rows.append({**row, "weak_correct": not hard, "strong_correct": not hard or i % 4 == 0})
    model = train([write_cases(tmp_path / "cases.jsonl", rows)]).model
    scorer = LearnedScorer(model)
    scores = {True: [], False: []}
    for i, row in enumerate(rows):
        request = ChatRequest.model_validate({"messages": [{"role": "user", "content": row["prompt"]}]})
        scores[i % 2 == 0].append(scorer.score(request, row["prompt"]).score)
    hard, easy = (sum(v) / len(v) for v in (scores[True], scores[False]))
    assert 0.35 < hard < 0.65 and easy < 0.15, (hard, easy)


def test_task_features_keep_the_side_their_names_say(tmp_path):
    """A family that says "work" never pulls a score down, one that says "routine" never pushes it up: here
    the proof words sit only in easy prompts, so an unconstrained fit would make them say "easy"."""
    from router.classify import features
    from router.classify.learned import load_model
    from router.scorer import ROUTINE_TASK_FEATURES, TASK_FEATURES, train

    rows = synthetic("shop/a", 80, 1) + synthetic("shop/b", 80, 2)
    for row in rows:
        if row["weak_correct"]:
            row["prompt"] += " Prove it rigorously."
    for model in (train([write_cases(tmp_path / "cases.jsonl", rows)]).model, load_model()):
        weight = dict(zip(features.FEATURES, model.weights))
        assert all(weight[name] <= 0 for name in ROUTINE_TASK_FEATURES), model.name
        assert all(weight[name] >= 0 for name in TASK_FEATURES if name not in ROUTINE_TASK_FEATURES), model.name
    assert dict(zip(features.FEATURES, train([tmp_path / "cases.jsonl"]).model.weights))["lex_proof"] == 0
