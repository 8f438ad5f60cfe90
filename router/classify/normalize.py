"""Text as the detectors should read it: one written form for what people, OCR and speech-to-text
write in many.

Two layers, so the microsecond path pays only for what it needs:

- `fold(text)`: NFKC (full-width digits and letters become ASCII: `４１１１` -> `4111`) and no
  format characters (zero-width spaces and joiners, soft hyphens, bidi marks: Unicode category
  Cf). ASCII text is returned as it is, at the cost of one `str.isascii()`. Every detector of the
  privacy scanner reads folded text.
- `denoise(text)`: the noise of obfuscation, OCR and speech, for the thorough scan
  (router/classify/thorough.py) and the OCR text / transcripts of media:
    * e-mails written to dodge scrapers or read out: `maria.keller [at] example-mail [dot] de`,
      `maria . keller @ example-mail . de`, `maria dot keller at example dot com`,
      `john underscore smith at example dot org`, `mary dash jones at example dot com`,
      `jean point dupont arobase exemple point fr`, and as speech-to-text writes them half spoken:
      `john.smith at gmail.com`, `jsmith42 at outlook.com`, `anna at gmail.com`;
    * numbers read out as words, in English, German, French, Spanish and Italian:
      `plus four four two zero ...` -> `+4420...` (four digit words or more in a row; "double"
      and "triple" repeat the next one);
    * OCR's O/0 and l/1 confusions inside digit runs: `DE89 37O4 OO44` -> `DE89 3704 0044`
      (only in digit groups of a run of 6+ characters with 4+ digits, so words stay words);
    * dropped spaces after a label: `IBANDE8937...`, `card4111...`, `Tel+4420...`.
  Decoys stay decoys: order numbers, version strings and UUIDs hold no spoken digits, no label
  glued to a number and no lone O or l inside digits, so `denoise` leaves them as they are.

Both are pure and keep no state; the detectors never see a value twice.
"""

from __future__ import annotations

import re
import sys
import unicodedata

# One character class (a C loop) rather than str.translate's dictionary lookup per character, ~20x
# slower on a non-ASCII text with nothing to drop.
def _ranges(points: list[int]) -> str:
    """A character class's body with runs of consecutive code points as ranges."""
    out, start = [], None
    for i, cp in enumerate(points):
        start = cp if start is None else start
        if i + 1 == len(points) or points[i + 1] != cp + 1:
            out.append(re.escape(chr(start)) + ("-" + re.escape(chr(cp)) if cp != start else ""))
            start = None
    return "".join(out)


_FORMAT_CHARS = re.compile("[" + _ranges([cp for cp in range(sys.maxunicode + 1)
                                          if unicodedata.category(chr(cp)) == "Cf"]) + "]")


def fold(text: str) -> str:
    """NFKC without format characters; `text` itself when it is ASCII (nothing to fold)."""
    if text.isascii():
        return text
    return _FORMAT_CHARS.sub("", unicodedata.normalize("NFKC", text))


_DIGIT_CHARS = "0123456789"
_DIGIT_RUN = re.compile(r"[0-9]+")
_FEW_DIGITS = 48


