"""What POST /v1/audio/transcriptions leaves in traces: the exact attributes of the request span and
of the attempt's CLIENT span, for routine audio sent to the cloud transcription model and for a
private voice memo transcribed locally; no span carries a word of what was said or transcribed.
Real espeak-ng speech and the real local Whisper engine, as in test_transcriptions.py; the
recording server plays the cloud model."""

from __future__ import annotations

import io
import wave

import httpx
import openai
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import media_samples as ms
from fault_server import FaultServer
from router.http import create_app
from router.runtime import build
from router.settings import Settings
from router.telemetry import Telemetry
from test_transcriptions import POLICY

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    cloud = FaultServer(reply_text="cloud transcript").start()
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(POLICY.format(cloud=cloud.base_url))
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    telemetry = Telemetry(tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TURNOUT_TEST_STT_KEY", "sk-test")
        app = create_app(build(Settings(policy=path, model_dir=tmp_path_factory.getbasetemp() / "m"),
                               telemetry=telemetry))
        yield app, spans
    cloud.stop()


def client(app) -> openai.AsyncOpenAI:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout/v1", timeout=300)
    return openai.AsyncOpenAI(base_url="http://turnout/v1", api_key="unused", http_client=http, max_retries=0)


def _strings(attributes) -> list[str]:
    """The text a span's attributes carry (numbers are left out: a duration's digits are no words)."""
    values = [v for value in attributes.values() for v in (value if isinstance(value, tuple) else (value,))]
    return [*attributes, *(v for v in values if isinstance(v, str))]


def said_nowhere(spans, *words: str) -> None:
    for span in spans:
        text = " ".join([*_strings(span.attributes), *(s for e in span.events for s in (e.name, *_strings(e.attributes))),
                         span.name, str(span.status.description)]).lower()
        assert not [w for w in words if w.lower() in text], span.name


def expected(rule: str, data_class: str, location: str, model: str, provider: str, name: str, cost: float,
             findings: tuple[str, ...]) -> dict:
    return {"http.request.method": "POST", "http.route": "/v1/audio/transcriptions",
            "turnout.operation": "transcriptions", "gen_ai.operation.name": "transcriptions",
            "turnout.tenant": "default", "turnout.app": "other", "turnout.rule": rule, "turnout.data_class": data_class,
            "turnout.location": location, "turnout.model": model, "turnout.cache": "bypass",
            "turnout.cost_usd": cost, "turnout.reference_cost_usd": 0.0, "turnout.savings_usd": 0.0,
            "turnout.kept_local_usd": 0.0, "turnout.fallbacks": 0, "http.response.status_code": 200,
            "turnout.modalities": ("audio",), "turnout.findings": findings, "gen_ai.provider.name": provider,
            "gen_ai.request.model": name, "gen_ai.response.model": name}


def attempt_of(model: str, provider: str, name: str) -> dict:
    return {"gen_ai.operation.name": "transcriptions", "gen_ai.provider.name": provider, "gen_ai.request.model": name,
            "gen_ai.response.model": name, "turnout.model": model, "turnout.attempt.outcome": "ok"}


def one_request(spans):
    finished = spans.get_finished_spans()
    [server] = [s for s in finished if s.kind == SpanKind.SERVER]
    [attempt] = [s for s in finished if s.kind == SpanKind.CLIENT]
    assert all(s.context.trace_id == server.context.trace_id for s in finished)
    assert attempt.parent.span_id == server.context.span_id
    steps = sorted(s.name for s in finished if s.kind == SpanKind.INTERNAL)
    assert steps == ["turnout.classify", "turnout.decide", "turnout.look"]  # the look listened to the clip
    return server, attempt


async def test_routine_audio_to_the_cloud_model(traced):
    app, spans = traced
    spans.clear()
    clip = ms.speech("The quarterly numbers look good.")
    raw = await client(app).audio.transcriptions.with_raw_response.create(model="auto", file=("q.wav", clip))
    assert raw.parse().text == "cloud transcript"
    server, attempt = one_request(spans)
    # billed per second of audio (litellm's price map: whisper-1 at $0.0001/s); the upstream reported no
    # duration, so the clip's own WAV header gives it
    with wave.open(io.BytesIO(clip)) as header:
        seconds = header.getnframes() / header.getframerate()
    cost = server.attributes["turnout.cost_usd"]
    assert cost == pytest.approx(seconds * 0.0001, rel=0.02)
    assert dict(server.attributes) == expected("routine-audio-to-cloud", "internal", "cloud", "cloud-whisper",
                                               "openai", "whisper-1", cost, ())
    assert attempt.name == "transcriptions whisper-1"
    assert dict(attempt.attributes) == attempt_of("cloud-whisper", "openai", "whisper-1")
    assert raw.headers["x-turnout-cost-usd"] == f"{server.attributes['turnout.cost_usd']:.8f}"
    said_nowhere(spans.get_finished_spans(), "quarterly", "numbers", "cloud transcript")


async def test_a_private_voice_memo_transcribed_locally(traced):
    app, spans = traced
    spans.clear()
    raw = await client(app).audio.transcriptions.with_raw_response.create(
        model="auto", file=("memo.wav", ms.speech("Please call me back on 020 7946 0958.")), language="en")
    assert "call me back" in raw.parse().text.lower()
    server, attempt = one_request(spans)
    cost = server.attributes["turnout.cost_usd"]
    assert cost > 0 and raw.headers["x-turnout-cost-usd"] == f"{cost:.8f}"  # GPU-hour price x time held
    # the local model's replica did not do the work: the look's speech engine (faster-whisper) did
    assert dict(server.attributes) == expected("private", "confidential", "local", "local-text", "faster_whisper",
                                               "whisper-base", cost, ("phone",))
    assert attempt.name == "transcriptions whisper-base"
    assert dict(attempt.attributes) == attempt_of("local-text", "faster_whisper", "whisper-base")
    said_nowhere(spans.get_finished_spans(), "call me back", "020", "7946", "0958")
