"""The privacy look inside media, on the request path between `decide` and dispatch (DESIGN.md).

classify reads media headers only (size, EXIF), so a screenshot of a CRM record or a voice memo
reading out a phone number looks `internal`. When the decision would send images, audio or files to a
model cleared below `confidential`, `MediaLook.review` reads them locally (OCR, speech-to-text),
scans the text with the privacy scanner (`scan_text`), and, when it finds something, raises the
profile's class and runs `decide` again. Findings are located as `messages[i].content[j] (image text)`
or `(audio transcript)`.

It fails closed: a part that cannot be read — a remote URL (never fetched), an undecodable payload, an
engine error, a read past `privacy.media.timeout_s` — is a finding `unreadable_media`, so unread media
never leave; the decision's reasons say which part and why.

`skip_reason` is pure and says when no look is needed; `review` is the one call the gateway makes.
"""

from __future__ import annotations

import asyncio
import base64
import math
import re
import time
from dataclasses import dataclass, replace
from typing import Any, Mapping

from router.classify import asr_text, ocr_text, spoken_numbers
from router.classify.normalize import denoise, fold, says_an_address
from router.classify.tokens import image_tokens
from router.decide import Decision, ModelHealth, decide
from router.errors import BadRequest
from router.pipeline import plan
from router.policy import CompiledPolicy, MediaScanSpec
from router.profile import DataClass, Finding
from router.readers import PARTITION, SHARED_STORE_OK, MediaReader, MediaUnreadable
from router.request import ChatRequest

SOURCES = {"image": "image text", "audio": "audio transcript", "file": "file text"}
UNREADABLE = "unreadable_media"
_NO_SIGNALS = "no personal data, secrets or declared class"
_TEXT_MIMES = ("text/", "application/json", "application/xml", "application/csv")


def scan_text(policy: CompiledPolicy, text: str, where: str, alternatives: tuple[str, ...] = ()) -> list[Finding]:
    """The privacy scan that media text goes through: the policy's own scanner, as for typed text,
    then its thorough scanner (names, addresses, OCR and speech noise) where the policy has one.
    A transcript is read through the normaliser first (normalize.denoise: spoken and half-spoken
    e-mails, numbers read out), so a policy without a thorough scanner still reads what was said; a
    screenshot's OCR text is also read with the spaces OCR dropped put back (classify/ocr_text.py),
    and a transcript with the slips speech-to-text makes undone (classify/asr_text.py), for
    identifiers read out after their label, which speech-to-text writes down too loosely for a
    checksum (classify/spoken_numbers.py), and for an e-mail address read out whose domain it garbled
    ("my email is john.smith at gmail": normalize.says_an_address). `alternatives` are the same clip
    read in other languages (engines.SpeechEngine), scanned as the transcript is."""
    found: list[Finding] = []
    kinds: set[str] = set()
    read_out: list[str] = []
    spoken = where.endswith("(audio transcript)")
    if spoken:
        heard = [denoise(fold(t)) for t in (text, *alternatives)]
        read_out = [kind for kind in dict.fromkeys(k for t in heard for k in spoken_numbers.read_out(t))
                    if policy.classifier.privacy.reports(kind)]
        texts = [variant for t in heard for variant in asr_text.variants(t)]
    else:
        texts = ocr_text.variants(text) if where.endswith("(image text)") else [text]
    thorough = getattr(policy.classifier, "thorough", None)
    for variant in texts:  # OCR drops spaces between words: also read it respaced (classify/ocr_text.py)
        for finding in [*policy.classifier.privacy.scan(variant, where),
                        *(thorough.scan(variant, where) if thorough is not None else ())]:
            if finding.kind not in kinds:
                kinds.add(finding.kind)
                found.append(finding)
    for kind in read_out:  # what the detectors found themselves stands; a label's run only adds to it
        if kind not in kinds:
            kinds.add(kind)
            found.append(Finding(kind, where, reason="read out"))
    if spoken and "email" not in kinds and policy.classifier.privacy.reports("email") \
            and any(says_an_address(t) for t in heard):
        found.append(Finding("email", where, reason="read out"))
    return found


