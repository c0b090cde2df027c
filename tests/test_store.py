"""The store on real SQLite and real PostgreSQL: idempotent ingest, duplicates, the delivery
queue with leases, updates that mark feeds and announcements, pruning."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from syndication.store import SourceSuccess, Store, Unchanged, open_store, scopes_of
from syndication.types import Item

NOW = datetime(2024, 11, 18, 12, 0, tzinfo=UTC)
OK = SourceSuccess(
    etag='"e1"',
    last_modified=None,
    body_hash="h1",
    status=200,
    next_poll=NOW + timedelta(minutes=5),
)


def item(n: int, **kw: object) -> Item:
    base = Item(
        source_id="a",
        entry_key=f"https://portal.test/{n}/",
        url=f"https://portal.test/{n}/",
        url_key=f"portal.test/{n}",
        title=f"Judul berita nomor {n} tentang Kukar",
        title_key=f"judul berita nomor {n} tentang kukar",
        summary="ringkas",
        content_html="<p>x</p>",
        author=None,
        published=NOW - timedelta(hours=1),
        updated=NOW - timedelta(hours=1),
        categories=("pemerintah",),
        regencies=("kukar",),
        advertorial=False,
        content_hash=f"hash{n}",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def route(it: Item) -> list[tuple[str, str]]:
    return [(r, f"@chat_{r}") for r in it.regencies]


def yes(_: Item) -> bool:
    return True


def fresh_store(db_url: str) -> Store:
    store = open_store(db_url.replace("postgresql://", "postgresql+psycopg://"))
    store.sync_sources([("a", "https://portal.test/feed"), ("b", "https://other.test/feed")])
    return store


def test_ingest_is_idempotent(db_url: str) -> None:
    store = fresh_store(db_url)
    first = store.ingest("a", [item(1), item(2)], NOW, OK, route=route, announce=yes)
    again = store.ingest("a", [item(1), item(2)], NOW, OK, route=route, announce=yes)
    assert (first.new, first.deliveries) == (2, 2)
    assert (again.new, again.updated, again.deliveries) == (0, 0, 0)
    assert store.counts() == {"items": 2, "pending_deliveries": 2}
    state = store.source_state("a")
    assert state.first_poll_done and state.etag == '"e1"' and state.body_hash == "h1"


def test_same_story_from_two_sources_is_one_item_announced_once(db_url: str) -> None:
    store = fresh_store(db_url)
    store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
    # source b: same article over http with another entry key (url_key equal)
    other = item(1, source_id="b", entry_key="guid-b-1", url="http://portal.test/1/")
    res = store.ingest("b", [other], NOW, OK, route=route, announce=yes)
    assert (res.new, res.duplicates, res.deliveries) == (0, 1, 0)
    # source b again, same title, different URL, within days: still the same story
    retitled = item(
        9,
        source_id="b",
        entry_key="guid-b-9",
        url="https://mirror.test/x",
        url_key="mirror.test/x",
        title_key=item(1).title_key,
    )
    res = store.ingest("b", [retitled], NOW, OK, route=route, announce=yes)
    assert res.duplicates == 1 and res.deliveries == 0
    assert store.counts() == {"items": 1, "pending_deliveries": 1}
    assert len(store.scope_items("all", 10)) == 1


def test_scopes_and_dirty_marks(db_url: str) -> None:
    store = fresh_store(db_url)
    it = item(1, categories=("advertorial", "pemerintah"), regencies=("kukar", "kutim"))
    store.ingest("a", [it], NOW, OK, route=route, announce=yes)
    expected = set(scopes_of(it.categories, it.regencies))
    assert "regency/kutim/advertorial" in expected
    assert set(store.dirty_scopes()) == expected
    assert [i.title for i in store.scope_items("regency/kukar/pemerintah", 10)] == [it.title]
    store.clear_dirty(store.dirty_marks())
    assert store.dirty_scopes() == []
    assert store.nonempty_pair_scopes() == sorted(s for s in expected if s.count("/") == 2)


def test_title_correction_updates_and_queues_an_edit(db_url: str) -> None:
    store = fresh_store(db_url)
    store.ingest("a", [item(1)], NOW, OK, route=route, announce=yes)
    [row] = store.claim_deliveries("p1", NOW, timedelta(minutes=5), 10)
    store.mark_sent(row.id, NOW, 77, "text", row.item.title)
    store.clear_dirty(store.dirty_marks())
    fixed = item(1, title="Judul yang diperbaiki", content_hash="changed")
    later = NOW + timedelta(minutes=10)
    res = store.ingest("a", [fixed], later, OK, route=route, announce=yes)
    assert res.updated == 1 and res.deliveries == 0
    [edit] = store.claim_deliveries("p1", later, timedelta(minutes=5), 10)
    assert edit.state == "edit" and edit.message_id == 77
    assert edit.item.title == "Judul yang diperbaiki" and edit.item.version == 2
    assert "all" in store.dirty_scopes()


def test_leases_keep_two_senders_apart(db_url: str) -> None:
    store = fresh_store(db_url)
    store.ingest("a", [item(i) for i in range(5)], NOW, OK, route=route, announce=yes)
    first = store.claim_deliveries("p1", NOW, timedelta(minutes=5), 3)
    second = store.claim_deliveries("p2", NOW, timedelta(minutes=5), 10)
    assert len(first) == 3 and len(second) == 2
    assert not {r.id for r in first} & {r.id for r in second}
    # p1 dies: after its lease expires, another sender takes its rows
    later = NOW + timedelta(minutes=6)
    taken = store.claim_deliveries("p3", later, timedelta(minutes=5), 10)
    assert {r.id for r in taken} == {r.id for r in first} | {r.id for r in second}


def test_source_lease_and_failures(db_url: str) -> None:
    store = fresh_store(db_url)
    lease = timedelta(minutes=10)
    assert store.claim_source("a", "p1", NOW, lease, force=False) is not None
    assert store.claim_source("a", "p2", NOW, lease, force=True) is None
    count = store.record_failure("a", NOW, "http", "HTTP 500", NOW + timedelta(minutes=10), 500)
    assert count == 1
    assert store.claim_source("a", "p2", NOW, lease, force=False) is None  # not due yet
    assert store.claim_source("a", "p2", NOW, lease, force=True) is not None
    [status] = [s for s in store.source_statuses() if s.id == "a"]
    assert status.consecutive_failures == 1 and status.last_error == "HTTP 500"


def test_a_poll_that_outlived_its_lease_leaves_the_next_holders_lease(db_url: str) -> None:
    store = fresh_store(db_url)
    lease = timedelta(minutes=1)
    assert store.claim_source("a", "p1", NOW, lease, force=True) is not None
    later = NOW + timedelta(minutes=2)  # p1's renewals failed: its lease ran out
    assert store.claim_source("a", "p2", later, lease, force=True) is not None
    # p1's slow poll ends now, whichever way: p2's lease stays, and no third process polls
    store.record_unchanged_many([Unchanged("a", later, replace(OK, status=304, owner="p1"))])
    store.ingest("a", [item(1)], later, replace(OK, owner="p1"), route=route, announce=yes)
    store.record_failure("a", later, "http", "HTTP 500", later, 500, owner="p1")
    assert store.claim_source("a", "p3", later, lease, force=True) is None
    store.record_unchanged_many([Unchanged("a", later, replace(OK, status=304, owner="p2"))])
    assert store.claim_source("a", "p3", later, lease, force=True) is not None


def test_broken_channel_holds_its_rows_and_migration_moves_them(db_url: str) -> None:
    store = fresh_store(db_url)
    store.ingest("a", [item(1), item(2, regencies=("kutim",))], NOW, OK, route=route, announce=yes)
    assert store.channel_broken("@chat_kukar", "bot was kicked", NOW) is True
    assert store.channel_broken("@chat_kukar", "bot was kicked", NOW) is False
    rows = store.claim_deliveries("p1", NOW, timedelta(minutes=5), 10)
    assert [r.chat for r in rows] == ["@chat_kutim"]
    store.release([r.id for r in rows])
    store.migrate_chat("@chat_kutim", "-100123", NOW)
    rows = store.claim_deliveries("p1", NOW, timedelta(minutes=5), 10)
    assert [r.chat for r in rows] == ["-100123"]
    assert store.migrated_chats() == {"@chat_kutim": "-100123"}
    chans = {c.chat: c for c in store.channel_statuses()}
    assert chans["@chat_kukar"].state == "broken" and chans["@chat_kukar"].pending == 1


def test_prune_keeps_feed_windows_and_pending(db_url: str) -> None:
    store = fresh_store(db_url)
    old = [item(i, published=NOW - timedelta(days=200 + i)) for i in range(6)]
    # read 100 days ago, never listed since (a story still listed is kept: see the next test)
    seen = NOW - timedelta(days=100)
    store.ingest("a", old, seen, OK, route=route, announce=lambda it: it.entry_key.endswith("/0/"))
    removed = store.prune(NOW - timedelta(days=90), keep_per_scope=2)
    # 6 old items; the 2 newest stay in every window; item 0 is newest anyway
    assert removed == 4
    assert store.counts()["items"] == 2


def test_prune_keeps_what_a_source_still_lists(db_url: str) -> None:
    """An old story a source still lists is noted so (touch_listed, once a day) and never
    pruned: pruned, it would be a new entry at that source's next read."""
    store = fresh_store(db_url)
    seen = NOW - timedelta(days=100)
    old = [item(i, published=NOW - timedelta(days=200 + i)) for i in range(3)]
    store.ingest("a", old, seen, OK, route=route, announce=lambda _: False)
    keys = [old[0].entry_key]
    assert store.touch_listed("a", keys, NOW) == 1
    assert store.touch_listed("a", keys, NOW + timedelta(hours=1)) == 0  # once a day
    assert store.prune(NOW - timedelta(days=90), keep_per_scope=0) == 2
    assert [i.title for i in store.scope_items("all", 10)] == [old[0].title]


