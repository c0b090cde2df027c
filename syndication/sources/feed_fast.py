"""A fast path for the common feed: well-formed RSS 2.0 as WordPress writes it, read with lxml.

feedparser walks a document with a Python callback per element and per text piece; about
1.5 ms of CPU per entry of a WordPress feed. This reads the same document in one lxml pass and
builds, for each item, the entry feedparser would build for the keys `feed.py` reads (title and
its type, link, id, summary, content, dates, author, tags, media, enclosures, bases), with
feedparser's own helpers for what must match exactly: its encoding detection, date parsing,
URI joining, HTML guess and text clean-up (strip, UTF-8 read as Latin-1, cp1252 code points).

It declines (returns None, and the caller runs feedparser) on anything it was not written
for: a body feedparser would read with its loose parser (not well-formed, a blank line before
`<?xml`, an undefined entity), a DOCTYPE, xml:base, a namespace prefix bound unusually, an
`item` or `entry` anywhere but under rss/channel, an element inside an item whose feedparser
handler it does not mirror, an element given twice where feedparser's order rules would
matter. A feed listing more than MAX_ENTRIES items is refused here (ParseError), before its
entries are built. tests/test_feed_fast.py checks it against feedparser over every feed in the
test data and the shared corpus.
"""

from __future__ import annotations

import re
from contextlib import suppress
from functools import lru_cache
from typing import Any

from lxml import etree

from ..errors import ParseError

try:  # feedparser's internals: the fast path follows them, and steps aside without them
    from feedparser.api import StrictFeedParser
    from feedparser.datetimes import _parse_date
    from feedparser.encodings import convert_to_utf8
    from feedparser.html import _cp1252
    from feedparser.mixin import _FeedParserMixin
    from feedparser.sanitizer import replace_doctype
    from feedparser.urls import _urljoin, make_safe_absolute_uri
    from feedparser.util import FeedParserDict

    AVAILABLE = True
except ImportError:  # pragma: no cover - a feedparser release that moved them
    AVAILABLE = False

_NAMESPACES = {k.lower(): v for k, v in _FeedParserMixin.namespaces.items()} if AVAILABLE else {}
# what feed.py reads of an entry: an unknown element must not land on one of these keys
_USED = {
    "content",
    "id",
    "link",
    "links",
    "title",
    "title_detail",
    "summary",
    "summary_detail",
    "published",
    "published_parsed",
    "updated",
    "updated_parsed",
    "author",
    "tags",
    "media_content",
    "media_thumbnail",
    "enclosures",
    "image",
}
# item children this module mirrors, by feedparser's name for them
_TEXT = {"title", "link", "guid", "description", "pubdate", "dc_date"}
_MIRRORED = _TEXT | {
    "content_encoded",
    "dc_creator",
    "author",
    "category",
    "media_content",
    "media_thumbnail",
    "enclosure",
}
# at most once per item: feedparser's rules for a repeat depend on order and depth
_ONCE = {"title", "link", "guid", "description", "pubdate", "dc_date", "content_encoded", "author"}
_AMP_REF = re.compile("&([A-Za-z0-9_]+);")

# entries a feed may list: real feeds list 10 to 500. Past this a feed is refused before
# its entries are built (a 47,786-item feed held a first poll 27 s, parsed and normalized),
# by every path (this one, feedparser's, JSON Feed's)
MAX_ENTRIES = 3000


def too_many_entries(count: int, url: str) -> ParseError:
    return ParseError(
        f"parse: {url}: malformed feed: {count} entries, more than {MAX_ENTRIES} "
        "(real feeds list a few hundred at most)"
    )


class Declined(Exception):
    """The document is outside what the fast path mirrors: feedparser reads it."""


def fast_entries(body: bytes, url: str, content_type: str) -> list[dict[str, Any]] | None:
    """feedparser-shaped entries of a plain RSS 2.0 body, or None when feedparser must read it."""
    if not AVAILABLE:
        return None
    try:
        return _entries(body, url, content_type)
    except Declined:
        return None


def _entries(body: bytes, url: str, content_type: str) -> list[dict[str, Any]]:
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    result = FeedParserDict(bozo=False, entries=[], feed=FeedParserDict(), headers=headers)
    data = convert_to_utf8(headers, body, result)
    if not result.get("encoding") or result.get("bozo"):
        raise Declined
    version, data, entities = replace_doctype(data)
    if version or entities or b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
        raise Declined
    try:
        events = etree.iterparse(_Bytes(data), events=("start-ns",), **_OPTS)
        declared = [ns for _, ns in events]
        root = events.root
    except etree.XMLSyntaxError:
        raise Declined from None
    _check_namespaces(declared)
    base = make_safe_absolute_uri("", url) or make_safe_absolute_uri(url) or ""
    if base and make_safe_absolute_uri(base, base) != base:
        raise Declined  # feedparser would re-join this base at every element
    channel = _channel(root)
    items = [child for child in channel if _name(child) == "item"]
    if not items:
        raise Declined
    if len(items) > MAX_ENTRIES:
        raise too_many_entries(len(items), url)
    doc = _Doc(base, data)
    return [_item(item, doc) for item in items]


