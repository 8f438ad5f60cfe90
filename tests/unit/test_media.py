"""Media parts: strict base64, header-only image reads, EXIF findings, audio durations, video, files."""

from __future__ import annotations

import base64
import io
import struct
import wave
import zlib

import pytest
from PIL import Image, ImageFile, WebPImagePlugin

from router.classify.media import (
    MediaLimits, VideoSampling, check_image_count, inspect_audio, inspect_file, inspect_image, inspect_video,
)
from router.errors import InvalidContent, PayloadTooLarge

WHERE = "messages[0].content[1].image_url"


@pytest.fixture(autouse=True)
def _no_pixel_decoding(monkeypatch):
    """Every test here would fail if anything decoded pixels: inspection is header-only."""
    def refuse(self, *args, **kwargs):
        raise AssertionError("image pixels were decoded")
    for cls in (ImageFile.ImageFile, WebPImagePlugin.WebPImageFile):  # file-backed images only
        monkeypatch.setattr(cls, "load", refuse)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{b64(data)}"


def image_bytes(fmt: str, size=(64, 48), exif: Image.Exif | None = None, **save) -> bytes:
    buf = io.BytesIO()
    if exif is not None:
        save["exif"] = exif.tobytes()
    Image.new("RGB", size, (200, 120, 40)).save(buf, fmt, **save)
    return buf.getvalue()


def exif(orientation=None, gps=None, exif_ifd=None, **ifd0) -> Image.Exif:
    out = Image.Exif()
    if orientation:
        out[0x0112] = orientation
    if gps is not None:
        out[0x8825] = gps
    if exif_ifd is not None:
        out[0x8769] = exif_ifd
    for tag, value in ifd0.items():
        out[int(tag.lstrip("t"), 16)] = value
    return out


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height but carries almost no data: a decompression bomb's header."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


GPS = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)}


@pytest.mark.parametrize("fmt, expected", [("PNG", "png"), ("JPEG", "jpeg"), ("WEBP", "webp"), ("GIF", "gif")])
def test_formats_and_dimensions(fmt, expected):
    data = image_bytes(fmt, (321, 123))
    info, findings = inspect_image(data_url(data), "high", WHERE)
    assert (info.format, info.width, info.height, info.detail) == (expected, 321, 123, "high")
    assert info.nbytes == len(data) and info.where == WHERE and findings == []


@pytest.mark.parametrize("orientation, size", [(1, (64, 48)), (3, (64, 48)), (5, (48, 64)), (6, (48, 64)),
                                               (7, (48, 64)), (8, (48, 64))])
def test_exif_orientation_5_to_8_swaps_dimensions(orientation, size):
    info, _ = inspect_image(data_url(image_bytes("JPEG", exif=exif(orientation))), "auto", WHERE)
    assert (info.width, info.height) == size


@pytest.mark.parametrize("fmt, metadata, kinds", [
    ("JPEG", exif(gps=GPS), ["exif_gps"]),
    ("WEBP", exif(gps=GPS), ["exif_gps"]),
    ("PNG", exif(gps=GPS), ["exif_gps"]),
    ("JPEG", exif(gps={0: b"\x02\x02\x00\x00"}), []),  # a GPS IFD with only a version locates nothing
    ("JPEG", exif(exif_ifd={0xA430: "Jane Doe"}), ["exif_owner"]),  # CameraOwnerName
    ("JPEG", exif(exif_ifd={0xA431: "SN-0042"}), ["exif_owner"]),  # BodySerialNumber
    ("JPEG", exif(exif_ifd={0xA435: "LENS-7"}), ["exif_owner"]),  # LensSerialNumber
    ("JPEG", exif(t013B="Jane Doe"), ["exif_owner"]),  # Artist
    ("JPEG", exif(gps=GPS, exif_ifd={0xA431: "SN-0042"}), ["exif_gps", "exif_owner"]),
    ("JPEG", exif(orientation=6), []),
])
def test_exif_privacy_findings(fmt, metadata, kinds):
    _, findings = inspect_image(data_url(image_bytes(fmt, exif=metadata)), "auto", WHERE)
    assert [f.kind for f in findings] == kinds
    assert all(f.where == WHERE and f.data_class >= 2 for f in findings)


