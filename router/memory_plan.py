"""Will a local model fit on its GPU? Memory estimates from GGUF headers and the policy.

For every llama.cpp model the policy names, `estimate()` reads the GGUF header (the `gguf`
package memory-maps the file; no tensor is read) and adds up what llama.cpp allocates:

- weights: the sum of the tensors' sizes, as stored (the quantization is in the file);
- KV cache: for each layer, cells x KV heads x (key + value head size) x bytes per element of
  the policy's `kv_cache_type` (f16 2, q8_0 34/32, q4_0 18/32). Cells are `n_ctx`; layers that
  use a sliding window (gemma2/gemma3: llama.cpp hard-codes their pattern) keep only
  window + n_batch cells, rounded up to 256, as llama.cpp's iSWA cache does;
- projector: the mmproj file's tensors, for vision models;
- compute margin: llama.cpp's compute buffers are not in the header. The stated margin is
  logits for one batch (n_vocab x n_batch x 4 bytes, the largest buffer for small models) plus
  10 % of weights and cache, plus 64 MiB for the projector's vision encoder when there is one.

One replica holds one copy of all of this (llama-cpp-python runs one sequence per replica, in
`n_ctx` cells); replicas that share a GPU (`num_gpus` < 1) multiply it. `check_fit` compares the
per-GPU total with the policy's `gpus.vram_gib`: above it the policy is refused, above
`gpus.headroom` of it a warning; both name the model, the estimate and what to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MiB = 1024 * 1024
GiB = 1024 * MiB
KV_BYTES = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
SWA_PATTERN = {"gemma2": 2, "gemma3": 6}  # every Nth layer attends to the whole context (llama.cpp)
N_BATCH = 512


@dataclass(frozen=True, slots=True)
class GgufShape:
    """What the header says about a model's size and attention."""

    arch: str
    weights_bytes: int
    layers: int
    n_embd: int
    n_vocab: int
    kv_heads: tuple[int, ...]  # per layer
    key_length: int
    value_length: int
    sliding_window: int | None


@dataclass(frozen=True, slots=True)
class MemoryEstimate:
    model: str
    weights_bytes: int
    kv_bytes: int
    projector_bytes: int
    margin_bytes: int
    copies_per_gpu: int
    offloaded: bool

    @property
    def per_replica_bytes(self) -> int:
        return self.weights_bytes + self.kv_bytes + self.projector_bytes + self.margin_bytes

    @property
    def per_gpu_bytes(self) -> int:
        return self.per_replica_bytes * self.copies_per_gpu


def _value(field: Any) -> Any:
    if hasattr(field, "contents"):
        return field.contents()
    parts = [field.parts[i] for i in field.data]
    if len(parts) == 1 and len(parts[0]) == 1:
        return parts[0][0].item() if hasattr(parts[0][0], "item") else parts[0][0]
    return [p.tobytes().decode() if p.dtype.kind == "u" and p.dtype.itemsize == 1 else p[0].item() for p in parts]


def read_shape(path: Path) -> GgufShape:
    """The header facts `estimate` needs. ValueError naming the file when it is not a usable GGUF."""
    import gguf

    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as exc:  # not a GGUF, truncated, wrong version
        raise ValueError(f"{path}: not a readable GGUF file: {exc}") from None
    fields = {name: _value(field) for name, field in reader.fields.items()}
    arch = fields.get("general.architecture")
    if isinstance(arch, (bytes, bytearray)):
        arch = arch.decode()
    weights = int(sum(int(t.n_bytes) for t in reader.tensors))

    def key(name: str, default: Any = None) -> Any:
        return fields.get(f"{arch}.{name}", default)

    layers = int(key("block_count", 0) or 0)
    n_embd = int(key("embedding_length", 0) or 0)
    heads = key("attention.head_count", 1) or 1
    heads = int(heads[0] if isinstance(heads, list) else heads)
    kv = key("attention.head_count_kv", heads)
    kv_heads = tuple(int(v) for v in kv) if isinstance(kv, list) else (int(kv),) * layers
    head_dim = n_embd // heads if heads else 0
    tokens = fields.get("tokenizer.ggml.tokens")
    n_vocab = int(key("vocab_size", 0) or (len(tokens) if isinstance(tokens, list) else 0))
    window = key("attention.sliding_window")
    return GgufShape(arch=str(arch), weights_bytes=weights, layers=layers, n_embd=n_embd, n_vocab=n_vocab,
                     kv_heads=kv_heads, key_length=int(key("attention.key_length", head_dim)),
                     value_length=int(key("attention.value_length", head_dim)),
                     sliding_window=int(window) if window else None)


def tensor_bytes(path: Path) -> int:
    import gguf

    return int(sum(int(t.n_bytes) for t in gguf.GGUFReader(str(path)).tensors))


def kv_cache_bytes(shape: GgufShape, n_ctx: int, kv_cache_type: str = "f16", n_batch: int = N_BATCH) -> int:
    """The KV cache llama.cpp allocates for `n_ctx` cells (see the module docstring for windows)."""
    pattern = SWA_PATTERN.get(shape.arch) if shape.sliding_window else None
    swa_cells = min(n_ctx, math.ceil(((shape.sliding_window or 0) + n_batch) / 256) * 256)
    total = 0.0
    for layer, heads in enumerate(shape.kv_heads):
        windowed = pattern is not None and layer % pattern < pattern - 1
        cells = swa_cells if windowed else n_ctx
        total += cells * heads * (shape.key_length + shape.value_length) * KV_BYTES[kv_cache_type]
    return int(total)


