"""The OpenAI endpoints beyond chat completions: `/v1/responses` and `/v1/completions`, served by
translation to the chat path (router/responses.py, router/completions.py: each request goes through
`Gateway.chat` — classify, decide, dispatch, the privacy proof — like a chat request; a model marked
`responses: native` is sent the Responses body instead and its answer relayed, router/passthrough.py), and
`/v1/embeddings` (router/embeddings.py: the same plan, models that serve embeddings).

Answers on `/v1/responses` and `/v1/completions` leave as the chat endpoint's do (router/http.py): a
stream is closed however its sending ends, and the gateway's end work (`Reply.after`: the budget
settlement, the cache store, a stream's usage and cost in the record) runs once the last byte has gone,
`[DONE]` or `response.completed` included, and also when the request failed or the client left."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.types import Receive, Scope, Send

from router import completions, embeddings, passthrough, responses, served
from router.errors import BadRequest
from router.gateway import Gateway, Reply
from router.http_io import HangUp, send_events, send_json

After = Callable[[], Awaitable[None]]


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


class Answer(Response):
    """A 200 answer sent as the chat endpoint sends its own: a JSON `body`, or server-sent `events`
    (closed however the sending ends: send_events), then each of `after` awaited, sent or not. A client
    that hangs up mid-stream cancels the sending at once (unless the server in front does that itself:
    `app.state.watch_hang_ups`, off inside Ray Serve)."""

    def __init__(self, headers: dict[str, str], *, body: Any = None, events: AsyncIterator[bytes] | None = None,
                 after: Sequence[After] = ()) -> None:
        super().__init__(status_code=200)
        self.answer_headers, self.payload, self.events, self.after = headers, body, events, tuple(after)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if self.events is None:
                await send_json(send, 200, orjson.dumps(self.payload), self.answer_headers)
            else:
                async with HangUp(receive, watch=getattr(scope["app"].state, "watch_hang_ups", True)):
                    await send_events(send, self.events, self.answer_headers)
        finally:
            await run_after(self.after)
        if self.background is not None:
            await self.background()


async def run_after(after: Sequence[After]) -> None:
    """Await each of `after`, all of them even if one fails (the first failure is raised then)."""
    failure: BaseException | None = None
    for work in after:
        try:
            await work()
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure


def _after(replies: Sequence[Reply]) -> list[After]:
    return [reply.after for reply in replies if reply.after is not None]


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
                                                                    answer_id=response_id, deferred=True))
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
            try:
                final = (passthrough.present(reply.body, response_id, payload) if reply.native
                         else responses.from_completion(response_id, payload, reply.body))
                await remember(final)
            except BaseException:
                await run_after(_after([reply]))
                raise
            return Answer(reply.headers, body=final, after=_after([reply]))
        stream = reply.stream

        async def body() -> AsyncIterator[bytes]:
            finished: list[dict[str, Any]] = []
            relayed = (passthrough.relayed(response_id, payload, stream, finished) if reply.native
                       else responses.events(response_id, payload, stream, reply.headers.get("x-turnout-model", ""),
                                             finished))
            async with aclosing(relayed):
                async for piece in relayed:
                    yield piece
            if finished:  # stored before the body ends: a follow-up naming this response finds it
                await remember(finished[0])

        return Answer(reply.headers, events=body(), after=_after([reply]))

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
        replies: list[Reply] = []
        try:
            for prompt in completions.prompts(payload):
                reply = await unless_disconnected(request, gateway.chat(completions.to_chat(payload, prompt),
                                                                        request.headers, tenant, deferred=True))
                if reply is None:
                    await run_after(_after(replies))
                    return Response(status_code=499)
                replies.append(reply)
            if payload.get("stream"):
                assert replies[0].stream is not None
                events = completions.stream(replies[0].stream, completions.wants_usage(payload))
                return Answer(replies[0].headers, events=events, after=_after(replies))
            recording = served.current()  # every prompt's answer is in the request's one record
            headers = served.headers(recording.freeze()) if recording is not None else \
                completions.most_private([r.headers for r in replies])
            body = completions.combine([r.body for r in replies])
        except BaseException:  # a later prompt failed (or the client left): the earlier ones still settle
            await run_after(_after(replies))
            raise
        return Answer(headers, body=body, after=_after(replies))
