"""Phone numbers in international (+CC, 00CC) and national formats, judged by phonenumbers' metadata.

The number pass in `identifiers` hands each digit span here. Rules, in order:

- Never phones: dates (2024-01-15, 15.01.2024 10:30), dotted IPv4 addresses, ZIP+4 codes, SSN-shaped
  spans (123-45-6789: an invalid SSN is a malformed SSN, whatever region it might dial),
  decimals (2.718281828; but a trunk zero never leads one, so "02.34566968" next to a phone word is
  a phone), later digit groups of one digit (versions 10.0.19045.3803, ISBNs
  978-3-16-148410-0; "06 1 234 5678", a trunk prefix then a one-digit area code, is allowed),
  amounts next to a currency sign or word, and anything outside 7-17 digits.
- International (a `+` or `00` prefix): a phone when the digits after the country code are a
  valid number of one of its regions (phonenumbers' is_valid_number). A `+` right after a digit
  or an operator is arithmetic; a dash between words before it is prose ("callback request -
  +45 32 12 18 89"), after a number a minus. A `00` run without separators needs a phone word
  nearby; with them it takes one-digit groups as a `+` does ("00212 6 50 12 95 69").
- National: 8-14 digits in at least two groups, valid in some region (every region phonenumbers
  knows, or the policy's `phone_regions`) AND written the way that region writes it: the trunk
  prefix (the leading 0, 1, 8 or 06) present where the region dials it, the first group equal to
  the area code group of the region's own format (or that group short of its last digit: people
  write "0151 23456789" where the library writes "01512 3456789"), parentheses only where the
  region uses them or around a trunk prefix ("(020) 7946 0018"), and a slash only after a trunk
  prefix ("030/12345678"). Random digit strings are valid in some region far too often; the
  grouping is what tells a phone number from an order number. A reference word just before the
  span ("order", "invoice", "tracking", "ISBN", "version", ...) rules it out.
- A phone word ("call", "tel", "mobile", "whatsapp", "Telefon", "portable", "móvil", "電話", ...
  within 40 characters before or 20 after, or an extension right after it: "410 9001 (ext 6333)")
  replaces the grouping rules and the reference words:
  "call me on 4155550132" is a phone, a bare "4155550132" is not.

A number malformed for its own country can still be a valid, well-grouped number of another one
(a NANPA number missing a digit reads as a Czech number); such look-alikes are reported.

Validity is phonenumbers' own rule (the general pattern, then any number type's pattern and
lengths), evaluated on patterns compiled once here: calling the library per candidate recompiles
its patterns through `re`'s small cache and costs ~50 µs a region.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneMetadata

_DIGITS = re.compile(r"[0-9]+")
_DATE = re.compile(
    r"(?:(?:19|20)[0-9]{2}[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12][0-9]|3[01])"
    r"|(?:0?[1-9]|[12][0-9]|3[01])[-./](?:0?[1-9]|[12][0-9]|3[01])[-./](?:[0-9]{2}|(?:19|20)[0-9]{2}))(?![0-9])"
)
_ZIP4 = re.compile(r"[0-9]{5}-[0-9]{4}")
# 3-2-4 (give or take a digit at the end) joined by hyphens is how US SSNs are written, and no
# region's national phone format: an invalid SSN is a malformed SSN, not a phone number.
_SSN_SHAPE = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{3,5}")
_IPV4 = re.compile(r"(?:25[0-5]|2[0-4][0-9]|1?[0-9]{1,2})(?:\.(?:25[0-5]|2[0-4][0-9]|1?[0-9]{1,2})){3}")
_CURRENCY = re.compile(r"[$€£¥₹₽₩¢]|\b(?:usd|eur|gbp|chf|jpy|inr|cad|aud|sek|nok|dkk|pln|brl|rub|cny|euros?|"
                       r"dollars?|pounds?|yen|francs?|kronor|kroner|złoty|zloty|rupees?|pesos?|reais|rubles?)\b", re.I)
_PHONE_WORDS = re.compile(
    r"(?<!\w)(?:call|calling|called|phone[sd]?|telephone|mobile|cell|cellphone|whatsapp|contact|fax|dial|sms|"
    r"text me|reach (?:me|him|her|us|them)|call ?back|call-back|answers (?:the phone )?(?:on|at)|reachable (?:on|at|under)|(?:my|his|her|their|your|our|contact) number|"
    # "reach the customer at ...": a person or a desk reached at a number (not "reach the target at")
    r"reach(?:ed|ing)? (?:the |our |your |this |my |a )?(?:customer|client|patient|tenant|caller|user|employee|"
    r"applicant|candidate|guest|member|support(?: team)?|team|office|front desk|desk|agent|manager|owner|driver|"
    r"courier|doctor|nurse|landlord|buyer|seller|sender|recipient)s? (?:at|on)|"
    r"hotline|landline|tel|tél|tlf|tfn|ph|mob|fon|handy|anrufen|ruf|téléphone|portable|appeler|"
    r"appelez|joindre|teléfono|móvil|movil|celular|llamar|llámame|llamame|telefono|cellulare|chiamare|chiamami|"
    r"bellen|bel me|mobiel|telefone|ligar|contato|contacto|kontakt|ring|komórka|zadzwoń|puhelin|soita|"
    r"телефон|тел|звоните|позвоните|моб|telepon|ponsel|điện thoại|sđt|telefoon|gsm|τηλέφωνο|τηλ|κινητό)\.?(?!\w)"
    r"|(?<!\w)(?:to text|text (?:him|her|them|us)|texting)(?!\w)"
    r"|(?<!\w)(?:telefon|rufnummer|mobilnummer|handynummer|erreichbar|rückruf|zurückrufen|durchwahl)"  # German compounds: Telefonnummer, ...
    r"|電話|携帯|电话|手机|전화|휴대폰|هاتف|جوال|फ़ोन|फोन|मोबाइल|टेलीफोन|โทร|เบอร์|טלפון|נייד|تلفن|موبایل",
    re.I,
)
_REFERENCE_WORDS = re.compile(
    r"(?<!\w)(?:isbn|issn|order|invoice|inv|tracking|track|shipment|version|ver|v|build|release|ref|reference|"
    r"ticket|case|serial|sku|part|model|account|acct|iban|transaction|txn|batch|lot|item|patent|doi|"
    r"zip|postal|postcode|plz|receipt|booking|confirmation|policy|claim|customer|id)\b[^\n]{0,12}$",
    re.I,
)
# An extension right after the number says it is a phone: "410 9001 (ext 6333)", "030 1234567 ext. 12".
_EXTENSION_AFTER = re.compile(r"[ \t]*[,(]?[ \t]*(?i:ext\.?|extension|poste|durchwahl|dw\.?)[ \t]*-?[0-9]{1,5}\b")
_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
          "fixed_line", "mobile")
# A business's public line (0800 ..., 1-800 ..., 0900 ..., 0845 ..., UAN): no one's own number, when
# the text announces it as such.
_BUSINESS_TYPES = ("premium_rate", "toll_free", "shared_cost", "uan")
_BUSINESS_WORDS = re.compile(
    r"(?i)(?<!\w)(?:support|hotline|helpline|help ?desk|help|service|customer care|care line|free ?phone|toll[- ]free|"
    r"free|call us|contact us|reservations|bookings|info ?line|sales|switchboard|service client|kundenservice|"
    r"kundendienst|servicio|atención al cliente|assistenza|servizio clienti|klantenservice|numéro vert|numero verde)(?!\w)")
_PERSONAL_WORDS = re.compile(r"(?i)(?<!\w)(?:me|my|his|her|their|mobile|cell|handy|portable|móvil|whatsapp|private|"
                             r"home|personal|direct)(?!\w)")


@dataclass(frozen=True, slots=True)
class _Format:
    """One of a region's national formats."""

    leading: re.Pattern[str] | None  # the leading digits it applies to
    pattern: re.Pattern[str]  # its first group is the area code group
    trunk_dialled: bool  # the national form writes the trunk prefix ("0" in "030 123456")
    trunk_optional: bool
    parentheses: bool  # the national form puts the area code in parentheses: (415) 555-0132


