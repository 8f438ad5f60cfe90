"""The thorough scan: normalisation, personal data without a checksum, and look-alikes left alone.

Tables of hand-written texts in several languages; each positive names the kind it must yield,
each decoy must yield nothing at all. None of these texts is an eval sample (../shared/eval).
"""

from __future__ import annotations

import pytest
from stdnum import luhn

from router.classify.normalize import denoise, fold
from router.classify.privacy import PrivacyScanner
from router.classify.thorough import DEFAULT_CLASSES, THOROUGH_KINDS, DetectorSetting, ThoroughConfig, ThoroughScanner
from router.profile import DataClass


@pytest.fixture(scope="module")
def base() -> PrivacyScanner:
    return PrivacyScanner()


@pytest.fixture(scope="module")
def thorough(base) -> ThoroughScanner:
    return ThoroughScanner(base)


def _luhn(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def kinds(scanner: ThoroughScanner, text: str) -> set[str]:
    return {f.kind for f in scanner.scan(text, "messages[0].content")}


def cases(table: list[tuple[str, ...]]) -> list:
    return [pytest.param(*row, id=row[0][:60]) for row in table]


# -- normalisation ----------------------------------------------------------------------------------

FOLDED = [
    ("４１１１ １１１１ １１１１ １１１１", "4111 1111 1111 1111"),
    ("4111\u200b1111\u200b1111\u200b1111", "4111111111111111"),
    ("ma\u00adria\u200d.keller@example.org", "maria.keller@example.org"),
    ("plain ascii stays as it is", "plain ascii stays as it is"),
]


@pytest.mark.parametrize(("text", "folded"), cases(FOLDED))
def test_fold(text, folded):
    assert fold(text) == folded


DENOISED = [
    ("write to maria.keller [at] example-mail [dot] de today", "write to maria.keller@example-mail.de today"),
    ("maria . keller @ example-mail . de", "maria.keller@example-mail.de"),
    ("maria.keller @example-mail.de wrote", "maria.keller@example-mail.de wrote"),
    ("contact sales @acme.io", "contact sales@acme.io"),
    ("mail maria dot keller at example dot com please", "mail maria.keller@example.com please"),
    ("jean point dupont arobase exemple point fr", "jean.dupont@exemple.fr"),
    ("call me on plus four four two zero seven nine four six zero zero one eight",
     "call me on +442079460018"),
    ("meine Nummer ist null eins fünf eins zwei drei vier fünf sechs", "meine Nummer ist 015123456"),
    ("double seven three two one", "77321"),
    ("IBAN DE89 37O4 OO44 O532 O13O OO", "IBAN DE89 3704 0044 0532 0130 00"),
    ("IBANDE89370400440532013000", "IBAN DE89370400440532013000"),
    ("card4111111111111111", "card 4111111111111111"),
]


@pytest.mark.parametrize(("text", "clean"), cases(DENOISED))
def test_denoise(text, clean):
    assert denoise(fold(text)) == clean


DENOISE_DECOYS = [
    "Look at the dot com bubble of 1999.", "We met at the point of sale.", "Version 10.0.19045.3803 is out.",
    "Order INV-2023-0042 and 1Z999AA10123456784.", "Build 4111-1111-1111-1111-aaaa failed.",
    "one or two of them", "I was one of the first two.", "Hello lol, 1234 items",
    "e-mail the team at noon", "SELECT * FROM users WHERE id = 10",
    "use the @example.com domain for test accounts", "send it @example.com", "tweet at @example.com",
]


@pytest.mark.parametrize("text", DENOISE_DECOYS)
def test_denoise_leaves_decoys_alone(text):
    assert denoise(text) == text


# -- the microsecond scanner reads folded text; cards -------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), cases([
    ("Refund ４５２６ ０１８１ ５９０８ ３０１２ please", "payment_card"),
    ("card 4526\u200b0181\u200b5908\u200b3012", "payment_card"),
    ("maria.keller\u200b@example-mail.de", "email"),
    (f"Maestro card {_luhn('50180000000')} expired", "payment_card"),  # 12 digits, card word
    (f"JCB card number {_luhn('18000000000000')}", "payment_card"),  # 15 digits, old JCB range
    (f"Mir card {_luhn('220012345678901')}", "payment_card"),
    (f"RuPay {_luhn('607612345678901')} declined", "payment_card"),
    (f"UnionPay {_luhn('621234567890123')}", "payment_card"),
    (f"JCB {_luhn('352812345678901')}", "payment_card"),
]))
def test_fast_scanner_cards_and_folding(base, text, kind):
    assert kind in {f.kind for f in base.scan(text, "x")}


