"""Headlines -> Telegram messages, sent through python-telegram-bot and paced.

    Headline --render--> Message --TelegramSender.send--> SentMessage (or a BotError kind)
                                  ^ Pacer.acquire(chat) before every send

Knows nothing of storage, config files or schedules: the caller owns the queue.
"""

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
from bots.telegram import BotIdentity, SentMessage, TelegramSender
from bots.template import Template

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
