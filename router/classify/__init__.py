"""classify(request, headers, tenant) -> RequestProfile: what a request contains, how private and how
hard it is, and how many tokens it is for each candidate model. Pure: no I/O, no environment, no
globals; everything it needs is handed to `Classifier` at start-up.

Every piece of text a model would receive (system prompts, earlier turns, text next to images,
refusals, tool-call names and arguments, tool results, `name` fields, forwarded extras) goes through
the privacy scanner with its location, so a finding anywhere raises the data class.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson

from router.classify.complexity import ComplexityScorer
from router.classify.learned import LearnedScorer, load_model
from router.classify.media import (
    MediaLimits, VideoSampling, check_image_count, inspect_audio, inspect_file, inspect_image, inspect_video,
)
from router.classify.privacy import PrivacyScanner
from router.classify.thorough import ThoroughScanner
from router.classify.tokens import PromptParts, TokenCounter, TokenRule
from router.errors import BadRequest
from router.profile import (
    AudioInfo, DataClass, FileInfo, Finding, ImageInfo, Modality, RequestProfile, VideoInfo,
)
from router.request import ChatRequest

__all__ = ["Classifier", "TenantView", "MediaLimits", "VideoSampling", "TokenRule", "with_findings"]

DATA_CLASS_HEADER = "x-turnout-data-class"
APP_HEADER = "x-turnout-app"
_INSTRUCTION_ROLES = frozenset({"system", "developer", "user"})


@dataclass(frozen=True)
class TenantView:
    """What classify needs of a tenant."""

    id: str = "default"
    default_data_class: DataClass = DataClass.INTERNAL


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """`name` (lower case) looked up case-insensitively, in plain dicts as in Starlette's Headers."""
    value = headers.get(name)
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name:
                return candidate
    return value


