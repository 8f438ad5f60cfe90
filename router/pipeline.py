"""parse -> classify -> decide, shared verbatim by the chat endpoint, POST /v1/route and `turnout route`."""

from __future__ import annotations

from typing import Any, Mapping

from router.classify import TenantView
from router.decide import Decision, ModelHealth, decide
from router.policy import CompiledPolicy
from router.profile import DataClass
from router.request import ChatRequest, parse_chat_request


def tenant_view(policy: CompiledPolicy, tenant_id: str) -> TenantView:
    tenant = policy.tenant(tenant_id)
    return TenantView(id=tenant_id, default_data_class=tenant.default_data_class if tenant else DataClass.INTERNAL)


def plan(policy: CompiledPolicy, payload: Any, headers: Mapping[str, str], tenant_id: str = "default",
         health: Mapping[str, ModelHealth] | None = None) -> tuple[ChatRequest, Decision]:
    """Validate, classify and decide. Raises BadRequest/InvalidContent for input that cannot be classified;
    a request no model may serve is a Decision with `error`, not an exception."""
    request = payload if isinstance(payload, ChatRequest) else parse_chat_request(payload)
    lowered = {k.lower(): v for k, v in headers.items()}
    profile = policy.classifier.classify(request, lowered, tenant_view(policy, tenant_id))
    return request, decide(profile, policy, health)
