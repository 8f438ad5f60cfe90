"""The learned complexity scorer: the probability that a small local model fails where a flagship
succeeds, from the prompt's features (router.classify.features) and a small linear model.

The model is a versioned JSON file (`ScorerModel`), shipped in the package as `models/complexity-v6.json`
and written by `turnout scorer train`. It records what it was trained on (file, sha256, rows, date) and
how it scored on subjects it did not see. Inference is one dot product over 55 numbers: no I/O after
loading, no network, no download.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from router.classify import features
from router.profile import Complexity
from router.request import ChatRequest

FORMAT = "turnout-complexity-scorer"
FORMAT_VERSION = 1
DEFAULT_MODEL = "complexity-v6.json"

# An explicit reasoning_effort is the client telling us how hard it is: a shift of the log-odds.
_EFFORT_LOGIT = {"xhigh": 4.0, "high": 3.5, "medium": 0.75, "low": -0.75, "minimal": -1.0, "none": -1.0}
_TOP_REASONS = 3
_MIN_CONTRIBUTION = 0.05  # log-odds; smaller pushes are not worth a reason

# What a person reads for a feature that pushed the score up.
LABELS = {
    "log_chars": "long prompt", "log_words": "many words",
    "log_numbers": "many numbers", "log_distinct_numbers": "many distinct quantities",
    "digit_share": "dense with digits", "log_operators": "arithmetic operators", "log_equals": "equations",
    "log_currency": "money amounts", "log_percent": "percentages", "log_questions": "several questions",
    "mean_word_length": "technical vocabulary",
    "log_variables": "algebraic variables", "log_list_items": "list items",
    "log_brackets": "brackets or formulas", "log_math_symbols": "mathematical symbols", "code_block": "contains code",
    "log_ask_chars": "long request", "log_option_chars": "long answer options",
    "log_stem_chars": "long question", "log_option_digits": "numeric answer options",
    "log_code_syntax": "code syntax", "big_o": "a complexity bound",
    "lead_lookup": "a lookup question",
    "lex_quantities": "quantities and rates", "lex_compute": "asks for a calculation",
    "lex_mathematics": "mathematics", "lex_physical_science": "physics or chemistry", "lex_law": "law",
    "lex_medicine_biology": "medicine or biology", "lex_economics": "economics", "lex_logic": "formal logic",
    "lex_negation": "negations or exceptions", "lex_proof": "asks for a proof", "lex_multi_step": "multi-step reasoning",
    "lex_design": "system design", "lex_analysis": "analysis or planning", "lex_constraints": "constraints",
    "lex_code": "programming", "lex_algorithm": "algorithms and data structures",
    "lex_structured": "structured output", "lex_reshape": "extracts or converts", "lex_deduction": "deduction over premises", "lex_roleplay": "role-play",
    "lex_heavy_verbs": "asks to build, solve or show", "lex_form_rules": "rules on the text's form",
    "lex_routine_writing": "routine writing", "lex_evaluation": "weighs evidence or arguments",
    "lex_security": "security analysis", "lex_legal_analysis": "legal analysis", "lex_estimation": "an estimate",
    "lex_research": "research or experiment design", "lex_data_analysis": "data analysis",
    "lex_strategy": "strategy or planning", "lex_routine_edit": "a routine edit", "lex_everyday": "everyday language",
}


class ScorerModelError(ValueError):
    """A model file that cannot be used; the message names the file and what is wrong."""


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


@dataclass(frozen=True)
class ScorerModel:
    """Logistic regression over `features.FEATURES`: the probability is
    sigmoid(sum(weights * (x - mean) / scale) + bias), fitted by log-loss (so calibrated on its training data)."""

    name: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": FORMAT_VERSION, "features_version": features.VERSION,
                "name": self.name, "features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias,
                "provenance": self.provenance}

    @classmethod
    def from_json(cls, data: Any, source: str) -> "ScorerModel":
        """ScorerModelError naming `source` and the field for anything but a model this code can run."""
        def bad(message: str) -> ScorerModelError:
            return ScorerModelError(f"{source}: {message}")

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise bad(f"not a Turnout scorer model (expected \"format\": \"{FORMAT}\")")
        if data.get("format_version") != FORMAT_VERSION:
            raise bad(f"format_version {data.get('format_version')!r}; this Turnout reads {FORMAT_VERSION}")
        if data.get("features_version") != features.VERSION:
            raise bad(f"trained on features version {data.get('features_version')!r}, this Turnout computes "
                      f"version {features.VERSION}: retrain it with `turnout scorer train`")
        if data.get("features") != list(features.FEATURES):
            raise bad(f"features: not the {len(features.FEATURES)} features of version {features.VERSION} in their "
                      "order: retrain it with `turnout scorer train`")
        n = len(features.FEATURES)
        vectors = {}
        for key in ("mean", "scale", "weights"):
            value = data.get(key)
            if not (isinstance(value, list) and len(value) == n and all(isinstance(v, (int, float)) for v in value)):
                raise bad(f"{key}: expected a list of {n} numbers")
            vectors[key] = tuple(float(v) for v in value)
        if any(s <= 0 for s in vectors["scale"]):
            raise bad("scale: every entry must be > 0")
        if not isinstance(data.get("bias"), (int, float)):
            raise bad("bias: expected a number")
        return cls(name=str(data.get("name", "")), features=features.FEATURES, bias=float(data["bias"]),
                   provenance=data.get("provenance") or {}, **vectors)


def load_model(path: str | Path | None = None) -> ScorerModel:
    """The model at `path`, or the one shipped in the package when None (read once per process; a model
    is immutable). ScorerModelError otherwise."""
    if path is None:
        return _shipped()
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScorerModelError(f"{source}: cannot read scorer model: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ScorerModelError(f"{source}: cannot read scorer model: not UTF-8 text (byte "
                               f"0x{exc.object[exc.start]:02x} at offset {exc.start})") from None
    return _parse(text, source)


@functools.cache
def _shipped() -> ScorerModel:
    text = resources.files("router.classify").joinpath("models", DEFAULT_MODEL).read_text(encoding="utf-8")
    return _parse(text, f"router/classify/models/{DEFAULT_MODEL}")


def _parse(text: str, source: str) -> ScorerModel:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScorerModelError(f"{source}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise ScorerModelError(f"{source}: invalid JSON: arrays or objects nest too deeply") from None
    return ScorerModel.from_json(data, source)


class LearnedScorer:
    """ComplexityScorer over a ScorerModel. The score is the calibrated probability that the local model
    fails where a flagship succeeds; reasons name the features that pushed it up most."""

    __slots__ = ("model", "_names", "_k", "_mean", "_offset")

    def __init__(self, model: ScorerModel) -> None:
        self.model = model
        # (x - mean) / scale * w folded into one multiplier per feature, kept with its name and mean.
        self._names = model.features
        self._k = tuple(w / s for w, s in zip(model.weights, model.scale))
        self._mean = model.mean
        self._offset = model.bias

    def score(self, request: ChatRequest, text: str) -> Complexity:
        vector = features.extract(text)
        pushes = [k * (x - m) for k, x, m in zip(self._k, vector, self._mean)]
        raw = self._offset + sum(pushes)
        # The strongest pushes, each a reason if the prompt has it (not lacks it) and it is worth naming.
        reasons = []
        for i in sorted(range(len(pushes)), key=pushes.__getitem__, reverse=True):
            if pushes[i] < _MIN_CONTRIBUTION or len(reasons) == _TOP_REASONS:
                break
            if vector[i] > self._mean[i]:
                reasons.append(LABELS[self._names[i]])
        shift = _EFFORT_LOGIT.get(request.reasoning_effort or "")
        if shift is not None:
            raw += shift
            reasons.append(f"reasoning_effort={request.reasoning_effort}")
        return Complexity(round(_sigmoid(raw), 3), tuple(reasons), tuple(vector))
