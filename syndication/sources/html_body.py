"""The article body: find it, and cut away what the theme and plugins inserted into it.

Whole insert widgets go here (share bars, related posts, author boxes, ads, "Baca Juga"
boxes), and so do blocks that are all links to other stories ("Baca juga: <a>...</a>",
"Read more: ...", related lists with their heading), captions and ad labels; a "Baca Juga"
paragraph with text of its own stays for the normalizer, which removes inserts paragraph by
paragraph before it classifies.
"""

from __future__ import annotations

import html as htmllib
import itertools
import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from syndication.sources.html_meta import PerNode

BODY_SELECTORS = (
    ".entry-content",
    "[itemprop=articleBody]",
    "article .post-content",
    ".td-post-content",
    ".jeg_post_content .content-inner",
    ".post-content",
    ".article-content",
    ".single-content",
    ".detail-content",
    ".content-inner",
    ".post-body",
    ".entry-body",
    "article .content",
)
_MIN_BODY_CHARS = 40

# Class or id fragments of insert widgets: substring match, so `jp-relatedposts`,
# `crp_related`, `sharedaddy`, `heateor_sss_sharing` and `baca-juga-box` are all caught.
_JUNK_FRAGMENTS = (
    "baca-juga", "bacajuga", "baca_juga", "related", "sharedaddy", "share", "sharing",
    "social", "author-box", "author-bio", "about-author", "authorbox", "jeg_ad", "td-a-rec",
    "adsbygoogle", "ad-slot", "ads-", "-ads", "iklan-", "newsletter", "code-block",
    "td-post-sharing", "wp-block-buttons", "comment", "komentar", "disqus", "post-navigation",
    "nav-links",
)  # fmt: skip
# Tag lists: read as tags first, then cut from the body.
_TAG_FRAGMENTS = ("post-tags", "tags-links", "jeg_post_tags", "td-tags", "tag-list")
# Whole class tokens only: these are too short to match as substrings (`ad` is in `adv`).
_JUNK_TOKENS = frozenset({"ad", "ads", "advert", "advertisement", "iklan", "banner"})
_ALWAYS_JUNK = "script, style, noscript, template, button, ins.adsbygoogle, link, meta"
# Captions repeat what the photo shows (and its agency's credit); they are not the story.
_CAPTIONS = "figcaption, [class*=caption i], [class*=credit i]"
# Blocks that may be a list of links; a block whose text is this share links is one.
_LINK_BLOCKS = "ul, ol, div, section, aside, table, p, li, h2, h3, h4, h5, h6"
_LINK_SHARE = 0.7
_MIN_LINK_BLOCK = 15  # characters: shorter is a link inside a sentence's element
_MAX_HEADLINE_LINK = 160  # characters: a longer link text is a paragraph, not a headline
_MAX_LABEL = 60
_AD_LABELS = frozenset(
    {"advertisement", "advertising", "iklan", "anzeige", "werbung", "publicité", "publicidad",
     "pubblicità", "continue reading the main story", "scroll to continue with content",
     "scroll untuk melanjutkan", "lanjutkan membaca", "gulir untuk melanjutkan"}
)  # fmt: skip
# A line that is never story: a label alone (`More:`, `Baca juga:`), a source line, an e-mail.
_LONE_LINE = re.compile(
    r"^(?:(?:source|sources|sumber|quelle|fuente|fonte)\s*:.*"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?:\s*[,;/]\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+)*"
    r"(?:\s*\(\w{1,10}\))?"  # an agency's end mark: `kokobj@yna.co.kr (END)`
    # a sign-off byline: `-- By Michael Russell` (capitalised names only: not "By the way")
    r"|[-–—\s]*(?:by|oleh|por|von|par)\s+(?-i:[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,3})"
    r"(?:\s*[|,·]?\s*(?:follow|ikuti)?\s*(?:(?:him|her|me|us|kami)\s+)?(?:on\s+\w+\s*)?@\w+)?"
    # a share prompt: `Like this story? Share it with a friend!`, `Bagikan artikel ini`
    r"|(?:(?:like|liked|enjoy|enjoyed|love)\s+this\s+(?:story|article|post)\s*\?\s*)?"
    r"(?:share|bagikan)\s+(?:it|this|berita|artikel)\b[^.]{0,40}[.!]?)$",
    re.IGNORECASE,
)
_BARE_LABEL = re.compile(r"^[^\W\d][\w ]{0,24}:$")
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
# A teaser card's headline: a heading inside a link, or a link inside a heading.
_LINKED_HEADING = ", ".join(f"a[href] {h}, {h} a[href]" for h in sorted(_HEADINGS))
_MAX_CARD = 400  # characters: a card is a kicker, a headline, a date and a short excerpt
# An insert box around a list of links (a magazine promo, "more from this issue"): its text
# besides the list is a title and a blurb this short, at most this share of the list's own.
_MAX_BOX_BLURB = 300
_BOX_BLURB_SHARE = 1.5
# A paywall's or a sign-up's prompt at the body's end: the story stops there.
_PAYWALL = re.compile(
    r"この記事は(?:有料)?会員限定|続きをお読み|subscribe (?:now )?to (?:continue|read)"
    r"|(?:to )?continue reading,? (?:subscribe|sign in|log ?in)"
    r"|(?:sign|log) ?in to (?:continue|read)"
    r"|(?:artikel|konten|berita) ini khusus (?:untuk )?pelanggan"
    r"|berlangganan untuk (?:membaca|melanjutkan)|(?:login|masuk) untuk (?:membaca|melanjutkan)",
    re.IGNORECASE,
)
_MAX_PAYWALL = 200
# A lead printed in a block of its own above the body's block: one to three sentences.
_MIN_LEAD, _MAX_LEAD = 60, 600
_BLOCK_TAGS = frozenset({"p", "div", "ul", "ol", "table", "section", "figure", "blockquote"})
_INLINE_TAGS = frozenset({"a", "b", "strong", "i", "em", "span", "u", "abbr", "small"})
_LEAD_HINTS = ("lead", "summary", "intro", "standfirst", "excerpt", "deck", "chapo", "sapo")
# An agency's photo or copyright mark glued to the last sentence: `述べた。(c)AFP/Aminu ABUBAKAR`
_TRAILING_MARK = re.compile(
    r"(?<=[.!?。”\"’」)])\s*(?:\(c\)|©)\s*[A-Z][\w.&-]*(?:\s*/\s*[^/()]{1,40})?$"
)
# Embeds a story may rely on; any other iframe is an ad or tracker.
_EMBED_HOSTS = (
    "youtube.com", "youtube-nocookie.com", "youtu.be", "vimeo.com", "instagram.com",
    "facebook.com", "twitter.com", "x.com", "tiktok.com", "google.com", "dailymotion.com",
)  # fmt: skip


