"""How hard a request is, in [0, 1], with reasons a person can read.

`ComplexityScorer` is the one-method seam (RouteLLM's pattern): the policy compares the score with a
threshold; a learned scorer can replace `HeuristicScorer` without touching decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from router.profile import Complexity
from router.request import ChatRequest


class ComplexityScorer(Protocol):
    def score(self, request: ChatRequest, text: str) -> Complexity:
        """Score `request`, whose system and user text is `text`. Pure: no I/O, same input, same score."""
        ...


_SEPARATORS = str.maketrans({ch: " " for ch in "\t\n\r.,;:!?()[]{}<>\"'`/\\=+*&^%$#@~|-_"})


def _anchor(phrase: str) -> str | None:
    """The phrase's first word: a phrase can only occur in a text that contains it (None: symbols)."""
    words = phrase.translate(_SEPARATORS).split()
    return words[0] if words and words[0].isalnum() else None


@dataclass(frozen=True, slots=True)
class _Signal:
    """Fires when the text holds one of `words`, a word starting with one of `prefixes`, or a phrase."""

    reason: str
    weight: float
    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    anchors: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "anchors", tuple(_anchor(phrase) for phrase in self.phrases))

    def matches(self, words: set[str], prefixed: set[str], lowered: str) -> list[str]:
        """The terms that made it fire (sorted), empty when it does not."""
        hits = words & self.words
        if self.prefixes:
            hits |= {word for word in prefixed if word.startswith(self.prefixes)}
        for phrase, anchor in zip(self.phrases, self.anchors):
            if (anchor is None or anchor in words) and phrase in lowered:  # substring search only when it can hit
                hits.add(phrase)
        return sorted(hits)


_SIGNALS = (
    _Signal("asks for a proof", 0.45,
            frozenset({"prove", "proof", "proofs", "rigorous", "rigorously", "derive", "derivation", "theorem",
                       "lemma", "qed"}), phrases=("formally verify",)),
    _Signal("multi-step reasoning", 0.2, frozenset({"multistep", "justify"}),
            phrases=("step by step", "step-by-step", "each step", "every step", "multi-step", "multi step",
                     "explain why", "explain how", "explain your reasoning", "reason through", "reason about",
                     "walk me through", "chain of thought")),
    _Signal("mathematics", 0.2,
            frozenset({"integral", "integrals", "derivative", "derivatives", "equation", "equations", "matrix",
                       "matrices", "probability", "primes", "prime", "modulo", "polynomial", "polynomials",
                       "induction", "asymptotic", "combinatorics", "eigenvalue", "eigenvalues", "lim", "sqrt"}),
            phrases=("infinitely many", "∫", "∑", "√", "≤", "≥", "x^2")),
    _Signal("code design or architecture", 0.25,
            frozenset({"microservice", "microservices", "monolith", "distributed", "idempotent", "idempotency",
                       "deadlock", "deadlocks", "concurrency", "concurrent"}),
            prefixes=("refactor", "architect", "scalab"),
            phrases=("race condition", "data model", "system design", "design an api", "design a schema")),
    _Signal("contains code", 0.1,
            phrases=("```", "traceback (most recent call last)", "\ndef ", "\nclass ", "\nimport ", "#include",
                     "function(", "=> {", "public static")),
)
_PLANNING = _Signal("planning or analysis", 0.1,
                    frozenset({"plan", "planning", "rollback", "rollbacks", "evaluate", "risk", "risks", "phase",
                               "phases", "tradeoff", "tradeoffs"}),
                    prefixes=("strateg", "migrat", "analy", "consisten", "dependenc", "contingenc"),
                    phrases=("trade-off", "trade off", "roll back", "compare and contrast"))
_PLANNING_MAX = 0.35
_ALL_PREFIXES = tuple(p for signal in (*_SIGNALS, _PLANNING) for p in signal.prefixes)
_CONSTRAINTS = _Signal("constraints", 0.05,
                       frozenset({"must", "should", "exactly", "without", "ensure", "require", "required"}),
                       phrases=("at least", "at most", "no more than", "do not", "don't"))
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*\u2022]|\d{1,2}[.)])[ \t]+\S", re.MULTILINE)
_CONSTRAINT_FREE, _CONSTRAINT_MAX = 2, 0.2
_LENGTH_STEPS = ((100_000, 0.15), (20_000, 0.1), (4_000, 0.05))  # characters -> weight
_EFFORT = {"xhigh": 0.6, "high": 0.5, "medium": 0.15, "low": -0.15, "minimal": -0.2, "none": -0.2}
# Instructions sit at the start (system prompt, task) or the end (latest turn) of a prompt; pasted
# material in between should not vote, and scanning a bounded window keeps the scorer O(1).
_HEAD_CHARS, _TAIL_CHARS = 4096, 8192


class HeuristicScorer:
    """Keyword and shape heuristics: proofs, mathematics, multi-step reasoning, design, planning,
    constraints, length and an explicit `reasoning_effort`. Weights add up and are clipped to [0, 1].

    Only the first 4 KiB and last 8 KiB of the text are read for keywords (length counts whole).
    Calibrated so that proofs and multi-step migration plans score >= 0.6 and routine asks
    (translate, summarise, caption, draft a reply, a haiku) score < 0.3.
    """

    def score(self, request: ChatRequest, text: str) -> Complexity:
        window = text if len(text) <= _HEAD_CHARS + _TAIL_CHARS else f"{text[:_HEAD_CHARS]}\n{text[-_TAIL_CHARS:]}"
        lowered = window.lower()
        words = set(lowered.translate(_SEPARATORS).split())
        prefixed = {w for w in words if w.startswith(_ALL_PREFIXES)}
        total, reasons = 0.0, []
        for signal in _SIGNALS:
            if signal.matches(words, prefixed, lowered):
                total += signal.weight
                reasons.append(signal.reason)
        if planning := _PLANNING.matches(words, prefixed, lowered):
            total += min(_PLANNING_MAX, _PLANNING.weight * len(planning))
            reasons.append(f"planning or analysis ({', '.join(planning)})")
        constraints = len(_CONSTRAINTS.matches(words, prefixed, lowered))
        if "\n" in window:  # list items start lines
            constraints += len(_LIST_ITEM.findall(window))
        if constraints > _CONSTRAINT_FREE:
            total += min(_CONSTRAINT_MAX, _CONSTRAINTS.weight * (constraints - _CONSTRAINT_FREE))
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