@dataclass(frozen=True, slots=True)
class _Region:
    code: str
    trunk: str  # the national (trunk) prefix, "" where the region has none
    general: re.Pattern[str]
    types: tuple[tuple[frozenset[int], re.Pattern[str]], ...]  # (lengths, pattern) per number type
    formats: tuple[_Format, ...]
    lengths: frozenset[int]  # the national number lengths of any of its number types
    business: tuple[tuple[frozenset[int], re.Pattern[str]], ...]  # toll-free, premium-rate, shared-cost, UAN
    own: tuple[tuple[frozenset[int], re.Pattern[str]], ...]  # the other types: fixed line, mobile, ...

    def valid(self, nsn: str) -> bool:
        """phonenumbers' is_valid_number_for_region for a national significant number."""
        return bool(self.general.fullmatch(nsn)) and any(
            (not lengths or len(nsn) in lengths) and pattern.fullmatch(nsn) for lengths, pattern in self.types)

    def business_line(self, nsn: str) -> bool:
        """Whether the valid number `nsn` can only be a business's public line (toll-free, premium
        rate, shared cost, UAN) in this region."""
        def fits(types):
            return any((not lengths or len(nsn) in lengths) and pattern.fullmatch(nsn) for lengths, pattern in types)
        return fits(self.business) and not fits(self.own)

    def area_format(self, nsn: str) -> _Format | None:
        """The format phonenumbers would write `nsn` in: the first whose leading digits and pattern fit."""
        for fmt in self.formats:
            if (fmt.leading is None or fmt.leading.match(nsn)) and fmt.pattern.fullmatch(nsn):
                return fmt
        return None


