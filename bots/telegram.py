"""Send and edit messages through the Bot API (python-telegram-bot), errors classified.

Every failure leaves this module as one `BotError` kind (see `bots.errors`), its text scrubbed
of the token. The PTB/httpx exception is not chained: its request carries the token in the URL.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import telegram
from telegram import error as tg_error
from telegram.request import HTTPXRequest

from bots import _secrets
from bots.errors import (
    BotError,
    ChatBroken,
    ChatMigrated,
    MessageGone,
    Rejected,
    RetryAfter,
    TokenRejected,
    Transient,
    Unknowable,
    Unreachable,
)
from bots.message import Kind, Message

log = logging.getLogger(__name__)

ChatId = int | str
RETRY_AFTER_MAX = 3600.0  # a 429 asking for longer is taken as an hour, then asked again

# Lower-cased fragments of Telegram's 400/403 descriptions, by what they mean.
_BROKEN_CHAT = (
    "chat not found",
    "bot was kicked",
    "not a member",
    "bot is not a member",
    "have no rights",
    "not enough rights",
    "need administrator rights",
    "chat_write_forbidden",
    "group chat was deactivated",
    "peer_id_invalid",
    "bot was blocked",
)
# Every answer that blames the photo, not the caption: the headline still goes out as text.
_BAD_PHOTO = (
    "wrong file identifier/http url specified",
    "failed to get http url content",
    "wrong type of the web page content",
    "image_process_failed",
    "photo_invalid_dimensions",
    "wrong remote file identifier",
    # the Bot API checks the URL itself before fetching it ("... specified: URL host is empty")
    "invalid file http url specified",
    # a fetched file Telegram cannot save as a photo; TDLib's names when passed through as they are
    "photo_save_file_invalid",
    "photo_invalid",
    "photo_ext_invalid",
    "webpage_curl_failed",
    "webpage_media_empty",
)
# A chat (a group that restricts media) where the bot may post text but not photos.
_NO_PHOTO_RIGHTS = (
    "not enough rights to send photos",
    "chat_send_photos_forbidden",
    "chat_send_media_forbidden",
)
_NOT_MODIFIED = "message is not modified"
_GONE = (
    "message to edit not found",
    "message can't be edited",
    "message_id_invalid",
    "message to delete not found",
    "message can't be deleted",
)
# httpx failures that prove the request never reached Telegram.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
# ... and of those, the ones that say the Bot API itself could not be reached.
_UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout)


@dataclass(frozen=True)
class SentMessage:
    """Where a message landed; `kind` is what was really sent ("text" after a photo fallback)."""

    message_id: int
    chat_id: int
    kind: Kind


@dataclass(frozen=True)
class BotIdentity:
    id: int
    username: str


class TelegramSender:
    """One bot, one small connection pool. Use `async with` or call `close()` at the end."""

    def __init__(
        self,
        token: str,
        api_url: str = "https://api.telegram.org",
        *,
        pool_size: int = 8,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        write_timeout: float = 15.0,
        pool_timeout: float = 10.0,
    ) -> None:
        if not token:
            raise TokenRejected("telegram: no bot token given")
        _secrets.register(token)
        _secrets.install_log_redaction()  # before Bot(): its constructor logs the URL
        api = api_url.rstrip("/")
        self._request = _Request(
            connection_pool_size=pool_size,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            pool_timeout=pool_timeout,
        )
        self._bot = telegram.Bot(
            token,
            base_url=f"{api}/bot",
            base_file_url=f"{api}/file/bot",
            request=self._request,
            get_updates_request=self._request,  # never polled: no second client
        )
        self._started = False

    def __repr__(self) -> str:
        return "TelegramSender(<token>)"

    async def __aenter__(self) -> TelegramSender:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        # the request is shut down even if never started: it owns an open httpx client
        self._started = False
        await self._request.shutdown()

    async def get_me(self) -> BotIdentity:
        user = await self._call("getMe", None, idempotent=True, method=self._bot.get_me)
        return BotIdentity(user.id, user.username or "")

    async def send(self, chat_id: ChatId, message: Message, silent: bool = False) -> SentMessage:
        """Post `message`; a photo whose URL Telegram cannot fetch is posted as text instead."""
        chat = normalize_chat(chat_id)
        if message.kind == "photo" and message.photo_url:
            try:
                sent = await self._call(
                    "sendPhoto",
                    chat,
                    idempotent=False,
                    method=self._bot.send_photo,
                    chat_id=chat,
                    photo=message.photo_url,
                    caption=message.html,
                    parse_mode="HTML",
                    disable_notification=silent,
                )
                return _sent(sent, "sendPhoto", chat, "photo")
            except _PhotoUnusable as exc:
                log.info("telegram: photo refused for %s (%s); sending text", chat, exc.reason)
        sent = await self._call(
            "sendMessage",
            chat,
            idempotent=False,
            method=self._bot.send_message,
            chat_id=chat,
            text=message.html,
            parse_mode="HTML",
            disable_notification=silent,
            link_preview_options=telegram.LinkPreviewOptions(
                is_disabled=message.disable_web_page_preview and message.kind == "text"
            ),
        )
        return _sent(sent, "sendMessage", chat, "text")

    async def edit(self, chat_id: ChatId, message_id: int, message: Message) -> None:
        """Replace a sent message's text (kind "text") or caption (kind "photo").

        Telegram's "message is not modified" means it already reads this way: success.
        """
        chat = normalize_chat(chat_id)
        try:
            if message.kind == "photo":
                await self._call(
                    "editMessageCaption",
                    chat,
                    idempotent=True,
                    method=self._bot.edit_message_caption,
                    chat_id=chat,
                    message_id=message_id,
                    caption=message.html,
                    parse_mode="HTML",
                )
            else:
                await self._call(
                    "editMessageText",
                    chat,
                    idempotent=True,
                    method=self._bot.edit_message_text,
                    chat_id=chat,
                    message_id=message_id,
                    text=message.html,
                    parse_mode="HTML",
                    link_preview_options=telegram.LinkPreviewOptions(
                        is_disabled=message.disable_web_page_preview
                    ),
                )
        except _NotModified:
            return

    async def delete(self, chat_id: ChatId, message_id: int) -> bool:
        """Delete a sent message: True when it is gone, False when Telegram refuses (a message
        older than 48 hours in a channel, or one that no longer exists): the caller edits it
        instead. Any other failure raises, classified."""
        chat = normalize_chat(chat_id)
        try:
            await self._call(
                "deleteMessage",
                chat,
                idempotent=True,
                method=self._bot.delete_message,
                chat_id=chat,
                message_id=message_id,
            )
        except MessageGone:
            return False
        return True

    async def send_test(self, chat: ChatId) -> SentMessage:
        """A short plain message, so an admin can check the bot can post to `chat`."""
        me = await self.get_me()
        text = f"✅ Tes dari @{me.username}: bot ini dapat mengirim ke chat ini."
        return await self.send(chat, Message("text", text, disable_web_page_preview=True))

    async def _call(
        self, endpoint: str, chat: ChatId | None, *, idempotent: bool, method: Any, **kwargs: Any
    ) -> Any:
        if not self._started:
            await self._start()
        try:
            return await method(**kwargs)
        except tg_error.TelegramError as exc:
            error = classify(exc, endpoint, chat, idempotent=idempotent)
        except Exception as exc:  # an answer PTB could not read ({"ok": true}, [])
            error = _unreadable(endpoint, chat, f"{type(exc).__name__}", idempotent=idempotent)
        raise error from None  # the PTB error's cause holds the URL, token included

    async def _start(self) -> None:
        # Bot.initialize() would also call getMe; only the HTTP client needs starting.
        await self._request.initialize()
        self._started = True


class _FloodControl(tg_error.TelegramError):
    """A 429 caught before PTB builds its RetryAfter (whose constructor warns in PTB 22)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"Flood control exceeded. Retry in {seconds:g} seconds")
        self.seconds = seconds


