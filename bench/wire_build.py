"""CPU cost of the litellm fast path's request build (LiteLLMWire._prepare), in-process, no I/O.

    python bench/wire_build.py [--builds 20000]

Builds the same three requests over and over for `openai/gpt-4o-mini` behind a local api_base: a
4-message chat with max_tokens and temperature ("plain"), the same with one function tool and
tool_choice ("tools"), and a streamed one ("stream"); prints thread-CPU µs per build. Run it from two
checkouts in turn (PYTHONPATH=<checkout>) to compare them; on a shared machine, interleave and keep
the quietest runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from backends.cloud import LiteLLMBackend  # noqa: E402

KEY_ENV = "TURNOUT_BENCH_WIRE_KEY"
TOOL = {"type": "function", "function": {"name": "lookup", "description": "Find an order.", "parameters": {
    "type": "object", "properties": {"id": {"type": "string"}}}}}
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "more"}]
SHAPES = {"plain": ({"messages": MESSAGES, "max_tokens": 16, "temperature": 0.7}, False),
          "tools": ({"messages": MESSAGES, "tools": [TOOL], "tool_choice": "auto"}, False),
          "stream": ({"messages": MESSAGES, "max_tokens": 16}, True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=20000)
    args = parser.parse_args()
    os.environ[KEY_ENV] = "sk-bench"
    wire = LiteLLMBackend("bench", "openai/gpt-4o-mini", api_base="http://127.0.0.1:9/v1",
                          api_key_env=KEY_ENV)._wire
    print(f"{'request':10s} {'µs/build':>9s}   ({ROOT.name}, {args.builds} builds each)")
    for name, (request, stream) in SHAPES.items():
        for _ in range(200):  # the parameter mapping is worked out once per set: warm it first
            wire._prepare(request, stream=stream)
        started = time.thread_time()
        for _ in range(args.builds):
            wire._prepare(request, stream=stream)
        print(f"{name:10s} {(time.thread_time() - started) / args.builds * 1e6:9.1f}")


if __name__ == "__main__":
    main()
