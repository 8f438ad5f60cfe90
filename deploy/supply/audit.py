"""Audit a hashed lock file against a vendored snapshot of PyPI security advisories, offline.

    python deploy/supply/audit.py requirements.lock            # report; exit 1 on a known-vulnerable pin
    python deploy/supply/audit.py requirements.lock --refresh ADVISORY_DB_CHECKOUT

The machines that build and test Turnout reach the package index but not PyPI's JSON API or OSV,
so `pip-audit`'s online services cannot answer there. This does the same matching (OSV `affected`
ranges and version lists, PEP 440 order) against `advisories.json` beside this file: the entries of
the PyPA advisory database (github.com/pypa/advisory-database, OSV format) for the packages the lock
pins, plus `local_advisories` — supply-chain incidents Turnout tracks itself (malicious releases that
were yanked before an advisory existed). `--refresh` rebuilds the snapshot from a checkout of that
database for the packages now in the lock, keeping the local entries.

An advisory with no fixed release can be accepted, never silently: `accepted` in the snapshot names
the advisory, the package, why Turnout is not exposed, and a `review_by` date. An accepted hit is
printed; once its date has passed it fails the audit again until someone looks.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

SNAPSHOT = Path(__file__).with_name("advisories.json")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def pins(lock: Path) -> dict[str, str]:
    """{canonical name: version} of every `name==version` line of a requirements lock."""
    found = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if match := _PIN.match(line.strip()):
            found[canonicalize_name(match[1])] = match[2]
    return found


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def affects(affected: dict, version: str) -> bool:
    """Whether one OSV `affected` entry covers `version`: listed explicitly, or inside an ECOSYSTEM range
    (introduced <= v < fixed, or introduced <= v <= last_affected)."""
    if version in affected.get("versions", ()):
        return True
    current = _version(version)
    if current is None:
        return False
    for span in affected.get("ranges", ()):
        if span.get("type") != "ECOSYSTEM":
            continue
        low: Version | None = None
        for event in span.get("events", ()):
            if "introduced" in event:
                low = Version("0") if event["introduced"] == "0" else _version(event["introduced"])
            elif low is not None and "fixed" in event:
                fixed = _version(event["fixed"])
                if fixed is not None and low <= current < fixed:
                    return True
                low = None
            elif low is not None and "last_affected" in event:
                last = _version(event["last_affected"])
                if last is not None and low <= current <= last:
                    return True
                low = None
        if low is not None and current >= low:  # introduced and never fixed
            return True
    return False


def findings(locked: dict[str, str], snapshot: dict) -> list[tuple[str, str, str, str]]:
    """(package, version, advisory id, summary) for every pin an advisory covers, sorted."""
    out = []
    for advisory in snapshot["advisories"] + snapshot.get("local_advisories", []):
        for affected in advisory.get("affected", ()):
            name = canonicalize_name(affected["package"]["name"])
            if name in locked and affects(affected, locked[name]):
                out.append((name, locked[name], advisory["id"], advisory.get("summary", "")))
    return sorted(set(out))


def accepted_now(snapshot: dict, today: str) -> dict[tuple[str, str], dict]:
    """{(package, advisory id): acceptance} for the acceptances still within their review date."""
    return {(canonicalize_name(a["package"]), a["id"]): a for a in snapshot.get("accepted", ())
            if a["review_by"] >= today}


def refresh(database: Path, locked: dict[str, str], snapshot: dict,
            source: str = "https://github.com/pypa/advisory-database") -> dict:
    """The snapshot rebuilt from a pypa/advisory-database checkout, for the packages in the lock."""
    import yaml

    advisories = []
    for name in sorted(locked):
        folder = database / "vulns" / name
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            entry = yaml.safe_load(path.read_text(encoding="utf-8"))
            if entry.get("withdrawn"):
                continue
            advisories.append({
                "id": entry["id"], "aliases": entry.get("aliases", []),
                "summary": (entry.get("summary") or entry.get("details") or "").strip().split("\n")[0][:160],
                "affected": [{"package": a["package"], "ranges": [r for r in a.get("ranges", ())
                                                                  if r.get("type") == "ECOSYSTEM"],
                              "versions": a.get("versions", [])} for a in entry.get("affected", ())],
            })
    head = subprocess.run(["git", "-C", str(database), "log", "-1", "--format=%H %cI"],
                          capture_output=True, text=True).stdout.split()
    return {"source": source,
            "commit": head[0] if head else None, "commit_date": head[1] if len(head) > 1 else None,
            "refreshed": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            "advisories": advisories, "local_advisories": snapshot.get("local_advisories", []),
            "accepted": snapshot.get("accepted", [])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("--refresh", type=Path, metavar="ADVISORY_DB", help="pypa/advisory-database checkout")
    parser.add_argument("--source", default="https://github.com/pypa/advisory-database",
                        help="where the --refresh checkout came from (a mirror's address), recorded in the snapshot")
    args = parser.parse_args(argv)
    locked = pins(args.lock)
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    if args.refresh:
        snapshot = refresh(args.refresh, locked, snapshot, args.source)
        SNAPSHOT.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    accepted = accepted_now(snapshot, datetime.now(timezone.utc).strftime("%Y-%m-%d"))
    hits = []
    print(f"supply-chain audit: {len(locked)} pinned packages in {args.lock}, "
          f"{len(snapshot['advisories'])} advisories (PyPA database at {snapshot.get('commit_date') or '?'}) "
          f"+ {len(snapshot.get('local_advisories', []))} local")
    for name, version, advisory, summary in findings(locked, snapshot):
        if (ok := accepted.get((name, advisory))) is not None:
            print(f"  accepted {name}=={version}: {advisory} {summary} (until {ok['review_by']}: {ok['reason']})")
            continue
        hits.append(advisory)
        print(f"  VULNERABLE {name}=={version}: {advisory} {summary}")
    print(f"supply-chain audit: {'no known vulnerability' if not hits else f'{len(hits)} known vulnerabilities'}")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
