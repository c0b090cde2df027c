"""A withdrawn article's messages against the fake Bot API: deleted, or edited to say so where
Telegram refuses; other messages untouched; a broken chat keeps the row for later."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.delivery.withdraw import NOTICE
from tests.fakes.telegram_api import FakeTelegram
from tests.test_deliver import KUKAR, KUTIM, Env, item, make_env, utcnow


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as f:
        yield f


def sent_env(tmp_path: Path, db_url: str, fake: FakeTelegram, mp: pytest.MonkeyPatch) -> Env:
    env = make_env(tmp_path, db_url, fake, mp)
    env.add(item(1, regencies=("kukar", "kutim")), item(2))
    counts = env.drain()
    assert counts["sent"] == 3
    return env


def item_id(env: Env, n: int) -> int:
    found = env.store.item_by_url_key(f"portal.test/berita-{n}")
    assert found is not None
    return found.id


def test_a_withdrawn_items_messages_are_deleted_and_no_other(
    tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = sent_env(tmp_path, db_url, fake, monkeypatch)
    [gone_kukar, kept] = [m.message_id for m in fake.messages_to(KUKAR)]
    [gone_kutim] = [m.message_id for m in fake.messages_to(KUTIM)]
    assert env.store.withdraw(item_id(env, 1), "410 Gone", utcnow())
    counts = env.drain()
    assert counts["withdrawn"] == 2
    assert sorted(fake.deleted) == sorted(
        [(fake.chat_id(KUKAR), gone_kukar), (fake.chat_id(KUTIM), gone_kutim)]
    )
    assert kept not in {m for _, m in fake.deleted} and fake.edits == []
    states = [(r.state, r.last_error) for r in env.delivery(KUKAR)]
    assert states == [("withdrawn", "deleted"), ("sent", None)]
    assert env.drain().get("withdrawn", 0) == 0  # done once


def test_too_old_to_delete_is_edited_to_say_withdrawn(
    tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = sent_env(tmp_path, db_url, fake, monkeypatch)
    fake.delete_window = 0  # every message is older than Telegram lets a bot delete
    assert env.store.withdraw(item_id(env, 1), "404 Not Found", utcnow())
    assert env.drain()["withdrawn"] == 2
    assert fake.deleted == []
    assert len(fake.edits) == 2
    title = item(1).title
    for edit in fake.edits:
        assert edit.text.startswith(NOTICE) and title in edit.text
        assert "portal.test" not in edit.html  # no link to the dead page
    edited = {(e.chat_id, e.message_id) for e in fake.edits}
    kept = fake.messages_to(KUKAR)[1]
    assert (kept.chat_id, kept.message_id) not in edited
    assert [r.last_error for r in env.delivery(KUTIM)] == ["edited: too old to delete"]


def test_a_broken_chat_keeps_its_withdrawal_for_later(
    tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = sent_env(tmp_path, db_url, fake, monkeypatch)
    assert env.store.withdraw(item_id(env, 1), "410 Gone", utcnow())
    fake.fail_next(KUTIM, "kicked")
    env.drain()
    assert [r.state for r in env.delivery(KUTIM)] == ["withdraw"]  # not lost
    assert env.delivery(KUKAR)[0].state == "withdrawn"
    env.store.reset_channel(KUTIM, utcnow())
    assert env.drain()["withdrawn"] == 1
    assert [r.state for r in env.delivery(KUTIM)] == ["withdrawn"]
    assert len(fake.deleted) == 2


def test_an_edit_after_a_refused_delete_is_paced_and_recorded_as_its_own_request(
    tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    env = sent_env(tmp_path, db_url, fake, monkeypatch)
    fake.delete_window = 0  # refused: the message is edited next
    since = utcnow()
    assert env.store.withdraw(item_id(env, 1), "410 Gone", since)
    assert env.drain()["withdrawn"] == 2
    takedown = [r for r in fake.requests if r.chat == KUKAR and r.method != "sendMessage"]
    assert [r.method for r in takedown] == ["deleteMessage", "editMessageText"]
    interval = 1.0 / env.config.telegram.per_chat_per_second
    assert takedown[1].at - takedown[0].at >= interval - 0.05  # a pacer slot each
    # a process taking the chat over next counts both requests toward the pace
    lease = env.store.acquire_chat(KUKAR, "other", utcnow(), timedelta(minutes=1), since=since)
    assert lease is not None and len(lease.sends) == 2, lease
