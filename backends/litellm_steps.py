"""The steps `litellm.completion` takes between its entry and the provider's `transform_request`, for the fast
path (backends/litellm_wire.py): each one is either taken there with litellm's own function, or the requests
and models it changes are told apart cheaply and sent through `litellm.acompletion` instead (LiteLLMOnly, or
`fast_wire` declining the model). Read from litellm 1.110's main.py for the OpenAI-wire providers; each has
a case in tests/unit/test_litellm_wire.py and in tests/integration/test_cloud_backend.py, where the request
on the wire (path, body, headers) must equal litellm.acompletion's.

Taken with litellm's function (per parameter set, cached: no cost on a repeated set)
  validate_and_fix_openai_tools, validate_chat_completion_tool_choice, validate_openai_optional_params (stop
  capped at four), validate_and_fix_thinking_param; Anthropic-only tool keys dropped for a model that is not
  Claude's own API (`_drop_anthropic_only_tool_keys`); the allowed-tools / hosted tool_choice refusals.
Taken with litellm's function where it changes something (per call, told from the messages' JSON)
  validate_and_fix_openai_messages (a missing role, null fields, user content parts); the developer-role
  translation; unanswered tool-search calls pruned (`_history_without_unanswered_tool_search_calls`, openai);
  PDF parts a model cannot read dropped (`_messages_readable_by_model`). See LiteLLMWire._messages.
Taken as the OpenAI SDK under litellm does it
  OpenAI-Organization (litellm.organization / OPENAI_ORGANIZATION) and OpenAI-Project (OPENAI_PROJECT_ID)
  headers, for openai; another provider with them set goes to litellm (its route decides whether it sends them).
Sent through litellm.acompletion
  the Responses API bridge: a model litellm routes there (mode "responses": o1-pro, gpt-5-pro, codex, a
  `responses/` prefix) never takes the fast path, a parameter set it bridges (gpt-5.4+ function tools with
  reasoning, web_search_options where bridged, `litellm.route_all_chat_openai_to_responses`) is refused per
  set; a reasoning summary alias (`reasoningSummary`); a reasoning effort, thinking or output_config litellm
  resolves to another (`resolve_chat_reasoning`, `reasoning_effort_needs_allowing`); litellm's dynamic
  prompt-management parameters (cache_control_injection_points, knowledge_bases, vector_store_ids) and
  tools naming litellm's MCP gateway; litellm settings of the process the fast path does not apply
  (`UNAPPLIED`: litellm.headers, model_alias_map, proxy_auth, OpenAIConfig parameters, add_function_to_prompt,
  enable_preview_features, enable_anthropic_prompt_caching, vector_store_registry), checked when the model
  is built.
Never reach either path
  litellm's own keyword arguments in a request (litellm.types.utils.all_litellm_params: fallbacks, model_list,
  mock_response, supports_system_message, ensure_alternating_roles, user/assistant_continue_message,
  litellm_system_prompt, model_file_id_mapping and model_info, provider_specific_header, prompt templates,
  ...): backends.cloud drops them from every request, so litellm never rewrites messages, maps file ids or
  routes to a client's fallback with this backend's key, and both paths send the same.
Not taken
  litellm's resend after an upstream 422 (parameters named in the error dropped) or an alternating-roles
  error: the fast path reports the 4xx (resilience is the router's); the client identification headers
  (user-agent, x-stainless-*) and `accept`, which differ by HTTP client.
"""

from __future__ import annotations

import os
from typing import Any

import litellm
from litellm import main as completion_steps
from litellm.litellm_core_utils.allowed_tools_tool_choice import (
    raise_if_allowed_tools_tool_choice_unsupported,
    raise_if_hosted_tool_choice_unsupported,
)
from litellm.litellm_core_utils.model_param_helper import peek_reasoning_summary_aliases
from litellm.litellm_core_utils.reasoning_effort_capability import (
    reasoning_effort_needs_allowing,
    resolve_chat_reasoning,
)
from litellm.llms.anthropic.common_utils import is_claude_tool_target
from litellm.responses.bridge_check import bridge_reasoning_effort, responses_api_bridge_check
from litellm.responses.mcp.tool_precheck import may_name_litellm_mcp_gateway
from litellm.constants import INTERNAL_KWARG_PREFIX
from litellm.types.utils import DynamicPromptManagementParamLiteral, all_litellm_params
from litellm.utils import (
    validate_and_fix_openai_tools,
    validate_and_fix_thinking_param,
    validate_chat_completion_tool_choice,
    validate_openai_optional_params,
)

__all__ = ["LiteLLMOnly", "UNAPPLIED", "bridged", "checked_params", "forwarded", "refuse_bridged", "reserving",
           "sdk_headers"]

# litellm settings of the process that litellm.completion applies to every call and the fast path does not
# (Turnout sets none of them): a model built while one is set keeps litellm.acompletion.
UNAPPLIED = {"headers": lambda: litellm.headers, "model_alias_map": lambda: litellm.model_alias_map,
             "proxy_auth": lambda: litellm.proxy_auth, "OpenAIConfig": lambda: litellm.OpenAIConfig.get_config(),
             "add_function_to_prompt": lambda: litellm.add_function_to_prompt,
             "enable_preview_features": lambda: litellm.enable_preview_features,
             "enable_anthropic_prompt_caching": lambda: litellm.enable_anthropic_prompt_caching,
             "vector_store_registry": lambda: litellm.vector_store_registry}
_PROMPT_HOOK_PARAMS = tuple(DynamicPromptManagementParamLiteral.list_all_params())
_LITELLM_OWN = frozenset(all_litellm_params)


