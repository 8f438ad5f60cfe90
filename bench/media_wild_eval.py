"""Personal data inside media made by generators unlike the look's own tests: browser-rendered app
screens and memos in other voices and languages, through the real media look.

    .venv/bin/python bench/media_wild_eval.py [--only images|audio] [--set wild|more|all] [--reads FILE]
                                              [--save DIR] [--show-misses]

bench/media_privacy_eval.py draws its screenshots with Pillow, one line of text at a time, and speaks
in two espeak-ng voices: the generator the detectors grew up with. Here headless Chromium (Debian
`chromium`, installed when missing, as tests/chromium.py does) renders HTML app screens — an e-mail
client, a CRM record, a filled-in sign-up form, a chat, a bank transfer, a card checkout, a patient
portal, a customer spreadsheet — holding Faker's people of eight countries (names, postal
addresses, phones, IBANs, e-mails, card numbers, dates of birth, health facts), in six looks (fonts
from 11 to 16 px, dark mode, device scale 1 and 2, JPEG at quality 50-70); decoys are a dashboard,
settings, a code editor, a revenue table and a docs page. Memos are spoken by espeak-ng in seven
English voices and variants at 130-200 words a minute and in German, French and Spanish, sent as
wav, mp3 or ogg (PyAV encodes them); decoy memos talk about meetings, builds and sales.

`--set more` runs the second wave instead (bench/media_wild_more.py: memos by CMU Flite and other
espeak-ng voices through telephone, reverb, noise and quiet-recorder effects; screens photographed
off a monitor, an invoice and a delivery label); `--set all` runs both, each in its own rows.

Each case goes through `look.dry_run` under policies/default.yaml with `privacy.media.timeout_s`
raised to 300 s, as bench/media_privacy_eval.py does. A positive is flagged when the decision is
confidential or above with a finding other than `unreadable_media`; a decoy is raised when the class
is raised at all. A second table says, per kind of personal data planted, how often the look named
it. Misses are listed with what OCR or Whisper read. `--reads FILE` keeps the engines' reads by
payload hash (images) or case (memos: sox dithers, so their bytes change from run to run) in a JSON
file, so a re-run after a change to the scan reads nothing again.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import io
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from router.runtime import prepare_environment  # noqa: E402

prepare_environment()

import media_samples as ms  # noqa: E402
import media_wild_cases as wild  # noqa: E402
import media_wild_more as more  # noqa: E402
from chromium import chromium  # noqa: E402
from router import runtime  # noqa: E402
from router.engines import Transcript  # noqa: E402
from router.look import dry_run  # noqa: E402
from router.readers import LocalReader  # noqa: E402
from router.settings import Settings  # noqa: E402

WIDTH, HEIGHT = 1100, 680


class KeptReader:
    """The in-process engines, with every read kept by payload hash (and in `path`, when given)."""

    def __init__(self, inner: LocalReader, path: Path | None) -> None:
        self.inner, self.path = inner, path
        self.reads: dict[str, object] = json.loads(path.read_text()) if path and path.exists() else {}
        self.last = self.case = ""

    async def prepare(self, kinds: set[str]) -> None:
        await self.inner.prepare(kinds)

    def _keep(self, key: str, value: object) -> None:
        self.reads[key] = value
        if self.path:
            self.path.write_text(json.dumps(self.reads, ensure_ascii=False, indent=0))

    async def image_text(self, data: bytes, *, max_pixels: int) -> str:
        key = hashlib.sha256(data).hexdigest()
        if key not in self.reads:
            self._keep(key, await self.inner.image_text(data, max_pixels=max_pixels))
        self.last = str(self.reads[key])
        return self.last

    async def transcribe(self, data: bytes, fmt: str, *, language: str | None = None) -> Transcript:
        key = self.case  # not the bytes: sox dithers, and the Ogg muxer draws a stream serial, on each run
        if key not in self.reads:
            self._keep(key, (await self.inner.transcribe(data, fmt, language=language)).as_dict())
        transcript = Transcript.from_dict(self.reads[key])
        self.last = transcript.text
        return transcript


async def render(pages: list[tuple[str, str, str]], save: Path | None) -> list[tuple[bytes, str]]:
    """Each (kind, variant, html) as Chromium draws it in its look's scale and format."""
    looks = {look.name: look for look in (*wild.LOOKS, more.PHOTO_LOOK)}
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        async with chromium(WIDTH, HEIGHT) as page:
            for n, (kind, variant, text) in enumerate(pages):
                look = looks[variant.split(":")[0]]
                await page.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT,
                                deviceScaleFactor=look.scale, mobile=False)
                path = Path(tmp) / f"{n}.html"
                path.write_text(text, encoding="utf-8")
                await page.goto(path.as_uri())
                shot = {"format": "jpeg", "quality": look.jpeg} if look.jpeg else {"format": "png"}
                data = base64.b64decode((await page.send("Page.captureScreenshot", **shot))["data"])
                mime = f"image/{shot['format']}"
                if look is more.PHOTO_LOOK:
                    data, mime, shot = more.photographed(data, n), "image/jpeg", {"format": "jpeg"}
                if save:
                    (save / f"{kind}-{variant.replace(':', '-')}.{shot['format']}").write_bytes(data)
                out.append((data, mime))
    return out


