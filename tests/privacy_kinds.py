"""The whole privacy path of a text, as the held-out fix tables read it: classify's scanner, then the
thorough scan (names, addresses, health), their findings' kinds together.

    from privacy_kinds import kinds, thorough  # noqa: F401  (thorough: the fixture)
"""

from __future__ import annotations

import pytest

from router.classify.privacy import PrivacyScanner
from router.classify.thorough import ThoroughScanner

SCANNER = PrivacyScanner()


@pytest.fixture(scope="module")
def thorough() -> ThoroughScanner:
    return ThoroughScanner(SCANNER)


def kinds(thorough: ThoroughScanner, text: str) -> set[str]:
    """What classify's scanner and the thorough scan after it find, as a request's findings."""
    return {f.kind for f in SCANNER.scan(text, "m") + thorough.scan(text, "m")}
