"""The package import graph: no cycles, and imports only run down the documented layers.

The layers are those of docs/architecture.md. Every ``import`` and ``from ... import`` in the
package counts, including those under ``TYPE_CHECKING`` and inside functions; Python's implicit
import of parent packages does not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hathora_cloud"
DOC = ROOT / "docs" / "architecture.md"


def _layers() -> list[tuple[str, list[str]]]:
    """The layer block of docs/architecture.md, top layer first."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- layers.*?-->\s*```text\n(.*?)```", text, re.S)
    assert block is not None, "docs/architecture.md lost its layer block"
    layers = []
    for line in block.group(1).splitlines():
        name, _, modules = line.strip().partition(" ")
        layers.append((name, [m.strip() for m in modules.split(",") if m.strip()]))
    return layers


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if "node_modules" not in path.parts
    }


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports (resolved, including submodule imports)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, is_package, node.level, node.module)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else base)
    return {module for module in found if module in known and module != name}


def _resolve(name: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    parts = name.split(".")
    if not is_package:
        parts.pop()
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, module] if module else parts)


def _layer_of(module: str, layers: list[tuple[str, list[str]]]) -> int:
    """The index of the module's layer, counted from the bottom (longest prefix wins)."""
    best, index = "", -1
    for position, (_, prefixes) in enumerate(reversed(layers)):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, index = prefix, position
    return index


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def test_every_module_has_a_layer() -> None:
    """Each module of the package falls in one of the documented layers."""
    layers = _layers()
    missing = [name for name in _modules() if _layer_of(name, layers) < 0]
    assert missing == []


def test_imports_only_run_downwards() -> None:
    """No module imports from a layer above its own."""
    layers = _layers()
    names = [name for name, _ in reversed(layers)]
    upward = [
        f"{importer} ({names[_layer_of(importer, layers)]}) -> "
        f"{imported} ({names[_layer_of(imported, layers)]})"
        for importer, targets in _graph().items()
        for imported in targets
        if _layer_of(imported, layers) > _layer_of(importer, layers)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    """The module import graph has no cycle (Tarjan's strongly connected components)."""
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
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
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize(
    ("importer", "imported", "upward"),
    [
        ("hathora_cloud._upload.run", "hathora_cloud.funcs.builds_v3_get_build", True),
        ("hathora_cloud.funcs.builds_v3_get_build", "hathora_cloud._request", False),
        ("hathora_cloud.errors", "hathora_cloud._core", True),
    ],
)
def test_the_layer_check_can_fail(importer: str, imported: str, upward: bool) -> None:
    """The layer lookup ranks known upward imports above their importers (the check has teeth)."""
    layers = _layers()
    assert (_layer_of(imported, layers) > _layer_of(importer, layers)) is upward