def test_unparseable_exif_mentioning_gps_is_taken_as_located():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", exif=b"Exif\x00\x00XX\x88\x25garbage")
    info, findings = inspect_image(data_url(buf.getvalue(), "image/jpeg"), "auto", WHERE)
    assert (info.width, info.height) == (8, 8) and [f.kind for f in findings] == ["exif_gps"]


def test_header_longer_than_the_first_read_is_still_read():
    data = image_bytes("JPEG", (50, 40), icc_profile=b"\0" * 200_000)  # APP2 segments before SOF
    info, _ = inspect_image(data_url(data, "image/jpeg"), "auto", WHERE)
    assert (info.format, info.width, info.height) == ("jpeg", 50, 40)


@pytest.mark.parametrize("url", ["https://example.com/cat.png", "HTTP://example.com/a.jpg"])
def test_remote_images_are_never_fetched(url):
    info, findings = inspect_image(url, "low", WHERE)
    assert (info.format, info.width, info.height, info.nbytes) == (None, None, None, 0)
    assert findings == []


@pytest.mark.parametrize("url, message", [
    (data_url(b"definitely not an image"), "corrupt or not a supported format; allowed: png, jpeg, webp or gif"),
    (data_url(image_bytes("BMP")), "corrupt or not a supported format"),
    (data_url(image_bytes("PNG")[:40]), "corrupt or not a supported format"),
    ("data:image/png,rawbytes", "image data URL is not base64"),
    ("data:image/png;charset=utf-8,abcd", "image data URL is not base64"),
    ("data:image/png;base64,@@@@", "image is not valid base64"),
    ("data:image/png;base64,iVBO Rw0K", "image is not valid base64"),
    ("data:image/png;base64,iVBORw0", "image is not valid base64"),
    ("data:image/png;base64,iVBO====", "image is not valid base64"),
    ("data:image/png;base64,iVBORwé=", "image is not valid base64"),
    ("data:image/png;base64,", "image data is empty"),
    ("ftp://example.com/a.png", "unsupported image URL 'ftp'; allowed: https://, http:// or data:"),
    ("/etc/passwd", "unsupported image URL"),
    (data_url(png_header(100_000, 100_000)), "decompression bomb"),
    (data_url(png_header(8000, 8000)), "8000x8000 = 64,000,000 pixels; at most 50,000,000 allowed"),
])
def test_unreadable_images_are_400s_that_name_the_part(url, message):
    with pytest.raises(InvalidContent) as caught:
        inspect_image(url, "auto", WHERE)
    assert caught.value.status == 400 and caught.value.param == WHERE
    assert caught.value.message.startswith(f"{WHERE}: ") and message in caught.value.message


def test_byte_limit_is_checked_before_anything_is_read():
    with pytest.raises(InvalidContent, match=r"image is [\d.]+ (KiB|bytes); at most 100 bytes allowed"):
        inspect_image(data_url(image_bytes("PNG", (300, 300))), "auto", WHERE, MediaLimits(max_image_bytes=100))


def test_pixel_limit_is_configurable():
    with pytest.raises(InvalidContent, match="at most 1,000 allowed"):
        inspect_image(data_url(image_bytes("PNG", (40, 40))), "auto", WHERE, MediaLimits(max_image_pixels=1000))


def test_image_count_limit_is_413():
    check_image_count(64, "x", MediaLimits())
    with pytest.raises(PayloadTooLarge, match="at most 64"):
        check_image_count(65, "x", MediaLimits())


# ----------------------------------------------------------------------------------------------- audio

def wav(seconds: float, rate: int = 16_000, channels: int = 1, extra_chunk: bool = False) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * channels * int(rate * seconds))
    data = buf.getvalue()
    if extra_chunk:  # a LIST chunk between fmt and data, as many encoders write
        at = data.index(b"data")
        data = data[:at] + b"LIST" + struct.pack("<I", 5) + b"INFOx\0" + data[at:]
    return data


def streamed_wav(seconds: float) -> bytes:
    data = bytearray(wav(seconds))
    at = data.index(b"data")
    data[at + 4:at + 8] = b"\xff\xff\xff\xff"  # size unknown when written
    return bytes(data)


