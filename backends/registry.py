"""Backend kinds by the policy's `kind`: `REGISTRY[kind](model_id, **options) -> Backend`.

Each factory imports its module when called, not here: those modules import heavy libraries
(llama-cpp-python loads its shared library, litellm takes seconds), and `turnout route` or
`turnout policy check` must not pay for them.

- "llamacpp": options are `path` / `package` / `model_dir` (see gguf_files.resolve_model_path)
  plus LlamaCppEngine's keyword arguments; `embedding=True` loads it for embeddings instead
  (llamacpp_embed.LlamaCppEmbedder). Builds and loads the model (blocking).
- "litellm": LiteLLMBackend's keyword arguments (`litellm_model`, `api_base`, ...).
- "openai": OpenAIHTTPBackend's keyword arguments (`model`, `api_base`, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from backends.base import Backend

__all__ = ["REGISTRY"]


def _llamacpp(model_id: str, *, path: str | None = None, package: str | None = None,
              model_dir: Path | None = None, embedding: bool = False, **options: Any) -> Backend:
    from backends.llamacpp import LlamaCppEngine, resolve_model_path  # heavy: llama.cpp's shared library

    model_path = resolve_model_path(path, package, model_dir, model_id=model_id)
    if embedding:
        from backends.llamacpp_embed import LlamaCppEmbedder  # heavy, as above

        return LlamaCppEmbedder(model_id, model_path, **options)
    return LlamaCppEngine(model_id, model_path, **options)


def _litellm(model_id: str, **options: Any) -> Backend:
    from backends.cloud import LiteLLMBackend  # heavy: litellm imports in seconds

    return LiteLLMBackend(model_id, **options)


def _openai(model_id: str, **options: Any) -> Backend:
    from backends.openai_http import OpenAIHTTPBackend  # kept symmetric: built only when a policy names it

    return OpenAIHTTPBackend(model_id, **options)


REGISTRY: dict[str, Callable[..., Backend]] = {
    "llamacpp": _llamacpp,
    "litellm": _litellm,
    "openai": _openai,
}
