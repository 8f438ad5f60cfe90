"""Shapes the held-out probe (bench/privacy_probe_world.py) and earlier sessions found missed or
wrongly flagged, through the whole privacy path (classify's scanner plus the thorough scan): each
fix with the look-alikes that must stay clean beside it. The sentences are written here, not taken
from the probe.
"""

from __future__ import annotations

import phonenumbers
import pytest

from privacy_kinds import kinds, thorough  # noqa: F401  (thorough: the fixture)


# -- payment cards: a run of groups longer than any card is no card -------------------------------

@pytest.mark.parametrize("text", [
    "Meter reading 4111 1111 1111 1111 1234 was uploaded at midnight.",  # a Visa test number, then 4 more
    "Container seal 5500-0000-0000-0004-7781 was intact.",
    "Order 2024 4111 1111 1111 1111 ships today.",  # 20 digits in one run: it starts before the card
    "Serial 4539 1488 0343 6467 0000 0000 on the label.",
])
def test_digit_runs_longer_than_a_card_are_not_cards(thorough, text):
    assert "payment_card" not in kinds(thorough, text)


@pytest.mark.parametrize("text", [
    "Card 4111 1111 1111 1111 123 (the CVV after it), please charge it.",  # 19 digits in all: still a card
    "Card 4111-1111-1111-1111 1234 5678: the second number is the order.",  # another separator ends the run
    "Ref 123 4111 1111 1111 1111 is the card on file.",
])
def test_cards_beside_other_digits_are_still_found(thorough, text):
    assert "payment_card" in kinds(thorough, text)


# -- lower-case names: a title that is a common surname --------------------------------------------

@pytest.mark.parametrize("text", [
    "please remind james king about the invoice",
    "can you tell sarah bishop her parcel arrived",
    "forward this to emily bishop before friday",
])
def test_lower_case_surnames_that_are_titles_are_found(thorough, text):
    assert "person" in kinds(thorough, text)


@pytest.mark.parametrize("text", [
    "remind john to send the report",  # a given name alone after a verb that also takes things
    "tell the king about the castle tour",
    "ask may about the new rota",
])
def test_lower_case_titles_without_a_given_name_stay_clean(thorough, text):
    assert "person" not in kinds(thorough, text)


# -- German ID document words, inflected and abbreviated, in lower case ---------------------------

@pytest.mark.parametrize("text", [
    "die nummer meines personalausweises lautet l01x00t47",
    "ausweis-nr. t220001293, bitte ins formular",
    "perso-nummer: l01x00t47",
    "Die Nummer seines Reisepasses ist C01X00T47.",
    "führerschein-nr. B072RRE2I55",
])
def test_german_document_numbers_are_found(thorough, text):
    assert "id_document" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["die nummer des personalausweises hat neun stellen",
                                  "ausweis-nr. fehlt noch im formular"])
def test_german_document_words_without_a_number_stay_clean(thorough, text):
    assert "id_document" not in kinds(thorough, text)


# -- legends named bare; public office -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Robin Hood.",
    "version four point two Robin Hood fixed the login bug",  # speech-to-text hearing a legend in noise
    "Santa Claus brings the presents on the 24th in Germany.",
])
def test_legends_named_bare_are_not_private_persons(thorough, text):
    assert "person" not in kinds(thorough, text)


@pytest.mark.parametrize("text", [
    "Ask Anna Schmidt to send the parliament briefing to the team.",
    "The chancellor visits our plant on Monday; please tell Jonas Becker from facilities to prepare the hall.",
    "Our head of government affairs, Peter Novak, needs the report by Friday.",
    "Forward the minister's letter to Laura Fischer in accounts.",
    "Ask Anna Schmidt about the fan fiction contest.",  # an interaction, whatever the topic's words
    "Ask Anna Schmidt about the story contest.",
    "Talk to Jonas Becker about the novel competition.",
    "Please check with Laura Fischer before the museum visit.",
])
def test_words_of_public_office_near_a_colleague_do_not_make_them_public(thorough, text):
    """Office words are everyday business words: they must not silence the cue a private name has. (Office
    holders named with them, "Rachel Reeves ... as chancellor", stay flagged: the safe side.)"""
    assert "person" in kinds(thorough, text)


@pytest.mark.parametrize("text", [
    "Our customer Robin Hood called about his refund.",  # a role word: whoever carries the name
    "Please ask Robin Hood to sign the lease.",
    "Robin Hood, IBAN DE89 3704 0044 0532 0130 00",
    "Robin Hood cancelled his subscription yesterday.",  # what only a person does
])
def test_a_legends_name_with_a_cue_is_still_a_person(thorough, text):
    assert kinds(thorough, text) & {"person", "iban"}


# -- dates of birth after a longer label -----------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Date of birth of the insured: 14/07/1961",
    "Geburtsdatum der Mieterin: 03.11.1985",
    "date de naissance de l'enfant : 12/05/2015",
])
def test_dates_of_birth_after_a_labels_words_are_found(thorough, text):
    assert "date_of_birth" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["The date of birth column was added on 12.03.2021.",
                                  "Which date format does the date of birth field expect, 12.03.2021 or 2021-03-12?"])
def test_a_date_far_from_a_birth_word_stays_clean(thorough, text):
    assert "date_of_birth" not in kinds(thorough, text)


# -- honorifics, health ties, phone words, East Asian names ----------------------------------------

@pytest.mark.parametrize("text", [
    "La Sig.ra Francesca Bellini ha chiamato per il rimborso.",
    "Fissare un appuntamento con la Dott.ssa Giulia Ferri.",
])
def test_italian_abbreviated_honorifics_are_found(thorough, text):
    assert "person" in kinds(thorough, text)


