"""Article metadata: <meta> tags, JSON-LD, machine dates and the visible date line.

Machine dates (ISO 8601 with a zone) become aware UTC datetimes; the visible date line is
kept verbatim for the normalizer, which knows Indonesian months and WIB/WITA/WIT.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .jsontext import loads as jsonloads

T = TypeVar("T")

ARTICLE_TYPES = frozenset(
    {"Article", "NewsArticle", "BlogPosting", "ReportageNews", "AnalysisNewsArticle",
     "OpinionNewsArticle", "Report", "LiveBlogPosting"}
)  # fmt: skip

# Month words as printed by Kaltim portals (NOTES.md "Dates") plus English ones, lower case.
_MONTHS = (
    "januari|februari|pebruari|maret|april|mei|juni|juli|agustus|september|oktober|november|"
    "nopember|desember|january|february|march|may|june|july|august|october|december|"
    "jan|feb|peb|mar|apr|jun|jul|agu|agt|ags|agst|aug|sep|sept|okt|oct|nov|nop|des|dec"
)
# These run over extracted text, never over markup.
_DATE_WORDS = re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}\b", re.IGNORECASE)
_DATE_MDY = re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.I)
_DATE_NUMERIC = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b")
_DATE_YMD = re.compile(r"\b\d{4}([-/])\d{1,2}\1\d{1,2}\b")  # 2019-01-21 13:49, 2019/01/21
_DATE_CJK = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")  # 2018年6月18日
_TIME_CJK = re.compile(r"(\d{1,2})\s*[時时]\s*(\d{2})\s*分(?:\s*(\d{2})\s*秒)?")  # 21時37分
_DATE_RELATIVE = re.compile(
    r"\b(?:\d+|se)\s*(?:detik|menit|jam|hari)\s+(?:yang\s+)?lalu\b"
    r"|\b(?:kemarin|hari\s+ini)\b[\s,]*(?:pukul\s*)?\d{1,2}[:.]\d{2}\b",
    re.I,
)
_MAX_DATE_LINE = 90

# Elements that hold the visible date line in common themes.
# class or id words of a box that only ever stands below a story (its comments, other
# stories), as whole words: not a WordPress term class on the story's own <article>
# ("category-opini-komentar", "tag-dinas-terkait"), a comment-count button ("comment-count",
# "jumlah-komentar") or a correspondent's box
_BELOW_WORDS = frozenset({
    "comments", "commentlist", "comment-list", "comments-area", "comment-respond", "respond",
    "disqus_thread", "komentar", "kolom-komentar", "related", "related-posts", "relatedposts",
    "related-news", "related-articles", "terkait", "berita-terkait", "artikel-terkait",
    "berita-lain", "baca-juga", "populer", "terpopuler", "most-popular",
})  # fmt: skip


def below_story(node: LexborNode) -> bool:
    """Whether the element itself is a box of comments or other stories (one of its class
    or id words is a _BELOW_WORDS word)."""
    attrs = node.attributes
    named = f"{attrs.get('id') or ''} {attrs.get('class') or ''}".lower().split()
    return any(word in _BELOW_WORDS for word in named)


DATE_LINE_SELECTORS = (
    ".jeg_meta_date",
    ".td-post-date",
    "time.published",  # GeneratePress prints a hidden time.updated beside it
    ".entry-meta .posted-on",
    ".posted-on",
    ".entry-date",
    ".post-date",
    ".meta-date",
    ".date-post",
    ".tanggal",
    ".waktu",
    ".post-meta .date",
    ".entry-meta .date",
    "time",
)


@dataclass(frozen=True)
class MachineDates:
    published: datetime | None = None
    modified: datetime | None = None
    naive_published: datetime | None = None  # a zone-less machine time, zone left to normalize
    # a machine field written as people print dates (`Senin, 18 November 2024 19:15 WITA`,
    # `18/11/2024 19:15`): no ISO 8601, but the normalizer reads it
    printed: str | None = None


# a time of day, not the day and month of a date (`20.06.2019`, `15.05.2019/vit`)
_CLOCK = re.compile(r"(?<![\d./-])\d{1,2}[:.]\d{2}(?!\d|[./-]\d)")


def has_clock(text: str) -> bool:
    return bool(_CLOCK.search(text))


def meta(doc: LexborHTMLParser, *keys: str) -> list[str]:
    """Values of <meta property|name|itemprop=key content>, for each key in order (one pass
    over the page's <meta> elements, not one query per key)."""
    found: dict[str, list[tuple[int, str]]] = {}
    for node in doc.css("meta[content]"):
        attrs = node.attributes
        value = (attrs.get("content") or "").strip()
        if not value:
            continue
        for rank, attr in enumerate(("property", "name", "itemprop")):
            key = attrs.get(attr)
            if key:
                found.setdefault(key, []).append((rank, value))
    out: list[str] = []
    for key in keys:
        # property= matches first, then name=, then itemprop=, each in page order
        out += [value for _, value in sorted(found.get(key, ()), key=lambda pair: pair[0])]
    return out


def first_meta(doc: LexborHTMLParser, *keys: str) -> str | None:
    values = meta(doc, *keys)
    return values[0] if values else None


_OFFSET_THEN_Z = re.compile(r"([+-]\d\d:?\d\d)Z$")


# Zone abbreviations some CMSs write after an ISO time (`2021-01-03T17:40:00EET`): hours east.
_ZONE_NAMES = {
    "UTC": 0, "GMT": 0, "WIB": 7, "WITA": 8, "WIT": 9, "CET": 1, "CEST": 2, "MEZ": 1,
    "MESZ": 2, "EET": 2, "EEST": 3, "BST": 1, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8,
}  # fmt: skip
_ISO_ZONE_NAME = re.compile(r"^(\d{4}-\d\d-\d\d[T ][\d:.]+)\s*([A-Z]{3,4})$")
_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


def _ld_date_text(doc: LexborHTMLParser) -> str | None:
    """datePublished from JSON-LD that does not parse (a raw newline in a string is common)."""
    for script in doc.css('script[type="application/ld+json"]'):
        found = _LD_PUBLISHED.search(script.text(deep=True) or "")
        if found:
            return found.group(1)
    return None


def _named_zone(value: str) -> str:
    """`...T17:40:00EET` -> `...T17:40:00+02:00`; anything else as it is."""
    match = _ISO_ZONE_NAME.match(value)
    hours = _ZONE_NAMES.get(match.group(2)) if match else None
    if match is None or hours is None:
        return value
    return f"{match.group(1)}{'+' if hours >= 0 else '-'}{abs(hours):02d}:00"


def parse_iso(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp with a zone, as UTC; None when absent, malformed or naive."""
    if not value:
        return None
    value = _named_zone(_OFFSET_THEN_Z.sub(r"\1", value.strip()))  # `+07:00Z`: offset meant
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None  # a naive time's zone is a guess: leave it to the normalizer
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar's ends by its offset
        return None


def json_ld_objects(doc: LexborHTMLParser) -> list[dict[str, object]]:
    """Every JSON-LD object on the page, @graph members and list items flattened."""
    found: list[dict[str, object]] = []
    for script in doc.css('script[type="application/ld+json"]'):
        try:
            data = jsonloads(script.text(deep=True) or "null")
        except ValueError:
            continue  # broken JSON-LD is common; the other sources of truth remain
        found.extend(_flatten(data))
    return found


def _flatten(data: object) -> Iterator[dict[str, object]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _flatten(graph)


def _types(obj: dict[str, object]) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind}
    return {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()


def ld_article(objects: list[dict[str, object]]) -> dict[str, object] | None:
    """The article object of the page's JSON-LD, else any object carrying datePublished."""
    for obj in objects:
        if _types(obj) & ARTICLE_TYPES:
            return obj
    for obj in objects:
        if "datePublished" in obj:
            return obj
    return None


def ld_is_listing(objects: list[dict[str, object]]) -> bool:
    kinds = set().union(*(_types(o) for o in objects)) if objects else set()
    return bool(kinds & {"CollectionPage", "SearchResultsPage", "ProfilePage"}) and not (
        kinds & ARTICLE_TYPES
    )


def ld_text(
    obj: dict[str, object] | None, key: str, objects: list[dict[str, object]] | None = None
) -> str | None:
    """A string field, or the `name` / `url` / first item of an object or list field.

    An object that is only a reference (`{"@id": ...}`, as Yoast's @graph writes author and
    image) is looked up among `objects`.
    """
    value = obj.get(key) if obj else None
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and "name" not in value and "url" not in value:
        ref = value.get("@id")
        value = next((o for o in objects or () if ref and o.get("@id") == ref), value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("url")
    return value.strip() if isinstance(value, str) and value.strip() else None


# <meta> names of the publication time beyond Open Graph: Dublin Core, news CMSs' own.
_PUBLISHED_METAS = (
    "article:published_time", "datePublished", "og:published_time",
    "og:article:published_time", "article.published", "dcterms.created", "dcterms.issued",
    "DC.date.issued", "dc.date.issued", "DC.date", "dc.date", "publishdate", "publish-date",
    "pubdate", "date", "sailthru.date", "parsely-pub-date",
)  # fmt: skip


def machine_dates(
    doc: LexborHTMLParser, ld: dict[str, object] | None, chrome: Collection[int] = ()
) -> MachineDates:
    """The publication and modification times the page states for machines: aware ones
    first (<meta>, JSON-LD, <time datetime>), then a zone-less one (its zone is the source's),
    then the datePublished of JSON-LD too broken to parse (its zone is the least trusted).
    A <time> inside the page's chrome (`chrome`: the ids of its header, menus, tickers and
    sidebars) dates another story, never this one."""
    published = _first_date(
        meta(doc, *_PUBLISHED_METAS),
        [ld_text(ld, "datePublished") or ""],
        _time_attrs(doc, "time.published, time.entry-date, time[itemprop=datePublished]", chrome),
        _generic_times(doc, chrome),
    )
    modified = _first_date(
        meta(doc, "article:modified_time", "og:updated_time", "dateModified"),
        [ld_text(ld, "dateModified") or ""],
        _time_attrs(doc, "time.updated, time[itemprop=dateModified]", chrome),
    )
    naive = None
    if published is None:
        broken_ld = _ld_date_text(doc)
        candidates = [*meta(doc, *_PUBLISHED_METAS), ld_text(ld, "datePublished") or ""]
        candidates += _time_attrs(doc, "time[itemprop=datePublished]", chrome)
        candidates += _generic_times(doc, chrome)
        naive = next((d for d in map(_parse_naive, [*candidates, broken_ld or ""]) if d), None)
        published = parse_iso(broken_ld) if naive is None else None
        if naive is None and published is None:
            printed = next((c for c in [*candidates, broken_ld or ""] if looks_like_date(c)), None)
            return MachineDates(None, modified, None, printed)
    return MachineDates(published, modified, naive)


_DASHED_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2})-(\d{2})-(\d{2})Z?$")


def _parse_naive(value: str) -> datetime | None:
    value = _OFFSET_THEN_Z.sub(r"\1", value.strip())  # `+07:00Z`: the offset is meant
    # `2015-06-16T14-05-11Z` (detik): a time written with dashes; its Z is as unreliable as
    # its form (the page prints 14:05 WIB), so it is read as a local time
    value = _DASHED_TIME.sub(r"\1:\2:\3", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is None else None


def _generic_times(doc: LexborHTMLParser, chrome: Collection[int]) -> list[str]:
    """A plain <time datetime> dates the story only inside its <article> or <main>, where the
    page has one: outside it stand tickers and lists of other stories."""
    inside = _time_attrs(doc, _IN_STORY, chrome)
    if inside or doc.css_first("article, main, [role=main]") is not None:
        return inside
    return _time_attrs(doc, "time[datetime]", chrome)


_IN_STORY = "article time[datetime], main time[datetime], [role=main] time[datetime]"


def _time_attrs(doc: LexborHTMLParser, selector: str, chrome: Collection[int] = ()) -> list[str]:
    return [n.attributes.get("datetime") or "" for n in doc.css(selector) if n.mem_id not in chrome]


def _first_date(*candidates: list[str]) -> datetime | None:
    for group in candidates:
        for value in group:
            parsed = parse_iso(value)
            if parsed is not None:
                return parsed
    return None


def looks_like_date(text: str) -> bool:
    """A short text that names a day: `Senin, 18 November 2024 - 19:15 WIB`, `18/11/2024`."""
    if not text or len(text) > _MAX_DATE_LINE:
        return False
    patterns = (_DATE_WORDS, _DATE_MDY, _DATE_NUMERIC, _DATE_YMD, _DATE_CJK, _DATE_RELATIVE)
    return any(p.search(text) for p in patterns)


def readable_date(line: str) -> str:
    """A date line in a form the normalizer reads: `2018年6月18日 10:01` -> `2018-6-18 10:01`,
    and `2024年04月24日23:52` (the time right after the day) -> `2024-04-24 23:52`, and a
    time in hours and minutes `21時37分` -> `21:37`."""
    line = _TIME_CJK.sub(_cjk_time, _DATE_CJK.sub(r"\1-\2-\3 ", line))
    return line.replace("  ", " ").rstrip()


def _cjk_time(m: re.Match[str]) -> str:
    return f"{m[1]}:{m[2]}:{m[3]}" if m[3] else f"{m[1]}:{m[2]}"


class PerNode(Generic[T]):
    """`fn(element)`, computed once per element within one pass that leaves the tree as it
    is. Elements side by side share their boxes: reading a box's whole text again for each
    of its thousands of children (forms, list items, dated links) was quadratic."""

    def __init__(self, fn: Callable[[LexborNode], T]) -> None:
        self._fn = fn
        self._known: dict[int, T] = {}

    def __call__(self, node: LexborNode) -> T:
        key = node.mem_id
        if key not in self._known:
            self._known[key] = self._fn(node)
        return self._known[key]


def clean_line(node: LexborNode) -> str:
    return " ".join(node.text(deep=True, separator=" ", strip=True).split())
