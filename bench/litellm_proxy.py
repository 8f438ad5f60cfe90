"""LiteLLM Proxy, the peer bench/latency.py measures Turnout against: virtualenvs of its own, built the
same way every time, and run the way litellm's production docs say.

    python bench/litellm_proxy.py [--releases 1.110.2,1.100.5]   # build (or rebuild) each, then check it
    python bench/litellm_proxy.py --check                        # only check what is built

Two releases by default (RELEASES): the one in Turnout's requirements.lock (the litellm Turnout itself
runs) and REFERENCE, an earlier one without known advisories that costs the proxy about half the CPU
per request on this machine (~11 ms against ~23 ms). bench/latency.py runs both and takes the
issue's ratios against the faster, so a slower release never flatters Turnout.

Why venvs of their own: `litellm[proxy]` requires `litellm-proxy`, `litellm-proxy-extras` and
`litellm-enterprise`, which this machine's registry lacks, so pip cannot resolve the extra. Each build
installs one litellm release, then its `proxy` extra's other requirements, read from that release's
own metadata. For the lock's release, the request path's packages the two sides share (uvicorn,
uvloop, httptools, fastapi, starlette, pydantic, aiohttp, orjson, opentelemetry: SHARED) are held at
the lock's versions; an older release keeps its own pins. On top of the extra:
- `httptools`: uvicorn's fast HTTP parser (without it uvicorn parses with pure-Python h11);
- `opentelemetry-api` and `-sdk` at the pins of litellm's `proxy-runtime` extra (what its Docker image
  ships): the proxy imports `opentelemetry.sdk` on every request, and where it is missing the failed
  import is retried each time (a path search and a bytecode compile per request, ~8% of its CPU).
`pip freeze` of the result is kept in the venv as `turnout-freeze.txt`. The venvs live under
`~/.cache/turnout/litellm-proxy-<release>` (XDG_CACHE_HOME if set).

How it runs (https://docs.litellm.ai/docs/proxy/prod): `LITELLM_LOG=ERROR` (no info or access logs),
`LITELLM_MODE=PRODUCTION` (no .env loading), `set_verbose: false`, spend and error logs to the
database off (there is no database here), uvloop (its default on Linux), and `--num_workers N` uvicorn
workers (the docs: one per pod, scaled out; bench/latency.py also runs N = Turnout's replica counts).
No master key: Turnout's bench policy runs with `auth: open` too.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
UNAVAILABLE = {"litellm-proxy", "litellm-proxy-extras", "litellm-enterprise"}  # not on this registry
EXTRA_RUNTIME = {"opentelemetry-api", "opentelemetry-sdk"}  # taken from litellm's proxy-runtime extra
FAST = ["httptools"]  # uvloop is in the proxy extra already
# Held at requirements.lock's versions (the rest resolves freely: the lock's websockets, for one, is
# newer than the proxy extra allows): the request path's stack, the same on both sides.
SHARED = ["litellm", "openai", "tiktoken", "uvicorn", "uvloop", "httptools", "h11", "fastapi", "starlette", "anyio",
          "pydantic", "pydantic-core", "aiohttp", "httpx", "orjson", "opentelemetry-api", "opentelemetry-sdk"]
# What must import for the proxy to run at its speed; what does not is reported, and the bench notes it.
NEEDED = {"litellm.proxy.proxy_server": "the proxy itself", "uvloop": "uvicorn's fast event loop",
          "httptools": "uvicorn's fast HTTP parser", "orjson": "the proxy's JSON encoder",
          "opentelemetry.sdk": "imported on every request (retried each time when missing)"}
FREEZE = "turnout-freeze.txt"
REFERENCE = "1.100.5"  # no known advisory (deploy/supply/audit.py); 1.83.14 is as fast but has two

CONFIG = textwrap.dedent("""
    model_list:
      - model_name: instant
        litellm_params:
          model: openai/instant
          api_base: http://127.0.0.1:{port}/v1
          api_key: x
    litellm_settings:
      set_verbose: false
      request_timeout: 600
    general_settings:
      disable_spend_logs: true
      disable_error_logs: true
