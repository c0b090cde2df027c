"""RSS 2.0 and Atom 1.0 with feedgen 1.0, and the rules every format shares.

feedgen 1.0.0 has traps; each is worked around here and tested in tests/test_feeds_render.py:

- Entry links lose rel/type in Atom (upstream issue #135: `link.get('rel')` reads the new
  element, not the dict), so an enclosure became a second alternate link. We never hand feedgen
  an enclosure and write every Atom entry link ourselves (`_EntryFixups`).
- `type='CDATA'` writes `type="CDATA"` into Atom, which is invalid. HTML goes in as
  `type='html'` (escaped text), never CDATA.
- The RSS channel <link> is whatever link was set last. The site link is set last, always.
- `add_entry` prepends by default. Entries are sorted newest first and appended.
- Feed and entry dates default to now(). Every date is set from the entries; an empty feed
  gets `empty_date` (the epoch by default), so the same input gives the same bytes.
- Naive datetimes raise (refused earlier, in `feeds.model`), and control characters raise
  inside lxml (stripped from every string first, `feeds.text.xml_text`).
- No xml-stylesheet instruction: browsers are dropping XSLT (Chromium shows a removal banner),
  and every scope has its own readable page (`feeds.pages`), so a feed is only a feed.
- feedgen's RSS date formatter calls locale.setlocale (process-wide, racy with threads). We
  never give feedgen an RSS date: pubDate and lastBuildDate are written by our own hooks with
  `feeds.text.rfc822`, and feedgen's default lastBuildDate is switched off.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from feeds.model import ADVERTORIAL_NAME, ADVERTORIAL_SLUG, Entry, Scope, Site
from feeds.text import (
    EPOCH,
    as_utc,
    image_type,
    one_line,
    rfc822,
    rfc3339,
    shows,
    xml_text,
)

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
# what lxml writes in text -> what RSS Best Practices asks for (`_hex_escapes`), in this order
_HEX_REFERENCES = ((b"&amp;", b"&#x26;"), (b"&lt;", b"&#x3C;"), (b"&gt;", b"&#x3E;"))

Element = Any  # lxml elements are untyped here (no stubs installed)


# --- rules shared by every format -----------------------------------------------------------


def _newest_first(entry: Entry) -> tuple[float, str, float, str, str]:
    # Every field that can differ takes part, so the chosen copy of a duplicated id and the
    # order of ties never depend on the order the caller listed them in.
    stamp, changed = entry.published.timestamp(), entry.last_change.timestamp()
    return (-stamp, entry.id, -changed, entry.title, entry.link)


def select_entries(entries: Iterable[Entry], limit: int) -> tuple[Entry, ...]:
    """Newest first (ties broken by id, so the order never depends on input order), one per id,
    at most `limit`."""
    ordered = sorted(entries, key=_newest_first)
    seen: set[str] = set()
    chosen: list[Entry] = []
    for entry in ordered:
        if entry.id not in seen:
            seen.add(entry.id)
            chosen.append(entry)
    return tuple(chosen[:limit])


# a headline the portal labelled itself: "ADVERTORIAL - ...", "[Adv] ...", "(Advertorial): ..."
_OWN_LABEL = re.compile(
    r"[\s\[(«\"'“‘]*(?:advertorial|advetorial|adv)(?!\w)[\s\])»\"'”’:|.,–—\-]*",
    re.IGNORECASE,
)


def headline(entry: Entry) -> str:
    """The title cleaned (`one_line`), or the story's link when nothing visible is left of it
    (controls, zero-width characters only): Atom refuses an entry without a title (feedgen
    raised, and the publish of every feed stopped), and a reader showed an empty line."""
    title = one_line(entry.title)
    return title if shows(title) else xml_text(entry.link)


def display_title(entry: Entry) -> str:
    """The title readers see: the portal's headline as it wrote it (`headline`), so that a
    reader or a script finds the story under its own title. An advertorial is labelled by
    its category "Advertorial" (`display_categories`), which every reader shows, and by the
    badge of the pages; a title it prefixed ("[Advertorial] ...") kept the feeds' title from
    ever matching the portal's."""
    return headline(entry)


def unlabelled_title(title: str) -> str:
    """`title` without a leading advertorial label ("[Advertorial] ", "ADVERTORIAL - "), or
    the title itself when the label is all there is."""
    label = _OWN_LABEL.match(title)
    return (title[label.end() :].strip() or title) if label else title


