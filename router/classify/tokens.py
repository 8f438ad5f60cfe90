"""Prompt token estimates per target model, offline.

Text is counted with tiktoken (`o200k_base` or `cl100k_base`); the BPE files come from the copy
litellm ships, so nothing is downloaded. Media are counted with each provider's published formula,
chosen by a `TokenRule`. Estimates err on the large side where a provider leaves room: a prompt
that is under-counted could be sent to a model whose context window it does not fit.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backends.image_prep import fitted_size
from router.profile import AudioInfo, FileInfo, ImageInfo, VideoInfo

ENCODINGS = ("o200k_base", "cl100k_base")
IMAGE_RULES = ("openai", "anthropic", "gemini", "qwen2vl", "llava_anyres", "fixed", "ocr")
# A text-only model taking images as OCR text (image_input: ocr): before the text is read, an image counts
# as the most text it could hold legibly, about one token (4 characters) per 32x32 pixels, capped at
# OCR_MAX_TOKENS; TRANSCRIPT_TOKENS_PER_S bounds a transcript (fast speech is ~3-4 tokens a second).
OCR_PIXELS_PER_TOKEN, OCR_MAX_TOKENS, TRANSCRIPT_TOKENS_PER_S = 1024, 4096, 5.0


@dataclass(frozen=True, slots=True)
class TokenRule:
    """How one model counts a prompt.

    Message overheads follow OpenAI's cookbook ("How to count tokens with tiktoken"): 3 tokens per
    message, 1 per `name`, 3 to prime the reply. `image_max_tokens` bounds the qwen2vl rule only;
    `image_tile_px`, `image_tile_tokens` and `image_grid_pinpoints` describe the llava_anyres rule.
    `max_image_pixels` (local models) is the size the gateway shrinks images to before the model
    sees them (backends.image_prep): every rule then counts the shrunk size.
    """

    encoding: str = "o200k_base"
    image_rule: str = "openai"
    image_fixed_tokens: int = 256
    image_max_tokens: int = 16384
    image_tile_px: int = 336
    image_tile_tokens: int = 576
    image_grid_pinpoints: tuple[tuple[int, int], ...] = ()
    max_image_pixels: int | None = None
    audio_tokens_per_s: float = 10.0
    video_tokens_per_frame: int = 258
    file_tokens_per_page: int = 1500
    tokens_per_message: int = 3
    tokens_per_name: int = 1
    tokens_per_reply: int = 3

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding {self.encoding!r}; allowed: {', '.join(ENCODINGS)}")
        if self.image_rule not in IMAGE_RULES:
            raise ValueError(f"unknown image_rule {self.image_rule!r}; allowed: {', '.join(IMAGE_RULES)}")


# Audio: OpenAI's realtime/audio models bill ~1 token per 100 ms of input; Gemini documents 32 tokens
# a second and 258 per video frame (sampled at 1 fps); Qwen2-Audio/Qwen2.5-Omni emit one token per
# 40 ms (25 a second). Models without audio or video input get the OpenAI values: decide keeps such
# requests away from them by modality, the number only has to be finite.
_OPENAI = TokenRule("o200k_base", "openai", audio_tokens_per_s=10.0, video_tokens_per_frame=765)
_OPENAI_LEGACY = TokenRule("cl100k_base", "openai", audio_tokens_per_s=10.0, video_tokens_per_frame=765)
_ANTHROPIC = TokenRule("cl100k_base", "anthropic", audio_tokens_per_s=10.0, video_tokens_per_frame=1640)
_GEMINI = TokenRule("o200k_base", "gemini", audio_tokens_per_s=32.0, video_tokens_per_frame=258)
# Local models run on llama.cpp, whose clip.cpp caps the Qwen-VL projectors at
# set_limit_image_tokens(8, 4096); Qwen2.5-VL video frames are capped at 768 tokens per frame pair.
_LOCAL = TokenRule("o200k_base", "qwen2vl", image_max_tokens=4096, audio_tokens_per_s=25.0,
                   video_tokens_per_frame=384)


def default_rule_for(litellm_model: str | None, local: bool) -> TokenRule:
    """The rule for a model when the policy names none.

    local -> o200k + qwen2vl; claude/anthropic -> cl100k + anthropic (Claude's tokenizer is not
    public; cl100k is the usual stand-in); gemini -> o200k + gemini; gpt-4 and gpt-3.5 -> cl100k +
    openai; anything else (gpt-4o, gpt-4.1, gpt-5, o-series, unknown) -> o200k + openai.
    """
    if local:
        return _LOCAL
    name = (litellm_model or "").lower()
    base = name.rsplit("/", 1)[-1]
    if "claude" in name or name.startswith("anthropic/"):
        return _ANTHROPIC
    if "gemini" in name:
        return _GEMINI
    legacy_gpt4 = base.startswith("gpt-4") and not base.startswith(("gpt-4o", "gpt-4."))
    if legacy_gpt4 or base.startswith(("gpt-3.5", "gpt-35")):
        return _OPENAI_LEGACY
    return _OPENAI


# ----------------------------------------------------------------------------------------- image formulas

def openai_image_tokens(width: int, height: int, detail: str = "auto") -> int:
    """OpenAI's tile formula (GPT-4o, GPT-4.1, GPT-4.5, o1, o3).

    Source: platform.openai.com/docs/guides/images-vision, "Calculating costs". `low`: 85 tokens.
    `high`: scale to fit 2048x2048, then scale so the shortest side is 768, count 512-px tiles:
    170 per tile + 85. `auto` lets the API pick, so it is counted as `high` (the upper bound).
    The docs' examples: 1024x1024 high -> 765; 2048x4096 high -> 1105; 4096x8192 low -> 85.
    (The -mini models use other constants and a 32-px patch formula; this rule overstates those.)
    """
    if detail == "low":
        return 85
    longest = max(width, height)
    if longest > 2048:
        width, height = width * 2048 // longest, height * 2048 // longest
    shortest = min(width, height)
    if shortest > 768:
        width, height = width * 768 // shortest, height * 768 // shortest
    return 85 + 170 * math.ceil(width / 512) * math.ceil(height / 512)


ANTHROPIC_MAX_EDGE = 1568
ANTHROPIC_MAX_PIXELS = 784 * 1568  # the largest image the docs' table lists as not resized (~1,640 tokens)


def anthropic_image_tokens(width: int, height: int) -> int:
    """Anthropic: tokens = width * height / 750 after the API's downscaling.

    Source: docs.anthropic.com/en/docs/build-with-claude/vision, "Evaluate image size": an image
    whose long edge exceeds 1568 px, or that is more than ~1,600 tokens, is scaled down preserving
    aspect ratio; the table of sizes kept as they are tops out at 784x1568 (1.23 MP), which is
    taken as the pixel ceiling. Docs' examples: 200x200 -> ~54, 1000x1000 -> ~1334, 1092x1092 -> ~1590.
    """
    scale = min(1.0, ANTHROPIC_MAX_EDGE / max(width, height), math.sqrt(ANTHROPIC_MAX_PIXELS / (width * height)))
    if scale < 1.0:
        width, height = max(1, int(width * scale)), max(1, int(height * scale))
    return math.ceil(width * height / 750)


def gemini_image_tokens(width: int, height: int) -> int:
    """Gemini 2.x: 258 tokens when both sides are <= 384 px, else 258 per 768x768 tile.

    Source: ai.google.dev/gemini-api/docs/tokens ("image inputs with both dimensions <= 384 pixels
    are counted as 258 tokens. Images larger in one or both dimensions are cropped and scaled as
    needed into tiles of 768x768 pixels, each counted as 258 tokens"); tiles = ceil(w/768)*ceil(h/768).
    """
    if width <= 384 and height <= 384:
        return 258
    return 258 * math.ceil(width / 768) * math.ceil(height / 768)


QWEN_FACTOR = 28  # 14-px ViT patches merged 2x2: one token per 28x28 pixels


def qwen2vl_image_tokens(width: int, height: int, *, min_tokens: int = 4, max_tokens: int = 16384) -> int:
    """Qwen2-VL / Qwen2.5-VL: `smart_resize`, then one token per 28x28 block, + 2 delimiters.

    Sources: QwenLM qwen-vl-utils `vision_process.py` (IMAGE_FACTOR=28, MIN_PIXELS=4*28*28,
    MAX_PIXELS=16384*28*28) and llama.cpp `mtmd-image.cpp` `calc_size_preserved_ratio` (the same
    algorithm; clip.cpp sets the Qwen-VL limits to 8..4096 tokens). Each side is rounded to a
    multiple of 28; if the area leaves [min_tokens, max_tokens] * 28^2 it is rescaled (floor when
    shrinking, ceil when growing). Tokens = (h/28) * (w/28) + 2 (<|vision_start|>, <|vision_end|>).
    Example: 1000x1000 -> 1008x1008 -> 36*36 + 2 = 1298.
    """
    f = QWEN_FACTOR
    min_pixels, max_pixels = min_tokens * f * f, max_tokens * f * f
    w_bar = max(f, math.floor(width / f + 0.5) * f)  # std::round: halves away from zero
    h_bar = max(f, math.floor(height / f + 0.5) * f)
    if w_bar * h_bar > max_pixels:
        beta = math.sqrt(width * height / max_pixels)
        w_bar = max(f, math.floor(width / beta / f) * f)
        h_bar = max(f, math.floor(height / beta / f) * f)
    elif w_bar * h_bar < min_pixels:
        beta = math.sqrt(min_pixels / (width * height))
        w_bar = math.ceil(width * beta / f) * f
        h_bar = math.ceil(height * beta / f) * f
    return (w_bar // f) * (h_bar // f) + 2


# Remote images are never fetched, so their size is unknown. Where the provider bounds the cost
# (OpenAI high detail: 768x2048 after scaling = 8 tiles = 1445; Anthropic: 1640) that bound is
# used; otherwise (gemini, qwen2vl) the image is assumed 2048x2048, the size the cloud APIs fit
# large photos into.
UNKNOWN_IMAGE_SIZE = (2048, 2048)


def llava_anyres_image_tokens(width: int, height: int, tile_px: int, tile_tokens: int,
                              pinpoints: tuple[tuple[int, int], ...]) -> int:
    """LLaVA-1.6 "anyres" as llama.cpp's mtmd does it (mtmd-image.cpp, llava_uhd preprocessor).

    An image that fits in one tile (both sides <= tile_px), or a projector without grid
    pinpoints, is one overview tile. A larger one also gets the tiles of the best pinpoint
    resolution: the one whose aspect-kept downscale keeps the most of the image's pixels (ties:
    the least padding). Tokens = tile_tokens * (1 + tiles). Example, tile 112 px / 64 tokens,
    pinpoints 224x112, 224x224, ...: 100x80 -> 64; 200x100 -> 64 * (1 + 2) = 192.
    """
    if not pinpoints or (width <= tile_px and height <= tile_px):
        return tile_tokens
    best, most, least_waste = pinpoints[0], -1, None
    for cand_w, cand_h in pinpoints:
        scale = min(cand_w / width, cand_h / height)
        effective = min(int(width * scale) * int(height * scale), width * height)
        waste = cand_w * cand_h - effective
        if effective > most or (effective == most and waste < least_waste):
            best, most, least_waste = (cand_w, cand_h), effective, waste
    tiles = math.ceil(best[0] / tile_px) * math.ceil(best[1] / tile_px)
    return tile_tokens * (1 + tiles)


def image_tokens(image: ImageInfo, rule: TokenRule) -> int:
    """Tokens for one image under `rule`; unknown sizes per UNKNOWN_IMAGE_SIZE's note."""
    if rule.image_rule == "fixed":
        return rule.image_fixed_tokens
    if rule.image_rule == "ocr":
        width, height = (image.width or UNKNOWN_IMAGE_SIZE[0], image.height or UNKNOWN_IMAGE_SIZE[1])
        return min(OCR_MAX_TOKENS, math.ceil(width * height / OCR_PIXELS_PER_TOKEN)) + 16
    known = image.width is not None and image.height is not None
    width, height = (image.width, image.height) if known else UNKNOWN_IMAGE_SIZE
    if known and rule.max_image_pixels is not None:
        width, height = fitted_size(width, height, rule.max_image_pixels)
    if rule.image_rule == "llava_anyres":
        if not known:  # the most tiles any pinpoint gives
            return max([rule.image_tile_tokens * (1 + math.ceil(w / rule.image_tile_px) * math.ceil(h / rule.image_tile_px))
                        for w, h in rule.image_grid_pinpoints] or [rule.image_tile_tokens])
        return llava_anyres_image_tokens(width, height, rule.image_tile_px, rule.image_tile_tokens,
                                         rule.image_grid_pinpoints)
    if rule.image_rule == "openai":
        return openai_image_tokens(width, height, image.detail) if known else \
            openai_image_tokens(768, 2048, image.detail)
    if rule.image_rule == "anthropic":
        return anthropic_image_tokens(width, height) if known else math.ceil(ANTHROPIC_MAX_PIXELS / 750)
    if rule.image_rule == "gemini":
        return gemini_image_tokens(width, height)
    return qwen2vl_image_tokens(width, height, max_tokens=rule.image_max_tokens)


