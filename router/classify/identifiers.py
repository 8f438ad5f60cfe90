"""The number pass: one scan over a text's digit spans finds phones, payment cards, IBANs, US SSNs
and national IDs.

A digit span is a run of digit groups joined by single separators (space, -, ., /, parentheses):
"+44 20 7946 0018" yields "44 20 7946 0018", "DE89 3704 0044 ..." yields "89 3704 0044 ...".
Scanning once and deciding per span costs one regular-expression pass over a prompt instead of
one per detector; most spans (years, counts, prices) are dismissed by their length alone.

- Payment cards: 12-19 digits, no separators or one separator used throughout, a known issuer
  range for that length (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro, Mir,
  RuPay, Troy) and a valid Luhn check digit (stdnum.luhn). Groups of 3-6 digits, the first of 4
  (order numbers are 3-7-7); a longer span ("4526 0181 5908 3012 12/26") is searched for such a
  run, but a run of groups joined alike that holds more than 19 digits is no card anywhere in it
  ("4111 1111 1111 1111 1234"), and no number after a plus sign is a card. 12- and 13-digit Maestro, 13-digit Visa, 15-digit JCB (1800,
  2131) numbers and JCB's older 16-digit ranges count only after a card word (card, Karte,
  tarjeta, Maestro, ...) in the 40 characters before them. A number glued to a longer token by a
  hyphen is part of it (4111-1111-1111-1111-aaaa).
- IBANs: two letters just before the span, then exactly the length schwifty's registry gives that
  country, in capitals or not, compact or grouped (by spaces, dashes or dots; a few spaces or a
  line break between groups, as text pasted from a PDF or wrapped has them); schwifty validates the check digits and the
  country's BBAN structure (not the national check digits, which many writers get wrong). A run of
  that shape failing the check is a malformed IBAN: none of its groups is read as a phone or card.
- US SSN, national IDs: `national_ids`; phones: `phones`.
"""

from __future__ import annotations

import functools
import itertools
import re
import string

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from schwifty.registry import get_iban_spec
from stdnum import luhn

from router.classify.national_ids import digit_id, letter_id_at, ssn
from router.classify.phones import PhoneFinder

NUMBER_KINDS = ("phone", "payment_card", "iban", "us_ssn", "national_id")

_SEP = r"[ \u00a0.\-/\u2010-\u2015]"
# A digit span: digit groups joined by one separator or parentheses. Only spans worth a look
# start a match: 7+ characters, or touching a letter (GB29 NWBK..., RSSMRA85T..., 131052A308T).
_SPAN = re.compile(
    r"[0-9](?<![0-9][0-9])(?:(?<=[A-Za-z][0-9])|(?=[0-9() \u00a0.\-/\u2010-\u2015]{6})|(?=[0-9]{0,5}[A-Za-z]))"
    rf"[0-9]*+(?:\)?+{_SEP}?+\(?+[0-9]++)*+"
)
_DIGITS = re.compile(r"[0-9]+")
# Between an IBAN's characters: nothing, a space, dash or dot, a few spaces (text pasted from a PDF or
# a table) or a line break (a wrapped line, an OCR'd slip).
_IBAN_GAP = r"(?:[ \-.]|[ ]{2,3}|[ ]?\n[ ]?)"
_IBAN_PRINTED = re.compile(rf"[A-Za-z]{{2}}[0-9]{{2}}(?:[A-Za-z0-9]+|(?:{_IBAN_GAP}[A-Za-z0-9]{{4}})*(?:{_IBAN_GAP}[A-Za-z0-9]{{1,4}})?)")
_IBAN_GAPS = re.compile(r"[ \-.\n]")
_SEPARATORS = re.compile(r"[^0-9]+")
_GLUE_BEFORE = frozenset("_-./#@")
_GAPS = frozenset(" -")
# Scripts written without spaces between words (Hebrew and Arabic attach prefixes to numbers too)
# start here: a digit next to 電話番号は..., 번호는..., or رقمي is not part of a longer token.
_SPACELESS_FROM = 0x0590


def _word_char(ch: str) -> bool:
    """Whether `ch` glues a digit span into a longer token (ABC123, 123abc): letters and digits of
    the scripts that separate words with spaces (Latin, Greek, Cyrillic, Armenian)."""
    return ch.isalnum() and ord(ch) < _SPACELESS_FROM


def _latin_letter(ch: str) -> bool:
    return ch.isalpha() and ord(ch) < 0x0250

