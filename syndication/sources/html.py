"""HTML sources: portals read from their pages instead of a feed.

    listing page --extract_links--> article URLs --(fetch, elsewhere)--> article page
                 --read_article--> Article (RawEntry + which layer read it) | NotArticle

One seam reads an article page: the admin's selectors, then the theme rules, then the generic
extractor (trafilatura), and the Article says which of them produced its body, headline and
date (shown by `probe` and `explain`).

Pure functions over the page text and its URL; fetching belongs to the pipeline. Defaults fit
common WordPress news themes (JNews, Newspaper/tagDiv, GeneratePress, Astra, Kadence and
home-grown themes built like them); `Selectors` overrides any part for an odd theme.
Helpers: html_links (listing pages), html_meta (metadata and dates), html_fields (headline,
labels, tags, author, image), html_body (the story and its clean-up).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from urllib.parse import parse_qsl, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from syndication.nesting import MAX_DEPTH, bound_depth
from syndication.normalize.text import INSERT_LINE
from syndication.sources import html_fields as fld
from syndication.sources import html_meta as hm
from syndication.sources.html_body import (
    ancestor_ids,
    clean_body,
    drop_junk,
    find_body,
    with_lead,
)
from syndication.sources.html_dateline import (
    date_line,
    header_date_line,
    header_zone,
    lead_date_line,
)
from syndication.sources.html_generic import POOR_BODY_CHARS, body_text_len, generic_body
from syndication.sources.html_links import (
    STANDING_FOLDERS,
    chrome_ids,
    default_titled_links,
    document_base,
    has_post_shape,
    titled_links_by_selector,
)
from syndication.types import RawEntry
from syndication.urls import bare_host, index_file, joined, registrable

__all__ = [
    "Article",
    "FeedDiscovery",
    "FeedLink",
    "NotArticle",
    "Selectors",
    "extract_article",
    "extract_links",
    "find_feed_links",
    "read_article",
]


@dataclass(frozen=True)
class Selectors:
    """CSS overrides for one source (config `[sources.selectors]`); None keeps the default."""

    link: str | None = None  # anchors (or elements holding one) on the listing page
    title: str | None = None
    date: str | None = None  # the date element; its datetime/content attribute if it has one
    content: str | None = None
    categories: str | None = None  # breadcrumb or category elements
    image: str | None = None
    author: str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None) -> Selectors:
        """From the config's selector table (a dict or pydantic `model_dump()`)."""
        names = {f.name for f in fields(cls)}
        picked = {k: v for k, v in (values or {}).items() if k in names and isinstance(v, str)}
        return cls(**picked)


@dataclass(frozen=True)
class NotArticle:
    """The page is no article: a listing, a tag page, a 404, or has no headline or body."""

    reason: str


# The layers that can read an article body, in the order they are tried.
ADMIN, THEME, GENERIC = "admin selector", "theme rule", "generic extractor"


@dataclass(frozen=True)
class Article:
    """An article page read: the entry, and which layer produced each of its parts."""

    entry: RawEntry
    layer: str  # the body's: ADMIN, THEME or GENERIC
    body_by: str  # `theme rule '.entry-content'`, `generic extractor (trafilatura)`, ...
    title_by: str  # `og:title`, `theme rule 'h1.entry-title'`, `admin selector title = ...`
    date_by: str  # `machine date (meta, JSON-LD or <time>)`, `the page's date line`, ...

    def provenance(self) -> str:
        """One line for `probe` and `explain`."""
        return f"body by {self.body_by}; title from {self.title_by}; date from {self.date_by}"


@dataclass(frozen=True)
class FeedLink:
    url: str
    type: str  # application/rss+xml, application/atom+xml, application/feed+json, ...
    title: str | None = None

    @property
    def is_comments(self) -> bool:
        text = f"{self.url} {self.title or ''}".lower()
        return "comments" in text or "komentar" in text


@dataclass(frozen=True)
class FeedDiscovery:
    feeds: tuple[FeedLink, ...] = ()
    wp_api: str | None = None  # the REST root from <link rel="https://api.w.org/">

    @property
    def main_feed(self) -> FeedLink | None:
        """The first announced feed that is not a comments feed."""
        return next((f for f in self.feeds if not f.is_comments), None)


