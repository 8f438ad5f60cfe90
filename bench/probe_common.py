"""What the privacy benches share: a reproducible process, the default policy's verdict on one prompt,
and the closing lists of misses and false positives.

    from bench.probe_common import flagger, print_lists, reproducible
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from router.pipeline import plan
from router.policy_loader import load_policy
from router.profile import DataClass

DEFAULT_POLICY = Path(__file__).resolve().parents[1] / "policies" / "default.yaml"


def reproducible() -> None:
    """Run this process again under PYTHONHASHSEED=0 unless it already is: Faker's draws follow set order
    somewhere, so with hash randomisation the same seed made other prompts in each process, and two trees
    (or two runs) read different sets."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})


def flagger(policy_path: Path = DEFAULT_POLICY) -> Callable[[str], tuple[bool, list[str]]]:
    """text -> (whether the policy keeps it at confidential or above, the kinds of what it found)."""
    policy = load_policy(policy_path)

    def flagged(text: str) -> tuple[bool, list[str]]:
        _, decision = plan(policy, {"model": "auto", "messages": [{"role": "user", "content": text}]}, {})
        return decision.profile.data_class >= DataClass.CONFIDENTIAL, sorted({f.kind for f in decision.profile.findings})

    return flagged


def print_lists(show: bool, misses: list[str], false_positives: list[str]) -> None:
    """The prompts missed and those flagged without cause, one a line (`--show-misses`)."""
    if show:
        print("\nmissed:", *misses, sep="\n  ")
        print("\nfalse positives:", *false_positives, sep="\n  ")
