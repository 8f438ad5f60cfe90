"""The supply chain: the hashed lock covers what pyproject declares, known-bad releases are excluded,
declared dependencies match what the code imports, and the offline advisory audit matches like OSV."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = REPO / "requirements.lock"

spec = importlib.util.spec_from_file_location("supply_audit", REPO / "deploy/supply/audit.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

RUNTIME = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
DEV = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]]
NOT_IMPORTED = {canonicalize_name(k): v for k, v in PYPROJECT["tool"]["turnout"]["not-imported"].items()}


def test_lock_pins_every_declared_requirement_with_a_satisfying_version_and_hashes():
    locked = audit.pins(LOCK)
    for requirement in RUNTIME + DEV:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"requirements.lock does not pin {requirement} (run `make lock`)"
        assert requirement.specifier.contains(locked[name], prereleases=True), \
            f"requirements.lock pins {name}=={locked[name]}, outside pyproject's {requirement} (run `make lock`)"
    lines = LOCK.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if audit._PIN.match(line):
            assert "--hash=sha256:" in " ".join(lines[i:i + 2]), f"requirements.lock:{i + 1}: {line} has no hash"


def test_known_bad_releases_are_excluded_by_pyproject_bounds_and_absent_from_the_lock():
    snapshot = json.loads(audit.SNAPSHOT.read_text(encoding="utf-8"))
    declared = {canonicalize_name(r.name): r for r in RUNTIME + DEV}
    bad = [(canonicalize_name(a["package"]["name"]), version)
           for advisory in snapshot["local_advisories"] for a in advisory["affected"] for version in a["versions"]]
    assert ("litellm", "1.82.7") in bad and ("litellm", "1.82.8") in bad
    for name, version in bad:
        assert not declared[name].specifier.contains(version, prereleases=True), \
            f"pyproject allows known-bad {name}=={version}"
    accepted = audit.accepted_now(snapshot, "0000-00-00")
    assert [f for f in audit.findings(audit.pins(LOCK), snapshot) if (f[0], f[2]) not in accepted] == []


def test_every_accepted_advisory_has_a_reason_a_review_date_within_a_year_and_its_claim_holds():
    snapshot = json.loads(audit.SNAPSHOT.read_text(encoding="utf-8"))
    locked = audit.pins(LOCK)
    a_year_on = f"{int(snapshot['refreshed'][:4]) + 1}{snapshot['refreshed'][4:]}"
    for acceptance in snapshot.get("accepted", []):
        assert len(acceptance["reason"]) > 40 and acceptance["review_by"] <= a_year_on, acceptance
        assert canonicalize_name(acceptance["package"]) in locked, f"{acceptance['package']} is no longer pinned: drop it"
    # The diskcache acceptance rests on Turnout never touching llama.cpp's disk cache (pickle files).
    used = _imports([REPO / "router", REPO / "backends"])
    assert not {m for m in used if m.split(".")[0] == "diskcache" or m.endswith(("llama_cache", "LlamaDiskCache"))}


def test_an_accepted_advisory_passes_until_its_review_date_then_fails_again(tmp_path, capsys, monkeypatch):
    lock = tmp_path / "requirements.lock"
    lock.write_text("somepkg==1.0 \\\n    --hash=sha256:00\n", encoding="utf-8")
    fake = tmp_path / "advisories.json"
    monkeypatch.setattr(audit, "SNAPSHOT", fake)
    advisory = {"id": "PYSEC-0000-1", "summary": "unsafe", "affected": [
        {"package": {"name": "somepkg", "ecosystem": "PyPI"}, "versions": [], "ranges": [
            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "1.0"}]}]}]}
    for review_by, rc, word in (("2999-01-01", 0, "accepted somepkg==1.0: PYSEC-0000-1"),
                                ("2000-01-01", 1, "VULNERABLE somepkg==1.0: PYSEC-0000-1")):
        fake.write_text(json.dumps({"advisories": [advisory], "accepted": [
            {"id": "PYSEC-0000-1", "package": "SomePkg", "review_by": review_by, "reason": "a test"}]}), encoding="utf-8")
        assert audit.main([str(lock)]) == rc
        assert word in capsys.readouterr().out


def _imports(paths: list[Path]) -> set[str]:
    """Dotted module names imported anywhere under `paths` (absolute imports, function-level ones
    too, and importlib's find_spec/import_module of a literal name)."""
    found: set[str] = set()
    for root in paths:
        for path in root.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module)  # and each name, which may be a submodule (from a import b)
                    found |= {f"{node.module}.{alias.name}" for alias in node.names}
                elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) \
                        in ("find_spec", "import_module") and node.args and isinstance(node.args[0], ast.Constant) \
                        and isinstance(node.args[0].value, str):
                    found.add(node.args[0].value)
    return found


