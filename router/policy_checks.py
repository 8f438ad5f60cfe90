"""Everything that turns a policy file into located errors: YAML positions, pydantic error wording,
and the whole-file cross-checks (ids, default rule, reachability, the privacy proof).

The privacy proof: walking the rules in order, each rule is reachable by the data classes its `when`
admits minus those that earlier rules capture unconditionally (a rule whose only conditions are data
class bounds and that refuses rather than falling through). Every model a reachable rule may pick —
route or fallback — must have clearance for the highest class that can reach it. decide() filters by
clearance again at run time; the proof makes a wrong policy fail at load, not in production.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from router import prices
from router.policy import DATA_CLASSES, PolicyError, PolicyIssue, Policy
from router.profile import DataClass

Path_ = tuple[str | int, ...]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class LocatedTree:
    """Plain YAML data plus the 1-based (line, column) of every key and item."""

    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path_) -> tuple[int | None, int | None]:
        """Position of `path`, or of its nearest located ancestor."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return None, None

    def issue(self, path: Path_, message: str) -> PolicyIssue:
        line, col = self.position(path)
        return PolicyIssue(dotted(path), message, line, col)


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _yaml_issue(exc: Any) -> PolicyIssue:
    """A ruamel syntax error as one issue at the problem's position; the construct it interrupted
    (a flow list, a quoted string, a mapping) is named with where it started."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
    message = f"invalid YAML: {exc.problem or exc.context}"
    start = exc.context_mark
    if exc.context and exc.problem and start is not None and (start.line + 1, start.column + 1) != (line, col):
        message += f" ({exc.context} started at line {start.line + 1}, column {start.column + 1})"
    return PolicyIssue("", message, line, col)


def _yaml_type(value: Any) -> str:
    """What a YAML author would call `value`'s type."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def _yaml_repr(value: Any) -> str:
    """`value` as it was written in YAML: null/true/false rather than Python's None/True/False."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _found(value: Any) -> str:
    """`value` with its YAML type, for messages about a value of the wrong type: "string 'lots'"."""
    return "null" if value is None else f"{_yaml_type(value)} {_yaml_repr(value)}"


MAX_NODES, MAX_DEPTH = 50_000, 64  # a real policy has a few hundred lists and mappings, 6 levels deep


def located_yaml(text: str, source: str) -> LocatedTree:
    yaml = YAML(typ="rt")
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        raise PolicyError(source, [_yaml_issue(exc)]) from None
    except YAMLError as exc:
        raise PolicyError(source, [PolicyIssue("", f"invalid YAML: {exc}")]) from None
    except RecursionError:  # ruamel's scanner and composer recurse once per level
        raise PolicyError(source, [PolicyIssue("", "invalid YAML: lists or mappings nest too deeply")]) from None
    if not isinstance(root, dict):
        found = "an empty file" if root is None else f"a {_yaml_type(root)}"
        raise PolicyError(source, [PolicyIssue("", f"a policy is a YAML mapping with 'version', 'models' and 'rules'; found {found}", 1, 1)])

    tree = LocatedTree(None)
    seen = [0]

    def plain(node: Any, path: Path_) -> Any:
        if isinstance(node, (CommentedMap, CommentedSeq)):
            seen[0] += 1
            if seen[0] > MAX_NODES or len(path) > MAX_DEPTH:  # aliases of aliases ("billion laughs"), or a cycle
                raise PolicyError(source, [PolicyIssue(str(path[0]) if path else "", f"expands to more than "
                                                       f"{MAX_NODES:,} lists and mappings or {MAX_DEPTH} levels (YAML "
                                                       "aliases?)", *tree.positions.get(path[:1], (None, None)))])
        if isinstance(node, CommentedMap):
            out = {}
            for key, value in node.items():
                line, col = node.lc.key(key)
                tree.positions[path + (str(key),)] = (line + 1, col + 1)
                out[str(key)] = plain(value, path + (str(key),))
            return out
        if isinstance(node, CommentedSeq):
            out_list = []
            for index, value in enumerate(node):
                line, col = node.lc.item(index)
                tree.positions[path + (index,)] = (line + 1, col + 1)
                out_list.append(plain(value, path + (index,)))
            return out_list
        if isinstance(node, str):
            return str(node)
        if isinstance(node, bool) or node is None:
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        return node

    tree.positions[()] = (1, 1)
    tree.data = plain(root, ())
    return tree


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types behind Optional / list / Annotated / Union."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _model_at(path: Path_) -> type[BaseModel] | None:
    """The policy model class found by following `path` (data keys and pydantic union tags) from Policy."""
    current: list[Any] = [Policy]
    for part in path:
        if isinstance(part, int):
            continue
        models = [t for t in current if isinstance(t, type) and issubclass(t, BaseModel)]
        tagged = [m for m in models if getattr(m.model_fields.get("kind"), "annotation", None) is not None
                  and part in typing.get_args(m.model_fields["kind"].annotation)]
        if tagged:
            current = tagged
            continue
        nxt = [t for m in models if part in m.model_fields for t in _unwrap(m.model_fields[part].annotation)]
        if not nxt:
            return None
        current = nxt
    models = [t for t in current if isinstance(t, type) and issubclass(t, BaseModel)]
    return models[0] if len(models) == 1 else None


def _data_path(loc: Path_, data: Any) -> Path_:
    """Drop pydantic's union-branch labels from `loc`, keeping only steps that exist in the data."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part not in node and not out_is_tag(part):
            out.append(part)  # a missing key: keep it, its parent is located
            node = None
    return tuple(out)


