"""A source's own title used again later is a story of its own (a daily "Jadwal SIM Keliling
Kukar Hari Ini"): only another source's story, or the same source's second URL of a story
published at the same time, is merged by its title."""

from __future__ import annotations

from datetime import timedelta

from tests.test_store import NOW, OK, fresh_store, item, route, yes

TITLE = "jadwal sim keliling kukar hari ini"


def test_a_sources_daily_title_is_a_new_story_each_day(db_url: str) -> None:
    store = fresh_store(db_url)
    today = item(1, title_key=TITLE, published=NOW - timedelta(hours=21))
    store.ingest("a", [today], NOW, OK, route=route, announce=yes)
    tomorrow = item(2, title_key=TITLE, published=NOW - timedelta(hours=1))
    res = store.ingest("a", [today, tomorrow], NOW, OK, route=route, announce=yes)
    assert (res.new, res.duplicates, res.deliveries) == (1, 0, 1)
    assert store.counts() == {"items": 2, "pending_deliveries": 2}


def test_another_sources_same_title_days_apart_is_still_one_story(db_url: str) -> None:
    store = fresh_store(db_url)
    first = item(1, title_key=TITLE, published=NOW - timedelta(hours=30))
    store.ingest("a", [first], NOW, OK, route=route, announce=yes)
    other = item(
        7,
        source_id="b",
        entry_key="guid-b-7",
        url="https://other.test/7",
        url_key="other.test/7",
        title_key=TITLE,
        published=NOW - timedelta(hours=1),
    )
    res = store.ingest("b", [other], NOW, OK, route=route, announce=yes)
    assert (res.new, res.duplicates, res.deliveries) == (0, 1, 0)


def test_a_url_an_update_moved_earlier_in_the_poll_is_found_by_a_new_entry(db_url: str) -> None:
    """The poll's key sets are read at its start: an update that moves a known entry to a new
    URL (or title) adds it, so a later entry of the same poll listing it is the same story."""
    store = fresh_store(db_url)
    store.ingest("a", [item(1, entry_key="guid-1")], NOW, OK, route=route, announce=yes)
    moved = item(1, entry_key="guid-1", url="https://portal.test/99/", url_key="portal.test/99",
                 content_hash="changed")  # fmt: skip
    second = item(2, entry_key="guid-2", url="https://portal.test/99/", url_key="portal.test/99",
                  title_key="judul lain sama sekali berbeda")  # fmt: skip
    res = store.ingest("a", [moved, second], NOW, OK, route=route, announce=yes)
    assert (res.new, res.duplicates) == (0, 1)
    retitled = item(1, entry_key="guid-1", url="https://portal.test/99/",
                    url_key="portal.test/99", title_key=TITLE, content_hash="again")  # fmt: skip
    other = item(3, entry_key="guid-3", title_key=TITLE)  # same source, same published
    res = store.ingest("a", [retitled, other], NOW, OK, route=route, announce=yes)
    assert (res.new, res.duplicates) == (0, 1)
    assert store.counts()["items"] == 1
