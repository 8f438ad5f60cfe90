"""Personal data of many countries through the whole privacy path (classify's scanner plus the
thorough scan), on data Faker generates with a fixed seed, and the look-alikes that must stay clean.

The generated tables are small slices of bench/privacy_eval.py's corpus (the bench prints the full
per-locale table); each case here must be found, each look-alike must stay clean.
"""

from __future__ import annotations

import random

import phonenumbers
import pytest
from faker import Faker
from schwifty import IBAN

from router.classify.normalize import denoise
from router.classify.privacy import PrivacyScanner
from router.classify.thorough import ThoroughScanner

LOCALES = ("en_US en_GB en_AU en_IN en_CA de_DE de_AT fr_FR es_ES es_MX it_IT nl_NL pt_BR pt_PT pl_PL sv_SE "
           "da_DK fi_FI cs_CZ tr_TR ja_JP ko_KR zh_CN ru_RU uk_UA hu_HU ro_RO el_GR he_IL id_ID").split()


@pytest.fixture(scope="module")
def base() -> PrivacyScanner:
    return PrivacyScanner()


@pytest.fixture(scope="module")
def thorough(base) -> ThoroughScanner:
    return ThoroughScanner(base)


def found(base: PrivacyScanner, thorough: ThoroughScanner, text: str) -> set[str]:
    return {f.kind for f in base.scan(text, "m")} | {f.kind for f in thorough.scan(text, "m")}


def _generated(kind: str, template: str, per_locale: int = 2) -> list[tuple[str, str]]:
    rng = random.Random(18)
    Faker.seed(18)
    rows = []
    for locale in LOCALES:
        fake = Faker(locale)
        country = locale.split("_")[1]
        for _ in range(per_locale):
            if kind == "phone":
                value = fake.phone_number()
                try:
                    if not phonenumbers.is_valid_number(phonenumbers.parse(value, country)):
                        continue
                except phonenumbers.NumberParseException:
                    continue
            elif kind == "iban":
                try:
                    value = str(IBAN(fake.iban()))
                except ValueError:
                    continue
                if rng.random() < 0.5:
                    value = " ".join(value[i:i + 4] for i in range(0, len(value), 4))
            elif kind == "address":
                value = fake.address().replace("\n", ", ")
            else:
                value = fake.name()
            rows.append((locale, template.format(value=value)))
    return rows


GENERATED = [
    ("person", "Please call back {value} about the overdue invoice."),
    ("person", "Summarise the meeting notes: {value} agreed to send the revised budget by Friday."),
    ("address", "Ship the replacement to {value}."),
    ("phone", "You can reach her on {value}."),
    ("iban", "Please refund the deposit to IBAN {value}."),
]


@pytest.mark.parametrize(("kind", "template"), GENERATED, ids=[f"{k}: {t[:30]}" for k, t in GENERATED])
def test_generated_personal_data_of_many_countries_is_found(base, thorough, kind, template):
    rows = _generated(kind, template)
    missed = [(locale, text) for locale, text in rows if not found(base, thorough, text)]
    assert len(rows) >= 40
    # The bench's target is 95% over its whole corpus; a slice of ~60 allows a little more.
    assert len(missed) <= 0.07 * len(rows), missed


@pytest.mark.parametrize("text", [
    "Ship the replacement to PSC 4022, Box 8970, APO AP 87703.",
    "Send it to USNS Martin, FPO AE 09501.",
    "Unit 7688 Box 6703, DPO AA 34020",
    "Her home address is 80 Joseph Port, Alisontown, WA, 8459.",
    "Her home address is H.No. 50, Dutta Ganj, Jalandhar-496436.",
    "Szabadság út 48., H-2407 Györgyfalu",
    "Registered address: ул. Невского, д. 92, 977281",
    "Ship the replacement to 熊本県横浜市旭区卯の里26丁目25番12号.",
    "Dear Prof. Dr. Anna Schmidt,\nthank you for the review.",
    "Best regards,\nKilian Kroker B.Eng.",
    "Dear Dipl.-Ing. Cilli Naser B.Sc.,\nyour parcel could not be delivered today.",
    "Gesprächsnotiz: Alexa Bloch-Hartmann hat wegen der doppelten Abbuchung angerufen.",
    "Please call back Левко Корбут about the overdue invoice.",
    "Our customer 杜玲 says the router keeps rebooting.",
    "Her personal identification number is 400905-2859299.",
    "Citizen ID 71419424732 was entered twice in the form.",
    "The applicant was born on 1976年06月21日.",
    "Mobile: +55 38 9628-5872",
    "Customer callback number +1-681-604-1732x77954, best after 5pm.",
])
def test_known_misses_are_found(base, thorough, text):
    assert found(base, thorough, text)


