"""The media engines as Ray Serve deployments of their own, and the reader the ingress uses to reach them.

Each replica loads its engine once, in its constructor (never in the ingress), and asks Ray for the
CPU/GPU share the policy's `media.ocr` / `media.speech` give; the ingress only holds their handles
(`RayReader`), so its start-up and its microsecond path import no OCR or speech library.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ray import serve
from ray.serve.handle import DeploymentHandle

from router.engines import MediaUnreadable, OcrEngine, SpeechEngine, Transcript


@serve.deployment(ray_actor_options={"num_cpus": 1})
class OcrDeployment:
    """One replica, one PP-OCRv4 engine. Answers {"text": ...} or {"error": ...} (unreadable payload)."""

    def __init__(self, use_cuda: bool = False) -> None:
        self.engine = OcrEngine(use_cuda=use_cuda)

    async def read(self, data: bytes, max_pixels: int) -> dict[str, Any]:
        try:
            return {"text": await asyncio.to_thread(self.engine.read, data, max_pixels)}
        except MediaUnreadable as exc:
            return {"error": str(exc)}


@serve.deployment(ray_actor_options={"num_cpus": 1})
class SpeechDeployment:
    """One replica, one Whisper base engine (assembled under `model_dir` on first start)."""

    def __init__(self, model_dir: str, device: str = "cpu") -> None:
        self.engine = SpeechEngine(Path(model_dir), device=device)

    async def transcribe(self, data: bytes, fmt: str, language: str | None) -> dict[str, Any]:
        try:
            return (await asyncio.to_thread(self.engine.transcribe, data, fmt, language)).as_dict()
        except MediaUnreadable as exc:
            return {"error": str(exc)}


class RayReader:
    """MediaReader over the engines' deployment handles (router/readers.py's protocol)."""

    def __init__(self, ocr: DeploymentHandle, speech: DeploymentHandle) -> None:
        self.ocr = ocr
        self.speech = speech

    async def image_text(self, data: bytes, *, max_pixels: int) -> str:
        answer = await self.ocr.read.remote(data, max_pixels)
        if "error" in answer:
            raise MediaUnreadable(answer["error"])
        return answer["text"]

    async def transcribe(self, data: bytes, fmt: str, *, language: str | None = None) -> Transcript:
        answer = await self.speech.transcribe.remote(data, fmt, language)
        if "error" in answer:
            raise MediaUnreadable(answer["error"])
        return Transcript.from_dict(answer)


def bind_engines(policy, model_dir: Path) -> dict[str, Any]:
    """The two engine deployments, sized by the policy's `media.ocr` and `media.speech`."""
    ocr, speech = policy.spec.media.ocr, policy.spec.media.speech
    return {
        "ocr": OcrDeployment.options(
            name="media-ocr", num_replicas=ocr.replicas, max_ongoing_requests=ocr.max_ongoing_requests,
            ray_actor_options={"num_cpus": ocr.num_cpus, "num_gpus": ocr.num_gpus},
        ).bind(ocr.num_gpus > 0),
        "speech": SpeechDeployment.options(
            name="media-speech", num_replicas=speech.replicas, max_ongoing_requests=speech.max_ongoing_requests,
            ray_actor_options={"num_cpus": speech.num_cpus, "num_gpus": speech.num_gpus},
        ).bind(str(model_dir), "cuda" if speech.num_gpus > 0 else "cpu"),
    }
