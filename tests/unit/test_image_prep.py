"""Image preparation for local models: every format and oddity a client may send."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from backends.base import InvalidMedia
from backends.image_prep import ImageLimits, decode_data_url, fitted_size, prepare_image
from router.upstream import to_router_error

WHERE = "messages[0].content[1].image_url"


def encode(image: Image.Image, fmt: str, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def opened(prepared) -> Image.Image:
    image = Image.open(io.BytesIO(prepared.data))
    image.load()
    return image


def gradient(width: int = 64, height: int = 48, mode: str = "RGB") -> Image.Image:
    return Image.linear_gradient("L").resize((width, height)).convert(mode)


def located_exif(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x013B] = "Maria Keller"
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)})
    exif.get_ifd(0x8769)[0xA431] = "SN-998877"
    return exif.tobytes()


def assert_clean(prepared) -> None:
    image = opened(prepared)
    assert image.mode in ("RGB", "L")
    assert not image.getexif()
    for key in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "dpi", "Software"):
        assert key not in image.info, key
    for secret in (b"Maria Keller", b"SN-998877", b"GPS", b"Exif"):
        assert secret not in prepared.data


@pytest.mark.parametrize("fmt, mode, save", [
    ("JPEG", "RGB", {}),
    ("JPEG", "CMYK", {}),
    ("JPEG", "L", {}),
    ("PNG", "RGB", {}),
    ("PNG", "RGBA", {}),
    ("PNG", "LA", {}),
    ("PNG", "P", {}),
    ("PNG", "1", {}),
    ("WEBP", "RGB", {}),
    ("WEBP", "RGBA", {"lossless": True}),
    ("GIF", "P", {}),
])
def test_every_format_and_mode_comes_out_as_clean_8_bit_rgb_or_grey(fmt, mode, save):
    prepared = prepare_image(encode(gradient(mode=mode), fmt, **save), WHERE)
    assert_clean(prepared)
    assert (prepared.width, prepared.height) == (64, 48)
    assert prepared.mime == ("image/jpeg" if fmt in ("JPEG", "WEBP") and opened(prepared).mode == "RGB"
                             else "image/png")


def test_cmyk_jpeg_keeps_its_colours():
    cmyk = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # pure red in CMYK
    red = opened(prepare_image(encode(cmyk, "JPEG"), WHERE)).convert("RGB").getpixel((16, 16))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60


def test_sixteen_bit_png_is_scaled_to_eight_bits_not_clipped():
    deep = Image.new("I;16", (16, 16))
    deep.putdata([32768] * 256)  # mid grey at 16 bits
    value = opened(prepare_image(encode(deep, "PNG"), WHERE)).getpixel((8, 8))
    assert 120 <= (value if isinstance(value, int) else value[0]) <= 135


def test_transparency_is_flattened_onto_white():
    clear = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    assert opened(prepare_image(encode(clear, "PNG"), WHERE)).getpixel((4, 4)) == (255, 255, 255)


def test_animated_gif_and_webp_give_their_first_frame():
    frames = [Image.new("RGB", (20, 20), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    for fmt in ("GIF", "WEBP"):
        data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
        assert Image.open(io.BytesIO(data)).n_frames == 2
        pixel = opened(prepare_image(data, WHERE)).convert("RGB").getpixel((10, 10))
        assert pixel[0] > 200 and pixel[2] < 60, (fmt, pixel)


@pytest.mark.parametrize("orientation, size", [(1, (80, 40)), (3, (80, 40)), (6, (40, 80)), (8, (40, 80))])
def test_exif_orientation_is_applied_then_every_tag_is_gone(orientation, size):
    photo = gradient(80, 40)
    photo.paste((0, 0, 255), (0, 0, 10, 10))  # a blue top-left corner, as stored
    prepared = prepare_image(encode(photo, "JPEG", exif=located_exif(orientation), quality=95), WHERE)
    assert_clean(prepared)
    image = opened(prepared)
    assert image.size == size
    corner = {1: (2, 2), 3: (77, 37), 6: (37, 2), 8: (2, 77)}[orientation]
    assert image.getpixel(corner)[2] > 150, (orientation, image.getpixel(corner))


def test_png_text_icc_and_xmp_metadata_is_stripped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Maria Keller")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta><exif:GPSLatitude>52,31N</exif:GPSLatitude></x:xmpmeta>")
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(gradient(), "PNG", pnginfo=info, icc_profile=icc, exif=located_exif())
    assert b"Maria Keller" in data
    assert_clean(prepare_image(data, WHERE))


@pytest.mark.parametrize("size, limit, expected", [
    ((4000, 3000), 1_000_000, (1154, 866)),
    ((3000, 4000), 1_000_000, (866, 1154)),
    ((1000, 1000), 1_000_000, (1000, 1000)),
    ((300, 200), 1_000_000, (300, 200)),  # never enlarged
    ((10000, 10), 50_000, (7071, 7)),
])
def test_resize_keeps_aspect_and_never_upscales(size, limit, expected):
    assert fitted_size(*size, limit) == expected
    prepared = prepare_image(encode(Image.new("RGB", size, (9, 9, 9)), "PNG"), WHERE, ImageLimits(max_pixels=limit))
    assert (prepared.width, prepared.height) == expected
    assert opened(prepared).size == expected


def _png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (20_000, 20_000), (8000, 7000)])
def test_decompression_bombs_are_refused_before_decoding(width, height):
    with pytest.raises(InvalidMedia, match="image declares") as err:
        prepare_image(_png_declaring(width, height), WHERE)
    assert str(err.value).startswith(f"{WHERE}: image declares ")
    assert f"{width * height:,} pixels" in str(err.value)
    assert err.value.where == WHERE and to_router_error(err.value).status == 400


@pytest.mark.parametrize("data, words", [
    (b"", "corrupt or not a supported format"),
    (b"GIF89a" + b"\x00" * 5, "corrupt or not a supported format"),
    (b"BM" + b"\x00" * 60, "corrupt or not a supported format"),  # BMP: not allowed
    (b"%PDF-1.7\n", "corrupt or not a supported format"),
])
def test_unreadable_or_unsupported_data_is_a_400_naming_the_part(data, words):
    with pytest.raises(InvalidMedia, match=words) as err:
        prepare_image(data, WHERE)
    assert str(err.value).startswith(WHERE)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_truncated_files_are_a_400_naming_the_part(fmt):
    noisy = Image.effect_noise((256, 256), 80).convert("RGB")
    data = encode(noisy, fmt)
    with pytest.raises(InvalidMedia, match=r"truncated or corrupt|corrupt or not a supported") as err:
        prepare_image(data[: len(data) * 2 // 3], WHERE)
    assert str(err.value).startswith(WHERE)


def test_too_many_bytes_refused_before_opening():
    with pytest.raises(InvalidMedia, match="at most 1 MiB"):
        prepare_image(b"\x00" * (2 * 1024 * 1024), WHERE, ImageLimits(max_bytes=1024 * 1024))


def test_data_urls_are_decoded_strictly():
    assert decode_data_url("data:image/png;base64,AAEC", WHERE, 100) == b"\x00\x01\x02"
    for bad in ("data:image/png,AAEC", "data:image/png;base64,AA*C", "data:image/png;base64,AAE"):
        with pytest.raises(InvalidMedia) as err:
            decode_data_url(bad, WHERE, 100)
        assert str(err.value).startswith(WHERE)