@dataclass(frozen=True, slots=True)
class MediaItem:
    """One media part of a request, decoded. `data` is None when it cannot be read (`unread` says why)."""

    where: str  # messages[i].content[j]
    kind: str  # image | audio | file
    data: bytes | None
    fmt: str = ""  # audio container, or a file's mime type
    unread: str = ""

    @property
    def located(self) -> str:
        return f"{self.where} ({SOURCES[self.kind]})"


def media_items(request: ChatRequest) -> list[MediaItem]:
    """Every image, audio clip and file the request carries, in order (classify has validated them)."""
    items: list[MediaItem] = []
    for i, message in enumerate(request.messages):
        if not isinstance(message.content, list):
            continue
        for j, part in enumerate(message.content):
            where = f"messages[{i}].content[{j}]"
            if part.type == "image_url":
                url = part.image_url.url
                if url[:5].lower() != "data:":
                    items.append(MediaItem(where, "image", None, unread="a remote image URL is never fetched"))
                else:
                    items.append(MediaItem(where, "image", _b64(url[url.find(",") + 1:])))
            elif part.type == "input_audio":
                items.append(MediaItem(where, "audio", _b64(part.input_audio.data), part.input_audio.format))
            elif part.type == "file":
                items.append(_file_item(where, part.file.file_data))
    return items


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _file_item(where: str, file_data: str | None) -> MediaItem:
    if not file_data:
        return MediaItem(where, "file", None, unread="an uploaded file_id cannot be read here")
    mime = "application/octet-stream"
    if file_data[:5].lower() == "data:":
        comma = file_data.find(",")
        mime = file_data[5:comma].split(";")[0].strip().lower() or mime
        file_data = file_data[comma + 1:]
    data = _b64(file_data)
    if mime.startswith("image/"):
        return MediaItem(where, "image", data, mime)
    if mime.startswith(_TEXT_MIMES):
        return MediaItem(where, "file", data, mime)
    kind = "PDF" if data.startswith(b"%PDF-") else mime
    return MediaItem(where, "file", None, mime, unread=f"a {kind} file cannot be read here")


@dataclass(frozen=True, slots=True)
class PartScan:
    where: str
    source: str
    chars: int
    findings: tuple[str, ...]
    seconds: float
    cached: bool = False
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"where": self.where, "source": self.source, "chars": self.chars, "findings": list(self.findings),
                "seconds": round(self.seconds, 3), "cached": self.cached, "error": self.error}


@dataclass(frozen=True, slots=True)
class LookReport:
    """What the look did: `scanned`, `skipped` (with why), or `not_run` (a dry-run that did not ask)."""

    status: str
    reason: str
    parts: tuple[PartScan, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "parts": [p.as_json() for p in self.parts]}


def skip_reason(decision: Decision, policy: CompiledPolicy, items: list[MediaItem], mode: str) -> str | None:
    """Why this request needs no look, or None when its media must be read first. Pure."""
    if mode == "never":
        return "privacy.media.scan is 'never'"
    if not items:
        return "the request carries no images, audio or files"
    if decision.error is not None:
        return f"the request is refused ({decision.error.code}): nothing is sent"
    data_class = decision.profile.data_class
    if data_class >= DataClass.CONFIDENTIAL:
        return f"already {data_class.label}: only models cleared for it may receive it"
    if mode == "when_leaving":
        leaving = [m for m in decision.chain if policy.models[m].clearance < DataClass.CONFIDENTIAL]
        if not leaving and not _read_anyway(policy, decision.model, items):
            return f"it stays with models cleared for confidential data ({', '.join(decision.chain)})"
    return None


def _read_anyway(policy: CompiledPolicy, model_id: str | None, items: list[MediaItem]) -> bool:
    """Whether the model chosen first reads every part as text anyway (`image_input: ocr`, `audio_input:
    transcribe`, router/media_text.py): the look then costs no read of its own (both go through the
    same cached reader), and the request's class, rule and savings come out right although it stays."""
    model = policy.models.get(model_id) if model_id is not None else None
    if model is None:
        return False
    reads = {"image": getattr(model, "image_input", None) == "ocr",
             "audio": getattr(model, "audio_input", None) == "transcribe"}
    return all(reads.get(item.kind, False) for item in items)


