"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written by hand: it is a small format and
feedgen does not speak it. Same entry rules as the XML formats (order, labels, dates)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from feeds.model import Entry, Scope, Site
from feeds.render import (
    display_categories,
    display_title,
    feed_title,
    full_content,
    select_entries,
    summary_text,
)
from feeds.text import EPOCH, image_type, one_line, rfc3339, xml_text

JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"


def _item(site: Site, entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": xml_text(entry.id),
        "url": xml_text(entry.link),
        "title": display_title(entry),
    }
    content = full_content(site, entry)
    # The spec wants content_html or content_text; summary mode publishes the summary as text.
    if content:
        item["content_html"] = content
    else:
        item["content_text"] = summary_text(entry)
    item["summary"] = summary_text(entry)
    if entry.image is not None:
        item["image"] = xml_text(entry.image.url)
        item["attachments"] = [
            {
                "url": xml_text(entry.image.url),
                "mime_type": image_type(entry.image.url, entry.image.mime_type),
                **({"size_in_bytes": entry.image.length} if entry.image.length else {}),
            }
        ]
    item["date_published"] = rfc3339(entry.published)
    item["date_modified"] = rfc3339(entry.last_change)
    if entry.author and one_line(entry.author):
        item["authors"] = [{"name": one_line(entry.author)}]
    tags = [name for _, name in display_categories(entry)]
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
    document["items"] = [_item(site, entry) for entry in chosen]
    text = json.dumps(document, ensure_ascii=False, indent=2)
    # "<", ">" and "&" occur only inside strings here: as \u escapes they read the same to
    # every JSON parser, and a page that embeds or sniffs the file never meets a live tag
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (text + "\n").encode("utf-8")
