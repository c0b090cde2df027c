"""Listing pages: which anchors on a home or category page lead to articles.

Two passes over the page's anchors, kept in page order:

1. anchors inside the headline markup of common WordPress news themes (`_HEADLINE_ANCHORS`),
2. any other anchor whose URL has a permalink shape and whose text reads like a headline.

Both passes skip page chrome (menus, header, footer, sidebars, related lists) and URLs that
are not articles (`is_article_url`): categories, tags, authors, pagination, feeds, share
links, logins, comment anchors and other sites.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

# Headline anchors of archive blocks. Generic first, then theme families: JNews (jeg_),
# Newspaper / tagDiv (td-), GeneratePress / Astra / Kadence (entry-title), and others.
_HEADLINE_ANCHORS = (
    "article .entry-title a",
    "article h1 a",
    "article h2 a",
    "article h3 a",
    "article h4 a",
    "article a[rel~=bookmark]",
    ".entry-title a",
    ".post-title a",
    ".jeg_post_title a",
    ".td-module-title a",
    ".tdb-module-title a",
    ".post-item h2 a",
    ".post-item h3 a",
    ".post-item .title a",
    ".post-item > a",
    ".news-item h2 a",
    ".news-item h3 a",
    ".card-title a",
    ".penci-entry-title a",
    ".mvp-blog-story-wrap a",
    ".archive-list h2 a",
    ".list-berita h2 a",
    ".list-berita h3 a",
)

# The boxes whose descendant anchors _HEADLINE_ANCHORS names (`article h2 a`: its
# `article h2`), and the selectors of its other anchors (`.post-item > a`)
_IN_BOX = {s for s in _HEADLINE_ANCHORS if s.endswith(" a") and not s.endswith("> a")}
_HEADLINE_BOXES = ", ".join(s[:-2] for s in _HEADLINE_ANCHORS if s in _IN_BOX)
_HEADLINE_OTHERS = ", ".join(s for s in _HEADLINE_ANCHORS if s not in _IN_BOX)


def _headline_anchor_ids(doc: LexborHTMLParser) -> set[int]:
    """The ids of the anchors _HEADLINE_ANCHORS selects. Its `article h2 a` asked of the page
    as it is makes lexbor try every pair of a link's ancestors (20,000 bare links under 240
    nested boxes: 4.8 s, 31 s at 1 MB); the boxes are found instead, and the anchors of each
    outermost one taken once."""
    boxes = doc.css(_HEADLINE_BOXES)
    ids = {box.mem_id for box in boxes}
    found = {n.mem_id for n in doc.css(_HEADLINE_OTHERS)}
    for box in boxes:
        parent = box.parent
        while parent is not None and parent.mem_id not in ids:
            parent = parent.parent
        if parent is None:  # outermost: the anchors of the boxes inside it are among its own
            found.update(a.mem_id for a in box.css("a") if a.mem_id != box.mem_id)
    return found


# Page chrome: anchors in here are navigation or other posts, never the listing itself.
CHROME = (
    "nav",
    "body > header",
    "body > footer",
    "#masthead",
    "#colophon",
    ".site-header",
    ".site-footer",
    ".jeg_header",
    ".td-header-wrap",
    "aside",
    ".widget",
    ".sidebar",
    "#sidebar",
    "#secondary",
    ".jeg_sidebar",
    ".td-pb-span4",
    ".menu",
    ".breadcrumb",
    ".breadcrumbs",
    ".pagination",
    ".nav-links",
    ".jeg_footer",
    ".td-footer-wrapper",
    ".related-posts",
    ".jp-relatedposts",
    # "most read" / "trending" boxes: other stories, ranked by clicks, beside the main list
    '[id*="trending" i]',
    '[class*="trending" i]',
    '[id*="popular" i]',
    '[class*="popular" i]',
    '[id*="populer" i]',
    '[class*="populer" i]',
    '[class*="most-read" i]',
    '[class*="mostread" i]',
    '[class*="terbaca" i]',
)

# First path segments that are WordPress archives or machinery, not posts.
_NOT_POST_SEGMENTS = frozenset(
    {
        "category", "kategori", "kanal", "tag", "tags", "topik", "topic", "author", "penulis",
        "page", "feed", "search", "cari", "wp-login.php", "wp-admin", "wp-content", "wp-json",
        "wp-includes", "xmlrpc.php", "comments", "cdn-cgi", "login", "register", "index",
        "section", "sections", "spotlight", "topics", "rubrik", "rubrique", "seccion",
    }
)  # fmt: skip

# Static pages every portal links from its footer; their slugs look like posts.
_STATIC_PAGES = frozenset(
    {
        "redaksi", "tentang-kami", "tentang", "kontak", "kontak-kami", "hubungi-kami",
        "pedoman-media-siber", "pedoman-pemberitaan-media-siber", "kode-etik",
        "kode-etik-jurnalistik", "disclaimer", "privacy-policy", "kebijakan-privasi",
        "syarat-dan-ketentuan", "info-iklan", "iklan", "karir", "susunan-redaksi", "about",
        "about-us", "contact", "sitemap", "indeks", "index-berita", "terpopuler",
    }
)  # fmt: skip

_LAST_SEGMENT_FEEDS = frozenset({"feed", "rss", "rss2", "atom", "amp"})
_FILE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".pdf", ".xml", ".zip", ".mp4")
_SHARE_QUERY_KEYS = frozenset({"share", "replytocom", "s", "print", "action"})
_TRACKING_PREFIXES = ("utm_", "fbclid", "gclid")
_SLUG_SPLIT = re.compile(r"[-_]+")
_LONG_ID = re.compile(r"\d{5,}")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_MIN_CJK_CHARS = 8
_DATE_PATH = re.compile(r"/(?:19|20)\d\d/[01]?\d/(?:[0-3]?\d/)?")  # /2014/07/ or /2014/07/24/
_MIN_HEADLINE_WORDS = 4
_MIN_SLUG_WORDS = 3
_ID_SLUG = re.compile(r"\d{2,}[-_][a-z]")
# folders that hold single stories on Indonesian and other portals (a category's own page
# is a single word under them, or has its own folder: /kategori/, /category/)
_STORY_FOLDERS = frozenset(
    {"berita", "read", "news", "artikel", "article", "post", "posts", "detail", "baca", "story",
     "kabar", "info", "warta", "rilis", "siaran-pers", "pengumuman", "publikasi"}
)  # fmt: skip
# query keys that name one story by number (never cat_id, tag_id, author_id, page_id: those
# name a listing or a static page)
_ID_KEYS = frozenset(
    {"p", "id", "nid", "aid", "newsid", "news_id", "idberita", "berita_id", "id_berita",
     "artikel_id", "id_artikel", "article_id", "articleid", "post_id", "postid", "story_id",
     "storyid", "read"}
)  # fmt: skip
# a script whose ?id= names a listing: /kategori.php?id=5, /tag.php?id=2
_LISTING_SCRIPTS = frozenset(
    {"kategori", "category", "cat", "tag", "tags", "author", "penulis", "arsip", "archive",
     "search", "cari", "indeks", "index-berita", "rubrik", "kanal", "channel", "page"}
)  # fmt: skip


# the query keys a front script (/index.php) reads its page kind from
_ROUTE_KEYS = frozenset({"page", "module", "mod", "act", "view", "hal", "menu", "type"})


def _is_id_key(key: str) -> bool:
    """A query key that names a story by number: ?p=, ?id=, ?news_id=, ?berita_id=."""
    return key.lower() in _ID_KEYS


def _story_query(parts: SplitResult) -> bool:
    """?p=123, /berita.php?id=201, /index.php?page=berita&id=77; not /kategori.php?id=5."""
    segs = _segments(parts.path)
    script = segs[-1].rsplit(".", 1)[0] if segs else ""
    if script in _LISTING_SCRIPTS:
        return False
    query = parse_qsl(parts.query)
    # a front script routed to a listing: /index.php?page=kategori&id=5
    if any(v.lower() in _LISTING_SCRIPTS for k, v in query if k.lower() in _ROUTE_KEYS):
        return False
    return any(_is_id_key(k) and _is_story_id(v) for k, v in query)


def _is_number(value: str) -> bool:
    return value.isascii() and value.isdigit()  # "²³" is digits to str.isdigit


def _is_story_id(value: str) -> bool:
    """A number, or Joomla's "<number>:<alias>" (index.php?option=com_content&view=article
    &id=1234:pemkab-kukar-raih-opini-wtp, the links of many government sites)."""
    number, _, alias = value.partition(":")
    return _is_number(number) and (not alias or _JOOMLA_ALIAS.fullmatch(alias) is not None)


_JOOMLA_ALIAS = re.compile(r"[\w-]+")


# Second-level labels under a country code: `kukarkab.go.id`, `bbc.co.uk` name one site each.
_SECOND_LEVEL = frozenset(
    {"co", "com", "go", "or", "ac", "sch", "web", "my", "biz", "net", "org", "gov", "edu", "ne"}
)


def site_domain(netloc: str) -> str:
    """The site a host belongs to: `berau.prokal.co` and `www.prokal.co` -> `prokal.co`,
    `kaltim.tribunnews.com` -> `tribunnews.com`, `diskominfo.kukarkab.go.id` -> `kukarkab.go.id`."""
    host = netloc.lower().split("@")[-1].split(":")[0].strip(".")
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(url: str, page_url: str) -> bool:
    """True when both URLs are on one site: a portal's sections live on sub-domains
    (`money.cnn.com` beside `edition.cnn.com`, `berau.prokal.co` beside `www.prokal.co`)."""
    return site_domain(urlsplit(url).netloc) == site_domain(urlsplit(page_url).netloc)


def document_base(doc: LexborHTMLParser, page_url: str) -> str:
    """The URL the page's relative links resolve against, as a browser resolves them: its
    first <base href> (itself resolved against the page's URL) when that is an http(s) URL
    on the page's own site, else the page's URL. CodeIgniter portals (many regencies' own)
    write `<base href="https://site/">` and links relative to it: read against the page's
    URL, every link of /berita/ pointed at /berita/berita/detail/..., a 404 each."""
    node = doc.css_first("base[href]")
    href = (node.attributes.get("href") or "").strip() if node is not None else ""
    if not href:
        return page_url
    try:
        parts = urlsplit(urljoin(page_url, href))
        page = urlsplit(page_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return page_url
        if not same_site(urlunsplit(parts), page_url):
            return page_url
        # the page's own host (www or not): its scheme and netloc kept, or a template's
        # base_url on http:// or without www would re-key every story the listing links to
        own = _bare_host(parts.hostname) == _bare_host(page.hostname)
        where = page if own else parts
        return urlunsplit((where.scheme, where.netloc, parts.path or "/", parts.query, ""))
    except ValueError:  # "http://[" left by a template: the page's own URL stands
        return page_url


def _bare_host(host: str | None) -> str:
    return (host or "").rstrip(".").removeprefix("www.")


def absolute(href: str, page_url: str) -> str:
    """Resolve `href` against the page and drop the fragment and tracking parameters."""
    parts = urlsplit(urljoin(page_url, href.strip()))
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES)
    ]  # fmt: skip
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def _segments(path: str) -> list[str]:
    return [s for s in path.lower().split("/") if s]


def is_article_url(href: str, page_url: str) -> bool:
    """Whether an href could be a post on this site (any shape; see `has_post_shape`)."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "whatsapp:")):
        return False
    try:
        full = urlsplit(urljoin(page_url, href))
        if full.scheme not in ("http", "https") or not same_site(full.geturl(), page_url):
            return False
    except ValueError:  # "http://[url]" left by a template: that link, not the listing, is bad
        return False
    if "@" in full.netloc or "\\" in full.netloc:
        return False  # user info: a browser would open another host than the one we read
    if "respond" in full.fragment or "comment" in full.fragment:
        return False
    query = parse_qsl(full.query, keep_blank_values=True)
    keys = {k.lower() for k, _ in query}
    if keys & _SHARE_QUERY_KEYS or "feed" in keys:
        return False
    if full.path in ("", "/") and any(_is_id_key(k) and _is_number(v) for k, v in query):
        return True  # WordPress "plain" permalinks: /?p=123
    return _path_may_be_post(_segments(full.path))


def _path_may_be_post(segs: list[str]) -> bool:
    if not segs or segs[-1] in _LAST_SEGMENT_FEEDS:
        return False
    # a language edition's prefix (/es/section/opinion) is no part of the site's paths
    first = segs[1] if len(segs) > 1 and len(segs[0]) == 2 and segs[0].isalpha() else segs[0]
    if first in _NOT_POST_SEGMENTS:
        return False
    if segs[-1].endswith(_FILE_SUFFIXES) or ("page" in segs[:-1] and segs[-1].isdigit()):
        return False
    if all(s.isdigit() for s in segs):  # /2024/ or /2024/11/18/: a date archive
        return False
    return not (len(segs) == 1 and segs[0] in _STATIC_PAGES)


def has_post_shape(url: str) -> bool:
    """Permalink shapes: /2024/11/18/slug/, /berita/slug, /read/123/slug, /slug-of-words/,
    /2014/07/24/world/slug/index.html."""
    parts = urlsplit(url)
    if _story_query(parts):
        return True  # /?p=123 (WordPress "plain"), /berita.php?id=201, ?page=berita&id=77
    segs = _segments(parts.path)
    if segs and segs[-1].startswith("index."):
        segs = segs[:-1]  # the slug is the folder's name
    if not segs:
        return False
    words = _SLUG_SPLIT.split(segs[-1].rsplit(".", 1)[0] if "." in segs[-1] else segs[-1])
    if len(words) >= _MIN_SLUG_WORDS:
        return True
    if _DATE_PATH.search("/" + "/".join(segs) + "/") or _LONG_ID.search(segs[-1]):
        return True  # a dated path, or an id in the last segment (burma-45989453, AEN2019...)
    if _ID_SLUG.match(segs[-1]):
        return True  # an id before the slug: /berita/201-jembatan.html
    if len(words) == _MIN_SLUG_WORDS - 1 and any(s in _STORY_FOLDERS for s in segs[:-1]):
        return True  # a short slug in a story folder: /berita/banjir-sangatta
    # /read/123/slug and ?p=123 style ids: a numeric segment before or as the slug
    return any(s.isdigit() and len(s) >= 3 for s in segs[1:])


_CHROME = ", ".join(CHROME)


def chrome_ids(doc: LexborHTMLParser, tail: str) -> set[int]:
    """Ids of the `tail` elements ("*": all) that sit inside page chrome.

    One query for the chrome elements, then each outermost one's subtree walked once: a
    descendant selector (`nav a`) looks up every ancestor of every element, which costs the
    page's depth times its size (issue 10)."""
    found: set[int] = set()
    walked: set[int] = set()
    for root in doc.css(_CHROME):  # document order: outer before inner
        if root.mem_id in walked:
            continue
        for node in root.traverse(include_text=False):
            walked.add(node.mem_id)
            tag = node.tag or "-"
            if node.mem_id != root.mem_id and not tag.startswith("-") and tail in ("*", tag):
                found.add(node.mem_id)
    return found


def _headline_text(node: LexborNode) -> str:
    text = node.text(deep=True, separator=" ", strip=True)
    return text or node.attributes.get("title") or ""


def _anchor_href(node: LexborNode) -> str | None:
    if node.tag != "a":
        found = node.css_first("a[href]")
        node = found if found is not None else node
    return node.attributes.get("href")


def _collect(nodes: list[LexborNode], page_url: str) -> list[str]:
    return list(_collect_titled(nodes, page_url))


def _collect_titled(
    nodes: list[LexborNode],
    page_url: str,
    cards: dict[int, str] | None = None,
    urls: dict[int, str] | None = None,
) -> dict[str, str]:
    """url -> the longest text of its anchors (an image link and a headline link share a
    URL), in page order. An anchor in `cards` (by mem_id) is a card's "read more" link and
    stands for its card's headline, which a headline link's own text always overrides.
    `urls`, when given, gets each article anchor's URL by its mem_id."""
    out: dict[str, str] = {}
    from_card: set[str] = set()
    for node in nodes:
        href = _anchor_href(node)
        if href is None or not is_article_url(href, page_url):
            continue
        try:
            url = absolute(href, page_url)
        except ValueError:
            continue
        if urls is not None:
            urls[node.mem_id] = url
        card = cards.get(node.mem_id) if cards else None
        text = " ".join((_headline_text(node) if card is None else card).split())
        if card is not None and url in out and url not in from_card:
            continue  # the story's own headline link said it
        if card is None and url in from_card:
            from_card.discard(url)
        elif url in out and len(text) <= len(out[url]):
            continue
        elif card is not None and url not in out:
            from_card.add(url)
        out[url] = text
    return out


def links_by_selector(doc: LexborHTMLParser, page_url: str, selector: str) -> list[str]:
    """An admin's `link` selector: trusted for shape, still kept on-site and off share URLs."""
    return list(titled_links_by_selector(doc, page_url, selector))


def titled_links_by_selector(doc: LexborHTMLParser, page_url: str, selector: str) -> dict[str, str]:
    return _collect_titled(doc.css(selector), page_url)


def default_links(doc: LexborHTMLParser, page_url: str) -> list[str]:
    return list(default_titled_links(doc, page_url))


def default_titled_links(
    doc: LexborHTMLParser, page_url: str, *, cards: bool = True
) -> dict[str, str]:
    """The listing's story links and their headlines; with `cards`, also the "read more"
    links of cards whose headline is no link (see `_card_link_title`)."""
    headline_ids = _headline_anchor_ids(doc)
    chrome = chrome_ids(doc, "a")
    picked: list[LexborNode] = []
    buttons: list[LexborNode] = []  # "read more" links, in page order with the others
    for node in doc.css("a[href]"):
        if node.mem_id in chrome:
            continue
        if node.mem_id in headline_ids or _looks_like_headline_link(node, page_url):
            picked.append(node)
        elif cards and _reads_more(node):
            picked.append(node)
            buttons.append(node)
    titles: dict[int, str] = {}  # a card's own headline for its "Selengkapnya" link
    if buttons:
        stories = _card_urls(buttons, page_url)
        headings = _Headings(doc, stories)
        for node in buttons:
            if node.mem_id in stories:
                title = _card_link_title(node, headings)
                if title is not None:
                    titles[node.mem_id] = title
        refused = {b.mem_id for b in buttons if b.mem_id not in titles}
        picked = [n for n in picked if n.mem_id not in refused]
    urls: dict[int, str] = {}
    links = _collect_titled(picked, page_url, titles, urls)
    return _main_list_first(picked, links, urls)


def _main_list_first(
    nodes: list[LexborNode], links: dict[str, str], urls: dict[int, str]
) -> dict[str, str]:
    """`links` with those of the page's largest run of alike cards first (its main list),
    each run in page order: a home page's ticker, opinion column and video strip come
    before its news in the markup, and a poll capped at max_articles took only them. Alike:
    the same tags and classes on the anchor's three nearest ancestors (`urls`: each listed
    anchor's URL, by mem_id, as _collect_titled took it)."""
    if len(links) < 2:
        return links
    shapes: dict[int, tuple[tuple[str, str], ...]] = {}
    kinds: dict[int, tuple[str, str]] = {}  # an ancestor's, read once for all its anchors
    for node in nodes:
        if node.mem_id not in urls:
            continue
        shape: list[tuple[str, str]] = []
        up = node.parent
        while up is not None and len(shape) < _SHAPE_DEPTH:
            kind = kinds.get(up.mem_id)
            if kind is None:
                kind = kinds[up.mem_id] = (up.tag or "", _card_kind(up))
            shape.append(kind)
            up = up.parent
        shapes[node.mem_id] = tuple(shape)
    members: dict[tuple[tuple[str, str], ...], set[str]] = {}  # stories, not anchors
    for mem_id, url in urls.items():
        members.setdefault(shapes[mem_id], set()).add(url)
    rank: dict[str, int] = {}
    for mem_id, url in urls.items():
        rank[url] = max(rank.get(url, 0), len(members[shapes[mem_id]]))
    order = sorted(links, key=lambda url: -rank.get(url, 0))  # stable: page order within
    return {url: links[url] for url in order}


def _card_kind(node: LexborNode) -> str:
    """An element's classes that say what kind of card it is: without the numbered ones
    ("post-1234", "col-md-6": a card's own) and WordPress's of its post (_OWN_CLASS)."""
    words = (node.attributes.get("class") or "").split()
    return " ".join(
        sorted(w for w in words if not any(c.isdigit() for c in w) and not _OWN_CLASS.match(w))
    )


_SHAPE_DEPTH = 3
# WordPress's classes of one post on its card ("category-ekonomi tag-kutim format-standard")
_OWN_CLASS = re.compile(r"(?:category|tag|type|status|format|has)-|(?:hentry|post)$")


def _looks_like_headline_link(node: LexborNode, page_url: str) -> bool:
    href = node.attributes.get("href") or ""
    if not is_article_url(href, page_url):
        return False
    url = urljoin(page_url, href)
    text = _headline_text(node)
    words = text.split()
    long_enough = len(words) >= _MIN_HEADLINE_WORDS or _is_cjk_headline(text)
    if not long_enough and not _spells_slug(words, url):
        return False
    return has_post_shape(url)


# What a card's link to its story says when the headline above it is no link: "Baca
# Selengkapnya »", "Read more", "Detail". Compared as lower-case words, punctuation dropped.
# Not "Selanjutnya" (a next page as often as a next story), nor a bare "Lihat".
_READ_MORE_TEXTS = frozenset(
    {
        "selengkapnya", "baca selengkapnya", "lihat selengkapnya", "berita selengkapnya",
        "baca berita selengkapnya", "simak selengkapnya", "baca", "baca lagi", "baca berita",
        "baca artikel", "baca lengkap", "lebih lengkap", "baca lanjut", "baca lanjutan",
        "baca lebih lanjut", "lanjut baca", "lanjut membaca", "lanjutkan membaca",
        "detail", "detil", "detail berita", "lihat detail", "lihat berita", "read more",
        "readmore", "read", "more", "continue reading", "keep reading", "read full story",
        "read article", "details",
    }
)  # fmt: skip
_NOT_LETTERS = re.compile(r"[^a-z]+")
# folders of what a card may link that is no story, whatever follows: listings, files
_CARD_NOT_STORY = frozenset(
    {
        "kategori", "category", "categories", "tag", "tags", "arsip", "archive", "archives",
        "topik", "topic", "author", "penulis", "search", "cari", "page", "download",
        "downloads", "unduh", "unduhan", "file", "files", "regulasi",
    }
)  # fmt: skip
# folders of a site's standing pages and of listings: a page under one is never a story,
# whatever its slug or number (/halaman/101/visi-misi, /galeri/2024/05/..., Blogger's /p/)
STANDING_FOLDERS = _CARD_NOT_STORY | frozenset(
    {"halaman", "pages", "p", "profil", "profile", "galeri", "gallery", "foto", "video",
     "agenda", "ppid", "layanan", "produk-hukum", "indeks", "index", "statis", "menu",
     "content", "album", "dokumen"}
)  # fmt: skip
# words that make any folder a non-story's: /galeri-foto/, /video-kegiatan/, /jdih/
_CARD_NOT_STORY_WORDS = (
    "galeri", "gallery", "album", "video", "foto", "photo", "jdih", "lelang", "dokumen",
    "document", "produk-hukum", "informasi-publik", "ppid", "agenda",
)  # fmt: skip
_NEWS_FOLDER_WORDS = ("berita", "news", "artikel")  # /berita-dan-agenda/ is news all the same
# words of a site's own pages (profile, services, history, greetings) and of its notices:
# a URL with one of them in a folder or its slug is no story unless an id or a date says so
_CARD_OWN_PAGE_WORDS = frozenset(
    {
        "halaman", "pages", "profil", "profile", "layanan", "sejarah", "tentang", "about",
        "kontak", "contact", "visi", "struktur", "statis", "sambutan", "event", "pengumuman",
        "lowongan", "lambang",
    }
)  # fmt: skip
_CARD_SHAPE_MIN = 3  # buttons opening bare slugs of one shape that make them a list of stories
_CARD_DEPTH = 4  # how far up from the link a card's box may be
_CARD_SIBLINGS = 6  # how many elements before the link's box its headline may stand
_CARD_TITLE_WORDS = 3  # "Banjir Sangatta Surut"; a section's "MH17 TRAGEDY" has two
_MONTHS = r"jan|feb|mar|apr|mei|may|jun|jul|agu|ags|aug|sep|okt|oct|nov|des|dec"
_DATE_LINE = re.compile(
    rf"^\W*(?:\w+,\s*)?\d{{1,2}}[\s/.-]+(?:\d{{1,2}}|(?:{_MONTHS})\w*)[\s/.-]+\d{{2,4}}\b",
    re.IGNORECASE,
)


def _reads_more(node: LexborNode) -> bool:
    words = _NOT_LETTERS.sub(" ", node.text(deep=True, separator=" ").lower()).split()
    return 0 < len(words) <= 5 and " ".join(words) in _READ_MORE_TEXTS


class _Headings:
    """The page's card headings and "read more" buttons, counted for each element up to
    _CARD_DEPTH levels above them: built once per page, so finding a card's headline costs a
    few lookups per button, not a search of every box around it (a flat list of 3,000 cards
    was quadratic). A heading is an outermost h1-h6, or an element whose class names it a
    title (Bootstrap's `div.card-title`) with no heading inside it, ranked between h4 and
    h5; its text is read once (headings nested a hundred deep around a big text were read a
    hundred times). Buttons are counted by the story they open: a card's picture "Detail" and its
    footer's "Baca selengkapnya" are one."""

    def __init__(self, doc: LexborHTMLParser, buttons: dict[int, str]) -> None:
        self.all: dict[int, int] = {}  # element -> headings in it
        self.best: dict[int, tuple[float, LexborNode]] = {}  # -> (level, its first headline)
        self.buttons: dict[int, set[str]] = {}  # element -> the URLs of the buttons in it
        self.text: dict[int, str] = {}  # headline-like heading -> its text, one line
        root = doc.body
        if root is None:
            return
        titled = {n.mem_id for n in doc.css(_TITLE_CLASSES) if _title_class(n)}
        inside: set[int] = set()  # elements within an h1-h6
        found: list[tuple[LexborNode, float]] = []
        for node in root.traverse(include_text=False):
            parent = node.parent
            if parent is not None and parent.mem_id in inside:
                inside.add(node.mem_id)
            url = buttons.get(node.mem_id)
            if url is not None:
                for box in _ancestors(node):
                    self.buttons.setdefault(box.mem_id, set()).add(url)
            if node.mem_id in inside:
                continue
            level = _LEVELS.get(node.tag or "")
            if level is not None:
                inside.add(node.mem_id)
                found.append((node, _META_LEVEL if _meta_class(node) else level))
            elif node.mem_id in titled:
                found.append((node, _CLASSED_LEVEL))
        # a classed title with a heading (or another classed title) inside is its wrapper
        wrappers = {
            box.mem_id for node, _ in found for box in _ancestors(node)[1:] if box.mem_id in titled
        }
        for node, level in found:
            if level == _CLASSED_LEVEL and node.mem_id in wrappers:
                continue
            boxes = _ancestors(node)
            for box in boxes:
                self.all[box.mem_id] = self.all.get(box.mem_id, 0) + 1
            text = _title_line(node.text(deep=True, separator=" ", strip=True))
            if _headline_like(text):
                self.text[node.mem_id] = text
                for box in boxes:
                    best = self.best.get(box.mem_id)
                    if best is None or level < best[0]:
                        self.best[box.mem_id] = (level, node)

    def headline(self, box: LexborNode) -> LexborNode | None:
        """The box's best headline: the highest heading level, the first of that level (a
        card's title before the date, office or author line under it)."""
        best = self.best.get(box.mem_id)
        return best[1] if best is not None else None

    def button_count(self, box: LexborNode) -> int:
        return len(self.buttons.get(box.mem_id, ()))


def _ancestors(node: LexborNode) -> list[LexborNode]:
    """`node` and its parents, _CARD_DEPTH of them at most."""
    boxes: list[LexborNode] = []
    box: LexborNode | None = node
    for _ in range(_CARD_DEPTH + 1):
        if box is None:
            break
        boxes.append(box)
        box = box.parent
    return boxes


_LEVELS: dict[str, float] = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# a classed title ranks below h1-h4 and above h5-h6 (where cards print their meta lines: an
# author, an office, a category); an h1-h6 classed as a subtitle or meta line, below it
_CLASSED_LEVEL = 4.5
_META_LEVEL = 8
_META_CLASSES = (
    "meta", "author", "byline", "penulis", "kategori", "category", "date", "tanggal", "kicker",
)  # fmt: skip
_TITLE_CLASSES = '[class*="title"], [class*="judul"]'
# a class naming a section's or a widget's title, or a subtitle, not a story's
_NOT_STORY_TITLE = ("section", "widget", "block", "page", "site", "sidebar", "header", "footer")


def _own_page(segs: list[str]) -> bool:
    """A site's own page: Blogger's /p/, a folder named by one of its words (/profil-daerah/),
    or a slug that starts with one (/sejarah-kabupaten-kutai-timur, /visi-dan-misi-bupati);
    never a word inside a story's slug (/pembangunan-infrastruktur-..., /pelayanan-...)."""
    if segs[0] == "p":
        return True
    folders = {t for s in segs[:-1] for t in _SLUG_SPLIT.split(s)}
    first = _SLUG_SPLIT.split(segs[-1])[0]
    return bool(folders.intersection(_CARD_OWN_PAGE_WORDS)) or first in _CARD_OWN_PAGE_WORDS


def _meta_class(node: LexborNode) -> bool:
    """An h1-h6 classed as a subtitle or a meta line (author, date, category), and not also
    as a title ("card-title sub-title-news" is a title; "subject", "updated" say nothing)."""
    tokens = (node.attributes.get("class") or "").lower().split()
    if any(("title" in t or "judul" in t) and "sub" not in t for t in tokens):
        return False
    return any(
        "subtitle" in t
        or "sub-title" in t
        or t in _META_CLASSES
        or t.endswith(tuple(f"-{m}" for m in _META_CLASSES))
        for t in tokens
    )


def _title_class(node: LexborNode) -> bool:
    if node.tag == "a":  # a link with a title's class is a linked headline, or a badge
        return False
    for token in (node.attributes.get("class") or "").lower().split():
        if "sub" in token or token.startswith(_NOT_STORY_TITLE):
            continue
        if "title" in token or "judul" in token:
            return True
    return False


def _title_line(text: str) -> str:
    """A heading's text as one line, at most _TITLE_CHARS: a megabyte heading is no title."""
    return " ".join(text[: _TITLE_CHARS * 2].split())[:_TITLE_CHARS]


_TITLE_CHARS = 300


def _headline_like(text: str) -> bool:
    long_enough = len(text.split()) >= _CARD_TITLE_WORDS or _is_cjk_headline(text)
    return long_enough and _DATE_LINE.match(text) is None


def _card_link_title(node: LexborNode, headings: _Headings) -> str | None:
    """The headline of a listing card whose title is plain text and whose story is linked
    by a "Selengkapnya" button (a button `_card_urls` took); None when there is none.

    The card is the smallest box around the button that holds a heading: with no other
    story's button in it, its best headline (three words or more, no date line; the highest
    heading level, the first of it); in a flat list (the cards' headings and buttons side
    by side in one box, a heading for every other button at least) the heading just before
    the button's branch, unless another button stands between. A card whose heading is no
    headline (a horoscope's "Leo" above a "More") gives nothing, never its neighbour's
    title, and a section's heading over cards that have none is no card's."""
    heading = _card_heading(node, headings)
    if heading is None:
        return None
    if heading.css_first("a[href]") is not None:
        return None  # a linked headline: its own link is the story's, found on its own
    return headings.text[heading.mem_id]


def _card_urls(buttons: list[LexborNode], page_url: str) -> dict[int, str]:
    """The buttons that may open a story, with the URL each opens: an id, a date or a
    story query in it, or a long slug in a story folder (/berita/detail/1234,
    /news/read/77/slug, /2024/10/slug, /berita/slug-of-words); a long slug elsewhere
    (WordPress's /%postname%/, /blog/slug) only when buttons open three URLs or more of
    that shape, as a list of stories does and a home page's boxes linking the site's own
    pages (/sejarah-kabupaten, /p/struktur-organisasi) do not. Never a category, tag,
    archive, gallery, agenda, download or static page."""
    found: dict[int, tuple[str, tuple[str, ...] | None]] = {}
    for node in buttons:
        href = node.attributes.get("href") or ""
        if not is_article_url(href, page_url):
            continue
        url = urljoin(page_url, href.strip())
        story, shape = _card_shape(url)
        if story:
            found[node.mem_id] = (url, shape)
    shapes: dict[tuple[str, ...], set[str]] = {}
    for url, shape in found.values():
        if shape is not None:
            shapes.setdefault(shape, set()).add(url)
    return {
        key: url
        for key, (url, shape) in found.items()
        if shape is None or len(shapes[shape]) >= _CARD_SHAPE_MIN
    }


def _card_shape(url: str) -> tuple[bool, tuple[str, ...] | None]:
    """(whether the URL may name a story, None when it names one on its own or else its
    shape: its folders, for a long slug that names one only among others of that shape)."""
    parts = urlsplit(url)
    segs = _segments(parts.path)
    if any(s in _CARD_NOT_STORY for s in segs) or any(
        w in s and not any(n in s for n in _NEWS_FOLDER_WORDS)
        for s in segs[:-1]
        for w in _CARD_NOT_STORY_WORDS
    ):
        return False, None  # a folder of categories, galleries, videos (not a slug's words)
    query = {k.lower(): v.lower() for k, v in parse_qsl(parts.query)}
    if query.get("view") in ("section", "category", "categories") or "category" in query.get(
        "task", ""
    ):
        return False, None  # Joomla's listings
    if _story_query(parts):
        return True, None
    if segs and segs[-1].startswith("index."):
        segs = segs[:-1]
    if not segs:
        return False, None
    if _DATE_PATH.search("/" + "/".join(segs) + "/") or _LONG_ID.search(segs[-1]):
        return True, None
    if _ID_SLUG.match(segs[-1]) or any(s.isdigit() and len(s) >= 3 for s in segs[1:]):
        return True, None
    in_story_folder = any(s in _STORY_FOLDERS for s in segs[:-1])
    if not in_story_folder and _own_page(segs):
        return False, None  # Blogger's /p/ pages, a profile, a greeting, a notice
    if len(_SLUG_SPLIT.split(segs[-1].rsplit(".", 1)[0])) < _MIN_SLUG_WORDS:
        return False, None
    return True, None if in_story_folder else tuple(segs[:-1])


def _card_heading(node: LexborNode, headings: _Headings) -> LexborNode | None:
    child, box = node, node.parent
    for _ in range(_CARD_DEPTH):
        if box is None or box.tag in ("body", "html"):
            return None
        found = headings.all.get(box.mem_id, 0)
        if found:
            buttons = headings.button_count(box)
            if buttons <= 1:
                return headings.headline(box)  # one card: its headline, if it has one
            if headings.button_count(child) > 1 or 2 * found < buttons:
                return None  # a box of cards without their own headings: a section's title
            return _heading_before(child, headings)
        child, box = box, box.parent
    return None


def _heading_before(child: LexborNode, headings: _Headings) -> LexborNode | None:
    sibling = child.prev
    seen = 0
    while sibling is not None and seen < _CARD_SIBLINGS:
        if sibling.tag and not sibling.tag.startswith("-"):
            if headings.button_count(sibling):
                return None  # the card before this one: its heading is not this button's
            if headings.all.get(sibling.mem_id, 0):
                return headings.headline(sibling)
            seen += 1
        sibling = sibling.prev
    return None


def _is_cjk_headline(text: str) -> bool:
    """Chinese, Japanese and Korean headlines have no spaces to count words by."""
    return len(text) >= _MIN_CJK_CHARS and _CJK.search(text) is not None


def _spells_slug(words: list[str], url: str) -> bool:
    """A short headline the URL's slug spells out: `Tingkatkan Cakupan Imunisasi` on
    /read/news/11991-tingkatkan-cakupan-imunisasi. A menu's `Berita Daerah` has no slug;
    `Banjir Sangatta Surut` on /2024/02/12/banjir-sangatta-surut is the whole slug, and a
    story all the same: its path is dated (or holds the story's number: /berita/5317/...),
    which no menu's is."""
    path = urlsplit(url).path
    segs = _segments(path)
    slug = set(_SLUG_SPLIT.split(segs[-1].rsplit(".", 1)[0])) if segs else set()
    wanted = {re.sub(r"\W", "", w).lower() for w in words}
    if len(wanted) < _MIN_SLUG_WORDS - 1 or not wanted <= slug:
        return False
    # more slug than text: the text is a short form of the slug's headline. A number alone
    # counts only beside a text of _MIN_SLUG_WORDS words: an id before a two-word name is a
    # profile's or a tag's page (/siapa/read/783-nadya-hutagalung), not a story's
    named = {w for w in slug if not w.isdigit()}
    if len(named) > len(wanted) or (len(slug) > len(wanted) >= _MIN_SLUG_WORDS):
        return True
    # a dated path (/2024/02/12/, WordPress's /2024/05/) or a story's number (/berita/5317/,
    # not a year: /ppid/2024/...), outside the folders of a site's standing pages and
    # listings (/halaman/101/visi-misi, /galeri/2024/05/..., Blogger's /p/...)
    if any(seg in STANDING_FOLDERS for seg in segs[:-1]):
        return False
    folder = any(seg in _STORY_FOLDERS for seg in segs[:-1])
    numbered = folder and any(
        seg.isdigit() and len(seg) >= 3 and not _YEAR.fullmatch(seg) for seg in segs[:-1]
    )
    return numbered or _DATE_PATH.search(path + "/") is not None


_YEAR = re.compile(r"(?:19|20)\d\d")
