"""Builds the Classifier a policy asks for: token rules per model, privacy detectors, media sampling."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from router.classify import Classifier
from router.classify.complexity import ComplexityScorer, HeuristicScorer
from router.classify.learned import LearnedScorer, load_model
from router.classify.media import MediaLimits, VideoSampling
from router.classify.privacy import CustomPattern, PrivacyConfig, PrivacyScanner
from router.classify.thorough import THOROUGH_KINDS, DetectorSetting, ThoroughConfig, ThoroughScanner
from router.classify.tokens import TRANSCRIPT_TOKENS_PER_S, TokenRule, default_rule_for
from router.policy import ComplexitySpec, Policy


def token_rule(model) -> TokenRule:
    """The policy's explicit token rule for `model`, else the default for its family; a model taking
    images as OCR text or audio as a transcript counts them as that text (tokens.OCR_PIXELS_PER_TOKEN)."""
    rule = _declared_rule(model)
    if getattr(model, "image_input", None) == "ocr":
        rule = replace(rule, image_rule="ocr")
    if getattr(model, "audio_input", None) == "transcribe":
        rule = replace(rule, audio_tokens_per_s=TRANSCRIPT_TOKENS_PER_S)
    return rule


def _declared_rule(model) -> TokenRule:
    """The policy's explicit token rule for `model`, else the default for its family. Images for a
    llama.cpp model are counted at the size the gateway shrinks them to (its max_image_pixels)."""
    base = default_rule_for(getattr(model, "model", None), local=model.location == "local")
    shrink = getattr(model, "max_image_pixels", None)
    if model.tokens is None:
        return replace(base, max_image_pixels=shrink)
    return TokenRule(
        encoding=model.tokens.encoding,
        image_rule=model.tokens.image_rule,
        image_fixed_tokens=model.tokens.image_fixed_tokens,
        audio_tokens_per_s=base.audio_tokens_per_s,
        video_tokens_per_frame=base.video_tokens_per_frame,
        image_max_tokens=base.image_max_tokens,
        file_tokens_per_page=base.file_tokens_per_page,
        image_tile_px=model.tokens.image_tile_px,
        image_tile_tokens=model.tokens.image_tile_tokens,
        image_grid_pinpoints=tuple(tuple(p) for p in model.tokens.image_grid_pinpoints),
        max_image_pixels=shrink,
    )


def build_scorer(spec: ComplexitySpec, base: Path) -> ComplexityScorer:
    """The scorer `complexity:` names; a relative model path resolves against `base` (the policy's
    directory). ScorerModelError naming the file when it cannot be read or run."""
    if spec.scorer == "heuristic":
        return HeuristicScorer()
    return LearnedScorer(load_model(None if spec.model is None else base / Path(spec.model).expanduser()))


def thorough_config(spec: Policy) -> ThoroughConfig:
    """The policy's `privacy.detectors` as the thorough scanner reads them."""
    detectors = spec.privacy.detectors
    settings = {}
    for kind in THOROUGH_KINDS:
        detector = getattr(detectors, kind)
        settings[kind] = DetectorSetting(enabled=detector.enabled, data_class=detector.data_class,
                                         role_words=tuple(getattr(detector, "role_words", ())))
    return ThoroughConfig(detectors=settings)


def build_classifier(spec: Policy, limits: MediaLimits | None = None,
                     scorer: ComplexityScorer | None = None) -> Classifier:
    """ValueError naming the detector when a custom pattern does not compile. `scorer` defaults to the
    shipped learned model."""
    privacy = PrivacyConfig(
        custom=tuple(CustomPattern(name=c.name, regex=c.regex, keywords=tuple(c.keywords), data_class=c.data_class)
                     for c in spec.privacy.custom),
        phone_regions=tuple(spec.privacy.phone_regions) if spec.privacy.phone_regions else None,
        disabled=frozenset(spec.privacy.disabled),
    )
    scanner = PrivacyScanner(privacy)
    return Classifier(
        token_rules={m.id: token_rule(m) for m in spec.models},
        privacy=scanner,
        thorough=ThoroughScanner(scanner, thorough_config(spec)),
        limits=limits or MediaLimits(),
        video=VideoSampling(fps=spec.media.video_fps, max_frames=spec.media.video_max_frames,
                            assumed_duration_s=spec.media.video_assumed_duration_s),
        default_output_tokens=spec.defaults.output_tokens,
        scorer=scorer,
    )
