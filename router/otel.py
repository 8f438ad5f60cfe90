"""Start-up: the OpenTelemetry SDK's providers and exporters, from the standard `OTEL_*` variables.

- `OTEL_SDK_DISABLED=true`: nothing is installed (every span and metric is a no-op; /metrics is empty).
- Metrics: a Prometheus reader always (GET /metrics). OTLP as well when `OTEL_METRICS_EXPORTER`
  names `otlp`, or (left unset) when `OTEL_EXPORTER_OTLP_ENDPOINT` or
  `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` is set; `none` switches OTLP off.
- Traces: OTLP when `OTEL_TRACES_EXPORTER` names `otlp`, or (unset) an endpoint
  (`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; `console` prints
  spans; `none` switches them off. With no trace exporter no SDK tracer is installed (spans cost
  nothing).
- Sampling: `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` as the specification names them
  (always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off,
  parentbased_traceidratio; any other name is left to the SDK's entry points). Turnout's default
  (`OTEL_TRACES_SAMPLER` unset), unlike the SDK's (every trace), is `head_sampler` at
  `DEFAULT_TRACE_RATIO` (or `OTEL_TRACES_SAMPLER_ARG` alone): a share of the requests that arrive
  without a trace, drawn before any span exists, and every trace a caller's `traceparent` marks
  sampled (parent-based, as `parentbased_traceidratio`, which stays available by name). A traced
  request costs about as much CPU again as the gateway's own work (its spans, and above all their
  OTLP encoding; bench/telemetry.py), one the default does not pick nothing; metrics are complete
  either way. `OTEL_TRACES_SAMPLER=parentbased_always_on`
  traces every request.
- `OTEL_EXPORTER_OTLP_PROTOCOL` (or the per-signal `..._TRACES_PROTOCOL` / `..._METRICS_PROTOCOL`):
  `http/protobuf` (default) or `grpc`. The exporters read their own endpoint, headers, timeout and
  compression variables, as the OpenTelemetry specification says.
- Exemplars are off unless `OTEL_METRICS_EXEMPLAR_FILTER` is set (they cost a context lookup per
  measurement and the Prometheus text of /metrics does not carry them).
- The resource: `OTEL_SERVICE_NAME` (default "turnout"), `OTEL_RESOURCE_ATTRIBUTES`, and a
  `service.instance.id` unique to the process, so that OTLP series from several ingress replicas
  stay apart until a query sums them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opentelemetry import metrics, trace

from router import histograms

__all__ = ["DEFAULT_TRACE_RATIO", "Providers", "build_providers", "head_sampler", "sampler", "setup_telemetry"]

DEFAULT_TRACE_RATIO = 0.02


@dataclass(frozen=True)
class Providers:
    tracer_provider: Any
    meter_provider: Any


def _names(environ: Mapping[str, str], signal: str) -> set[str] | None:
    value = environ.get(f"OTEL_{signal}_EXPORTER")
    return None if value is None else {v.strip().lower() for v in value.split(",") if v.strip()}


def _wants_otlp(environ: Mapping[str, str], signal: str) -> bool:
    named = _names(environ, signal)
    if named is not None:
        return "otlp" in named
    return bool(environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"))


def _protocol(environ: Mapping[str, str], signal: str) -> str:
    protocol = environ.get(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL") or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
    protocol = (protocol or "http/protobuf").strip().lower()
    if protocol not in ("http/protobuf", "grpc"):
        raise ValueError(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r}; "
                         "allowed: http/protobuf, grpc")
    return protocol


def _span_exporter(protocol: str) -> Any:
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    return OTLPSpanExporter()


def _metric_exporter(protocol: str) -> Any:
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
    else:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    return OTLPMetricExporter()


def sampler(environ: Mapping[str, str]) -> Any:
    """The trace sampler `OTEL_TRACES_SAMPLER` / `_ARG` name (None: a name only the SDK's entry points know,
    which it then reads itself); unset, Turnout's head sampler at `OTEL_TRACES_SAMPLER_ARG` or
    DEFAULT_TRACE_RATIO."""
    from opentelemetry.sdk.trace import sampling

    named = environ.get("OTEL_TRACES_SAMPLER")
    name = (named or "parentbased_traceidratio").strip().lower()
    fixed = {"always_on": sampling.ALWAYS_ON, "always_off": sampling.ALWAYS_OFF,
             "parentbased_always_on": sampling.ParentBased(sampling.ALWAYS_ON),
             "parentbased_always_off": sampling.ParentBased(sampling.ALWAYS_OFF)}
    if name in fixed:
        return fixed[name]
    if name not in ("traceidratio", "parentbased_traceidratio"):
        return None
    arg = environ.get("OTEL_TRACES_SAMPLER_ARG")
    try:
        ratio = DEFAULT_TRACE_RATIO if arg is None or not arg.strip() else float(arg)
    except ValueError:
        ratio = -1.0
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"OTEL_TRACES_SAMPLER_ARG: {arg!r}; allowed: a ratio from 0 to 1 (for {name})")
    if not named:
        return head_sampler(ratio)
    ratio_sampler = sampling.TraceIdRatioBased(ratio)
    return ratio_sampler if name == "traceidratio" else sampling.ParentBased(ratio_sampler)


def head_sampler(ratio: float) -> Any:
    """Turnout's default sampler: parent-based, and a request that arrives without a trace of its own
    is drawn at `ratio` by Telemetry before any span exists (router/telemetry.Telemetry.request_span),
    so one not picked costs no span at all. The SDK sees every root that was picked and records it;
    a caller's `traceparent` decides for its own trace, as with `parentbased_traceidratio`."""
    from opentelemetry.sdk.trace import sampling

    class HeadSampler(sampling.ParentBased):
        def __init__(self) -> None:
            super().__init__(sampling.ALWAYS_ON)
            self.head_ratio = ratio

        def get_description(self) -> str:
            return f"ParentBased{{root:TurnoutHeadRatio{{{ratio}}}}}"

    return HeadSampler()


