"""The cases of bench/hostile_input.py: `build_cases()` fills CASES with (category, name, path, request
keyword arguments plus `expect`, and `inner` for a media URL inside the network, `ident` for an error
that may name the identifier it refuses)."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib

SECRET = "DE89370400440532013000"  # an IBAN: confidential content that must never be echoed


def png(w=8, h=8, body=None, bad_crc=False):
    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc ^ (1 if bad_crc else 0))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    raw = body if body is not None else zlib.compress(b"".join(b"\x00" + b"\x80" * (3 * w) for _ in range(h)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def pil(fmt, size=(8, 8)):
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buf, format=fmt)
    return buf.getvalue()


def data_url(mime, data):
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def img_chat(url, **extra):
    return {"model": "auto", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is in this picture?"}, {"type": "image_url", "image_url": {"url": url, **extra}}]}]}


def chat(content="Say hi.", **extra):
    return {"model": "auto", "max_tokens": 8, "messages": [{"role": "user", "content": content}], **extra}


CASES: list[tuple[str, str, str, dict]] = []  # (category, name, path, kwargs for request)


def add(cat, name, path="/v1/chat/completions", method="POST", expect="4xx", **kw):
    CASES.append((cat, name, path, {"method": method, "expect": expect, **kw}))


def raw(cat, name, body: bytes, path="/v1/chat/completions", ctype="application/json", expect="4xx", **kw):
    add(cat, name, path, content=body, headers={"content-type": ctype, **kw.pop("headers", {})}, expect=expect, **kw)


JSON_PATHS = ["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/embeddings", "/v1/feedback", "/v1/route"]


def build_cases():
    # --- malformed bodies on every JSON endpoint
    for p in JSON_PATHS:
        for name, body in [("truncated", b'{"model": "auto", "messages": [{"role": "us'), ("empty", b""),
                           ("not-json", b"hello"), ("array", b"[1,2]"), ("string", b'"x"'), ("number", b"42"),
                           ("null", b"null"), ("true", b"true"), ("NaN", b'{"model": NaN}'),
                           ("Infinity", b'{"temperature": Infinity, "messages": []}'),
                           ("deep", b"[" * 100000 + b"]" * 100000),
                           ("deep-obj", b'{"a":' * 5000 + b"1" + b"}" * 5000),
                           ("bom", b"\xef\xbb\xbf{}"), ("latin1", b'{"model": "\xe9"}'),
                           ("lone-surrogate-escape", b'{"messages": [{"role": "user", "content": "\\ud800"}]}'),
                           ("nul", b'{"a": "\x00"}'), ("trailing", b'{} {}'),
                           ("huge", b'{"x": "' + b"a" * (5 * 1024 * 1024) + b'"}')]:
            raw("malformed", f"{p} {name}", body, path=p)
        raw("content-type", f"{p} text/plain", b'{"model":"auto"}', path=p, ctype="text/plain")
        raw("content-type", f"{p} form", b"a=b", path=p, ctype="application/x-www-form-urlencoded")
    # --- chat: wrong types at every field
    bad_fields = {
        "messages-string": {"messages": "hello"}, "messages-empty": {"messages": []}, "messages-null": {"messages": None},
        "messages-missing": {}, "message-not-object": {"messages": ["hi"]},
        "content-number": {"messages": [{"role": "user", "content": 5}]},
        "content-dict": {"messages": [{"role": "user", "content": {"text": "hi"}}]},
        "role-unknown": {"messages": [{"role": "wizard", "content": "hi"}]},
        "role-missing": {"messages": [{"content": "hi"}]},
        "role-number": {"messages": [{"role": 1, "content": "hi"}]},
        "part-no-type": {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
        "part-unknown-type": {"messages": [{"role": "user", "content": [{"type": "x", "text": "hi"}]}]},
        "part-text-number": {"messages": [{"role": "user", "content": [{"type": "text", "text": 3}]}]},
        "image_url-string": {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": "http://e.com/a.png"}]}]},
        "image_url-null": {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": None}]}]},
        "detail-bad": {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://e.com/a.png", "detail": "ultra"}}]}]},
        "audio-format-bad": {"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AAAA", "format": "exe"}}]}]},
        "file-empty": {"messages": [{"role": "user", "content": [{"type": "file", "file": {}}]}]},
        "tool_calls-string": {"messages": [{"role": "assistant", "content": None, "tool_calls": "x"}]},
    }
    for name, fields in bad_fields.items():
        add("types", f"chat {name}", json={"model": "auto", **fields})
    scalar_bad = {"temperature": ["hot", -1, 3, [], True], "top_p": [2, "x"], "n": [-1, 0, 2, "1"],
                  "max_tokens": [0, -5, 1e12, 10**30, "10", 1.5], "stream": ["yes", 1, {}],
                  "model": [5, None, [], "", "gpt-99-unknown", "auto\x00", "../../etc/passwd", "x" * 10000],
                  "stop": [5, [1, 2]], "tools": ["x", [1]], "tool_choice": [5], "response_format": ["json", 3],
                  "reasoning_effort": ["ultra", 3], "seed": ["x", 1.5, 10**40], "user": [5],
                  "stream_options": ["x", {"include_usage": "yes"}], "max_completion_tokens": [0, "x", 10**20],
                  "logit_bias": ["x"], "presence_penalty": ["x"]}
    for field, values in scalar_bad.items():
        for v in values:
            expect = "any" if field in ("logit_bias", "presence_penalty") else "4xx"
            add("types", f"chat {field}={v!r:.40}", json=chat(**{field: v}), expect=expect)
    # --- content oddities
    for name, content in [("nul", "hi\x00there"), ("lone-surrogate", None), ("empty", ""), ("rtl", "\u202e hi"),
                          ("huge-text", "word " * 400000), ("emoji", "\U0001f600" * 1000), ("secret-iban", f"Pay {SECRET} now")]:
        if content is None:
            raw("content", "lone surrogate", b'{"model":"auto","messages":[{"role":"user","content":"a\\udc00b"}]}', expect="any")
            continue
        add("content", f"chat {name}", json=chat(content), expect="any")
    # confidential with wrong field types: message must not echo the secret
    add("leak", "secret + bad temperature", json=chat(f"My IBAN is {SECRET}", temperature="hot"))
    add("leak", "secret in role", json={"model": "auto", "messages": [{"role": SECRET, "content": "hi"}]})
    add("leak", "secret in model", json=chat("hi", model=f"gpt-{SECRET}"), ident=True)
    add("leak", "secret content-number sibling", json={"model": "auto", "messages": [{"role": "user", "content": f"IBAN {SECRET}"}, {"role": "user", "content": 7}]})
    add("leak", "secret in part type", json={"model": "auto", "messages": [{"role": "user", "content": [{"type": SECRET, "text": "x"}]}]})
    add("leak", "secret as image url", json=img_chat(f"http://10.0.0.1/{SECRET}.png"))
    add("leak", "secret in detail", json=img_chat("https://e.com/a.png", detail=SECRET))
    add("leak", "secret in reasoning_effort", json=chat("hi", reasoning_effort=SECRET))
    add("leak", "secret bad json", content=b'{"messages": [{"role": "user", "content": "' + SECRET.encode() + b'"', headers={"content-type": "application/json"})
    add("leak", "secret responses input number", path="/v1/responses", json={"model": "auto", "input": [{"role": "user", "content": SECRET}, 5]})
    add("leak", "secret embeddings bad", path="/v1/embeddings", json={"model": "auto", "input": [SECRET, 5]})
    add("leak", "secret completions bad", path="/v1/completions", json={"model": "auto", "prompt": SECRET, "max_tokens": "x"})
    add("leak", "secret feedback id", path="/v1/feedback", json={"id": SECRET, "outcome": "bad"}, ident=True)
    add("leak", "secret stop", json=chat("hi", stop={"a": SECRET}))
    add("leak", "secret data-class header", json=chat("hi"), headers={"x-turnout-data-class": SECRET}, ident=True)
    # --- images
    images = {
        "bad-base64": "data:image/png;base64,@@@not base64@@@",
        "zero-byte": "data:image/png;base64,",
        "no-base64-marker": "data:image/png,rawbytes",
        "wrong-mime": data_url("image/png", pil("JPEG")),
        "text-as-image": data_url("image/png", b"hello world this is not an image"),
        "truncated-png": data_url("image/png", pil("PNG")[:30]),
        "truncated-jpeg": data_url("image/jpeg", pil("JPEG")[:40]),
        "bad-crc-png": data_url("image/png", png(bad_crc=True)),
        "giant-dim-png": data_url("image/png", png(100000, 100000, body=zlib.compress(b"\x00" * 1000))),
        "bomb-png": data_url("image/png", png(20000, 20000, body=zlib.compress(b"\x00" * (20000 * 3 + 1) * 300, 9))),
        "huge-width-1px": data_url("image/png", png(2**31 - 1, 1, body=zlib.compress(b"\x00"))),
        "zero-dim-png": data_url("image/png", png(0, 0)),
        "gif": data_url("image/gif", pil("GIF")), "webp": data_url("image/webp", pil("WEBP")),
        "bmp": data_url("image/bmp", pil("BMP")), "tiff": data_url("image/tiff", pil("TIFF")),
        "svg": data_url("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://169.254.169.254/"/></svg>'),
        "mime-text/html": data_url("text/html", b"<b>hi</b>"),
        "mime-missing": "data:;base64," + base64.b64encode(pil("PNG")).decode(),
        "data-garbage": "data:",
        "base64-padding": "data:image/png;base64," + base64.b64encode(pil("PNG")).decode().rstrip("=") + "===",
        "base64-urlsafe": "data:image/png;base64," + base64.urlsafe_b64encode(pil("PNG")).decode(),
        "base64-whitespace": "data:image/png;base64, " + base64.b64encode(pil("PNG")).decode()[:10] + "\n" + base64.b64encode(pil("PNG")).decode()[10:],
        "empty-url": "", "space-url": " ", "relative-url": "/etc/passwd",
    }
    for name, url in images.items():
        add("image", f"image {name}", json=img_chat(url), expect="any")
    # gif bomb: large logical screen
    gif = b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00\x00\x00" + b"," + struct.pack("<HHHH", 0, 0, 65535, 65535) + b"\x00\x02\x02\x44\x01\x00;"
    add("image", "image gif-giant", json=img_chat(data_url("image/gif", gif)), expect="any")
    # --- inner URLs
    inner = ["http://[::1]/a.png", "http://[::ffff:127.0.0.1]/a.png", "http://[0:0:0:0:0:ffff:7f00:1]/a.png",
             "http://[fe80::1%25eth0]/a.png", "http://0.0.0.0/a.png", "http://127.1/a.png", "http://2130706433/a.png",
             "http://0x7f000001/a.png", "http://017700000001/a.png", "http://0x7f.0.0.1/a.png", "http://0177.0.1/a.png",
             "http://127.000.000.001/a.png", "http://localhost./a.png", "http://LOCALHOST/a.png", "http://LocalHost.:80/",
             "http://１２７.０.０.１/a.png", "http://example.com@127.0.0.1/a.png", "http://127.0.0.1#@example.com/a.png",
             "http://127.0.0.1\\@example.com/a.png", "http://example.com\\@127.0.0.1/a.png", "http:\\\\127.0.0.1\\a.png",
             "http://metadata.google.internal/computeMetadata/v1/", "http://metadata.google.internal./",
             "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/meta-data/", "http://100.64.0.1/",
             "http://100.127.255.254/", "http://[::]/", "http://[::ffff:a9fe:a9fe]/", "http://[::ffff:169.254.169.254]/",
             "http://[0:0:0:0:0:0:0:1]/", "http://[::127.0.0.1]/", "http://[2001:db8::1]/", "http://[fc00::1]/",
             "http://[ff02::1]/", "http://224.0.0.1/", "http://255.255.255.255/", "http://192.0.0.170/",
             "http://198.18.0.1/", "http://[64:ff9b::7f00:1]/", "http://[::ffff:0:7f00:1]/", "http://[2002:a9fe:a9fe::]/",
             "HTTP://127.0.0.1/", "http://127.0.0.1:80@example.com/", "http://0/", "http://0x0/", "http://00/",
             "http://127.0.0.1./", "http://127.0.0.1%2e/", "http://%31%32%37.0.0.1/", "http://127。0。0。1/",
             "http://①②⑦.0.0.1/", "http://[::1]:8000/admin/policy", "//127.0.0.1/a.png", "http:/127.0.0.1/a.png",
             "http:127.0.0.1/a.png", " http://127.0.0.1/", "http://127.0.0.1\t/", "\thttp://127.0.0.1/", "http://127.0.0.1\n/",
             "http://kubernetes.default.svc/", "http://kubernetes.default.svc.cluster.local/", "http://foo.svc.cluster.local/",
             "http://instance-data/", "http://instance-data.ec2.internal/", "http://metadata/", "http://169.254.170.2/v2/credentials",
             "http://[fd00::1]/", "http://fd00--1.sslip.io/", "http://localtest.me/", "http://127.0.0.1.nip.io/",
             "http://a.b.c.localhost/", "http://xn--localhost/", "http://burpcollaborator.net@[::1]/",
             "https://[::ffff:7f00:1]:443/", "http://0177.1/", "http://0x7f.1/", "http://127.0.1/", "http://10.1/",
             "http://3232235521/", "http://[0::1]/", "http://[::0:1]/", "http://[0000::0001]/", "http://[::FFFF:127.0.0.1]/",
             "ftp://127.0.0.1/", "file:///etc/passwd", "FILE:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "dict://127.0.0.1:11211/",
             "jar:http://127.0.0.1!/", "ldap://127.0.0.1/", "netdoc:///etc/passwd", "javascript:alert(1)", "blob:http://x/",
             "data:text/html,<script>", "http://[::1%25lo]/", "http://[fe80::1%eth0]/", "http://[fe80::1]/",
             "http://127.0.0.1:99999/", "http://[::1/", "http://a@b@127.0.0.1/", "http://127.0.0.1:80:80/"]
    for url in inner:
        for kind in ("image", "video"):
            part = ({"type": "image_url", "image_url": {"url": url}} if kind == "image"
                    else {"type": "video_url", "video_url": {"url": url}})
            add("inner-url", f"{kind} {url!r:.60}", json={"model": "auto", "messages": [{"role": "user", "content": [
                {"type": "text", "text": "describe"}, part]}]}, expect="4xx", inner=url)
        add("inner-url", f"responses input_image {url!r:.50}", path="/v1/responses", json={"model": "auto", "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "describe"}, {"type": "input_image", "image_url": url}]}]},
            expect="4xx", inner=url)
    # --- headers
    for name, headers in [("data-class unknown", {"x-turnout-data-class": "top-secret"}),
                          ("data-class empty", {"x-turnout-data-class": ""}),
                          ("data-class upper", {"x-turnout-data-class": "CONFIDENTIAL"}),
                          ("data-class list", {"x-turnout-data-class": "public, restricted"}),
                          ("app huge", {"x-turnout-app": "a" * 20000}),
                          ("app weird", {"x-turnout-app": "../\x7f"}),
                          ("cache-control junk", {"cache-control": "max-age=-1, no-store=foo"}),
                          ("auth empty bearer", {"authorization": "Bearer "}), ("auth basic", {"authorization": "Basic Zm9vOmJhcg=="}),
                          ("auth huge", {"authorization": "Bearer " + "k" * 60000}),
                          ("auth latin1", {"authorization": "Bearer caf\xe9".encode("latin-1")}), ("data-class latin1", {"x-turnout-data-class": "caf\xe9".encode("latin-1")}), ("app utf8", {"x-turnout-app": "caf\u00e9\u4e2d".encode()}),
                          ("huge header", {"x-foo": "v" * 200000}), ("content-length lie", {"content-length": "5"}),
                          ("content-length negative", {"content-length": "-1"}),
                          ("content-length huge", {"content-length": "99999999999999"})]:
        add("headers", f"chat {name}", json=chat("hi"), headers=headers, expect="any")
    # --- responses / completions / embeddings shapes
    resp_bad = [{"input": 5}, {"input": None}, {"input": [5]}, {"input": [{"role": "user", "content": 5}]},
                {"input": [{"type": "bogus"}]}, {"input": "hi", "max_output_tokens": "x"},
                {"input": "hi", "previous_response_id": 5}, {"input": "hi", "previous_response_id": "resp_nope"},
                {"input": "hi", "store": "yes"}, {"input": "hi", "stream": "yes"}, {"input": "hi", "instructions": 5},
                {"input": "hi", "tools": "x"}, {"input": "hi", "temperature": "x"}, {"input": "hi", "model": 5},
                {"input": [{"role": "user", "content": [{"type": "input_image"}]}]},
                {"input": [{"role": "user", "content": [{"type": "input_file", "file_data": "!!"}]}]},
                {"input": [{"role": "user", "content": [{"type": "input_audio"}]}]}, {}, {"input": []},
                {"input": "hi", "reasoning": "x"}, {"input": "hi", "text": "x"}, {"input": "hi", "text": {"format": 5}}]
    for body in resp_bad:
        add("responses", f"responses {json.dumps(body)[:60]}", path="/v1/responses", json={"model": "auto", **body}, expect="4xx")
    comp_bad = [{"prompt": 5}, {"prompt": None}, {}, {"prompt": [5, "x"]}, {"prompt": [[1, 2]]}, {"prompt": []},
                {"prompt": "hi", "max_tokens": "x"}, {"prompt": "hi", "n": 5}, {"prompt": "hi", "best_of": "x"},
                {"prompt": "hi", "echo": "yes"}, {"prompt": "hi", "stream": "yes"}, {"prompt": "hi", "logprobs": "x"},
                {"prompt": ["a"] * 1000}, {"prompt": "hi", "suffix": 5}, {"prompt": {"a": 1}}]
    for body in comp_bad:
        add("completions", f"completions {json.dumps(body)[:60]}", path="/v1/completions", json={"model": "auto", **body}, expect="4xx")
    emb_bad = [{"input": 5}, {"input": None}, {}, {"input": []}, {"input": [[1, 2]]}, {"input": [5]}, {"input": ""},
               {"input": "hi", "dimensions": -1}, {"input": "hi", "dimensions": "x"}, {"input": "hi", "encoding_format": "hex"},
               {"input": ["a"] * 100000}, {"input": "hi", "model": "gpt-99"}, {"input": {"a": 1}}, {"input": [None]}]
    for body in emb_bad:
        add("embeddings", f"embeddings {json.dumps(body)[:60]}", path="/v1/embeddings", json={"model": "auto", **body}, expect="4xx")
    fb_bad = [{}, {"id": 5}, {"id": "x"}, {"id": "chatcmpl-x", "outcome": "meh"}, {"id": "chatcmpl-x", "outcome": 5},
              {"id": "", "outcome": "good"}, {"id": "chatcmpl-x", "outcome": "good", "extra": 1}, {"id": None},
              {"id": "chatcmpl-x" * 10000, "outcome": "good"}]
    for body in fb_bad:
        add("feedback", f"feedback {json.dumps(body)[:60]}", path="/v1/feedback", json=body, expect="4xx")
    # --- route dry-run
    for body in [{"messages": "x"}, {"model": 5}, chat("hi", temperature="x")]:
        add("route", f"route {json.dumps(body)[:50]}", path="/v1/route", json=body, expect="4xx")
    # --- transcriptions
    T = "/v1/audio/transcriptions"
    add("audio", "no body", path=T, expect="4xx")
    add("audio", "json body", path=T, json={"file": "x"})
    add("audio", "multipart no file", path=T, data={"model": "auto"}, files={"x": ("a.txt", b"abc")})
    add("audio", "multipart only fields", path=T, data={"model": "auto"})
    add("audio", "not audio", path=T, files={"file": ("a.wav", b"this is not audio at all")}, data={"model": "auto"})
    add("audio", "zero byte", path=T, files={"file": ("a.wav", b"")}, data={"model": "auto"})
    add("audio", "riff truncated", path=T, files={"file": ("a.wav", b"RIFF\x24\x00\x00\x00WAVEfmt ")}, data={"model": "auto"})
    add("audio", "png as audio", path=T, files={"file": ("a.png", pil("PNG"))}, data={"model": "auto"})
    add("audio", "exe name", path=T, files={"file": ("a.exe", b"MZ\x90\x00")}, data={"model": "auto"})
    add("audio", "file as field", path=T, data={"model": "auto", "file": "abc"})
    add("audio", "bad response_format", path=T, files={"file": ("a.wav", b"RIFF\x24\x00\x00\x00WAVEfmt ")}, data={"model": "auto", "response_format": "srt"})
    add("audio", "bad model", path=T, files={"file": ("a.wav", b"RIFF\x24\x00\x00\x00WAVEfmt ")}, data={"model": "gpt-99"})
    add("audio", "two files", path=T, files=[("file", ("a.wav", b"RIFF")), ("file", ("b.wav", b"RIFF"))], data={"model": "auto"})
    add("audio", "broken multipart", path=T, content=b"--xx\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", headers={"content-type": "multipart/form-data; boundary=xx"})
    add("audio", "multipart no boundary", path=T, content=b"abc", headers={"content-type": "multipart/form-data"})
    add("audio", "temperature str", path=T, files={"file": ("a.wav", b"RIFF")}, data={"model": "auto", "temperature": "hot"})
    add("audio", "language junk", path=T, files={"file": ("a.wav", b"RIFF")}, data={"model": "auto", "language": "zz" * 50})
    # --- audio and file parts in chat
    def part_chat(part):
        return {"model": "auto", "messages": [{"role": "user", "content": [{"type": "text", "text": "transcribe"}, part]}]}
    wav = b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16) + b"data" + struct.pack("<I", 0)
    for name, data, fmt in [("bad-base64", "@@@", "wav"), ("empty", "", "wav"), ("text", base64.b64encode(b"not audio").decode(), "wav"),
                            ("png-as-mp3", base64.b64encode(pil("PNG")).decode(), "mp3"), ("wav-header-only", base64.b64encode(wav).decode(), "wav"),
                            ("wav-lies-size", base64.b64encode(wav[:40] + struct.pack("<I", 2**31) + b"\x00" * 100).decode(), "wav"),
                            ("pcm16-odd", base64.b64encode(b"\x01\x02\x03").decode(), "pcm16"), ("data-url", "data:audio/wav;base64," + base64.b64encode(wav).decode(), "wav"),
                            ("number", 5, "wav"), ("null", None, "wav")]:
        add("audio-part", f"input_audio {name}", json=part_chat({"type": "input_audio", "input_audio": {"data": data, "format": fmt}}), expect="any")
    for name, file in [("garbage", {"file_data": "@@@", "filename": "a.pdf"}), ("pdf-garbage", {"file_data": data_url("application/pdf", b"%PDF-1.4 garbage"), "filename": "a.pdf"}),
                       ("text", {"file_data": data_url("text/plain", b"hello"), "filename": "a.txt"}), ("id-only", {"file_id": "file-123"}),
                       ("url-inner", {"file_data": "http://169.254.169.254/latest/meta-data/"}), ("url-file", {"file_data": "file:///etc/passwd"}),
                       ("exe", {"file_data": data_url("application/x-msdownload", b"MZ\x90"), "filename": "a.exe"}),
                       ("zip-bomb-ish", {"file_data": data_url("application/zip", b"PK\x03\x04" + b"\x00" * 100), "filename": "a.zip"})]:
        expect = "4xx" if name.startswith("url") else "any"
        add("file-part", f"file {name}", json=part_chat({"type": "file", "file": file}), expect=expect)
    # --- routing misuse
    for name, body, headers in [("explicit cloud, restricted", chat("hi", model="cloud-flagship"), {"x-turnout-data-class": "restricted"}),
                                ("explicit cloud, iban", chat(f"IBAN {SECRET}", model="cloud-flagship"), {}),
                                ("chat to embedder", chat("hi", model="local-embed"), {}),
                                ("chat to cloud embedder", chat("hi", model="cloud-embed"), {}),
                                ("video to local only", {**part_chat({"type": "video_url", "video_url": {"url": "https://example.com/v.mp4"}})}, {"x-turnout-data-class": "confidential"}),
                                ("max_tokens over window", chat("hi", max_tokens=10**9), {}),
                                ("stream + bad", chat("hi", stream=True, temperature="x"), {}),
                                ("stream restricted cloud", chat("hi", stream=True, model="cloud-flagship"), {"x-turnout-data-class": "restricted"}),
                                ("many messages", {"model": "auto", "messages": [{"role": "user", "content": "hi"}] * 20000}, {}),
                                ("many images", part_chat({"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}) | {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}] * 500}]}, {}),
                                ("tool msg no id", {"model": "auto", "messages": [{"role": "tool", "content": "x"}]}, {}),
                                ("assistant only", {"model": "auto", "messages": [{"role": "assistant", "content": "x"}]}, {}),
                                ("system only", {"model": "auto", "messages": [{"role": "system", "content": "x"}]}, {}),
                                ("content null user", {"model": "auto", "messages": [{"role": "user", "content": None}]}, {}),
                                ("content empty list", {"model": "auto", "messages": [{"role": "user", "content": []}]}, {}),
                                ("deep tools", chat("hi", tools=[{"type": "function", "function": {"name": "f", "parameters": json.loads('{"a":' * 500 + "1" + "}" * 500)}}]), {}),
                                ("tools bad", chat("hi", tools=[{"type": "function"}]), {}),
                                ("response_format bad", chat("hi", response_format={"type": "json_schema"}), {}),
                                ]:
        add("routing", name, json=body, headers=headers, expect="any")
    for name, body in [("embed to chat model", {"model": "local-smollm2", "input": "hi"}), ("embed unknown", {"model": "nope", "input": "hi"}),
                       ("embed iban cloud", {"model": "cloud-embed", "input": f"IBAN {SECRET}"}), ("embed huge", {"model": "auto", "input": "word " * 300000}),
                       ("embed dims huge", {"model": "auto", "input": "hi", "dimensions": 10**9})]:
        add("routing", name, path="/v1/embeddings", json=body, expect="any")
    # --- other endpoints / methods
    add("other", "GET models", path="/v1/models", method="GET", expect="2xx")
    add("other", "POST models", path="/v1/models", expect="4xx")
    add("other", "GET chat", method="GET", expect="4xx")
    add("other", "unknown path", path="/v1/nope", expect="4xx")
    add("other", "admin policy", path="/admin/policy", method="GET", expect="any")
    add("other", "admin reload", path="/admin/reload", expect="any")
    add("other", "admin budgets", path="/admin/budgets", method="GET", expect="any")
    add("other", "dashboard data", path="/dashboard/data", method="GET", expect="any")
    add("other", "models/x", path="/v1/models/gpt-4", method="GET", expect="4xx")
