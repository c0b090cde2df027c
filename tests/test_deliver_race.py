"""A title corrected while its message is on its way to Telegram is edited afterwards."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.test_daemon import fake_fixture, wait_until  # noqa: F401
from tests.test_deliver import KUKAR, item, make_env


def test_a_title_corrected_during_the_send_is_edited_next(
    tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(item(1, title="Bupati Kukar Resmikan Jembatam"))
    fake.fail_next(KUKAR, "hang", seconds=2.0)  # Telegram posts it, then answers late
    sender = threading.Thread(target=env.drain)
    sender.start()
    # the message is posted; while its answer is on the way, the portal fixes the typo
    wait_until(lambda: len(fake.messages_to(KUKAR)) == 1, 30, "the message posted")
    env.add(item(1, title="Bupati Kukar Resmikan Jembatan", content_hash="h1-fixed"))
    sender.join(60)
    assert not sender.is_alive()
    env.drain()  # the same drain may have edited it already; if not, this one does
    assert [e.text for e in fake.edits if "Jembatan" in e.text]
    assert len(fake.messages_to(KUKAR)) == 1
    [row] = env.delivery(KUKAR)
    assert row.state == "sent" and row.sent_title == "Bupati Kukar Resmikan Jembatan"


def test_an_unchanged_title_stays_sent(
    tmp_path: Path, db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = make_env(tmp_path, db_url, fake, monkeypatch)
    env.add(replace(item(2)))
    env.drain()
    [row] = env.delivery(KUKAR)
    assert row.state == "sent" and fake.edits == []
