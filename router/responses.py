"""OpenAI's Responses API over the chat path: `POST /v1/responses` is translated to a chat request,
served by the same classify -> decide -> dispatch (so the same privacy proof), and the answer
translated back — as one `response` object, or as the Responses event stream.

Contract of the translation:
- `input` is a string (one user message) or a list of items: messages (roles user, system,
  developer, assistant; content a string or `input_text` / `input_image` / `input_file` /
  `input_audio` / `output_text` parts), `function_call` and `function_call_output` items.
  `instructions` becomes the first system message; `max_output_tokens` the chat `max_tokens`;
  `text.format` the `response_format`; `reasoning.effort` the `reasoning_effort`; function tools
  are re-shaped to chat tools. A wrong shape is a 400 naming the item and field.
- `previous_response_id` continues a stored conversation: its messages come first, and its data
  class is sent as `x-turnout-data-class`, so a conversation that was private once is routed as
  private from then on (classification can raise it further, never lower it). Conversations are
  stored per tenant, in the gateway's cache store (in-process or Redis), for `ttl_s`; another
  tenant's id is "not found", like an expired one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any

import orjson

from router.errors import BadRequest, NotFound, TurnoutError, shown
from router.profile import DataClass
from router.request import require_kinds

_ROLES = ("user", "system", "developer", "assistant")
_PASSED = ("temperature", "top_p", "user", "parallel_tool_calls", "seed", "stop", "metadata")
_KINDS = {"stream": bool, "store": bool, "instructions": str, "previous_response_id": str, "max_output_tokens": int,
          "reasoning": dict, "text": dict, "tools": list, "metadata": dict, "parallel_tool_calls": bool}
_UNSUPPORTED = {"background": "background responses are not supported; omit `background`"}
DATA_CLASS_HEADER = "x-turnout-data-class"


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _part(part: Any, where: str) -> dict[str, Any]:
    """One Responses content part as a chat content part."""
    if not isinstance(part, dict):
        raise BadRequest(f"{where}: expected an object with a 'type'", param=where)
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        if not isinstance(part.get("text"), str):
            raise BadRequest(f"{where}.text: expected a string", param=f"{where}.text")
        return {"type": "text", "text": part["text"]}
    if kind == "input_image":
        url = part.get("image_url")
        if not isinstance(url, str) or not url:
            raise BadRequest(f"{where}.image_url: expected an image URL or data URL (file_id is not supported)",
                             param=f"{where}.image_url")
        return {"type": "image_url", "image_url": {"url": url, "detail": part.get("detail") or "auto"}}
    if kind == "input_file":
        data = part.get("file_data")
        if not isinstance(data, str) or not data:
            raise BadRequest(f"{where}.file_data: expected a data URL or base64 file (file_id is not supported)",
                             param=f"{where}.file_data")
        return {"type": "file", "file": {"file_data": data, "filename": part.get("filename")}}
    if kind == "input_audio":
        audio = part.get("input_audio") if isinstance(part.get("input_audio"), dict) else part
        return {"type": "input_audio", "input_audio": {"data": audio.get("data"), "format": audio.get("format", "wav")}}
    raise BadRequest(f"{where}.type: unknown content part type; allowed: input_text, input_image, "
                     f"input_file, input_audio, output_text", param=f"{where}.type")


def _message(item: dict[str, Any], where: str) -> dict[str, Any]:
    role = item.get("role")
    if role not in _ROLES:
        raise BadRequest(f"{where}.role: unknown role; allowed: {', '.join(_ROLES)}", param=f"{where}.role")
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise BadRequest(f"{where}.content: expected a string or a list of parts", param=f"{where}.content")
    parts = [_part(p, f"{where}.content[{j}]") for j, p in enumerate(content)]
    if role == "assistant":  # chat takes an assistant turn as text
        return {"role": role, "content": "".join(p.get("text", "") for p in parts)}
    return {"role": role, "content": parts}


def input_messages(value: Any) -> list[dict[str, Any]]:
    """`input` as chat messages; BadRequest naming the item for a wrong shape."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if not isinstance(value, list) or not value:
        raise BadRequest("input: expected a string or a non-empty list of items", param="input")
    messages: list[dict[str, Any]] = []
    for i, item in enumerate(value):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise BadRequest(f"{where}: expected an object", param=where)
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(_message(item, where))
        elif kind == "function_call":
            call = {"id": item.get("call_id") or item.get("id"), "type": "function",
                    "function": {"name": item.get("name"), "arguments": item.get("arguments") or ""}}
            if messages and messages[-1]["role"] == "assistant" and "tool_calls" in messages[-1]:
                messages[-1]["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            messages.append({"role": "tool", "tool_call_id": item.get("call_id"),
                             "content": output if isinstance(output, str) else orjson.dumps(output).decode()})
        else:
            raise BadRequest(f"{where}.type: unknown item type; allowed: message, function_call, "
                             f"function_call_output", param=f"{where}.type")
    return messages


