"""The vocabulary classify and decide share: data classes, modalities, findings, the request profile.

Everything here is frozen: a profile is computed once per request and read by decide, dispatch,
telemetry and the dry-run alike.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from router.errors import shown


class DataClass(enum.IntEnum):
    """Sensitivity, ordered: a model with clearance C may receive any class <= C."""

    PUBLIC = 0
    INTERNAL = 1
    CONFIDENTIAL = 2
    RESTRICTED = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> "DataClass":
        """'confidential' -> DataClass.CONFIDENTIAL; ValueError naming the allowed values otherwise."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            allowed = ", ".join(c.label for c in cls)
            raise ValueError(f"unknown data class {shown(value)}; allowed: {allowed}") from None

    def __str__(self) -> str:
        return self.label


class Modality(str, enum.Enum):
    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    FILE = "file"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected signal. `where` locates it (e.g. "messages[2].content[0].text"); the value is never kept."""

    kind: str
    where: str
    data_class: DataClass = DataClass.CONFIDENTIAL
    reason: str = ""  # why the detector fired ("role word", "salutation"), for the thorough scan's kinds

    @property
    def label(self) -> str:
        """`kind (reason)`, or the kind alone: what the decision's reasons show."""
        return f"{self.kind} ({self.reason})" if self.reason else self.kind

    def as_dict(self) -> dict[str, str]:
        found = {"kind": self.kind, "where": self.where}
        if self.reason:
            found["reason"] = self.reason
        return found


@dataclass(frozen=True, slots=True)
class ScanReport:
    """Whether the thorough scan (router/classify/thorough.py) read a request, and why or why not."""

    ran: bool
    reason: str  # why it was skipped, or what it concluded
    findings: tuple[Finding, ...] = ()  # what it added to the classify findings

    def as_dict(self) -> dict:
        return {"ran": self.ran, "reason": self.reason, "findings": [f.as_dict() for f in self.findings]}


@dataclass(frozen=True, slots=True)
class ImageInfo:
    where: str
    format: str | None  # None for a remote URL: never fetched by the classifier
    width: int | None
    height: int | None
    detail: str  # "low" | "high" | "auto"
    nbytes: int


@dataclass(frozen=True, slots=True)
class AudioInfo:
    where: str
    format: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class VideoInfo:
    where: str
    frames: int  # estimated from the policy's sampling (fps, max frames)
    remote: bool = False  # an http(s) URL: never fetched, so no local model can read it


@dataclass(frozen=True, slots=True)
class FileInfo:
    where: str
    mime: str
    nbytes: int
    pages: int | None = None  # PDFs, when the header or a cheap scan tells; None otherwise


@dataclass(frozen=True, slots=True)
class Complexity:
    score: float  # in [0, 1]
    reasons: tuple[str, ...] = ()
    features: tuple[float, ...] = field(default=(), compare=False)  # the learned scorer's input, when it ran


@dataclass(frozen=True, slots=True)
class RequestProfile:
    """What classify learned about one request; the only input decide needs besides policy and health."""

    requested_model: str
    modalities: frozenset[Modality]
    data_class: DataClass
    detected_class: DataClass  # before header/tenant raised it
    findings: tuple[Finding, ...]
    input_tokens: dict[str, int]  # per candidate model id
    output_tokens: int
    complexity: Complexity
    images: tuple[ImageInfo, ...] = ()
    audio: tuple[AudioInfo, ...] = ()
    videos: tuple[VideoInfo, ...] = ()
    files: tuple[FileInfo, ...] = ()
    tenant: str = "default"
    app: str | None = None
    stream: bool = False
    class_reasons: tuple[str, ...] = field(default=())
    task: str = "chat"  # "chat" (chat, responses, completions) or "embeddings": which models can serve it
    window_tokens: dict[str, int] | None = None  # tokens that must fit one context window, when not input_tokens
    # Every text part a model would receive, as (text, location), for the thorough scan after decide.
    texts: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)
