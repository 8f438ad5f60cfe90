"""Images made ready for a local model: decoded once, oriented, stripped, resized, re-encoded.

A local vision model (llama.cpp's mtmd, which decodes with stb_image) sees only what this module
writes: 8-bit RGB PNG (from PNG, GIF or anything with transparency or few colours) or JPEG (from
JPEG and WebP photos), with the EXIF orientation applied to the pixels and *no* metadata at all —
no EXIF (GPS, owner, serial numbers), XMP, ICC profile or text chunks survive, because the new
file is written from pixels alone. Images above the model's `max_pixels` are shrunk keeping the
aspect ratio; smaller ones are never enlarged. Animated GIF/WebP give their first frame.

Order matters for safety: the declared size is checked against `max_source_pixels` from the
header before any pixel is decoded (a 100-byte PNG may declare 10^10 pixels), and a truncated or
corrupt file fails on decode as an `InvalidMedia` (400) naming the part, never as a crash.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from backends.base import InvalidMedia

MiB = 1024 * 1024
_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
_ALLOWED = "png, jpeg, webp or gif"


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """`max_pixels`: the model's input size (resize target). The other two refuse input outright."""

    max_pixels: int = 1_048_576
    max_bytes: int = 20 * MiB
    max_source_pixels: int = 50_000_000


@dataclass(frozen=True, slots=True)
class PreparedImage:
    data: bytes
    mime: str
    width: int
    height: int

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def fitted_size(width: int, height: int, max_pixels: int) -> tuple[int, int]:
    """(width, height) scaled down to at most `max_pixels`, aspect kept; unchanged when it fits."""
    if width * height <= max_pixels:
        return width, height
    scale = math.sqrt(max_pixels / (width * height))
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def decode_data_url(url: str, where: str, max_bytes: int, what: str = "image") -> bytes:
    """The bytes of a `data:<mime>;base64,<payload>` URL (or bare base64). InvalidMedia otherwise
    (its message calls the payload `what`: "image", "video")."""
    payload = url
    if url[:5].lower() == "data:":
        head, sep, payload = url.partition(",")
        if not sep or not head.lower().endswith(";base64"):
            raise InvalidMedia(f"{where}: {what} data URL is not base64; expected data:<mime type>;base64,<data>",
                             where=where)
    if len(payload) // 4 * 3 > max_bytes:
        raise InvalidMedia(f"{where}: {what} is larger than {max_bytes // MiB} MiB", where=where)
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidMedia(f"{where}: {what} is not valid base64", where=where) from None


def prepare_image(data: bytes, where: str, limits: ImageLimits = ImageLimits()) -> PreparedImage:
    """Decode `data` and return it ready for a local model (see the module docstring).

    Raises InvalidMedia (400, naming `where`) for: more than `max_bytes`; not PNG/JPEG/WebP/GIF;
    a declared size above `max_source_pixels` (checked before decoding) or without pixels; a file
    that is truncated or corrupt.
    """
    if len(data) > limits.max_bytes:
        raise InvalidMedia(f"{where}: image is {len(data) / MiB:.1f} MiB; at most "
                           f"{limits.max_bytes / MiB:.0f} MiB allowed", where=where)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides below
            image = Image.open(io.BytesIO(data), formats=_FORMATS)
    except Image.DecompressionBombError as exc:  # past twice Pillow's own limit: it refuses to open
        raise _too_many_pixels(where, None, limits, str(exc)) from None
    except Exception:  # Pillow raises a dozen types on unreadable input
        raise InvalidMedia(f"{where}: image is corrupt or not a supported format; allowed: {_ALLOWED}",
                           where=where) from None
    width, height = image.size
    if width * height > limits.max_source_pixels:
        raise _too_many_pixels(where, (width, height), limits)
    if width == 0 or height == 0:
        raise InvalidMedia(f"{where}: image has no pixels ({width}x{height})", where=where)
    source_format = image.format
    try:
        image.seek(0)  # animated GIF/WebP: the first frame
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
        image = ImageOps.exif_transpose(image)
        image = _to_rgb(image)
    except Image.DecompressionBombError:
        raise _too_many_pixels(where, (width, height), limits) from None
    except Exception:  # truncated data, bad compressed stream, broken palette...
        raise InvalidMedia(f"{where}: image is truncated or corrupt ({source_format.lower()}); "
                           "send the complete file", where=where) from None
    size = fitted_size(image.width, image.height, limits.max_pixels)
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    photo = source_format in ("JPEG", "WEBP") and image.mode == "RGB"
    out = io.BytesIO()
    clean = Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only: no info, no metadata
    if photo:
        clean.save(out, format="JPEG", quality=92, optimize=False)
    else:
        clean.save(out, format="PNG", compress_level=1)
    return PreparedImage(out.getvalue(), "image/jpeg" if photo else "image/png", clean.width, clean.height)


def _to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB (or L for greyscale): CMYK and YCbCr converted, 16/32-bit scaled to 8, palettes
    expanded, transparency flattened onto white."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit greyscale: scale 0..65535 to 0..255 (a plain convert() would clip at 255)
        image = image.convert("I").point(lambda v: v / 257).convert("L")
        mode = "L"
    if mode == "F":
        image = image.convert("L")
        mode = "L"
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode in ("RGB", "L"):
        return image
    return image.convert("RGB")  # CMYK, YCbCr, LAB, 1 (bilevel)


def _too_many_pixels(where: str, size: tuple[int, int] | None, limits: ImageLimits,
                     pillow_says: str = "") -> InvalidMedia:
    counted = re.search(r"\((\d+) pixels\)", pillow_says)
    declared = (f"{size[0]}x{size[1]} = {size[0] * size[1]:,} pixels" if size else
                f"{int(counted.group(1)):,} pixels" if counted else "far too many pixels")
    return InvalidMedia(f"{where}: image declares {declared}; at most {limits.max_source_pixels:,} allowed "
                        "(a decompression bomb?); resize it before sending", where=where)
