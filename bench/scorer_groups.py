"""Leave-subjects-out in groups: the learned scorer trained without ~6 whole subjects, judged on them
together (as a hidden file of other subjects would be), next to prompt length.

    .venv/bin/python bench/scorer_groups.py ../shared/eval/routing/mmlu_public.jsonl bench/routing/turnout_tasks.jsonl

The first file is split into 5 groups of its sources (seeded shuffle); the other files are always in
training, with the shipped model's row weight (30) and ridge (router.scorer.L2).
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
    held_file, *extra = sys.argv[1:]
    judged = load_cases(held_file)
    always = [c for path in extra for c in load_cases(path)]
    cases = judged + always
    x = np.array([c.vector() for c in cases])
    src = np.array([c.source for c in cases])
    weight = np.array([1.0] * len(judged) + [EXTRA_WEIGHT] * len(always))
    subjects = sorted({c.source for c in judged})
    random.Random(5).shuffle(subjects)
    print("| held-out sources | prompts | weak acc | strong acc | learned APGR | length APGR | CPT(50%) | CPT(80%) |")
    print("|---|---|---|---|---|---|---|---|")
    for group in (sorted(subjects[i::5]) for i in range(5)):
        out = np.isin(src, group)
        mean, scale, w, b = _fit_model(x[~out], [c for c, o in zip(cases, out) if not o], weight[~out], L2)
        held = [c for c, o in zip(cases, out) if o]
        m = summarise(held, list(((x[out] - mean) / scale) @ w + b))
        length = summarise(held, [float(len(c.prompt or "")) for c in held])
        names = ", ".join(s.split("/")[-1] for s in group)
        print(f"| {names} | {len(held)} | {m.weak:.3f} | {m.strong:.3f} | {m.apgr:.3f} | {length.apgr:.3f} | "
              f"{m.cpt50:.0%} | {m.cpt80:.0%} |")


if __name__ == "__main__":
    main()