def encode(wav: bytes, fmt: str) -> bytes:
    """A 16 kHz mono wav re-encoded by PyAV as mp3 (LAME) or ogg (Opus); the wav itself for "wav"."""
    if fmt == "wav":
        return wav
    import av

    codec, rate = {"mp3": ("libmp3lame", 16000), "ogg": ("libopus", 48000)}[fmt]
    source, target = av.open(io.BytesIO(wav)), io.BytesIO()
    with av.open(target, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        for frame in source.decode(audio=0):
            for chunk in resampler.resample(frame):
                out.mux(stream.encode(chunk))
        for chunk in resampler.resample(None):
            out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))
    return target.getvalue()


def cases(only: str, which: str, save: Path | None) -> list[tuple[str, str, str, tuple[str, ...] | None, dict]]:
    """(medium and set, kind, variant, planted kinds or None for a decoy, request body)."""
    out = []
    if only in ("", "images"):
        pages = []
        if which in ("wild", "all"):
            pages += [("image", *page) for page in wild.positive_pages()]
            pages += [("image", kind, variant, text, None) for kind, variant, text in wild.decoy_pages()]
        if which in ("more", "all"):
            pages += [("image (more)", *page) for page in more.pages()]
        shots = asyncio.run(render([(kind, variant, text) for _, kind, variant, text, _ in pages], save))
        for (medium, kind, variant, _, plant), (data, mime) in zip(pages, shots):
            body = ms.chat("What does this screenshot say?", ms.image_part(data, mime))
            out.append((medium, kind, variant, plant, body))
    if only in ("", "audio"):
        if which in ("wild", "all"):
            for memo, plant in [(m, m.planted) for m in wild.memos()] + [(m, None) for m in wild.MEMO_DECOYS]:
                data = encode(ms.speech(memo.text, voice=memo.voice, speed=memo.speed), memo.fmt)
                body = ms.chat("Summarise this voice memo.", ms.audio_part(data, memo.fmt))
                out.append(("audio", memo.kind, f"{memo.voice}:{memo.speed}:{memo.fmt}", plant, body))
        if which in ("more", "all"):
            for n, (kind, variant, wav, plant) in enumerate(more.memos()):
                fmt = ("wav", "mp3", "ogg")[n % 3]
                body = ms.chat("Summarise this voice memo.", ms.audio_part(encode(wav, fmt), fmt))
                out.append(("audio (more)", kind, f"{variant}:{fmt}", plant, body))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("images", "audio"), default="")
    parser.add_argument("--set", dest="which", choices=("wild", "more", "all"), default="wild",
                        help="the first wave (media_wild_cases.py), the second (media_wild_more.py), or both")
    parser.add_argument("--reads", type=Path, help="keep the engines' reads in this JSON file (and reuse them)")
    parser.add_argument("--save", type=Path, help="write the rendered screenshots to this directory")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    policy_text = (ROOT / "policies/default.yaml").read_text(encoding="utf-8")
    patched = policy_text.replace("    timeout_s: 20 ", "    timeout_s: 300 ", 1)
    assert patched != policy_text, "policies/default.yaml: privacy.media.timeout_s: 20 not found"
    rows = cases(args.only, args.which, args.save)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy.yaml"
        path.write_text(patched, encoding="utf-8")
        settings = Settings(policy=path)
        reader = KeptReader(LocalReader(settings.model_dir), args.reads)
        gateway = runtime.build(settings, backends={}, reader=reader)
        groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        named: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        misses, seconds = [], defaultdict(list)
        for medium, kind, variant, planted, body in rows:
            reader.case = f"{medium}:{kind}:{variant}"
            start = time.perf_counter()
            decision = asyncio.run(dry_run(gateway.look, gateway.store.current, body, {}, scan=True))
            seconds[medium].append(time.perf_counter() - start)
            kinds = {f["kind"] for f in decision.get("findings", [])}
            raised = decision["data_class"] in ("confidential", "restricted")
            flagged = raised and bool(kinds - {"unreadable_media"})
            group = f"{medium} {'with personal data' if planted else 'decoys'}"
            groups[group][0] += flagged if planted else raised
            groups[group][1] += 1
            lost = [k for k in planted or () if k not in kinds]
            for k in planted or ():
                named[f"{medium} {k}"][0] += k in kinds
                named[f"{medium} {k}"][1] += 1
            if (flagged != bool(planted)) or lost:
                verdict = "MISSED" if planted and not flagged else "RAISED" if not planted else "partly"
                misses.append(f"{verdict} {medium}:{kind}:{variant} found {sorted(kinds)} lost {lost}\n"
                              f"    read: {reader.last!r}")
    print("| group | cases | flagged |\n|---|---|---|")
    for name, (hit, total) in sorted(groups.items()):
        print(f"| {name} | {total} | {hit} ({hit / total:.0%}) |")
    print("\n| planted kind | cases | named by the look |\n|---|---|---|")
    for name, (hit, total) in sorted(named.items()):
        print(f"| {name} | {total} | {hit} ({hit / total:.0%}) |")
    for medium, times in seconds.items():
        print(f"mean read + decide, {medium}: {sum(times) / len(times):.2f} s over {len(times)} cases")
    if args.show_misses:
        print("\n".join(misses))


if __name__ == "__main__":
    main()
