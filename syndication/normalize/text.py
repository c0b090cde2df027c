"""Clean titles and article bodies: sanitized HTML, plain text, dateline, credit.

    html or plain text -> paragraphs -> nh3 (allowed tags, absolute URLs, rel)
        -> drop "Baca Juga" inserts one block at a time -> cut the share/related tail
        -> drop WordPress "The post ... appeared first on ..." footers
        -> text, dateline ("KUTAI KARTANEGARA, eksposisi.com –"), credit ("adv/diskominfo/kukar",
           or "adv/diskominfo kukar + Advertorial" when a bare mark follows a fuller credit)

Inserts go block by block because a greedy pattern from "Baca Juga" onward deletes the rest
of the article; the tail is cut only when everything after the marker is short link-like lines.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import nh3
from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..nesting import bound_depth, split_text

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "div",
    "span",
    "time",
}
_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "q": {"cite"},
}
_DROP_WITH_CONTENT = {"script", "style", "iframe", "noscript", "template", "object", "svg"}
_BLOCKS = (
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "td",
    "th",
    "hr",
    "section",
    "article",
    "header",
    "footer",
    "aside",
)
_BLOCK_SET = frozenset(_BLOCKS)
_BLOCK_SEL = ", ".join(_BLOCKS)
_LOOKS_HTML = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|/[a-zA-Z]|!--)")
_TAG_LIKE = re.compile(r"<!--.*?(?:-->|$)|</?[a-zA-Z][^<>]*>", re.DOTALL)
_BLOCK_TAG = re.compile(r"<!--|</?(?:br|" + "|".join(_BLOCKS) + r")\b", re.IGNORECASE)
# controls, the zero-width space and direction marks, BOM, the noncharacters (U+FDD0-U+FDEF,
# U+FFFE, U+FFFF: no XML text holds the last two, and a title showed them as boxes), and lone
# surrogates (the sources mend them, sources/jsontext.py; one that reaches here all the same
# made nh3 raise, and no store takes it). Not the joiners (U+200C, U+200D): they hold an
# emoji's sequence together (a family, a flag of a region), and letters of Indic scripts
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\ufeff\ufdd0-\ufdef\ufffe\uffff"
    r"\ud800-\udfff]"
)
# the characters of _CONTROL that separate words or lines (str.isspace: vertical tab, form
# feed, CR, the file and group separators, NEL, the line and paragraph separators): a space
# each, not nothing, or "Titik\u2028pemisah" read "Titikpemisah" (and escaped a filter's
# "titik pemisah"). Not \x1e and \x1f: word processors write them for a non-breaking and an
# optional hyphen inside a word ("Pemerin\x1ftahan")
_SPACING_CONTROLS = str.maketrans(dict.fromkeys("\x0b\x0c\r\x1c\x1d\x85\u2028\u2029", " "))
# _CONTROL but for those: where str.split() follows (they are white space to it), deleting
# these alone does what the translation and _CONTROL do, in one pass
_DROPPED_CONTROL = re.compile(
    r"[\x00-\x08\x0e-\x1b\x1e\x1f\x7f-\x84\x86-\x9f\u200b\u200e\u200f\u202a-\u202e\ufeff"
    r"\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]"
)

# the label, its separator (":", "»", ">>" ...) and the headline, which may open in quotes
# ('Baca juga: “Bupati Kutim ...”')
# the labels an editor puts before another post's headline
_INSERT_WORDS = r"baca\s+(?:juga|pula)|simak\s+juga|lihat\s+juga|berita\s+terkait|artikel\s+terkait"
_INSERT = re.compile(
    rf"^(?:{_INSERT_WORDS})\s*+[:：\-–—|»>]*+\s*+[\"“”‘'«]?\w",
    re.IGNORECASE,
)
INSERT_LINE = _INSERT  # also how an HTML source tells a story's own "Baca juga" line
# a share line often carries its buttons' names: "Share : Facebook Twitter WhatsApp"
_SOCIAL = (
    r"(?:\s*+(?:[:：|,]|ke\b)?\s*+(?:facebook|fb|twitter|x|whatsapp|wa|telegram|line|linkedin"
    r"|pinterest|e-?mail|copy\s+link|salin\s+tautan)\b)*"
)
_STAFF = r"(?:editor|penulis|reporter|pewarta|redaktur|jurnalis|wartawan|kontributor|sumber)"
_STAFF_NAME = rf"(?:(?!\s*+{_STAFF}\s*+[:：])[^.:：|]){{1,80}}+"
_MARKER = re.compile(
    rf"^(?:(?:share|bagikan(?:\s+artikel)?){_SOCIAL}|(?:baca|simak|lihat)\s+juga"
    r"|berita\s+(?:terkait|lainnya"
    r"|terkini)|artikel\s+terkait|related(?:\s+posts?)?|tags?"
    # the staff lines closing a story: "Editor: Jalu W", "Penulis" then ": Anju C" below it
    # (several on one line, split by "|" or by a <br>: "Pewarta : Anju<br>Editor : Jalu")
    # (each name possessive, and ending before the next staff word: one way to read a line)
    rf"|{_STAFF}(?:\s*+[:：]\s*+{_STAFF_NAME}(?:\|?\s*+{_STAFF}\s*+[:：]\s*+{_STAFF_NAME})*+)?"
    # an agency's copyright trailer: "COPYRIGHT © ANTARA 2016", "© 2016 Kaltim Post"
    r"|(?:copyright|hak\s+cipta)?\s*(?:©|\(c\))\s*.{0,60}?\d{4}.{0,60}"
    r"|copyright\s+.{0,60}?\d{4}.{0,60})\s*[:：]?$",
    re.IGNORECASE,
)
# Lines that are never story wherever they stand: a comment counter, a "follow us" line,
# a caption credit, a date line alone (the field is read from the page, not from here).
_JUNK_START = (
    r"\d+\s+(?:komentar|comments?|tanggapan)|(?:komentar|comments?)\s*\(\d+\)"
    r"|(?:cek|simak|baca)\s+berita\s+dan\s+artikel\s+(?:yang\s+)?lain(?:nya)?\s+di\b.{0,80}"
    r"|(?:ikuti|follow)\s+(?:berita|kami|us)\b.{0,80}\s+di\s+(?:google\s+news|whatsapp|telegram)"
    r".{0,80}"
    # a channel's promotion ends the line ("Ikuti saluran Tribun Kaltim di WhatsApp"); one
    # that goes on is a story's sentence ("..., kata Kepala BPBD")
    r"|(?:ikuti|follow)\s+(?:saluran|channel|akun)\s+[^,.;]{1,60}?\s+di\s+"
    r"(?:whatsapp|telegram|instagram|tiktok|youtube)\W{0,3}"
    # detik's closing pointer to a video: 'Simak Video "Video: ..." (bba/bba)'
    r"|simak\s+(?:juga\s+)?video\s*[\"“].{0,200}"
    # "Dapatkan update berita pilihan ... dari Kompas.com. Mari bergabung di Grup Telegram ..."
    r"|dapatkan\s+(?:update|info(?:rmasi)?)\s+berita\b.{0,400}"
    r"|(?:foto|photo|ilustrasi|dok(?:umentasi)?|sumber\s+foto)\s*[:：]\s*[^.]{1,120}\.?"
    # a tag list: "Tags: Kukar, Pemkab Kukar, Edi Damansyah" (no sentence: no full stop)
    r"|(?:tags?|kata\s+kunci)\s*[:：]\s*[^.!?:：]{1,300}"
    # a comment box's notice: "Disclaimer : Komentar adalah tanggapan pribadi, ..."
    r"|disclaimer\s*[:：]?\s*komentar\b.{0,400}"
    # a pager's page number alone ("01", "02" ... under a related list)
    r"|\d{1,2}"
)
# a photo's caption repeated as text: it ends in the photo's credit
# (never a closing credit: "(dok/adv)" is the advertorial's label)
_CAPTION_CREDIT = (
    r".{10,400}(?:\((?:(?:foto|photo)\s*[:：/]|(?:dok|ilustrasi)\s*[:：])(?![^()]*\badv)[^()]{1,80}\)"
    r"|\bantara\s+foto\s*/.{1,80})"
)
_JUNK_DATE = (
    r"(?:(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad)\s*,\s*)?"
    r"(?:\d{1,2}\s+[a-z]{3,9}\.?\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4})"  # or "05/11/2015"
    r"(?:\s*[,|–—-]?\s*(?:pukul\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*(?:wib|wita|wit))?)?"
)
_LINE_JUNK = re.compile(
    rf"^(?:{_JUNK_START}|{_CAPTION_CREDIT}|{_JUNK_DATE})$",
    re.IGNORECASE,
)
# The caption branch backtracks through the whole line (a sixth of clean_content's time on
# 5 KB bodies); a line holding none of its words is matched without it (see _line_junk).
_LINE_JUNK_NO_CAPTION = re.compile(rf"^(?:{_JUNK_START}|{_JUNK_DATE})$", re.IGNORECASE)
# "Baca juga:" alone on its line, then headlines one per <br> line to the block's end (none
# ending in a full stop, as story sentences do): the whole list is the insert.
_INLINE_TAG = r"(?:[^<]|</?(?:strong|b|em|i|span|u|a)\b[^>]*>)"
# The spaces after each <br> are the line's own (possessive: were they also the headline's, k
# lines of m spaces gave (m+1)^k ways to fail); a list is at most _LIST_MAX lines, so each
# <br> that starts a try reads a bounded stretch (a block of 3,846 "Baca juga<br>" lines took
# 29 s unbounded).
_LIST_MAX = 50  # longer lists stay in the text (none seen; a real one is 1 to 10 lines)
_HEADLINE_LIST = (
    r"\s*+(?:[:：]\s*+)?(?:</(?:strong|b|em|i|span|u)>\s*+)*+"
    rf"(?:<br>\s*+{_INLINE_TAG}{{0,300}}?[^.<\s]\s*(?:</(?:strong|b|em|i|span|u|a)>\s*)*)"
    rf"{{1,{_LIST_MAX}}}(?=</(?:p|div|li)>)"
)
# An insert sharing a block with the story, one <br> line long: never past the line's end
# (but a headline list under a bare label runs to the block's end). A run of white space is
# taken whole (possessive), never split between two parts nor read again at each of its
# characters by the look-ahead: 16,000 spaces after "Baca juga" took 7.7 s, quadratic.
_INLINE_INSERT = re.compile(
    r"(?:(?P<lead><br>\s*)|(?<=<p>)|(?<=<div>)|(?<=<li>))(?:<(?:strong|b|em|i|span|u)>\s*)*"
    r"(?:baca\s+(?:juga|pula)|simak\s+juga|lihat\s+juga)\b(?:" + _HEADLINE_LIST + "|"
    r"(?:[^<\s]|\s++(?=[^<\s]|<(?!br>))|</?(?:strong|b|em|i|span|u|a)\b[^>]*>)*?)"
    r"(?=(?P<trail>\s*<br>)|</(?:p|div|li)>)",
    re.IGNORECASE,
)
_LEADING_BR = re.compile(r"(<(?:p|div|li)>)(?:\s*<br>)+")
# an empty block; a table row of empty cells only (one empty cell among others stays: the
# columns keep their places), and what such rows leave empty
_EMPTY_BLOCK = re.compile(
    r"<(p|div|li|ul|ol|h[2-6]|table|thead|tbody|tfoot)>\s*</\1>"
    r"|<tr>(?:\s*<(td|th)>\s*</\2>)*\s*</tr>"
)
_EMPTY_PASSES = 4  # an empty table is three levels deep: <table><tbody><tr></tr>...
_WP_FOOTER = re.compile(r"^the post .+ appeared first on .+$", re.IGNORECASE | re.DOTALL)
_INSERT_MAX = 350  # an insert is one headline, never a paragraph of the story
_TAIL_LINE_MAX = 200  # lines after a tail marker are headlines and category names

_DATELINE_CAPS = re.compile(
    r"^(?P<line>[A-Z][A-Z.'’]+(?:[\s-]+[A-Z][A-Z.'’]*){0,3}"
    r"(?:\s*,\s*[\w.-]{2,40})?(?:\s*\([^()]{1,30}\))?\s*[–—-]{1,2})(?:\s+|$)"
)
# "Jakarta, Kompas.com –", "Jakarta, KompasOtomotif –" (a desk's name run together), "Kota
# (Antara) –"
_DATELINE_TITLE = re.compile(
    r"^(?P<line>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}"
    r"(?:\s*,\s*(?:[\w.-]*\.[a-z]{2,6}|[A-Z][a-z]+[A-Z][A-Za-z]+)|\s*\([^()]{1,30}\))"
    r"\s*[–—-]{1,2})(?:\s+|$)"
)
# A bare "Tenggarong –" opens a story too, but only as its first lines (see _dateline).
_DATELINE_BARE = re.compile(
    r"^(?P<line>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}\s+(?:[–—]|-{1,2}))(?:\s+|$)"
)
# "SAMARINDA. Pemkot ...": a place in capitals closed by a full stop (4+ letters: not "PT.")
_DATELINE_STOP = re.compile(r"^(?P<line>[A-Z]{4,}(?:\s+[A-Z]{4,}){0,2}\.)\s+(?=[A-Z])")
_BARE_WITHIN = 1  # the first paragraph only: deeper down "Name – ..." is a sentence
# a story sentence (not a headline) ends in one full stop; "..." ends related-post excerpts
_PROSE_END = re.compile(r"(?<!\.)\.[”\"’']?$")
_PROSE_WORDS = 6
_HASHTAGS = re.compile(r"(?<!\w)#\w+")
# the closing credit, in round or square brackets: "(adv/diskominfo)", "[RWT | ADV DISKOMINFO]"
_CREDIT = re.compile(
    r"(?:^|(?<=[.!?”\"'’)\]…]))\s*(?P<open>[(\[])(?P<credit>[*\w][*\w\s./&+|-]{0,58})"
    r"(?P<close>[)\]])\s*\.?$"
)
# "..., pungkasnya (adv/hms7).": after a word only a credit in round brackets with a slash or
# a bar, never "(Kutim)"; square ones there are an aside ("[dan/atau kuasanya]", "[Rp50/kg]")
_CREDIT_AFTER_WORD = re.compile(
    r"\w\s+(?P<open>\()(?P<credit>[*\w][*\w\s.&+-]{0,28}[/|][*\w\s./&+|-]{1,40})"
    r"(?P<close>\))\s*\.?$"
)
_CLOSES = {"(": ")", "[": "]"}
# what square brackets close a story with besides a credit ("[Red]", "[video]", "[foto]",
# "[Video | Kukar]", "[Sumber/Kompas]", "[Update 12.30 WITA]"): a credit there names the
# advertorial or the office that paid or wrote it ("[ADV DISKOMINFO KUTIM]", "[Pariwara]",
# "[RWT | Humas Pemkab Berau]")
# ... first, after a separator or up to two words naming a unit or a release ("[Tim
# Publikasi Humas Kutim]", "[Bag. Humas Setda Kutim]", "[Kerja sama Diskominfo Kutim]"), an
# office glued to its region or not ("[adpimprovkaltim/RW]"); a dash separates a staff code
# or a source ("[RWT - Humas Pemkab Berau]", "[Sumber - Humas Kutim]"), not "[Update - Pemkab
# Kutim membantah]". "[Ketua DPRD Kutim Joni]", "[Foto ilustrasi Gedung DPRD Kutim]", "[Advokasi
# Hukum]" and "[Hubungi kami untuk pasang iklan]" are none.
_SQUARE_CREDIT = re.compile(
    r"(?:.*[/|]\s*|(?:\w{1,4}|sumber|redaksi|rilis)\s*-\s*)?\**"
    r"(?:(?:tim|bagian|bag\.?|sekretariat|setda|dinas|biro|bidang|subbag|seksi|publikasi|unit"
    r"|rilis|kerja\s+sama|sumber|redaksi)\s+){0,2}"
    r"(?:advertorial|advetorial|pariwara|humas|diskominfo|kominfo|prokopim|adpim|setwan"
    r"|setkab|dprd|pemkab|pemkot|pemprov|adv\b|iklan\b)",
    re.IGNORECASE | re.DOTALL,
)
# a summary's link to the rest of the story, not who wrote it: "(Baca selengkapnya)"
_READ_MORE = re.compile(
    r"(?:baca|read|lihat|simak|selengkapnya|selanjutnya|lanjut(?:kan)?|more|continue|klik"
    r"|tonton)\b",
    re.IGNORECASE,
)
SUMMARY_CHARS = 300


@dataclass(frozen=True)
class CleanContent:
    content_html: str  # sanitized, absolute URLs, inserts and tail removed ("" when none)
    summary: str  # plain text, about SUMMARY_CHARS long, without the dateline
    dateline: str | None  # "KUTAI KARTANEGARA, eksposisi.com –"
    credit: str | None  # "adv/diskominfo/kukar" (no brackets); "adv/kukar + Advertorial" stacked
    image: str | None  # the first image, absolute
    text: str  # the whole cleaned body as plain text, paragraphs split by blank lines

    def one_line(self) -> str:
        """The text's words joined by single spaces: its paragraphs are one line each (each
        went through _one_line), so " ".join(text.split()) would give the same string."""
        return self.text.replace("\n\n", " ")


TITLE_MAX = 300  # characters in a title; a longer one is cut at a word with "…"
LINE_MAX = 120  # characters in another one-line field a source writes (author)


def clean_title(value: str | None, *, markup: bool = True, limit: int = TITLE_MAX) -> str:
    """Plain one-line text of at most `limit` characters.

    markup=True (the source gave HTML): entities decoded (also double-escaped ones), no tags.
    markup=False (the source gave text): no tag is stripped, "<script>" in it is the headline's
    words, escaped wherever it is written out; only a leftover entity of a feed that escaped
    twice ("&amp;" for "&") is decoded, and controls and runs of white space go.
    """
    if not markup:
        text = str(value or "")
        for _ in range(2):
            decoded = htmllib.unescape(text)
            if decoded == text:
                break
            text = decoded
        return _truncate(_one_line(text), limit)
    text = str(value or "")
    for _ in range(8):  # bounded: "&amp;lt;b&amp;gt;" needs two rounds, never more than a few
        previous = text
        text = htmllib.unescape(_strip_tags(text))
        if text == previous:
            break
    return _truncate(_one_line(_strip_tags(text)), limit)


def _strip_tags(text: str) -> str:
    # inline tags vanish ("<b>Kukar</b>'s" -> "Kukar's"); block tags and comments leave a space
    return _TAG_LIKE.sub(lambda m: " " if _BLOCK_TAG.match(m.group()) else "", text)


# Characters of a body read: a story's HTML is 5-300 KB; past this the rest is left out
# before any work (8,000,000 '<' in one description held nh3 alone 4 s, and every feed that
# lists the story would carry it). nh3 closes what the cut leaves open.
CONTENT_MAX = 2_000_000


def clean_content(html: str | None, base_url: str | None = None) -> CleanContent:
    """Sanitize a body (HTML or plain text) and split off dateline, credit and boilerplate."""
    joined: list[str] = []
    body = html or ""
    if len(body) > CONTENT_MAX:
        body = body[:CONTENT_MAX]
    parsed = _paragraphize(_sanitize(_as_html(body), base_url, joined))
    safe = _LEADING_BR.sub(r"\1", _drop_inline_inserts(parsed.html))
    if parsed.blocks_only and safe == parsed.html and not _reparse_may_differ(safe):
        # `safe` parsed again would give this tree but for what stands between its blocks
        # (white space, <br><br>), which _paragraphize left out of `safe`
        tree = parsed.tree
        for node in parsed.between:
            node.decompose()
    else:
        tree = LexborHTMLParser(f"<body>{safe}</body>")
    root = tree.body
    if root is None:
        return CleanContent("", "", None, None, None, "")
    _remove_blocks(root)
    paragraphs = _paragraphs(root)
    dateline, start = _dateline(paragraphs)
    credit = _credit(paragraphs)
    image = _first_image(root)
    content = _inner_html(root)
    if joined or _reparse_may_differ(content):
        content = _sanitize(content, base_url)
    content = without_empty_blocks(content).strip()
    return CleanContent(
        content_html=content,
        summary=_summary(paragraphs[start:], dateline, credit),
        dateline=dateline,
        credit=credit,
        image=(image.attributes.get("src") or None) if image else None,
        text="\n\n".join(paragraphs),
    )


def without_empty_blocks(html: str) -> str:
    """`html` without its empty blocks, and those that their removal leaves empty."""
    for _ in range(_EMPTY_PASSES):
        html, emptied = _EMPTY_BLOCK.subn("", html)
        if not emptied:
            break
    return html


def _reparse_may_differ(html: str) -> bool:
    """Whether parsing `html`, lexbor's serialization of a tree it parsed from nh3's output,
    might not give that tree back, to lexbor or to nh3; nothing else a sanitizing pass could
    change is in such a tree but for the URLs made absolute, which clean_content tracks.

    A <pre>'s text may start with a newline that lexbor writes out as it is and a parser
    drops. A <table> inside a <p> stays there for lexbor, which parses without a doctype
    (quirks mode), but closes the <p> for nh3; and a table's stray content moves out of it."""
    return _PRE_OR_TABLE.search(html) is not None


