"""A real image through llama.cpp's multimodal code (mtmd), with a tiny seeded projector.

The text model is the packaged gemma3-270m; the projector (tests/integration/tiny_mmproj.py) is a
LLaVA-1.6-style CLIP + MLP with 112-px tiles of 64 tokens and five grid pinpoints, built with the
`gguf` package at the text model's width. The answers are noise; what is checked is what users
rely on: the prompt tokens llama.cpp really spends on images of several sizes (against the
policy's image-token rule), image preparation (orientation, metadata, size), routing, usage,
headers, clear 4xx errors, and that no image URL is fetched except as the policy allows.
"""

from __future__ import annotations

import base64
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from backends.base import BackendBadRequest
from backends.llamacpp import LlamaCppEngine
from router.classify.build import token_rule
from router.classify.media import inspect_image
from router.classify.tokens import image_tokens
from router.gateway import Gateway
from router.http import create_app
from router.policy import compile_policy
from router.policy_store import PolicyStore
from router.runtime import llamacpp_options
from tiny_mmproj import build_tiny_mmproj

pytestmark = pytest.mark.asyncio(loop_scope="session")

PINPOINTS = ((224, 112), (112, 224), (224, 224), (336, 112), (112, 336))
POLICY = """
version: 1
auth: {{mode: open}}
models:
  - id: tiny-vlm
    kind: llamacpp
    path: {model}
    mmproj: {mmproj}
    chat_handler: Llava15ChatHandler
    n_ctx: 2048
    modalities: [text, image, video]  # video as sampled frames
    max_images: 3
    max_image_pixels: 160000
    tokens:
      image_rule: llava_anyres
      image_tile_px: 112
      image_tile_tokens: 64
      image_grid_pinpoints: [[224, 112], [112, 224], [224, 224], [336, 112], [112, 336]]
media:
  fetch: {{enabled: true, schemes: [http], allow_networks: [127.0.0.1/32], timeout_s: 5}}
rules:
  - id: private
    when: {{data_class_at_least: confidential}}
    route: [tiny-vlm]
  - id: routine
    route: [tiny-vlm]
"""


