"""OCR text read for personal data: PP-OCR drops the spaces between words, and the scan must still
find the names, addresses, phones, health records and IBANs in a screenshot (router/classify/ocr_text.py).

The glued lines below are what PP-OCRv4 read from screenshots rendered with DejaVu and Liberation
fonts (bench-free probe: plain, dark, JPEG and low-contrast styles)."""

from __future__ import annotations

import pytest

from router.classify.ocr_text import respace, variants, whole_ibans
from router.look import scan_text

IMAGE = "messages[0].content[1] (image text)"


@pytest.mark.parametrize("read, spaced", [
    ("Ship to:DanielOkafor", "Ship to: Daniel Okafor"),
    ("4821MapleRidgeDrive,Apt12B", "4821 Maple Ridge Drive, Apt 12B"),
    ("(415)555-0132ext4", "(415) 555-0132 ext 4"),
    ("Patient:MarekNowak，54", "Patient: Marek Nowak, 54"),
    ("Dx:type 2diabetes,hypertension", "Dx: type 2 diabetes, hypertension"),
    ("VISA4111 .1111 1111 1111", "VISA 4111 1111 1111 1111"),  # a speck between digit groups
    ("Total 1,250.00 EUR at 10:30", "Total 1,250.00 EUR at 10:30"),  # thousands and clock times stay
    ("Pi is 3.14 and e is 2.71.", "Pi is 3.14 and e is 2.71."),
    ("Rooms 415, 555, 0132", "Rooms 415, 555, 0132"),  # a list, not one number
    ("https://example.com/a", "https://example.com/a"),
])
def test_spaces_ocr_dropped_are_put_back(read, spaced):
    assert respace(read) == spaced


def test_an_iban_glued_to_a_word_or_split_in_the_wrong_place_is_written_out_whole():
    assert whole_ibans("BANFR7630006000011234567890189\nBIC") == "BAN FR7630006000011234567890189 \nBIC"
    assert "GB29NWBK60161331926819" in whole_ibans("Payee GB29 NWBK6016 1331 9268 19")
    # the check digits decide: a misread digit, or an order number shaped like one, is left alone
    assert whole_ibans("FR76300060000112 234567890189") == "FR76300060000112 234567890189"
    assert whole_ibans("Order ABCD12345678901234 shipped") == "Order ABCD12345678901234 shipped"


def test_clean_text_is_scanned_once():
    assert variants("Meeting notes, nothing else.") == ["Meeting notes, nothing else."]


@pytest.mark.parametrize("read, kinds", [
    ("Inbox-Mail Search|Settings\nBeneficiary:ClaireDubois\nBANFR7630006000011234567890189\nBICAGRIFRPP",
     {"iban", "person"}),
    ("Inbox-Mail|Search|Settings\nCustomercallback\n(415)555-0132ext4", {"phone"}),
    ("Inbox-Mail Search|Settings\nBilling\nVISA4111 .1111 1111 1111\nExpires 11/27", {"payment_card"}),
    ("Inbox-Mail Search|Settings\nShip to:DanielOkafor\n4821MapleRidgeDrive,Apt12B\nColumbus,OH43215",
     {"address", "person"}),
    ("Inbox-Mail Search|Settings\nPatient:MarekNowak,54\nDx:type 2diabetes,hypertension\nNextVisit2026-12-14",
     {"health", "person"}),
])
def test_a_screenshot_read_without_spaces_still_shows_its_personal_data(default_policy, read, kinds):
    assert kinds <= {f.kind for f in scan_text(default_policy, read, IMAGE)}


@pytest.mark.parametrize("read", [
    "Q3Revenue by region\nEMEA 1,204 APAC 980\nGrowth:12%",
    "SettingsGeneralPrivacyNotifications\nDarkMode:on",
    "Order ABCD12345678901234 shipped on 2026-11-03",
])
def test_screenshots_without_personal_data_stay_clean_when_respaced(default_policy, read):
    assert {f.kind for f in scan_text(default_policy, read, IMAGE)} == set()


def test_only_image_text_is_respaced(default_policy):
    """Typed text and file text are read as written: 'MarekNowak' in a file is an identifier, not OCR."""
    glued = "Patient:MarekNowak,54\nDx:type 2diabetes"
    assert "person" not in {f.kind for f in scan_text(default_policy, glued, "messages[0].content[1] (file text)")}
    assert "person" in {f.kind for f in scan_text(default_policy, glued, IMAGE)}