class MediaLook:
    """Reads media with `reader` (None: nothing can be read, so every part is unreadable — fail closed)."""

    def __init__(self, reader: MediaReader | None) -> None:
        self.reader = reader

    async def review(self, policy: CompiledPolicy, request: ChatRequest, decision: Decision,
                     health: Mapping[str, ModelHealth] | None = None) -> tuple[Decision, LookReport]:
        """The decision to act on, and what the look did. Never raises for a part it cannot read."""
        PARTITION.set(decision.profile.tenant)
        SHARED_STORE_OK.set(decision.profile.data_class < DataClass.RESTRICTED or policy.spec.defaults.cache_restricted)
        spec = policy.spec.privacy.media
        items = media_items(request)
        why = skip_reason(decision, policy, items, spec.scan)
        if why is not None:
            return decision, LookReport("skipped", why)
        prepare = getattr(self.reader, "prepare", None)  # in-process engines load on first use: not timed
        if prepare is not None:
            await prepare({item.kind for item in items if item.data is not None})
        deadline = time.perf_counter() + spec.timeout_s
        reads = await asyncio.gather(*(self._read(item, spec, deadline) for item in items))
        findings: list[Finding] = []
        reasons: list[str] = []
        parts: list[PartScan] = []
        texts: dict[str, str] = {}
        for item, (text, also, error, seconds, cached) in zip(items, reads):
            if error is not None:
                found = [Finding(UNREADABLE, item.located, DataClass.CONFIDENTIAL)]
                reasons.append(f"{UNREADABLE} in {item.located}: {error} (fails closed: unread media never leave)")
            else:
                texts[item.where] = text
                found = scan_text(policy, text, item.located, also)
                reasons.extend(f"{f.kind} in {f.where}" for f in found)
            findings.extend(found)
            parts.append(PartScan(item.where, SOURCES[item.kind], len(text), tuple(f.kind for f in found),
                                  seconds, cached, error))
        summary = f"media look: read {len(items)} part(s) before they could leave"
        report = LookReport("scanned", summary + (f"; {len(findings)} finding(s)" if findings else "; nothing found"),
                            tuple(parts))
        if not findings:
            return replace(decision, reasons=decision.reasons + (report.reason,)), report
        profile = decision.profile
        raised = max(f.data_class for f in findings)
        class_reasons = tuple(r for r in profile.class_reasons if r != _NO_SIGNALS) + tuple(reasons)
        profile = replace(profile, findings=profile.findings + tuple(findings),
                          data_class=max(profile.data_class, raised),
                          detected_class=max(profile.detected_class, raised),
                          class_reasons=class_reasons, input_tokens=_tokens_from_text(policy, profile, texts))
        again = decide(profile, policy, health)  # the thorough scan's report (of the typed text) carries over
        return replace(again, scan=decision.scan, reasons=again.reasons + (report.reason + ", decided again",)), report

    async def _read(self, item: MediaItem, spec: MediaScanSpec,
                    deadline: float) -> tuple[str, tuple[str, ...], str | None, float, bool]:
        """(text, other readings of it, error or None, seconds, served from cache)."""
        started = time.perf_counter()
        if item.data is None:
            return "", (), item.unread, 0.0, False
        if self.reader is None:
            return "", (), "no media reader is running", 0.0, False
        if item.kind == "file":
            return item.data.decode("utf-8", "replace"), (), None, 0.0, False
        cached = _is_cached(self.reader, item, spec)
        try:
            if item.kind == "image":
                work = self.reader.image_text(item.data, max_pixels=spec.max_pixels)
            else:
                work = self.reader.transcribe(item.data, item.fmt)
            result = await asyncio.wait_for(work, timeout=max(0.0, deadline - started))
        except asyncio.TimeoutError:
            return "", (), f"not read within privacy.media.timeout_s ({spec.timeout_s:g} s)", \
                time.perf_counter() - started, False
        except MediaUnreadable as exc:
            return "", (), str(exc), time.perf_counter() - started, False
        except Exception as exc:  # an engine or replica failure is an unread part, never a way out
            return "", (), f"the {SOURCES[item.kind].split()[-1]} engine failed ({type(exc).__name__})", \
                time.perf_counter() - started, False
        if isinstance(result, str):
            return result, (), None, time.perf_counter() - started, cached
        return result.text, result.alternatives, None, time.perf_counter() - started, cached