class _Request(HTTPXRequest):
    """HTTPXRequest that reads 429 answers itself (see _FloodControl)."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code == 429:
            raise _FloodControl(_retry_after(payload))
        return code, payload


def _retry_after(payload: bytes) -> float:
    """parameters.retry_after of a 429 body; 5 s if Telegram did not say (it always should)."""
    try:
        value = float(json.loads(payload)["parameters"]["retry_after"])
    except (ValueError, KeyError, TypeError):
        return 5.0
    if value != value:  # NaN
        return 5.0
    return min(max(0.0, value), RETRY_AFTER_MAX)


class _PhotoUnusable(Rejected):
    """Telegram could not use the photo URL (internal: triggers the text fallback)."""


class _NotModified(Rejected):
    """An edit that changes nothing (internal: treated as success)."""


def _unreadable(endpoint: str, chat: ChatId | None, why: str, *, idempotent: bool) -> BotError:
    """Telegram answered "ok" with a result of the wrong shape: a send may have been posted."""
    where = f"telegram: {endpoint}" + (f" to {chat}" if chat is not None else "")
    text = f"{where}: an answer that could not be read ({why})"
    if idempotent:
        return Transient(text)
    return Unknowable(f"{text}; it may have been posted")


def _sent(sent: Any, endpoint: str, chat: ChatId, kind: Kind) -> SentMessage:
    message_id = getattr(sent, "message_id", None)
    chat_id = getattr(getattr(sent, "chat", None), "id", None)
    if type(message_id) is not int or type(chat_id) is not int:
        raise _unreadable(endpoint, chat, "no message id", idempotent=False)
    return SentMessage(message_id, chat_id, kind)


def normalize_chat(chat_id: ChatId) -> ChatId:
    """Numeric ids given as strings ("-100123") become ints; @usernames stay strings."""
    if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
        return int(chat_id)
    return chat_id


def classify(
    exc: tg_error.TelegramError, endpoint: str, chat: ChatId | None, *, idempotent: bool
) -> BotError:
    """Map a PTB error to a `BotError` kind; the text is scrubbed by BotError itself."""
    where = f"telegram: {endpoint}" + (f" to {chat}" if chat is not None else "")
    text = str(exc)
    low = text.lower()
    if isinstance(exc, _FloodControl):
        secs = exc.seconds
        return RetryAfter(secs, f"{where}: flood control, retry after {secs:g}s")
    if isinstance(exc, tg_error.ChatMigrated):
        return ChatMigrated(exc.new_chat_id, f"{where}: chat migrated to {exc.new_chat_id}")
    if isinstance(exc, tg_error.InvalidToken):
        return TokenRejected(f"{where}: the bot token was rejected; set a valid token")
    if isinstance(exc, tg_error.BadRequest) and any(f in low for f in _NO_PHOTO_RIGHTS):
        return _PhotoUnusable(f"{where}: {text}")  # text is still allowed: send that instead
    if isinstance(exc, tg_error.Forbidden) or any(f in low for f in _BROKEN_CHAT):
        return ChatBroken(f"{where}: {text}")
    if isinstance(exc, tg_error.BadRequest):
        return _bad_request(where, text, low)
    if isinstance(exc, tg_error.TimedOut | tg_error.NetworkError):
        return _network(where, exc, idempotent=idempotent)
    return Transient(f"{where}: {type(exc).__name__}: {text}")


def _bad_request(where: str, text: str, low: str) -> BotError:
    if _NOT_MODIFIED in low:
        return _NotModified(f"{where}: {text}")
    if any(f in low for f in _BAD_PHOTO):
        return _PhotoUnusable(f"{where}: {text}")
    if any(f in low for f in _GONE):
        return MessageGone(f"{where}: {text}")
    return Rejected(f"{where}: {text}")


def _network(where: str, exc: tg_error.TelegramError, *, idempotent: bool) -> BotError:
    cause = exc.__cause__
    detail = f"{type(cause).__name__ if cause else type(exc).__name__}: {exc}"
    if isinstance(cause, _UNREACHABLE):
        return Unreachable(f"{where}: cannot reach the Bot API ({detail}); nothing was sent")
    if cause is None or isinstance(cause, (*_NOT_SENT, tg_error.TelegramError)) or idempotent:
        # no cause: PTB turned an HTTP 5xx answer into NetworkError; Telegram did not act.
        # A TelegramError cause: the same answer with a body PTB could not read (a proxy's
        # "502 Bad Gateway" page, or none): an error status came back, nothing was posted
        return Transient(f"{where}: {detail}")
    return Unknowable(f"{where}: no answer after sending ({detail}); it may have been posted")
