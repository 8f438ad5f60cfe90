"""The policy language: pydantic models for what ops write in `policies/*.yaml`, and what a loaded one is.

A policy is data. `load_policy(path)` (router/policy_loader.py) parses YAML (keeping line/column of every node), validates it
against the models below (unknown keys are errors), then runs the cross-checks that need the whole
file — unknown or duplicate ids, the default rule, reachability, and the privacy proof — and returns
a `CompiledPolicy` with everything the hot path needs precomputed. Every problem becomes one line of
`PolicyError`: `FILE:LINE:COL: dotted.path: what was found; what is allowed`.
"""


from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator

from router import prices
from router.classify import Classifier
from router.policy_base import DATA_CLASSES, DataClassField, ModelId, Spec
from router.policy_media import ComplexitySpec, EngineSpec, GpuSpec, Media, MediaFetch
from router.policy_models import (
    CHAT_HANDLERS, Autoscaling, CloudPricing, LiteLLMModel, LlamaCppModel, LocalPricing, ModelSpec, OpenAIModel,
    RemoteModel, RetrySpec, TokenRuleSpec,
)
from router.profile import DataClass, Modality

# The section models live in policy_base/policy_models/policy_media; they are named here too, so
# `router.policy` stays the one place the policy language is imported from.
__all__ = [
    "CHAT_HANDLERS", "DATA_CLASSES", "Accounting", "Auth", "Autoscaling", "Budget", "CircuitBreakerSpec", "CloudPricing",
    "CompiledPolicy", "ComplexitySpec", "CustomDetector", "DataClassField", "Defaults", "DetectorSpec", "Detectors",
    "EngineSpec", "GpuSpec", "LiteLLMModel", "LlamaCppModel", "LocalPricing", "Media", "MediaFetch", "MediaScanSpec",
    "ModelId", "ModelSpec", "OpenAIModel", "PersonDetectorSpec", "Policy", "PolicyError", "PolicyIssue", "Privacy",
    "RemoteModel", "RetrySpec", "Rule", "Tenant", "Timeouts", "TokenRuleSpec", "When",
]


class When(Spec):
    data_class_at_least: DataClassField | None = Field(None, description="match requests of at least this class")
    data_class_at_most: DataClassField | None = Field(None, description="match requests of at most this class")
    modalities_any: list[Modality] | None = Field(None, description="match if the request has any of these")
    modalities_all: list[Modality] | None = Field(None, description="match if the request has all of these")
    modalities_none: list[Modality] | None = Field(None, description="match if the request has none of these")
    input_tokens_at_least: int | None = Field(None, ge=0, description="estimated prompt tokens (largest over models)")
    input_tokens_at_most: int | None = Field(None, ge=0, description="estimated prompt tokens (largest over models)")
    complexity_at_least: float | None = Field(None, ge=0, le=1, description="complexity score (see complexity.scorer)")
    complexity_at_most: float | None = Field(None, ge=0, le=1, description="complexity score (see complexity.scorer)")
    tenants: list[str] | None = Field(None, description="tenant ids this rule applies to")
    apps: list[str] | None = Field(None, description="x-turnout-app header values this rule applies to")
    models: list[str] | None = Field(None, description="requested model names (e.g. 'auto') this rule applies to")

    def only_data_class(self) -> bool:
        """True when the data-class bounds are the rule's only condition."""
        return all(getattr(self, name) is None for name in When.model_fields
                   if name not in ("data_class_at_least", "data_class_at_most"))

    def class_range(self) -> set[DataClass]:
        low = self.data_class_at_least if self.data_class_at_least is not None else DataClass.PUBLIC
        high = self.data_class_at_most if self.data_class_at_most is not None else DataClass.RESTRICTED
        return {c for c in DataClass if low <= c <= high}


class Rule(Spec):
    id: ModelId = Field(description="rule id, reported in x-turnout-rule and decision reasons")
    description: str = Field("", description="why this rule exists")
    when: When = Field(default_factory=When, description="conditions, all of which must hold; empty = always")
    route: list[str] = Field(min_length=1, description="candidate model ids")
    strategy: Literal["first", "cheapest", "fastest"] = Field("first", description="order of the eligible candidates")
    fallbacks: list[str] = Field(default_factory=list, description="tried in order after the route's candidates")
    otherwise: Literal["refuse", "next"] = Field(
        "refuse", description="when no candidate is eligible: refuse with 422, or try the next rule")
    cache_ttl_s: int | None = Field(None, ge=0, description="response cache TTL for this rule (0 = never cache)")


class Budget(Spec):
    period: Literal["day", "month"] = Field(description="the budget window; resets at 00:00 UTC / the 1st")
    usd: float | None = Field(None, ge=0, description="cloud spend limit in USD for the period (local models "
                                                       "count GPU-seconds, not USD)")
    gpu_seconds: float | None = Field(None, ge=0, description="local GPU-seconds limit for the period (wall-clock "
                                                               "of local generations)")
    app: str | None = Field(None, description="limit only this x-turnout-app (default: the whole tenant)")


