"""`turnout serve`'s first process: it keeps the gateway out of the signals meant for a whole group.

Ray starts its GCS, raylet and agents in the process group of the process that calls `ray.init`, and
they end at once on SIGTERM. A SIGTERM sent to the whole group (`timeout`, `kill -- -PGID`, supervisord's
`stopasgroup`, `tini -g`) would then take Ray down under the gateway mid-drain: requests in flight cut,
Serve's controller waited out for 30 s, 14-40 s to exit. So `turnout serve` runs the gateway in a child
of its own session, which no group signal reaches, and forwards SIGTERM and SIGINT (Ctrl-C) to it:
the gateway stops as it does for a signal sent to it alone (drain, Serve, Ray, HAProxy; a second
signal skips the drain). The child is bound to this process's life (PR_SET_PDEATHSIG): if this one
dies, SIGKILL included, the gateway gets SIGTERM and stops in the same order.

The child's run marker (router/leftovers.py) is this process's, so whoever started `turnout serve`
finds what it starts by the pid it knows.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

SUPERVISOR_ENV = "TURNOUT_SERVE_SUPERVISOR"  # set in the child: the supervising process's run marker
_PR_SET_PDEATHSIG = 1
_FORWARDED = (signal.SIGTERM, signal.SIGINT)


def supervised() -> str | None:
    """The supervising process's run marker when this process is the gateway child, else None."""
    return os.environ.get(SUPERVISOR_ENV)


def wanted() -> bool:
    """Whether this `turnout serve` should start the gateway as a supervised child (Linux, not the
    child already)."""
    return sys.platform.startswith("linux") and supervised() is None


def _bound_to(parent: int):
    def preexec() -> None:  # in the child, between fork and exec
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the binding took: stop as if it had after
            os.kill(os.getpid(), signal.SIGTERM)
    return preexec


def run(argv: list[str], marker: str) -> int:
    """Run `argv` (the gateway) in a session of its own, forward SIGTERM and SIGINT to it, and return
    its exit status (128 + N when a signal N ended it)."""
    child = subprocess.Popen(argv, env={**os.environ, SUPERVISOR_ENV: marker}, start_new_session=True,
                             preexec_fn=_bound_to(os.getpid()))

    def forward(signum: int, _frame: object) -> None:
        try:
            child.send_signal(signum)
        except ProcessLookupError:
            pass

    for signum in _FORWARDED:
        signal.signal(signum, forward)
    status = child.wait()  # retried across the forwarded signals (PEP 475)
    return 128 - status if status < 0 else status