@pytest.mark.parametrize("text", [
    "What happens at 10 Downing Street on budget day?",
    "Plan a walking tour from Trafalgar Square to 221B Baker Street.",
    "Is the museum at 20 Maresfield Gardens worth a visit?",
    "Alexa, play some jazz in the kitchen.",
    "Hey Siri, set a timer for ten minutes.",
    "Claude, summarise this article in three bullet points.",
    "Plan a trip to San Diego and Santa Clara.",
    "What is the weather like in Lama Dei Peligni in May?",
    "Why is Angela Merkel considered so influential in history?",
    "Write a product description for Familia Espejo S.Coop.",
    "Tracking code 71419424733 was scanned twice.",  # a TC kimlik number with a broken check digit
    "Reference DE89 3704 0044 0532 0130 01 appears on the slip.",  # an IBAN with a broken checksum
    "Upgrade from 10.0.19045.3803 to 2.14.3 before the release.",
    "The job started at 1710498727123 and took 42 seconds.",
    "Request 4f6a9c21-8b3e-4d2a-9c1b-1a2b3c4d5e6f timed out after 30 s.",
    "Population of Kraków: 2 148 271 (census 2021), area 105.4 km².",
    "Order 415-555-0132 shipped on Tuesday.",
    "I work at google.com and read docs at example.org.",
])
def test_look_alikes_stay_clean(base, thorough, text):
    assert found(base, thorough, text) == set()


@pytest.mark.parametrize(("spoken", "written"), [
    ("john smith at gmail dot com", "john smith@gmail.com"),
    ("john underscore smith at example dot org", "john_smith@example.org"),
    ("mary dash jones at example dot com", "mary-jones@example.com"),
    ("my email is john.smith at gmail.com.", "my email is john.smith@gmail.com."),
    ("email me: jsmith42 at outlook.com", "email me: jsmith42@outlook.com"),
    ("write to anna at gmail.com please", "write to anna@gmail.com please"),
    ("I work at google.com", "I work at google.com"),
    ("have a look at example.com", "have a look at example.com"),
    ("version 2.1 at build.example.org", "version 2.1 at build.example.org"),
])
def test_spoken_and_half_spoken_emails_are_written_plainly(spoken, written):
    assert denoise(spoken) == written


def test_typed_text_and_transcripts_share_the_normaliser(base, thorough):
    """What a transcript would say is found in typed text too (the thorough scan denoises it)."""
    assert "email" in {f.kind for f in thorough.scan("My address is john.smith at gmail.com", "m")}
    assert "email" in {f.kind for f in thorough.scan("it's john underscore smith at example dot org", "m")}


def test_a_next_turn_reads_only_its_new_message(base, monkeypatch):
    """The memo: turn N of a conversation scans only the message it adds; the findings of the earlier
    turns come back located at their own parts, the same as a fresh scanner's."""
    scanner = ThoroughScanner(base)
    turns = [(f"Turn {i}: the shipment left the depot on schedule.", f"messages[{i}].content") for i in range(5)]
    turns[2] = ("Please reply to our customer Henrik Lindqvist about the refund.", "messages[2].content")
    first = scanner.scan_many(turns)
    read: list[str] = []
    real = scanner._scan
    monkeypatch.setattr(scanner, "_scan", lambda text, where, exact, base_clean=False: read.append(text)
                        or real(text, where, exact, base_clean))
    nxt = turns + [("And the invoice for March?", "messages[5].content")]
    again = scanner.scan_many(nxt)
    assert read == ["And the invoice for March?"]
    assert again == first == ThoroughScanner(base).scan_many(nxt)
    assert [f.where for f in again] == ["messages[2].content"]


def test_the_memo_is_bounded_and_keeps_no_text(base):
    from router.classify import thorough

    memo = thorough._Memo(3)
    for i in range(5):
        memo.put(thorough._Memo.key(f"text {i}"), ())
    assert memo.get(thorough._Memo.key("text 0")) is None and memo.get(thorough._Memo.key("text 4")) == ()
    assert len(memo._items) == 3 and all(isinstance(key, bytes) and len(key) == 16 for key in memo._items)
