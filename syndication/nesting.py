"""Bound how deep HTML nests before a parser or a tree walker reads it.

An HTML parser checks its stack of open elements on every block start tag ("is a <p> open in
button scope?"), so N nested <div>s cost it N*N steps, and so does any walk that visits every
ancestor of every element: 64,000 nested <div>s (700 KB) held lexbor and nh3 for 13-15 s each.
Real pages nest about 50 deep at most (the deepest of tests/data/real: 51). `bound_depth` keeps
MAX_DEPTH levels as they are and drops the start and end tags of the elements deeper than that:
their text stays, flattened into the element at the limit, as a browser flattens a tree deeper
than its own limit. It reads the tags once, in linear time, without building a tree.

The count follows the HTML parser's stack where that is cheap to know (void elements, raw text,
comments, an end tag closing its open element, a new <p>/<li>/<td> closing the open one) and
otherwise counts high: a level it is unsure of (the adoption agency, formatting elements the
parser reopens, foreign content, <noscript>) stays counted. The one level it leaves out is the
<tbody> a parser adds to a table, so nested tables may reach a third deeper. Real pages nest
far below the limit and pass unchanged (every saved real page does, even with a limit of 64).

`split_text` bounds the other cost: html5ever (under nh3) takes time quadratic in a text node's
length once it holds many character references or non-ASCII characters (a body of 400,000
`&#160;` held nh3 for 11 s). It puts an empty comment into each longer run of text, where a
parser reads the same characters on either side; the sanitizer drops the comments and writes
the pieces out side by side, as the one text they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_DEPTH = 256  # levels kept; the deepest real page seen nests 51

_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
    "param", "source", "track", "wbr",
})  # fmt: skip
# content is text up to the matching end tag (outside svg/math)
_RAW = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"})
_HTML_INSIDE_FOREIGN = ("foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext")
_SCOPE = frozenset({
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template",
})  # fmt: skip
_TABLE_PARTS = frozenset({"table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption"})
# the elements that stop an end tag's search for its open element ("in scope")
_BOUNDS = {
    "": _SCOPE,
    "p": _SCOPE | {"button"},
    "li": _SCOPE | {"ol", "ul"},
    "table": frozenset({"html", "table", "template"}),
}
_SCOPE_KIND = {"p": "p", "li": "li", **dict.fromkeys(_TABLE_PARTS, "table")}
_FORMATTING = frozenset({
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
    "u",
})  # fmt: skip
# elements that are not "special" to the parser: a formatting element's end tag closes them
_PHRASING = _FORMATTING | {"abbr", "cite", "span", "sub", "sup", "mark", "q", "time"}
# what may stand between a new <li>/<dt>/<dd> and the open one it closes
_PASSABLE = _PHRASING | {"div", "p", "address"}
# start tags that close an open <p>
_CLOSES_P = frozenset({
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div",
    "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hgroup", "main", "menu", "nav", "ol", "p", "pre", "section", "summary",
    "ul",
})  # fmt: skip
_CLOSES_SAME = {"li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}}
_CLOSES_TOP = {
    "td": {"td", "th"},
    "th": {"td", "th"},
    "tr": {"tr", "td", "th"},
    "option": {"option"},
    "optgroup": {"option", "optgroup"},
}
_LOOK_DOWN = 8  # open elements searched below the top for the one a start tag closes
_NOAHS_ARK = 3  # the parser keeps at most three equal formatting elements to reopen

# One token per search: a comment, a CDATA section, a declaration or bogus tag, or a tag (its
# name read possessively, then the rest of the tag up to its ">", group 6; None when the rest
# has no ">": the parser reads to the end inside this tag).
# The rest is possessive: a tag never closed fails at once instead of trying every way of
# reading its quoted values (exponential in their number); a quoted value holds any ">".
_TOKEN = re.compile(
    r"""<(?:(!--)|(!\[CDATA\[)|([!?]|/(?![A-Za-z>]))|(/?)([A-Za-z][^\t\n\f\r />]*+)"""
    r"""(?:(?:[^>=]++|=[\t\n\f\r ]*"[^"]*"|=[\t\n\f\r ]*'[^']*'|=)*+(>))?)"""
)
_COMMENT_END = re.compile(r"--!?>")
# the _BOUNDS kinds each element counts in (most count in none)
_KINDS = {
    name: tuple(kind for kind, members in _BOUNDS.items() if name in members)
    for name in frozenset().union(*_BOUNDS.values())
}
# start tags that may close open elements first (_implied_ends); the others go straight on
_IMPLYING = _CLOSES_P | _CLOSES_SAME.keys() | _CLOSES_TOP.keys()
# start tags the fast path leaves to _start_tag: no level, raw text, or the end of markup
_SPECIAL_START = _VOID | _RAW | {"plaintext"}


TEXT_RUN = 16_384  # characters of text between comments put in by split_text
# a comment put in before one of these leaves every character reference whole (a reference
# reads ASCII letters, digits, "#" and ";") and every "</>" as it was; and none is white space
# to the parser, so no piece of a run that holds more than white space is white space alone
# (in a table such a piece would stay inside it, where the whole run moves before the table)
_SAFE_SPLIT = re.compile("[&\x80-\ud7ff\ue000-\U0010ffff]")
_NOT_SPACE = re.compile(r"[^\t\n\f\r ]")
# the character references a parser reads as white space (tab, newline, form feed, CR, space)
_WHITE_REFERENCE = re.compile(
    r"&(?:#0*(?:9|10|12|13|32)|#[xX]0*(?:9|[aAcCdD]|20)|Tab;|NewLine;)(?![0-9A-Za-z])(?:;)?"
)
# start tags after which split_text cannot be sure what is text: <plaintext> makes the rest text;
# in svg and math content, and in a <select>, a <style>, <xmp> or <noembed> may open no raw
# text (and CDATA may be text), so a scan that took it for raw text would skip real markup
_UNSURE = frozenset({"plaintext", "svg", "math", "select"})
# an "=" where an attribute's name begins, then a quote: the quote is part of the name
_NAME_EQUALS = re.compile(r"""^<[^\s/>]+[\s/]*=|[\s/"']=\s*["']""")


def split_text(html: str, every: int = TEXT_RUN) -> str:
    """`html` with `<!---->` put into its text (outside tags, comments and raw text elements),
    each before the first "&" or non-ASCII character at least `every` characters after the
    last, where that changes no character the parser reads nor where it puts it; `html` itself
    when no run of text is that long. (A run of ASCII without "&" costs html5ever no more than
    its length.) Where the scan cannot be sure of text from there on (a tag never closed, raw
    text running to the end, a start tag of _UNSURE), it puts nothing in after it."""
    if len(html) <= every:
        return html
    pieces: list[str] = []
    done = 0  # html[:done] is in pieces

    def cut(start: int, end: int) -> None:  # html[start:end] is text
        nonlocal done
        cuts: list[int] = []
        last = start  # no piece may be white space alone (references such as "&#32;" too)
        # html[last:seen] is white space alone: each character is read once, not once per
        # step (a run of "&#32;" kept `last` in place, and the scan was quadratic). A split
        # point is before "&" or a non-ASCII character, so no reference spans one
        seen = start
        at = start + every
        while at < end and (safe := _SAFE_SPLIT.search(html, at, end)) is not None:
            point = safe.start()
            if not _white(html[seen:point]):
                cuts.append(last := point)
            seen = point
            at = point + every
        if cuts and _white(html[last:end]):
            cuts.pop()
        for point in cuts:
            pieces.append(html[done:point])
            pieces.append("<!---->")
            done = point

    pos = 0
    while (match := _TOKEN.search(html, pos)) is not None:
        if match.start() - pos > every:
            cut(pos, match.start())
        pos = _past(html, match)
        if pos < 0:
            break
    else:
        if len(html) - pos > every:
            cut(pos, len(html))
    if not pieces:
        return html
    pieces.append(html[done:])
    return "".join(pieces)


def _white(text: str) -> bool:
    """Whether a parser reads `text` as white space alone."""
    return not _NOT_SPACE.search(_WHITE_REFERENCE.sub("", text))


def _past(html: str, match: re.Match[str]) -> int:
    """Where the text after the token `match` begins, or -1 when nothing after it is sure to
    be text."""
    if match.group(1):  # <!-- ... -->; "<!-->" and "<!--->" end at once, "<!--!>" does not
        start = match.start()
        for empty in ("<!-->", "<!--->"):
            if html.startswith(empty, start):
                return start + len(empty)
        closing = _COMMENT_END.search(html, start + 4)
        return closing.end() if closing else -1
    if match.group(2) or match.group(3):  # <!DOCTYPE>, <?xml?>, </ x>, CDATA: up to the next >
        end = html.find(">", match.end())
        return end + 1 if end >= 0 else -1
    if match.group(6) is None:  # a tag never closed: the parser reads to the end inside it
        return -1
    if _NAME_EQUALS.search(match.group(0)):
        # '<b ="><textarea>">': a parser reads '="' as an attribute's name, not a value's
        # quote, and ends the tag at the first '>': the scan's tag is not the parser's
        return -1
    name = match.group(5).lower()
    if match.group(4) or (name not in _RAW and name not in _UNSURE and name != "noscript"):
        return match.end()
    if name in _UNSURE:
        return -1
    closing = re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE).search(html, match.end())
    return closing.start() if closing else -1


def bound_depth(html: str, limit: int = MAX_DEPTH) -> tuple[str, int]:
    """`html` with the tags nested deeper than `limit` dropped, and how many were dropped
    (0: the text is returned as it came)."""
    if html.count("<") <= limit:  # fewer tags than levels: nothing can be too deep
        return html, 0
    return _Scan(html, limit).run()


class _Scan:
    """One pass over the tags of a document, keeping the model of the parser's open elements."""

    def __init__(self, html: str, limit: int) -> None:
        self.html = html
        self.limit = limit
        self.stack: list[str] = []
        # tag -> its positions in the stack (svg, math, noscript and p there from the start:
        # the scan's loop holds their lists)
        self.where: dict[str, list[int]] = {"svg": [], "math": [], "noscript": [], "p": []}
        self.bounds: dict[str, list[int]] = {kind: [] for kind in _BOUNDS}  # their positions
        self.dropped: dict[str, int] = {}  # tag -> its dropped start tags not yet closed
        self.keys: list[str] = []  # beside `stack`: a formatting element's start tag, else ""
        # formatting elements closed by another's end tag: the parser keeps them in its list of
        # active formatting elements and reopens them inside the next blocks
        self.parked: dict[str, list[str]] = {}  # tag -> start tags, oldest first
        self.parked_copies: dict[str, int] = {}  # start tag -> copies parked
        self.parked_total = 0
        self.kept: list[str] = []
        self.done = 0  # html[:done] is in `kept`
        self.count = 0

    def run(self) -> tuple[str, int]:
        """The tags read in one loop: the usual ones (an element opened outside svg/math, the
        open element on top closed) inline, every other case by the methods below."""
        html, stack, keys, where, bounds = self.html, self.stack, self.keys, self.where, self.bounds
        svg, math, noscript, paragraph = where["svg"], where["math"], where["noscript"], where["p"]
        dropped, limit, search, pos = self.dropped, self.limit, _TOKEN.search, 0
        while (match := search(html, pos)) is not None:
            if match.lastindex != 6:
                pos = self._token(match)  # comment, CDATA, declaration, or no ">": not inline
                if pos < 0:  # the rest of the document is one comment, tag or raw text
                    break
                continue
            slash, name = match.group(4, 5)
            name, pos = name.lower(), match.end()
            if slash:  # an end tag
                if stack and stack[-1] == name and not dropped.get(name):
                    if name not in ("body", "html", "br") and (name == "noscript" or not noscript):
                        stack.pop()  # the open element on top: closed, nothing to park
                        keys.pop()
                        where[name].pop()
                        for kind in _KINDS.get(name, ()):
                            bounds[kind].pop()
                    continue
                self._end_tag(name, match.start(), pos)
                continue
            if name in _VOID:
                continue  # no level, in any content
            if name in _SPECIAL_START or svg or math or html[pos - 2] == "/":
                pos = self._start_tag(name, match.start(), pos, html[pos - 2] == "/")
                if pos < 0:
                    break
                continue
            if name in _IMPLYING and (paragraph or name not in _CLOSES_P):
                self._implied_ends(name)  # (a block start with no <p> open closes nothing)
            if len(stack) + self.parked_total >= limit:
                self._drop(match.start(), pos)
                dropped[name] = dropped.get(name, 0) + 1
                continue
            depth = len(stack)
            found = where.get(name)
            if found is None:
                where[name] = [depth]
            else:
                found.append(depth)
            for kind in _KINDS.get(name, ()):
                bounds[kind].append(depth)
            stack.append(name)
            keys.append(html[match.start() : pos].lower() if name in _FORMATTING else "")
        if not self.count:
            return self.html, 0
        self.kept.append(self.html[self.done :])
        return "".join(self.kept), self.count

    def _token(self, match: re.Match[str]) -> int:
        start = match.start()
        if match.group(1):  # <!-- ... --> (also <!--> and <!--->)
            closing = _COMMENT_END.search(self.html, start + 2)
            return closing.end() if closing else -1
        if match.group(2) and self._foreign():  # CDATA section in svg/math
            end = self.html.find("]]>", match.end())
            return end + 3 if end >= 0 else -1
        if match.group(2) or match.group(3):  # <!DOCTYPE>, <?xml?>, </ x>: up to the next >
            end = self.html.find(">", match.end())
            return end + 1 if end >= 0 else -1
        if match.group(6) is None:  # no > anywhere after: the parser reads to the end inside
            return -1
        name, end = match.group(5).lower(), match.end()
        if match.group(4):
            self._end_tag(name, start, end)
            return end
        return self._start_tag(name, start, end, self.html[end - 2] == "/")

    # --- start tags -----------------------------------------------------------------------

    def _start_tag(self, name: str, start: int, end: int, self_closing: bool) -> int:
        foreign = self._foreign()
        if name in _VOID or (self_closing and foreign):
            return end
        if not foreign and name in _RAW:  # text up to its end tag: no levels inside
            return self._raw_end(name, end)
        if name == "plaintext" and not foreign:
            return -1
        self._implied_ends(name)
        if len(self.stack) + self.parked_total >= self.limit:
            self._drop(start, end)
            self.dropped[name] = self.dropped.get(name, 0) + 1
            return end
        self._push(name, self.html[start:end].lower() if name in _FORMATTING else "")
        return end

    def _raw_end(self, name: str, pos: int) -> int:
        """Where the end tag of raw text element `name` starts (any case), else -1."""
        html, size = self.html, len(name)
        while (pos := html.find("</", pos)) >= 0:
            if html[pos + 2 : pos + 2 + size].lower() == name:
                return pos
            pos += 2
        return -1

    def _implied_ends(self, name: str) -> None:
        """A start tag that closes an open element: <div> an open <p>, <li> the open <li>."""
        if name in _CLOSES_P and self.where.get("p"):
            self._close_near({"p"}, lambda tag: tag not in _BOUNDS["p"])
        if name in _CLOSES_SAME and any(self.where.get(t) for t in _CLOSES_SAME[name]):
            self._close_near(_CLOSES_SAME[name], lambda tag: tag in _PASSABLE)
        closes = _CLOSES_TOP.get(name)
        while closes and self.stack and self.stack[-1] in closes:
            self._pop_to(len(self.stack) - 1)

    def _close_near(self, targets: set[str], passes: Callable[[str], bool]) -> None:
        """Close the innermost of `targets` when it is among the top _LOOK_DOWN open elements
        and every element above it `passes` (else it stays counted)."""
        for index in range(len(self.stack) - 1, max(-1, len(self.stack) - 1 - _LOOK_DOWN), -1):
            tag = self.stack[index]
            if tag in targets:
                self._pop_to(index)
                return
            if not passes(tag):
                return

    # --- end tags -------------------------------------------------------------------------

    def _end_tag(self, name: str, start: int, end: int) -> None:
        if self.dropped.get(name):
            self.dropped[name] -= 1
            self._drop(start, end)
            return
        if name in ("body", "html", "br"):  # the parser keeps the stack as it is
            return
        index = self._innermost(name)
        if index < 0:
            if name in _FORMATTING:
                self._unpark(name)  # the parser takes it off its list
            return
        if name != "noscript" and self._innermost("noscript") >= 0:
            return  # raw text to one parser, markup to another: only </noscript> counts
        bounds = self.bounds[_SCOPE_KIND.get(name, "")]
        if bounds and bounds[-1] > index:
            return  # not in scope: the parser ignores it
        if name in _FORMATTING:
            above = self.stack[index + 1 :]
            if len(above) > _LOOK_DOWN or any(tag not in _PHRASING for tag in above):
                return  # the adoption agency keeps the blocks above open: count them on
        self._pop_to(index)

    # --- the model ------------------------------------------------------------------------

    def _push(self, name: str, key: str) -> None:
        self.where.setdefault(name, []).append(len(self.stack))
        for kind in _KINDS.get(name, ()):
            self.bounds[kind].append(len(self.stack))
        self.stack.append(name)
        self.keys.append(key)

    def _pop_to(self, index: int) -> None:
        """Close the element at `index` and every one above it."""
        while len(self.stack) > index:
            tag, key = self.stack.pop(), self.keys.pop()
            self.where[tag].pop()
            for kind in _KINDS.get(tag, ()):
                self.bounds[kind].pop()
            if key and len(self.stack) > index:
                self._park(tag, key)  # closed by another's end tag

    def _park(self, tag: str, key: str) -> None:
        if self.parked_copies.get(key, 0) >= _NOAHS_ARK:
            return  # the parser keeps three equal ones
        self.parked.setdefault(tag, []).append(key)
        self.parked_copies[key] = self.parked_copies.get(key, 0) + 1
        self.parked_total += 1

    def _unpark(self, tag: str) -> None:
        """An end tag takes the newest parked element of its kind off the parser's list."""
        if self.parked.get(tag):
            key = self.parked[tag].pop()
            self.parked_copies[key] -= 1
            self.parked_total -= 1

    def _innermost(self, name: str) -> int:
        found = self.where.get(name)
        return found[-1] if found else -1

    def _foreign(self) -> bool:
        if not (self.where.get("svg") or self.where.get("math")):
            return False
        outer = max(self._innermost("svg"), self._innermost("math"))
        return outer >= 0 and outer > max(self._innermost(t) for t in _HTML_INSIDE_FOREIGN)

    def _drop(self, start: int, end: int) -> None:
        self.kept.append(self.html[self.done : start])
        self.done = end
        self.count += 1