class _Bytes:
    """A file over bytes for iterparse (io.BytesIO costs a copy of the body)."""

    def __init__(self, data: bytes) -> None:
        self._data, self._pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        chunk = self._data[self._pos : end]
        self._pos += len(chunk)
        return chunk


_OPTS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "recover": False,
    "remove_comments": False,
}


def _check_namespaces(declared: list[tuple[str, str]]) -> None:
    """feedparser maps a document's prefixes to its own: only plain bindings are mirrored."""
    bound: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for prefix, uri in declared:
        if bound.setdefault(prefix, uri) != uri or prefixes.setdefault(uri, prefix) != prefix:
            raise Declined  # one prefix, two namespaces, or the other way round
        known = _NAMESPACES.get(uri.lower())
        if "backend.userland.com/rss" in uri.lower() or prefix != prefix.lower():
            raise Declined
        if known and prefix and known != prefix:
            raise Declined


def _channel(root: Any) -> Any:
    """rss > channel > item, and no item, entry, xml:base or inline SVG/MathML around them.

    (Inside an item every element is checked by `_item`.)"""
    if root.tag != "rss" or _has_base(root):
        raise Declined
    channels = [c for c in root if isinstance(c.tag, str)]
    if len(channels) != 1 or channels[0].tag != "channel" or _has_base(channels[0]):
        raise Declined
    channel = channels[0]
    for child in channel:
        if child.tag == "item" or not isinstance(child.tag, str):
            continue
        for el in child.iter("*"):
            if _has_base(el) or _name(el) in ("item", "entry", "svg", "math"):
                raise Declined  # feedparser takes any item or entry (any case) for an entry
    return channel


def _has_base(el: Any) -> bool:
    return el.get("base") is not None or el.get(_XML_BASE) is not None


_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def _name(el: Any) -> str:
    return _feedparser_name(el.tag, el.prefix)


@lru_cache(maxsize=512)
def _feedparser_name(tag: str, given: str | None) -> str:
    """The name feedparser's strict parser gives an element: its handler is `_start_<name>`."""
    uri, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    prefix = _NAMESPACES.get(uri.lower(), given)
    local = local.lower()
    return f"{prefix.lower()}_{local}" if prefix else local


@lru_cache(maxsize=512)
def _generic(name: str) -> bool:
    """No handler: feedparser keeps the element under its own name, which nothing reads."""
    handled = hasattr(StrictFeedParser, f"_start_{name}") or hasattr(
        StrictFeedParser, f"_end_{name}"
    )
    return not handled and name not in _USED


class _Doc:
    """What every element of one document shares: its base URI, whether C1 code points occur."""

    __slots__ = ("base", "c1")

    def __init__(self, base: str, data: bytes) -> None:
        self.base, self.c1 = base, _c1_possible(data)


def _text(el: Any, doc: _Doc) -> str:
    """feedparser's pop() for a text element: stripped, Latin-1-read UTF-8 undone, cp1252."""
    if len(el):
        raise Declined  # markup or comments inside: feedparser's inline-content rules
    return _finish((el.text or "").strip(), doc)


def _finish(output: str, doc: _Doc) -> str:
    with suppress(UnicodeEncodeError, UnicodeDecodeError):
        output = output.encode("iso-8859-1").decode("utf-8")
    return output.translate(_cp1252) if doc.c1 and _C1.search(output) else output


_C1 = re.compile("[\x80-\x9f]")  # the code points feedparser maps as cp1252 (a slow translate)


def _c1_possible(data: bytes) -> bool:
    """Whether the document may hold those code points: in UTF-8, or as a character
    reference. Two searches, each with a literal start the engine finds at memchr speed: one
    pattern with both alternatives read a 300 KB feed byte by byte when it held neither, in
    four times their time (`bench/bench_checks.py`)."""
    return b"&#" in data or _C1_IN_UTF8.search(data) is not None


_C1_IN_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def _attrs(el: Any) -> dict[str, str]:
    """feedparser's view of attributes: names lower-cased, rel/type values too, &amp; -> &."""
    out: dict[str, str] = {}
    for key, value in el.attrib.items():
        if key.startswith("{"):
            raise Declined
        name = key.lower()
        if name in out:
            raise Declined
        out[name] = (value.lower() if name in ("rel", "type") else value).replace("&amp;", "&")
    return out