# -------------------------------------------------------------------------------------------- counting

LONG_TEXT_CHARS = 64 * 1024
_SAMPLE_WINDOWS, _SAMPLE_CHARS = 8, 4096
_SAMPLE_MARGIN = 1.05
# A second encoding is scaled from the first above this many characters: windows spread over the text are
# encoded with both and their ratio applied to the exact count (rounded up 3%).
SCALE_ABOVE_CHARS, _SCALE_WINDOWS, _SCALE_WINDOW_CHARS, _SCALE_MARGIN = 2048, 4, 192, 1.03
PDF_BYTES_PER_PAGE = 50_000  # PDFs whose page count is unknown: a mixed text-and-figures page
UNKNOWN_FILE_PAGES = 10  # files known only by an uploaded file_id
BYTES_PER_TOKEN = 4  # other files: OpenAI's rule of thumb, ~4 characters a token


@dataclass(frozen=True, slots=True)
class PromptParts:
    """What a prompt is made of, as far as counting goes: all its text joined, its media, its shape."""

    text: str = ""
    messages: int = 0
    names: int = 0
    images: tuple[ImageInfo, ...] = ()
    audio: tuple[AudioInfo, ...] = ()
    videos: tuple[VideoInfo, ...] = ()
    files: tuple[FileInfo, ...] = ()


