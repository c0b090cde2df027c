"""Editorial filters: which channels an item's headline may be pushed to.

    [[filters]] -> Filters (compiled once per config) -> verdict(regency, title, text)

A filter never touches feeds or pages: it only holds a Telegram message back, and the reason is
stored with the delivery so that `explain` can name it. Words and phrases match whole,
case-insensitively, on text folded the same way for phrase and item (Unicode compatibility
forms, punctuation and non-breaking spaces read as spaces; accents, soft hyphens and zero-width
characters dropped, as a reader never sees them part a word), so "judi online" matches
"JUDI-ONLINE!" and "ju&shy;di online" but neither "judionline" nor "judi" alone. The text read
is the summary and the body (an inline tag such as a drop cap's <span> parts no word), up to
TEXT_CHARS (65,536) characters: a hostile entry of megabytes costs no more.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

_NOT_WORD = re.compile(r"[^\w]+")
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)?[^>]*>")
# tags a browser renders inside a line of text: "<span>J</span>udi" reads "Judi"
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "del", "dfn", "em", "font", "i", "ins",
     "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
     "time", "tt", "u", "var"}
)  # fmt: skip
TEXT_CHARS = 64 * 1024  # of an item's text, read by the filters
PART = "\x1f"  # between the parts of an item's text (summary, body): no phrase spans it


class FilterRule(Protocol):
    """What a configured filter provides (config.FilterConfig)."""

    @property
    def regencies(self) -> tuple[str, ...] | None: ...
    @property
    def exclude(self) -> tuple[str, ...]: ...
    @property
    def require(self) -> tuple[str, ...]: ...


# what a reader never sees between two letters, dropped rather than read as a space: the
# combining accents (once decomposed: "é" is e + U+0301, and "İ" casefolds to i + U+0307) and
# the invisible format characters (soft hyphen, zero-width space and joiners, bidi marks, BOM,
# variation selectors). Explicit ranges: a regex runs at C speed on a 64 KiB body
_UNSEEN = re.compile(
    "[\u00ad\u0300-\u036f\u061c\u180e\u1ab0-\u1aff\u1dc0-\u1dff\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
    "\ufeff]+"
)


def fold(text: str) -> str:
    """Lower case words separated by single spaces, padded: ' judi online '."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():  # else nothing to decompose or drop
        text = _UNSEEN.sub("", unicodedata.normalize("NFKD", text))
        # the marks that are no accent go back on their letter: decomposed, kana's voicing
        # mark or Arabic's hamza is no word character and parted "ばくち" into "は くち"
        text = unicodedata.normalize("NFC", text)
    words = _NOT_WORD.sub(" ", text.replace("_", " ")).split()
    return f" {' '.join(words)} " if words else " "


def _untag(tag: re.Match[str]) -> str:
    return "" if (tag.group(1) or "").lower() in _INLINE else " "


def item_text(summary: str, content_html: str) -> str:
    """An item's text as a filter reads it: the summary and the body without its tags (a tag
    name such as `p` is never a word of the text; a block tag parts words, an inline one
    does not), apart (PART), its first TEXT_CHARS characters."""
    # the HTML bounded first (a story's is 5-300 KB; a body may be 2,000,000 characters):
    # every tag is looked at by _untag
    body = html.unescape(_TAG.sub(_untag, content_html[: 8 * TEXT_CHARS]))
    return f"{summary}{PART}{body}"[:TEXT_CHARS]


@dataclass(frozen=True)
class Hold:
    """Why a message is held back from one channel."""

    filter_index: int  # position in [[filters]], from 0
    kind: Literal["exclude", "require"]
    phrase: str | None  # the excluded phrase found; None for an unmet `require`

    def reason(self) -> str:
        where = f"filters[{self.filter_index}]"
        if self.kind == "exclude":
            return f"{where}: excluded, mentions {self.phrase!r}"
        return f"{where}: held, mentions none of its `require` words"


@dataclass(frozen=True)
class _Compiled:
    index: int
    regencies: frozenset[str] | None
    exclude: tuple[tuple[str, str], ...]  # (as written, folded)
    require: tuple[str, ...]  # folded


def _sharing(regencies: Sequence[str] | None, chats: Mapping[str, str]) -> frozenset[str] | None:
    """`regencies` and every regency whose channel is one of theirs (None: every channel)."""
    if regencies is None:
        return None
    theirs = {chats[r] for r in regencies if r in chats}
    return frozenset(regencies) | {r for r, chat in chats.items() if chat in theirs}


class Filters:
    """The [[filters]] of one config, compiled once."""

    def __init__(self, rules: Sequence[FilterRule], chats: Mapping[str, str] | None = None) -> None:
        """`chats`: regency slug -> its telegram_chat. A filter applies to the channels of its
        regencies: where another regency shares one of those channels, to that regency's
        messages too (else a story of both regencies was held or not by the order its
        regencies came in, the first one's message being the channel's one)."""
        self._rules = tuple(
            _Compiled(
                index=i,
                regencies=_sharing(rule.regencies, chats or {}),
                exclude=tuple((p, fold(p)) for p in rule.exclude),
                require=tuple(fold(p) for p in rule.require),
            )
            for i, rule in enumerate(rules)
        )

    def __bool__(self) -> bool:
        return bool(self._rules)

    def verdict(self, regency: str, title: str, text: str) -> Hold | None:
        """The first filter that holds back this item's message to `regency`'s channel."""
        if not self._rules:
            return None
        # each part folded on its own: a phrase is found in the title, the summary or the
        # body, never made of one's last word and the next one's first (PART is no word)
        folded = PART.join(fold(part) for part in (title, *text.split(PART)))
        for rule in self._rules:
            if rule.regencies is not None and regency not in rule.regencies:
                continue
            for written, phrase in rule.exclude:
                if phrase in folded:
                    return Hold(rule.index, "exclude", written)
            if rule.require and not any(p in folded for p in rule.require):
                return Hold(rule.index, "require", None)
        return None

    def reason(self, regency: str, title: str, summary: str, content_html: str) -> str | None:
        """Why the message about this stored item is held back from `regency`'s channel, or
        None: the store's view of verdict (an item as its columns)."""
        hold = self.verdict(regency, title, item_text(summary, content_html))
        return None if hold is None else hold.reason()
