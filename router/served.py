"""`Served`: what happened to one request, frozen, and the one thing its headers, span and metrics
are rendered from (router/telemetry.py renders span and metrics, `headers` below the headers).

While a request runs, a `Recording` (a small mutable builder) collects it: the operation, tenant
and app, the Decision, every backend attempt, usage, the bill, the cache result, the status and the
timings of each step. The HTTP layer opens one at arrival (router/http.py: a request refused while
parsing is recorded too) and emits it once when the last byte has gone; a caller without HTTP
(a test, the CLI) gets one from the gateway, which then emits it itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from router import semconv as sc
from router.accounting import NO_BILL, Bill, Usage
from router.decide import Decision
from router.dispatch import Attempt, Outcome
from router.errors import BudgetExceeded, Forbidden, TurnoutError, Unauthorized, Unroutable, UpstreamError

__all__ = ["Recording", "Served", "Step", "current", "headers", "refusal_reason"]


@dataclass(frozen=True, slots=True)
class Step:
    """One timed step of the request (classify, decide, look, cache), wall-clock nanoseconds."""

    name: str
    start_ns: int
    end_ns: int


@dataclass(frozen=True, slots=True)
class Served:
    """One finished request. `model` answered it (None: nobody did); `location` local | cloud | none;
    `cache` hit | miss | bypass | none (never looked: refused first); `refusal` the reason a 4xx (or a
    decide-time 503) turned it down; `attempts` every backend attempt in order."""

    operation: str
    status: int
    tenant: str
    app: str
    decision: Decision | None
    model: str | None
    location: str
    attempts: tuple[Attempt, ...]
    usage: Usage | None
    bill: Bill
    cache: str
    streamed: bool
    error_type: str | None
    refusal: str | None
    steps: tuple[Step, ...]
    start_ns: int
    end_ns: int
    duration_s: float
    time_to_first_token_s: float | None
    providers: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # model -> (provider, its model name)
    parent: Any = None  # the incoming trace context (W3C traceparent), or None

    @property
    def locations(self) -> Mapping[str, str]:
        return self.decision.locations if self.decision else {}

    @property
    def rule(self) -> str:
        return (self.decision.rule if self.decision else None) or "none"

    @property
    def data_class(self) -> str:
        return self.decision.profile.data_class.label if self.decision else "none"

    @property
    def fallbacks(self) -> int:
        """Failed attempts on models other than the one that answered: how often the request moved on."""
        return len({a.model for a in self.attempts if a.outcome != "ok"} - {self.model})


def refusal_reason(error: TurnoutError, decision: Decision | None) -> str | None:
    """Why a request was turned down, in the `turnout.refusals` reason vocabulary; None for failures
    that are not refusals (an upstream that failed after dispatch)."""
    if isinstance(error, BudgetExceeded):
        return "budget"
    if isinstance(error, (Unauthorized, Forbidden)):
        return "auth"
    if isinstance(error, Unroutable):
        cleared = decision is not None and any(c.reason.startswith("not cleared") for c in decision.candidates)
        return "privacy" if cleared else "unroutable"
    if error.status == 429:
        return "rate_limit"
    if isinstance(error, UpstreamError):
        return "unavailable" if decision is not None and decision.error is error else None
    return "bad_request" if 400 <= error.status < 500 else None


class Recording:
    """The builder of one request's `Served`. Not shared between requests; `freeze` is pure."""

    __slots__ = ("operation", "tenant", "app", "decision", "outcome", "usage", "bill", "cache", "status",
                 "error", "streamed", "steps", "start_ns", "start_perf", "first_token_perf", "parent",
                 "owned", "done", "policy", "engine")

    def __init__(self, operation: str, *, parent: Any = None, owned: bool = False) -> None:
        self.operation, self.parent, self.owned = operation, parent, owned
        self.tenant, self.app = "none", "other"
        self.decision: Decision | None = None
        self.outcome = Outcome()
        self.usage: Usage | None = None
        self.bill: Bill = NO_BILL
        self.cache = "none"
        self.status: int | None = None
        self.error: TurnoutError | None = None
        self.streamed = False
        self.steps: list[Step] = []
        self.start_ns, self.start_perf = time.time_ns(), time.perf_counter()
        self.first_token_perf: float | None = None
        self.done = False
        self.policy: Any = None
        # (gen_ai.provider.name, model name) of what did the work where it is not the answering policy
        # model itself: a local transcription is Whisper's (router/transcriptions.py), not llama.cpp's
        self.engine: tuple[str, str] | None = None

    def step(self, name: str) -> _Timing:
        """`with rec.step(name):` times the block as one Step (a small class, not a generator: it runs
        twice or more per request)."""
        return _Timing(self.steps, name)

    def decided(self, policy: Any, decision: Decision) -> None:
        """The request's decision under `policy` (the latest, or for several prompts in one request the
        most private); the tenant and the app's label come with it."""
        if self.decision is not None and self.decision.profile.data_class > decision.profile.data_class:
            return
        self.policy, self.decision = policy, decision
        self.tenant = decision.profile.tenant
        self.app = app_label(policy, decision.profile.app)

    def settled(self, usage: Usage | None, bill: Bill, status: int) -> None:
        """What an answer used and cost. A request of several prompts (/v1/completions) adds them up."""
        if self.status is not None and self.status < 400 and status < 400:
            if usage is not None and self.usage is not None:
                usage = Usage(*(a + b for a, b in zip(_fields(self.usage), _fields(usage))))
            bill = Bill(*(a + b for a, b in zip(_fields(self.bill), _fields(bill))))
        self.usage, self.bill, self.status = usage, bill, status

    def held(self) -> float:
        """The answering attempt's wall clock so far (the replica time a local model was held)."""
        return time.perf_counter() - (self.outcome.answer_started or self.start_perf)

    def failed(self, error: TurnoutError) -> None:
        self.error, self.status, self.bill, self.usage = error, error.status, NO_BILL, None

    def freeze(self, http_status: int | None = None) -> Served:
        """The finished record. `http_status`: what the HTTP layer sent, used when nothing set a status."""
        end_perf, end_ns = time.perf_counter(), time.time_ns()
        status = self.status or http_status or 500
        outcome, decision = self.outcome, self.decision
        model, location = self._answered()
        error = self.error
        error_type = None if status < 400 else (error.code if error is not None else _http_error(status))
        ttft = None
        if self.first_token_perf is not None:
            ttft = self.first_token_perf - self.start_perf
        return Served(
            operation=self.operation, status=status, tenant=self.tenant, app=self.app, decision=decision,
            model=model, location=location, attempts=tuple(outcome.attempts), usage=self.usage, bill=self.bill,
            cache=self.cache, streamed=self.streamed, error_type=error_type,
            refusal=refusal_reason(error, decision) if error is not None else _refusal_of(status),
            steps=tuple(self.steps), start_ns=self.start_ns, end_ns=end_ns, duration_s=end_perf - self.start_perf,
            time_to_first_token_s=ttft, parent=self.parent,
            providers=self._providers(model))

    def headers(self, *, estimated_cost: float | None = None) -> dict[str, str]:
        """The `x-turnout-*` headers of the record so far: what `headers(self.freeze())` renders, without
        building the record (the request's own is built once, when it is emitted)."""
        model, location = self._answered()
        return _render(model, location, self.decision, self.cache, self.bill, self.outcome.attempts, estimated_cost)

    def _answered(self) -> tuple[str | None, str]:
        """(the model that answered, its location or "none"): a cache hit's is the decision's model."""
        decision = self.decision
        model = (decision.model if decision else None) if self.cache == "hit" else self.outcome.model
        return model, (decision.locations.get(model, "none") if decision and model else "none")

    def _providers(self, model: str | None) -> Mapping[str, tuple[str, str]]:
        known = providers(self.policy) if self.policy is not None else {}
        return {**known, model: self.engine} if self.engine is not None and model is not None else known


