"""Start-up: from settings and a policy to backends and a Gateway, without Ray.

`turnout serve` runs the same steps inside Ray Serve (router/app.py) with llama.cpp models in their
own deployments; in-process tests and the `uvicorn` path use local engines directly. Problems a
person must fix before anything can serve (missing model file, bad policy) raise StartupError with
one clear line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from backends.base import Backend
from router.policy import CompiledPolicy, LiteLLMModel, LlamaCppModel, Media, PolicyError, RemoteModel, Timeouts
from router.policy_store import PolicyStore
from router.settings import Settings


class StartupError(Exception):
    """A one-line reason the gateway cannot start."""


def llamacpp_options(model: LlamaCppModel, model_dir: Path, media: Media | None = None) -> dict[str, Any]:
    """Keyword arguments for backends.REGISTRY['llamacpp'] (and the Ray deployment). `media` is the
    policy's media section: URL fetching (refused when None or disabled) and video sampling."""
    from router.classify.media import VideoSampling
    from router.fetch import FetchRules

    media = media or Media()
    fetch = media.fetch
    rules = FetchRules(
        enabled=fetch.enabled, schemes=tuple(fetch.schemes), max_bytes=fetch.max_bytes, timeout_s=fetch.timeout_s,
        max_redirects=fetch.max_redirects, allow_networks=tuple(fetch.allow_networks))
    return {
        "path": model.path, "package": model.package, "model_dir": model_dir,
        "chat_format": model.chat_format, "chat_handler": model.chat_handler,
        "clip_model_path": str(mmproj_file(model, model_dir)) if model.mmproj else None,
        "n_ctx": model.n_ctx, "n_gpu_layers": model.n_gpu_layers, "embedding": "embeddings" in model.tasks,
        "kv_cache_type": model.kv_cache_type,
        "max_images": model.max_images, "max_image_pixels": model.max_image_pixels, "fetch": rules,
        "video": VideoSampling(fps=media.video_fps, max_frames=media.video_max_frames,
                               assumed_duration_s=media.video_assumed_duration_s),
    }


def mmproj_file(model: LlamaCppModel, model_dir: Path) -> Path | None:
    """The projector GGUF a vision model needs (relative paths resolve against `model_dir`)."""
    if not model.mmproj:
        return None
    path = Path(model.mmproj).expanduser()
    return path if path.is_absolute() else model_dir / path


def remote_options(model: RemoteModel, timeouts: Timeouts) -> dict[str, Any]:
    """Keyword arguments of the backend for a model reached over HTTP (litellm or OpenAI-compatible)."""
    name = {"litellm_model": model.model} if isinstance(model, LiteLLMModel) else {"model": model.model}
    return {**name, "api_base": model.api_base, "api_key_env": model.api_key_env, "timeout_s": timeouts.total_s,
            "connect_timeout_s": timeouts.connect_s, "stall_timeout_s": timeouts.first_token_s}


def local_model_file(model: LlamaCppModel, model_dir: Path) -> Path | None:
    """The GGUF a local model needs; None when it comes from a package (assembled on load)."""
    if model.package:
        return None
    path = Path(model.path).expanduser()
    return path if path.is_absolute() else model_dir / path


def missing_files(model: LlamaCppModel, model_dir: Path) -> list[Path]:
    files = [local_model_file(model, model_dir), mmproj_file(model, model_dir)]
    return [f for f in files if f is not None and not f.is_file()]


def media_limits(settings: Settings):
    from router.classify.media import MediaLimits

    return MediaLimits(max_image_bytes=settings.max_image_bytes, max_image_pixels=settings.max_image_pixels,
                       max_images=settings.max_images, max_audio_bytes=settings.max_audio_bytes,
                       max_file_bytes=settings.max_file_bytes, max_video_bytes=settings.max_video_bytes)


def load_store(settings: Settings) -> PolicyStore:
    from functools import partial

    from router.policy import load_policy

    try:
        return PolicyStore(settings.policy, loader=partial(load_policy, limits=media_limits(settings)))
    except PolicyError as exc:
        first = str(exc).splitlines()[0]
        more = len(exc.issues) - 1
        raise StartupError(f"policy not loadable: {first}" + (f" (+{more} more)" if more > 0 else "")) from None


