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