def estimate(model: Any, model_path: Path, mmproj_path: Path | None) -> MemoryEstimate:
    """The memory one replica of `model` (a policy LlamaCppModel) needs, and copies per GPU."""
    shape = read_shape(model_path)
    kv = kv_cache_bytes(shape, model.n_ctx, model.kv_cache_type)
    projector = tensor_bytes(mmproj_path) if mmproj_path is not None else 0
    margin = shape.n_vocab * N_BATCH * 4 + int(0.10 * (shape.weights_bytes + kv))
    margin += 64 * MiB if projector else 0
    copies = min(model.replicas, math.floor(1 / model.num_gpus)) if 0 < model.num_gpus < 1 else 1
    return MemoryEstimate(model.id, shape.weights_bytes, kv, projector, margin, copies, model.n_gpu_layers != 0)


def advice(item: MemoryEstimate, model: Any) -> str:
    """What would make `model` smaller, largest saving first."""
    tips = []
    if item.kv_bytes > item.weights_bytes / 4:
        tips.append(f"a smaller n_ctx (now {model.n_ctx})")
        if model.kv_cache_type == "f16":
            tips.append("kv_cache_type: q8_0")
    if item.copies_per_gpu > 1:
        tips.append(f"fewer replicas per GPU (now {item.copies_per_gpu}; raise num_gpus)")
    tips.append("a smaller quant of the GGUF (e.g. Q4_K_M)")
    return ", ".join(tips)


def gib(n: int) -> str:
    return f"{n / GiB:.2f} GiB"


@dataclass(frozen=True, slots=True)
class PlanRow:
    model: str
    estimate: MemoryEstimate | None
    note: str  # why there is no estimate, or the verdict against the declared GPU


def plan(policy: Any, model_dir: Path) -> tuple[list[PlanRow], list[str], list[str]]:
    """(rows, errors, warnings) for every llama.cpp model of `policy` (a CompiledPolicy).

    Models whose files are not present here get a row without an estimate and a warning (a
    policy may name GGUFs that only the GPU nodes hold). Errors and warnings appear only when
    the policy declares `gpus`, and only for models that offload to the GPU (n_gpu_layers != 0).
    """
    from router.policy import LlamaCppModel
    from router.runtime import local_model_file, mmproj_file

    gpus = policy.spec.gpus
    rows, errors, warnings = [], [], []
    for index, model in enumerate(policy.spec.models):
        if not isinstance(model, LlamaCppModel):
            continue
        where = f"models[{index}] ({model.id})"
        try:
            path = local_model_file(model, model_dir) or _package_file(model)
            mmproj = mmproj_file(model, model_dir)
            missing = [p for p in (path, mmproj) if p is not None and not p.is_file()]
            if missing:
                raise FileNotFoundError(f"file not found: {missing[0]}")
            item = estimate(model, path, mmproj)
        except (FileNotFoundError, ValueError) as exc:
            rows.append(PlanRow(model.id, None, str(exc)))
            warnings.append(f"{where}: no memory estimate: {exc}")
            continue
        note = "CPU only" if not item.offloaded else ""
        if gpus is not None and item.offloaded:
            vram = int(gpus.vram_gib * GiB)
            share = item.per_gpu_bytes / vram
            note = f"{share:.0%} of {gpus.vram_gib:g} GiB"
            told = (f"{where}: needs about {gib(item.per_gpu_bytes)} per GPU (weights {gib(item.weights_bytes)}, "
                    f"KV cache {gib(item.kv_bytes)} at n_ctx {model.n_ctx} {model.kv_cache_type}, projector "
                    f"{gib(item.projector_bytes)}, margin {gib(item.margin_bytes)}, x{item.copies_per_gpu} "
                    f"per GPU)")
            if item.per_gpu_bytes > vram:
                errors.append(f"{told}; gpus.vram_gib is {gpus.vram_gib:g}: it does not fit. Try "
                              f"{advice(item, model)}")
                note += " — does not fit"
            elif share > gpus.headroom:
                warnings.append(f"{told}: {share:.0%} of gpus.vram_gib {gpus.vram_gib:g}, above the "
                                f"{gpus.headroom:.0%} headroom. Consider {advice(item, model)}")
        rows.append(PlanRow(model.id, item, note))
    return rows, errors, warnings


def _package_file(model: Any) -> Path:
    from backends.llamacpp import resolve_model_path  # imports llama.cpp: only for packaged models

    return resolve_model_path(None, model.package, None, model_id=model.id)


def render_table(rows: list[PlanRow]) -> str:
    header = ("model", "weights", "KV cache", "projector", "margin", "per replica", "x/GPU", "per GPU", "note")
    lines = [header]
    for row in rows:
        e = row.estimate
        if e is None:
            lines.append((row.model, "-", "-", "-", "-", "-", "-", "-", row.note))
            continue
        lines.append((row.model, gib(e.weights_bytes), gib(e.kv_bytes), gib(e.projector_bytes), gib(e.margin_bytes),
                      gib(e.per_replica_bytes), str(e.copies_per_gpu), gib(e.per_gpu_bytes), row.note))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)
