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

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from router.classify import addresses, people, records
from router.classify.addresses import find_address
from router.classify.lexicon import Matcher, Reading
from router.classify.normalize import denoise, fold
from router.classify.people import PersonCues, PersonFinder
from router.classify.sensitive import find_health, find_special
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


# What the scan found in one text, without its location: (kind, data class, reason) per finding.
_Found = tuple[tuple[str, DataClass, str], ...]


class _Memo:
    """A bounded map from a text's digest to what the scan found in it. It keeps no text and no
    value, only the digest and the findings' kinds and reasons; the oldest entry goes first. Turn N
    of a conversation then reads only its new message: the scan of a text depends on nothing else."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[bytes, _Found] = OrderedDict()
        self._lock = threading.Lock()  # one scanner may serve several threads

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, key: bytes) -> _Found | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: bytes, found: _Found) -> None:
        with self._lock:
            self._items[key] = found
            self._items.move_to_end(key)
            if len(self._items) > self._size:
                self._items.popitem(last=False)


MEMO_SIZE = 4096  # texts remembered per scanner (~100 bytes each)


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
        self._memo = _Memo(MEMO_SIZE)
        self._matcher = Matcher({**people.LISTS, **records.LISTS, **addresses.LISTS, "extra_role": self._persons.extra_roles},
                                people.CONTEXT_LISTS)

    def scan_many(self, segments: Sequence[tuple[str, str]], base_clean: bool = False) -> list[Finding]:
        """Every finding of `scan` over (text, where) pairs, in order. Texts scanned before (the
        earlier turns of a conversation) are answered from the memo. The others are first read as
        one text, joined by _GAP (farther apart than any detector looks, in characters, words and
        lines) and with the one cue that silences others (public figures) ignored, so that reading
        is a superset of the parts' own; only when it finds something are the parts read one by one,
        to locate and decide each exactly.

        `base_clean` says the privacy scanner this scanner was built on has read these very texts
        and found nothing (classify did): a text the normaliser leaves as it is is then not read by
        it again (~0.2 ms for 1k tokens). The findings are the same either way."""
        keys = [_Memo.key(text) for text, _ in segments]
        found = [self._memo.get(key) for key in keys]
        todo = [i for i, known in enumerate(found) if known is None]
        if len(todo) > 1 and self._base.batchable and \
                not self._scan(_GAP.join(segments[i][0] for i in todo), "", False, base_clean):
            for i in todo:
                found[i] = ()
                self._memo.put(keys[i], ())
        else:
            for i in todo:
                found[i] = self._remembered(segments[i][0], keys[i], base_clean)
        return [Finding(kind, where, data_class, reason)
                for (_, where), part in zip(segments, found) for kind, data_class, reason in part]

    def scan(self, text: str, where: str) -> list[Finding]:
        """One Finding per kind found in `text`, located at `where`: first the privacy scanner's kinds
        that only the normalised text reveals, then THOROUGH_KINDS in order."""
        key = _Memo.key(text)
        found = self._memo.get(key)
        if found is None:
            found = self._remembered(text, key)
        return [Finding(kind, where, data_class, reason) for kind, data_class, reason in found]

    def _remembered(self, text: str, key: bytes, base_clean: bool = False) -> _Found:
        found = tuple((f.kind, f.data_class, f.reason) for f in self._scan(text, "", True, base_clean))
        self._memo.put(key, found)
        return found

    def _scan(self, text: str, where: str, exact: bool, base_clean: bool = False) -> list[Finding]:
        if not text:
            return []
        folded = fold(text)
        clean = denoise(folded)
        base = [] if base_clean and clean == folded else self._base.scan(clean, where)
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
