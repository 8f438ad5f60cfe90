"""National identity numbers, each checked by its python-stdnum validator.

Which formats count, and when:

- Formats with letters in fixed places or with a distinctive punctuation are found on their own:
  UK National Insurance number, Spanish DNI and NIE (check letter), Italian codice fiscale,
  Indian PAN, Finnish HETU, French NIR written in its groups (1 84 12 76 451 089 46), Swiss AHV
  (756.1234.5678.97), Brazilian CPF (123.456.789-09), Belgian national number (85.07.30-033.28).
- Plain digit runs pass many checksums by chance, so they count only after an identifying word
  within 48 characters before them: the format's own ("BSN", "PESEL", "Steuer-ID", "Aadhaar", ...)
  or a generic one in several languages (GENERIC_ID_WORDS: "national ID", "ID number", "personal
  identification number", "citizen ID", "Personalnummer", "numéro d'identité", "DNI", ...):
  German IdNr, Dutch BSN, Polish PESEL, Swedish personnummer, Danish CPR, Norwegian fødselsnummer,
  Indian Aadhaar, Canadian SIN, UK NHS number, Irish PPS, Czech/Slovak rodné číslo, Turkish
  T.C. kimlik, Romanian CNP, Greek AMKA, Croatian OIB, Israeli ID, Austrian SVNR, Ukrainian RNTRC,
  Estonian isikukood, Bulgarian EGN, Belgian national number, Thai ID, Lithuanian asmens kodas,
  Slovenian EMŠO, the Finnish HETU with a digit check character, and the compact forms of NIR, AHV
  and CPF. A Korean RRN (900101-1234567) and a Chinese resident ID (18 characters with its check
  digit) are distinctive enough on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from stdnum.at import vnr as at_vnr
from stdnum.be import nn as be_nn
from stdnum.bg import egn as bg_egn
from stdnum.br import cpf as br_cpf
from stdnum.ca import sin as ca_sin
from stdnum.ch import ssn as ch_ahv
from stdnum.cn import ric as cn_ric
from stdnum.cz import rc as cz_rc
from stdnum.de import idnr as de_idnr
from stdnum.dk import cpr as dk_cpr
from stdnum.ee import ik as ee_ik
from stdnum.es import dni as es_dni, nie as es_nie
from stdnum.fi import hetu as fi_hetu
from stdnum.fr import nir as fr_nir
from stdnum.gb import nhs as gb_nhs
from stdnum.gr import amka as gr_amka
from stdnum.hr import oib as hr_oib
from stdnum.ie import pps as ie_pps
from stdnum.il import idnr as il_idnr
from stdnum.in_ import aadhaar as in_aadhaar, pan as in_pan
from stdnum.it import codicefiscale as it_cf
from stdnum.kr import rrn as kr_rrn
from stdnum.lt import asmens as lt_asmens
from stdnum.nl import bsn as nl_bsn
from stdnum.no import fodselsnummer as no_fnr
from stdnum.pl import pesel as pl_pesel
from stdnum.ro import cnp as ro_cnp
from stdnum.se import personnummer as se_pnr
from stdnum.si import emso as si_emso
from stdnum.th import pin as th_pin
from stdnum.tr import tckimlik as tr_tckimlik
from stdnum.ua import rntrc as ua_rntrc

CONTEXT_WINDOW = 48


# Generic words for a person's identity number, in the languages of the word lists: any format below
# counts after one of these as well as after its own words.
GENERIC_ID_WORDS = (
    r"national id(?:entity)?(?: number| no\.?| card)?", r"national identi(?:ty|fication) number", r"id number",
    r"id no\.?", r"id#", r"identity number", r"identity no\.?", r"identification number", r"identification no\.?",
    r"personal (?:identi(?:ty|fication) )?(?:number|code|no\.?)", r"personal id(?: number)?", r"citizen(?:'s)? id",
    r"citizen(?:ship)? number", r"civil (?:id|registration) number", r"tax id(?:entification number)?", r"tin",
    r"personalnummer", r"personenkennzahl", r"ausweisnummer", r"identifikationsnummer", r"numéro d'identité",
    r"numéro d'identification", r"n° d'identité", r"número de identi(?:dad|ficación)", r"documento de identidad",
    r"dni", r"nif", r"numero di identificazione", r"codice identificativo", r"identificatienummer",
    r"numer identyfikacyjny", r"número de identificação", r"henkilötunnus", r"isikukood", r"rodné číslo",
    r"kimlik(?: no| numarası)?", r"tc kimlik", r"t\.c\. kimlik", r"cnp", r"egn", r"oib", r"amka", r"emšo", r"emso",
    r"asmens kodas", r"svnr", r"sozialversicherungsnummer", r"rrn", r"resident registration number",
    r"идентификационный номер", r"ідентифікаційний номер", r"ипн", r"инн", r"рнокпп",
)


def _words(*words: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(words + GENERIC_ID_WORDS) + r")(?!\w)", re.I)


@dataclass(frozen=True, slots=True)
class _DigitId:
    """An identifier written as digits and punctuation: `shape` must match the whole span."""

    shape: re.Pattern[str]
    is_valid: Callable[[str], bool]
    context: re.Pattern[str] | None  # None: the shape alone is distinctive


@dataclass(frozen=True, slots=True)
class _LetterId:
    """An identifier with letters: `lead` letters (then `gap`, "" or a separator) before its first digit."""

    lead: int
    gap: str
    pattern: re.Pattern[str]
    is_valid: Callable[[str], bool]
    context: re.Pattern[str] | None = None


def _nino_is_valid(value: str) -> bool:
    # Any two capitals but the prefixes HMRC never issues; the stricter letter rules would turn
    # away QQ 12 34 56 C, the format's own documentation example, which people copy.
    return value[:2] not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


_SSN_WORDS = _words(r"ssn", r"ss#", r"ss no\.?", r"social security(?: number| no\.?)?", r"soc\.? sec\.?")
_SSN_SHAPE = re.compile(r"[0-9]{3} [0-9]{2} [0-9]{4}|[0-9]{9}")
_NIR_WORDS = _words(r"nir", r"insee", r"s[ée]curit[ée] sociale", r"s[ée]cu", r"carte vitale", r"num[ée]ro de s[ée]cu")
_DIGIT_IDS = (
    _DigitId(re.compile(r"[1-478] [0-9]{2} [0-9]{2} [0-9]{2} [0-9]{3} [0-9]{3} [0-9]{2}"), fr_nir.is_valid, None),
    _DigitId(re.compile(r"[1-478][0-9]{14}"), fr_nir.is_valid, _NIR_WORDS),
    _DigitId(re.compile(r"756\.[0-9]{4}\.[0-9]{4}\.[0-9]{2}"), ch_ahv.is_valid, None),
    _DigitId(re.compile(r"756[0-9]{10}"), ch_ahv.is_valid, _words(r"ahv", r"avs", r"avs/ahv", r"sozialversicherungs\w*")),
    _DigitId(re.compile(r"[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}"), br_cpf.is_valid, None),
    _DigitId(re.compile(r"[0-9]{11}"), br_cpf.is_valid, _words(r"cpf")),
    _DigitId(re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}-[0-9]{3}\.[0-9]{2}"), be_nn.is_valid, None),
    _DigitId(re.compile(r"[0-9]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}"), de_idnr.is_valid,
             _words(r"steuer-?id(?:entifikationsnummer)?", r"steuer-?idnr", r"idnr", r"identifikationsnummer",
                    r"tax id", r"steuerliche id")),
    _DigitId(re.compile(r"[0-9]{4}\.?[0-9]{2}\.?[0-9]{3}|[0-9]{9}"), nl_bsn.is_valid,
             _words(r"bsn", r"burgerservicenummer", r"sofinummer", r"sofi-nummer")),
    _DigitId(re.compile(r"[0-9]{11}"), pl_pesel.is_valid, _words(r"pesel")),
    _DigitId(re.compile(r"(?:[0-9]{2})?[0-9]{6}[-+ ]?[0-9]{4}"), se_pnr.is_valid,
             _words(r"personnummer", r"personnr", r"person-nr")),
    _DigitId(re.compile(r"[0-9]{6}-?[0-9]{4}"), dk_cpr.is_valid, _words(r"cpr", r"cpr-nr\.?", r"cpr-nummer")),
    _DigitId(re.compile(r"[0-9]{6} ?[0-9]{5}"), no_fnr.is_valid,
             _words(r"fødselsnummer", r"fodselsnummer", r"personnummer")),
    _DigitId(re.compile(r"[2-9][0-9]{3} ?[0-9]{4} ?[0-9]{4}"), in_aadhaar.is_valid,
             _words(r"aadhaar", r"aadhar", r"uidai", r"uid", r"आधार")),
    _DigitId(re.compile(r"[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{3}"), ca_sin.is_valid,
             _words(r"sin", r"social insurance(?: number)?", r"nas", r"num[ée]ro d'assurance sociale")),
    _DigitId(re.compile(r"[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{4}"), gb_nhs.is_valid, _words(r"nhs(?: number| no\.?)?")),
    _DigitId(re.compile(r"[0-9]{6}/?[0-9]{3,4}"), cz_rc.is_valid, _words(r"rč", r"r\.č\.")),
    _DigitId(re.compile(r"[1-9][0-9]{10}"), tr_tckimlik.is_valid, _words(r"t\.?c\.?", r"tckn")),
    _DigitId(re.compile(r"[1-9][0-9]{12}"), ro_cnp.is_valid, _words(r"cod numeric personal")),
    _DigitId(re.compile(r"[0-9]{11}"), gr_amka.is_valid, _words(r"αμκα")),
    _DigitId(re.compile(r"[0-9]{11}"), hr_oib.is_valid, _words()),
    _DigitId(re.compile(r"[0-9]{9}"), il_idnr.is_valid, _words(r"teudat zehut", r"ת\.?ז\.?", r"תעודת זהות")),
    _DigitId(re.compile(r"[0-9]{4} ?[0-9]{6}"), at_vnr.is_valid, _words(r"versicherungsnummer")),
    _DigitId(re.compile(r"[0-9]{10}"), ua_rntrc.is_valid, _words()),
    _DigitId(re.compile(r"[1-6][0-9]{10}"), ee_ik.is_valid, _words()),
    _DigitId(re.compile(r"[0-9]{10}"), bg_egn.is_valid, _words(r"егн")),
    _DigitId(re.compile(r"[0-9]{11}"), be_nn.is_valid, _words(r"rijksregisternummer", r"numéro national")),
    _DigitId(re.compile(r"[0-9](?:-?[0-9]{4})(?:-?[0-9]{5})(?:-?[0-9]{2})-?[0-9]"), th_pin.is_valid, _words()),
    _DigitId(re.compile(r"[1-6][0-9]{10}"), lt_asmens.is_valid, _words()),
    _DigitId(re.compile(r"[0-9]{13}"), si_emso.is_valid, _words()),
    # A HETU whose century sign is "-" and check character a digit is all digits to the number pass;
    # the Finnish word is inflected ("henkilötunnukseni", "henkilötunnuksen").
    _DigitId(re.compile(r"[0-3][0-9][01][0-9]{3}[-+][0-9]{4}"), fi_hetu.is_valid,
             _words(r"henkilötunnu(?:s|ks)\w*", r"hetu", r"sotu", r"personbeteckning")),
    _DigitId(re.compile(r"[0-9]{2}[01][0-9][0-3][0-9]-[1-4][0-9]{6}"), kr_rrn.is_valid, None),
    _DigitId(re.compile(r"[1-9][0-9]{5}(?:19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}[0-9X]?"), cn_ric.is_valid, None),
)
_ANY_DIGIT_ID = re.compile("|".join(f"(?:{spec.shape.pattern})" for spec in _DIGIT_IDS))
_NINO = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}(?: ?[0-9]{2}){3} ?[A-D](?![A-Za-z0-9])")
_NIE = re.compile(r"(?<![A-Za-z0-9])[XYZxyz]-?[0-9]{7}-?[A-Za-z](?![A-Za-z0-9])")
_LETTER_IDS = (  # the lookarounds keep a match from starting or ending inside a longer token
    _LetterId(2, "", _NINO, _nino_is_valid),
    _LetterId(2, " ", _NINO, _nino_is_valid),
    _LetterId(1, "", _NIE, es_nie.is_valid),
    _LetterId(1, "-", _NIE, es_nie.is_valid),
    _LetterId(6, "", re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z]"
                                r"[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z](?![A-Za-z0-9])"),
              it_cf.is_valid),
    _LetterId(5, "", re.compile(r"(?<![A-Za-z0-9])[A-Z]{5}[0-9]{4}[A-Z](?![A-Za-z0-9])"), in_pan.is_valid),
    _LetterId(0, "", re.compile(r"(?<![A-Za-z0-9])[0-9]{8}-?[A-Za-z](?![A-Za-z0-9])"), es_dni.is_valid),
    _LetterId(0, "", re.compile(r"(?<![A-Za-z0-9])[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y](?![A-Za-z0-9])"), fi_hetu.is_valid),
    _LetterId(0, "", re.compile(r"(?<![A-Za-z0-9])[0-9]{7}[A-W][ABWTX]?(?![A-Za-z0-9])"), ie_pps.is_valid,
              _words(r"pps", r"ppsn", r"pps no\.?", r"personal public service(?: number)?")),
)
_BEFORE = {(lead, gap): tuple(spec for spec in _LETTER_IDS if (spec.lead, spec.gap) == (lead, gap))
           for lead, gap in {(spec.lead, spec.gap) for spec in _LETTER_IDS if spec.lead}}
_AFTER = tuple(spec for spec in _LETTER_IDS if not spec.lead)


def _near(words: re.Pattern[str], text: str, start: int) -> bool:
    return bool(words.search(text, max(0, start - CONTEXT_WINDOW), start))


def _safe(is_valid: Callable[[str], bool], value: str) -> bool:
    try:
        return bool(is_valid(value))
    except Exception:  # stdnum validators promise a bool; a library bug must not fail the request
        return False


def letter_id_at(text: str, start: int, end: int) -> int | None:
    """End of a lettered national ID around the digit span text[start:end], or None.

    Only the IDs whose letters fit what surrounds the span are tried: "AB123456C" (two letters
    before), "QQ 12 34 56 C" (two letters and a space), "RSSMRA85..." (six), "12345678Z" (a
    letter after); ordinary numbers cost two character tests here.
    """
    before = text[start - 1:start]
    specs: tuple[_LetterId, ...] = ()
    if before.isalpha() or (before in (" ", "-") and text[start - 2:start - 1].isalpha()):
        gap = "" if before.isalpha() else before
        first = start - len(gap)
        lead = 0
        while lead < 7 and text[first - lead - 1:first - lead].isalpha():
            lead += 1
        specs = _BEFORE.get((lead, gap), ())
    if text[end:end + 1].isalpha() or (text[end:end + 1] == "-" and text[end + 1:end + 2].isalpha()):
        specs += _AFTER
    for spec in specs:
        begin = start - len(spec.gap) - spec.lead
        match = spec.pattern.match(text, begin)
        if match and (spec.context is None or _near(spec.context, text, begin)) and _safe(spec.is_valid, match.group()):
            return match.end()
    return None


def digit_id(text: str, start: int, span: str) -> bool:
    """Whether `span` (digits and single separators at text[start:]) is a national ID number."""
    if not _ANY_DIGIT_ID.fullmatch(span):
        return False
    for spec in _DIGIT_IDS:
        if spec.shape.fullmatch(span) and (spec.context is None or _near(spec.context, text, start)) \
                and _safe(spec.is_valid, span):
            return True
    return False


def ssn(text: str, start: int, span: str) -> bool:
    """A US Social Security number: 123-45-6789 anywhere; 123 45 6789 or 123456789 after an SSN word.

    Only the issuing rules are checked (area not 000, 666 or 9xx; group not 00; serial not 0000):
    the numbers stdnum refuses as "advertising" examples (078-05-1120, 219-09-9999) are still
    somebody's SSN-shaped personal data when written next to "SSN".
    """
    if len(span) not in (9, 11):
        return False
    compact = span.replace("-", "").replace(" ", "")
    if len(compact) != 9 or not compact.isdigit():
        return False
    dashed = len(span) == 11 and span[3] == "-" and span[6] == "-"
    if not dashed and not (_SSN_SHAPE.fullmatch(span) and _near(_SSN_WORDS, text, start)):
        return False
    area, group, serial = compact[:3], compact[3:5], compact[5:]
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"

