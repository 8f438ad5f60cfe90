"""OCR text as the privacy scan should read it.

PP-OCR (router/engines.py) reads a screenshot line by line and often drops the spaces between
words: "Ship to:DanielOkafor", "4821MapleRidgeDrive,Apt12B", "(415)555-0132ext4",
"Patient:MarekNowak,54". Every detector that needs word boundaries (names, addresses, phones,
health records) then reads nothing. It also splits or glues long numbers where the glyphs are
tight ("IBANFR76300060000112 234567890189", "BANFR7630…" with the I lost).

`variants(text)` gives the texts to scan: the text as read, the text with its spaces put back
(at a lower-to-upper case change, between digits and words, after a label's colon, a comma or a
closing bracket; a speck read as a dot between digit groups dropped), and, when an IBAN hides in it, the text with each one written out whole. The
scan reads each through the policy's own detectors, so their switches and data classes hold.
Pure and cheap: a few regular expressions over a few hundred characters of OCR text.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import iban as _iban

__all__ = ["respace", "variants", "whole_ibans"]

_LOWER, _UPPER = "a-zß-öø-ÿ", "A-ZÀ-ÖØ-Þ"
_CAMEL = re.compile(rf"(?<=[{_LOWER}])(?=[{_UPPER}][{_LOWER}])")  # "ClaireDubois" -> "Claire Dubois"
_DIGIT_WORD = re.compile(rf"(?<=\d)(?=[{_LOWER}{_UPPER}]{{2,}})")  # "4821Maple", "2diabetes"
_WORD_DIGIT = re.compile(rf"(?<=[{_LOWER}{_UPPER}]{{3}})(?=\d)")  # "Apt12B", "ext4" (not "FR76": IBANs)
# after a label's colon or semicolon, a closing bracket, or a comma that is not a thousands separator
_PUNCT = re.compile(r"(?<=[:;)])(?=[^\s\d:/)])|(?<=\))(?=\d)|(?<=[^\d\s],)(?=\S)|(?<=\d,)(?=[^\d\s])")
# a speck read as punctuation between two digit groups ("4111 .1111 1111")
_SPECK = re.compile(r"(?<=\d) [.'`·](?=\d)|(?<=\d)[.'`·] (?=\d)")  # not a comma: '1, 2, 3' is a list
# a country code and check digits, then up to 30 letters and digits with at most single spaces between
_IBAN_START = re.compile(r"(?=([A-Z]{2}\d{2}))")
_IBAN_TAIL = re.compile(r"(?: ?[A-Z0-9]){11,30}")


def respace(text: str) -> str:
    """`text` with the spaces OCR dropped put back (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)  # full-width commas and brackets, as OCR reads CJK fonts
    text = _SPECK.sub(" ", text)
    text = _PUNCT.sub(" ", text)
    text = _CAMEL.sub(" ", text)
    text = _DIGIT_WORD.sub(" ", text)
    return _WORD_DIGIT.sub(" ", text)


def whole_ibans(text: str) -> str:
    """`text` with each valid IBAN inside it (glued to a word, or split at the wrong place) written
    out whole between spaces; `text` when none is there. The check digits decide, so an order number
    that merely starts like one is left alone."""
    out, last = [], 0
    for start in _IBAN_START.finditer(text):
        begin = start.start()
        if begin < last:
            continue
        tail = _IBAN_TAIL.match(text, begin + 4)
        if tail is None:
            continue
        chars = text[begin:tail.end()]
        compact = chars.replace(" ", "")
        for length in range(min(len(compact), 34), 14, -1):  # the longest valid prefix
            if _iban.is_valid(compact[:length]):
                stop = _span_end(chars, length)
                out += [text[last:begin], " ", compact[:length], " "]
                last = begin + stop
                break
    return text if not out else "".join(out) + text[last:]


def _span_end(chars: str, length: int) -> int:
    """Where the `length`-th non-space character of `chars` ends."""
    seen = 0
    for i, ch in enumerate(chars):
        seen += ch != " "
        if seen == length:
            return i + 1
    return len(chars)


def variants(text: str) -> list[str]:
    """The texts a screenshot's OCR text is scanned as: as read, respaced, and with IBANs whole."""
    found = [text]
    spaced = respace(text)
    if spaced != text:
        found.append(spaced)
    ibans = whole_ibans(unicodedata.normalize("NFKC", text))
    if ibans != text:
        found.append(ibans)
    return found