_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml",
     "application/feed+json", "text/xml", "application/xml"}
)  # fmt: skip
# Exact error-page phrases: a headline may well say "... tidak ditemukan" (not found).
_NOT_FOUND_WORDS = (
    "page not found", "halaman tidak ditemukan", "halaman yang anda cari tidak",
    "can't be found", "can’t be found", "nothing found", "error 404",
)  # fmt: skip
_LISTING_BODY_CLASSES = ("archive", "category", "tag", "author", "search", "blog", "home")
_ARTICLE_BLOCKS = "article, .jeg_post, .td_module_wrap, .post-item, .news-item"
_MIN_LISTING_BLOCKS = 3
_BLOCK_TAGS = frozenset(
    (
        "div", "p", "ul", "ol", "li", "table", "section", "article", "aside", "nav", "header",
        "footer", "form", "figure", "blockquote", "dl", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    )
)  # fmt: skip
_MICRODATA_BODY = '[itemprop="articleBody"], [itemprop="articlebody"]'
_MICRODATA_ARTICLE = re.compile(
    r"schema\.org/(?:News|Blog|Reportage|Analysis|Opinion|Report)?(?:Article|Posting)$", re.I
)
_MIN_LISTING_HEADLINES = 4
_STORY_CHARS = 800  # paragraph text of one block that only a story has (teasers run shorter)
_SHORT_STORY_CHARS = 400  # the same at a post's URL, where a listing is rare: a short release
_LISTED_STORY_CHARS = 120  # the same under the headline the listing showed for the page
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def extract_links(html: str, page_url: str, selectors: Selectors | None = None) -> list[str]:
    """Article URLs of a listing page: absolute, de-duplicated, in page order."""
    return list(extract_titled_links(html, page_url, selectors))


def extract_titled_links(
    html: str, page_url: str, selectors: Selectors | None = None
) -> dict[str, str]:
    """Article URL -> its headline as the listing shows it (may be shortened or empty).
    Tags nested deeper than nesting.MAX_DEPTH are flattened first."""
    return titled_links_of_bounded(bound_depth(html)[0], page_url, selectors)


def titled_links_of_bounded(
    html: str, page_url: str, selectors: Selectors | None = None
) -> dict[str, str]:
    """extract_titled_links of a page whose nesting `bound_depth` has already bounded."""
    doc = LexborHTMLParser(html)
    base = document_base(doc, page_url)
    if selectors is not None and selectors.link:
        return titled_links_by_selector(doc, base, selectors.link)
    return default_titled_links(doc, base)