def tokenizer_dir() -> str | None:
    """litellm's bundled BPE files, located without importing litellm (slow, and it goes online)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
    return str(path) if path.is_dir() else None


class TokenCounter:
    """Counts prompt tokens per rule. Construct once at start-up: it loads the encodings (~0.5 s).

    tiktoken finds its files offline through TIKTOKEN_CACHE_DIR, which the entry points set first
    (router.runtime.prepare_environment: litellm's tokenizer directory, see `tokenizer_dir`); this
    class reads the environment, never writes it. Encodings are tiktoken's process-wide singletons,
    shared by all counters.
    """

    def __init__(self, encodings: tuple[str, ...] = ENCODINGS) -> None:
        import tiktoken  # deferred: keeps importing this module cheap

        self._encodings: dict[str, Any] = {name: tiktoken.get_encoding(name) for name in encodings}

    def count_text(self, text: str, encoding: str) -> int:
        """Tokens of `text` as plain text (special-token strings are not special).

        Exact up to LONG_TEXT_CHARS (64 Ki characters). Longer text is estimated: 8 windows of 4,096
        characters spread evenly over it are encoded, their tokens-per-character ratio is scaled to
        the whole length and rounded up 5%, so a 300 KB log costs ~1 ms instead of ~20 ms and errs
        on the large side.
        """
        if not text:
            return 0
        encoder = self._encodings[encoding]
        if len(text) <= LONG_TEXT_CHARS:
            return len(encoder.encode_ordinary(text))
        step = (len(text) - _SAMPLE_CHARS) // (_SAMPLE_WINDOWS - 1)
        sample = [text[i * step:i * step + _SAMPLE_CHARS] for i in range(_SAMPLE_WINDOWS)]
        tokens = sum(len(encoder.encode_ordinary(part)) for part in sample)
        return math.ceil(tokens / (_SAMPLE_WINDOWS * _SAMPLE_CHARS) * len(text) * _SAMPLE_MARGIN)

    def estimate(self, parts: PromptParts, rule: TokenRule) -> int:
        """Prompt tokens of `parts` for a model counting by `rule`: text + media + message overheads."""
        return self.count_text(parts.text, rule.encoding) + media_tokens(parts, rule)

    def estimate_many(self, parts: PromptParts, rules: Mapping[str, TokenRule]) -> dict[str, int]:
        """`estimate` for every model id in `rules`, encoding the text fully once.

        The encoding most rules use is counted exactly (see `count_text`); any other is counted
        exactly for short text and, past SCALE_ABOVE_CHARS, scaled from the exact count by the two
        encodings' ratio over four windows spread over the text, rounded up 3% — about a third of
        the cost of a second full encoding, and within a few percent on prose, code and JSON.
        """
        by_use: dict[str, int] = {}  # rules per encoding, in first-use order
        for rule in rules.values():
            by_use[rule.encoding] = by_use.get(rule.encoding, 0) + 1
        text_tokens: dict[str, int] = {}
        if by_use:
            primary = max(by_use, key=by_use.__getitem__)  # the most used; on a tie, the first used
            text_tokens[primary] = self.count_text(parts.text, primary)
            for encoding in by_use:
                if encoding != primary:
                    text_tokens[encoding] = self._scaled(parts.text, primary, text_tokens[primary], encoding)
        return {model: text_tokens[rule.encoding] + media_tokens(parts, rule) for model, rule in rules.items()}

    def _scaled(self, text: str, known: str, known_tokens: int, encoding: str) -> int:
        if len(text) <= SCALE_ABOVE_CHARS:
            return self.count_text(text, encoding)
        step = (len(text) - _SCALE_WINDOW_CHARS) // (_SCALE_WINDOWS - 1)
        window = "\n".join(text[i * step:i * step + _SCALE_WINDOW_CHARS] for i in range(_SCALE_WINDOWS))
        base = len(self._encodings[known].encode_ordinary(window))
        if base == 0:
            return self.count_text(text, encoding)
        ratio = len(self._encodings[encoding].encode_ordinary(window)) / base
        return math.ceil(known_tokens * ratio * _SCALE_MARGIN)


def media_tokens(parts: PromptParts, rule: TokenRule) -> int:
    """Everything but the text: images, audio, video frames, files and per-message overheads."""
    total = parts.messages * rule.tokens_per_message + parts.names * rule.tokens_per_name
    if parts.messages:
        total += rule.tokens_per_reply
    # Each kind only when present: this runs per model per request, and most prompts are text alone.
    if parts.images:
        total += sum(image_tokens(image, rule) for image in parts.images)
    if parts.audio:
        total += sum(math.ceil(clip.duration_s * rule.audio_tokens_per_s) for clip in parts.audio)
    if parts.videos:
        total += sum(video.frames * rule.video_tokens_per_frame for video in parts.videos)
    if parts.files:
        total += sum(file_tokens(file, rule) for file in parts.files)
    return total


def file_tokens(file: FileInfo, rule: TokenRule) -> int:
    """PDFs: pages * rule.file_tokens_per_page (Anthropic's PDF docs: 1,500-3,000 tokens a page, text
    plus page image); pages unknown -> size / 50 KB. Files known only by id: 10 pages. Others: bytes / 4."""
    if file.nbytes == 0:
        return UNKNOWN_FILE_PAGES * rule.file_tokens_per_page
    if file.mime == "application/pdf":
        pages = file.pages or max(1, math.ceil(file.nbytes / PDF_BYTES_PER_PAGE))
        return pages * rule.file_tokens_per_page
    return math.ceil(file.nbytes / BYTES_PER_TOKEN)