def display_categories(entry: Entry) -> tuple[tuple[str, str], ...]:
    """(slug, name) pairs, "Advertorial" added for an advertorial, no duplicates, no blanks."""
    return _display_categories(entry.categories, entry.advertorial)


@functools.lru_cache(maxsize=4096)
def _display_categories(
    categories: tuple[tuple[str, str], ...], advertorial: bool
) -> tuple[tuple[str, str], ...]:
    """display_categories, remembered: a site's stories share a few category lists, and each
    is cleaned once instead of once a story."""
    pairs = list(categories)
    if advertorial:
        pairs.append((ADVERTORIAL_SLUG, ADVERTORIAL_NAME))
    seen: set[str] = set()
    result: list[tuple[str, str]] = []
    for slug, name in pairs:
        slug, name = one_line(slug), one_line(name) or one_line(slug)
        if slug and slug not in seen:
            seen.add(slug)
            result.append((slug, name))
    return tuple(result)


def summary_text(entry: Entry) -> str:
    """Plain-text summary, never empty (falls back to the title)."""
    return xml_text(entry.summary).strip() or one_line(entry.title)


def full_content(site: Site, entry: Entry) -> str:
    """The HTML body to publish, or "" (summary mode, or no body)."""
    return xml_text(entry.content_html).strip() if site.content_mode == "full" else ""


def feed_updated(entries: Sequence[Entry], empty_date: datetime) -> datetime:
    """The feed's own date (RSS lastBuildDate, Atom updated): the last time its content
    changed, so it moves only when an entry does: one changed, or one added (an entry's
    `added`, when known: a story added with an older date changes the feed all the same)."""
    return max((_changed(e) for e in entries), default=empty_date)


def _changed(entry: Entry) -> datetime:
    last = entry.last_change
    return last if entry.added is None or entry.added <= last else entry.added


def feed_title(site: Site, scope: Scope) -> str:
    if scope.kind == "all":
        return one_line(scope.title)
    return f"{one_line(scope.title)} | {one_line(site.title)}"


# --- feedgen hooks ---------------------------------------------------------------------------
# feedgen calls extend_rss/extend_atom on registered extensions after building each element;
# that is its public seam for adding what it cannot express. Duck-typed: feedgen has no types.


class _FeedFixups:
    """The RSS channel's own hooks (lastBuildDate, the hub link, the dc namespace). Registered
    for RSS only: the Atom feed needs none, and its root must not declare dc."""

    def __init__(self) -> None:
        self.last_build = EPOCH
        self.hub: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"dc": DC_NS}

    def extend_rss(self, root: Element) -> Element:
        channel = root.find("channel")
        for stale in channel.findall("lastBuildDate"):
            channel.remove(stale)  # feedgen's now(), should its default ever come back
        etree.SubElement(channel, "lastBuildDate").text = rfc822(self.last_build)
        if self.hub:
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", href=self.hub, rel="hub")
        return root

    def extend_atom(self, root: Element) -> Element:
        return root


class EntryText(NamedTuple):
    """What every format writes of one entry, cleaned once per publish and shared by RSS,
    Atom, JSON Feed and the page (`entry_text`): the same strings the formats used to clean
    each for itself. A NamedTuple: built for every story listed, in a quarter of a frozen
    dataclass's time."""

    entry: Entry
    id: str  # xml_text
    link: str  # xml_text
    title: str  # display_title
    summary: str  # summary_text: plain text, never empty
    content: str  # full_content: "" in summary mode or without a body
    author: str  # one line; "" when none
    categories: tuple[tuple[str, str], ...]  # display_categories
    image: tuple[str, str, str] | None  # (url, MIME type, length)
    description: str  # RSS <description>: the summary escaped once, as readers take it as HTML
    published_rfc822: str  # RSS <pubDate>
    published_rfc3339: str  # Atom <published>, JSON Feed date_published


def entry_text(site: Site, entry: Entry) -> EntryText:
    image = None
    if entry.image is not None:
        kind = image_type(entry.image.url, entry.image.mime_type)
        image = (xml_text(entry.image.url), kind, str(entry.image.length))
    summary = summary_text(entry)
    return EntryText(
        entry=entry,
        id=xml_text(entry.id),
        link=xml_text(entry.link),
        title=display_title(entry),
        summary=summary,
        content=full_content(site, entry),
        author=one_line(entry.author) if entry.author else "",
        categories=display_categories(entry),
        image=image,
        description=html.escape(summary, quote=False),
        published_rfc822=rfc822(entry.published),
        published_rfc3339=rfc3339(entry.published),
    )


