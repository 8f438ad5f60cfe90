"""The deployment files agree with each other and with the code they name."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from router.app import AppArgs

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# Where things are on a machine: the only args a cluster may set differently from serve.yaml.
LOCATION_ARGS = {"policy", "model_dir", "redis_url"}


def _yaml(text: str):
    return YAML(typ="safe").load(text)


@pytest.fixture(scope="module")
def rayservice() -> dict:
    return _yaml((DEPLOY / "rayservice.yaml").read_text())


@pytest.fixture(scope="module")
def serve_config() -> dict:
    return _yaml((DEPLOY / "serve.yaml").read_text())


def test_serve_yaml_and_rayservice_carry_the_same_app_and_args(rayservice: dict, serve_config: dict) -> None:
    cluster = _yaml(rayservice["spec"]["serveConfigV2"])
    assert [a["name"] for a in cluster["applications"]] == [a["name"] for a in serve_config["applications"]]
    for local, remote in zip(serve_config["applications"], cluster["applications"]):
        for key in ("route_prefix", "import_path", "runtime_env"):
            assert remote.get(key) == local.get(key), key
        local_args, remote_args = local["args"], remote["args"]
        assert set(local_args) <= set(remote_args), set(local_args) - set(remote_args)
        differing = {k for k in remote_args if k not in LOCATION_ARGS and remote_args[k] != local_args.get(k)}
        assert not differing, {k: (local_args.get(k), remote_args[k]) for k in differing}
        AppArgs.model_validate(local_args)
        AppArgs.model_validate(remote_args)
    for key in ("proxy_location", "http_options"):
        assert cluster[key] == serve_config[key]


def test_every_pod_runs_one_image_and_mounts_policy_and_models(rayservice: dict) -> None:
    cluster = _yaml(rayservice["spec"]["serveConfigV2"])
    args = cluster["applications"][0]["args"]
    groups = [rayservice["spec"]["rayClusterConfig"]["headGroupSpec"]]
    groups += rayservice["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    images = set()
    for group in groups:
        pod = group["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in pod["containers"]:
            images.add(container["image"])
            mounts = {m["mountPath"]: volumes[m["name"]] for m in container["volumeMounts"]}
            assert str(Path(args["policy"]).parent) in mounts, container["name"]
            assert args["model_dir"] in mounts, container["name"]
            env = {e["name"]: e.get("value") for e in container["env"]}
            assert env["RAY_SERVE_ENABLE_HA_PROXY"] == "1"
    assert len(images) == 1, images


def test_head_is_cpu_only_and_the_gpu_group_asks_for_gpus(rayservice: dict) -> None:
    config = rayservice["spec"]["rayClusterConfig"]
    assert config["headGroupSpec"]["rayStartParams"]["num-gpus"] == "0"
    head = config["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert "nvidia.com/gpu" not in head["resources"]["limits"]
    gpu = next(g for g in config["workerGroupSpecs"] if g["groupName"] == "gpu")
    pod = gpu["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert pod["nodeSelector"] and pod["tolerations"]


def test_dockerfile_builds_one_image_with_llama_cpp_cmake_args_as_build_arg() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert "ARG LLAMA_CMAKE_ARGS" in text and 'CMAKE_ARGS="${LLAMA_CMAKE_ARGS}"' in text
    for path in ("router", "backends", "policies", "pyproject.toml"):
        assert f"COPY {path}" in text
