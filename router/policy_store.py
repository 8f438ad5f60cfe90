"""The live policy: loaded once, swapped atomically on reload, never replaced by a bad edit.

A request reads `store.current` once and keeps that object, so in-flight requests finish on the
policy they started with. `reload()` validates the file completely before the swap; an invalid
edit leaves the last good policy serving and is reported (log line, metric, `status()`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from router import telemetry
from router.policy import CompiledPolicy, PolicyError
from router.policy_loader import load_policy

log = logging.getLogger("turnout.policy")


@dataclass(frozen=True)
class ReloadResult:
    ok: bool
    changed: bool
    error: str | None = None


class PolicyStore:
    def __init__(self, path: str | Path, loader: Callable[[Path], CompiledPolicy] = load_policy) -> None:
        """Loads `path` now; PolicyError if it is invalid (start-up must fail loudly)."""
        self.path = Path(path)
        self._loader = loader
        self.current: CompiledPolicy = loader(self.path)
        self.loaded_at = time.time()
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self._mtime = self._stat()
        telemetry.POLICY_RELOADS.add(1, {"result": "loaded"})

    def _stat(self) -> float | None:
        try:
            return os.stat(self.path).st_mtime_ns
        except OSError:
            return None

    def reload(self) -> ReloadResult:
        """Validate the file and swap it in; on error keep serving the last good policy."""
        self._mtime = self._stat()
        try:
            fresh = self._loader(self.path)
        except PolicyError as exc:
            self.last_error, self.last_error_at = str(exc), time.time()
            log.error("policy reload rejected, still serving %s (digest %s):\n%s",
                      self.current.source, self.current.digest, exc)
            telemetry.POLICY_RELOADS.add(1, {"result": "rejected"})
            return ReloadResult(False, False, str(exc))
        changed = fresh.digest != self.current.digest
        self.current = fresh
        self.loaded_at, self.last_error, self.last_error_at = time.time(), None, None
        telemetry.POLICY_RELOADS.add(1, {"result": "ok"})
        if changed:
            log.info("policy reloaded from %s (digest %s)", fresh.source, fresh.digest)
        return ReloadResult(True, changed)

    def status(self) -> dict:
        spec = self.current.spec
        return {
            "path": str(self.path),
            "digest": self.current.digest,
            "loaded_at": self.loaded_at,
            "models": [m.id for m in spec.models],
            "rules": [r.id for r in spec.rules],
            "warnings": list(self.current.warnings),
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
        }

    async def watch(self, interval_s: float = 1.0) -> None:
        """Reload whenever the file's mtime changes; runs until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            if self._stat() != self._mtime:
                self.reload()