def find_body(doc: LexborHTMLParser, selector: str | None) -> tuple[LexborNode, str] | None:
    """The body element and the selector that found it: the override, else the longest match
    of the first default that hits."""
    selectors = (selector,) if selector else BODY_SELECTORS
    for sel in selectors:
        nodes = [n for n in doc.css(sel) if len(_text(n)) >= _MIN_BODY_CHARS]
        if nodes:
            return max(nodes, key=lambda n: len(_text(n))), sel
    return None


def with_lead(doc: LexborHTMLParser, body: LexborNode, description: str | None) -> None:
    """Put the story's lead back at the top of the body when the page prints it in a block
    of its own right before the body's block (`<div class=summary>` then `<div class=text>`):
    a prose block the page's description repeats, or one its class calls a lead."""
    first = body.css_first("p")
    if first is None:
        return
    opening = _text(first)[:60]
    container = _container_in(doc, body, opening)
    if container is None:
        return
    if container is not body:
        bare = _bare_lead(container, opening)
        if bare is not None and bare[:60] not in " ".join(_text(body).split()):
            _prepend(body, bare)
            return
    lead = _previous_with_text(container)
    if lead is None or lead.tag in ("h1", "a") or lead.css_first("a[href]") is not None:
        return
    text = " ".join(_text(lead).split())
    if not _MIN_LEAD <= len(text) <= _MAX_LEAD or text[:60] in " ".join(_text(body).split()):
        return
    described = description is not None and text[:40] == " ".join(description.split())[:40]
    named = any(h in _ident(lead) for h in _LEAD_HINTS)
    if described or named:
        _prepend(body, text)


