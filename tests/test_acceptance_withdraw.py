"""Acceptance, black-box: an article a portal takes down leaves every published file and its
Telegram message is deleted (or edited where Telegram refuses); republished, it comes back in
the feeds without a new message. Portals -> `run --once` (the CLI's main) -> the fake Bot API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.acceptance_kit import ATOM, cli, config_text, kukar, once, rss2, source, status, write
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal

CHATS: dict[str, str | int] = {"kukar": "@kabar_kukar"}


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as tg:
        yield tg


def published_with(out: Path, text: str) -> list[str]:
    """The published files (feeds and pages) that mention `text`."""
    return sorted(
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and text in p.read_text(encoding="utf-8", errors="replace")
    )


def test_a_410_from_a_feed_source_takes_the_article_down_everywhere(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    b = portal.url
    old = kukar("lama", "Pemkab Kukar Gelar Rapat Awal Tahun", minutes_ago=90)
    portal.set("/feed/", rss2(b, [old]))
    config = write(tmp_path, config_text(source("utama", f"{b}/feed/"), chats=CHATS,
                                         api_url=fake.url))  # fmt: skip
    once(config, fake.token)
    gone = kukar("salah", "Bupati Kukar Umumkan Angka Kemiskinan Terbaru")
    kept = kukar("benar", "Sekda Kukar Pimpin Apel Pagi Pegawai")
    portal.set("/berita/salah/", "<html><body><h1>x</h1></body></html>", content_type="text/html")
    portal.set("/feed/", rss2(b, [gone, kept, old]))
    once(config, fake.token)
    assert len(fake.messages) == 2
    out = tmp_path / "out"
    shown = published_with(out, gone.title)
    assert {"all.rss", "all.atom", "all.json", "all.html"} <= set(shown)
    # the portal takes it down: dropped from the feed, its page answers 410
    portal.set("/berita/salah/", "", status=410)
    portal.set("/feed/", rss2(b, [kept, old]))
    once(config, fake.token)
    assert published_with(out, gone.title) == []
    assert published_with(out, kept.title) != []
    [sent_gone] = [m for m in fake.messages if gone.title in m.text]
    assert fake.deleted == [(sent_gone.chat_id, sent_gone.message_id)]  # that one only
    assert fake.edits == []
    assert portal.hits_for("/berita/salah/")  # it was checked
    data = status(config)
    assert data["sources"][0]["withdrawn"] == 1
    why = cli(config, "explain", f"{b}/berita/salah/")
    assert why.returncode == 0, why.stderr[-2000:]
    assert "WITHDRAWN" in why.stdout and "410 Gone" in why.stdout
    assert "withdrawn, deleted" in why.stdout  # its channel line
    # the portal publishes it again: back in the feeds, and announced again (its message
    # was deleted): "never announced again unless the portal publishes it again"
    portal.set("/berita/salah/", "<html><body><h1>x</h1></body></html>", content_type="text/html")
    portal.set("/feed/", rss2(b, [gone, kept, old]))
    once(config, fake.token)
    assert published_with(out, gone.title) != []
    assert len(fake.messages) == 3 and len(fake.deleted) == 1 and fake.edits == []
    assert gone.title in fake.messages[-1].text


def test_a_404_from_an_html_source_takes_the_article_down_and_only_its_message(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.test_e2e_html import article_page, listing_page

    b = portal.url
    now = datetime.now(UTC)
    kukar_body = "TENGGARONG – Pemkab Kukar menggelar rapat di Tenggarong. (adv/diskominfo/kukar)"

    def page(path: str, title: str) -> None:
        portal.set(path, article_page(b + path, title, when=now - timedelta(minutes=10),
                                      body=kukar_body), content_type="text/html")  # fmt: skip

    page("/berita/lama/", "Pemkab Kukar Gelar Rapat Awal Tahun")
    portal.set("/", listing_page(b, ["/berita/lama/"]), content_type="text/html")
    config = write(tmp_path, config_text(source("portal", f"{b}/", kind="html"), chats=CHATS,
                                         api_url=fake.url))  # fmt: skip
    once(config, fake.token)  # the backlog: feeds only
    page("/berita/salah/", "Bupati Kukar Umumkan Angka Kemiskinan Terbaru")
    page("/berita/benar/", "Sekda Kukar Pimpin Apel Pagi Pegawai")
    paths = ["/berita/salah/", "/berita/benar/", "/berita/lama/"]
    portal.set("/", listing_page(b, paths), content_type="text/html")
    once(config, fake.token)
    assert len(fake.messages) == 2, [m.text for m in fake.messages]
    out = tmp_path / "out"
    gone_title = "Bupati Kukar Umumkan Angka Kemiskinan Terbaru"
    assert "all.rss" in published_with(out, gone_title)
    # the portal takes it down: off the listing, and its page answers 404
    portal.set("/berita/salah/", "not found", status=404, content_type="text/plain")
    portal.set("/", listing_page(b, ["/berita/benar/", "/berita/lama/"]), content_type="text/html")
    once(config, fake.token)
    assert published_with(out, gone_title) == []
    assert published_with(out, "Sekda Kukar Pimpin Apel Pagi Pegawai") != []
    [sent_gone] = [m for m in fake.messages if gone_title in m.text]
    assert fake.deleted == [(sent_gone.chat_id, sent_gone.message_id)]
    assert fake.edits == []
    why = cli(config, "explain", f"{b}/berita/salah/")
    assert "WITHDRAWN" in why.stdout and "404" in why.stdout, why.stdout


def test_a_feeds_date_never_goes_back_when_its_newest_story_is_withdrawn(
    portal: Portal, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Review of 2026-12-06: the feed's date is its newest story's; withdrawing that story
    took lastBuildDate and Atom's updated back an hour, and a reader that goes by them kept
    showing the withdrawn story."""
    from email.utils import parsedate_to_datetime

    from lxml import etree

    b = portal.url
    old = kukar("lama", "Pemkab Kukar Gelar Rapat Awal Tahun", minutes_ago=120)
    portal.set("/feed/", rss2(b, [old]))
    config = write(tmp_path, config_text(source("utama", f"{b}/feed/"), chats=CHATS,
                                         api_url=fake.url))  # fmt: skip
    once(config, fake.token)
    newest = kukar("baru", "Bupati Kukar Umumkan Angka Kemiskinan Terbaru", minutes_ago=5)
    portal.set("/berita/lama/", "<html><body>ok</body></html>", content_type="text/html")
    portal.set("/feed/", rss2(b, [newest, old]))
    once(config, fake.token)
    out = tmp_path / "out"

    def dates() -> tuple[datetime, datetime]:
        rss = etree.parse(str(out / "all.rss")).getroot().findtext("channel/lastBuildDate")
        atom = etree.parse(str(out / "all.atom")).getroot().findtext(f"{ATOM}updated")
        return parsedate_to_datetime(rss), datetime.fromisoformat(atom)

    before = dates()
    portal.set("/berita/baru/", "", status=410)
    portal.set("/feed/", rss2(b, [old]))
    once(config, fake.token)
    assert published_with(out, newest.title) == []
    after = dates()
    assert after[0] >= before[0] and after[1] >= before[1], (before, after)


def test_a_withdrawal_time_edited_by_hand_does_not_stop_publishing(tmp_path: Path) -> None:
    """A stored withdrawal time that does not read as a time is left out, not raised."""
    from syndication.publishing import _aware_time

    assert _aware_time("2026-12-06T10:00:00+00:00") is not None
    assert _aware_time("kemarin") is None and _aware_time("2026-12-06T10:00:00") is None
