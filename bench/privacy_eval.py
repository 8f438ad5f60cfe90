"""Held-out evaluation of the whole privacy path (classify's scanner plus the thorough scan after
decide) on sentences generated here with Faker, in 39 locales.

    .venv/bin/python bench/privacy_eval.py [--split dev|test|all] [--per-template 2] [--seed 18] [--show-misses]

Each sentence goes through `router.pipeline.plan` under policies/default.yaml, exactly as a chat
request would; it counts as flagged when its decision's data class is confidential or above.

Positives: names in sentences, street addresses, phone numbers, IBANs, dates of birth, national
IDs and health statements, with Faker's data of each locale (IBANs from schwifty's registry where
Faker falls back to another country; national IDs only where python-stdnum validates Faker's
number for that country; phones split into those phonenumbers deems valid for the locale's
region, `phone`, and Faker's others, `phone*`, which no real network would dial).
Negatives: look-alikes that are not personal data (an IBAN or national ID with a broken check
digit, a card failing Luhn, phone-shaped order numbers, version strings, timestamps, UUIDs, sums),
public figures and fiction, landmarks ("10 Downing Street"), voice-assistant commands, general
health questions, companies and cities.

The templates are split in two: `dev` (looked at while fixing misses) and `test` (run, never tuned
on). The templates are written for this file only; no detector reads them. Prints recall per
locale and kind, false positives per negative type, precision per finding kind, and the totals.
Targets: recall >= 95%, false positives <= 2%.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.probe_common import print_lists  # noqa: E402
from router.runtime import prepare_environment  # noqa: E402

prepare_environment()  # offline tokenizers and price map, as every entry point sets them

import phonenumbers  # noqa: E402
import stdnum.util  # noqa: E402
from faker import Faker  # noqa: E402
from schwifty import IBAN  # noqa: E402

from router.pipeline import plan  # noqa: E402
from router.policy_loader import load_policy  # noqa: E402
from router.profile import DataClass  # noqa: E402

LOCALES = ("en_US en_GB en_AU en_IN en_CA de_DE de_AT de_CH fr_FR es_ES es_MX it_IT nl_NL nl_BE pt_BR pt_PT "
           "pl_PL sv_SE da_DK no_NO fi_FI cs_CZ sk_SK tr_TR ja_JP ko_KR zh_CN hi_IN ar_AA ru_RU uk_UA hu_HU ro_RO "
           "el_GR hr_HR he_IL th_TH id_ID vi_VN").split()
COUNTRY = {"ar_AA": "SA"}  # the rest: the locale's own country
DATE_FORMATS = {"en_US": "%m/%d/%Y", "en_CA": "%Y-%m-%d", "ja_JP": "%Y年%m月%d日", "zh_CN": "%Y年%m月%d日",
                "ko_KR": "%Y. %m. %d.", "hu_HU": "%Y.%m.%d.", "sv_SE": "%Y-%m-%d", "lt_LT": "%Y-%m-%d"}
# Candidate python-stdnum modules per country for the national ID Faker's `ssn` writes.
ID_MODULES = ("ssn", "sin", "nir", "dni", "nie", "curp", "codicefiscale", "bsn", "nn", "cpf", "pesel",
              "personnummer", "cpr", "fodselsnummer", "hetu", "rc", "tckimlik", "rrn", "ric", "aadhaar", "cnp",
              "amka", "oib", "idnr", "pin", "vnr", "nik", "egn", "ik", "pk", "rntrc", "inn")

# kind -> split -> templates. Fields: {name} {first} {last} {address} {phone} {iban} {dob} {id}
POSITIVES: dict[str, dict[str, list[str]]] = {
    "person": {
        "dev": ["Please call back {name} about the overdue invoice.",
                "Summarise the meeting notes: {name} agreed to send the revised budget by Friday.",
                "Can you draft a reply to {name}? He wants to know when his order arrives.",
                "Add {name} to the guest list for the dinner on Saturday.",
                "Our customer {name} says the router keeps rebooting and wants a refund."],
        "test": ["Remind {name} that the lease renewal is due next week.",
                 "I'm writing on behalf of my mother, {name}, who cannot use the website.",
                 "Send the onboarding pack to our new hire {name}.",
                 "Interview feedback for {name}: strong on SQL, weaker on system design.",
                 "Dear {name},\nyour parcel could not be delivered today."],
    },
    "address": {
        "dev": ["Ship the replacement to {address}.", "Her home address is {address}.",
                "Please update my address to {address}."],
        "test": ["Registered address: {address}", "We visited the client at {address} yesterday.",
                 "Invoice address:\n{address}"],
    },
    "phone": {
        "dev": ["You can reach her on {phone}.", "Mobile: {phone}", "Customer callback number {phone}, best after 5pm."],
        "test": ["Text me at {phone} when you arrive.", "Contact details for the claim: {phone}",
                 "His number is {phone}, he prefers calls in the morning."],
    },
    "iban": {
        "dev": ["Please refund the deposit to IBAN {iban}.", "Bank details: {iban}"],
        "test": ["Transfer the salary to account {iban} from next month.", "Use {iban} for the direct debit."],
    },
    "date_of_birth": {
        "dev": ["The applicant was born on {dob}.", "Date of birth: {dob}"],
        "test": ["DOB {dob}, please verify the age before shipping.", "Patient born {dob}, allergic to latex."],
    },
    "national_id": {
        "dev": ["My national ID number is {id}.", "ID number: {id}, please update the customer file."],
        "test": ["Her personal identification number is {id}.", "Citizen ID {id} was entered twice in the form."],
    },
    "health": {
        "dev": ["My colleague {first} has been on sick leave since her cancer diagnosis.",
                "{name} was diagnosed with type 2 diabetes last spring and needs a flexible schedule.",
                "I was diagnosed with depression in March; help me tell my manager."],
        "test": ["My husband {first} is recovering from a heart attack; draft a note to his employer.",
                 "Patient {name}, 54, presents with chest pain and a history of hypertension.",
                 "I have epilepsy and need to explain it to my new team."],
    },
}

NEGATIVES: dict[str, dict[str, list[str]]] = {
    "iban, bad checksum": {"dev": ["Reference {bad_iban} appears on the remittance slip."],
                           "test": ["The test fixture {bad_iban} must be rejected by the validator."]},
    "national ID, bad checksum": {"dev": ["Tracking code {bad_id} was scanned twice."],
                                  "test": ["Batch {bad_id} failed the quality check."]},
    "card, bad Luhn": {"dev": ["Serial {bad_card} is printed on the box."],
                       "test": ["Licence key 4539 1488 0343 6468 0000 was revoked."]},
    "order/ticket numbers": {"dev": ["Order {order} shipped on Tuesday.", "Ticket {order} was escalated to tier 2."],
                             "test": ["Invoice no. {order} is overdue by 30 days.", "Shipment {order} left the depot."]},
    "versions": {"dev": ["Upgrade from {version} to {version2} before the release."],
                 "test": ["Build {version} broke the login page; roll back to {version2}."]},
    "timestamps": {"dev": ["Log line at {timestamp}: connection reset by peer."],
                   "test": ["The job started at {timestamp} and took 42 seconds."]},
    "uuids": {"dev": ["Request {uuid} timed out after 30 s."], "test": ["Trace id {uuid_part} shows a slow query."]},
    "numbers": {"dev": ["The warehouse shipped 1 250 400 units worth 3 644 826 euros in Q3."],
                "test": ["Population of {city}: 2 148 271 (census 2021), area 105.4 km²."]},
    "public figures": {"dev": ["Who was {public} and why is she or he famous?", "Write a short biography of {public}."],
                       "test": ["Compare the ideas of {public} and {public2}.", "Give three quotes by {public}."]},
    "fiction": {"dev": ["Describe the character arc of {fiction}."], "test": ["In which novel does {fiction} appear?"]},
    "landmarks": {"dev": ["What happens at 10 Downing Street on budget day?",
                          "Plan a walking tour from Trafalgar Square to 221B Baker Street."],
                  "test": ["Why is 1600 Pennsylvania Avenue so well known?",
                           "How tall is the building at 350 Fifth Avenue?",
                           "Is the museum at 20 Maresfield Gardens worth a visit?",
                           "The Beatles crossed the road at 3 Abbey Road for the album cover."]},
    "assistants": {"dev": ["Alexa, play some jazz in the kitchen.", "Hey Siri, set a timer for ten minutes."],
                   "test": ["Ok Google, what's the weather in {city}?", "Alexa, add milk to my shopping list."]},
    "health questions": {"dev": ["What are the symptoms of type 2 diabetes?", "How is asthma treated in adults?"],
                         "test": ["Explain how chemotherapy works.", "What causes migraines?"]},
    "companies and places": {"dev": ["Draft a press release: {company} opens an office in {city}.",
                                     "Main Street shops close earlier than malls; why?"],
                             "test": ["Plan a three-day trip to {city}.", "Write a product description for {company}."]},
}

PUBLIC = ["Marie Curie", "Albert Einstein", "Abraham Lincoln", "Frida Kahlo", "Nelson Mandela", "Ada Lovelace",
          "Angela Merkel", "Charles Darwin", "Jane Austen", "Victor Hugo", "Isaac Newton", "Winston Churchill",
          "Mahatma Gandhi", "Leo Tolstoy", "Haruki Murakami", "Confucius", "Simón Bolívar", "Wisława Szymborska"]
FICTION = ["Sherlock Holmes", "Elizabeth Bennet", "Harry Potter", "Anna Karenina", "Don Quixote", "Jay Gatsby",
           "Hermione Granger", "Atticus Finch", "Emma Bovary", "Frodo Baggins"]


def _national_id(fake: Faker, country: str) -> tuple[str, object] | None:
    """Faker's national ID for the locale when python-stdnum validates it for that country."""
    try:
        value = fake.ssn()
    except AttributeError:
        return None
    for name in ID_MODULES:
        try:
            module = stdnum.util.get_cc_module(country.lower(), name)
        except Exception:
            continue
        if module is not None and module.is_valid(value):
            return value, module
    return None