# What PP-OCRv4 read from app screens Chromium rendered (bench/media_wild_eval.py): form labels glued
# ("Fullname", "Dateof birth", "Streetaddress"), a capital I for a lower-case l ("UIf" for Ulf), a "+"
# glued to the word before it, and commas read as full stops ("Puerta 4.Santa Cruz deTenerife.44637").
@pytest.mark.parametrize("read, spaced", [
    ("Reports Fullname UIf Reuter B.Eng.", "Reports Full name Ulf Reuter B.Eng."),
    ("Dateof birth 1942-02-22", "Date of birth 1942-02-22"),
    ("Date ofbirth", "Date of birth"),
    ("Streetaddress", "Street address"),
    ("Nameoncard", "Name on card"),
    ("Streetaddress\nal.Powstanicow Wielkopolskich38/21", "Street address\nal. Powstanicow Wielkopolskich 38/21"),
    ("Pleasecall+1-779-973-4340x22980,1amhome after six", "Please call +1-779-973-4340x22980,1 amhome after six"),
    ("Pleasecall+34849485739.1amhome", "Please call +34849485739, 1 amhome"),
    ("Urbanizacion Azahar Castro 8 Puerta 4.Santa Cruz deTenerife.44637",
     "Urbanizacion Azahar Castro 8 Puerta 4, Santa Cruz de Tenerife, 44637"),
    # words that merely hold label words, versions, domains, initials and lab values stay as they are
    ("Information Checkout Thereafter Tomato", "Information Checkout Thereafter Tomato"),
    ("version 2.4.1 on example.com", "version 2.4.1 on example.com"),
    ("Mrs.Smith B.Sc. HbAIc, 1234567.89 EUR", "Mrs.Smith B.Sc. HbAIc, 1234567.89 EUR"),
])
def test_glued_labels_misread_letters_and_stops_read_as_commas_are_put_right(read, spaced):
    assert respace(read) == spaced


def test_a_surname_particle_glued_to_the_given_name_is_a_variant_of_its_own():
    """'AronvanVeen' is 'Aron van Veen', but 'MapleRidge' is no 'Map le Ridge': both readings are scanned."""
    found = variants("First and last name\nAronvanVeen\n4821MapleRidgeDrive")
    assert "First and last name\nAron van Veen\n4821 Map le Ridge Drive" in found
    assert "First and last name\nAronvan Veen\n4821 Maple Ridge Drive" in found


@pytest.mark.parametrize("read, kinds", [
    ("Acme CRM Search Help\nAccounts Customerrecord\nContacts\nCustomer ID C-204918\nDeals\nReports Fullname UIf "
     "Reuter B.Eng.\nCompany Radisch\nPostal address Dorothea-Hartung-Ring83-25,32178Euskirchen\nPhone 05366316743",
     {"person", "address", "phone"}),
    ("Sign up Search Help\nStep 1 of 3 Open an account\nPersonal details First and last name\nAronvanVeen\n"
     "Dateof birth\n22/08/1971\nStreet address\nEvyhof 035，9211Vw，Zandeweer\nEmail\nrschrik@example.com Continue",
     {"person", "date_of_birth", "email"}),
    ("MyHealthPortal Search Help\nSummary Patientsummary\nAppointments\nMessages Patient Nicole Szatko\n"
     "Dateof birth 1942-02-22\nDiagnosis Type2diabetesmellitus", {"person", "date_of_birth", "health"}),
    ("Sorry about that.What is the best number tocallyou back on?\nPleasecall+34849485739.1amhome after six\n"
     "And ship the replacement to Urbanizacion Azahar Castro 8 Puerta 4.Santa Cruz deTenerife.44637",
     {"phone", "address"}),
    ("Signup Help\nStep 1of3 Openanaccount\nPersonal details First and last name\nKarina Cyba\nDate of birth\n"
     "19/12/1961\nStreetaddress\nal.Powstanicow Wielkopolskich38/21.26-756 Glogow\nEmall\nnelapachnik@example.net",
     {"person", "date_of_birth", "address", "email"}),
    ("Sorry about that.What is the best number.tocall youback on?\nPlease call+1-779-973-4340x22980,1amhome after six",
     {"phone"}),
])
def test_a_browser_rendered_screen_read_by_ocr_shows_its_personal_data(default_policy, read, kinds):
    assert kinds <= {f.kind for f in scan_text(default_policy, read, IMAGE)}