class LiteLLMOnly(Exception):
    """This request needs a step of litellm.completion that the fast path does not take (the Responses API
    bridge, a reasoning level litellm resolves to another, ...): raised while the request is built, before
    any I/O, for LiteLLMBackend to send it through litellm.acompletion instead."""


def reserving(keys: frozenset[str]) -> frozenset[str]:
    """`keys` (those a backend sets itself) and litellm's own keyword arguments (all_litellm_params): its
    fallbacks, model lists, mocks, prices, callbacks and message rewrites are not a client's to set. A
    request's `fallbacks` naming an api_base of the client's choosing would have litellm send this backend's
    key there. The set `forwarded` leaves out, on both paths, so both send alike."""
    return keys | _LITELLM_OWN


def forwarded(request: dict[str, Any], reserved: frozenset[str]) -> dict[str, Any]:
    """`request` without the `reserved` keys (see `reserving`) and litellm's internal ones (`_litellm_*`)."""
    return {key: value for key, value in request.items()
            if key not in reserved and not key.startswith(INTERNAL_KWARG_PREFIX)}


def bridged(model: str, provider: str, api_base: str | None) -> bool:
    """Whether litellm sends every chat completion for this model through its Responses API bridge."""
    return responses_api_bridge_check(model=model, custom_llm_provider=provider, api_base=api_base,
                                      deployment_model_info={})[0].get("mode") == "responses"


def checked_params(params: dict[str, Any], model: str, provider: str) -> dict[str, Any]:
    """The parameters after litellm.completion's own checks and fixes, before get_optional_params: tools as
    dicts without Anthropic-only keys (for a model that is not Claude's own API), `tool_choice` in OpenAI's
    form, `stop` capped at four, `thinking` normalised; a tool choice the model cannot take raises as
    litellm raises. LiteLLMOnly for litellm's prompt-management parameters, tools naming its MCP gateway,
    and where litellm resolves the reasoning effort, `thinking` or `output_config` to something else (a
    level the model map rounds, a budget turned into a level), which it then maps in ways of its own."""
    hooks = [name for name in _PROMPT_HOOK_PARAMS if params.get(name)]
    if hooks:
        raise LiteLLMOnly(f"litellm's prompt hooks apply {', '.join(hooks)}")
    fixed = dict(params)
    if "tools" in fixed:
        fixed["tools"] = validate_and_fix_openai_tools(tools=fixed["tools"])
        if may_name_litellm_mcp_gateway(fixed["tools"]):
            raise LiteLLMOnly("tools naming litellm's MCP gateway")
        if not is_claude_tool_target(custom_llm_provider=provider, model=model):
            fixed["tools"] = completion_steps._drop_anthropic_only_tool_keys(tools=fixed["tools"])
    if "tool_choice" in fixed:
        fixed["tool_choice"] = validate_chat_completion_tool_choice(tool_choice=fixed["tool_choice"], model=model)
    if "stop" in fixed:
        fixed["stop"] = validate_openai_optional_params(stop=fixed["stop"])
    if "thinking" in fixed:
        fixed["thinking"] = validate_and_fix_thinking_param(thinking=fixed["thinking"])
    raise_if_allowed_tools_tool_choice_unsupported(tool_choice=fixed.get("tool_choice"),
                                                   custom_llm_provider=provider, model=model)
    raise_if_hosted_tool_choice_unsupported(tool_choice=fixed.get("tool_choice"), custom_llm_provider=provider,
                                            model=model)
    given = (fixed.get("reasoning_effort"), fixed.get("thinking"), fixed.get("output_config"))
    reasoning = resolve_chat_reasoning(*given, model=model, custom_llm_provider=provider,
                                       deployment_model_info=None, model_group=None, drop_params=True)
    if (reasoning.effort.value, reasoning.thinking, reasoning.output_config) != given \
            or reasoning_effort_needs_allowing(reasoning.effort, model=model, custom_llm_provider=provider,
                                               base_model=None):
        raise LiteLLMOnly("litellm resolves this reasoning effort or thinking to another")
    return fixed


def refuse_bridged(params: dict[str, Any], optional: dict[str, Any], model: str, provider: str,
                   api_base: str | None) -> None:
    """LiteLLMOnly where litellm.completion, having mapped the parameters (`optional`), bridges the call to the
    Responses API (its second bridge check) or strips a reasoning summary alias."""
    if peek_reasoning_summary_aliases(optional) is not None:
        raise LiteLLMOnly("a reasoning summary alias (litellm strips or bridges it)")
    mode = responses_api_bridge_check(
        model=model, custom_llm_provider=provider, web_search_options=params.get("web_search_options"),
        tools=params.get("tools"), api_base=api_base, deployment_model_info=None, reasoning_summary=None,
        reasoning_effort=bridge_reasoning_effort(params.get("reasoning_effort"), optional.get("extra_body")),
    )[0].get("mode")
    if mode == "responses":
        raise LiteLLMOnly(f"litellm bridges {model!r} with these parameters to the Responses API")


def sdk_headers() -> dict[str, str]:
    """The organization and project headers of the OpenAI SDK client litellm.completion calls through: litellm
    hands it `litellm.organization` or OPENAI_ORGANIZATION, the SDK reads OPENAI_PROJECT_ID (once, when
    litellm builds the client it then keeps; the fast path reads them when it builds the model's wire)."""
    values = {"OpenAI-Organization": litellm.organization or os.environ.get("OPENAI_ORGANIZATION"),
              "OpenAI-Project": os.environ.get("OPENAI_PROJECT_ID")}
    return {name: value for name, value in values.items() if value}
