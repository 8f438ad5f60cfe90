"""Loading a policy: YAML text -> validated `Policy` -> cross-checks -> `CompiledPolicy`.

The layer above the policy language (router/policy.py) and its whole-file checks
(router/policy_checks.py): it imports both, and the classifier builder, and nothing imports it
back — so none of them needs a lazy import to dodge a cycle.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import ValidationError

from router.classify.build import build_classifier, build_scorer
from router.classify.learned import ScorerModelError
from router.classify.media import MediaLimits
from router.policy import CompiledPolicy, Policy, PolicyError, PolicyIssue
from router.policy_checks import MAX_DEPTH, check, located_yaml, to_issues

__all__ = ["compile_policy", "load_policy"]


def load_policy(path: str | Path, limits: MediaLimits | None = None) -> CompiledPolicy:
    """Read, validate and compile a policy file. PolicyError (every problem, located) otherwise.
    `limits` (from settings) bounds media; default limits when None."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(str(path), [PolicyIssue("", f"cannot read policy: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise PolicyError(str(path), [PolicyIssue("", f"cannot read policy: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
                                                      f"at offset {exc.start})")]) from None
    return compile_policy(text, str(path), limits)


def compile_policy(text: str, source: str = "<policy>", limits: MediaLimits | None = None) -> CompiledPolicy:
    _flow_too_deep(text, source)
    tree = located_yaml(text, source)
    try:
        spec = Policy.model_validate(tree.data)
    except ValidationError as exc:
        raise PolicyError(source, to_issues(exc, tree)) from None
    errors, warnings = check(spec, tree)
    if errors:
        raise PolicyError(source, errors)
    try:
        scorer = build_scorer(spec.complexity, Path(source).parent)
    except ScorerModelError as exc:
        raise PolicyError(source, [tree.issue(("complexity", "model"), str(exc))]) from None
    try:
        classifier = build_classifier(spec, limits, scorer)
    except ValueError as exc:
        raise PolicyError(source, [PolicyIssue("privacy.custom", str(exc))]) from None
    return CompiledPolicy(
        spec=spec,
        source=source,
        digest=hashlib.sha256(text.encode()).hexdigest()[:16],
        models={m.id: m for m in spec.models},
        classifier=classifier,
        warnings=tuple(w.render(source) for w in warnings),
    )


# Quoted scalars and comments, whose brackets do not nest.
_NOT_FLOW = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\n]|'')*'|#[^\n]*")


def _flow_too_deep(text: str, source: str) -> None:
    """PolicyError if [ ] and { } nest deeper than MAX_DEPTH: ruamel takes seconds on 1,000 levels
    before its own recursion limit stops it."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in re.finditer(r"[\[\]{}]", _NOT_FLOW.sub(lambda m: " " * len(m.group()), text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, match.start()) + 1
            col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            raise PolicyError(source, [PolicyIssue("", f"invalid YAML: lists or mappings nest more than {MAX_DEPTH} "
                                                   "levels deep", line, col)])