_PRE_OR_TABLE = re.compile(r"<(?:pre|table)")  # a third of the time of two `in` tests


def _first_image(root: LexborNode) -> LexborNode | None:
    """tree.css_first("img"), ten times faster: a selector costs more than the walk."""
    for node in root.traverse(include_text=False):
        if node.tag == "img":
            return node
    return None


def plain_text(html: str | None) -> str:
    """Text of an HTML fragment (a feed summary), one line, no tags."""
    return clean_content(html).text.replace("\n\n", " ")


# --- input to sanitized HTML --------------------------------------------------------------


def _as_html(source: str) -> str:
    if "\r" in source:  # one scan, where two replace() calls scan twice to change nothing
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    text = _without_controls(source)
    if _LOOKS_HTML.search(text):
        return bound_depth(text)[0]  # tags nested deeper than nesting.MAX_DEPTH: flattened
    if "&" in text:
        # HTML whose only markup is its entities (WordPress's summary-only excerpt:
        # "Warga &#8211; gotong royong &amp; kerja bakti [&#8230;]"), read once as HTML
        # reads them; escaped again below, "&lt;b&gt;" stays the text "<b>". A source's
        # declared plain text was made HTML when it was parsed (sources/feed.py)
        text = _without_controls(htmllib.unescape(text))
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in para.split("\n") if line.strip()]
        out.extend(f"<p>{group}</p>" for group in _line_groups(lines))
    return "".join(out)


