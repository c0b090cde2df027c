"""Load and validate config.toml into a frozen `Config`.

Validation is pydantic's; this module turns its errors into the contract's lines,
`config.toml: <key path>: <what is wrong> (line N)`, every problem at once.
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import os
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from feeds.text import dropped_character

from .errors import ConfigError
from .filters import Filters, fold
from .suggest import annotate
from .types import CategoryInfo, NormalizeContext, RegencyInfo
from .urls import userinfo, without_userinfo

DEFAULT_PATH = "config.toml"
SLUG = r"^[a-z0-9][a-z0-9-]*$"
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 10**6, "mib": 2**20, "gb": 10**9}
_SIZE_UNITS["gib"] = 2**30
_UNION_TAGS = frozenset({"str", "int", "bool", "float"})
EXCERPT = 80  # an error quotes at most this many characters of a value
DURATION_MAX = timedelta(days=3650)
# caps on one-line texts that end up in feeds, pages and messages
NAME_MAX = 120  # category, regency and source names
ALIAS_MAX = 200


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """repr() of a value, cut to `limit` characters with its length when longer; the password
    of a URL in it masked (a table or list quoted whole may hold a private feed's URL)."""
    text = repr(_masked(value))
    if len(text) <= limit:
        return text
    size = len(value) if isinstance(value, str | bytes | list | tuple | dict) else len(text)
    return f"{text[:limit]}… ({size} characters)"


def parse_duration(value: object) -> timedelta:
    """'90s', '5m', '1h30m', '24h', '7d' -> timedelta. Bare numbers are refused on purpose."""
    if not isinstance(value, str):
        raise ValueError(
            f'expected a duration string such as "90s", "5m" or "24h", got {excerpt(value)}'
        )
    if re.search(r"M(?![sS])", value):  # "6M": six months to systemd, six minutes here
        raise ValueError(
            f'{excerpt(value)}: "M" is ambiguous; write "m" for minutes, or days ("30d") for '
            "a month"
        )
    text = value.strip().lower()
    parts = _DURATION_PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(
            f'{excerpt(value)} is not a duration; write e.g. "90s", "5m", "1h30m" or "24h"'
        )
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds > DURATION_MAX.total_seconds():  # a date this far off overflows (no "no limit")
        raise ValueError(f"{excerpt(value)} is too long: at most 3650d (ten years)")
    return timedelta(seconds=seconds)


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than 0s (0 would make it fail every time)")
    return value


def parse_size(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f'{excerpt(value)} is not a size; write e.g. "5MB" or "512KiB"')
    return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])


def _check_http_url(value: str) -> str:
    # written into every feed's links: a character a feed cannot carry would stop each publish
    if (why := _unshowable(value)) is not None:
        raise ValueError(f"{excerpt(value)} {why}; write the URL without it")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
        raise ValueError(f"{excerpt(value)} is not an http(s) URL")
    try:
        parts.port  # noqa: B018 (urlsplit reads the port only when asked)
    except ValueError:  # httpx would refuse it at every request: "Invalid port"
        # urlsplit's words quote the port, which is a piece of the password in "u:p/w@host"
        raise ValueError(f"{excerpt(value)} has no valid port") from None
    return value


def _http_url(value: object) -> str:
    if not isinstance(value, str):  # a list or a table: no URL, quoted as it is (masked)
        raise ValueError(f"expected a URL string, got {excerpt(value)}")
    return _check_http_url(value)


# a bot token's shape, looser than the redaction's (bots._secrets): digits, a colon, a run
# of letters; no config value but a token reads so, and an echo of it must not show it
_TOKEN_LIKE = re.compile(r"(?<!\d)\d{5,}(?::|%3[Aa])[A-Za-z0-9_-]{12,}")


def _masked(value: object) -> object:
    """`value` with the user information of each URL in it masked, and anything shaped as a
    bot token, within lists and tables too."""
    if isinstance(value, str):
        if ":" in value or "%3" in value:  # a bot token pasted where a chat or a URL goes
            value = _TOKEN_LIKE.sub("<a bot token?>", value)
        secret = userinfo(value) if "//" in value else None
        if secret is None:
            return value
        user, colon, _ = secret.partition(":")
        return value.replace(secret, f"{user}:***" if colon else "***", 1)
    if isinstance(value, list | tuple):
        return type(value)(_masked(v) for v in value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


# letters and symbols that print as nothing (Hangul fillers, the blank Braille pattern)
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _unshowable(value: str) -> str | None:
    """Why a feed could not carry `value`, or None."""
    bad = dropped_character(value)  # what feeds would drop, or refuse (a title of only that)
    if bad is None:
        return None
    code = ord(bad)
    kind = "control character" if code < 0xA0 else "character"
    return f"contains the {kind} U+{code:04X}, which feeds cannot carry"


def _shown_text(value: str) -> str:
    """A name or title that feeds, pages and messages show: something visible, and nothing
    that a feed cannot carry (a feed without a title is refused by every reader)."""
    why = _unshowable(value)
    if why is not None:
        raise ValueError(f"{why}; write plain text")
    if all(
        ch.isspace() or ch in _BLANK_LETTERS or unicodedata.category(ch) == "Cf" for ch in value
    ):
        raise ValueError("is blank; write the text to show")
    return value


_CHAT = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,}|-?\d+")


_CHAT_DIGITS = 20  # a Telegram chat id has at most 14 digits (-100 and 10 more)


def _check_chat(value: str | int) -> str | int:
    """A Telegram chat as the config names one: a @channel_username (a letter, then at least
    three letters, digits or '_'), or a numeric chat id, as a string or an integer."""
    if isinstance(value, str) and not _CHAT.fullmatch(value):
        raise ValueError(f"{excerpt(value)}: use a @channel_username or a numeric chat id")
    digits = str(value).lstrip("-") if isinstance(value, str) else ""
    if len(digits) > _CHAT_DIGITS and digits.isdigit():
        raise ValueError(f"{excerpt(value)}: too long for a chat id")
    if value == 0 or (digits.isdigit() and int(digits) == 0):  # a placeholder left in
        raise ValueError("0 is no chat id: use the channel's @username or its numeric id")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