class Tenant(Spec):
    id: ModelId = Field(description="tenant id")
    api_key_sha256: list[str] = Field(default_factory=list, description="sha256 hex digests of the tenant's API keys")
    default_data_class: DataClassField = Field(
        "internal", validate_default=True, description="floor for this tenant's requests")
    allowed_models: list[str] | None = Field(None, description="model ids the tenant may use (default: all)")
    budgets: list[Budget] = Field(default_factory=list, description="spend limits")
    over_budget: Literal["refuse", "reroute_local"] = Field("refuse", description="what happens past a budget")


class Timeouts(Spec):
    connect_s: float = Field(5.0, gt=0, description="connecting to a backend")
    first_token_s: float = Field(30.0, gt=0, description="waiting for the first token")
    total_s: float = Field(120.0, gt=0, description="a whole request, fallbacks included")


class CircuitBreakerSpec(Spec):
    consecutive_failures: int = Field(5, ge=1, description="open after this many failures in a row")
    error_rate: float = Field(0.5, gt=0, le=1, description="or when this share of calls in the window failed")
    min_calls: int = Field(10, ge=1, description="calls in the window before the error rate counts")
    window_s: float = Field(30.0, gt=0, description="sliding window for the error rate")
    cooldown_s: float = Field(15.0, gt=0, description="how long a breaker stays open before a probe")


class Defaults(Spec):
    output_tokens: int = Field(512, ge=1, description="expected output when the request sets no max_tokens")
    timeouts: Timeouts = Field(default_factory=Timeouts, description="backend timeouts")
    cache_ttl_s: int = Field(3600, ge=0, description="response cache TTL unless a rule overrides it")
    cache_restricted: bool = Field(False, description="allow caching of restricted requests")
    circuit_breaker: CircuitBreakerSpec = Field(default_factory=CircuitBreakerSpec,
                                                description="per-model circuit breaker")
    retries: RetrySpec = Field(default_factory=RetrySpec, description="retries within one model (none by default)")
    rate_limit_cooldown_max_s: float = Field(
        60.0, ge=0, description="after a 429 with Retry-After, the model is skipped by new requests for that long, "
                                "up to this cap (0 = never skip)")
    pinned_violation: Literal["refuse", "reroute"] = Field(
        "refuse", description="a client pins a model not cleared for its data: refuse (422) or route by the rules")
    reference_model: ModelId | None = Field(
        None, description="moved to accounting.reference_model (an error here, naming the new place)")

    @field_validator("reference_model")
    @classmethod
    def _moved(cls, value: str | None) -> None:
        if value is not None:
            raise ValueError(f"moved: write 'accounting: {{reference_model: {value}}}' at the top level of the "
                             "policy (savings and `turnout simulate` both price on it)")
        return None


class Accounting(Spec):
    """How spend is compared: what the traffic would have cost on a cloud flagship."""

    reference_model: ModelId | None = Field(
        None, description="the cloud flagship savings are measured against (each request priced on its actual "
                          "usage) and `turnout simulate` prices all-cloud traffic on; default: the first cloud model")
    count_private_savings: bool = Field(
        False, description="count the reference cost of data that may never leave the building (no cloud model is "
                           "cleared for it) as savings; false: it is reported as kept local (turnout.kept_local)")


class CustomDetector(Spec):
    name: str = Field(description="finding kind reported as custom:<name>")
    regex: str | None = Field(None, description="a Python regular expression")
    keywords: list[str] = Field(default_factory=list, description="case-insensitive whole words")
    data_class: DataClassField = Field(
        "confidential", validate_default=True, description="class a match raises the request to")


class MediaScanSpec(Spec):
    scan: Literal["when_leaving", "always", "never"] = Field(
        "when_leaving", description="read inside images, audio and files (OCR, speech-to-text, local models) "
                                    "before they go to a model cleared below confidential ('when_leaving'), for "
                                    "every request with media ('always'), or never ('never': media leave unread)")
    timeout_s: float = Field(20.0, gt=0, description="longest a request waits for its media to be read; a scan "
                                                     "that takes longer counts as unreadable_media (fails closed)")
    max_pixels: int = Field(16_000_000, ge=1, description="largest image area the scan reads; a larger image "
                                                           "counts as unreadable_media (fails closed)")


class DetectorSpec(Spec):
    """One detector of the thorough scan (run after decide, only for text that could leave)."""

    enabled: bool = Field(True, description="false switches this detector off")
    data_class: DataClassField | None = Field(
        None, description="class a finding raises the request to (default: confidential; health and "
                          "special_category: restricted)")


class PersonDetectorSpec(DetectorSpec):
    role_words: list[str] = Field(
        default_factory=list,
        description="the organisation's own words for the people it serves (e.g. 'Mandant', 'policy holder'): "
                    "a name after one is a private person, like after 'customer' or 'patient'")


