"""Real media made on the spot for tests and bench/media.py: Pillow-drawn screenshots, a noisy rotated
card, decoys (a chart, a product photo), and espeak-ng speech (installed with apt when missing, as
the suite's other system tools are)."""

from __future__ import annotations

import base64
import io
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

APT_LOCK = "/tmp/turnout-apt.lock"


def font(size: int = 26) -> ImageFont.FreeTypeFont:
    """Pillow's bundled scalable font (no system fonts needed)."""
    return ImageFont.load_default(size=size)


def png(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def screenshot(lines: list[str], width: int = 900, size: int = 26) -> bytes:
    """An app window: a title bar, then `lines` of dark text on white."""
    height = 70 + len(lines) * (size + 18)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 40), fill=(52, 73, 94))
    draw.text((16, 8), "CRM - Customer record", fill="white", font=font(20))
    for n, line in enumerate(lines):
        draw.text((24, 60 + n * (size + 18)), line, fill=(20, 20, 20), font=font(size))
    return png(image)


LIBERATION_SANS = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")


def system_font(path: Path, package: str, size: int) -> ImageFont.FreeTypeFont:
    """A system font file, installing its Debian `package` under the suite's apt lock when missing."""
    if not path.exists():
        command = f"apt-get install -y {package} >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && " \
                  f"apt-get install -y {package} >/dev/null 2>&1)"
        subprocess.run(["flock", APT_LOCK, "sh", "-c", command], check=False, timeout=600)
    if not path.exists():
        raise RuntimeError(f"{path} is missing and `apt-get install {package}` did not install it")
    return ImageFont.truetype(str(path), size)


def chat_screenshot(lines: list[str], size: int = 13) -> bytes:
    """A chat app's own messages: white text in Liberation Sans on blue bubbles, each under a small
    "You", as a browser draws them (small print in a coloured box: PP-OCR's angle classifier turns
    some of these lines upside down before reading them)."""
    text, label = system_font(LIBERATION_SANS, "fonts-liberation", size), system_font(LIBERATION_SANS,
                                                                                        "fonts-liberation", 10)
    image = Image.new("RGB", (700, 60 * len(lines) + 20), "white")
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.rounded_rectangle((10, 10 + n * 60, 690, 52 + n * 60), radius=12, fill=(47, 111, 223))
        draw.text((22, 14 + n * 60), "You", font=label, fill=(40, 60, 120))
        draw.text((22, 28 + n * 60), line, font=text, fill="white")
    return png(image)


def document_card(lines: list[str], angle: float = 6.0, noise: float = 18.0, seed: int = 7) -> bytes:
    """A scanned ID-like card: a border, a photo box, text, sensor noise, a slight blur and a rotation."""
    rng = random.Random(seed)
    image = Image.new("RGB", (860, 380), (238, 236, 226))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((10, 10, 850, 370), radius=24, outline=(90, 90, 90), width=4)
    draw.rectangle((34, 70, 214, 300), fill=(180, 186, 196))
    draw.text((250, 28), "EMPLOYEE CARD", fill=(30, 30, 90), font=font(30))
    for n, line in enumerate(lines):
        draw.text((250, 90 + n * 52), line, fill=(15, 15, 15), font=font(30))
    pixels = image.load()
    for y in range(image.height):
        for x in range(image.width):
            r, g, b = pixels[x, y]
            d = int(rng.gauss(0, noise))
            pixels[x, y] = (max(0, min(255, r + d)), max(0, min(255, g + d)), max(0, min(255, b + d)))
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    page = Image.new("RGB", (1000, 560), (250, 250, 250))
    page.paste(image, (70, 90))
    return png(page.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(250, 250, 250)), "JPEG")


def bar_chart() -> bytes:
    """A decoy: a quarterly revenue chart (axis labels, percentages, no personal data)."""
    image = Image.new("RGB", (800, 500), "white")
    draw = ImageDraw.Draw(image)
    draw.text((240, 16), "Revenue by quarter (EUR k)", fill="black", font=font(26))
    draw.line((80, 440, 760, 440), fill="black", width=2)
    draw.line((80, 440, 80, 70), fill="black", width=2)
    for n, (label, value) in enumerate((("Q1", 120), ("Q2", 185), ("Q3", 240), ("Q4", 310))):
        x = 130 + n * 160
        draw.rectangle((x, 440 - value, x + 90, 440), fill=(66, 133, 244))
        draw.text((x + 25, 450), label, fill="black", font=font(22))
        draw.text((x + 20, 440 - value - 30), f"{value}", fill="black", font=font(22))
    draw.text((560, 80), "+12% YoY", fill=(0, 120, 0), font=font(22))
    return png(image)


def product_photo() -> bytes:
    """A decoy: a shop product shot with a price tag and an order number."""
    image = Image.new("RGB", (800, 560), (230, 232, 236))
    draw = ImageDraw.Draw(image)
    draw.ellipse((220, 90, 580, 450), fill=(190, 60, 50))
    draw.rectangle((360, 40, 440, 110), fill=(90, 60, 40))
    draw.rectangle((470, 400, 780, 540), fill="white", outline="black", width=2)
    draw.text((490, 410), "Ceramic vase", fill="black", font=font(24))
    draw.text((490, 448), "EUR 49.90", fill="black", font=font(28))
    draw.text((490, 494), "Order 100045873", fill="black", font=font(22))
    return png(image)


def ensure_tool(binary: str, package: str) -> str:
    """The path of `binary`, installing Debian `package` under the suite's apt lock when missing."""
    found = shutil.which(binary)
    if found:
        return found
    command = f"apt-get install -y {package} >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && " \
              f"apt-get install -y {package} >/dev/null 2>&1)"
    subprocess.run(["flock", APT_LOCK, "sh", "-c", command], check=False, timeout=600)
    found = shutil.which(binary)
    if not found:
        raise RuntimeError(f"{binary} is not installed and `apt-get install {package}` failed")
    return found


def speech(text: str, *, fmt: str = "wav", voice: str = "en-gb", speed: int = 130, gap: int = 4) -> bytes:
    """`text` spoken by espeak-ng (`voice`, words per minute, gap between words in 10 ms), as a 16 kHz
    mono wav, or converted by sox to `fmt`."""
    espeak = ensure_tool("espeak-ng", "espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "speech.wav"
        subprocess.run([espeak, "-v", voice, "-s", str(speed), "-g", str(gap), "-w", str(raw), text], check=True,
                       capture_output=True, timeout=60)
        sox = ensure_tool("sox", "sox")
        out = Path(tmp) / f"out.{fmt}"
        # -D: no dither, so the same text gives the same bytes, and Whisper the same reading, every run
        subprocess.run([sox, "-D", str(raw), "-r", "16000", "-c", "1", str(out)], check=True, capture_output=True,
                       timeout=60)
        return out.read_bytes()


def image_part(data: bytes, mime: str = "image/png") -> dict:
    return {"type": "image_url", "image_url": {"url": data_url(data, mime)}}


def audio_part(data: bytes, fmt: str = "wav") -> dict:
    return {"type": "input_audio", "input_audio": {"data": base64.b64encode(data).decode(), "format": fmt}}


def chat(question: str, *parts: dict, model: str = "auto", **extra) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": [{"type": "text", "text": question}, *parts]}],
            **extra}


def kinds_where(findings: list[dict]) -> list[tuple[str, str]]:
    """(kind, where) of each finding of a decision: what was found where, whichever detector found it
    (its `reason`, e.g. "read out" for a number a transcript garbled but a cue announced, explains it)."""
    return [(finding["kind"], finding["where"]) for finding in findings]
