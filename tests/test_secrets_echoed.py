"""A secret the admin put in the config is never echoed back: a bot token pasted where a chat
goes (check, status, run all printed it whole in the problem's line, where a hot reload
redacted it), and a source's key in its URL's query (the poll's error log line and the admin's
alert showed `?api_key=...`, where status masked it)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.acceptance_kit import cli, config_text, once, source, status, write
from tests.portal import Portal

TOKEN = "777000:SeCrEtT0kenXYZabc"
KEY = "KeYsEcReT99"


def test_a_token_pasted_as_a_chat_is_not_echoed(tmp_path: Path) -> None:
    text = config_text(source("p1", "http://127.0.0.1:9/feed/"), chats={"kukar": TOKEN})
    text = text.replace("[telegram]\n", f'[telegram]\nadmin_chat = "{TOKEN}"\n')
    config = write(tmp_path, text)
    for args in (("check",), ("status", "--json"), ("run", "--once")):
        done = cli(config, *args, token=TOKEN)
        said = done.stdout + done.stderr
        assert "SeCrEtT0ken" not in said, (args, said)
        if args == ("check",):
            assert done.returncode == 2
            assert "regencies[1].telegram_chat" in said and "telegram.admin_chat" in said


def test_a_source_key_in_its_query_stays_out_of_the_error_line(
    tmp_path: Path, portal: Portal
) -> None:
    portal.set("/feed/", "down for maintenance", status=500)
    url = f"{portal.url}/feed/?api_key={KEY}&x=1"
    config = write(tmp_path, config_text(source("p1", url)))
    done = once(config)
    assert "status=error" in done.stderr  # the poll failed, and said so
    assert KEY not in done.stderr
    assert KEY not in json.dumps(status(config))
    db = sqlite3.connect(tmp_path / "state.sqlite3")
    stored = " ".join(str(r) for r in db.execute("select last_error from sources"))
    db.close()
    assert "api_key=***" in stored and KEY not in stored
