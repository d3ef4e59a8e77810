"""The apps import one way only (docs/architecture.md). Every import counts, function-level
ones too: one that dodges a cycle at run time is still a cycle in the design."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("workflow", "review", "ranking", "publicity")
# Pure Python everyone may use: the policy engine and the synthetic population generator.
LEAVES = (
    "ranking.policy",
    "ranking.population",
    "ranking.population_tables",
    "ranking.population_employers",
)
ALLOWED: dict[str, set[str]] = {
    "leaf": {"leaf"},
    "workflow": {"workflow", "leaf"},
    "review": {"review", "workflow", "leaf"},
    "ranking": {"ranking", "workflow", "leaf"},
    "publicity": {"publicity", "ranking", "review", "workflow", "leaf"},
}


def layer_of(module: str) -> str | None:
    if any(module == leaf or module.startswith(leaf + ".") for leaf in LEAVES):
        return "leaf"
    top = module.split(".", 1)[0]
    return top if top in APPS else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports_of(path: Path, module: str | None = None) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, imported names) for every import statement in the file
    (``module``: the file's dotted name, when it lies outside the tree)."""
    package = module or module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                # `from ranking import population_tables` imports the module ranking.population_tables.
                candidate = f"{module}.{alias.name}"
                if is_module(candidate):
                    found.append((node.lineno, candidate, []))
                else:
                    found.append((node.lineno, module, [alias.name]))
    return found


def source_files() -> list[Path]:
    return sorted(p for app in APPS for p in (ROOT / app).rglob("*.py"))


def violations(files: dict[Path, str] | None = None) -> list[str]:
    out = []
    for path, here in (files or {p: module_name(p) for p in source_files()}).items():
        own = layer_of(here)
        assert own is not None
        for line, module, names in imports_of(path, here):
            target = layer_of(module)
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            where = f"{shown}:{line} imports {module}"
            if own == "leaf" and (module.split(".")[0] == "django"):
                out.append(f"{where}: the policy and the population are pure Python")
            if target is None:
                continue
            if target not in ALLOWED[own]:
                out.append(f"{where}: {own} may not import {target}")
            same_app = module.split(".")[0] == here.split(".")[0]
            if not same_app:
                private = [p for p in module.split(".") if p.startswith("_") and p != "__init__"]
                private += [n for n in names if n.startswith("_")]
                if private:
                    out.append(f"{where}: another app's private {', '.join(private)}")
    return out


def test_apps_import_one_way_and_nothing_private():
    assert violations() == []


@pytest.mark.parametrize(
    ("source", "imported", "allowed"),
    [
        ("workflow", "publicity", False),
        ("workflow", "ranking", False),
        ("review", "publicity", False),
        ("ranking", "publicity", False),
        ("ranking", "review", False),
        ("publicity", "review", True),
        ("workflow", "leaf", True),
    ],
)
def test_the_graph_is_the_documented_one(source, imported, allowed):
    assert (imported in ALLOWED[source]) is allowed
    assert f"`{source}`" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_the_check_sees_function_level_and_relative_imports(tmp_path):
    # The walker must find an import hidden in a function and resolve `from ..x import y`.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f():\n    from publicity.services import x\n\nfrom ..facts import y\n",
        encoding="utf-8",
    )
    found = violations({probe: "workflow.services.probe"})
    assert any("probe.py:2 imports publicity.services" in v for v in found)
    assert ("workflow.facts", ["y"]) in [
        (m, n) for _, m, n in imports_of(probe, "workflow.services.probe")
    ]
