"""Prices and context windows from litellm's bundled model map, read without importing litellm.

litellm ships the map as JSON inside its package (`model_prices_and_context_window_backup.json`,
what `litellm.model_cost` holds with LITELLM_LOCAL_MODEL_COST_MAP=True). Reading the file directly
keeps `turnout route` and policy loading free of litellm's multi-second import.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MAP_FILE = "model_prices_and_context_window_backup.json"


@functools.cache
def model_map() -> dict[str, dict[str, Any]]:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / _MAP_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return {}


def lookup(model: str) -> dict[str, Any] | None:
    """The map entry for a litellm model string: 'openai/gpt-5.1' tries itself, then 'gpt-5.1'."""
    entries = model_map()
    if model in entries:
        return entries[model]
    _, _, bare = model.partition("/")
    return entries.get(bare) if bare else None


def per_token(model: str) -> tuple[float, float]:
    """(input, output) USD per token; (0, 0) for a model the map does not know (e.g. a self-hosted api_base)."""
    entry = lookup(model) or {}
    return float(entry.get("input_cost_per_token") or 0.0), float(entry.get("output_cost_per_token") or 0.0)


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per token, by what a provider bills separately. Cached, audio and image input fall back to
    the plain input rate where the map has no separate price (and audio output to the output rate)."""

    input: float = 0.0
    output: float = 0.0
    cached_input: float | None = None
    audio_input: float | None = None
    audio_output: float | None = None
    image_input: float | None = None


def _rate(entry: dict[str, Any], key: str) -> float | None:
    value = entry.get(key)
    return float(value) if value is not None else None


def rates(model: str) -> Rates:
    """Every per-token price the map has for `model`; zeros for a model it does not know."""
    entry = lookup(model) or {}
    return Rates(float(entry.get("input_cost_per_token") or 0.0), float(entry.get("output_cost_per_token") or 0.0),
                 cached_input=_rate(entry, "cache_read_input_token_cost"),
                 audio_input=_rate(entry, "input_cost_per_audio_token"),
                 audio_output=_rate(entry, "output_cost_per_audio_token"),
                 image_input=_rate(entry, "input_cost_per_image_token"))


def context_window(model: str) -> int | None:
    entry = lookup(model) or {}
    value = entry.get("max_input_tokens") or entry.get("max_tokens")
    return int(value) if value else None