def _without_controls(text: str) -> str:
    return _CONTROL.sub("", text.translate(_SPACING_CONTROLS)) if _has_control(text) else text


def _has_control(text: str) -> bool:
    """Whether _CONTROL matches in `text`, found on its UTF-8 bytes: a deletion over the
    one-byte characters, then a search per multi-byte range, each starting with a literal
    the engine finds at memchr speed: two thirds of the time of the pattern's character
    class tried at every position of a 5 KB body (`bench/bench_checks.py`), a fifth when
    the body is ASCII."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        return True
    return not text.isascii() and any(p.search(data) for p in _CONTROL_UTF8)


# _CONTROL's characters: the one-byte ones, and the UTF-8 forms of the others (C1 controls;
# zero-width and direction marks; the byte-order mark, the noncharacters, surrogates)
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
_CONTROL_UTF8 = (
    re.compile(rb"\xc2[\x80-\x9f]"),
    re.compile(rb"\xe2\x80[\x8b\x8e\x8f\xa8-\xae]"),
    re.compile(rb"\xef(?:\xbb\xbf|\xb7[\x90-\xaf]|\xbf[\xbe\xbf])"),
    re.compile(rb"\xed[\xa0-\xbf]"),  # a surrogate, as "surrogatepass" writes it
)


def _line_groups(lines: list[str]) -> list[str]:
    """Lines of one paragraph, joined by <br>; insert and marker lines stand alone."""
    groups: list[list[str]] = [[]]
    for line in lines:
        flat = " ".join(line.split())  # plain text keeps its runs of spaces; the rules read one
        special = _INSERT.match(flat) or _MARKER.match(flat)
        if special and groups[-1]:
            groups.append([])
        groups[-1].append(htmllib.escape(line, quote=False))
        if special:
            groups.append([])
    return ["<br>".join(g) for g in groups if g]


def _sanitize(fragment: str, base_url: str | None, joined: list[str] | None = None) -> str:
    """nh3 with the project's allowlist. Each relative URL it made absolute goes into
    `joined`: a second pass could still change one (drop it as invalid, or join it again)."""

    def absolute(url: str) -> str | None:
        try:
            made = urljoin(base_url, url) if base_url else url
        except ValueError:
            return None
        if joined is not None and made != url:
            joined.append(made)
        return made

    return nh3.clean(
        split_text(fragment),  # long text runs cut by comments: html5ever is quadratic in them
        tags=_TAGS,
        attributes=_ATTRS,
        clean_content_tags=_DROP_WITH_CONTENT,
        link_rel="noopener nofollow",
        url_schemes={"http", "https", "mailto"},
        url_relative=absolute,
    )


@dataclass
class _Paragraphized:
    html: str  # the body, its loose runs made <p> blocks
    tree: LexborHTMLParser  # the body parsed as it came
    blocks_only: bool  # no loose run made a block: `html` is the tree's blocks serialized
    between: list[LexborNode]  # the tree's top-level nodes that are no block


def _paragraphize(html: str) -> _Paragraphized:
    """Loose top-level text ("a<br><br>b", common in feeds) becomes <p> blocks, so the
    block-by-block rules below see every line. The tree parsed on the way is kept: when no
    block was made, clean_content may reuse it rather than parse the same blocks again."""
    tree = LexborHTMLParser(f"<body>{html}</body>")
    root = tree.body
    if root is None:
        return _Paragraphized(html, tree, False, [])
    out: list[str] = []
    loose: list[str] = []
    between: list[LexborNode] = []
    made = 0  # blocks made of loose runs
    for child in root.iter(include_text=True):
        if child.tag in _BLOCK_SET:
            paragraphs = _as_paragraphs("".join(loose))
            made += len(paragraphs)
            out.extend(paragraphs)
            loose = []
            out.append(child.html or "")
        else:
            loose.append(child.html or "")
            between.append(child)
    paragraphs = _as_paragraphs("".join(loose))
    made += len(paragraphs)
    out.extend(paragraphs)
    return _Paragraphized("".join(out), tree, made == 0, between)


_BR_RUN = re.compile(r"(?:\s*<br>\s*){2,}")


def _as_paragraphs(run: str) -> list[str]:
    if not run or run.isspace():  # the white space between blocks: nothing to split
        return []
    parts = _BR_RUN.split(run)
    return [f"<p>{p.strip()}</p>" for p in parts if p.strip()]


# Where an _INLINE_INSERT match can start: at a <br>, or just after a block's opening tag.
_INSERT_STARTS = re.compile(r"<br>|<p>|<div>|<li>", re.IGNORECASE)


def _drop_inline_inserts(html: str) -> str:
    """`_INLINE_INSERT.sub(_drop_line, html)`, tried only where a match can start: its first
    branch is a <br>, the others look behind for <p>, <div>, <li>, so no other position can
    open one. The regex itself tries every position, looking behind at each (a fifth of
    clean_content's time on 5 KB bodies). Same leftmost, non-overlapping matches as sub."""
    out: list[str] = []
    done = 0
    for tag in _INSERT_STARTS.finditer(html):
        at = tag.start() if tag.group()[1] in "bB" else tag.end()
        if at < done:
            continue
        match = _INLINE_INSERT.match(html, at)
        if match is None:
            continue
        out += [html[done:at], _drop_line(match)]
        done = match.end()
    if not out:
        return html
    out.append(html[done:])
    return "".join(out)


def _drop_line(match: re.Match[str]) -> str:
    # an insert that is the whole block is left to the block rules (heading or insert),
    # unless it is a label over a list of headlines: the block rules read it as one line
    if not match.group("lead") and not match.group("trail") and "<br>" not in match.group():
        return match.group()
    return ""  # the next line keeps its own <br>; a <br> left opening a block is dropped later


def _inner_html(root: LexborNode) -> str:
    return "".join(child.html or "" for child in root.iter(include_text=True))


# --- boilerplate removal ------------------------------------------------------------------


def _remove_blocks(root: LexborNode) -> None:
    """Drop inserts, junk lines and a link-list tail, block by block in document order.

    Linear in the size of the tree (issue 10: it read every ancestor of every block and the
    text of every subtree): the boxes' texts are built once, bottom-up, and only as far as
    an insert can be long; whether a block sits in a doomed one is carried down from its
    ancestors."""
    # a walk, not root.css(_BLOCK_SEL): the same nodes in the same (document) order, in a
    # fifth of the time (lexbor matches each node against 28 selectors)
    blocks = [node for node in root.traverse(include_text=False) if node.tag in _BLOCK_SET]
    branches = _branches(blocks)
    box_texts = _short_texts(blocks, branches)
    # a leaf's whole text (leaves never nest: each text node is read once more); a box's if short
    texts = {
        b.mem_id: box_texts[b.mem_id] if b.mem_id in branches else _node_text(b) for b in blocks
    }
    boxes = _leaf_counts(blocks, branches)
    tail_ok: list[bool] | None = None
    doomed: list[LexborNode] = []
    state: dict[int, bool] = {root.mem_id: False}  # node -> is it (inside) a doomed block
    for index, node in enumerate(blocks):
        if _doomed_above(node, state):
            state[node.mem_id] = True
            continue
        state.setdefault(node.mem_id, False)  # True already: the list after a heading
        text, leaf = texts.get(node.mem_id), node.mem_id not in branches
        short = text is not None and len(text) <= _INSERT_MAX
        insert = short and _INSERT.match(text or "") and (leaf or boxes[node.mem_id] <= 1)
        if insert or (leaf and (_WP_FOOTER.match(text or "") or _line_junk(text or ""))):
            doomed.append(node)
            state[node.mem_id] = True
        elif leaf and _MARKER.match(text or ""):
            tail_ok = tail_ok if tail_ok is not None else _tail_flags(blocks, texts, branches)
            if tail_ok[index + 1]:
                doomed.extend((node, *_following(node, root)))
                break
            doomed.append(node)
            state[node.mem_id] = True
            after = _next_element(node)
            if after is not None and (
                after.tag in ("ul", "ol")  # the list under a mid-story "Baca Juga" heading
                or (_INSERT_LABEL.match(text or "") and _linked_headline(after, texts, branches))
            ):
                doomed.append(after)
                state[after.mem_id] = True
    for node in reversed(doomed):  # descendants before ancestors
        node.decompose()


def _line_junk(text: str) -> bool:
    """Whether _LINE_JUNK matches `text`; its caption branch only when a word it needs is
    there (lower() stands for re.IGNORECASE but for the _unfoldable characters)."""
    low = text.lower()  # the words one by one, not any() over a generator: every leaf block
    caption = "(" in text and (
        "(foto" in low or "(photo" in low or "(dok" in low or "(ilustrasi" in low
    )
    if caption or "antara" in low or (not text.isascii() and _unfoldable(text)):
        return _LINE_JUNK.match(text) is not None
    return _LINE_JUNK_NO_CAPTION.match(text) is not None


def _unfoldable(text: str) -> bool:
    # re.IGNORECASE matches these to "i" and "s" where str.lower() leaves them (or, İ, adds a dot)
    return "\u0130" in text or "\u0131" in text or "\u017f" in text


def _short_texts(blocks: list[LexborNode], branches: set[int]) -> dict[int, str | None]:
    """mem_id -> the one-line text of each element inside a box (a block holding blocks), or
    None when it is longer than _INSERT_MAX (only a short box can be an insert). Each
    outermost box's elements innermost first, each from its children's, so every text node
    is read once."""
    found: dict[int, str | None] = {}
    if not branches:  # a body of flat blocks, as most feeds write it
        return found
    for box in blocks:  # document order: an outer box before the boxes inside it
        if box.mem_id not in branches or box.mem_id in found:
            continue
        for node in reversed(list(box.traverse(include_text=False))):
            if not (node.tag or "-").startswith("-"):  # not a comment
                found[node.mem_id] = _joined(node, found)
    return found


def _joined(node: LexborNode, found: dict[int, str | None]) -> str | None:
    parts: list[str] = []
    size = -1
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            part: str | None = _one_line(child.text(deep=False) or "")
        else:
            part = found.get(child.mem_id, "")
        if part is None or (part and (size := size + len(part) + 1) > _INSERT_MAX):
            return None
        if part:
            parts.append(part)
    return " ".join(parts)


def _leaf_counts(blocks: list[LexborNode], branches: set[int]) -> dict[int, int]:
    """mem_id -> how many leaf blocks other than <li> a box holds, counted up to 2 (a box
    of related links is a heading and list items: at most one such leaf)."""
    if not branches:  # no box to count for
        return {}
    counts: dict[int, int] = {}
    for node in blocks:
        if node.mem_id in branches or node.tag == "li":
            continue
        parent = node.parent
        while parent is not None and counts.get(parent.mem_id, 0) < 2:
            counts[parent.mem_id] = counts.get(parent.mem_id, 0) + 1
            parent = parent.parent
    return {b.mem_id: counts.get(b.mem_id, 0) for b in blocks if b.mem_id in branches}


def _tail_flags(
    blocks: list[LexborNode], texts: dict[int, str | None], branches: set[int]
) -> list[bool]:
    """flags[i]: the leaf blocks from blocks[i] on are all headlines or category names
    (_is_tail of their texts); one more entry, True, for the end."""
    flags = [True] * (len(blocks) + 1)
    for index in range(len(blocks) - 1, -1, -1):
        node = blocks[index]
        ok = node.mem_id in branches or _is_tail([texts[node.mem_id] or ""])
        flags[index] = ok and flags[index + 1]
    return flags


def _doomed_above(node: LexborNode, state: dict[int, bool]) -> bool:
    """Whether an ancestor of `node` is doomed: the walk up stops at the first node whose
    answer is known and hands it down the path it took (blocks come in document order, so a
    doomed block is known before anything inside it is asked about)."""
    path: list[int] = []
    parent = node.parent
    found: bool | None = None
    while parent is not None:
        key = parent.mem_id
        found = state.get(key)
        if found is not None:
            break
        path.append(key)
        parent = parent.parent
    found = bool(found)  # None: past the top, which a node under root never reaches
    if path:  # mostly empty: a block's parent is the body or a block asked about before
        state.update(dict.fromkeys(path, found))
    return found


def _branches(blocks: list[LexborNode]) -> set[int]:
    """The blocks holding another block (by mem_id): every block ancestor of a block, found
    in one walk up from each block that stops where an earlier walk already went."""
    found: set[int] = set()
    seen: set[int] = set()
    for node in blocks:
        parent = node.parent
        while parent is not None and parent.mem_id not in seen:
            seen.add(parent.mem_id)
            if parent.tag in _BLOCK_SET:
                found.add(parent.mem_id)
            parent = parent.parent
    return found


# a "Baca juga:" label alone in its block: the editor pressed Enter before pasting the link
_INSERT_LABEL = re.compile(rf"^(?:{_INSERT_WORDS})\s*[:：]?$", re.IGNORECASE)


def _linked_headline(node: LexborNode, texts: dict[int, str | None], branches: set[int]) -> bool:
    """Whether `node`, the block under an insert label, is the other post's headline: a leaf
    block whose whole text is its links' text, short and no sentence of the story."""
    text = texts.get(node.mem_id)
    if node.mem_id in branches or not text or len(text) > _INSERT_MAX or _is_prose(text):
        return False
    linked = " ".join(_node_text(a) for a in node.css("a"))
    return linked.replace(" ", "") == text.replace(" ", "")


def _next_element(node: LexborNode) -> LexborNode | None:
    after = node.next
    while after is not None and after.tag == "-text" and not (after.text() or "").strip():
        after = after.next
    return after


def _is_tail(texts: list[str]) -> bool:
    """Headlines and category names only (the texts of the leaf blocks after a marker); a
    story sentence after the marker means the marker was a mid-story box
    ("<h4>Baca Juga</h4><ul>..."), and cutting there loses the story."""
    return all(len(t) <= _TAIL_LINE_MAX and not _is_prose(t) for t in texts)


def _is_prose(text: str) -> bool:
    if len(text.split()) < _PROSE_WORDS:
        return False
    return _PROSE_END.search(text) is not None or _CREDIT.search(text) is not None


def _following(node: LexborNode, root: LexborNode) -> list[LexborNode]:
    """Every node after `node` in document order, as the largest subtrees that hold them."""
    found: list[LexborNode] = []
    current: LexborNode | None = node
    while current is not None and current != root:
        sibling = current.next
        while sibling is not None:
            found.append(sibling)
            sibling = sibling.next
        current = current.parent
    return found


def _node_text(node: LexborNode) -> str:
    return _one_line(node.text(deep=True, separator=" "))


# --- plain text, dateline, credit, summary --------------------------------------------------


_BLANK_LINE = re.compile(r"\n\s*\n")


def _paragraphs(root: LexborNode) -> list[str]:
    """Block-aware text: a blank line between blocks, so paragraphs survive."""
    parts: list[str] = []
    # per open element: its children not read yet, and whether it is a block (closed by a
    # blank line); a walk without recursion, as the tree may nest deep
    stack = [(root.iter(include_text=True), False)]
    while stack:
        children, block = stack[-1]
        for node in children:
            tag = node.tag
            if tag == "-text":
                parts.append(node.text_content or "")
            elif tag == "br":
                parts.append("\n")
            else:
                inner = tag in _BLOCK_SET
                if inner:
                    parts.append("\n\n")
                stack.append((node.iter(include_text=True), inner))
                break
        else:
            stack.pop()
            if block:
                parts.append("\n\n")
    joined = "".join(parts)
    return [p for p in (_one_line(chunk) for chunk in _BLANK_LINE.split(joined)) if p]


def _dateline(paragraphs: list[str]) -> tuple[str | None, int]:
    """The dateline opening the story; pre-story lines (breadcrumb, captions) are skipped."""
    for index, para in enumerate(paragraphs[:8]):
        match = (
            _DATELINE_CAPS.match(para) or _DATELINE_TITLE.match(para) or _DATELINE_STOP.match(para)
        )
        if match is None and index < _BARE_WITHIN:
            match = _DATELINE_BARE.match(para)
        if match and _has_letters(match.group("line"), 3):
            return match.group("line").strip(), index
    return None, 0


def _credit(paragraphs: list[str]) -> str | None:
    """The credit closing the story, read in its last three paragraphs from the end. One that
    names no one (_BARE_MARK: "[Advertorial]", "(adv)", "(red)") does not hide a credit right
    before it: in its paragraph, or closing the paragraph just above when the mark stands
    alone in its own. Both are read, in reading order, joined by _STACKED ("adv/diskominfo
    kukar + Advertorial"), so the mark's advertorial and the other's office and regency all
    reach the classifier, which splits a credit into tokens at " + " too. A mark after a line
    of the story reaches no higher: a bracket up there is the story's ("(Humas Kutim)")."""
    for index in range(len(paragraphs) - 1, max(len(paragraphs) - 3, 0) - 1, -1):
        found, alone = _paragraph_credits(paragraphs[index])
        if not found:
            continue
        if alone and index > 0 and _BARE_MARK.fullmatch(found[0]) is not None:
            found[:0] = _paragraph_credits(paragraphs[index - 1])[0]
        return _STACKED.join(found)
    return None


def _paragraph_credits(para: str) -> tuple[list[str], bool]:
    """The credits closing a paragraph (_credits_closing), and whether they are all of it."""
    para = _HASHTAGS.sub("", para).rstrip()  # "#kukaridaman #pemkabkukar (adv)"
    para = _without_staff_tail(para)
    found, start = _credits_closing(para)
    head = para
    for _ in range(_TAGS_PAST):
        # a closing tag is short: looked for near the end only (a paragraph of 250,000
        # "[x] " took twice as long when each pass searched all of it)
        if found or (tag := _SQUARE_TAG.search(head, max(0, len(head) - 100))) is None:
            break
        # editor's tags after the credit, in its paragraph: "(adv/kukar) [Red] [foto]"
        head = head[: tag.start()].rstrip()
        found, start = _credits_closing(head)
    return found, not para[:start].strip()


_TAGS_PAST = 3  # closing square-bracketed tags a credit is looked for behind

# staff lines right after a credit's bracket, in its block ("(adv/kukar)<br>Editor: Jalu"):
# they close the story after the credit and are no part of it
_STAFF_TAIL = re.compile(
    rf"(?<=[)\]])\s*+{_STAFF}\s*+[:：]\s*+{_STAFF_NAME}"
    rf"(?:\|?\s*+{_STAFF}\s*+[:：]\s*+{_STAFF_NAME})*+$",
    re.IGNORECASE,
)
_STAFF_TAIL_REACH = 300  # characters from a paragraph's end such lines may take


def _without_staff_tail(para: str) -> str:
    at = max(0, len(para) - _STAFF_TAIL_REACH)
    tail = _STAFF_TAIL.search(para, at) if ":" in para[at:] or "：" in para[at:] else None
    return para[: tail.start()] if tail else para


# a closing square-bracketed tag: "[Red]", "[foto]"
_SQUARE_TAG = re.compile(r"\[[^\[\]]{1,30}\]\s*\.?$")  # tried at each "[" only
_STACKED = " + "  # between the credits of a stack, as _credit writes it
_MARK_WORDS = r"(?:adv|advertorial|advetorial|pariwara|iklan|sponsored|red|redaksi)\.?"
_BARE_MARK = re.compile(_MARK_WORDS, re.IGNORECASE)  # (fullmatch) names no office, no place
# such a mark right after another credit's bracket, where a bare word alone is no credit:
# "(Diskominfo Kukar) (Advertorial)"
_MARK_AFTER_BRACKET = re.compile(
    rf"(?<=[)\]])\s*(?P<open>[(\[])(?P<credit>{_MARK_WORDS})(?P<close>[)\]])\s*\.?$",
    re.IGNORECASE,
)
_MARK_REACH = 40  # characters from a paragraph's end that such a mark can take
# credits a paragraph stacks at most: each one more reads the paragraph again, and a run of
# a thousand "(adv)." took seconds and overflowed the stack cutting them from the summary
_STACK_MAX = 3


def _credits_closing(text: str) -> tuple[list[str], int]:
    """The credit closing `text`, with those right before it while the first names no one
    ("(Diskominfo Kukar) [Advertorial]", "(Diskominfo Kukar). (adv). (red)" give them all),
    and where the first one's bracket opens. A mark after a bracket is read only after
    another credit."""
    last = _closing(text)
    alone = last is not None
    if last is None:
        last = _mark_after_bracket(text)
    if last is None:
        return [], len(text)
    found, start = [last[0]], last[1]
    while _BARE_MARK.fullmatch(found[0]) is not None and len(found) < _STACK_MAX:
        head = text[:start].rstrip()
        before = _closing(head) or _mark_after_bracket(head)
        if before is None:
            break
        found.insert(0, before[0])
        start = before[1]
    if not alone and len(found) == 1:
        return [], len(text)
    return found, start


def _mark_after_bracket(text: str) -> tuple[str, int] | None:
    # a mark is one word, and a paragraph one line (single spaces): only its end can hold one
    mark = _MARK_AFTER_BRACKET.search(text, max(0, len(text) - _MARK_REACH))
    if (
        mark is None
        or _CLOSES[mark.group("open")] != mark.group("close")
        or not _credit_like(mark.group("open"), mark.group("credit"))  # not "[Red]"
    ):
        return None
    return mark.group("credit"), mark.start("open")


def _closing(para: str) -> tuple[str, int] | None:
    """The credit closing `para`, and where its opening bracket stands."""
    match = _CREDIT.search(para) or _CREDIT_AFTER_WORD.search(para)
    if (
        match
        and _CLOSES[match.group("open")] == match.group("close")
        and _has_letters(match.group("credit"), 2)
        and _credit_like(match.group("open"), match.group("credit"))
    ):
        credit = match.group("credit").strip()
        plain_word = re.fullmatch(r"[A-Za-z]+", credit) is not None
        # one bare word in brackets ends many sentences; accept it only alone or after a
        # full stop, which is how portals print "(adv)"
        if not plain_word or match.start("credit") <= 1 or _after_stop(para, match.start()):
            return credit, match.start("open")
    return None


def _credit_like(opening: str, credit: str) -> bool:
    parts = "/" in credit or "|" in credit
    if not parts and _READ_MORE.match(credit):  # "(Baca selengkapnya)"; "(Klik Kaltim/adv)" is one
        return False
    if opening == "(":
        return True
    office = _SQUARE_CREDIT.match(credit)
    if office is None:
        return False
    # what follows the office names it (a region, a unit: "Setkab Kutim"); a sentence does
    # not ("[Sumber - Pemkab Kutim membantah]"): in a credit that has capitals, no word after
    # the office starts with a small letter
    after = _REST_OF_WORD.sub("", credit[office.end() :]).split()
    return credit.islower() or not any(w[:1].islower() for w in after)


_REST_OF_WORD = re.compile(r"^\w*")


def _after_stop(para: str, pos: int) -> bool:
    before = para[:pos].rstrip()
    return before == "" or before[-1] in ".!?”\"'’…"


def _summary(paragraphs: list[str], dateline: str | None, credit: str | None) -> str:
    text = " ".join(paragraphs)
    if dateline and text.startswith(dateline):
        text = text[len(dateline) :].lstrip()
    if credit:
        text = _without_credit(text, credit)
    if "<" not in text:
        # no tag to strip, and already one line: the paragraphs are _one_line's output, and so
        # is any join of them by " " and any stripped prefix or suffix of that
        return _truncate(text, SUMMARY_CHARS)
    return _truncate(_one_line(_strip_tags(text)), SUMMARY_CHARS)


_TAIL_AFTER_CREDIT = re.compile(r"\s*\.?$")
# What _credit reads past after a credit, and the summary keeps: editor's tags in square
# brackets, a few words on one line ("[Red]", "[video]", "[Update 12.30 WITA]"), hashtags, the
# advertorial's label without brackets ("ADVERTORIAL"); a space apart from the credit, as when
# they stand in a paragraph of their own or after it in its paragraph ("(adv/kukar) [Red]")
_STOP_AFTER_CREDIT = re.compile(r"(?:\s*\.)?\s+")
_PAST_CREDIT = re.compile(
    r"(?:\[(?P<tag>\w[^\[\]()\s]{0,29}(?: [^\[\]()\s]{1,30}){0,5})\]|(?<!\w)#\w+"
    r"|(?:advertorial|advetorial|pariwara)(?!\w))"
    r"(?:\s*\.)?\s*",
    re.IGNORECASE,
)
_SPACE_TO_END = re.compile(r"\s*\Z")


def _without_credit(text: str, credit: str) -> str:
    """`text` without the credit _credit read there: "(credit)" or "[credit]", with the spaces
    before it and a full stop after, where it ends the text or where only what _credit reads
    past follows it (_PAST_CREDIT, which stays: "... ujarnya. [Red]"). A stack ("adv/kukar +
    ADV") goes part by part: its last credit there, each one before it where it ends what
    precedes the next, else at its last place (a line of the story after it stays).

    The credit is found by rfind, not by trying an anchored pattern at every position of the
    body: a credit holds no bracket, so only its last bracketed occurrence can end the text."""
    if any(b in credit for b in "()[]"):  # never from _credit; kept exact all the same
        name = re.escape(credit)
        return re.sub(rf"\s*(?:\({name}\)|\[{name}\])\s*\.?$", "", text)
    cut = _closing_cut(text, credit)
    if cut is not None:
        return cut[0] + cut[1]
    head, stacked, last = credit.rpartition(_STACKED)
    cut = _closing_cut(text, last) if stacked else None
    if cut is None:
        return text
    before = _earlier_cut(cut[0], head)
    return before + cut[1] if before else cut[1].lstrip()


def _closing_cut(text: str, credit: str) -> tuple[str, str] | None:
    """`text` before and after the credit (its spaces and full stop left out), where it ends the
    text or only what _credit reads past follows it; None where it does not."""
    found = [text.rfind(f"{o}{credit}{c}") for o, c in _CLOSES.items()]
    for at in found:
        tail = _TAIL_AFTER_CREDIT.match(text, at + len(credit) + 2) if at >= 0 else None
        if tail is not None:
            return text[:at].rstrip(), text[tail.end() :]
    for at in found:
        stop = _STOP_AFTER_CREDIT.match(text, at + len(credit) + 2) if at >= 0 else None
        if stop is not None and _past_credit(text, stop.end()):
            before = text[:at].rstrip()
            return before, f" {text[stop.end() :]}" if before else text[stop.end() :]
    return None


def _past_credit(text: str, at: int) -> bool:
    """Whether text[at:] holds one or more of what _credit reads past a credit, and nothing
    else. A tag there holds two letters or more and is no credit: "[adv | kukar]" after a
    credit is the credit _credit read, "[ADV]" is read with it."""
    items = 0
    while (item := _PAST_CREDIT.match(text, at)) is not None:
        tag = item.group("tag")
        if tag is not None and not _editor_tag(tag):
            return False
        at, items = item.end(), items + 1
    return items > 0 and _SPACE_TO_END.match(text, at) is not None


def _editor_tag(tag: str) -> bool:
    return len(tag) <= 30 and _has_letters(tag, 2) and _closing(f"[{tag}]") is None


def _earlier_cut(text: str, credit: str) -> str:
    """`text` (what stands before a stack's last credit) without the credit before it: where it
    ends the text, else at its last place (a line of the story after it stays), else part by
    part when it is a stack itself."""
    cut = _closing_cut(text, credit)
    if cut is not None:
        return cut[0] + cut[1]
    at = max(text.rfind(f"{o}{credit}{c}") for o, c in _CLOSES.items())
    if at >= 0:
        return text[:at].rstrip() + text[at + len(credit) + 2 :]
    head, stacked, last = credit.rpartition(_STACKED)
    return _earlier_cut(_earlier_cut(text, last), head) if stacked else text


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:–—-") + "…"


def _has_letters(text: str, count: int) -> bool:
    return sum(ch.isalpha() for ch in text) >= count


def _one_line(text: str) -> str:
    # str.split() splits on exactly what the regex \s matches (str.isspace) and drops the ends.
    # Every character _CONTROL matches is unprintable (str.isprintable), and so is every white
    # space but " ": printable text without a double or an outer space is already one line
    # (most texts: _one_line runs once per text node and paragraph, tens per entry).
    if not text.isprintable():
        text = _DROPPED_CONTROL.sub("", text)
    elif "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())
