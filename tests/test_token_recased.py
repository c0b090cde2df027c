"""An API error that repeats the request's path carries the token, and python-telegram-bot
capitalizes an API error's description (lower-casing the rest): the token came back in lower
case, past a case-sensitive redaction, into the log, `status`, `explain` and the database.
A real token's shape is caught in any case; a token of another shape (a self-hosted Bot API
server's, a test's) was not."""

from __future__ import annotations

import logging

import pytest

from bots._secrets import redact, register
from bots.errors import BotError
from bots.message import render
from bots.telegram import TelegramSender
from tests.fakes.telegram_api import FakeTelegram
from tests.test_bots_telegram import headline

SHORT = "999:SECRETLEAKCHECK"


def test_a_registered_token_is_redacted_in_any_case() -> None:
    register(SHORT)
    for text in (SHORT, SHORT.lower(), "Wrong url /bot999:secretleakcheck/sendmessage"):
        assert "secretleakcheck" not in redact(text).lower()
    assert redact("no token here") == "no token here"


async def test_an_error_echoing_the_path_never_shows_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeTelegram(token=SHORT) as fake:
        async with TelegramSender(SHORT, fake.url) as bot:
            fake.fail_next("@c", "echo", text=f"/bot{SHORT}/sendMessage")
            with pytest.raises(BotError) as caught:
                await bot.send("@c", render(headline()))
    texts = [str(caught.value), repr(caught.value), caplog.text]
    assert "wrong url" in str(caught.value).lower()  # the error is the echoing one
    assert not [t for t in texts if "secretleakcheck" in t.lower()]