def _region(meta: PhoneMetadata, formats_from: PhoneMetadata) -> _Region:
    trunk = meta.national_prefix or ""
    types = tuple((frozenset(desc.possible_length), re.compile(desc.national_number_pattern))
                  for desc in (getattr(meta, name) for name in _TYPES)
                  if desc is not None and desc.national_number_pattern)
    formats = tuple(
        _Format(leading=re.compile(fmt.leading_digits_pattern[-1]) if fmt.leading_digits_pattern else None,
                pattern=re.compile(fmt.pattern),
                trunk_dialled=bool(trunk) and trunk in (fmt.national_prefix_formatting_rule or "").replace("\\1", ""),
                trunk_optional=bool(fmt.national_prefix_optional_when_formatting),
                parentheses="(" in fmt.format + (fmt.national_prefix_formatting_rule or ""))
        for fmt in formats_from.number_format)
    lengths = frozenset(length for lengths_of_type, _ in types for length in lengths_of_type) \
        or frozenset(meta.general_desc.possible_length)
    named = {name: (frozenset(desc.possible_length), re.compile(desc.national_number_pattern))
             for name in _TYPES if (desc := getattr(meta, name)) is not None and desc.national_number_pattern}
    business = tuple(t for name, t in named.items() if name in _BUSINESS_TYPES)
    own = tuple(t for name, t in named.items() if name not in _BUSINESS_TYPES)
    return _Region(meta.id, trunk, re.compile(meta.general_desc.national_number_pattern), types, formats, lengths,
                   business, own)


@functools.cache  # phonenumbers' metadata is immutable: compile it once per process, not once per policy
def _all_regions() -> dict[int, tuple[_Region, ...]]:
    """Every region (and non-geographic service) phonenumbers knows, by country calling code."""
    by_code: dict[int, tuple[_Region, ...]] = {}
    for code, names in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        if names == ("001",):
            meta = PhoneMetadata.metadata_for_nongeo_region(code)
            by_code[code] = (_region(meta, meta),)
            continue
        main = PhoneMetadata.metadata_for_region(names[0])  # regions sharing a code format like its main one
        by_code[code] = tuple(_region(m, m if m.number_format else main)
                              for m in (PhoneMetadata.metadata_for_region(name) for name in names))
    return by_code


