"""Street addresses, dates of birth and ID documents: personal data with a shape but no checksum.

- address: a house number next to a street name with a street-type word, in the order each
  country writes it ("4821 Maple Ridge Drive", "18 rue des Tanneurs", "Lindenstraße 14,",
  "Via Roma 12", "Calle Mayor 5", "ul. Marszałkowska 10"), or a US "City, ST 43215", or a
  UK postcode next to a house number. A street type without a number is a place, not an
  address ("Main Street businesses").
- date_of_birth: a full date (numeric, ISO or with a month name, eight languages) within a few
  words after a birth word (born, date of birth, DOB, geboren, né le, nacido, nato il, ...).
  A date alone is history ("9 November 1989").
- id_document: a passport, driver's licence or identity-card word, then within a few words a
  document number: 6-20 letters/digits/hyphens holding 5+ digits, not a date.
"""

from __future__ import annotations

import re

from router.classify.lexicon import Reading, phrases
from router.classify.people import TOKEN, UPPER


def alternation(words: str) -> str:
    """'a | b c' -> a non-capturing alternation, longest first, spaces as \\s+ (for lists read at an anchor)."""
    items = sorted({w.strip() for w in words.split("|") if w.strip()}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items) + ")"


_STREET_EN = alternation("""
street | st | road | rd | avenue | ave | drive | dr | lane | ln | boulevard | blvd | court | ct | way | place | pl |
terrace | close | crescent | parkway | pkwy | highway | hwy | circle | cir | square | sq | trail | row | grove |
gardens | hill | mews | walk | park | parade | esplanade""")
_NUMBER_FIRST = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,4}})?,?[ \t]+(?:[NSEW]\.?[ \t]+)?(?:{TOKEN}[ \t]+){{1,3}}"
    rf"(?i:{_STREET_EN})\b\.?")
_STREET_ROMANCE_FIRST = alternation("""
rue | avenue | av. | boulevard | bd | chemin | place | allée | impasse | quai | route | cours | passage | square |
calle | c/ | avenida | avda. | plaza | paseo | camino | carrera | ronda | travesía | rua | travessa | praça | largo""")
_NUMBER_THEN_ROMANCE = re.compile(
    rf"\b\d{{1,4}}(?:[ \t]?(?:bis|ter|[A-Za-z]))?,?[ \t]+(?i:{_STREET_ROMANCE_FIRST})[ \t]+"
    rf"(?:(?:de la|de l'|du|des|de|d'|l'|del|de los|de las|da|do|dos|das)[ \t]*)?{TOKEN}")
# Streets named before their number (es, it, pt, pl); the short ones only as abbreviations ("C/", "ul.").
_STREET_FIRST_WORDS = phrases("""
calle | c | avenida | avda | av | plaza | paseo | camino | carrera | ronda | travesía | glorieta | alameda | rua |
travessa | praça | largo | via | viale | piazza | corso | vicolo | ul | ulica | al | aleja | os | pl | plac | rynek""")
_ABBREVIATED = frozenset({"c", "av", "avda", "ul", "al", "os", "pl"})
_AFTER_STREET_WORD = re.compile(
    rf"[ \t]+(?:(?:de la|de los|de las|del|de|dei|della|delle|di|da|do|dos|das)[ \t]+)?{TOKEN}(?:[ \t]+{TOKEN}){{0,3}},?"
    r"[ \t]+(?:n[º°o.]?[ \t]*)?\d{1,4}[A-Za-z]?(?:[-/]\d{1,4})?"
    r"(?=[ \t]*(?:[,\n.]|$|\d{4,5}\b|(?i:piso|puerta|planta|appartamento|piano|interno|scala|apt|lok|m)\b))")
