"""The whole product as a user meets it: `turnout serve` on Ray Serve, the official openai client,
the real bundled SmolLM2 model, real OCR and speech engines in their own deployments. Ordered: the last test stops the gateway and checks what is left."""

from __future__ import annotations

import json
import signal
import time

import httpx
import openai
import pytest

import media_samples as ms

pytestmark = pytest.mark.e2e

HEADERS = ("x-turnout-model", "x-turnout-location", "x-turnout-rule", "x-turnout-data-class",
           "x-turnout-cache", "x-turnout-cost-usd")


def client(served) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.url + "/v1", api_key="unused-in-open-mode", max_retries=0, timeout=120)


def test_readyz_reports_the_policy_and_the_loaded_local_model(served):
    body = httpx.get(served.url + "/readyz").json()
    assert body["status"] == "ready"
    assert body["models"]["local-smollm2"]["available"] is True
    assert body["models"]["local-vision"]["available"] is False  # no GGUF shipped: marked, not fatal
    assert "OPENAI_API_KEY" in body["models"]["cloud-flagship"]["detail"]


def test_models_lists_policy_models_and_auto(served):
    ids = [m.id for m in client(served).models.list().data]
    assert ids[0] == "auto"
    assert {"local-smollm2", "cloud-flagship", "cloud-multimodal"} <= set(ids)


def test_openai_client_completion_from_the_local_model(served):
    raw = client(served).chat.completions.with_raw_response.create(
        model="auto", max_tokens=16, temperature=0,
        messages=[{"role": "user", "content": "Write a haiku about autumn."}])
    completion = raw.parse()
    assert completion.model == "local-smollm2"
    assert completion.choices[0].message.content
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    for header in HEADERS:
        assert raw.headers.get(header) is not None, header
    assert raw.headers["x-turnout-location"] == "local"
    assert raw.headers["x-turnout-rule"] == "routine"
    assert float(raw.headers["x-turnout-cost-usd"]) > 0  # local is priced by GPU time, never free


def test_openai_client_stream_with_usage(served):
    with client(served).chat.completions.with_streaming_response.create(
            model="auto", max_tokens=16, stream=True, stream_options={"include_usage": True},
            messages=[{"role": "user", "content": "Translate 'good morning' to French."}]) as response:
        assert response.headers["x-turnout-model"] == "local-smollm2"
        assert response.headers["x-turnout-location"] == "local"
        chunks = list(response.parse())
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert all(c.model == "local-smollm2" for c in chunks)


def test_private_request_stays_local_and_says_why(served):
    raw = client(served).chat.completions.with_raw_response.create(
        model="auto", max_tokens=8,
        messages=[{"role": "user", "content": "Reply to maria.keller@example-mail.de about the invoice."}],
        extra_headers={"x-turnout-data-class": "public"})
    assert raw.headers["x-turnout-location"] == "local"
    assert raw.headers["x-turnout-data-class"] == "confidential"
    assert raw.headers["x-turnout-rule"] == "private-stays-local"


def test_heavy_request_with_no_cloud_keys_degrades_to_local(served):
    raw = client(served).chat.completions.with_raw_response.create(
        model="auto", max_tokens=8,
        messages=[{"role": "user", "content": "Prove rigorously that there are infinitely many primes of the "
                                              "form 4k+3, explaining each step."}])
    assert raw.headers["x-turnout-model"] == "local-smollm2"


def test_pinned_cloud_model_with_personal_data_is_refused(served):
    with pytest.raises(openai.UnprocessableEntityError) as info:
        client(served).chat.completions.create(
            model="cloud-flagship",
            messages=[{"role": "user", "content": "Draft a letter to maria.keller@example-mail.de."}])
    error = info.value.body
    assert error["code"] == "unroutable"
    assert "not cleared for confidential" in error["message"]
    assert "maria.keller" not in json.dumps(error)  # the value itself never echoes back


