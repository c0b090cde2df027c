"""index.html (the subscribe page, in Indonesian) and feeds.opml (every feed, for import).

Both are pure functions of their input, so an unchanged config and unchanged headlines give
the same bytes and the files are not rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from lxml import etree

from feeds.layout import EMPTY, FORMATS, autodiscovery, document, long_date, subscribe_links
from feeds.model import Entry, Scope, ScopeStats, Site
from feeds.pages import item_html
from feeds.render import select_entries
from feeds.text import one_line

__all__ = ["FORMATS", "Group", "IndexView", "group_scopes", "render_index", "render_opml"]


@dataclass(frozen=True)
class Group:
    """A heading on the page (and a folder in the OPML) with its feeds."""

    title: str
    scopes: tuple[Scope, ...]


def ordered_pairs(scopes: Sequence[Scope]) -> list[Scope]:
    """Regency x category scopes in config order: by their regency's place among the regency
    scopes, then their category's place among the category scopes (unknown ones last)."""
    regencies = [s.regency for s in scopes if s.kind == "regency"]
    categories = [s.category for s in scopes if s.kind == "category"]

    def place(scope: Scope) -> tuple[int, int, str]:
        r = regencies.index(scope.regency) if scope.regency in regencies else len(regencies)
        c = categories.index(scope.category) if scope.category in categories else len(categories)
        return (r, c, scope.path)

    return sorted((s for s in scopes if s.kind == "regency_category"), key=place)


def group_scopes(scopes: Sequence[Scope]) -> tuple[Group, ...]:
    """All / Kategori / Kabupaten-Kota, then one group per regency for its category feeds,
    everything in the input's (the config's) order."""
    by_kind = {
        kind: [s for s in scopes if s.kind == kind] for kind in ("all", "category", "regency")
    }
    groups = [
        Group("Semua berita", tuple(by_kind["all"])),
        Group("Kategori", tuple(by_kind["category"])),
        Group("Kabupaten/Kota", tuple(by_kind["regency"])),
    ]
    names = {s.regency: one_line(s.title) for s in by_kind["regency"]}
    pairs = ordered_pairs(scopes)
    for regency in dict.fromkeys(s.regency for s in pairs):
        members = tuple(s for s in pairs if s.regency == regency)
        groups.append(Group(f"{names.get(regency, regency)} per kategori", members))
    return tuple(g for g in groups if g.scopes)


def _stats_line(stats: ScopeStats, timezone: str) -> str:
    if not stats.count or stats.latest is None:
        return f'<small class="empty">{EMPTY.rstrip(".").lower()}</small>'
    return (
        f"<small>{stats.count} berita · terbaru {escape(long_date(stats.latest, timezone))}</small>"
    )


def _pair_links(site: Site, pairs: Sequence[Scope], stats: Mapping[str, ScopeStats]) -> str:
    links = []
    for pair in pairs:
        name = one_line(pair.title).split(": ", 1)[-1]
        feeds = " ".join(
            f'<a href="{escape(site.url(f"{pair.path}.{ext}"))}">{ext}</a>' for ext, _, _ in FORMATS
        )
        count = stats.get(pair.path, ScopeStats()).count
        links.append(
            f'<span><a href="{escape(site.url(f"{pair.path}.html"))}">{escape(name)}</a> '
            f"<small>({count}; {feeds})</small></span>"
        )
    return f'<div class="pairs">Per kategori: {" · ".join(links)}</div>' if links else ""


def _scope_row(site: Site, scope: Scope, view: IndexView, pairs: Sequence[Scope] = ()) -> str:
    stats = view.stats.get(scope.path, ScopeStats())
    page = escape(site.url(f"{scope.path}.html"))
    return (
        f'<li><div class="scope"><div><a class="name" href="{page}">'
        f"{escape(one_line(scope.title))}</a><br>{_stats_line(stats, site.timezone)}</div>"
        f"<div>{subscribe_links(site, scope, view.chats.get(scope.path))}</div></div>"
        f"{_pair_links(site, pairs, view.stats)}</li>"
    )


@dataclass(frozen=True)
class IndexView:
    """What the index shows beyond the scopes: per scope path its stats and Telegram chat."""

    stats: Mapping[str, ScopeStats] = field(default_factory=dict)
    chats: Mapping[str, str] = field(default_factory=dict)


def _sections(site: Site, scopes: Sequence[Scope], view: IndexView) -> list[str]:
    pairs = ordered_pairs(scopes)
    sections = []
    for heading, kind in (
        ("Semua berita", "all"),
        ("Kategori", "category"),
        ("Kabupaten/Kota", "regency"),
    ):
        rows = "".join(
            _scope_row(
                site, s, view, [p for p in pairs if kind == "regency" and p.regency == s.regency]
            )
            for s in scopes
            if s.kind == kind
        )
        if rows:
            sections.append(f"<h2>{heading}</h2><ul>{rows}</ul>")
    return sections


def render_index(
    site: Site,
    scopes: Sequence[Scope],
    headlines: Sequence[Entry],
    *,
    limit: int = 10,
    view: IndexView | None = None,
) -> bytes:
    """The subscribe page: the latest headlines, then every scope in config order with its
    page, item count, newest item, feeds and Telegram channel."""
    view = view or IndexView()
    title = one_line(site.title)
    latest = select_entries(headlines, limit)
    everything = next((s for s in scopes if s.kind == "all"), None)
    body = [
        f"<header><h1>{escape(title)}</h1>",
        f"<p>{escape(one_line(everything.description)) if everything else ''}</p>",
        "<p>Baca di halaman ini, atau berlangganan lewat aplikasi pembaca RSS (salin tautan "
        "RSS/Atom/JSON) atau kanal Telegram. Semua feed sekaligus: "
        f'<a href="{escape(site.url("feeds.opml"))}">feeds.opml</a>.</p></header>',
        "<main>",
        "<h2>Berita terbaru</h2>",
    ]
    if latest:
        items = "".join(item_html(site, e) for e in latest)
        body.append(f"<ul>{items}</ul>")
        if everything:
            more = escape(site.url(f"{everything.path}.html"))
            body.append(f'<p><a href="{more}">Semua berita terbaru</a></p>')
    else:
        body.append(
            f'<p class="empty">{EMPTY} Feed di bawah akan terisi setelah sumber '
            "berita pertama kali dibaca.</p>"
        )
    body += [*_sections(site, scopes, view), "</main>"]
    return document(site, f"{title}: daftar feed", body, autodiscovery(site, list(scopes)))


def render_opml(site: Site, scopes: Sequence[Scope]) -> bytes:
    """OPML 2.0: one folder per group, one RSS outline per feed scope (the Atom and JSON forms
    carry the same items: a reader importing all three would show every item three times),
    its htmlUrl the scope's own page."""
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
                htmlUrl=site.url(f"{scope.path}.html"),  # the scope's own readable page
                language=site.language,
            )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
