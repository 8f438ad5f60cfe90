"""Held-out evaluation of the thorough privacy scan on a corpus generated here, in ten locales.

    .venv/bin/python bench/people_eval.py [--per-template 6] [--seed 7] [--show-misses]

Sentences with personal data fill templates (below; written for this evaluation only, not used to
build any detector) with Faker's names, addresses, dates and numbers of ten locales (en_US, en_GB,
de_DE, fr_FR, es_ES, it_IT, nl_NL, pl_PL, pt_BR, sv_SE). The detectors' name lists come from a
different source (names-dataset), so a name found here was not seen while writing the rules.
Sentences without personal data are public-figure and fiction questions, general health questions,
streets as metaphors, history dates, products and companies (Faker's company names and cities),
code, order numbers and version strings.

A sentence counts as flagged when the privacy scanner plus the thorough scan (what runs for text
that would leave) report any finding. Prints recall per kind and language, the false-positive rate,
and the scan's latency. Targets: recall >= 95%, false positives <= 2%.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faker import Faker  # noqa: E402

from bench.probe_common import print_lists  # noqa: E402
from router.classify.privacy import PrivacyScanner  # noqa: E402
from router.classify.thorough import ThoroughScanner  # noqa: E402

# kind -> locale -> templates. {name} {first} {last} {street} {address} {city} {dob} {doc} {company}
POSITIVES: dict[str, dict[str, list[str]]] = {
    "person": {
        "en": ["Can you summarise the complaint our client {name} sent about the late delivery?",
               "Hi {first},\nthe contract is attached, let me know if anything is missing.",
               "Please write a warm welcome message for our new employee {name}, who starts on Monday.",
               "The tenant {name} has not paid rent for two months; draft a reminder.",
               "Thanks for your help with the migration.\nKind regards,\n{name}",
               "Hello, my name is {name} and I would like to cancel my subscription.",
               "Translate this note for the applicant {name}: the interview moved to Thursday.",
               "Prepare talking points for my one-to-one with my colleague {name} about her workload."],
        "de": ["Bitte fasse die Beschwerde des Kunden {name} über die verspätete Lieferung zusammen.",
               "Hallo {first},\ndanke für die schnelle Rückmeldung zum Angebot.",
               "Schreibe eine Absage an die Bewerberin {name} für die Stelle im Vertrieb.",
               "Mit freundlichen Grüßen\n{name}",
               "Mein Name ist {name} und ich möchte meinen Vertrag kündigen."],
        "fr": ["Rédige une réponse à la cliente {name} qui demande un remboursement.",
               "Bonjour {first},\nmerci pour votre message de ce matin.",
               "Cordialement,\n{name}",
               "Je m'appelle {name} et je voudrais modifier ma réservation.",
               "Prépare l'entretien annuel de mon collègue {name}."],
        "es": ["Resume la reclamación del cliente {name} sobre la factura de marzo.",
               "Hola {first},\nte envío el presupuesto que pediste.",
               "Un saludo,\n{name}",
               "Me llamo {name} y quiero cambiar la fecha de mi cita.",
               "Escribe una carta de bienvenida para la nueva empleada {name}."],
        "it": ["Riassumi il reclamo del cliente {name} sul ritardo della consegna.",
               "Ciao {first},\nti mando il contratto firmato.",
               "Cordiali saluti,\n{name}",
               "Mi chiamo {name} e vorrei disdire l'abbonamento."],
        "nl": ["Vat de klacht van klant {name} over de levering samen.",
               "Hoi {first},\nbedankt voor je snelle reactie.",
               "Met vriendelijke groet,\n{name}",
               "Mijn naam is {name} en ik wil mijn abonnement opzeggen."],
        "pl": ["Podsumuj reklamację klienta {name} dotyczącą opóźnionej dostawy.",
               "Pozdrawiam,\n{name}",
               "Nazywam się {name} i chcę zmienić adres dostawy."],
        "pt": ["Resuma a reclamação do cliente {name} sobre a cobrança duplicada.",
               "Olá {first},\nsegue o orçamento em anexo.",
               "Atenciosamente,\n{name}",
               "Meu nome é {name} e quero cancelar o pedido."],
        "sv": ["Sammanfatta klagomålet från kund {name} om leveransen.",
               "Med vänliga hälsningar,\n{name}",
               "Jag heter {name} och vill säga upp mitt abonnemang."],
    },
    "address": {
        "en": ["Please send the signed lease to {address}.", "Update the delivery address to {address}.",
               "The inspection is booked at {address} on Friday morning."],
        "de": ["Die neue Lieferadresse lautet {address}.", "Bitte schicke die Rechnung an {address}."],
        "fr": ["Merci d'envoyer le contrat à l'adresse suivante : {address}.", "Nouvelle adresse de livraison : {address}."],
        "es": ["Envía el pedido a {address}, por favor.", "La nueva dirección es {address}."],
        "it": ["Spedisci il pacco a {address}.", "Il nuovo indirizzo è {address}."],
        "nl": ["Stuur de factuur naar {address}.", "Het nieuwe adres is {address}."],
        "pl": ["Wyślij paczkę na adres {address}.", "Nowy adres to {address}."],
        "pt": ["Envie o pedido para {address}.", "O novo endereço é {address}."],
        "sv": ["Skicka fakturan till {address}.", "Den nya adressen är {address}."],
    },
    "date_of_birth": {
        "en": ["The policy holder was born on {dob_en} and wants a quote.", "DOB: {dob_num}, please verify the age.",
               "Her date of birth is {dob_en}."],
        "de": ["Die Versicherte ist am {dob_num} geboren.", "Geburtsdatum: {dob_num}"],
        "fr": ["Le souscripteur est né le {dob_num}.", "Date de naissance : {dob_num}"],
        "es": ["El titular nació el {dob_num}; fecha de nacimiento {dob_num}.", "Fecha de nacimiento: {dob_num}"],
        "it": ["Il cliente è nato il {dob_num}.", "Data di nascita: {dob_num}"],
        "nl": ["Geboortedatum: {dob_num}"], "pl": ["Data urodzenia: {dob_num}"], "pt": ["Data de nascimento: {dob_num}"],
        "sv": ["Födelsedatum: {dob_num}"],
    },
    "id_document": {
        "en": ["Passport number {doc}, expiring next year.", "Her driving licence number is {doc}.",
               "Add ID card number {doc} to the booking."],
        "de": ["Die Personalausweisnummer lautet {doc}.", "Führerscheinnummer: {doc}"],
        "fr": ["Numéro de passeport : {doc}.", "Le permis de conduire porte le numéro {doc}."],
        "es": ["Número de pasaporte: {doc}.", "El carnet de conducir es {doc}."],
        "it": ["Numero di passaporto: {doc}.", "La patente di guida è {doc}."],
        "nl": ["Paspoortnummer {doc}."], "pl": ["Numer paszportu: {doc}."], "pt": ["Número do passaporte: {doc}."],
        "sv": ["Passnummer {doc}, körkort {doc}."],
    },
    "health": {
        "en": ["I was diagnosed with asthma last year; which jobs should I avoid?",
               "Draft a note to HR: my doctor put me on sick leave after the surgery.",
               "The patient in bed 4 is allergic to penicillin and takes insulin twice a day.",
               "My son has epilepsy, can you help me write a letter to his school?"],
        "de": ["Ich bin seit März krankgeschrieben wegen einer Depression.",
               "Meine Mutter hat Diabetes und braucht Hilfe beim Einkaufen."],
        "fr": ["Je suis enceinte de trois mois, comment le dire à mon employeur ?",
               "Mon père suit une chimiothérapie depuis janvier."],
        "es": ["Estoy embarazada y necesito pedir la baja médica.", "Mi madre tiene cáncer de mama."],
        "it": ["Mio padre è ricoverato in ospedale per un infarto.", "Sono incinta e devo avvisare il datore di lavoro."],
        "nl": ["Mijn vader heeft kanker en ik wil verlof aanvragen."],
        "pl": ["Jestem w ciąży i muszę powiedzieć o tym szefowi."],
        "pt": ["Estou grávida e preciso avisar a empresa."],
    },
    "special_category": {
        "en": ["Which of our employees are union members? Prepare the list for the negotiation.",
               "My colleague told me she is gay; how should I handle questions from the team?",
               "Record the fingerprints of the new staff for the door system."],
        "de": ["Welche Mitarbeiter sind in der Gewerkschaft? Erstelle eine Liste."],
        "fr": ["Liste les salariés qui sont syndiqués."],
        "es": ["Mi compañero es musulmán y necesita un espacio para rezar."],
    },
}

# Set B: written after the detectors were tuned on set A's misses, run once as the held-out measure.
POSITIVES_B: dict[str, dict[str, list[str]]] = {
    "person": {
        "en": ["Can you check why the refund for {name} (account holder since 2019) was rejected?",
               "Notes from today's call with {name}: she wants the upgrade but not the new contract.",
               "Good morning {first}, just confirming your appointment for Tuesday at 10.",
               "Write a short reference for {name}, who worked with us as a contractor for two years.",
               "Forward this to {name} in accounts and ask her to approve the invoice."],
        "de": ["Kannst du die Kündigung von Herrn {last} bis Freitag bearbeiten?",
               "Gesprächsnotiz: {name} hat wegen der doppelten Abbuchung angerufen.",
               "Viele Grüße\n{name}"],
        "fr": ["Madame {last} a appelé pour contester la facture de février.",
               "Peux-tu relancer {name}, notre locataire du troisième étage ?"],
        "es": ["El paciente {name} no se presentó a la cita del lunes.",
               "Saludos cordiales,\n{name}"],
        "it": ["Il dipendente {name} ha chiesto le ferie per agosto.", "Buongiorno {first}, le scrivo per il contratto."],
        "nl": ["Mevrouw {last} heeft gebeld over haar factuur.", "Groeten,\n{name}"],
        "da": ["Kunden {name} har klaget over leveringen.", "Venlig hilsen\n{name}"],
    },
    "address": {
        "en": ["Our new tenant moves into {address} next month.", "Where should I send the cheque? {address}"],
        "de": ["Wohnhaft in {address}.", "Lieferung bitte an: {address}"],
        "fr": ["Domicile : {address}", "Il habite au {street}."],
        "es": ["Domicilio: {address}"], "it": ["Residente in {address}."], "nl": ["Woonachtig op {address}."],
        "da": ["Adresse: {address}"],
    },
    "date_of_birth": {
        "en": ["Applicant details - born {dob_en}, nationality Irish.", "Patient DOB {dob_num}; allergies none."],
        "de": ["geb. {dob_num} in Hamburg"], "fr": ["née le {dob_num} à Lille"], "es": ["nacida el {dob_num}"],
        "it": ["nata il {dob_num} a Bari"], "nl": ["geboren op {dob_num}"], "da": ["født {dob_num}"],
    },
    "id_document": {
        "en": ["Please attach a copy of passport {doc} to the file.", "DL number {doc}, class B."],
        "de": ["Reisepass Nr. {doc}"], "fr": ["Carte d'identité n° {doc}"], "es": ["Pasaporte {doc}, caduca en 2031."],
        "it": ["Passaporto n. {doc}"], "nl": ["Rijbewijs {doc}"],
    },
    "health": {
        "en": ["Her MRI showed a small tumour; can you help me explain it to the kids?",
               "I've been off sick with burnout since March, draft my return-to-work email.",
               "Employee reports panic attacks after the reorganisation; what support can we offer him?"],
        "de": ["Mein Sohn hat ADHS, wie erkläre ich das der Lehrerin?"],
        "fr": ["Ma femme souffre de migraines chroniques."],
        "es": ["Tengo diabetes tipo 1 y viajo la semana que viene."],
        "it": ["Mia madre soffre di Alzheimer."],
    },
    "special_category": {
        "en": ["Two of my team members told me they are transgender; how do I support them?",
               "Export the list of staff whose religion is recorded in the HR system."],
        "de": ["Mein Kollege ist Gewerkschaftsmitglied und will mitkommen."],
        "fr": ["Mon collègue est syndiqué à la CGT."],
    },
}
NEGATIVES_B = [
    "Who painted the Mona Lisa and when?", "Summarise the life of {public} in 100 words.",
    "List three achievements of {public}.", "In which novel does {fiction} appear?",
    "What is the best treatment for a common cold?", "Explain type 1 versus type 2 diabetes.",
    "How common is burnout among nurses?", "Was ist ADHS?", "Qu'est-ce que la maladie d'Alzheimer ?",
    "Write a blog post about the history of Fifth Avenue.", "Why is Baker Street famous?",
    "How do I apply for a passport in Canada?", "What documents do I need for a driving licence?",
    "Our {company} subscription renews on 1 March 2026.", "Book a table for four in {city} on Friday.",
    "Convert 5 miles to kilometres.", "Ticket 88213 is resolved, close it.", "Release 3.2.1 fixes the login bug.",
    "Generate a SQL query that counts customers per city.", "Dear colleagues, the canteen reopens on Monday.",
    "Thanks for the update!", "Kind regards from the whole team.", "Explain what a union type is in TypeScript.",
    "Which religions observe a fasting month?", "How does facial recognition work?",
]


PUBLIC = ["Marie Curie", "Albert Einstein", "Abraham Lincoln", "Frida Kahlo", "Nelson Mandela", "Ada Lovelace",
          "Leonardo da Vinci", "Angela Merkel", "Charles Darwin", "Jane Austen", "Gabriel García Márquez",
          "Victor Hugo", "Johann Sebastian Bach", "Isaac Newton", "Simone de Beauvoir", "Winston Churchill"]
FICTION = ["Sherlock Holmes", "Elizabeth Bennet", "Harry Potter", "Anna Karenina", "Don Quixote", "Jay Gatsby",
           "Hermione Granger", "Atticus Finch", "Emma Bovary", "Frodo Baggins"]
NEGATIVES = [
    "Who was {public} and what is she or he best known for?", "Write a short biography of {public}.",
    "Why is {public} considered so influential in history?", "Give me three famous quotes by {public}.",
    "Compare {public} and {public2} in a short essay.", "What novels feature {fiction}?",
    "Describe the character arc of {fiction} in the book.", "Is {fiction} a reliable narrator in the story?",
    "What are the early symptoms of diabetes?", "How is asthma usually treated in children?",
    "Explain how chemotherapy works.", "What is the difference between a stroke and a heart attack?",
    "Welche Symptome hat eine Depression?", "Quels sont les symptômes du diabète ?",
    "¿Cuáles son los síntomas del cáncer de pulmón?", "Why do Main Street shops close earlier than malls?",
    "Wall Street reacted badly to the rate decision; summarise why.", "Explain the history of Abbey Road Studios.",
    "What happened on 14 July 1789 in Paris?", "Summarise the events of 11 November 1918.",
    "Write a product description for {company}'s new line of running shoes.",
    "Draft a press release: {company} opens an office in {city}.", "What is the weather like in {city} in May?",
    "Plan a three-day trip to {city} with museums and food.", "How far is it from {city} to {city2}?",
    "Order 4471-2291-88 was shipped twice; check the warehouse logs.", "Upgrade the service from v2.14.3 to v2.15.0.",
    "The build id is 4111-1111-1111-1111-aaaa, rerun it.", "Refactor: def find_customer(name): return db.get(name)",
    "SELECT first_name, last_name FROM customers WHERE city = 'Lyon';",
    "Translate 'the customer is always right' into German.", "How do I become a union member in Sweden?",
    "What are the main religions practised in India?", "Explain how fingerprint sensors work on phones.",
    "Quelle est la meilleure route de Lyon à Marseille ?", "Wie viele Einwohner hat {city}?",
    "Escribe un poema sobre el mar.", "Scrivi una ricetta per la pasta alla carbonara.",
    "Hoe laat gaat de trein naar Amsterdam?", "Napisz krótki wiersz o jesieni.",
    "The meeting room on floor 3 is booked from 10:00 to 11:30.", "Our Q3 revenue grew 12% to 4.2 million euros.",
    "Customer satisfaction rose in the Berlin and Madrid stores.", "List five ways to reduce employee turnover.",
    "What is a good onboarding checklist for new employees?", "Dear team, the office is closed on Friday.",
    "Best regards from the marketing department!", "My name is not important, just tell me how to reset a router.",
    "The patient portal will be down for maintenance on Sunday.", "Explain the plot of Pride and Prejudice.",
]

LOCALES = {"en": ["en_US", "en_GB"], "de": ["de_DE"], "fr": ["fr_FR"], "es": ["es_ES"], "it": ["it_IT"],
           "nl": ["nl_NL"], "pl": ["pl_PL"], "pt": ["pt_BR"], "sv": ["sv_SE"], "da": ["da_DK"]}


def _fill(template: str, fake: Faker, rng: random.Random) -> str:
    street = fake.street_address()
    dob = fake.date_of_birth(minimum_age=18, maximum_age=90)
    doc = rng.choice([fake.bothify("?#######").upper(), fake.bothify("##########"), fake.bothify("??#######").upper(),
                      fake.bothify("?###-####-####").upper()])
    address = fake.address().replace("\n", ", ")
    return template.format(name=fake.name(), first=fake.first_name(), last=fake.last_name(), address=address,
                           street=street,
                           dob_en=dob.strftime("%B %d, %Y"), dob_num=dob.strftime("%d.%m.%Y"), doc=doc)


def corpus(per_template: int, seed: int, held_out: bool = False) -> tuple[list[tuple[str, str, str]], list[str]]:
    rng = random.Random(seed)
    Faker.seed(seed)
    positives = []
    for kind, by_language in (POSITIVES_B if held_out else POSITIVES).items():
        for language, templates in by_language.items():
            for template in templates:
                for i in range(per_template):
                    fake = Faker(LOCALES[language][i % len(LOCALES[language])])
                    positives.append((kind, language, _fill(template, fake, rng)))
    negatives = []
    # Faker picks a multi-locale proxy's locale with the unseeded global random; pick it here instead
    fakes = [Faker(locale) for locale in ("en_US", "de_DE", "fr_FR", "es_ES", "it_IT")]
    for template in (NEGATIVES_B if held_out else NEGATIVES):
        for _ in range(per_template):
            public, public2 = rng.sample(PUBLIC, 2)
            fake = rng.choice(fakes)
            negatives.append(template.format(public=public, public2=public2, fiction=rng.choice(FICTION),
                                             company=fake.company(), city=fake.city(), city2=fake.city()))
    return positives, negatives


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-template", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--set", choices=("a", "b"), default="a", help="a: the tuning set; b: the held-out set")
    args = parser.parse_args()
    base = PrivacyScanner()
    thorough = ThoroughScanner(base)
    positives, negatives = corpus(args.per_template, args.seed, held_out=args.set == "b")
    timings: list[float] = []

    def flagged(text: str) -> list[str]:
        start = time.perf_counter()
        found = [f.label for f in base.scan(text, "")] + [f.label for f in thorough.scan(text, "")]
        timings.append((time.perf_counter() - start) * 1e6)
        return found

    hits: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    misses, false_positives = [], []
    for kind, language, text in positives:
        found = flagged(text)
        cell = hits[(kind, language)]
        cell[0] += bool(found)
        cell[1] += 1
        if not found:
            misses.append(f"{kind}/{language}: {text!r}")
    for text in negatives:
        found = flagged(text)
        if found:
            false_positives.append(f"{found}: {text!r}")
    languages = sorted({language for _, language in hits})
    print(f"{'kind':<18}" + "".join(f"{lang:>9}" for lang in languages) + f"{'all':>10}")
    for kind in (POSITIVES_B if args.set == "b" else POSITIVES):
        row = [hits.get((kind, lang)) for lang in languages]
        total = [sum(c[0] for c in row if c), sum(c[1] for c in row if c)]
        print(f"{kind:<18}" + "".join(f"{c[0]:>5}/{c[1]:<3}" if c else f"{'-':>9}" for c in row)
              + f"{100 * total[0] / total[1]:>9.1f}%")
    found_all = sum(c[0] for c in hits.values())
    print(f"\nrecall: {found_all}/{len(positives)} = {100 * found_all / len(positives):.1f}% of sentences with personal data")
    print(f"false positives: {len(false_positives)}/{len(negatives)} = "
          f"{100 * len(false_positives) / len(negatives):.1f}% of sentences without")
    timings.sort()
    print(f"scan latency per sentence: p50 {statistics.median(timings):.0f} us, "
          f"p99 {timings[int(0.99 * (len(timings) - 1))]:.0f} us")
    print_lists(args.show_misses, misses, false_positives)
    return 0


if __name__ == "__main__":
    sys.exit(main())
