"""Local vision models in classify and decide: the llava_anyres token rule, the gateway's shrink
counted in estimates, and who may receive an image URL."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from router.classify.tokens import TokenRule, image_tokens, llava_anyres_image_tokens
from router.pipeline import plan
from router.policy import compile_policy
from router.profile import ImageInfo

PINS = ((224, 112), (112, 224), (224, 224), (336, 112), (112, 336))


@pytest.mark.parametrize("size, tokens", [
    ((100, 80), 64),  # fits one tile: the overview only
    ((112, 112), 64),
    ((200, 100), 64 * 3),  # 224x112: two tiles + overview
    ((640, 480), 64 * 5),  # 224x224
    ((300, 900), 64 * 4),  # 112x336
    ((1000, 300), 64 * 4),  # 336x112
    ((113, 500), 64 * 4),  # tall and narrow: 112x336 keeps the most pixels
])
def test_llava_anyres_counts_like_llama_cpp(size, tokens):
    """Values measured through llama.cpp's mtmd with the tiny projector (tests/integration/test_vlm.py)."""
    assert llava_anyres_image_tokens(*size, 112, 64, PINS) == tokens


def test_llava_anyres_without_pinpoints_is_one_tile_and_unknown_sizes_take_the_most_tiles():
    assert llava_anyres_image_tokens(4000, 3000, 336, 576, ()) == 576
    rule = TokenRule(image_rule="llava_anyres", image_tile_px=112, image_tile_tokens=64, image_grid_pinpoints=PINS)
    assert image_tokens(ImageInfo("m", None, None, None, "auto", 0), rule) == 64 * 5


def test_images_are_counted_at_the_size_the_gateway_shrinks_them_to():
    rule = TokenRule(image_rule="qwen2vl", image_max_tokens=4096, max_image_pixels=1_048_576)
    big = ImageInfo("m", "jpeg", 4000, 3000, "auto", 1)
    assert image_tokens(big, rule) == image_tokens(ImageInfo("m", "jpeg", 1182, 886, "auto", 1),
                                                   TokenRule(image_rule="qwen2vl", image_max_tokens=4096))
    assert image_tokens(big, rule) < image_tokens(big, TokenRule(image_rule="qwen2vl", image_max_tokens=4096))


POLICY = """
version: 1
auth: {{mode: open}}
media: {{fetch: {{enabled: {fetch}}}}}
models:
  - {{id: local-vlm, kind: llamacpp, path: v.gguf, mmproj: p.gguf, chat_handler: Qwen25VLChatHandler,
     modalities: [text, image], max_image_pixels: 1048576}}
  - {{id: cloud, kind: litellm, model: openai/gpt-4o, modalities: [text, image], image_urls: {urls}}}
rules:
  - id: private
    when: {{data_class_at_least: confidential}}
    route: [local-vlm]
  - id: routine
    route: [local-vlm]
    fallbacks: [cloud]
"""


def body(url: str, text: str = "What is in this picture?") -> dict:
    return {"model": "auto", "messages": [{"role": "user", "content": [
        {"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": url}}]}]}


def inline(width: int, height: int) -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (1, 2, 3)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize("fetch, urls, model, local_reason", [
    ("false", "forward", "cloud", "takes no image URLs: media.fetch is off (send images inline)"),
    ("true", "forward", "local-vlm", "eligible"),
])
def test_an_image_url_goes_only_where_it_may_be_fetched(fetch, urls, model, local_reason):
    policy = compile_policy(POLICY.format(fetch=fetch, urls=urls))
    _, decision = plan(policy, body("https://images.example/cat.png"), {})
    assert decision.model == model
    assert next(c.reason for c in decision.candidates if c.model == "local-vlm") == local_reason


def test_a_cloud_model_refusing_urls_and_no_fetching_leaves_a_422_with_both_reasons():
    policy = compile_policy(POLICY.format(fetch="false", urls="refuse"))
    _, decision = plan(policy, body("https://images.example/cat.png"), {})
    assert decision.error is not None and decision.error.status == 422
    reasons = {c.model: c.reason for c in decision.candidates}
    assert reasons == {"local-vlm": "takes no image URLs: media.fetch is off (send images inline)",
                       "cloud": "takes no image URLs (image_urls: refuse)"}


def test_a_private_image_url_never_leaves_when_local_models_may_not_fetch():
    policy = compile_policy(POLICY.format(fetch="false", urls="forward"))
    _, decision = plan(policy, body("https://images.example/cat.png", "Patient Maria Keller, born 1961-04-12"),
                       {"x-turnout-data-class": "restricted"})
    assert decision.error is not None and decision.error.status == 422 and decision.model is None


def test_inline_images_are_untouched_by_url_rules():
    policy = compile_policy(POLICY.format(fetch="false", urls="refuse"))
    _, decision = plan(policy, body(inline(4000, 3000)), {})
    assert decision.model == "local-vlm"
    shrunk = decision.profile.input_tokens["local-vlm"]
    unshrunk = compile_policy(POLICY.format(fetch="false", urls="refuse").replace(
        "max_image_pixels: 1048576", "max_image_pixels: 50000000"))
    assert shrunk < plan(unshrunk, body(inline(4000, 3000)), {})[1].profile.input_tokens["local-vlm"]
