"""No package of ivr/ imports another that imports it back (issue 16).

A cycle between packages means neither can be read, tested or changed without the other. The graph is
read from the source with `ast`, so an import inside a function counts as much as one at the top.
Nodes: each package directly under ivr/ (ivr.content, ivr.sms, ...) and each top-level module
(ivr.config, ivr.services, ...); ivr/__init__.py (the app factory) is `ivr`.
"""

from __future__ import annotations

import ast
from pathlib import Path

IVR = Path(__file__).resolve().parent.parent / "ivr"


def _node(module: str) -> str | None:
    """The package or top-level module a dotted name belongs to; None outside ivr."""
    parts = module.split(".")
    if parts[0] != "ivr":
        return None
    return ".".join(parts[:2])


def _imported(tree: ast.AST) -> set[str]:
    """Every ivr module a module names in an import statement, anywhere in it."""
    names: set[str] = set()
    for statement in ast.walk(tree):
        if isinstance(statement, ast.Import):
            names.update(alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
            if statement.module == "ivr":  # `from ivr import x`: x may be a package or a name of the factory
                names.update(f"ivr.{alias.name}" if (IVR / alias.name).exists() or (IVR / f"{alias.name}.py").exists()
                             else "ivr" for alias in statement.names)
            else:
                names.add(statement.module)
    return names


def package_graph(root: Path = IVR) -> dict[str, set[str]]:
    """Node -> the other nodes it imports."""
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        source = _node(module)
        assert source is not None
        targets = {_node(name) for name in _imported(ast.parse(path.read_text(encoding="utf-8"), str(path)))}
        graph.setdefault(source, set()).update(target for target in targets if target and target != source)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as its nodes in order, first node repeated at the end; None when there is none."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target):], target]
            if target not in state:
                found = visit(target, [*path, target])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_no_package_imports_one_that_imports_it_back():
    cycle = find_cycle(package_graph())
    assert cycle is None, "package import cycle: " + " -> ".join(cycle or ())


def test_the_graph_sees_function_level_imports_and_cycles(tmp_path):
    """The check itself can fail: a cycle made only by an import inside a function is found."""
    (tmp_path / "ivr" / "left").mkdir(parents=True)
    (tmp_path / "ivr" / "right").mkdir()
    (tmp_path / "ivr" / "__init__.py").write_text("")
    (tmp_path / "ivr" / "left" / "__init__.py").write_text("")
    (tmp_path / "ivr" / "right" / "__init__.py").write_text("")
    (tmp_path / "ivr" / "left" / "a.py").write_text("from ivr.right.b import thing\n")
    (tmp_path / "ivr" / "right" / "b.py").write_text("def thing():\n    from ivr.left import a\n    return a\n")
    (tmp_path / "ivr" / "top.py").write_text("import ivr.left.a\n")
    graph = package_graph(tmp_path / "ivr")
    assert graph["ivr.right"] == {"ivr.left"} and graph["ivr.top"] == {"ivr.left"}
    assert find_cycle(graph) == ["ivr.left", "ivr.right", "ivr.left"]
    assert find_cycle({"ivr.left": {"ivr.right"}, "ivr.right": set()}) is None
