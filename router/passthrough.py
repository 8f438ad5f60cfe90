"""/v1/responses passed through to models whose upstream speaks OpenAI's Responses API (`responses: native`).

A /v1/responses request is classified and decided on its chat translation (router/responses.py), so
the decision and the privacy proof are the same whoever serves it. Dispatch then speaks to each model
on the chain in its own API (`Via`): a model marked native gets the Responses body, every other one the
chat translation — per attempt, so a fallback from one kind to the other re-translates before the first
byte.

What a native model's provider receives (`provider_body`) is rebuilt from what `to_chat` validated, so
it carries exactly the text classify read and nothing else (an unknown key is dropped, never forwarded
unread): `input` (a stored conversation's turns first, as items), `instructions`, function `tools`,
`tool_choice`, `text.format` / `text.verbosity`, `reasoning`, sampling parameters, `metadata`, `user`,
and the enum-like `include`, `truncation`, `service_tier`, `top_logprobs`, `max_tool_calls`.
`max_output_tokens` is the chat view's `max_tokens` (the request's, else the policy's default output,
as for chat: the budget reservation is priced on it). Never `previous_response_id`: Turnout resolves it
in its own store, and a provider must not be able to refer to a conversation (a private one least of
all). `store` is false unless the model's `provider_store` allows the provider to keep it.

What the client receives is the provider's `response` object or event stream as it came, with the
response's `id`, `model`, `previous_response_id` and `store` as Turnout presents them (`present`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, cast

import orjson

from backends.base import TERMINAL_EVENTS, Backend, Responder
from router.errors import BadRequest
from router.policy import CompiledPolicy
from router.responses import envelope

__all__ = ["CHAT", "Via", "present", "provider_body", "relayed"]

_SAMPLING = (("temperature", (int, float)), ("top_p", (int, float)), ("parallel_tool_calls", bool),
             ("top_logprobs", int), ("max_tool_calls", int), ("metadata", dict), ("user", str))
_ENUM = re.compile(r"^[a-z0-9_.]{1,64}$")  # include / truncation / service_tier values: names, never text
_LIFECYCLE = ("response.created", "response.in_progress", "response.queued")


def _content(content: Any, role: str) -> Any:
    """A message's content as Responses parts, keeping only the fields `to_chat` read."""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            text_kind = "output_text" if role == "assistant" else "input_text"
            parts.append({"type": text_kind, "text": part["text"]})
        elif kind == "input_image":
            parts.append({"type": "input_image", "image_url": part["image_url"],
                          "detail": part.get("detail") or "auto"})
        elif kind == "input_file":
            parts.append({key: part[key] for key in ("type", "file_data", "filename") if part.get(key) is not None})
        elif kind == "input_audio":
            audio = part.get("input_audio") if isinstance(part.get("input_audio"), dict) else part
            parts.append({"type": "input_audio", "input_audio": {"data": audio.get("data"),
                                                                  "format": audio.get("format", "wav")}})
    return parts


def _input_items(value: Any) -> Any:
    """The request's own `input` (already validated by to_chat), rebuilt from the fields it read."""
    if isinstance(value, str):
        return value
    items = []
    for item in value:
        kind = item.get("type", "message")
        if kind == "message":
            items.append({"type": "message", "role": item["role"], "content": _content(item["content"], item["role"])})
        elif kind == "function_call":
            items.append({"type": "function_call", "call_id": item.get("call_id") or item.get("id"),
                          "name": item.get("name"), "arguments": item.get("arguments") or ""})
        else:  # function_call_output
            output = item.get("output")
            items.append({"type": "function_call_output", "call_id": item.get("call_id"),
                          "output": output if isinstance(output, str) else orjson.dumps(output).decode()})
    return items


def _chat_part(part: Mapping[str, Any]) -> dict[str, Any]:
    kind = part.get("type")
    if kind == "image_url":
        image = part["image_url"]
        return {"type": "input_image", "image_url": image["url"], "detail": image.get("detail") or "auto"}
    if kind == "file":
        return {"type": "input_file", **{k: v for k, v in part["file"].items() if v is not None}}
    if kind == "input_audio":
        return {"type": "input_audio", "input_audio": part["input_audio"]}
    return {"type": "input_text", "text": part.get("text") or ""}


