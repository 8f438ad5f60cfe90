"""`turnout route` (the dry-run) and `turnout policy check`: output contracts, exit codes, error lines."""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import pytest

from router.cli import main
from router.policy_loader import load_policy

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DEVSET = SHARED / "eval" / "devset.jsonl"
DEFAULT = REPO / "policies" / "default.yaml"
CONTRACT = {"model", "location", "data_class", "modalities", "estimated_input_tokens", "estimated_cost_usd",
            "rule", "reasons", "findings", "candidates", "error"}
HI = {"model": "auto", "messages": [{"role": "user", "content": "Summarise the meeting notes in three bullets."}]}


@functools.cache
def score_module():
    """../shared/eval/score.py, imported by path: its `misses` is the judge of every case."""
    spec = importlib.util.spec_from_file_location("turnout_eval_score", SHARED / "eval" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cases() -> list[dict]:
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle` (keeps expectations valid as default.yaml evolves)."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def decisions_of(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


# --- route --batch -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def devset_decisions() -> list[dict]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["route", "--policy", str(DEFAULT), "--batch", str(DEVSET)]) == 0
    return decisions_of(out.getvalue())


def test_batch_prints_one_decision_per_case_in_order(devset_decisions: list[dict]) -> None:
    from router.pipeline import plan

    policy = load_policy(DEFAULT)
    assert len(devset_decisions) == len(cases())
    for case, decision in zip(cases(), devset_decisions):
        assert CONTRACT <= decision.keys(), case["id"]
        assert decision["modalities"] == sorted(decision["modalities"])
        # In order: each line is exactly the decision for its own case.
        _, expected = plan(policy, case["body"], {k.lower(): v for k, v in case["headers"].items()})
        # Requests with media also say whether the gateway would read them first (never read here).
        has_media = bool({"image", "audio", "file"} & set(decision["modalities"]))
        assert ("media_scan" in decision) == has_media, case["id"]
        assert decision.pop("media_scan", {"status": "skipped"})["status"] in ("skipped", "not_run")
        assert decision == json.loads(json.dumps(expected.as_json())), case["id"]


@pytest.mark.parametrize("case", cases(), ids=lambda c: c["id"])
def test_devset_case_meets_its_expectation(case: dict, devset_decisions: list[dict]) -> None:
    decision = devset_decisions[[c["id"] for c in cases()].index(case["id"])]
    assert score_module().misses(case["expect"], decision) == [], decision["reasons"]


def test_no_private_devset_case_goes_to_the_cloud(devset_decisions: list[dict]) -> None:
    leaks = [case["id"] for case, decision in zip(cases(), devset_decisions)
             if any(m.startswith("LEAK") for m in score_module().misses(case["expect"], decision))]
    assert leaks == []


def test_batch_reports_bad_lines_and_goes_on(tmp_path: Path, capsys) -> None:
    batch = tmp_path / "cases.jsonl"
    batch.write_text("\n".join([
        json.dumps({"body": HI}),
        "{not json",
        json.dumps({"body": {"model": 5, "messages": []}}),
        "",  # blank lines are skipped, not answered
        "[1, 2]",
        json.dumps({"headers": {"X-Turnout-Data-Class": "restricted"}, "body": HI}),
    ]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "route", "--policy", str(DEFAULT), "--batch", str(batch))
    assert (code, err) == (0, "")
    good, bad_json, bad_body, not_object, restricted = decisions_of(out)
    for decision in (good, bad_json, bad_body, not_object, restricted):
        assert CONTRACT <= decision.keys()
    assert (good["model"], good["error"]) == ("local-smollm2", None)
    assert bad_json["model"] is None and bad_json["location"] is None
    assert bad_json["error"] == {
        "type": "invalid_request",
        "message": "line 2: invalid JSON: Expecting property name enclosed in double quotes at column 2"}
    assert bad_body["model"] is None and bad_body["error"]["type"] == "invalid_request"
    assert "model" in bad_body["error"]["message"]
    assert not_object["error"] == {"type": "invalid_request", "message": "line 5: expected an object with 'body'"}
    assert (restricted["model"], restricted["data_class"], restricted["rule"]) == (
        "local-smollm2", "restricted", "private-stays-local")


def test_batch_from_stdin(capsys, monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"body": HI}) + "\n"))
    code, out, _ = run(capsys, "route", "--policy", str(DEFAULT), "--batch", "-")
    assert code == 0
    (decision,) = decisions_of(out)
    assert decision["location"] == "local"


def test_missing_batch_file_is_an_error(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "route", "--policy", str(DEFAULT), "--batch", str(tmp_path / "nope.jsonl"))
    assert (code, out) == (1, "")
    assert err == f"turnout: {tmp_path / 'nope.jsonl'}: No such file or directory\n"


# --- route FILE --------------------------------------------------------------------------------------

def test_route_one_request_with_a_declared_class(tmp_path: Path, capsys) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(HI), encoding="utf-8")
    code, out, err = run(capsys, "route", "--policy", str(DEFAULT),
                         "--header", "x-turnout-data-class: restricted", str(request))
    assert (code, err) == (0, "")
    decision = json.loads(out)
    assert CONTRACT <= decision.keys()
    assert (decision["model"], decision["location"], decision["data_class"]) == ("local-smollm2", "local", "restricted")
    assert decision["rule"] == "private-stays-local"
    assert decision["error"] is None
    assert any("header x-turnout-data-class: restricted" in r for r in decision["reasons"])


def test_route_header_cannot_lower_the_detected_class(tmp_path: Path, capsys) -> None:
    request = tmp_path / "request.json"
    body = {"model": "auto", "messages": [{"role": "user", "content": "Write to maria.keller@example-mail.de"}]}
    request.write_text(json.dumps(body), encoding="utf-8")
    code, out, _ = run(capsys, "route", "--policy", str(DEFAULT), "--header", "x-turnout-data-class: public",
                       str(request))
    decision = json.loads(out)
    assert code == 0
    assert decision["data_class"] == "confidential" and decision["location"] == "local"


@pytest.mark.parametrize(("argv", "message"), [
    (["--header", "no colon here"], "turnout: --header 'no colon here': expected 'Name: value'\n"),
    (["{missing}.json"], "turnout: {missing}.json: No such file or directory\n"),
])
def test_route_usage_errors(tmp_path: Path, capsys, argv: list[str], message: str) -> None:
    missing = str(tmp_path / "nope")
    argv = [a.replace("{missing}", missing) for a in argv]
    request = tmp_path / "request.json"
    request.write_text(json.dumps(HI), encoding="utf-8")
    extra = [] if any(a.endswith(".json") for a in argv) else [str(request)]
    code, out, err = run(capsys, "route", "--policy", str(DEFAULT), *argv, *extra)
    assert (code, out) == (1, "")
    assert err == message.replace("{missing}", missing)


def test_route_invalid_json_names_line_and_column(tmp_path: Path, capsys) -> None:
    request = tmp_path / "request.json"
    request.write_text('{"model": "auto",\n "messages": [}\n', encoding="utf-8")
    code, out, err = run(capsys, "route", "--policy", str(DEFAULT), str(request))
    assert (code, out) == (1, "")
    assert err == f"turnout: {request}:2:15: invalid JSON: Expecting value\n"


# --- policy check ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [DEFAULT, *sorted((REPO / "policies" / "examples").glob("*.yaml"))],
                         ids=lambda p: p.name)
def test_policy_check_passes_shipped_policies(path: Path, capsys) -> None:
    code, out, err = run(capsys, "policy", "check", str(path))
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == 1
    assert out.startswith(f"{path}: ok — ") and out.endswith(", privacy proof passed\n")


def test_policy_check_summary_line(capsys) -> None:
    code, out, _ = run(capsys, "policy", "check", str(DEFAULT))
    assert code == 0
    assert out == (f"{DEFAULT}: ok — 7 models (3 local, 4 cloud), 3 rules, 0 tenants, privacy proof passed\n")


def test_policy_check_prints_every_error_on_its_own_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    text = (DEFAULT.read_text(encoding="utf-8")
            .replace("route: [cloud-flagship]\n", "route: [cloud-flagship, gpt5]\n")
            .replace("when: {data_class_at_least: confidential}", "when: {apps: [crm]}"))
    bad.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "policy", "check", str(bad))
    assert (code, out) == (1, "")
    lines = err.splitlines()
    route = line_of(text, "route: [cloud-flagship, gpt5]")
    assert lines[0] == (f"{bad}:{route}:29: rules[1].route[1]: unknown model 'gpt5'; known: local-smollm2, "
                        "local-vision, local-embed, cloud-flagship, cloud-reasoning-fallback, cloud-multimodal, cloud-embed")
    fallbacks = line_of(text, "fallbacks: [cloud-flagship, cloud-multimodal, cloud-reasoning-fallback, cloud-embed]")
    assert lines[1] == (f"{bad}:{fallbacks}:17: rules[2].fallbacks[0]: privacy: model 'cloud-flagship' (clearance "
                        "internal) could receive restricted data through rule 'routine'; add an earlier rule with "
                        "when: {data_class_at_least: confidential} that routes such data to models cleared for it, "
                        "or remove 'cloud-flagship' here")
    assert [line.split(": ")[1] for line in lines] == [
        "rules[1].route[1]", "rules[2].fallbacks[0]", "rules[2].fallbacks[1]", "rules[2].fallbacks[2]",
        "rules[2].fallbacks[3]"]


def test_policy_check_warnings_go_to_stderr_and_pass(tmp_path: Path, capsys) -> None:
    policy = tmp_path / "warn.yaml"
    text = DEFAULT.read_text(encoding="utf-8").replace(
        "    when: {data_class_at_least: confidential}\n", "    when: {data_class_at_least: public}\n")
    policy.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "policy", "check", str(policy))
    assert code == 0
    assert out.startswith(f"{policy}: ok — ")
    assert err.splitlines() == [
        f"warning: {policy}:{line_of(text, '- id: heavy-reasoning')}:5: rules[1]: rule 'heavy-reasoning' is "
        "unreachable: earlier rules take every data class it matches",
        f"warning: {policy}:{line_of(text, '- id: routine')}:5: rules[2]: rule 'routine' is unreachable: earlier "
        "rules take every data class it matches",
    ]


def test_policy_check_missing_file(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "policy", "check", str(tmp_path / "nope.yaml"))
    assert (code, out) == (1, "")
    assert err == f"{tmp_path / 'nope.yaml'}: cannot read policy: No such file or directory\n"


def test_policy_check_empty_file(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    code, out, err = run(capsys, "policy", "check", str(empty))
    assert (code, out) == (1, "")
    assert err == (f"{empty}:1:1: a policy is a YAML mapping with 'version', 'models' and 'rules'; "
                   "found an empty file\n")


def test_image_limits_come_from_settings(tmp_path, monkeypatch):
    """TURNOUT_MAX_IMAGE_PIXELS bounds what classify accepts (decompression-bomb guard)."""
    import base64
    import io

    from PIL import Image

    from router.errors import InvalidContent
    from router.pipeline import plan
    from router.runtime import load_store
    from router.settings import Settings

    buffer = io.BytesIO()
    Image.new("RGB", (400, 300)).save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    body = {"model": "auto", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "Caption this."}, {"type": "image_url", "image_url": {"url": url}}]}]}
    monkeypatch.setenv("TURNOUT_MAX_IMAGE_PIXELS", "1000")
    store = load_store(Settings())
    with pytest.raises(InvalidContent, match=r"messages\[0\]\.content\[1\]"):
        plan(store.current, body, {})
    monkeypatch.delenv("TURNOUT_MAX_IMAGE_PIXELS")
    assert plan(load_store(Settings()).current, body, {})[1].error is None


def test_audio_file_and_video_limits_come_from_settings(monkeypatch):
    """TURNOUT_MAX_AUDIO_BYTES / _FILE_BYTES / _VIDEO_BYTES bound each part, named in the 400."""
    import base64
    import io
    import wave

    from router.errors import InvalidContent
    from router.pipeline import plan
    from router.runtime import load_store
    from router.settings import Settings

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000)
    audio = base64.b64encode(buffer.getvalue()).decode()
    pdf = base64.b64encode(b"%PDF-1.4\n" + b"0" * 4000).decode()
    video = "data:video/mp4;base64," + base64.b64encode(b"\0" * 4000).decode()
    parts = {
        "TURNOUT_MAX_AUDIO_BYTES": {"type": "input_audio", "input_audio": {"data": audio, "format": "wav"}},
        "TURNOUT_MAX_FILE_BYTES": {"type": "file", "file": {"filename": "a.pdf",
                                                            "file_data": f"data:application/pdf;base64,{pdf}"}},
        "TURNOUT_MAX_VIDEO_BYTES": {"type": "video_url", "video_url": {"url": video}},
    }
    for variable, part in parts.items():
        body = {"model": "auto", "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi."}, part]}]}
        monkeypatch.setenv(variable, "1000")
        expected = r"^messages\[0\]\.content\[1\]\.\w+: \w+ is [\d.]+ KiB; at most 1000 bytes allowed"
        with pytest.raises(InvalidContent, match=expected):
            plan(load_store(Settings()).current, body, {})
        monkeypatch.delenv(variable)
        plan(load_store(Settings()).current, body, {})  # within the default limits: accepted


# --- files the CLI cannot take whole: one line naming the file, never a traceback ----------------------

@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfe{}", "not UTF-8 text (byte 0xff at offset 0)"),
    (b"[" * 5000 + b"]" * 5000, "invalid JSON: arrays or objects nest too deeply"),  # past json's recursion
    (json.dumps({**HI, "tools": [json.loads("[" * 300 + "]" * 300)]}).encode(),  # past what orjson writes
     "tools[0][0]...: JSON nests deeper than 128 levels"),
], ids=["not-utf8", "deeper-than-json-reads", "deeper-than-orjson-writes"])
def test_route_request_file_that_cannot_be_read_whole(tmp_path: Path, capsys, content: bytes, message: str) -> None:
    request = tmp_path / "request.json"
    request.write_bytes(content)
    code, out, err = run(capsys, "route", "--policy", str(DEFAULT), str(request))
    assert (code, out) == (1, "")
    assert err == f"turnout: {request}: {message}\n"


def test_nan_is_not_json_for_the_cli_as_for_the_server(tmp_path: Path, capsys) -> None:
    batch = tmp_path / "cases.jsonl"
    batch.write_text('{"body": {"model": "auto", "temperature": NaN, "messages": []}}\n' + json.dumps({"body": HI}) + "\n",
                     encoding="utf-8")
    code, out, _ = run(capsys, "route", "--policy", str(DEFAULT), "--batch", str(batch))
    first, second = decisions_of(out)
    assert code == 0 and first["error"]["message"] == "line 1: invalid JSON: NaN is not a JSON number"
    assert second["error"] is None


def test_batch_line_nested_too_deep_is_reported_and_the_batch_goes_on(tmp_path: Path, capsys) -> None:
    batch = tmp_path / "cases.jsonl"
    deep = {"body": {**HI, "tools": [json.loads("[" * 300 + "]" * 300)]}}
    batch.write_text(json.dumps(deep) + "\n" + json.dumps({"body": HI}) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "route", "--policy", str(DEFAULT), "--batch", str(batch))
    first, second = decisions_of(out)
    assert code == 0 and first["error"]["message"] == "line 1: body.tools[0]...: JSON nests deeper than 128 levels"
    assert second["error"] is None


@pytest.mark.parametrize(("content", "message"), [
    (b'{"body": {}}\n\xff\n', "cannot read: not UTF-8 text (byte 0xff at offset 13)"),
    (b"[" * 5000 + b"]" * 5000 + b"\n", "1: invalid JSON: arrays or objects nest too deeply"),
], ids=["not-utf8", "too-deep"])
def test_simulate_traffic_file_that_cannot_be_read_whole(tmp_path: Path, capsys, content: bytes, message: str) -> None:
    traffic = tmp_path / "traffic.jsonl"
    traffic.write_bytes(content)
    code, out, err = run(capsys, "simulate", "--policy", str(DEFAULT), str(traffic))
    assert code == 1 and err.strip().splitlines() == [f"turnout: {traffic}{':' if message[0].isdigit() else ': '}{message}"]
