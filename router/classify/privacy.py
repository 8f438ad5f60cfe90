"""The privacy scanner: does a text segment hold personal data or secrets?

`PrivacyScanner.scan(text, where)` returns one `Finding` per kind found in the segment, located
by `where`; the matched value is never stored or returned. A finding makes the request at least
confidential, so it never reaches a cloud model (DESIGN.md, invariant 1).

Kinds (DETECTOR_KINDS) and where they are decided:

    email         here: local@domain.tld with an alphabetic TLD that is not a file extension
    phone         phones.py (phonenumbers), via the number pass in identifiers.py
    payment_card  identifiers.py (Luhn from python-stdnum, issuer ranges)
    iban          identifiers.py (schwifty: checksum, country length and BBAN format)
    us_ssn        national_ids.py (issuing rules)
    national_id   national_ids.py (python-stdnum validators)
    secret        credentials.py (token formats learnt from detect-secrets, assignments, URLs, headers)
    private_key   credentials.py
    jwt           credentials.py
    custom:<name> here: the policy's regexes and keyword lists

Personal data without a checksum (person, address, date_of_birth, id_document, health,
special_category) is the thorough scan's (thorough.py), run after decide where text could leave.

E-mail decoys that do not count: no dot in the domain (user@localhost), a TLD that is a file
extension (icon@2x.png), and git's SSH remotes (git@github.com:org/repo).

Every detector reads the text folded (normalize.fold: NFKC, no zero-width or other format
characters), so `４１１１ １１１１ ...` and a card number broken up by zero-width spaces are found;
ASCII text costs one `isascii()` more. The noise of obfuscation, OCR and speech is the thorough
scan's (thorough.py).

Everything costly (regular expressions, phonenumbers' region index, schwifty's registry) is built
once in `PrivacyScanner.__init__`; `scan` only reads it, so one scanner serves all requests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from router.classify.credentials import SECRET_KINDS, find_secrets
from router.classify.identifiers import NUMBER_KINDS, NumberScanner
from router.classify.normalize import fold
from router.profile import DataClass, Finding

DETECTOR_KINDS: tuple[str, ...] = ("email", *NUMBER_KINDS, *SECRET_KINDS)


@dataclass(frozen=True)
class CustomPattern:
    """A policy-defined detector: a regex (searched as written, case-sensitive unless it says (?i))
    and/or keywords (whole-word, case-insensitive). A regex led by a literal (`PRJ-[0-9]{4}`) costs
    a fast substring scan per prompt; one led by `\\b` or a character class tests every position."""

    name: str
    regex: str | None = None
    keywords: tuple[str, ...] = ()
    data_class: DataClass = DataClass.CONFIDENTIAL


@dataclass(frozen=True)
class PrivacyConfig:
    custom: tuple[CustomPattern, ...] = ()
    phone_regions: tuple[str, ...] | None = None  # None: every region phonenumbers knows
    disabled: frozenset[str] = field(default_factory=frozenset)  # built-in kinds or "custom:<name>"


_EMAIL_LOCAL = re.compile(r"[\w.%+\-]+\Z")
_EMAIL_DOMAIN = re.compile(r"(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+(?P<tld>[^\W\d_]{2,24})(?![\w\-])")
_NOT_TLDS = frozenset({
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "heic", "avif", "js", "jsx", "ts",
    "tsx", "css", "scss", "json", "yaml", "yml", "toml", "txt", "html", "htm", "xml", "pdf", "csv", "log", "lock",
    "tar", "gz", "whl", "exe", "dll", "localhost", "invalid",
})


def _has_email(text: str) -> bool:
    at = text.find("@")
    while at >= 0:
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if local and local.group().strip(".") and domain and domain["tld"].lower() not in _NOT_TLDS \
                and not (local.group() == "git" and text[domain.end():domain.end() + 1] == ":"):
            return True
        at = text.find("@", at + 1)
    return False


def _wordy(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True, slots=True)
class _Custom:
    kind: str
    data_class: DataClass
    regex: re.Pattern[str] | None
    keywords: tuple[str, ...]  # lowercased

    def found(self, text: str, lowered: str) -> bool:
        if self.regex is not None and self.regex.search(text):
            return True
        for keyword in self.keywords:
            pos = lowered.find(keyword)
            while pos >= 0:
                end = pos + len(keyword)
                if not (_wordy(keyword[0]) and _wordy(lowered[pos - 1:pos])) \
                        and not (_wordy(keyword[-1]) and _wordy(lowered[end:end + 1])):
                    return True
                pos = lowered.find(keyword, pos + 1)
        return False


def _compile_custom(pattern: CustomPattern) -> _Custom:
    """ValueError, naming the pattern, when it is empty or its regex does not compile."""
    if not pattern.name:
        raise ValueError("custom privacy pattern without a name")
    if pattern.regex is None and not pattern.keywords:
        raise ValueError(f"custom privacy pattern {pattern.name!r}: give a regex or keywords")
    regex = None
    if pattern.regex is not None:
        try:
            regex = re.compile(pattern.regex)
        except re.error as exc:
            raise ValueError(f"custom privacy pattern {pattern.name!r}: invalid regular expression "
                             f"{pattern.regex!r}: {exc}") from None
    keywords = tuple(k.strip().lower() for k in pattern.keywords)
    if any(not k for k in keywords):
        raise ValueError(f"custom privacy pattern {pattern.name!r}: empty keyword")
    return _Custom(f"custom:{pattern.name}", pattern.data_class, regex, keywords)


# Newlines end every detector's span, and 128 of them outreach every context window (phone words
# 40 characters, reference words 28, ID words 48, credential names 64-120 on the same line).
_SEGMENT_GAP = "\n" * 128


def _lower(text: str) -> str:
    """text.lower() with the same length, so offsets found in one are valid in the other."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


