"""`syndication status` (a rich table) and `status --json` (the README's schema), and the
admin page's per-regency charts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema

from syndication.config import load
from syndication.store import open_store
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_daemon import cli, daemon_config, fake_fixture, kukar, source  # noqa: F401

TIME = {"type": ["string", "null"], "format": "date-time"}
SOURCE = {
    "type": "object",
    "required": [
        "id",
        "url",
        "healthy",
        "configured",
        "enabled",
        "last_attempt",
        "last_success",
        "last_error",
        "error_kind",
        "consecutive_failures",
        "last_status",
        "next_poll",
        "items_count",
        "newest_item",
        "not_modified_count",
        "first_poll_done",
    ],
    "properties": {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "healthy": {"type": "boolean"},
        "configured": {"type": "boolean"},
        "enabled": {"type": "boolean"},
        "last_attempt": TIME,
        "last_success": TIME,
        "last_error": {"type": ["string", "null"]},
        "error_kind": {"type": ["string", "null"]},
        "consecutive_failures": {"type": "integer", "minimum": 0},
        "last_status": {"type": ["integer", "null"]},
        "next_poll": TIME,
        "items_count": {"type": "integer", "minimum": 0},
        "newest_item": TIME,
        "not_modified_count": {"type": "integer"},
        "first_poll_done": {"type": "boolean"},
    },
}
CHANNEL = {
    "type": "object",
    "required": [
        "chat",
        "regency",
        "state",
        "reason",
        "pending",
        "sent",
        "failed",
        "last_sent",
        "oldest_pending",
        "consecutive_failures",
        "last_error",
    ],
    "properties": {
        "consecutive_failures": {"type": "integer", "minimum": 0},
        "last_error": {"type": ["string", "null"]},
        "chat": {"type": "string"},
        "regency": {"type": ["string", "null"]},
        "state": {"enum": ["ok", "broken", "migrated"]},
        "reason": {"type": ["string", "null"]},
        "pending": {"type": "integer"},
        "sent": {"type": "integer"},
        "failed": {"type": "integer"},
        "last_sent": TIME,
        "oldest_pending": TIME,
    },
}
SCHEMA = {
    "type": "object",
    "required": ["generated", "dry_run", "totals", "sources", "channels", "config_error"],
    "properties": {
        "generated": {"type": "string", "format": "date-time"},
        "dry_run": {"type": ["boolean", "null"]},  # null: no database named to ask
        "totals": {"type": "object", "required": ["items", "pending_deliveries"]},
        "sources": {"type": "array", "items": SOURCE},
        "channels": {"type": "array", "items": CHANNEL},
        "config_error": {"type": ["string", "null"]},
    },
}


def test_status_table_and_json_after_a_cycle(
    tmp_path: Path, portal: Portal, fake: FakeTelegram
) -> None:
    portal.set("/feed/", rss(portal.url, []))
    path = daemon_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        fake=fake,
        sources=source("portal", f"{portal.url}/feed/") + source("down", "http://127.0.0.1:9/"),
    )
    assert cli(path, "run", "--once", token=fake.token).returncode == 0
    portal.set("/feed/", rss(portal.url, [kukar("a", "Pemkab Kukar Resmikan Jembatan")]))
    assert cli(path, "run", "--once", token=fake.token).returncode == 0

    done = cli(path, "status", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    by_id = {s["id"]: s for s in data["sources"]}
    assert by_id["portal"]["healthy"] and by_id["portal"]["items_count"] == 1
    assert by_id["down"]["consecutive_failures"] == 2 and not by_id["down"]["healthy"]
    chats = {c["chat"]: c for c in data["channels"]}
    assert chats["@kabar_kukar"]["sent"] == 1 and chats["@kabar_kukar"]["regency"] == "kukar"
    assert chats["@kabar_kutim"]["sent"] == 0
    # the runs had the token (status here has none): they deliver, so no dry run
    assert data["config_error"] is None and data["dry_run"] is False

    table = cli(path, "status")
    assert table.returncode == 0, table.stderr
    out = table.stdout
    for needle in (
        "Sources",
        "portal",
        "ok",
        "down",
        "failing",
        "ConnectError",
        "Telegram channels",
        "@kabar_kukar",
        "kukar",
        "items: 1",
    ):
        assert needle in out, (needle, out)


def test_status_still_reports_when_the_config_is_broken(tmp_path: Path) -> None:
    path = daemon_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        sources=source("portal", "http://127.0.0.1:9/"),
    )
    store = open_store(load(path).database_url)
    store.set_event("config_error", "config.toml: sources[0].interval: bad", datetime.now(UTC))
    store.engine.dispose()
    path.write_text(path.read_text().replace('interval = "1s"', 'interval = "soon"'))
    done = cli(path, "status", "--json")
    assert done.returncode == 0
    assert "sources[0].interval" in done.stderr  # the file's problems, as `check` shows them
    assert json.loads(done.stdout)["config_error"] == "config.toml: sources[0].interval: bad"
    path.write_text("this is [not toml")  # no database named: an answer without health
    unknown = cli(path, "status", "--json")
    assert unknown.returncode == 0 and "TOML syntax" in unknown.stderr
    assert json.loads(unknown.stdout)["storage_error"]
    missing = cli(tmp_path / "absent.toml", "status", "--json")
    assert missing.returncode == 0, missing.stderr
    answer = json.loads(missing.stdout)
    jsonschema.validate(answer, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert "no such file" in answer["config_error"] and answer["dry_run"] is None
    # valid TOML without [storage], invalid elsewhere: the default database is read only
    # when it is there, never created
    bare = tmp_path / "bare" / "config.toml"
    bare.parent.mkdir()
    bare.write_text("[feeds]\nbase_url = 1\n")
    assert cli(bare, "status", "--json").returncode == 0
    assert not (bare.parent / "var").exists()


def test_status_answers_a_config_nested_deeper_than_the_parser_goes(tmp_path: Path) -> None:
    """The parser's RecursionError reading the file for its [storage] table was a traceback
    and exit 1; status owes exit 0 and one answer whatever the file."""
    path = tmp_path / "config.toml"
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    done = cli(path, "status", "--json")
    assert done.returncode == 0, done.stderr
    assert "nesting too deep" in json.loads(done.stdout)["config_error"]


def test_a_disabled_source_is_shown_off_with_no_next_poll(tmp_path: Path) -> None:
    """A source with `enabled = false` is never polled: status said it was healthy and due at
    a time that never came (noticed by helper 169)."""
    from tests.acceptance_kit import cli, config_text, source, write

    text = config_text(
        source("aktif", "http://127.0.0.1:9/feed/") + source("mati", "http://127.0.0.1:9/b/")
    )
    text = text.replace('id = "mati"', 'id = "mati"\nenabled = false')
    done = cli(write(tmp_path, text), "status", "--json")
    assert done.returncode == 0, done.stderr
    by_id = {s["id"]: s for s in json.loads(done.stdout)["sources"]}
    assert by_id["aktif"]["enabled"] is True
    assert by_id["mati"]["enabled"] is False and by_id["mati"]["next_poll"] is None
