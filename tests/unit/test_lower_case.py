"""Personal data written in lower case (chat, dictation, speech-to-text without capitals), through the
whole privacy path: people found next to a cue that expects a person, never for the common words
that are also names ("grant", "rose", "mark") or for a lower-cased exam or task; street addresses
after words that give one, or whole from house number to ZIP or postcode."""

from __future__ import annotations

import pytest

from router.classify.privacy import PrivacyScanner
from router.classify.thorough import ThoroughScanner


@pytest.fixture(scope="module")
def thorough() -> ThoroughScanner:
    return ThoroughScanner(PrivacyScanner())


def person(thorough: ThoroughScanner, text: str) -> bool:
    return any(f.kind == "person" for f in thorough.scan(text, "m"))


def address(thorough: ThoroughScanner, text: str) -> bool:
    return any(f.kind == "address" for f in thorough.scan(text, "m"))


@pytest.mark.parametrize("text", [
    "tell john smith his order shipped yesterday",                 # interaction, two common names
    "can you email sarah jones the invoice",
    "remind david miller about the meeting",                      # "miller" is a word, and a common surname
    "ping wei zhang about the deploy",
    "write a reply to ahmed khan, he was charged twice",
    "i spoke with fatima al-sayed yesterday",                     # a double-barrelled surname
    "please ask olga petrova to resend the form",
    "our customer emily johnson wants a refund",                  # role word: a given name is enough
    "my colleague mark keeps missing the standup",
    "my name is maria duke and i need help with my account",      # introduction
    "hi, this is priya sharma from accounts",
    "des kunden elvira atzler über die verspätete lieferung",    # a German role word, an unknown surname
    "mein name ist dr. hasso briemer und ich möchte kündigen",
    "the letter is for mrs. donnelly, flat 3",                    # honorific and a surname
    "hi grace,\nthe contract is attached",                        # salutation, alone on its line
    "hallo hans jörg,\ndanke für die schnelle rückmeldung",
    "thanks for your help.\nkind regards,\nrachael o'brien",      # sign-off on its own line
    "lukas schneider called about his contract",                  # before what only a person does
    "priya sharma said the invoice was wrong",
])
def test_people_named_in_lower_case_are_found(thorough, text):
    assert person(thorough, text)


@pytest.mark.parametrize("text", [
    "tell me a joke",
    "ask questions about the api",
    "email marketing best practices",
    "ping pong rules for the office",
    "remind me to buy rose garden soil",
    "tell the team about grant funding",                          # "grant" is no common given name
    "remind bill payments due on friday",                         # "payments" is no surname
    "ask mark twain quotes for a poster",                         # "twain" is no common surname
    "write a poem about may flowers",
    "invite all users to the beta",
    "my name is not important",
    "hi team,\nthe build is green again",
    "kind regards,\nthe support team",
    "meet at 3 a.m. stan runs around the corner",                # a.m. is no honorific
    "select the best translation into predicate logic. marco moves from italy to spain. (i: italy; m: marco)",
    "the cache said nothing and the queue called back",           # person verbs after common words
    "john deere tractors said to be in demand",                   # "deere" is no common surname
])
def test_common_words_and_tasks_in_lower_case_stay_clean(thorough, text):
    assert not person(thorough, text)



@pytest.mark.parametrize("text", [
    "i live at 4821 maple ridge drive, columbus",                 # after words that give an address
    "my address is 12 baker street",
    "i moved to 77 oak avenue last week",
    "deliver to 221 elm st apt 4",
    "ship the parcel to 9 n. willow lane",
    "address: 4 mill lane",
    "please send the signed lease to 7103 joseph shoal, lake natashaberg, tn 30259.",  # whole, to the ZIP
    "update the delivery address to flat 98r, naylor knoll, allenfort, g5j 0hz.",     # to the postcode
    "the inspection is booked at 35050 darius plain suite 777, north kellyport, wa 80874 on friday",
])
def test_street_addresses_in_lower_case_are_found(thorough, text):
    assert address(thorough, text)


@pytest.mark.parametrize("text", [
    "we planned 3 big road trips",                                # a street word without an address's words
    "i moved 3 old park benches",
    "send 2 new drive images to the team",
    "moved to 2 new cloud regions",
    "posted to 5 discussion boards",
    "the 42 bus goes down main street",
    "meet me at 10 downing street lol",                           # a landmark
    "5 cats, some dogs, in 20000 homes",                          # a state's letters and five digits, mid-clause
    "table 4, rows 2, cols 3, in 10000 cells",
])
def test_numbers_and_street_words_in_lower_case_stay_clean(thorough, text):
    assert not address(thorough, text)


@pytest.mark.parametrize("text", [
    "passport number u9303342, expiring next year.",
    "her driving licence number is la5980397.",
    "add id card number mp0492772 to the booking.",
    "numéro de passeport : x875-0380-5886.",
])
def test_document_numbers_in_lower_case_after_their_word_are_found(thorough, text):
    assert any(f.kind == "id_document" for f in thorough.scan(text, "m"))


@pytest.mark.parametrize("text", ["the passport number field accepts 9 characters",
                                  "id card number 2023-2024 renewals are due"])  # a year range is no number
def test_document_words_without_a_document_number_in_lower_case_stay_clean(thorough, text):
    assert not any(f.kind == "id_document" for f in thorough.scan(text, "m"))
