"""Token estimates: provider image formulas against the providers' own examples, text, media, rules."""

from __future__ import annotations

import json

import pytest

from router.classify.tokens import (
    PromptParts, TokenCounter, TokenRule, anthropic_image_tokens, default_rule_for, file_tokens,
    gemini_image_tokens, image_tokens, media_tokens, openai_image_tokens, qwen2vl_image_tokens,
)
from router.profile import AudioInfo, FileInfo, ImageInfo, VideoInfo


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    return TokenCounter()


@pytest.mark.parametrize("width, height, detail, tokens", [
    (1024, 1024, "high", 765),  # docs: 768x768 after scaling, 4 tiles
    (2048, 4096, "high", 1105),  # docs: 1024x2048 -> 768x1536, 6 tiles
    (4096, 8192, "low", 85),  # docs: low is flat
    (1024, 1024, "auto", 765),  # auto counted as high
    (512, 512, "high", 255),  # no upscaling: one tile
    (100, 100, "high", 255),
    (768, 2048, "high", 1445),  # the high-detail maximum: 2 x 4 tiles
    (4000, 3000, "high", 765),  # 2048x1536 -> 1024x768: 2 x 2 tiles
])
def test_openai_tiles(width, height, detail, tokens):
    assert openai_image_tokens(width, height, detail) == tokens


@pytest.mark.parametrize("width, height, tokens", [
    (200, 200, 54),  # docs: ~54
    (1000, 1000, 1334),  # docs: ~1334
    (1092, 1092, 1590),  # docs: ~1590, kept as is
    (784, 1568, 1640),  # the largest size the docs keep as is: 1,229,312 / 750
    (3136, 100, 105),  # long edge 1568: 1568x50
    (4000, 3000, 1639),  # scaled to 1280x960
])
def test_anthropic_pixels_over_750(width, height, tokens):
    assert anthropic_image_tokens(width, height) == tokens


@pytest.mark.parametrize("width, height, tokens", [
    (384, 384, 258), (100, 300, 258),  # both sides <= 384: one flat 258
    (385, 384, 258),  # larger: one 768 tile
    (600, 400, 258),
    (1920, 1080, 6 * 258),  # 3 x 2 tiles
    (4000, 3000, 6 * 4 * 258),
])
def test_gemini_tiles(width, height, tokens):
    assert gemini_image_tokens(width, height) == tokens


@pytest.mark.parametrize("width, height, max_tokens, tokens", [
    (1000, 1000, 16384, 36 * 36 + 2),  # 1008x1008
    (640, 480, 16384, 23 * 17 + 2),  # 644x476
    (4000, 3000, 16384, 143 * 107 + 2),  # 4004x2996, under 16384*28^2
    (4000, 3000, 4096, 73 * 55 + 2),  # llama.cpp's cap: beta = sqrt(12e6 / (4096*784)) = 1.933
    (1920, 1080, 4096, 69 * 39 + 2),
    (10, 10, 16384, 2 * 2 + 2),  # grown to min_pixels = 4*28*28: 56x56
])
def test_qwen2vl_smart_resize(width, height, max_tokens, tokens):
    assert qwen2vl_image_tokens(width, height, max_tokens=max_tokens) == tokens


def image(width=None, height=None, detail="auto") -> ImageInfo:
    return ImageInfo("w", "png" if width else None, width, height, detail, 0)


@pytest.mark.parametrize("rule, info, tokens", [
    (TokenRule(image_rule="openai"), image(None, None, "high"), 1445),  # remote: the tile maximum
    (TokenRule(image_rule="openai"), image(None, None, "low"), 85),
    (TokenRule(image_rule="anthropic"), image(), 1640),
    (TokenRule(image_rule="gemini"), image(), 9 * 258),  # assumed 2048x2048
    (TokenRule(image_rule="qwen2vl", image_max_tokens=4096), image(), 4096 + 2),
    (TokenRule(image_rule="fixed", image_fixed_tokens=576), image(4000, 3000), 576),
    (TokenRule(image_rule="openai"), image(1024, 1024, "low"), 85),
])
def test_image_tokens_by_rule(rule, info, tokens):
    assert image_tokens(info, rule) == tokens


@pytest.mark.parametrize("model, local, encoding, image_rule", [
    ("openai/gpt-4o", False, "o200k_base", "openai"),
    ("gpt-4.1-mini", False, "o200k_base", "openai"),
    ("o3-mini", False, "o200k_base", "openai"),
    ("azure/gpt-4-turbo", False, "cl100k_base", "openai"),
    ("gpt-3.5-turbo", False, "cl100k_base", "openai"),
    ("anthropic/claude-sonnet-4-5", False, "cl100k_base", "anthropic"),
    ("bedrock/anthropic.claude-3-haiku", False, "cl100k_base", "anthropic"),
    ("gemini/gemini-2.5-flash", False, "o200k_base", "gemini"),
    ("vertex_ai/gemini-2.0-pro", False, "o200k_base", "gemini"),
    ("mistral/mistral-large", False, "o200k_base", "openai"),
    (None, False, "o200k_base", "openai"),
    ("qwen2.5-vl-7b-q4", True, "o200k_base", "qwen2vl"),
    ("openai/gpt-4o", True, "o200k_base", "qwen2vl"),  # served locally: the local rule wins
])
def test_default_rules(model, local, encoding, image_rule):
    rule = default_rule_for(model, local)
    assert (rule.encoding, rule.image_rule) == (encoding, image_rule)


