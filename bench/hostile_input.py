"""Hostile input on every endpoint of the real app, in-process: a table of cases and failures.

    PYTHONPATH=$PWD LITELLM_LOCAL_MODEL_COST_MAP=True python bench/hostile_input.py [CATEGORY] [--verbose]

The app is what `turnout serve` builds for policies/default.yaml (router.runtime.build), with every
model a function backend (nothing leaves the process; the OCR and speech engines are the real ones,
loaded on first use). Each case is a request and what it must get: a 4xx in OpenAI's error shape
("4xx"), a 2xx ("2xx") or either ("any": valid or not, but never a 5xx). Every case also fails on a
5xx, a traceback, an error message quoting the confidential IBAN a request carried (except named
identifiers, `ident`), an error over 2,000 characters, more than 15 s (30 s: a hang), and, for a media URL inside
the network, any backend receiving the request. Then the image fetcher (backends/fetch.py) is driven
with a fake resolver and transport over names and redirects that resolve inside the network: a
case fails if any non-global address is dialled or anything but InvalidMedia is raised.
The failures found and fixed are pinned by tests/unit/test_bad_input.py, test_inner_urls.py,
test_policy.py, test_cli_route.py and tests/integration/test_fetch.py.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from backends.base import InvalidMedia  # noqa: E402
from backends.fetch import Fetcher, FetchRules  # noqa: E402
from backends.function import FunctionBackend, completion  # noqa: E402
from hostile_cases import CASES, SECRET, build_cases  # noqa: E402
from router.http import create_app  # noqa: E402
from router.runtime import build  # noqa: E402
from router.settings import Settings  # noqa: E402

MODELS = ["local-smollm2", "local-vision", "local-embed", "cloud-flagship", "cloud-reasoning-fallback",
          "cloud-multimodal", "cloud-embed"]


class Fake(FunctionBackend):
    async def embed(self, request):
        self.requests.append(request)
        return {"object": "list", "model": self.model_id,
                "data": [{"object": "embedding", "index": i, "embedding": [0.1, 0.2]} for i, _ in enumerate(request["input"])],
                "usage": {"prompt_tokens": 3, "total_tokens": 3}}


def make_app():
    fakes = {m: Fake(m, lambda r, m=m: completion(f"{m} says hi")) for m in MODELS}
    gateway = build(Settings(policy=REPO / "policies" / "default.yaml", redis_url=None), backends=fakes)
    return create_app(gateway, max_body_bytes=4 * 1024 * 1024), fakes


VERBOSE = "--verbose" in sys.argv


def problems(kw, resp):
    out = []
    status = resp.status_code
    text = resp.text
    exp = kw["expect"]
    if status >= 500:
        out.append(f"{status}")
    if exp == "4xx" and not 400 <= status < 500:
        out.append(f"expected 4xx got {status}")
    if exp == "2xx" and not 200 <= status < 300:
        out.append(f"expected 2xx got {status}")
    if "Traceback" in text or 'File "' in text:
        out.append("traceback")
    if 400 <= status < 600:
        try:
            err = resp.json()["error"]
            if set(err) != {"message", "type", "param", "code"} or not isinstance(err["message"], str):
                out.append(f"bad error shape {set(err)}")
        except Exception:
            out.append(f"not OpenAI error shape: {text[:100]!r}")
        if SECRET in text and not kw.get("ident"):
            out.append("echoes the secret")
        if len(text) > 2000:
            out.append(f"long error {len(text)}")
    return out


async def run(only=None):
    build_cases()
    app, fakes = make_app()
    results = {}
    fails = []
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://turnout", timeout=60) as http:
        for cat, name, path, kw in CASES:
            if only and only not in cat:
                continue
            kw = dict(kw)
            method, exp, inner = kw.pop("method"), kw.pop("expect"), kw.pop("inner", None)
            ident = kw.pop("ident", False)
            for f in fakes.values():
                f.requests.clear()
            t0 = time.perf_counter()
            try:
                resp = await asyncio.wait_for(http.request(method, path, **kw), 30)
                probs = problems({"expect": exp, "ident": ident}, resp)
                if VERBOSE:
                    print("CASE", cat, "|", name, "|", resp.status_code, "|", resp.text[:160].replace("\n", " "))
            except asyncio.TimeoutError:
                probs, resp = ["hang >30s"], None
            except Exception as exc:
                probs, resp = [f"client exception {type(exc).__name__}: {exc}"[:200]], None
            dt = time.perf_counter() - t0
            if dt > 15:  # the speech and OCR engines load on first use (a few seconds)
                probs.append(f"slow {dt:.1f}s")
            if inner is not None and any(f.requests for f in fakes.values()):
                probs.append(f"forwarded to backend ({[f.model_id for f in fakes.values() if f.requests]})")
            ok = not probs
            results.setdefault(cat, [0, 0])
            results[cat][0] += 1
            results[cat][1] += ok
            if not ok:
                detail = resp.text[:300].replace("\n", " ") if resp is not None else ""
                fails.append((cat, name, probs, resp.status_code if resp is not None else None, detail))
    print(f"{'category':<14} {'cases':>6} {'ok':>6}")
    for cat, (n, ok) in results.items():
        print(f"{cat:<14} {n:>6} {ok:>6}")
    print(f"{'total':<14} {sum(v[0] for v in results.values()):>6} {sum(v[1] for v in results.values()):>6}")
    for f in fails:
        print("FAIL", f[0], "|", f[1], "|", f[2], "|", f[3], "|", f[4])


DNS = {"localtest.me": ["127.0.0.1"], "127.0.0.1.nip.io": ["127.0.0.1"], "metadata.google.internal": ["169.254.169.254"],
       "public.example": ["93.184.216.34"], "mixed.example": ["93.184.216.34", "10.0.0.1"],
       "v6.example": ["2606:4700::1", "::1"], "mapped.example": ["::ffff:127.0.0.1"], "zone.example": ["fe80::1%eth0"],
       "nat64.example": ["64:ff9b::a9fe:a9fe"], "cgnat.example": ["100.64.1.1"], "ec2.example": ["fd00:ec2::254"],
       "example.com": ["93.184.216.34"], "junk.example": ["not-an-ip"], "empty.example": []}
FETCHED = [f"http://{name}/a.png" for name in DNS] + [
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[0:0:0:0:0:ffff:7f00:1]/", "http://[fe80::1%25eth0]/",
    "http://0.0.0.0/", "http://127.1/", "http://2130706433/", "http://0x7f000001/", "http://017700000001/",
    "http://localhost./", "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "http://example.com@127.0.0.1/",
    "http://127.0.0.1#@example.com/", "http://127.0.0.1\\@example.com/", "http://169.254.169.254/",
    "http://[fd00:ec2::254]/", "http://100.64.0.1/", "http://%31%32%37.0.0.1/", "http://public.example:99999/",
    "http://[::1/", "ftp://public.example/", "file:///etc/passwd", "https://public.example/ok.png"]
REDIRECTS = ["http://[::1/", "http://127.0.0.1/", "http://[::1]/", "http://localtest.me/", "http://2130706433/",
             "//127.0.0.1/", "http://169.254.169.254/latest", "file:///etc/passwd", "", "/r/loop",
             "http://public.example/ok.png", "http://example.com@127.0.0.1/", "http://mixed.example/",
             "HTTP://[::ffff:7f00:1]/", "gopher://x/"]


async def fetch_cases() -> None:
    """The fetcher over FETCHED and, from a public host, a redirect to each of REDIRECTS."""
    dialled: list[str] = []
    hops = {f"/r/{i}": target for i, target in enumerate(REDIRECTS)} | {"/r/loop": "/r/loop"}

    async def resolve(host: str, port: int) -> list[str]:
        if host not in DNS:
            raise OSError("no such host")
        return DNS[host]

    def answer(request: httpx.Request) -> httpx.Response:
        dialled.append(request.url.host)
        if request.url.path in hops:
            return httpx.Response(302, headers={"location": hops[request.url.path]})
        return httpx.Response(200, content=b"\x89PNG")

    fetcher = Fetcher(FetchRules(enabled=True, schemes=("http", "https"), timeout_s=2.0, max_redirects=3),
                      resolver=resolve, transport=httpx.MockTransport(answer))
    cases = [(url, None) for url in FETCHED] + [(f"http://public.example/r/{i}", t) for i, t in enumerate(REDIRECTS)]
    failures = []
    for url, target in cases:
        dialled.clear()
        try:
            outcome = f"200 ({len(await fetcher.fetch(url, 'image'))} bytes)"
        except InvalidMedia as exc:
            outcome = f"400 {exc.message}"
        except Exception as exc:  # noqa: BLE001 - what this bench looks for
            outcome = f"crash {type(exc).__name__}: {exc}"
            failures.append((url, target, outcome))
        inner = [h for h in dialled if not ipaddress.ip_address(h).is_global]
        if inner:
            failures.append((url, target, f"dialled {inner}"))
        if VERBOSE:
            print("FETCH", url, "->", target, "|", outcome[:120], "| dialled", dialled)
    print(f"{'fetch':<14} {len(cases):>6} {len(cases) - len(failures):>6}")
    for url, target, why in failures:
        print("FAIL fetch |", url, "->", target, "|", why)


if __name__ == "__main__":
    only = next((a for a in sys.argv[1:] if not a.startswith("--")), None)
    asyncio.run(run(only))
    if only in (None, "fetch"):
        asyncio.run(fetch_cases())