def build_providers(environ: Mapping[str, str] | None = None, service_name: str = "turnout", *,
                    prometheus: bool = True) -> Providers | None:
    """The tracer and meter providers the environment asks for; None when OTEL_SDK_DISABLED is true."""
    environ = os.environ if environ is None else environ
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    from opentelemetry.sdk.metrics import AlwaysOffExemplarFilter, MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor

    resource = Resource.create({"service.name": environ.get("OTEL_SERVICE_NAME", service_name),
                                "service.instance.id": f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"})
    processors = []
    if _wants_otlp(environ, "TRACES"):
        processors.append(BatchSpanProcessor(_span_exporter(_protocol(environ, "TRACES"))))
    if "console" in (_names(environ, "TRACES") or ()):
        processors.append(SimpleSpanProcessor(ConsoleSpanExporter()))
    # No trace exporter: no SDK tracer either, so requests pay nothing for spans nobody receives.
    tracer_provider: Any = (TracerProvider(resource=resource, sampler=sampler(environ)) if processors
                            else trace.NoOpTracerProvider())
    for processor in processors:
        tracer_provider.add_span_processor(processor)
    readers: list[Any] = []
    if prometheus:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader

        readers.append(PrometheusMetricReader())
    if _wants_otlp(environ, "METRICS"):
        readers.append(PeriodicExportingMetricReader(_metric_exporter(_protocol(environ, "METRICS"))))
    # Exemplars (a trace id kept beside a metric point) cost a context lookup per measurement and are
    # not in the Prometheus text /metrics serves: off unless OTEL_METRICS_EXEMPLAR_FILTER asks for them.
    exemplars = None if environ.get("OTEL_METRICS_EXEMPLAR_FILTER") else AlwaysOffExemplarFilter()
    return Providers(tracer_provider, MeterProvider(resource=resource, metric_readers=readers,
                                                    exemplar_filter=exemplars))


_installed: Providers | None = None


def setup_telemetry(service_name: str = "turnout") -> Providers | None:
    """Install the SDK globally, once per process (router/telemetry.DEFAULT then records through it)."""
    global _installed
    if _installed is not None:
        return _installed
    providers = build_providers(service_name=service_name)
    if providers is not None:
        if not isinstance(providers.tracer_provider, trace.NoOpTracerProvider):
            trace.set_tracer_provider(providers.tracer_provider)
        metrics.set_meter_provider(providers.meter_provider)
        histograms.attach_pending(providers.meter_provider)  # those made on the global provider before now
        _installed = providers
    return providers
