"""Leave-subjects-out in groups: the learned scorer trained without ~6 whole subjects, judged on them
together (as a hidden file of other subjects would be), next to prompt length, random and the oracle
(the best any router can do: above 1 where the weak model is right and the strong one wrong); then each
extra file held out whole (another kind of task: trained on everything else, judged on it).

    .venv/bin/python bench/scorer_groups.py ../shared/eval/routing/mmlu_public.jsonl \
        bench/routing/turnout_tasks.jsonl=30 bench/routing/math_judged.jsonl=20 \
        bench/routing/mtbench_style.jsonl=30

(the files and weights the shipped model was trained on). The model is the ranking `turnout scorer
train` fits (router.scorer._fit_model, ridge router.scorer.L2); its Platt scaling is monotone, so APGR
is the same with it.

The first file is split into 5 groups of its sources (seeded shuffle); the other files (`FILE=WEIGHT`,
weight 30 when omitted) are always in training when a group is held out. "pooled" is APGR over every
group's held-out predictions together (a score must rank across subjects, not only within one).

An extra file with 4 or more sources (bench/routing/mtbench_style.jsonl: one per category) is also held
out in 4 groups of its sources (seeded shuffle), trained on everything else including the file's other
groups, and pooled; its "whole file" row is the strictest: a model that never saw the file.

`--test FILE` (repeatable) names a test file that is never trained on in any fold
(bench/routing/unseen_kinds.jsonl): it is scored once by the model fitted on every other file.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from router.scorer import L2, _fit_model, load_cases, summarise  # noqa: E402

EXTRA_WEIGHT = 30.0


def main() -> None:
    args, tests = sys.argv[1:], []
    while "--test" in args:
        at = args.index("--test")
        tests.append(args[at + 1])
        del args[at:at + 2]
    held_file, *extra = args
    judged = load_cases(held_file)
    files = [(spec.rpartition("=")[0] or spec, float(spec.rpartition("=")[2]) if "=" in spec else EXTRA_WEIGHT)
             for spec in extra]
    extra_cases = [(path, load_cases(path), weight) for path, weight in files]
    cases = judged + [c for _, cs, _ in extra_cases for c in cs]
    x = np.array([c.vector() for c in cases])
    src = np.array([c.source for c in cases])
    origin = np.array([0] * len(judged) + [i + 1 for i, (_, cs, _) in enumerate(extra_cases) for _ in cs])
    weight = np.array([1.0] * len(judged) + [w for _, cs, w in extra_cases for _ in cs])
    length = np.array([float(len(c.prompt or "")) for c in cases])
    rnd = random.Random(1)
    noise = np.array([rnd.random() for _ in cases])
    oracle = np.array([float(c.strong_correct) - float(c.weak_correct) for c in cases])  # the best any router can do

    def fit_predict(out: np.ndarray) -> np.ndarray:
        mean, scale, w, b = _fit_model(x[~out], [c for c, o in zip(cases, out) if not o], weight[~out], L2)
        return ((x[out] - mean) / scale) @ w + b

    def row(name: str, out: np.ndarray, score: np.ndarray) -> None:
        held = [c for c, o in zip(cases, out) if o]
        m, lm, rm, om = (summarise(held, list(s)) for s in (score, length[out], noise[out], oracle[out]))
        print(f"| {name} | {len(held)} | {m.weak:.3f} | {m.strong:.3f} | **{m.apgr:.3f}** | {lm.apgr:.3f} | "
              f"{rm.apgr:.3f} | {om.apgr:.3f} | {m.cpt50:.0%} | {m.cpt80:.0%} |")

    def groups(sources: set[str], k: int) -> list[list[str]]:
        ordered = sorted(sources)
        random.Random(5).shuffle(ordered)
        return [sorted(ordered[i::k]) for i in range(k)]

    print("| held out | prompts | weak acc | strong acc | learned APGR | length APGR | random APGR | oracle APGR "
          "| CPT(50%) | CPT(80%) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    pooled = np.zeros(len(cases))
    for group in groups({c.source for c in judged}, 5):
        out = np.isin(src, group)
        pooled[out] = fit_predict(out)
        row(", ".join(s.split("/")[-1] for s in group), out, pooled[out])
    first = origin == 0
    row(f"**{Path(held_file).name}, 5 groups pooled**", first, pooled[first])
    for i, (path, file_cases, _) in enumerate(extra_cases, 1):
        out = origin == i
        row(f"{Path(path).name} (whole file)", out, fit_predict(out))
        if len({c.source for c in file_cases}) >= 4:
            for group in groups({c.source for c in file_cases}, 4):
                part = np.isin(src, group)
                pooled[part] = fit_predict(part)
                row(", ".join(s.split("/")[-1] for s in group), part, pooled[part])
            row(f"**{Path(path).name}, 4 groups pooled**", out, pooled[out])
    mean, scale, w, b = _fit_model(x, cases, weight, L2)
    for path in tests:
        test = load_cases(path)
        score = ((np.array([c.vector() for c in test]) - mean) / scale) @ w + b
        test_rnd = random.Random(1)
        m, lm, rm, om = (summarise(test, list(s)) for s in (
            score, [float(len(c.prompt or "")) for c in test], [test_rnd.random() for _ in test],
            [float(c.strong_correct) - float(c.weak_correct) for c in test]))
        print(f"| {Path(path).name} (test: never trained on) | {len(test)} | {m.weak:.3f} | {m.strong:.3f} | "
              f"**{m.apgr:.3f}** | {lm.apgr:.3f} | {rm.apgr:.3f} | {om.apgr:.3f} | {m.cpt50:.0%} | {m.cpt80:.0%} |")


if __name__ == "__main__":
    main()
