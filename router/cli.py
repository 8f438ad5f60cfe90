"""The `turnout` command: serve, policy check, route (dry-run), keys create; scorer train/eval,
simulate and feedback export live in router.cli_tools.

Heavy libraries (Ray, llama.cpp, litellm) are imported only by the sub-command and backend that
needs them, so `turnout policy check` and `turnout route` start fast. `turnout route` builds its
gateway with the same composition root as the server (router/runtime.py), with no backends.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
from pathlib import Path
from typing import Any, Iterable, TextIO

from router import runtime, serve
from router.cli_tools import add_commands
from router.decide import refusal
from router.errors import BadRequest, TurnoutError
from router.gateway import Gateway
from router.http_io import MAX_DEPTH, refuse_deep
from router.policy import Policy, PolicyError
from router.policy_loader import load_policy
from router.profile import DataClass
from router.settings import Settings


def _fail(message: str) -> int:
    print(f"turnout: {message}", file=sys.stderr)
    return 1


def _parse_headers(values: Iterable[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"--header {value!r}: expected 'Name: value'")
        headers[name.strip().lower()] = content.strip()
    return headers


def _refused(error: TurnoutError | str, headers: dict[str, str]) -> dict[str, Any]:
    """The decision JSON for input that could not be classified; nothing is routed."""
    try:
        data_class = DataClass.parse(headers.get("x-turnout-data-class", "internal"))
    except ValueError:
        data_class = DataClass.INTERNAL
    error = error if isinstance(error, TurnoutError) else BadRequest(error)
    return refusal(error, max(data_class, DataClass.INTERNAL)).as_json()


def _route_one(gateway: Gateway, body: Any, headers: dict[str, str], scan: bool = False) -> dict[str, Any]:
    """The decision JSON; with `scan` (--scan-media) the media are read as the gateway would."""
    import asyncio

    from router.look import dry_run, wants_scan

    try:
        wants_scan(headers, body)  # the body's own "scan_media" is the HTTP form of --scan-media: not request text
        return asyncio.run(dry_run(gateway.look if scan else None, gateway.store.current, body, headers, scan=scan))
    except TurnoutError as exc:
        return _refused(exc, headers)


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (the HTTP surface refuses them too)."""
    raise BadRequest(f"invalid JSON: {name} is not a JSON number")