class _EntryFixups:
    """One story's own hooks, registered on its FeedEntry when it is built (`feed_entry`), so
    every generator that lists it writes the same, and adding it to a generator costs nothing
    more. Everything they write is in `facts`, computed once per story."""

    def __init__(self) -> None:
        self.facts: EntryText | None = None

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, item: Element) -> Element:
        facts = self.facts
        assert facts is not None, "entry hook used before its entry was set"
        if not facts.description:
            # a summary and title that clean to nothing: feedgen put the body in <description>
            # (and no content:encoded); the description is the empty summary all the same
            item.find("description").text = ""
        if facts.author:
            # RSS <author> must be an email address; a name goes in dc:creator.
            etree.SubElement(item, f"{{{DC_NS}}}creator").text = facts.author
        if facts.image is not None:
            url, kind, length = facts.image
            etree.SubElement(item, "enclosure", url=url, length=length, type=kind)
        etree.SubElement(item, "pubDate").text = facts.published_rfc822
        return item

    def extend_atom(self, node: Element) -> Element:
        facts = self.facts
        assert facts is not None, "entry hook used before its entry was set"
        if not facts.content:  # feedgen wrote the link (`feed_entry`), rel/type dropped (#135)
            node.remove(node.find("link"))
        etree.SubElement(node, "link", rel="alternate", type="text/html", href=facts.link)
        if facts.image is not None:
            url, kind, length = facts.image
            etree.SubElement(node, "link", rel="enclosure", type=kind, length=length, href=url)
        etree.SubElement(node, "published").text = facts.published_rfc3339
        return node


# --- building --------------------------------------------------------------------------------


def _base_generator(site: Site, scope: Scope, self_url: str, updated: datetime) -> Any:
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(feed_title(site, scope))
    fg.description(one_line(scope.description))
    fg.language(site.language)
    fg.author({"name": one_line(site.title)})
    fg.generator(one_line(site.generator))
    fg.updated(as_utc(updated))
    # updated() also sets RSS lastBuildDate, which feedgen formats under locale.setlocale.
    # Switch it off; our hook writes the real one. Name-mangled private field of feedgen 1.0
    # (pinned <2); tests/test_feeds_render.py fails if setlocale is ever reached again.
    fg._FeedGenerator__rss_lastBuildDate = None
    return fg


def feed_entry(site: Site, facts: EntryText) -> Any:
    """The feedgen entry of one story, built once per publish: every generator that lists the
    story is given this same FeedEntry, with its own hooks (`_EntryFixups`: only the story's
    facts; nothing in it depends on the scope)."""
    entry = facts.entry
    fe = FeedEntry()
    if entry.id == entry.link:
        fe.guid(facts.id, permalink=True)
    else:
        fe.id(facts.id)  # also the RSS guid, isPermaLink="false"
    fe.title(facts.title)
    if facts.content:
        # RSS's <link> is all feedgen is given: it would write a link without rel/type into
        # Atom (#135), which the entry hook writes whole. Name-mangled field of feedgen 1.0.
        fe._FeedEntry__rss_link = facts.link
    else:
        fe.link(href=facts.link)  # feedgen refuses an Atom entry with neither body nor link
    fe.summary(facts.summary)
    # RSS <description> is the summary escaped (Atom's <summary> holds it unescaped); feedgen
    # has no public setter for the one without the other. Name-mangled field of feedgen 1.0,
    # pinned <2; tests/test_feeds_render.py checks both elements.
    fe._FeedEntry__rss_description = facts.description
    if facts.content:
        fe.content(facts.content, type="html")  # never 'CDATA': it leaks into Atom as CDATA
    # Categories and author go straight into the fields fe.category() and fe.author() fill
    # (name-mangled, feedgen 1.0, pinned <2): their setters check each dict's keys, a fifth of
    # feed_entry's time, for dicts built right here. What the setters would store: Atom's
    # dicts, RSS's category as the label in the scheme's domain, no RSS author (no email).
    if facts.categories:
        scheme = site.url("category/")
        fe._FeedEntry__atom_category = [
            {"term": s, "label": n, "scheme": scheme} for s, n in facts.categories
        ]
        fe._FeedEntry__rss_category = [{"value": n, "domain": scheme} for _, n in facts.categories]
    if facts.author:
        fe._FeedEntry__atom_author = [{"name": facts.author}]
        fe._FeedEntry__rss_author = []
    fe.updated(as_utc(entry.last_change))
    fe.register_extension("syndication", _EntryFixups)
    fe.syndication.facts = facts
    return fe


