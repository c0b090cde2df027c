"""`syndication send-test`: one short message to a chat, to check the bot can post there."""

from __future__ import annotations

from bots.errors import BotError

from ..config import Config


async def send_test_message(config: Config, chat: str) -> tuple[bool, str]:
    """Post a short test message to `chat`; (ok, what to print)."""
    token = config.token()
    if not token:
        return False, f"send-test: no token: set ${config.telegram.token_env} first"
    from bots.telegram import TelegramSender  # python-telegram-bot: only when a test is sent

    sender = TelegramSender(token, config.telegram.api_url)
    try:
        me = await sender.get_me()
        sent = await sender.send_test(chat)
    except BotError as e:
        return False, f"send-test: {chat}: {type(e).__name__}: {e.reason}"
    finally:
        await sender.close()
    return True, f"send-test: bot @{me.username} posted message {sent.message_id} to {chat}"
