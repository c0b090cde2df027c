"""Headlines -> Telegram messages, sent through python-telegram-bot and paced.

    Headline --render--> Message --TelegramSender.send--> SentMessage (or a BotError kind)
                                  ^ Pacer.acquire(chat) before every send

Knows nothing of storage, config files or schedules: the caller owns the queue.
"""

from typing import TYPE_CHECKING, Any

from bots.errors import (
    BotError,
    ChatBroken,
    ChatMigrated,
    MessageGone,
    Rejected,
    RetryAfter,
    TemplateError,
    TokenRejected,
    Transient,
    Unknowable,
    Unreachable,
)
from bots.message import Headline, HeadlineError, Message, format_time, is_quiet, render
from bots.pacing import Limits, Pacer
from bots.template import Template

if TYPE_CHECKING:
    from bots.telegram import BotIdentity, SentMessage, TelegramSender

# python-telegram-bot (some 100 ms to import) only once something sends: `bots.pacing` or
# `bots.message` alone never loads it
_TELEGRAM = frozenset({"BotIdentity", "SentMessage", "TelegramSender"})


def __getattr__(name: str) -> Any:
    if name in _TELEGRAM:
        from bots import telegram

        return getattr(telegram, name)
    raise AttributeError(f"module 'bots' has no attribute {name!r}")


__all__ = [
    "BotError",
    "BotIdentity",
    "ChatBroken",
    "ChatMigrated",
    "Headline",
    "HeadlineError",
    "Limits",
    "Message",
    "MessageGone",
    "Pacer",
    "Rejected",
    "RetryAfter",
    "SentMessage",
    "TelegramSender",
    "Template",
    "TemplateError",
    "TokenRejected",
    "Transient",
    "Unknowable",
    "Unreachable",
    "format_time",
    "is_quiet",
    "render",
]