def test_a_treatment_someone_is_undergoing_is_health_data(thorough):
    assert "health" in kinds(thorough, "She is undergoing radiotherapy at the clinic, tell her manager.")
    assert "health" not in kinds(thorough, "How long does a patient undergoing dialysis need to rest?")


def _national(region: str) -> str:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return "".join(c for c in phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL) if c.isdigit())


@pytest.mark.parametrize("region", ["FR", "NL", "US"])
def test_unformatted_numbers_someone_answers_on_are_phones(thorough, region):
    assert "phone" in kinds(thorough, f"The landlord answers on {_national(region)} in the evening.")
    assert "phone" in kinds(thorough, f"The courier is reachable on {_national(region)}.")


@pytest.mark.parametrize("text", ["佐々木 健太さんはうつ病で休職中です。", "生田さんは入院しています。"])
def test_japanese_names_with_a_space_or_a_common_first_character_and_their_health(thorough, text):
    assert {"person", "health"} <= kinds(thorough, text)


@pytest.mark.parametrize("text", ["糖尿病の予防法を教えてください。", "部長さんに聞いてください。", "担当者様、よろしくお願いします。"])
def test_japanese_health_questions_and_titles_stay_clean(thorough, text):
    assert not kinds(thorough, text) & {"person", "health"}


# -- card look-alikes: order numbers and barcodes ------------------------------------------------

@pytest.mark.parametrize("text", [
    "Ticket 405-5648628-1501480 is waiting for the vendor.",  # 3-7-7: its last 14 digits pass Luhn in Maestro's range
    "Barcode 5625646282235 scans as the wrong product.",  # an EAN-13 in Maestro's range that passes Luhn
])
def test_order_numbers_and_barcodes_are_not_cards(thorough, text):
    assert "payment_card" not in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Maestro card 5625646282235, please refund it.",
                                  "Charge the Diners card 3056 930902 5904 for the renewal."])
def test_cards_written_as_issuers_print_them_are_found(thorough, text):
    assert "payment_card" in kinds(thorough, text)


# -- a Finnish HETU, a verb after an auxiliary, fan mail -------------------------------------------

def test_a_finnish_hetu_after_an_inflected_word_is_a_national_id(thorough):
    assert "national_id" in kinds(thorough, "Henkilötunnukseni on 131052-308T.")
    assert "national_id" in kinds(thorough, "Lähetä henkilötunnuksen 010594-2190 tarkistus.")
    assert "national_id" not in kinds(thorough, "Order 010594-2190 shipped on Monday.")


@pytest.mark.parametrize("text", ["Can you check whether Svenja Hultsch has paid the invoice yet?",
                                  "Check whether Marta Olsztyn had already confirmed the booking."])
def test_what_only_a_person_does_after_an_auxiliary(thorough, text):
    assert "person" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Reply to the fan mail from Anna Schmidt, she wants a signed photo.",
                                  "Forward the fan letter to Jonas Becker in marketing."])
def test_fan_mail_is_mail_from_people(thorough, text):
    """Fan letters between characters ("from Jo March to Miss Havisham") stay flagged: a fan-mail cue
    would silence the real senders of a company's fan mail."""
    assert "person" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Mein Kollege hat einen Bandscheibenvorfall.", "Mia madre ha avuto un intervento al cuore.",
                                  "My father had heart surgery in May."])
def test_common_conditions_of_someone_the_writer_knows_are_health_data(thorough, text):
    assert "health" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["What is a slipped disc?", "Wie lange dauert die Heilung eines Bandscheibenvorfalls?"])
def test_questions_about_those_conditions_stay_clean(thorough, text):
    assert "health" not in kinds(thorough, text)


# -- a malformed IBAN is no phone; 13-digit numbers are cards only next to a card word ------------

@pytest.mark.parametrize("text", ["The validator must reject NL78 ISAE 0451 7911 98 (bad check digits).",
                                  "Fixture DE00 3704 0044 0532 0130 00 must fail the import."])
def test_the_groups_of_a_malformed_iban_are_not_phones(thorough, text):
    assert not kinds(thorough, text) & {"phone", "iban", "payment_card"}


def test_a_13_digit_number_is_a_card_only_next_to_a_card_word(thorough):
    number = "4222222222222"  # Visa's 13-digit test number, Luhn-valid
    assert "payment_card" not in kinds(thorough, f"Barcode {number} scans as the wrong product.")
    assert "payment_card" in kinds(thorough, f"Charge the Visa card {number} for the renewal.")


def test_words_after_an_iban_prefix_do_not_hide_a_phone(thorough):
    # "DE12 call me on 030 1234567" has a German IBAN's 22 letters and digits, but not its print
    assert "phone" in kinds(thorough, "Ref DE12 call me on 030 1234567 please")


@pytest.mark.parametrize("text", ["Write a job ad for a warehouse supervisor in 渋谷区.",
                                  "Our office in 北京市 moves next month.", "Ship the samples from 江東区 by Friday."])
def test_east_asian_place_names_in_english_text_are_not_people(thorough, text):
    assert "person" not in kinds(thorough, text)


def test_an_east_asian_name_in_english_text_is_still_a_person(thorough):
    assert "person" in kinds(thorough, "Summarise the notes: 王伟 will send the budget.")


def test_a_postcode_shape_inside_a_longer_token_is_no_uk_postcode(thorough):
    text = "Reference IT60 X054 2811 101R SG1N 8AXB JJS on the slip does not parse."  # a malformed IBAN
    assert "address" not in kinds(thorough, text)
    assert "address" in kinds(thorough, "Deliver to 12 Fairfield Road, Stevenage SG1 8AX.")
