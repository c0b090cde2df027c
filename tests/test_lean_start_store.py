"""What the first `run --once` on a new database and `explain` leave unloaded: alembic (and
the mako and pygments it brings) only runs to upgrade an old database, and `explain` needs
the URL key, not the normalization stack (selectolax, the classifier)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys
from syndication.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(k for k, v in sys.modules.items() if v)}))
"""


def _run(*args: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "SYNDICATION_TEST_TOKEN"},
    )  # fmt: skip
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return answer["code"], set(answer["modules"])


def _loaded(modules: set[str], *names: str) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in names)


def test_the_first_run_on_a_new_database_loads_no_alembic(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    path = write_config(tmp_path / "config.toml", db_url=db, sources="")
    code, modules = _run("--config", str(path), "run", "--once")
    assert code == 0 and "syndication.pipeline" in modules
    assert not _loaded(modules, "alembic", "mako", "pygments")


def test_explain_loads_no_normalization_stack(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    path = write_config(tmp_path / "config.toml", db_url=db, sources="")
    code, modules = _run("--config", str(path), "explain", "https://example.com/a?utm_source=x")
    assert code == 1  # no such item: the lookup did run
    assert "syndication.urls" in modules
    assert "syndication.normalize" not in modules
    assert not _loaded(modules, "selectolax", "alembic")
