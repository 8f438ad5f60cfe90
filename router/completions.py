"""Legacy `POST /v1/completions` over the chat path: each prompt is served as a one-message chat
request by the same classify -> decide -> dispatch (so the same privacy proof), and the answers
come back in the `text_completion` shape, whole or streamed.

Contract: `prompt` is a string or a list of up to `MAX_PROMPTS` strings (token-array prompts are a
400: a router cannot know which tokenizer they were made for); a list is served prompt by prompt,
choice `index` = the prompt's position, headers of the most private one. `max_tokens` defaults to
16 as in OpenAI's API. `echo`, `suffix`, `logprobs` and `best_of` > 1 are refused with a 400 naming
the field (chat backends cannot honour them). Streaming takes one prompt.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

import orjson

from router.errors import BadRequest
from router.profile import DataClass
from router.request import require_kinds
from router.responses import chat_chunks, new_id

MAX_PROMPTS = 16
DEFAULT_MAX_TOKENS = 16
_PASSED = ("temperature", "top_p", "n", "stop", "seed", "presence_penalty", "frequency_penalty", "user",
           "logit_bias", "max_tokens")
_REFUSED = {"echo": "echo", "suffix": "suffix (insertion)", "logprobs": "logprobs"}


def prompts(payload: Any) -> list[str]:
    """The request's prompts; BadRequest naming the field for anything chat backends cannot serve."""
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object")
    for key, what in _REFUSED.items():
        if payload.get(key) not in (None, False, 0, ""):
            raise BadRequest(f"{key}: {what} is not supported by the chat backends Turnout routes to; omit it",
                             param=key)
    require_kinds(payload, {"best_of": int, "stream": bool, "stream_options": dict})
    if (payload.get("best_of") or 1) > 1:
        raise BadRequest("best_of: only 1 is supported", param="best_of")
    value = payload.get("prompt")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(p, str) for p in value):
        if len(value) > MAX_PROMPTS:
            raise BadRequest(f"prompt: {len(value)} prompts; at most {MAX_PROMPTS} per request", param="prompt")
        if payload.get("stream") and len(value) > 1:
            raise BadRequest("prompt: a streamed request takes one prompt", param="prompt")
        return value
    if isinstance(value, list) and value and all(isinstance(p, (int, list)) for p in value):
        raise BadRequest("prompt: token-array prompts are not supported; send the text", param="prompt")
    raise BadRequest("prompt: expected a string or a non-empty list of strings", param="prompt")


def to_chat(payload: Mapping[str, Any], prompt: str) -> dict[str, Any]:
    chat: dict[str, Any] = {"model": payload.get("model") or "auto", "max_tokens": DEFAULT_MAX_TOKENS,
                            "messages": [{"role": "user", "content": prompt}]}
    chat.update({key: payload[key] for key in _PASSED if payload.get(key) is not None})
    if payload.get("stream"):
        chat["stream"] = True
        chat["stream_options"] = {"include_usage": True}  # counted either way; shown when the client asks
    return chat


def wants_usage(payload: Mapping[str, Any]) -> bool:
    options = payload.get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))


def combine(completions: list[Mapping[str, Any]]) -> dict[str, Any]:
    """One `text_completion` from the chat completions of each prompt, in prompt order."""
    choices, prompt_tokens, completion_tokens = [], 0, 0
    per_prompt = max(len(c.get("choices") or [None]) for c in completions)
    for i, completion in enumerate(completions):
        for choice in completion.get("choices") or ():
            choices.append({"text": (choice.get("message") or {}).get("content") or "",
                            "index": i * per_prompt + choice.get("index", 0), "logprobs": None,
                            "finish_reason": choice.get("finish_reason") or "stop"})
        used = completion.get("usage") or {}
        prompt_tokens += used.get("prompt_tokens") or 0
        completion_tokens += used.get("completion_tokens") or 0
    return {"id": new_id("cmpl"), "object": "text_completion", "created": int(time.time()),
            "model": completions[0].get("model"), "choices": choices,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


def most_private(headers: list[Mapping[str, str]]) -> dict[str, str]:
    """The reply headers of the prompt with the highest data class (the first one on a tie)."""
    def rank(h: Mapping[str, str]) -> int:
        try:
            return DataClass.parse(h.get("x-turnout-data-class", "internal"))
        except ValueError:
            return DataClass.INTERNAL
    return dict(max(headers, key=rank))


async def stream(chat: AsyncIterator[Any], include_usage: bool) -> AsyncIterator[bytes]:
    """A chat stream as `text_completion` SSE chunks, ending with `data: [DONE]`. Closing it closes `chat`
    (the relay and the upstream under it)."""
    completion_id, created = new_id("cmpl"), int(time.time())
    async with aclosing(chat_chunks(chat)) as chunks:
        async for chunk in chunks:
            if "error" in chunk and not chunk.get("choices"):
                yield b"data: " + orjson.dumps(chunk) + b"\n\n"
                break
            base = {"id": completion_id, "object": "text_completion", "created": created,
                    "model": chunk.get("model")}
            for choice in chunk.get("choices") or ():
                text = (choice.get("delta") or {}).get("content") or ""
                if text or choice.get("finish_reason"):
                    yield b"data: " + orjson.dumps({**base, "choices": [{
                        "text": text, "index": choice.get("index", 0), "logprobs": None,
                        "finish_reason": choice.get("finish_reason")}]}) + b"\n\n"
            if chunk.get("usage") and include_usage:
                yield b"data: " + orjson.dumps({**base, "choices": [], "usage": chunk["usage"]}) + b"\n\n"
    yield b"data: [DONE]\n\n"
