"""A second held-out probe of the whole privacy path: personal data of many countries written into
ordinary work requests, in English and in the locale's own language, against malformed look-alikes.

    .venv/bin/python bench/privacy_probe_world.py [--seed 23] [--per-template 2] [--show-misses]

Written apart from bench/privacy_eval.py and never tuned on: its own templates, its own values.
Positives come from well-kept libraries, never from the detectors' own lists:

- Faker (16 locales): names, addresses, dates of birth, cards (each issuer Faker knows), IBANs and
  national IDs; a national ID counts only where python-stdnum validates it for the locale's country.
- phonenumbers: each region's example mobile and fixed-line numbers, and neighbours of them that
  the library still deems valid, written in its international, national and E.164 formats.
- schwifty: random valid IBANs of 30 countries, compact, grouped in fours or in lower case.

Negatives are what a fair reader would not call personal data (bench/privacy_eval.py's rules):
the same shapes with a broken check digit (IBAN, card Luhn, national ID), digit runs longer than any
card, parcel tracking and order numbers, valid ISBNs and EAN barcodes, versions, UUIDs, git hashes,
timestamps, coordinates of landmarks, people in public roles, fiction, general health questions.
A company's published head-office address is not counted either way: it is reported on its own row.

Each prompt goes through `router.pipeline.plan` under policies/default.yaml, as a chat request
would; it counts as flagged when the decision's data class is confidential or above. Prints
detected/total per locale and kind, false positives per negative type, and the totals.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from router.runtime import prepare_environment  # noqa: E402

prepare_environment()

import phonenumbers  # noqa: E402
from faker import Faker  # noqa: E402
from phonenumbers import PhoneNumberFormat, PhoneNumberType  # noqa: E402
from schwifty import IBAN  # noqa: E402
from stdnum import isbn, luhn  # noqa: E402

from bench.privacy_eval import _national_id as faker_national_id  # noqa: E402  (Faker's ID, when stdnum validates it)
from bench.probe_common import flagger, print_lists, reproducible  # noqa: E402

LOCALES = "de_DE fr_FR es_ES it_IT nl_NL pl_PL pt_BR sv_SE en_GB en_IN ja_JP en_AU en_US da_DK fi_FI tr_TR".split()
PHONE_REGIONS = ("DE FR ES IT NL PL BR SE GB IN JP AU US DK FI TR CH AT BE PT IE NO CZ HU RO GR MX AR CL CO ZA NG "
                 "KE EG MA SA AE IL KR CN SG MY TH PH ID VN NZ CA RU UA").split()
IBAN_COUNTRIES = ("DE FR ES IT NL PL PT SE GB DK FI AT BE CH IE NO CZ HU RO GR HR SI SK LU LT LV EE BG TR SA AE "
                  "IL BR MT CY").split()
CARD_TYPES = ("visa16", "visa13", "mastercard", "amex", "discover", "diners", "jcb16", "maestro")

# English templates: {name} {first} {address} {phone} {iban} {card} {dob} {id} {email}
ENGLISH: dict[str, list[str]] = {
    "person": ["Please update the customer record: {name} moved to the premium plan last week.",
               "Write a short thank-you note to {name} for covering my shift on Sunday.",
               "Can you check whether {name} has paid the March invoice yet?"],
    "address": ["Please update the customer record: new delivery address {address}.",
                "The tenant at {address} reported a leaking pipe; draft the work order.",
                "Forward the court papers to his home at {address}."],
    "phone": ["Please update the customer record: phone {phone}.",
              "Leave a note for the driver that the recipient answers on {phone}.",
              "Her emergency contact is her brother, {phone}."],
    "iban": ["Please update the customer record: payout account {iban}.",
             "The refund bounced; the client now gave us {iban} instead."],
    "card": ["The customer paid with {card}, expiry 09/27; please check the charge.",
             "Please update the customer record: card on file {card}."],
    "national_id": ["Please update the customer record: national ID {id}.",
                    "The applicant's identification number is {id}; check it against the passport."],
    "date_of_birth": ["Please update the customer record: date of birth {dob}.",
                      "He was born on {dob}, so he qualifies for the senior discount."],
    "health": ["{name} told HR she is undergoing chemotherapy and needs Fridays off.",
               "Draft a sick note for {first}: he has been diagnosed with pneumonia.",
               "My daughter {first} takes insulin for her diabetes; tell the school nurse."],
    "email": ["Please update the customer record: e-mail {email}."],
}

# The same kinds in the locale's own language (language code -> kind -> templates).
NATIVE: dict[str, dict[str, list[str]]] = {
    "de": {"person": ["Bitte aktualisiere den Kundendatensatz: {name} hat den Vertrag gekündigt."],
           "address": ["Bitte schick die Unterlagen an {address}."],
           "phone": ["Rückruf bitte unter {phone}, am besten vormittags."],
           "iban": ["Bitte überweise die Erstattung auf das Konto {iban}."],
           "national_id": ["Ihre Steuer-ID lautet {id}."],
           "date_of_birth": ["Geburtsdatum des Antragstellers: {dob}."],
           "health": ["{name} ist seit Montag wegen eines Bandscheibenvorfalls krankgeschrieben."]},
    "fr": {"person": ["Merci de mettre à jour la fiche client : {name} a résilié son abonnement."],
           "address": ["Envoyez le colis à {address}."],
           "phone": ["Vous pouvez la joindre au {phone} après 18 h."],
           "iban": ["Merci de rembourser sur le compte {iban}."],
           "national_id": ["Son numéro de sécurité sociale est le {id}."],
           "date_of_birth": ["Date de naissance du locataire : {dob}."],
           "health": ["{name} est en arrêt maladie pour une dépression depuis mars."]},
    "es": {"person": ["Actualiza la ficha del cliente: {name} pidió la baja del servicio."],
           "address": ["Envía la factura a {address}."],
           "phone": ["Llámame al {phone} cuando llegues."],
           "iban": ["Haz la transferencia a la cuenta {iban}, por favor."],
           "national_id": ["Mi DNI es {id}, por si lo necesitáis para el contrato."],
           "date_of_birth": ["Fecha de nacimiento: {dob}."],
           "health": ["{name} tiene diabetes tipo 1 y necesita pausas para medirse la glucosa."]},
    "it": {"person": ["Aggiorna la scheda cliente: {name} ha chiesto il rimborso."],
           "address": ["Spedisci il pacco a {address}."],
           "phone": ["Il suo cellulare è {phone}."],
           "iban": ["Accredita lo stipendio sul conto {iban}."],
           "national_id": ["Il codice fiscale del dipendente è {id}."],
           "date_of_birth": ["Data di nascita: {dob}."],
           "health": ["{name} è in malattia per un intervento al cuore."]},
    "nl": {"person": ["Werk het klantdossier bij: {name} heeft het abonnement opgezegd."],
           "address": ["Stuur de factuur naar {address}."],
           "phone": ["Bel me terug op {phone}."],
           "iban": ["Maak het bedrag over naar rekening {iban}."],
           "national_id": ["Mijn BSN is {id}."],
           "date_of_birth": ["Geboortedatum: {dob}."],
           "health": ["{name} is ziek gemeld met een burn-out."]},
    "pl": {"person": ["Zaktualizuj dane klienta: {name} zrezygnował z usługi."],
           "address": ["Wyślij paczkę na adres {address}."],
           "phone": ["Proszę zadzwonić pod numer {phone}."],
           "iban": ["Proszę o zwrot na konto {iban}."],
           "national_id": ["Mój PESEL to {id}."],
           "date_of_birth": ["Data urodzenia: {dob}."],
           "health": ["{name} choruje na astmę i jest na zwolnieniu lekarskim."]},
    "pt": {"person": ["Atualize o cadastro do cliente: {name} cancelou o plano."],
           "address": ["Mande a encomenda para {address}."],
           "phone": ["Meu celular é {phone}, pode ligar à tarde."],
           "iban": ["Faça o reembolso para a conta {iban}."],
           "national_id": ["O CPF do titular é {id}."],
           "date_of_birth": ["Data de nascimento: {dob}."],
           "health": ["{name} foi diagnosticada com câncer de mama e vai se afastar."]},
    "sv": {"person": ["Uppdatera kundregistret: {name} har sagt upp avtalet."],
           "address": ["Skicka paketet till {address}."],
           "phone": ["Ring mig på {phone}."],
           "iban": ["Betala tillbaka till konto {iban}."],
           "national_id": ["Mitt personnummer är {id}."],
           "date_of_birth": ["Födelsedatum: {dob}."],
           "health": ["{name} är sjukskriven för utbrändhet sedan januari."]},
    "da": {"person": ["Opdater kundekortet: {name} har opsagt aftalen."],
           "phone": ["Ring til mig på {phone}."],
           "national_id": ["Mit CPR-nummer er {id}."]},
    "fi": {"person": ["Päivitä asiakastiedot: {name} irtisanoi sopimuksen."],
           "phone": ["Soita minulle numeroon {phone}."],
           "national_id": ["Henkilötunnukseni on {id}."]},
    "tr": {"person": ["Müşteri kaydını güncelle: {name} aboneliğini iptal etti."],
           "phone": ["Beni {phone} numarasından arayabilirsiniz."],
           "national_id": ["TC kimlik numaram {id}."]},
    "ja": {"person": ["顧客情報を更新してください：{name}様が解約されました。"],
           "address": ["荷物を{address}に送ってください。"],
           "phone": ["折り返しは{phone}までお願いします。"],
           "date_of_birth": ["生年月日：{dob}"],
           "health": ["{name}さんは糖尿病のため通院しています。"]},
}

NEGATIVE_TEMPLATES: dict[str, list[str]] = {
    "iban, bad check digits": ["The validator must reject {bad_iban}; add it to the test fixtures.",
                               "Reference {bad_iban} on the remittance slip does not parse."],
    "card, bad Luhn": ["Serial number {bad_card} is printed under the battery.",
                       "Voucher code {bad_card} expired last month."],
    "digits longer than a card": ["Meter reading {long_run} was uploaded at midnight.",
                                  "Container seal {long_run} was intact on arrival."],
    "national ID, bad checksum": ["Batch {bad_id} failed the humidity test.",
                                  "Lot {bad_id} was recalled by the supplier."],
    "tracking/order numbers": ["Where is parcel {tracking}? The portal shows no update.",
                               "Order {order} was split into two shipments.",
                               "Ticket {order} is waiting for the vendor."],
    "ISBN/EAN": ["Order ten copies of ISBN {isbn} for the library.", "Barcode {ean} scans as the wrong product."],
    "versions/builds": ["Pin the dependency to {version} until {version2} is out.",
                        "Windows build {build} fails to install the driver."],
    "UUIDs/hashes": ["Job {uuid} is stuck in the queue.", "Revert commit {sha} before the release."],
    "timestamps": ["The alert fired at {timestamp} and cleared four minutes later.",
                   "Epoch {epoch} converts to which date?"],
    "coordinates": ["The drone took off from {coords}, near {landmark}.",
                    "Convert {coords} ({landmark}) to degrees and minutes."],
    "amounts/quantities": ["Revenue was {amount} in the third quarter.", "We shipped {units} units to retailers."],
    "public figures": ["Summarise the speech {public} gave to parliament.",
                       "What did {public} achieve as head of government?"],
    "fiction": ["Write a fan letter from {fiction} to {fiction2}.", "Is {fiction} a reliable narrator?"],
    "health questions": ["What are the early signs of Lyme disease?",
                         "How long should a sprained ankle be rested?",
                         "Explain the difference between type 1 and type 2 diabetes for a school lesson."],
    "business requests": ["Translate our return policy into {language}.",
                          "Summarise the quarterly report of {company} for the board.",
                          "Write a job ad for a warehouse supervisor in {city}."],
}
REPORTED_APART = {"company head office": ["Press release: {company} moves its headquarters to {address}."]}

PUBLIC = ["Emmanuel Macron", "Olaf Scholz", "Jacinda Ardern", "Narendra Modi", "Pedro Sánchez", "Giorgia Meloni",
          "Mark Rutte", "Donald Tusk", "Luiz Inácio Lula da Silva", "Fumio Kishida", "Anthony Albanese", "Rishi Sunak"]
FICTION = ["Sherlock Holmes", "Captain Ahab", "Pippi Longstocking", "Hercule Poirot", "Bilbo Baggins",
           "Jane Eyre", "Dorian Gray", "Huckleberry Finn", "Lisbeth Salander", "Tintin", "Miss Marple"]
LANDMARKS = [("48.8584, 2.2945", "the Eiffel Tower"), ("51.5007° N, 0.1246° W", "Big Ben"),
             ("40.6892, -74.0445", "the Statue of Liberty"), ("-33.8568, 151.2153", "the Sydney Opera House"),
             ("35.6586, 139.7454", "Tokyo Tower"), ("41.8902, 12.4922", "the Colosseum"),
             ("52.5163, 13.3777", "the Brandenburg Gate"), ("-22.9519, -43.2105", "Christ the Redeemer")]
DATE_FORMATS = {"en_US": "%m/%d/%Y", "ja_JP": "%Y年%m月%d日", "sv_SE": "%Y-%m-%d", "de_DE": "%d.%m.%Y",
                "pl_PL": "%d.%m.%Y", "fi_FI": "%d.%m.%Y", "tr_TR": "%d.%m.%Y", "nl_NL": "%d-%m-%Y"}


def _group(value: str, size: int = 4) -> str:
    return " ".join(value[i:i + size] for i in range(0, len(value), size))


# How issuers print a card number of each length (the rest: groups of four).
CARD_GROUPS = {13: (4, 3, 3, 3), 14: (4, 6, 4), 15: (4, 6, 5)}


def _card_grouped(number: str) -> str:
    sizes = CARD_GROUPS.get(len(number))
    if sizes is None:
        return _group(number)
    cuts = [sum(sizes[:i]) for i in range(len(sizes) + 1)]
    return " ".join(number[a:b] for a, b in zip(cuts, cuts[1:]))


def _phones(rng: random.Random) -> list[tuple[str, str]]:
    """(region, text) for valid numbers of every region: example numbers and valid neighbours."""
    out = []
    for region in PHONE_REGIONS:
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            numbers = [example]
            for _ in range(20):
                nsn = str(example.national_number)
                tail = "".join(str(rng.randint(0, 9)) for _ in range(3))
                candidate = phonenumbers.parse(f"+{example.country_code}{nsn[:-3]}{tail}")
                if phonenumbers.is_valid_number_for_region(candidate, region):
                    numbers.append(candidate)
                    break
            for number in numbers:
                style = rng.choice((PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL, PhoneNumberFormat.E164))
                out.append((region, phonenumbers.format_number(number, style)))
    return out


def _ibans(rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for country in IBAN_COUNTRIES:
        try:
            value = str(IBAN.random(country_code=country, random=rng))
        except Exception:
            continue
        out.append((country, rng.choice((value, _group(value), _group(value).lower()))))
    return out


def _bad_iban(rng: random.Random) -> str:
    value = str(IBAN.random(country_code=rng.choice(IBAN_COUNTRIES[:12]), random=rng))
    while True:
        candidate = value[:2] + f"{rng.randint(2, 98):02d}" + value[4:]
        try:
            IBAN(candidate)
        except Exception:
            return rng.choice((candidate, _group(candidate)))


def _digits(rng: random.Random, count: int, lead: str = "") -> str:
    return lead + "".join(str(rng.randint(0, 9)) for _ in range(count - len(lead)))


def _bad_card(rng: random.Random) -> str:
    while True:
        number = _digits(rng, 16, rng.choice(("4", "51", "55", "6011", "3530")))
        if not luhn.is_valid(number):
            return rng.choice((number, _group(number), "-".join(number[i:i + 4] for i in range(0, 16, 4))))


def _long_run(rng: random.Random, fake: Faker) -> str:
    """A valid card number inside a longer digit run: 20-26 digits is no card of any issuer."""
    card = fake.credit_card_number("visa16")
    return card + _digits(rng, rng.randint(4, 10))


def _bad_id(rng: random.Random, fakes: dict[str, Faker]) -> str:
    """A locale's national ID with its last digit changed so that its check fails."""
    while True:
        locale = rng.choice(LOCALES)
        got = faker_national_id(fakes[locale], locale.split("_")[1])
        if got is None:
            continue
        value, module = got
        i = [i for i, c in enumerate(value) if c.isdigit()][-1]
        candidate = value[:i] + str((int(value[i]) + rng.randint(1, 9)) % 10) + value[i + 1:]
        if not module.is_valid(candidate):
            return candidate