def test_an_entry_repeated_in_one_poll_updates_the_item_the_poll_just_stored(db_url: str) -> None:
    # a new entry's rows are staged and written together at the poll's end: the repeat must
    # still find the entry (and rewrite the scopes) the first one stored
    store = fresh_store(db_url)
    moved = replace(item(1), regencies=("kutim",), content_hash="hash1b")
    res = store.ingest("a", [item(1), item(2), moved], NOW, OK, route=route, announce=yes)
    assert (res.new, res.updated, res.rejected) == (2, 1, 0)
    assert [i.title for i in store.scope_items("regency/kutim", 10)] == [moved.title]
    assert [i.title for i in store.scope_items("regency/kukar", 10)] == [item(2).title]
    again = store.ingest("a", [item(2)], NOW, OK, route=route, announce=yes)
    assert (again.new, again.duplicates, again.updated) == (0, 0, 0)


def test_a_refused_repeat_keeps_the_rows_the_poll_staged_before_it(db_url: str) -> None:
    store = fresh_store(db_url)
    naive = replace(item(1), updated=datetime(2024, 11, 18, 11, 0), content_hash="other")
    res = store.ingest("a", [item(1), item(2), naive], NOW, OK, route=route, announce=yes)
    assert (res.new, res.rejected) == (2, 1)
    assert {i.title for i in store.scope_items("regency/kukar", 10)} == {
        item(1).title,
        item(2).title,
    }
    # both entries are stored: polled again, neither is new nor a duplicate of itself
    again = store.ingest("a", [item(1), item(2)], NOW, OK, route=route, announce=yes)
    assert (again.new, again.duplicates, again.updated) == (0, 0, 0)