def _prepend(body: LexborNode, text: str) -> None:
    found = LexborHTMLParser(f"<p>{htmllib.escape(text)}</p>").css_first("p")
    if found is not None:
        first_child = body.child
        if first_child is None:
            body.insert_child(found)
        else:
            first_child.insert_before(found)


def _bare_lead(container: LexborNode, opening: str) -> str | None:
    """Prose written straight into the body's block before its first paragraph, not in a <p>
    of its own (`<div><b>Situs.com</b> - Lead ...<p><p>Second ...`): a generic extractor that
    keeps only paragraphs drops it, yet it is the story's first paragraph."""
    parts: list[str] = []
    for child in container.iter(include_text=True):
        if child.tag in _BLOCK_TAGS and _text(child).startswith(opening):
            break
        if child.tag == "-text":
            parts.append(child.text(deep=False) or "")
        elif child.tag in _INLINE_TAGS:
            parts.append(child.text(deep=True) or "")
        elif _text(child) and child.tag not in ("script", "style", "_comment"):
            parts = []  # a block of its own with text: what came before is not the lead
    else:
        return None
    text = " ".join("".join(parts).split())
    if not _MIN_LEAD <= len(text) <= _MAX_LEAD or not _is_prose(text):
        return None
    return text


def _container_in(doc: LexborHTMLParser, body: LexborNode, opening: str) -> LexborNode | None:
    """The body's block in the page: the body itself, or (a generic extractor's body, a tree
    of its own) the parent of the page's paragraph that opens it."""
    root = doc.body
    if root is None or not opening:
        return None
    if body.parent is not None and ancestor_ids(body) & {root.mem_id}:
        return body
    for para in root.css("p"):
        if _text(para).startswith(opening):
            return para.parent
    return None


def _previous_with_text(node: LexborNode) -> LexborNode | None:
    """The nearest element before `node` that shows text (pictures and empty boxes skipped)."""
    previous = node.prev
    while previous is not None:
        if previous.tag == "-text":
            if (previous.text() or "").strip():
                return None  # bare text between: no block of its own
        elif previous.tag not in ("_comment", "script", "style") and _text(previous):
            return previous
        previous = previous.prev
    return None


def _ident(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}".casefold()


def _sizes() -> PerNode[int]:
    """The length of each element's text, read once within one pass (see PerNode)."""
    return PerNode(lambda node: len(_text(node)))


def _text(node: LexborNode) -> str:
    # strip: an emptied text node (a script cut from the line) still adds a separator
    return node.text(deep=True, separator=" ", strip=True).strip()


def _junk_selector(tag_lists: bool) -> str:
    """One query for every insert widget: C-speed matching instead of a Python test per node."""
    fragments = _JUNK_FRAGMENTS + (_TAG_FRAGMENTS if tag_lists else ())
    tokens = sorted(_JUNK_TOKENS | ({"tags"} if tag_lists else set()))
    parts = [f'[class*="{f}" i], [id*="{f}" i]' for f in fragments]
    return ", ".join(parts + [f'[class~="{t}" i]' for t in tokens])


_JUNK = {False: _junk_selector(False), True: _junk_selector(True)}


def drop_junk(scope: LexborNode, keep: set[int], *, tag_lists: bool = False) -> None:
    """Remove insert widgets under `scope` (class or id naming one; with `tag_lists`, tag
    lists too), sparing any element whose id is in `keep`.

    `keep` holds the ancestors of what we still need (the body, the headline), so a wrapper
    whose class happens to say `share` cannot take the article down with it.
    """
    decompose_all([n for n in scope.css(_JUNK[tag_lists]) if n.mem_id not in keep])


def decompose_all(nodes: list[LexborNode]) -> None:
    """Remove nodes, outermost only: touching a node freed with its ancestor would crash."""
    ids = {n.mem_id for n in nodes}
    outermost = [n for n in nodes if n.parent is None or not ancestor_ids(n.parent) & ids]
    for node in outermost:
        node.decompose()


