"""The privacy scanner: personal data and secrets found, look-alikes left alone, values never kept.

Positives are generated from the libraries' own data where they can be (every IBAN country schwifty
knows, phonenumbers' example numbers for many regions, Luhn check digits), plus hand-written texts
the way people write them; every decoy must yield no finding of the kind it imitates.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import string
import warnings

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from schwifty.registry import get_iban_spec
from stdnum import luhn, verhoeff

from router.classify.privacy import DETECTOR_KINDS, CustomPattern, PrivacyConfig, PrivacyScanner
from router.profile import DataClass, Finding


@pytest.fixture(scope="module")
def scanner() -> PrivacyScanner:
    return PrivacyScanner()


def kinds(scanner: PrivacyScanner, text: str) -> set[str]:
    return {f.kind for f in scanner.scan(text, "messages[0].content")}


def cases(table: list[tuple[str, ...]]) -> list:
    """pytest params with the text (shortened) as the id."""
    return [pytest.param(*row, id=row[0][:60]) for row in table]


# -- the public dev set -----------------------------------------------------------------------------

DEV_POSITIVES = [
    ("Please draft a polite reply to maria.keller@example-mail.de about the delayed shipment.", "email"),
    ("+1 415 555 0132", "phone"),
    ("+44 20 7946 0018", "phone"),
    ("Refund the order paid with 4526 0181 5908 3012.", "payment_card"),
    ("Send salary to DE89370400440532013000.", "iban"),
    ("Fill the W-4 form for the employee with SSN 219-09-9999.", "us_ssn"),
    ("config has sk-proj-ht9lgmxg9edn581u33xtplpft75v2seh60kvj50ce9uvw53e", "secret"),
]
DEV_NEGATIVES = [
    ("Tracking number 1Z999AA10123456784 - what carrier is it?",),
    ("Version 10.0.19045.3803 of the OS: what year was it released?",),
]


@pytest.mark.parametrize(("text", "kind"), cases(DEV_POSITIVES))
def test_dev_set_positive(scanner, text, kind):
    assert kinds(scanner, text) == {kind}


@pytest.mark.parametrize("text", cases(DEV_NEGATIVES))
def test_dev_set_negative(scanner, text):
    assert kinds(scanner, text) == set()


# -- e-mail -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", cases([
    ("Write to john.doe@example.com today",),
    ("cc: Anna-Lena.Müller+invoices@firma.co.uk",),
    ("<jane_o'neil@sub.mail.example.org>",),
    ("Kontakt: info@bäckerei-schmidt.de",),
    ("Send it to ops@corp.internal please",),
]))
def test_email_found(scanner, text):
    assert "email" in kinds(scanner, text)


@pytest.mark.parametrize("text", cases([
    ("ssh to user@localhost and restart",),
    ("use the icon@2x.png asset",),
    ("git clone git@github.com:acme/turnout.git",),
    ("follow @turnout_bot and @python on social media",),
    ("pin it with pip install requests==2.32.3 or package@1.2.3",),
    ("the docker image python@sha256:4f3b2a",),
    ("john.doe at example dot com",),
]))
def test_email_decoys(scanner, text):
    assert "email" not in kinds(scanner, text)


# -- phones -----------------------------------------------------------------------------------------

PHONE_REGIONS = ("US", "GB", "DE", "FR", "IT", "ES", "NL", "IN", "JP", "AU", "BR", "CH", "SE", "PL", "MX", "CA",
                 "RU", "CN", "KR", "AT", "BE", "DK", "NO", "FI", "IE", "PT", "AR", "ZA", "TR", "IL", "SG", "NZ")


def _example_phones() -> list:
    params = []
    for region in PHONE_REGIONS:
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            for fmt in (PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.E164):
                written = phonenumbers.format_number(number, fmt)
                params.append(pytest.param(written, id=f"{region}-{kind}-{fmt}-{written}"))
    return params


@pytest.mark.parametrize("number", _example_phones())
def test_example_numbers_found_in_every_format(scanner, number):
    assert "phone" in kinds(scanner, f"The office line is {number} for the team.")


HAND_WRITTEN_PHONES = [
    "(415) 555-0132", "415-555-0132", "415.555.0132", "+1 (415) 555-0132",
    "020 7946 0018", "07700 900456", "+44 (0) 20 7946 0018", "(020) 7946 0018", "+44 20 7946 0018",
    "030 12345678", "030/12345678", "0151 23456789", "+49 (0)30 12345678", "089 1234567",
    "06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "+33 (0)1 23 45 67 89",
    "06 6982 1234", "347 123 4567", "+39 347 123 4567",
    "612 34 56 78", "612 345 678", "91 123 45 67",
    "06 12345678", "020 123 4567", "+31 6 12345678",
    "98765 43210", "+91 98765 43210",
    "03-1234-5678", "090-1234-5678",
    "(02) 9876 5432", "0412 345 678",
    "(11) 91234-5678", "+55 11 91234-5678",
    "044 668 18 00", "078 123 45 67",
    "08-123 456 78", "070-123 45 67",
    "512 345 678", "+48 512 345 678",
    "55 1234 5678", "010-1234-5678", "8 (912) 345-67-89", "+7 912 345-67-89", "0664 1234567",
    "0470 12 34 56", "087 123 4567", "040 123 4567", "912 345 678",
    "0044 20 7946 0018", "+14155550132",
]


@pytest.mark.parametrize("number", HAND_WRITTEN_PHONES)
def test_hand_written_phones_found(scanner, number):
    assert kinds(scanner, f"The number is {number} as noted.") == {"phone"}


@pytest.mark.parametrize("text", cases([
    ("call me at 4155550132 tomorrow",),
    ("Tel.: 02079460018",),
    ("Handy 015123456789",),
    ("mon portable : 0612345678",),
    ("WhatsApp 5511912345678 ok?",),
    # Scripts without spaces between words: the digits touch the words around them.
    ("電話番号は090-1234-5678です",),
    ("我的手机号是13812345678",),
    ("번호는010-1234-5678입니다",),
    ("هاتفي0501234567",),
    ("เบอร์โทร0812345678ครับ",),
    ("Số điện thoại của tôi là 0912 345 678",),
    ("Nomor ponsel saya 0812-3456-7890",),
    ("Reach the customer at 0610990695 after 5pm.",),  # "reach <someone> at": a way of saying call
    ("You can reach our support team on 0375040119.",),
]))
def test_unformatted_numbers_found_next_to_a_phone_word(scanner, text):
    assert "phone" in kinds(scanner, text)


PHONE_DECOYS = [
    ("The number 4155550132 appears in the log.",),
    ("Order 4526018159083013 was shipped.",),
    ("Order 4526 0181 5908 3013 was shipped.",),
    ("ISBN 978-3-16-148410-0 is on the back cover.",),
    ("See 978-0-306-40615-7 and 0-306-40615-2.",),
    ("Python 3.11.7 and Chrome 120.0.6099.109 are installed.",),
    ("Windows build 22621.2861 shipped.",),
    ("The meeting is on 12/03/2024 at 14:30.",),
    ("Deploy at 2024-01-15T10:30:00Z or 2023-11-05 14:00.",),
    ("On 15.01.2024 10:30 the job ran.",),
    ("Total: $1,234,567.89 plus € 12.345,67.",),
    ("The budget is 871 135 219 euros.",),
    ("Compute 12345 * 6789 = 83810205 please.",),
    ("What is 2^32 = 4294967296?",),
    ("Beverly Hills, CA 90210 and ZIP 94103-1234.",),
    ("From 1990 to 2020 sales doubled; in 1999 they fell.",),
    ("Server 192.168.100.200 is down.",),
    ("Invoice number 2023-0415-7781 is overdue.",),
    ("Ticket #4567-8901 is closed.",),
    ("Invoice INV-2023-000123 and PO-7781-2234-11.",),
    ("Use CAS 7732-18-5 for water.",),
    ("pi is 3.14159265358979 and e is 2.718281828",),
    ("The unix time 1700000000 is in 2023.",),
    ("Routing number 021000021, account 000123456789.",),
    ("The front desk extension is 555-0132.",),  # seven digits and no phone word
    ("订单号20240512123456已发货",),  # an order number inside Chinese text: no phone word
    ("ABC1234567890 is a part number.",),  # glued to Latin letters: part of a token
    ("We reach the target at 4155550132 units shipped.",),  # reach a target, not a person
    # a business's public line: toll-free and free-phone numbers are no one's own
    ("Call our support line 0800 123 4567 (free).",),
    ("For help call 1-800-555-0199.",),
    ("Hotline: +49 800 1234567",),
    ("Appelez le 0 800 123 456 pour le service client.",),
]


@pytest.mark.parametrize("text", cases(PHONE_DECOYS))
def test_phone_decoys(scanner, text):
    assert "phone" not in kinds(scanner, text)


@pytest.mark.parametrize("text", [
    "You can reach her on +44 808 157 0380 after six.",  # a free line given as someone's own
    "My mobile is 0800 123 4567 (it was a support line once).",
    "His number is 080-0946-9139, he prefers calls in the morning.",  # Japanese mobile, not 0800
])
def test_free_line_numbers_given_as_someones_are_phones(scanner, text):
    assert "phone" in kinds(scanner, text)


@pytest.mark.parametrize("text", cases([
    ("+1 415 555 013 is one digit short",),
    ("+1 415 555 01322 is one digit long",),
    ("+44 20 7946 001 is one digit short",),
    ("+1 (555) 123-4567 has no such area code",),
    ("+999 123 456 789 has no such country code",),
    ("+33 6 12 34 56 7 is one digit short",),
    ("0044 20 7946 001 is one digit short",),
    ("(415) 555-013 is one digit short",),
    ("06 12 34 56 7 is one digit short",),
    ("The invoice total 12 + 34 5678 9012 is wrong",),
]))
def test_malformed_phone_look_alikes(scanner, text):
    assert "phone" not in kinds(scanner, text)


def test_phone_regions_limit_national_formats_only():
    us_only = PrivacyScanner(PrivacyConfig(phone_regions=("US",)))
    assert kinds(us_only, "Ruf an: 030 12345678 bitte") == set()
    assert kinds(us_only, "Ruf an: +49 30 12345678 bitte") == {"phone"}
    assert kinds(us_only, "Call (415) 555-0132") == {"phone"}


# -- payment cards ----------------------------------------------------------------------------------

def _card(prefix: str, length: int) -> str:
    body = prefix + "".join(str((i * 7) % 10) for i in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


CARD_GROUPS = {13: (4, 3, 3, 3), 14: (4, 6, 4), 15: (4, 6, 5), 16: (4, 4, 4, 4), 19: (4, 4, 4, 4, 3)}
CARD_BRANDS = [("visa", "4", 16), ("visa-13", "4", 13), ("mastercard", "51", 16), ("mastercard-2", "2221", 16),
               ("amex", "34", 15), ("amex-37", "37", 15), ("discover", "6011", 16), ("diners", "36", 14),
               ("jcb", "3530", 16), ("unionpay", "62", 19), ("maestro", "6759", 16), ("mir", "2200", 16)]


@pytest.mark.parametrize(("prefix", "length"), [pytest.param(p, n, id=name) for name, p, n in CARD_BRANDS])
@pytest.mark.parametrize("separator", [pytest.param("", id="compact"), pytest.param(" ", id="spaced"),
                                       pytest.param("-", id="dashed")])
def test_cards_found(scanner, prefix, length, separator):
    number = _card(prefix, length)
    sizes = CARD_GROUPS[length]
    cuts = list(itertools.accumulate(sizes))
    written = separator.join(number[a:b] for a, b in zip([0, *cuts], cuts))
    assert kinds(scanner, f"Charge card {written} for the renewal.") == {"payment_card"}


def test_card_followed_by_other_numbers(scanner):
    assert kinds(scanner, "Card 4526 0181 5908 3012 12/26, CVV 123") == {"payment_card"}


@pytest.mark.parametrize("text", cases([
    ("Order 4526 0181 5908 3013 ships today.",),  # Luhn-invalid
    ("Order 1234 5678 9012 3456 ships today.",),
    ("Reference 1000000000000009 (Luhn-valid, no issuer starts with 1)",),
]))
def test_card_decoys(scanner, text):
    assert "payment_card" not in kinds(scanner, text)


# -- IBANs ------------------------------------------------------------------------------------------

def _iban_countries() -> list[str]:
    found = []
    for a, b in itertools.product(string.ascii_uppercase, repeat=2):
        try:
            get_iban_spec(a + b)
        except SchwiftyException:
            continue
        found.append(a + b)
    return found


def _ibans() -> list:
    rng = random.Random(20240601)
    params = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # schwifty warns that it cannot check some national check digits
        for country in _iban_countries():
            iban = IBAN.random(country_code=country, random=rng, use_registry=False)
            params.append(pytest.param(iban.compact, iban.formatted, id=country))
    return params


IBANS = _ibans()


def test_every_schwifty_country_is_covered():
    assert len(IBANS) >= 80


@pytest.mark.parametrize(("compact", "grouped"), IBANS)
def test_ibans_found_in_every_form(scanner, compact, grouped):
    for written in (compact, grouped, compact.lower(), grouped.lower()):
        assert kinds(scanner, f"Please wire the deposit to {written} today.") == {"iban"}, written


@pytest.mark.parametrize(("compact", "grouped"), IBANS)
def test_checksum_invalid_ibans_are_decoys(scanner, compact, grouped):
    broken = compact[:2] + f"{(int(compact[2:4]) + 1) % 100:02d}" + compact[4:]
    assert "iban" not in kinds(scanner, f"Please wire the deposit to {broken} today.")


@pytest.mark.parametrize("text", cases([
    ("IBAN: GB29 NWBK 6016 1331 9268 19, BIC NWBKGB2L",),
    ("iban de89 3704 0044 0532 0130 00 thanks",),
    ("Konto DE89-3704-0044-0532-0130-00",),
]))
def test_hand_written_ibans(scanner, text):
    assert "iban" in kinds(scanner, text)


@pytest.mark.parametrize("text", cases([
    ("Send salary to DE89370400440532013001.",),  # check digits do not match
    ("Send salary to XX89370400440532013000.",),  # no such country
    ("Send salary to DE8937040044053201300.",),  # one character short
]))
def test_iban_decoys(scanner, text):
    assert "iban" not in kinds(scanner, text)


# -- US SSN -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", cases([
    ("Employee SSN 219-09-9999 on file",),
    ("her number is 123-45-6789",),
    ("SSN: 123 45 6789",),
    ("social security number 123456789",),
]))
def test_ssn_found(scanner, text):
    assert "us_ssn" in kinds(scanner, text)


@pytest.mark.parametrize("text", cases([
    ("SSN 000-12-3456",), ("SSN 666-12-3456",), ("SSN 900-12-3456",), ("SSN 123-00-4567",), ("SSN 123-45-0000",),
    ("Batch 123456789 processed",),  # nine digits without an SSN word
    ("Parts 123 45 6789 in stock",),
]))
def test_ssn_decoys(scanner, text):
    assert "us_ssn" not in kinds(scanner, text)


@pytest.mark.parametrize("text", cases([
    ("SSN 000-12-3456",), ("SSN 666-12-3456",), ("SSN 900-12-3456",), ("my ssn is 123-45-67890",),
    ("call me about 000-45-6789",),
]))
def test_malformed_ssns_are_not_taken_for_anything_else(scanner, text):
    """An invalid SSN is a malformed look-alike: not an SSN, and not a phone number of some region either."""
    assert kinds(scanner, text) == set()


# -- national IDs -----------------------------------------------------------------------------------

_AADHAAR = "23456789012" + verhoeff.calc_check_digit("23456789012")
_SIN = "12345678" + luhn.calc_check_digit("12345678")

NATIONAL_IDS = [
    ("UK NINO QQ 12 34 56 C on the payslip", "gb-nino-spaced"),
    ("NI number AB123456C", "gb-nino"),
    ("DNI 12345678Z del cliente", "es-dni"),
    ("NIE X1234567L", "es-nie"),
    ("codice fiscale RSSMRA85T10A562S", "it-cf"),
    ("PAN ABCPE1234F", "in-pan"),
    ("henkilötunnus 131052-308T", "fi-hetu"),
    ("numéro 1 84 12 76 451 089 46", "fr-nir-grouped"),
    ("sécurité sociale 184127645108946", "fr-nir-compact"),
    ("AHV 756.1234.5678.97", "ch-ahv"),
    ("CPF 390.533.447-05", "br-cpf"),
    ("Rijksregisternummer 85.07.30-033.28", "be-nn"),
    ("Steuer-ID 36 574 261 809", "de-idnr"),
    ("My BSN is 111222333", "nl-bsn"),
    ("PESEL 44051401359", "pl-pesel"),
    ("personnummer 811228-9874", "se-personnummer"),
    ("CPR-nr. 211062-5629", "dk-cpr"),
    ("fødselsnummer 15108695088", "no-fnr"),
    (f"Aadhaar {_AADHAAR[:4]} {_AADHAAR[4:8]} {_AADHAAR[8:]}", "in-aadhaar"),
    (f"SIN {_SIN[:3]} {_SIN[3:6]} {_SIN[6:]}", "ca-sin"),
    ("NHS number 943 476 5919", "gb-nhs"),
    ("PPS number 1234567T", "ie-pps"),
]


@pytest.mark.parametrize("text", [pytest.param(text, id=name) for text, name in NATIONAL_IDS])
def test_national_ids_found(scanner, text):
    assert "national_id" in kinds(scanner, text)


@pytest.mark.parametrize("text", cases([
    ("Reference 111222333 attached",),  # a valid BSN, but no word says so
    ("Order 44051401359 shipped",),  # a valid PESEL, no context
    ("Tracking 36574261809",),  # a valid IdNr, no context
    ("Ticket 811228-9874",),
    ("DNI 12345678A del cliente",),  # wrong check letter
    ("codice fiscale RSSMRA85T10A562X",),  # wrong check character
    ("CPF 390.533.447-06",),
    ("AHV 756.1234.5678.98",),
    ("numéro 1 84 12 76 451 089 47",),
    ("BSN 111222334",),  # fails the 11-proof
    ("model GB123456A and part AB12345C",),
]))
def test_national_id_decoys(scanner, text):
    assert "national_id" not in kinds(scanner, text)


# -- secrets, private keys, JWTs --------------------------------------------------------------------

SECRETS = [
    ("aws key AKIAIOSFODNN7EXAMPLE", "aws"),
    ("export GITHUB_TOKEN=ghp_1234567890abcdefghijklmnopqrstuvwxyzAB", "github-env"),
    ("token github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW", "github-pat"),
    ("glpat-Ab3dEf6hIj9kLm2nOp5q is the runner token", "gitlab"),
    ("slack bot xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "slack"),
    ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe-live"),
    ("restricted rk_test_51H8x2K4c9Zq7YbVw3Lm0Pq1r", "stripe-restricted"),
    ("OPENAI_API_KEY=sk-proj-ht9lgmxg9edn581u33xtplpft75v2seh60kvj50ce9uvw53e", "openai-proj"),
    ("key sk-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e", "openai-legacy"),
    ("anthropic sk-ant-api03-AbCdEf1234567890_GhIjKlMnOpQrStUvWxYz-0123456789abcdef", "anthropic"),
    ("maps key AIzaSyD-1234567890abcdefghijklmnopqrstu", "google"),
    ("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", "sendgrid"),
    ("twilio SK2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e", "twilio"),
    ("//registry.npmjs.org/:_authToken=npm_AbCdEf1234567890GhIjKlMnOpQrStUvWxYz", "npm"),
    ("pypi-AgEIcHlwaS5vcmcCJDEyMzQ1Njc4LTEyMzQtMTIzNC0xMjM0LTEyMzQ1Njc4OTAxMgACJXsicGVybWlzc2lvbnMiOiAidXNlciJ9", "pypi"),
    ("hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "huggingface"),
    ("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" + "Ab1+" * 21 + "Ab==;", "azure-storage"),
    ("password=hunter2", "password-env"),
    ('DB_PASSWORD="correct horse battery"', "password-quoted"),
    ("db:\n  password: s3cr3t-Pa55\n", "password-yaml"),
    ("  password: supersecretvalue\n", "password-yaml-alone"),
    ("My password is Tr0ub4dor&3 can you remember it", "password-prose"),
    ('{"api_key": "a1b2c3d4e5f6g7h8i9j0"}', "api-key-json"),
    ("apiKey: 'Zx8Qw2Er5Ty7Ui9Op1As3Df'", "api-key-camel"),
    ("client_secret = 'f00dBabe1234'", "client-secret"),
    ("Passwort: Geheim2024!", "passwort-de"),
    ("postgres://app:S3cr3tP4ss@db.internal:5432/prod", "url-credentials"),
    ("https://admin:hunter2@example.com/admin", "url-credentials-https"),
    ("Authorization: Bearer 0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d", "bearer"),
    ("Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", "basic-auth"),
    ("My AWS secret access key is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws-secret-prose"),
    ("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws-secret-env"),
    ("my API key is 3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c", "api-key-prose"),
    ("the password for root is toor1!", "password-for"),
    ("jdbc:mysql://host:3306/db?user=root&password=secret123", "password-query"),
    ("redis://:p4ssw0rd@localhost:6379", "url-password-only"),
    ("https://hooks.slack.com/services/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", "slack-webhook"),
]


@pytest.mark.parametrize("text", [pytest.param(text, id=name) for text, name in SECRETS])
def test_secrets_found(scanner, text):
    assert "secret" in kinds(scanner, text)


SECRET_DECOYS = [
    ("commit 3f2a9c1e4b5d6f708192a3b4c5d6e7f8091a2b3c fixed it",),
    ("request id 123e4567-e89b-12d3-a456-426614174000",),
    ("<img src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='>",),
    ("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",),
    ("password: ********",),
    ("password=<your-password>",),
    ("PASSWORD=${DB_PASSWORD}",),
    ("api_key = os.environ['OPENAI_API_KEY']",),
    ("token = None",),
    ("password = get_password()",),
    ("Set OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx in your shell",),
    ("Authorization: Bearer YOUR_TOKEN_HERE",),
    ("Authorization: Bearer <token>",),
    ("max_tokens=1024 and temperature=0.2",),
    ("What is a token: the unit a model reads",),
    ("The password is incorrect, try again.",),
    ("Reset your password: click the link in the e-mail.",),
    ("Password: must be at least 12 characters long",),
    ("We use scikit-learn and sk-learn style pipelines",),
    ("the key points of the deal",),
    ("primary_key = 'user_id'",),
    ("postgres://user:password@localhost:5432/db",),
    ("https://example.com/search?q=token-bucket-rate-limiter-design",),
    ("a well-known long-running-background-process-manager",),
    ("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",),
    ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 deploy@build-host",),
    ("The password reset link is https://example.com/reset?id=12",),
    ("The password for this account is stored in Vault",),
    ("API_KEY=your-api-key-here",),
    ("apiKey: process.env.API_KEY",),
    ("Stripe publishable key pk_live_51HxYzAbCdEfGhIjKlMnOpQr is public",),
    ("Your token limit is 4096 tokens",),
    ("http://example.com:8080/path?q=1",),
]


@pytest.mark.parametrize("text", cases(SECRET_DECOYS))
def test_secret_decoys(scanner, text):
    assert kinds(scanner, text) & {"secret", "private_key", "jwt"} == set()


@pytest.mark.parametrize("text", cases([
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq\n-----END RSA PRIVATE KEY-----",),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n",),
    ("key.pem:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n",),
    ("-----BEGIN EC PRIVATE KEY-----",),
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----",),
]))
def test_private_keys_found(scanner, text):
    assert "private_key" in kinds(scanner, text)


_JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0."
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")


@pytest.mark.parametrize("text", cases([
    (f"Decode this token: {_JWT}",),
    (f"Authorization: Bearer {_JWT}",),
    ("unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",),
]))
def test_jwts_found(scanner, text):
    assert "jwt" in kinds(scanner, text)


def test_jwt_shaped_without_alg_is_not_a_jwt(scanner):
    not_a_header = "eyJmb28iOiJiYXIifQ.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlMTIz"  # {"foo":"bar"}
    assert "jwt" not in kinds(scanner, f"value {not_a_header}")


# -- the scanner's contract -------------------------------------------------------------------------

def test_detector_kinds_are_the_documented_ones():
    assert DETECTOR_KINDS == ("email", "phone", "payment_card", "iban", "us_ssn", "national_id", "secret",
                              "private_key", "jwt")


def test_where_is_propagated_and_values_are_never_kept(scanner):
    text = ("Mail maria.keller@example-mail.de, call +44 20 7946 0018, pay DE89370400440532013000 "
            "with 4526 0181 5908 3012, SSN 219-09-9999, key sk-proj-ht9lgmxg9edn581u33xtplpft75v2seh60kvj50ce9uvw53e")
    findings = scanner.scan(text, "messages[3].content[1].text")
    assert [f.kind for f in findings] == ["email", "phone", "payment_card", "iban", "us_ssn", "secret"]
    assert all(f.where == "messages[3].content[1].text" and f.data_class is DataClass.CONFIDENTIAL for f in findings)
    kept = repr(findings) + repr([dataclasses.astuple(f) for f in findings]) + repr([f.as_dict() for f in findings])
    for value in ("maria", "7946", "DE89", "4526", "219-09", "sk-proj", "ht9lgmx"):
        assert value not in kept


def test_one_finding_per_kind_and_where(scanner):
    findings = scanner.scan("a@example.com b@example.org c@example.net", "system")
    assert findings == [Finding("email", "system")]


def test_empty_and_plain_texts_have_no_findings(scanner):
    assert scanner.scan("", "x") == []
    assert scanner.scan("Summarise the attached meeting notes in three bullet points.", "x") == []


def test_custom_keywords_are_whole_word_and_case_insensitive():
    custom = CustomPattern("falcon", keywords=("Project Falcon", "ACME"), data_class=DataClass.RESTRICTED)
    scanner = PrivacyScanner(PrivacyConfig(custom=(custom,)))
    assert scanner.scan("status of project falcon?", "m") == [Finding("custom:falcon", "m", DataClass.RESTRICTED)]
    assert kinds(scanner, "acme's roadmap") == {"custom:falcon"}
    assert kinds(scanner, "the acmeist movement and falconry") == set()


def test_custom_regex():
    scanner = PrivacyScanner(PrivacyConfig(custom=(CustomPattern("ticket", regex=r"\bPRJ-\d{4}\b"),)))
    assert kinds(scanner, "see PRJ-1234 for details") == {"custom:ticket"}
    assert kinds(scanner, "see PRJ-12 for details") == set()


def test_bad_custom_regex_raises_value_error_naming_the_pattern():
    with pytest.raises(ValueError, match="'broken'.*invalid regular expression"):
        PrivacyScanner(PrivacyConfig(custom=(CustomPattern("broken", regex="(unclosed"),)))


def test_custom_pattern_needs_a_regex_or_keywords():
    with pytest.raises(ValueError, match="'empty'"):
        PrivacyScanner(PrivacyConfig(custom=(CustomPattern("empty"),)))


def test_disabled_kinds_are_not_reported():
    config = PrivacyConfig(custom=(CustomPattern("acme", keywords=("acme",)),),
                           disabled=frozenset({"email", "phone", "custom:acme"}))
    scanner = PrivacyScanner(config)
    assert kinds(scanner, "acme: maria@example.com, +44 20 7946 0018, SSN 219-09-9999") == {"us_ssn"}


def test_unknown_disabled_kind_is_an_error():
    with pytest.raises(ValueError, match="emails"):
        PrivacyScanner(PrivacyConfig(disabled=frozenset({"emails"})))


def test_unknown_phone_region_is_an_error():
    with pytest.raises(ValueError, match="XX"):
        PrivacyScanner(PrivacyConfig(phone_regions=("US", "XX")))