def test_gemini_media_rates():
    rule = default_rule_for("gemini/gemini-2.5-pro", False)
    assert (rule.audio_tokens_per_s, rule.video_tokens_per_frame) == (32.0, 258)


@pytest.mark.parametrize("field, value", [("encoding", "r50k_base"), ("image_rule", "llava")])
def test_rules_reject_unknown_names(field, value):
    with pytest.raises(ValueError, match="allowed"):
        TokenRule(**{field: value})


@pytest.mark.parametrize("text, encoding, tokens", [
    ("", "o200k_base", 0),
    ("hello world", "o200k_base", 2),
    ("hello world", "cl100k_base", 2),
    ("<|endoftext|>", "cl100k_base", 7),  # a special token's text is plain text here
])
def test_count_text(counter, text, encoding, tokens):
    assert counter.count_text(text, encoding) == tokens


@pytest.mark.parametrize("unit", ["The warehouse log records deliveries. ", "x7Qp-9z/", "Größe über Straße. "])
def test_long_text_estimate_errs_a_little_on_the_large_side(counter, unit):
    text = unit * (300_000 // len(unit))
    exact = len(counter._encodings["o200k_base"].encode_ordinary(text))
    assert exact <= counter.count_text(text, "o200k_base") <= exact * 1.12


def test_estimate_adds_message_overheads_and_media(counter):
    rule = TokenRule(image_rule="openai", audio_tokens_per_s=10.0, video_tokens_per_frame=100)
    parts = PromptParts(
        text="hello world", messages=2, names=1,
        images=(image(1024, 1024, "high"),), audio=(AudioInfo("a", "wav", 2.05),),
        videos=(VideoInfo("v", 30),),
    )
    # text 2 + messages 2*3 + name 1 + reply 3 + image 765 + audio ceil(20.5) + video 30*100
    assert counter.estimate(parts, rule) == 2 + 6 + 1 + 3 + 765 + 21 + 3000


def test_estimate_many_has_one_entry_per_model(counter):
    rules = {"cloud": default_rule_for("gpt-4o", False), "claude": default_rule_for("claude-3-5-sonnet", False),
             "local": default_rule_for(None, True)}
    parts = PromptParts(text="hello world", messages=1, images=(image(1000, 1000),))
    estimates = counter.estimate_many(parts, rules)
    assert estimates == {model: counter.estimate(parts, rule) for model, rule in rules.items()}
    assert estimates["cloud"] == 2 + 6 + 765 and estimates["claude"] == 2 + 6 + 1334
    assert estimates["local"] == 2 + 6 + 1298


@pytest.mark.parametrize("info, tokens", [
    (FileInfo("f", "application/pdf", 200_000, pages=3), 3 * 1500),
    (FileInfo("f", "application/pdf", 120_000), 3 * 1500),  # pages unknown: 50 KB a page
    (FileInfo("f", "text/csv", 4001), 1001),  # ~4 bytes a token
    (FileInfo("f", "application/octet-stream", 0), 10 * 1500),  # only a file_id: 10 pages assumed
])
def test_file_tokens(info, tokens):
    assert file_tokens(info, TokenRule()) == tokens


def test_media_tokens_of_an_empty_prompt_is_zero():
    assert media_tokens(PromptParts(), TokenRule()) == 0


_PROSE = "The operations team reviewed the quarterly maintenance schedule, noting delays. " * 60
_CHINESE = "运营团队审查了季度维护计划，并注意到北方仓库的供应商交货延迟。" * 80
_JSON = json.dumps([{"id": i, "name": f"item-{i}", "price": i * 1.5, "tags": ["a", "b"]} for i in range(120)])


@pytest.mark.parametrize("text", [
    _PROSE, _CHINESE, _JSON, _CHINESE[:1500] + _PROSE, _PROSE + _JSON,
    "Die Betriebsmannschaft überprüfte den vierteljährlichen Wartungsplan. " * 50,
], ids=["prose", "chinese", "json", "chinese-then-english", "prose-then-json", "german"])
def test_a_second_encoding_is_scaled_within_a_few_percent_above_the_exact_count(counter, text):
    rules = {"gpt": default_rule_for("gpt-4o", False), "gemini": default_rule_for("gemini/gemini-2.5-pro", False),
             "claude": default_rule_for("claude-3-5-sonnet", False)}
    estimates = counter.estimate_many(PromptParts(text=text), rules)
    assert estimates["gpt"] == counter.count_text(text, "o200k_base")  # the majority encoding is exact
    exact = counter.count_text(text, "cl100k_base")
    assert exact <= estimates["claude"] <= exact * 1.08


def test_short_text_is_counted_exactly_in_every_encoding(counter):
    text = "Summarise the incident report in two sentences. " * 10
    rules = {"gpt": default_rule_for("gpt-4o", False), "claude": default_rule_for("claude-3-5-sonnet", False)}
    estimates = counter.estimate_many(PromptParts(text=text), rules)
    assert estimates == {"gpt": counter.count_text(text, "o200k_base"),
                         "claude": counter.count_text(text, "cl100k_base")}
