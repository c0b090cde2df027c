"""The input records of `feeds/`: what a feed is about (Scope), where it lives (Site), what it
lists (Entry). They know nothing of storage or config files; the service builds them.

Rules are checked when a record is built, so a bad record fails early with a message that names
the field (InvalidRecordError), never deep inside feedgen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeds.errors import InvalidRecordError

ContentMode = Literal["full", "summary"]
ScopeKind = Literal["all", "category", "regency", "regency_category"]

# One path segment of a scope: a config slug. No dots and no slashes, so a scope can never
# name a file outside output_dir, whatever the config says.
_SEGMENT = r"[a-z0-9][a-z0-9_-]{0,63}"
_SCOPE_PATTERNS: dict[ScopeKind, re.Pattern[str]] = {
    "all": re.compile(r"all"),
    "category": re.compile(rf"category/{_SEGMENT}"),
    "regency": re.compile(rf"regency/{_SEGMENT}"),
    "regency_category": re.compile(rf"regency/{_SEGMENT}/{_SEGMENT}"),
}

_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:.")

ADVERTORIAL_SLUG = "advertorial"
ADVERTORIAL_NAME = "Advertorial"


def _require_aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime):
        raise InvalidRecordError(f"{name}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRecordError(
            f"{name}: naive datetime {value.isoformat()}; pass a timezone-aware datetime"
        )


def _require_http_url(name: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRecordError(f"{name}: {value!r} is not an absolute http(s) URL")


@dataclass(frozen=True)
class Image:
    """An image shown with an entry; published as its one enclosure."""

    url: str
    mime_type: str | None = None  # guessed from the URL's extension when None
    length: int = 0  # bytes; 0 = unknown (RSS requires the attribute, 0 is the convention)

    def __post_init__(self) -> None:
        _require_http_url("image.url", self.url)
        if type(self.length) is not int:  # a byte count; not a float, nor a flag
            raise InvalidRecordError(f"image.length: {self.length!r} is not a whole number")
        if self.length < 0:
            raise InvalidRecordError(f"image.length: {self.length} is negative")


@dataclass(frozen=True)
class Entry:
    """One story as the feeds show it.

    `id` is stable for the life of the story (a correction of the title keeps it), e.g.
    "tag:example.org,2024-11-18:item/42". `title` and `summary` are plain text; `content_html`
    is sanitized HTML or "". An advertorial is labelled by the renderers, see
    `feeds.render.display_title`.
    """

    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    summary: str = ""
    content_html: str = ""
    author: str | None = None
    categories: tuple[tuple[str, str], ...] = ()  # (slug, display name)
    image: Image | None = None
    advertorial: bool = False
    source_name: str = ""
    # when the story came into these feeds (an aggregator's first sight of it), if known: a
    # story added with an older date still changes the feed, whose own date says so
    added: datetime | None = None

    def __post_init__(self) -> None:
        if not _URI_SCHEME.match(self.id) or any(c.isspace() for c in self.id):
            # Atom ids are IRIs; a bare number would make every feed invalid.
            raise InvalidRecordError(f"entry.id: {self.id!r} is not a URI (e.g. 'tag:host,date:x')")
        if not self.title.strip():
            raise InvalidRecordError(f"entry {self.id}: title is empty")
        _require_http_url(f"entry {self.id}: link", self.link)
        _require_aware(f"entry {self.id}: published", self.published)
        _require_aware(f"entry {self.id}: updated", self.updated)
        if self.added is not None:
            _require_aware(f"entry {self.id}: added", self.added)

    @property
    def last_change(self) -> datetime:
        """The entry's modification time, never before its publication."""
        return max(self.published, self.updated)