@pytest.mark.parametrize("text", [
    "The build id is 4111-1111-1111-1111-aaaa, rerun it.",
    f"Ticket {_luhn('50180000000')} is closed.",  # a Maestro-shaped 12-digit number without a card word
    f"Reference {_luhn('18000000000000')} in the ledger.",
])
def test_card_decoys(base, text):
    assert "payment_card" not in {f.kind for f in base.scan(text, "x")}


# -- positives, by kind and language ------------------------------------------------------------------

POSITIVES = [
    # person
    ("Please reply to our customer Henrik Lindqvist about the broken hinge.", "person"),
    ("Hi Agnieszka,\nthe invoice is attached.", "person"),
    ("Liebe Frau Schneider, vielen Dank für Ihre Geduld.", "person"),
    ("Merci beaucoup.\nBien cordialement,\nSylvie Marchand", "person"),
    ("Me llamo Rodrigo Salazar y necesito ayuda con mi pedido.", "person"),
    ("Il paziente Giovanni Esposito lamenta dolori.", "person"),
    ("Vat het gesprek met klant Pieter de Vries samen.", "person"),
    ("Prepare a reference letter for our intern Olusegun Adeyemi.", "person"),
    ("Schreibe eine Antwort an Herrn Klaus-Peter Hoffmann wegen der Rechnung.", "person"),
    ("Greta Johansson, our tenant, asked about the deposit.", "person"),
    ("Laura Becker called twice about her refund.", "person"),
    ("Invite Tomás Ruiz to the Monday sync.", "person"),
    ("Notes from my call with Fenna Visser: she wants a discount.", "person"),
    ("Contact Daniel Okafor at d.okafor@example.net about it.", "person"),
    # names in fields made for them, and before East Asian honorifics
    ('{"first_name": "Anna", "last_name": "Kowalski", "plan": "premium"} - write a welcome email.', "person"),
    ("surname = Nowak\ncity = Gdańsk", "person"),
    ("Vorname: Jürgen\nNachname: Baumgartner", "person"),
    ("田中太郎さんへの返信メールを書いてください。", "person"),
    ("佐藤様、いつもお世話になっております。", "person"),
    ("请给王伟先生写一封回信。", "person"),
    ("김민수 님께 답장을 써 주세요.", "person"),
    ("客户李娜投诉说路由器一直重启，想要退款。", "person"),
    ("고객 김민수 요청을 처리해 주세요.", "person"),
    ("Please reschedule Mrs. Chen to Friday.", "person"),
    ("Name on card\nFillppo Jacob-Holt", "person"),  # as OCR reads a checkout form (a misread given name)
    ("Account holder\nFillppo Jacob-Holt", "person"),
    ("Date of bith 1981-05-29", "date_of_birth"),  # OCR dropped a letter of the label
    ("Send a new contract to 98192 Merry Roads Suite 299.", "address"),  # Faker's plural street types
    # address
    ("Deliver to 1200 Pine Hollow Road, Springfield, IL 62704.", "address"),
    ("Send it to 5 Chapel Street, Bristol BS1 4DJ.", "address"),
    ("Adresse: Goethestraße 21, 60313 Frankfurt am Main", "address"),
    ("Livraison au 42 avenue Jean Jaurès, 69007 Lyon.", "address"),
    ("La dirección es Calle de Alcalá 48, 28014 Madrid.", "address"),
    ("Consegna in Via Garibaldi 7, 10122 Torino.", "address"),
    ("Het adres is Keizersgracht 123, 1015 CJ Amsterdam.", "address"),
    ("Adres: ul. Długa 15, 80-827 Gdańsk", "address"),
    ("Skicka till Drottninggatan 53, 111 21 Stockholm.", "address"),
    ("Ship to: 1-2-3 Shibuya, Shibuya-ku, Tokyo 150-0002, Japan.", "address"),
    # date of birth
    ("Customer DOB 03/11/1985, verify before the transfer.", "date_of_birth"),
    ("He was born on 2 February 1979 in Leeds.", "date_of_birth"),
    ("Geburtsdatum: 12.04.1990", "date_of_birth"),
    ("Elle est née le 5 mai 1968.", "date_of_birth"),
    ("Fecha de nacimiento: 23/09/1954", "date_of_birth"),
    ("Il richiedente è nato il 1 marzo 1991.", "date_of_birth"),
    # ID documents
    ("Passport no. X4821937 expires in June.", "id_document"),
    ("Driving licence number MORGA753116SM9IJ for the hire car.", "id_document"),
    ("Die Ausweisnummer ist L01X00T47.", "id_document"),
    ("Numéro de passeport 18AB23456.", "id_document"),
    ("Número de pasaporte PAA123456.", "id_document"),
    # health
    ("My husband was diagnosed with leukaemia in May; draft a leave request.", "health"),
    ("Patient presents with shortness of breath and a history of asthma.", "health"),
    ("I'm pregnant and need to tell HR.", "health"),
    ("Ich habe Diabetes und brauche einen Ernährungsplan.", "health"),
    ("Ma fille est diabétique et suit un traitement à l'insuline.", "health"),
    ("Mi padre tiene cáncer de próstata.", "health"),
    ("Mijn moeder heeft dementie.", "health"),
    # possessives after the noun or as a suffix; scripts without spaces
    ("Meslektaşım kanser tedavisi görüyor, ekibe nasıl söylemeliyim?", "health"),
    ("Kolegyně je těhotná a chce pracovat z domova.", "health"),
    ("Työkaverini on raskaana ja jää äitiyslomalle.", "health"),
    ("Η συνάδελφός μου είναι έγκυος.", "health"),
    ("Rekan kerja saya didiagnosis kanker payudara.", "health"),
    ("Đồng nghiệp của tôi bị ung thư và đang điều trị.", "health"),
    ("我的同事怀孕了，想减少工作时间。", "health"),
    ("私の同僚は癌で入院しています。", "health"),
    ("제 동료가 암 진단을 받았습니다.", "health"),
    # special categories
    ("Which of the staff are union members? I need names for the strike rota.", "special_category"),
    ("My colleague is Muslim and asked for a prayer room.", "special_category"),
    ("Store the fingerprints of the employees who use the lab.", "special_category"),
    ("Welche Mitarbeiter sind Gewerkschaftsmitglieder?", "special_category"),
    ("He is bisexual and worried about telling his parents.", "special_category"),
    ("The applicant disclosed she is a Jehovah's Witness and cannot work Saturdays.", "special_category"),
    ("He told HR he has a criminal record for drink driving.", "special_category"),
    ("My neighbour is an undocumented immigrant; how can I help her?", "special_category"),
    ("The customer said she's a member of the Green Party and wants her donation back.", "special_category"),
    # health of someone the writer knows, unnamed
    ("Mein Kollege ist HIV-positiv und hat Angst, es dem Team zu sagen.", "health"),
    ("Candidate is 52 and pregnant; should we still interview her?", "health"),
    ("Our tenant uses a wheelchair and needs a ground-floor flat.", "health"),
    ("One of our drivers failed a drug test last week; draft the letter.", "health"),
]


