"""Dates of birth and ID documents: personal data with a shape but no checksum (street addresses
are addresses.py's).

- date_of_birth: a full date (numeric, ISO, with a month name in eight languages, or the CJK and
  Korean forms) within a few words after a birth word (born, date of birth, DOB, geboren, né le,
  nacido, nato il, дата рождения, doğum tarihi, 生年月日, ...). A date alone is history
  ("9 November 1989").
- id_document: a passport, driver's licence or identity-card word, then within a few words a
  document number: 6-20 letters/digits/hyphens holding 5+ digits, not a date.
"""

from __future__ import annotations

import re

from router.classify.lexicon import Reading, phrases


def alternation(words: str) -> str:
    """'a | b c' -> a non-capturing alternation, longest first, spaces as \\s+ (for lists read at an anchor)."""
    items = sorted({w.strip() for w in words.split("|") if w.strip()}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items) + ")"

_MONTHS = alternation("""
january | february | march | april | may | june | july | august | september | october | november | december |
jan | feb | mar | apr | jun | jul | aug | sep | sept | oct | nov | dec |
januar | jänner | februar | märz | mai | juni | juli | oktober | dezember |
janvier | février | mars | avril | juin | juillet | août | septembre | octobre | novembre | décembre |
enero | febrero | marzo | abril | mayo | junio | julio | agosto | septiembre | octubre | noviembre | diciembre |
gennaio | febbraio | aprile | maggio | giugno | luglio | settembre | ottobre | dicembre |
januari | februari | maart | mei | augustus |
janeiro | fevereiro | março | maio | junho | julho | setembro | outubro | novembro | dezembro |
stycznia | lutego | marca | kwietnia | maja | czerwca | lipca | sierpnia | września | października | listopada | grudnia""")
_DATE = (rf"(?:\d{{1,2}}[./\-]\d{{1,2}}[./\-](?:\d{{4}}|\d{{2}})\b|(?:19|20)\d{{2}}[./\-]\d{{1,2}}[./\-]\d{{1,2}}\b|"
         rf"(?:19|20)\d{{2}}年[ \t]?\d{{1,2}}月[ \t]?\d{{1,2}}日|(?:19|20)\d{{2}}년[ \t]?\d{{1,2}}월[ \t]?\d{{1,2}}일|"
         rf"(?:19|20)\d{{2}}\.[ \t]\d{{1,2}}\.[ \t]\d{{1,2}}\.|"
         rf"\d{{1,2}}(?:st|nd|rd|th|\.|er|º)?[ \t]+(?:de[ \t]+|of[ \t]+)?(?i:{_MONTHS})\.?,?[ \t]+(?:de[ \t]+)?\d{{4}}\b|"
         rf"(?i:{_MONTHS})\.?[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+\d{{4}}\b)")
_BIRTH_WORDS = phrases("""
born | born on | date of birth | birth date | birthdate | dob | d.o.b. | birthday | date of bith | date of brith |
date of birht | dateofbirth | d0b | geboren | geboren am | geb. |
geburtsdatum | geburtstag | né le | née le | né | née | date de naissance | fecha de nacimiento | nacido | nacida |
nacido el | nacida el | f. nac. | data di nascita | nato il | nata il | nato | nata | geboortedatum | geboren op |
data urodzenia | urodzony | urodzona | data de nascimento | nascido em | nascida em | födelsedatum | född | født | fødselsdato |
syntymäaika | syntynyt | datum narození | narozen | narozena | dátum narodenia | narodený | narodená | doğum tarihi |
doğdu | született | születési dátum | születési idő | data nașterii | născut | născută | ημερομηνία γέννησης |
γεννήθηκε | дата рождения | родился | родилась | дата народження | народився | народилася | дата на раждане |
роден | родена | datum rođenja | rođen | rođena | tanggal lahir | lahir | ngày sinh | sinh ngày | תאריך לידה | נולד |
נולדה | تاريخ الميلاد | تاريخ الولادة | ولد | ولدت | जन्म तिथि | जन्मतिथि | วันเกิด | 생년월일""")
# Scripts written without spaces: the birth word and the date may touch ("生年月日：1976年6月21日").
_CJK_DOB = re.compile(rf"(?:生年月日|誕生日|出生日期|出生于|出生於|生日|생년월일|생일)[^\d\n]{{0,8}}{_DATE}")
# "Geburtsdatum des Antragstellers: 22.02.1973", "date of birth of the applicant: ...": a few words,
# the last one may end the label with a colon (or, in French, a space and a colon).
_DOB_AFTER = re.compile(
    rf"[\s:,\-.]*(?:(?:is|was|on|the|am|le|el|il|em|de|:)[ \t]+){{0,3}}(?:[^\W\d_]+(?:['’][^\W\d_]+)?(?:[ \t]?:)?[ \t]+){{0,3}}?{_DATE}")
