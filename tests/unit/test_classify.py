"""classify(): every role and part is scanned, data class only goes up, modalities, tokens, purity.

The devset test runs the shared labelled cases (/work/shared/eval/devset.jsonl) through the real
privacy scanner: cases whose signal is a phone number, card, IBAN, SSN or secret pass once the
scanner detects those.
"""

from __future__ import annotations

import base64
import builtins
import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from router.classify import Classifier, TenantView
from router.classify.privacy import PrivacyScanner
from router.classify.tokens import default_rule_for
from router.errors import BadRequest, InvalidContent, PayloadTooLarge
from router.profile import DataClass, Modality
from router.request import parse_chat_request

RULES = {
    "cloud-flagship": default_rule_for("openai/gpt-4o", False),
    "cloud-claude": default_rule_for("anthropic/claude-sonnet-4-5", False),
    "local-qwen": default_rule_for("qwen2.5-vl-7b", True),
}
EMAIL = "maria.keller@example-mail.de"


def devset_path() -> Path:
    """The shared devset lives beside the repository: <repo>/../shared/eval/devset.jsonl."""
    return Path(__file__).resolve().parents[2].parent / "shared/eval/devset.jsonl"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(token_rules=RULES, privacy=PrivacyScanner())


def request(*messages, **extra):
    return parse_chat_request({"model": "auto", "messages": list(messages), **extra})


def user(content):
    return {"role": "user", "content": content}


