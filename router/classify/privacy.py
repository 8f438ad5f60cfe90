"""PLACEHOLDER — being replaced by the privacy helper. Interface only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from router.profile import DataClass, Finding


@dataclass(frozen=True)
class CustomPattern:
    name: str
    regex: str | None = None
    keywords: tuple[str, ...] = ()
    data_class: DataClass = DataClass.CONFIDENTIAL


@dataclass(frozen=True)
class PrivacyConfig:
    custom: tuple[CustomPattern, ...] = ()
    phone_regions: tuple[str, ...] | None = None
    disabled: frozenset[str] = field(default_factory=frozenset)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class PrivacyScanner:
    def __init__(self, config: PrivacyConfig = PrivacyConfig()) -> None:
        self.config = config

    def scan(self, text: str, where: str) -> list[Finding]:
        return [Finding("email", where)] if _EMAIL.search(text) else []
