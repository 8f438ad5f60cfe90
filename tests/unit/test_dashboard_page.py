"""The built-in dashboard's maths (pure, over samples) and its guard (admin key as bearer or Basic)."""

from __future__ import annotations

import base64
import hashlib
import math
import types

import httpx
import pytest
from fastapi import FastAPI

from router import dashboard
from router.dashboard_data import Sample, figures, quantile

INF = math.inf


@pytest.mark.parametrize("q,buckets,expected", [
    (0.5, [(0.1, 10), (0.5, 20), (INF, 20)], 0.1),           # the rank falls on a bucket's upper edge
    (0.99, [(0.1, 10), (0.5, 20), (INF, 20)], 0.1 + 0.4 * 9.8 / 10),  # interpolated inside (0.1, 0.5]
    (0.5, [(1.0, 4), (INF, 4)], 0.5),                        # the first bucket starts at 0
    (0.99, [(0.25, 1), (1.0, 1), (INF, 10)], 1.0),           # in +Inf: the highest finite bound
    (0.5, [(0.1, 0), (INF, 0)], None),                       # nothing observed
    (0.5, [(INF, 3), (0.1, 1), (0.5, 3)], 0.1 + 0.4 * 0.5 / 2),  # bucket order does not matter
])
def test_quantile_follows_prometheus_histogram_quantile(q, buckets, expected):
    got = quantile(q, buckets)
    assert (got is None) if expected is None else got == pytest.approx(expected)


def request(count: float, **labels: str) -> Sample:
    base = {"model": "m", "location": "local", "rule": "r", "status": "200", "tenant": "t", "app": "a",
            "operation": "chat", "data_class": "internal", "cache": "miss"}
    return Sample("turnout_requests_total", {**base, **labels}, count)


def test_figures_add_every_replica_label_set_into_one_total():
    samples = [
        request(6, location="local", rule="private"), request(3, location="cloud", model="c", rule="heavy"),
        request(1, location="none", model="none", rule="none", status="422"),
        Sample("turnout_cost_USD_total", {"model": "c", "location": "cloud", "tenant": "t", "app": "a"}, 0.25),
        Sample("turnout_cost_USD_total", {"model": "m", "location": "local", "tenant": "u", "app": "a"}, 0.05),
        Sample("turnout_savings_USD_total", {"model": "m", "location": "local", "tenant": "t", "app": "a"}, 0.5),
        Sample("turnout_cache_lookups_total", {"operation": "chat", "result": "hit"}, 3),
        Sample("turnout_cache_lookups_total", {"operation": "chat", "result": "miss"}, 1),
        Sample("turnout_cache_lookups_total", {"operation": "chat", "result": "bypass"}, 5),
        Sample("turnout_refusals_total", {"reason": "privacy", "tenant": "t"}, 1),
        Sample("turnout_request_duration_seconds_bucket", {"model": "m", "le": "0.1"}, 2),
        Sample("turnout_request_duration_seconds_bucket", {"model": "m", "le": "+Inf"}, 2),
        Sample("turnout_request_duration_seconds_bucket", {"model": "c", "le": "0.1"}, 0),
        Sample("turnout_request_duration_seconds_bucket", {"model": "c", "le": "+Inf"}, 2),
        Sample("turnout_breaker_state", {"model": "c"}, 2),
    ]
    f = figures(samples)
    assert f["requests"] == 10
    assert f["requests_by_status"] == {"2xx": 9, "4xx": 1}
    assert f["spend_usd"] == pytest.approx(0.30)
    assert f["spend_by_model"] == {"c": 0.25, "m": 0.05}
    assert f["spend_by_tenant"] == {"t": 0.25, "u": 0.05}
    assert f["local_share"] == pytest.approx(6 / 9)  # of requests a model answered; the refusal is not one
    assert f["decisions_by_rule"] == {"private": 6, "heavy": 3, "none": 1}
    assert f["cache"]["hit_ratio"] == pytest.approx(0.75)  # bypassed lookups are not cacheable ones
    assert f["refusals_by_reason"] == {"privacy": 1}
    assert f["latency_s"]["m"]["p50"] == pytest.approx(0.05)
    assert f["latency_s"]["c"]["p50"] == pytest.approx(0.1)  # in +Inf: the highest finite bound
    assert f["latency_s"]["all"]["count"] == 4
    assert f["breakers"] == {"c": "open"}


def test_figures_without_traffic_are_zero_or_unknown_never_an_error():
    f = figures([])
    assert f["requests"] == 0 and f["spend_usd"] == 0
    assert f["local_share"] is None and f["cache"]["hit_ratio"] is None and f["latency_s"] == {}


ADMIN_KEY = "admin-secret"


def app_with(admin_keys: list[str], mode: str) -> FastAPI:
    spec = types.SimpleNamespace(auth=types.SimpleNamespace(admin_key_sha256=admin_keys, mode=mode),
                                 models=[types.SimpleNamespace(id="m", location="local")])
    gateway = types.SimpleNamespace(store=types.SimpleNamespace(current=types.SimpleNamespace(spec=spec, digest="d" * 64)))
    app = FastAPI()
    app.state.admin_key_sha256 = None
    dashboard.add_routes(app, lambda request: gateway)
    return app


async def get(app: FastAPI, path: str, authorization: str | None = None) -> httpx.Response:
    headers = {"authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://turnout") as http:
        return await http.get(path, headers=headers)


def basic(password: str, user: str = "ops") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/data"])
async def test_the_page_and_its_data_need_the_admin_key_as_bearer_or_basic_password(path):
    from router.errors import TurnoutError
    from router.http import _error_response

    app = app_with([hashlib.sha256(ADMIN_KEY.encode()).hexdigest()], "keys")
    app.add_exception_handler(TurnoutError, lambda request, exc: _error_response(exc))
    missing = await get(app, path)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Basic ")
    assert missing.json()["error"]["message"].startswith("the dashboard needs the admin key")
    assert (await get(app, path, basic("wrong"))).status_code == 403
    assert (await get(app, path, "Bearer wrong")).status_code == 403
    assert (await get(app, path, "Basic !!not-base64")).status_code == 401
    for good in (basic(ADMIN_KEY), basic(ADMIN_KEY, user=""), f"Bearer {ADMIN_KEY}"):
        reply = await get(app, path, good)
        assert reply.status_code == 200, good
        assert reply.headers["cache-control"] == "no-store"


async def test_an_open_policy_without_admin_keys_shows_the_page_to_anyone():
    app = app_with([], "open")
    page = await get(app, "/dashboard")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" in page.text and "http://" not in page.text.replace("http://www.w3.org/2000/svg", "")  # no CDN
    data = (await get(app, "/dashboard/data")).json()
    assert data["locations"] == {"m": "local"} and "requests" in data and "latency_s" in data
