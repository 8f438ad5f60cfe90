"""parse -> classify -> decide -> thorough scan, shared verbatim by the chat endpoint, POST /v1/route and
`turnout route`."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any, Callable, ContextManager, Mapping

from router.classify import TenantView, with_findings
from router.decide import Constraint, Decision, ModelHealth, decide
from router.policy import CompiledPolicy
from router.profile import DataClass, RequestProfile, ScanReport
from router.inner_urls import refuse_inner_urls
from router.request import ChatRequest, parse_chat_request


def tenant_view(policy: CompiledPolicy, tenant_id: str) -> TenantView:
    tenant = policy.tenant(tenant_id)
    return TenantView(id=tenant_id, default_data_class=tenant.default_data_class if tenant else DataClass.INTERNAL)


def plan(policy: CompiledPolicy, payload: Any, headers: Mapping[str, str], tenant_id: str = "default",
         health: Mapping[str, ModelHealth] | None = None,
         shape: Callable[[RequestProfile], RequestProfile] | None = None,
         steps: Callable[[str], ContextManager[None]] | None = None) -> tuple[ChatRequest, Decision]:
    """Validate, classify, decide and, where the text could leave, scan it thoroughly and decide again.
    Raises BadRequest/InvalidContent for input that cannot be classified; a request no model may serve
    is a Decision with `error`, not an exception. `shape` adjusts the profile before deciding, for
    endpoints served by other tasks (embeddings); it may change what the request is, never lower its
    data class. `steps(name)`, when given, times "classify" (with parsing) and "decide" (with the scan)."""
    step = steps or _untimed
    with step("classify"):
        request = payload if isinstance(payload, ChatRequest) else parse_chat_request(payload)
        refuse_inner_urls(request, policy.spec.media.fetch.allow_networks)
        lowered = {k.lower(): v for k, v in headers.items()}
        profile = policy.classifier.classify(request, lowered, tenant_view(policy, tenant_id))
        if shape is not None:
            profile = shape(profile)
    with step("decide"):
        return request, scan_when_leaving(decide(profile, policy, health), policy, health)


_NOT_TIMED = contextlib.nullcontext()  # reusable: it holds nothing


def _untimed(_name: str) -> ContextManager[None]:
    return _NOT_TIMED


def redecide(profile: RequestProfile, policy: CompiledPolicy, health: Mapping[str, ModelHealth] | None,
             constraint: Constraint) -> Decision:
    """decide again for an already classified request under `constraint` (the budget reroute), with the
    same thorough scan `plan` applies."""
    return scan_when_leaving(decide(profile, policy, health, constraint), policy, health, constraint)


def _skip_reason(decision: Decision, policy: CompiledPolicy) -> str | None:
    """Why the thorough scan cannot change `decision`, or None when it must run."""
    profile = decision.profile
    if profile.data_class >= DataClass.CONFIDENTIAL:
        return f"already {profile.data_class}: no cloud model may receive it"
    if decision.error is not None:
        return "no model may serve it: nothing leaves"
    if policy.spec.privacy.thorough_scan == "when_leaving" \
            and all(policy.models[m].clearance >= DataClass.CONFIDENTIAL for m in decision.chain):
        return f"every model it may go to ({', '.join(decision.chain)}) is cleared for confidential data"
    if not profile.texts:
        return "no text to read"
    if policy.classifier.thorough is None:
        return "no thorough scanner in this policy"
    return None


def scan_when_leaving(decision: Decision, policy: CompiledPolicy, health: Mapping[str, ModelHealth] | None = None,
                      constraint: Constraint | None = None) -> Decision:
    """The thorough scan (router/classify/thorough.py) of the request's text, run only when it could
    change `decision`: some model in its chain (first choice or fallback) is cleared below
    `confidential` and the request is not already confidential (under `privacy.thorough_scan: always`, for
    every request not already confidential). Findings raise the data class and
    decide runs again on the raised profile; the returned Decision's `scan` says what was found, or
    why the scan was skipped, and so does a line of its reasons. A `constraint` the first decision was
    made under holds for the second too."""
    skip = _skip_reason(decision, policy)
    if skip is not None:
        return replace(decision, scan=ScanReport(False, skip), reasons=decision.reasons + (f"thorough scan skipped: {skip}",))
    profile = decision.profile
    wheres = {where for _, where in profile.texts}
    base_clean = not any(f.where in wheres for f in profile.findings)  # classify's scanner found nothing in them
    found = policy.classifier.thorough.scan_many(profile.texts, base_clean)
    if not found:
        return replace(decision, scan=ScanReport(True, "nothing found"),
                       reasons=decision.reasons + ("thorough scan: nothing found",))
    labels = "; ".join(f"{f.label} in {f.where}" for f in found)
    raised = with_findings(decision.profile, found)
    again = decide(raised, policy, health, constraint)
    report = ScanReport(True, f"found {len(found)}: data class raised to {raised.data_class}", tuple(found))
    return replace(again, scan=report, reasons=again.reasons + (f"thorough scan: {labels}; decided again",))