def _values(fake: Faker, locale: str, rng: random.Random) -> dict[str, str]:
    dob = fake.date_of_birth(minimum_age=18, maximum_age=90)
    card_type = rng.choice(CARD_TYPES)
    card = fake.credit_card_number(card_type)
    return {"name": fake.name(), "first": fake.first_name(), "address": fake.address().replace("\n", ", "),
            "phone": fake.phone_number(), "iban": fake.iban(), "email": fake.email(),
            "card": rng.choice((card, _card_grouped(card))),
            "dob": dob.strftime(DATE_FORMATS.get(locale, rng.choice(("%d/%m/%Y", "%d %B %Y", "%Y-%m-%d"))))}


def _valid_phone(text: str, country: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, country))
    except phonenumbers.NumberParseException:
        return False


def _valid_iban(text: str) -> bool:
    try:
        IBAN(text.replace(" ", ""))
    except Exception:
        return False
    return True


def positives(seed: int, per_template: int) -> list[tuple[str, str, str]]:
    """(kind, locale or region, text): personal data the path must flag."""
    rng = random.Random(seed)
    Faker.seed(seed)
    random.seed(seed)
    out: list[tuple[str, str, str]] = []
    for locale in LOCALES:
        fake, country, language = Faker(locale), locale.split("_")[1], locale.split("_")[0]
        templates = [(kind, t) for kind, ts in ENGLISH.items() for t in ts]
        templates += [(kind, t) for kind, ts in NATIVE.get(language, {}).items() for t in ts]
        for kind, template in templates:
            for _ in range(per_template):
                values = _values(fake, locale, rng)
                if kind == "phone" and not _valid_phone(values["phone"], country):
                    continue  # Faker's numbers that no network would dial are not the question here
                if kind == "iban" and not (values["iban"][:2] == country and _valid_iban(values["iban"])):
                    continue
                if kind == "national_id":
                    got = faker_national_id(fake, country)
                    if got is None:
                        continue
                    values["id"] = got[0]
                out.append((kind, locale, template.format(**values)))
    fake = Faker("en_US")
    for region, phone in _phones(rng):
        template = rng.choice(ENGLISH["phone"] + NATIVE["de"]["phone"] + NATIVE["fr"]["phone"])
        out.append(("phone (lib)", region, template.format(phone=phone)))
    for country, iban in _ibans(rng):
        template = rng.choice(ENGLISH["iban"] + NATIVE["es"]["iban"] + NATIVE["it"]["iban"])
        out.append(("iban (lib)", country, template.format(iban=iban)))
    return out


