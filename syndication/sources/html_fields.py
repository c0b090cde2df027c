"""Article fields beyond the body: headline, labels, tags, author, image."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from selectolax.lexbor import LexborHTMLParser, LexborNode

from syndication.sources.html_links import chrome_ids
from syndication.sources.html_meta import below_story, clean_line, first_meta, ld_text, meta
from syndication.sources.html_titles import clean_headline
from syndication.urls import joined

HEADLINE_SELECTORS = (
    "h1.entry-title",
    "h1.jeg_post_title",
    "h1.tdb-title-text",
    "h1.td-post-title",
    ".entry-title h1",
    "h1.post-title",
    "h1.single-title",
    "article h1",
)
BREADCRUMB_SELECTORS = (
    ".breadcrumb",
    ".breadcrumbs",
    "#breadcrumbs",
    ".jeg_breadcrumbs",
    ".td-crumb-container",
    ".entry-crumbs",
    ".rank-math-breadcrumb",
    ".yoast-breadcrumb",
    "nav[aria-label=breadcrumb]",
    "nav[aria-label=Breadcrumb]",
)
CATEGORY_LINK_SELECTORS = (
    ".jeg_meta_category a",
    ".td-post-category",
    ".cat-links a",
    ".entry-category a",
    ".post-category a",
    ".category-label a",
)
TAG_SELECTORS = (
    ".tags-links a",
    ".jeg_post_tags a",
    ".td-tags a",
    ".post-tags a",
    ".tag-list a",
)
AUTHOR_SELECTORS = (
    ".jeg_meta_author a",
    ".td-post-author-name a",
    ".author.vcard .fn",
    ".author-name",
    ".entry-author",
    ".byline .author",
    "a[rel~=author]",
)
FEATURED_IMAGE_SELECTORS = (
    ".jeg_featured img",
    ".td-post-featured-image img",
    ".post-thumbnail img",
    ".featured-image img",
    "img.wp-post-image",
)
_HOME_WORDS = frozenset({"home", "beranda", "index", "halaman utama", "depan", "homepage"})
# Breadcrumb separators as they appear in text (the markup has already been read).
# A slash splits only when spaced, so a label such as "Hukum/Kriminal" survives.
_CRUMB_SPLIT = re.compile(r"\s*(?:»|›|>|\||→|·)\s*|\s+/\s+|^/\s*|\s*/$")
_HEADLINE_ELEMENTS = 40  # h1/h2 elements compared with og:title
_MIN_HEADLINE = 12  # characters: shorter h1s (a section name) are held to the shared words
_SHARED_WORDS = 0.6
# A photo credit some portals end og:title with: "(Foto: Antara)", "（写真＝ロイター）".
_PHOTO_CREDIT = re.compile(r"\s*[(（]\s*(?:foto|photo|写真|ilustrasi)\b[^)）]*[)）]\s*$", re.I)


def headline(
    doc: LexborHTMLParser,
    override: str | None,
    page_url: str = "",
    source_id: str = "",
    chrome: set[int] | None = None,
    listed_as: str = "",
    ld_headline: str = "",
) -> tuple[str, str] | None:
    """The displayed headline, with where it was read (`admin selector title = ...`, `theme
    rule 'h1.entry-title'`, `the page's h1`, `og:title`).

    Without an override: the headline element (a theme rule's, else an h1 outside the page's
    chrome) that agrees with og:title or <title>; else og:title (or <title>) without the
    site's affix; with neither, the theme's headline or the first h1. An h1 that agrees with
    nothing is a logo, a section name or a teaser, never the headline. `chrome`: the page's
    `chrome_ids(doc, "*")` when the caller has them; `ld_headline`: the page's JSON-LD
    article's headline, which shows the title without the site's affix as an h1 would.

    Two ways a title names only the site, not the story, as templates of government portals
    write on every page ("Pemerintah Kabupaten Kutai Timur"): it reads og:site_name; or it
    agrees with no headline element nor with `listed_as` (the headline the listing showed
    for this page) while a headline element agrees with `listed_as`. That element is the
    headline then: the site's name as every story's title made them all one story."""
    if override:
        node = doc.css_first(override)
        line = clean_line(node) if node is not None else ""
        return (line, f"admin selector title = {override!r}") if line else None
    site = first_meta(doc, "og:site_name")
    node = doc.css_first("title")
    og = first_meta(doc, "og:title")
    page_title = clean_line(node) if node is not None else ""
    # the listing's headline, unless the listing cut it short ("Pemkab Kukar Resmikan…")
    whole = "" if listed_as.endswith(("…", "...")) else listed_as.strip()
    written = [(t, how) for t, how in ((og, "og:title"), (page_title, "<title>")) if t]
    titles = [t for t, _ in written if not (site and _same(t, site))]
    og = og if og in titles else None
    candidates = list(_headline_elements(doc, chrome))
    if not titles:
        if candidates:
            return candidates[0]
        if len(whole) >= _MIN_HEADLINE:
            return whole, "the listing's headline (the page's title names the site)"
        return written[0] if written else None  # the site's name rather than no story
    shown = [clean_line(n) for n in doc.css("h1, h2")[:_HEADLINE_ELEMENTS]]
    if whole:
        shown.append(whole)  # the listing shows the headline as well as an h1 would
    if ld_headline.strip():
        shown.append(" ".join(ld_headline.split()))  # the article's own JSON-LD headline
    cleaned = _PHOTO_CREDIT.sub("", clean_headline(titles[0], page_url, site, shown, source_id))
    # what the titles say of the story: og:title, and the page title without the site's
    # name (a logo h1 reading the site's name "agrees" with a "<story> | <site>" title)
    # (each title and element folded once: folding a long og:title again for each of
    # thousands of <h1>s was quadratic, a 20 KB title beside 4,000 of them: 14 s)
    references = [_told(t) for t in (og, cleaned) if t]
    told = [(c, _told(c[0])) for c in candidates]
    agreeing = [(c, t) for c, t in told if any(_agrees(t, r) for r in references)]
    # an element reading exactly the clean title beats one that still carries the site's name
    clean = _told(cleaned)
    exact = [c for c, t in agreeing if t.folded == clean.folded]
    if exact:
        return exact[0]
    if agreeing and cleaned != titles[0] and _starts(agreeing[0][1], clean):
        # the headline element reads the clean title and then the site's name or a kicker
        return cleaned, "og:title" if og else "<title>"
    if agreeing:
        return agreeing[0][0]
    listed = _listed(told, references, listed_as)
    if listed is not None:
        return listed
    if og is None and candidates and cleaned == titles[0]:
        # a <title> that frames no headline element, and has no site's name to strip: it
        # names only the site ("<story> | <site>" names the story: its story part wins)
        return candidates[0]
    return cleaned or titles[0], "og:title" if og else "<title>"


def _listed(
    candidates: list[tuple[tuple[str, str], _Told]], references: list[_Told], listed_as: str
) -> tuple[str, str] | None:
    """The headline element agreeing with the listing's headline for this page, when the
    page's titles do not (they name the site); None otherwise (`candidates`: the headline
    elements, each with its folded form)."""
    listed_as = listed_as.rstrip(".… ")
    listed = _told(listed_as)
    if len(listed_as) < _MIN_HEADLINE or any(_agrees(listed, t) for t in references):
        return None
    for (line, how), told in candidates:
        if _agrees(told, listed):
            return line, f"{how} (the listing's headline; the page's title names the site)"
    return None


def shows_listed(doc: LexborHTMLParser, listed_as: str) -> bool:
    """Whether the page's headline element (a theme rule's, or an h1 outside its chrome)
    reads the headline a listing showed for it: the page is that story's own, not a list of
    stories. A listing's headline cut short ("Pemkab Kukar Resmikan…") or a short one (a
    section's name) proves nothing."""
    whole = "" if listed_as.endswith(("…", "...")) else listed_as.strip()
    if len(whole) < _MIN_HEADLINE or len(whole.split()) < _LISTED_WORDS:
        return False
    listed = _WORD.findall(whole.casefold())  # its words: quotes and dashes typeset apart
    return any(
        _WORD.findall(line.casefold()) == listed for line, _ in _headline_elements(doc, None)
    )