def ancestor_ids(node: LexborNode) -> set[int]:
    ids: set[int] = set()
    current: LexborNode | None = node
    while current is not None:
        ids.add(current.mem_id)
        current = current.parent
    return ids


def clean_body(body: LexborNode) -> str:
    """The body's inner HTML without scripts, ad iframes, insert widgets, captions, ad labels
    and lists of links to other stories (with the heading above them)."""
    decompose_all(_widgets(body) + body.css(_ALWAYS_JUNK))
    frames = body.css("iframe")
    decompose_all([f for f in frames if not _is_embed(f.attributes.get("src"))])
    drop_junk(body, {body.mem_id}, tag_lists=True)
    decompose_all([n for n in body.css(_CAPTIONS) if n.mem_id != body.mem_id])
    decompose_all(_link_lists(body) + _teaser_grids(body) + _ad_labels(body))
    _trim_end(body)
    return (body.inner_html or "").strip()


def _widgets(body: LexborNode) -> list[LexborNode]:
    """Forms, each with the box around it when that box says no more than a label
    (`FIND YOUR NEXT CAR` over a car finder): the label is the widget's, not the story's."""
    found = []
    sizes = _sizes()  # forms side by side share their parent: its text is read once
    for form in body.css("form"):
        box, inner = form, sizes(form)
        while box.parent is not None and box.parent.mem_id != body.mem_id:
            if sizes(box.parent) - inner > _MAX_LABEL:
                break
            box = box.parent
        found.append(box)
    return found


def _link_lists(body: LexborNode) -> list[LexborNode]:
    """Blocks that are (almost) all link text: related stories, "Read more: <a>...</a>",
    previous/next links; and the short heading right above such a block."""
    found: list[LexborNode] = []
    whole: int | None = None  # the body's text length, read when a list is found
    sizes = _sizes()  # the items of one list share their boxes: each box's text read once
    for node in body.css(_LINK_BLOCKS):
        if node.mem_id == body.mem_id:
            continue
        text = _text(node)
        links = node.css("a[href]")
        if len(text) < _MIN_LINK_BLOCK or not links:
            continue
        anchors = [_text(a) for a in links]
        if max(map(len, anchors)) > _MAX_HEADLINE_LINK or any(_is_prose(a) for a in anchors):
            continue  # a story whose paragraphs a theme wrapped in links: prose, not headlines
        if sum(map(len, anchors)) >= _LINK_SHARE * len(text) or _is_headline_list(node):
            whole = whole if whole is not None else len(_text(body))
            box = _insert_box(node, body, len(text), whole, sizes)
            found.append(box)
            heading = _previous_element(box)
            if heading is not None and _is_label(heading):
                found.append(heading)
    return found


def _insert_box(
    node: LexborNode, body: LexborNode, chars: int, whole: int, sizes: PerNode[int]
) -> LexborNode:
    """The widest box around a list of links that adds only a title and a short blurb
    (`TR 7/2019 ... Highlights aus dem Heft:`); the list itself when none does. A box holding
    half the body's text (`whole` characters) is the story's own block, never an insert."""
    box, current = node, node.parent
    while current is not None and current.mem_id != body.mem_id:
        size = sizes(current)
        blurb = size - chars
        if blurb > _MAX_BOX_BLURB or blurb > _BOX_BLURB_SHARE * chars or 2 * size > whole:
            break
        box, current = current, current.parent
    return box


def _teaser_grids(body: LexborNode) -> list[LexborNode]:
    """Blocks of two or more teaser cards and nothing else: each card a linked headline with
    its kicker, date or excerpt (`AUTO NEWS <a><h5>...</h5></a> May 15, 2017`), never prose."""
    found: list[LexborNode] = []
    seen: set[int] = set()
    for heading in body.css(_LINKED_HEADING):
        current = heading
        while current.parent is not None and current.mem_id != body.mem_id:
            parent = current.parent
            if parent.mem_id == body.mem_id or parent.mem_id in seen:
                break
            seen.add(parent.mem_id)
            if _is_grid(parent):
                found.append(parent)
                label = _previous_element(parent)
                if label is not None and _is_label(label):
                    found.append(label)
                break
            current = parent
    return found