def _is_cached(reader: Any, item: MediaItem, spec: MediaScanSpec) -> bool:
    check = getattr(reader, "is_cached", None)
    if check is None or item.data is None:
        return False
    kind = f"ocr:{spec.max_pixels}" if item.kind == "image" else f"stt:{item.fmt}:auto"
    return check(kind, item.data)


def _tokens_from_text(policy: CompiledPolicy, profile, texts: Mapping[str, str]) -> dict[str, int]:
    """Prompt estimates with the text now read in place of the media estimate, for models that take
    images as OCR text or audio as a transcript (the estimate came from pixels or duration)."""

    classifier = policy.classifier
    tokens = dict(profile.input_tokens)
    for model_id, rule in classifier.token_rules.items():
        model = policy.models.get(model_id)
        if model is None or model_id not in tokens:
            continue
        delta = 0
        if getattr(model, "image_input", None) == "ocr":
            for image in profile.images:
                text = texts.get(image.where.removesuffix(".image_url"))
                if text is not None:
                    delta += classifier.counter.count_text(text, rule.encoding) + 16 - image_tokens(image, rule)
        if getattr(model, "audio_input", None) == "transcribe":
            for clip in profile.audio:
                text = texts.get(clip.where.removesuffix(".input_audio"))
                if text is not None:
                    delta += classifier.counter.count_text(text, rule.encoding) + 16 \
                        - math.ceil(clip.duration_s * rule.audio_tokens_per_s)
        tokens[model_id] = max(0, tokens[model_id] + int(delta))
    return tokens


def not_run(decision: Decision, policy: CompiledPolicy, request: ChatRequest) -> LookReport:
    """For a dry-run that did not ask to read media: whether the gateway would, and why."""
    why = skip_reason(decision, policy, media_items(request), policy.spec.privacy.media.scan)
    if why is not None:
        return LookReport("skipped", why)
    leaving = [m for m in decision.chain if policy.models[m].clearance < DataClass.CONFIDENTIAL]
    return LookReport("not_run", "the gateway would read the media first: they could reach models cleared "
                                 f"below confidential ({', '.join(leaving) or 'scan: always'}); ask for the scan "
                                 "(turnout route --scan-media, or x-turnout-scan-media: true on /v1/route) to see "
                                 "what it finds")


SCAN_HEADER = "x-turnout-scan-media"
SCAN_FIELD = "scan_media"


def wants_scan(headers: Mapping[str, str], payload: Any) -> bool:
    """Did a dry-run ask to read media (header `x-turnout-scan-media: true`, or `"scan_media": true` in
    the body, which is removed so it is not classified as request text)?"""
    field = payload.pop(SCAN_FIELD, None) if isinstance(payload, dict) else None
    if field is not None and not isinstance(field, bool):
        raise BadRequest(f"{SCAN_FIELD}: expected true or false, got {type(field).__name__}", param=SCAN_FIELD)
    header = next((v for k, v in headers.items() if k.lower() == SCAN_HEADER), "")
    return field is True or header.strip().lower() in ("1", "true", "yes")


async def dry_run(look: MediaLook | None, policy: CompiledPolicy, payload: Any, headers: Mapping[str, str],
                  tenant: str = "default", scan: bool = False) -> dict[str, Any]:
    """The decision JSON of `turnout route` / POST /v1/route, with `media_scan` (what the look found,
    or why it was skipped or not run) for requests with media or that asked to scan. Raises what
    pipeline.plan raises for input that cannot be classified."""

    request, decision = plan(policy, payload, headers, tenant)
    if scan and look is not None:
        decision, report = await look.review(policy, request, decision)
    else:
        report = not_run(decision, policy, request)
    out = decision.as_json()
    if scan or media_items(request):
        out["media_scan"] = report.as_json()
    return out