_DOB_BEFORE = re.compile(rf"{_DATE}[ \t]+(?:[^\W\d_]+[ \t]+){{0,2}}\Z")


def find_date_of_birth(reading: Reading) -> str | None:
    """Why the text holds a date of birth, or None."""
    text = reading.text
    if not text.isascii() and _CJK_DOB.search(text):
        return "birth word and date"
    for first, end in reading.get("birth"):
        after = _DOB_AFTER.match(text, reading.end(end))
        if after and not _LONG_AGO.search(after.group()):
            return "birth word and date"
        start = reading.start(first)
        before = _DOB_BEFORE.search(text, max(0, start - 40), start)
        if before and not _LONG_AGO.search(before.group()):
            return "birth word and date"
    return None


# A year before 1900: no one alive was born then ("Mozart was born on 27 January 1756").
_LONG_AGO = re.compile(r"(?<!\d)1[0-8]\d\d(?!\d)")


_ID_WORDS = phrases("""
passport | passport no | passport number | driver's license | drivers license | driver license | driver's licence |
driving licence | driving license | licence number | license number | license no | dl no | dl number | dl# |
id card | identity card | id number | id no | id card number | national identity card |
reisepass | reisepassnummer | passnummer | personalausweis | personalausweisnummer | ausweisnummer | führerschein |
führerscheinnummer | personalausweises | reisepasses | führerscheins | ausweises | ausweis-nr | ausweis nr |
personalausweis-nummer | personalausweis-nr | reisepass-nummer | reisepass-nr | führerschein-nummer |
führerschein-nr | perso-nummer | perso-nr | ausweis-nummer | passeport | numéro de passeport | permis de conduire | carte d'identité | pasaporte |
número de pasaporte | licencia de conducir | permiso de conducir | carnet de conducir | passaporto | patente di guida |
carta d'identità | paspoort | paspoortnummer | rijbewijs | paszport | paszportu | prawo jazdy | prawa jazdy |
dowód osobisty | dowodu osobistego | passaporte |
carteira de motorista | carta de condução | körkort | patente | numero di patente | rijbewijsnummer |
číslo pasu | cestovní pas | cestovního pasu | řidičský průkaz | řidičského průkazu | občanský průkaz | cestovný pas |
vodičský preukaz | občiansky preukaz | pasaport | pasaport numarası | pasaport no | ehliyet | ehliyet no |
sürücü belgesi | kimlik kartı | паспорт | паспорта | номер паспорта | водительское удостоверение |
водительского удостоверения | посвідчення водія | закордонний паспорт | pașaport | pașaportului | pasaport |
permis de conducere | carte de identitate | útlevél | útlevélszám | jogosítvány | személyi igazolvány | passi |
passin numero | ajokortti | henkilökortti | διαβατήριο | διαβατηρίου | δίπλωμα οδήγησης | αστυνομική ταυτότητα |
paspor | nomor paspor | hộ chiếu | số hộ chiếu | giấy phép lái xe | bằng lái xe | căn cước | passnummer |
kørekort | førerkort | ajokortin numero""")
# The first token of 5+ digits within 40 characters of the word, its letters all upper or all lower case.
_ID_NUMBER_AFTER = re.compile(r"[\w'’]*[^\n]{0,40}?(?<![\w\-])(?=(?:[A-Za-z\-]*\d){5})(?P<number>[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){5,19}|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){5,19})(?![\w\-])")
_DATE_ONLY = re.compile(r"(?:\d{1,2}-\d{1,2}-\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|(?:19|20)\d\d-(?:19|20)\d\d)\Z")  # or years


def find_id_document(reading: Reading) -> str | None:
    """Why the text holds an ID document number, or None."""
    for _, end in reading.get("id_document"):
        match = _ID_NUMBER_AFTER.match(reading.text, reading.end(end))
        if match:
            number = match["number"]
            if sum(c.isdigit() for c in number) >= 5 and not _DATE_ONLY.match(number):
                return "document word and number"
    return None


LISTS: dict[str, tuple[tuple[str, ...], ...]] = {"birth": _BIRTH_WORDS, "id_document": _ID_WORDS}