def _json(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


class _Walk:
    """One request's accumulators; lives for one classify() call."""

    __slots__ = ("scanner", "findings", "segments", "positions", "tokens_text", "instruction_text", "has_text",
                 "names")

    def __init__(self, scanner: PrivacyScanner) -> None:
        self.scanner = scanner
        self.findings: list[Finding] = []  # media findings now; text findings join them in finish()
        self.segments: list[tuple[str, str]] = []  # (text, where): scanned in one go
        self.positions: list[int] = []  # per segment, the media findings before it
        self.tokens_text: list[str] = []
        self.instruction_text: list[str] = []
        self.has_text = False
        self.names = 0

    def text(self, text: str, where: str, *, instruction: bool = False, content: bool = True) -> None:
        if not text:
            return
        self.segments.append((text, where))
        self.positions.append(len(self.findings))
        self.tokens_text.append(text)
        if instruction:
            self.instruction_text.append(text)
        self.has_text = self.has_text or content

    def finish(self) -> list[Finding]:
        """Every finding in the order of the request: text segments scanned together, their findings
        placed among the media findings where each segment occurred."""
        scanned = self.scanner.scan_many(self.segments)
        if not any(scanned):
            return self.findings
        merged: list[Finding] = []
        taken = 0
        for position, found in zip(self.positions, scanned):
            merged += self.findings[taken:position] + found
            taken = position
        return merged + self.findings[taken:]


class Classifier:
    """Builds RequestProfiles. Construct once (loads tokenizers); `classify` is then pure and fast."""

    def __init__(self, *, token_rules: Mapping[str, TokenRule], privacy: PrivacyScanner,
                 limits: MediaLimits = MediaLimits(), video: VideoSampling = VideoSampling(),
                 default_output_tokens: int = 512, scorer: ComplexityScorer | None = None,
                 thorough: ThoroughScanner | None = None) -> None:
        self.token_rules = dict(token_rules)
        self.privacy = privacy
        self.thorough = thorough  # run after decide, by router/pipeline.py, never by classify
        self.limits = limits
        self.video = video
        self.default_output_tokens = default_output_tokens
        self.scorer: ComplexityScorer = scorer or LearnedScorer(load_model())  # default: the shipped model
        self.counter = TokenCounter(tuple(sorted({rule.encoding for rule in self.token_rules.values()})))

    def classify(self, request: ChatRequest, headers: Mapping[str, str],
                 tenant: TenantView = TenantView()) -> RequestProfile:
        """The request's profile.

        Raises BadRequest for an invalid x-turnout-data-class header, InvalidContent (400) for a
        media part that cannot be read or exceeds its limits, PayloadTooLarge (413) for too many images.
        """
        walk = _Walk(self.privacy)
        images: list[ImageInfo] = []
        audio: list[AudioInfo] = []
        videos: list[VideoInfo] = []
        files: list[FileInfo] = []
        for i, message in enumerate(request.messages):
            base = f"messages[{i}]"
            instruction = message.role in _INSTRUCTION_ROLES
            if message.name:
                walk.names += 1
                walk.text(message.name, f"{base}.name", content=False)
            content = message.content
            if isinstance(content, str):
                walk.text(content, f"{base}.content", instruction=instruction)
            elif content:
                for j, part in enumerate(content):
                    where = f"{base}.content[{j}]"
                    kind = part.type
                    if kind == "text":
                        walk.text(part.text, f"{where}.text", instruction=instruction)
                    elif kind == "image_url":
                        check_image_count(len(images) + 1, f"{where}.image_url", self.limits)
                        info, found = inspect_image(part.image_url.url, part.image_url.detail,
                                                    f"{where}.image_url", self.limits)
                        images.append(info)
                        walk.findings.extend(found)
                    elif kind == "input_audio":
                        audio.append(inspect_audio(part.input_audio.data, part.input_audio.format,
                                                   f"{where}.input_audio", self.limits))
                    elif kind == "video_url":
                        videos.append(inspect_video(part.video_url.url, f"{where}.video_url", self.video, self.limits))
                    elif kind == "file":
                        files.append(inspect_file(part.file.file_data, part.file.file_id, f"{where}.file", self.limits))
                    elif kind == "refusal":
                        walk.text(part.refusal, f"{where}.refusal")
            for k, call in enumerate(message.tool_calls or ()):
                walk.text(call.function.name, f"{base}.tool_calls[{k}].function.name")
                walk.text(call.function.arguments, f"{base}.tool_calls[{k}].function.arguments")
            extra = message.model_extra
            if extra:  # most messages have none: no generator for them
                for key, value in _extras(extra):
                    walk.text(_json(value), f"{base}.{key}")
        for key, value in _request_extras(request):
            walk.text(_json(value), key, content=False)

        findings = walk.finish()
        detected, class_reasons = _detected_class(findings)
        data_class = detected
        declared = _header(headers, DATA_CLASS_HEADER)
        if declared is not None:
            try:
                header_class = DataClass.parse(declared)
            except ValueError as exc:
                raise BadRequest(f"header {DATA_CLASS_HEADER}: {exc}", param=DATA_CLASS_HEADER) from None
            note = "" if header_class >= detected else f" (below detected {detected.label}: not lowered)"
            class_reasons.append(f"header {DATA_CLASS_HEADER}: {header_class.label}{note}")
            data_class = max(data_class, header_class)
        if tenant.default_data_class > data_class:
            class_reasons.append(f"tenant {tenant.id} default: {tenant.default_data_class.label}")
            data_class = tenant.default_data_class

        modalities = {modality for modality, present in (
            (Modality.TEXT, walk.has_text), (Modality.IMAGE, images), (Modality.AUDIO, audio),
            (Modality.VIDEO, videos), (Modality.FILE, files)) if present}
        parts = PromptParts("\n".join(walk.tokens_text), len(request.messages), walk.names,
                            tuple(images), tuple(audio), tuple(videos), tuple(files))
        app = (_header(headers, APP_HEADER) or "").strip() or None
        return RequestProfile(
            requested_model=request.model,
            modalities=frozenset(modalities),
            data_class=data_class,
            detected_class=detected,
            findings=tuple(findings),
            input_tokens=self.counter.estimate_many(parts, self.token_rules),
            output_tokens=request.output_limit or self.default_output_tokens,
            complexity=self.scorer.score(request, "\n".join(walk.instruction_text)),
            images=parts.images, audio=parts.audio, videos=parts.videos, files=parts.files,
            tenant=tenant.id, app=app, stream=request.stream, class_reasons=tuple(class_reasons),
            texts=tuple(walk.segments),
        )


def with_findings(profile: RequestProfile, found: list[Finding]) -> RequestProfile:
    """`profile` with `found` (the thorough scan's findings) added: detected and effective class
    raised to the highest finding, one class reason per new finding. Never lowers (invariant 2)."""
    if not found:
        return profile
    top = max(f.data_class for f in found)
    kept = tuple(r for r in profile.class_reasons if r != _NO_FINDINGS)
    return replace(profile, findings=profile.findings + tuple(found),
                   detected_class=max(profile.detected_class, top), data_class=max(profile.data_class, top),
                   class_reasons=tuple(f"{f.label} in {f.where}" for f in found) + kept)


_NO_FINDINGS = "no personal data, secrets or declared class"


def _detected_class(findings: list[Finding]) -> tuple[DataClass, list[str]]:
    """max of the findings' classes, INTERNAL when there are none; one reason per finding."""
    if not findings:
        return DataClass.INTERNAL, [_NO_FINDINGS]
    return max(f.data_class for f in findings), [f"{f.label} in {f.where}" for f in findings]


def _extras(extra: dict[str, Any] | None) -> Iterator[tuple[str, Any]]:
    """Forwarded message fields we do not model (legacy function_call, audio, ...), non-empty ones."""
    for key, value in (extra or {}).items():
        if value and isinstance(value, (str, dict, list)):  # flags and numbers carry no text
            yield key, value


def _request_extras(request: ChatRequest) -> Iterator[tuple[str, Any]]:
    """Request-level text a provider receives besides the messages: tool schemas, response format,
    the end-user id and forwarded parameters (e.g. `prediction`)."""
    for key in ("tools", "response_format", "user"):
        value = getattr(request, key)
        if value:
            yield key, value
    yield from _extras(request.model_extra)
