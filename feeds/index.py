"""index.html (the subscribe page, in Indonesian) and feeds.opml (every feed, for import).

Both are pure functions of their input, so an unchanged config and unchanged headlines give
the same bytes and the files are not rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from lxml import etree

from feeds.model import Entry, Scope, Site
from feeds.render import display_title, select_entries
from feeds.text import one_line

FORMATS: tuple[tuple[str, str, str], ...] = (
    # (extension, label, MIME type for autodiscovery)
    ("rss", "RSS", "application/rss+xml"),
    ("atom", "Atom", "application/atom+xml"),
    ("json", "JSON Feed", "application/feed+json"),
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


@dataclass(frozen=True)
class Group:
    """A heading on the page (and a folder in the OPML) with its feeds."""

    title: str
    scopes: tuple[Scope, ...]


def group_scopes(scopes: Sequence[Scope]) -> tuple[Group, ...]:
    """All / Kategori / Kabupaten-Kota, then one group per regency for its category feeds.

    Order follows the input order within each group (the config's order), so it is stable."""
    by_kind = {
        kind: [s for s in scopes if s.kind == kind] for kind in ("all", "category", "regency")
    }
    groups = [
        Group("Semua berita", tuple(by_kind["all"])),
        Group("Kategori", tuple(by_kind["category"])),
        Group("Kabupaten/Kota", tuple(by_kind["regency"])),
    ]
    names = {s.regency: one_line(s.title) for s in by_kind["regency"]}
    pairs = [s for s in scopes if s.kind == "regency_category"]
    for regency in dict.fromkeys(s.regency for s in pairs):
        members = tuple(s for s in pairs if s.regency == regency)
        groups.append(Group(f"{names.get(regency, regency)} per kategori", members))
    return tuple(g for g in groups if g.scopes)


def format_date(moment: datetime, timezone: str) -> str:
    """ "18 Nov 2024, 10.00 WITA": Indonesian month names without touching the locale."""
    local = moment.astimezone(ZoneInfo(timezone))
    return (
        f"{local.day} {_MONTHS[local.month - 1]} {local.year}, "
        f"{local.hour:02d}.{local.minute:02d} {local.tzname()}"
    )


_CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:48rem;padding:1rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin:1.5rem 0 .5rem;
border-bottom:2px solid #ddd}ul{list-style:none;padding:0;margin:0}
li{padding:.5rem 0;border-bottom:1px solid #eee}.formats a{display:inline-block;
margin:.25rem .5rem 0 0;padding:.1rem .6rem;border:1px solid #0b57d0;border-radius:1rem;
font-size:.9rem;text-decoration:none}a{color:#0b57d0}small{color:#666}
.ad{background:#fff0c2;border-radius:4px;padding:0 .3rem;font-size:.8rem}
""".strip()


def _feed_item(site: Site, scope: Scope) -> str:
    links = " ".join(
        f'<a href="{escape(site.url(f"{scope.path}.{ext}"))}">{label}</a>'
        for ext, label, _ in FORMATS
    )
    return (
        f"<li><strong>{escape(one_line(scope.title))}</strong><br>"
        f"<small>{escape(one_line(scope.description))}</small>"
        f'<div class="formats">{links}</div></li>'
    )


def _headline_item(site: Site, entry: Entry) -> str:
    label = '<span class="ad">Advertorial</span> ' if entry.advertorial else ""
    source = f"{escape(one_line(entry.source_name))} · " if one_line(entry.source_name) else ""
    return (
        f'<li>{label}<a href="{escape(entry.link)}">{escape(display_title(entry))}</a><br>'
        f"<small>{source}{escape(format_date(entry.published, site.timezone))}</small></li>"
    )


def _autodiscovery(site: Site, scopes: Sequence[Scope]) -> list[str]:
    tags = []
    for scope in scopes:
        formats = FORMATS if scope.kind == "all" else FORMATS[:1]
        for ext, label, mime in formats:
            title = escape(f"{one_line(scope.title)} ({label})")
            href = escape(site.url(f"{scope.path}.{ext}"))
            tags.append(f'<link rel="alternate" type="{mime}" title="{title}" href="{href}">')
    return tags


def render_index(
    site: Site, scopes: Sequence[Scope], headlines: Sequence[Entry], *, limit: int = 20
) -> bytes:
    """The subscribe page: every feed grouped, each with RSS / Atom / JSON links."""
    title = escape(one_line(site.title))
    parts = [
        "<!doctype html>",
        f'<html lang="{escape(site.language)}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}: daftar feed</title>",
        *_autodiscovery(site, scopes),
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        "<p>Berlangganan berita lewat aplikasi pembaca RSS: pilih feed di bawah, salin "
        "tautannya ke aplikasi Anda. Semua feed sekaligus: "
        f'<a href="{escape(site.url("feeds.opml"))}">feeds.opml</a>.</p>',
    ]
    latest = select_entries(headlines, limit)
    if latest:
        items = "".join(_headline_item(site, e) for e in latest)
        parts.append(f"<h2>Berita terbaru</h2><ul>{items}</ul>")
    for group in group_scopes(scopes):
        items = "".join(_feed_item(site, s) for s in group.scopes)
        parts.append(f"<h2>{escape(group.title)}</h2><ul>{items}</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts).encode("utf-8")


def render_opml(site: Site, scopes: Sequence[Scope]) -> bytes:
    """OPML 2.0: one folder per group, one RSS outline per feed."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{one_line(site.title)}: semua feed"
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    for group in group_scopes(scopes):
        folder = etree.SubElement(body, "outline", text=group.title)
        for scope in group.scopes:
            etree.SubElement(
                folder,
                "outline",
                type="rss",
                version="RSS2",
                text=one_line(scope.title),
                title=one_line(scope.title),
                description=one_line(scope.description),
                xmlUrl=site.url(f"{scope.path}.rss"),
                htmlUrl=site.link,
                language=site.language,
            )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
