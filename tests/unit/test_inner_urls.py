"""Media URLs that point inside the network are a 400 naming the part, before anything is decided,
in every spelling a resolver accepts; public URLs and inline data pass; the policy's fetch
allow-list is honoured."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from router.errors import BadRequest
from router.inner_urls import inside
from router.pipeline import plan
from router.policy_loader import compile_policy, load_policy

DEFAULT = Path(__file__).resolve().parents[2] / "policies" / "default.yaml"

INSIDE = [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254: link-local"),
    ("http://2130706433/a.png", "127.0.0.1: loopback"),  # decimal
    ("http://0x7f.1/a.png", "127.0.0.1: loopback"),  # hex, short form
    ("http://0177.0.0.1/", "127.0.0.1: loopback"),  # octal
    ("http://127.1/", "127.0.0.1: loopback"),
    ("http://0/", "0.0.0.0"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped
    ("http://[2002:7f00:1::]/", "2002:7f00:1::: loopback"),  # 6to4 embedding
    ("http://[64:ff9b::a9fe:a9fe]/", "inside the network"),  # NAT64 of the metadata address
    ("http://[fe80::1%25eth0]/x", "fe80::1: link-local"),
    ("http://10.0.0.5/scan.png", "10.0.0.5: private"),
    ("http://172.16.3.4/", "private"),
    ("http://192.168.1.1/cam.jpg", "private"),
    ("http://100.64.0.1/", "not globally routable"),  # carrier-grade NAT
    # IANA special-purpose blocks Python 3.11's ipaddress reads as global
    ("http://192.0.0.192/opc/v2/instance/", "192.0.0.192: not globally routable"),  # Oracle Cloud metadata
    ("http://[3fff::1]/", "not globally routable"),  # documentation (RFC 9637)
    ("http://168.63.129.16/machine?comp=goalstate", "168.63.129.16: cloud platform service"),  # Azure WireServer
    ("http://user:pw@evil.example@127.0.0.1:8000/", "127.0.0.1: loopback"),  # userinfo trick
    ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "127.0.0.1: loopback"),  # full-width digits
    ("http://localhost:8000/admin/policy", "'localhost'"),
    ("http://LocalHost./", "'localhost'"),
    ("http://metadata.google.internal/computeMetadata/v1/", "special-use name"),
    ("http://printer.local/p.png", "special-use name"),
    ("http://nas.home.arpa/p.png", "special-use name"),
    ("http://intranet/logo.png", "single-label host 'intranet'"),
    ("file:///etc/passwd", "scheme 'file' is not allowed"),
    ("gopher://example.com/", "scheme 'gopher' is not allowed"),
    ("ftp://example.com/a.png", "scheme 'ftp' is not allowed"),
    # every host some parser reads: WHATWG ends the authority at "\\", some parsers take user info for the host
    ("http://127.0.0.1\\@example.com/a.png", "127.0.0.1: loopback"),
    ("http://127.0.0.1:80@example.com/a.png", "127.0.0.1: loopback"),
    ("http://[::1]@example.com/", "::1: loopback"),
    ("http://%31%32%37.0.0.1/a.png", "127.0.0.1: loopback"),  # percent-encoded host
    ("http://127\u30020\u30020\u30021/a.png", "127.0.0.1: loopback"),  # ideographic full stops
    ("http://kubernetes.default.svc/api", "special-use name"),
    ("http://consul.service.consul/", "special-use name"),
    # names whose DNS answers loopback or the address they spell
    ("http://localtest.me/a.png", "resolves to loopback"),
    ("http://x.lvh.me/a.png", "resolves to loopback"),
    ("http://127.0.0.1.nip.io/a.png", "spells 127.0.0.1: loopback"),
    ("http://app.10-0-0-7.sslip.io/a.png", "spells 10.0.0.7: private"),
    ("http://7f000001.nip.io/a.png", "spells 127.0.0.1: loopback"),
    ("http://fd00-ec2--254.sslip.io/", "spells fd00:ec2::254: private"),
    ("http://a9fea9fe.nip.io/latest/meta-data/", "spells 169.254.169.254: link-local"),
    ("http://ip-10-0-0-5.example.com/", "spells 10.0.0.5: private"),
    ("http://169.254.169.254.example.com/", "spells 169.254.169.254: link-local"),
]
OUTSIDE = ["https://upload.wikimedia.org/wikipedia/commons/a.png", "https://8.8.8.8/x.png",
           "http://[2606:4700:4700::1111]/x.png", "data:image/png;base64,iVBORw0KGgo=", "https://example.com/a.png",
           # look-alikes that are public: user info that names no address, public addresses spelled in a name
           "https://user:secret@example.com/a.png", "https://ec2-54-12-3-4.compute-1.amazonaws.com/a.png",
           "https://8.8.8.8.nip.io/a.png", "https://cdn.example.com/2024-01-15/a.png", "https://example.com/a\\b.png"]


@pytest.mark.parametrize("url, why", INSIDE)
def test_urls_inside_the_network_are_named_with_the_reason(url, why):
    assert why in (inside(url) or "")


@pytest.mark.parametrize("url", OUTSIDE)
def test_public_urls_and_inline_data_pass(url):
    assert inside(url) is None


@functools.cache
def _default():
    return load_policy(DEFAULT)


def _image(url: str, kind: str = "image_url") -> dict:
    return {"model": "auto", "messages": [
        {"role": "user", "content": "Hello."},
        {"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": kind, kind: {"url": url}}]}]}


@pytest.mark.parametrize("kind", ["image_url", "video_url"])
def test_the_pipeline_refuses_an_inner_url_with_a_400_naming_the_part(kind):
    with pytest.raises(BadRequest) as caught:
        plan(_default(), _image("http://10.1.2.3/secret.png", kind), {}, "default")
    error = caught.value
    assert error.status == 400 and error.param == f"messages[1].content[1].{kind}.url"
    assert "points inside the network (10.1.2.3: private)" in str(error) and "inline" in str(error)


@pytest.mark.parametrize("data, why", [("http://169.254.169.254/latest/meta-data/", "169.254.169.254: link-local"),
                                       ("file:///etc/passwd", "scheme 'file' is not allowed")])
def test_a_file_part_whose_data_is_a_url_is_judged_like_an_image_url(data, why):
    request = {"model": "auto", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "Summarise."}, {"type": "file", "file": {"file_data": data, "filename": "a.pdf"}}]}]}
    with pytest.raises(BadRequest, match=why) as caught:
        plan(_default(), request, {}, "default")
    assert caught.value.param == "messages[0].content[1].file.file_data"


def test_a_public_url_is_decided_as_before():
    request, decision = plan(_default(), _image("https://example.com/cat.png"), {}, "default")
    assert request.messages[1].content[1].image_url.url == "https://example.com/cat.png" and decision.profile


def test_networks_the_policy_allows_for_fetching_are_allowed_here_too():
    text = DEFAULT.read_text(encoding="utf-8")
    assert text.count("\nmedia:\n") == 1 and "\n  fetch:" not in text
    policy = compile_policy(text.replace("\nmedia:\n", "\nmedia:\n  fetch: {enabled: true, allow_networks: [10.1.0.0/16]}\n"),
                            "p.yaml")
    plan(policy, _image("http://10.1.2.3/ok.png"), {}, "default")
    with pytest.raises(BadRequest, match="10.2.0.1: private"):
        plan(policy, _image("http://10.2.0.1/no.png"), {}, "default")
    with pytest.raises(BadRequest, match="loopback"):
        plan(policy, _image("http://127.0.0.1/no.png"), {}, "default")