class _Timing:
    __slots__ = ("steps", "name", "start")

    def __init__(self, steps: list[Step], name: str) -> None:
        self.steps, self.name = steps, name

    def __enter__(self) -> None:
        self.start = time.time_ns()

    def __exit__(self, *_exc: object) -> None:
        self.steps.append(Step(self.name, self.start, time.time_ns()))


def _fields(record: Any) -> tuple:
    return tuple(getattr(record, name) for name in record.__slots__)


def _http_error(status: int) -> str:
    return {499: "client_closed", 404: "not_found", 405: "method_not_allowed"}.get(status, str(status))


def _refusal_of(status: int) -> str | None:
    """A refusal the HTTP layer answered without the gateway (malformed body, bad key)."""
    if status in (401, 403):
        return "auth"
    if 400 <= status < 500 and status != 499:
        return "bad_request"
    return None


_CURRENT: ContextVar[Recording | None] = ContextVar("turnout_recording", default=None)


def current() -> Recording | None:
    """The Recording the HTTP layer opened for the request this task serves, if any."""
    return _CURRENT.get()


def opened(recording: Recording) -> Any:
    """Make `recording` the current one (returns the token `closed` needs)."""
    return _CURRENT.set(recording)


def closed(token: Any) -> None:
    _CURRENT.reset(token)


