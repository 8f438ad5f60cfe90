"""policies/schema.json is generated, never edited: it must equal what `turnout policy schema` prints
today, and every shipped policy must validate against it (editors rely on it as you type)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from router.cli import main
from router.policy_loader import load_policy

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "policies" / "schema.json"
POLICIES = [REPO / "policies" / "default.yaml", *sorted((REPO / "policies" / "examples").glob("*.yaml"))]


def test_committed_schema_is_the_generated_one(tmp_path: Path) -> None:
    fresh = tmp_path / "schema.json"
    assert main(["policy", "schema", "-o", str(fresh)]) == 0
    assert SCHEMA.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
        "policies/schema.json is stale: run `turnout policy schema -o policies/schema.json`")


def test_schema_is_a_valid_json_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    # Defaults are shown by editors: a data class default must be a label, not IntEnum's number.
    clearance = schema["$defs"]["LiteLLMModel"]["properties"]["clearance"]
    assert clearance["default"] == "internal"
    assert clearance["enum"] == ["public", "internal", "confidential", "restricted"]


def test_the_examples_are_all_there() -> None:
    names = {p.name for p in POLICIES}
    assert {"default.yaml", "all-local.yaml", "cost-capped.yaml", "per-app.yaml", "openai-compatible.yaml"} <= names


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_shipped_policy_validates_against_the_schema(path: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_shipped_policy_passes_policy_check(path: Path) -> None:
    policy = load_policy(path)
    assert policy.warnings == ()


def test_schema_rejects_what_the_loader_rejects() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    policy = yaml.safe_load((REPO / "policies" / "default.yaml").read_text(encoding="utf-8"))
    policy["models"][0]["temperature"] = 0.2
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(policy, schema)