@pytest.mark.parametrize(("body", "status", "needle"), [
    (b"{not json", 400, "not valid JSON"),
    (json.dumps({"model": "auto"}).encode(), 400, "messages"),
    (json.dumps({"model": "auto", "messages": [{"role": "user", "content": [{"type": "bogus"}]}]}).encode(),
     400, "messages[0].content[0]"),
    (json.dumps({"model": "gpt5", "messages": [{"role": "user", "content": "hi"}]}).encode(), 404, "local-smollm2"),
    (json.dumps({"model": "auto", "messages": [{"role": "user", "content": "x" * (3 * 1024 * 1024)}]}).encode(),
     413, "exceeds the limit"),
])
def test_bad_input_gets_a_clear_openai_shaped_error(served, body, status, needle):
    response = httpx.post(served.url + "/v1/chat/completions", content=body,
                          headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert needle in error["message"]
    assert "Traceback" not in response.text


def test_a_screenshot_question_is_answered_locally_from_its_text(served):
    image = ms.screenshot(["Name: Maria Keller", "E-mail: maria.keller@example-mail.de", "Plan: Gold"])
    raw = client(served).chat.completions.with_raw_response.create(
        model="auto", max_tokens=48, temperature=0,
        messages=ms.chat("What is the e-mail address in this screenshot?", ms.image_part(image))["messages"])
    assert (raw.headers["x-turnout-model"], raw.headers["x-turnout-location"]) == ("local-smollm2", "local")
    assert "maria.keller" in raw.parse().choices[0].message.content.lower()  # the model read the OCR text
    # No cloud key: nothing could leave, so the gateway did not need to look; the dry-run looks when asked.
    route = httpx.post(served.url + "/v1/route", json=ms.chat("What is the e-mail address?", ms.image_part(image)),
                       headers={"x-turnout-scan-media": "true"}, timeout=120).json()
    assert ("email", "messages[0].content[1] (image text)") in ms.kinds_where(route["findings"])
    assert route["data_class"] == "confidential" and route["location"] == "local"


def test_a_voice_memo_question_is_answered_locally_from_its_transcript(served):
    memo = ms.speech("Hi, this is John. Please call me back on 020 7946 0958.")
    raw = client(served).chat.completions.with_raw_response.create(
        model="auto", max_tokens=48, temperature=0,
        messages=ms.chat("Who left this voice memo?", ms.audio_part(memo))["messages"])
    assert (raw.headers["x-turnout-model"], raw.headers["x-turnout-location"]) == ("local-smollm2", "local")
    answer = raw.parse()
    # The model received the transcript: its prompt (counted by llama.cpp) holds the memo's ~20 words
    # on top of the question alone. What a 135M model then says about it varies with the transcript
    # Whisper makes of espeak's voice under load, so the words of its answer are not asserted.
    bare = client(served).chat.completions.create(
        model="local-smollm2", max_tokens=1, temperature=0,
        messages=[{"role": "user", "content": "Who left this voice memo?"}])
    assert answer.usage.prompt_tokens >= bare.usage.prompt_tokens + 12
    assert answer.choices[0].message.content.strip()
    route = httpx.post(served.url + "/v1/route", json=ms.chat("Who is it?", ms.audio_part(memo)) | {"scan_media": True},
                       timeout=120).json()
    assert ("phone", "messages[0].content[1] (audio transcript)") in ms.kinds_where(route["findings"])


def test_responses_completions_and_embeddings_through_ray_serve(served):
    """The rest of the OpenAI surface through the whole Ray path: Responses and legacy completions on
    the local chat model, private embeddings on the local embedding deployment (llama.cpp)."""
    sdk = client(served)
    raw = sdk.responses.with_raw_response.create(model="auto", input="Write to maria.keller@example-mail.de.",
                                                 max_output_tokens=8)
    assert raw.headers["x-turnout-location"] == "local" and raw.parse().usage.output_tokens > 0
    assert sdk.completions.create(model="auto", prompt="Say hi.", max_tokens=4).choices[0].text is not None
    # Streamed, the end work runs after the last event, inside the replica (router/http_surface.py's Answer)
    events = list(sdk.responses.create(model="auto", input="Say hi.", max_output_tokens=4, stream=True))
    assert events[-1].type == "response.completed" and events[-1].response.usage.output_tokens > 0
    pieces = list(sdk.completions.create(model="auto", prompt="Say hi.", max_tokens=4, stream=True,
                                         stream_options={"include_usage": True}))
    assert pieces[-1].usage.completion_tokens > 0
    embedded = sdk.embeddings.with_raw_response.create(model="auto", input=["Invoice for Maria Keller, IBAN "
                                                                            "DE89370400440532013000", "hello"])
    assert embedded.headers["x-turnout-model"] == "local-embed"
    assert embedded.headers["x-turnout-data-class"] == "confidential"
    assert [len(d.embedding) for d in embedded.parse().data] == [640, 640]


def test_route_dry_run_matches_the_decision_contract(served):
    response = httpx.post(served.url + "/v1/route", json={
        "model": "auto", "messages": [{"role": "user", "content": "Send salary to DE89370400440532013000."}]})
    decision = response.json()
    assert decision["location"] == "local" and decision["data_class"] == "confidential"
    assert ("iban", "messages[0].content") in ms.kinds_where(decision["findings"])


def _describe(pids: set[int]) -> dict[int, str]:
    import psutil

    described = {}
    for pid in pids:
        try:
            described[pid] = " ".join(psutil.Process(pid).cmdline())[:160]
        except psutil.Error:
            described[pid] = "(exited since)"
    return described


def _local_model_detail(served) -> str:
    return httpx.get(served.url + "/readyz", timeout=10).json()["models"]["local-smollm2"]["detail"]


def test_a_busy_local_model_is_saturated_not_down_and_private_work_waits_for_it(served):
    """A generation longer than the health check's timeout keeps the only slot: /readyz must still say
    available, and a private request must wait for the slot (queue), not get a 503."""
    import threading
    import time

    long_body = {"model": "auto", "max_tokens": 400, "logit_bias": {"0": -100, "2": -100},
                 "messages": [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]}
    hog = threading.Thread(target=lambda: httpx.post(served.url + "/v1/chat/completions", json=long_body,
                                                      timeout=120))
    hog.start()
    try:
        time.sleep(3.5)  # past the 2 s health timeout and several 1 s health refreshes
        ready = httpx.get(served.url + "/readyz", timeout=10).json()["models"]["local-smollm2"]
        assert ready["available"] is True, ready
        answer = client(served).chat.completions.with_raw_response.create(
            model="auto", max_tokens=4,
            messages=[{"role": "user", "content": "Remind jane.roe@corp.example.com about the audit."}])
        assert answer.status_code == 200 and answer.headers["x-turnout-model"] == "local-smollm2"
    finally:
        hog.join(120)


def test_a_client_that_hangs_up_mid_stream_frees_the_local_replica(served):
    """Through HAProxy, the Serve proxy, the ingress and the LocalModel replica: closing the connection
    stops llama.cpp generating. EOS is suppressed (logit_bias) so, uncancelled, the generation would
    run to max_tokens — the test first checks that would take far longer than the 5 s it allows."""
    import time

    body = {"model": "auto", "stream": True, "max_tokens": 3000, "temperature": 0.8,
            "logit_bias": {"0": -100, "2": -100},  # SmolLM2's <|endoftext|> and <|im_end|>
            "messages": [{"role": "user", "content": "Write a very long story about a lighthouse keeper."}]}
    with httpx.Client(timeout=60) as http:
        with http.stream("POST", served.url + "/v1/chat/completions", json=body) as response:
            assert response.status_code == 200 and response.headers["x-turnout-model"] == "local-smollm2"
            chunks, started = 0, None
            for line in response.iter_lines():
                if line.startswith("data: {"):
                    chunks += 1
                    started = started or time.monotonic()
                if chunks >= 40:
                    break
            rate = (chunks - 1) / (time.monotonic() - started)
        hung_up = time.monotonic()  # leaving both blocks closed the connection
    assert (3000 - chunks) / rate > 15, f"at {rate:.0f} tokens/s the story would end by itself too soon"
    while "idle" not in (detail := _local_model_detail(served)):
        assert time.monotonic() - hung_up < 5, f"local-smollm2 still generating 5 s after the client left: {detail}"
        time.sleep(0.2)
    # The replica is free again: a new request is answered at once, not after the abandoned story.
    started = time.monotonic()
    answer = client(served).chat.completions.create(model="auto", max_tokens=4,
                                                    messages=[{"role": "user", "content": "Say hi."}])
    assert answer.model == "local-smollm2" and time.monotonic() - started < 10


def _readyz_until_draining(url: str, within_s: float = 5.0) -> tuple[int, dict]:
    """/readyz polled from SIGTERM on, until it stops saying ready (or refuses: then the last answer)."""
    answer: tuple[int, dict] = (0, {})
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        try:
            response = httpx.get(url + "/readyz", timeout=2)
        except httpx.HTTPError:
            return answer
        answer = (response.status_code, response.json())
        if response.status_code != 200:
            return answer
        time.sleep(0.05)
    return answer


def test_zz_sigterm_drains_then_stops_everything_within_10_s(served, ray_processes):
    """The shutdown contract: SIGTERM finishes the request in flight, then Serve, Ray and HAProxy
    stop within 10 s and nothing is left running (tests/e2e/test_lifecycle.py: a second start)."""
    body = {"model": "auto", "max_tokens": 48, "temperature": 0, "stream": True,
            "messages": [{"role": "user", "content": "Tell a short story about a train."}]}
    with httpx.stream("POST", served.url + "/v1/chat/completions", json=body, timeout=60) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        assert next(line for line in lines if line.startswith("data: "))  # the request is in flight now
        served.proc.send_signal(signal.SIGTERM)
        ready = _readyz_until_draining(served.url)
        rest = [line for line in lines if line]
    assert ready == (503, {"status": "draining"})  # a load balancer polling readiness stops sending
    assert rest[-1] == "data: [DONE]", rest[-3:]  # answered to the end, not cut
    assert served.stop() == 0
    assert served.stop_s <= 10, f"SIGTERM to exit took {served.stop_s:.1f} s"
    output = "".join(served.output)
    assert "listening on http://127.0.0.1" in output and "stopped in" in output
    leftover = ray_processes() - served.before
    assert not leftover, f"processes left behind: {_describe(leftover)}"