def negatives(seed: int, per_template: int) -> list[tuple[str, str]]:
    """(type, text): look-alikes and public matters the path must let through."""
    rng = random.Random(seed + 1)
    Faker.seed(seed + 1)
    fakes = {locale: Faker(locale) for locale in LOCALES}
    fake = Faker("en_US")
    out: list[tuple[str, str]] = []
    for kind, templates in {**NEGATIVE_TEMPLATES, **REPORTED_APART}.items():
        for template in templates:
            for _ in range(per_template * 8):
                landmark = rng.choice(LANDMARKS)
                epoch = rng.randint(1_500_000_000, 1_800_000_000)
                ts = rng.choice((f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}T{rng.randint(10, 23)}:"
                                 f"{rng.randint(10, 59)}:{rng.randint(10, 59)}Z", f"{rng.randint(10, 28)}.0"
                                 f"{rng.randint(1, 9)}.2025 {rng.randint(10, 23)}:{rng.randint(10, 59)}"))
                order = rng.choice((f"#{_digits(rng, 9)}", f"{_digits(rng, 3)}-{_digits(rng, 7)}-{_digits(rng, 7)}",
                                    f"SO-{_digits(rng, 8)}", f"{_digits(rng, 4)} {_digits(rng, 4)} {_digits(rng, 4)}"))
                tracking = rng.choice((f"1Z{_digits(rng, 3)}AA1{_digits(rng, 7)}", _digits(rng, 12),
                                       f"JJD{_digits(rng, 18)}", f"RR{_digits(rng, 9)}DE", _digits(rng, 20, "00")))
                fictions = rng.sample(FICTION, 2)
                text = template.format(
                    bad_iban=_bad_iban(rng), bad_card=_bad_card(rng), long_run=_long_run(rng, fake),
                    bad_id=_bad_id(rng, fakes), tracking=tracking, order=order,
                    isbn=isbn.format(fake.isbn13().replace("-", "")), ean=fake.ean13(),
                    version=f"{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 200)}",
                    version2=f"{rng.randint(1, 9)}.{rng.randint(0, 40)}.0-rc.{rng.randint(1, 5)}",
                    build=f"10.0.{rng.randint(17000, 26100)}.{rng.randint(1, 5000)}", uuid=uuid.UUID(int=rng.getrandbits(128)),
                    sha=f"{rng.getrandbits(160):040x}", timestamp=ts, epoch=rng.choice((epoch, epoch * 1000)),
                    coords=landmark[0], landmark=landmark[1],
                    amount=rng.choice((f"€{rng.randint(1, 99)}.{_digits(rng, 3)}.{_digits(rng, 3)}",
                                       f"{rng.randint(1, 999)} {_digits(rng, 3)} {_digits(rng, 3)} SEK")),
                    units=f"{rng.randint(1, 99)},{_digits(rng, 3)},{_digits(rng, 3)}",
                    public=rng.choice(PUBLIC), fiction=fictions[0], fiction2=fictions[1],
                    language=rng.choice(("German", "Polish", "Japanese")), company=fake.company(),
                    city=fakes[rng.choice(LOCALES)].city(),
                    address=rng.choice(list(fakes.values())).address().replace("\n", ", "))
                out.append((kind, text))
    return out


