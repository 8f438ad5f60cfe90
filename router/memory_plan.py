"""Will a local model fit on its GPU? Memory estimates from GGUF headers and the policy.

For every llama.cpp model the policy names, `estimate()` reads the GGUF header (memory-mapped;
no tensor is read; tensor sizes from the `gguf` package's type table) and adds up what llama.cpp
allocates:

- weights: the sum of the tensors' sizes, as stored (the quantization is in the file);
- KV cache: for each layer, n_ctx cells x KV heads x (key + value head size) x bytes per element
  of the policy's `kv_cache_type` (f16 2, q8_0 34/32, q4_0 18/32). Sliding-window layers (gemma2,
  gemma3) count in full: llama-cpp-python loads them with llama.cpp's full-size SWA cache;
- projector: the mmproj file's tensors, for vision models;
- compute margin: llama.cpp's compute buffers are not in the header. The stated margin is the
  larger of the two big buffers one batch needs — logits (n_vocab x n_batch x 4 bytes) and,
  without flash attention, attention scores (n_ctx x n_batch x heads x 4 bytes) — plus 10 % of
  weights and cache, plus 64 MiB for the projector's vision encoder when there is one (checked
  only against a tiny projector here: bench/memory_plan.py).

One replica holds one copy of all of this (llama-cpp-python runs one sequence per replica, in
`n_ctx` cells); replicas that share a GPU (`num_gpus` < 1) multiply it. `check_fit` compares the
per-GPU total with the policy's `gpus.vram_gib`: above it the policy is refused, above
`gpus.headroom` of it a warning; both name the model, the estimate and what to change.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backends.gguf_files import resolve_model_path
from router.policy import LlamaCppModel
from router.runtime import local_model_file, mmproj_file

MiB = 1024 * 1024
GiB = 1024 * MiB
KV_BYTES = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
N_BATCH = 512


@dataclass(frozen=True, slots=True)
class GgufShape:
    """What the header says about a model's size and attention."""

    arch: str
    weights_bytes: int
    layers: int
    n_embd: int
    n_vocab: int
    heads: int
    kv_heads: tuple[int, ...]  # per layer
    key_length: int
    value_length: int


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


_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_MAX_ARRAY_KEPT = 4096  # longer arrays (the tokenizer's) are skipped; only their length is kept


class _Header:
    """A GGUF header read straight from the file: metadata (arrays longer than _MAX_ARRAY_KEPT
    become their length) and each tensor's byte size. gguf.GGUFReader parses every tokenizer
    string into numpy views, which takes a minute for a 262k-token vocabulary on these cores;
    this reads the same header in well under a second, with the gguf package's type sizes."""

    def __init__(self, path: Path) -> None:
        import mmap

        import gguf

        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            self.data, self.pos = data, 4
            if data[:4] != b"GGUF":
                raise ValueError("no GGUF magic")
            version, n_tensors, n_kv = self._read("<IQQ")
            if version < 2:
                raise ValueError(f"GGUF version {version} is too old")
            self.fields = {}
            for _ in range(n_kv):
                key = self._string()
                (kind,) = self._read("<I")
                self.fields[key] = self._value(kind)
            self.tensor_bytes = 0
            for _ in range(n_tensors):
                self._string()
                (dims,) = self._read("<I")
                shape = self._read(f"<{dims}Q")
                kind, _offset = self._read("<IQ")
                block, size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(kind)]
                self.tensor_bytes += math.prod(shape) // block * size
            del self.data

    def _read(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def _string(self) -> str:
        (n,) = self._read("<Q")
        self.pos += n
        return bytes(self.data[self.pos - n:self.pos]).decode("utf-8", "replace")

    def _value(self, kind: int) -> Any:
        if kind == _STRING:
            return self._string()
        if kind in _SCALARS:
            return self._read(_SCALARS[kind])[0]
        if kind != _ARRAY:
            raise ValueError(f"unknown GGUF value type {kind}")
        item, n = self._read("<IQ")
        if n > _MAX_ARRAY_KEPT:
            if item == _STRING:
                for _ in range(n):
                    (length,) = struct.unpack_from("<Q", self.data, self.pos)
                    self.pos += 8 + length
            elif item in _SCALARS:
                self.pos += n * struct.calcsize(_SCALARS[item])
            else:
                raise ValueError("nested GGUF arrays are not supported")
            return n
        return [self._value(item) for _ in range(n)]


def read_shape(path: Path) -> GgufShape:
    """The header facts `estimate` needs. ValueError naming the file when it is not a usable GGUF."""
    try:
        header = _Header(path)
    except (OSError, ValueError, struct.error, KeyError) as exc:
        raise ValueError(f"{path}: not a readable GGUF file: {exc}") from None
    fields = header.fields
    arch = str(fields.get("general.architecture", ""))

    def key(name: str, default: Any = None) -> Any:
        return fields.get(f"{arch}.{name}", default)

    layers = int(key("block_count", 0) or 0)
    n_embd = int(key("embedding_length", 0) or 0)
    heads = key("attention.head_count", 1) or 1
    heads = int(max(heads) if isinstance(heads, list) else heads)
    kv = key("attention.head_count_kv", heads)
    kv_heads = tuple(int(v) for v in kv) if isinstance(kv, list) else (int(kv),) * layers
    head_dim = n_embd // heads if heads else 0
    tokens = fields.get("tokenizer.ggml.tokens")
    n_vocab = int(key("vocab_size", 0) or (tokens if isinstance(tokens, int) else len(tokens or ())))
    return GgufShape(arch=arch, weights_bytes=header.tensor_bytes, layers=layers, n_embd=n_embd, n_vocab=n_vocab,
                     heads=heads, kv_heads=kv_heads, key_length=int(key("attention.key_length", head_dim)),
                     value_length=int(key("attention.value_length", head_dim)))


def tensor_bytes(path: Path) -> int:
    try:
        return _Header(path).tensor_bytes
    except (OSError, ValueError, struct.error, KeyError) as exc:
        raise ValueError(f"{path}: not a readable GGUF file: {exc}") from None


def kv_cache_bytes(shape: GgufShape, n_ctx: int, kv_cache_type: str = "f16") -> int:
    """The KV cache llama.cpp allocates for `n_ctx` cells, every layer in full."""
    per_cell = sum(heads * (shape.key_length + shape.value_length) for heads in shape.kv_heads)
    return int(n_ctx * per_cell * KV_BYTES[kv_cache_type])


def estimate(model: Any, model_path: Path, mmproj_path: Path | None) -> MemoryEstimate:
    """The memory one replica of `model` (a policy LlamaCppModel) needs, and copies per GPU."""
    shape = read_shape(model_path)
    kv = kv_cache_bytes(shape, model.n_ctx, model.kv_cache_type)
    projector = tensor_bytes(mmproj_path) if mmproj_path is not None else 0
    buffers = max(shape.n_vocab * N_BATCH * 4, model.n_ctx * N_BATCH * shape.heads * 4)
    margin = buffers + int(0.10 * (shape.weights_bytes + kv))
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
