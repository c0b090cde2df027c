"""The article body: find it, and cut away what the theme and plugins inserted into it.

Whole insert widgets go here (share bars, related posts, author boxes, ads, "Baca Juga"
boxes); a plain paragraph that starts with "Baca Juga" stays for the normalizer, which
removes inserts paragraph by paragraph before it classifies.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

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
    "td-post-sharing", "wp-block-buttons", "comments", "comment-respond", "post-navigation",
    "nav-links",
)  # fmt: skip
# Tag lists: read as tags first, then cut from the body.
_TAG_FRAGMENTS = ("post-tags", "tags-links", "jeg_post_tags", "td-tags", "tag-list")
# Whole class tokens only: these are too short to match as substrings (`ad` is in `adv`).
_JUNK_TOKENS = frozenset({"ad", "ads", "advert", "advertisement", "iklan", "banner"})
_ALWAYS_JUNK = "script, style, noscript, template, form, button, ins.adsbygoogle, link, meta"
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


def _text(node: LexborNode) -> str:
    return node.text(deep=True, separator=" ", strip=True)


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
    """The body's inner HTML without scripts, ad iframes and insert widgets."""
    decompose_all(body.css(_ALWAYS_JUNK))
    frames = body.css("iframe")
    decompose_all([f for f in frames if not _is_embed(f.attributes.get("src"))])
    drop_junk(body, {body.mem_id}, tag_lists=True)
    return (body.inner_html or "").strip()


def _is_embed(src: str | None) -> bool:
    host = urlsplit(src or "").netloc.lower().removeprefix("www.")
    return any(host == h or host.endswith("." + h) for h in _EMBED_HOSTS)