def main() -> int:
    reproducible()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--per-template", type=int, default=2)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    flagged = flagger()

    # Both sets are made before any prompt is classified: nothing the classifier draws from `random`
    # may change them, so every tree reads the same prompts.
    positive_set, negative_set = positives(args.seed, args.per_template), negatives(args.seed, args.per_template)
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    misses, false_positives = [], []
    for kind, where, text in positive_set:
        hit, _ = flagged(text)
        cells[(where, kind)][0] += hit
        cells[(where, kind)][1] += 1
        if not hit:
            misses.append(f"{kind}/{where}: {text!r}")
    kinds = list(dict.fromkeys(kind for _, kind in cells))
    places = list(dict.fromkeys(where for where, _ in cells))
    print(f"detected/total by locale (library rows: by region or country), seed {args.seed}")
    print(f"{'where':<7}" + "".join(f"{k[:11]:>12}" for k in kinds))
    for where in [*places, "all"]:
        row = [[sum(cells[(w, k)][i] for w in (places if where == "all" else [where]) if (w, k) in cells)
                for i in (0, 1)] for k in kinds]
        if where != "all" and not any(n for _, n in row):
            continue
        print(f"{where:<7}" + "".join(f"{f'{h}/{n}':>12}" if n else f"{'-':>12}" for h, n in row))
    negative_cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, text in negative_set:
        hit, found = flagged(text)
        negative_cells[kind][0] += hit
        negative_cells[kind][1] += 1
        if hit and kind not in REPORTED_APART:
            false_positives.append(f"{kind} {found}: {text!r}")
    print("\nfalse positives by negative type")
    for kind, (hit, total) in negative_cells.items():
        note = "  (not counted: reported apart)" if kind in REPORTED_APART else ""
        print(f"  {kind:<28}{hit:>4}/{total:<4}{note}")
    found, total = sum(c[0] for c in cells.values()), sum(c[1] for c in cells.values())
    counted = [c for kind, c in negative_cells.items() if kind not in REPORTED_APART]
    fp, neg = sum(c[0] for c in counted), sum(c[1] for c in counted)
    print(f"\nrecall: {found}/{total} = {100 * found / total:.1f}%")
    print(f"false positives: {fp}/{neg} = {100 * fp / neg:.1f}%")
    print_lists(args.show_misses, misses, false_positives)
    return 0


if __name__ == "__main__":
    sys.exit(main())