def digit_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every run of ASCII digits in `text`, in order. Prose holds few digits: they are
    found with one str.find per digit (memchr, ~0.3 µs per 5 kB), where a `[0-9]+` scan costs ~30 ns a
    character; a text with many digits is scanned by the expression."""
    positions: list[int] = []
    for digit in _DIGIT_CHARS:
        at = text.find(digit)
        while at >= 0:
            positions.append(at)
            if len(positions) > _FEW_DIGITS:
                return [m.span() for m in _DIGIT_RUN.finditer(text)]
            at = text.find(digit, at + 1)
    positions.sort()
    runs: list[tuple[int, int]] = []
    for at in positions:
        if runs and runs[-1][1] == at:
            runs[-1] = (runs[-1][0], at + 1)
        else:
            runs.append((at, at + 1))
    return runs


# -- e-mails ------------------------------------------------------------------------------------------

# Led by the bracket, so a text full of spaces is not re-read from every one; the spaces around the
# result go with _SPACED_AT / _SPACED_DOT.
_BRACKETED_AT = re.compile(r"[\[\(\{<][ \t]*+(?:at|@|ät|arobase|arroba|chiocciola)[ \t]*+[\]\)\}>]", re.I)
_BRACKETED_DOT = re.compile(r"[\[\(\{<][ \t]*+(?:dot|punkt|point|punto|\.)[ \t]*+[\]\)\}>]", re.I)
# A space before the @ only: not after a word no address starts with ("use the @example.com domain",
# "tweet at @example.com", "email me @gmail.com").
_SPACED_AT = re.compile(r"(?<=[\w.])[ \t]+@[ \t]+(?=\w)|(?<=\w)@[ \t]+(?=\w)"
                        r"|(?<![\w.])(?P<word>[\w.][\w.\-]*)[ \t]+@(?=\w)")
_SPACED_DOT = re.compile(r"(?<=[^\W\d_])[ \t]+\.[ \t]+(?=[^\W\d_])")
_LABEL = r"[^\W_][\w\-]*"
# Words that start a spoken "at" phrase but never an address ("look at the dot com era").
_NOT_LOCAL = ("me|us|him|her|them|you|it|look|looking|meet|arrive|arrived|stay|stayed|born|is|was|are|be|and|or|"
              "but|reach|call|email|mail|write|contact")
_NOT_AT_LOCAL = re.compile(rf"(?i:{_NOT_LOCAL}|the|a|an|at|to|in|on|of|for|by|from|via|with|as|use|using|tweet|follow|dm|"
                           r"ping|cc|handle|account|domain|address|addresses)")
_NOT_DOMAIN_START = "the|a|an|this|that|our|my|your|his|her|its|their|least|most|all|home|work|le|la|el|der|die|das|il"
# A spoken address: local part (words joined by a spoken dot), a spoken at, a domain of 2+ labels.
_SPOKEN_EMAIL = re.compile(
    rf"(?<![\w.@])(?!(?:{_NOT_LOCAL})\b)(?P<local>{_LABEL}(?:\.{_LABEL})*(?:[ \t]+(?:dot|punkt|point|punto|underscore|dash|hyphen|bindestrich|tiret|trattino)[ \t]+{_LABEL})*)"
    r"[ \t]+(?P<at>at|ät|arobase|arroba|chiocciola|klammeraffe)[ \t]+"
    rf"(?!(?:{_NOT_DOMAIN_START})\b)(?P<domain>{_LABEL}(?:[ \t]+(?:dot|punkt|point|punto)[ \t]+{_LABEL})+)(?![\w@])",
    re.I,
)
_SPOKEN_DOT = re.compile(r"[ \t]+(?:dot|punkt|point|punto)[ \t]+", re.I)
_SPOKEN_UNDERSCORE = re.compile(r"[ \t]+underscore[ \t]+", re.I)
_SPOKEN_DASH = re.compile(r"[ \t]+(?:dash|hyphen|minus|bindestrich|tiret|guion|guión|trattino)[ \t]+", re.I)
# Half spoken, as speech-to-text writes it: "john.smith at gmail.com", "jsmith42 at outlook.com" (the
# dots written, "at" spoken). The local part holds a dot, an underscore or a digit, or the domain is
# a mail provider's ("anna at gmail.com"), so "a look at example.com", "I work at google.com" and
# "version 2.1 at build.example.org" stay as they are.
_MAIL_PROVIDERS = ("gmail|googlemail|email|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|mac|aol|protonmail|proton|gmx|"
                   "web|yandex|mail|qq|163|126|naver|daum|orange|free|libero|t-online|wp|o2|seznam|rediffmail|zoho")
# Words of mail systems, not people: "our mail server at smtp.example.com".
_NOT_CUED_LOCAL = ("server|servers|relay|host|gateway|service|site|website|page|domain|inbox|field|form|system|queue|list|"
                   "lists|delivery|team|support|desk|office|app|client|provider|account|accounts|marketing|campaign")
_DOMAIN = r"(?P<domain>[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24})(?![\w@])"
_HALF_SPOKEN = re.compile(
    r"(?<![\w.@])(?P<local>[A-Za-z][A-Za-z0-9]*[._\-][A-Za-z0-9._\-]*[A-Za-z0-9]|[A-Za-z]+[0-9][A-Za-z0-9]*"
    rf"|(?!(?:{_NOT_LOCAL}|{_NOT_CUED_LOCAL})\b)[A-Za-z][A-Za-z\-]*(?=,?[ \t]+at[ \t]+(?:{_MAIL_PROVIDERS})\.))"
    r",?[ \t]+at[ \t]+" + _DOMAIN, re.I)
# After a word that announces an address ("my email is John Smith at company.com"), any one word
# before "at" is its local part.
_MAIL_CUE = re.compile(r"(?i)(?<!\w)(?:e-?mail|mail|courriel|correo|adresse|address|indirizzo|endereço|adres)(?!\w)")
_CUED_LOCAL = re.compile(rf"(?<![\w.@])(?!(?:{_NOT_LOCAL}|{_NOT_CUED_LOCAL})\b)(?P<local>[A-Za-z][A-Za-z0-9\-]*),?[ \t]+at[ \t]+" + _DOMAIN, re.I)
# A domain as speech-to-text splits it after a spoken "at": "gmail. com", "gmail .com", "gmail,com",
# "gmail dot com" behind a written local part. Only before a common top-level domain, written in lower case
# as transcripts write it ("at scale. Com..." is two sentences).
_TLDS = ("com|org|net|edu|gov|info|biz|io|co|me|email|mail|eu|us|uk|de|fr|es|it|nl|be|ch|at|pl|cz|se|no|dk|fi|pt|br|"
         "ru|ua|in|jp|cn|kr|au|ca|mx|ar|tr|gr|ro|hu|ie|nz|za|il|sg|id|vn|th")
_GAP = r"(?:[ \t]+\.[ \t]*|\.[ \t]+|,|[ \t]+(?:dot|punkt|point|punto)[ \t]+)"
_DOMAIN_GAP = re.compile(  # matched right after each spoken "at" (_at_spans)
    rf"(?!(?:{_NOT_DOMAIN_START})\b)(?P<label>[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*){_GAP}"
    rf"(?P<tld>(?-i:{_TLDS}))(?![\w@]|\.\w)", re.I)
_AT_DOMAIN_GAP = re.compile(
    rf"(?<=@)(?P<label>[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*){_GAP}(?P<tld>(?-i:{_TLDS}))(?![\w@]|\.\w)", re.I)
# The "at" dropped: "my email is johnsmith.gmail.com" (a mail provider's domain after a cue), but not
# the provider's own servers ("relay mail via smtp.gmail.com").
_SERVER_LABELS = ("smtp|smtps|imap|imaps|pop|pop3|mail|mx|mx1|mx2|webmail|www|api|ftp|m|accounts|calendar|drive|"
                  "docs|login|auth|oauth|outlook|autodiscover|exchange|relay|mta|inbound|outbound|alt1|alt2|aspmx")
_AT_DROPPED = re.compile(rf"(?<=[ \t])(?!(?:{_SERVER_LABELS})\.)(?P<local>[A-Za-z][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*)\."
                         rf"(?P<domain>(?:{_MAIL_PROVIDERS})\.[A-Za-z]{{2,6}})(?![\w@]|\.\w)", re.I)

# The same with the spoken "at" glued on by speech-to-text: "my email is john.smithatgmail.com". Only
# before a provider no word ends in ("chatmail.com", "greatweb.de" are sites), after 3 characters or more.
_GLUED_PROVIDERS = ("gmail|googlemail|yahoo|ymail|hotmail|outlook|icloud|protonmail|proton|gmx|yandex|aol|zoho|"
                    "rediffmail|naver|seznam|libero|t-online")
_AT_GLUED = re.compile(rf"(?<=[ \t])(?P<local>[A-Za-z][A-Za-z0-9_\-]{{2,}}(?:\.[A-Za-z0-9_\-]+)*?)at"
                       rf"(?P<domain>(?:{_GLUED_PROVIDERS})(?:\.[A-Za-z]{{2,6}}){{1,2}})(?![\w@]|\.\w)", re.I)


def _spoken_email(match: re.Match[str]) -> str:
    local, domain = match["local"], match["domain"]
    if match["at"].lower() == "at" and not re.search(r"[ \t]+dot[ \t]+", domain, re.I):
        return match.group()  # English "at" goes with "dot": "at the point of sale" is no address
    local = _SPOKEN_DASH.sub("-", _SPOKEN_UNDERSCORE.sub("_", _SPOKEN_DOT.sub(".", local)))
    return f"{local}@{_SPOKEN_DOT.sub('.', domain)}"


_SPOKEN_AT_WORDS = (" at ", " ät ", "arobase", "arroba", "chiocciola", "klammeraffe")
_SPOKEN_DOT_WORDS = (" dot ", " punkt ", " point ", " punto ")


def _glued_at(match: re.Match[str]) -> str:
    word = match["word"]
    if word is None:
        return "@"
    return match.group() if _NOT_AT_LOCAL.fullmatch(word) else word + "@"


def _emails(text: str) -> str:
    if any(bracket in text for bracket in "[({<"):
        text = _BRACKETED_AT.sub("@", text)
        text = _BRACKETED_DOT.sub(".", text)
    if "@" in text:
        text = _SPACED_AT.sub(_glued_at, text)
        if _SPACED_DOT.search(text):
            text = _SPACED_DOT.sub(".", text)
        text = _AT_DOMAIN_GAP.sub(r"\g<label>.\g<tld>", text)
    lowered = text.lower()
    if any(w in lowered for w in _SPOKEN_AT_WORDS):
        if any(w in lowered for w in _SPOKEN_DOT_WORDS):
            text = _SPOKEN_EMAIL.sub(_spoken_email, text)
        if " at " in lowered:
            text = _domain_gaps(text)
        if " at " in lowered and "." in text:
            text = _half_spoken(text)
    if "." in text and "mail" in lowered and _MAIL_CUE.search(text):
        text = _AT_DROPPED.sub(_at_dropped(text), text)
        if "at" in lowered:
            text = _AT_GLUED.sub(_at_dropped(text), text)
    return text


# What is left of an address read out when speech-to-text drops or garbles its domain: a cue word, a
# word, "at" or "@", and a mail provider's name ("my email is john.smith at gmail", "... at g mail").
_SAID_ADDRESS = re.compile(
    rf"(?<![\w.@])(?!(?:{_NOT_LOCAL}|{_NOT_CUED_LOCAL})\b)[A-Za-z0-9][A-Za-z0-9._\-]*,?(?:[ \t]+at[ \t]+|[ \t]*@[ \t]*)(?:{_MAIL_PROVIDERS}|g[ \t]mail|hot[ \t]mail)(?!\w)",
    re.I)


def says_an_address(text: str) -> bool:
    """Whether a transcript reads out an e-mail address that `denoise` could not write out: a cue word
    (e-mail, mail, address, ...) then, within 60 characters, a word, "at" and a mail provider's name.
    For speech only, where a garbled domain must still not let the memo leave."""
    return any(_SAID_ADDRESS.search(text, cue.end(), cue.end() + 60) for cue in _MAIL_CUE.finditer(text))


def _at_dropped(text: str):
    def replace(match: re.Match[str]) -> str:
        cue = _MAIL_CUE.search(text, max(0, match.start() - 40), match.start())
        return f"{match['local']}@{match['domain']}" if cue else match.group()
    return replace


_SPOKEN_AT_WORD = re.compile(r",?[ \t]at[ \t]", re.I)
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def _at_spans(text: str) -> list[tuple[int, int]]:
    """The spans _SPOKEN_AT_WORD.finditer gives, found with str.find where the text allows it (the
    expression has no literal to skip ahead by: it tries every position of a page of prose)."""
    low = text.lower()
    if len(low) != len(text) or "\t" in text:
        return [m.span() for m in _SPOKEN_AT_WORD.finditer(text)]
    spans: list[tuple[int, int]] = []
    at = low.find(" at ")
    while at >= 0:
        spans.append((at - 1 if at and text[at - 1] == "," else at, at + 4))
        at = low.find(" at ", at + 4)
    return spans


def _domain_gaps(text: str) -> str:
    """`text` with the domains after each spoken "at" closed up ("gmail. com" -> "gmail.com")."""
    out, done = [], 0
    for _, end in _at_spans(text):
        if end < done:
            continue
        match = _DOMAIN_GAP.match(text, end)
        if match:
            out += [text[done:end], match["label"], ".", match["tld"]]
            done = match.end()
    return "".join(out) + text[done:] if out else text


def _half_spoken(text: str) -> str:
    """_HALF_SPOKEN tried only at the word before each spoken "at" (a substitution over the whole
    text tries every position of a long prose text)."""
    out, done = [], 0
    for at_start, _ in _at_spans(text):
        start = at_start
        while start > done and text[start - 1] in _LOCAL_CHARS:
            start -= 1
        match = _HALF_SPOKEN.match(text, start) if start < at_start else None
        if match is None and start < at_start and _MAIL_CUE.search(text, max(0, start - 80), start):
            match = _CUED_LOCAL.match(text, start)
        if match:
            out += [text[done:start], match["local"], "@", match["domain"]]
            done = match.end()
    return "".join(out) + text[done:] if out else text


# -- numbers read out --------------------------------------------------------------------------------

_DIGIT_WORDS = {
    # English
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9",
    # German
    "null": "0", "eins": "1", "zwei": "2", "zwo": "2", "drei": "3", "vier": "4", "fünf": "5", "sechs": "6",
    "sieben": "7", "acht": "8", "neun": "9",
    # French
    "zéro": "0", "un": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "sept": "7",
    "huit": "8", "neuf": "9",
    # Spanish, Italian
    "cero": "0", "uno": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6", "siete": "7",
    "ocho": "8", "nueve": "9", "due": "2", "tre": "3", "quattro": "4", "sei": "6", "sette": "7", "otto": "8",
}
_REPEAT_WORDS = {"double": 2, "triple": 3, "doppel": 2, "doppio": 2, "doble": 2}
_PLUS_WORDS = ("plus", "più", "más", "mas")
_NUMBER_WORD = "(?:" + "|".join(sorted(map(re.escape, [*_DIGIT_WORDS, *_REPEAT_WORDS]), key=len, reverse=True)) + ")"
_SPOKEN_NUMBER = re.compile(
    rf"(?<!\w)(?P<plus>(?:{'|'.join(_PLUS_WORDS)})[ \t,]+)?(?P<run>{_NUMBER_WORD}(?:[ \t,\-]+{_NUMBER_WORD}){{3,}})(?!\w)",
    re.I,
)
_WORD = re.compile(r"[^\s,\-]+")


def _spoken_number(match: re.Match[str]) -> str:
    digits: list[str] = []
    repeat = 1
    for word in _WORD.findall(match["run"].lower()):
        if word in _REPEAT_WORDS:
            repeat = _REPEAT_WORDS[word]
            continue
        digits.append(_DIGIT_WORDS[word] * repeat)
        repeat = 1
    number = "".join(digits)
    if len(number) < 4:
        return match.group()
    return ("+" if match["plus"] else "") + number


# -- OCR ----------------------------------------------------------------------------------------------

_OCR_RUN = re.compile(r"(?<![A-Za-z])[0-9OolI|]+(?:[ \-][0-9OolI|]+)*(?![A-Za-z])")
_OCR_MAP = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_GLUED_LABEL = re.compile(
    r"(?i)\b(iban|card|karte|carte|tarjeta|tel|phone|mobile|mobil|fax|ssn|konto|account|acct|compte|cuenta)"
    r"(?=[+0-9]|(?-i:[A-Z]{2}[0-9]{2}))"
)


def _ocr_digits(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) < 6 or sum(c.isdigit() for c in run) < 4 or run.isdigit():
        return run
    return "".join(group.translate(_OCR_MAP) if any(c.isdigit() for c in group) or set(group) <= {"O"} else group
                   for group in re.split(r"([ \-])", run))


_DIGIT_OR_REPEAT = frozenset(_DIGIT_WORDS) | frozenset(_REPEAT_WORDS)
_PUNCTUATION_RUN = re.compile(r"[,.;:!?\-]")
_PUNCTUATION_BYTES = bytes.maketrans(b",.;:!?-", b"       ")
_DIGIT_OR_REPEAT_BYTES = frozenset(word.encode("ascii") for word in _DIGIT_OR_REPEAT if word.isascii())
_OCR_CHARS = frozenset("OolI|")


def _digit_hints(text: str) -> tuple[bool, bool]:
    """Whether an O/o/l/I/| stands next to a digit run, give or take a space or hyphen (OCR's
    confusions), and whether a letter is glued to a number ("card4111", "Tel+44"): read at the
    digit runs only, not at every position of the text."""
    ocr = glued = False
    for start, end in digit_runs(text):
        before, after = text[max(0, start - 2):start], text[end:end + 2]
        if not ocr and (before[-1:] in _OCR_CHARS or (before[-1:] in (" ", "-") and before[:1] in _OCR_CHARS)
                        or after[:1] in _OCR_CHARS or (after[:1] in (" ", "-") and after[1:2] in _OCR_CHARS)):
            ocr = True
        if not glued and ((before[-1:].isascii() and before[-1:].isalpha())
                          or (before[-1:] == "+" and before[:1].isascii() and before[:1].isalpha())):
            glued = True
        if ocr and glued:
            break
    return ocr, glued


def _spoken_digits(text: str) -> bool:
    """Whether four or more digit words follow each other (the cheap test before the expression): each
    word becomes a byte, 1 for a digit word, and four 1s in a row are looked for, all in C."""
    lowered = text.lower()
    if lowered.isascii():  # bytes.translate reads a 256-byte table; str.translate looks each character up
        words, vocabulary = lowered.encode("ascii").translate(_PUNCTUATION_BYTES).split(), _DIGIT_OR_REPEAT_BYTES
    else:
        words, vocabulary = _PUNCTUATION_RUN.sub(" ", lowered).split(), _DIGIT_OR_REPEAT
    if vocabulary.isdisjoint(words):
        return False
    return b"\x01\x01\x01\x01" in bytes(map(vocabulary.__contains__, words))


def denoise(text: str) -> str:
    """`text` with obfuscated and spoken e-mails, spoken numbers, OCR digit confusions and labels
    glued to numbers written plainly (see the module docstring). Pure; `text` when nothing applies.
    Each step first makes a cheap test, so ordinary prose costs a few substring searches."""
    text = _emails(text)
    if _spoken_digits(text):
        text = _SPOKEN_NUMBER.sub(_spoken_number, text)
    if not any(digit in text for digit in "0123456789"):
        return text  # OCR's confusions and glued labels are about digits
    ocr, glued = _digit_hints(text)
    if ocr:
        text = _OCR_RUN.sub(_ocr_digits, text)
    if glued:
        text = _GLUED_LABEL.sub(r"\1 ", text)
    return text
