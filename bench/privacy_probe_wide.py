"""A third held-out probe of the privacy path, written apart from privacy_eval.py and
privacy_probe_world.py (i17p): the shapes those two leave out.

    .venv/bin/python bench/privacy_probe_wide.py [--seed 7] [--show-misses]

Positives (from libraries, never from the detectors' own lists):

- phones of 70 regions (phonenumbers' example numbers and valid neighbours) written as people and
  systems write them beyond the library's three formats: with an extension (`ext. 204`, `x204`,
  `Durchwahl -12`, `poste 31`), RFC 3966 (`tel:+49-30-...`), the `00` international prefix, the
  trunk zero in brackets (`+44 (0)20 ...`), dots or dashes between groups, no space after the code;
- IBANs of 40 countries (schwifty) in lower case, mixed case, groups of four joined by dashes,
  dots or two spaces, compact with `IBAN` glued on, broken over a line, with no-break spaces;
- postal addresses of 30 Faker locales the other probes lack or hold few of, in frames with and
  without an address word;
- health said of someone in 40 phrasings (English and seven other languages), names from Faker;
- names in records and task lists (`Assignee:`, `customer record: <name>, account ...`), names of
  Turkish, Indian, Dutch, Swedish, Hungarian, Vietnamese people.

Negatives, what a fair reader would not call personal data: number shapes labelled as something
else (SKU, part, serial, IP address, invoice, build, batch), phone-shaped numbers no plan allows
(phonenumbers: not possible), IBANs with a broken check in the same odd writings, IBAN shapes of a
country that has none, brands and companies named after people, eponymous diseases, laws and
theorems, storms, general health questions and leaflets, places.

Through `router.pipeline.plan` under policies/default.yaml; flagged = confidential or above.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from router.runtime import prepare_environment  # noqa: E402

prepare_environment()

import phonenumbers  # noqa: E402
from faker import Faker  # noqa: E402
from phonenumbers import PhoneNumberFormat, PhoneNumberType  # noqa: E402
from schwifty import IBAN  # noqa: E402

from bench.probe_common import flagger, print_lists, reproducible  # noqa: E402

PHONE_REGIONS = ("DE FR ES IT NL PL BR SE GB IN JP AU US DK FI TR CH AT BE PT IE NO CZ HU RO GR MX AR CL CO ZA NG "
                 "KE EG MA SA AE IL KR CN SG MY TH PH ID VN NZ CA RU UA LU IS EE LV LT HR SI SK BG RS PK BD LK "
                 "QA KW JO TW HK PE EC UY CR GH TZ").split()
IBAN_COUNTRIES = ("DE FR ES IT NL PL PT SE GB DK FI AT BE CH IE NO CZ HU RO GR HR SI SK LU LT LV EE BG TR SA AE "
                  "IL BR MT CY IS LI MC SM QA").split()
ADDRESS_LOCALES = ("cs_CZ hu_HU ro_RO el_GR ru_RU uk_UA ko_KR zh_CN zh_TW id_ID vi_VN th_TH he_IL en_CA en_NZ en_IE "
                   "es_MX es_CL pt_PT no_NO de_AT de_CH fr_CA fr_CH hr_HR sk_SK sl_SI lt_LT lv_LV et_EE bg_BG en_PH "
                   "hy_AM ka_GE az_AZ fa_IR").split()
NAME_LOCALES = "tr_TR hi_IN en_IN nl_NL sv_SE hu_HU vi_VN de_DE fr_FR es_ES it_IT pl_PL pt_BR en_US en_GB".split()

PHONE_FRAMES = ["Call the site manager on {phone} before you deliver.",
                "New contact for the account: {phone} (mobile).",
                "She said to text {phone} if the courier is late.",
                "Landlord's number, in case of emergency: {phone}",
                "Please log this callback request - {phone}, after 5pm.",
                "Erreichbar ist er unter {phone}.",
                "Son numéro direct : {phone}.",
                "Contacto del proveedor: {phone}"]
IBAN_FRAMES = ["Pay the deposit back to {iban}, the account she gave us.",
               "Bank details for the refund:\n{iban}",
               "Salary goes to {iban} from next month.",
               "Kontoverbindung: {iban}",
               "Coordonnées bancaires : {iban}",
               "please refund to {iban} thanks"]
ADDRESS_FRAMES = ["Ship the replacement router to {address}.",
                  "The new tenant's address is {address}.",
                  "Courier pickup: {address}, ring twice.",
                  "Change the billing address on file to {address}",
                  "He moved; send the contract to {address} instead."]
HEALTH: dict[str, list[str]] = {
    "en": ["{name} is off work after knee surgery and will be back in June.",
           "{first}'s chemo starts Monday, so please cover her shifts.",
           "{name} has been signed off with anxiety for a month.",
           "Our driver {name} had a seizure at the depot this morning.",
           "{name}'s blood test came back positive for hepatitis B.",
           "{first} is expecting twins in May; plan her maternity cover.",
           "{name} is on antidepressants and asked for flexible hours.",
           "{name} has a severe peanut allergy; keep nuts out of the team lunch.",
           "{name} was admitted to hospital with pneumonia on Tuesday.",
           "{name} is recovering from a stroke and works mornings only.",
           "Note for payroll: {name} is on long-term sick leave with long COVID.",
           "{name} told me she has multiple sclerosis and needs a parking space near the door.",
           "{name} was diagnosed with type 2 diabetes last year.",
           "{name} is in rehab for alcohol addiction until the end of the month.",
           "{first} broke his wrist and can't type; give him the phone queue."],
    "de": ["{name} ist nach einer Knie-OP bis Ende Mai krankgeschrieben.",
           "{name} hat Krebs und beginnt nächste Woche mit der Chemotherapie.",
           "{name} leidet an Depressionen und arbeitet vorerst halbtags."],
    "fr": ["{name} est hospitalisé depuis mardi pour une pneumonie.",
           "{name} souffre d'un burn-out et sera absent trois semaines."],
    "es": ["{name} está de baja por ansiedad desde enero.",
           "{name} tiene cáncer de colon y empieza la quimioterapia."],
    "it": ["{name} è in cura per un tumore al polmone.",
           "{name} ha il diabete e deve fare pause regolari."],
    "nl": ["{name} heeft een hernia en werkt voorlopig thuis.",
           "{name} is opgenomen in het ziekenhuis met een longontsteking."],
    "pl": ["{name} jest na zwolnieniu lekarskim z powodu depresji."],
    "pt": ["{name} está internado com pneumonia desde segunda-feira."],
}
PERSON_RECORDS = ["Customer record: {name}, account {account}, balance due.",
                  "customer record: {name}, account {account}",
                  "Assignee: {name}",
                  "Ticket #{account} opened by {name}; priority high.",
                  "Owner of the overdue invoice: {name}",
                  "{name} (account {account}) asked to close the account.",
                  "Client: {name}\nStatus: onboarding"]
LANGUAGE_OF = {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT", "nl": "nl_NL",
               "pl": "pl_PL", "pt": "pt_BR"}

NEGATIVES: dict[str, list[str]] = {
    "labelled number shapes": ["SKU {digits10} is out of stock.", "Part no. {dashed} fits the 2019 model.",
                               "Serial {spaced} failed the burn-in test.", "Invoice no. {digits10} was paid twice.",
                               "Build {dotted} is the release candidate.", "Batch {dashed} passed QA.",
                               "The server at {ip} stopped answering pings.", "Route traffic from {ip} to the proxy."],
    "phone-shaped, impossible": ["Ticket {impossible} was escalated.", "Reference {impossible} on the statement."],
    "IBAN, broken check, odd writing": ["The checksum test must reject {bad_iban}.",
                                        "Sample value {bad_iban} appears in the spec as a counterexample."],
    "IBAN shape, no such country": ["Reference {no_country} on the remittance slip does not parse."],
    "eponyms": ["Order 20 {brand} shirts for the shop window.", "Compare {brand} with its rivals on price.",
                "What causes {disease}?", "Explain {law} with an example.", "Track {storm} on the radar map."],
    "health, general": ["What is the recovery time after an ACL reconstruction?",
                        "Write a leaflet on managing type 2 diabetes at work.",
                        "Summarise this study of chemotherapy outcomes in 500 patients.",
                        "Translate 'I have a headache' into Spanish for a phrasebook.",
                        "Welche Symptome hat eine Lungenentzündung?",
                        "Quels sont les effets secondaires de l'insuline ?",
                        "List the warning signs of a stroke for our first-aid poster.",
                        "How many employees in the EU take sick leave for burnout each year?"],
    "places": ["Write a travel guide to {city}'s old town.", "The conference moves to {city} next spring.",
               "Book a venue near {city} central station for 40 people."],
}
BRANDS = ["Calvin Klein", "Tommy Hilfiger", "Ralph Lauren", "Hugo Boss", "Karl Lagerfeld", "Ted Baker",
          "Stella McCartney", "Paul Smith", "Tom Ford", "Vera Wang", "Michael Kors", "Kate Spade"]
DISEASES = ["Hodgkin lymphoma", "Crohn's disease", "Parkinson's disease", "Graves' disease", "Tourette syndrome",
            "Asperger syndrome", "Bell's palsy", "Lou Gehrig's disease"]
LAWS = ["Murphy's law", "Bayes' theorem", "Ohm's law", "Hooke's law", "Moore's law", "Newton's third law"]
STORMS = ["Hurricane Katrina", "Storm Ciarán", "Typhoon Haiyan", "Hurricane Ian", "Storm Eunice"]


def _ext(rng: random.Random) -> str:
    return str(rng.randint(2, 9999))


def _phone_writings(number: phonenumbers.PhoneNumber, rng: random.Random) -> list[str]:
    """Writings of a valid number beyond phonenumbers' three formats."""
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    cc = str(number.country_code)
    rest = intl[len(cc) + 2:]
    out = [f"{intl} ext. {_ext(rng)}", f"{intl} x{_ext(rng)}", f"{national} (ext {_ext(rng)})",
           phonenumbers.format_number(number, PhoneNumberFormat.RFC3966), f"00{cc} {rest}",
           f"+{cc}.{rest.replace(' ', '.')}", f"+{cc}-{rest.replace(' ', '-')}", f"+{cc}{rest}",
           f"({e164[:len(cc) + 1]}) {rest}"]
    if national.startswith("0"):
        out.append(f"+{cc} (0){national[1:]}")
    if " " in national and not national.startswith("("):
        out.append(national.replace(" ", "."))
        out.append(national.replace(" ", "/", 1))
    return out


