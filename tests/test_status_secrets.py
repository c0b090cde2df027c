"""A password in a source's URL (a private feed: http://user:pass@host/) is sent to its portal
and shown nowhere: not in the status JSON or page, not in the error a failed poll records."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syndication.commands import status_data
from syndication.config import load
from syndication.service import run_once
from syndication.status_page import status_html
from syndication.store import open_store
from tests.conftest import write_config
from tests.portal import Portal


def test_a_source_password_is_on_no_status_line(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    portal.set("/private.xml", b"gone", status=500, validators=False)
    secret = "Kukar2024@s3cret"  # an "@" in it, as an admin may write one
    url = portal.url.replace("http://", f"http://reader:{secret}@") + "/private.xml"
    data, page = _status_after_a_run(tmp_path, db_url, "private", url)
    assert [h.status for h in portal.hits_for("/private.xml")] == [500]
    (source,) = [s for s in data["sources"] if s["id"] == "private"]
    assert source["last_error"] and "HTTP 500" in source["last_error"]
    assert source["url"] == portal.url + "/private.xml"
    for shown in (json.dumps(data), page):
        at = shown.find("s3cret")
        assert at < 0 and "Kukar" not in shown, shown[max(0, at - 200) : at + 50]


def test_a_token_in_a_source_query_is_on_no_status_line(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    """A private feed keyed by its query ("?token=..."), as many portals and services give
    one: the page and its JSON show the parameter, never its value; other parameters stay."""
    portal.set("/feed/?token=Rahasia42kukar&page=2", b"gone", status=500, validators=False)
    url = portal.url + "/feed/?token=Rahasia42kukar&page=2"
    data, page = _status_after_a_run(tmp_path, db_url, "kunci", url)
    (source,) = [s for s in data["sources"] if s["id"] == "kunci"]
    assert source["last_error"] and "HTTP 500" in source["last_error"]
    assert source["url"] == portal.url + "/feed/?token=***&page=2"
    for shown in (json.dumps(data), page):
        assert "Rahasia42" not in shown


def _status_after_a_run(
    tmp_path: Path, db_url: str, source_id: str, url: str
) -> tuple[dict[str, Any], str]:
    """`status --json`'s data and the status page after one `run --once` of that source."""
    path = write_config(
        tmp_path / "config.toml",
        db_url=db_url,
        sources=f'[[sources]]\nid = "{source_id}"\nurl = "{url}"\n',
    )
    config = load(path)
    asyncio.run(run_once(config))
    store = open_store(config.database_url)
    try:
        data = status_data(config, store)
        return data, status_html(data, {}, config, datetime.now(UTC))
    finally:
        store.engine.dispose()
