"""Which proxy an upstream call takes (backends/egress.py): the standard variables read as httpx reads
them, NO_PROXY's forms, credentials kept out of every rendering."""

from __future__ import annotations

import base64

import pytest

from backends.egress import Proxies, Proxy, ProxyConfigError

PROXY = "http://proxy.corp:3128"


def route(environ: dict[str, str], url: tuple[str, str, int]) -> Proxy | None:
    return Proxies.from_environment(environ).route(*url)


@pytest.mark.parametrize("environ, url, expected", [
    ({"HTTPS_PROXY": PROXY}, ("https", "api.openai.com", 443), "proxy.corp:3128"),
    ({"HTTPS_PROXY": PROXY}, ("http", "vllm.corp", 8000), None),  # each scheme its own variable
    ({"HTTP_PROXY": PROXY}, ("http", "vllm.corp", 8000), "proxy.corp:3128"),
    ({"ALL_PROXY": PROXY}, ("https", "api.openai.com", 443), "proxy.corp:3128"),
    ({"ALL_PROXY": "http://other:1", "https_proxy": PROXY}, ("https", "a.com", 443), "proxy.corp:3128"),
    ({"HTTPS_PROXY": "http://upper:1", "https_proxy": PROXY}, ("https", "a.com", 443), "proxy.corp:3128"),
    ({"https_proxy": "", "HTTPS_PROXY": PROXY}, ("https", "a.com", 443), "proxy.corp:3128"),  # empty: unset
    ({"HTTPS_PROXY": "proxy.corp:3128"}, ("https", "a.com", 443), "proxy.corp:3128"),  # no scheme: http://
    ({"HTTPS_PROXY": "http://proxy.corp"}, ("https", "a.com", 443), "proxy.corp:80"),  # no port: 80
    ({"HTTPS_PROXY": "http://[fd00::1]:3128"}, ("https", "a.com", 443), "[fd00::1]:3128"),
    ({}, ("https", "a.com", 443), None),
])
def test_the_proxy_for_each_scheme(environ, url, expected):
    chosen = route(environ, url)
    assert (chosen.where if chosen else None) == expected


@pytest.mark.parametrize("no_proxy, url, direct", [
    ("*", ("https", "api.openai.com", 443), True),
    ("openai.com", ("https", "api.openai.com", 443), True),
    ("openai.com", ("https", "openai.com", 443), True),
    ("openai.com", ("https", "notopenai.com", 443), False),
    (".openai.com", ("https", "api.openai.com", 443), True),
    (".openai.com", ("https", "openai.com", 443), False),  # a leading dot: subdomains only (httpx's rule)
    ("*.openai.com", ("https", "api.openai.com", 443), True),
    ("OpenAI.com.", ("https", "API.openai.com", 443), True),  # case and a trailing dot do not matter
    ("10.1.2.3", ("http", "10.1.2.3", 8000), True),
    ("10.0.0.0/8", ("http", "10.200.0.7", 8000), True),
    ("10.0.0.0/8", ("http", "11.0.0.1", 8000), False),
    ("10.0.0.0/8", ("http", "ten.corp", 8000), False),  # no name is resolved
    (".0.0.1", ("http", "127.0.0.1", 80), False),  # a name entry never matches an address
    ("::1", ("http", "::1", 8000), True),
    ("[::1]", ("http", "[::1]", 8000), True),
    ("fd00::/8", ("http", "fd12::5", 8000), True),
    ("vllm.corp:8000", ("http", "vllm.corp", 8000), True),
    ("vllm.corp:8000", ("http", "vllm.corp", 9000), False),
    ("[::1]:8000", ("http", "::1", 8000), True),
    ("127.0.0.1:8000", ("http", "127.0.0.1", 8001), False),
    ("http://vllm.corp", ("http", "vllm.corp", 80), True),
    ("http://vllm.corp", ("https", "vllm.corp", 443), False),
    (" localhost , vllm.corp ", ("http", "vllm.corp", 80), True),  # spaces around entries
    ("localhost", ("http", "127.0.0.1", 80), False),
    ("", ("https", "api.openai.com", 443), False),
])
def test_no_proxy_entries(no_proxy, url, direct):
    environ = {"ALL_PROXY": PROXY, "no_proxy": no_proxy}
    assert (route(environ, url) is None) is direct


def test_credentials_are_sent_as_basic_and_never_rendered():
    proxies = Proxies.from_environment({"HTTPS_PROXY": "http://svc%40corp:p%3Ass@proxy.corp:3128"})
    proxy = proxies.route("https", "api.openai.com", 443)
    assert proxy.authorization == "Basic " + base64.b64encode(b"svc@corp:p:ss").decode()
    for text in (repr(proxy), str(proxy), proxy.where, repr(proxies)):
        assert "p%3Ass" not in text and "p:ss" not in text and "svc" not in text


@pytest.mark.parametrize("value, words", [
    ("socks5://user:secret@proxy.corp:1080", "HTTPS_PROXY names a socks5:// proxy"),
    ("https://user:secret@proxy.corp:443", "HTTPS_PROXY names a https:// proxy"),
    ("http://proxy.corp:port", "HTTPS_PROXY has a port that is not a number"),
])
def test_a_proxy_this_client_cannot_use_fails_its_requests_never_goes_direct(value, words):
    proxies = Proxies.from_environment({"HTTPS_PROXY": value, "NO_PROXY": "direct.corp"})
    with pytest.raises(ProxyConfigError) as refused:
        proxies.route("https", "api.openai.com", 443)
    assert words in str(refused.value) and "secret" not in str(refused.value)
    assert proxies.route("https", "direct.corp", 443) is None  # NO_PROXY still reaches what it names


def test_a_proxy_failure_inside_httpx_is_recognised_and_other_failures_are_not():
    import httpx

    from backends.egress import refusal

    wrapped = RuntimeError("litellm's wrapper")
    assert refusal([wrapped, httpx.ProxyError("407 Proxy Authentication Required")]) == (None, 407)
    assert refusal([httpx.ProxyError("Cannot connect to host")]) == (None, None)
    assert refusal([wrapped, httpx.ConnectError("refused"), ConnectionRefusedError()]) is None


def test_a_local_model_that_only_litellms_own_client_reaches_warns_when_the_variables_would_proxy_it(
        monkeypatch, caplog):
    from backends.cloud import LiteLLMBackend

    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp:3128")
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level("WARNING", logger="turnout.backends"):
        local = LiteLLMBackend("on-prem-claude", "anthropic/claude-x", api_base="http://10.0.0.5:8000", egress=False)
        LiteLLMBackend("cloud-claude", "anthropic/claude-x", api_base="http://10.0.0.6:8000")
    assert local.path.startswith("anthropic")  # off the fast path: litellm's own client
    assert [r.getMessage() for r in caplog.records] == [
        "model 'on-prem-claude' is local but litellm's own client reaches 10.0.0.5 through the egress proxy "
        "proxy.corp:3128: add its host to NO_PROXY"]
    monkeypatch.setenv("NO_PROXY", "10.0.0.0/8")
    caplog.clear()
    with caplog.at_level("WARNING", logger="turnout.backends"):
        LiteLLMBackend("on-prem-claude", "anthropic/claude-x", api_base="http://10.0.0.5:8000", egress=False)
    assert caplog.records == []