class PhoneFinder:
    """Decides whether a digit span of a text is a phone number; built once per policy."""

    def __init__(self, regions: tuple[str, ...] | None = None) -> None:
        """`regions`: ISO codes whose national formats count (None: all). ValueError for an unknown code."""
        wanted = None if regions is None else {r.upper() for r in regions}
        unknown = sorted((wanted or set()) - phonenumbers.SUPPORTED_REGIONS)
        if unknown:
            raise ValueError(f"privacy.phone_regions: unknown region(s) {', '.join(unknown)}; "
                             "use ISO 3166 alpha-2 codes such as US, GB, DE")
        self._by_code = _all_regions()
        # National candidates meet only the regions whose numbers could have their length,
        # indexed by (trunk prefix written, national number length).
        self._national: dict[tuple[str, int], list[_Region]] = defaultdict(list)
        for region in (r for group in self._by_code.values() for r in group):
            if region.code == "001" or (wanted is not None and region.code not in wanted):
                continue
            for length in PhoneMetadata.metadata_for_region(region.code).general_desc.possible_length:
                self._national[("", length)].append(region)
                if region.trunk:
                    self._national[(region.trunk, length)].append(region)
        self._trunks = tuple(sorted({trunk for trunk, _ in self._national if trunk}))

    def is_phone(self, text: str, start: int, end: int) -> bool:
        """Whether text[start:end] (a span of digit groups and single separators) is someone's phone
        number. A business's public line (toll-free, premium-rate, shared-cost), announced as one
        ("call our support line 0800 123 4567", "Hotline: +49 800 1234567"), is no one's own; the
        same number given as someone's ("reach her on 0808 157 0380") still counts."""
        return self._is_phone(text, start, end) and not (
            (_BUSINESS_WORDS.search(text, max(0, start - 48), start) or _BUSINESS_WORDS.search(text, end, end + 32))
            and _PERSONAL_WORDS.search(text, max(0, start - 48), start) is None
            and self._business_line(text, start, end))

    def _business_line(self, text: str, start: int, end: int) -> bool:
        """Whether the regions the number is valid in read it as a business's public line."""
        digits = "".join(_DIGITS.findall(text[start:end].replace("(0)", "")))
        if "+" in text[max(0, start - 2):start] or digits.startswith("00"):
            digits = digits[2:] if digits.startswith("00") else digits
            size = next((n for n in (1, 2, 3) if int(digits[:n]) in self._by_code), 0)
            nsn = digits[size:]
            readings = [(region, number) for region in self._by_code.get(int(digits[:size] or 0), ())
                        for number in (nsn, nsn[len(region.trunk):] if region.trunk and nsn.startswith(region.trunk) else None)
                        if number and region.valid(number)]
        else:
            tries = [(region, digits) for region in self._national.get(("", len(digits)), ())]
            tries += [(region, digits[len(trunk):]) for trunk in self._trunks if digits.startswith(trunk)
                      for region in self._national.get((trunk, len(digits) - len(trunk)), ())]
            readings = [(region, number) for region, number in tries if region.valid(number)]
        # Written nationally, a number reads in many regions; 0800, 1800 and 1-800 are free lines in
        # nearly all of them, so most readings agreeing is the convention, not one region's chance.
        return bool(readings) and sum(region.business_line(number) for region, number in readings) >= 0.8 * len(readings)

    def _is_phone(self, text: str, start: int, end: int) -> bool:
        span = text[start:end]
        groups = _DIGITS.findall(span.replace("(0)", ""))
        digits = "".join(groups)
        if not 7 <= len(digits) <= 17:
            return False
        before = text[max(0, start - 2):start]
        if "+" in before:
            at = start - len(before) + before.index("+")
            if text[at - 1:at].isalnum() or _arithmetic_before(text, at):
                return False  # "a+1", "12 + 34": arithmetic, not a prefix
            return not self._amount(text, start, end) and (self._international(digits) or (
                self._phone_word_near(text, start, end) and self._possible_international(digits)))
        worded = self._phone_word_near(text, start, end)
        if digits.startswith("00") and len(digits) > 9 and (len(groups) > 1 or worded) and "." not in span \
                and not _dated_or_addressed(span) and not self._amount(text, start, end) \
                and self._international(digits[2:]):
            return True  # "00212 6 50 12 95 69": as after a plus sign, a one-digit area code is a group
        if self._not_a_phone(span, groups, worded) or self._amount(text, start, end):
            return False
        if digits.startswith("00") and len(digits) > 9:
            return (len(groups) > 1 or worded) and self._international(digits[2:])
        if worded:
            return self._valid_national(digits, groups, span, grouped=False) or self._possible_national(digits)
        if len(groups) < 2 or not 8 <= len(digits) <= 14 or _REFERENCE_WORDS.search(text, max(0, start - 28), start):
            return False
        return self._valid_national(digits, groups, span, grouped=True)

    def _not_a_phone(self, span: str, groups: list[str], worded: bool = False) -> bool:
        """Shapes that are something else: versions, ISBNs, decimals, dates, IPs, ZIP+4, SSNs. Next
        to a phone word a one-digit group is only a grouping ("546 3 426"), unless dots join it."""
        if any(len(g) == 1 for g in groups[1:]) and not (worded and "." not in span) and not (
                "." not in span and groups[0] in self._trunks and len(groups[1]) == 1
                and all(len(g) > 1 for g in groups[2:])):
            return True
        if len(groups) == 2 and "." in span and not (worded and len(groups[0]) >= 2 and groups[0][0] == "0"):
            return True  # a decimal; but no decimal is written "02.34566968": a trunk prefix leads a phone
        return _dated_or_addressed(span)

    def _international(self, digits: str) -> bool:
        """Whether `digits` (country code first) is a valid number of a region with that code.
        A trunk prefix kept after the code is forgiven: "+44 (0)20 ..." and "+44 020 ..."."""
        for size in (1, 2, 3):
            regions = self._by_code.get(int(digits[:size]))
            if regions:
                nsn = digits[size:]
                return any(region.valid(nsn) or (region.trunk and nsn.startswith(region.trunk)
                                                 and region.valid(nsn[len(region.trunk):]))
                           for region in regions)
        return False

    def _possible_international(self, digits: str) -> bool:
        """A known country code followed by a number of a length some of its regions dial: what a
        phone word next to a `+` needs (the writer says it is a phone; the digits need only fit)."""
        for size in (1, 2, 3):
            regions = self._by_code.get(int(digits[:size]))
            if regions:
                nsn = digits[size:]
                nsn = nsn[1:] if nsn[:1] == "0" else nsn  # "+49 (0)2497 ..." keeps the trunk 0
                return any(len(nsn) in region.lengths for region in regions)
        return False

    def _possible_national(self, digits: str) -> bool:
        """7+ digits of a length some region's national numbers have (after its trunk prefix)."""
        return len(digits) >= 7 and bool(self._national.get(("", len(digits))) or any(
            self._national.get((trunk, len(digits) - len(trunk))) for trunk in self._trunks if digits.startswith(trunk)))

    def _valid_national(self, digits: str, groups: list[str], span: str, grouped: bool) -> bool:
        """Valid in some region, and (when `grouped`) written the way that region writes it."""
        tries = [(region, digits, False) for region in self._national.get(("", len(digits)), ())]
        for trunk in self._trunks:
            if digits.startswith(trunk):
                nsn = digits[len(trunk):]
                tries += [(region, nsn, True) for region in self._national.get((trunk, len(nsn)), ())]
        return any(region.valid(nsn)
                   and (not grouped or _grouped_like(region, nsn, groups, span, has_trunk))
                   for region, nsn, has_trunk in tries)

    @staticmethod
    def _phone_word_near(text: str, start: int, end: int) -> bool:
        return bool(_PHONE_WORDS.search(text, max(0, start - 40), start) or _PHONE_WORDS.search(text, end, end + 20)
                    or _EXTENSION_AFTER.match(text, end))

    @staticmethod
    def _amount(text: str, start: int, end: int) -> bool:
        return bool(_CURRENCY.search(text, max(0, start - 6), start) or _CURRENCY.search(text, end, end + 10))


