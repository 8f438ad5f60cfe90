"""Local (llama.cpp) model entries: handler names at load, missing files at start-up, memory planning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from router.cli import main
from router.memory_plan import GiB, MiB, estimate, kv_cache_bytes, plan, read_shape
from router.policy import CHAT_HANDLERS, PolicyError, compile_policy
from router.runtime import StartupError, plan_local_models

VISION = """
version: 1
{gpus}
models:
  - id: vision
    kind: llamacpp
    path: {path}
    mmproj: {mmproj}
    chat_handler: {handler}
    n_ctx: {n_ctx}
    n_gpu_layers: {layers}
    kv_cache_type: {kv}
    modalities: [text, image]
    required: {required}
rules:
  - id: all
    route: [vision]
"""


def policy_text(**values) -> str:
    fields = {"gpus": "", "path": "model.gguf", "mmproj": "mmproj.gguf", "handler": "Qwen25VLChatHandler",
              "n_ctx": 4096, "layers": -1, "kv": "f16", "required": "true", **values}
    return VISION.format(**fields)


def write_text_model(path: Path, *, layers: int = 4, heads: int = 8, kv_heads: int = 2, width: int = 256,
                     vocab: int = 5000, tensor_mib: int = 4) -> Path:
    """A GGUF with a real llama-style header and one f32 tensor of `tensor_mib` MiB."""
    import gguf

    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_block_count(layers)
    writer.add_embedding_length(width)
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_context_length(8192)
    writer.add_token_list([f"t{i}" for i in range(vocab)])
    writer.add_tensor("token_embd.weight", np.zeros((tensor_mib * MiB // 4 // width, width), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_projector(path: Path) -> Path:
    import gguf

    writer = gguf.GGUFWriter(str(path), arch="clip")
    writer.add_tensor("mm.0.weight", np.zeros((256, 1024), np.float32))  # 1 MiB
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_unknown_chat_handler_is_refused_at_load_naming_the_allowed_ones():
    with pytest.raises(PolicyError) as err:
        compile_policy(policy_text(handler="Qwen2VLChatHandler"), "p.yaml")
    message = str(err.value)
    assert message.startswith("p.yaml:9:5: models[0].chat_handler: found 'Qwen2VLChatHandler'; allowed: ")
    for name in ("Qwen25VLChatHandler", "Llava15ChatHandler", "MTMDChatHandler", "MiniCPMv26ChatHandler"):
        assert f"'{name}'" in message


def test_the_allowed_handlers_are_exactly_llama_cpp_pythons_multimodal_ones():
    from backends.llamacpp import chat_handler_names

    assert list(CHAT_HANDLERS) == chat_handler_names()


def test_a_chat_handler_needs_its_projector():
    text = policy_text().replace("    mmproj: mmproj.gguf\n", "")
    with pytest.raises(PolicyError, match=r"models\[0\]\.chat_handler: chat_handler 'Qwen25VLChatHandler' needs 'mmproj'"):
        compile_policy(text, "p.yaml")


@pytest.mark.parametrize("missing, words", [("model", "GGUF file not found"), ("mmproj", "projector (mmproj) file not found")])
def test_a_missing_file_is_a_start_up_error_naming_its_path(tmp_path, missing, words):
    (tmp_path / "model.gguf").write_bytes(b"GGUF")
    (tmp_path / "mmproj.gguf").write_bytes(b"GGUF")
    (tmp_path / f"{missing}.gguf").unlink()
    policy = compile_policy(policy_text())
    with pytest.raises(StartupError) as err:
        plan_local_models(policy, tmp_path)
    assert f"model 'vision': {words}: {tmp_path / f'{missing}.gguf'}" in str(err.value)
    assert "required: false" in str(err.value)
    load, unavailable = plan_local_models(compile_policy(policy_text(required="false")), tmp_path)
    assert load == [] and unavailable == {"vision": f"{words}: {missing}.gguf (required: false)"}


def test_header_is_read_without_the_tokenizer_costing_anything(tmp_path):
    shape = read_shape(write_text_model(tmp_path / "m.gguf", vocab=300_000))
    assert (shape.arch, shape.layers, shape.heads, shape.kv_heads, shape.n_vocab) == ("llama", 4, 8, (2,) * 4, 300_000)
    assert (shape.key_length, shape.value_length) == (32, 32)
    assert shape.weights_bytes == 4 * MiB


def test_kv_cache_is_cells_times_layers_times_kv_heads_times_head_sizes(tmp_path):
    shape = read_shape(write_text_model(tmp_path / "m.gguf"))
    assert kv_cache_bytes(shape, 4096) == 4096 * 4 * 2 * (32 + 32) * 2
    assert kv_cache_bytes(shape, 4096, "q8_0") == int(4096 * 4 * 2 * 64 * 34 / 32)
    assert kv_cache_bytes(shape, 4096, "q4_0") == int(4096 * 4 * 2 * 64 * 18 / 32)


def test_the_gguf_that_is_not_one_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match=rf"{bad}: not a readable GGUF file"):
        read_shape(bad)


@pytest.fixture
def files(tmp_path, monkeypatch):
    write_text_model(tmp_path / "model.gguf", tensor_mib=64)
    write_projector(tmp_path / "mmproj.gguf")
    monkeypatch.setenv("TURNOUT_MODEL_DIR", str(tmp_path))
    return tmp_path


def test_estimate_adds_weights_cache_projector_and_the_stated_margin(files):
    policy = compile_policy(policy_text())
    model = policy.models["vision"]
    item = estimate(model, files / "model.gguf", files / "mmproj.gguf")
    assert item.weights_bytes == 64 * MiB and item.projector_bytes == 1 * MiB
    assert item.kv_bytes == 4096 * 4 * 2 * 64 * 2
    logits, scores = 5000 * 512 * 4, 4096 * 512 * 8 * 4
    assert item.margin_bytes == max(logits, scores) + int(0.1 * (item.weights_bytes + item.kv_bytes)) + 64 * MiB
    assert item.per_gpu_bytes == item.per_replica_bytes


def test_policy_check_refuses_a_model_that_cannot_fit_and_says_what_to_change(files, tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text(policy_text(gpus="gpus: {vram_gib: 0.1}", n_ctx=65536))
    assert main(["policy", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "models[0] (vision): needs about" in err and "gpus.vram_gib is 0.1: it does not fit" in err
    assert "a smaller n_ctx (now 65536)" in err and "kv_cache_type: q8_0" in err and "smaller quant" in err


def test_policy_check_warns_above_the_headroom_and_passes_below(files, tmp_path, capsys):
    path = tmp_path / "p.yaml"
    item = estimate(compile_policy(policy_text()).models["vision"], files / "model.gguf", files / "mmproj.gguf")
    tight = item.per_gpu_bytes / GiB / 0.95
    path.write_text(policy_text(gpus=f"gpus: {{vram_gib: {tight:.4f}}}"))
    assert main(["policy", "check", str(path)]) == 0
    assert "above the 90% headroom" in capsys.readouterr().err
    path.write_text(policy_text(gpus="gpus: {vram_gib: 24}"))
    assert main(["policy", "check", str(path)]) == 0
    captured = capsys.readouterr()
    assert "warning" not in captured.err and ": ok" in captured.out


def test_cpu_only_models_are_not_compared_with_the_gpu(files, tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text(policy_text(gpus="gpus: {vram_gib: 0.01}", layers=0))
    assert main(["policy", "check", str(path)]) == 0


def test_models_plan_prints_the_table(files, tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text(policy_text(gpus="gpus: {vram_gib: 24}"))
    assert main(["models", "plan", "--policy", str(path)]) == 0
    out = capsys.readouterr().out
    header, rule, row = out.splitlines()[:3]
    assert header.split()[:4] == ["model", "weights", "KV", "cache"]
    assert row.split()[0] == "vision" and "0.06 GiB" in row and "of 24 GiB" in row
    assert "GPU: 24 GiB declared" in out


def test_models_plan_names_files_that_are_not_here(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TURNOUT_MODEL_DIR", str(tmp_path))
    path = tmp_path / "p.yaml"
    path.write_text(policy_text())
    assert main(["models", "plan", "--policy", str(path)]) == 0
    captured = capsys.readouterr()
    assert f"file not found: {tmp_path / 'model.gguf'}" in captured.out
    assert "no memory estimate" in captured.err


def test_copies_sharing_a_gpu_multiply_the_estimate(files):
    text = policy_text().replace("    required: true\n", "    required: true\n    replicas: 3\n    num_gpus: 0.5\n")
    model = compile_policy(text).models["vision"]
    item = estimate(model, files / "model.gguf", files / "mmproj.gguf")
    assert item.copies_per_gpu == 2 and item.per_gpu_bytes == 2 * item.per_replica_bytes
    rows, errors, warnings = plan(compile_policy(text), files)
    assert rows[0].estimate == item and not errors and not warnings


async def test_an_optional_model_without_files_is_unavailable_and_says_why(tmp_path):
    import httpx

    from router.http import create_app
    from router.runtime import build_gateway
    from router.settings import Settings

    path = tmp_path / "p.yaml"
    path.write_text(policy_text(required="false").replace("version: 1\n", "version: 1\nauth: {mode: open}\n"))
    gateway = build_gateway(Settings(policy=path, model_dir=tmp_path))
    app = create_app(gateway, max_body_bytes=1024 * 1024)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        ready = (await client.get("/readyz")).json()
        answer = await client.post("/v1/chat/completions", json={
            "model": "auto", "messages": [{"role": "user", "content": "hello"}]})
    assert ready["models"]["vision"] == {"available": False, "saturated": False, "queue_depth": 0,
                                         "detail": "GGUF file not found: model.gguf (required: false)"}
    assert ready["missing_local_models"] == []  # optional: the gateway is ready without it
    assert answer.status_code == 503
    assert "GGUF file not found: model.gguf (required: false)" in answer.json()["error"]["message"]
