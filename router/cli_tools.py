"""The data-side `turnout` commands: `scorer train`, `scorer eval`, `simulate`, `feedback export`.

Each prints Markdown tables (paste them into a note) and fails with one line naming the file and
what is wrong. numpy is imported only by `scorer train`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any


def _fail(message: str) -> int:
    print(f"turnout: {message}", file=sys.stderr)
    return 1


def _pct(value: float) -> str:
    return "-" if value != value else f"{value:.0%}"


def _num(value: float) -> str:
    return "n/a" if value != value or math.isinf(value) else f"{value:.3f}"


def _weights(values: list[str]) -> dict[str, float]:
    weights = {}
    for value in values:
        path, sep, weight = value.rpartition("=")
        try:
            weights[path] = float(weight)
        except ValueError:
            sep = ""
        if not sep or not path or weights.get(path, -1) < 0:
            raise ValueError(f"--weight {value!r}: expected FILE=W with W >= 0")
    return weights


def cmd_scorer_train(args: argparse.Namespace) -> int:
    from router.scorer import L2, POOLED, CasesError, train

    try:
        weights = _weights(args.weight)
        missing = sorted(set(weights) - set(args.cases))
        if missing:
            return _fail(f"--weight names {', '.join(missing)}, which is not among the cases files")
        trained = train(args.cases, weights=weights, l2=L2 if args.l2 is None else args.l2, name=Path(args.output).stem)
    except (CasesError, ValueError) as exc:
        return _fail(str(exc))
    print("Leave-one-source-out: each source scored by a model trained on every other source.\n")
    print("| held-out source | prompts | weak acc | strong acc | APGR | CPT(50%) | CPT(80%) |")
    print("|---|---|---|---|---|---|---|")
    counts = {s: d["prompts"] for s, d in trained.model.provenance["held_out"].items()}
    for source, m in trained.held_out.items():
        name = f"**{source}**" if source == POOLED else source
        print(f"| {name} | {counts[source]} | {m.weak:.3f} | {m.strong:.3f} | {_num(m.apgr)} | {_pct(m.cpt50)} | "
              f"{_pct(m.cpt80)} |")
    try:
        Path(args.output).write_text(json.dumps(trained.model.to_json(), indent=1, allow_nan=False) + "\n",
                                     encoding="utf-8")
    except OSError as exc:
        return _fail(f"{args.output}: cannot write: {exc.strerror or exc}")
    print(f"\nwrote {args.output} ({len(trained.model.features)} features, "
          f"{sum(f['rows'] for f in trained.model.provenance['files'])} rows)")
    return 0


def cmd_scorer_eval(args: argparse.Namespace) -> int:
    from router.classify.complexity import HeuristicScorer
    from router.classify.learned import LearnedScorer, ScorerModelError, load_model
    from router.scorer import CasesError, evaluate

    try:
        if args.heuristic:
            scorer, label = HeuristicScorer(), "turnout heuristic"
        else:
            model = load_model(args.model)
            scorer, label = LearnedScorer(model), f"turnout learned ({model.name})"
    except ScorerModelError as exc:
        return _fail(str(exc))
    print("| cases | prompts | weak acc | strong acc | router | APGR | CPT(50%) | CPT(80%) |")
    print("|---|---|---|---|---|---|---|---|")
    worst = math.inf
    for path in args.cases:
        try:
            rows = evaluate(path, scorer, label)
        except CasesError as exc:
            return _fail(str(exc))
        for name, m in rows:
            if name == label:
                worst = min(worst, m.apgr)
            print(f"| {Path(path).name} | {_count(path)} | {m.weak:.3f} | {m.strong:.3f} | {name} | {_num(m.apgr)} | "
                  f"{_pct(m.cpt50)} | {_pct(m.cpt80)} |")
    print(f"{label}: lowest APGR {_num(worst)}" + (f" (goal >= {args.min:.2f})" if args.min is not None else ""))
    return 0 if args.min is None or worst >= args.min else 1


def _count(path: str) -> int:
    with open(path, encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())


def _usd(value: float) -> str:
    return f"${value:,.4f}" if value < 100 else f"${value:,.2f}"


def cmd_simulate(args: argparse.Namespace) -> int:
    from router.policy_loader import load_policy
    from router.settings import Settings
    from router.simulate import TrafficError, curve, load_traffic, reference_model, run

    args.policy = args.policy or str(Settings().policy)
    policy = load_policy(args.policy)
    try:
        reference = reference_model(policy)
        samples, skipped = load_traffic(policy, args.traffic)
    except (TrafficError, ValueError) as exc:
        return _fail(str(exc))
    for line in skipped:
        print(f"skipped {line}", file=sys.stderr)
    if not samples:
        return _fail("no request in the traffic could be classified")
    now = run(policy, samples)
    ratio = now.vs_all_cloud
    print(f"{len(samples)} requests under {args.policy}; all-cloud reference: {reference}\n")
    print("| requests | local share | cloud | refused | cloud cost | total cost | all-cloud cost | cost vs all-cloud "
          "| expected quality (labelled) |")
    print("|---|---|---|---|---|---|---|---|---|")
    quality = "-" if now.quality is None else f"{now.quality:.3f} ({now.labelled})"
    print(f"| {now.requests} | {now.local_share:.1%} | {now.cloud} | {now.refused} | {_usd(now.cloud_cost_usd)} | "
          f"{_usd(now.cost_usd)} | {_usd(now.all_cloud_usd)} | {'-' if ratio is None else f'{ratio:.1%}'} | {quality} |")
    print("\n| rule | requests |\n|---|---|")
    for rule, n in now.rules.most_common():
        print(f"| {rule} | {n} |")
    print("\nCost/quality over the complexity threshold (every rule's complexity_at_least):\n")
    print("| threshold | local share | total cost | cost vs all-cloud | expected quality |")
    print("|---|---|---|---|---|")
    for threshold, o in curve(policy, samples):
        r = o.vs_all_cloud
        print(f"| {threshold:.2f} | {o.local_share:.1%} | {_usd(o.cost_usd)} | {'-' if r is None else f'{r:.1%}'} | "
              f"{'-' if o.quality is None else f'{o.quality:.3f}'} |")
    return 0


def cmd_feedback_export(args: argparse.Namespace) -> int:
    import asyncio

    from router.feedback import RedisFeedback, training_rows
    from router.settings import Settings

    url = args.redis_url or (Settings().redis_url.get_secret_value() if Settings().redis_url else None)
    if not url:
        return _fail("feedback export reads the gateway's Redis: pass --redis-url or set TURNOUT_REDIS_URL "
                     "(without Redis, feedback lives only in the serving process)")

    async def read() -> list[dict[str, Any]]:
        store = RedisFeedback(url)
        try:
            return await store.export()
        finally:
            await store.close()

    try:
        records = asyncio.run(read())
    except Exception as exc:  # a Redis that cannot be reached: say which and why
        return _fail(f"cannot read feedback from {url.split('@')[-1]}: {type(exc).__name__}: {exc}")
    rows, skipped = training_rows(records)
    try:
        with open(args.output, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
    except OSError as exc:
        return _fail(f"{args.output}: cannot write: {exc.strerror or exc}")
    print(f"wrote {len(rows)} cases to {args.output}; skipped {skipped} (cloud answers rated good say nothing "
          f"about the local model)")
    return 0


def add_commands(sub: Any) -> None:
    """Register the commands on the `turnout` sub-command parser."""
    scorer = sub.add_parser("scorer", help="train and judge the complexity scorer").add_subparsers(
        dest="scorer_command", required=True)
    train = scorer.add_parser("train", help="fit a scorer model on labelled outcomes; prints held-out scores")
    train.add_argument("cases", nargs="+", help="JSONL of {id, source, prompt, weak_correct, strong_correct}")
    train.add_argument("-o", "--output", required=True, help="model file to write (JSON)")
    train.add_argument("--weight", action="append", default=[], metavar="FILE=W",
                       help="weigh every row of FILE W times (repeatable; default 1)")
    train.add_argument("--l2", type=float, default=None,
                       help="ridge penalty on standardised features (default: router.scorer.L2, chosen held out)")
    train.set_defaults(func=cmd_scorer_train)
    evaluate = scorer.add_parser("eval", help="APGR and CPT per file, against random and prompt-length baselines")
    evaluate.add_argument("cases", nargs="+")
    which = evaluate.add_mutually_exclusive_group()
    which.add_argument("--model", help="scorer model file (default: the shipped one)")
    which.add_argument("--heuristic", action="store_true", help="judge the heuristic scorer instead")
    evaluate.add_argument("--min", type=float, help="exit 1 unless every file's APGR is at least this")
    evaluate.set_defaults(func=cmd_scorer_eval)

    simulate = sub.add_parser("simulate", help="replay traffic through classify and decide: cost, quality, curve")
    simulate.add_argument("--policy", help="policy YAML (default: TURNOUT_POLICY or policies/default.yaml)")
    simulate.add_argument("traffic", nargs="+", help="JSONL of route --batch cases or labelled routing cases")
    simulate.set_defaults(func=cmd_simulate)

    feedback = sub.add_parser("feedback", help="outcomes clients reported").add_subparsers(
        dest="feedback_command", required=True)
    export = feedback.add_parser("export", help="write the reported outcomes as a `turnout scorer train` file")
    export.add_argument("-o", "--output", required=True)
    export.add_argument("--redis-url", help="the gateway's Redis (default: TURNOUT_REDIS_URL)")
    export.set_defaults(func=cmd_feedback_export)
