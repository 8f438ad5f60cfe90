"""Identifiers read out in a voice memo, as speech-to-text writes them down.

Whisper writes a read-out card number as an amount ("4,111,111,111,111,111"), repeats digit
groups, drops or doubles a digit, and spells an IBAN as "GB-29N-WPK-616-1,330-1,92268-19". The
checksums the typed-text detectors rely on (Luhn, mod 97, SSN ranges) then fail on what was
really a card, an IBAN or a social security number, and a memo that reads one out would pass as
`internal`. In a transcript, what the speaker said decides: a label that names the identifier
("my card number is", "the IBAN is", "social security number") followed closely by a run of
digits long enough to be one is reported, unverified. Typed text keeps the checksums (a
malformed look-alike there stays internal); this reads only transcripts (router/look.py).
"""

from __future__ import annotations

import functools
import re

from stdnum import numdb

__all__ = ["read_out"]

# kind -> (label, the fewest digits the run after it must hold, the most characters between them)
_LABELS = {
    "payment_card": (r"(?:credit|debit|bank|payment|visa|master ?card|amex)? ?card(?: number| no\.?| details)?"
                     r"|card ?number|kartennummer|numéro de (?:la )?carte|número de (?:la )?tarjeta", 12, 24),
    "iban": (r"i-?ban|i\.b\.a\.n\.?|(?:my|your|his|her|their|bank|savings|checking|current|deposit) account"
             r"(?: number)?|account number|kontonummer|numéro de compte|número de cuenta", 10, 24),
    "us_ssn": (r"social security(?: number)?|s\.?s\.?n\.?", 8, 24),
    # Whisper writes a phone number read out as an amount ("plus 40,118,4,960,323"): a phone's
    # label closely followed by a run of 7 digits or more (close: "text me on Thursday about the
    # 2,400,000 deal" is no phone)
    "phone": (r"(?:phone|telephone|mobile|cell|contact) number|(?:call|ring|text|reach) (?:me|us)(?: back)?"
              r"(?: on| at)?|my (?:phone|mobile|cell|number)|telefonnummer|handynummer|rufnummer"
              r"|numéro de téléphone|(?:me )?rappeler au|número de teléfono|teléfono|llámame al", 7, 10),
    "national_id": (r"passport(?: number| no\.?)?|national insurance(?: number)?|(?:national )?id(?:entity)? number"
                    r"|tax (?:id|number)|personalausweis(?:nummer)?|driver'?s licen[cs]e(?: number)?", 6, 24),
}
# the label (or its plural: "número de cuentas"), then within a few words the run: digits with the
# separators a transcript puts between them; an IBAN's run also holds its letter groups, as Whisper
# writes them down ("1674, pés 1,484, 179, 16": the letters of a bank code read out)
_DIGITS = r"(?:\d[\d ,.\-/]*)?\d"
_ALNUM = r"\d(?:[\d ,.\-/]|(?<![^\W\d_])[^\W\d_]{1,4}(?![^\W\d_]))*\d"
_RUNS = {kind: re.compile(rf"(?<!\w)(?:{label})s?(?!\w)[^0-9\n]{{0,{gap}}}?({_ALNUM if kind == 'iban' else _DIGITS})",
                          re.I) for kind, (label, _, gap) in _LABELS.items()}


@functools.cache
def _iban_countries() -> frozenset[str]:
    """The country codes of SWIFT's IBAN registry, as python-stdnum ships it."""
    return frozenset(low for _, low, _, _, _ in numdb.get("iban").prefixes)


# an IBAN spelt out with no label: a registry country code, its two check digits, then a long run of
# digit and letter groups ("GB-29N-WPK-616-1,330-1,92268-19"), the way Whisper writes one read out
# ("GB 58 Coray 225 6,523 146 34": a bank code's letters heard as a short word, as _ALNUM allows)
_SPELT_IBAN = re.compile(r"(?<![A-Za-z])([A-Z]{2})[ \-]?\d{2}"
                         r"((?:[ ,.\-]?(?:[A-Z0-9]|(?<![^\W\d_])[A-Z][a-z]{1,4}(?![^\W\d_]))){10,40})")


def read_out(transcript: str) -> list[str]:
    """The identifier kinds a transcript reads out after a label naming them (in _LABELS order), and
    an IBAN spelt out from its country code on."""
    found = []
    for kind, pattern in _RUNS.items():
        fewest = _LABELS[kind][1]
        if any(sum(ch.isdigit() for ch in match.group(1)) >= fewest for match in pattern.finditer(transcript)):
            found.append(kind)
    if "iban" not in found and any(match.group(1) in _iban_countries() and sum(ch.isdigit() for ch in match.group(2)) >= 10
                                   for match in _SPELT_IBAN.finditer(transcript)):
        found.append("iban")
    return found
