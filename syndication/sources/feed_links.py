"""When a feed URL answers with an HTML page: say so, and name the feed the page links."""

from __future__ import annotations

import re

from ..urls import joined

# the charset parameter of a Content-Type header
HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title")


def looks_like_html(body: bytes, content_type: str) -> bool:
    if "html" in content_type.lower() and "xhtml" not in content_type.lower():
        return True
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    while head.startswith(b"<!--"):  # comments before the doctype
        end = head.find(b"-->")
        head = head[end + 3 :].lstrip() if end >= 0 else b""
    return head.startswith(_HTML_START)


def linked_feeds(body: bytes, url: str) -> list[str]:
    """The feeds an HTML page names in <link rel="alternate">, as absolute URLs.

    Read with lexbor, in linear time: the standard library's HTMLParser took quadratic time
    on a run of unclosed tags or comments (64 KB of `<a b='`: 33 s), and a feed URL that
    answers with such a page must not stall its poll."""
    from selectolax.lexbor import LexborHTMLParser  # here: only a misconfigured feed needs it

    doc = LexborHTMLParser(body[: 512 * 1024].decode("utf-8", "replace"))
    seen: dict[str, None] = {}
    for link in doc.css("link[href]"):
        attrs = link.attributes
        rels = (attrs.get("rel") or "").lower().split()
        kind = (attrs.get("type") or "").lower().split(";")[0].strip()
        href = (attrs.get("href") or "").strip()
        if "alternate" not in rels or kind not in FEED_TYPES or not href:
            continue
        absolute = joined(url, href)
        if absolute is not None and absolute.startswith(("http://", "https://")):
            seen.setdefault(absolute)
    return list(seen)


def html_page_message(body: bytes, url: str) -> str:
    feeds = linked_feeds(body, url)
    links = (
        f"; the page links the feed {feeds[0]}: use that URL as this source's url"
        if feeds
        else "; it links no feed"
    )
    return (
        f'parse: {url}: this is an HTML page, not a feed{links}; or set kind = "html" on '
        f"this source to read the page itself; `syndication probe {url}` shows what it finds"
    )
