"""`feeds/` and `bots/` are libraries of their own: they never import `syndication`, not even
lazily inside a function (checked over the syntax tree of every file, not by importing)."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

LIBRARIES = ("feeds", "bots")


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every import statement anywhere in the tree; relative imports count
    as their own package and are left out."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def crossings(package: str) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in imported_modules(tree):
            if module == "syndication" or module.startswith("syndication."):
                out.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return out


@pytest.mark.parametrize("package", LIBRARIES)
def test_library_never_imports_syndication(package: str) -> None:
    assert list((ROOT / package).rglob("*.py")), f"{package}/ has no Python files"
    assert crossings(package) == []


def test_the_check_sees_every_kind_of_import() -> None:
    source = (
        "import syndication.config\n"
        "from syndication.store import open_store\n"
        "def lazy():\n    from syndication import deliver\n"
        "import importlib\nimportlib.import_module('syndication.fetch')\n"
        "from . import pacing\nimport os\n"
    )
    modules = sorted(m for _, m in imported_modules(ast.parse(source)))
    assert modules == [
        "importlib",
        "os",
        "syndication",
        "syndication.config",
        "syndication.fetch",
        "syndication.store",
    ]