def find_feed_links(html: str, page_url: str) -> FeedDiscovery:
    """Feeds announced with <link rel=alternate>, and the WordPress REST root if announced."""
    doc = LexborHTMLParser(bound_depth(html)[0])
    page_url = document_base(doc, page_url)
    feeds: dict[str, FeedLink] = {}  # by URL: a list searched for each was quadratic
    for node in doc.css("link[rel][href]"):
        attrs = node.attributes
        rel = (attrs.get("rel") or "").lower().split()
        kind = (attrs.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES:
            url = joined(page_url, attrs.get("href") or "")
            if url is not None and url not in feeds:
                feeds[url] = FeedLink(url, kind, (attrs.get("title") or "").strip() or None)
    api = doc.css_first('link[rel="https://api.w.org/"][href]')
    wp_api = joined(page_url, api.attributes.get("href") or "") if api is not None else None
    return FeedDiscovery(tuple(feeds.values()), wp_api)


def extract_article(
    html: str, page_url: str, selectors: Selectors | None = None, *, source_id: str = ""
) -> RawEntry | NotArticle:
    """One article page as a RawEntry, or NotArticle saying why it is none (`read_article`
    without the layers)."""
    result = read_article(html, page_url, selectors, source_id=source_id)
    return result.entry if isinstance(result, Article) else result


def read_article(
    html: str,
    page_url: str,
    selectors: Selectors | None = None,
    *,
    source_id: str = "",
    listed_as: str = "",
) -> Article | NotArticle:
    """One article page as an Article saying which layer read it, or NotArticle saying why
    it is none (`listed_as`: the headline a listing showed for the page, if any). Tags nested
    deeper than nesting.MAX_DEPTH are flattened first (a NotArticle then says so)."""
    html, flattened = bound_depth(html)
    sel = selectors or Selectors()
    doc = LexborHTMLParser(html)
    objects = hm.json_ld_objects(doc)
    ld = hm.ld_article(objects)
    base = document_base(doc, page_url)
    reason = _not_article_reason(doc, page_url, objects, ld, base, listed_as)
    admin_body = find_body(doc, sel.content) if sel.content else None
    if reason is not None and (admin_body is None or reason == "404 page"):
        # a body selector the admin gave outweighs listing signals
        return _not_article(reason, flattened)
    # the elements inside page chrome, looked up once (the tree only loses elements below)
    chrome = chrome_ids(doc, "*")
    written = ld.get("headline") if ld is not None else None
    found_title = fld.headline(
        doc,
        sel.title,
        page_url,
        source_id,
        chrome,
        listed_as,
        written if isinstance(written, str) else "",
    )
    if found_title is None:
        return _not_article("no headline", flattened)
    title, title_by = found_title
    found_body = _body(doc, html, page_url, sel, title, admin_body)
    if found_body is None:
        where = f"selector {sel.content!r} matched nothing" if sel.content else "no theme rule"
        return _not_article(f"no article body ({where}, generic extractor found none)", flattened)
    body, layer, body_by = found_body
    with_lead(doc, body, hm.first_meta(doc, "og:description", "description"))
    # the article's header, read before the junk goes: a template may print its date line
    # or its reporter inside its share bar
    headline = _headline_node(doc, title)
    zone, above = header_zone(doc.body, headline, body.mem_id)
    header = (header_date_line(zone, headline) if not sel.date else None), above
    named = fld.reporter(zone, doc, chrome) if not sel.author else None
    keep = ancestor_ids(body) | _headline_ancestors(doc)
    if doc.body is not None:
        drop_junk(doc.body, keep)  # related lists and share bars carry other posts' labels
    entry, date_by = _entry(
        doc, (page_url, base), sel, source_id, title, body, (objects, ld), chrome, (header, named)
    )
    return Article(entry, layer, body_by, title_by, date_by)


def _body(
    doc: LexborHTMLParser,
    html: str,
    page_url: str,
    sel: Selectors,
    title: str,
    admin: tuple[LexborNode, str] | None,
) -> tuple[LexborNode, str, str] | None:
    """The body element, its layer and how it was found: the admin's selector, else a theme
    rule, else (none, or a theme body too short to be the story) the generic extractor."""
    if admin is not None:
        return admin[0], ADMIN, f"admin selector content = {admin[1]!r}"
    theme = find_body(doc, None)
    if theme is not None and body_text_len(theme[0]) >= POOR_BODY_CHARS:
        return theme[0], THEME, f"theme rule {theme[1]!r}"
    generic = generic_body(html, page_url, title)
    if generic is not None and (theme is None or body_text_len(generic) > body_text_len(theme[0])):
        poor = f", theme rule {theme[1]!r} caught a teaser" if theme is not None else ""
        return generic, GENERIC, f"generic extractor (trafilatura{poor})"
    if theme is not None:
        return theme[0], THEME, f"theme rule {theme[1]!r} (short)"
    return None


def _not_article(reason: str, flattened: int) -> NotArticle:
    if flattened:
        reason += f"; {flattened} tags nested deeper than {MAX_DEPTH} levels were flattened"
    return NotArticle(reason)


def _entry(
    doc: LexborHTMLParser,
    urls: tuple[str, str],
    sel: Selectors,
    source_id: str,
    title: str,
    body: LexborNode,
    found: tuple[list[dict[str, object]], dict[str, object] | None],
    skip: set[int],
    early: tuple[tuple[str | None, set[str]], str | None],
) -> tuple[RawEntry, str]:
    """The entry, and where its date was read (`urls`: the page's URL and the one its relative
    links resolve against, its <base href>'s; `found`: the page's JSON-LD objects and its
    article object; `skip`: the ids of the elements inside page chrome)."""
    page_url, base = urls
    objects, ld = found
    header, named = early  # the header's date line and reporter, read before the junk went
    published_raw, dates, date_by = _dates(doc, sel, ld, (body, skip), title, header)
    image = fld.image(doc, sel.image, (objects, ld), body, base)
    labels = fld.labels(doc, sel.categories, title, skip)
    tags = fld.tags(doc, skip)
    author = fld.author(doc, sel.author, objects, ld, skip) or named
    link = _canonical(doc, page_url, base)
    entry = RawEntry(
        source_id=source_id,
        guid=None,
        link=link,
        title=title,
        title_is_text=True,  # a headline's text: the page's markup is already read
        summary_html=hm.first_meta(doc, "og:description", "description"),
        content_html=clean_body(body),
        published_raw=published_raw,
        published=dates.published,
        updated=dates.modified,
        author=author,
        labels=labels,
        tags=tags,
        image=image,
        # the body's relative links: against the <base href> where the page has one
        base_url=base if base != page_url else link,
    )
    return entry, date_by


def _untimed_above(line: str, above: set[str]) -> bool:
    """Whether the date line is a bare day printed above the headline (a top bar's)."""
    return line in above and not hm.has_clock(line)


def _dates(
    doc: LexborHTMLParser,
    sel: Selectors,
    ld: dict[str, object] | None,
    where: tuple[LexborNode, set[int]],
    title: str,
    header: tuple[str | None, set[str]],
) -> tuple[str | None, hm.MachineDates, str]:
    """The visible date line and the machine dates (an override's own attribute first), and
    where the publication time was read (`where`: the body and the ids of the elements in
    page chrome; `header`: the timed line the article's header showed before the junk went,
    and the date lines above the headline)."""
    body, skip = where
    # (a plain <time> in another story's teaser is still read: three tries at leaving those
    # out, reviewed, each lost stories' own dates, beside their meta line's links)
    machine = hm.machine_dates(doc, ld, skip)
    if sel.date:
        node = doc.css_first(sel.date)
        if node is None:
            how = "machine date" if machine.published else "nowhere"
            return None, machine, f"{how} (admin selector date = {sel.date!r} matched nothing)"
        attrs = node.attributes
        own = hm.parse_iso(attrs.get("datetime") or attrs.get("content"))
        published = own or machine.published
        how = f"admin selector date = {sel.date!r}"
        return hm.clean_line(node) or None, hm.MachineDates(published, machine.modified), how
    inside = {n.mem_id for n in body.css("*")} | skip
    scope = doc.body if doc.body is not None else body
    line = date_line(scope, body.mem_id, inside, _headline_node(doc, title))
    timed, above = header
    # the header's timed line, gone with the junk, beats no line or a bare day above the
    # headline (a top bar's "today"), on a page with no machine date
    no_machine = machine.published is None and machine.naive_published is None
    if timed is not None and no_machine and (line is None or _untimed_above(line, above)):
        line = timed
    if line is None and (lead := lead_date_line(body)) is not None:
        line, node = lead
        node.decompose()  # the article's header caught by the body's element, not story
    naive = machine.naive_published
    if machine.published is not None:
        how = "machine date (meta, JSON-LD or <time>)"
    elif line is None and machine.printed is not None:
        line = machine.printed  # the only date the page gives: its machine field, as printed
        how = f"machine date as printed {line!r}"
    elif line is not None and (naive is None or hm.has_clock(line)):
        how = f"the page's date line {line!r}"
    elif naive is not None:
        how = "zone-less machine date" + (f" with the date line {line!r}" if line else "")
    else:
        how = "nowhere (the first time seen will stand in)"
    if naive is not None and (line is None or not hm.has_clock(line)):
        # a zone-less machine time still knows the hour the visible line leaves out;
        # hand it over in the day-first form the normalizer reads, zone left to it
        line = f"{naive:%d/%m/%Y %H:%M}"
    return (hm.readable_date(line) if line else None), machine, how


def _canonical(doc: LexborHTMLParser, page_url: str, base: str) -> str:
    """The page's canonical link, else its og:url, else its own URL. A link that names the
    home page or a section the page sits under is no article's: some templates print the
    portal's home as every page's canonical, and every story then had one URL (each new
    one merged into the first as its duplicate). Nor is a link its template mangled
    (`_mangled`), nor a bare relative canonical of the page's site that its og:url
    contradicts by naming the page's own URL (`_bare_relative`), nor the page's own address
    with a view's query added (`_own_view`):
    each was a second address of the story, or one that answers 404."""
    node = doc.css_first("link[rel=canonical][href]")
    canonical = node.attributes.get("href") if node is not None else None
    try:
        page = urljoin(page_url, page_url)
    except ValueError:
        page = page_url
    named = []
    for href in (canonical, hm.first_meta(doc, "og:url")):
        href = (href or "").strip()
        try:
            link = urljoin(base, href) if href else ""
            if link and not _mangled(link) and not _names_a_section(link, page_url):
                named.append(link)
        except ValueError:  # "http://[" as the canonical link
            continue
    if not named:
        return page
    if (
        len(named) == 2
        and _bare_relative(canonical)
        and not _same_address(*named)
        and _same_address(named[1], page)
        and _same_site(named[0], page)
    ):
        # a canonical written as a bare relative reference ("8003098", resolved into the
        # page's folder) that the og:url contradicts by naming this page: the og:url is right
        return page
    return page if _own_view(named[0], page) else named[0]


def _bare_relative(href: str | None) -> bool:
    """Whether a canonical href is a bare relative reference ("8003098", "story.html"): no
    scheme, no host, no path from the root, resolved into the page's folder. A canonical
    written whole is the site's word, even where its og:url repeats the address asked."""
    href = (href or "").strip()
    return bool(href) and not href.startswith(("/", "?", "#")) and ":" not in href.split("/")[0]


def _mangled(link: str) -> bool:
    """Whether a template glued the tracking query into the link's path
    ("...rp.200.jutautm.sourcewputm.mediumbox"): an address that answers 404."""
    return _GLUED_TRACKING.search(urlsplit(link).path) is not None


_GLUED_TRACKING = re.compile(r"utm[._-]?(?:source|medium|campaign)", re.IGNORECASE)


def _same_address(link: str, page: str) -> bool:
    a, b = urlsplit(link), urlsplit(page)
    return (
        bare_host(a.hostname) == bare_host(b.hostname)
        and a.path.rstrip("/") == b.path.rstrip("/")
        and a.query == b.query
    )


def _same_site(link: str, page: str) -> bool:
    ours, theirs = bare_host(urlsplit(link).hostname), bare_host(urlsplit(page).hostname)
    return ours == theirs or (bool(ours) and registrable(ours) == registrable(theirs))


def _own_view(link: str, page: str) -> bool:
    """Whether `link` is the page's own address with a query added ("?i=1", "?page=all"),
    the page having answered without one at a path of its own (not the home, not a script
    reading its story from the query): that path is the story's address."""
    a, b = urlsplit(link), urlsplit(page)
    folders = _folders(b.path)
    return (
        bool(a.query)
        and not b.query
        and bool(folders)
        and not _script(folders[-1])
        and bare_host(a.hostname) == bare_host(b.hostname)
        and a.path.rstrip("/") == b.path.rstrip("/")
    )


def _names_a_section(link: str, page_url: str) -> bool:
    """Whether `link` is the home page (any host's, without a query naming a story: "/?p=123"
    is a post, "/?lang=id" the home) for a page that is not the home page, the page's own
    script without the query naming its story ("/read.php" for "/read.php?id=123"), or on
    the page's site a folder above the page: its path a proper prefix of the page's, with
    two folders or more left over
    ("/berita/" for "/berita/2026/12/01/slug"), or one under a short word
    ("/kanal/pemerintahan" for "/kanal/pemerintahan/slug"; not "/berita/123" for
    "/berita/123/slug", nor a story for its "/amp" or "/print" page)."""
    parts, page = urlsplit(link), urlsplit(page_url)
    if parts.query and _names_story(parts.query):
        return False  # a query naming no story ("/?lang=id", "/?amp=1") leaves the path
    folders, page_folders = _folders(parts.path), _folders(page.path)
    if not folders:
        return bool(page_folders) or bool(page.query)
    # the page's site, or another host of its domain (its "m." host, the main site of an
    # agency's subsite): a section or a bare route there is no more this story's link
    ours, theirs = bare_host(parts.hostname), bare_host(page.hostname)
    same_site = ours == theirs or (bool(ours) and registrable(ours) == registrable(theirs))
    if same_site and folders == page_folders and page.query:
        # the story's id left out ("/read.php?id=123", "/berita/detail?id=123"); a view of
        # the story ("?page=all", Blogger's "?m=1", "?amp=1") keeps its canonical
        return _script(folders[-1]) or _names_story(page.query)
    if (
        not same_site
        or len(folders) >= len(page_folders)
        or page_folders[: len(folders)] != folders
    ):
        return False
    rest = page_folders[len(folders) :]
    if len(rest) == 1 and rest[0].lower().split(".")[0] in _VARIANTS:
        return False  # the story's AMP or print page
    last = folders[-1]
    short_word = not any(ch.isdigit() for ch in last) and len(re.split(r"[-_+.]", last)) < 3
    return len(rest) >= 2 or short_word


_VARIANTS = frozenset({"amp", "print", "cetak"})
# query parameters that name a view of a story, or where a reader came from, not the story
_VIEW_PARAMS = frozenset({
    "page", "m", "amp", "print", "output", "view", "lang", "hl", "itemid", "t", "ts", "_",
    "v", "ver", "ref", "source", "share", "from", "fbclid", "gclid", "single", "showall",
    "mode", "format", "type", "tab", "preview", "nocache", "cache", "s", "q",
})  # fmt: skip
# a script that reads its story from the query ("/berita.php?id_berita=45"); a static page's
# extension (Blogger's ".html?m=1") is no script
_SCRIPT = re.compile(r"\.(?:php\d?|aspx?|jsp|cfm|cgi|pl)$", re.IGNORECASE)


def _script(folder: str) -> bool:
    return _SCRIPT.search(folder) is not None


def _names_story(query: str) -> bool:
    """Whether a query may name the story: any parameter but those naming a view of it
    (_VIEW_PARAMS: "?page=2", Blogger's "?m=1", "?amp=1", Joomla's "?Itemid=101", a
    cache-buster "?t=...") or a campaign ("utm_*"). An unknown one is taken to name it: a
    bare route as every story's canonical merges them all, where a link keeping a view's
    query at worst is a second address of one story."""
    for key, _ in parse_qsl(query, keep_blank_values=True):
        name = key.lower()
        if name not in _VIEW_PARAMS and not name.startswith(("utm_", "mc_", "pk_")):
            return True
    return False


def _folders(path: str) -> list[str]:
    folders = [f for f in path.split("/") if f]
    if folders and index_file(folders[-1]):
        folders.pop()
    return folders


def _headline_node(doc: LexborHTMLParser, title: str) -> LexborNode | None:
    """The element showing the headline: a theme's, else an h1-h3 reading the title."""
    node = doc.css_first(", ".join(fld.HEADLINE_SELECTORS))
    if node is not None:
        return node
    wanted = title.casefold()
    for candidate in doc.css("h1, h2, h3"):
        if hm.clean_line(candidate).casefold() == wanted:
            return candidate
    return doc.css_first("h1")


def _headline_ancestors(doc: LexborHTMLParser) -> set[int]:
    node = doc.css_first(", ".join(fld.HEADLINE_SELECTORS)) or doc.css_first("h1")
    return ancestor_ids(node) if node is not None else set()


def _not_article_reason(
    doc: LexborHTMLParser,
    page_url: str,
    objects: list[dict[str, object]],
    ld: dict[str, object] | None,
    base: str,
    listed_as: str = "",
) -> str | None:
    """Why the page is a listing or an error page; None when it may be an article (`base`:
    what its relative links resolve against; `listed_as`: the headline a listing showed for
    the page).

    A page that says it is an article (og:type, JSON-LD, a `single` body class) at a post's
    URL is one. Otherwise many article blocks or headline links make it a listing, unless
    it shows one story (one block of paragraphs as long as a story) and either says it is
    an article or is at a post's URL. Home pages that call themselves `og:type=article` are
    listings all the same."""
    body_classes = set(((doc.body.attributes.get("class") if doc.body else None) or "").split())
    if "error404" in body_classes or _says_not_found(doc):
        return "404 page"
    if "single" not in body_classes:
        for cls in _LISTING_BODY_CLASSES:
            if cls in body_classes:
                return f"listing page (body class {cls!r})"
    if hm.ld_is_listing(objects):
        return "listing page (JSON-LD collection)"
    og_type = (hm.first_meta(doc, "og:type") or "").lower()
    video = og_type.startswith("video") and ld is None and not _microdata_article(doc)
    if video and _story_block(doc)[0] < _STORY_CHARS:
        # a video's page (20detik, detikTV): its text is the clip's blurb, not a story
        return f"video page (og:type {og_type!r})"
    declared = (
        og_type == "article"
        or "single" in body_classes
        or ld is not None
        or _microdata_article(doc)
    )
    post_url = has_post_shape(page_url)
    if declared and post_url:
        return _home_at_story(doc, og_type, base, listed_as)
    story, block = _story_block(doc) if declared or post_url else (0, None)
    if story >= _STORY_CHARS:  # one story's text, whatever surrounds it
        return _home_at_story(doc, og_type, base, listed_as)
    if post_url and story >= _SHORT_STORY_CHARS and _short_story_may_be(page_url, block):
        # a regency's release of four short paragraphs beside a "Berita Terbaru" column
        return _home_at_story(doc, og_type, base, listed_as)
    if (
        post_url
        and story >= _LISTED_STORY_CHARS
        and fld.shows_listed(doc, listed_as)
        and len(doc.css(_ARTICLE_BLOCKS)) < _MIN_LISTING_BLOCKS
        and _short_story_may_be(page_url, block)
    ):
        # shorter still, under the very headline the listing showed for it: a two-paragraph
        # advertorial, its template's "Terkait" and "Terpopuler" columns beside it (a home
        # page's top story's h1 reads the headline too: its title does not)
        return _home_at_story(doc, og_type, base, listed_as)
    return _listing_shape(doc, og_type, base)


def _listing_shape(doc: LexborHTMLParser, og_type: str, base: str) -> str | None:
    """Why the page's markup is a listing's: many article blocks, or many headline links."""
    blocks = len(doc.css(_ARTICLE_BLOCKS))
    if blocks >= _MIN_LISTING_BLOCKS:
        return f"listing page ({blocks} article blocks, og:type {og_type or 'absent'!r})"
    # no article block markup: many headline links make it a listing
    # headline links only: a short article's "Berita Lainnya" cards make no listing of it
    headlines = len(default_titled_links(doc, base, cards=False))
    if headlines >= _MIN_LISTING_HEADLINES:
        return f"listing page ({headlines} headline links, no article markup)"
    return None


def _home_at_story(doc: LexborHTMLParser, og_type: str, base: str, listed_as: str) -> str | None:
    """A home page answering at a story's address (a "soft 404": the portal serves its
    front page for an article it no longer has): its canonical link or og:url names a
    site's home, its markup is a listing's, and its title does not carry the headline the
    listing (or the feed) showed for the link (_carries_headline). Such a page calls itself an
    article (prokal's and jpnn's og:type) and holds a long block of text; taken, it became a
    story titled with the portal's name, or overwrote the story it stood in for. A real
    article whose template names the root (many do) carries its headline in its title: it
    stays one."""
    if not _names_home(doc, base) or _carries_headline(doc, listed_as):
        return None
    reason = _listing_shape(doc, og_type, base)
    return None if reason is None else f"home page at a story's address ({reason})"


def _carries_headline(doc: LexborHTMLParser, listed_as: str) -> bool:
    """Whether the page's own title (og:title, twitter:title, <title>) carries the listing's
    headline for it: all its words but one in five. Not an h1: a home page's first h1 is its
    top story, maybe the very one it stands in for. No headline known (a link without
    text): nothing tells the page is the story's."""
    words = set(_HEADLINE_WORD.findall(listed_as.casefold()))
    if not words:
        return False
    node = doc.css_first("title")
    titles = [
        hm.first_meta(doc, "og:title") or "",
        hm.first_meta(doc, "twitter:title") or "",
        node.text() if node is not None else "",
    ]
    for title in titles:
        shown = set(_HEADLINE_WORD.findall(title.casefold()))
        if 5 * len(words - shown) <= len(words):
            return True
    return False


_HEADLINE_WORD = re.compile(r"\w+")


def _names_home(doc: LexborHTMLParser, base: str) -> bool:
    """Whether the page's canonical link or og:url names a site's home page: the root path,
    or a bare host written without its scheme ("www.prokal.co")."""
    node = doc.css_first("link[rel=canonical][href]")
    for href in (node.attributes.get("href") if node is not None else None,
                 hm.first_meta(doc, "og:url")):  # fmt: skip
        href = (href or "").strip()
        if not href:
            continue
        if _BARE_HOST.fullmatch(href):
            return True
        try:
            parts = urlsplit(urljoin(base, href))
        except ValueError:
            continue
        if parts.path in ("", "/") and not parts.query:
            return True
    return False


# a host written without its scheme: "www.prokal.co", "jpnn.com/"
_BARE_HOST = re.compile(
    r"(?:www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+|[a-z0-9-]+(?:\.[a-z0-9-]+)*"
    r"\.(?:com|co|id|net|org|news|tv|info|co\.id|or\.id|go\.id|ac\.id))/?",
    re.IGNORECASE,
)


def _microdata_article(doc: LexborHTMLParser) -> bool:
    """The page says in microdata that it is one article: a single `articleBody`, or a single
    item typed as an article (a listing marks up each of its teasers, so many say nothing)."""
    if len(doc.css(_MICRODATA_BODY)) == 1:
        return True
    types = [n.attributes.get("itemtype") or "" for n in doc.css("[itemscope][itemtype]")]
    return sum(1 for t in types if _MICRODATA_ARTICLE.search(t)) == 1


def _short_story_may_be(page_url: str, block: LexborNode | None) -> bool:
    """Whether a short block of paragraphs at a post-shaped URL may be the story: not under
    a folder of listings or static pages (/berita/kategori/..., /halaman/101/visi-misi), and
    not a run of teasers (the block's parent holding other stories' headline links)."""
    segs = [seg for seg in urlsplit(page_url).path.lower().split("/") if seg]
    if any(seg in STANDING_FOLDERS for seg in segs[:-1]) or block is None:
        return False
    headlines = 0
    for link in block.css("a[href]")[:_LINKS_READ]:
        if len(hm.clean_line(link).split()) < _TEASER_WORDS:
            continue
        holder = link.parent
        for _ in range(3):  # the block the link stands in (<p>Baca juga: <strong><a>)
            if holder is None or holder.tag in ("p", "div", "li"):
                break
            holder = holder.parent
        if holder is not None and INSERT_LINE.match(hm.clean_line(holder)):
            continue  # the story's own "Baca juga: <a>...</a>" line, not a teaser
        headlines += 1
    return headlines < 2


_LINKS_READ = 200
_TEASER_WORDS = 4


def _story_block(doc: LexborHTMLParser) -> tuple[int, LexborNode | None]:
    """The paragraph text of the page's largest block of paragraphs (one element's <p>s, or
    its leaf <div>s where a CMS writes paragraphs as divs; link text of a div is not story),
    and the element holding them."""
    sizes: dict[int, int] = {}
    parents: dict[int, LexborNode] = {}
    for paragraph in doc.css("p, div"):
        parent = paragraph.parent
        if parent is None:
            continue
        if paragraph.tag == "div":
            if paragraph.child is None or any(c.tag in _BLOCK_TAGS for c in paragraph.iter()):
                continue
            text = paragraph.text(deep=True, strip=True)
            links = sum(len(a.text(deep=True, strip=True)) for a in paragraph.css("a"))
            if 2 * links >= len(text):
                continue
        else:
            text = paragraph.text(deep=True, strip=True)
        # a Chinese or Japanese character says about as much as a Latin word's three
        size = len(text) + 2 * len(_CJK.findall(text))
        sizes[parent.mem_id] = sizes.get(parent.mem_id, 0) + size
        parents[parent.mem_id] = parent
    if not sizes:
        return 0, None
    best = max(sizes, key=lambda key: sizes[key])
    return sizes[best], parents[best]


def _says_not_found(doc: LexborHTMLParser) -> bool:
    for sel in ("title", "h1"):
        node = doc.css_first(sel)
        text = hm.clean_line(node).lower() if node is not None else ""
        if text.startswith("404") or any(w in text for w in _NOT_FOUND_WORDS):
            return True
    return False
