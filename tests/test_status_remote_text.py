"""Text a remote side wrote reaches `syndication status` as text: an HTML page given as a
feed is named as such (with the feed it links), and markup-like reason phrases or redirect
targets such as `[/red]` are shown literally instead of crashing rich."""

from __future__ import annotations

import json
from pathlib import Path

from syndication.errors import ParseError
from syndication.sources.feed import parse_feed
from tests.conftest import write_config
from tests.portal import Portal
from tests.test_daemon import cli, source

PAGE = """<!doctype html><html><head><title>Portal Kukar</title>
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="Berita" href="/feed/">
</head><body><h1>Berita</h1></body></html>"""


def test_html_page_error_names_the_linked_feed() -> None:
    url = "https://diskominfo.example/berita/"
    try:
        parse_feed(PAGE.encode(), "kukar", url, "text/html; charset=utf-8")
    except ParseError as e:
        message = str(e)
    else:
        raise AssertionError("an HTML page was read as a feed")
    assert "HTML page" in message and "https://diskominfo.example/feed/" in message
    assert 'kind = "html"' in message and f"syndication probe {url}" in message
    assert "syntax error" not in message
    # no link, and a page served with an XML content type: still recognised by its body
    bare = b"\n<!-- cache -->\n<!DOCTYPE html><html><body>hi</body></html>"
    try:
        parse_feed(bare, "kukar", url, "application/xml")
    except ParseError as e:
        assert "HTML page" in str(e) and "links no feed" in str(e)
    else:
        raise AssertionError("an HTML page was read as a feed")


def test_status_shows_remote_texts_literally(portal: Portal, tmp_path: Path) -> None:
    portal.set("/berita/", PAGE, content_type="text/html; charset=utf-8")
    portal.set("/busy", "slow down", status=503, reason="Busy [/red] [bold]now")
    portal.set("/moved", status=302, headers={"Location": "/x[/red]y"}, validators=False)
    sources = "".join(
        source(sid, portal.url + path)
        for sid, path in (("page", "/berita/"), ("busy", "/busy"), ("moved", "/moved"))
    )
    config = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite", sources=sources
    )
    once = cli(config, "run", "--once")
    assert once.returncode == 0, once.stderr

    shown = cli(config, "status")
    assert shown.returncode == 0, shown.stderr
    assert "MarkupError" not in shown.stderr
    assert "Busy [/red] [bold]now" in shown.stdout
    assert "/x[/red]y" in shown.stdout
    assert "HTML page" in shown.stdout

    data = json.loads(cli(config, "status", "--json").stdout)
    errors = {s["id"]: s["last_error"] for s in data["sources"]}
    assert f"the page links the feed {portal.url}/feed/" in errors["page"]
    assert 'kind = "html"' in errors["page"]
