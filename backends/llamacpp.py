"""A GGUF model run in-process by llama.cpp (llama-cpp-python), behind the Backend protocol.

llama.cpp's `Llama` is not thread-safe and has one sequence slot, so an engine runs one
generation at a time: requests queue on an asyncio lock (visible as `queue_depth` in health),
and the generation itself runs on the engine's own worker thread, which feeds an asyncio queue
through `loop.call_soon_threadsafe`. Cancelling the consumer sets a stop flag that the worker
checks before every new token, so generation stops within a token and the slot is freed as soon
as the worker thread has finished, never earlier. A request that ends normally returns (or yields
its usage chunk) only once the slot is free again, so health() right after it reads idle.

Usage is exact in both modes: prompt and completion tokens are counted at llama.cpp's token
generator, the same tokens llama.cpp's own non-streamed `usage` counts.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import llama_cpp
from llama_cpp import llama_chat_format

from backends.base import (
    BackendBadRequest,
    BackendError,
    BackendProtocolError,
    BackendUnavailable,
    ContextWindowExceeded,
    Health,
)
from backends.fetch import Fetcher, FetchRules
from backends.gguf_files import MODEL_PACKAGES, SHIPPED_GGUF, resolve_model_path
from backends.image_prep import ImageLimits
from backends.llamacpp_media import MediaPreparer, inline_only
from backends.video_frames import VideoSampling

# MODEL_PACKAGES, SHIPPED_GGUF and resolve_model_path live in backends.gguf_files (no llama.cpp import);
# they are named here too for the callers that load a model anyway.
__all__ = ["MODEL_PACKAGES", "SHIPPED_GGUF", "LlamaCppEngine", "chat_handler_names", "resolve_model_path"]

# OpenAI request keys llama.cpp honours, forwarded as they are. Keys outside this set that only
# describe the caller ("user", "metadata", "store", "parallel_tool_calls", ...) are dropped.
_FORWARDED = frozenset({
    "messages", "max_tokens", "temperature", "top_p", "seed", "stop", "tools", "tool_choice",
    "response_format", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
    "top_logprobs", "functions", "function_call",
    # llama.cpp sampling extras some OpenAI-compatible clients send
    "top_k", "min_p", "typical_p", "repeat_penalty",
})


_KV_TYPES = {"f16": llama_cpp.GGML_TYPE_F16, "q8_0": llama_cpp.GGML_TYPE_Q8_0, "q4_0": llama_cpp.GGML_TYPE_Q4_0}

def chat_handler_names() -> list[str]:
    """Names accepted for `chat_handler`: llama-cpp-python's multimodal handlers, which take a
    `clip_model_path` (the vision projector GGUF)."""
    names = []
    for name, obj in vars(llama_chat_format).items():
        if isinstance(obj, type) and name.endswith("ChatHandler"):
            try:
                parameters = inspect.signature(obj).parameters
            except (TypeError, ValueError):
                continue
            if "clip_model_path" in parameters:
                names.append(name)
    return sorted(names)


class _Run:
    """One request's generation: the worker thread writes, the event loop reads."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.stop = threading.Event()
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.finished: asyncio.Future[None] | None = None  # the worker thread, set by _start

    async def ended(self) -> None:
        """Wait until the worker thread has finished (and the slot is free again). Shielded:
        cancelling the waiter must never mark the worker finished while it still runs."""
        assert self.finished is not None
        await asyncio.shield(self.finished)

    def put(self, item: Any) -> None:
        if self.loop.is_closed():
            self.stop.set()
            return
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # the loop closed meanwhile: nobody is listening any more
            self.stop.set()


_DONE = object()


class _PromptTooLong(Exception):
    def __init__(self, prompt_tokens: int, n_ctx: int) -> None:
        super().__init__(f"prompt is {prompt_tokens} tokens; the context window is {n_ctx}")


class _MeteredLlama(llama_cpp.Llama):
    """Llama that checks the prompt against n_ctx before generating, counts tokens, and stops
    when the current run's stop flag is set. Every chat handler ends in `create_completion`
    with the tokenized prompt, which ends in `generate`, so this sees every request."""

    run: _Run | None = None

    def create_completion(self, prompt: str | list[int], *args: Any, **kwargs: Any) -> Any:
        if isinstance(prompt, str):
            n_prompt = len(self.tokenize(prompt.encode("utf-8"), add_bos=True, special=True))
        else:
            n_prompt = len(prompt)
        if n_prompt >= self.n_ctx():
            raise _PromptTooLong(n_prompt, self.n_ctx())
        return super().create_completion(prompt, *args, **kwargs)

    def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any) -> Iterator[int]:
        run = self.run
        tokens = list(tokens)
        if run is not None:
            run.prompt_tokens = len(tokens)
        inner = super().generate(tokens, *args, **kwargs)
        try:
            for token in inner:
                if run is not None:
                    if run.stop.is_set():
                        return
                    # llama.cpp leaves the end-of-generation token out of completion_tokens
                    if not llama_cpp.llama_vocab_is_eog(self._model.vocab, token):
                        run.completion_tokens += 1
                yield token
        finally:
            inner.close()


