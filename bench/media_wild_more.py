"""A second wave of cases for bench/media_wild_eval.py (`--set more`), made another way again:

- memos spoken by CMU Flite (Debian `flite`: voices slt, rms, awb, kal16), a synthesiser unlike
  espeak-ng, and by espeak-ng voices and speeds the first wave lacks (en-us-nyc, en-gb-x-gbclan,
  en-gb-x-gbcwmd, 110 and 225 words a minute), each through a sox effect chain: a telephone line
  (300-3400 Hz band-pass at 8 kHz), room reverb, white noise at about 20 dB below the speech, or a
  quiet recorder (gain -18 dB) — in new wordings ("Kim here", "you can reach me on", "I was born on");
- screens photographed rather than captured: the first wave's app pages (and an invoice table and a
  delivery label it lacks) rendered by Chromium, then turned into a photo of a monitor with Pillow
  (keystone perspective, a slight turn, blur, lower contrast, a grey surround, JPEG at quality 55).

Decoys of both kinds hold no personal data (train times, chores, release notes; the decoy pages).
"""

from __future__ import annotations

import html
import io
import random
import subprocess
import tempfile
from pathlib import Path

import media_wild_cases as wild
from media_samples import ensure_tool

FLITE_VOICES = ("slt", "rms", "awb", "kal16")
ESPEAK_VOICES = ("en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd")
EFFECTS = {
    "phone": ["rate", "8000", "sinc", "300-3400", "rate", "16000"],
    "reverb": ["reverb", "60", "50", "80"],
    "noise": [],  # mixed in by _noisy
    "quiet": ["gain", "-18"],
}
MEMO_SAYS = [
    ("kim_phone", lambda p: f"Hey, Kim here, that's {p['name']}. You can reach me on {p['phone'].split('x')[0]}.",
     ("person", "phone")),
    ("moved", lambda p: f"Just so you know, I moved. My new address is {p['address']}.", ("address",)),
    ("card", lambda p: f"Card details for the booking: {wild._groups(p['card'])}, it expires {p['expiry']}.",
     ("payment_card",)),
    ("iban", lambda p: f"Please pay the invoice into IBAN {wild._groups(p['iban'])}, thanks.", ("iban",)),
    ("health", lambda p: f"{p['name']} speaking. My doctor says my blood sugar is too high, I have type two diabetes.",
     ("person", "health")),
    ("email", lambda p: f"You can email me at {p['email'].replace('@', ' at ').replace('.', ' dot ')}.", ("email",)),
    ("born", lambda p: f"I was born on {p['dob'].strftime('%B %d, %Y')}, and my name is {p['name']}.",
     ("person", "date_of_birth")),
]
MEMO_DECOYS = [
    "The train to Leeds leaves from platform nine at half past four.",
    "Remember to water the plants on Friday and to buy milk on the way home.",
    "Version four point two fixed the login bug and two crashes on start-up.",
    "The board meeting on the third of March moved to room twelve, bring the slides.",
]


def memos() -> list[tuple[str, str, bytes, tuple[str, ...] | None]]:
    """(kind, variant, 16 kHz mono wav, planted kinds or None for a decoy)."""
    out = []
    says = [(kind, say(wild._person(("en_US", "en_GB")[n % 2], 1300 + n)), planted)
            for n, (kind, say, planted) in enumerate(MEMO_SAYS)]
    says += [(f"decoy{n}", text, None) for n, text in enumerate(MEMO_DECOYS)]
    for n, (kind, text, planted) in enumerate(says):
        effect = tuple(EFFECTS)[n % len(EFFECTS)]
        flite = FLITE_VOICES[n % len(FLITE_VOICES)]
        out.append((kind, f"flite-{flite}:{effect}", _effect(_flite(text, flite), effect, n), planted))
        voice, speed = ESPEAK_VOICES[n % len(ESPEAK_VOICES)], (110, 225)[n % 2]
        other = tuple(EFFECTS)[(n + 1) % len(EFFECTS)]
        out.append((kind, f"{voice}:{speed}:{other}", _effect(_espeak(text, voice, speed), other, n), planted))
    return out


def _flite(text: str, voice: str) -> bytes:
    binary = ensure_tool("flite", "flite")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flite.wav"
        subprocess.run([binary, "-voice", voice, "-t", text, "-o", str(path)], check=True, capture_output=True,
                       timeout=60)
        return path.read_bytes()


def _espeak(text: str, voice: str, speed: int) -> bytes:
    binary = ensure_tool("espeak-ng", "espeak-ng")
    return subprocess.run([binary, "-v", voice, "-s", str(speed), "--stdout", text], check=True,
                          capture_output=True, timeout=60).stdout


def _effect(wav: bytes, effect: str, seed: int) -> bytes:
    """`wav` through sox's `effect` chain as 16 kHz mono 16-bit (no dither: the same bytes every run)."""
    sox = ensure_tool("sox", "sox")
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        source.write_bytes(wav)
        subprocess.run([sox, "-D", str(source), "-r", "16000", "-c", "1", "-b", "16", str(target), *EFFECTS[effect]],
                       check=True, capture_output=True, timeout=60)
        data = target.read_bytes()
    return _noisy(data, seed) if effect == "noise" else data