def png_url(size=(32, 24)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def text_part(text):
    return {"type": "text", "text": text}


def image_part(url=None, detail="auto"):
    return {"type": "image_url", "image_url": {"url": url or png_url(), "detail": detail}}


TOOL_CALL = {"id": "c1", "type": "function", "function": {"name": "crm_lookup", "arguments": '{"id": 42}'}}

# (messages, extra request fields, where the e-mail must be found)
EVERY_PLACE = [
    ([{"role": "system", "content": f"You assist {EMAIL}."}, user("Hi")], {}, "messages[0].content"),
    ([{"role": "developer", "content": f"Owner: {EMAIL}"}, user("Hi")], {}, "messages[0].content"),
    ([user(f"I am {EMAIL}"), {"role": "assistant", "content": "Noted."}, user("Next?")], {}, "messages[0].content"),
    ([user("Who?"), {"role": "assistant", "content": f"It is {EMAIL}."}, user("Thanks")], {},
     "messages[1].content"),
    ([user("Look up."), {"role": "assistant", "content": None, "tool_calls": [
        {**TOOL_CALL, "function": {"name": "send", "arguments": json.dumps({"to": EMAIL})}}]},
      {"role": "tool", "tool_call_id": "c1", "content": "sent"}], {}, "messages[1].tool_calls[0].function.arguments"),
    ([user("Look up."), {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
      {"role": "tool", "tool_call_id": "c1", "content": json.dumps({"email": EMAIL})}], {}, "messages[2].content"),
    ([user([text_part("Describe this."), image_part(), text_part(f"Send it to {EMAIL}")])], {},
     "messages[0].content[2].text"),
    ([user("Hi"), {"role": "assistant", "content": [{"type": "refusal", "refusal": f"Ask {EMAIL}"}]}, user("ok")],
     {}, "messages[1].content[0].refusal"),
    ([{"role": "user", "name": EMAIL, "content": "Hi"}], {}, "messages[0].name"),
    ([user("Hi"), {"role": "assistant", "content": None,
                   "function_call": {"name": "mail", "arguments": json.dumps({"to": EMAIL})}}], {},
     "messages[1].function_call"),
    ([user("Hi")], {"tools": [{"type": "function", "function": {"name": "f", "description": f"mails {EMAIL}"}}]},
     "tools"),
    ([user("Hi")], {"user": EMAIL}, "user"),
    ([user("Hi")], {"prediction": {"type": "content", "content": f"Dear {EMAIL}"}}, "prediction"),
]


@pytest.mark.parametrize("messages, extra, where", EVERY_PLACE)
def test_every_role_and_field_is_scanned(classifier, messages, extra, where):
    profile = classifier.classify(request(*messages, **extra), {})
    assert [(f.kind, f.where) for f in profile.findings] == [("email", where)]
    assert profile.detected_class == profile.data_class == DataClass.CONFIDENTIAL
    assert f"email in {where}" in profile.class_reasons


@pytest.mark.parametrize("messages, extra, where", EVERY_PLACE)
def test_every_role_and_field_is_counted(classifier, messages, extra, where):
    with_email = classifier.classify(request(*messages, **extra), {})
    redacted = json.loads(json.dumps({"m": messages, "e": extra}).replace(EMAIL, "x"))
    without = classifier.classify(request(*redacted["m"], **redacted["e"]), {})
    assert all(with_email.input_tokens[m] > without.input_tokens[m] for m in RULES)


@pytest.mark.parametrize("content, detected, header, tenant, final", [
    ("Hi", DataClass.INTERNAL, None, DataClass.INTERNAL, DataClass.INTERNAL),
    ("Hi", DataClass.INTERNAL, "restricted", DataClass.INTERNAL, DataClass.RESTRICTED),
    ("Hi", DataClass.INTERNAL, "public", DataClass.INTERNAL, DataClass.INTERNAL),  # tenant default holds
    ("Hi", DataClass.INTERNAL, "public", DataClass.PUBLIC, DataClass.INTERNAL),  # no signal is internal
    (f"Mail {EMAIL}", DataClass.CONFIDENTIAL, "public", DataClass.PUBLIC, DataClass.CONFIDENTIAL),  # never lowered
    (f"Mail {EMAIL}", DataClass.CONFIDENTIAL, "internal", DataClass.INTERNAL, DataClass.CONFIDENTIAL),
    (f"Mail {EMAIL}", DataClass.CONFIDENTIAL, "RESTRICTED", DataClass.INTERNAL, DataClass.RESTRICTED),
    ("Hi", DataClass.INTERNAL, None, DataClass.CONFIDENTIAL, DataClass.CONFIDENTIAL),
    ("Hi", DataClass.INTERNAL, "confidential", DataClass.RESTRICTED, DataClass.RESTRICTED),
])
def test_header_and_tenant_raise_but_never_lower(classifier, content, detected, header, tenant, final):
    headers = {"X-Turnout-Data-Class": header} if header else {}
    profile = classifier.classify(request(user(content)), headers, TenantView("acme", tenant))
    assert (profile.detected_class, profile.data_class) == (detected, final)
    assert profile.tenant == "acme"


def test_class_reasons_say_why(classifier):
    profile = classifier.classify(request(user(f"Mail {EMAIL}")), {"x-turnout-data-class": "public"})
    assert profile.class_reasons == ("email in messages[0].content",
                                     "header x-turnout-data-class: public (below detected confidential: not lowered)")
    raised = classifier.classify(request(user("Hi")), {"x-turnout-data-class": "restricted"},
                                 TenantView("acme", DataClass.CONFIDENTIAL))
    assert raised.class_reasons == ("no personal data, secrets or declared class", "header x-turnout-data-class: restricted")
    by_tenant = classifier.classify(request(user("Hi")), {}, TenantView("acme", DataClass.CONFIDENTIAL))
    assert by_tenant.class_reasons == ("no personal data, secrets or declared class", "tenant acme default: confidential")


@pytest.mark.parametrize("value", ["secret", "", "confidental", "3"])
def test_invalid_data_class_header_is_a_400_naming_header_and_values(classifier, value):
    with pytest.raises(BadRequest) as caught:
        classifier.classify(request(user("Hi")), {"x-turnout-data-class": value})
    message = caught.value.message
    assert caught.value.status == 400 and caught.value.param == "x-turnout-data-class"
    assert message.startswith("header x-turnout-data-class: ")
    assert "public, internal, confidential, restricted" in message


def audio_part():
    import wave
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000), out.writeframes(b"\0" * 32000)
    return {"type": "input_audio", "input_audio": {"data": base64.b64encode(buf.getvalue()).decode(), "format": "wav"}}


VIDEO = {"type": "video_url", "video_url": {"url": "https://media.example.com/clip.mp4"}}
FILE = {"type": "file", "file": {"file_data": "data:application/pdf;base64,"
                                              + base64.b64encode(b"%PDF-1.4\n<< /Type /Page >>\n").decode()}}


@pytest.mark.parametrize("content, modalities", [
    ("Hi", ["text"]),
    ([image_part()], ["image"]),
    ([text_part("What is it?"), image_part()], ["image", "text"]),
    ([text_part(""), audio_part()], ["audio"]),  # empty text is not text
    ([text_part("Summarize."), VIDEO], ["text", "video"]),
    ([FILE, text_part("Summarize.")], ["file", "text"]),
    ([text_part("All."), image_part(), audio_part(), VIDEO, FILE], ["audio", "file", "image", "text", "video"]),
])
def test_modalities(classifier, content, modalities):
    profile = classifier.classify(request(user(content)), {})
    assert sorted(m.value for m in profile.modalities) == modalities
    assert all(isinstance(m, Modality) for m in profile.modalities)


def test_media_are_recorded_with_their_location(classifier):
    profile = classifier.classify(request(user([text_part("All."), image_part(), audio_part(), VIDEO, FILE])), {})
    assert [i.where for i in profile.images] == ["messages[0].content[1].image_url"]
    assert [(a.where, a.duration_s) for a in profile.audio] == [("messages[0].content[2].input_audio", 1.0)]
    assert [(v.where, v.frames) for v in profile.videos] == [("messages[0].content[3].video_url", 30)]
    assert [(f.where, f.mime, f.pages) for f in profile.files] == [
        ("messages[0].content[4].file", "application/pdf", 1)]


def test_tokens_one_entry_per_candidate_and_images_count(classifier):
    text_only = classifier.classify(request(user("What is it?")), {})
    square = image_part(png_url((1024, 1024)), "high")
    with_image = classifier.classify(request(user([text_part("What is it?"), square])), {})
    assert set(text_only.input_tokens) == set(RULES)
    assert with_image.input_tokens["cloud-flagship"] - text_only.input_tokens["cloud-flagship"] == 765
    assert with_image.input_tokens["cloud-claude"] - text_only.input_tokens["cloud-claude"] == 1399
    assert with_image.input_tokens["local-qwen"] - text_only.input_tokens["local-qwen"] == 37 * 37 + 2


@pytest.mark.parametrize("extra, output", [({}, 512), ({"max_tokens": 100}, 100),
                                           ({"max_completion_tokens": 300, "max_tokens": 100}, 300)])
def test_output_tokens(classifier, extra, output):
    assert classifier.classify(request(user("Hi"), **extra), {}).output_tokens == output


def test_request_fields_carried_over(classifier):
    profile = classifier.classify(request(user("Hi"), model="cloud-flagship", stream=True),
                                  {"X-Turnout-App": " billing-bot "})
    assert (profile.requested_model, profile.stream, profile.app) == ("cloud-flagship", True, "billing-bot")
    assert classifier.classify(request(user("Hi")), {}).app is None


def test_complexity_reads_system_and_user_text_only(classifier):
    hard = "Prove rigorously that there are infinitely many primes of the form 4k+3, explaining each step."
    assert classifier.classify(request(user(hard)), {}).complexity.score >= 0.6
    assert classifier.classify(request({"role": "system", "content": hard}, user("Go.")), {}).complexity.score >= 0.6
    echoed = request(user("Hi"), {"role": "assistant", "content": hard}, user("Thanks!"))
    assert classifier.classify(echoed, {}).complexity.score < 0.3


@pytest.mark.parametrize("part, where, error", [
    (image_part("data:image/png;base64," + base64.b64encode(b"garbage").decode()),
     "messages[0].content[1].image_url", InvalidContent),
    (image_part("data:image/png,notbase64"), "messages[0].content[1].image_url", InvalidContent),
    ({"type": "input_audio", "input_audio": {"data": "%%%%", "format": "wav"}},
     "messages[0].content[1].input_audio", InvalidContent),
    ({"type": "file", "file": {}}, "messages[0].content[1].file", InvalidContent),
])
def test_unreadable_parts_are_400s_naming_message_and_part(classifier, part, where, error):
    with pytest.raises(error) as caught:
        classifier.classify(request(user([text_part("Look"), part])), {})
    assert caught.value.status == 400 and caught.value.message.startswith(where + ": ")


def test_too_many_images_is_413(classifier):
    url = png_url((8, 8))
    with pytest.raises(PayloadTooLarge, match=r"messages\[1\].content\[24\].image_url: more than 64 images"):
        classifier.classify(request(user([image_part(url)] * 40), user([image_part(url)] * 40)), {})


def test_classify_is_pure(classifier):
    """No file, no environment, same answer twice."""
    req = request({"role": "system", "content": f"For {EMAIL}"}, user([text_part("What?"), image_part()]))
    first = classifier.classify(req, {"x-turnout-data-class": "confidential"})

    def refuse(*args, **kwargs):
        raise AssertionError("classify did I/O or read the environment")

    class NoEnvironment(dict):
        __getitem__ = get = __contains__ = __iter__ = keys = items = refuse

    with pytest.MonkeyPatch.context() as patch:  # restored before pytest itself needs them again
        for target, name in ((builtins, "open"), (io, "open"), (os, "getenv")):
            patch.setattr(target, name, refuse)
        patch.setattr(os, "environ", NoEnvironment())
        again = classifier.classify(req, {"x-turnout-data-class": "confidential"})
    assert again == first


# ------------------------------------------------------------------------------------------------ devset

ORDER = ["public", "internal", "confidential", "restricted"]


def devset_cases() -> list[dict]:
    return [json.loads(line) for line in devset_path().read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("case", devset_cases(), ids=lambda case: case["id"])
def test_devset_case(classifier, case):
    profile = classifier.classify(parse_chat_request(case["body"]), case["headers"])
    expect = case["expect"]
    if "modalities" in expect:
        assert sorted(m.value for m in profile.modalities) == sorted(expect["modalities"])
    if "data_class_min" in expect:
        assert profile.data_class >= DataClass.parse(expect["data_class_min"]), profile.class_reasons
    if "data_class_max" in expect:
        assert profile.data_class <= DataClass.parse(expect["data_class_max"]), profile.class_reasons
    assert ORDER[profile.data_class] == profile.data_class.label


# -- one scan for the whole conversation ------------------------------------------------------------

def _gps_jpeg_url() -> str:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)})
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, "JPEG", exif=exif.tobytes())
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def test_findings_keep_the_order_of_the_request_around_media_findings(classifier):
    profile = classifier.classify(request(
        user(f"Mail {EMAIL} please."),
        user([text_part("Where was this taken?"), image_part(_gps_jpeg_url())]),
        user("Then call +49 151 23456789.")), {})
    assert [(f.kind, f.where) for f in profile.findings] == [
        ("email", "messages[0].content"), ("exif_gps", "messages[1].content[1].image_url"),
        ("phone", "messages[2].content")]


