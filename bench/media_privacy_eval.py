"""Personal data inside media: generated screenshots and voice memos through the real media look.

    .venv/bin/python bench/media_privacy_eval.py [--styles plain,dark,...] [--voices en-us,en-gb] [--show-misses]

Screenshots are rendered here with Pillow (an app window: a title bar, then lines of text) in nine
styles — plain, dark mode, 12 px, monospace, serif, JPEG, low contrast, 2x "retina" and scaled
down — holding an e-mail, IBANs, phones, a card, a street address, an SSN or a patient record.
Voice memos are spoken by espeak-ng (installed when missing) in two voices, reading out an
e-mail, phones, a card, an IBAN, an address, a patient record or a customer's name. Decoys
(a revenue table, a settings screen, an order confirmation, a build log; memos about a meeting,
revenue, a release) hold none.

Each case goes through `look.dry_run` under policies/default.yaml with `privacy.media.timeout_s`
raised to 300 s (on these 2 shared cores a read can pass the default 20 s, which fails closed as
`unreadable_media` and says nothing about what the scan finds): PP-OCRv4 and Whisper base read the
media in this process, as the gateway's look would. A positive counts as found when the decision
is confidential or above with a finding other than `unreadable_media`; a decoy is a false positive
when it is raised at all. Prints recall per kind and per style or voice, false positives, and the
mean read time. Nothing here is tuned on: the lines and phrasings are this file's own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from router.runtime import prepare_environment  # noqa: E402

prepare_environment()

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

import media_samples as ms  # noqa: E402
from router import runtime  # noqa: E402
from router.look import dry_run  # noqa: E402
from router.settings import Settings  # noqa: E402

FONTS = Path("/usr/share/fonts/truetype")
SANS, MONO = FONTS / "dejavu/DejaVuSans.ttf", FONTS / "dejavu/DejaVuSansMono.ttf"
SERIF = FONTS / "liberation/LiberationSerif-Regular.ttf"

SCREENS = {
    "email": ["From: Jonas Lindqvist <jonas.lindqvist@postkontor.se>", "Subject: contract renewal",
              "Hi team, see attached."],
    "iban": ["Beneficiary: Claire Dubois", "IBAN FR76 3000 6000 0112 3456 7890 189", "BIC AGRIFRPP"],
    "iban_gb": ["Payee account", "GB29 NWBK 6016 1331 9268 19"],
    "phone": ["Rückruf bitte an", "Tel.: +49 30 901820 55"],
    "phone_us": ["Customer callback", "(415) 555-0132 ext 4"],
    "card": ["Billing", "VISA 4111 1111 1111 1111", "Expires 11/27"],
    "address": ["Ship to: Daniel Okafor", "4821 Maple Ridge Drive, Apt 12B", "Columbus, OH 43215"],
    "ssn": ["Employee record", "SSN: 123-45-6789", "Dept: Finance"],
    "health": ["Patient: Marek Nowak, 54", "Dx: type 2 diabetes, hypertension", "Next visit 2026-12-14"],
}
SCREEN_DECOYS = {
    "revenue": ["Q3 revenue by region", "EMEA 1,204  APAC 980  AMER 2,311", "Growth: 12% quarter on quarter"],
    "settings": ["Settings", "Dark mode: on", "Notifications: weekly digest", "Language: English (UK)"],
    "order": ["Order confirmed", "Order ABCD-2291-7781 ships in 2-3 days", "Total 129.00 EUR"],
    "build": ["Build #4821 passed", "pytest: 2254 passed in 488 s", "Deployed to staging at 14:02"],
}
STYLES = {
    "plain": {}, "dark": {"bg": (30, 30, 35), "fg": (220, 220, 220)}, "small": {"size": 12},
    "mono": {"font": MONO}, "serif": {"font": SERIF}, "jpeg": {"fmt": "JPEG"},
    "lowcontrast": {"bg": (235, 235, 235), "fg": (140, 140, 140)}, "retina": {"scale": 2.0},
    "scaled": {"size": 14, "scale": 0.8},
}
MEMOS = {
    "email": "Please write to me at jonas dot lindqvist at postkontor dot s e.",
    "email_underscore": "My address is anna underscore berg at gmail dot com, thanks.",
    "phone": "You can reach me on zero seven seven zero zero, nine zero zero, one two three.",
    "phone_us": "Call me back at 415 555 0132.",
    "card": "My card number is 4111 1111 1111 1111, expiry november twenty seven.",
    "iban": "The IBAN is G B 29 N W B K 6016 1331 9268 19.",
    "address": "Please ship it to 4821 Maple Ridge Drive, apartment 12 B, Columbus, Ohio 43215.",
    "health": "Patient Marek Nowak, fifty four, presents with chest pain and has type 2 diabetes.",
    "name": "Hi, this is Ingrid Halvorsen, the router keeps rebooting and I want a refund.",
}
MEMO_DECOYS = {
    "meeting": "Reminder: the planning meeting moved to Thursday at ten in room four.",
    "revenue": "Revenue grew twelve percent this quarter, mostly in Europe.",
    "release": "Version 2.4 ships next week; please finish the release notes.",
}


def screenshot(lines: list[str], size: int = 18, bg=(255, 255, 255), fg=(20, 20, 20), font: Path = SANS,
               fmt: str = "PNG", scale: float = 1.0) -> tuple[bytes, str]:
    face, width = ImageFont.truetype(str(font), size), 1000
    image = Image.new("RGB", (width, 80 + len(lines) * int(size * 1.8)), bg)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, 36], fill=tuple(max(0, c - 30) for c in bg))
    draw.text((12, 8), "Inbox - Mail  |  Search  |  Settings", font=ImageFont.truetype(str(SANS), 14), fill=fg)
    for n, line in enumerate(lines):
        draw.text((24, 50 + n * int(size * 1.8)), line, font=face, fill=fg)
    if scale != 1.0:
        image = image.resize((int(image.width * scale), int(image.height * scale)))
    return ms.png(image, fmt), "image/jpeg" if fmt == "JPEG" else "image/png"


def cases(styles: list[str], voices: list[str]) -> list[tuple[str, str, str, bool, dict]]:
    """(medium, kind, style or voice, positive, request body)."""
    out = []
    for screens, positive in ((SCREENS, True), (SCREEN_DECOYS, False)):
        for kind, lines in screens.items():
            for style in styles:
                data, mime = screenshot(lines, **STYLES[style])
                body = ms.chat("What does this screenshot say?", ms.image_part(data, mime))
                out.append(("image", kind, style, positive, body))
    for memos, positive in ((MEMOS, True), (MEMO_DECOYS, False)):
        for kind, text in memos.items():
            for voice in voices:
                body = ms.chat("Summarise this voice memo.", ms.audio_part(ms.speech(text, voice=voice)))
                out.append(("audio", kind, voice, positive, body))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--styles", default=",".join(STYLES))
    parser.add_argument("--voices", default="en-us,en-gb")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    policy_text = (Path(__file__).resolve().parents[1] / "policies/default.yaml").read_text(encoding="utf-8")
    patched = policy_text.replace("    timeout_s: 20 ", "    timeout_s: 300 ", 1)
    assert patched != policy_text, "policies/default.yaml: privacy.media.timeout_s: 20 not found"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy.yaml"
        path.write_text(patched, encoding="utf-8")
        gateway = runtime.build(Settings(policy=path), backends={})
        rows = cases(args.styles.split(","), args.voices.split(","))
        hits: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        misses, seconds = [], defaultdict(list)
        for medium, kind, variant, positive, body in rows:
            start = time.perf_counter()
            decision = asyncio.run(dry_run(gateway.look, gateway.store.current, body, {}, scan=True))
            seconds[medium].append(time.perf_counter() - start)
            kinds = {f["kind"] for f in decision.get("findings", [])}
            raised = decision["data_class"] in ("confidential", "restricted")
            flagged = raised and bool(kinds - {"unreadable_media"})
            if kinds == {"unreadable_media"}:
                misses.append(f"{medium}:{kind}:{variant} unreadable")
            group = "positive" if positive else "decoy"
            for key in ((group, f"{medium} {kind}"), (group, f"{medium} {variant}"), (group, f"{medium} all")):
                hits[key][0] += flagged if positive else raised
                hits[key][1] += 1
            if flagged != positive:
                misses.append(f"{medium}:{kind}:{variant} {'missed' if positive else 'raised'} {sorted(kinds)}")
    print("| group | cases | flagged | share |\n|---|---|---|---|")
    for (group, name), (flagged, total) in sorted(hits.items()):
        print(f"| {group}: {name} | {total} | {flagged} | {flagged / total:.0%} |")
    for medium, times in seconds.items():
        print(f"mean read + decide, {medium}: {sum(times) / len(times):.2f} s over {len(times)} cases")
    if args.show_misses:
        print("\n".join(misses))


if __name__ == "__main__":
    main()
