"""Fixtures shared by every test tier: the public labelled cases and offline library settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from router.runtime import prepare_environment  # noqa: E402

prepare_environment()  # litellm's bundled price map, tiktoken's offline cache: what every entry point sets

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEVSET = SHARED / "eval" / "devset.jsonl"


def load_devset() -> list[dict]:
    """The labelled routing cases of ../shared/eval/devset.jsonl (required: CI has shared/ beside the clone)."""
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def devset() -> list[dict]:
    return load_devset()


@pytest.fixture(scope="session")
def default_policy_path() -> Path:
    return REPO / "policies" / "default.yaml"


@pytest.fixture(scope="session")
def default_policy(default_policy_path):
    """policies/default.yaml compiled once for the session; tests only read it."""
    from router.policy_loader import load_policy

    return load_policy(default_policy_path)