@pytest.mark.parametrize(("text", "kind"), cases(POSITIVES))
def test_personal_data_found(thorough, text, kind):
    assert kind in kinds(thorough, text)


DECOYS = [
    "Who was Ada Lovelace and what did she write about the Analytical Engine?",
    "Summarise the plot of Anna Karenina in five sentences.",
    "Compare the leadership styles of Winston Churchill and Franklin Roosevelt.",
    "Is Sherlock Holmes based on a real detective?",
    "Why did Harry Potter choose Gryffindor in the first book?",
    "Explain why Wall Street fell on Friday.",
    "Main Street retailers need better websites.",
    "What are the warning signs of a stroke?",
    "How does chemotherapy affect the immune system?",
    "Welche Nebenwirkungen hat Insulin?",
    "Quels sont les symptômes de la grippe ?",
    "What happened on 6 June 1944?",
    "The Treaty of Versailles was signed on 28 June 1919.",
    "The passport office opens at 9.",
    "How long does a passport renewal take?",
    "Order 4471-2291-88 shipped on 2024-05-03.",
    "Upgrade from v2.14.3 to v2.15.0 tonight.",
    "Dear team, the office is closed on Friday.",
    "Thanks, that was helpful!",
    "Hello World programs in five languages.",
    "Customer Success Managers meet on Mondays.",
    "Our patient portal will be down on Sunday.",
    "What are the major religions of Japan?",
    "How do trade unions negotiate wages?",
    "Explain how fingerprint sensors work.",
    "Write a product description for the Acme X200 blender.",
    "Plan a weekend in Lyon with museums and food.",
    "Fly via Frankfurt 2 times a week.",
    "In 2023, 12000 Mitarbeiter wurden eingestellt.",
    "Translate 'the customer is always right' into Spanish.",
    "def get_customer(name): return db.query(Customer).filter_by(name=name).first()",
    "Dear ChatGPT, please summarise this article about climate change.",
    "Thanks, John Lewis is my favourite department store.",
    "Apple CEO Tim Cook announced a new iPhone.",
    "Is it safe to take ibuprofen with coffee?",
    "Ask Siri to set a timer.",
    "Write an essay about Napoleon Bonaparte.",
    '{"first_name": "string", "last_name": "string"} - generate a JSON schema for this.',
    "first_name = Column(String)\nlast_name = Column(String)",
    "SELECT first_name, last_name FROM users WHERE surname IS NULL",
    "ご担当者様、お世話になっております。",
    "お客様各位へのお知らせです。",
    "고객님께 안내 메일을 보내 주세요.",
    "How do I configure Postfix to relay mail via smtp.gmail.com?",
    "Set the mail server to imap.gmail.com, port 993.",
    "What percentage of the workforce is unionised in Sweden?",
    "Our employee handbook needs a section on sick leave; draft it.",
    "Our client uses an undocumented API endpoint; document it.",
    "A defendant was charged with arson.\nA. Guilty\nB. Not guilty\nC. Guilty of a lesser offence\nD. Mistrial",
    "Which pair of religions share the tradition of cremation? A. Hindu and Buddhist B. Muslim and Jewish C. none",
    "Mozart was born on 27 January 1756 in Salzburg.",
    "Jakie są objawy raka płuc?",
    "Kanser tedavisi nasıl çalışır?",
    "Jaké jsou příznaky těhotenství?",
    "怀孕期间应该吃什么？",
    "癌の治療法について教えてください。",
    "암의 증상은 무엇입니까?",
    "In Python 3, what is the output of ['Hi!'] * 4?",  # "In" is a given name in the gazetteer
    "Account holder\nVerified",
    "Buy 4 USB Ports and earn 500 Bonus Points.",
    "请分析客户流失率。",
    "员工手册需要更新。",
    "고객 만족도를 높이는 방법을 알려 주세요.",
]