def render_feeds(
    site: Site, scope: Scope, entries: Iterable[Entry], *, empty_date: datetime = EPOCH
) -> tuple[bytes, bytes]:
    """RSS 2.0 and Atom 1.0 bytes for one scope, both from one generator (each entry's fields
    set once, as feedgen is meant to be used): the same bytes as render_rss and render_atom."""
    fg = _generator(site, scope, entries, empty_date)
    return _rss_bytes(site, scope, fg), _atom_bytes(site, scope, fg)


def render_rss(
    site: Site, scope: Scope, entries: Iterable[Entry], *, empty_date: datetime = EPOCH
) -> bytes:
    """RSS 2.0 bytes for one scope: same input, same bytes."""
    return _rss_bytes(site, scope, _generator(site, scope, entries, empty_date))


def render_atom(
    site: Site, scope: Scope, entries: Iterable[Entry], *, empty_date: datetime = EPOCH
) -> bytes:
    """Atom 1.0 bytes for one scope: same input, same bytes."""
    return _atom_bytes(site, scope, _generator(site, scope, entries, empty_date))


def _generator(site: Site, scope: Scope, entries: Iterable[Entry], empty_date: datetime) -> Any:
    """The generator both formats are written from; each sets its own links when written."""
    chosen = select_entries(entries, site.items_per_feed)
    texts = [entry_text(site, entry) for entry in chosen]
    return generator(site, scope, [feed_entry(site, t) for t in texts], texts, empty_date)


def generator(
    site: Site,
    scope: Scope,
    feed_entries: Sequence[Any],
    texts: Sequence[EntryText],
    empty_date: datetime,
) -> Any:
    """The generator of one scope from its selected entries' FeedEntries (`feed_entry`), in
    order, and their texts."""
    updated = feed_updated([t.entry for t in texts], empty_date)
    if scope.changed is not None and scope.changed > updated:
        updated = as_utc(scope.changed)
    fg = _base_generator(site, scope, site.url(scope.path + ".atom"), updated)
    # the entries carry their hooks under the same name: add_entry finds them registered
    fg.register_extension("syndication", _FeedFixups, None, atom=False)
    fg.syndication.last_build = updated
    fg.syndication.hub = site.websub_hub
    for fe in feed_entries:
        fg.add_entry(fe, order="append")  # the default, prepend, would reverse our order
    return fg


def feeds_bytes(site: Site, scope: Scope, fg: Any) -> tuple[bytes, bytes]:
    """RSS and Atom bytes of a generator from `generator`."""
    return _rss_bytes(site, scope, fg), _atom_bytes(site, scope, fg)


def _rss_bytes(site: Site, scope: Scope, fg: Any) -> bytes:
    self_url = site.url(scope.path + ".rss")
    fg.link(href=self_url, rel="self", type="application/rss+xml", replace=True)
    fg.link(href=site.link, rel="alternate", type="text/html")  # last: it becomes <link>
    return _hex_escapes(fg.rss_str(pretty=True))


def _atom_bytes(site: Site, scope: Scope, fg: Any) -> bytes:
    self_url = site.url(scope.path + ".atom")
    fg.link(href=self_url, rel="self", type="application/atom+xml", replace=True)
    if site.websub_hub:
        fg.link(href=site.websub_hub, rel="hub")
    fg.link(href=site.link, rel="alternate", type="text/html")
    return bytes(fg.atom_str(pretty=True))


def _hex_escapes(document: bytes) -> bytes:
    """RSS Best Practices: encode & < > in text as hexadecimal references (&#x26; &#x3C; &#x3E;),
    the form the widest range of aggregators reads as plain characters. Same XML either way.
    Split and joined rather than bytes.replace: an HTML body gives hundreds of matches a feed,
    and join copies them in about two thirds of replace's time."""
    for escaped, hexadecimal in _HEX_REFERENCES:
        document = hexadecimal.join(document.split(escaped))
    return document
