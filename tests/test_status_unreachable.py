"""`status` with the database unreachable: every count it cannot know is JSON null (as the
README documents) and "unknown" in the table, never 0 or "None"."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import write_config
from tests.test_cli import cli

COUNTS = ("items_count", "withdrawn", "not_modified_count", "consecutive_failures")


def test_counts_are_null_and_unknown_without_a_database(tmp_path: Path) -> None:
    path = write_config(
        tmp_path / "config.toml",
        db_url="postgresql://nobody@127.0.0.1:9/x",
        chats={"kukar": "@kabar_kukar"},
        sources='[[sources]]\nid = "p"\nurl = "https://portal.test/feed/"\n',
    )
    data = json.loads(cli("--config", str(path), "status", "--json").stdout)
    assert data["storage_error"]
    assert all(data["sources"][0][key] is None for key in COUNTS), data["sources"][0]
    assert data["channels"][0]["sent"] is None and data["totals"]["items"] is None
    table = cli("--config", str(path), "status")
    assert table.returncode == 0
    assert "None" not in table.stdout, table.stdout
    assert "items: unknown" in table.stdout and "pending deliveries: unknown" in table.stdout
    row = next(line for line in table.stdout.splitlines() if line.strip("│┃ ").startswith("p "))
    assert "unknown" in row and " 0 " not in row, row
