"""A GGUF model loaded by llama.cpp in embedding mode, behind the embeddings half of the Backend
protocol (`embed`, `health`).

One llama.cpp context serves one batch at a time: batches queue on an asyncio lock (visible as
`queue_depth`) and run on the embedder's own worker thread, never on the event loop. Every input is
embedded whole — an input longer than the context window is a `ContextWindowExceeded`, never
silently cut (llama-cpp-python would truncate it to the batch size). Vectors are mean-pooled over
the tokens and L2-normalised, as OpenAI's are; `dimensions` shortens them (first N components,
normalised again), the way OpenAI's `dimensions` parameter does.
"""

from __future__ import annotations

import asyncio
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import llama_cpp

from backends.base import BackendBadRequest, BackendUnavailable, ContextWindowExceeded, Health

__all__ = ["LlamaCppEmbedder"]


def _normalised(vector: list[float], dimensions: int | None) -> list[float]:
    vector = vector[:dimensions] if dimensions else vector
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


class LlamaCppEmbedder:
    """One GGUF in embedding mode in this process; constructing it loads the model (blocking)."""

    def __init__(self, model_id: str, model_path: str | os.PathLike[str], *, n_ctx: int = 2048,
                 n_gpu_layers: int = 0, n_threads: int | None = None, verbose: bool = False, **_: Any) -> None:
        self.model_id = model_id
        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise FileNotFoundError(f"model '{model_id}': GGUF file not found: {self.model_path}")
        try:
            self._llama = llama_cpp.Llama(
                model_path=str(self.model_path), embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
                n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx, n_gpu_layers=n_gpu_layers, n_threads=n_threads,
                verbose=verbose)
        except ValueError as exc:
            raise RuntimeError(f"model '{model_id}': llama.cpp could not load {self.model_path}: {exc}") from None
        self.n_ctx = self._llama.n_ctx()
        self.dimensions = self._llama.n_embd()
        self._slot = asyncio.Lock()
        self._waiting = 0
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"embed-{model_id}")

    async def health(self) -> Health:
        if self._closed:
            return Health(False, "engine closed", queue_depth=self._waiting, free_slots=0)
        busy = self._slot.locked()
        return Health(True, f"llama.cpp embeddings {self.model_path.name}, {self.dimensions} dimensions, "
                            f"{'busy' if busy else 'idle'}", queue_depth=self._waiting, free_slots=0 if busy else 1)

    async def embed(self, request: dict[str, Any]) -> dict[str, Any]:
        """{"input": [str, ...], "dimensions"?: int} -> {"data": [{"index", "embedding"}], "usage", "model"}."""
        if self._closed:
            raise BackendUnavailable(self.model_id, "engine is closed")
        inputs = request["input"]
        dimensions = request.get("dimensions")
        if dimensions is not None and not 0 < dimensions <= self.dimensions:
            raise BackendBadRequest(self.model_id, f"dimensions: {dimensions}; this model's vectors have "
                                                   f"{self.dimensions}")
        self._waiting += 1
        try:
            await self._slot.acquire()
        finally:
            self._waiting -= 1
        try:
            vectors, tokens = await asyncio.get_running_loop().run_in_executor(self._executor, self._work, inputs)
        finally:
            self._slot.release()
        return {"object": "list", "model": self.model_id,
                "data": [{"object": "embedding", "index": i, "embedding": _normalised(v, dimensions)}
                         for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    def _work(self, inputs: list[str]) -> tuple[list[list[float]], int]:
        """Runs on the worker thread: checks every input fits, then embeds them (one batch per input,
        so a long input never shares the context with another)."""
        vectors, total = [], 0
        for i, text in enumerate(inputs):
            tokens = len(self._llama.tokenize(text.encode("utf-8"), add_bos=True, special=False))
            if tokens > self.n_ctx:
                raise ContextWindowExceeded(self.model_id, f"input[{i}] is {tokens} tokens; the context window "
                                                           f"is {self.n_ctx}")
            vector, counted = self._llama.embed(text, truncate=False, return_count=True)
            vectors.append(vector[0] if vector and isinstance(vector[0], list) else vector)
            total += counted
        return vectors, total

    def close(self) -> None:
        """Wait for a running batch and free the model. Idempotent; blocking."""
        if self._closed:
            return
        self._closed = True
        self._executor.shutdown(wait=True)
        self._llama.close()
