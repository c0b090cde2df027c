"""A hostile review of the Telegram delivery path, against the fake Bot API (real
python-telegram-bot, real store): each test here failed on the code before its fix."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bots.template import TEXT_LIMIT
from tests.fakes.telegram_api import FakeTelegram, _Reply, utf16_units
from tests.test_deliver import KUKAR, Env, item, make_env, utcnow

ADMIN = "@admin_synd"
IMAGE = "https://portal.test/wp-content/uploads/foto.jpg"


class OddPhotoFake(FakeTelegram):
    """Answers sendPhoto of IMAGE with `description`, as Telegram answers some photo URLs."""

    def __init__(self, description: str) -> None:
        super().__init__(per_minute=None, min_interval=None)
        self.description = description

    def _send_photo(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("photo") == IMAGE:
            raise _Reply(400, self.description)
        return super()._send_photo(chat_id, params)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(per_minute=None, min_interval=None) as f:
        yield f


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


def with_admin(env: Env) -> Env:
    tg = env.config.telegram.model_copy(update={"admin_chat": ADMIN})
    env.config = env.config.model_copy(update={"telegram": tg})
    return env


# --- a photo URL Telegram refuses: the headline goes out as text --------------------------


@pytest.mark.parametrize(
    "description",
    [
        # the Bot API checks a photo URL itself before fetching it (TDLib's words follow)
        "Bad Request: invalid file HTTP URL specified: Wrong port number specified in the URL",
        "Bad Request: invalid file HTTP URL specified: URL host is empty",
        # the fetched file is no photo Telegram can save
        "Bad Request: PHOTO_SAVE_FILE_INVALID",
        "Bad Request: PHOTO_INVALID",
    ],
)
def test_any_refused_photo_url_falls_back_to_text(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, description: str
) -> None:
    with OddPhotoFake(description) as fake:
        env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
        env.add(item(1, image=IMAGE))
        counts = env.drain()
        [message] = fake.messages_to(KUKAR)
        assert message.kind == "text" and "Nomor 1 di Daerah" in message.text
        [row] = env.delivery(KUKAR)
        assert row.state == "sent" and row.message_kind == "text", row.last_error
        assert counts["sent"] == 1 and counts["failed"] == 0


# --- the admin chat: a 429 is honoured, nothing is dropped, a long alert fits -------------


def test_a_429_in_the_admin_chat_is_waited_out_and_loses_no_alert(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = with_admin(make_env(tmp_path, sqlite_url, fake, monkeypatch))
    fake.fail_next(ADMIN, "flood", retry_after=2)
    d = env.deliverer()
    d.alert_admin("a", "⚠️ source a failing 5 times")
    d.alert_admin("b", "⚠️ source b failing 5 times")
    env.drain(d)
    texts = [m.text for m in fake.messages_to(ADMIN)]
    assert texts == ["⚠️ source a failing 5 times", "⚠️ source b failing 5 times"]
    statuses = [r for r in fake.requests if r.chat == ADMIN]
    assert [r.status for r in statuses] == [429, 200, 200]
    assert statuses[1].at - statuses[0].at >= 2.0  # retry_after honoured


def test_an_alert_longer_than_a_message_is_cut_not_lost(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A config.toml with hundreds of problems: the admin still hears that it was rejected."""
    env = with_admin(make_env(tmp_path, sqlite_url, fake, monkeypatch))
    problems = "\n".join(
        f"config.toml: sources[{n}].interval: 'sebentar' is not a duration (line {n})"
        for n in range(300)
    )
    d = env.deliverer()
    d.alert_admin("config", "⚠️ config.toml rejected, the running config stays:\n" + problems)
    env.drain(d)
    [alert] = fake.messages_to(ADMIN)
    assert alert.text.startswith("⚠️ config.toml rejected, the running config stays:")
    assert "sources[0].interval" in alert.text and utf16_units(alert.text) <= TEXT_LIMIT


# --- a broken channel that works again, found so by taking a message down ----------------


def test_a_probe_that_takes_a_message_down_reopens_the_broken_channel(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, sqlite_url, fake, monkeypatch)
    env.add(item(1))
    assert env.drain()["sent"] == 1
    [posted] = fake.messages_to(KUKAR)
    # the bot was kicked, then the portal withdrew the story and published a new one; the
    # admin has added the bot back since
    env.store.channel_broken(KUKAR, "Forbidden: bot was kicked", utcnow() - timedelta(minutes=11))
    found = env.store.item_by_url_key("portal.test/berita-1")
    assert found is not None and env.store.withdraw(found.id, "410 Gone", utcnow())
    env.add(item(2))
    env.drain()
    assert fake.deleted == [(fake.chat_id(KUKAR), posted.message_id)]
    assert len(fake.messages_to(KUKAR)) == 2  # the new story went out in the same drain
    assert [r.state for r in env.delivery(KUKAR)] == ["withdrawn", "sent"]
    assert {c.chat: c.state for c in env.store.channel_statuses()}[KUKAR] == "ok"


def test_an_admin_chat_upgraded_to_a_supergroup_still_gets_the_alerts(
    tmp_path: Path, sqlite_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the config names the old group, which refuses every message from then on
    env = with_admin(make_env(tmp_path, sqlite_url, fake, monkeypatch))
    fake.fail_next(ADMIN, "migrate", n=100, new_chat_id=-1001234567890)
    d = env.deliverer()
    d.alert_admin("a", "⚠️ source a failing 5 times")
    env.drain(d)
    d.alert_admin("b", "⚠️ source b failing 5 times")
    env.drain(d)
    texts = [m.text for m in fake.messages_to(-1001234567890)]
    assert texts == ["⚠️ source a failing 5 times", "⚠️ source b failing 5 times"]
    # the old id was asked once: the second alert went straight to the new one
    assert [r.status for r in fake.requests if r.chat == ADMIN] == [400]