@dataclass(frozen=True)
class Scope:
    """One feed: `path` is where its files live under output_dir, without the extension."""

    path: str
    title: str
    description: str
    kind: ScopeKind
    # when a story last left the scope (withdrawn): the feed's own date never goes back
    # before it, or a reader that goes by that date keeps showing the story
    changed: datetime | None = None

    def __post_init__(self) -> None:
        if self.changed is not None:
            _require_aware(f"scope {self.path!r}: changed", self.changed)
        pattern = _SCOPE_PATTERNS.get(self.kind)
        if pattern is None:
            raise InvalidRecordError(f"scope {self.path!r}: unknown kind {self.kind!r}")
        if not pattern.fullmatch(self.path):
            raise InvalidRecordError(
                f"scope {self.path!r}: not a valid {self.kind} path (expected e.g. "
                "'all', 'category/<slug>', 'regency/<slug>', 'regency/<slug>/<slug>')"
            )
        if not self.title.strip() or not self.description.strip():
            raise InvalidRecordError(f"scope {self.path!r}: title and description are required")

    @property
    def regency(self) -> str | None:
        """The regency slug of a regency or regency x category scope."""
        parts = self.path.split("/")
        return parts[1] if parts[0] == "regency" else None

    @property
    def category(self) -> str | None:
        """The category slug of a category or regency x category scope."""
        parts = self.path.split("/")
        if self.kind == "category":
            return parts[1]
        return parts[2] if self.kind == "regency_category" else None


def all_scope(title: str, description: str) -> Scope:
    return Scope("all", title, description, "all")


def category_scope(slug: str, name: str) -> Scope:
    return Scope(f"category/{slug}", f"Kategori {name}", f"Berita kategori {name}", "category")


def regency_scope(slug: str, name: str) -> Scope:
    return Scope(f"regency/{slug}", name, f"Berita dari {name}", "regency")


def regency_category_scope(
    regency_slug: str, regency_name: str, category_slug: str, category_name: str
) -> Scope:
    return Scope(
        f"regency/{regency_slug}/{category_slug}",
        f"{regency_name}: {category_name}",
        f"Berita kategori {category_name} dari {regency_name}",
        "regency_category",
    )


@dataclass(frozen=True)
class Site:
    """Where the files are served and how they are filled.

    `base_url` is the public URL of output_dir (a trailing "/" is added when missing);
    `link` is the human site the feeds belong to (the channel link).
    """

    base_url: str
    title: str
    link: str
    language: str = "id"
    content_mode: ContentMode = "full"
    items_per_feed: int = 50
    websub_hub: str | None = None
    generator: str = "syndication"
    timezone: str = "Asia/Makassar"  # for dates shown on index.html (WITA)

    def __post_init__(self) -> None:
        _require_http_url("site.base_url", self.base_url)
        _require_http_url("site.link", self.link)
        if self.websub_hub is not None:
            _require_http_url("site.websub_hub", self.websub_hub)
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")
        if self.content_mode not in ("full", "summary"):
            raise InvalidRecordError(
                f"site.content_mode: {self.content_mode!r} is not full|summary"
            )
        if self.items_per_feed < 1:
            raise InvalidRecordError(f"site.items_per_feed: {self.items_per_feed} is below 1")
        if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", self.language):
            raise InvalidRecordError(f"site.language: {self.language!r} is not a language tag")
        if not self.title.strip():
            raise InvalidRecordError("site.title: empty")
        try:
            ZoneInfo(self.timezone)
        except (ValueError, ZoneInfoNotFoundError) as error:
            raise InvalidRecordError(f"site.timezone: {self.timezone!r} is unknown") from error

    def url(self, relative: str) -> str:
        """The public URL of a file under output_dir."""
        return self.base_url + relative


@dataclass(frozen=True)
class ScopeStats:
    """What the index says of a scope: how many stories it holds and when the newest came."""

    count: int = 0
    latest: datetime | None = None

    def __post_init__(self) -> None:
        if self.count < 0:
            raise InvalidRecordError(f"scope stats: count {self.count} is negative")
        if self.latest is not None:
            _require_aware("scope stats: latest", self.latest)
