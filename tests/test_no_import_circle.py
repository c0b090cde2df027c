"""The daemon, the wiring and the web app import one way only: scheduler -> service and
scheduler -> web; neither service nor web imports scheduler (not even inside a function or
for type checking), so there is no `scheduler <-> service <-> web` circle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "syndication"


def imported(module: str) -> set[str]:
    """Every syndication module `module` imports, wherever the import statement stands."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("syndication."):
            found.add((node.module or "").split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(
                a.name.split(".")[1] for a in node.names if a.name.startswith("syndication.")
            )
    return found


def test_service_and_web_do_not_import_the_scheduler() -> None:
    assert "scheduler" not in imported("service")
    assert "scheduler" not in imported("web")
    assert "service" not in imported("web")
    assert {"service", "web"} <= imported("scheduler")


def imported_by_path(path: Path) -> set[str]:
    """The syndication modules a file imports anywhere in it, as dotted names under the
    package (`from ..runtime import X` in sources/html_source.py -> "runtime")."""
    package = path.relative_to(PACKAGE).parent.parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[: len(package) - node.level + 1])
            names = [node.module] if node.module else [a.name for a in node.names]
            found.update(".".join([*base, n]) for n in names if n)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("syndication."):
            found.add((node.module or "").removeprefix("syndication."))
        elif isinstance(node, ast.Import):
            found.update(
                a.name.removeprefix("syndication.")
                for a in node.names
                if a.name.startswith("syndication.")
            )
    return found


def test_the_html_source_does_not_import_the_pipeline() -> None:
    """Runtime lives in a module of its own: the pipeline imports the html source, never the
    other way round (the `pipeline <-> sources/html_source` circle through Runtime)."""
    html_source = imported_by_path(PACKAGE / "sources" / "html_source.py")
    assert "runtime" in html_source
    assert not any(m == "pipeline" or m.startswith("pipeline.") for m in html_source)


def test_the_import_reader_resolves_relative_imports() -> None:
    """The check above cannot pass by reading nothing: pipeline.py's own imports are seen."""
    pipeline = imported_by_path(PACKAGE / "pipeline.py")
    assert {"runtime", "store"} <= {m.split(".")[0] for m in pipeline}