_LISTED_WORDS = 4
_WORD = re.compile(r"\w+")


def _starts(shown: _Told, title: _Told) -> bool:
    a, b = shown.folded, title.folded
    return len(b) >= _MIN_HEADLINE and a.startswith(b) and len(a) > len(b)


def _same(a: str, b: str) -> bool:
    return _folded(a) == _folded(b)


def _headline_elements(doc: LexborHTMLParser, chrome: set[int] | None) -> Iterator[tuple[str, str]]:
    """Headline candidates in order: the theme rules' elements, then the page's h1s that sit
    outside its chrome and outside links."""
    for sel in HEADLINE_SELECTORS:
        node = doc.css_first(sel)
        if node is not None and clean_line(node):
            yield clean_line(node), f"theme rule {sel!r}"
    chrome = chrome_ids(doc, "h1") if chrome is None else chrome
    for node in doc.css("h1"):
        if node.mem_id not in chrome and not _in_link(node) and clean_line(node):
            yield clean_line(node), "the page's h1"


def _in_link(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "a":
            return True
        parent = parent.parent
    return False


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


class _Told(NamedTuple):
    """A title as the comparisons read it: folded (case and spaces), and its words."""

    folded: str
    words: frozenset[str]


def _told(text: str) -> _Told:
    folded = _folded(text)
    return _Told(folded, frozenset(_words(folded)))


def _agrees(shown: _Told, title: _Told) -> bool:
    """Whether a displayed headline and a page title name one story: one holds the other
    (a title carries the site's name), or most of their words are shared (an SEO title
    rewords the headline)."""
    (a, words_a), (b, words_b) = shown, title
    if len(a) >= _MIN_HEADLINE and (a in b or b in a):
        return True
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / max(len(words_a), len(words_b)) >= _SHARED_WORDS


def crumbs(node: LexborNode, title: str | None, site: str | None) -> list[str]:
    """Labels of a breadcrumb-like element: `Home / Advertorial / Pemerintah / <title>`."""
    headline = (title or "").lower()  # once: lowered again for each piece it was quadratic
    skip = set(_HOME_WORDS) | {(site or "").lower(), headline}
    out: list[str] = []
    for line in node.text(deep=True, separator="\n", strip=True).split("\n"):
        # spaces collapsed first: the separators' \s* tried at each space of a long run was
        # quadratic (a 26 KB breadcrumb: 10 s)
        for piece in _CRUMB_SPLIT.split(" ".join(line.split())):
            piece = " ".join(piece.split())
            if piece and piece.lower() not in skip and not _is_title_prefix(piece, headline):
                out.append(piece)
    return out


def _is_title_prefix(piece: str, headline: str) -> bool:
    """`headline`: the page's title, lowered. Themes shorten the last crumb: "Pjs Bupati
    Kukar Menghadiri Rakor..." """
    stem = piece.rstrip(".… ").lower()
    return bool(headline) and len(stem) > 20 and headline.startswith(stem)


def labels(
    doc: LexborHTMLParser, override: str | None, title: str | None, skip: set[int]
) -> tuple[str, ...]:
    """Breadcrumb labels, then article:section, then category links; first spelling wins."""
    site = first_meta(doc, "og:site_name")
    if override:
        found = [c for n in doc.css(override) for c in crumbs(n, title, site)]
        return _unique(found)
    found = []
    for sel in BREADCRUMB_SELECTORS:
        node = doc.css_first(sel)
        if node is not None:
            found += crumbs(node, title, site)
            break
    found += meta(doc, "article:section")
    links = doc.css(", ".join(("a[rel~=category]", *CATEGORY_LINK_SELECTORS)))
    found += [clean_line(a) for a in links if a.mem_id not in skip]
    return _unique(found)


def tags(doc: LexborHTMLParser, skip: set[int]) -> tuple[str, ...]:
    """rel=tag links (WordPress marks categories `category tag`: those are not tags)."""
    found = meta(doc, "article:tag")
    for a in doc.css(", ".join(("a[rel~=tag]", *TAG_SELECTORS))):
        rel = (a.attributes.get("rel") or "").lower().split()
        if a.mem_id not in skip and "category" not in rel:
            found.append(clean_line(a))
    return _unique(found)


def _unique(values: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        value = " ".join(value.split()).lstrip("#")
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            out.append(value)
    return tuple(out)


def author(
    doc: LexborHTMLParser,
    override: str | None,
    objects: list[dict[str, object]],
    ld: dict[str, object] | None,
    chrome: set[int] | frozenset[int] = frozenset(),
) -> str | None:
    """The writer's name: the admin's selector's text; else a theme's author element, the
    byline the page prints ("Pewarta: <name>", "Oleh : <name>", "Penulis | : <name>" in a
    table), JSON-LD's author, the author <meta>s. A value naming no person is passed over:
    a link (article:author is often the site's Facebook page), the site's own name, a
    company or a domain ("Kompas Cyber Media", "PT. VIVA MEDIA BARU - VIVA.co.id")."""
    if override:
        node = doc.css_first(override)
        return (clean_line(node) or None) if node is not None else None
    site = first_meta(doc, "og:site_name") or ""
    themed = (
        _unlabelled(clean_line(n))
        for sel in AUTHOR_SELECTORS
        if (n := doc.css_first(sel)) is not None
    )
    fields = (ld_text(ld, "author", objects), first_meta(doc, "author"))
    found = (
        *((text, False) for text in themed),
        *((text, True) for text in _printed_bylines(doc, chrome)),
        *((text, False) for text in fields),
        (first_meta(doc, "article:author"), False),
    )
    return next(
        (name for text, printed in found if text and (name := _person(text, site, printed))),
        None,
    )


# an element a template names for its reporter ("nmreporter", "penulis-detail"): its name in
# a child of its own, the role beside it ("<div>Dewi Kania</div><span>Jurnalis</span>")
_REPORTER_CLASS = re.compile(r"reporter|penulis|jurnalis|wartawan")
_ROLE_WORDS = frozenset(
    ["jurnalis", "reporter", "wartawan", "penulis", "pewarta", "editor", "redaktur", "kontributor"]
)
_REPORTER_BOXES_READ = 20


def reporter(
    zone: list[LexborNode], doc: LexborHTMLParser, chrome: set[int] | frozenset[int]
) -> str | None:
    """The name in an element the template names for its reporter, in the article's header
    (`zone`: html_dateline.header_zone, read before the page's junk goes: Okezone's
    "nmreporter" sits in its share bar), for a page where no author element, byline or
    field gives one (`author`). Its first line naming a person, role words ("Jurnalis")
    passed over. No related story's nor comment's: they stand below the story."""
    site = first_meta(doc, "og:site_name") or ""
    boxes = [n for n in zone if n.mem_id not in chrome and _REPORTER_CLASS.search(_named(n))]
    for box in boxes[:_REPORTER_BOXES_READ]:
        for node in box.traverse(include_text=False):
            own = " ".join((node.text(deep=False) or "").split())
            if not own or own.lower().strip(" :/|") in _ROLE_WORDS:
                continue
            name = _person(_unlabelled(own), site)
            if name is not None and name.lower() not in _ROLE_WORDS:
                return name
    return None


def _named(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('id') or ''} {attrs.get('class') or ''}".lower()


def _unlabelled(text: str) -> str:
    """A theme's author text without its label ("Posted by Rini", "Oleh: Rini")."""
    label = _BYLINE.match(text) or _POSTED_BY.match(text)
    return label.group(1) if label else text


def _printed_bylines(doc: LexborHTMLParser, chrome: set[int] | frozenset[int]) -> Iterator[str]:
    """The names bylines print after their label, in the page's order: an element marked
    itemprop=author, then any element whose own text starts with a byline's label (the name in
    the same text, in the element, or in its row: "<td>Penulis</td><td>: Name</td>")."""
    for node in doc.css("[itemprop=author]")[:_BYLINES_READ]:
        if node.tag not in ("meta", "link") and node.mem_id not in chrome:
            text = clean_line(node)
            label = _BYLINE.match(text)
            yield label.group(1) if label else text
    body = doc.body
    if body is None or not _BYLINE_WORD.search(body.text(deep=True, separator=" ")):
        return
    # a headline written plainly where a byline could stand (a breadcrumb's last item
    # "Wartawan Senior Kaltim Tutup Usia"): the page's own headline is no byline
    headlines = {_folded(clean_line(h)) for h in doc.css("h1")[:_HEADLINE_ELEMENTS]}
    headlines.add(_folded(first_meta(doc, "og:title") or ""))
    read = 0
    passed: dict[int, bool] = {}  # _in_heading_or_link's answers, shared down the tree
    below: dict[int, bool] = {}  # _below_story's, likewise
    for node in body.css("*"):
        own = " ".join((node.text(deep=False) or "").split())
        # a related story's headline is no byline ("Wartawan Senior Kaltim Tutup Usia" in a
        # link or a heading; "Oleh-Oleh Khas Tenggarong": a label joined by a hyphen)
        if not _BYLINE.match(own) or node.mem_id in chrome or _folded(own) in headlines:
            continue
        if _in_heading_or_link(node, passed) or _below_story(node, below):
            continue
        read += 1
        if read > _BYLINES_READ:  # each reads its row's text: thousands of labels in one
            return  # element would read it thousands of times
        for holder in (node, node.parent):
            if holder is None:
                break
            text = clean_line(holder)
            at = _BYLINE.search(text) if len(text) <= _BYLINE_CHARS else None
            if at is not None and at.group(1).strip(" :"):
                yield at.group(1)
                break


def _below_story(node: LexborNode, known: dict[int, bool]) -> bool:
    """Whether the element sits in a box of comments or other stories (html_meta.below_story)
    below the story's own <article>: its writer line is another story's, or a reader's."""
    return _walked_up(node.parent, known, ("body", "html", "article"), below_story)


def _in_heading_or_link(node: LexborNode, known: dict[int, bool]) -> bool:
    """Whether the element is inside a link, a heading or a breadcrumb trail (below <body>)."""
    return _walked_up(node, known, ("body", "html"), _heading_link_or_crumbs)


def _heading_link_or_crumbs(node: LexborNode) -> bool:
    named = f"{node.attributes.get('id') or ''} {node.attributes.get('class') or ''}"
    # a trail ends in the headline
    return node.tag in _HEADING_OR_LINK or bool(_CRUMBS.intersection(named.lower().split()))


def _walked_up(
    start: LexborNode | None,
    known: dict[int, bool],
    stops: tuple[str, ...],
    says: Callable[[LexborNode], bool],
) -> bool:
    """Whether `says` holds for `start` or an ancestor of it below the first of `stops`.
    `known`: the answers found so far by mem_id; each element's answer is its parent's unless
    `says` holds for it, so every element on the way up is told the answer once (labels
    nested thousands deep, each walking up to <body>, were depth x n)."""
    path: list[int] = []
    up = start
    found = False
    while up is not None and up.tag not in stops:
        if up.mem_id in known:
            found = known[up.mem_id]
            break
        path.append(up.mem_id)
        if says(up):
            found = True
            break
        up = up.parent
    for mem_id in path:
        known[mem_id] = found
    return found


def _person(text: str, site: str, printed: bool = True) -> str | None:
    """The name a byline or an author field gives, cut at what follows it on its line ("|
    Editor: ...", a date); None when it names no person: a link, a company, a domain, the
    site's name or a word of it (a WordPress login "kabarsamarinda"), an uncapitalised word
    (a login, a sentence starting "Oleh karena itu") but a title written so ("dr.")."""
    text = _BYLINE_TAIL.split(" ".join(text.split()), 1)[0].strip(" :-–—|,;")
    words = text.split()
    if not 1 <= len(words) <= _NAME_WORDS or len(text) > _NAME_CHARS:
        return None
    lowered = text.lower()
    if "://" in text or lowered.startswith("www.") or _DOMAIN.search(lowered):
        return None
    if words[0].rstrip(".").lower() in _COMPANY or any(
        w in _COMPANY_WORDS for w in lowered.split()
    ):
        return None
    named = _folded(site).split()
    squashed = _SQUASH.sub("", lowered)
    if named and (
        squashed == _SQUASH.sub("", "".join(named))
        or set(lowered.split()) <= set(named)
        or (len(words) == 1 and squashed in named)
    ):
        return None  # the site's name or a word of it ("Redaksi Eksposisi" is a byline)
    # a printed name is capitalised (a sentence starting "Oleh karena itu" is none); a name a
    # field or a theme gives may be written in lower case ("rini astuti"), but one lower-case
    # word is a login ("kbrsmd")
    capitalised = all(w[:1].isupper() or w.lower() in _NAME_PARTICLES or _uncased(w) for w in words)
    if not capitalised and (printed or len(words) == 1 or text != text.lower()):
        return None  # "View all posts by Rini Astuti": a sentence, not a name in lower case
    return text


def _uncased(word: str) -> bool:
    """A word of a script without capitals (严玉洁), or of no letters."""
    return not any(c.isupper() or c.islower() for c in word)


_BYLINE_WORDS = r"penulis|pewarta|reporter|wartawan|kontributor|ditulis oleh|oleh|author|by"
_BYLINE_WORD = re.compile(rf"(?i)\b(?:{_BYLINE_WORDS})\b")
_BYLINE = re.compile(rf"(?i)^\s*(?:{_BYLINE_WORDS})\b(?!-)\s*:?\s*(.*)$")
_CRUMBS = frozenset({"breadcrumb", "breadcrumbs", "crumbs", "crumb"})
_HEADING_OR_LINK = frozenset({"a", "h1", "h2", "h3", "h4", "h5", "h6"})
_POSTED_BY = re.compile(r"(?i)^\s*(?:posted|written|ditulis)\s+by\s*:?\s*(.*)$")
_SQUASH = re.compile(r"\W+")
_BYLINES_READ = 20
_BYLINE_CHARS = 160  # a byline's whole line; longer text is a paragraph that says "oleh"
# what follows a name on its line: another credit, a separator, a date or a time
_BYLINE_TAIL = re.compile(
    r"(?i)\s(?:[|·•/]|[-–—]\s)|\b(?:editor|redaktur|penyunting|foto|sumber|diperbarui|"
    r"dipublikasikan|diterbitkan|updated|published)\b|\d"
)
_DOMAIN = re.compile(r"[a-z0-9-]\.(?:com|co\.id|id|net|org|tv|co|news)\b")
_COMPANY = frozenset({"pt", "cv"})
_COMPANY_WORDS = frozenset({"developer", "cyber", "media", "webmaster", "admin", "administrator"})
_NAME_PARTICLES = frozenset(
    {"dan", "and", "bin", "binti", "van", "von", "de", "da", "del", "della", "der", "den"}
    | {"di", "du", "la", "le", "al", "el", "y", "e", "&"}
    | {"dr.", "drg.", "dra.", "ir.", "hj.", "h.", "prof."}  # titles written in lower case
)
_NAME_WORDS = 12  # two or three writers' names
_NAME_CHARS = 100


def image(
    doc: LexborHTMLParser,
    override: str | None,
    ld: tuple[list[dict[str, object]], dict[str, object] | None],
    body: LexborNode,
    page_url: str,
) -> str | None:
    """The override, else og:image, JSON-LD image, the featured image, the body's first img."""
    if override:
        node = doc.css_first(override)
        found = _node_image(node) if node is not None else None
    else:
        objects, article = ld
        found = first_meta(doc, "og:image", "og:image:url", "twitter:image")
        found = found or ld_text(article, "image", objects)
        imgs = [*doc.css(", ".join(FEATURED_IMAGE_SELECTORS)), *body.css("img")]
        found = found or next((src for img in imgs if (src := _node_image(img))), None)
    return joined(page_url, found) if found else None  # a link urljoin refuses: no image


def _node_image(node: LexborNode) -> str | None:
    if node.tag != "img":
        attrs = node.attributes
        value = attrs.get("content") or attrs.get("href") or attrs.get("data-src")
        inner = node.css_first("img")
        return value or (_node_image(inner) if inner is not None else None)
    attrs = node.attributes
    # lazy-load plugins keep the real source in a data- attribute and a placeholder in src
    src = attrs.get("data-src") or attrs.get("data-lazy-src") or attrs.get("src")
    return None if not src or src.startswith("data:") else src