def out_is_tag(part: str) -> bool:
    return part in _KIND_TAGS or "[" in part


_EXPECTED = {
    "model_type": "a mapping", "model_attributes_type": "a mapping", "dict_type": "a mapping",
    "list_type": "a list", "string_type": "a string", "bool_type": "true or false", "bool_parsing": "true or false",
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number",
}
_BOUNDS = {
    "greater_than_equal": ("at least", "ge"), "greater_than": ("above", "gt"),
    "less_than_equal": ("at most", "le"), "less_than": ("below", "lt"),
}
_ID_RULE = "ids are 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit"
_KIND_TAGS = ("llamacpp", "litellm", "openai")  # the discriminator values of policy.ModelSpec
_KINDS = ", ".join(_KIND_TAGS)


def to_issues(exc: ValidationError, tree: LocatedTree) -> list[PolicyIssue]:
    """pydantic's errors as located issues worded for a YAML author: what was found, what is allowed."""
    issues = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path = _data_path(loc, tree.data)
        kind = error["type"]
        found = error.get("input")
        ctx = error.get("ctx", {})
        if kind == "extra_forbidden":
            model = _model_at(loc[:-1])  # the raw loc keeps the union tag (llamacpp/litellm) that picks the model
            allowed = ", ".join(model.model_fields) if model else "see policies/schema.json"
            message = f"unknown key {path[-1]!r}; allowed: {allowed}"
        elif kind == "missing":
            message = f"missing required key {loc[-1]!r}"
            path = _data_path(loc[:-1], tree.data) + (str(loc[-1]),)
        elif kind in ("literal_error", "enum"):
            message = f"found {_yaml_repr(found)}; allowed: {ctx.get('expected', '')}"
        elif kind == "union_tag_invalid":
            tag = found.get("kind") if isinstance(found, dict) else found
            message = f"unknown kind {_yaml_repr(tag)}; allowed: {_KINDS}"
            path = path + ("kind",)
        elif kind == "union_tag_not_found":
            message = f"missing required key 'kind'; allowed: {_KINDS}"
            path = path + ("kind",)
        elif kind in _EXPECTED:
            message = f"found {_found(found)}; expected {_EXPECTED[kind]}"
        elif kind in _BOUNDS:
            word, key = _BOUNDS[kind]
            message = f"found {_yaml_repr(found)}; must be {word} {ctx.get(key)}"
        elif kind == "string_pattern_mismatch" and path and path[-1] == "id":
            message = f"found {_yaml_repr(found)}; {_ID_RULE}"
        elif kind == "too_short":
            message = f"found an empty list; at least {ctx.get('min_length', 1)} item required"
        elif kind == "value_error":
            message = str(ctx.get("error", error["msg"]))
        else:
            message = f"found {_yaml_repr(found)}; {error['msg'][0].lower()}{error['msg'][1:]}"
        issues.append(tree.issue(path, message))
    return issues