def _dated_or_addressed(span: str) -> bool:
    """Dates, dotted IPv4 addresses, ZIP+4 codes and SSN shapes: never phones."""
    date = _DATE.match(span)
    return bool((date and span[date.end():date.end() + 1] in ("", " ")) or _IPV4.fullmatch(span)
                or _ZIP4.fullmatch(span) or _SSN_SHAPE.fullmatch(span))


def _arithmetic_before(text: str, at: int) -> bool:
    """Whether the `+` at `at` follows an operand or an operator ("12 + 34", "x=+5", "3 - +2"), not a
    dash of prose ("callback request - +45 32 12 18 89") or a label."""
    head = text[max(0, at - 12):at].rstrip()
    prior = head[-1:]
    if not prior:
        return False
    if prior in "-–":
        operand = head[:-1].rstrip()[-1:]  # a dash between words is punctuation; after a number, minus
        return operand.isdigit() or operand in (")", "]")  # "- +49 30 ...", a list's bullet, is no minus
    return prior.isdigit() or prior in ")=*/+"


def _grouped_like(region: _Region, nsn: str, groups: list[str], span: str, has_trunk: bool) -> bool:
    """Whether the writer grouped the digits as the region does: trunk prefix, area code group,
    parentheses and slashes."""
    fmt = region.area_format(nsn)
    if fmt is None:
        return False  # the region writes this number as one block
    if fmt.trunk_dialled and not fmt.trunk_optional and not has_trunk:
        return False  # locals dial the trunk prefix for this number: "20 7946 0018" is not a UK number
    trunk_first = has_trunk and groups[0].startswith(region.trunk)
    if ")" in span and not (fmt.parentheses or trunk_first):
        return False  # "(415) 555-013" is no Czech number
    if "/" in span and not trunk_first:
        return False  # "3112/10624" is a reference; "030/12345678" a Berlin number
    ours = groups
    if has_trunk:
        ours = groups[1:] if groups[0] == region.trunk else [groups[0][len(region.trunk):], *groups[1:]]
    if len(ours) < 2:
        return False
    mine, theirs = ours[0], fmt.pattern.fullmatch(nsn).group(1)
    return mine == theirs or (len(theirs) == len(mine) + 1 and theirs.startswith(mine))