# After a comma or line break: a postcode of one of the common shapes (5 digits, 4 digits + 2 letters,
# 00-000, 000 00, 8 digits, 4 digits), then a city, or 5 digits alone ("Granada, 35674").
_POSTCODE_AT = re.compile(
    rf"(?:\d{{5}}(?:-\d{{3}})?|\d{{4}}[ \t]?[A-Z]{{2}}|\d{{2}}-\d{{3}}|\d{{3}}[ \t]\d{{2}}|\d{{8}}|\d{{4}})(?:[ \t,]+[{UPPER}]|(?<=\d{{5}})\b)")
_NUMBER_BEFORE = re.compile(rf"{TOKEN}(?:[ \t]+[\w'’\-]+){{0,4}}?,?[ \t]+(?P<n>\d{{1,4}})[A-Za-z]?(?:[-/]\d{{1,4}})?\b")
_STREET_WORD_BEFORE = re.compile(
    r"(?i)\b(?:rue|avenue|boulevard|chemin|allée|impasse|quai|calle|avenida|plaza|paseo|via|viale|piazza|corso|rua|"
    r"travessa|praça|ulica|aleja|street|road|lane|drive|avenue)\b|(?:straße|strasse|weg|gasse|allee|platz|straat|laan|"
    r"gatan|vägen|torget|gade|vej)\b")
_SUFFIXES = ("torget|stigen|gränd|backen|straße|strasse|str\\.|gasse|allee|platz|weg|damm|ufer|chaussee|straat|laan|plein|gracht|singel|kade|"
             "gatan|vägen|gränd|gade|vej|veien|veg|gata|katu|tie|utca")
_SUFFIX_STREET = re.compile(
    rf"(?<![\w])(?:[{UPPER}][\w\-]*(?:{_SUFFIXES})|{TOKEN}[ \t]+(?:Straße|Strasse|Str\.|Weg|Platz|"
    rf"Allee|Gasse))[ \t]+\d{{1,4}}[ \t]?[a-zA-Z]?(?:[-/]\d{{1,4}})?(?=[ \t]*(?:,|\n|$|\d{{4,5}}|in[ \t]))")
_US_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
              "OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC")
_US_CITY_STATE_ZIP = re.compile(rf"\b{TOKEN}(?:[ \t]+{TOKEN}){{0,2}},[ \t]*(?:{_US_STATES})[ \t]+\d{{5}}(?:-\d{{4}})?\b")
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]*\d[A-Z]{2}\b")
_HOUSE_NUMBER = re.compile(r"\b(?:\d{1,4}[A-Za-z]?,?[ \t]+[A-Z]|(?i:flat|apt\.?|apartment|suite|unit)[ \t]+\d)")
_PO_BOX = re.compile(r"(?i)\b(?:p\.?\s?o\.?\s?box|postfach|boîte postale|apartado de correos|casella postale)[ \t]+\d{1,6}\b")


_DIGIT_RUN = re.compile(r"[0-9]+")
_BOX_WORD = re.compile(r"(?i)box|postfach|postale|apartado|casella")


