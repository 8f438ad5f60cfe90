"""A backend that calls a plain function: the gateway and dispatch, tested without a model or a server.

httpx's `MockTransport` idea: the function receives the request dict and returns what the
upstream would have said, or raises a `BackendError` as an upstream failure would. It may be
sync or async (an async one can wait on an event to model a slow or hanging upstream).

    complete(request): the function's dict, with `model` set to this backend's id; for a list of
        chunks, the first exception among them is raised, else the chunks' text is the answer.
    stream(request): when the function returns a completion dict, the chunks a backend would send
        for it (one content delta, a finish chunk, the usage chunk); when it returns a list or an
        async iterator, its items as they come — an exception instance among them is raised at that
        point, the way a stream cut mid-way raises from `__anext__`.
    respond(request) / respond_stream(request): the same for the Responses API (backends.base.Responder),
        with `response(...)` and `events(...)` in place of `completion` and the chunks.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

from backends.base import BackendProtocolError, Health

__all__ = ["FunctionBackend", "completion", "events", "response"]


def completion(text: str = "ok", *, prompt_tokens: int | None = 10, completion_tokens: int = 2,
               finish_reason: str = "stop") -> dict[str, Any]:
    """An OpenAI chat.completion with `text` as the answer and the given usage."""
    total = None if prompt_tokens is None else prompt_tokens + completion_tokens
    return {"id": "chatcmpl-fn", "object": "chat.completion", "created": 0, "model": "fn",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": total}}


def chunks(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The chunks a streaming backend sends for `response` (ending, as the protocol says, with usage)."""
    base = {"id": response["id"], "object": "chat.completion.chunk", "created": response["created"]}
    choice = response["choices"][0]
    return [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": choice["message"]["content"]},
                                  "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]},
            {**base, "choices": [], "usage": response["usage"]}]


def response(text: str = "ok", *, input_tokens: int = 10, output_tokens: int = 2,
             status: str = "completed") -> dict[str, Any]:
    """An OpenAI Responses `response` with `text` as its one output message and the given usage."""
    return {"id": "resp_fn", "object": "response", "created_at": 0, "status": status, "model": "fn",
            "output": [{"id": "msg_fn", "type": "message", "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "text": text, "annotations": []}]}],
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens}}


def events(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The Responses events a streaming upstream sends for `answer` (created, one text delta, completed)."""
    text = "".join(part["text"] for item in answer["output"] for part in item["content"])
    opening = {**answer, "status": "in_progress", "output": [], "usage": None}
    where = {"item_id": "msg_fn", "output_index": 0, "content_index": 0}
    return [{"type": "response.created", "sequence_number": 0, "response": opening},
            {"type": "response.output_text.delta", "sequence_number": 1, **where, "delta": text},
            {"type": "response.completed", "sequence_number": 2, "response": answer}]


class FunctionBackend:
    """One model whose upstream is `handler(request)`; `health` is a fixed answer or a function of none."""

    def __init__(self, model_id: str, handler: Callable[[dict[str, Any]], Any], *,
                 health: Health | Callable[[], Health] = Health(True, "function backend")) -> None:
        self.model_id = model_id
        self.handler = handler
        self._health = health
        self.requests: list[dict[str, Any]] = []  # every request received, in order

    async def _call(self, request: dict[str, Any]) -> Any:
        self.requests.append(request)
        result = self.handler(request)
        return await result if inspect.isawaitable(result) else result

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        result = await self._call(request)
        if isinstance(result, list):
            error = next((item for item in result if isinstance(item, BaseException)), None)
            if error is not None:
                raise error
            if not result:
                raise BackendProtocolError(self.model_id, "no answer")
            result = completion("".join((c.get("delta") or {}).get("content") or ""
                                        for chunk in result for c in chunk.get("choices") or []))
        return {**result, "model": self.model_id}

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        result = await self._call(request)
        async with aclosing(self._items(chunks(result) if isinstance(result, dict) else result)) as items:
            async for item in items:
                yield {**item, "model": self.model_id}

    async def respond(self, request: dict[str, Any]) -> dict[str, Any]:
        return {**await self._call(request), "model": self.model_id}

    async def respond_stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        result = await self._call(request)
        async with aclosing(self._items(events(result) if isinstance(result, dict) else result)) as items:
            async for item in items:
                yield item

    @staticmethod
    async def _items(items: Any) -> AsyncIterator[dict[str, Any]]:
        """The items of a list or an async iterator; closing this closes the iterator (as closing a real
        backend's stream closes its upstream connection)."""
        if isinstance(items, list):
            for item in items:
                if isinstance(item, BaseException):
                    raise item
                yield item
            return
        try:
            async for item in items:
                yield item
        finally:
            close = getattr(items, "aclose", None)
            if close is not None:
                await close()

    async def health(self) -> Health:
        return self._health() if callable(self._health) else self._health