MP3_FRAME = b"\xff\xfb\x90\x00" + b"\0" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417 bytes


def xing_mp3(frames: int) -> bytes:
    first = bytearray(MP3_FRAME)
    first[36:48] = b"Xing" + struct.pack(">II", 1, frames)  # after the 4-byte header and 32 bytes of side info
    return bytes(first) + MP3_FRAME * 3


def id3(size: int) -> bytes:
    syncsafe = bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + syncsafe + b"\0" * size


def flac(rate: int, samples: int) -> bytes:
    packed = (rate << 44) | (1 << 41) | (15 << 36) | samples
    info = struct.pack(">HH", 4096, 4096) + b"\0" * 6 + packed.to_bytes(8, "big") + b"\0" * 16
    return b"fLaC" + b"\x80" + len(info).to_bytes(3, "big") + info + b"\0" * 100


def mp4(kind: bytes, scale: int, duration: int, version: int = 0) -> bytes:
    def box(name: bytes, body: bytes) -> bytes:
        return struct.pack(">I", 8 + len(body)) + name + body
    if version == 0:
        mvhd = bytes([0, 0, 0, 0]) + struct.pack(">IIII", 0, 0, scale, duration) + b"\0" * 80
    else:
        mvhd = bytes([1, 0, 0, 0]) + struct.pack(">QQIQ", 0, 0, scale, duration) + b"\0" * 80
    return box(b"ftyp", kind + b"\0\0\0\0") + box(b"mdat", b"\0" * 5000) + box(b"moov", box(b"mvhd", mvhd))


def ogg_opus(granule: int) -> bytes:
    def page(kind: int, position: int, body: bytes) -> bytes:
        return b"OggS\0" + bytes([kind]) + struct.pack("<qIII", position, 1, 0, 0) + bytes([1, len(body)]) + body
    return page(2, 0, b"OpusHead" + b"\x01\x01" + b"\0" * 9) + b"\0" * 3000 + page(4, granule, b"\0" * 10)


@pytest.mark.parametrize("data, fmt, seconds", [
    (wav(1.5), "wav", 1.5),
    (wav(2.0, rate=44_100, channels=2), "wav", 2.0),
    (wav(0.75, extra_chunk=True), "wav", 0.75),
    (streamed_wav(0.5), "wav", 0.5),
    (MP3_FRAME * 100, "mp3", 100 * 417 * 8 / 128_000),
    (id3(300) + MP3_FRAME * 10, "mp3", 10 * 417 * 8 / 128_000),
    (xing_mp3(1000), "mp3", 1000 * 1152 / 44_100),
    (flac(44_100, 88_200), "flac", 2.0),
    (mp4(b"M4A ", 1000, 3500), "m4a", 3.5),
    (mp4(b"M4A ", 48_000, 240_000, version=1), "m4a", 5.0),
    (ogg_opus(96_000), "ogg", 2.0),
    (b"\x1a\x45\xdf\xa3" + b"\0" * 3996, "webm", 1.0),  # no duration parsed: 32 kbit/s assumed
    (b"\0" * 48_000, "pcm16", 1.0),  # 24 kHz, 16-bit mono
])
def test_audio_duration_from_the_header(data, fmt, seconds):
    info = inspect_audio(b64(data), fmt, "messages[0].content[0].input_audio")
    assert info.duration_s == pytest.approx(seconds, abs=0.001)
    assert info.format == fmt


@pytest.mark.parametrize("data, fmt, message", [
    ("not base64!", "wav", "audio is not valid base64"),
    (b64(b"ID3 but nothing else" * 10), "wav", "audio is not a readable wav file"),
    (b64(wav(0.1)), "mp3", "audio is not a readable mp3 file"),
    (b64(b"\0" * 100), "flac", "not a readable flac"),
    (b64(b"\0" * 100), "ogg", "not a readable ogg"),
    (b64(b"\0" * 100), "m4a", "not a readable m4a"),
    ("data:audio/wav;base64," + b64(wav(0.1)), "wav", "must be bare base64, not a data URL"),
])
def test_unreadable_audio_is_a_400_naming_the_part(data, fmt, message):
    where = "messages[3].content[2].input_audio"
    with pytest.raises(InvalidContent) as caught:
        inspect_audio(data, fmt, where)
    assert caught.value.message.startswith(f"{where}: ") and message in caught.value.message