def _is_grid(node: LexborNode) -> bool:
    cards = 0
    for child in node.iter():  # elements only; the first that is no card ends the test
        if not _text(child):
            continue
        if not _is_card(child):
            return False
        cards += 1
    return cards >= 2


def _is_card(node: LexborNode) -> bool:
    text = _text(node)
    return (
        len(text) <= _MAX_CARD
        and node.css_first(_LINKED_HEADING) is not None
        and not _is_prose(text)
    )


def _trim_end(body: LexborNode) -> None:
    """The body's end: a paywall's prompt among its last three blocks goes, and an agency's
    mark glued to the last sentence is cut from it."""
    leaves = (n for n in reversed(body.css("p, div, li")) if not _has_block_child(n))
    for node in itertools.islice(leaves, 3):
        text = _text(node)
        if text and len(text) <= _MAX_PAYWALL and _PAYWALL.search(text):
            node.decompose()
            break
    last = _last_text(body)
    if last is not None:
        value = last.text(deep=False) or ""
        cut = _TRAILING_MARK.search(value.rstrip())
        if cut is not None and cut.start() > 0:
            last.replace_with(value.rstrip()[: cut.start()])


def _has_block_child(node: LexborNode) -> bool:
    return any(child.tag in ("p", "div", "li") for child in node.iter())


def _last_text(node: LexborNode) -> LexborNode | None:
    """The last text node with words under `node`: walked from the end, not the whole tree."""
    child = node.last_child
    while child is not None:
        if child.tag == "-text":
            if (child.text(deep=False) or "").strip():
                return child
        elif child.tag not in ("_comment", "script", "style"):
            found = _last_text(child)
            if found is not None:
                return found
        child = child.prev
    return None


def _is_headline_list(node: LexborNode) -> bool:
    """A list whose every item is a short line holding a link: `Kicker <a>Headline</a>`."""
    if node.tag not in ("ul", "ol"):
        return False
    items = [
        li for li in node.css("li") if li.parent is not None and li.parent.mem_id == node.mem_id
    ]
    return len(items) >= 2 and all(
        li.css_first("a[href]") is not None
        and len(_text(li)) <= _MAX_HEADLINE_LINK
        and not _is_prose(_text(li))
        for li in items
    )


def _is_prose(text: str) -> bool:
    """A sentence (headlines end without a full stop) or more than one."""
    return text.rstrip("”\"’' ").endswith(".") or ". " in text


def _previous_element(node: LexborNode) -> LexborNode | None:
    previous = node.prev
    while previous is not None and previous.tag in ("-text", "_comment"):
        if previous.tag == "-text" and (previous.text() or "").strip():
            return None  # story text stands between them
        previous = previous.prev
    return previous


def _is_label(node: LexborNode) -> bool:
    """A short heading line: `MORE STORIES LIKE THIS ONE`, `Related Topics`, `Lire aussi`."""
    text = _text(node)
    return 0 < len(text) <= _MAX_LABEL and not text.endswith((".", "?", "!", "”", '"'))


def _ad_labels(body: LexborNode) -> list[LexborNode]:
    """Elements reading only an ad slot's label, a paywall's "continue reading" prompt, a
    label left without its list (`More:`), a source line (`SOURCE: News agencies`) or a
    reporter's e-mail address."""
    found = []
    for node in body.css("p, div, span, h2, h3, h4, h5, h6, strong, label"):
        text = _text(node)
        if node.mem_id == body.mem_id or len(text) > _MAX_LABEL:
            continue
        if _squeezed(text) in _AD_LABELS or _LONE_LINE.match(text):
            found.append(node)
        elif node.tag in _HEADINGS and _BARE_LABEL.match(text):
            found.append(node)  # a heading left without its list; a line "Kata Bupati:" stays
    return found


def _squeezed(text: str) -> str:
    return " ".join(text.casefold().strip(" .:-–—|").split())


def _is_embed(src: str | None) -> bool:
    host = urlsplit(src or "").netloc.lower().removeprefix("www.")
    return any(host == h or host.endswith("." + h) for h in _EMBED_HOSTS)