class Detectors(Spec):
    """The thorough scan's detectors: personal data without a checksum."""

    person: PersonDetectorSpec = Field(default_factory=PersonDetectorSpec,
                                       description="private persons named with context (salutation, role word, ...)")
    address: DetectorSpec = Field(default_factory=DetectorSpec, description="street addresses")
    date_of_birth: DetectorSpec = Field(default_factory=DetectorSpec, description="a full date after a birth word")
    id_document: DetectorSpec = Field(default_factory=DetectorSpec,
                                      description="passport, driver's licence and ID-card numbers")
    health: DetectorSpec = Field(default_factory=DetectorSpec,
                                 description="someone's health (GDPR art. 9); default restricted")
    special_category: DetectorSpec = Field(
        default_factory=DetectorSpec,
        description="religion, trade union, ethnicity, sexual orientation, political opinion, genetic and "
                    "biometric data about someone (GDPR art. 9); default restricted")


class Privacy(Spec):
    thorough_scan: Literal["when_leaving", "always"] = Field(
        "when_leaving", description="scan text for personal data without a checksum (names, addresses, health, ...) "
                                    "only where it could change the decision ('when_leaving': some model of the "
                                    "chain is cleared below confidential), or for every request ('always': the data "
                                    "class, the rule and the savings of requests that stay local are right too)")
    media: MediaScanSpec = Field(default_factory=MediaScanSpec,
                                 description="the look inside media before they leave the building")
    custom: list[CustomDetector] = Field(default_factory=list, description="project code names, customer names, ...")
    phone_regions: list[str] | None = Field(None, description="ISO regions for national phone formats (default: all)")
    disabled: list[str] = Field(default_factory=list, description="built-in detector kinds to switch off")
    detectors: Detectors = Field(default_factory=Detectors,
                                 description="the thorough scan's detectors: on/off, data class, role words")


class Auth(Spec):
    mode: Literal["open", "keys"] = Field("keys", description="'open' serves without API keys as tenant 'default'")
    admin_key_sha256: list[str] = Field(default_factory=list, description="sha256 digests of admin keys")


class Policy(Spec):
    """The whole policy file."""

    version: Literal[1] = Field(description="policy format version")
    auth: Auth = Field(default_factory=Auth, description="how clients authenticate")
    models: list[ModelSpec] = Field(min_length=1, description="the portfolio")
    rules: list[Rule] = Field(min_length=1, description="ordered; the first matching rule routes the request")
    tenants: list[Tenant] = Field(default_factory=list, description="API keys, defaults and budgets per tenant")
    defaults: Defaults = Field(default_factory=Defaults, description="defaults for everything else")
    accounting: Accounting = Field(default_factory=Accounting,
                                   description="the reference flagship savings are measured against")
    privacy: Privacy = Field(default_factory=Privacy, description="extra detectors and detector settings")
    complexity: ComplexitySpec = Field(default_factory=ComplexitySpec,
                                       description="how hard a request is (the score rules compare with "
                                                   "complexity_at_least / complexity_at_most)")
    media: Media = Field(default_factory=Media, description="media sampling and fetching, and the engines that read media")
    gpus: GpuSpec | None = Field(None, description="the GPUs local models run on; `turnout policy check` compares "
                                                   "each offloaded model's memory estimate with them")


@dataclass(frozen=True)
class PolicyIssue:
    path: str
    message: str
    line: int | None = None
    col: int | None = None

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}:{self.col}" if self.line is not None else source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class PolicyError(Exception):
    """A policy that must not serve. `str()` is one line per problem, each with its location."""

    def __init__(self, source: str, issues: list[PolicyIssue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__("\n".join(issue.render(source) for issue in issues))


@dataclass(frozen=True)
class CompiledPolicy:
    """A validated policy plus what the hot path needs: model index, classifier, digest."""

    spec: Policy
    source: str
    digest: str
    models: dict[str, LlamaCppModel | RemoteModel]
    warnings: tuple[str, ...] = ()
    classifier: Classifier | None = field(default=None, compare=False, repr=False)  # None: decide-only tests

    @cached_property
    def locations(self) -> Mapping[str, str]:
        """Each model's location (local | cloud), derived once per policy and shared by every Decision (not to be modified)."""
        return {m.id: m.location for m in self.spec.models}

    @cached_property
    def rates(self) -> Mapping[str, prices.Rates]:
        """Each cloud model's per-token rates (RemoteModel.rates), derived once per policy (not to be modified)."""
        return {m.id: m.rates() for m in self.spec.models if not isinstance(m, LlamaCppModel)}

    @cached_property
    def token_prices(self) -> Mapping[str, tuple[float, float]]:
        """Each model's (input, output) USD per token (`price_per_token`), derived once per policy."""
        return {m.id: m.price_per_token() for m in self.spec.models}

    def tenant(self, tenant_id: str) -> Tenant | None:
        return next((t for t in self.spec.tenants if t.id == tenant_id), None)