@pytest.mark.parametrize("text", DECOYS)
def test_decoys_stay_clean(thorough, text):
    assert thorough.scan(text, "messages[0].content") == []


def test_noisy_identifiers_are_found_by_the_thorough_scan_only(base, thorough):
    text = "reach me at maria dot keller at example-mail dot de"
    assert base.scan(text, "x") == []
    assert [(f.kind, f.reason) for f in thorough.scan(text, "x")] == [("email", "normalised text")]
    spoken = "my number is plus four four two zero seven nine four six zero zero one eight"
    assert {f.kind for f in thorough.scan(spoken, "x")} == {"phone"}


def test_findings_say_why_and_never_the_value(thorough):
    [finding] = thorough.scan("Summarise the call with customer Henrik Lindqvist.", "messages[2].content")
    assert (finding.kind, finding.reason, finding.where) == ("person", "role word", "messages[2].content")
    assert finding.label == "person (role word)"
    assert "Lindqvist" not in repr(finding) and "Lindqvist" not in str(finding.as_dict())


def test_health_and_special_categories_default_to_restricted(thorough):
    found = {f.kind: f.data_class for f in thorough.scan("I was diagnosed with epilepsy; my brother is gay.", "x")}
    assert found == {"health": DataClass.RESTRICTED, "special_category": DataClass.RESTRICTED}
    assert {k: DEFAULT_CLASSES[k] for k in ("person", "address")} == {"person": DataClass.CONFIDENTIAL,
                                                                        "address": DataClass.CONFIDENTIAL}


