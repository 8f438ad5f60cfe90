"""Media content parts, inspected without decoding them.

Images, audio, video and files arrive inline as base64 (data URLs or bare base64) or as remote URLs.
The classifier needs their size, shape and identity, never their pixels or samples, so:

- base64 is validated strictly over the whole payload (alphabet, length, padding) without decoding
  it; only the slices a header parser asks for are decoded (`_B64View`);
- images are opened with Pillow from their header (`Image.open`, never `.load()`), and the declared
  pixel count is checked against `MediaLimits.max_image_pixels` before anything could decode;
- remote URLs are never fetched;
- nothing is hashed here: the response cache hashes each payload once, and only for a request it
  may cache (router/cache.py).

Every rejection is an `InvalidContent` (400) whose message starts with the part's location
(`messages[0].content[1].image_url: ...`) and says what is allowed.
"""

from __future__ import annotations

import binascii
import io
import re
import struct
from dataclasses import dataclass

from PIL import Image

from backends.video_frames import VideoSampling, frame_count
from router.classify.audio import audio_duration
from router.errors import InvalidContent, PayloadTooLarge
from router.profile import AudioInfo, DataClass, FileInfo, Finding, ImageInfo, VideoInfo

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """Per-part and per-request ceilings; anything above them is refused before it is decoded."""

    max_image_bytes: int = 20 * MiB
    max_image_pixels: int = 50_000_000  # decompression bombs: a tiny PNG may declare 10^10 pixels
    max_images: int = 64
    max_audio_bytes: int = 25 * MiB
    max_file_bytes: int = 32 * MiB
    max_video_bytes: int = 32 * MiB


_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
_IMAGE_ALLOWED = "png, jpeg, webp or gif"
_HEAD_BYTES = 64 * 1024  # enough for the header of almost every image; the rest is read only on demand
_REMOTE = ("https://", "http://")


def _mib(n: int) -> str:
    """A byte count as people read it: 1.5 MiB, 12.0 KiB, 800 bytes."""
    if n >= MiB:
        return f"{n / MiB:.1f} MiB"
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} bytes"


class _B64View:
    """Random access to the bytes behind a validated base64 payload, decoding only the slices read."""

    __slots__ = ("b64", "offset", "nbytes")

    def __init__(self, b64: bytes, nbytes: int, offset: int = 0) -> None:
        self.b64, self.nbytes, self.offset = b64, nbytes, offset  # the base64 starts at b64[offset]

    def read(self, start: int, n: int) -> bytes:
        start, end = max(0, start), min(self.nbytes, start + n)
        if end <= start:
            return b""
        first, last = start // 3, -(-end // 3)  # whole 3-byte groups around the slice
        chunk = binascii.a2b_base64(self.b64[self.offset + first * 4:self.offset + last * 4])
        return chunk[start - first * 3:end - first * 3]


def _checked_b64(text: str, where: str, what: str, max_bytes: int, start: int = 0) -> _B64View:
    """Validate `text[start:]` as strict standard base64 (no whitespace, correct padding) without
    decoding it — or copying it: a data URL's payload is checked in place, after its header."""
    size = len(text) - start
    if size <= 0:
        raise InvalidContent(f"{where}: {what} data is empty", param=where)
    if not text.isascii():
        raise InvalidContent(f"{where}: {what} is not valid base64 (non-ASCII characters)", param=where)
    padding = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
    nbytes = size // 4 * 3 - padding
    if nbytes > max_bytes:
        raise InvalidContent(f"{where}: {what} is {_mib(nbytes)}; at most {_mib(max_bytes)} allowed", param=where)
    raw = text.encode("ascii")
    # One pass, no copies: deleting the alphabet must leave the header's own leftovers, then the padding.
    expected = raw[:start].translate(None, _B64_ALPHABET) + b"=" * padding
    if size % 4 or raw.translate(None, _B64_ALPHABET) != expected:
        raise InvalidContent(
            f"{where}: {what} is not valid base64 (allowed: A-Z a-z 0-9 + / with '=' padding, "
            "no whitespace, length a multiple of 4)", param=where)
    return _B64View(raw, nbytes, start)


def _split_data_url(url: str, where: str, what: str) -> tuple[str, int]:
    """'data:image/png;base64,AAAA' -> ('image/png', 22): the mime type and where the payload starts
    (the payload is not sliced out: it may be megabytes). Only base64 data URLs are accepted."""
    comma = url.find(",")
    params = url[5:comma].split(";") if comma > 0 else [""]
    if comma < 0 or params[-1].strip().lower() != "base64":
        raise InvalidContent(
            f"{where}: {what} data URL is not base64; expected data:<mime type>;base64,<data>", param=where)
    return params[0].strip().lower(), comma + 1


