"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written by hand: it is a small format and
feedgen does not speak it. Same entry rules as the XML formats (order, labels, dates)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from feeds.model import Entry, Scope, Site
from feeds.render import EntryText, entry_text, feed_title, select_entries
from feeds.text import EPOCH, one_line, rfc3339

JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"


def _item(text: EntryText) -> dict[str, Any]:
    entry = text.entry
    item: dict[str, Any] = {"id": text.id, "url": text.link, "title": text.title}
    # The spec wants content_html or content_text; summary mode publishes the summary as text.
    if text.content:
        item["content_html"] = text.content
    else:
        item["content_text"] = text.summary
    item["summary"] = text.summary
    if text.image is not None and entry.image is not None:  # both or neither
        url, kind, _ = text.image
        item["image"] = url
        item["attachments"] = [
            {
                "url": url,
                "mime_type": kind,
                **({"size_in_bytes": entry.image.length} if entry.image.length else {}),
            }
        ]
    item["date_published"] = text.published_rfc3339
    item["date_modified"] = rfc3339(entry.last_change)
    if text.author:
        item["authors"] = [{"name": text.author}]
    tags = [name for _, name in text.categories]
    if tags:
        item["tags"] = tags
    return item


def render_json(
    site: Site, scope: Scope, entries: Iterable[Entry], *, empty_date: datetime = EPOCH
) -> bytes:
    """JSON Feed 1.1 bytes for one scope (UTF-8, keys in a fixed order, newline at the end).

    `empty_date` is accepted for symmetry with the XML renderers; JSON Feed has no feed date.
    """
    del empty_date
    chosen = select_entries(entries, site.items_per_feed)
    return json_bytes(site, scope, [entry_text(site, entry) for entry in chosen])


def json_bytes(site: Site, scope: Scope, texts: Sequence[EntryText]) -> bytes:
    """render_json's bytes from the selected entries' texts (`feeds.render.entry_text`)."""
    document: dict[str, Any] = {
        "version": JSONFEED_VERSION,
        "title": feed_title(site, scope),
        "home_page_url": site.link,
        "feed_url": site.url(scope.path + ".json"),
        "description": one_line(scope.description),
        "language": site.language,
        "authors": [{"name": one_line(site.title)}],
    }
    if site.websub_hub:
        document["hubs"] = [{"type": "WebSub", "url": site.websub_hub}]
    document["items"] = [_item(text) for text in texts]
    parts: list[str] = []
    _pretty(document, "\n", parts)
    parts.append("\n")
    text = "".join(parts).encode("utf-8")
    # "<", ">" and "&" occur only inside strings here: as \u escapes they read the same to
    # every JSON parser, and a page that embeds or sniffs the file never meets a live tag.
    # Replaced in the UTF-8 bytes (no multi-byte character holds these bytes): ten times
    # faster than in the str, which holds the HTML bodies in two bytes a character.
    return text.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


def _pretty(value: Any, newline: str, out: list[str]) -> None:
    """Append `value` as json.dumps(value, ensure_ascii=False, indent=2) writes it, `newline`
    being the line break and indent of the line it starts on.

    json.dumps with an indent runs the standard library's pure-Python encoder, a generator per
    level (a fifth of a scope's publish); this is the same output from the C string encoder
    and one list of parts. For what a feed document holds: dict, list, str, int, bool, None
    (tests/test_jsonfeed_bytes.py holds it to json.dumps)."""
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        sep = "{" + inner
        for key, item in value.items():
            out.append(sep)
            out.append(encode_basestring(key))
            out.append(": ")
            _pretty(item, inner, out)
            sep = "," + inner
        out.append(newline + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        sep = "[" + inner
        for item in value:
            out.append(sep)
            _pretty(item, inner, out)
            sep = "," + inner
        out.append(newline + "]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    else:
        raise TypeError(f"a JSON Feed holds no {type(value).__name__}")