# -- switches ---------------------------------------------------------------------------------------

def test_a_switched_off_detector_finds_nothing(base):
    off = ThoroughScanner(base, ThoroughConfig({"person": DetectorSetting(enabled=False)}))
    assert kinds(off, "Reply to our customer Henrik Lindqvist.") == set()
    assert "person" not in off.enabled and set(off.enabled) == set(THOROUGH_KINDS) - {"person"}


def test_data_class_and_role_words_come_from_the_setting(base):
    text = "Bitte antworte dem Mandanten Jörg Quastenhof bis Freitag."
    assert kinds(ThoroughScanner(base), text) == set()
    tuned = ThoroughScanner(base, ThoroughConfig({
        "person": DetectorSetting(data_class=DataClass.RESTRICTED, role_words=("Mandant", "Mandanten"))}))
    assert [(f.kind, f.reason, f.data_class) for f in tuned.scan(text, "x")] == [
        ("person", "role word", DataClass.RESTRICTED)]


def test_unknown_detector_is_a_value_error(base):
    with pytest.raises(ValueError, match="unknown detector.*nationality.*known: person"):
        ThoroughScanner(base, ThoroughConfig({"nationality": DetectorSetting()}))


def test_a_conversation_read_as_one_text_finds_what_its_parts_find(thorough):
    """Property: scan_many (one joined reading first) equals scanning part by part, over random
    conversations mixing personal data, public-figure talk and decoys."""
    import random

    rng = random.Random(11)
    pool = [text for text, _ in POSITIVES] + DECOYS + ["Laura Becker won the Nobel prize.", "Laura Becker"]
    for _ in range(150):
        parts = [(rng.choice(pool), f"messages[{i}].content") for i in range(rng.randint(2, 6))]
        expected = [f for text, where in parts for f in thorough.scan(text, where)]
        assert thorough.scan_many(parts) == expected, parts


@pytest.mark.parametrize("card_type", ["maestro", "mastercard", "visa16", "visa13", "visa19", "amex", "discover",
                                       "diners", "jcb15", "jcb16"])
def test_every_issuer_faker_knows_is_a_card_next_to_a_card_word(base, card_type):
    from faker import Faker

    fake = Faker()
    fake.seed_instance(card_type)
    for _ in range(60):
        number = fake.credit_card_number(card_type=card_type)
        assert "payment_card" in {f.kind for f in base.scan(f"Charge the card {number} today.", "x")}, number


@pytest.mark.parametrize("text", [
    "Summarise the call: customer Ingrid Halvorsen said the router keeps rebooting.",
    "Ship the replacement to 4821 Maple Ridge Drive, Apt 12B, Columbus, OH 43215",
    "write to maria.keller [at] example-mail [dot] de today",
    "call me on plus four four two zero seven nine four six zero zero one eight",
    "What are the symptoms of type 2 diabetes?",
    "The operations team reviewed the quarterly maintenance schedule.",
])
def test_a_scan_told_that_classify_found_nothing_finds_the_same(base, text):
    """pipeline.scan_when_leaving passes base_clean when classify's scanner found nothing in the texts:
    the privacy scanner is then not run again on text the normaliser left as it is."""
    assert not base.scan(text, "m")
    parts = [(text, "messages[0].content"), ("And a second part.", "messages[1].content")]
    assert ThoroughScanner(base).scan_many(parts, base_clean=True) == ThoroughScanner(base).scan_many(parts)
    assert ThoroughScanner(base).scan_many(parts[:1], base_clean=True) == ThoroughScanner(base).scan(text, parts[0][1])
