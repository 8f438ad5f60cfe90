"""Personal data written in the languages beyond English, through the whole privacy path (classify's
scanner plus the thorough scan): people named next to a role word, a salutation or an introduction,
their health, and street addresses in the forms of many countries; and the general questions in the
same languages that must stay clean.
"""

from __future__ import annotations

import pytest

from router.classify.privacy import PrivacyScanner
from router.classify.thorough import ThoroughScanner


@pytest.fixture(scope="module")
def thorough() -> ThoroughScanner:
    return ThoroughScanner(PrivacyScanner())


def kinds(thorough: ThoroughScanner, text: str) -> set[str]:
    return {f.kind for f in thorough.scan(text, "m")}


PEOPLE = [  # (text, kinds that must all be found)
    ("Pacientka Jana Dvořáková trpí cukrovkou a užívá inzulin.", {"person"}),
    ("Vážená paní Nováková, děkujeme za Vaši objednávku.", {"person"}),
    ("Hastamız Mehmet Demir'e kanser teşhisi kondu.", {"person", "health"}),
    ("Клиент Сергей Иванов жалуется на задержку доставки.", {"person"}),
    ("Пациентка Ольга Смирнова страдает гипертонией.", {"person", "health"}),
    ("Пацієнтка Оксана Коваленко хворіє на діабет.", {"person", "health"}),
    ("Pacienta Maria Popescu suferă de diabet.", {"person", "health"}),
    ("Stimate domnule Ionescu, vă mulțumim pentru comandă.", {"person"}),
    ("Kedves Kovács Anna, köszönjük a rendelését.", {"person"}),
    ("Potilas Matti Virtanen sairastaa diabetesta.", {"person", "health"}),
    ("Ο ασθενής Γιώργος Παπαδόπουλος πάσχει από διαβήτη.", {"person", "health"}),
    ("Pasien Budi Santoso menderita diabetes sejak 2018.", {"person", "health"}),
    ("Bệnh nhân Nguyễn Văn An được chẩn đoán ung thư phổi.", {"person", "health"}),
    ("Pacjentka Anna Kowalska, lat 52, rozpoznanie: nadciśnienie tętnicze.", {"person", "health"}),
    ("Moja żona choruje na cukrzycę.", {"health"}),
    ("Můj otec má rakovinu plic.", {"health"}),
    ("Meine Mutter leidet unter Demenz.", {"health"}),
    ("Mijn vader heeft longkanker.", {"health"}),
    ("Mon frère est atteint de sclérose en plaques.", {"health"}),
    ("Mme Lefèvre est atteinte de la maladie de Parkinson depuis 2015.", {"health"}),
    ("Меня зовут Дмитрий Козлов.", {"person"}),
    ("Benim adım Elif Şahin.", {"person"}),
    ("Tên tôi là Lê Thị Hoa.", {"person"}),
    ("Please add Laura McCarthy to the guest list.", {"person"}),
    # two given names, or a surname the gazetteer lacks, with what only people do
    ("Please add Simona Gheorghiu to the seating plan.", {"person"}),  # both in the given-name list
    ("Notes: Efsun Karaçam agreed to review the draft.", {"person"}),  # unknown given name, surname beyond ASCII
    ("Minutes: Sofie De Clercq agreed to chair the next meeting.", {"person"}),  # a capitalised particle
    ("Write interview feedback for Greta Van Dyck: solid on Go, slow on testing.", {"person"}),
    ("Telefonnotiz: Frederik Hagenbrock M.Sc. hat wegen der Rechnung zweimal angerufen.", {"person"}),
    ("Mevrouw van der Linden heeft gebeld over haar factuur.", {"person"}),  # two particles after an honorific
    ("Madame De Souza a appelé pour contester la facture.", {"person"}),
    ("Recap: 倪文静 agreed to ship the fix on Monday.", {"person"}),  # a caseless script before a person's verb
    ("Recap: सुनीता वर्मा confirmed the delivery date.", {"person"}),
    ("Recap: สมชาย ใจดี replied that the invoice is wrong.", {"person"}),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, k, id=t[:50]) for t, k in PEOPLE])
