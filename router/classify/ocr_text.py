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
# after a label's colon or semicolon, a closing bracket, or a comma that is not a thousands separator;
# before a "+" that starts an international number ("call+1-779-…")
_PUNCT = re.compile(r"(?<=[:;)])(?=[^\s\d:/)])|(?<=\))(?=\d)|(?<=[^\d\s],)(?=\S)|(?<=\d,)(?=[^\d\s])"
                    r"|(?<=[A-Za-z])(?=\+\d)")
# a surname's particle glued to the given name before it ("AronvanVeen" -> "Aron van Veen")
_PARTICLE = re.compile(rf"(?<![{_LOWER}{_UPPER}])([{_UPPER}][{_LOWER}]{{2,}}?)(van|von|de|der|den|del|della|di|da"
                       rf"|du|dos|das|le|la|ten|ter|zu)(?= ?[{_UPPER}][{_LOWER}])")
# a lower-case l read as a capital I after a capital: "UIf" -> "Ulf", "AIexander" -> "Alexander"
_CAPITAL_I = re.compile(rf"(?<![{_LOWER}{_UPPER}])([{_UPPER}])I(?=[{_LOWER}]+(?![{_LOWER}{_UPPER}]))")
# form labels and the short words between them, which OCR glues in small print ("Dateofbirth",
# "Fullname", "Streetaddress", "Pleasecall"): a glued word made of these alone is split back
_LABEL_WORDS = frozenset("""
    account address and at back birth call card city code country customer date day details email e-mail
    expiry first full holder home last mail me mobile my name number of on phone please postal post record
    reach send ship shipping billing street surname the to town you your zip given family birthday place
    patient tax social security insurance contact cell telephone tel""".split())
_GLUED = re.compile(rf"[{_UPPER}{_LOWER}]{{6,}}")
# a comma OCR read as a full stop, glued to what follows: "Puerta 4.Santa Cruz deTenerife.44637"
_STOP_COMMA = re.compile(rf"(?:(?<=\d)|(?<=[{_LOWER}]{{3}}))\.(?=[{_UPPER}][{_LOWER}])|(?<=[{_LOWER}]{{3}})\.(?=\d)"
                         rf"|(?<=\d{{6}})\.(?=\d?[{_LOWER}{_UPPER}])")  # after a phone: "+34849485739.1amhome"
# after an abbreviation's full stop glued to the word it abbreviates ("al.Powstańców", "ul.Długa")
_ABBREVIATION = re.compile(rf"(?<![{_LOWER}{_UPPER}])([{_LOWER}]{{1,3}})\.(?=[{_UPPER}][{_LOWER}])")
# a speck read as punctuation between two digit groups ("4111 .1111 1111")
_SPECK = re.compile(r"(?<=\d) [.'`·](?=\d)|(?<=\d)[.'`·] (?=\d)")  # not a comma: '1, 2, 3' is a list
# a country code and check digits, then up to 30 letters and digits with at most single spaces between
_IBAN_START = re.compile(r"(?=([A-Z]{2}\d{2}))")
_IBAN_TAIL = re.compile(r"(?: ?[A-Z0-9]){11,30}")


def respace(text: str) -> str:
    """`text` with the spaces OCR dropped put back (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)  # full-width commas and brackets, as OCR reads CJK fonts
    text = _SPECK.sub(" ", text)
    text = _ABBREVIATION.sub(r"\1. ", text)
    text = _STOP_COMMA.sub(", ", text)
    text = _PUNCT.sub(" ", text)
    text = _CAPITAL_I.sub(r"\1l", text)
    text = _CAMEL.sub(" ", text)
    text = _GLUED.sub(_split_labels, text)
    text = _DIGIT_WORD.sub(" ", text)
    return _WORD_DIGIT.sub(" ", text)


def _split_labels(match: re.Match[str]) -> str:
    """A glued word made only of _LABEL_WORDS, split back into them (the longest first); else as it is."""
    word = match.group(0)
    lower = word.lower()
    if lower in _LABEL_WORDS:
        return word
    parts = _segment(lower, 0)
    if parts is None or len(parts) < 2:
        return word
    out, at = [], 0
    for part in parts:
        out.append(word[at:at + len(part)])
        at += len(part)
    return " ".join(out)


def _segment(word: str, start: int) -> list[str] | None:
    if start == len(word):
        return []
    for end in range(len(word), start + 1, -1):
        if word[start:end] in _LABEL_WORDS and (rest := _segment(word, end)) is not None:
            return [word[start:end], *rest]
    return None


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
    particles = _PARTICLE.sub(r"\1 \2", spaced)  # a variant of its own: "MapleRidge" is no "Map le Ridge"
    if particles != spaced:
        found.append(particles)
    ibans = whole_ibans(unicodedata.normalize("NFKC", text))
    if ibans != text:
        found.append(ibans)
    return found
