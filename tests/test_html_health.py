"""An html source that yields nothing says why: in status, the log, `status --json` and
`explain`; a listing longer than max_articles finishes its first poll in a bounded number of
polls. Through the fixture portal and `run_once`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from syndication import commands
from syndication.config import load
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_e2e_html import (
    HTML,
    NOW,
    article_page,
    config,
    html_source,
    listing_page,
    once,
    source_status,
    stored,
    title_of,
)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=60, min_interval=0.0) as f:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", f.token)
        yield f


BODYLESS = (
    "<html><head><title>{t}</title></head><body><header><a href='/'>Beranda</a></header>"
    "<h1>{t}</h1><p>Foto: dokumentasi.</p></body></html>"
)


def test_a_listing_whose_links_give_no_article_is_unhealthy_and_says_why(
    tmp_path: Path,
    portal: Portal,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths = [f"/berita-tanpa-isi-nomor-{n}/" for n in range(4)]
    portal.set("/", listing_page(portal.url, paths), content_type=HTML)
    for p in paths:
        portal.set(p, BODYLESS.format(t=title_of(p)), content_type=HTML)
    path = config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", html_source(portal))
    caplog.set_level("INFO", logger="syndication")
    once(path)
    status = source_status(path, "portal")
    error = str(status["last_error"])
    assert status["healthy"] is False and status["error_kind"] == "parse"
    assert "4 links, 0 articles: no article body" in error
    assert portal.url + paths[0] in error or any(portal.url + p in error for p in paths)
    assert "4 links, 0 articles" in caplog.text

    capsys.readouterr()
    assert commands.status(load(path), as_json=True) == 0
    data = json.loads(capsys.readouterr().out)
    (src,) = [s for s in data["sources"] if s["id"] == "portal"]
    assert src["healthy"] is False and "0 articles" in src["last_error"]

    assert commands.explain(load(path), portal.url + paths[1]) == 1
    said = capsys.readouterr().out
    assert "skipped it" in said and "no article body" in said

    # fixed pages: the next poll fetches them again (not remembered as skipped) and recovers
    for p in paths:
        portal.set(p, article_page(portal.url + p, title_of(p)), content_type=HTML)
    once(path)
    assert len(stored(path)) == 4 and source_status(path, "portal")["healthy"] is True


def test_a_skipped_link_of_a_healthy_listing_is_explained(
    tmp_path: Path, portal: Portal, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = "/berita-baik-di-samarinda/", "/berita-kosong-di-samarinda/"
    portal.set("/", listing_page(portal.url, [good]), content_type=HTML)
    portal.set(good, article_page(portal.url + good, title_of(good)), content_type=HTML)
    path = config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", html_source(portal))
    once(path)
    portal.set("/", listing_page(portal.url, [bad, good]), content_type=HTML)
    portal.set(bad, BODYLESS.format(t=title_of(bad)), content_type=HTML)
    once(path)
    assert source_status(path, "portal")["healthy"] is True  # one odd link among articles
    capsys.readouterr()
    assert commands.explain(load(path), portal.url + bad) == 1
    assert "no article body" in capsys.readouterr().out


def test_a_capped_first_poll_is_over_after_one_poll_and_its_backlog_stays_quiet(
    tmp_path: Path, portal: Portal, fake: FakeTelegram
) -> None:
    paths = [f"/pemkot-samarinda-agenda-nomor-{n}/" for n in range(7)]
    recent = NOW - timedelta(minutes=30)
    for p in paths:
        page = article_page(portal.url + p, title_of(p), when=recent, credit="(adv/samarinda)")
        portal.set(p, page, content_type=HTML)
    portal.set("/", listing_page(portal.url, paths), content_type=HTML)
    path = config(
        tmp_path,
        f"sqlite:///{tmp_path}/db.sqlite3",
        html_source(portal, extra="max_articles = 2"),
        api_url=fake.url,
        chats={"samarinda": "@kabar_smd"},
    )
    once(path)
    assert source_status(path, "portal")["first_poll_done"] is True  # after one poll
    assert len(stored(path)) == 2

    # a story published now, above the backlog: announced; the backlog fetched alongside: not
    fresh = "/pemkot-samarinda-agenda-terbaru/"
    page = article_page(portal.url + fresh, title_of(fresh), when=NOW, credit="(adv/samarinda)")
    portal.set(fresh, page, content_type=HTML)
    portal.set("/", listing_page(portal.url, [fresh, *paths]), content_type=HTML)
    for _ in range(4):
        once(path)
    assert len(stored(path)) == 8
    assert [m.chat for m in fake.messages] == ["@kabar_smd"]
    assert title_of(fresh) in fake.messages[0].text