class LlamaCppEngine:
    """One GGUF model in this process. Constructing it loads the model (blocking: about 0.4 s
    for the 270M test model, longer for big ones), so build it at start-up, not per request.

    `chat_format` names one of llama-cpp-python's prompt formats ("gemma", "chatml", ...); a
    base model without a chat template needs one. `chat_handler` instead names a multimodal
    handler class (see `chat_handler_names()`), built with `clip_model_path`. Leave both unset
    to use the chat template stored in the GGUF.

    Images and videos (multimodal handlers only) reach llama.cpp as inline PNG/JPEG prepared by
    backends.llamacpp_media (orientation, no metadata, `max_image_pixels`; URLs fetched only under
    `fetch`; video as frames under `video`; at most `max_images`). The handler's own URL loader
    (urllib) is replaced by one that refuses anything not inline: llama-cpp-python never fetches.
    """

    def __init__(self, model_id: str, model_path: str | os.PathLike[str], *,
                 chat_format: str | None = None, chat_handler: str | None = None,
                 clip_model_path: str | os.PathLike[str] | None = None, n_ctx: int = 4096,
                 n_gpu_layers: int = 0, n_threads: int | None = None, n_batch: int = 512,
                 seed: int | None = None, verbose: bool = False, kv_cache_type: str = "f16", max_images: int = 16,
                 max_image_pixels: int = ImageLimits.max_pixels,
                 fetch: FetchRules | Fetcher | None = None, video: VideoSampling | None = None) -> None:
        self.model_id = model_id
        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise FileNotFoundError(f"model '{model_id}': GGUF file not found: {self.model_path}")
        handler = self._build_chat_handler(chat_format, chat_handler, clip_model_path, verbose)
        options: dict[str, Any] = {}
        if seed is not None:
            options["seed"] = seed
        if kv_cache_type != "f16":  # a quantized V cache needs flash attention in llama.cpp
            kv_type = _KV_TYPES[kv_cache_type]
            options.update(type_k=kv_type, type_v=kv_type, flash_attn=True)
        try:
            self._llama = _MeteredLlama(
                model_path=str(self.model_path), chat_format=chat_format, chat_handler=handler,
                n_ctx=n_ctx, n_gpu_layers=n_gpu_layers, n_threads=n_threads, n_batch=n_batch,
                verbose=verbose, **options)
        except ValueError as exc:
            raise RuntimeError(
                f"model '{model_id}': llama.cpp could not load {self.model_path}: {exc}") from None
        self.n_ctx = self._llama.n_ctx()
        self._multimodal = handler is not None
        if handler is not None:
            handler.load_image = inline_only  # the handler's urllib fetch must never run
        self.media = MediaPreparer(model_id, max_images=max_images, limits=ImageLimits(max_pixels=max_image_pixels),
                                   fetch=fetch, video=video)
        self._slot = asyncio.Lock()
        self._waiting = 0
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"llama-{model_id}")

    def _build_chat_handler(self, chat_format: str | None, chat_handler: str | None,
                            clip_model_path: str | os.PathLike[str] | None, verbose: bool) -> Any:
        if chat_handler is None:
            if clip_model_path is not None:
                raise ValueError(f"model '{self.model_id}': clip_model_path needs a chat_handler")
            return None
        if chat_format is not None:
            raise ValueError(f"model '{self.model_id}': give chat_format or chat_handler, not both")
        known = chat_handler_names()
        if chat_handler not in known:
            raise ValueError(f"model '{self.model_id}': unknown chat_handler {chat_handler!r}; "
                             f"known: {', '.join(known)}")
        if clip_model_path is None or not Path(clip_model_path).is_file():
            raise FileNotFoundError(f"model '{self.model_id}': {chat_handler} needs clip_model_path; "
                                    f"file not found: {clip_model_path}")
        return getattr(llama_chat_format, chat_handler)(clip_model_path=str(clip_model_path),
                                                        verbose=verbose)

    async def health(self) -> Health:
        if self._closed:
            return Health(False, "engine closed", queue_depth=self._waiting, free_slots=0)
        busy = self._slot.locked()
        return Health(True, f"llama.cpp {self.model_path.name}, n_ctx {self.n_ctx}, "
                            f"{'busy' if busy else 'idle'}",
                      queue_depth=self._waiting, free_slots=0 if busy else 1)

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        run = await self._start(request, stream=False)
        try:
            item = await run.queue.get()
        finally:
            run.stop.set()
        await run.ended()
        if isinstance(item, BackendError):
            raise item
        if not isinstance(item, dict) or not item.get("choices") or "usage" not in item:
            raise BackendProtocolError(self.model_id, "llama.cpp returned no choices or usage")
        item["model"] = self.model_id
        return item

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        run = await self._start(request, stream=True)
        try:
            head: dict[str, Any] = {}
            while (item := await run.queue.get()) is not _DONE:
                if isinstance(item, BackendError):
                    await run.ended()
                    raise item
                item["model"] = self.model_id
                head = head or {"id": item["id"], "created": item["created"]}
                yield item
            await run.ended()
            yield {
                "id": head.get("id") or f"chatcmpl-{uuid.uuid4()}",
                "object": "chat.completion.chunk",
                "created": head.get("created") or int(time.time()),
                "model": self.model_id,
                "choices": [],
                "usage": {"prompt_tokens": run.prompt_tokens,
                          "completion_tokens": run.completion_tokens,
                          "total_tokens": run.prompt_tokens + run.completion_tokens},
            }
        finally:
            run.stop.set()

    def close(self) -> None:
        """Stop the running generation (if any), wait for it, and free the model. Idempotent;
        blocking. Requests after close() raise BackendUnavailable."""
        if self._closed:
            return
        self._closed = True
        running = self._llama.run
        if running is not None:
            running.stop.set()
        self._executor.shutdown(wait=True)
        self._llama.close()

    async def _start(self, request: dict[str, Any], *, stream: bool) -> _Run:
        """Wait for the slot, then start the generation on the worker thread. The slot is
        released when the worker thread finishes, however the consumer ends."""
        if self._closed:
            raise BackendUnavailable(self.model_id, "engine is closed")
        kwargs = self._chat_kwargs(request)
        if self._multimodal:
            kwargs["messages"] = await self.media.prepare(kwargs["messages"])
        self._waiting += 1
        try:
            await self._slot.acquire()
        finally:
            self._waiting -= 1
        loop = asyncio.get_running_loop()
        run = _Run(loop)
        try:
            done = loop.run_in_executor(self._executor, self._work, run, kwargs, stream)
        except BaseException:
            self._slot.release()
            raise
        done.add_done_callback(lambda _: self._slot.release())
        run.finished = done
        return run

    def _chat_kwargs(self, request: dict[str, Any]) -> dict[str, Any]:
        if request.get("n", 1) != 1:
            raise BackendBadRequest(self.model_id, "n must be 1: llama.cpp returns one choice")
        kwargs = {key: value for key, value in request.items() if key in _FORWARDED}
        if "max_tokens" not in kwargs and request.get("max_completion_tokens") is not None:
            kwargs["max_tokens"] = request["max_completion_tokens"]
        if not self._multimodal:
            kwargs["messages"] = [self._text_only(i, m) for i, m in enumerate(request["messages"])]
        return kwargs

    def _text_only(self, index: int, message: dict[str, Any]) -> dict[str, Any]:
        """Text-only chat formats expect string content: join a list of text parts."""
        content = message.get("content")
        if not isinstance(content, list):
            return message
        texts = []
        for part in content:
            if part.get("type") != "text":
                raise BackendBadRequest(
                    self.model_id, f"messages[{index}]: this model reads text only, "
                                   f"got a {part.get('type')!r} content part")
            texts.append(part["text"])
        return {**message, "content": "\n".join(texts)}

    def _work(self, run: _Run, kwargs: dict[str, Any], stream: bool) -> None:
        """Runs on the worker thread, holding the slot. Puts chunks (or the one result), then at
        most one BackendError, then _DONE; never raises."""
        llama = self._llama
        llama.run = run
        try:
            result = llama.create_chat_completion(**kwargs, stream=stream, model=self.model_id)
            if stream:
                # Drain rather than break: once the stop flag is set, generate() ends at the
                # next token and llama.cpp finishes its bookkeeping in this thread.
                for chunk in result:
                    if not run.stop.is_set():
                        run.put(chunk)
            else:
                run.put(result)
        except BaseException as exc:  # noqa: BLE001 - every engine failure becomes a BackendError
            run.put(self._translate(exc))
        finally:
            llama.run = None
            run.put(_DONE)

    def _translate(self, exc: BaseException) -> BackendError:
        if isinstance(exc, BackendError):
            return exc
        if isinstance(exc, _PromptTooLong) or (
                isinstance(exc, ValueError) and "context window" in str(exc)):
            return ContextWindowExceeded(self.model_id, str(exc))
        if isinstance(exc, ValueError):
            return BackendBadRequest(self.model_id, f"llama.cpp rejected the request: {exc}")
        return BackendUnavailable(self.model_id,
                                  f"llama.cpp engine failed: {type(exc).__name__}: {exc}")