def history_items(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stored conversation (chat messages, as router/responses.py keeps it) as Responses input items."""
    items: list[dict[str, Any]] = []
    for message in messages:
        role, content = message["role"], message.get("content")
        if role == "tool":
            items.append({"type": "function_call_output", "call_id": message.get("tool_call_id"),
                          "output": content if isinstance(content, str) else orjson.dumps(content).decode()})
            continue
        if role == "assistant":
            if content:
                items.append({"type": "message", "role": "assistant",
                              "content": [{"type": "output_text", "text": content}]})
            items.extend({"type": "function_call", "call_id": call["id"], "name": call["function"]["name"],
                          "arguments": call["function"].get("arguments") or ""}
                         for call in message.get("tool_calls") or ())
            continue
        parts = content if isinstance(content, str) else [_chat_part(p) for p in content or ()]
        items.append({"type": "message", "role": role, "content": parts})
    return items


def _enum(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _ENUM.match(value):
        raise BadRequest(f"{where}: expected an option name such as 'auto'", param=where)
    return value


def provider_body(payload: Mapping[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """The Responses body a native model's provider gets (without `model`, `stream`, `max_output_tokens`
    and `store`, which `Via` sets per call). `payload` has passed `to_chat` (so its shape is valid);
    a wrong pass-through-only parameter is a BadRequest naming it."""
    instructions = payload.get("instructions")
    earlier = [m for m in history if instructions is None or m["role"] != "system"]
    own = _input_items(payload["input"])
    if earlier:
        own = [{"type": "message", "role": "user", "content": own}] if isinstance(own, str) else own
        own = history_items(earlier) + own
    body: dict[str, Any] = {"input": own}
    if instructions is not None:
        body["instructions"] = instructions
    for key, kinds in _SAMPLING:
        if payload.get(key) is not None and isinstance(payload[key], kinds):
            body[key] = payload[key]
    if payload.get("tools"):
        body["tools"] = [{key: tool[key] for key in ("type", "name", "description", "parameters", "strict")
                          if key in tool} for tool in payload["tools"]]
    choice = payload.get("tool_choice")
    if isinstance(choice, str):
        body["tool_choice"] = _enum(choice, "tool_choice")
    elif isinstance(choice, dict):
        body["tool_choice"] = {"type": "function", "name": choice.get("name")}
    text = payload.get("text") if isinstance(payload.get("text"), dict) else {}
    fmt = text.get("format") if isinstance(text.get("format"), dict) else None
    if fmt is not None or text.get("verbosity") is not None:
        body["text"] = {}
        if fmt is not None:
            body["text"]["format"] = {k: fmt[k] for k in ("type", "name", "schema", "strict", "description")
                                      if k in fmt}
        if text.get("verbosity") is not None:
            body["text"]["verbosity"] = _enum(text["verbosity"], "text.verbosity")
    reasoning = payload.get("reasoning") if isinstance(payload.get("reasoning"), dict) else {}
    if reasoning:
        body["reasoning"] = {key: _enum(reasoning[key], f"reasoning.{key}") for key in ("effort", "summary")
                             if reasoning.get(key) is not None}
    for key in ("truncation", "service_tier"):
        if payload.get(key) is not None:
            body[key] = _enum(payload[key], key)
    if payload.get("include") is not None:
        if not isinstance(payload["include"], list):
            raise BadRequest("include: expected a list of option names", param="include")
        body["include"] = [_enum(value, f"include[{i}]") for i, value in enumerate(payload["include"])]
    return body


async def _held(events: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    """A provider's events with the opening lifecycle ones (created, in_progress) held back until the first
    event that shows generation started: a stream that fails before it still counts as not started,
    so dispatch may retry or fall back (and the first-token timeout measures a token, not a hello)."""
    held: list[dict[str, Any]] = []
    started = False
    try:
        async for event in events:
            if not started and event.get("type") in _LIFECYCLE:
                held.append(event)
                continue
            if not started:
                started = True
                for early in held:
                    yield early
            yield event
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()


@dataclass(frozen=True)
class Via:
    """How dispatch calls each model: chat for all (`CHAT`), or — for a /v1/responses request — the
    Responses body for the models in `native` (model id -> may the provider store it)."""

    body: dict[str, Any] | None = None
    native: Mapping[str, bool] = field(default_factory=dict)
    operation: str = "chat"  # what the request is recorded as (gen_ai.operation.name)

    @classmethod
    def responses(cls, policy: CompiledPolicy, body: dict[str, Any]) -> Via:
        native = {m.id: m.provider_store for m in policy.models.values() if m.responses == "native"}
        return cls(body, native, "responses")

    def serves(self, model: str | None) -> bool:
        """Does `model` get (and answer in) the Responses API?"""
        return self.body is not None and model in self.native

    def _for(self, model: str, request: dict[str, Any]) -> dict[str, Any]:
        body = {**self.body, "store": self.native[model]}
        if request.get("max_tokens") is not None:
            body["max_output_tokens"] = request["max_tokens"]
        return body

    async def call(self, backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
        """Dispatch's `call`: a Responses `response` from a native model, a chat completion from the others."""
        if self.serves(backend.model_id):
            return await cast(Responder, backend).respond(self._for(backend.model_id, request))
        return await backend.complete(request)

    def start(self, backend: Backend, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """Dispatch's `start`: Responses events from a native model, chat chunks from the others."""
        if self.serves(backend.model_id):
            return _held(cast(Responder, backend).respond_stream(self._for(backend.model_id, request)))
        return backend.stream(request)


CHAT = Via()


def present(response: dict[str, Any], response_id: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """A provider's `response` object as Turnout presents it: Turnout's id, the client's
    `previous_response_id` and `store` (the provider saw neither); `model` is already the policy id."""
    return {**response, "id": response_id, "previous_response_id": payload.get("previous_response_id"),
            "store": payload.get("store", True) is not False}


async def relayed(response_id: str, payload: Mapping[str, Any], events: AsyncIterator[dict[str, Any]],
                  finished: list[dict[str, Any]]) -> AsyncIterator[bytes]:
    """A native model's events (as the gateway relays them) framed as server-sent events, every `response`
    presented as Turnout's; the terminal `response` is appended to `finished`. An error object (the
    stream was cut) becomes `response.failed`, numbered after the last event, as on the chat path.
    Closing it closes `events` (the relay and the upstream under it)."""
    sequence, last = 0, None
    async with aclosing(events):  # type: ignore[type-var]
        async for event in events:
            if "error" in event and "type" not in event:
                opening = last or envelope(response_id, payload, "", status="failed", output=[])
                failed = present(opening, response_id, payload)
                failed.update(status="failed", error={"code": event["error"].get("code") or "server_error",
                                                      "message": event["error"].get("message")})
                event = {"type": "response.failed", "sequence_number": sequence, "response": failed}
            elif isinstance(event.get("response"), dict):
                event = {**event, "response": present(event["response"], response_id, payload)}
                last = event["response"]
                if event.get("type") in TERMINAL_EVENTS:
                    finished.append(event["response"])
            sequence = (event.get("sequence_number") if isinstance(event.get("sequence_number"), int) else sequence) + 1
            yield b"event: " + str(event.get("type")).encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"