PositiveDuration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(_positive)]
Size = Annotated[int, BeforeValidator(parse_size)]
HttpUrl = Annotated[str, BeforeValidator(lambda v: _http_url(v) if v else v)]  # "" = none
RequiredHttpUrl = Annotated[str, BeforeValidator(_http_url)]  # "" would fail every use
Slug = Annotated[str, Field(pattern=SLUG, max_length=64)]
ShownText = Annotated[str, AfterValidator(_shown_text)]
# a regency's telegram_chat and [telegram] admin_chat: one rule, one message
Chat = Annotated[str | StrictInt, AfterValidator(_check_chat)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# the database URL schemes the project runs on (postgres:// and postgresql:// use psycopg)
STORAGE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgres", "postgresql", "postgresql+psycopg")
_STORAGE_HINT = "use sqlite:///path or postgresql://user@host:5432/db"


# SQLAlchemy's URL grammar (sqlalchemy.engine.url._parse_url), read here without importing
# SQLAlchemy (some 150 ms), which `check` never needs; tests/test_lean_start.py holds the two
# to the same answers.
_DB_URL = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
    """,
    re.X,
)


def db_url_parts(url: str) -> tuple[str, int | None]:
    """The driver name and port SQLAlchemy's make_url reads from `url`; a ValueError where
    it raises (not a URL, or a port that is no integer)."""
    found = _DB_URL.match(url)
    if found is None:
        raise ValueError("not a database URL")
    port = found["port"]
    return found["name"], None if port is None else int(port)


def check_storage_url(url: str) -> str:
    """`url` when it is a database URL the project can open: a known scheme, a valid port.
    The ValueError names what is wrong and never holds the password."""
    if "\0" in url:  # SQLite's path, or the driver, fails on it at every start
        raise ValueError("contains a NUL character (\\u0000); write the database URL")
    try:
        drivername, port = db_url_parts(url)
    except ValueError:
        raise ValueError(f"{excerpt(url)} is not a database URL: {_STORAGE_HINT}") from None
    if drivername not in STORAGE_SCHEMES:
        known = ", ".join(f"{s}://" for s in STORAGE_SCHEMES)
        raise ValueError(f"{excerpt(url)}: unknown scheme {drivername!r} (one of {known})")
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"{excerpt(url)}: port {port} is out of range (1-65535)")
    return url


class StorageConfig(_Model):
    url: str = "sqlite:///var/syndication.sqlite3"

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        return check_storage_url(v)


def _check_folder(value: str) -> str:
    if "\0" in value:  # every write under it would fail: "embedded null byte"
        raise ValueError("contains a NUL character (\\u0000); write the folder's path")
    return value


class FeedsConfig(_Model):
    output_dir: Annotated[str, AfterValidator(_check_folder)] = "public"
    base_url: RequiredHttpUrl = "http://127.0.0.1:8080/"
    language: str = Field(default="id", pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
    title: ShownText = "Kabar Kaltim"
    description: ShownText = "Berita pemerintah dan advertorial kabupaten/kota se-Kalimantan Timur"
    site_url: HttpUrl = ""
    items_per_feed: StrictInt = Field(default=50, ge=1, le=1000)
    content: Literal["full", "summary"] = "full"
    websub_hub: HttpUrl = ""
    publish_delay: Duration = timedelta(seconds=2)
    retention: PositiveDuration = timedelta(days=90)

    @field_validator("base_url")
    @classmethod
    def _slash(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.query or parts.fragment or "@" in parts.netloc:
            # every published link is this URL and a path: a query, fragment or user would
            # land in the middle of each one (https://a.test/#f/all.atom)
            raise ValueError(f"{excerpt(v)}: write it without ?query, #fragment or user@")
        return v if v.endswith("/") else v + "/"


_HOST_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?")


def _check_host(value: str) -> str:
    """An IP address or a host name to listen on; no scheme, port, brackets or spaces (the
    server's bind fails on them: "cannot listen on http://127.0.0.1:8080")."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOST_NAME.fullmatch(value):
            raise ValueError(
                f"{excerpt(value)} is not an IP address or host name to listen on: write e.g. "
                '"127.0.0.1", "0.0.0.0" or "::" (no http://, the port goes in `port`)'
            ) from None
    return value


class ServerConfig(_Model):
    enabled: StrictBool = True
    host: Annotated[str, AfterValidator(_check_host)] = "127.0.0.1"
    port: StrictInt = Field(default=8080, ge=0, le=65535)


class TelegramConfig(_Model):
    token_env: str = Field(default="TELEGRAM_BOT_TOKEN", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    api_url: RequiredHttpUrl = "https://api.telegram.org"
    notify_categories: tuple[Slug, ...] = ("pemerintah", "advertorial")
    max_age: PositiveDuration = timedelta(hours=24)
    admin_chat: Chat | None = None
    timezone: str = "Asia/Makassar"
    quiet_hours: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")
    template: str | None = None
    on_timeout: Literal["resend", "assume-sent"] = "resend"
    per_chat_per_minute: StrictInt = Field(default=20, ge=1, le=20)
    per_chat_per_second: float = Field(default=1.0, strict=True, gt=0, le=1.0)
    global_per_second: StrictInt = Field(default=25, ge=1, le=30)
    # Telegram's rate window for per_chat_per_minute; shorten it only in tests
    pace_window: Duration = timedelta(seconds=60)
    # attempts at one message before it is marked failed (the admin is told)
    max_attempts: StrictInt = Field(default=12, ge=1, le=100)
    # new messages one poll of one source may queue per chat; the rest of a burst is feed-only
    max_per_poll: StrictInt = Field(default=100, ge=1)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_window(cls, v: str | None) -> str | None:
        if v is not None:
            quiet_window(v)
        return v

    @field_validator("template")
    @classmethod
    def _renders(cls, v: str | None) -> str | None:
        if v is not None:
            check_template(v)
        return v

    @field_validator("pace_window")
    @classmethod
    def _window(cls, v: timedelta) -> timedelta:
        if not timedelta(0) < v <= timedelta(seconds=60):
            raise ValueError("must be more than 0s and at most 60s (Telegram's window is 60s)")
        return v

    @property
    def quiet(self) -> tuple[time, time] | None:
        """The parsed quiet_hours window (start, end), or None."""
        return None if self.quiet_hours is None else quiet_window(self.quiet_hours)


def quiet_window(text: str) -> tuple[time, time]:
    """'22:00-06:00' -> (22:00, 06:00); a ValueError names the part that is not a time."""
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f'{text!r}: write the window as HH:MM-HH:MM, e.g. "22:00-06:00"')
    out = []
    for part in parts:
        try:
            out.append(time.fromisoformat(part))
        except ValueError:
            raise ValueError(
                f"{text!r}: {part} is not a time of day (HH:MM from 00:00 to 23:59)"
            ) from None
    return out[0], out[1]


def check_template(text: str) -> None:
    """Parse the template and render it once against a sample headline; ValueError if not."""
    from bots.errors import BotError
    from bots.message import Headline, render

    sample = Headline(
        key="sample",
        title="Pemkab Kutai Kartanegara Gelar Rapat Koordinasi",
        url="https://example.org/berita/1",
        source_name="Contoh",
        published=datetime(2024, 11, 18, 12, 0, tzinfo=UTC),
        labels=("Pemerintah",),
        regency_name="Kutai Kartanegara",
        summary="Ringkasan berita.",
        image_url="https://example.org/foto.jpg",
    )
    try:
        render(sample, text, "UTC")
        render(sample, text, "UTC", kind="text")
    except BotError as e:
        raise ValueError(e.reason) from None


class FetchConfig(_Model):
    user_agent: str = "syndication/0.1 (+https://github.com/kaltim/syndication; news aggregator)"
    connect_timeout: PositiveDuration = timedelta(seconds=10)
    read_timeout: PositiveDuration = timedelta(seconds=20)
    total_timeout: PositiveDuration = timedelta(seconds=60)
    max_body: Annotated[int, BeforeValidator(parse_size), Field(gt=0)] = 8 * 2**20
    per_host: StrictInt = Field(default=2, ge=1, le=16)
    concurrency: StrictInt = Field(default=10, ge=1, le=100)
    max_backoff: PositiveDuration = timedelta(hours=6)

    @field_validator("user_agent")
    @classmethod
    def _sendable(cls, v: str) -> str:
        # httpx sends header values as ASCII: anything else failed every request of every
        # source ("a header cannot be sent ('ascii' codec can't encode ...)")
        bad = next((ch for ch in v if not " " <= ch <= "~"), None)
        if bad is not None:
            code = ord(bad)
            kind = "control character" if code < 0x20 or code == 0x7F else "character"
            raise ValueError(
                f"contains the {kind} U+{code:04X}, which an HTTP header cannot carry; "
                "write it in plain ASCII"
            )
        return v


Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX), AfterValidator(_shown_text)]
Alias = Annotated[str, Field(min_length=1, max_length=ALIAS_MAX)]


