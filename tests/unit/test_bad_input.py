"""Hostile requests on every model endpoint of the real app (the shipped default policy, function
backends): each is a 4xx in OpenAI's error shape naming the field, never a 500, never a backend call,
and never an echo of what the request carried. Found by bench/hostile_input.py; each row failed once."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from backends.function import FunctionBackend, completion
from router.http import create_app
from router.runtime import build
from router.settings import Settings

DEFAULT = Path(__file__).resolve().parents[2] / "policies" / "default.yaml"
IBAN = "DE89370400440532013000"
MODELS = ("local-smollm2", "local-vision", "local-embed", "cloud-flagship", "cloud-reasoning-fallback",
          "cloud-multimodal", "cloud-embed")


def chat(**extra) -> dict:
    return {"model": "auto", "max_tokens": 8, "messages": [{"role": "user", "content": "Say hi."}], **extra}


def parts(*content) -> dict:
    return {"model": "auto", "messages": [{"role": "user", "content": [{"type": "text", "text": "Look."}, *content]}]}


def nested(depth: int) -> dict:
    return json.loads('{"a":' * depth + "1" + "}" * depth)


CHAT, COMPLETIONS, RESPONSES = "/v1/chat/completions", "/v1/completions", "/v1/responses"
CASES = [  # (path, body, status, param)
    # JSON kinds are strict, as OpenAI's are: these were served as if valid
    (CHAT, chat(stream="yes"), 400, "stream"),
    (CHAT, chat(stream=1), 400, "stream"),
    (CHAT, chat(max_tokens="10"), 400, "max_tokens"),
    (CHAT, chat(max_tokens=1e12), 400, "max_tokens"),
    (CHAT, chat(temperature=True), 400, "temperature"),
    (CHAT, chat(n="1"), 400, "n"),
    (CHAT, chat(stream_options={"include_usage": "yes"}), 400, "stream_options.include_usage"),
    (COMPLETIONS, {"prompt": "hi", "best_of": "x"}, 400, "best_of"),  # was a 500
    (COMPLETIONS, {"prompt": "hi", "stream": "yes"}, 400, "stream"),
    (RESPONSES, {"input": "hi", "store": "yes"}, 400, "store"),
    (RESPONSES, {"input": "hi", "stream": "yes"}, 400, "stream"),
    (RESPONSES, {"input": "hi", "reasoning": "high"}, 400, "reasoning"),
    (RESPONSES, {"input": "hi", "text": "json"}, 400, "text"),
    (RESPONSES, {"input": "hi", "text": {"format": 5}}, 400, "text.format"),
    # deeper than orjson writes (254 levels): was a 500 in classify
    (CHAT, chat(tools=[{"type": "function", "function": {"name": "f", "parameters": nested(300)}}]), 400,
     "tools[0].function"),
    (RESPONSES, {"input": "hi", "metadata": nested(300)}, 400, "metadata.a.a"),
    # the field itself is named, not the `str` branch of `content: str | list[...]`
    (CHAT, parts({"type": "input_audio", "input_audio": {"data": 5}}), 400, "messages[0].content[1].input_audio.data"),
    (CHAT, parts({"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "ultra"}}), 400,
     "messages[0].content[1].image_url.detail"),
    # the dry run's own switch is a JSON boolean, not a word
    ("/v1/route", chat(scan_media="yes"), 400, "scan_media"),
]


@pytest.fixture(scope="module")
def app():
    fakes = {m: FunctionBackend(m, lambda request, m=m: completion(f"{m} says hi")) for m in MODELS}
    gateway = build(Settings(policy=DEFAULT, redis_url=None), backends=fakes)
    return create_app(gateway, max_body_bytes=1024 * 1024), fakes


async def post(app, path: str, body: dict) -> httpx.Response:
    transport = httpx.ASGITransport(app=app[0], raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://turnout") as http:
        return await http.post(path, json=body)


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and "Traceback" not in error["message"]
    return error


@pytest.mark.parametrize(("path", "body", "status", "param"), CASES,
                         ids=[f"{c[0][4:]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
async def test_a_hostile_request_is_a_4xx_naming_the_field_and_reaches_no_model(app, path, body, status, param):
    for fake in app[1].values():
        fake.requests.clear()
    error = error_of(await post(app, path, body), status)
    assert error["param"] == param and error["message"].startswith(f"{param}")
    assert not any(fake.requests for fake in app[1].values())


async def test_the_same_fields_of_the_right_kind_are_served(app):
    for body in (chat(temperature=1, top_p=1, n=1, seed=7, stream_options={"include_usage": True}),
                 chat(tools=[{"type": "function", "function": {"name": "f", "parameters": nested(20)}}])):
        assert (await post(app, CHAT, body)).status_code == 200
    assert (await post(app, COMPLETIONS, {"prompt": "hi", "best_of": 1, "stream": False})).status_code == 200
    assert (await post(app, RESPONSES, {"input": "hi", "store": False, "text": {"format": {"type": "text"}}})).status_code == 200


@pytest.mark.parametrize("body", [
    parts({"type": IBAN, "text": "x"}),  # pydantic's message quoted the tag it found
    {"model": "auto", "input": [{"role": IBAN, "content": "hi"}]},
], ids=["chat part type", "responses role"])
async def test_an_error_does_not_quote_the_value_it_refuses(app, body):
    path = RESPONSES if "input" in body else CHAT
    error = error_of(await post(app, path, body), 400)
    assert IBAN not in error["message"] and "allowed" in error["message"]


async def test_a_long_identifier_is_named_but_not_echoed_whole(app):
    error = error_of(await post(app, CHAT, chat(model="gpt-" + "x" * 10_000)), 404)
    assert error["param"] == "model" and "unknown model 'gpt-xxx" in error["message"] and len(error["message"]) < 400


@pytest.mark.parametrize(("body", "param"), [
    ({"input": [{"role": "user", "content": "Hi."}, {"role": "user", "content": [
        {"type": "input_text", "text": "Look."}, {"type": "input_image", "image_url": "http://10.0.0.1/a.png"}]}]},
     "input[1].content[1].image_url"),
    ({"instructions": "Be brief.", "input": [{"role": "user", "content": [
        {"type": "input_file", "file_data": "http://169.254.169.254/latest/meta-data/"}]}]}, "input[0].content[0].file_data"),
    ({"input": "hi", "max_output_tokens": 0}, "max_output_tokens"),
    ({"input": "hi", "reasoning": {"effort": "extreme"}}, "reasoning.effort"),
], ids=["image", "file", "max_output_tokens", "reasoning.effort"])
async def test_a_responses_error_names_the_responses_field_not_its_chat_translation(app, body, param):
    error = error_of(await post(app, RESPONSES, {"model": "auto", **body}), 400)
    assert error["param"] == param and error["message"].startswith(f"{param}: ")


@pytest.mark.parametrize("audio", [b"RIFF\x24\x00\x00\x00WAVEfmt ", b"ID3 not really an mp3"], ids=["wav", "mp3"])
async def test_an_unreadable_upload_is_named_as_the_file_field(app, audio):
    transport = httpx.ASGITransport(app=app[0], raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://turnout") as http:
        response = await http.post("/v1/audio/transcriptions", files={"file": ("memo.wav", audio)}, data={"model": "auto"})
    error = error_of(response, 400)
    assert error["param"] == "file" and error["message"].startswith("file: audio is not a readable")


async def test_a_judge_score_is_a_json_number(app):
    error = error_of(await post(app, "/v1/feedback", {"id": "chatcmpl-x", "outcome": "good", "judge_score": "0.5"}), 400)
    assert error["param"] == "judge_score"