def _scheme_error(url: str, where: str, what: str) -> InvalidContent:
    scheme = url[:16].split(":", 1)[0]
    return InvalidContent(
        f"{where}: unsupported {what} URL {scheme!r}; allowed: https://, http:// or data:...;base64,", param=where)


# ---------------------------------------------------------------------------------------------- images

_ORIENTATION, _ARTIST, _EXIF_IFD, _GPS_IFD = 0x0112, 0x013B, 0x8769, 0x8825
_GPS_POSITION = (2, 4)  # GPSLatitude, GPSLongitude: a GPS IFD without them (version only) locates nothing
_OWNER_TAGS = (0xA430, 0xA431, 0xA435)  # CameraOwnerName, BodySerialNumber, LensSerialNumber
_XMP_GPS = re.compile(rb"GPSLatitude|GPSLongitude")
_GPS_TAG_BYTES = (b"\x88\x25", b"\x25\x88")  # the GPS IFD pointer tag, big- and little-endian


def check_image_count(count: int, where: str, limits: MediaLimits) -> None:
    """PayloadTooLarge (413) once a request carries more than `limits.max_images` images."""
    if count > limits.max_images:
        raise PayloadTooLarge(f"{where}: more than {limits.max_images} images in one request; "
                              f"at most {limits.max_images} allowed", param=where)


def inspect_image(url: str, detail: str, where: str,
                  limits: MediaLimits = MediaLimits()) -> tuple[ImageInfo, list[Finding]]:
    """Format, displayed size and privacy findings of one image, read from its header only.

    Remote images (http, https) are never fetched: format and size are None, the hash is the URL's.
    EXIF orientations 5-8 (rotated 90 degrees) swap width and height. EXIF GPS coordinates yield an
    "exif_gps" finding; owner name or camera/lens serial numbers (or Artist) yield "exif_owner".
    Raises InvalidContent for another scheme, bad base64, an unreadable or unsupported image, or one
    above the byte or pixel limits (the pixel check happens before any pixel is decoded).
    """
    if url[:8].lower().startswith(_REMOTE):
        return ImageInfo(where, None, None, None, detail, 0), []
    if url[:5].lower() != "data:":
        raise _scheme_error(url, where, "image")
    _, start = _split_data_url(url, where, "image")
    view = _checked_b64(url, where, "image", limits.max_image_bytes, start)
    image = _open_image(view, where, limits)
    width, height = image.size
    orientation, findings = _exif_findings(image, where)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    info = ImageInfo(where, image.format.lower(), width, height, detail, view.nbytes)
    return info, findings


def _open_image(view: _B64View, where: str, limits: MediaLimits) -> Image.Image:
    data = view.read(0, _HEAD_BYTES)
    while True:
        try:
            image = Image.open(io.BytesIO(data), formats=_IMAGE_FORMATS)
            break
        except Image.DecompressionBombError:
            raise InvalidContent(f"{where}: image declares more than {limits.max_image_pixels:,} pixels "
                                 "(a decompression bomb?); resize it", param=where) from None
        except Exception:  # Pillow raises a dozen types on malformed input; all mean "cannot read it"
            if len(data) < view.nbytes:  # a header longer than the head (big ICC/XMP): read it all
                data = view.read(0, view.nbytes)
                continue
            raise InvalidContent(f"{where}: image is corrupt or not a supported format; "
                                 f"allowed: {_IMAGE_ALLOWED}", param=where) from None
    width, height = image.size
    if width * height > limits.max_image_pixels:
        raise InvalidContent(f"{where}: image is {width}x{height} = {width * height:,} pixels; at most "
                             f"{limits.max_image_pixels:,} allowed", param=where)
    if width == 0 or height == 0:
        raise InvalidContent(f"{where}: image has no pixels ({width}x{height})", param=where)
    return image