def test_people_and_their_health_in_many_languages(thorough, text, expected):
    assert expected <= kinds(thorough, text)


CLEAN = [
    "Jaké jsou příznaky cukrovky?", "Kanserin belirtileri nelerdir?", "Каковы симптомы диабета?",
    "Які симптоми діабету?", "Care sunt simptomele diabetului?", "Mik a cukorbetegség tünetei?",
    "Mitkä ovat diabeteksen oireet?", "Ποια είναι τα συμπτώματα του διαβήτη;", "Apa gejala diabetes?",
    "Triệu chứng của bệnh tiểu đường là gì?", "Wat zijn de symptomen van diabetes?", "Was hat Diabetes für Folgen?",
    "Jak leczy się raka?", "Kdo byl Tomáš Baťa?", "Кто такой Лев Толстой?", "Qui était Victor Hugo ?",
    "Ο Νίκος Καζαντζάκης ήταν συγγραφέας.", "Nguyễn Du là ai?", "Thành phố có 12 quận và 7 huyện.",
    "Spring 2024, we shipped 4 releases.", "Build 12345 failed, Release 20231 too.",
    "Wie viele Einwohner hat Aiello Del Sabato?", "How far is it from Posta to San Giuseppe Di Cairo?",
    "Draft a press release: Tarantini Group opens an office in Prime Case.",
    "Berlin hat 3,7 Millionen Einwohner, Hamburg hat viele Brücken.", "Lyon a dit oui aux Jeux en 2030.",
    # family firms: a full name then "and Sons" in its language
    "Write a product description for Teixeira Lourenço e Filhos.", "Draft a press release for Müller und Söhne.",
    "The invoice from Rossi e Figli is due.", "Write a tagline for Dupont et Fils.", "Garcia Hermanos opened a shop.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_general_questions_and_public_figures_in_many_languages_stay_clean(thorough, text):
    assert kinds(thorough, text) == set()


ADDRESSES = [  # Faker's shapes of each country (seeded elsewhere), written out here
    "47/543, Setty Ganj, Danapur 052762",
    "H.No. 52, Rana Nagar\nVaranasi 258568",
    "Jalan Rumah Sakit No. 9\nBanjarmasin, Bengkulu 86737",
    "Số 8/38 Hẻm 54 Trần Quang Khải, Phường An Bình, thành phố Cần Thơ",
    "14/943 đường số 1 xã An Bình tỉnh Đắk Lắk 94608",
    "81 Trần Phú phường Tuy Phước Đông tỉnh Bắc Ninh 52289",
    "18555 Jeffrey Light\nWilliamberg, SK J5T 1A2",
    "대전광역시 은평구 학동로 지하152",
    "경상남도 시흥시 백제고분거리 585",
    "Thijmenboulevard 5\n6955ZC\nOosthuizen",
    "Jessebaan 2\n1452AA\nSt. Willebrord",
    "Trevo Pedro Lucas Campos\nNova Esperança\n21555-645 Dias das Flores / MT",
    "752 सिंह\nपाकाला 479495",
    "2005 Autumn Land\nWilliamschester, PR 43445",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_street_addresses_of_many_countries(thorough, address):
    assert "address" in kinds(thorough, f"Please send it to {address}.")


@pytest.mark.parametrize("text", [
    "Numero di patente: U1A234567B", "Rijbewijsnummer 5123456789", "Číslo pasu: 12345678",
    "Pasaport numarası U12345678", "Номер паспорта 4510 123456", "Útlevélszám: BA1234567",
    "Numéro de permis de conduire : 123456789012", "Paszport nr EA1234567",
])
def test_id_documents_after_their_word_in_many_languages(thorough, text):
    assert "id_document" in kinds(thorough, text)


@pytest.mark.parametrize("text", ["Je ne suis pas sûr que la commande 4512345 soit partie.",
                                  "What documents do I need to renew a passport?",
                                  "Version 533380006 of the passport photo app is out."])
def test_document_words_without_a_document_number_stay_clean(thorough, text):
    assert "id_document" not in kinds(thorough, text)
