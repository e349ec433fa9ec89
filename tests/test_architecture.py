"""The package reads as its data flow: module-level imports only point to earlier stages, and
no module imports (at module level) one that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "classifier"
STAGES = ["base", "io", "segment", "batching", "features", "model", "engine", "evaluation",
          "cli"]
"""The order data flows in; ``base`` is what every stage may use (errors, labels, version)."""
BASE = {"classifier", "classifier._version", "classifier.errors", "classifier.labels",
        "classifier.__main__"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _stage(module: str) -> str:
    if module in BASE:
        return "base"
    return module.split(".")[1]


def _module_level_imports(path: Path) -> set[str]:
    """Modules of the package imported at module level (not in functions, not for typing)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for child in ast.walk(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                break
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target.startswith("classifier"):
                    found.add(target)
                    found.update(f"{target}.{alias.name}" for alias in child.names)
            elif isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.startswith("classifier"))
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _module_level_imports(p) for p in PACKAGE.rglob("*.py")}


def test_imports_follow_the_data_flow():
    backwards = []
    for module, imports in _graph().items():
        for target in imports:
            if _stage(module) == "base":
                continue
            if STAGES.index(_stage(target)) > STAGES.index(_stage(module)):
                backwards.append(f"{module} -> {target}")
    assert backwards == []


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target):], target] if target in trail
                              else [node, target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_stage_list_names_every_subpackage():
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__", "_version",
                                                         "errors", "labels"}
    assert subpackages | modules == set(STAGES) - {"base"}
