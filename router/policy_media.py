"""The policy's `media:` and `complexity:` sections, and `gpus:`: the engines that read media, video
sampling, fetching image URLs for local models, the complexity scorer, and the GPUs local models run on."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator

from router.policy_base import Spec


class ComplexitySpec(Spec):
    scorer: Literal["learned", "heuristic"] = Field(
        "learned", description="'learned': the probability that a small local model fails where a flagship "
                               "succeeds, from a model trained on labelled outcomes (`turnout scorer train`); "
                               "'heuristic': keyword and shape rules")
    model: str | None = Field(
        None, description="scorer model file written by `turnout scorer train` (relative paths resolve against "
                          "the policy file's directory); default: the model shipped with Turnout")


class EngineSpec(Spec):
    replicas: int = Field(1, ge=1, description="Ray Serve replicas, each loading the engine once")
    num_cpus: float = Field(0.5, ge=0, description="CPU share each replica asks Ray for")
    num_gpus: float = Field(0.0, ge=0, description="GPU share each replica asks Ray for (> 0 runs it on CUDA)")
    max_ongoing_requests: int = Field(2, ge=1, description="media a replica reads at once")


class MediaFetch(Spec):
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
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not a CIDR range; expected e.g. '10.20.0.0/16'") from None
        return value


class GpuSpec(Spec):
    vram_gib: float = Field(gt=0, description="GPU memory of one GPU in the worker group that runs local models (GiB)")
    headroom: float = Field(0.9, gt=0, le=1, description="share of vram_gib a model's estimate may use before "
                                                         "`turnout policy check` warns")


class Media(Spec):
    ocr: EngineSpec = Field(default_factory=EngineSpec, description="the OCR engine (PP-OCRv4 via rapidocr)")
    speech: EngineSpec = Field(default_factory=EngineSpec,
                               description="the speech-to-text engine (Whisper base via faster-whisper)")
    fetch: MediaFetch = Field(default_factory=MediaFetch, description="fetching image URLs for local models")
    video_fps: float = Field(1.0, gt=0, description="frames sampled per second of video")
    video_max_frames: int = Field(32, ge=1, description="most frames sampled from one video")
    video_assumed_duration_s: float = Field(30.0, gt=0, description="duration assumed for a video URL")