def test_a_value_of_the_wrong_type_costs_its_entry_not_the_poll(db_url: str) -> None:
    """A new item whose value its column cannot bind (a date for a timestamp, text for a
    timestamp) is refused as SQLAlchemy's own execute refused it: that entry alone."""
    store = fresh_store(db_url)
    wrong = [{"published": date(2024, 11, 18)}, {"updated": "2024-11-18T00:00:00Z"}]
    for n, values in enumerate(wrong):
        good = [item(10 * n + 1), item(10 * n + 3)]
        bad = replace(item(10 * n + 2), **values)  # type: ignore[arg-type]
        res = store.ingest("a", [good[0], bad, good[1]], NOW, OK, route=route, announce=yes)
        assert (res.new, res.rejected) == (2, 1), values
    titles = {i.title for i in store.scope_items("regency/kukar", 10)}
    assert titles == {item(n).title for n in (1, 3, 11, 13)}


def test_a_scope_listing_reads_only_the_rows_not_held(db_url: str) -> None:
    """The publish's listing: scope_items' order and items, a held (id, version) given as
    None, and a newer version of a held story read again."""
    store = fresh_store(db_url)
    stories = [item(n, published=NOW - timedelta(hours=n)) for n in range(1, 6)]
    store.ingest("a", stories, NOW, OK, route=route, announce=yes)
    full = store.scope_items("regency/kukar", 4)
    keys = [(i.id, i.version) for i in full]
    held = set(keys[1:3])
    listing = store.scope_listing("regency/kukar", 4, lambda n, v: (n, v) in held)
    assert [(n, v) for n, v, _ in listing] == keys
    assert [i for _, _, i in listing] == [full[0], None, None, full[3]]
    later = NOW + timedelta(minutes=5)
    fixed = replace(stories[1], title="Judul yang diperbaiki", content_hash="changed")
    store.ingest("a", [fixed], later, OK, route=route, announce=yes)
    listing = store.scope_listing("regency/kukar", 4, lambda n, v: (n, v) in held)
    second = listing[1][2]
    assert second is not None and (second.title, second.version) == ("Judul yang diperbaiki", 2)
    assert listing[2][2] is None