def picture(width: int, height: int, fmt: str = "PNG", **save) -> bytes:
    """A real picture: a colour gradient with a dark square in its top-left corner."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image.paste((20, 40, 200), (0, 0, max(1, width // 4), max(1, height // 4)))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def image_message(*urls: str, text: str = "Describe it.") -> list[dict]:
    parts = [{"type": "image_url", "image_url": {"url": url}} for url in urls]
    return [{"role": "user", "content": parts + [{"type": "text", "text": text}]}]


@pytest.fixture(scope="module")
def policy(gemma_path: Path, tmp_path_factory: pytest.TempPathFactory):
    mmproj = build_tiny_mmproj(gemma_path, tmp_path_factory.mktemp("mmproj") / "tiny-mmproj.gguf",
                               image_size=112, patch_size=14, pinpoints=PINPOINTS)
    text = POLICY.format(model=gemma_path, mmproj=mmproj)
    path = mmproj.parent / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def vlm(policy: Path) -> Iterator[LlamaCppEngine]:
    compiled = compile_policy(policy.read_text(), str(policy))
    spec = compiled.models["tiny-vlm"]
    options = llamacpp_options(spec, policy.parent, compiled.spec.media)
    options.pop("package"), options.pop("model_dir"), options.pop("embedding")
    engine = LlamaCppEngine("tiny-vlm", options.pop("path"), seed=3, **options)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def seen(vlm: LlamaCppEngine) -> list[bytes]:
    """Every image's bytes as llama.cpp's chat handler receives them."""
    handler = vlm._llama.chat_handler
    original, received = handler.load_image, []

    def recording(url: str) -> bytes:
        data = original(url)
        received.append(data)
        return data

    handler.load_image = recording
    return received


class _Images(http.server.BaseHTTPRequestHandler):
    body = picture(150, 100)
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        type(self).hits.append(f"{self.server.server_address[0]}{self.path}")
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("location", f"http://127.0.0.2:{self.server.server_address[1]}/cat.png")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("content-type", "image/png")
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def image_servers() -> Iterator[dict[str, int]]:
    """The same picture served on 127.0.0.1 (allowed by the policy) and 127.0.0.2 (loopback, refused)."""
    servers = {}
    for host in ("127.0.0.1", "127.0.0.2"):
        server = http.server.ThreadingHTTPServer((host, 0), _Images)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[host] = server
    yield {host: server.server_address[1] for host, server in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


async def prompt_tokens(engine: LlamaCppEngine, messages: list[dict]) -> int:
    answer = await engine.complete({"messages": messages, "max_tokens": 1, "temperature": 0})
    return answer["usage"]["prompt_tokens"]


async def test_image_prompt_tokens_match_the_policy_rule_within_ten_percent(vlm, policy):
    """Measured: prompt tokens with the image minus the same prompt without it. Expected: the
    classifier's estimate for the image under the policy's rule (after the gateway's shrink)."""
    rule = token_rule(compile_policy(policy.read_text()).models["tiny-vlm"])
    baseline = await prompt_tokens(vlm, [{"role": "user", "content": [{"type": "text", "text": "Describe it."}]}])
    results = []
    for width, height in [(100, 80), (200, 100), (640, 480), (300, 900), (1600, 600)]:
        url = data_url(picture(width, height))
        info, _ = inspect_image(url, "auto", "messages[0].content[0].image_url")
        expected = image_tokens(info, rule)
        measured = await prompt_tokens(vlm, image_message(url)) - baseline
        results.append(((width, height), measured, expected))
    assert len({m for _, m, _ in results}) >= 3, results  # the sizes really cost different amounts
    for size, measured, expected in results:
        assert abs(measured - expected) <= 0.10 * measured, (size, measured, expected, results)


async def test_exif_orientation_applied_and_metadata_gone_before_llama_cpp_sees_it(vlm, seen):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)})
    exif.get_ifd(0x8769)[0xA431] = "SERIAL-1234"
    photo = picture(300, 120, "JPEG", exif=exif.tobytes(), quality=90)
    seen.clear()
    answer = await vlm.complete({"messages": image_message(data_url(photo, "image/jpeg")), "max_tokens": 2})
    assert answer["usage"]["prompt_tokens"] > 64
    (received,) = seen
    image = Image.open(io.BytesIO(received))
    assert image.size == (120, 300)  # orientation 6: displayed upright, taller than wide
    assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
    assert b"SERIAL-1234" not in received and b"GPS" not in received
    assert image.getpixel((image.width - 5, 5))[2] > 150  # the blue corner is now top-right


async def test_large_image_is_shrunk_to_the_models_max_pixels_keeping_aspect(vlm, seen):
    seen.clear()
    await vlm.complete({"messages": image_message(data_url(picture(1600, 800))), "max_tokens": 1})
    (received,) = seen
    width, height = Image.open(io.BytesIO(received)).size
    assert width * height <= 160_000 and abs(width / height - 2.0) < 0.01
    seen.clear()
    await vlm.complete({"messages": image_message(data_url(picture(60, 40))), "max_tokens": 1})
    assert Image.open(io.BytesIO(seen[0])).size == (60, 40)  # never enlarged


