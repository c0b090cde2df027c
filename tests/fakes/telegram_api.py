"""A fake Telegram Bot API server on 127.0.0.1 for tests and benchmarks.

    fake = FakeTelegram(per_minute=20, min_interval=1.0).start()
    sender = TelegramSender(fake.token, fake.url)
    ...  fake.messages, fake.edits, fake.fail_next("@chan", "kicked"), fake.reset()
    fake.stop()

It serves getMe, sendMessage, sendPhoto, editMessageText and editMessageCaption at
{url}/bot{token}/{method}, taking JSON, form-encoded or multipart bodies as PTB sends them.
It is strict where Telegram is strict and a little stricter where a bug would hide:
HTML must use only Telegram's tags, properly nested, with <, > and & escaped; lengths count
the entity-parsed text in UTF-16 units (4096 text, 1024 caption); per-chat flood limits
answer 429 with parameters.retry_after. It runs a stdlib ThreadingHTTPServer in a daemon
thread, so it works from sync and async tests alike (a "hang" blocks only its own request).
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import itertools
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.portal import LoopbackServer

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
FAIL_KINDS = (
    "5xx", "kicked", "not_found", "migrate", "hang", "photo_url", "flood", "forbidden", "echo"
)  # fmt: skip
_TAGS = {
    "b": (), "strong": (), "i": (), "em": (), "u": (), "ins": (), "s": (), "strike": (),
    "del": (), "tg-spoiler": (), "span": ("class",), "a": ("href",), "code": ("class",),
    "pre": (), "blockquote": ("expandable",), "tg-emoji": ("emoji-id",),
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*>")
_ATTR = re.compile(r"""\s*([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_ENTITY = re.compile(r"&(lt|gt|amp|quot);|&#([0-9]{1,7});|&#[xX]([0-9a-fA-F]{1,6});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlError(ValueError):
    """The text would make Telegram answer "can't parse entities"."""


def parse_telegram_html(markup: str) -> str:
    """The visible text of Telegram-HTML `markup`, or HtmlError as Telegram would refuse it."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(markup):
        ch = markup[i]
        if ch == "<":
            i = _tag(markup, i, stack)
        elif ch == "&":
            text, i = _entity(markup, i)
            out.append(text)
        elif ch == ">":
            raise HtmlError(f"Unexpected character '>' at byte offset {i}")
        else:
            out.append(ch)
            i += 1
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out).strip()


def _tag(markup: str, i: int, stack: list[str]) -> int:
    match = _TAG.match(markup, i)
    if not match:
        raise HtmlError(f"Unexpected start tag at byte offset {i}")
    closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
    if name not in _TAGS:
        raise HtmlError(f'Unsupported start tag "{name}" at byte offset {i}')
    if closing:
        if attrs.strip() or not stack or stack.pop() != name:
            raise HtmlError(f'Unmatched end tag at byte offset {i}, expected "</{name}>"')
    else:
        _check_attrs(name, _attrs(attrs, i))
        stack.append(name)
    return match.end()


def _attrs(text: str, offset: int) -> dict[str, str]:
    found: dict[str, str] = {}
    pos = 0
    for match in _ATTR.finditer(text):
        if match.start() != pos:
            break
        pos = match.end()
        raw = next((g for g in match.groups()[1:] if g is not None), "")
        found[match.group(1).lower()] = _decode(raw)
    if text[pos:].strip():
        raise HtmlError(f"Bad attribute syntax at byte offset {offset}")
    return found


def _check_attrs(name: str, attrs: dict[str, str]) -> None:
    unknown = set(attrs) - set(_TAGS[name])
    if unknown:
        raise HtmlError(f'Unsupported attribute "{sorted(unknown)[0]}" in tag "{name}"')
    if name == "a" and not re.match(r"(https?|tg|mailto):", attrs.get("href", ""), re.I):
        raise HtmlError(f"Wrong URL in a href: {attrs.get('href', '')!r}")
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlError('Tag "span" must have class "tg-spoiler"')
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise HtmlError('Tag "tg-emoji" must have a numeric "emoji-id"')


def _entity(markup: str, i: int) -> tuple[str, int]:
    match = _ENTITY.match(markup, i)
    if not match:
        raise HtmlError(f"Unsupported HTML entity or bare '&' at byte offset {i}")
    return _decode(match.group(0)), match.end()


def _decode(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        named, dec, hexa = match.groups()
        if named:
            return _NAMED[named]
        code = int(dec) if dec else int(hexa, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise HtmlError(f"Bad numeric entity {match.group(0)}")
        return chr(code)

    if text.count("&") != len(_ENTITY.findall(text)):
        raise HtmlError("Unsupported HTML entity or bare '&' in an attribute")
    return _ENTITY.sub(one, text)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class SentRecord:
    chat: str  # the chat_id exactly as the client sent it ("@name" or "-100...")
    chat_id: int
    message_id: int
    kind: str  # "text" or "photo"
    html: str  # the text or caption as sent (Telegram HTML)
    text: str  # what a reader sees
    photo: str | None
    silent: bool
    preview_disabled: bool
    at: float  # time.time()


@dataclass(frozen=True)
class EditRecord:
    chat_id: int
    message_id: int
    html: str
    text: str
    at: float


@dataclass(frozen=True)
class RequestRecord:
    method: str
    chat: str | None
    status: int
    at: float


@dataclass
class _Stored:
    record: SentRecord
    html: str


@dataclass
class _Failure:
    kind: str
    remaining: int
    params: dict[str, Any] = field(default_factory=dict)


class _Reply(Exception):
    """An error answer: raised inside a handler, turned into the Bot API error body."""

    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


class FakeTelegram:
    """The fake server; every public attribute is safe to read from any thread."""

    def __init__(
        self,
        token: str = "123456789:TEST-fake-token-AAAAAAAAAAAAAAAAAAAAAA",
        *,
        per_minute: int | None = 20,
        min_interval: float | None = 1.0,
        bot_per_second: int | None = 30,
        hang_seconds: float = 3.0,
        window: float = 60.0,
    ) -> None:
        self.token = token
        self.per_minute, self.min_interval = per_minute, min_interval
        self.bot_per_second, self.hang_seconds = bot_per_second, hang_seconds
        self.window = window  # the "minute" of per_minute; shorter only in quick tests
        # a bot may delete a channel post for 48 hours; 0 makes every message "too old"
        self.delete_window = 48 * 3600.0
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeTelegram:
        self._server = LoopbackServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # a short poll interval: stop() waits up to one interval
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeTelegram.start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- state -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget messages, edits, requests, failures and flood history (keeps settings)."""
        with self._lock:
            self._messages: list[SentRecord] = []
            self._edits: list[EditRecord] = []
            self._deleted: list[tuple[int, int]] = []
            self._requests: list[RequestRecord] = []
            self._stored: dict[tuple[int, int], _Stored] = {}
            self._failures: dict[int, deque[_Failure]] = {}
            self._sent_at: dict[int, deque[float]] = {}
            self._bot_sent_at: deque[float] = deque()
            self._usernames: dict[str, int] = {}
            self._next_id: dict[int, itertools.count[int]] = {}
            self.bad_photos: set[str] = set()
            self._no_photos: set[int] = set()

    @property
    def messages(self) -> list[SentRecord]:
        with self._lock:
            return list(self._messages)

    @property
    def edits(self) -> list[EditRecord]:
        with self._lock:
            return list(self._edits)

    @property
    def deleted(self) -> list[tuple[int, int]]:
        """(chat_id, message_id) of every message deleted, in order."""
        with self._lock:
            return list(self._deleted)

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    @property
    def flood_count(self) -> int:
        """How many requests were answered 429."""
        return sum(1 for r in self.requests if r.status == 429)

    def messages_to(self, chat: int | str) -> list[SentRecord]:
        chat_id = self.chat_id(chat)
        return [m for m in self.messages if m.chat_id == chat_id]

    def fail_next(self, chat: int | str, kind: str, n: int = 1, **params: Any) -> None:
        """Make the next `n` requests naming `chat` fail as `kind` (see FAIL_KINDS).

        Params: migrate: new_chat_id; flood: retry_after; 5xx: status; hang: seconds; echo:
        text, repeated in a 400's description.
        """
        if kind not in FAIL_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; known: {FAIL_KINDS}")
        with self._lock:
            queue = self._failures.setdefault(self.chat_id(chat), deque())
            queue.append(_Failure(kind, n, params))

    def reject_photo(self, url: str) -> None:
        """sendPhoto with this URL answers "wrong file identifier/HTTP URL specified"."""
        with self._lock:
            self.bad_photos.add(url)

    def restrict_photos(self, chat: int | str) -> None:
        """The bot may not send photos to `chat` (a group restricting media); text still goes."""
        with self._lock:
            self._no_photos.add(self.chat_id(chat))

    def chat_id(self, chat: int | str) -> int:
        """The numeric id of a chat given as id, "-100..." or "@username" (stable per fake)."""
        text = str(chat).strip()
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        with self._lock:
            name = text.lower()
            return self._usernames.setdefault(name, -1001000000000 - len(self._usernames))

    # --- request handling (called from server threads) -------------------------------------
    def handle(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        method, chat = self._route(path), params.get("chat_id")
        try:
            result = self._dispatch(method, params)
            status, body = 200, {"ok": True, "result": result}
        except _Reply as reply:
            status = reply.status
            body = {"ok": False, "error_code": status, "description": reply.description}
            if reply.parameters:
                body["parameters"] = reply.parameters
        with self._lock:
            self._requests.append(RequestRecord(method, chat, status, time.time()))
        return status, body

    def _route(self, path: str) -> str:
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", urlsplit(path).path)
        if not match:
            return ""
        if match.group(1) != self.token:
            return "!unauthorized"
        return match.group(2)

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        if method == "!unauthorized":
            raise _Reply(401, "Unauthorized")
        if method.lower() == "getme":
            return {"id": 123456789, "is_bot": True, "first_name": "Fake", "username": "fake_bot"}
        handlers = {
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "editmessagetext": self._edit_text,
            "editmessagecaption": self._edit_caption,
            "deletemessage": self._delete,
        }
        handler = handlers.get(method.lower())
        if handler is None:
            raise _Reply(404, "Not Found")
        if "chat_id" not in params:
            raise _Reply(400, "Bad Request: chat_id is empty")
        chat_id = self.chat_id(params["chat_id"])
        failure = self._take_failure(chat_id)
        if failure is not None and failure.kind != "hang":
            _raise_failure(failure)
        result = handler(chat_id, params)
        if failure is not None:  # "hang": the message is recorded, the answer never comes
            time.sleep(float(failure.params.get("seconds", self.hang_seconds)))
        return result

    def _take_failure(self, chat_id: int) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(chat_id)
            if not queue:
                return None
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.popleft()
            return failure

    def _send_message(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        markup = str(params.get("text", ""))
        text = _visible(markup, params, TEXT_LIMIT, "message is too long")
        if not text:
            raise _Reply(400, "Bad Request: message text is empty")
        preview = _preview_disabled(params)
        return self._accept(chat_id, params, "text", markup, text, None, preview)

    def _send_photo(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        photo = str(params.get("photo", ""))
        if chat_id in self._no_photos:
            raise _Reply(400, "Bad Request: not enough rights to send photos to the chat")
        if not re.match(r"https?://", photo) or photo in self.bad_photos:
            raise _Reply(400, "Bad Request: wrong file identifier/HTTP URL specified")
        markup = str(params.get("caption", ""))
        text = _visible(markup, params, CAPTION_LIMIT, "message caption is too long")
        return self._accept(chat_id, params, "photo", markup, text, photo, False)

    def _accept(
        self, chat_id: int, params: dict[str, Any], kind: str, markup: str, text: str,
        photo: str | None, preview_disabled: bool,
    ) -> dict[str, Any]:  # fmt: skip
        with self._lock:
            self._check_flood(chat_id)
            message_id = next(self._next_id.setdefault(chat_id, itertools.count(1)))
            record = SentRecord(
                chat=str(params["chat_id"]), chat_id=chat_id, message_id=message_id, kind=kind,
                html=markup, text=text, photo=photo, silent=_flag(params, "disable_notification"),
                preview_disabled=preview_disabled, at=time.time(),
            )  # fmt: skip
            self._messages.append(record)
            self._stored[(chat_id, message_id)] = _Stored(record, markup)
        return _message_json(record, text)

    def _check_flood(self, chat_id: int) -> None:
        now = time.monotonic()
        sent = self._sent_at.setdefault(chat_id, deque())
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        while self._bot_sent_at and self._bot_sent_at[0] <= now - 1:
            self._bot_sent_at.popleft()
        waits = [0.0]
        if self.per_minute is not None and len(sent) >= self.per_minute:
            waits.append(sent[len(sent) - self.per_minute] + self.window - now)
        if self.min_interval is not None and sent:
            waits.append(sent[-1] + self.min_interval - now)
        if self.bot_per_second is not None and len(self._bot_sent_at) >= self.bot_per_second:
            waits.append(self._bot_sent_at[-self.bot_per_second] + 1 - now)
        if max(waits) > 0:
            retry = max(1, math.ceil(max(waits)))
            raise _Reply(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        sent.append(now)
        self._bot_sent_at.append(now)

    def _delete(self, chat_id: int, params: dict[str, Any]) -> bool:
        message_id = int(params.get("message_id", 0))
        with self._lock:
            stored = self._stored.get((chat_id, message_id))
            if stored is None:
                raise _Reply(400, "Bad Request: message to delete not found")
            if time.time() - stored.record.at >= self.delete_window:
                raise _Reply(400, "Bad Request: message can't be deleted for everyone")
            del self._stored[(chat_id, message_id)]
            self._deleted.append((chat_id, message_id))
        return True

    def _edit_text(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        markup = str(params.get("text", ""))
        text = _visible(markup, params, TEXT_LIMIT, "message is too long")
        return self._edit(chat_id, params, "text", markup, text)

    def _edit_caption(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        markup = str(params.get("caption", ""))
        text = _visible(markup, params, CAPTION_LIMIT, "message caption is too long")
        return self._edit(chat_id, params, "photo", markup, text)

    def _edit(
        self, chat_id: int, params: dict[str, Any], kind: str, markup: str, text: str
    ) -> dict[str, Any]:
        message_id = int(params.get("message_id", 0))
        with self._lock:
            stored = self._stored.get((chat_id, message_id))
            if stored is None:
                raise _Reply(400, "Bad Request: message to edit not found")
            if stored.record.kind != kind:
                what = "text" if kind == "text" else "caption"
                raise _Reply(400, f"Bad Request: there is no {what} in the message to edit")
            if stored.html == markup:
                raise _Reply(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            stored.html = markup
            self._edits.append(EditRecord(chat_id, message_id, markup, text, time.time()))
            body = _message_json(stored.record, text)
        body["edit_date"] = int(time.time())
        return body


def _raise_failure(failure: _Failure) -> None:
    kind, params = failure.kind, failure.params
    if kind == "5xx":
        status = int(params.get("status", 502))
        raise _Reply(status, "Bad Gateway" if status == 502 else "Internal Server Error")
    if kind == "kicked":
        raise _Reply(403, "Forbidden: bot was kicked from the channel chat")
    if kind == "forbidden":
        raise _Reply(403, "Forbidden: bot is not a member of the channel chat")
    if kind == "not_found":
        raise _Reply(400, "Bad Request: chat not found")
    if kind == "migrate":
        new_id = int(params.get("new_chat_id", -1009999999999))
        raise _Reply(400, "Bad Request: group chat was upgraded to a supergroup chat",
                     migrate_to_chat_id=new_id)  # fmt: skip
    if kind == "photo_url":
        raise _Reply(400, "Bad Request: failed to get HTTP URL content")
    if kind == "echo":  # a proxy or API server that repeats the request's path
        raise _Reply(400, f"Bad Request: wrong url {params.get('text', '')}")
    retry = int(params.get("retry_after", 5))
    raise _Reply(429, f"Too Many Requests: retry after {retry}", retry_after=retry)


def _visible(markup: str, params: dict[str, Any], limit: int, too_long: str) -> str:
    mode = str(params.get("parse_mode", "")).lower()
    try:
        text = parse_telegram_html(markup) if mode == "html" else markup.strip()
    except HtmlError as exc:
        raise _Reply(400, f"Bad Request: can't parse entities: {exc}") from exc
    if utf16_units(text) > limit:
        raise _Reply(400, f"Bad Request: {too_long}")
    return text


def _flag(params: dict[str, Any], name: str) -> bool:
    value = params.get(name, False)
    return value is True or str(value).lower() == "true"


def _preview_disabled(params: dict[str, Any]) -> bool:
    options = params.get("link_preview_options")
    if isinstance(options, str):
        options = json.loads(options)
    if isinstance(options, dict):
        return bool(options.get("is_disabled", False))
    return _flag(params, "disable_web_page_preview")


def _message_json(record: SentRecord, text: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": record.message_id,
        "date": int(record.at),
        "chat": {"id": record.chat_id, "type": "channel", "title": f"chat {record.chat}"},
    }
    if record.kind == "photo":
        body["photo"] = [
            {"file_id": f"photo-{record.message_id}", "file_unique_id": f"u{record.message_id}",
             "width": 800, "height": 600}
        ]  # fmt: skip
        body["caption"] = text
    else:
        body["text"] = text
    return body


def read_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """Request parameters from a JSON, form-encoded or multipart body (or the query string)."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.lower()
    if "application/json" in ctype and body:
        params.update(json.loads(body))
    elif "application/x-www-form-urlencoded" in ctype:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif "multipart/form-data" in ctype:
        params.update(_multipart(content_type, body))
    return params


def _multipart(content_type: str, body: bytes) -> Iterator[tuple[str, str]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(head + body)
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            yield name, payload.decode("utf-8", "replace")


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as PTB's pool expects

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._answer(self.rfile.read(length))

        def do_GET(self) -> None:
            self._answer(b"")

        def _answer(self, body: bytes) -> None:
            query = urlsplit(self.path).query
            params = read_params(self.headers.get("Content-Type", ""), body, query)
            status, answer = fake.handle(self.path, params)
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (a "hang" outlived its timeout)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the request line holds the token

    return Handler


def html_escape(text: str) -> str:
    """Convenience for tests that build HTML by hand."""
    return html.escape(text, quote=True)
