"""Shapes a second, independent generator (bench/privacy_probe_wide.py), new seeds of the held-out
probe (bench/privacy_probe_world.py) and the media look's misses (bench/media_wild_eval.py) found
missed or wrongly flagged in session 17, through classify's scanner plus the thorough scan. Each fix
with the look-alikes that must stay clean beside it. The sentences are written here, not taken
from the generators.
"""

from __future__ import annotations

import pytest

from privacy_kinds import kinds, thorough  # noqa: F401  (thorough: the fixture)


# -- phones: a dash of prose before the plus sign is no minus --------------------------------------

@pytest.mark.parametrize("text", [
    "Log this callback request - +45 32 12 18 89, after 5pm.",
    "New lead - +43 664 1234567 (mobile), call before noon.",
    "Kontakt – +49 30 901820, bitte vormittags.",
    "- +44 20 7946 0958 (her mobile)",  # a list's bullet
])
def test_a_dash_between_words_before_a_plus_is_punctuation(thorough, text):
    assert "phone" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["The result is 12 - +4930123456 units.", "Compute 7 - +4420794609 58."])
def test_a_minus_after_a_number_is_still_arithmetic(thorough, text):
    assert "phone" not in kinds(thorough, text)


@pytest.mark.parametrize("text", [
    "Son numéro direct : 00212 6 50 12 95 69.",  # Morocco: a one-digit group after the 00 prefix
    "Reach the warehouse on 0046 8 12 27 25 tomorrow.",  # Stockholm's one-digit area code
])
def test_a_00_prefix_takes_one_digit_groups_like_a_plus(thorough, text):
    assert "phone" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Version 00.1.2.3.4.5 of the schema.", "Flight 0046 8 12 departs at 9."])
def test_00_led_versions_and_short_runs_are_no_phones(thorough, text):
    assert "phone" not in kinds(thorough, text)


@pytest.mark.parametrize("text", [
    "She said to text 5123/7276 if the courier is late.",  # a slash: a phone only by its word
    "New contact for the account: 02.34566968 (mobile).",  # a trunk zero leads it: no decimal
    "Rückruf bitte unter 0301234567, am besten vormittags.",
    "Son numéro direct : 410 9001 (ext 6333).",  # an extension says the number before it is a phone
])
def test_texting_callbacks_and_trunk_led_dotted_numbers_are_phones(thorough, text):
    assert "phone" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Pi is 3.14159265 and e is 2.7182818.", "The ratio 611.5785 is rounded.",
                                  "The file ext is .csv; build 4109001 ran.", "Order 4109001 x2 shipped."])
def test_decimals_stay_decimals(thorough, text):
    assert "phone" not in kinds(thorough, text)


# -- IBANs: dots, several spaces and a line break between the groups -------------------------------

@pytest.mark.parametrize("text", [
    "Pay the deposit back to NL91.ABNA.0417.1643.00, the account she gave us.",
    "Salary goes to DE89  3704  0044  0532  0130  00 from next month.",  # pasted from a PDF
    "Bank details:\nGB29 NWBK 6016\n1331 9268 19",  # a wrapped line
])
def test_ibans_written_with_dots_wide_gaps_or_broken_lines(thorough, text):
    assert "iban" in kinds(thorough, text)


@pytest.mark.parametrize("text", [
    "The checksum test must reject GB93 NWBK 6016\n1331 9268 19.",  # bad check digits: no phone either
    "The checksum test must reject GB82 WEST 1234\n5698 7654 33 here.",  # its second line read as a UK phone
    "Version DE12.3456.7890 is out.",
])
def test_malformed_or_short_iban_shapes_are_nothing(thorough, text):
    assert kinds(thorough, text) == set()


# -- health said of a sentence's subject -----------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Sibel Mohaupt ist nach einer Knie-OP bis Ende Mai krankgeschrieben.",  # a surname the gazetteer lacks
    "Kilian Kroker B.Sc. ist seit Montag krankgeschrieben.",  # a degree's dots are no sentence end
    "Dipl.-Ing. Wendelin Stey ist nach einer Herzoperation krankgeschrieben.",
    "Rosa Bignami ha il diabete e deve fare pause regolari.",
    "Fabian Breugelensis heeft een hernia en werkt voorlopig thuis.",
    "Michèle Le Faivre souffre d'un burn-out depuis janvier.",
    "Kalina Kozieja jest na zwolnieniu lekarskim z powodu depresji.",
    "Gerald's chemo starts Monday, so please cover his shifts.",
    "Catherine is expecting twins in May; plan her cover.",
    "Danny broke his wrist and can't type; give him the phone queue.",
])
def test_a_condition_stated_of_a_named_subject_is_health_data(thorough, text):
    assert {"person", "health"} <= kinds(thorough, text)


