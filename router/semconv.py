"""Every attribute and metric name Turnout puts on spans and metrics, in one place.

The GenAI and general names are taken from `opentelemetry-semantic-conventions` itself (its
`_incubating` GenAI module: ENVIRONMENT.md), so a typo cannot happen and a rename upstream shows up
in tests/unit/test_telemetry_names.py. The `turnout.*` names are ours; OpenTelemetry has no
standard cost attribute yet.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():  # the GenAI module is marked deprecated (moving to its own package)
    warnings.simplefilter("ignore", DeprecationWarning)
    from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as _gen_ai
    from opentelemetry.semconv._incubating.metrics import gen_ai_metrics as _gen_ai_metrics
from opentelemetry.semconv.attributes import error_attributes as _error
from opentelemetry.semconv.attributes import http_attributes as _http

# GenAI attributes
GEN_AI_PROVIDER_NAME = _gen_ai.GEN_AI_PROVIDER_NAME
GEN_AI_OPERATION_NAME = _gen_ai.GEN_AI_OPERATION_NAME
GEN_AI_REQUEST_MODEL = _gen_ai.GEN_AI_REQUEST_MODEL  # the provider's model name (e.g. gpt-4o-mini)
GEN_AI_RESPONSE_MODEL = _gen_ai.GEN_AI_RESPONSE_MODEL
GEN_AI_USAGE_INPUT_TOKENS = _gen_ai.GEN_AI_USAGE_INPUT_TOKENS
GEN_AI_USAGE_OUTPUT_TOKENS = _gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS
GEN_AI_TOKEN_TYPE = _gen_ai.GEN_AI_TOKEN_TYPE
ERROR_TYPE = _error.ERROR_TYPE
HTTP_RESPONSE_STATUS_CODE = _http.HTTP_RESPONSE_STATUS_CODE
HTTP_REQUEST_METHOD = _http.HTTP_REQUEST_METHOD
HTTP_ROUTE = _http.HTTP_ROUTE

# GenAI values
OPERATION_CHAT = _gen_ai.GenAiOperationNameValues.CHAT.value
OPERATION_EMBEDDINGS = _gen_ai.GenAiOperationNameValues.EMBEDDINGS.value
OPERATION_TEXT_COMPLETION = _gen_ai.GenAiOperationNameValues.TEXT_COMPLETION.value
TOKEN_INPUT = _gen_ai.GenAiTokenTypeValues.INPUT.value
TOKEN_OUTPUT = _gen_ai.GenAiTokenTypeValues.OUTPUT.value
PROVIDER_OPENAI = _gen_ai.GenAiProviderNameValues.OPENAI.value
PROVIDERS = frozenset(v.value for v in _gen_ai.GenAiProviderNameValues)
PROVIDER_LLAMA_CPP = "llama_cpp"  # not in the list; the conventions allow any lower-case name
PROVIDER_FASTER_WHISPER = "faster_whisper"  # local speech-to-text (router/engines.py), likewise

# GenAI metrics
GEN_AI_CLIENT_TOKEN_USAGE = _gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE
GEN_AI_CLIENT_OPERATION_DURATION = _gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION

# Turnout's span attributes
TURNOUT_OPERATION = "turnout.operation"  # the endpoint: chat | responses | completions | embeddings | transcriptions
TURNOUT_RULE = "turnout.rule"
TURNOUT_DATA_CLASS = "turnout.data_class"
TURNOUT_LOCATION = "turnout.location"
TURNOUT_MODEL = "turnout.model"  # the policy's model id that answered
TURNOUT_CACHE = "turnout.cache"
TURNOUT_COST = "turnout.cost_usd"
TURNOUT_REFERENCE_COST = "turnout.reference_cost_usd"
TURNOUT_SAVINGS = "turnout.savings_usd"
TURNOUT_KEPT_LOCAL = "turnout.kept_local_usd"
TURNOUT_FALLBACKS = "turnout.fallbacks"
TURNOUT_TENANT = "turnout.tenant"
TURNOUT_APP = "turnout.app"
TURNOUT_REFUSAL = "turnout.refusal"
TURNOUT_ATTEMPT_OUTCOME = "turnout.attempt.outcome"
TURNOUT_TTFT = "turnout.time_to_first_token_s"
TURNOUT_FINDINGS = "turnout.findings"  # finding kinds only (e.g. email), never the values
TURNOUT_MODALITIES = "turnout.modalities"

# Turnout's metrics (the catalogue, README "Observability")
REQUESTS = "turnout.requests"
COST = "turnout.cost"
REFERENCE_COST = "turnout.reference_cost"
SAVINGS = "turnout.savings"
KEPT_LOCAL = "turnout.kept_local"
CACHE_LOOKUPS = "turnout.cache.lookups"
BACKEND_ATTEMPTS = "turnout.backend.attempts"
FALLBACKS = "turnout.fallbacks"
REFUSALS = "turnout.refusals"
POLICY_RELOADS = "turnout.policy.reloads"
CACHE_ERRORS = "turnout.cache.errors"
BUDGET_EVENTS = "turnout.budget.events"
REQUEST_DURATION = "turnout.request.duration"
TIME_TO_FIRST_TOKEN = "turnout.time_to_first_token"
BREAKER_STATE = "turnout.breaker.state"
LOCAL_QUEUE_DEPTH = "turnout.local.queue_depth"
LOCAL_REPLICAS = "turnout.local.replicas"