def _after_comma(text: str, start: int) -> bool:
    """Whether the last character before `start` that is not a space or tab is a comma or a newline."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and text[i] in ",\n"


def find_address(reading: Reading) -> str | None:
    """Why the text holds a street address, or None. Every form holds a number: each pattern is
    tried at or around the text's digit runs only, so prose costs one pass for digits."""
    text = reading.text
    if not any(c in text for c in "0123456789"):
        return None
    uk_postcode = False
    for digits in _DIGIT_RUN.finditer(text):
        start, end = digits.span()
        if _NUMBER_FIRST.match(text, start) or _NUMBER_THEN_ROMANCE.match(text, start):
            return "street and number"
        if _after_comma(text, start) and _POSTCODE_AT.match(text, start):
            window = text[max(0, start - 70):start]
            number = _NUMBER_BEFORE.search(window)
            if (number and not (len(number["n"]) == 4 and number["n"][:2] in ("19", "20"))) \
                    or _STREET_WORD_BEFORE.search(window):
                return "street and postcode"
        if not uk_postcode and (text[start - 1:start].isupper() or text[end:end + 2].isupper()):  # LS6 / 2AX
            uk_postcode = _UK_POSTCODE.search(text, max(0, start - 3), end + 5) is not None
        if text[start - 1:start] not in (" ", "\t") or not text[start - 2:start - 1].isalpha():
            continue  # each form below has a word, then a space, right before the number
        low, high = max(0, start - 80), min(len(text), end + 40)
        if _SUFFIX_STREET.search(text, low, high):
            return "street and number"
        if end - start == 5 and _US_CITY_STATE_ZIP.search(text, low, high):
            return "city, state and ZIP"
        if _BOX_WORD.search(text, max(0, start - 30), start) and _PO_BOX.search(text, low, high):
            return "post box"
    for first, end in reading.get("street_first"):
        stop = reading.end(end)
        abbreviated = reading.words[first] in _ABBREVIATED
        if abbreviated and text[stop:stop + 1] not in "./":
            continue
        if _AFTER_STREET_WORD.match(text, stop + abbreviated):
            return "street and number"
    if uk_postcode and _HOUSE_NUMBER.search(text):
        return "postcode and house number"
    return None


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
born | born on | date of birth | birth date | birthdate | dob | d.o.b. | birthday | geboren | geboren am | geb. |
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
_DOB_AFTER = re.compile(rf"[\s:,\-.]*(?:(?:is|was|on|the|am|le|el|il|em|de|:)[ \t]+){{0,3}}(?:[^\W\d_]+[ \t]+){{0,2}}?{_DATE}")
_DOB_BEFORE = re.compile(rf"{_DATE}[ \t]+(?:[^\W\d_]+[ \t]+){{0,2}}\Z")


def find_date_of_birth(reading: Reading) -> str | None:
    """Why the text holds a date of birth, or None."""
    text = reading.text
    if not text.isascii() and _CJK_DOB.search(text):
        return "birth word and date"
    for first, end in reading.get("birth"):
        if _DOB_AFTER.match(text, reading.end(end)):
            return "birth word and date"
        start = reading.start(first)
        if _DOB_BEFORE.search(text, max(0, start - 40), start):
            return "birth word and date"
    return None


_ID_WORDS = phrases("""
passport | passport no | passport number | driver's license | drivers license | driver license | driver's licence |
driving licence | driving license | licence number | license number | license no | dl no | dl number | dl# |
id card | identity card | id number | id no | id card number | national identity card |
reisepass | reisepassnummer | passnummer | personalausweis | personalausweisnummer | ausweisnummer | führerschein |
führerscheinnummer | passeport | numéro de passeport | permis de conduire | carte d'identité | pasaporte |
número de pasaporte | licencia de conducir | permiso de conducir | carnet de conducir | passaporto | patente di guida |
carta d'identità | paspoort | paspoortnummer | rijbewijs | paszport | paszportu | prawo jazdy | prawa jazdy |
dowód osobisty | dowodu osobistego | passaporte |
carteira de motorista | carta de condução | körkort""")
_ID_NUMBER_AFTER = re.compile(r"[\w'’]*[^\n]{0,40}?(?<![\w\-])(?P<number>[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){5,19})(?![\w\-])")
_DATE_ONLY = re.compile(r"(?:\d{1,2}-\d{1,2}-\d{2,4}|\d{4}-\d{1,2}-\d{1,2})\Z")


def find_id_document(reading: Reading) -> str | None:
    """Why the text holds an ID document number, or None."""
    for _, end in reading.get("id_document"):
        match = _ID_NUMBER_AFTER.match(reading.text, reading.end(end))
        if match:
            number = match["number"]
            if sum(c.isdigit() for c in number) >= 5 and not _DATE_ONLY.match(number):
                return "document word and number"
    return None


LISTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "street_first": _STREET_FIRST_WORDS, "birth": _BIRTH_WORDS, "id_document": _ID_WORDS,
}