async def test_truncated_and_corrupt_images_are_clear_400s_naming_the_part(vlm):
    whole = picture(400, 300)
    for broken in (whole[: len(whole) // 2], b"\x89PNG\r\n\x1a\n" + b"\x00" * 64):
        with pytest.raises(BackendBadRequest, match=r"messages\[0\]\.content\[0\]\.image_url: image is"):
            await vlm.complete({"messages": image_message(data_url(broken)), "max_tokens": 1})


async def test_image_url_fetched_only_where_the_policy_allows(vlm, seen, image_servers):
    _Images.hits.clear()
    seen.clear()
    allowed = f"http://127.0.0.1:{image_servers['127.0.0.1']}/cat.png"
    answer = await vlm.complete({"messages": image_message(allowed), "max_tokens": 1})
    assert answer["usage"]["prompt_tokens"] > 64 and len(seen) == 1
    assert _Images.hits == ["127.0.0.1/cat.png"]
    for url in (f"http://127.0.0.2:{image_servers['127.0.0.2']}/cat.png",  # loopback, not allow-listed
                f"http://127.0.0.1:{image_servers['127.0.0.1']}/redirect",  # redirects to 127.0.0.2
                "http://169.254.169.254/latest/meta-data/",  # metadata: refused before any connection
                "file:///etc/passwd"):
        with pytest.raises(BackendBadRequest, match=r"messages\[0\]\.content\[0\]\.image_url: "):
            await vlm.complete({"messages": image_message(url), "max_tokens": 1})
    assert all(hit.startswith("127.0.0.1/") for hit in _Images.hits), _Images.hits


async def test_the_chat_handler_itself_can_never_fetch(vlm, image_servers):
    _Images.hits.clear()
    with pytest.raises(ValueError, match="never fetched"):
        vlm._llama.chat_handler.load_image(f"http://127.0.0.1:{image_servers['127.0.0.1']}/cat.png")
    assert _Images.hits == []


@pytest.fixture(scope="module")
def gateway(policy: Path, vlm: LlamaCppEngine) -> Gateway:
    return Gateway(PolicyStore(policy), {"tiny-vlm": vlm})


@pytest.fixture
async def client(gateway: Gateway):
    await gateway.refresh_health()
    app = create_app(gateway, max_body_bytes=8 * 1024 * 1024)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http_client:
        yield http_client


async def test_private_photo_is_answered_locally_with_usage_and_headers(client, seen):
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 8.0, 0.0), 3: "E", 4: (11.0, 34.0, 0.0)})
    photo = picture(320, 240, "JPEG", exif=exif.tobytes())
    seen.clear()
    response = await client.post("/v1/chat/completions", json={
        "model": "auto", "max_tokens": 3, "messages": image_message(data_url(photo, "image/jpeg"))})
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-model"] == "tiny-vlm"
    assert response.headers["x-turnout-location"] == "local"
    assert response.headers["x-turnout-data-class"] == "confidential"  # the EXIF GPS
    assert response.headers["x-turnout-rule"] == "private"
    usage = response.json()["usage"]
    assert usage["prompt_tokens"] > 5 * 64 and usage["completion_tokens"] >= 1  # 224x224 grid + overview
    assert b"GPS" not in seen[0]


async def test_bad_images_get_clear_4xx_through_the_gateway(client):
    whole = picture(400, 300)
    cases = [
        (image_message("data:image/png;base64,bm90IGFuIGltYWdl"), 400, "image is corrupt"),
        (image_message(data_url(whole[:200])), 400, "image is"),
        (image_message(*[data_url(picture(50, 50))] * 4), 422, "4 images exceed its limit of 3"),
        (image_message("http://169.254.169.254/latest/meta-data/iam"), 400, "link-local"),
    ]
    for messages, status, words in cases:
        response = await client.post("/v1/chat/completions",
                                     json={"model": "auto", "max_tokens": 1, "messages": messages})
        assert response.status_code == status, (words, response.text)
        error = response.json()["error"]
        assert words in error["message"] and "messages[0].content[0]" in error["message"] or status == 422, error


async def test_video_is_read_as_the_classifiers_number_of_frames(client, gateway, seen):
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for n in range(20):  # two seconds
            frame = av.VideoFrame.from_ndarray(np.full((64, 96, 3), n * 10, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    url = "data:video/mp4;base64," + base64.b64encode(buffer.getvalue()).decode()
    payload = {"model": "auto", "max_tokens": 1, "messages": [{"role": "user", "content": [
        {"type": "video_url", "video_url": {"url": url}}, {"type": "text", "text": "Describe it."}]}]}
    decision = gateway.route(payload, {}, "default")
    frames = decision.profile.videos[0].frames
    seen.clear()
    response = await client.post("/v1/chat/completions", json=payload)
    assert response.status_code == 200, response.text
    assert response.headers["x-turnout-model"] == "tiny-vlm" and frames == 2
    assert len(seen) == frames  # one prepared image per sampled frame reached llama.cpp
    assert response.json()["usage"]["prompt_tokens"] >= frames * 64
