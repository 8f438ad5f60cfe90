"""How hard a request is, in [0, 1], with reasons a person can read.

`ComplexityScorer` is the one-method seam (RouteLLM's pattern): the policy compares the score with a
threshold; a learned scorer can replace `HeuristicScorer` without touching decide.
"""

from __future__ import annotations

import re
from typing import Protocol

from router.profile import Complexity
from router.request import ChatRequest


class ComplexityScorer(Protocol):
    def score(self, request: ChatRequest, text: str) -> Complexity:
        """Score `request`, whose system and user text is `text`. Pure: no I/O, same input, same score."""
        ...


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


# (pattern, weight, reason): each fires at most once.
_SIGNALS: tuple[tuple[re.Pattern[str], float, str], ...] = (
    (_words(r"prove", r"proofs?", r"rigorous(?:ly)?", r"derive", r"derivation", r"theorem", r"lemma",
            r"formally verify"), 0.45, "asks for a proof"),
    (_words(r"step[- ]by[- ]step", r"(?:each|every) step", r"multi-?step", r"explain (?:why|how|your reasoning)",
            r"reason(?:ing)? (?:through|about)", r"walk (?:me )?through", r"justify", r"chain of thought"),
     0.2, "multi-step reasoning"),
    (_words(r"integrals?", r"derivatives?", r"equations?", r"matri(?:x|ces)", r"eigen\w*", r"probabilit\w*",
            r"primes?", r"modulo", r"infinitely many", r"polynomials?", r"induction", r"asymptotic\w*",
            r"combinatori\w*", r"\d+[a-z]\s*[+-]\s*\d+"), 0.2, "mathematics"),
    (_words(r"refactor\w*", r"architect\w*", r"microservices?", r"monolith\w*", r"concurren\w+", r"race conditions?",
            r"distributed", r"scalab\w+", r"design (?:a|an|the) \w+ (?:system|api|schema|service|protocol)",
            r"data models?", r"idempoten\w+", r"deadlocks?"), 0.25, "code design or architecture"),
    (re.compile(r"```|\bTraceback \(most recent call last\)|\bdef \w+\(|\bclass \w+[:(]|\bfunction \w+\("),
     0.1, "contains code"),
)
_PLANNING = _words(r"plan", r"planning", r"strateg\w+", r"trade-?offs?", r"migrat\w+", r"rollbacks?", r"roll back",
                   r"analy[sz]\w*", r"consisten\w+", r"compare and contrast", r"evaluate", r"risks?",
                   r"dependenc\w+", r"phases?", r"contingenc\w+")
_PLANNING_EACH, _PLANNING_MAX = 0.1, 0.35
_CONSTRAINT = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+\S|\b(?:must|must not|should not|at least|at most|no more than"
                         r"|exactly|without|ensure|required?)\b", re.IGNORECASE | re.MULTILINE)
_CONSTRAINT_FREE, _CONSTRAINT_EACH, _CONSTRAINT_MAX = 2, 0.05, 0.2
_LENGTH_STEPS = ((100_000, 0.15), (20_000, 0.1), (4_000, 0.05))  # characters -> weight
_EFFORT = {"xhigh": 0.6, "high": 0.5, "medium": 0.15, "low": -0.15, "minimal": -0.2, "none": -0.2}
# Instructions sit at the start (system prompt, task) or the end (latest turn) of a prompt; pasted
# material in between should not vote, and scanning a bounded window keeps the scorer O(1).
_HEAD_CHARS, _TAIL_CHARS = 4096, 8192


class HeuristicScorer:
    """Keyword and shape heuristics: proofs, mathematics, multi-step reasoning, design, planning,
    constraints, length and an explicit `reasoning_effort`. Weights add up and are clipped to [0, 1].

    Calibrated so that proofs and multi-step migration plans score >= 0.6 and routine asks
    (translate, summarise, caption, draft a reply, a haiku) score < 0.3.
    """

    def score(self, request: ChatRequest, text: str) -> Complexity:
        window = text if len(text) <= _HEAD_CHARS + _TAIL_CHARS else f"{text[:_HEAD_CHARS]}\n{text[-_TAIL_CHARS:]}"
        total, reasons = 0.0, []
        for pattern, weight, reason in _SIGNALS:
            if pattern.search(window):
                total += weight
                reasons.append(reason)
        planning = {m.lower() for m in _PLANNING.findall(window)}
        if planning:
            total += min(_PLANNING_MAX, _PLANNING_EACH * len(planning))
            reasons.append(f"planning or analysis ({', '.join(sorted(planning))})")
        constraints = len(_CONSTRAINT.findall(window))
        if constraints > _CONSTRAINT_FREE:
            total += min(_CONSTRAINT_MAX, _CONSTRAINT_EACH * (constraints - _CONSTRAINT_FREE))
            reasons.append(f"{constraints} constraints or list items")
        for threshold, weight in _LENGTH_STEPS:
            if len(text) >= threshold:
                total += weight
                reasons.append(f"long prompt ({len(text):,} characters)")
                break
        if request.reasoning_effort in _EFFORT:
            total += _EFFORT[request.reasoning_effort]
            reasons.append(f"reasoning_effort={request.reasoning_effort}")
        return Complexity(round(min(1.0, max(0.0, total)), 3), tuple(reasons))