def plan_local_models(policy: CompiledPolicy, model_dir: Path) -> tuple[list[LlamaCppModel], dict[str, str]]:
    """(local models to load, unavailable models with why). StartupError for a missing required file."""
    load, unavailable = [], {}
    for model in policy.spec.models:
        if not isinstance(model, LlamaCppModel):
            continue
        missing = missing_files(model, model_dir)
        what = "projector (mmproj) file" if missing and missing[0] == mmproj_file(model, model_dir) else "GGUF file"
        if missing and model.required:
            raise StartupError(f"model {model.id!r}: {what} not found: {missing[0]} "
                               f"(set TURNOUT_MODEL_DIR or the policy's path, or mark it 'required: false')")
        if missing:
            unavailable[model.id] = f"{what} not found: {missing[0].name} (required: false)"
        else:
            load.append(model)
    return load, unavailable


def media_as_text(policy: CompiledPolicy, backends: dict[str, Backend], reader) -> dict[str, Backend]:
    """`backends` with every local model that takes images as OCR text or audio as a transcript
    (`image_input: ocr`, `audio_input: transcribe`) wrapped to do so (router/media_text.py)."""
    from router.media_text import MediaAsText

    out = dict(backends)
    for model in policy.spec.models:
        if isinstance(model, LlamaCppModel) and model.id in out and (model.image_input or model.audio_input):
            out[model.id] = MediaAsText(out[model.id], reader, images=model.image_input == "ocr",
                                        audio=model.audio_input == "transcribe",
                                        max_pixels=policy.spec.privacy.media.max_pixels)
    return out


def make_reader(settings: Settings, cache=None):
    """The in-process media reader (OCR, speech engines loaded on first use) behind the media cache."""
    from router.readers import CachedReader, LocalReader

    return CachedReader(LocalReader(settings.model_dir), store=cache)


def build_backends(policy: CompiledPolicy, settings: Settings,
                   local_factory: Callable[[LlamaCppModel], Backend] | None = None,
                   ) -> tuple[dict[str, Backend], dict[str, str]]:
    """Backends for every model the policy names that can run here, and the ones that cannot."""
    from backends.base import REGISTRY

    local, unavailable = plan_local_models(policy, settings.model_dir)
    media = policy.spec.media
    factory = local_factory or (lambda m: REGISTRY["llamacpp"](m.id, **llamacpp_options(m, settings.model_dir, media)))
    backends: dict[str, Backend] = {}
    for model in local:
        try:
            backends[model.id] = factory(model)
        except FileNotFoundError as exc:
            raise StartupError(f"model {model.id!r}: {exc}") from None
    backends.update(remote_backends(policy))
    return backends, unavailable


def remote_backends(policy: CompiledPolicy) -> dict[str, Backend]:
    from backends.base import REGISTRY

    timeouts = policy.spec.defaults.timeouts
    return {m.id: REGISTRY[m.kind](m.id, **remote_options(m, timeouts))
            for m in policy.spec.models if not isinstance(m, LlamaCppModel)}


def build_gateway(settings: Settings, backends: Mapping[str, Backend] | None = None,
                  local_factory: Callable[[LlamaCppModel], Backend] | None = None):
    """A ready Gateway for in-process serving (tests, `uvicorn`), backends built unless given; media
    are read by in-process engines, cached in the response cache's store."""
    from router.gateway import Gateway
    from router.look import MediaLook

    store = load_store(settings)
    unavailable: dict[str, str] = {}
    if backends is None:
        backends, unavailable = build_backends(store.current, settings, local_factory)
    cache = make_cache(settings)
    reader = make_reader(settings, cache)
    backends = media_as_text(store.current, dict(backends), reader)
    gateway = Gateway(store, backends, cache=cache, budgets=make_budgets(settings), look=MediaLook(reader))
    gateway.unavailable = unavailable
    return gateway


def make_cache(settings: Settings):
    """Redis when TURNOUT_REDIS_URL is set, else the bounded in-process LRU."""
    from router.cache import MemoryCache, RedisCache

    if settings.redis_url is not None:
        return RedisCache(settings.redis_url.get_secret_value())
    return MemoryCache()


def make_budgets(settings: Settings):
    """Budget counters in Redis when TURNOUT_REDIS_URL is set (shared, survive restarts), else in-process."""
    from router.budget import Budgets, RedisLedger

    if settings.redis_url is not None:
        return Budgets(RedisLedger(settings.redis_url.get_secret_value()))
    return Budgets()