def _exif_findings(image: Image.Image, where: str) -> tuple[int | None, list[Finding]]:
    """EXIF orientation and GPS / owner findings, from the metadata open() already parsed.

    Malformed EXIF is the sender's metadata, not a reason to refuse the image; it is read the
    cautious way: if the GPS IFD tag appears in it at all, the image counts as located.
    """
    xmp = image.info.get("xmp")
    gps = bool(xmp and _XMP_GPS.search(xmp if isinstance(xmp, bytes) else xmp.encode()))
    owner, orientation = False, None
    raw = image.info.get("exif")  # only what open() parsed: getexif() on a PNG without it would decode
    if raw:
        try:
            exif = Image.Exif()
            exif.load(raw)
            orientation = exif.get(_ORIENTATION)
            gps = gps or any(tag in exif.get_ifd(_GPS_IFD) for tag in _GPS_POSITION)
            owner = bool(exif.get(_ARTIST)) or any(exif.get_ifd(_EXIF_IFD).get(tag) for tag in _OWNER_TAGS)
        except Exception:  # Pillow's TIFF-tag parser raises many types on malformed input
            gps = gps or any(tag in raw for tag in _GPS_TAG_BYTES)
    findings = []
    if gps:
        findings.append(Finding("exif_gps", where, DataClass.CONFIDENTIAL))
    if owner:
        findings.append(Finding("exif_owner", where, DataClass.CONFIDENTIAL))
    return orientation if isinstance(orientation, int) else None, findings


# ----------------------------------------------------------------------------------------------- audio

def inspect_audio(data_b64: str, fmt: str, where: str, limits: MediaLimits = MediaLimits()) -> AudioInfo:
    """Duration of one `input_audio` part, from its container header (router/classify/audio.py says
    how, per format). Raises InvalidContent for bad base64 or a payload that is not `fmt`."""
    if data_b64[:5] == "data:":
        raise InvalidContent(f"{where}: input_audio.data must be bare base64, not a data URL", param=where)
    view = _checked_b64(data_b64, where, "audio", limits.max_audio_bytes)
    try:
        duration = audio_duration(view, fmt)
    except (struct.error, ValueError, IndexError, ZeroDivisionError):
        duration = None
    if duration is None or duration < 0:
        raise InvalidContent(f"{where}: audio is not a readable {fmt} file; allowed formats: "
                             "wav, mp3, flac, ogg, m4a, webm, pcm16", param=where)
    return AudioInfo(where, fmt, round(duration, 3))


# ------------------------------------------------------------------------------------------ video, files

def inspect_video(url: str, where: str, sampling: VideoSampling = VideoSampling(),
                  limits: MediaLimits = MediaLimits()) -> VideoInfo:
    """Frames the model will see: backends.video_frames.frame_count, the rule the local model's
    frame sampler follows too.

    Remote videos are never fetched (duration assumed). Inline mp4/mov (`ftyp`) videos give their
    duration from the `mvhd` box; other inline containers are assumed `sampling.assumed_duration_s`.
    """
    if url[:8].lower().startswith(_REMOTE):
        return VideoInfo(where, frame_count(None, sampling), remote=True)
    if url[:5].lower() != "data:":
        raise _scheme_error(url, where, "video")
    _, start = _split_data_url(url, where, "video")
    view = _checked_b64(url, where, "video", limits.max_video_bytes, start)
    return VideoInfo(where, frame_count(view, sampling))


_PDF_PAGE_SCAN_BYTES = 2 * MiB  # counting pages means decoding the whole file: only for small PDFs
_PDF_LINEARIZED_PAGES = re.compile(rb"/Linearized\b.{0,200}?/N\s+(\d+)", re.S)
_PDF_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


def inspect_file(file_data: str | None, file_id: str | None, where: str,
                 limits: MediaLimits = MediaLimits()) -> FileInfo:
    """Mime, size, hash and (for PDFs, when cheap) page count of one `file` part.

    `file_data` is a base64 data URL (bare base64 is accepted too); the mime is sniffed for PDFs
    (`%PDF-`), else taken from the data URL. A part naming only an uploaded `file_id` has size 0
    and the hash of its id. Pages: from a linearized PDF's first object, else by counting page
    objects in PDFs up to 2 MiB, else None.
    """
    if not file_data:
        if not file_id:
            raise InvalidContent(f"{where}: a file part needs file_data (a base64 data URL) or file_id",
                                 param=where)
        return FileInfo(where, "application/octet-stream", 0)
    mime, start = "application/octet-stream", 0
    if file_data[:5].lower() == "data:":
        mime, start = _split_data_url(file_data, where, "file")
    view = _checked_b64(file_data, where, "file", limits.max_file_bytes, start)
    head = view.read(0, 1024)
    pages = None
    if head.startswith(b"%PDF-"):
        mime = "application/pdf"
        if found := _PDF_LINEARIZED_PAGES.search(head):
            pages = int(found.group(1))
        elif view.nbytes <= _PDF_PAGE_SCAN_BYTES:
            pages = len(_PDF_PAGE.findall(view.read(0, view.nbytes))) or None
    return FileInfo(where, mime or "application/octet-stream", view.nbytes, pages)