_16, _16_19, _14_19, _13_19 = (16,), (16, 17, 18, 19), (14, 15, 16, 17, 18, 19), (13, 14, 15, 16, 17, 18, 19)
# (lowest, highest leading digits, card lengths): the issuers' published IIN ranges.
_CARD_RANGES = (
    ("4", "4", (16, 19)),  # Visa
    ("51", "55", _16), ("2221", "2720", _16),  # Mastercard
    ("34", "34", (15,)), ("37", "37", (15,)),  # American Express
    ("6011", "6011", _16_19), ("644", "649", _16_19), ("65", "65", _16_19),  # Discover
    ("300", "305", _14_19), ("36", "36", _14_19), ("38", "39", _14_19),  # Diners Club
    ("3528", "3589", _16_19),  # JCB
    ("62", "62", _16_19), ("81", "81", _16_19),  # UnionPay
    ("50", "50", _14_19), ("56", "69", _14_19),  # Maestro (and Verve, within 50)
    ("2200", "2204", _16_19),  # Mir
    ("60", "60", _16), ("82", "82", _16), ("508", "508", _16), ("353", "353", _16), ("356", "356", _16),  # RuPay
    ("9792", "9792", _16),  # Troy
)
# Shapes that are cards only next to a card word: 12- and 13-digit Visa and Maestro (13 digits is an
# EAN-13 barcode's length) and the old 15-digit JCB ranges read like any other account, order or
# product number.
_CONTEXT_CARD_RANGES = (
    ("4", "4", (13,)),  # Visa's old 13-digit numbers
    ("50", "50", (12, 13)), ("56", "69", (12, 13)), ("0604", "0604", (12, *_13_19)),  # Maestro
    ("1800", "1800", (15,)), ("2131", "2131", (15,)),  # JCB, 15 digits
    ("3088", "3088", _16), ("3096", "3096", _16), ("3112", "3112", _16), ("3158", "3158", _16),
    ("3337", "3337", _16), ("35", "35", _16_19),  # JCB's older and wider 16-digit ranges
)
_CARD_WORDS = re.compile(
    r"(?i)(?:card|karte|carte|tarjeta|carta|kaart|karta|cartão|kort|maestro|jcb|unionpay|union pay|rupay|mir|visa|"
    r"mastercard|amex|credit|debit|kredit|crédito|débito|paid with|pay with|charge)")
_CARD_WORD_WINDOW = 40


def _in_ranges(number: str, ranges: tuple[tuple[str, str, tuple[int, ...]], ...]) -> bool:
    return any(len(number) in lengths and low <= number[:len(low)] <= high for low, high, lengths in ranges)


def _issuer_known(number: str, card_word: bool) -> bool:
    return _in_ranges(number, _CARD_RANGES) or (card_word and _in_ranges(number, _CONTEXT_CARD_RANGES))


def _is_card(span: str, card_word: bool) -> bool:
    """Whether some run of consecutive digit groups in `span` is a payment card number: one group
    of 12-19 digits, or groups of 3-6 digits joined by one and the same separator, the first of 4
    digits as every issuer prints it (4-4-4-4, 4-6-5, 4-3-3-3; "405-5648628-1501480" is an order),
    (the context ranges only when `card_word`)."""
    if len(span) < 12:
        return False
    groups = _DIGITS.findall(span)
    separators = _SEPARATORS.findall(span)
    for first, group in enumerate(groups):
        if _in_overlong_run(groups, separators, first):
            continue
        number, last = group, first
        while True:
            if 12 <= len(number) <= 19 and (last == first or len(group) == 4) and _issuer_known(number, card_word) \
                    and luhn.is_valid(number):
                return True
            last += 1
            if (last == len(groups) or len(number) > 19 or not 3 <= len(group) <= 6 or not 3 <= len(groups[last]) <= 6
                    or separators[last - 1] != separators[first]):
                break
            number += groups[last]
    return False


def _in_overlong_run(groups: list[str], separators: list[str], first: int) -> bool:
    """Whether group `first` is inside a run of 3+-digit groups, joined by the separator that follows
    it, holding more than 19 digits: no card is that long, so "4111 1111 1111 1111 1234" is a meter
    reading or a serial, not a card and four digits more."""
    if first == len(separators) or len(groups[first]) < 3:
        return False
    joint = separators[first]
    begin = first
    while begin > 0 and separators[begin - 1] == joint and len(groups[begin - 1]) >= 3:
        begin -= 1
    stop = first + 1
    while stop < len(groups) and len(groups[stop]) >= 3 and separators[stop - 1] == joint:
        stop += 1
    return sum(len(g) for g in groups[begin:stop]) > 19


