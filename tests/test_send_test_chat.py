"""`send-test --chat` takes what a regency's telegram_chat takes (@channel_username or a
numeric id): anything else is refused with a clear message before the Bot API is asked."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_daemon import fake_fixture  # noqa: F401
from tests.test_e2e_telegram import cli, config_for


def test_send_test_refuses_a_chat_that_is_no_chat(
    tmp_path: Path, portal: Portal, fake: FakeTelegram
) -> None:
    path = config_for(tmp_path, f"sqlite:///{tmp_path}/db.sqlite3", portal, fake)
    for bad in ("kabar", "@ab", "kabar kukar"):
        res = cli(path, "send-test", "--chat", bad, token=fake.token)
        assert res.returncode == 2, (bad, res.stdout, res.stderr)
        assert "use a @channel_username or a numeric chat id" in res.stderr, res.stderr
    assert fake.requests == []  # not even getMe: refused before the Bot API
    numeric = cli(path, "send-test", "--chat", "-1001234567890", token=fake.token)
    assert numeric.returncode == 0, numeric.stderr
    assert len(fake.messages) == 1