class CategoryConfig(_Model):
    slug: Slug
    name: Name
    aliases: tuple[Alias, ...] = ()


class RegencyConfig(_Model):
    slug: Slug
    name: Name
    aliases: tuple[Alias, ...] = ()
    kecamatan: tuple[Alias, ...] = ()
    province: StrictBool | None = None
    telegram_chat: Chat | None = None
    notify_categories: tuple[Slug, ...] | None = None

    @property
    def is_province(self) -> bool:
        return self.province if self.province is not None else self.slug == "kaltim"

    @property
    def chat(self) -> str | None:
        """The chat as the store keys it: a @username in lower case (Telegram's are
        case-blind: @Kabar_Kaltim and @kabar_kaltim are one channel, paced as one)."""
        if self.telegram_chat is None:
            return None
        chat = str(self.telegram_chat)
        return chat.lower() if chat.startswith("@") else chat


class SelectorsConfig(_Model):
    link: str | None = None
    title: str | None = None
    date: str | None = None
    content: str | None = None
    categories: str | None = None
    image: str | None = None
    author: str | None = None

    @field_validator("*")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        if v is not None:
            _check_selector(v)
        return v


class FilterConfig(_Model):
    """[[filters]]: hold Telegram messages back from some channels (feeds keep every item)."""

    regencies: tuple[Slug, ...] | None = None  # absent = every channel
    exclude: tuple[str, ...] = ()
    require: tuple[str, ...] = ()

    @field_validator("exclude", "require")
    @classmethod
    def _phrases(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for phrase in v:
            words = fold(phrase).split()
            if not words:
                raise ValueError(f"{excerpt(phrase)} has no words to match")
            if all(len(w) == 1 for w in words) and len(phrase.strip()) > len(" ".join(words)):
                # "c++" reads as the letter "c": every text with a lone "c" in it would match
                raise ValueError(
                    f"{excerpt(phrase)} matches as {' '.join(words)!r} (punctuation reads as "
                    "spaces): write a word"
                )
        return v

    @model_validator(mode="after")
    def _sensible(self) -> FilterConfig:
        if not self.exclude and not self.require:
            raise ValueError("a filter needs `exclude` or `require` words")
        both = sorted({fold(p) for p in self.exclude} & {fold(p) for p in self.require})
        if len(both) == 1:
            raise ValueError(f"{both[0].strip()!r} is both excluded and required")
        if both:
            named = ", ".join(repr(p.strip()) for p in both)
            raise ValueError(f"{named} are each both excluded and required")
        return self


class SourceConfig(_Model):
    id: Slug
    url: RequiredHttpUrl
    kind: Literal["feed", "html"] = "feed"
    interval: Duration = timedelta(minutes=5)
    # a quiet source (newest item old) is polled less often, up to this; unset = never
    max_interval: Duration | None = None
    name: Name | None = None
    enabled: StrictBool = True
    enrich: StrictBool = False
    timezone: str | None = None
    max_articles: StrictInt = Field(default=20, ge=1, le=200)
    selectors: SelectorsConfig | None = None

    @field_validator("interval")
    @classmethod
    def _not_too_often(cls, v: timedelta) -> timedelta:
        if v < timedelta(seconds=1):
            raise ValueError("must be at least 1s")
        return v

    @model_validator(mode="after")
    def _bounds(self) -> SourceConfig:
        if self.max_interval is not None and self.max_interval < self.interval:
            raise ValueError("max_interval must not be shorter than interval")
        return self

    @property
    def display_name(self) -> str:
        # the host as written, never the user and password before it (a private feed)
        return self.name or urlsplit(without_userinfo(self.url)).netloc.removeprefix("www.")


BUILT_IN_CATEGORIES = (
    CategoryConfig(slug="pemerintah", name="Pemerintah"),
    CategoryConfig(slug="advertorial", name="Advertorial"),
)


class Config(_Model):
    storage: StorageConfig = StorageConfig()
    feeds: FeedsConfig = FeedsConfig()
    server: ServerConfig = ServerConfig()
    telegram: TelegramConfig = TelegramConfig()
    fetch: FetchConfig = FetchConfig()
    categories: tuple[CategoryConfig, ...] = ()
    regencies: tuple[RegencyConfig, ...] = ()
    sources: tuple[SourceConfig, ...] = ()
    filters: tuple[FilterConfig, ...] = ()
    # where the file lives: relative paths in it are relative to this folder
    base_dir: Path = Field(default=Path("."), exclude=True)
    # the SHA-256 of the bytes `load` read: a daemon reloads any other file, even one saved
    # between this read and its start
    _file_digest: str | None = PrivateAttr(default=None)

    @property
    def file_digest(self) -> str | None:
        return self._file_digest

    @field_validator("categories", mode="after")
    @classmethod
    def _built_in_categories(cls, v: tuple[CategoryConfig, ...]) -> tuple[CategoryConfig, ...]:
        """`pemerintah` and `advertorial` are read from credits and labels on every story
        (the contract's own config notifies `advertorial` without declaring it): a config
        that declares categories has them too, after its own, when it does not name them."""
        if not v:
            return v  # no categories at all: a bare config keeps what the stories say
        declared = {c.slug for c in v}
        extra = [c for c in BUILT_IN_CATEGORIES if c.slug not in declared]
        return (*v, *extra)

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        problems = [
            *_duplicates("sources", "id", [s.id for s in self.sources]),
            *_duplicates("sources", "url", [s.url for s in self.sources]),
            *_duplicates("categories", "slug", [c.slug for c in self.categories]),
            *_duplicates("regencies", "slug", [r.slug for r in self.regencies]),
        ]
        known = {c.slug for c in self.categories}
        for i, slug in enumerate(self.telegram.notify_categories):
            if known and slug not in known:
                problems.append(
                    f"telegram.notify_categories[{i}]: unknown category {excerpt(slug)}"
                )
        if not known:
            problems += _category_misses(self.telegram.notify_categories)
            for r_i, reg in enumerate(self.regencies):
                key = f"regencies[{r_i}].notify_categories"
                problems += _category_misses(reg.notify_categories or (), key)
        problems += _output_dir_problems(self.feeds.output_dir, self.base_dir)
        problems += _retention_problems(self.feeds.retention, self.telegram.max_age)
        problems += _gazetteer_misses([r.slug for r in self.regencies])
        for r_i, reg in enumerate(self.regencies):
            for i, slug in enumerate(reg.notify_categories or ()):
                if known and slug not in known:
                    path = f"regencies[{r_i}].notify_categories[{i}]"
                    problems.append(f"{path}: unknown category {excerpt(slug)}")
        regencies = {r.slug for r in self.regencies}
        for f_i, rule in enumerate(self.filters):
            for i, slug in enumerate(rule.regencies or ()):
                if slug not in regencies:
                    path = f"filters[{f_i}].regencies[{i}]"
                    problems.append(f"{path}: unknown regency {excerpt(slug)}")
        for key, tz in [("telegram.timezone", self.telegram.timezone)] + [
            (f"sources[{i}].timezone", s.timezone) for i, s in enumerate(self.sources)
        ]:
            if tz and not _valid_zone(tz):
                problems.append(f"{key}: unknown time zone {excerpt(tz)} (e.g. Asia/Makassar)")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # --- derived views -------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return database_url(self.storage.url, self.base_dir)

    @property
    def output_dir(self) -> Path:
        return (self.base_dir / self.feeds.output_dir).resolve()

    def source(self, source_id: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def source_rows(self) -> list[tuple[str, str, str, str]]:
        """(id, url, kind, schedule) of each source, as the store keeps them (sync_sources):
        a change of any of them while the service was stopped is seen when it starts."""
        return [
            (
                s.id,
                str(s.url),
                s.kind,
                f"{s.interval.total_seconds():g}/"
                + (f"{s.max_interval.total_seconds():g}" if s.max_interval else "-"),
            )
            for s in self.sources
        ]

    def normalize_context(self, source: SourceConfig | None = None) -> NormalizeContext:
        tz = (source.timezone if source else None) or self.telegram.timezone
        return NormalizeContext(
            regencies=tuple(_regency_info(r) for r in self.regencies),
            categories=tuple(
                # aliases given are the whole list; none given: the shipped words
                CategoryInfo(
                    slug=c.slug,
                    name=c.name,
                    aliases=c.aliases,
                    words=() if c.aliases else shipped_words(c.slug),
                )
                for c in self.categories
            ),
            default_timezone=tz,
        )

    def notify_categories_for(self, regency: RegencyConfig) -> tuple[str, ...]:
        if regency.notify_categories is not None:
            return regency.notify_categories
        return self.telegram.notify_categories

    @cached_property
    def editorial(self) -> Filters:
        """The [[filters]], compiled once per loaded config."""
        return Filters(self.filters, {r.slug: r.chat for r in self.regencies if r.chat})

    def token(self) -> str | None:
        # blanks around it (an env file's CR, a trailing space) are no part of a token, and
        # a variable of only blanks is no token: dry run, as when it is unset
        return os.environ.get(self.telegram.token_env, "").strip() or None


def _duplicates(table: str, key: str, values: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    problems = []
    for i, value in enumerate(values):
        if value in seen:
            shown = excerpt(value)
            problems.append(
                f"{table}[{i}].{key}: {shown} is already used by {table}[{seen[value]}]"
            )
        seen.setdefault(value, i)
    return problems


def _raw_cross_checks(data: dict[str, Any], base_dir: Path) -> list[str]:
    """The cross-checks the model runs only when every field is valid, read from the raw
    tables: duplicates, unknown categories and regencies, time zones, near misses."""
    out = []
    for table, key in (
        ("sources", "id"),
        ("sources", "url"),
        ("categories", "slug"),
        ("regencies", "slug"),
    ):
        rows = data.get(table)
        if isinstance(rows, list):
            # a row without the key gets a value of its own, so indices stay the rows'
            values = [
                str(r[key]) if isinstance(r, dict) and key in r else f"\0{i}"
                for i, r in enumerate(rows)
            ]
            out += _duplicates(table, key, values)
    return [
        *out,
        *_raw_unknown_categories(data),
        *_raw_unknown_regencies(data),
        *_raw_zones(data),
        *_raw_misses(data),
        *_raw_output_retention(data, base_dir),
    ]


RAW_LINES = 200  # cross-check lines of a file invalid elsewhere, at most (a hostile file)


def _category_misses(slugs: Sequence[object], key: str = "telegram.notify_categories") -> list[str]:
    """With no [[categories]] any category a story has may be pushed, but a slug a letter or
    two off a built-in one is a typo that would push nothing."""
    built_in = [c.slug for c in BUILT_IN_CATEGORIES]
    return [
        f"{key}[{i}]: unknown category {excerpt(slug)} (did you mean {near!r}?)"
        for i, slug in enumerate(slugs)
        if isinstance(slug, str) and (near := _near_miss(slug, built_in)) is not None
    ]


def _gazetteer_misses(slugs: Sequence[object]) -> list[str]:
    """A typo of a canonical regency slug loses the shipped names and kecamatan silently."""
    shipped = list(_shipped_gazetteer())
    return [
        f"regencies[{i}].slug: {excerpt(slug)} is not in the Kaltim gazetteer "
        f"(did you mean {near!r}?)"
        for i, slug in enumerate(slugs)
        if isinstance(slug, str) and (near := _near_miss(slug, shipped)) is not None
    ]


def _raw_misses(data: dict[str, Any]) -> list[str]:
    """The near-miss checks, read from the raw tables (when another key is invalid)."""
    regencies, categories = data.get("regencies"), data.get("categories")
    slugs = [r.get("slug") if isinstance(r, dict) else None for r in _rows(regencies)]
    # a slug the pattern refuses has its own line already (the model's field check)
    valid = [s if isinstance(s, str) and re.fullmatch(SLUG, s) else None for s in slugs]
    out = _gazetteer_misses(valid)
    telegram = data.get("telegram")
    if not _raw_declared(categories):
        if isinstance(telegram, dict):
            out += _category_misses(_rows(telegram.get("notify_categories")))
        for i, reg in enumerate(_rows(regencies)):
            if isinstance(reg, dict):
                key = f"regencies[{i}].notify_categories"
                out += _category_misses(_rows(reg.get("notify_categories")), key)
    return out


def _output_dir_problems(output_dir: str, base_dir: Path) -> list[str]:
    """Every file under output_dir is served (by the server, or the web server serving
    base_url): never the whole disk. (A folder holding this config file or the database may
    be: the built-in server never serves a .toml or a database file, see feeds.server.)"""
    try:
        folder = (base_dir / output_dir).resolve()
    except (ValueError, OSError):  # a NUL byte (its own line), a loop of links
        return []
    if folder != Path(folder.anchor):
        return []
    return [
        f"feeds.output_dir: {excerpt(output_dir)} is the root of the file system, and every"
        ' file in it is served: give the feeds a folder of their own, e.g. "public"'
    ]


def _retention_problems(retention: timedelta, max_age: timedelta) -> list[str]:
    """An item pruned while its source still lists it is new again at the next poll: younger
    than max_age, it would be announced a second time."""
    if retention >= max_age:
        return []
    return [
        f"feeds.retention: {_shown_duration(retention)} is shorter than telegram.max_age "
        f"({_shown_duration(max_age)}): a pruned item still listed by its source would be "
        "announced again; make retention at least max_age"
    ]


def _shown_duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    for unit in ("d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds / _UNITS[unit]:g}{unit}"
    return f"{seconds:g}s"


def _raw_output_retention(data: dict[str, Any], base_dir: Path) -> list[str]:
    """The output_dir and retention checks, read from the raw tables."""
    feeds, telegram = (data.get(k) for k in ("feeds", "telegram"))
    feeds = feeds if isinstance(feeds, dict) else {}
    telegram = telegram if isinstance(telegram, dict) else {}
    out = []
    output_dir = feeds.get("output_dir", FeedsConfig.model_fields["output_dir"].default)
    if isinstance(output_dir, str):
        out += _output_dir_problems(output_dir, base_dir)
    try:
        retention = parse_duration(feeds.get("retention", "90d"))
        max_age = parse_duration(telegram.get("max_age", "24h"))
    except ValueError:  # its own line says so
        return out
    return out + _retention_problems(retention, max_age)


def _rows(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _raw_declared(categories: object) -> set[object]:
    """The slugs of the [[categories]] rows as written (a row without one counts too: the
    file declares categories, so a pushed slug is checked against them, not the built-ins)."""
    slugs = (r.get("slug") for r in _rows(categories) if isinstance(r, dict))
    return {s if isinstance(s, str) else "" for s in slugs}  # "" for one not a string


def _raw_unknown_regencies(data: dict[str, Any]) -> list[str]:
    """Filters naming no configured regency, read from the raw tables."""
    regencies, filters = data.get("regencies"), data.get("filters")
    if not isinstance(regencies, list) or not isinstance(filters, list):
        return []
    known = {r.get("slug") for r in regencies if isinstance(r, dict)}
    out = []
    for f_i, rule in enumerate(filters):
        slugs = rule.get("regencies") if isinstance(rule, dict) else None
        for i, slug in enumerate(slugs if isinstance(slugs, list) else []):
            if isinstance(slug, str) and re.fullmatch(SLUG, slug) and slug not in known:
                out.append(f"filters[{f_i}].regencies[{i}]: unknown regency {excerpt(slug)}")
    return out


def _raw_zones(data: dict[str, Any]) -> list[str]:
    """Unknown time zones, read from the raw tables."""
    zones: list[tuple[str, object]] = []
    if isinstance(data.get("telegram"), dict):
        zones.append(("telegram.timezone", data["telegram"].get("timezone")))
    sources = data.get("sources")
    for i, source in enumerate(sources if isinstance(sources, list) else []):
        if isinstance(source, dict):
            zones.append((f"sources[{i}].timezone", source.get("timezone")))
    return [
        f"{key}: unknown time zone {excerpt(tz)} (e.g. Asia/Makassar)"
        for key, tz in zones
        if isinstance(tz, str) and tz and not _valid_zone(tz)
    ]


def _raw_unknown_categories(data: dict[str, Any]) -> list[str]:
    """Notify lists naming no configured category, read from the raw tables."""
    known = _raw_declared(data.get("categories"))
    if known:  # as in the model: declared categories get the built-in ones too
        known |= {c.slug for c in BUILT_IN_CATEGORIES}
    lists: list[tuple[str, object]] = []
    if isinstance(data.get("telegram"), dict):
        lists.append(("telegram.notify_categories", data["telegram"].get("notify_categories")))
    regencies = data.get("regencies")
    for i, reg in enumerate(regencies if isinstance(regencies, list) else []):
        if isinstance(reg, dict):
            lists.append((f"regencies[{i}].notify_categories", reg.get("notify_categories")))
    out = []
    for key, slugs in lists:
        for i, slug in enumerate(slugs if isinstance(slugs, list) and known else []):
            if isinstance(slug, str) and slug not in known:
                out.append(f"{key}[{i}]: unknown category {excerpt(slug)}")
    return out


def _check_selector(css: str) -> None:
    """Raise ValueError unless selectolax (the parser the sources use) accepts `css`."""
    from selectolax.lexbor import LexborHTMLParser

    if not css.strip():
        raise ValueError("an empty CSS selector; remove the key to keep the default")
    try:
        LexborHTMLParser("<p></p>").css(css)
    except Exception as e:  # selectolax raises its own types; any of them means "invalid"
        raise ValueError(f"{excerpt(css)} is not a valid CSS selector ({e})") from None


def _valid_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def database_url(url: str, base_dir: Path) -> str:
    """Make an SQLAlchemy URL: relative SQLite paths are relative to the config's folder."""
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite+pysqlite://"):  # the same driver: the same path rules below
        url = "sqlite://" + url.removeprefix("sqlite+pysqlite://")
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            return "sqlite:///" + str((base_dir / path).resolve())
    return url


def resolve_path(cli_path: str | None) -> Path:
    """--config PATH, else $SYNDICATION_CONFIG, else ./config.toml."""
    return Path(cli_path or os.environ.get("SYNDICATION_CONFIG") or DEFAULT_PATH)


def load(path: Path) -> Config:
    """Read and validate a config file; raise ConfigError naming every bad key."""
    if path.is_dir():
        raise ConfigError(str(path), ["is a directory, not a file: give the path of config.toml"])
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise ConfigError(str(path), ["no such file"]) from e
    except OSError as e:
        raise ConfigError(str(path), [f"cannot read the file: {e.strerror or e}"]) from e
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # a BOM some editors write
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        lines = data.decode("utf-8", "replace").split("\n")
        key = _line_key_path(lines, line)
        problem = f"not UTF-8 text: byte 0x{data[e.start]:02x} at line {line}; save it as UTF-8"
        raise ConfigError(path.name, [f"{key}: {problem}" if key else problem]) from e
    config = loads(text, name=path.name, base_dir=path.resolve().parent)
    config._file_digest = hashlib.sha256(data).hexdigest()
    return config


def loads(text: str, *, name: str = "config.toml", base_dir: Path = Path(".")) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(name, [_syntax_problem(str(e), text)]) from e
    except RecursionError as e:
        raise ConfigError(name, [_too_deep(text)]) from e
    except ValueError as e:  # an integer of over 4,300 digits: Python refuses to read it
        at = _long_number_line(text)
        where = f" (line {at})" if at else ""
        problem = f"(TOML syntax) a number of over 4,300 digits{where}: no setting takes one"
        raise ConfigError(name, [problem]) from e
    try:
        return Config.model_validate({**data, "base_dir": base_dir})
    except RecursionError as e:
        raise ConfigError(name, [_too_deep(text)]) from e
    except ValidationError as e:
        problems = _problems(e, text)
        if not any(not err["loc"] for err in e.errors(include_url=False)):
            # the cross-checks run only on a model whose every field is valid, so they did
            # not: the cheap ones again, on the raw tables
            seen = set(problems)
            for line in (_cross_line(x, text) for x in _bounded(_raw_cross_checks(data, base_dir))):
                if line not in seen:
                    seen.add(line)
                    problems.append(line)
        built_in = {c.slug: [c.name] for c in BUILT_IN_CATEGORIES}
        raise ConfigError(name, annotate(problems, data, Config, built_in)) from e


def _bounded(lines: list[str]) -> list[str]:
    """The first RAW_LINES of many cross-check lines (each is looked up in the file's text:
    a hostile list of thousands made `check` quadratic), then how many more, under the key
    path of the first one left out."""
    if len(lines) <= RAW_LINES:
        return lines
    key = lines[RAW_LINES].partition(": ")[0]
    more = len(lines) - RAW_LINES
    return [*lines[:RAW_LINES], f"{key}: and {more} more problems like those above"]


_PATH_MAX = 200  # characters of a key path named in a syntax error
_AT = re.compile(r"\s*\(at line (\d+), column \d+\)$")
_HEADER = re.compile(r"^[ \t]*\[\[?([^\[\]\n]*)\]\]?[ \t]*(?:#.*)?$")  # no backtracking
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=")


def _long_number_line(text: str) -> int | None:
    """The line of the first run of over 4,300 digits (Python's limit on reading one)."""
    found = re.search(r"\d{4301}", text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _syntax_problem(message: str, text: str) -> str:
    """A TOML syntax error as `<key path>: TOML syntax: <what> (line N)` when the line holds a
    plain `key = ...` (the key path being its table's name and the key) or a table's header
    (a table declared twice: its path), else as `(TOML syntax) <what>`, with the parser's own
    place."""
    lines = text.split("\n")  # the parser's lines (splitlines also breaks at \x85, \u2028)
    at = _AT.search(message)
    if at is None:
        if message.startswith("Unclosed array") and message.endswith("(at end of document)"):
            # the file ends inside the array: it opened on the last such line above
            opened = _opening_line(lines, len(lines))
            path = _line_key_path(lines, opened) if opened is not None else None
            if path is not None:
                return f"{path}: TOML syntax: Unclosed array: a ']' is missing (line {opened})"
        return f"(TOML syntax) {message}"
    number = int(at.group(1))
    what = message[: at.start()]
    if what.startswith("Unclosed array"):
        # the parser stops where the array should have ended (the next key, or the line
        # after a missing comma): the array's own key is on the line that opened it
        column = re.search(r"column (\d+)\)$", message)
        # the array opened on the error's own line only when the error stands past its "["
        # (an indented next key's column is past 1 all the same)
        here = _OPENS_ARRAY.match(lines[number - 1]) if 0 < number <= len(lines) else None
        on_line = column is not None and here is not None and int(column.group(1)) > here.end()
        opened = _opening_line(lines, number if on_line else number - 1)
        if opened is not None:
            what = f"Unclosed array: a ',' or ']' is missing by line {number}"
            number = opened
    path = _line_key_path(lines, number)
    if path is None:
        return f"(TOML syntax) {message}"
    return f"{path}: TOML syntax: {what} (line {number})"


def _line_key_path(lines: list[str], number: int) -> str | None:
    """The key path of line `number` (1-based) when it holds a plain `key = ...` (its table's
    name and the key) or a table's header (its path); None otherwise."""
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    key, header = _KEY.match(line), _HEADER.match(line)
    if key is None and header is None:
        return None
    # the headers up to it: (name, whether an array of tables), the last one its table's
    found = [h for before in lines[: number - 1 if key else number] if (h := _header_name(before))]
    name = "" if key is None else re.sub(r"\s+", "", key.group(1))
    path = ".".join(p for p in (_table_path(found), name) if p)
    return path if len(path) <= _PATH_MAX else f"{path[:_PATH_MAX]}…"


_OPENS_ARRAY = re.compile(r"^\s*[A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*\s*=\s*\[")


def _opening_line(lines: list[str], number: int) -> int | None:
    """The line (1-based) at or above `number` where a `key = [` array opens, looking back
    over at most 200 lines; None when none does."""
    for index in range(min(number, len(lines)) - 1, max(number - 201, 0) - 1, -1):
        if _OPENS_ARRAY.match(lines[index]):
            return index + 1
    return None


def _table_path(headers: list[tuple[str, bool]]) -> str:
    """The key path of the table the last of `headers` opens ("" for none): each array of
    tables along its name is the one opened last, so [[sources]] ... [sources.selectors] is
    sources[1].selectors under the second [[sources]]."""
    if not headers:
        return ""
    name, array = headers[-1]
    arrays = Counter(other for other, is_array in headers if is_array)
    parts, head = name.split("."), ""
    for n, part in enumerate(parts):
        head = f"{head}.{part}" if n else part
        if n == len(parts) - 1 and not array:
            break
        if arrays[head]:
            parts[n] = f"{part}[{arrays[head] - 1}]"
    return ".".join(parts)


def _too_deep(text: str) -> str:
    """The problem line for a file nested deeper than the parser's stack: where it starts."""
    found = re.search(r"(?:[\[{]\s*){32}", text)
    if found is None:
        return "nesting too deep: arrays or tables inside one another"
    line = text.count("\n", 0, found.start()) + 1
    key = re.search(
        r"([A-Za-z0-9_.\-\"]+)\s*=\s*$",
        text[text.rfind("\n", 0, found.start()) + 1 : found.start()],
    )
    where = f"{key.group(1)}: " if key else ""
    return f"{where}nesting too deep: arrays or tables inside one another (line {line})"


def _problems(error: ValidationError, text: str) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for err in error.errors(include_url=False):
        # a union (str | int) tags each member's error with the member's type: not a key
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
        loc = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
        if loc and _key_path(loc) in seen:
            continue  # one line per key: a union's first member explains it
        if not loc:
            # cross-checks carry their own key paths, one per line
            lines = _bounded(_strip(err["msg"]).splitlines())
            problems.extend(_cross_line(line, text) for line in lines)
            continue
        path = _key_path(loc)
        seen.add(path)
        if len(seen) > RAW_LINES:  # each is looked up in the text: a hostile file, bounded
            more = sum(1 for e in error.errors(include_url=False) if e["loc"]) - RAW_LINES
            problems.append(f"{path}: and about {more} more problems like those above")
            break
        line = locate(text, loc)
        suffix = f" (line {line})" if line else ""
        problems.append(f"{path}: {_message(err)}{suffix}")
    return problems


def _strip(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def _cross_line(line: str, text: str) -> str:
    key_path, _, _rest = line.partition(": ")
    loc = tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", key_path) if p)
    while loc and isinstance(loc[-1], int):  # an item of an inline list: the key's line
        loc = loc[:-1]
    found = locate(text, loc)
    return f"{line} (line {found})" if found else line


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (a typo?)"
    if kind == "missing":
        return "required key is missing"
    if err["loc"][-1:] == ("token_env",):
        # never echo it: an admin may have pasted the token itself here
        return "must name an environment variable (letters, digits, '_'), not hold the token"
    if kind == "string_pattern_mismatch" and SLUG in str(err.get("ctx", {})):
        return f"{excerpt(err['input'])} must be lower case letters, digits and '-'"
    msg = _strip(str(err["msg"]))
    if kind.startswith("value_error"):
        return msg
    return f"{msg} (got {excerpt(err['input'])})" if "input" in err else msg


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a key path such as ("sources", 2, "selectors", "title"):
    each table by its header ([[sources]], then [sources.selectors] under it), the last
    part by its `key =` line; a list or table written inline, by its key's line."""
    lines = text.splitlines()
    start, end, table = 0, len(lines), ""  # the lines of the table reached so far
    found: int | None = None  # the line (0-based) of what was reached, once any was
    i = 0
    while i < len(loc):
        part, name = loc[i], f"{table}.{loc[i]}" if table else str(loc[i])
        if not isinstance(part, str):  # an index not after a table's name: skipped
            i += 1
            continue
        index = loc[i + 1] if i + 1 < len(loc) and isinstance(loc[i + 1], int) else None
        kind = (name, index is not None)  # [[name]] for an index, [name] otherwise
        headers = [n for n in range(start, end) if _header_name(lines[n]) == kind]
        descend = index < len(headers) if index is not None else headers and i + 1 < len(loc)
        if descend:
            start = found = headers[index or 0]
            end, table = _table_end(lines, start, end, name), name
            i += 1 if index is None else 2
            continue
        # a key of this table (before its first sub-table), or a list or table written inline
        first = start if found is None else start + 1  # after the table's own header
        own_end = next((n for n in range(first, end) if _header_name(lines[n])), end)
        key = re.compile(rf"\s*{re.escape(part)}\s*[=.]")
        hit = next((n for n in range(first, own_end) if key.match(lines[n])), None)
        if hit is None:  # the table itself ([feeds] as a whole), else the key's table
            hit = headers[0] if headers and index is None else found
        return None if hit is None else hit + 1
    return None if found is None else found + 1


def _header_name(line: str) -> tuple[str, bool] | None:
    """(the table's dotted name, whether an array of tables) of a header line, else None."""
    header = _HEADER.match(line)
    if header is None:
        return None
    return re.sub(r"\s+", "", header.group(1)), line.lstrip().startswith("[[")


def _table_end(lines: list[str], start: int, end: int, name: str) -> int:
    """The line after the table whose header is at `start`: the next header that is not one
    of its sub-tables ([sources.selectors] belongs to the [[sources]] above it)."""
    for n in range(start + 1, end):
        header = _header_name(lines[n])
        if header is not None and not header[0].startswith(name + "."):
            return n
    return end


_GAZETTEER = Path(__file__).parent / "data" / "kaltim.toml"
_CATEGORIES = Path(__file__).parent / "data" / "categories.toml"


def _near_miss(slug: str, canonical: list[str]) -> str | None:
    """The canonical slug that `slug` misspells (a letter or two off), or None: a slug of
    one's own, unlike every canonical one, stays allowed."""
    if slug in canonical:
        return None
    found = difflib.get_close_matches(slug, canonical, n=1, cutoff=0.8)
    return found[0] if found else None


@lru_cache(maxsize=1)
def _shipped_gazetteer() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """slug -> (names and aliases, kecamatan) of the gazetteer the project ships."""
    with _GAZETTEER.open("rb") as f:
        data = tomllib.load(f)
    places = [data.get("province", {}), *data.get("regencies", ())]
    return {
        p["slug"]: (
            tuple(dict.fromkeys([p.get("name", ""), *p.get("aliases", ())])),
            tuple(p.get("kecamatan", ())),
        )
        for p in places
        if p.get("slug")
    }


def shipped_places(slug: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The shipped gazetteer's names and kecamatan for a canonical slug (a regency given
    only its slug and name is found by its aliases too: Tenggarong, Kukar, Diskominfo
    Kukar...); nothing for a slug it does not know."""
    return _shipped_gazetteer().get(slug, ((), ()))


@lru_cache(maxsize=1)
def _shipped_categories() -> dict[str, tuple[str, ...]]:
    with _CATEGORIES.open("rb") as f:
        data = tomllib.load(f)
    return {
        c["slug"]: tuple(c.get("aliases", ()))
        for c in data.get("categories", ())
        if isinstance(c, dict) and c.get("slug")
    }


def shipped_words(slug: str) -> tuple[str, ...]:
    """The labels portals give a canonical category (syndication/data/categories.toml): a
    category given only its slug and name is found by them too ("Pemerintahan", "Pemkab",
    "Ekonomi"); nothing for a slug it does not know."""
    return _shipped_categories().get(slug, ())


def _regency_info(regency: RegencyConfig) -> RegencyInfo:
    names, kecamatan = shipped_places(regency.slug)
    return RegencyInfo(
        slug=regency.slug,
        name=regency.name,
        aliases=_union(names, regency.aliases),
        kecamatan=_union(kecamatan, regency.kecamatan),
        is_province=regency.is_province,
        telegram_chat=regency.chat,
    )


def _union(shipped: tuple[str, ...], own: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in dict.fromkeys((*own, *shipped)) if name)