@pytest.mark.parametrize("text", [
    "Addison's disease is a disorder of the adrenal glands.",  # eponyms
    "Crohn's disease causes inflammation of the gut.",
    "Hodgkin lymphoma is treatable in most patients.",
    "Jordan has the highest diabetes rate in the region.",  # a country's figures
    "Victoria has a new cancer strategy.",
    "May is mental health awareness month.",
    "Will the new drug help patients with diabetes?",
    "Mik a cukorbetegség tünetei?",
    "What is a normal blood sugar level after eating?",
])
def test_eponyms_places_and_questions_are_no_subjects(thorough, text):
    assert kinds(thorough, text) == set()


def test_a_groups_figures_are_no_ones_health(thorough):
    assert kinds(thorough, "How many employees in the EU take sick leave for burnout each year?") == set()
    # ... but a named or owned case beside them still is
    assert "health" in kinds(thorough, "How many employees take sick leave? My colleague is off sick with burnout.")


@pytest.mark.parametrize("text", ["Samuel Montgomery's doctor says his blood sugar is too high.",
                                  "Ask Jane Morrison's team about her chemo schedule."])
def test_a_possessive_on_a_surname_does_not_hide_it(thorough, text):
    assert "person" in kinds(thorough, text)


# -- names after a record's label ------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Please update the customer record: Ekapad Sekhon moved to the premium plan.",  # unknown given name
    "Bitte aktualisiere den Kundendatensatz: Heiderose Häring-Ziegert hat gekündigt.",
    "Werk het klantdossier bij: Tim Vrancken-van den Nieuwenhuijsen heeft opgezegd.",
    "Müşteri kaydını güncelle: Oganer Rüşen Manço aboneliğini iptal etti.",
    "Müşteri kaydını güncelle: Okt. Özpınar Sezer aboneliğini iptal etti.",  # a Turkish title
])
def test_the_holder_named_after_a_records_label_is_a_person(thorough, text):
    assert "person" in kinds(thorough, text)


@pytest.mark.parametrize("text", [
    "Invoice: Final Price, please check the totals.",
    "Please update the customer record: New delivery address pending.",
    "Customer record: updated by the nightly Sync Job.",
])
def test_record_labels_before_things_are_no_names(thorough, text):
    assert "person" not in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Can you check whether Fiene van Mispelen has paid the invoice?",
                                  "Ticket #5032 opened by Gottfrid Pettersson; priority high.",
                                  "Assignee: सावित्री तमांग"])
def test_particle_surnames_ticket_openers_and_assignees(thorough, text):
    assert "person" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Assignee: Platform Team", "Assignee: Unassigned", "Reporter: Jenkins Bot"])
def test_a_tickets_team_fields_are_no_people(thorough, text):
    assert "person" not in kinds(thorough, text)


def test_a_japanese_surname_with_the_repeat_mark_and_a_kana_given_name(thorough):
    assert "person" in kinds(thorough, "顧客情報を更新してください：佐々木 あすか様が解約されました。")
    assert "person" not in kinds(thorough, "お客様が解約されました。")


def test_a_title_before_a_name_on_a_label(thorough):
    assert "person" in kinds(thorough, "DELIVER TO\nDipl.-Ing. Dietlind Klemt\nGartenweg 4")


# -- brands: a full name before what a shop sells --------------------------------------------------

@pytest.mark.parametrize("text", ["Order 20 Calvin Klein shirts for the shop window.",
                                  "Restock our Ralph Lauren jackets before the sale."])
def test_a_designers_name_before_goods_is_a_brand(thorough, text):
    assert "person" not in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Ask Anna Schmidt to order the shirts for the shop window.",
                                  "Tell Calvin Klein his jackets order shipped.",
                                  "Our customer Anna Schmidt returned the shoes.",
                                  "Please send Anna Schmidt shoes in size 40."])  # no count before: someone's
def test_colleagues_and_customers_beside_goods_stay_people(thorough, text):
    assert "person" in kinds(thorough, text)


# -- addresses -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Ship the replacement router to 31279 台南縣新埔巷61號7樓.",
                                  "He moved; send the contract to 台北市大安區忠孝東路4段100號5樓 instead."])
def test_taiwanese_addresses_in_traditional_characters(thorough, text):
    assert "address" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["这是第3号文件。", "请阅读高速公路的第5号公告。"])
def test_numbered_documents_are_no_addresses(thorough, text):
    assert "address" not in kinds(thorough, text)


