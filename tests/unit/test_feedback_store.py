"""The in-process feedback store and the mapping from rated answers to scorer training cases."""

from __future__ import annotations

import pytest

from router.cli import main
from router.feedback import Feedback, MemoryFeedback, parse_feedback, record_of, training_rows
from router.errors import BadRequest
from router.pipeline import plan


def record(policy, text: str, request_id: str, tenant: str = "default"):
    request, decision = plan(policy, {"model": "auto", "messages": [{"role": "user", "content": text}]}, {},
                             tenant_id=tenant)
    return record_of(request_id, decision, request, now=1.0)


@pytest.mark.asyncio(loop_scope="session")
async def test_memory_store_is_bounded_and_per_tenant(default_policy):
    store = MemoryFeedback(max_decisions=2, max_outcomes=2)
    for i in range(3):
        await store.remember(record(default_policy, "Say hi.", f"id-{i}"))
    assert not await store.add("default", Feedback(id="id-0", outcome="good"))  # evicted
    assert not await store.add("someone-else", Feedback(id="id-1", outcome="good"))
    for i in (1, 2, 2):
        assert await store.add("default", Feedback(id=f"id-{i}", outcome="bad"))
    assert [e["id"] for e in await store.export()] == ["id-2", "id-2"]


def test_private_text_is_never_recorded(default_policy):
    private = record(default_policy, "Email maria.keller@example-mail.de the plan.", "a")
    assert private.data_class == "confidential" and private.prompt is None and private.features
    assert record(default_policy, "Say hi.", "b").prompt == "Say hi."


def entry(location: str, outcome: str, request_id: str, at: float = 1.0) -> dict:
    return {"id": request_id, "tenant": "t", "app": None, "location": location, "outcome": outcome, "at": at,
            "features": [0.0], "features_version": 1, "data_class": "internal", "model": "m", "prompt": "p",
            "judge_score": None}


def test_training_rows_say_what_each_outcome_means():
    rows, skipped = training_rows([
        entry("local", "good", "1"), entry("local", "bad", "2"), entry("local", "escalated", "3"),
        entry("cloud", "bad", "4"), entry("cloud", "good", "5"),
        entry("local", "good", "6"), entry("local", "bad", "6"),  # rated twice: the latest wins
        entry("local", "good", "7", at=1.0), entry("local", "bad", "7", at=2.0),  # two answers sharing an id
    ])
    labels = [(r["id"], r["weak_correct"], r["strong_correct"]) for r in rows]
    assert labels == [("1", True, True), ("2", False, True), ("3", False, True), ("4", False, False),
                      ("6", False, True), ("7", True, True), ("7", False, True)]
    assert skipped == 1


@pytest.mark.parametrize("body, param", [
    ({"id": "x"}, "outcome"), ({"id": "", "outcome": "good"}, "id"), ({"id": "x", "outcome": "good", "extra": 1}, "extra"),
])
def test_bad_feedback_bodies_name_the_field(body, param):
    with pytest.raises(BadRequest) as caught:
        parse_feedback(body)
    assert caught.value.param == param
    with pytest.raises(BadRequest, match="JSON object"):
        parse_feedback(["x"])


def test_export_without_redis_says_where_feedback_lives(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TURNOUT_REDIS_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    assert main(["feedback", "export", "-o", str(tmp_path / "f.jsonl")]) == 1
    assert "pass --redis-url or set TURNOUT_REDIS_URL" in capsys.readouterr().err
