"""The README's upgrade promise: every migration after the first is additive, so the processes
of a cluster that still run the old code keep working on the migrated schema while they are
replaced one at a time. A migration that is not additive must say so (`BREAKING = "why"` in its
module) and the README must name its revision, telling admins to stop every process first.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / "syndication" / "migrations" / "versions"

# What an old process cannot notice: new tables, new indexes, new columns it need not fill.
ADDITIVE_CALLS = {"create_table", "create_index", "add_column", "batch_alter_table"}


def non_additive(source: str) -> list[str]:
    """What the `upgrade()` of a migration's source does that old code could trip over."""
    tree = ast.parse(source)
    upgrade = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None
    )
    if upgrade is None:
        return ["no upgrade()"]
    problems: list[str] = []
    for node in ast.walk(upgrade):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = node.func.attr
        if isinstance(owner, ast.Name) and owner.id == "sa":
            continue  # building a column or a type, not changing the schema
        if name not in ADDITIVE_CALLS:
            problems.append(f"line {node.lineno}: {name}()")
        elif name == "add_column" and not _fillable(node):
            problems.append(f"line {node.lineno}: add_column() of a NOT NULL column, no default")
    return problems


def _fillable(call: ast.Call) -> bool:
    """An added column that an INSERT of old code (which does not name it) still satisfies."""
    column = next(
        (a for a in call.args if isinstance(a, ast.Call) and _called(a) == "Column"), None
    )
    if column is None:
        return False
    keywords = {k.arg: k.value for k in column.keywords}
    if "server_default" in keywords:
        return True
    nullable = keywords.get("nullable")
    return nullable is None or (isinstance(nullable, ast.Constant) and nullable.value is True)


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _breaking(source: str) -> bool:
    return re.search(r"^BREAKING\s*=", source, re.M) is not None


MIGRATIONS = sorted(p for p in VERSIONS.glob("*.py") if not p.name.startswith("0001_"))


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda p: p.stem)
def test_each_migration_is_additive_or_announced(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    problems = non_additive(source)
    if not _breaking(source):
        assert problems == [], f"{path.name} is not additive: {problems}; declare BREAKING"
        return
    revision = re.search(r'^revision\s*=\s*"(\w+)"', source, re.M)
    assert revision is not None
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"revision {revision.group(1)}" in readme, "a breaking migration is in the README"


def test_the_check_catches_what_old_code_would_trip_over() -> None:
    dropped = 'def upgrade():\n    op.drop_column("items", "title")\n'
    renamed = (
        "def upgrade():\n"
        '    with op.batch_alter_table("t") as b:\n'
        '        b.alter_column("a", new_column_name="b")\n'
    )
    strict = (
        "def upgrade():\n"
        '    with op.batch_alter_table("t") as b:\n'
        '        b.add_column(sa.Column("n", sa.Integer(), nullable=False))\n'
    )
    assert non_additive(dropped) == ["line 2: drop_column()"]
    assert non_additive(renamed) == ["line 3: alter_column()"]
    assert non_additive(strict) == ["line 3: add_column() of a NOT NULL column, no default"]
    fine = (
        "def upgrade():\n"
        '    with op.batch_alter_table("t") as b:\n'
        '        b.add_column(sa.Column("n", sa.Integer(), nullable=False, server_default="1"))\n'
        '        b.add_column(sa.Column("m", sa.Text()))\n'
        '    op.create_index("ix", "t", ["n"])\n'
    )
    assert non_additive(fine) == []