@pytest.mark.parametrize("first, second, expected", [
    # A reference word ending one message does not veto a phone number opening the next...
    ("Please check the order", "0151 23456789 is my mobile", [("phone", "messages[1].content")]),
    # ...and a phone word ending one message does not turn a bare number in the next into a phone.
    ("Call me later.", "4155550132", []),
    ("password:", "hunter2hunter2", []),  # a credential name in one part, a value in the next: not a pair
])
def test_no_message_makes_or_breaks_a_finding_in_another(classifier, first, second, expected):
    together = classifier.classify(request(user(first), user(second)), {})
    alone = [f for i, text in enumerate((first, second))
             for f in classifier.classify(request(*([user("-")] * i), user(text)), {}).findings]
    assert [(f.kind, f.where) for f in together.findings] == expected
    assert [(f.kind, f.where) for f in together.findings] == [(f.kind, f.where) for f in alone]


def test_an_anchored_policy_regex_still_matches_each_message_on_its_own():
    from router.classify.privacy import PrivacyConfig
    from router.policy import CustomDetector

    ticket = CustomDetector(name="ticket", regex=r"^ACME-\d{4}$", data_class="restricted")
    anchored = PrivacyScanner(PrivacyConfig(custom=[ticket]))
    profile = Classifier(token_rules=RULES, privacy=anchored).classify(
        request(user("Hello."), user("ACME-1234")), {})
    assert [(f.kind, f.where) for f in profile.findings] == [("custom:ticket", "messages[1].content")]
    assert profile.data_class == DataClass.RESTRICTED


def test_scanning_a_conversation_at_once_finds_exactly_what_scanning_each_part_finds(classifier):
    """Conversations built from the privacy tables' personal data and decoys, in random order and
    roles: the one-pass scan must report the same kinds at the same places as part-by-part scans."""
    import random

    import test_privacy as tables

    texts = [row[0] for table in (tables.DEV_POSITIVES, tables.DEV_NEGATIVES, tables.PHONE_DECOYS,
                                  tables.HAND_WRITTEN_PHONES, tables.SECRETS, tables.SECRET_DECOYS,
                                  tables.NATIONAL_IDS) for row in table]
    scanner = classifier.privacy
    rng = random.Random(20261123)
    for _ in range(300):
        parts = rng.sample(texts, rng.randint(2, 6))
        messages = [{"role": rng.choice(["user", "assistant", "system"]), "content": text} for text in parts]
        profile = classifier.classify(request(*messages), {})
        expected = [(f.kind, f.where) for i, text in enumerate(parts)
                    for f in scanner.scan(text, f"messages[{i}].content")]
        assert [(f.kind, f.where) for f in profile.findings] == expected, parts