def _noisy(wav: bytes, seed: int) -> bytes:
    """White noise at about 20 dB below the speech's RMS, seeded (the same bytes every run)."""
    import wave

    import numpy as np

    with wave.open(io.BytesIO(wav)) as source:
        params = source.getparams()
        samples = np.frombuffer(source.readframes(params.nframes), dtype="<i2").astype(np.float64)
    rms = float(np.sqrt(np.mean(samples ** 2))) or 1.0
    noise = np.random.default_rng(seed).normal(0.0, rms / 10, samples.shape)
    mixed = np.clip(samples + noise, -32768, 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setparams(params)
        target.writeframes(mixed.tobytes())
    return out.getvalue()


def invoice(p: dict) -> tuple[str, tuple[str, ...]]:
    body = ("<h1>Invoice 2026-0412</h1><table><tr><th>Bill to</th><th>Ship to</th></tr>"
            f"<tr><td>{html.escape(p['name'])}<br>{html.escape(p['address'])}</td>"
            f"<td>{html.escape(p['company'])}<br>Tel. {html.escape(p['phone'])}</td></tr></table>"
            "<h2>Items</h2><table><tr><th>Item</th><th>Qty</th><th>Price</th></tr>"
            "<tr><td>Desk lamp</td><td>2</td><td>39.90</td></tr><tr><td>Shipping</td><td>1</td><td>4.95</td></tr></table>")
    return wild._frame("Billing", ["Invoices", "Customers", "Payments"], body), ("person", "address", "phone")


def delivery_label(p: dict) -> tuple[str, tuple[str, ...]]:
    body = ("<div style='border:3px solid;padding:14px;width:420px;font-size:1.3em'><b>DELIVER TO</b><br>"
            f"{html.escape(p['name'])}<br>{html.escape(p['address']).replace(', ', '<br>', 1)}<br>"
            f"Phone {html.escape(p['phone'])}<hr>Parcel 1 of 1 &nbsp; 2.4 kg &nbsp; Tracking 4Q81-7723</div>")
    return wild._frame("Parcel label", ["Labels", "Pick-ups"], body), ("person", "address", "phone")


PHOTO_LOOK = wild.Look("photo", "'Liberation Sans',Arial,sans-serif", 15)


def pages() -> list[tuple[str, str, str, tuple[str, ...] | None]]:
    """(page kind, variant, html, planted kinds or None): every page once in the photographed look,
    the two new layouts also in two of the first wave's looks."""
    makers = {**wild.POSITIVE_PAGES, "invoice": invoice, "delivery_label": delivery_label}
    out = []
    for i, (kind, make) in enumerate(makers.items()):
        looks = [PHOTO_LOOK] + ([wild.LOOKS[0], wild.LOOKS[2]] if kind in ("invoice", "delivery_label") else [])
        for j, look in enumerate(looks):
            locale = wild.LOCALES[(i + 2 * j + 5) % len(wild.LOCALES)]
            p = wild._person(locale, 2000 + 10 * i + j)
            body, planted = make(p, wild._person(locale, 2500 + i)) if kind == "spreadsheet" else make(p)
            out.append((kind, f"{look.name}:{locale}", wild.page_html(body, look), planted))
    for kind, make in wild.DECOY_PAGES.items():
        out.append((kind, PHOTO_LOOK.name, wild.page_html(make(), PHOTO_LOOK), None))
    return out


def photographed(png: bytes, seed: int) -> bytes:
    """A screenshot as a phone's photo of the monitor showing it (see the module docstring)."""
    from PIL import Image, ImageEnhance, ImageFilter

    rng = random.Random(seed)
    shot = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = shot.size
    canvas = Image.new("RGB", (int(w * 1.12), int(h * 1.12)), (58, 60, 64))
    canvas.paste(shot, (int(w * 0.06), int(h * 0.06)))
    cw, ch = canvas.size
    d = [rng.uniform(0.01, 0.035) * cw for _ in range(4)]
    # keystone: the top edge narrower than the bottom, as from a camera held below the screen's centre
    # (Pillow's QUAD: the source's upper-left, lower-left, lower-right and upper-right corners)
    quad = (d[0], rng.uniform(0, 0.02) * ch, d[3] * 0.3, ch, cw - d[2] * 0.3, ch,
            cw - d[1], rng.uniform(0, 0.02) * ch)
    photo = canvas.transform((cw, ch), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC)
    photo = photo.rotate(rng.uniform(-2.0, 2.0), Image.Resampling.BICUBIC, fillcolor=(58, 60, 64))
    photo = photo.filter(ImageFilter.GaussianBlur(0.8))
    photo = ImageEnhance.Contrast(photo).enhance(0.8)
    photo = ImageEnhance.Brightness(photo).enhance(rng.uniform(0.85, 1.05))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=55)
    return out.getvalue()