def headers(served: Served, *, estimated_cost: float | None = None) -> dict[str, str]:
    """The `x-turnout-*` headers, from the same record the span and metrics come from. A stream's
    headers leave before its usage is known: they carry `x-turnout-estimated-cost-usd` instead."""
    return _render(served.model, served.location, served.decision, served.cache, served.bill, served.attempts,
                   estimated_cost)


def _render(model: str | None, location: str, decision: Decision | None, cache: str, bill: Bill,
            attempts: Any, estimated_cost: float | None) -> dict[str, str]:
    out = {"x-turnout-model": model or "",
           "x-turnout-location": location if location != "none" else "",
           "x-turnout-rule": (decision.rule if decision else None) or "",
           "x-turnout-data-class": decision.profile.data_class.label if decision else "",
           "x-turnout-cache": cache}
    if estimated_cost is None:
        out["x-turnout-cost-usd"] = f"{bill.cost:.8f}"
        out["x-turnout-reference-cost-usd"] = f"{bill.reference:.8f}"
        out["x-turnout-savings-usd"] = f"{bill.savings:.8f}"
    else:
        out["x-turnout-estimated-cost-usd"] = f"{estimated_cost:.8f}"
    if attempts:  # every backend attempt, in order, e.g. "flaky=BackendTimeout,backup=ok"
        out["x-turnout-attempts"] = ",".join(f"{a.model}={a.outcome}" for a in attempts)
    return out


_PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "gemini": "gcp.gemini", "vertex_ai": "gcp.vertex_ai",
              "bedrock": "aws.bedrock", "azure": "azure.ai.openai", "azure_ai": "azure.ai.inference",
              "mistral": "mistral_ai", "groq": "groq", "deepseek": "deepseek", "xai": "x_ai", "cohere": "cohere",
              "perplexity": "perplexity", "watsonx": "ibm.watsonx.ai"}
_BY_POLICY: dict[str, tuple[dict[str, tuple[str, str]], frozenset[str]]] = {}


def provider_of(spec: Any) -> tuple[str, str]:
    """(gen_ai.provider.name, the provider's model name) of a policy model: llama_cpp and the GGUF's
    name for local models, litellm's provider prefix (openai/, anthropic/, gemini/...) for the rest."""
    if spec.kind == "llamacpp":
        return sc.PROVIDER_LLAMA_CPP, os.path.basename(spec.path or "") or spec.package or spec.id
    prefix, _, name = spec.model.partition("/")
    if spec.kind == "openai" or not name:
        return sc.PROVIDER_OPENAI, spec.model
    return _PROVIDERS.get(prefix, prefix), name


def _policy_names(policy: Any) -> tuple[dict[str, tuple[str, str]], frozenset[str]]:
    """(providers by model id, declared app names) of a policy, worked out once per policy version."""
    known = _BY_POLICY.get(policy.digest)
    if known is None:
        apps = set()
        for tenant in policy.spec.tenants:
            apps.update(budget.app for budget in tenant.budgets if getattr(budget, "app", None))
            apps.update(getattr(tenant, "apps", None) or ())
        for rule in policy.spec.rules:
            apps.update(rule.when.apps or ())
        known = ({m.id: provider_of(m) for m in policy.spec.models}, frozenset(apps))
        if len(_BY_POLICY) > 16:
            _BY_POLICY.clear()
        _BY_POLICY[policy.digest] = known
    return known


def providers(policy: Any) -> dict[str, tuple[str, str]]:
    return _policy_names(policy)[0]


def app_label(policy: Any, app: str | None) -> str:
    """An app the policy declares (in budgets or rules) keeps its name, any other is "other" (low cardinality)."""
    return app if app and app in _policy_names(policy)[1] else "other"