def test_an_address_said_to_be_one_in_a_transcript(thorough):
    assert "address" in kinds(thorough, "Just so you know, I moved, my new address is 71 Russellville, New Annabelle.")
    assert "address" not in kinds(thorough, "The IP address is 10 Gigabit Ethernet, Cisco.")


def test_a_postcode_shape_ending_an_ibans_groups_is_no_address(thorough):
    assert kinds(thorough, "The validator must reject IT40 N033 5900 981H GZOG TK12 4PT; add it to the fixtures.") == set()
    assert "address" in kinds(thorough, "Send it to 14 Baker Lane, Stevenage SG1 8AX, please.")


@pytest.mark.parametrize("text", [
    "Change the billing address on file to 9 ต.โนนศิลา อ.วังยาง ตาก 59200",  # Thai subdistrict, district
    "Courier pickup: მიშველაძე არჩილის ქ. 49, ფოთი.",  # Georgian street abbreviation
    "Ship it to ք. Վանաձոր, Թումանյան 326.",  # Armenian city, street and number
    "The tenant's address is S.S. AXUNDOV küçəsi, b. 6, m. 38.",  # Azerbaijani street, building, flat
    "The tenant's address is Psje. Michimalonco 77 Of. 3091, Nancagua.",  # Chilean passage and office
    "Courier pickup: Unit 34, 260 Cook Rise, Kowhaitaimoko 8948.",
])
def test_street_forms_of_more_countries(thorough, text):
    assert "address" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Prices rise 20 percent, the Mayor says.", "ตำบล means subdistrict in Thai."])
def test_street_words_in_prose_are_no_addresses(thorough, text):
    assert "address" not in kinds(thorough, text)


def test_an_eponymous_disease_asked_about_is_no_person(thorough):
    assert kinds(thorough, "What causes Lou Gehrig's disease?") == set()
    assert "person" in kinds(thorough, "Anna Schmidt's disease is progressing; tell HR.")


@pytest.mark.parametrize("text", ["What is Maria Keller's disease called? She was diagnosed last week.",
                                  "Is Jonas Becker's disease contagious? He sits next to me.",
                                  "Can Jonas Becker's disease be treated at home while he recovers?"])
def test_a_colleague_s_disease_asked_about_is_that_colleague(thorough, text):
    """Eponyms are one surname (Parkinson's, Crohn's) or a known full name (Lou Gehrig's): a colleague's full name
    before "'s disease" in a question is still that colleague."""
    assert "person" in kinds(thorough, text)


def test_a_number_after_a_plus_sign_is_no_card(thorough):
    assert "payment_card" not in kinds(thorough, "Ticket +39 370751711819391 was escalated.")
    assert "payment_card" in kinds(thorough, "Card 3056 930902 5904, please refund it.")


def test_an_assignee_with_a_surname_the_gazetteer_knows(thorough):
    assert "person" in kinds(thorough, "Assignee: Yalgın Yılmaz")


@pytest.mark.parametrize("text", ["Cécile Rey (account 763693) asked to close the account.",
                                  "Timoteo Rey Robles tiene cáncer de colon y empieza la quimioterapia."])
def test_a_public_cue_word_inside_a_name_is_part_of_the_name(thorough, text):
    assert "person" in kinds(thorough, text)  # Spanish "rey" (king) as a surname


@pytest.mark.parametrize("text", ["Was Pedro Sánchez a good President?", "Summarise the speech Olaf Scholz gave.",
                                  "Write an essay on the Roman Empire and Julius Caesar.",
                                  "Summarise Abraham Lincoln's Gettysburg Address in three sentences."])
def test_public_cue_words_outside_names_still_count(thorough, text):
    assert "person" not in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Send the report to Maria Keller.", "Ship the jackets to Maria Keller, Hauptstr. 5, Berlin.",
                                  "Give the keys to Anna Schmidt.", "Deliver the package to Peter Novak.",
                                  "Summarise the message from Jonas Becker.", "We met at Maria Keller's house."])
def test_a_full_name_after_to_or_from_is_someone_when_something_goes_to_them_or_comes_from_them(thorough, text):
    """"to" and "from" before a full name read as a place ("Travel to Elizabeth City") unless something is sent,
    handed or said to the name, a message comes from it, or the name is a possessive."""
    assert "person" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Travel to Elizabeth City on Monday.", "Drive to Virginia Beach tomorrow.",
                                  "Flights from San Jose to Santa Maria are cheap.", "Relocate the team to Kansas City."])
def test_places_after_to_and_from_stay_places(thorough, text):
    assert "person" not in kinds(thorough, text)
