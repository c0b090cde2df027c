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