def _phones(rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for region in PHONE_REGIONS:
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            number = example
            for _ in range(30):
                nsn = str(example.national_number)
                candidate = phonenumbers.parse(f"+{example.country_code}{nsn[:-4]}{rng.randint(0, 9999):04d}")
                if phonenumbers.is_valid_number_for_region(candidate, region):
                    number = candidate
                    break
            writing = rng.choice(_phone_writings(number, rng))
            out.append((region, rng.choice(PHONE_FRAMES).format(phone=writing)))
    return out


def _iban_writing(value: str, rng: random.Random) -> str:
    groups = [value[i:i + 4] for i in range(0, len(value), 4)]
    styles = [value.lower(), " ".join(groups).lower(), value[:2].lower() + value[2:],
              "-".join(groups), ".".join(groups), "  ".join(groups), "IBAN" + value, "IBAN:" + " ".join(groups),
              " ".join(groups[:3]) + "\n" + " ".join(groups[3:]), "\u00a0".join(groups),
              " ".join(groups) + "."]
    return rng.choice(styles)


def _ibans(rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for country in IBAN_COUNTRIES:
        try:
            value = str(IBAN.random(country_code=country, random=rng))
        except Exception:
            continue
        out.append((country, rng.choice(IBAN_FRAMES).format(iban=_iban_writing(value, rng))))
    return out


def _bad_iban(rng: random.Random) -> str:
    value = str(IBAN.random(country_code=rng.choice(IBAN_COUNTRIES), random=rng))
    while True:
        candidate = value[:2] + f"{rng.randint(2, 98):02d}" + value[4:]
        try:
            IBAN(candidate)
        except Exception:
            return _iban_writing(candidate, rng)


def _no_country(rng: random.Random) -> str:
    """An IBAN-shaped string whose check digits are right for a country code no IBAN uses."""
    code = rng.choice(("US", "JP", "CN", "AU", "IN", "ZA"))
    bban = "".join(str(rng.randint(0, 9)) for _ in range(18))
    numeric = "".join(str(int(c, 36)) for c in bban + code + "00")
    check = 98 - int(numeric) % 97
    return " ".join((code + f"{check:02d}" + bban)[i:i + 4] for i in range(0, 22, 4))


def _impossible_phone(rng: random.Random) -> str:
    """Digits after a plus sign that no numbering plan allows (phonenumbers: not even possible)."""
    while True:
        text = "+" + rng.choice(("1", "44", "49", "33", "39")) + " " + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((3, 4, 14, 15))))
        try:
            if not phonenumbers.is_possible_number(phonenumbers.parse(text)):
                return text
        except phonenumbers.NumberParseException:
            return text


