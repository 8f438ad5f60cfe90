"""The OpenAI endpoints beyond chat completions: `/v1/responses` and `/v1/completions`, served by
translation to the chat path (router/responses.py, router/completions.py: each request goes through
`Gateway.chat` — classify, decide, dispatch, the privacy proof — like a chat request; a model marked
`responses: native` is sent the Responses body instead and its answer relayed, router/passthrough.py), and
`/v1/embeddings` (router/embeddings.py: the same plan, models that serve embeddings)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse

from router import completions, embeddings, passthrough, responses, served
from router.errors import BadRequest
from router.gateway import Gateway

_SSE_HEADERS = {"cache-control": "no-cache"}


def _json(body: Any, headers: dict[str, str]) -> Response:
    return Response(orjson.dumps(body), media_type="application/json", headers=headers)


_CHAT_WHERE = re.compile(r"messages\[(\d+)\]((?:\.content\[\d+\])?)(\S*)")
_TOP_FIELDS = {"max_tokens": "max_output_tokens", "reasoning_effort": "reasoning.effort"}
_PART_FIELDS = {".image_url.url": ".image_url", ".file.file_data": ".file_data"}  # chat's spelling -> Responses'


def in_responses_terms(exc: BadRequest, payload: dict[str, Any], chat: dict[str, Any]) -> BadRequest:
    """`exc`, raised for the chat translation of a Responses request, naming the Responses field
    (`input[2].content[1].image_url`, `instructions`) instead of the chat one (`messages[3]...`)."""
    if exc.param in _TOP_FIELDS:
        return _named(exc, _TOP_FIELDS[exc.param])
    match = _CHAT_WHERE.fullmatch(exc.param or "")
    given = payload.get("input")
    if isinstance(given, str):
        items: list[Any] = [given]
    elif isinstance(given, list) and all(isinstance(i, dict) and i.get("type", "message") == "message" for i in given):
        items = given
    else:  # function calls merge into chat turns: no one-to-one place to name
        return exc
    if match is None:
        return exc
    index = int(match.group(1)) - (len(chat["messages"]) - len(items))
    if index < 0:
        return exc
    return _named(exc, ("input" if isinstance(given, str) else f"input[{index}]") + match.group(2) +
                  _PART_FIELDS.get(match.group(3), match.group(3)))


def _named(exc: BadRequest, where: str) -> BadRequest:
    relocated = BadRequest(where + exc.message[len(exc.param or ""):], param=where, code=exc.code)
    relocated.status = exc.status
    return relocated


def add_routes(app: FastAPI, gw: Callable[[Request], Gateway], authenticate: Callable[[Gateway, Request], str],
               read_json: Callable[..., Any], unless_disconnected: Callable[..., Any]) -> None:
    """Register the translated endpoints on `app`, using the HTTP layer's own helpers."""

    def conversations(gateway: Gateway) -> responses.Conversations:
        stored = getattr(app.state, "conversations", None)
        if stored is None or stored.store is not gateway.cache:
            stored = app.state.conversations = responses.Conversations(gateway.cache)
        return stored

    @app.post("/v1/responses")
    async def create_response(request: Request) -> Response:
        gateway = gw(request)
        tenant = authenticate(gateway, request)
        payload = await read_json(request, request.app.state.max_body_bytes)
        store = conversations(gateway)
        history, stored_class = [], None
        if isinstance(payload, dict) and payload.get("previous_response_id") is not None:
            history, stored_class = await store.history(tenant, payload["previous_response_id"])
        chat = responses.to_chat(payload, history)
        native_body = passthrough.provider_body(payload, history)
        headers = responses.raised_headers(request.headers, stored_class)
        response_id = responses.new_id("resp")  # also the answer's feedback id: the one id the client sees
        try:
            reply = await unless_disconnected(request, gateway.chat(chat, headers, tenant, responses=native_body,
                                                                    answer_id=response_id))
        except BadRequest as exc:
            raise in_responses_terms(exc, payload, chat) from None
        if reply is None:
            return Response(status_code=499)
        keep = payload.get("store", True) is not False

        async def remember(final: dict[str, Any]) -> None:
            if keep:
                messages = chat["messages"] + [responses.answer_message(final)]
                await store.save(tenant, response_id, messages, reply.headers.get("x-turnout-data-class", "internal"))

        if reply.stream is None:
            final = (passthrough.present(reply.body, response_id, payload) if reply.native
                     else responses.from_completion(response_id, payload, reply.body))
            await remember(final)
            return _json(final, reply.headers)

        async def body() -> AsyncIterator[bytes]:
            finished: list[dict[str, Any]] = []
            relayed = (passthrough.relayed(response_id, payload, reply.stream, finished) if reply.native
                       else responses.events(response_id, payload, reply.stream,
                                             reply.headers.get("x-turnout-model", ""), finished))
            async for piece in relayed:
                yield piece
            if finished:
                await remember(finished[0])

        return StreamingResponse(body(), media_type="text/event-stream", headers={**reply.headers, **_SSE_HEADERS})

    @app.post("/v1/embeddings")
    async def create_embeddings(request: Request) -> Response:
        gateway = gw(request)
        tenant = authenticate(gateway, request)
        payload = await read_json(request, request.app.state.max_body_bytes)
        served = await unless_disconnected(request, embeddings.serve(gateway, payload, request.headers, tenant))
        if served is None:
            return Response(status_code=499)
        return _json(*served)

    @app.post("/v1/completions")
    async def create_completion(request: Request) -> Response:
        gateway = gw(request)
        tenant = authenticate(gateway, request)
        payload = await read_json(request, request.app.state.max_body_bytes)
        replies = []
        for prompt in completions.prompts(payload):
            reply = await unless_disconnected(request, gateway.chat(completions.to_chat(payload, prompt),
                                                                    request.headers, tenant))
            if reply is None:
                return Response(status_code=499)
            replies.append(reply)
        if payload.get("stream"):
            return StreamingResponse(completions.stream(replies[0].stream, completions.wants_usage(payload)),
                                     media_type="text/event-stream", headers={**replies[0].headers, **_SSE_HEADERS})
        recording = served.current()  # every prompt's answer is in the request's one record
        headers = served.headers(recording.freeze()) if recording is not None else \
            completions.most_private([r.headers for r in replies])
        return _json(completions.combine([r.body for r in replies]), headers)
