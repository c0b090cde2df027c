"""Message templates and the length arithmetic of Telegram's HTML parse mode.

A template is trusted HTML with placeholders ({title}, {url}, ...); values are plain text and
are escaped when substituted. Telegram counts a message's length after parsing entities, in
UTF-16 code units, so `visible_length` strips tags, decodes entities and counts that way.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata
from dataclasses import dataclass
from typing import Final

from bots.errors import TemplateError

PLACEHOLDERS: Final = frozenset({"title", "url", "labels", "source", "time", "summary", "regency"})
REQUIRED: Final = ("title", "url")
ALLOWED_TAGS: Final = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
ELLIPSIS: Final = "…"
TEXT_LIMIT: Final = 4096
CAPTION_LIMIT: Final = 1024

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_BLANK_RUNS = re.compile(r"\n{3,}")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP take two units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def visible_text(markup: str) -> str:
    """The text a reader sees: tags removed, entities decoded, ends trimmed as Telegram does."""
    return html.unescape(_TAG.sub("", markup)).strip()


def visible_length(markup: str) -> int:
    return utf16_len(visible_text(markup))


def clean_plain(text: str, *, multiline: bool = False) -> str:
    """Drop control and surrogate characters; collapse spaces (and newlines unless multiline)."""
    kept = "".join(
        ch if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs") else " " for ch in text
    )
    if not multiline:
        return " ".join(kept.split())
    lines = (" ".join(line.split()) for line in kept.split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def cut_plain(text: str, limit: int) -> str:
    """Shorten plain text to at most `limit` UTF-16 units, on a word boundary, ending in "…"."""
    if utf16_len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    room, prefix = limit - 1, []
    for ch in text:  # iterate code points so a surrogate pair is never split
        room -= 2 if ord(ch) > 0xFFFF else 1
        if room < 0:
            break
        prefix.append(ch)
    head = text[: _cluster_start(text, len(prefix))]
    space = max(head.rfind(" "), head.rfind("\n"))
    # a boundary far back would throw away most of the room: cut mid-word instead
    if space >= len(head) // 2:
        head = head[:space]
    return head.rstrip(" \n,;:-–—") + ELLIPSIS


def _extends(ch: str) -> bool:
    """Whether `ch` belongs to the character before it (a mark, joiner, selector, skin tone)."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or code in (0x200C, 0x200D)  # zero-width (non-)joiner
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin tones
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences (subdivision flags)
    )


_REGIONAL: Final = "".join(chr(code) for code in range(0x1F1E6, 0x1F200))  # flag letters


def _is_regional(ch: str) -> bool:
    return ch in _REGIONAL


def _cluster_start(text: str, end: int) -> int:
    """The greatest index <= `end` that does not split a user-perceived character: no mark,
    joiner or skin tone torn from its base, no ZWJ emoji sequence or flag cut in half."""
    while 0 < end < len(text):
        before, after = text[end - 1], text[end]
        if _extends(after) or before == "\u200d":
            end -= 1
        elif _is_regional(before) and _is_regional(after):
            run = end - len(text[:end].rstrip(_REGIONAL))
            if run % 2 == 0:
                break  # the flags before `end` are whole
            end -= 1
        else:
            break
    return end


@dataclass(frozen=True)
class Template:
    """A validated template; build it with `Template.parse`."""

    text: str
    fields: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Template:
        fields = _parse_fields(text)
        missing = [name for name in REQUIRED if name not in fields]
        if missing:
            raise TemplateError(f"template: must contain {{{missing[0]}}}")
        sample = {
            name: ("https://example.com/berita/1" if name == "url" else "x") for name in fields
        }
        check_markup(text.format_map(sample))
        template = cls(text, frozenset(fields))
        if template.fill({}).strip() == "" or visible_length(template.fill({})) > TEXT_LIMIT // 2:
            raise TemplateError("template: its fixed text must be non-empty and short")
        return template

    def fill(self, values: dict[str, str]) -> str:
        """Substitute plain `values` (escaped here) and tidy blank lines; missing values are ''."""
        escaped = {name: html.escape(values.get(name, ""), quote=True) for name in self.fields}
        return _BLANK_RUNS.sub("\n\n", self.text.format_map(escaped)).strip()


def _parse_fields(text: str) -> set[str]:
    fields: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"template: {exc} (write a literal brace as {{{{ or }}}})") from exc
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            raise TemplateError(f"template: unknown placeholder {{{name}}}; known: {known}")
        if spec or conversion:
            raise TemplateError(f"template: placeholder {{{name}}} takes no format or conversion")
        fields.add(name)
    return fields


def check_markup(markup: str) -> None:
    """Raise TemplateError unless `markup` uses only Telegram's tags, nested and escaped."""
    stack: list[str] = []
    pos = 0
    for match in _TAG.finditer(markup):
        _check_text(markup[pos : match.start()])
        pos = match.end()
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in ALLOWED_TAGS:
            raise TemplateError(f"template: tag <{name}> is not allowed by Telegram")
        if not closing:
            _check_attributes(name, match.group(3))
            stack.append(name)
        elif match.group(3).strip():
            raise TemplateError(f"template: </{name}> takes no attributes")
        elif not stack or stack.pop() != name:
            raise TemplateError(f"template: </{name}> does not close the open tag")
    _check_text(markup[pos:])
    if stack:
        raise TemplateError(f"template: <{stack[-1]}> is never closed")


# what Telegram takes of each tag's attributes (anything else: "can't parse entities")
_ATTRIBUTE = re.compile(r"""\s+([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?""")
_LINK_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def _check_attributes(name: str, text: str) -> None:
    found: dict[str, str | None] = {}
    pos = 0
    for match in _ATTRIBUTE.finditer(text):
        if match.start() != pos:
            break
        value = match.group(2) if match.group(2) is not None else match.group(3)
        found[match.group(1).lower()] = value
        pos = match.end()
    if text[pos:].strip():
        raise TemplateError(f"template: <{name}> has attributes Telegram cannot read")
    for value in found.values():
        if value is not None:
            _check_text(value.replace("<", "").replace(">", ""))
    allowed = {
        "a": {"href"},
        "span": {"class"},
        "code": {"class"},
        "tg-emoji": {"emoji-id"},
        "blockquote": {"expandable"},
    }.get(name, set())
    extra = sorted(set(found) - allowed)
    if extra:
        raise TemplateError(f"template: <{name}> takes no {extra[0]}= attribute in Telegram")
    href = found.get("href")
    if name == "a" and not (href and html.unescape(href).startswith(_LINK_SCHEMES)):
        raise TemplateError('template: <a> needs href="{url}" or an http(s) link')
    if name == "span" and found.get("class") != "tg-spoiler":
        raise TemplateError('template: <span> must be <span class="tg-spoiler">')
    if name == "code" and "class" in found and not (found["class"] or "").startswith("language-"):
        raise TemplateError('template: <code class> must be "language-<name>"')
    if name == "tg-emoji" and not (found.get("emoji-id") or "").isdigit():
        raise TemplateError('template: <tg-emoji> needs emoji-id="<digits>"')


def _check_text(text: str) -> None:
    if "<" in text or ">" in text:
        raise TemplateError("template: a bare < or > must be written &lt; or &gt;")
    if text.count("&") != len(_ENTITY.findall(text)):
        raise TemplateError("template: a bare & must be written &amp;")
    for entity in _ENTITY.findall(text):
        if entity.startswith("&#"):
            digits = entity[2:-1]
            code = int(digits[1:], 16) if digits[:1] in "xX" and digits else int(digits)
            if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise TemplateError(f"template: {entity} names no character")
