"""Outcomes clients report for served requests (`POST /v1/feedback`), kept with the decision's
features so the complexity scorer can learn from the company's own traffic (`turnout feedback export`
writes a `turnout scorer train` file).

The gateway remembers each served request's decision under its response id (`remember`, fail-open:
a store that is down never fails a request). A record holds the decision (model, location, rule, data
class, complexity) and the prompt's feature vector; the prompt text itself only for `public` and
`internal` requests — never for `confidential` or `restricted` ones. Both stores are bounded: Redis
(shared by replicas; decisions expire, the outcome list is trimmed) when configured, else in-process.

Decisions are keyed by tenant and response id: a tenant can only rate what it was served, and two
tenants' answers that happen to share an upstream id never overwrite each other. Redis keys:
`turnout:v1:feedback:decision:<tenant>:<id>` (JSON, expires) and `turnout:v1:feedback:outcomes` (list).
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from router.classify import features
from router.errors import BadRequest, UpstreamUnavailable
from router.profile import DataClass
from router.redis_client import Outage, redis_client
from router.request import ChatRequest

_PREFIX = "turnout:v1:feedback"
_OUTCOMES_KEY = f"{_PREFIX}:outcomes"
_MAX_PROMPT_CHARS = 4096  # for a later feature version to re-read; training uses the stored features
_INSTRUCTION_ROLES = frozenset({"system", "developer", "user"})


class Feedback(BaseModel):
    """The body of POST /v1/feedback."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=200, description="the `id` of the chat completion being rated")
    outcome: Literal["good", "bad", "escalated"] = Field(
        description="good: the answer served; bad: it did not; escalated: the user had to ask a stronger model")
    judge_score: float | None = Field(None, ge=0, le=1, strict=True,
                                      description="an optional judge's score in [0, 1], a JSON number")


def parse_feedback(payload: Any) -> Feedback:
    """Validate a decoded POST /v1/feedback body; BadRequest naming the offending field otherwise."""
    if not isinstance(payload, dict):
        raise BadRequest(f"feedback body must be a JSON object with id and outcome, got {type(payload).__name__}")
    try:
        return Feedback.model_validate(payload)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        raise BadRequest(f"{where}: {error['msg']}", param=where) from None


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """What feedback is stored with: the decision and the prompt's features, never private text."""

    id: str
    tenant: str
    app: str | None
    data_class: str
    model: str
    location: str
    rule: str | None
    complexity: float
    features: tuple[float, ...]
    features_version: int
    prompt: str | None  # None for confidential and restricted requests
    at: float


def instruction_text(request: ChatRequest) -> str:
    """The system, developer and user text of a request: what the complexity scorer reads."""
    parts = []
    for message in request.messages:
        if message.role not in _INSTRUCTION_ROLES or not message.content:
            continue
        if isinstance(message.content, str):
            parts.append(message.content)
        else:
            parts.extend(part.text for part in message.content if part.type == "text")
    return "\n".join(parts)


def record_of(request_id: str, decision: Any, request: ChatRequest, model: str | None = None,
              now: float | None = None) -> DecisionRecord:
    """The record of a served decision (`model`: the model that answered, default the chosen one)."""
    profile = decision.profile
    text = instruction_text(request)
    vector = profile.complexity.features or tuple(features.extract(text))
    served = model or decision.model or ""
    private = profile.data_class >= DataClass.CONFIDENTIAL
    return DecisionRecord(
        id=request_id, tenant=profile.tenant, app=profile.app, data_class=profile.data_class.label, model=served,
        location=decision.locations.get(served, decision.location or ""), rule=decision.rule,
        complexity=profile.complexity.score, features=tuple(vector), features_version=features.VERSION,
        prompt=None if private else text[:_MAX_PROMPT_CHARS], at=time.time() if now is None else now)


def _entry(record: DecisionRecord, feedback: Feedback) -> dict[str, Any]:
    return {**asdict(record), "outcome": feedback.outcome, "judge_score": feedback.judge_score}


class FeedbackStore(Protocol):
    """Where decisions wait for feedback and outcomes are kept. `remember` never raises."""

    async def remember(self, record: DecisionRecord) -> None: ...

    async def add(self, tenant: str, feedback: Feedback) -> bool:
        """Store `feedback`; False when no decision of `tenant` has that id (unknown, expired, another's)."""
        ...

    async def export(self) -> list[dict[str, Any]]:
        """Every stored outcome with its decision record, oldest first."""
        ...