def _json(text: str) -> Any:
    """`text` decoded, with the HTTP surface's depth limit (BadRequest past it)."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BadRequest("invalid JSON: arrays or objects nest too deeply") from None
    if isinstance(value, (dict, list)) and text.count("[") + text.count("{") > MAX_DEPTH:
        refuse_deep(value)
    return value


def _batch(gateway: Gateway, lines: TextIO, out: TextIO, scan: bool = False) -> None:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            case = _json(line)
        except json.JSONDecodeError as exc:
            out.write(json.dumps(_refused(f"line {number}: invalid JSON: {exc.msg} at column {exc.colno}", {})) + "\n")
            continue
        except BadRequest as exc:
            out.write(json.dumps(_refused(f"line {number}: {exc.message}", {})) + "\n")
            continue
        if not isinstance(case, dict):
            out.write(json.dumps(_refused(f"line {number}: expected an object with 'body'", {})) + "\n")
            continue
        raw_headers = case.get("headers") or {}
        headers = {str(k).lower(): str(v) for k, v in raw_headers.items()} if isinstance(raw_headers, dict) else {}
        out.write(json.dumps(_route_one(gateway, case.get("body"), headers, scan)) + "\n")


def cmd_route(args: argparse.Namespace) -> int:
    try:
        headers = _parse_headers(args.header)
    except ValueError as exc:
        return _fail(str(exc))
    gateway = runtime.build(Settings(**({"policy": args.policy} if args.policy else {})), backends={})
    scan = args.scan_media
    if args.batch:
        if args.batch == "-":
            _batch(gateway, sys.stdin, sys.stdout, scan)
        else:
            try:
                with open(args.batch, encoding="utf-8") as fh:
                    _batch(gateway, fh, sys.stdout, scan)
            except OSError as exc:
                return _fail(f"{args.batch}: {exc.strerror}")
            except UnicodeDecodeError as exc:
                return _fail(f"{args.batch}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x})")
        return 0
    source = args.request or "-"
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        return _fail(f"{source}: {exc.strerror}")
    except UnicodeDecodeError as exc:
        return _fail(f"{source}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})")
    try:
        body = _json(text)
    except json.JSONDecodeError as exc:
        return _fail(f"{source}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}")
    except BadRequest as exc:
        return _fail(f"{source}: {exc.message}")
    print(json.dumps(_route_one(gateway, body, headers, scan), indent=2))
    return 0


def cmd_policy_check(args: argparse.Namespace) -> int:
    policy = load_policy(args.file)
    for warning in policy.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    spec = policy.spec
    if spec.gpus is not None:
        from router.memory_plan import plan
        from router.settings import Settings

        _, errors, warnings = plan(policy, Settings().model_dir)
        for warning in warnings:
            print(f"warning: {args.file}: {warning}", file=sys.stderr)
        if errors:
            for error in errors:
                print(f"{args.file}: {error}", file=sys.stderr)
            return 1
    local = sum(m.location == "local" for m in spec.models)
    print(f"{args.file}: ok — {len(spec.models)} models ({local} local, {len(spec.models) - local} cloud), "
          f"{len(spec.rules)} rules, {len(spec.tenants)} tenants, privacy proof passed")
    return 0


def cmd_policy_schema(args: argparse.Namespace) -> int:
    text = json.dumps(Policy.model_json_schema(), indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_models_plan(args: argparse.Namespace) -> int:
    from router.memory_plan import plan, render_table
    from router.settings import Settings

    settings = Settings(**({"policy": args.policy} if args.policy else {}))
    policy = load_policy(settings.policy)
    rows, errors, warnings = plan(policy, settings.model_dir)
    print(render_table(rows))
    gpus = policy.spec.gpus
    print(f"GPU: {gpus.vram_gib:g} GiB declared (gpus.vram_gib)" if gpus else
          "GPU: none declared (add gpus: {vram_gib: N} to compare)")
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in errors:
        print(f"error: {line}", file=sys.stderr)
    return 1 if errors else 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    key = "tk-" + secrets.token_urlsafe(32)
    digest = hashlib.sha256(key.encode()).hexdigest()
    print(f"key (shown once, store it now): {key}")
    print(f"add to policy tenants[id={args.tenant}].api_key_sha256: {digest}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    return serve.serve(policy=args.policy, host=args.host, port=args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="turnout", description="Hybrid cloud/local model router")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("serve", help="run the gateway on Ray Serve")
    run.add_argument("--policy", help="policy YAML (default: TURNOUT_POLICY or policies/default.yaml)")
    run.add_argument("--host", help="listen address (default: TURNOUT_HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="listen port (default: TURNOUT_PORT or 8000)")
    run.set_defaults(func=cmd_serve)

    policy = sub.add_parser("policy", help="policy tools").add_subparsers(dest="policy_command", required=True)
    check = policy.add_parser("check", help="validate a policy file")
    check.add_argument("file")
    check.set_defaults(func=cmd_policy_check)
    schema = policy.add_parser("schema", help="print the policy JSON Schema")
    schema.add_argument("-o", "--output", help="write to this file")
    schema.set_defaults(func=cmd_policy_schema)

    route = sub.add_parser("route", help="dry-run: print the routing decision for a request")
    route.add_argument("--policy", default=None, help="policy YAML (default: policies/default.yaml)")
    route.add_argument("--header", action="append", default=[], help="'Name: value' request header (repeatable)")
    route.add_argument("--batch", help="JSONL of {headers, body} cases, or - for stdin; one decision per line")
    route.add_argument("--scan-media", action="store_true",
                       help="read images and audio (OCR, speech-to-text, in this process) as the gateway would "
                            "before they leave, and show what the scan finds (media_scan)")
    route.add_argument("request", nargs="?", help="request JSON file, or - for stdin")
    route.set_defaults(func=cmd_route)

    models = sub.add_parser("models", help="local model tools").add_subparsers(dest="models_command", required=True)
    plan = models.add_parser("plan", help="memory each local model needs (weights, KV cache, projector, margin)")
    plan.add_argument("--policy", default=None, help="policy YAML (default: TURNOUT_POLICY or policies/default.yaml)")
    plan.set_defaults(func=cmd_models_plan)

    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="print a new API key and the digest to put in the policy")
    create.add_argument("--tenant", required=True)
    create.set_defaults(func=cmd_keys_create)
    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    runtime.prepare_environment()  # before any policy is loaded: its token counter reads tiktoken's cache
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except runtime.StartupError as exc:
        print(str(exc.policy_error) if exc.policy_error else f"turnout: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
