"""The composition root: `build(settings, ...)` wires a Gateway, and nothing else does.

Ray Serve's ingress (router/app.py), `turnout serve` (through it), the CLI and the tests all call
`build`: policy store -> health board (circuit breakers) -> backends -> cache and budgets (Redis
when `redis_url` is set) -> Gateway. What differs between them is passed in: how local models are
reached (`local`: Ray deployment handles in the ingress, in-process llama.cpp engines by default),
or the backends themselves (`backends`: a test's fakes; `{}` for the dry-run), and a clock.

What a library needs in the environment is set here, at start-up, once (`prepare_environment`),
never at import. Problems a person must fix before anything can serve (missing model file, bad
policy) raise StartupError with one clear line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from backends.base import Backend
from backends.fetch import FetchRules
from backends.registry import REGISTRY
from backends.video_frames import VideoSampling
from router.breaker import BreakerConfig, Breakers
from router.budget import Budgets, RedisLedger
from router.cache import MemoryCache, RedisCache, ResponseCache
from router.classify.media import MediaLimits
from router.classify.tokens import tokenizer_dir
from router.feedback import FeedbackStore, MemoryFeedback, RedisFeedback
from router.gateway import Gateway
from router.health import HealthBoard
from router.look import MediaLook
from router.media_text import MediaAsText
from router.policy import CompiledPolicy, LiteLLMModel, LlamaCppModel, Media, PolicyError, RemoteModel, Timeouts
from router.policy_loader import load_policy
from router.policy_store import PolicyStore
from router.readers import CachedReader, LocalReader
from router.settings import Settings
from router.telemetry import Telemetry

__all__ = ["StartupError", "build", "load_store", "plan_local_models", "prepare_environment"]

# litellm fetches its price map from the internet at import unless told to use its bundled copy.
LIBRARY_ENVIRONMENT = {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}
# Ray reads these when it starts: no usage report; Ray's documented high-throughput ingress
# (ENVIRONMENT.md), which must be in the environment before Ray/Serve start.
RAY_ENVIRONMENT = {"RAY_USAGE_STATS_ENABLED": "0"}
HIGH_THROUGHPUT_ENV = {"RAY_SERVE_ENABLE_HA_PROXY": "1", "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1"}


class StartupError(Exception):
    """A one-line reason the gateway cannot start; `policy_error` keeps every located problem of a bad policy."""

    def __init__(self, message: str, policy_error: PolicyError | None = None) -> None:
        super().__init__(message)
        self.policy_error = policy_error


def prepare_environment(ray: Settings | None = None) -> None:
    """Set what libraries read from the environment (unless the operator set it: litellm's bundled
    price map, tiktoken's offline cache in litellm's tokenizer directory); with `ray`, also
    what Ray reads when `turnout serve` starts it (its HAProxy ingress unless `ingress: python`)."""
    wanted = {**LIBRARY_ENVIRONMENT, **(RAY_ENVIRONMENT if ray is not None else {})}
    tokenizers = tokenizer_dir()
    if tokenizers:  # tiktoken downloads its BPE files on first use; litellm ships the two we count with
        wanted["TIKTOKEN_CACHE_DIR"] = tokenizers
    for name, value in wanted.items():
        os.environ.setdefault(name, value)
    if ray is not None and ray.ingress == "haproxy":
        os.environ.update(HIGH_THROUGHPUT_ENV)


def build(settings: Settings, *, backends: Mapping[str, Backend] | None = None,
          local: Callable[[LlamaCppModel], Backend] | None = None, store: PolicyStore | None = None,
          clock: Callable[[], float] = time.monotonic, reader: Any = None, telemetry: Telemetry | None = None) -> Gateway:
    """A ready Gateway. `backends` replaces every built backend (models without one are "NotRunning");
    else local models come from `local(model)` (default: an in-process llama.cpp engine) and remote
    ones from the registry. `store`: a policy store already loaded from `settings.policy` (tests that
    build many gateways on one policy). `clock` (monotonic seconds) drives circuit breakers and Redis
    outages. `reader` reads inside media (OCR, speech: Ray deployments in the ingress); default the
    in-process engines, loaded on first use, behind the media cache. `telemetry`: where requests are
    recorded (tests hand in SDK providers with in-memory exporters); default the global providers."""
    prepare_environment()
    store = store or load_store(settings)
    spec = store.current.spec.defaults.circuit_breaker
    board = HealthBoard(Breakers(BreakerConfig(**spec.model_dump()), clock=clock))
    if backends is None:
        backends, board.unavailable = _backends(store.current, settings.model_dir, local)
    cache = _cache(settings, clock)
    reader = CachedReader(reader or LocalReader(settings.model_dir), store=cache)
    backends = media_as_text(store.current, dict(backends), reader)
    return Gateway(store, backends, cache=cache, budgets=_budgets(settings, clock), board=board,
                   feedback=_feedback(settings), look=MediaLook(reader), telemetry=telemetry)


def media_as_text(policy: CompiledPolicy, backends: dict[str, Backend], reader: Any) -> dict[str, Backend]:
    """`backends` with every local model that takes images as OCR text or audio as a transcript
    (`image_input: ocr`, `audio_input: transcribe`) wrapped to do so (router/media_text.py)."""
    out = dict(backends)
    for model in policy.spec.models:
        if isinstance(model, LlamaCppModel) and out.get(model.id) is not None and (model.image_input or model.audio_input):
            out[model.id] = MediaAsText(out[model.id], reader, images=model.image_input == "ocr",
                                        audio=model.audio_input == "transcribe",
                                        max_pixels=policy.spec.privacy.media.max_pixels)
    return out


def media_limits(settings: Settings) -> MediaLimits:
    return MediaLimits(max_image_bytes=settings.max_image_bytes, max_image_pixels=settings.max_image_pixels,
                       max_images=settings.max_images, max_audio_bytes=settings.max_audio_bytes,
                       max_file_bytes=settings.max_file_bytes, max_video_bytes=settings.max_video_bytes)


def load_store(settings: Settings) -> PolicyStore:
    try:
        return PolicyStore(settings.policy, loader=partial(load_policy, limits=media_limits(settings)))
    except PolicyError as exc:
        first = str(exc).splitlines()[0]
        more = len(exc.issues) - 1
        raise StartupError(f"policy not loadable: {first}" + (f" (+{more} more)" if more > 0 else ""), exc) from None


def llamacpp_options(model: LlamaCppModel, model_dir: Path, media: Media | None = None) -> dict[str, Any]:
    """Keyword arguments for REGISTRY['llamacpp'] (and the Ray deployment). `media` is the policy's
    media section: URL fetching (refused when None or disabled) and video sampling."""
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


def local_model_file(model: LlamaCppModel, model_dir: Path) -> Path | None:
    """The GGUF a local model needs; None when it comes from a package (assembled on load)."""
    if model.package:
        return None
    path = Path(model.path).expanduser()
    return path if path.is_absolute() else model_dir / path


def remote_options(model: RemoteModel, timeouts: Timeouts) -> dict[str, Any]:
    """Keyword arguments of the backend for a model reached over HTTP (litellm or OpenAI-compatible)."""
    name = {"litellm_model": model.model} if isinstance(model, LiteLLMModel) else {"model": model.model}
    return {**name, "api_base": model.api_base, "api_key_env": model.api_key_env, "timeout_s": timeouts.total_s,
            "connect_timeout_s": timeouts.connect_s, "stall_timeout_s": timeouts.first_token_s,
            "egress": model.location == "cloud"}


def missing_files(model: LlamaCppModel, model_dir: Path) -> list[Path]:
    """The GGUF (unless a package assembles it on load) and the projector, where they do not exist."""
    files = [local_model_file(model, model_dir), mmproj_file(model, model_dir)]
    return [f for f in files if f is not None and not f.is_file()]


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


def _backends(policy: CompiledPolicy, model_dir: Path, local: Callable[[LlamaCppModel], Backend] | None,
              ) -> tuple[dict[str, Backend], dict[str, str]]:
    """Backends for every model the policy names that can run here, and the ones that cannot (with why)."""
    models, unavailable = plan_local_models(policy, model_dir)
    media = policy.spec.media
    factory = local or (lambda m: REGISTRY["llamacpp"](m.id, **llamacpp_options(m, model_dir, media)))
    backends: dict[str, Backend] = {}
    for model in models:
        try:
            backends[model.id] = factory(model)
        except FileNotFoundError as exc:
            raise StartupError(f"model {model.id!r}: {exc}") from None
    timeouts = policy.spec.defaults.timeouts
    backends.update({m.id: REGISTRY[m.kind](m.id, **remote_options(m, timeouts))
                     for m in policy.spec.models if not isinstance(m, LlamaCppModel)})
    return backends, unavailable


def _cache(settings: Settings, clock: Callable[[], float]) -> ResponseCache:
    """Redis when `redis_url` is set, else the bounded in-process LRU."""
    if settings.redis_url is not None:
        return RedisCache(settings.redis_url.get_secret_value(), clock=clock)
    return MemoryCache()


def _feedback(settings: Settings) -> FeedbackStore:
    """Feedback (decisions awaiting outcomes, outcomes) in Redis when `redis_url` is set, else in-process."""
    if settings.redis_url is not None:
        return RedisFeedback(settings.redis_url.get_secret_value())
    return MemoryFeedback()


def _budgets(settings: Settings, clock: Callable[[], float]) -> Budgets:
    """Budget counters in Redis when `redis_url` is set (shared, survive restarts), else in-process."""
    if settings.redis_url is not None:
        return Budgets(RedisLedger(settings.redis_url.get_secret_value(), clock=clock))
    return Budgets()