class MemoryFeedback:
    """The embedded default: the latest `max_decisions` decisions and `max_outcomes` outcomes of this process."""

    def __init__(self, *, max_decisions: int = 10_000, max_outcomes: int = 10_000) -> None:
        self.max_decisions = max_decisions
        self.decisions: OrderedDict[tuple[str, str], DecisionRecord] = OrderedDict()
        self.outcomes: deque[dict[str, Any]] = deque(maxlen=max_outcomes)

    async def remember(self, record: DecisionRecord) -> None:
        key = (record.tenant, record.id)
        self.decisions[key] = record
        self.decisions.move_to_end(key)
        while len(self.decisions) > self.max_decisions:
            self.decisions.popitem(last=False)

    async def add(self, tenant: str, feedback: Feedback) -> bool:
        record = self.decisions.get((tenant, feedback.id))
        if record is None:
            return False
        self.outcomes.append(_entry(record, feedback))
        return True

    async def export(self) -> list[dict[str, Any]]:
        return list(self.outcomes)


def _decision_key(tenant: str, request_id: str) -> str:
    return f"{_PREFIX}:decision:{tenant}:{request_id}"


class RedisFeedback:
    """Decisions and outcomes in Redis, shared by every gateway replica. Decisions expire after `ttl_s`
    (feedback comes soon or never); the outcome list keeps the latest `max_outcomes`. `remember` fails
    open (see router.redis_client.Outage); `add` raises the client error of an unreachable Redis."""

    def __init__(self, url: str, *, ttl_s: int = 7 * 86_400, max_outcomes: int = 100_000,
                 timeout_s: float = 0.05) -> None:
        self.client = redis_client(url, timeout_s=timeout_s)
        self.ttl_s, self.max_outcomes = ttl_s, max_outcomes
        self.outage = Outage("redis feedback", lambda action: None)

    async def remember(self, record: DecisionRecord) -> None:
        if self.outage.paused:
            return
        try:
            await self.client.set(_decision_key(record.tenant, record.id), orjson.dumps(asdict(record)), ex=self.ttl_s)
        except Exception as exc:  # fail open: feedback is never worth failing a request
            self.outage.failed("remember", exc)
            return
        self.outage.ok()

    async def add(self, tenant: str, feedback: Feedback) -> bool:
        try:
            blob = await self.client.get(_decision_key(tenant, feedback.id))
            if blob is None:
                return False
            record = orjson.loads(blob)
            entry = {**record, "outcome": feedback.outcome, "judge_score": feedback.judge_score}
            async with self.client.pipeline(transaction=True) as pipe:
                await pipe.rpush(_OUTCOMES_KEY, orjson.dumps(entry)).ltrim(_OUTCOMES_KEY, -self.max_outcomes, -1).execute()
        except Exception as exc:
            raise UpstreamUnavailable(f"feedback store unreachable: {type(exc).__name__}",
                                      headers={"retry-after": "5"}) from None
        return True

    async def export(self) -> list[dict[str, Any]]:
        return [orjson.loads(blob) for blob in await self.client.lrange(_OUTCOMES_KEY, 0, -1)]

    async def close(self) -> None:
        await self.client.aclose()


def training_rows(entries: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """`turnout scorer train` cases from stored outcomes, and how many say nothing about the local model.

    A local answer rated good: both models would have served (weak and strong correct); rated bad or
    escalated: the local model failed where a flagship is assumed to succeed. A cloud answer rated bad or
    escalated: both failed. A cloud answer rated good is skipped: it says nothing about the local model.
    The latest outcome of one served answer wins. Private requests carry features only, no prompt."""
    latest = {(entry["tenant"], entry["id"], entry["at"]): entry for entry in entries}
    rows, skipped = [], 0
    for entry in latest.values():
        good = entry["outcome"] == "good"
        if entry["location"] == "local":
            weak, strong = good, True
        elif not good:
            weak, strong = False, False
        else:
            skipped += 1
            continue
        row = {"id": entry["id"], "source": f"feedback/{entry['tenant']}/{entry.get('app') or '-'}",
               "weak_correct": weak, "strong_correct": strong, "features": list(entry["features"]),
               "features_version": entry["features_version"], "data_class": entry["data_class"],
               "model": entry["model"], "judge_score": entry.get("judge_score")}
        if entry.get("prompt") is not None:
            row["prompt"] = entry["prompt"]
        rows.append(row)
    return rows, skipped
