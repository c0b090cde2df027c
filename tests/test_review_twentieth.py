"""Hostile input against the twentieth round's changes (tests/test_review_sixteenth_html.py's
fixtures: real article pages served by the local portal)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.portal import Portal
from tests.test_review_sixteenth_html import (
    TRUTH,
    _article,
    _matches_truth,
    _poll,
    _serve,
    _tempo_home,
)

HTML = "text/html; charset=UTF-8"


def test_an_article_whose_refresh_names_no_url_is_still_read(
    portal: Portal, tmp_path: Path
) -> None:
    """A real article page whose template carries a botched instant refresh, to an address
    with a port past 65535. A browser cannot parse that address, aborts the refresh and shows
    the article. The service fetches it, gets a FetchError ("port ... is out of range") that
    it takes for a passing failure (_for_good is False), and returns that error instead of
    the article it already holds: the link is "read again next poll", fails the same way on
    every poll, and the story never reaches a feed."""
    rows = _serve(portal, ["detik", "kompas"])
    story = rows[0][0]
    page = _article("detik", portal)
    at = page.index(b">", page.lower().index(b"<head")) + 1
    refresh = b'<meta http-equiv="refresh" content="0; url=https://portal.id:99999999/berita/1">'
    portal.set(story.removeprefix(portal.url), page[:at] + refresh + page[at:], content_type=HTML)
    portal.set("/", _tempo_home(portal, rows), content_type=HTML)

    items = _poll(portal, tmp_path)

    by_title = {i["title"]: i for i in items}
    _matches_truth(by_title[TRUTH["kompas"]["title"]], "kompas")  # the set-up works
    found = [i for i in items if i["title"] == TRUTH["detik"]["title"]]
    assert len(found) == 1, [i["title"] for i in items]
    _matches_truth(found[0], "detik")


def test_check_reports_an_integer_too_long_to_read(tmp_path: Path) -> None:
    """A chat id pasted with its digits repeated (5,000 of them, no quotes): tomllib raises a
    plain ValueError ("Exceeds the limit (4300 digits) for integer string conversion"), which
    `loads` does not catch (only TOMLDecodeError and RecursionError). `check` dies with a
    traceback and exit 1, where the contract says exit 2 and a `config.toml: <key path>:`
    line on stderr."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[storage]\nurl = "sqlite:///x.sqlite3"\n'
        '[[regencies]]\nslug = "kukar"\nname = "Kutai Kartanegara"\n'
        f"telegram_chat = {'1' * 5000}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "syndication", "--config", str(config), "check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr[-500:]
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("config.toml: "), done.stderr[:300]