""")


def locked() -> dict[str, str]:
    """name -> version of every pin in requirements.lock."""
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", LOCK.read_text(), re.M)
    return {_canon(name): version for name, version in pins}


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def litellm_version() -> str:
    return locked()["litellm"]


def default_venv(version: str | None = None) -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "turnout" / f"litellm-proxy-{version or litellm_version()}"


def env() -> dict[str, str]:
    """The proxy's environment, on top of the benchmark's."""
    return {"LITELLM_LOG": "ERROR", "LITELLM_MODE": "PRODUCTION", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true"}


def argv(cli: str, config: Path, port: int, workers: int) -> list[str]:
    return [cli, "--config", str(config), "--port", str(port), "--host", "127.0.0.1", "--num_workers", str(workers)]


def check(python: Path) -> tuple[str | None, list[str]]:
    """(the litellm release that venv's Python has, what it lacks of NEEDED as 'module (why)')."""
    probe = ("import importlib.metadata, sys\nprint(importlib.metadata.version('litellm'))\n"
             "for m in sys.argv[1:]:\n    try:\n        __import__(m)\n    except Exception:\n        print(m)\n")
    out = subprocess.run([str(python), "-c", probe, *NEEDED], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, **env()))
    if out.returncode:
        return None, [f"litellm ({out.stderr.strip().splitlines()[-1] if out.stderr.strip() else 'no output'})"]
    version, *lacks = out.stdout.split()
    return version, [f"{m} ({NEEDED[m]})" for m in lacks]


def releases() -> list[str]:
    """The releases the benchmark runs by default: the lock's, then REFERENCE."""
    return list(dict.fromkeys([litellm_version(), REFERENCE]))


def find_cli(release: str) -> str | None:
    """The litellm CLI of the venv built for `release`, if there is one."""
    cli = default_venv(release) / "bin" / "litellm"
    return str(cli) if cli.exists() else None


def _requirements(python: Path, extra: str) -> list[str]:
    """The requirement strings litellm's metadata lists for `extra`, markers evaluated in that venv."""
    code = textwrap.dedent("""
        import importlib.metadata, sys
        from packaging.requirements import Requirement
        for text in importlib.metadata.requires("litellm") or []:
            req = Requirement(text)
            if req.marker and "extra" in str(req.marker) and req.marker.evaluate({"extra": sys.argv[1]}):
                req.marker = None
                print(req)
    """)
    out = subprocess.run([str(python), "-c", code, extra], capture_output=True, text=True, check=True)
    return out.stdout.split("\n")[:-1]


def build(venv: Path, version: str) -> None:
    """Create `venv` afresh with the proxy of litellm `version`, as the module docstring says."""
    pins = locked()
    held = SHARED if version == pins["litellm"] else []
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python, pip = venv / "bin" / "python", [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    constraints = venv / "turnout-constraints.txt"  # the lock's versions of SHARED, without its hashes
    constraints.write_text("".join(f"{name}=={pins[name]}\n" for name in held if name in pins and name != "litellm"))
    subprocess.run(pip + ["-c", str(constraints), f"litellm=={version}"], check=True)
    wanted = [r for r in _requirements(python, "proxy") if _canon(re.split(r"[<>=!~\[ ;]", r)[0]) not in UNAVAILABLE]
    wanted += [r for r in _requirements(python, "proxy-runtime")
               if _canon(re.split(r"[<>=!~\[ ;]", r)[0]) in EXTRA_RUNTIME]
    wanted += [f"{name}=={pins[name]}" if name in pins else name for name in FAST]
    print(f"installing the proxy extra's requirements (less {', '.join(sorted(UNAVAILABLE))}) and "
          f"{', '.join(sorted(EXTRA_RUNTIME) + FAST)}", flush=True)
    subprocess.run(pip + ["-c", str(constraints), *wanted], check=True)
    freeze = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    (venv / FREEZE).write_text(freeze)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--releases", default=",".join(releases()),
                    help=f"litellm releases, comma-separated (default {','.join(releases())})")
    ap.add_argument("--check", action="store_true", help="only check what is built")
    args = ap.parse_args()
    bad = 0
    for release in [r.strip() for r in args.releases.split(",") if r.strip()]:
        venv = default_venv(release)
        if not args.check:
            print(f"building {venv} (litellm {release}{', as in requirements.lock' * (release == litellm_version())})",
                  flush=True)
            build(venv, release)
        if not (venv / "bin" / "python").exists():
            print(f"{venv}: not built (python bench/litellm_proxy.py --releases {release})", file=sys.stderr)
            bad += 1
            continue
        version, lacks = check(venv / "bin" / "python")
        for item in lacks:
            print(f"{venv}: lacks {item}", file=sys.stderr)
        if version != release:
            print(f"{venv}: has litellm {version}, not {release}", file=sys.stderr)
        else:
            print(f"{venv}: litellm {version}{', lacks ' + str(len(lacks)) if lacks else ', ok'}")
        bad += bool(lacks) or version != release
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
