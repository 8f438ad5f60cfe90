"""A backend's stream as the chunks a client receives, and a tally of what it carried.

The relay stamps the policy's model id on every chunk, fills a usage chunk's missing prompt count,
drops the usage chunk unless the client asked for it (`stream_options.include_usage`), and turns a
failure mid-stream into one last OpenAI error object (the status is already sent: 200). The tally
is what the gateway settles, caches and records once the stream is over. Framing (SSE) is the
HTTP layer's. `relay_events` does the same for a Responses event stream from a model that speaks it
(router/passthrough.py): the policy id on each event's `response`, usage from the terminal event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from backends.base import TERMINAL_EVENTS, BackendError
from router import accounting
from router.decide import Decision
from router.dispatch import aclose
from router.upstream import to_router_error

__all__ = ["Tally", "relay", "relay_events"]


@dataclass
class Tally:
    usage: dict[str, Any] | None = None  # None: the stream ended before its usage chunk
    parts: list[str] = field(default_factory=list)
    finish: str | None = None
    status: int = 200  # the error's status when the stream was cut by a backend failure

    @property
    def content(self) -> str:
        return "".join(self.parts)


async def relay(head: list[dict[str, Any]], rest: AsyncIterator[dict[str, Any]], model: str, decision: Decision,
                include_usage: bool, tally: Tally) -> AsyncIterator[dict[str, Any]]:
    """Yields the client's chunks: `head` (what dispatch read before the stream was opened), then the
    rest; closes `rest` however it ends."""
    try:
        chunk: dict[str, Any] | None = head[0]
        read, heads = 1, len(head)  # an index, not a generator: nothing added per chunk of the rest
        while chunk is not None:
            chunk["model"] = model
            if chunk.get("usage"):
                tally.usage = chunk["usage"] = accounting.stream_usage(chunk["usage"], decision, model)
            for choice in chunk.get("choices") or []:
                tally.parts.append((choice.get("delta") or {}).get("content") or "")
                tally.finish = choice.get("finish_reason") or tally.finish
            if chunk.get("choices"):
                yield chunk if include_usage else {k: v for k, v in chunk.items() if k != "usage"}
            elif include_usage:
                yield chunk
            if read < heads:
                chunk, read = head[read], read + 1
            else:
                chunk = await anext(rest, None)
    except BackendError as exc:
        error = to_router_error(exc)
        tally.status = error.status
        yield error.body()
    finally:
        await aclose(rest)


async def relay_events(head: list[dict[str, Any]], rest: AsyncIterator[dict[str, Any]], model: str,
                       decision: Decision, tally: Tally) -> AsyncIterator[dict[str, Any]]:
    """Yields a native model's Responses events: `head`, then the rest, each `response` named by the
    policy id; the terminal event's usage (chat-shaped) is tallied. A failure mid-stream ends it with
    one OpenAI error object, as `relay` does; closes `rest` however it ends."""
    try:
        event: dict[str, Any] | None = head[0]
        read, heads = 1, len(head)
        while event is not None:
            response = event.get("response")
            if isinstance(response, dict):
                response["model"] = model
                if response.get("usage") and event.get("type") in TERMINAL_EVENTS:
                    tally.usage = accounting.response_usage(response, decision, model)
            if event.get("type") == "response.output_text.delta":
                tally.parts.append(event.get("delta") or "")
            yield event
            if read < heads:
                event, read = head[read], read + 1
            else:
                event = await anext(rest, None)
    except BackendError as exc:
        error = to_router_error(exc)
        tally.status = error.status
        yield error.body()
    finally:
        await aclose(rest)

