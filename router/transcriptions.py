"""`POST /v1/audio/transcriptions` in OpenAI's shape, routed by the same policy as chat.

The upload becomes a one-message chat request holding the clip as `input_audio`, so classify,
decide and the media look treat it exactly as they treat a voice memo: the data class comes from the
headers, the tenant and what the look hears, and only models cleared for it are candidates. Along the
decision's chain, the first model that can transcribe serves it:

- a local model that takes audio as a transcript (`audio_input: transcribe`): the local speech engine;
- a remote model marked `transcription: true` (e.g. `openai/whisper-1`): litellm's `atranscription`.

Nothing else transcribes. `response_format` json -> {"text"}, text -> the bare text, verbose_json ->
{"task", "language", "duration", "text", "segments"}; other formats are a 400.
"""

from __future__ import annotations

import base64
import os
import time
from typing import Any, Mapping

from router import semconv as sc
from router import served
from router.accounting import Bill, held_cost
from router.dispatch import Attempt
from router.engines import WHISPER_NAME
from router.errors import BadRequest, shown, TurnoutError, Unroutable, UpstreamUnavailable
from router.pipeline import plan
from router.policy import CompiledPolicy, LiteLLMModel, LlamaCppModel
from router.prices import lookup

FORMATS = ("json", "text", "verbose_json")
_EXTENSIONS = {"wav": "wav", "mp3": "mp3", "mpeg": "mp3", "mpga": "mp3", "flac": "flac", "ogg": "ogg",
               "oga": "ogg", "opus": "ogg", "m4a": "m4a", "mp4": "m4a", "webm": "webm"}
_MAGIC = ((b"RIFF", "wav"), (b"fLaC", "flac"), (b"OggS", "ogg"), (b"ID3", "mp3"), (b"\x1a\x45\xdf\xa3", "webm"))


def audio_format(filename: str, data: bytes) -> str:
    """The container, from the file's first bytes, else its extension. BadRequest when neither says."""
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return fmt
    if data[4:8] == b"ftyp":
        return "m4a"
    if data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "mp3"
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    raise BadRequest(f"file: {filename or 'the upload'} is not a supported audio file; allowed: flac, m4a, mp3, "
                     "mp4, mpeg, mpga, oga, ogg, opus, wav, webm", param="file")


def chat_payload(model: str, data: bytes, fmt: str) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": [
        {"type": "input_audio", "input_audio": {"data": base64.b64encode(data).decode(), "format": fmt}}]}]}


_PART = "messages[0].content[0]"


def _about_the_file(exc: BadRequest) -> BadRequest:
    """`exc`, raised for the chat form of the upload, naming the multipart `file` the client sent."""
    param = exc.param or ""
    if not param.startswith(_PART):
        return exc
    where = param[len(_PART):].removeprefix(".input_audio")
    relocated = BadRequest(f"file{where}" + exc.message[len(param):], param=f"file{where}", code=exc.code)
    relocated.status = exc.status
    return relocated


def transcriber(policy: CompiledPolicy, chain: tuple[str, ...]) -> str | None:
    """The first model along `chain` that can transcribe."""
    for model_id in chain:
        model = policy.models[model_id]
        if isinstance(model, LlamaCppModel) and model.audio_input == "transcribe":
            return model_id
        if getattr(model, "transcription", False):
            return model_id
    return None