def _tools(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise BadRequest("tools: expected a list", param="tools")
    out = []
    for k, tool in enumerate(tools):
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise BadRequest(f"tools[{k}].type: only function tools are supported", param=f"tools[{k}].type")
        out.append({"type": "function", "function": {key: tool[key] for key in ("name", "description", "parameters",
                                                                                 "strict") if key in tool}})
    return out


def to_chat(payload: Any, history: list[dict[str, Any]]) -> dict[str, Any]:
    """The chat-completions payload serving Responses `payload` after the stored `history`."""
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object")
    for key, why in _UNSUPPORTED.items():
        if payload.get(key):
            raise BadRequest(f"{key}: {why}", param=key)
    require_kinds(payload, _KINDS)
    if isinstance(payload.get("text"), dict):
        require_kinds(payload["text"], {"format": dict}, within="text")
    if "input" not in payload:
        raise BadRequest("input: required", param="input")
    messages = list(history)
    instructions = payload.get("instructions")
    if instructions is not None:
        if not isinstance(instructions, str):
            raise BadRequest("instructions: expected a string", param="instructions")
        messages = [{"role": "system", "content": instructions}] + [m for m in messages if m["role"] != "system"]
    messages += input_messages(payload["input"])
    chat: dict[str, Any] = {"model": payload.get("model") or "auto", "messages": messages}
    chat.update({key: payload[key] for key in _PASSED if payload.get(key) is not None})
    if payload.get("max_output_tokens") is not None:
        chat["max_tokens"] = payload["max_output_tokens"]
    if payload.get("tools"):
        chat["tools"] = _tools(payload["tools"])
    if isinstance(payload.get("tool_choice"), (str, dict)):
        choice = payload["tool_choice"]
        chat["tool_choice"] = choice if isinstance(choice, str) else {"type": "function",
                                                                       "function": {"name": choice.get("name")}}
    fmt = (payload.get("text") or {}).get("format") if isinstance(payload.get("text"), dict) else None
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        chat["response_format"] = {"type": "json_schema", "json_schema": {
            k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}}
    elif isinstance(fmt, dict) and fmt.get("type") == "json_object":
        chat["response_format"] = {"type": "json_object"}
    effort = (payload.get("reasoning") or {}).get("effort") if isinstance(payload.get("reasoning"), dict) else None
    if effort:
        chat["reasoning_effort"] = effort
    if payload.get("stream"):
        chat["stream"] = True
        chat["stream_options"] = {"include_usage": True}
    return chat


def usage(chat_usage: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not chat_usage:
        return None
    prompt, completion = chat_usage.get("prompt_tokens") or 0, chat_usage.get("completion_tokens") or 0
    return {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion,
            "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}}


def _text_item(item_id: str, text: str, status: str = "completed") -> dict[str, Any]:
    return {"id": item_id, "type": "message", "status": status, "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


def _call_item(call: Mapping[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    return {"id": new_id("fc"), "type": "function_call", "status": "completed", "call_id": call.get("id") or new_id("call"),
            "name": function.get("name"), "arguments": function.get("arguments") or ""}


def envelope(response_id: str, payload: Mapping[str, Any], model: str, *, status: str,
             output: list[dict[str, Any]], chat_usage: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The `response` object (the fields OpenAI's SDKs read)."""
    return {"id": response_id, "object": "response", "created_at": int(time.time()), "status": status,
            "model": model, "output": output, "usage": usage(chat_usage), "error": None, "incomplete_details": None,
            "instructions": payload.get("instructions"), "max_output_tokens": payload.get("max_output_tokens"),
            "previous_response_id": payload.get("previous_response_id"), "parallel_tool_calls": True,
            "temperature": payload.get("temperature"), "top_p": payload.get("top_p"), "tool_choice": "auto",
            "tools": payload.get("tools") or [], "metadata": payload.get("metadata") or {},
            "store": payload.get("store", True), "text": {"format": {"type": "text"}}}


def from_completion(response_id: str, payload: Mapping[str, Any], completion: Mapping[str, Any]) -> dict[str, Any]:
    """A finished chat completion as a Responses `response`."""
    message = ((completion.get("choices") or [{}])[0]).get("message") or {}
    output = [_call_item(call) for call in message.get("tool_calls") or ()]
    if message.get("content") or not output:
        output.insert(0, _text_item(new_id("msg"), message.get("content") or ""))
    return envelope(response_id, payload, completion.get("model") or "", status="completed", output=output,
                    chat_usage=completion.get("usage"))


def answer_message(response: Mapping[str, Any]) -> dict[str, Any]:
    """The assistant turn a finished `response` adds to its conversation."""
    text = "".join(part.get("text", "") for item in response["output"] if item["type"] == "message"
                   for part in item["content"])
    calls = [{"id": item["call_id"], "type": "function",
              "function": {"name": item["name"], "arguments": item["arguments"]}}
             for item in response["output"] if item["type"] == "function_call"]
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    return message


async def chat_chunks(stream: Any) -> AsyncIterator[dict[str, Any]]:
    """The chat chunks of a gateway stream (an async generator), whether it yields SSE bytes or chunk
    objects. Closing this closes `stream`, and so the relay and the upstream under it."""
    buffer = b""
    async with aclosing(stream):
        async for piece in stream:
            if isinstance(piece, dict):
                yield piece
                continue
            buffer += piece
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                for line in event.split(b"\n"):
                    if line.startswith(b"data: ") and line[6:].strip() != b"[DONE]":
                        yield orjson.loads(line[6:])


def event(kind: str, sequence: int, **fields: Any) -> bytes:
    return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps({"type": kind, "sequence_number": sequence,
                                                                     **fields}) + b"\n\n"


async def events(response_id: str, payload: Mapping[str, Any], stream: AsyncIterator[Any], model: str,
                 finished: list[dict[str, Any]]) -> AsyncIterator[bytes]:
    """The Responses event stream for a chat stream; the final `response` is appended to `finished`.
    Closing it closes `stream` (the relay and the upstream under it)."""
    item_id, seq = new_id("msg"), iter(range(1_000_000_000))
    async with aclosing(chat_chunks(stream)) as chunks:
        yield event("response.created", next(seq), response=envelope(response_id, payload, model, status="in_progress",
                                                                       output=[]))
        yield event("response.in_progress", next(seq), response=envelope(response_id, payload, model,
                                                                           status="in_progress", output=[]))
        yield event("response.output_item.added", next(seq), output_index=0, item=_text_item(item_id, "", "in_progress"))
        yield event("response.content_part.added", next(seq), item_id=item_id, output_index=0, content_index=0,
                    part={"type": "output_text", "text": "", "annotations": []})
        text: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        chat_usage = None
        async for chunk in chunks:
            if "error" in chunk and not chunk.get("choices"):
                failed = envelope(response_id, payload, model, status="failed", output=[])
                failed["error"] = {"code": chunk["error"].get("code") or "server_error",
                                   "message": chunk["error"].get("message")}
                yield event("response.failed", next(seq), response=failed)
                return
            chat_usage = chunk.get("usage") or chat_usage
            for choice in chunk.get("choices") or ():
                delta = choice.get("delta") or {}
                if delta.get("content"):
                    text.append(delta["content"])
                    yield event("response.output_text.delta", next(seq), item_id=item_id, output_index=0,
                                content_index=0, delta=delta["content"], logprobs=[])
                for call in delta.get("tool_calls") or ():
                    into = calls.setdefault(call.get("index", 0), {"id": None, "function": {"name": "", "arguments": ""}})
                    into["id"] = call.get("id") or into["id"]
                    function = call.get("function") or {}
                    into["function"]["name"] += function.get("name") or ""
                    into["function"]["arguments"] += function.get("arguments") or ""
        full = "".join(text)
        yield event("response.output_text.done", next(seq), item_id=item_id, output_index=0, content_index=0,
                    text=full, logprobs=[])
        part = {"type": "output_text", "text": full, "annotations": []}
        yield event("response.content_part.done", next(seq), item_id=item_id, output_index=0, content_index=0, part=part)
        output = [_text_item(item_id, full)]
        yield event("response.output_item.done", next(seq), output_index=0, item=output[0])
        for index in sorted(calls):
            item = _call_item(calls[index])
            yield event("response.output_item.added", next(seq), output_index=len(output), item=item)
            yield event("response.function_call_arguments.done", next(seq), item_id=item["id"],
                        output_index=len(output), arguments=item["arguments"])
            yield event("response.output_item.done", next(seq), output_index=len(output), item=item)
            output.append(item)
        done = envelope(response_id, payload, model, status="completed", output=output, chat_usage=chat_usage)
        finished.append(done)
        yield event("response.completed", next(seq), response=done)


class Conversations:
    """Stored Responses conversations, per tenant, in a cache store (`get(key)` / `set(key, value, ttl)`)."""

    def __init__(self, store: Any, ttl_s: int = 24 * 3600) -> None:
        self.store = store
        self.ttl_s = ttl_s

    @staticmethod
    def _key(tenant: str, response_id: str) -> str:
        return f"turnout:v1:responses:{tenant}:{response_id}"

    async def history(self, tenant: str, response_id: Any) -> tuple[list[dict[str, Any]], DataClass]:
        """(messages, data class) of a stored conversation; NotFound when it is unknown to this tenant."""
        if not isinstance(response_id, str) or not response_id:
            raise BadRequest("previous_response_id: expected a response id string", param="previous_response_id")
        stored = await self.store.get(self._key(tenant, response_id))
        if stored is None:
            raise NotFound(f"previous_response_id: response {shown(response_id)} not found (never stored, expired, or "
                           f"another tenant's)", param="previous_response_id")
        return stored["messages"], DataClass.parse(stored["data_class"])

    async def save(self, tenant: str, response_id: str, messages: list[dict[str, Any]], data_class: str) -> None:
        try:
            await self.store.set(self._key(tenant, response_id), {"messages": messages, "data_class": data_class},
                                 self.ttl_s)
        except TurnoutError:
            raise
        except Exception:  # a store outage loses the conversation's continuation, not the answer
            pass


def raised_headers(headers: Mapping[str, str], stored: DataClass | None) -> dict[str, str]:
    """Request headers with the stored conversation's class declared (never lowering a declared one)."""
    out = {k.lower(): v for k, v in headers.items()}
    if stored is None:
        return out
    declared = out.get(DATA_CLASS_HEADER)
    try:
        current = DataClass.parse(declared) if declared else DataClass.PUBLIC
    except ValueError:
        return out  # classify reports the bad header as a 400
    out[DATA_CLASS_HEADER] = max(current, stored).label
    return out