def check(spec: Policy, tree: LocatedTree) -> tuple[list[PolicyIssue], list[PolicyIssue]]:
    """Whole-file checks. Returns (errors, warnings)."""
    errors: list[PolicyIssue] = []
    warnings: list[PolicyIssue] = []
    models = {m.id: m for m in spec.models}
    known = ", ".join(models)

    ambiguous: set[str] = set()
    for section, items in (("models", spec.models), ("rules", spec.rules), ("tenants", spec.tenants)):
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.id in seen:
                errors.append(tree.issue((section, index, "id"),
                                         f"duplicate id {item.id!r} (first used at {section}[{seen[item.id]}])"))
                if section == "models":
                    ambiguous.add(item.id)
            seen.setdefault(item.id, index)

    for index, model in enumerate(spec.models):
        if model.kind == "llamacpp":
            if (model.path is None) == (model.package is None):
                errors.append(tree.issue(("models", index), "a llamacpp model needs exactly one of 'path' or 'package'"))
            if model.chat_handler and not model.mmproj:
                errors.append(tree.issue(("models", index, "chat_handler"),
                                         f"chat_handler {model.chat_handler!r} needs 'mmproj' (the projector GGUF)"))
        elif prices.lookup(model.price_key) is None:  # a self-hosted server behind api_base, or a typo
            guesses = []
            if model.pricing is None:
                guesses.append("priced at $0 (set pricing, or 'cheapest' will always prefer it)")
            if model.context_tokens is None:
                guesses.append(f"context window assumed {model.context_window} tokens (set context_tokens)")
            if guesses:
                warnings.append(tree.issue(("models", index, "model"), f"{model.model!r} is not in litellm's "
                                                                      f"model map: {'; '.join(guesses)}"))

    digests = [(("auth", "admin_key_sha256", k), d) for k, d in enumerate(spec.auth.admin_key_sha256)]
    digests += [(("tenants", t, "api_key_sha256", k), d)
                for t, tenant in enumerate(spec.tenants) for k, d in enumerate(tenant.api_key_sha256)]
    for where, digest in digests:
        if not _SHA256.match(digest):
            errors.append(tree.issue(where, f"found {digest!r}; expected a 64-character lowercase sha256 hex digest "
                                            "of the key (turnout keys create prints one)"))
    for t_index, tenant in enumerate(spec.tenants):
        for m_index, model_id in enumerate(tenant.allowed_models or []):
            if model_id not in models:
                errors.append(tree.issue(("tenants", t_index, "allowed_models", m_index),
                                         f"unknown model {model_id!r}; known: {known}"))
        for b_index, budget in enumerate(tenant.budgets):
            if budget.usd is None and budget.gpu_seconds is None:
                errors.append(tree.issue(("tenants", t_index, "budgets", b_index),
                                         "give 'usd', 'gpu_seconds' or both: a budget with no limit limits nothing"))

    for c_index, custom in enumerate(spec.privacy.custom):
        if (custom.regex is None) == (not custom.keywords):
            errors.append(tree.issue(("privacy", "custom", c_index), "give exactly one of 'regex' or 'keywords'"))
        if custom.regex is not None:
            try:
                re.compile(custom.regex)
            except re.error as exc:
                errors.append(tree.issue(("privacy", "custom", c_index, "regex"), f"invalid regular expression: {exc}"))

    reachable = set(DataClass)
    for index, rule in enumerate(spec.rules):
        when = rule.when
        if (when.data_class_at_least is not None and when.data_class_at_most is not None
                and when.data_class_at_least > when.data_class_at_most):
            errors.append(tree.issue(("rules", index, "when"),
                                     f"data_class_at_least {when.data_class_at_least} is above data_class_at_most "
                                     f"{when.data_class_at_most}: the rule can never match"))
        for key in ("route", "fallbacks"):
            for m_index, model_id in enumerate(getattr(rule, key)):
                if model_id not in models:
                    errors.append(tree.issue(("rules", index, key, m_index), f"unknown model {model_id!r}; known: {known}"))
        classes = reachable & when.class_range()
        if not classes:
            warnings.append(tree.issue(("rules", index), f"rule {rule.id!r} is unreachable: earlier rules take every "
                                                         "data class it matches"))
            continue
        highest = max(classes)
        for key in ("route", "fallbacks"):
            for m_index, model_id in enumerate(getattr(rule, key)):
                model = models.get(model_id)  # a duplicated id is already an error; its clearance is ambiguous
                if model is not None and model_id not in ambiguous and model.clearance < highest:
                    if index == len(spec.rules) - 1:  # the default rule may not have conditions
                        above = DataClass(model.clearance + 1)
                        fix = (f"add an earlier rule with when: {{data_class_at_least: {above}}} that routes such "
                               f"data to models cleared for it, or remove {model_id!r} here")
                    else:
                        fix = (f"add when.data_class_at_most: {model.clearance} "
                               f"or route {highest} data to a model cleared for it")
                    errors.append(tree.issue(
                        ("rules", index, key, m_index),
                        f"privacy: model {model_id!r} (clearance {model.clearance}) could receive {highest} data "
                        f"through rule {rule.id!r}; {fix}"))
        if when.only_data_class() and rule.otherwise == "refuse":
            reachable -= classes

    reference = spec.accounting.reference_model
    if reference is not None and reference not in models:
        errors.append(tree.issue(("accounting", "reference_model"), f"unknown model {reference!r}; known: {known}"))
    elif reference is not None and models[reference].location != "cloud":
        errors.append(tree.issue(("accounting", "reference_model"),
                                 f"{reference!r} is a local model; the all-cloud reference must be a cloud model"))
    if spec.complexity.model is not None and spec.complexity.scorer != "learned":
        errors.append(tree.issue(("complexity", "model"),
                                 f"a model file applies only to scorer: learned (found scorer: {spec.complexity.scorer})"))

    last = spec.rules[-1]
    if last.when != type(last.when)():
        conditions = ", ".join(k for k, v in last.when.model_dump(exclude_none=True).items())
        errors.append(tree.issue(("rules", len(spec.rules) - 1, "when"),
                                 f"the last rule must be a default rule without conditions, so every request has a "
                                 f"route; found conditions: {conditions}"))
    elif last.otherwise == "next":
        errors.append(tree.issue(("rules", len(spec.rules) - 1, "otherwise"),
                                 "the default rule cannot fall through ('next'); allowed: refuse"))
    return errors, warnings


__all__ = ["LocatedTree", "located_yaml", "to_issues", "check", "DATA_CLASSES"]
