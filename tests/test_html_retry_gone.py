"""A new link whose page answers 404 (a page the portal's cache does not serve yet, the
listing ahead of it) is asked again after a while, twice, before it is skipped for a day:
it was skipped for a day at once, and while the listing stayed the same its poll never
looked again (a black-box review). While a retry is due, the listing keeps no validators,
so the poll then reads it again; after the last retry it is read conditionally again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syndication.config import load
from syndication.store import open_store
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_e2e_html import HTML, article_page, config, html_source, listing_page, once, stored

NOW = datetime.now(UTC)
OLD_PATH, NEW_PATH = "/berita/lama-dari-portal-uji/", "/berita/baru-dari-portal-uji/"
TITLE = "Pemkab Kukar Gelar Rapat Koordinasi Program Desa"


def age_the_skips(path: Path, by: timedelta) -> None:
    """Time passes: every remembered skip of the source is `by` older."""
    store = open_store(load(path).database_url)
    try:
        key = "html-skipped:portal"
        skips = json.loads(store.get_event(key) or "{}")
        older = {
            k: (datetime.fromisoformat(v) - by).astimezone(UTC).isoformat()
            for k, v in skips.items()
        }
        store.set_event(key, json.dumps(older), NOW)
    finally:
        store.engine.dispose()


def test_a_new_link_answering_404_is_asked_again_later(tmp_path: Path, portal: Portal) -> None:
    base = portal.url
    portal.set(OLD_PATH, article_page(base + OLD_PATH, "Berita Lama"), content_type=HTML)
    portal.set("/", listing_page(base, [OLD_PATH]), content_type=HTML)
    path = config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", html_source(portal))
    once(path)  # the backlog
    portal.set("/", listing_page(base, [NEW_PATH, OLD_PATH]), content_type=HTML)
    once(path)  # the new page is not served yet: 404
    assert portal.hits_for(NEW_PATH) and base + NEW_PATH not in stored(path)
    page = article_page(base + NEW_PATH, TITLE, when=NOW - timedelta(minutes=30))
    portal.set(NEW_PATH, page, content_type=HTML)
    before = len(portal.hits)
    once(path)  # the retry is not due yet; the listing is read whole all the same
    assert [(h.path, h.status) for h in portal.hits[before:]] == [("/", 200)]
    age_the_skips(path, timedelta(minutes=16))
    once(path)
    assert base + NEW_PATH in stored(path)
    assert stored(path)[base + NEW_PATH].title == TITLE
    before = len(portal.hits)
    once(path)  # nothing left to ask: the listing is asked conditionally
    assert [(h.path, h.status) for h in portal.hits[before:]] == [("/", 304)]


def retried_out(tmp_path: Path, portal: Portal) -> Path:
    """A source past its backlog whose listing gains a link that answers 404 for good, polled
    as its first answer and its two retries fall due: its config."""
    base = portal.url
    portal.set(OLD_PATH, article_page(base + OLD_PATH, "Berita Lama"), content_type=HTML)
    portal.set("/", listing_page(base, [OLD_PATH]), content_type=HTML)
    path = config(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", html_source(portal))
    once(path)
    portal.set("/", listing_page(base, [NEW_PATH, OLD_PATH]), content_type=HTML)
    asked = []
    for wait in (timedelta(0), timedelta(minutes=16), timedelta(hours=2, minutes=1)):
        age_the_skips(path, wait)
        once(path)
        asked.append(len(portal.hits_for(NEW_PATH)))
    assert asked == [1, 2, 3]  # the first answer, then its two retries
    return path


def test_a_link_still_404_after_its_retries_is_skipped_for_a_day(
    tmp_path: Path, portal: Portal
) -> None:
    path = retried_out(tmp_path, portal)
    age_the_skips(path, timedelta(hours=3))
    before = len(portal.hits)
    once(path)
    # skipped for a day now: neither the page nor the whole listing again
    assert [(h.path, h.status) for h in portal.hits[before:]] == [("/", 304)]


KUKAR = (
    "TENGGARONG – Pemkab Kukar menggelar rapat di Tenggarong bersama warga. (adv/diskominfo/kukar)"
)


def test_a_first_polls_404_read_on_a_retry_is_backlog_not_news(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listed on the source's very first poll, the page is backlog however late it answers:
    read on a retry, it fills the feeds and goes to no channel."""
    base = portal.url
    portal.set(OLD_PATH, article_page(base + OLD_PATH, "Berita Lama"), content_type=HTML)
    portal.set("/", listing_page(base, [NEW_PATH, OLD_PATH]), content_type=HTML)
    with FakeTelegram(per_minute=60, min_interval=0.0) as fake:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
        path = config(
            tmp_path,
            f"sqlite:///{tmp_path}/db.sqlite3",
            html_source(portal),
            api_url=fake.url,
            chats={"kukar": "@kabar_kukar"},
        )
        once(path)  # the first poll: the new page answers 404
        page = article_page(base + NEW_PATH, TITLE, when=NOW - timedelta(minutes=30), body=KUKAR)
        portal.set(NEW_PATH, page, content_type=HTML)
        age_the_skips(path, timedelta(minutes=16))
        once(path)
        assert base + NEW_PATH in stored(path)
        assert fake.messages == []
