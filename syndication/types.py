"""Records passed between the stages of the pipeline.

    source parser -> RawEntry -> normalize -> Item -> store -> feeds/ bots/

Every record is a frozen dataclass; times are timezone-aware UTC unless a field says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RegencyInfo:
    """One bucket of the gazetteer: a regency, a city, or the province itself (slug "kaltim")."""

    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    kecamatan: tuple[str, ...] = ()
    is_province: bool = False
    telegram_chat: str | None = None


@dataclass(frozen=True)
class CategoryInfo:
    """A canonical category and the source labels (WordPress categories, tags) that mean it."""

    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    # the canonical category's shipped words (syndication/data/categories.toml), read after
    # every category's own names and aliases: a config's alias always wins over them
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class NormalizeContext:
    """What normalization needs from the config, handed in so the stage stays pure."""

    regencies: tuple[RegencyInfo, ...]
    categories: tuple[CategoryInfo, ...]
    default_timezone: str = "Asia/Makassar"
    # credit tokens: advertorial markers and government markers (NOTES.md), lower case
    advertorial_tokens: tuple[str, ...] = ("adv", "advertorial", "pariwara", "iklan", "sponsored")
    government_tokens: tuple[str, ...] = (
        "diskominfo",
        "kominfo",
        "humas",
        "prokopim",
        "pemkab",
        "pemkot",
        "pemprov",
        "adpim",
        "adpimprov",
        "hms",
        "setwan",
        "dprd",
    )
    # how far into the future a date may lie before it is treated as wrong
    future_skew_seconds: int = 600


@dataclass(frozen=True)
class RawEntry:
    """One entry as a source gave it: nothing cleaned, nothing guessed."""

    source_id: str
    guid: str | None = None
    link: str | None = None
    title: str | None = None  # may hold entities or stray tags, unless title_is_text
    title_is_text: bool = False  # the source says the title is text: "<b>" in it is literal
    summary_html: str | None = None
    content_html: str | None = None
    published_raw: str | None = None  # the date string exactly as printed
    published: datetime | None = None  # a machine date the parser trusts (aware), if any
    updated_raw: str | None = None
    updated: datetime | None = None
    author: str | None = None
    labels: tuple[str, ...] = ()  # categories and breadcrumb labels, in source order
    tags: tuple[str, ...] = ()
    image: str | None = None
    base_url: str | None = None  # for resolving relative links in the content


@dataclass(frozen=True)
class Evidence:
    """Why an item got a label: shown by `syndication explain`."""

    label: str  # a category or regency slug
    kind: str  # "credit", "title-institution", "dateline", "kecamatan", "body", "source-label", ...
    rank: int  # 1 = strongest
    text: str  # the words that matched


@dataclass(frozen=True)
class Classification:
    categories: tuple[str, ...]
    regencies: tuple[str, ...]
    advertorial: bool
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Item:
    """A normalized story, ready to store, publish and announce."""

    source_id: str
    entry_key: str  # identity of the entry within its source (guid, else canonical url, ...)
    url: str  # canonical URL
    url_key: str  # scheme-less, AMP-less form of url: the cross-source duplicate key
    title: str  # plain text
    title_key: str  # normalized title: the second duplicate key
    summary: str  # plain text
    content_html: str  # sanitized HTML with absolute URLs ("" when none)
    author: str | None
    published: datetime
    updated: datetime
    categories: tuple[str, ...]
    regencies: tuple[str, ...]
    advertorial: bool
    image: str | None = None
    dateline: str | None = None
    credit: str | None = None
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)
    content_hash: str = ""  # hash of title + body: a change means an update
    raw_hash: str = field(default="", compare=False)  # digest of the RawEntry it came from
    lead_key: str = ""  # the body's first words, folded and hashed: the third duplicate key
    # its url_key without the slug, when the address holds the article's number (urls.py)
    article_key: str = ""