def _item(item: Any, doc: _Doc) -> dict[str, Any]:
    if item.attrib:
        raise Declined  # rdf:about and the like
    entry: dict[str, Any] = {}
    seen: set[str] = set()
    for el in item:
        if not isinstance(el.tag, str):
            continue  # a comment or processing instruction between elements
        name = _name(el)
        if name not in _MIRRORED:
            if not _generic(name) or len(el) or _has_base(el):
                raise Declined
            continue
        key = "author" if name == "dc_creator" else name
        if key in _ONCE:
            if key in seen:
                raise Declined
            seen.add(key)
        if name in _TEXT and el.attrib and name != "guid":
            raise Declined
        _READERS[name](entry, el, doc)
    return _as_read(entry)


def _as_read(entry: dict[str, Any]) -> dict[str, Any]:
    """What FeedParserDict.get answers for the keys it derives: `updated` falls back to
    `published`, `enclosures` are the links with rel="enclosure" (without the rel)."""
    for key in ("updated", "updated_parsed"):
        fallback = key.replace("updated", "published")
        if key not in entry and fallback in entry:
            entry[key] = entry[fallback]
    if "links" in entry:
        links = entry["links"]
        entry["enclosures"] = [
            {k: v for k, v in link.items() if k != "rel"}
            for link in links
            if link["rel"] == "enclosure"
        ]
    return entry


def _title(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    value = _text(el, doc)
    kind = "text/html" if _FeedParserMixin.looks_like_html(value) else "text/plain"
    entry["title"] = value
    entry["title_detail"] = dict(type=kind, language=None, base=doc.base, value=value)


def _link(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    value = _uri(el, doc)
    value = _AMP_REF.sub(r"&\g<1>", value.replace("&amp;", "&"))
    entry["link"] = value
    link = {"rel": "alternate", "type": "text/html"}
    entry.setdefault("links", []).append(link)
    if value:
        link["href"] = value


def _uri(el: Any, doc: _Doc) -> str:
    """A URI element: joined to the base before the clean-up, as feedparser's pop() does."""
    if len(el):
        raise Declined
    output = (el.text or "").strip()
    return _finish(_urljoin(doc.base, output) if output else output, doc)


def _guid(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    attrs = _attrs(el)
    if set(attrs) - {"ispermalink"}:
        raise Declined
    is_link = attrs.get("ispermalink", "true") == "true"
    value = _uri(el, doc) if is_link else _text(el, doc)
    entry["id"] = value
    entry.setdefault("guidislink", is_link and "link" not in entry)
    if is_link:
        entry.setdefault("link", value)


def _description(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    if "summary" in entry and "content" not in entry:
        raise Declined  # feedparser would read it as content
    value = _text(el, doc)
    entry["summary"] = value
    entry["summary_detail"] = dict(type="text/html", language=None, base=doc.base, value=value)


def _content(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    if el.attrib:
        raise Declined
    value = _text(el, doc)
    detail = dict(type="text/html", language=None, base=doc.base, value=value)
    entry.setdefault("content", []).append(detail)
    entry.setdefault("summary", value)


def _published(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    value = _text(el, doc)
    entry["published"] = value
    entry["published_parsed"] = _parse_date(value)


def _updated(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    value = _text(el, doc)
    entry["updated"] = value
    entry["updated_parsed"] = _parse_date(value)


def _author(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    if el.attrib:
        raise Declined
    entry["author"] = _text(el, doc)


def _category(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    if el.attrib:
        raise Declined
    value = _text(el, doc)
    tags = entry.setdefault("tags", [])
    tag = {"term": value, "scheme": None, "label": None}
    if value and tag not in tags:
        tags.append(tag)


def _media_content(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    if len(el) or (el.text or "").strip():
        raise Declined
    entry.setdefault("media_content", []).append(_attrs(el))


def _media_thumbnail(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    if len(el) or (el.text or "").strip():
        raise Declined
    entry.setdefault("media_thumbnail", []).append(_attrs(el))


def _enclosure(entry: dict[str, Any], el: Any, doc: _Doc) -> None:
    if len(el):
        raise Declined
    attrs = _attrs(el)
    href = attrs.get("url", attrs.get("uri", attrs.get("href")))
    if href:
        attrs.pop("url", None)
        attrs.pop("uri", None)
        attrs["href"] = href
    attrs["rel"] = "enclosure"
    entry.setdefault("links", []).append(attrs)


_READERS = {
    "title": _title,
    "link": _link,
    "guid": _guid,
    "description": _description,
    "content_encoded": _content,
    "pubdate": _published,
    "dc_date": _updated,
    "dc_creator": _author,
    "author": _author,
    "category": _category,
    "media_content": _media_content,
    "media_thumbnail": _media_thumbnail,
    "enclosure": _enclosure,
}
