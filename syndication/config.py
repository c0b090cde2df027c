"""Load and validate config.toml into a frozen `Config`.

Validation is pydantic's; this module turns its errors into the contract's lines,
`config.toml: <key path>: <what is wrong> (line N)`, every problem at once.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ConfigError
from .suggest import annotate
from .types import CategoryInfo, NormalizeContext, RegencyInfo

DEFAULT_PATH = "config.toml"
SLUG = r"^[a-z0-9][a-z0-9-]*$"
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 10**6, "mib": 2**20, "gb": 10**9}
_SIZE_UNITS["gib"] = 2**30
_UNION_TAGS = frozenset({"str", "int", "bool", "float"})


def parse_duration(value: object) -> timedelta:
    """'90s', '5m', '1h30m', '24h', '7d' -> timedelta. Bare numbers are refused on purpose."""
    if not isinstance(value, str):
        raise ValueError(f'expected a duration string such as "90s", "5m" or "24h", got {value!r}')
    text = value.strip().lower()
    parts = _DURATION_PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(f'{value!r} is not a duration; write e.g. "90s", "5m", "1h30m" or "24h"')
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def parse_size(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f'{value!r} is not a size; write e.g. "5MB" or "512KiB"')
    return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]
HttpUrl = Annotated[str, BeforeValidator(lambda v: _check_http_url(str(v)) if v else v)]
Slug = Annotated[str, Field(pattern=SLUG, max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StorageConfig(_Model):
    url: str = "sqlite:///var/syndication.sqlite3"

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        scheme = v.split(":", 1)[0]
        if not (scheme.startswith("sqlite") or scheme.startswith("postgres")):
            raise ValueError(f"{v!r}: use sqlite:///path or postgresql://user@host:5432/db")
        return v


class FeedsConfig(_Model):
    output_dir: str = "public"
    base_url: HttpUrl = "http://127.0.0.1:8080/"
    language: str = Field(default="id", pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
    title: str = "Kabar Kaltim"
    description: str = "Berita pemerintah dan advertorial kabupaten/kota se-Kalimantan Timur"
    site_url: HttpUrl = ""
    items_per_feed: StrictInt = Field(default=50, ge=1, le=1000)
    content: Literal["full", "summary"] = "full"
    websub_hub: HttpUrl = ""
    publish_delay: Duration = timedelta(seconds=2)
    retention: Duration = timedelta(days=90)

    @field_validator("base_url")
    @classmethod
    def _slash(cls, v: str) -> str:
        return v if v.endswith("/") else v + "/"


class ServerConfig(_Model):
    enabled: StrictBool = True
    host: str = "127.0.0.1"
    port: StrictInt = Field(default=8080, ge=0, le=65535)


class TelegramConfig(_Model):
    token_env: str = Field(default="TELEGRAM_BOT_TOKEN", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    api_url: HttpUrl = "https://api.telegram.org"
    notify_categories: tuple[Slug, ...] = ("pemerintah", "advertorial")
    max_age: Duration = timedelta(hours=24)
    admin_chat: str | StrictInt | None = None
    timezone: str = "Asia/Makassar"
    quiet_hours: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")
    template: str | None = None
    on_timeout: Literal["resend", "assume-sent"] = "resend"
    per_chat_per_minute: StrictInt = Field(default=20, ge=1, le=20)
    per_chat_per_second: float = Field(default=1.0, strict=True, gt=0, le=1.0)
    global_per_second: StrictInt = Field(default=25, ge=1, le=30)
    max_attempts: StrictInt = Field(default=12, ge=1)


class FetchConfig(_Model):
    user_agent: str = "syndication/0.1 (+https://github.com/kaltim/syndication; news aggregator)"
    connect_timeout: Duration = timedelta(seconds=10)
    read_timeout: Duration = timedelta(seconds=20)
    total_timeout: Duration = timedelta(seconds=60)
    max_body: Size = 8 * 2**20
    per_host: StrictInt = Field(default=2, ge=1, le=16)
    concurrency: StrictInt = Field(default=10, ge=1, le=100)
    max_backoff: Duration = timedelta(hours=6)


class CategoryConfig(_Model):
    slug: Slug
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()


class RegencyConfig(_Model):
    slug: Slug
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    kecamatan: tuple[str, ...] = ()
    province: StrictBool | None = None
    telegram_chat: str | StrictInt | None = None
    notify_categories: tuple[Slug, ...] | None = None

    @field_validator("telegram_chat")
    @classmethod
    def _chat(cls, v: str | int | None) -> str | int | None:
        if isinstance(v, str) and not re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,}|-?\d+", v):
            raise ValueError(f"{v!r}: use a @channel_username or a numeric chat id")
        return v

    @property
    def is_province(self) -> bool:
        return self.province if self.province is not None else self.slug == "kaltim"

    @property
    def chat(self) -> str | None:
        return None if self.telegram_chat is None else str(self.telegram_chat)


class SelectorsConfig(_Model):
    link: str | None = None
    title: str | None = None
    date: str | None = None
    content: str | None = None
    categories: str | None = None
    image: str | None = None
    author: str | None = None


class SourceConfig(_Model):
    id: Slug
    url: HttpUrl
    kind: Literal["feed", "html"] = "feed"
    interval: Duration = timedelta(minutes=5)
    # a quiet source (newest item old) is polled less often, up to this; unset = never
    max_interval: Duration | None = None
    name: str | None = None
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
        return self.name or urlsplit(self.url).netloc.removeprefix("www.")


class Config(_Model):
    storage: StorageConfig = StorageConfig()
    feeds: FeedsConfig = FeedsConfig()
    server: ServerConfig = ServerConfig()
    telegram: TelegramConfig = TelegramConfig()
    fetch: FetchConfig = FetchConfig()
    categories: tuple[CategoryConfig, ...] = ()
    regencies: tuple[RegencyConfig, ...] = ()
    sources: tuple[SourceConfig, ...] = ()
    # where the file lives: relative paths in it are relative to this folder
    base_dir: Path = Field(default=Path("."), exclude=True)

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
                problems.append(f"telegram.notify_categories[{i}]: unknown category {slug!r}")
        for r_i, reg in enumerate(self.regencies):
            for i, slug in enumerate(reg.notify_categories or ()):
                if known and slug not in known:
                    path = f"regencies[{r_i}].notify_categories[{i}]"
                    problems.append(f"{path}: unknown category {slug!r}")
        for key, tz in [("telegram.timezone", self.telegram.timezone)] + [
            (f"sources[{i}].timezone", s.timezone) for i, s in enumerate(self.sources)
        ]:
            if tz and not _valid_zone(tz):
                problems.append(f"{key}: unknown time zone {tz!r} (e.g. Asia/Makassar)")
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

    def normalize_context(self, source: SourceConfig | None = None) -> NormalizeContext:
        tz = (source.timezone if source else None) or self.telegram.timezone
        return NormalizeContext(
            regencies=tuple(
                RegencyInfo(
                    slug=r.slug,
                    name=r.name,
                    aliases=r.aliases,
                    kecamatan=r.kecamatan,
                    is_province=r.is_province,
                    telegram_chat=r.chat,
                )
                for r in self.regencies
            ),
            categories=tuple(
                CategoryInfo(slug=c.slug, name=c.name, aliases=c.aliases) for c in self.categories
            ),
            default_timezone=tz,
        )

    def notify_categories_for(self, regency: RegencyConfig) -> tuple[str, ...]:
        if regency.notify_categories is not None:
            return regency.notify_categories
        return self.telegram.notify_categories

    def token(self) -> str | None:
        return os.environ.get(self.telegram.token_env) or None


def _duplicates(table: str, key: str, values: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    problems = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append(
                f"{table}[{i}].{key}: {value!r} is already used by {table}[{seen[value]}]"
            )
        seen.setdefault(value, i)
    return problems


def _raw_duplicates(data: dict[str, Any]) -> list[str]:
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
    return out + _raw_unknown_categories(data)


def _raw_unknown_categories(data: dict[str, Any]) -> list[str]:
    """Notify lists naming no configured category, read from the raw tables."""
    rows = data.get("categories")
    known = (
        {r.get("slug") for r in rows if isinstance(r, dict)} if isinstance(rows, list) else set()
    )
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
                out.append(f"{key}[{i}]: unknown category {slug!r}")
    return out


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
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(str(path), [f"cannot read the file: {e.strerror or e}"]) from e
    except UnicodeDecodeError as e:
        raise ConfigError(str(path), [f"not UTF-8 text: {e}"]) from e
    return loads(text, name=path.name, base_dir=path.resolve().parent)


def loads(text: str, *, name: str = "config.toml", base_dir: Path = Path(".")) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(name, [f"(TOML syntax) {e}"]) from e
    try:
        return Config.model_validate({**data, "base_dir": base_dir})
    except ValidationError as e:
        problems = _problems(e, text)
        # the cross-checks run only on a valid model: repeat the cheap ones on the raw tables
        for extra in _raw_duplicates(data):
            line = _cross_line(extra, text)
            if line not in problems:
                problems.append(line)
        raise ConfigError(name, annotate(problems, data, Config)) from e


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
            problems.extend(_cross_line(line, text) for line in _strip(err["msg"]).splitlines())
            continue
        path = _key_path(loc)
        seen.add(path)
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
        return f"{err['input']!r} must be lower case letters, digits and '-'"
    msg = _strip(str(err["msg"]))
    if kind.startswith("value_error"):
        return msg
    return f"{msg} (got {err['input']!r})" if "input" in err else msg


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def locate(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a key path such as ("sources", 2, "interval")."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    i = 0
    while i < len(loc):
        part = loc[i]
        if isinstance(part, str) and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            headers = [
                n for n in range(start, end) if re.match(rf"\s*\[\[\s*{part}\s*\]\]", lines[n])
            ]
            if loc[i + 1] < len(headers):
                start = headers[loc[i + 1]]
                nxt = [n for n in range(start + 1, end) if re.match(r"\s*\[", lines[n])]
                end = nxt[0] if nxt else end
                i += 2
                continue
            return None
        if isinstance(part, str):
            header = next(
                (n for n in range(start, end) if re.match(rf"\s*\[\s*{part}\s*\]", lines[n])), None
            )
            if header is not None and i + 1 < len(loc):
                start = header
                nxt = [n for n in range(start + 1, end) if re.match(r"\s*\[", lines[n])]
                end = nxt[0] if nxt else end
                i += 1
                continue
            key = next(
                (n for n in range(start, end) if re.match(rf"\s*{part}\s*=", lines[n])), None
            )
            if key is not None:
                return key + 1
            return header + 1 if header is not None else (start + 1 if start else None)
        i += 1
    return start + 1 if start else None
