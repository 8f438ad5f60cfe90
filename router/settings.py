"""Process settings, validated once: TURNOUT_* environment variables and a .env file; the CLI and
Ray Serve's `args:` override them.

`Settings` is the one settings model. `settings_from_args(args)` reads deploy/serve.yaml's `args:`
as a view of it (the same fields, unknown keys rejected, the environment filling the rest): the
Ray Serve LLM pattern of validating `build_app`'s argument before anything else. Secrets (API
keys, Redis passwords in URLs) are SecretStr so they never render in logs or errors.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, SecretStr, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_POLICY = Path(__file__).resolve().parent.parent / "policies" / "default.yaml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TURNOUT_", env_file=".env", extra="ignore")

    policy: Path = Field(DEFAULT_POLICY, description="policy YAML file")
    host: str = Field("127.0.0.1", description="address the gateway listens on")
    port: int = Field(8000, ge=1, le=65535, description="port the gateway listens on")
    redis_url: SecretStr | None = Field(None, description="redis://... for cache and budgets; unset = in-process")
    model_dir: Path = Field(Path.home() / ".cache" / "turnout" / "models", description="where relative GGUF paths resolve")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="log level")
    max_body_bytes: int = Field(32 * 1024 * 1024, ge=1024, description="largest accepted request body")
    max_image_bytes: int = Field(20 * 1024 * 1024, ge=1, description="largest decoded image")
    max_image_pixels: int = Field(50_000_000, ge=1, description="largest image area (decompression-bomb guard)")
    max_images: int = Field(64, ge=1, description="most images in one request")
    max_audio_bytes: int = Field(25 * 1024 * 1024, ge=1, description="largest decoded audio part")
    max_file_bytes: int = Field(32 * 1024 * 1024, ge=1, description="largest decoded file part")
    max_video_bytes: int = Field(32 * 1024 * 1024, ge=1, description="largest decoded video part")
    run_dir: Path = Field(Path(tempfile.gettempdir()) / f"turnout-{os.getuid()}",
                          description="where turnout serve keeps its run files (what it started, for a clean-up after a crash)")
    drain_timeout_s: float = Field(5.0, ge=0, le=60, description="on SIGTERM, how long requests in flight may take to "
                                   "finish before Serve, Ray and HAProxy are stopped (the stop takes ~5 s more)")
    drain_notice_s: float = Field(1.0, ge=0, le=30, description="on SIGTERM, how long /readyz answers 503 'draining' "
                                  "while requests are still taken, before new connections are refused: the time a "
                                  "load balancer in front needs to stop sending")
    ingress: Literal["haproxy", "python"] = Field("haproxy", description="Ray Serve ingress: HAProxy or the Python proxy")
    ingress_replicas: int = Field(1, ge=1, description="Ray Serve ingress (router) replicas")
    ingress_max_ongoing_requests: int = Field(512, ge=1, description="concurrent requests per ingress replica")
    ingress_resources: dict[str, float] = Field(
        default_factory=dict, description="Ray resources each ingress replica asks for, placing it: e.g. "
                                          "{'node:__internal_head__': 0.01} keeps the router on the head node")
    watch_policy: bool = Field(True, description="Ray Serve: reload the policy file when it changes")
    serve_access_log: bool = Field(False, description="Ray Serve: also write Serve's own access log line per request "
                                   "(off: Turnout records every request in its span and metrics, and the line "
                                   "costs the ingress ~0.05 ms of CPU per request)")
    admin_key: SecretStr | None = Field(None, description="admin key for /admin/* when the policy lists none")


# deploy/serve.yaml's `args:`: every Settings field, each optional, nothing else.
AppArgs: type[BaseModel] = create_model(
    "AppArgs", __config__=ConfigDict(extra="forbid"),
    **{name: (Optional[info.annotation], Field(None, description=info.description))
       for name, info in Settings.model_fields.items()})


def settings_from_args(args: Mapping[str, Any] | None) -> Settings:
    """Settings from Ray Serve's `args:` over the environment. pydantic.ValidationError names a bad key."""
    given = AppArgs.model_validate(dict(args or {})).model_dump(exclude_none=True)
    return Settings(**given)