def _iban(fake: Faker, country: str, rng: random.Random) -> str | None:
    value = fake.iban()
    if value[:2] != country:
        try:
            value = str(IBAN.random(country_code=country))
        except Exception:
            pass
    try:
        IBAN(value)
    except Exception:
        return None  # a country without IBANs, where Faker writes a malformed foreign one
    return value if rng.random() < 0.5 else " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def _broken(value: str, rng: random.Random, module=None) -> str:
    """`value` with one digit changed so that its check fails."""
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    for _ in range(20):
        i = rng.choice(digits[-4:] if module is None else digits)
        candidate = value[:i] + str((int(value[i]) + rng.randint(1, 9)) % 10) + value[i + 1:]
        if module is not None and not module.is_valid(candidate):
            return candidate
        if module is None:
            try:
                IBAN(candidate)
            except Exception:
                return candidate
    return value


def _luhn_broken(rng: random.Random) -> str:
    from stdnum import luhn
    while True:
        number = "4" + "".join(str(rng.randint(0, 9)) for _ in range(15))
        if not luhn.is_valid(number):
            return " ".join(number[i:i + 4] for i in range(0, 16, 4))


def sentences(split: str, per_template: int, seed: int):
    """(kind, locale, text) positives and (type, text) negatives."""
    rng = random.Random(seed)
    Faker.seed(seed)
    random.seed(seed)  # schwifty's IBAN.random
    splits = ("dev", "test") if split == "all" else (split,)
    positives: list[tuple[str, str, str]] = []
    for locale in LOCALES:
        fake = Faker(locale)
        country = COUNTRY.get(locale, locale.split("_")[1])
        for kind, by_split in POSITIVES.items():
            for template in (t for s in splits for t in by_split[s]):
                for _ in range(per_template):
                    found_kind = kind
                    values = {"name": fake.name(), "first": fake.first_name(), "last": fake.last_name(),
                              "address": fake.address().replace("\n", ", ") if "\n" not in template
                              else fake.address()}
                    if kind == "phone":
                        values["phone"] = fake.phone_number()
                        try:
                            valid = phonenumbers.is_valid_number(phonenumbers.parse(values["phone"], country))
                        except phonenumbers.NumberParseException:
                            valid = False
                        found_kind = "phone" if valid else "phone*"
                    if kind == "iban":
                        values["iban"] = _iban(fake, country, rng)
                        if values["iban"] is None:
                            continue
                    if kind == "date_of_birth":
                        dob = fake.date_of_birth(minimum_age=18, maximum_age=90)
                        values["dob"] = dob.strftime(DATE_FORMATS.get(locale, rng.choice(["%d.%m.%Y", "%d/%m/%Y",
                                                                                          "%Y-%m-%d", "%d %B %Y"])))
                    if kind == "national_id":
                        got = _national_id(fake, country)
                        if got is None:
                            continue
                        values["id"] = got[0]
                    positives.append((found_kind, locale, template.format(**values)))
    negatives: list[tuple[str, str]] = []
    fake = Faker(list(LOCALES[:20]))
    ids = [got for loc in LOCALES if (got := _national_id(Faker(loc), COUNTRY.get(loc, loc.split("_")[1])))]
    for kind, by_split in NEGATIVES.items():
        for template in (t for s in splits for t in by_split[s]):
            for _ in range(per_template * 6):
                good_iban = str(IBAN.random(country_code=rng.choice(["DE", "FR", "GB", "ES", "IT", "NL", "PL", "SE"])))
                value, module = rng.choice(ids)
                public, public2 = rng.sample(PUBLIC, 2)
                a, b, c = rng.randint(100, 999), rng.randint(100, 999), rng.randint(1000, 9999)
                order = rng.choice([f"{a}-{b}-{c}", f"{a} {b} {c}", f"{a}{b}{c}", f"#{a}{c}{b}",
                                    f"{rng.randint(10, 99)} {a} {c}", f"{2020 + rng.randint(0, 6)}-{c}{a}"])
                stamp = rng.randint(1_500_000_000, 1_800_000_000)
                timestamp = rng.choice([f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} {rng.randint(10, 23)}:"
                                        f"{rng.randint(10, 59)}:{rng.randint(10, 59)}", str(stamp), str(stamp * 1000),
                                        f"2025-11-0{rng.randint(1, 9)}T0{rng.randint(0, 9)}:12:44.{c}Z"])
                u = str(uuid.UUID(int=rng.getrandbits(128)))
                version = rng.choice([f"{rng.randint(1, 20)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}",
                                      f"10.0.{rng.randint(10000, 22999)}.{c}", f"v{rng.randint(1, 5)}.{a}.{b}"])
                negatives.append((kind, template.format(
                    bad_iban=_broken(good_iban, rng), bad_id=_broken(value, rng, module), bad_card=_luhn_broken(rng),
                    order=order, version=version, version2=f"{rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
                    timestamp=timestamp, uuid=u, uuid_part=u[:18], city=fake.city(), company=fake.company(),
                    public=public, public2=public2, fiction=rng.choice(FICTION))))
    return positives, negatives


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--per-template", type=int, default=2)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    policy = load_policy(Path(__file__).resolve().parents[1] / "policies" / "default.yaml")

    def findings(text: str) -> tuple[bool, set[str]]:
        _, decision = plan(policy, {"model": "auto", "messages": [{"role": "user", "content": text}]}, {})
        kinds = {f.kind for f in decision.profile.findings}
        return decision.profile.data_class >= DataClass.CONFIDENTIAL, kinds

    positives, negatives = sentences(args.split, args.per_template, args.seed)
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    fired: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # finding kind -> [in positives, in negatives]
    misses, false_positives = [], []
    for kind, locale, text in positives:
        flagged, kinds = findings(text)
        cells[(locale, kind)][0] += flagged
        cells[(locale, kind)][1] += 1
        for k in kinds:
            fired[k][0] += 1
        if not flagged:
            misses.append(f"{kind}/{locale}: {text!r}")
    negative_cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, text in negatives:
        flagged, kinds = findings(text)
        negative_cells[kind][0] += flagged
        negative_cells[kind][1] += 1
        for k in kinds:
            fired[k][1] += 1
        if flagged:
            false_positives.append(f"{kind} {sorted(kinds)}: {text!r}")

    kinds = [k for k in (*POSITIVES, "phone*") if any(key[1] == k for key in cells)]
    print(f"recall by locale ({args.split} split, seed {args.seed}): flagged/sentences")
    print(f"{'locale':<7}" + "".join(f"{k[:11]:>12}" for k in kinds) + f"{'all':>9}")
    for locale in [*LOCALES, "all"]:
        row = []
        for kind in kinds:
            got = [cells[(loc, kind)] for loc in (LOCALES if locale == "all" else [locale]) if (loc, kind) in cells]
            row.append((sum(c[0] for c in got), sum(c[1] for c in got)))
        found, total = sum(r[0] for r in row), sum(r[1] for r in row)
        print(f"{locale:<7}" + "".join(f"{f'{h}/{n}':>12}" if n else f"{'-':>12}" for h, n in row)
              + f"{100 * found / max(total, 1):>8.1f}%")
    print("\nfalse positives by negative type")
    for kind, (hit, total) in negative_cells.items():
        print(f"  {kind:<28}{hit:>4}/{total:<4}")
    print("\nprecision by finding kind (sentences with it: positive / negative)")
    for kind, (pos, neg) in sorted(fired.items()):
        print(f"  {kind:<18}{pos:>5} / {neg:<4} precision {100 * pos / (pos + neg):.1f}%")
    found = sum(c[0] for c in cells.values())
    valid = [(k, c) for (loc, k), c in cells.items() if k != "phone*"]
    found_valid, total_valid = sum(c[0] for _, c in valid), sum(c[1] for _, c in valid)
    fp = sum(c[0] for c in negative_cells.values())
    print(f"\nrecall: {found}/{len(positives)} = {100 * found / len(positives):.1f}% "
          f"(without phone*: {100 * found_valid / total_valid:.1f}%)")
    print(f"false positives: {fp}/{len(negatives)} = {100 * fp / len(negatives):.1f}%")
    print_lists(args.show_misses, misses, false_positives)
    return 0


if __name__ == "__main__":
    sys.exit(main())