@functools.cache  # schwifty's registry is immutable: read it once per process, not once per policy
def _iban_lengths() -> dict[str, int]:
    """IBAN length by country code, for every country schwifty knows."""
    lengths: dict[str, int] = {}
    for a, b in itertools.product(string.ascii_uppercase, repeat=2):
        try:
            lengths[a + b] = get_iban_spec(a + b).iban_length
        except SchwiftyException:
            continue
    return lengths


class NumberScanner:
    """Finds the number-shaped kinds in a text; everything costly is built once, here."""

    def __init__(self, phone_regions: tuple[str, ...] | None = None) -> None:
        """ValueError when `phone_regions` names a region phonenumbers does not know."""
        self._phones = PhoneFinder(phone_regions)
        self._iban_lengths = _iban_lengths()
        self._iban_shapes = {
            n: re.compile(rf"(?<![A-Za-z0-9])[A-Za-z]{{2}}[0-9]{{2}}(?:{_IBAN_GAP}?[A-Za-z0-9]){{{n - 4}}}(?![A-Za-z0-9])")
            for n in set(self._iban_lengths.values())
        }

    def scan(self, text: str, wanted: frozenset[str]) -> set[str]:
        """The kinds among `wanted` (a subset of NUMBER_KINDS) that occur in `text`."""
        if not any(digit in text for digit in "0123456789"):
            return set()  # ten substring tests are cheaper than one scan with a character class
        todo = set(wanted)
        found: set[str] = set()
        resume = 0  # the end of the last identifier found (or malformed IBAN): its inner spans are not read again
        for match in _SPAN.finditer(text):
            start, end = match.span()
            if start < resume:
                continue
            before, after = text[start - 1:start], text[end:end + 1]
            kind, stop = None, end
            if _latin_letter(before) or _latin_letter(after) or after == "-" or (
                    before in _GAPS and text[start - 2:start - 1].isupper()):  # "QQ 12 34 56 C", "X-1234567-L"
                kind, stop = self._lettered(text, start, end, todo)
            # A number glued to a longer token is part of it: INV-2023-0042, 1Z999AA10123456784, v1.2.3;
            # but a phone extension is not (+1-681-604-1732x77954).
            extension = after in "xX" and text[end + 1:end + 2].isdigit()
            if kind is None and end - start >= 7 and not (
                    _word_char(before) or before in _GLUE_BEFORE or (_word_char(after) and not extension) or after == "_"
                    or (after == "-" and _word_char(text[end + 1:end + 2]))):  # 4111-1111-1111-1111-aaaa
                kind = self._numeric(text, start, end, match.group(), todo)
            if kind is not None:
                found.add(kind)
                todo.discard(kind)
                resume = stop
                if not todo:
                    break
            elif stop > end:
                resume = stop  # an IBAN with a bad checksum: its groups are no phone or card either
        return found

    def _lettered(self, text: str, start: int, end: int, todo: set[str]) -> tuple[str | None, int]:
        """The lettered kind at the span and where it ends; (None, its end) for an IBAN-shaped run
        whose checksum fails ("NL78 ISAE 0451 7911 98" is a malformed IBAN, not a Dutch phone)."""
        malformed = end
        if "iban" in todo and text[start - 2:start].isalpha() and start >= 2:
            shape = self._iban_at(text, start - 2)
            if shape is not None:
                valid, stop = shape
                if valid:
                    return "iban", stop
                malformed = stop
        if "national_id" in todo:
            stop = letter_id_at(text, start, end)
            if stop is not None:
                return "national_id", stop
        return None, malformed

    def _numeric(self, text: str, start: int, end: int, span: str, todo: set[str]) -> str | None:
        if "payment_card" in todo and text[start - 1:start] != "+" and _is_card(span, _CARD_WORDS.search(text, max(0, start - _CARD_WORD_WINDOW), start)
                                               is not None):
            return "payment_card"
        if "us_ssn" in todo and ssn(text, start, span):
            return "us_ssn"
        if "national_id" in todo and digit_id(text, start, span):
            return "national_id"
        if "phone" in todo and self._phones.is_phone(text, start, end):
            return "phone"
        return None

    def _iban_at(self, text: str, pos: int) -> tuple[bool, int] | None:
        """(whether schwifty validates it, its end) for an IBAN-shaped run at `pos`, or None."""
        length = self._iban_lengths.get(text[pos:pos + 2].upper())
        if length is None:
            return None
        match = self._iban_shapes[length].match(text, pos)
        if match is None:
            return None
        try:
            IBAN(_IBAN_GAPS.sub("", match.group()).upper())
        except SchwiftyException:
            # Malformed only if written as IBANs are (compact, or in fours): "DE12 call me on 0151 ..."
            # has the length of one but is words and a phone.
            return (False, match.end()) if _IBAN_PRINTED.fullmatch(match.group()) else None
        return True, match.end()
