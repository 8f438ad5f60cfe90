"""The thorough scan: personal data without a checksum, and personal data hidden by noise.

The privacy scanner of classify (privacy.py) finds what has a checksum or a fixed shape in
microseconds. This scan reads the text the way a person would, at a cost of up to a few
milliseconds, so it runs only where it could change the decision (router/pipeline.py: text that
would go to a model cleared below `confidential`). On each text part it

1. normalises (normalize.fold, then normalize.denoise: obfuscated and spoken e-mails, numbers read
   out as words, OCR's O/0 and l/1, labels glued to numbers) and, where that changed the text,
   runs the privacy scanner's own detectors again on the result;
2. runs the detectors of THOROUGH_KINDS: addresses.py (address), records.py (date_of_birth, id_document) and
   people.py (person, health, special_category), each switched on or off and given its data class
   by the policy (`privacy.detectors`).

Findings carry the reason their detector fired (`person (role word)`), never the value.
OCR text and transcripts of media should go through `scan` too: that is what the noise
normalisation is for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from router.classify import addresses, people, records
from router.classify.addresses import find_address
from router.classify.lexicon import Matcher, Reading
from router.classify.normalize import denoise, fold
from router.classify.people import PersonCues, PersonFinder, find_health, find_special
from router.classify.privacy import PrivacyScanner
from router.classify.records import find_date_of_birth, find_id_document
from router.profile import DataClass, Finding

THOROUGH_KINDS: tuple[str, ...] = ("person", "address", "date_of_birth", "id_document", "health", "special_category")
DEFAULT_CLASSES: dict[str, DataClass] = {
    "person": DataClass.CONFIDENTIAL, "address": DataClass.CONFIDENTIAL, "date_of_birth": DataClass.CONFIDENTIAL,
    "id_document": DataClass.CONFIDENTIAL, "health": DataClass.RESTRICTED, "special_category": DataClass.RESTRICTED,
}


@dataclass(frozen=True)
class DetectorSetting:
    """One thorough detector as the policy sets it."""

    enabled: bool = True
    data_class: DataClass | None = None  # None: DEFAULT_CLASSES
    role_words: tuple[str, ...] = ()  # person only: the organisation's own words for the people it serves


@dataclass(frozen=True)
class ThoroughConfig:
    detectors: Mapping[str, DetectorSetting] = field(default_factory=dict)  # kinds not named: defaults


# Between the parts of a conversation read as one text: 130 characters of no content (the privacy
# scanner's context windows reach 40-128 characters, the address look-back 70), 14 words that no
# list holds (the word windows are 2-12 words), and line breaks at both ends (sentences end there).
_GAP = "\n" * 24 + " zzgap" * 14 + "\n" * 22


class ThoroughScanner:
    """Build once per policy (loads the name gazetteers, ~50 ms); `scan` is then pure."""

    def __init__(self, base: PrivacyScanner, config: ThoroughConfig = ThoroughConfig()) -> None:
        """ValueError for a detector kind that is not one of THOROUGH_KINDS."""
        unknown = sorted(set(config.detectors) - set(THOROUGH_KINDS))
        if unknown:
            raise ValueError(f"privacy.detectors: unknown detector(s) {', '.join(unknown)}; "
                             f"known: {', '.join(THOROUGH_KINDS)}")
        settings = {kind: config.detectors.get(kind, DetectorSetting()) for kind in THOROUGH_KINDS}
        self._base = base
        self.enabled = tuple(kind for kind, s in settings.items() if s.enabled)
        self._classes = {kind: s.data_class or DEFAULT_CLASSES[kind] for kind, s in settings.items()}
        person = settings["person"]
        self._persons = PersonFinder(PersonCues(role_words=person.role_words))
        self._matcher = Matcher({**people.LISTS, **records.LISTS, **addresses.LISTS, "extra_role": self._persons.extra_roles})

    def scan_many(self, segments: Sequence[tuple[str, str]]) -> list[Finding]:
        """Every finding of `scan` over (text, where) pairs, in order. A conversation is first read
        as one text, its parts joined by _GAP (farther apart than any detector looks, in characters,
        words and lines) and with the one cue that silences others (public figures) ignored, so that
        reading is a superset of the parts' own; only when it finds something are the parts read one
        by one, to locate and decide each exactly."""
        if len(segments) > 1 and self._base.batchable and not self._scan(_GAP.join(t for t, _ in segments), "", False):
            return []
        return [finding for text, where in segments for finding in self.scan(text, where)]

    def scan(self, text: str, where: str) -> list[Finding]:
        """One Finding per kind found in `text`, located at `where`: first the privacy scanner's kinds
        that only the normalised text reveals, then THOROUGH_KINDS in order."""
        return self._scan(text, where, True)

    def _scan(self, text: str, where: str, exact: bool) -> list[Finding]:
        if not text:
            return []
        folded = fold(text)
        clean = denoise(folded)
        base = self._base.scan(clean, where)
        findings: list[Finding] = []
        if clean != folded and base:
            seen = {f.kind for f in self._base.scan(folded, where)}
            findings += [Finding(f.kind, where, f.data_class, "normalised text") for f in base if f.kind not in seen]
        on = self.enabled
        reading = Reading(clean, self._matcher)
        why: dict[str, str | None] = {
            "address": find_address(reading) if "address" in on else None,
            "date_of_birth": find_date_of_birth(reading) if "date_of_birth" in on else None,
            "id_document": find_id_document(reading) if "id_document" in on else None,
        }
        identifiers = bool(base) or any(why.values())
        person = self._persons.find(reading, identifiers, public_cues=exact) if "person" in on else None
        why["person"] = person
        named = person is not None
        why["health"] = find_health(reading, named) if "health" in on else None
        why["special_category"] = find_special(reading, named) if "special_category" in on else None
        findings += [Finding(kind, where, self._classes[kind], why[kind]) for kind in THOROUGH_KINDS if why.get(kind)]
        return findings
