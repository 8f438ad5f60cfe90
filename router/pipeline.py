"""parse -> classify -> decide, shared verbatim by the chat endpoint, POST /v1/route and `turnout route`."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from router.decide import Decision, ModelHealth, decide
from router.policy import CompiledPolicy
from router.profile import DataClass, RequestProfile
from router.request import ChatRequest, parse_chat_request


def tenant_view(policy: CompiledPolicy, tenant_id: str):
    from router.classify import TenantView

    tenant = policy.tenant(tenant_id)
    return TenantView(id=tenant_id, default_data_class=tenant.default_data_class if tenant else DataClass.INTERNAL)


def plan(policy: CompiledPolicy, payload: Any, headers: Mapping[str, str], tenant_id: str = "default",
         health: Mapping[str, ModelHealth] | None = None,
         shape: Callable[[RequestProfile], RequestProfile] | None = None) -> tuple[ChatRequest, Decision]:
    """Validate, classify and decide. Raises BadRequest/InvalidContent for input that cannot be classified;
    a request no model may serve is a Decision with `error`, not an exception. `shape` adjusts the
    profile before deciding, for endpoints served by other tasks (embeddings); it may change what
    the request is, never lower its data class."""
    request = payload if isinstance(payload, ChatRequest) else parse_chat_request(payload)
    lowered = {k.lower(): v for k, v in headers.items()}
    profile = policy.classifier.classify(request, lowered, tenant_view(policy, tenant_id))
    if shape is not None:
        profile = shape(profile)
    return request, decide(profile, policy, health)