def positives(seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    Faker.seed(seed)
    random.seed(seed)
    out: list[tuple[str, str, str]] = []
    out += [("phone (odd writing)", r, t) for r, t in _phones(rng)]
    out += [("iban (odd writing)", c, t) for c, t in _ibans(rng)]
    for locale in ADDRESS_LOCALES:
        try:
            fake = Faker(locale)
            address = fake.address()
        except AttributeError:
            continue
        for frame in rng.sample(ADDRESS_FRAMES, 2):
            out.append(("address", locale, frame.format(address=fake.address().replace("\n", ", "))))
    for language, frames in HEALTH.items():
        fake = Faker(LANGUAGE_OF[language])
        for frame in frames:
            for _ in range(2):
                out.append(("health", language, frame.format(name=fake.name(), first=fake.first_name())))
    for locale in NAME_LOCALES:
        fake = Faker(locale)
        for frame in rng.sample(PERSON_RECORDS, 3):
            account = "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((6, 8))))
            out.append(("person (record)", locale, frame.format(name=fake.name(), account=account)))
    return out


def negatives(seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed + 1)
    Faker.seed(seed + 1)
    cities = [Faker(loc).city() for loc in ("de_DE", "fr_FR", "pl_PL", "it_IT", "es_ES", "nl_NL")]
    out: list[tuple[str, str]] = []
    for kind, templates in NEGATIVES.items():
        for template in templates:
            for _ in range(6 if "{" in template else 1):
                digits = "".join(str(rng.randint(0, 9)) for _ in range(10))
                text = template.format(
                    digits10=digits, dashed=f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
                    spaced=f"{digits[:4]} {digits[4:8]} {digits[8:]}",
                    dotted=f"{rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(100, 9999)}.{rng.randint(1, 99)}",
                    ip=f"{rng.choice((10, 172, 192))}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                    impossible=_impossible_phone(rng), bad_iban=_bad_iban(rng), no_country=_no_country(rng),
                    brand=rng.choice(BRANDS), disease=rng.choice(DISEASES), law=rng.choice(LAWS),
                    storm=rng.choice(STORMS), city=rng.choice(cities))
                out.append((kind, text))
    return out


def main() -> int:
    reproducible()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    flagged = flagger()

    positive_set, negative_set = positives(args.seed), negatives(args.seed)
    cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses, false_positives = [], []
    for kind, where, text in positive_set:
        hit, _ = flagged(text)
        cells[kind][0] += hit
        cells[kind][1] += 1
        if not hit:
            misses.append(f"{kind}/{where}: {text!r}")
    negative_cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, text in negative_set:
        hit, found = flagged(text)
        negative_cells[kind][0] += hit
        negative_cells[kind][1] += 1
        if hit:
            false_positives.append(f"{kind} {found}: {text!r}")
    print(f"seed {args.seed}: detected/total by kind")
    for kind, (hit, total) in cells.items():
        print(f"  {kind:<28}{hit:>4}/{total:<4}")
    print("false positives by negative type")
    for kind, (hit, total) in negative_cells.items():
        print(f"  {kind:<34}{hit:>4}/{total:<4}")
    found, total = sum(c[0] for c in cells.values()), sum(c[1] for c in cells.values())
    fp, neg = sum(c[0] for c in negative_cells.values()), sum(c[1] for c in negative_cells.values())
    print(f"\nrecall: {found}/{total} = {100 * found / total:.1f}%")
    print(f"false positives: {fp}/{neg} = {100 * fp / neg:.1f}%")
    print_lists(args.show_misses, misses, false_positives)
    return 0


if __name__ == "__main__":
    sys.exit(main())