def test_audio_byte_limit():
    with pytest.raises(InvalidContent, match="at most"):
        inspect_audio(b64(wav(1.0)), "wav", "w", MediaLimits(max_audio_bytes=1000))


# ------------------------------------------------------------------------------------------- video, files

@pytest.mark.parametrize("url, sampling, frames", [
    ("https://media.example.com/clip.mp4", VideoSampling(), 30),  # 30 s assumed at 1 fps
    ("https://media.example.com/clip.mp4", VideoSampling(fps=2.0), 32),  # capped at max_frames
    ("https://media.example.com/clip.mp4", VideoSampling(assumed_duration_s=0.2), 1),
    (data_url(mp4(b"isom", 600, 6000), "video/mp4"), VideoSampling(), 10),  # mvhd: 10 s
    (data_url(b"\x1a\x45\xdf\xa3" + b"\0" * 60, "video/webm"), VideoSampling(), 30),  # no header read: assumed
])
def test_video_frames_follow_the_sampling_policy(url, sampling, frames):
    info = inspect_video(url, "messages[0].content[0].video_url", sampling)
    assert info.frames == frames


@pytest.mark.parametrize("url, message", [
    ("data:video/mp4;base64,????", "video is not valid base64"),
    ("rtsp://camera/stream", "unsupported video URL 'rtsp'"),
])
def test_unreadable_video_is_a_400(url, message):
    with pytest.raises(InvalidContent, match=message):
        inspect_video(url, "w")


def pdf(pages: int, linearized: int | None = None) -> bytes:
    head = b"%PDF-1.7\n"
    if linearized is not None:
        head += b"1 0 obj\n<< /Linearized 1 /L 1234 /H [ 10 20 ] /O 5 /E 999 /N %d /T 1000 >>\nendobj\n" % linearized
    kids = b"".join(b"%d 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n" % (3 + i) for i in range(pages))
    return head + b"2 0 obj\n<< /Type /Pages /Count %d >>\nendobj\n" % pages + kids + b"%%EOF\n"


@pytest.mark.parametrize("file_data, file_id, mime, pages", [
    (data_url(pdf(3), "application/pdf"), None, "application/pdf", 3),
    (data_url(pdf(2, linearized=12), "application/pdf"), None, "application/pdf", 12),
    (b64(pdf(4)), None, "application/pdf", 4),  # bare base64, sniffed
    (data_url(b"a,b\n1,2\n", "text/csv"), None, "text/csv", None),
    (None, "file-abc123", "application/octet-stream", None),
])
def test_files(file_data, file_id, mime, pages):
    info = inspect_file(file_data, file_id, "messages[0].content[0].file")
    assert (info.mime, info.pages) == (mime, pages)
    assert (info.nbytes > 0) == (file_data is not None)


@pytest.mark.parametrize("file_data, file_id, message", [
    (None, None, "needs file_data"),
    ("data:application/pdf;base64,%%%%", None, "file is not valid base64"),
])
def test_unreadable_files_are_400s(file_data, file_id, message):
    with pytest.raises(InvalidContent, match=message):
        inspect_file(file_data, file_id, "messages[0].content[0].file")


def test_data_url_parameters_are_allowed_and_the_payload_is_checked_in_place():
    """The payload is validated without slicing it out of the URL: header characters (':', ';', '=',
    '.') must not count against it, and a stray character after the comma must."""
    payload = b64(image_bytes("PNG", (30, 20)))
    info, _ = inspect_image(f"data:image/png;name=scan=1.png;base64,{payload}", "auto", WHERE)
    assert (info.format, info.width, info.height) == ("png", 30, 20)
    for broken in (f"data:image/png;base64,{payload[:8]},{payload[8:]}", f"data:image/png;base64,{payload} ",
                   f"data:image/png;base64,={payload[1:]}"):
        with pytest.raises(InvalidContent, match="not valid base64"):
            inspect_image(broken, "auto", WHERE)