class PrivacyScanner:
    """Finds personal data and secrets in text segments; build once per policy, share freely."""

    def __init__(self, config: PrivacyConfig = PrivacyConfig()) -> None:
        """ValueError for an invalid custom pattern, an unknown phone region or an unknown disabled kind."""
        customs = tuple(_compile_custom(p) for p in config.custom)
        known = set(DETECTOR_KINDS) | {c.kind for c in customs}
        unknown = sorted(set(config.disabled) - known)
        if unknown:
            raise ValueError(f"privacy.disabled: unknown detector kind(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(known))}")
        enabled = frozenset(DETECTOR_KINDS) - config.disabled
        self._email = "email" in enabled
        self._number_kinds = frozenset(NUMBER_KINDS) & enabled
        self._numbers = NumberScanner(config.phone_regions) if self._number_kinds else None
        self._secret_kinds = frozenset(SECRET_KINDS) & enabled
        self._customs = tuple(c for c in customs if c.kind not in config.disabled)
        # A policy regex may be anchored (^...$) or reach across lines: such policies scan part by part.
        self._batchable = all(c.regex is None for c in self._customs)

    def reports(self, kind: str) -> bool:
        """Whether this scanner reports built-in `kind` (the policy did not disable it)."""
        return kind in self._number_kinds or kind in self._secret_kinds or (kind == "email" and self._email)

    @property
    def batchable(self) -> bool:
        """Whether parts may be scanned joined (no policy regex that could anchor or span lines)."""
        return self._batchable

    def scan_many(self, segments: Sequence[tuple[str, str]]) -> list[list[Finding]]:
        """`scan` of every (text, where), in order. Most conversations carry no personal data at all:
        their parts are joined and scanned once, and only a hit sends the scan part by part (the
        findings must name their part). The parts are joined by _SEGMENT_GAP, longer than any
        detector's context window, so no part's words can make or break a finding in another."""
        if len(segments) > 1 and self._batchable and not self.scan(_SEGMENT_GAP.join(t for t, _ in segments), ""):
            return [[] for _ in segments]
        return [self.scan(text, where) for text, where in segments]

    def scan(self, text: str, where: str) -> list[Finding]:
        """One Finding per kind present in `text`, each located at `where`, in DETECTOR_KINDS order
        then policy order. Pure: reads only its arguments and its configuration."""
        if not text:
            return []
        text = fold(text)
        found: set[str] = set()
        if self._email and "@" in text and _has_email(text):
            found.add("email")
        if self._numbers is not None:
            found |= self._numbers.scan(text, self._number_kinds)
        lowered = _lower(text) if self._secret_kinds or self._customs else ""
        if self._secret_kinds:
            found |= find_secrets(text, lowered, self._secret_kinds)
        findings = [Finding(kind, where) for kind in DETECTOR_KINDS if kind in found]
        findings += [Finding(c.kind, where, c.data_class) for c in self._customs if c.found(text, lowered)]
        return findings
