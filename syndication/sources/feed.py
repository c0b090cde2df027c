"""Feed bodies (RSS 0.9x/1.0/2.0, Atom, RDF via feedparser; JSON Feed 1.0/1.1) -> RawEntry.

A feed flagged bozo that still yields entries is accepted: the classic WordPress blank line
before `<?xml` must work. An entry with neither guid nor link keeps its title and date; the
normalizer decides its identity (a hash) or skips it with a reason.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Set
from dataclasses import replace
from datetime import UTC, datetime
from html import escape
from typing import Any

from ..errors import ParseError
from ..types import RawEntry
from ..urls import canonical_url, joined
from .feed_fast import MAX_ENTRIES, fast_entries, too_many_entries
from .feed_links import HEADER_CHARSET, html_page_message, looks_like_html
from .jsontext import loads as jsonloads

# feedparser reads unknown zones (WIB/WITA/WIT) as UTC, and its looser parsers misread other
# shapes with a known zone ("18-11-2024 19:15 +0800" as 2018, "2024/11/18 ..." as 1 December,
# "7:15 PM +0800" with "PM" for the zone): its time is trusted only for an RFC 822 or ISO 8601
# date-time with a known zone; any other printed date goes to the normalizer as printed
_ZONE = r"\s*(?:[+-]\d{2}:?\d{2}|Z|GMT|UTC?|[ECMP][SD]T)"
_TRUSTED_DATE = re.compile(
    rf"(?:[a-z]{{3,9}},?\s*)?\d{{1,2}}\s+[a-z]{{3,9}}\s+\d{{2,4}}\s+\d{{1,2}}:\d\d(?::\d\d)?{_ZONE}"
    rf"|\d{{4}}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?{_ZONE}",
    re.IGNORECASE,
)


def parse_feed(body: bytes, source_id: str, url: str, content_type: str = "") -> list[RawEntry]:
    """Parse a feed body; raise ParseError when it is not a feed at all."""
    if looks_like_json(body, content_type):
        return parse_json_feed(body, source_id, url)
    content_type = _bom_first(body, content_type)
    body = char_refs(body)
    fast = fast_entries(body, url, content_type)
    if fast is not None:  # plain RSS 2.0: the same entries feedparser gives, read by lxml
        return _shared_guids_dropped([_entry(e, source_id, url, True) for e in fast])
    return parse_with_feedparser(body, source_id, url, content_type)


def _shared_guids_dropped(entries: list[RawEntry]) -> list[RawEntry]:
    """A guid (an id) that the feed gives to entries with different links names none of them:
    a CMS that gives every item one fixed id, or its home page. Those entries go by their
    links instead, as entries without a guid do; else all but one were lost, and the one
    kept turned into another article whenever the feed's order changed. An entry listed
    twice, link and all, is still one entry."""
    guids = [e.guid.strip() for e in entries if e.guid]
    if len(set(guids)) == len(guids):
        return entries
    links: dict[str, set[str]] = {}
    for e in entries:
        if e.guid:
            links.setdefault(e.guid.strip(), set()).add(canonical_url(e.link or "", e.base_url))
    shared = {guid for guid, found in links.items() if len(found) > 1}
    if not shared:
        return entries
    return [replace(e, guid=None) if e.guid and e.guid.strip() in shared else e for e in entries]


def parse_with_feedparser(
    body: bytes, source_id: str, url: str, content_type: str = ""
) -> list[RawEntry]:
    """Any feed feedparser reads (the fast path's reference, and its fallback). Imported
    here: a worker process whose feeds all take the fast path never loads it."""
    content_type = _bom_first(body, content_type)
    markup = body.count(b"<") + body.count(b"&")
    if markup > MAX_MARKUP:
        raise ParseError(
            f"parse: {url}: malformed feed: {markup} markup characters (< and &), more than "
            f"{MAX_MARKUP}: refused unread"
        )
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    parsed = feedparse(body, headers)
    if len(parsed.entries) > MAX_ENTRIES:
        raise too_many_entries(len(parsed.entries), url)
    if not parsed.entries and not parsed.get("version"):
        if looks_like_html(body, content_type):
            raise ParseError(html_page_message(body, url))
        reason = parsed.get("bozo_exception") or "no feed elements found"
        raise ParseError(f"parse: {url}: not a readable feed ({reason})")
    # RSS (0.9x, 1.0, 2.0) has no base for an item's markup but its page; Atom has its
    # document's, unless xml:base says otherwise (RFC 4287)
    page_relative = not str(parsed.get("version") or "").startswith("atom")
    documents = _documents(parsed.get("feed") or {}, url)
    entries = [_entry(e, source_id, url, page_relative, documents) for e in parsed.entries]
    return _shared_guids_dropped(entries)


# What feedparser may be given to read: the fast path (lxml) reads a well-formed RSS 2.0 feed
# of any size in moments, but feedparser calls Python for each element, and its loose parser
# (a body that is not well-formed XML) takes 35-50 us an element: 2,000,000 unclosed tags (6 MB,
# under the body cap) held a worker 102 s. Real feeds hold a few hundred elements and a few
# thousand markup characters (the shared corpus: at most 470 elements, 4,154 `<` and `&`).
# A body with more than MAX_MARKUP `<` and `&` is refused before any parse (a count at memchr
# speed: CDATA full of `<`, millions of entity references, millions of tags); one that gets
# past it with more than MAX_ELEMENTS elements is refused once feedparser reaches that many
# (about 2 s of its strict parser, 5 of its loose one, at worst)
MAX_MARKUP = 1_000_000
MAX_ELEMENTS = 100_000


def feedparse(body: bytes, headers: dict[str, str], *, raw: bool = True) -> Any:
    """feedparser.parse of a body with its response `headers`; `raw`: without its sanitizer
    and URI resolution (normalize's nh3 pass does both, once, and only for the entries that
    are new or changed). Imported here: a worker process whose feeds all take the fast path
    never loads it.

    A numeric character reference that feedparser's loose parser cannot make a character of
    (a UTF-16 half: old CMSs write an emoji as "&#55357;&#56832;"; a number past U+10FFFF)
    raised out of it, and the whole feed was lost: such references are repaired first
    (`char_refs`), and a document they cannot be found in as it comes (UTF-16, UTF-32) is
    parsed again, converted to UTF-8 as feedparser converts it, once it raises."""
    import feedparser

    _bound_author_search()
    _bound_elements()
    options = {"sanitize_html": False, "resolve_relative_uris": False} if raw else {}
    try:
        return feedparser.parse(char_refs(body), response_headers=dict(headers), **options)
    except (UnicodeError, ValueError, OverflowError):  # a UTF-16 or UTF-32 document's
        from feedparser.encodings import convert_to_utf8

        utf8 = convert_to_utf8(dict(headers), body, {})
    media = (headers.get("content-type") or "application/xml").split(";")[0].strip()
    again = {**headers, "content-type": f"{media}; charset=utf-8"}
    return feedparser.parse(char_refs(utf8), response_headers=again, **options)


# characters of an author (or publisher) feedparser searches for an e-mail address, with a
# regex quadratic in the length (a 60 KB author held a poll 17 s, a 1 MB one a worker for
# hours); the service keeps LINE_MAX (120) characters of an author, so the cut shows nowhere
AUTHOR_CHARS = 2000


def _bound_author_search() -> None:
    """Make feedparser cut an author's text to AUTHOR_CHARS before it searches it: whatever
    element, namespace, case, encoding, CDATA or comments the text came in (a cut of the
    body's bytes missed most of them). feedparser 6 (pinned <7) keeps the text in the
    parser's current context under the key it syncs; its own logic runs unchanged after."""
    from feedparser.mixin import _FeedParserMixin

    sync = _FeedParserMixin._sync_author_detail
    if getattr(sync, "bounded", False):
        return

    def bounded(self: Any, key: str = "author") -> None:
        context = self._get_context()
        text = context.get(key)
        if isinstance(text, str) and len(text) > AUTHOR_CHARS:
            context[key] = text[:AUTHOR_CHARS]
        sync(self, key)

    bounded.bounded = True  # type: ignore[attr-defined]
    _FeedParserMixin._sync_author_detail = bounded  # type: ignore[method-assign]


def _bound_elements() -> None:
    """Make feedparser's parsers (strict and loose) count the elements they open, and raise
    ParseError past MAX_ELEMENTS: feedparser.parse lets it through (it catches only the SAX
    errors of its strict parser, to try the loose one). Each parser counts its own."""
    from feedparser.mixin import _FeedParserMixin

    start = _FeedParserMixin.unknown_starttag
    if getattr(start, "bounded", False):
        return

    def bounded(self: Any, tag: str, attrs: Any) -> Any:
        count = self.__dict__.get("_syndication_elements", 0) + 1
        self._syndication_elements = count
        if count > MAX_ELEMENTS:
            raise ParseError(
                f"parse: {self.baseuri}: malformed feed: more than {MAX_ELEMENTS} elements "
                "(real feeds hold a few thousand at most): refused"
            )
        return start(self, tag, attrs)

    bounded.bounded = True  # type: ignore[attr-defined]
    _FeedParserMixin.unknown_starttag = bounded  # type: ignore[method-assign]


_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
# a reference that may name no character (a half: D800-DFFF, 55296-57343; a number past
# 10FFFF, 1114111): a quick search, true of every one of them and of few others
_SUSPECT_REF = re.compile(
    rb"&#(?:[xX]0*(?:[dD][89a-fA-F][0-9a-fA-F]{2};|[0-9a-fA-F]{6,})"
    rb"|0*(?:5[5-7][0-9]{3};|[0-9]{7,}))"
)
_NO_CHARACTER = b"&#xFFFD;"


def char_refs(body: bytes) -> bytes:
    """An ASCII-compatible body with its numeric character references that name no character
    replaced: a high and a low UTF-16 half side by side by a reference to the character they
    make, a lone half or a number past U+10FFFF by one to U+FFFD. In text, attributes and
    CDATA alike, before any parser: every path reads the same document."""
    if b"&#" not in body or _SUSPECT_REF.search(body) is None:
        return body
    out: list[bytes] = []
    done = 0
    high: int | None = None  # a high half just replaced, its reference ending at `done`
    for match in _CHAR_REF.finditer(body):
        digits = (match[1] or match[2]).lstrip(b"0") or b"0"
        code = int(digits, 16 if match[1] else 10) if len(digits) <= 8 else 0x110000
        if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            continue
        if high is not None and 0xDC00 <= code <= 0xDFFF and match.start() == done:
            out[-1] = b"&#x%X;" % (0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00))
            done, high = match.end(), None
            continue
        out += [body[done : match.start()], _NO_CHARACTER]
        done = match.end()
        high = code if 0xD800 <= code <= 0xDBFF else None
    return b"".join([*out, body[done:]]) if out else body


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _bom_first(body: bytes, content_type: str) -> str:
    """The content type to read `body` by: a byte order mark says the encoding, and a charset
    in the header that contradicts it (windows-1252 on UTF-8 made mojibake, utf-16 or utf-8
    on a UTF-16 or UTF-32 document lost the feed) is the server's mistake, so it goes. One
    that agrees stays (without it feedparser takes text/xml for us-ascii)."""
    if not body.startswith(_BOMS):
        return content_type
    found = HEADER_CHARSET.search(content_type)
    charset = found.group(1).lower().replace("_", "-") if found else ""
    utf8 = body.startswith(b"\xef\xbb\xbf")
    if charset in ("utf-8", "utf8") if utf8 else charset.startswith(("utf-16", "utf-32")):
        return content_type
    return content_type.split(";")[0]


def looks_like_json(body: bytes, content_type: str) -> bool:
    """Whether `body` is read as JSON: it opens with { or [, or the header says JSON and it
    does not open with markup."""
    head = body.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if head == b"<":  # markup, whatever the header says (an RSS feed served as JSON)
        return False
    return head in (b"{", b"[") or "json" in content_type.lower()


def _entry(
    e: Any, source_id: str, base: str, page_relative: bool, documents: Set[str] = frozenset()
) -> RawEntry:
    content = e.get("content") or []
    html_content = next(
        (c.get("value") for c in content if "html" in (c.get("type") or "")), None
    ) or (_as_markup(content[0].get("value"), content[0].get("type")) if content else None)
    link = _clean(e.get("link"))
    documents = documents or {base}
    if link is not None and link in documents:
        link = _own_page(e, documents)
    return RawEntry(
        source_id=source_id,
        guid=_clean(e.get("id")),
        link=link,
        title=e.get("title"),
        title_is_text=(e.get("title_detail") or {}).get("type") == "text/plain",
        summary_html=_as_markup(e.get("summary"), (e.get("summary_detail") or {}).get("type")),
        content_html=html_content,
        published_raw=e.get("published"),
        published=_trusted(e.get("published"), e.get("published_parsed")),
        updated_raw=e.get("updated"),
        updated=_trusted(e.get("updated"), e.get("updated_parsed")),
        author=_clean(e.get("author")),
        labels=tuple(_labels(e.get("tags") or [])),
        image=_image(e),
        base_url=_base(e, base, page_relative, link),
    )


def _documents(feed: Any, url: str) -> frozenset[str]:
    """The feed document's addresses: where it was fetched, the base the feed sets for what
    it holds (its xml:base), and its self link. An entry's link there is none of its own:
    `href=""` resolved (WordPress's Atom for a post without a link), or the feed's address;
    three such posts were merged into one story, the others lost. (An entry's own xml:base
    is its page's, not the document's.)"""
    found = {url}
    for key in ("title_detail", "subtitle_detail"):
        detail = feed.get(key) or {}
        if detail.get("base"):
            found.add(str(detail["base"]))
    for link in feed.get("links") or []:
        if link.get("rel") == "self" and link.get("href"):
            found.add(str(link["href"]))
    return frozenset(found)


def _own_page(e: Any, documents: Set[str]) -> str | None:
    """The entry's page where its link is the feed's: its content's xml:base (WordPress sets
    it to the post), else an id that is a web address, else none."""
    for c in e.get("content") or []:
        page = _clean(c.get("base"))
        if page is not None and page.startswith(("http://", "https://")) and page not in documents:
            return page
    guid = _clean(e.get("id"))
    if guid is not None and guid.startswith(("http://", "https://")) and guid not in documents:
        return guid
    return None


def _as_markup(value: Any, kind: Any) -> str | None:
    """A body as HTML: a value the feed declares plain text (Atom's type="text", feedparser's
    "text/plain") is escaped into paragraphs, so "<blink>" in it stays words. HTML as it is."""
    if not isinstance(value, str) or kind != "text/plain":
        return value if isinstance(value, str) else None
    return text_markup(value)


def text_markup(text: str | None) -> str | None:
    """Plain text as HTML: a paragraph per blank-line-separated block, its lines joined by
    <br>, every character escaped."""
    if not text:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [escape(line.strip(), quote=False) for line in block.split("\n") if line.strip()]
        if lines:
            paragraphs.append(f"<p>{'<br>'.join(lines)}</p>")
    return "".join(paragraphs) or None


def _base(e: Any, url: str, page_relative: bool, link: str | None) -> str:
    """The base in effect for the entry's markup: its xml:base if any, else (RSS) its page's
    (`link`), else the feed's URL. feedparser gives the links resolved already."""
    details = [*(e.get("content") or []), e.get("summary_detail") or {}]
    found = next((str(d["base"]) for d in details if d.get("base")), url)
    if page_relative and found == url:
        return _page_base(link, url)
    return found


def _page_base(link: str | None, url: str) -> str:
    """The base of an entry's markup where the feed sets none: the entry's own page, as
    readers take it (an RSS item's "#top", "?page=2" and "img/x.jpg" are its page's, and a
    feed served from another host, FeedBurner's, holds the portal's relative links), else
    the feed's URL."""
    if not link:
        return url
    page = joined(url, link)
    return page if page is not None and page.startswith(("http://", "https://")) else url


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _trusted(raw: Any, parsed: Any) -> datetime | None:
    if not isinstance(raw, str) or parsed is None or not _TRUSTED_DATE.fullmatch(raw.strip()):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _labels(tags: Iterable[Any]) -> Iterable[str]:
    seen: set[str] = set()
    for tag in tags:
        term = (tag.get("term") or tag.get("label") or "").strip()
        if term and term.lower() not in seen:
            seen.add(term.lower())
            yield term


def _image(e: Any) -> str | None:
    for media in (e.get("media_content") or []) + (e.get("media_thumbnail") or []):
        url = media.get("url")
        if url and (media.get("medium") in (None, "image") or "image" in media.get("type", "")):
            return str(url)
    for enc in e.get("enclosures") or []:
        if str(enc.get("type", "")).startswith("image/") and enc.get("href"):
            return str(enc["href"])
    image = e.get("image")
    if isinstance(image, dict) and image.get("href"):
        return str(image["href"])
    return None


# --- JSON Feed ---------------------------------------------------------------------------


def parse_json_feed(body: bytes, source_id: str, url: str) -> list[RawEntry]:
    try:
        doc = jsonloads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise ParseError(f"parse: {url}: invalid JSON ({e})") from e
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise ParseError(f"parse: {url}: JSON without a JSON Feed version")
    items = doc.get("items")
    if not isinstance(items, list):
        raise ParseError(f"parse: {url}: JSON Feed without an items list")
    if len(items) > MAX_ENTRIES:
        raise too_many_entries(len(items), url)
    return _shared_guids_dropped(
        [_json_item(i, source_id, url) for i in items if isinstance(i, dict)]
    )


def _json_item(item: dict[str, Any], source_id: str, base: str) -> RawEntry:
    authors = item.get("authors") or (
        [item["author"]] if isinstance(item.get("author"), dict) else []
    )
    if not isinstance(authors, list):  # a number, a boolean, a string, an object: no list
        authors = [authors] if isinstance(authors, dict) else []
    author = next((a.get("name") for a in authors if isinstance(a, dict) and a.get("name")), None)
    link = _str(item.get("url")) or _str(item.get("external_url"))
    page = _page_base(link, base)
    if page != base:  # a relative item URL is the feed's (resolved once, here)
        link = page
    raw_tags = item.get("tags")
    tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
    return RawEntry(
        source_id=source_id,
        guid=_str(item.get("id")),
        link=link,
        title=_str(item.get("title")),
        title_is_text=True,  # JSON Feed: "title" is plain text
        summary_html=text_markup(_str(item.get("summary"))),  # JSON Feed: plain text
        content_html=_str(item.get("content_html")) or text_markup(_str(item.get("content_text"))),
        published_raw=_str(item.get("date_published")),
        published=_iso(item.get("date_published")),
        updated_raw=_str(item.get("date_modified")),
        updated=_iso(item.get("date_modified")),
        author=_str(author),
        labels=tuple(label for label in map(_str, tags) if label),
        image=_str(item.get("image")) or _str(item.get("banner_image")),
        base_url=_page_base(link, base),
    )


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return when.astimezone(UTC) if when.tzinfo else None
    except (ValueError, OverflowError):  # year 1 or 9999 pushed past the calendar's ends
        return None
