"""The module graph of router/ and backends/: no import cycles, the backend side never imports the
router, and no module passes 400 lines.

Every import counts, wherever it is written (module top, inside a function, under TYPE_CHECKING):
a cycle dodged by a lazy import is still a cycle. Importing `a.b.c` also imports the packages
`a` and `a.b`, so those edges count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("router", "backends")
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))}


def imported(tree: ast.AST, known: set[str]) -> set[str]:
    """Our modules that `tree` imports (a `from x import y` counts x.y when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in known)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    edges = {}
    for name, path in found.items():
        parents = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        edges[name] = imported(ast.parse(path.read_text(encoding="utf-8")), known) - {name} - parents
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return out


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_router_and_backends_have_no_import_cycle() -> None:
    assert cycles(graph()) == []


# Known debt, listed so that nothing new joins it (empty: the media preparation moved under backends/).
UPWARD_DEBT: dict[str, list[str]] = {}
LONG_DEBT: set[str] = set()


def test_backends_never_import_the_router() -> None:
    upward = {name: sorted(m for m in deps if m.startswith("router"))
              for name, deps in graph().items() if name.startswith("backends")}
    new = {name: [m for m in deps if m not in UPWARD_DEBT.get(name, ())] for name, deps in upward.items()}
    assert {name: deps for name, deps in new.items() if deps} == {}


def test_no_module_passes_400_lines() -> None:
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES and name not in LONG_DEBT}
    assert long == {}


def _writes_environ(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        target = sub.func.value if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) else None
        if isinstance(sub, (ast.Assign, ast.AugAssign)):
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            target = next((t.value for t in targets if isinstance(t, ast.Subscript)), None)
        if (isinstance(target, ast.Attribute) and target.attr == "environ"
                and (not isinstance(sub, ast.Call) or sub.func.attr in {"setdefault", "update", "pop", "__setitem__"})):
            return True
    return False


def test_no_module_writes_the_environment_when_imported() -> None:
    """What libraries need is set at start-up by router.runtime.prepare_environment, never at import."""
    writers = [name for name, path in modules().items()
               if any(_writes_environ(stmt) for stmt in ast.parse(path.read_text(encoding="utf-8")).body
                      if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))]
    assert writers == []
    assert _writes_environ(ast.parse("import os\nos.environ.setdefault('A', 'B')"))
    assert _writes_environ(ast.parse("import os\nos.environ['A'] = 'B'"))
