"""The layering holds and no module imports itself in a circle.

scripts → supportdesk → tickets → knowledge → classifier: a module imports its own layer or a lower one,
never a higher one (imports inside functions included). Circles count imports inside functions too (a lazy
import hides a circle from Python, not from the reader); each edge goes to the module named (a package's
__init__ re-exporting its modules is not a circle).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["scripts", "supportdesk", "tickets", "knowledge", "classifier"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for layer in LAYERS
        for path in (ROOT / layer).rglob("*.py")
        if "migrations" not in path.parts
    }


def _imports(name: str, path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """(every project module imported anywhere in the file, those imported at module level)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}

    def resolve(node) -> set[str]:
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        found = set()
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target:
                found.add(target)
        return found

    everywhere, module_level = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = resolve(node) - {name}
            everywhere |= modules
            if id(node) in top_level:
                module_level |= modules
    # Narrowest match only: ``from .models import Ticket`` names tickets.models, not also tickets.
    def narrow(found):
        return {m for m in found if not any(other.startswith(m + ".") for other in found)}

    return narrow(everywhere), narrow(module_level)


def _graph():
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def test_imports_only_run_down_the_layers():
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    upward = [
        f"{module} imports {target}"
        for module, (everywhere, _top) in _graph().items()
        for target in everywhere
        if rank[target.split(".")[0]] < rank[module.split(".")[0]]
    ]
    assert upward == []


def _circles() -> list[list[str]]:
    """Strongly connected components (Tarjan) of the import graph, imports inside functions included:
    a lazy import that hides a circle from Python still ties the two modules together."""
    graph = {module: {t for t in everywhere if not module.startswith(t + ".")} for module, (everywhere, _top) in _graph().items()}
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return circles


def test_no_import_circles_in_the_desk():
    assert [c for c in _circles() if not all(m.startswith("classifier.") for m in c)] == []


def test_no_import_circles_in_the_classifier():
    assert [c for c in _circles() if all(m.startswith("classifier.") for m in c)] == []
