"""The exception tree of `bots/`, one root, classified by what the caller should do.

    BotError                  every failure raised by this package
    ├── TemplateError         a message template is invalid (a config problem)
    ├── RetryAfter            429: wait `seconds` for this chat only, then resend
    ├── ChatMigrated          the group became a supergroup: resend to `new_chat_id`
    ├── ChatBroken            chat not found, bot kicked or not a member: stop this chat
    ├── TokenRejected         401/404 on the token: stop all delivery, fix the token
    ├── Rejected              other 400 (bad HTML, too long): a bug, never retried
    │   └── MessageGone       the message to edit no longer exists
    ├── Transient             network error or 5xx before Telegram acted: retry later
    │   └── Unreachable       the Bot API could not be reached at all: knowably not sent
    └── Unknowable            timeout after the request went out: Telegram may have posted

Every message is scrubbed of the bot token before it is stored (see `_secrets`).
"""

from __future__ import annotations

from bots._secrets import redact


class BotError(Exception):
    """Root of every error raised by `bots/`; `reason` is safe to log and store."""

    def __init__(self, reason: str) -> None:
        self.reason = redact(reason)
        super().__init__(self.reason)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.reason!r})"


class TemplateError(BotError):
    """A message template cannot be used; the reason names the problem."""


class RetryAfter(BotError):
    """Telegram answered 429; this chat must wait `seconds` before the next message."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        self.seconds = seconds
        super().__init__(reason or f"telegram: flood control, retry after {seconds:g}s")


class ChatMigrated(BotError):
    """The group was upgraded; every later message must go to `new_chat_id`."""

    def __init__(self, new_chat_id: int, reason: str = "") -> None:
        self.new_chat_id = new_chat_id
        super().__init__(reason or f"telegram: chat migrated to {new_chat_id}")


class ChatBroken(BotError):
    """The chat cannot receive messages until an admin fixes it (kicked, missing, no rights)."""


class TokenRejected(BotError):
    """Telegram does not know the token; nothing can be sent until it is replaced."""


class Rejected(BotError):
    """Telegram refused the request as malformed; resending the same request cannot help."""


class MessageGone(Rejected):
    """The message to edit was deleted or never existed."""


class Transient(BotError):
    """The request did not take effect (network down, 5xx); resending later is safe."""


class Unreachable(Transient):
    """No connection to the Bot API (refused, DNS failure, connect timeout): nothing was sent."""


class Unknowable(BotError):
    """The request went out but no answer came; Telegram may or may not have posted it."""
