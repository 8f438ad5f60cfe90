"""Training and judging the complexity scorer on labelled outcomes: `turnout scorer train` and `eval`.

A case is one line `{"id", "source", "prompt", "weak_correct", "strong_correct"}` (the format of
`../shared/eval/routing/`): whether a weak (local-class) model and a strong (flagship) model answered
the prompt correctly. `source` groups cases (an MMLU subject, a kind of task); generalisation is
judged by holding out whole sources, never random rows of the same source.

Routing quality is scored exactly as `apgr.py` does: send the top-scored share of prompts to the strong
model and average the share of the weak->strong gap recovered over all shares (APGR); CPT(x) is the
strong-call share needed to recover x of the gap. Ties are broken by a seeded shuffle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from router.classify import features
from router.classify.learned import ScorerModel
from router.request import ChatRequest

# Ridge on standardised features, chosen by held-out APGR (bench/scorer_groups.py: MMLU subjects held out
# in groups, each extra file held out whole, the MT-bench-style file also by groups of categories): 100
# fitted MMLU's subjects and lost to prompt length held out; 1000-10000 beat it on every split.
L2 = 3000.0
# The length of the ask is not penalised: length is the signal that generalises to other kinds of task,
# so the model keeps it at full strength and the rest only adjusts it. Penalising it too scored a little
# better on the task files held out (MT-bench-style 0.715 vs 0.698) but let total length take its place,
# and a routine instruction over a pasted note then scored heavy.
UNPENALISED: tuple[str, ...] = ("log_ask_chars",)
# What a task is (a program, an algorithm, output under a schema, premises to deduce from, a part to play,
# routine writing): near zero on MMLU, so they cannot fit its subjects, and the held-out categories of
# bench/routing/mtbench_style.jsonl need them at more than L2's strength (30, 100 and 300 held out within
# 0.005 of each other, all above L2 itself).
TASK_FEATURES = ("log_code_syntax", "big_o", "code_block", "lex_code", "lex_algorithm", "lex_structured",
                 "lex_deduction", "lex_roleplay", "lex_routine_writing", "lex_proof", "lex_design",
                 "lex_heavy_verbs", "lex_form_rules", "lex_evaluation", "lex_security", "lex_legal_analysis",
                 "lex_estimation", "lex_research", "lex_data_analysis", "lex_strategy", "lex_routine_edit")
# Each of those families says which way it points: these three say "routine", the rest "work". A weight that
# comes out the other way is fitted on the few training rows where a family fires (with task_kinds.jsonl
# held out, lex_research and lex_legal_analysis fired almost only on noise and pulled heavy asks down), so
# it is set to zero and the rest refitted, until every weight points its way (bench/README "Signs").
ROUTINE_TASK_FEATURES = ("lex_roleplay", "lex_routine_writing", "lex_routine_edit")
# lex_reshape (extract, convert, format) stays under L2: at 100 it learned "extract one value is routine"
# from bench/routing/task_kinds.jsonl and pulled MT-bench-style's multi-field extractions down with it.
L2_TASK = 100.0
POOLED = "(every held-out prediction)"


class CasesError(ValueError):
    """A cases file that cannot be read; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled prompt. `features` instead of `prompt` for feedback on private requests (whose text
    is never stored): the vector `router.classify.features.extract` computed when it was served."""

    id: str
    source: str
    prompt: str | None
    weak_correct: bool
    strong_correct: bool
    features: tuple[float, ...] | None = None

    def vector(self) -> list[float]:
        return list(self.features) if self.features is not None else features.extract(self.prompt or "")


def jsonl_rows(path: str | Path, error: type[ValueError]) -> Iterator[tuple[int, Any]]:
    """(line number, decoded value) of every non-blank line of a JSONL file; `error` naming `path` (and
    `path:line:column` for invalid JSON) when the file cannot be read or a line is not JSON."""
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")  # not splitlines: prompts may hold U+2028
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: cannot read: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{number}:{exc.colno}: invalid JSON: {exc.msg}") from None
        except RecursionError:
            raise error(f"{path}:{number}: invalid JSON: arrays or objects nest too deeply") from None


def load_cases(path: str | Path) -> list[Case]:
    """Every case of a JSONL file. CasesError naming `path:line` for unreadable or malformed lines."""
    cases = []
    for number, row in jsonl_rows(path, CasesError):
        if not isinstance(row, dict):
            raise CasesError(f"{path}:{number}: expected an object with prompt, weak_correct, strong_correct")
        prompt, vector = row.get("prompt"), row.get("features")
        if prompt is not None and not isinstance(prompt, str):
            raise CasesError(f"{path}:{number}: 'prompt' must be a string")
        if vector is not None and row.get("features_version") != features.VERSION and prompt is not None:
            vector = None  # features of another version: computed again from the text
        if vector is not None:
            if row.get("features_version") != features.VERSION or not (
                    isinstance(vector, list) and len(vector) == len(features.FEATURES)
                    and all(isinstance(v, (int, float)) for v in vector)):
                raise CasesError(f"{path}:{number}: 'features' must be {len(features.FEATURES)} numbers of "
                                 f"features_version {features.VERSION} (found version {row.get('features_version')!r})")
            vector = tuple(float(v) for v in vector)
        elif prompt is None:
            raise CasesError(f"{path}:{number}: give 'prompt' (or 'features' for a private request)")
        for key in ("weak_correct", "strong_correct"):
            if not isinstance(row.get(key), bool):
                raise CasesError(f"{path}:{number}: {key!r} must be true or false, found {row.get(key)!r}")
        cases.append(Case(str(row.get("id", f"{Path(path).name}:{number}")), str(row.get("source") or "?"),
                          prompt, row["weak_correct"], row["strong_correct"], vector))
    if not cases:
        raise CasesError(f"{path}: no cases")
    return cases


@dataclass(frozen=True, slots=True)
class Summary:
    weak: float
    strong: float
    apgr: float
    cpt50: float
    cpt80: float


def summarise(cases: Sequence[Case], score: Sequence[float]) -> Summary:
    """weak accuracy, strong accuracy, APGR, CPT(50%), CPT(80%): the rule of apgr.py, ties seeded."""
    rnd = random.Random(0)
    order = sorted(range(len(cases)), key=lambda i: (-score[i], rnd.random()))
    n = len(cases)
    weak = sum(c.weak_correct for c in cases) / n
    strong = sum(c.strong_correct for c in cases) / n
    gap = (strong - weak) or float("nan")  # no gap to recover: APGR is undefined
    acc, pgr = weak * n, [0.0]
    for i in order:
        acc += cases[i].strong_correct - cases[i].weak_correct
        pgr.append((acc / n - weak) / gap)

    def cpt(x: float) -> float:
        return next((k / n for k, p in enumerate(pgr) if p >= x), 1.0)

    return Summary(weak, strong, sum(pgr) / len(pgr), cpt(0.5), cpt(0.8))


def _fit(z, y, weight, l2):
    """L2-regularised logistic regression by Newton's method; returns (weights, bias). `l2` is one penalty
    for every weight or one per column."""
    import numpy as np

    a = np.hstack([z, np.ones((len(z), 1))])
    beta = np.zeros(a.shape[1])
    ridge = np.diag(np.append(np.broadcast_to(np.asarray(l2, float), (a.shape[1] - 1,)), 0.0))
    for _ in range(100):
        # Clipped: on separable data an unpenalised weight grows until every p(1 - p) underflows and the
        # Hessian is singular; beyond +-30 log-odds a row's probability is 1 - 1e-13 either way.
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ beta, -30.0, 30.0)))
        step = np.linalg.solve((a * (weight * p * (1 - p))[:, None]).T @ a + ridge,
                               a.T @ (weight * (p - y)) + ridge @ beta)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def _gain(cases: Sequence[Case]):
    import numpy as np

    return np.array([c.strong_correct and not c.weak_correct for c in cases], float)


def _fit_model(x, cases: Sequence[Case], weight, l2: float):
    """(mean, scale, weights, bias) of the ranking: a logistic regression of "the weak model fails" on the
    standardised features, each task feature's weight kept to the side its name says (ROUTINE_TASK_FEATURES
    <= 0, the other TASK_FEATURES >= 0). Failing at all, not only where the strong model succeeds: on MMLU
    the two differ by the questions both models miss (hard for both), a distinction that does not carry to
    other kinds of task, where the flagship mostly succeeds (it turned the length weight negative when MMLU
    met the judged tasks)."""
    import numpy as np

    mean, scale = x.mean(0), x.std(0)
    scale[scale < 1e-9] = 1.0  # a feature constant in the training data carries no weight
    fails = np.array([not c.weak_correct for c in cases], float)
    penalty = np.array([0.0 if name in UNPENALISED else min(l2, L2_TASK) if name in TASK_FEATURES else l2
                        for name in features.FEATURES])
    z = (x - mean) / scale
    sign = np.array([-1.0 if name in ROUTINE_TASK_FEATURES else 1.0 if name in TASK_FEATURES else 0.0
                     for name in features.FEATURES])
    active = np.ones(len(sign), bool)
    while True:  # at most one round per task feature: each round sets at least one more weight to zero
        fitted, bias = _fit(z[:, active], fails, weight, penalty[active])
        weights = np.zeros(len(sign))
        weights[active] = fitted
        wrong = sign * weights < -1e-3  # a push of under 0.001 log-odds per standard deviation is left alone
        if not wrong.any():
            return mean, scale, weights, bias
        active &= ~wrong


def _calibrate(raw, cases: Sequence[Case], weight) -> tuple[float, float]:
    """(a, c) so that sigmoid(a * raw + c) is the probability that the weak model fails where the strong
    one succeeds (Platt scaling on held-out scores: monotone, so the ranking is unchanged)."""
    import numpy as np

    (a,), c = _fit(np.asarray(raw)[:, None], _gain(cases), weight, 0.0)
    return float(a), c


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Trained:
    model: ScorerModel
    held_out: dict[str, Summary]  # per source, from the fold that did not see it; POOLED: all of them


def train(paths: Sequence[str | Path], *, weights: dict[str, float] | None = None, l2: float = L2,
          name: str = "complexity", today: Callable[[], dt.date] = dt.date.today) -> Trained:
    """Fit on every case of `paths` (each row of file P weighs `weights[P]`, default 1) and score the fit
    on leave-one-source-out predictions: each source is predicted by a model that never saw it."""
    import numpy as np

    weights = weights or {}
    files = [(Path(p), load_cases(p), float(weights.get(str(p), 1.0))) for p in paths]
    cases = [c for _, cs, _ in files for c in cs]
    row_weight = np.array([w for _, cs, w in files for _ in cs])
    sources = sorted({c.source for c in cases})
    if len(sources) < 2:
        raise CasesError(f"{', '.join(map(str, paths))}: one source ({sources[0]}); training holds out whole "
                         "sources, so it needs at least two")
    x = np.array([c.vector() for c in cases])
    src = np.array([c.source for c in cases])
    held = np.zeros(len(cases))
    for source in sources:
        out = src == source
        mean, scale, w, b = _fit_model(x[~out], [c for c, o in zip(cases, out) if not o], row_weight[~out], l2)
        held[out] = ((x[out] - mean) / scale) @ w + b
    a, c = _calibrate(held, cases, row_weight)
    mean, scale, w, b = _fit_model(x, cases, row_weight, l2)
    w, b = w * a, b * a + c
    held_out = {s: summarise([c for c in cases if c.source == s], list(held[src == s])) for s in sources}
    held_out[POOLED] = summarise(cases, list(held))
    count = {s: int((src == s).sum()) for s in sources} | {POOLED: len(cases)}
    provenance = {
        "trained": today().isoformat(),
        "target": "probability that the weak model fails where the strong one succeeds",
        "method": f"ranking: logistic regression of 'the weak model fails' (ridge l2; {L2_TASK:g} on "
                  f"{', '.join(TASK_FEATURES)}{'; none on ' + ', '.join(UNPENALISED) if UNPENALISED else ''}; "
                  f"weights <= 0 on {', '.join(ROUTINE_TASK_FEATURES)} and >= 0 on the other task features, "
                  "a weight of the wrong sign set to zero and the rest refitted); "
                  "probability: Platt scaling of held-out scores to the target",
        "calibration": {"a": round(a, 6), "c": round(c, 6)},
        "files": [{"file": p.name, "sha256": _digest(p), "rows": len(cs), "sources": len({c.source for c in cs}),
                   "row_weight": wt} for p, cs, wt in files],
        "l2": l2,
        "held_out": {s: {"prompts": count[s], "apgr": None if m.apgr != m.apgr else round(m.apgr, 4),  # NaN: no gap
                         "cpt50": round(m.cpt50, 4),
                         "cpt80": round(m.cpt80, 4)} for s, m in held_out.items()},
    }
    model = ScorerModel(name=name, features=features.FEATURES, mean=tuple(map(float, mean)),
                        scale=tuple(map(float, scale)), weights=tuple(map(float, w)), bias=b, provenance=provenance)
    return Trained(model, held_out)


def complexity_scores(scorer, cases: Sequence[Case]) -> list[float]:
    """Each case's score as `turnout route` computes it: a one-message chat request."""
    return [scorer.score(ChatRequest.model_validate({"model": "auto", "messages": [
        {"role": "user", "content": c.prompt or ""}]}), c.prompt or "").score for c in cases]


def evaluate(path: str | Path, scorer, label: str) -> list[tuple[str, Summary]]:
    """(router, summary) for `scorer` and the baselines on one file: random (seeded as apgr.py),
    prompt length, and the oracle."""
    cases = load_cases(path)
    blind = next((c.id for c in cases if c.prompt is None), None)
    if blind is not None:
        raise CasesError(f"{path}: case {blind} has features but no prompt; eval scores prompts as "
                         "`turnout route` does (train takes such cases)")
    rnd = random.Random(1)
    routers = {
        label: complexity_scores(scorer, cases),
        "random": [rnd.random() for _ in cases],
        "prompt length": [float(len(c.prompt or "")) for c in cases],
        "oracle": [float(c.strong_correct) - float(c.weak_correct) for c in cases],
    }
    return [(name, summarise(cases, score)) for name, score in routers.items()]
