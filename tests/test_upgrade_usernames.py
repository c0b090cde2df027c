"""Revision 0009: chats named by @username are stored in lower case (review of 2026-12-06: after
an upgrade, a story sent to "@Kabar_Kukar" went out again under "@kabar_kukar", and its
corrections never reached the message sent before)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig

from syndication.store import Store, migrate, open_engine
from syndication.store.db import MIGRATIONS
from tests.legacy_store import writing_as_before_0011
from tests.test_store import NOW, OK, item, yes


def _rows(engine: object) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        found = conn.exec_driver_sql("SELECT item_id, chat, state FROM deliveries ORDER BY id")
        return [tuple(r) for r in found.all()]


def test_stored_usernames_are_lower_cased_and_a_clash_keeps_the_sent_row(db_url: str) -> None:
    engine = open_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
    legacy = Store(engine)  # as the older code stored them, config.toml's spelling and all
    legacy.sync_sources([("a", "https://portal.test/feed")])

    def spelled(it: object) -> list[tuple[str, str]]:
        # story 1 to one channel; stories 2 and 3 to one channel under two spellings
        both = it is two or it is three
        return [("kukar", "@Kabar_Kukar")] + ([("kutim", "@kabar_kukar")] if both else [])

    one, two = item(1), item(2, regencies=("kukar", "kutim"))
    three = item(3, regencies=("kukar", "kutim"))
    with writing_as_before_0011():
        legacy.ingest("a", [one, two, three], NOW, OK, route=spelled, announce=yes)
    with engine.begin() as conn:
        run = conn.exec_driver_sql
        run("UPDATE deliveries SET state = 'sent', message_id = 7 WHERE chat = '@kabar_kukar'")
        # story 3: sent under the capitalised name, withdrawn (its deletion queued), and never
        # sent under the other spelling (second review: the deletion was superseded and lost)
        run("UPDATE deliveries SET state = 'filtered', message_id = NULL WHERE item_id = 3")
        run(
            "UPDATE deliveries SET state = 'withdraw', message_id = 55"
            " WHERE item_id = 3 AND chat = '@Kabar_Kukar'"
        )
        # two spellings of one channel, neither in lower case (second review: the rename
        # broke the table's key and the upgrade never finished)
        run("INSERT INTO channels (chat, state) VALUES ('@Kabar_Kukar', 'ok')")
        run("INSERT INTO channels (chat, state) VALUES ('@kabar_KUKAR', 'ok')")
    migrate(engine)
    rows = _rows(engine)
    # every row that may still be sent or edited is under the lower-case name; a clash's
    # queued twin is superseded (never due), under the spelling it had
    assert all(chat == "@kabar_kukar" for _, chat, state in rows if state != "superseded"), rows
    assert sorted(r for r in rows if r[0] == 1) == [(1, "@kabar_kukar", "pending")]
    assert sorted(r for r in rows if r[0] == 2) == [
        (2, "@Kabar_Kukar", "superseded"),
        (2, "@kabar_kukar", "sent"),
    ]
    assert sorted(r for r in rows if r[0] == 3) == [(3, "@kabar_kukar", "withdraw")]
    with engine.connect() as conn:
        chats = conn.exec_driver_sql("SELECT chat FROM channels").scalars().all()
    assert chats == ["@kabar_kukar"]
    engine.dispose()


def test_a_message_being_sent_is_not_moved_to_the_regencys_new_chat(db_url: str) -> None:
    """Review of 2026-12-06: a reload that renamed a channel moved rows a worker was sending,
    and the new chat's worker sent them too."""
    from datetime import timedelta

    from tests.test_store import fresh_store

    store = fresh_store(db_url)
    try:
        old_chat = lambda it: [("kukar", "@lama")]  # noqa: E731
        store.ingest("a", [item(1), item(2)], NOW, OK, route=old_chat, announce=yes)
        lease = timedelta(seconds=60)
        (claimed, *_) = store.claim_deliveries("w1", NOW, lease, 1)
        moved = store.rehome_pending({"kukar": "@baru"}, {"@baru"}, NOW)
        assert moved == 1  # the other one; the one in flight stays with its worker
        later = NOW + lease + timedelta(seconds=1)
        assert store.rehome_pending({"kukar": "@baru"}, {"@baru"}, later) == 1
        with store.engine.connect() as conn:
            chats = conn.exec_driver_sql("SELECT chat FROM deliveries").scalars().all()
        assert chats == ["@baru", "@baru"], (claimed, chats)
    finally:
        store.engine.dispose()
