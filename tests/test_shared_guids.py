"""Entries that share one guid but link different articles are different entries (review of
2026-12-06: a feed giving three articles one guid published one of them, and the one kept
turned into another article whenever the feed's order changed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from syndication.sources.feed import parse_feed
from tests.acceptance_kit import config_text, json_items, once, source, write
from tests.portal import Portal

# the items' hours count from half a day before the run, so that a story stays within
# [telegram].max_age (24 hours) of it (a fixed date announced nothing a day after it was
# written)
DAY = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=12)


def _item(base: str, slug: str, title: str, guid: str, hour: int) -> str:
    published = format_datetime(DAY + timedelta(hours=hour), usegmt=True)
    return (
        f"<item><title>{title}</title><link>{base}/{slug}/</link>"
        f'<guid isPermaLink="false">{guid}</guid>'
        f"<pubDate>{published}</pubDate><category>Pemerintah</category>"
        f"<description>TENGGARONG – Pemkab Kukar {title}.</description></item>"
    )


def _rss(items: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>P</title>'
        "<link>http://127.0.0.1:1/</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def test_articles_sharing_a_guid_are_each_kept_and_keep_their_ids(
    portal: Portal, tmp_path: Path
) -> None:
    b = portal.url
    one = _item(b, "satu", "Rapat Satu", "same", 5)
    two = _item(b, "dua", "Rapat Dua", "same", 4)
    three = _item(b, "tiga", "Rapat Tiga", "same", 3)
    other = _item(b, "lain", "Rapat Lain", "own-guid", 2)
    portal.set("/feed/", _rss([one, two, three, other, other]))  # `other` listed twice
    config = write(tmp_path, config_text(source("utama", f"{b}/feed/")))
    once(config)
    first = {i["url"]: (i["id"], i["title"]) for i in json_items(tmp_path / "out", "all.json")}
    assert sorted(first) == sorted(f"{b}/{s}/" for s in ("satu", "dua", "tiga", "lain"))

    portal.set("/feed/", _rss([three, one, other, two]))  # the feed's order changes
    once(config)
    again = {i["url"]: (i["id"], i["title"]) for i in json_items(tmp_path / "out", "all.json")}
    assert again == first  # no article took another's id, title or place


def test_a_guid_listed_twice_for_one_article_is_one_entry() -> None:
    base = "https://portal.example"
    body = _rss([_item(base, "a", "A", "g", 5), _item(base, "a", "A", "g", 5)]).encode()
    entries = parse_feed(body, "s", f"{base}/feed/")
    assert [e.guid for e in entries] == ["g", "g"]  # the normalizer keeps one of the two
    body = _rss([_item(base, "a", "A", "g", 5), _item(base, "b", "B", "g", 4)]).encode()
    assert [e.guid for e in parse_feed(body, "s", f"{base}/feed/")] == [None, None]


def test_an_article_listed_alone_under_a_guid_once_shared_stays_itself(
    portal: Portal, tmp_path: Path
) -> None:
    """Second review: A (guid G), then B and A (both G), then B alone: B took the entry G,
    which is A's, and A's item turned into B (its message edited to B's title)."""
    b = portal.url
    a = _item(b, "a", "Rapat Satu", "G", 5)
    b_item = _item(b, "b", "Rapat Dua", "G", 6)
    config = write(tmp_path, config_text(source("utama", f"{b}/feed/")))
    for slug in ("a", "b"):  # the articles stay up (an unlisted one's page is checked)
        portal.set(f"/{slug}/", "<html><body>ok</body></html>", content_type="text/html")
    for listing in ([a], [b_item, a], [b_item]):
        portal.set("/feed/", _rss(listing))
        once(config)
    shown = {i["url"]: i["title"] for i in json_items(tmp_path / "out", "all.json")}
    assert shown == {f"{b}/a/": "Rapat Satu", f"{b}/b/": "Rapat Dua"}, shown


def test_a_backlog_story_listed_under_a_new_key_is_not_announced(
    portal: Portal, tmp_path: Path
) -> None:
    """Review of 2026-12-06: a listing whose links carry the card's position (detik's
    ?tag_from=wp_nhl_2) gave a backlog story a new key on the next poll, and it was announced
    as news. Here the key is the guid, rewritten by the portal; the link stays the story's."""
    from tests.fakes.telegram_api import FakeTelegram

    b = portal.url
    with FakeTelegram(per_minute=None, min_interval=None) as fake:
        text = config_text(
            source("utama", f"{b}/feed/"), chats={"kukar": "@kabar_kukar"}, api_url=fake.url
        )
        config = write(tmp_path, text)
        old = _item(b, "lama", "Rapat Lama", "v1", 5)
        portal.set("/feed/", _rss([old]))
        once(config, fake.token)  # backlog
        portal.set("/lama/", "<html><body>ok</body></html>", content_type="text/html")
        relisted = _item(b, "lama", "Rapat Lama", "v2", 5)
        news = _item(b, "baru", "Rapat Baru", "n1", 6)
        portal.set("/feed/", _rss([news, relisted]))
        once(config, fake.token)
        texts = [m.text for m in fake.messages]
        assert len(texts) == 1 and "Rapat Baru" in texts[0], texts
