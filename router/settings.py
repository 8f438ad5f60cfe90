"""Process settings: TURNOUT_* environment variables and a .env file; the CLI overrides them.

Secrets (API keys, Redis passwords in URLs) are SecretStr so they never render in logs or errors.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
    ingress: Literal["haproxy", "python"] = Field("haproxy", description="Ray Serve ingress: HAProxy or the Python proxy")
    admin_key: SecretStr | None = Field(None, description="admin key for /admin/* when the policy lists none")
    watch_policy: bool = Field(True, description="reload the policy when its file changes")