def _distributions(modules: set[str]) -> tuple[set[str], set[str]]:
    """(distributions providing `modules`, modules no installed distribution provides), from the
    distributions' metadata alone (nothing is imported). Where several distributions share a top-level
    namespace (opentelemetry.sdk, opentelemetry.exporter...), the one whose files hold the module wins."""
    providers = importlib.metadata.packages_distributions()
    own = {p.name for p in REPO.iterdir() if p.is_dir()} | {p.stem for p in REPO.glob("[!.]*/**/*.py")}  # ours
    files: dict[str, list[str]] = {}
    dists, unknown = set(), set()
    for module in modules:
        top = module.split(".")[0]
        if top in sys.stdlib_module_names or top in own:
            continue
        candidates = sorted(set(providers.get(top, ())))
        if len(candidates) > 1:
            for name in candidates:
                files.setdefault(name, [str(f) for f in importlib.metadata.distribution(name).files or ()])
            parts, holders = module.split("."), []
            while len(parts) > 1 and not holders:
                prefix = "/".join(parts)
                holders = [n for n in candidates if any(f.startswith((prefix + "/", prefix + ".py")) for f in files[n])]
                parts.pop()
            if not holders:  # the bare namespace (or a name inside a module): its dotted imports decide
                continue
            candidates = holders
        if candidates:
            dists |= {canonicalize_name(name) for name in candidates}
        else:
            unknown.add(module)
    return dists, unknown


@pytest.mark.parametrize("tier", ["runtime", "dev"])
def test_declared_dependencies_are_exactly_the_imported_ones(tier):
    if tier == "runtime":
        declared = {canonicalize_name(r.name) for r in RUNTIME}
        imported, unknown = _distributions(_imports([REPO / "router", REPO / "backends"]))
    else:
        declared = {canonicalize_name(r.name) for r in DEV}
        imported, unknown = _distributions(_imports([REPO / "tests", REPO / "bench", REPO / "deploy"]))
        runtime = {canonicalize_name(r.name) for r in RUNTIME}
        imported -= runtime  # a runtime dependency needs no dev entry...
        declared -= runtime  # ...and may have one, for an extra the tests need (llama-cpp-python[server])
    assert not unknown, f"imported but provided by no installed distribution: {sorted(unknown)}"
    # A distribution may provide a module another one also provides (e.g. a namespace); any declared
    # provider counts.
    undeclared = sorted(imported - declared)
    assert not undeclared, f"{tier}: imported but not declared in pyproject.toml: {undeclared}"
    unused = sorted(declared - imported - set(NOT_IMPORTED))
    assert not unused, (f"{tier}: declared in pyproject.toml but never imported: {unused} (remove them, or list "
                        f"them with the reason under [tool.turnout.not-imported])")


def test_every_not_imported_exception_names_a_declared_dependency_and_a_reason():
    declared = {canonicalize_name(r.name) for r in RUNTIME + DEV}
    for name, reason in NOT_IMPORTED.items():
        assert name in declared, f"[tool.turnout.not-imported] {name} is not a declared dependency"
        assert len(reason) > 20, f"[tool.turnout.not-imported] {name}: say why it is needed"


@pytest.mark.parametrize("version, affected", [
    ("1.0.0", False), ("2.0.0", True), ("2.4.9", True), ("2.5.0", False), ("3.1", True), ("3.2.1", True),
    ("3.3", False), ("9.9", True), ("0.9", True),
])
def test_audit_matches_osv_ecosystem_ranges_and_version_lists(version, affected):
    entry = {"package": {"name": "x", "ecosystem": "PyPI"}, "versions": ["0.9"], "ranges": [
        {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.5.0"}]},
        {"type": "ECOSYSTEM", "events": [{"introduced": "3.1"}, {"last_affected": "3.2.1"}]},
        {"type": "ECOSYSTEM", "events": [{"introduced": "9.0"}]},
    ]}
    assert audit.affects(entry, version) is affected


def test_audit_reports_a_vulnerable_pin_and_exits_non_zero(tmp_path, capsys, monkeypatch):
    lock = tmp_path / "requirements.lock"
    lock.write_text("litellm==1.82.8 \\\n    --hash=sha256:00\n", encoding="utf-8")
    assert audit.main([str(lock)]) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE litellm==1.82.8: TURNOUT-2026-0001" in out