async def transcribe(gateway, form: Mapping[str, Any], headers: Mapping[str, str], tenant: str) -> tuple[Any, dict]:
    """(body, headers) for one upload; TurnoutError (OpenAI-shaped) otherwise."""
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        raise BadRequest("file: a multipart 'file' field with the audio is required", param="file")
    response_format = str(form.get("response_format") or "json")
    if response_format not in FORMATS:
        raise BadRequest(f"response_format: {shown(response_format)} is not supported; allowed: {', '.join(FORMATS)}",
                         param="response_format")
    language = (str(form.get("language") or "").strip().lower() or None)
    if language is not None and not (language.isalpha() and len(language) in (2, 3)):
        raise BadRequest(f"language: {shown(language)} is not an ISO-639-1 code (e.g. 'en')", param="language")
    data = await upload.read()
    if not data:
        raise BadRequest("file: the upload is empty", param="file")
    fmt = audio_format(getattr(upload, "filename", "") or "", data)
    policy = gateway.store.current
    with gateway.telemetry.recording("transcriptions", tenant) as rec:
        try:
            request, decision = plan(policy, chat_payload(str(form.get("model") or "auto"), data, fmt), headers,
                                     tenant, gateway.health_view(), steps=rec.step)
        except BadRequest as exc:
            raise _about_the_file(exc) from None
        decision = await gateway.review(rec, policy, request, decision)
        rec.cache = "bypass"
        if decision.error is not None:
            raise decision.error
        model_id = transcriber(policy, decision.chain)
        if model_id is None:
            raise Unroutable(f"no model this {decision.profile.data_class.label} request may use can transcribe "
                             f"({', '.join(decision.chain)}); give a local model 'audio_input: transcribe' or a "
                             "remote one 'transcription: true'", param="model")
        started, started_ns = time.perf_counter(), time.time_ns()
        model = policy.models[model_id]
        try:
            if model.location == "local" and isinstance(model, LlamaCppModel):
                reader = gateway.look.reader
                if reader is None:
                    raise UpstreamUnavailable("no speech engine is running")
                result = await reader.transcribe(data, fmt, language=language)
                text, detected, duration = result.text, result.language, result.duration_s
                segments = [{"id": n, "start": s, "end": e, "text": t} for n, (s, e, t) in enumerate(result.segments)]
            else:
                text, detected, duration, segments = await _cloud(model, data, getattr(upload, "filename", None) or
                                                                  f"audio.{fmt}", language, policy)
        except TurnoutError as exc:
            rec.outcome.attempts.append(Attempt(model_id, type(exc).__name__, time.perf_counter() - started,
                                                exc.message, started_ns=started_ns))
            raise
        held = time.perf_counter() - started
        rec.outcome.attempts.append(Attempt(model_id, "ok", held, started_ns=started_ns))
        rec.outcome.model = model_id
        if isinstance(model, LlamaCppModel):
            rec.engine = (sc.PROVIDER_FASTER_WHISPER, WHISPER_NAME)  # the look's speech engine did the work
            cost = held_cost(model.pricing.gpu_hour_usd, held)
        else:  # billed per second of audio: the provider's figure, else the clip's own header's
            seconds = duration or sum(clip.duration_s for clip in decision.profile.audio)
            cost = seconds * float((lookup(model.model) or {}).get("input_cost_per_second") or 0.0)
        rec.settled(None, Bill(cost=cost), 200)
        out_headers = served.headers(rec.freeze())
        out_headers["x-turnout-duration-ms"] = f"{held * 1000:.0f}"
    if response_format == "text":
        return text, out_headers
    if response_format == "verbose_json":
        return {"task": "transcribe", "language": detected, "duration": duration, "text": text,
                "segments": segments}, out_headers
    return {"text": text}, out_headers


async def _cloud(model, data: bytes, filename: str, language: str | None,
                 policy: CompiledPolicy) -> tuple[str, str | None, float | None, list]:
    """litellm's atranscription on a remote transcription model; its errors become UpstreamError."""
    import litellm

    name = model.model if isinstance(model, LiteLLMModel) else f"openai/{model.model}"
    kwargs: dict[str, Any] = {"model": name, "file": (filename, data), "timeout": policy.spec.defaults.timeouts.total_s}
    if model.api_base:
        kwargs["api_base"] = model.api_base
    if model.api_key_env:
        key = os.environ.get(model.api_key_env)
        if not key:
            raise UpstreamUnavailable(f"model {model.id!r}: {model.api_key_env} is not set")
        kwargs["api_key"] = key
    if language:
        kwargs["language"] = language
    try:
        response = await litellm.atranscription(**kwargs)
    except TurnoutError:
        raise
    except Exception as exc:  # litellm's exception tree: one line for the client, never a traceback
        raise UpstreamUnavailable(f"model {model.id!r}: transcription failed ({type(exc).__name__})") from None
    return str(getattr(response, "text", "") or ""), getattr(response, "language", None), \
        getattr(response, "duration", None), list(getattr(response, "segments", None) or [])
