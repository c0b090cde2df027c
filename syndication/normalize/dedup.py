"""Duplicate keys: one story published by two sources, and "did this entry change?"."""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata

from ..urls import bounded_key

# "[Advertorial]", "(ADV)", "ADV |", "Advertorial -": labels a portal adds, not the story's words
_BRACKETED = re.compile(
    r"[\[(]\s*(?:adv|advertorial|pariwara|iklan|sponsored)\s*[\])]", re.IGNORECASE
)
_EDGE = re.compile(
    r"^\s*(?:adv|advertorial|pariwara)\s*[:|–—-]\s*"
    r"|\s*[:|–—-]\s*(?:adv|advertorial|pariwara)\s*$",
    re.IGNORECASE,
)
_EDGE_WORD = re.compile(r"^(?:adv|advertorial)\s+|\s+(?:adv|advertorial)$")


def title_key(title: str) -> str:
    """Lower case, no accents, punctuation or advertorial markers, single spaces; bounded as
    every indexed key is (urls.bounded_key: a compatibility decomposition can make one
    character eighteen)."""
    text = _EDGE.sub(" ", _BRACKETED.sub(" ", title or ""))
    if not text.isascii():  # NFKD changes no ASCII character and leaves no combining mark
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower()
    text = re.sub(r"[\W_]+", " ", text).strip()
    return bounded_key(_EDGE_WORD.sub("", text).strip())


def content_hash(title: str, body: str, *, one_line: bool = False) -> str:
    """Changes when the title or the body's words change; whitespace alone does not count.

    `one_line`: `body` is already its words joined by single spaces (no other white space,
    none at its ends), as clean_content's paragraphs joined by " " are: the same digest
    without splitting a whole body into words again (a twentieth of a feed's normalizing)."""
    words = body if one_line else " ".join((body or "").split())
    normal = " ".join((title or "").split()) + "\n" + words
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()


LEAD_WORDS = 30  # the words keyed: a copy's lookup; the store compares up to LEAD_CHECKED
LEAD_CHECKED = 120  # words two copies must share (all of the shorter text's, if fewer)
_WORD = re.compile(r"[^\W_]+")


def lead_words(text: str, dateline: str | None, limit: int) -> list[str]:
    """The first `limit` words of a body after its dateline, folded as title_key folds
    (case, accents, punctuation)."""
    start = len(dateline) if dateline and text.startswith(dateline) else 0
    words = [m.group() for m in itertools.islice(_WORD.finditer(text, start), limit)]
    head = " ".join(words).lower()
    if not head.isascii():
        head = unicodedata.normalize("NFKD", head)
        head = "".join(c for c in head if not unicodedata.combining(c))
        return _WORD.findall(head)[:limit]
    return head.split()


def lead_key(text: str, dateline: str | None) -> str:
    """The first LEAD_WORDS words of a body after its dateline, folded and hashed: a press
    release that two portals print under their own headlines and datelines ("LOA KULU –",
    "Kukar, eksposisi.com –"), or one portal's excerpt of it, shares it. The store then
    holds two stories one only when their texts agree further (`same_lead`): a press
    office's standing opening paragraph is no story. "" for a body of fewer words (a
    teaser, a caption says too little to tell stories by)."""
    words = lead_words(text, dateline, LEAD_WORDS)
    if len(words) < LEAD_WORDS:
        return ""
    return hashlib.sha256(" ".join(words).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def same_lead(a: list[str], b: list[str]) -> bool:
    """Whether two bodies' first words (`lead_words(..., LEAD_CHECKED)`) agree as far as the
    shorter goes: an excerpt and its whole text, one text with an editor's line added at its
    end; not two stories under one standing opening."""
    n = min(len(a), len(b), LEAD_CHECKED)
    return n >= LEAD_WORDS and a[:n] == b[:n]
