"""The composition root and the one settings model: Ray Serve's `args:` are a view of Settings,
validated before anything else, and `build` wires a gateway the dry-run can use with no backends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from router import runtime
from router.settings import AppArgs, Settings, settings_from_args

REPO = Path(__file__).resolve().parents[2]


def test_serve_yaml_args_are_settings() -> None:
    args = yaml.safe_load((REPO / "deploy" / "serve.yaml").read_text())["applications"][0]["args"]
    settings = settings_from_args(args)
    assert settings.policy == Path(args["policy"]) and settings.ingress_replicas == args["ingress_replicas"]
    assert set(AppArgs.model_fields) == set(Settings.model_fields)


def test_rayservice_args_are_settings() -> None:
    document = yaml.safe_load((REPO / "deploy" / "rayservice.yaml").read_text())
    config = yaml.safe_load(document["spec"]["serveConfigV2"])
    for app in config["applications"]:
        assert settings_from_args(app["args"]).policy == Path(app["args"]["policy"])


def test_an_unknown_or_bad_arg_is_an_error_naming_it() -> None:
    with pytest.raises(ValidationError, match="watch_polcy"):
        settings_from_args({"watch_polcy": True})
    with pytest.raises(ValidationError, match="ingress_replicas"):
        settings_from_args({"ingress_replicas": 0})


def test_args_override_the_environment_which_fills_the_rest(monkeypatch) -> None:
    monkeypatch.setenv("TURNOUT_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("TURNOUT_INGRESS_REPLICAS", "3")
    settings = settings_from_args({"ingress_replicas": 2})
    assert (settings.max_body_bytes, settings.ingress_replicas) == (4096, 2)


def test_prepare_environment_sets_what_libraries_read_unless_the_operator_did(monkeypatch) -> None:
    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP", raising=False)
    monkeypatch.delenv("RAY_SERVE_ENABLE_HA_PROXY", raising=False)
    runtime.prepare_environment()
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True" and "RAY_SERVE_ENABLE_HA_PROXY" not in os.environ
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "1")
    runtime.prepare_environment(ray=Settings(ingress="haproxy"))
    assert os.environ["RAY_SERVE_ENABLE_HA_PROXY"] == "1" and os.environ["RAY_USAGE_STATS_ENABLED"] == "1"


def test_build_with_no_backends_serves_the_dry_run(default_policy_path) -> None:
    gateway = runtime.build(Settings(policy=default_policy_path, redis_url=None), backends={})
    decision = gateway.route({"model": "auto", "messages": [{"role": "user", "content": "Hi."}]}, {}, "default")
    assert decision.error is None and gateway.backends == {}


def test_a_bad_policy_stops_start_up_with_one_line_and_keeps_every_problem(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nmodels: []\nrules: []\n", encoding="utf-8")
    with pytest.raises(runtime.StartupError) as caught:
        runtime.build(Settings(policy=path), backends={})
    assert str(caught.value).startswith(f"policy not loadable: {path}:") and "\n" not in str(caught.value)
    assert caught.value.policy_error is not None and len(caught.value.policy_error.issues) >= 1


def test_prepare_environment_points_tiktoken_at_litellms_tokenizers_and_the_counter_writes_nothing(monkeypatch) -> None:
    """tiktoken downloads its BPE files on first use (offline here); prepare_environment points it at
    litellm's bundled copies, and constructing a TokenCounter leaves the environment as it found it."""
    from router.classify.tokens import TokenCounter, tokenizer_dir

    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    runtime.prepare_environment()
    assert os.environ["TIKTOKEN_CACHE_DIR"] == tokenizer_dir() and os.path.isdir(tokenizer_dir())
    before = dict(os.environ)
    assert TokenCounter().count_text("hello world", "cl100k_base") == 2
    assert dict(os.environ) == before
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "/operator/choice")
    runtime.prepare_environment()
    assert os.environ["TIKTOKEN_CACHE_DIR"] == "/operator/choice"
