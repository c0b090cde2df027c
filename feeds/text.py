"""Small pure helpers shared by the renderers: XML-safe text and locale-free dates."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import urlsplit

# Everything XML 1.0 cannot carry (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/F),
# plus DEL and the C1 controls, which are legal but show up as garbage in readers. lxml refuses
# the former outright ("All strings must be XML compatible"), so they must go before feedgen.
# The other noncharacters (U+FDD0..U+FDEF, the last two of every plane) go too: XML takes them,
# but each is a parse error of the HTML pages ("invalid codepoint") and a box in any reader.
_PLANES = "".join(f"{chr(plane << 16)}-{chr((plane << 16) | 0xFFFD)}" for plane in range(1, 17))
_NOT_XML_TEXT = re.compile(
    f"[^\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd{_PLANES}]"
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # RFC 822 names, never the locale's
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "svg": "image/svg+xml",
}


def xml_text(value: str) -> str:
    """Drop the characters XML cannot hold; keep everything else as it is.

    Every character dropped is a control, a surrogate or a noncharacter, none of which
    str.isprintable accepts: printable text (most ids, links, titles, and bodies without a
    line break) is returned as it is, found so in two thirds of the pattern's time."""
    if value.isprintable():
        return value
    return _NOT_XML_TEXT.sub("", value)


def dropped_character(value: str) -> str | None:
    """The first character xml_text drops from `value`, or None when it keeps it whole."""
    found = _NOT_XML_TEXT.search(value)
    return found.group() if found is not None else None


def one_line(value: str) -> str:
    """XML-safe text on one line with single spaces: for titles, names, labels."""
    return " ".join(xml_text(value).split())


def visible(value: str) -> bool:
    """Whether `value` keeps a character a reader sees once cleaned (`one_line`): a title of
    controls, spaces and invisible format characters (zero-width space, joiners) shows as
    nothing, and Atom refuses an entry without a title. So do marks with no letter to sit
    on (a variation selector, a combining keycap), which a reader draws over nothing."""
    return shows(one_line(value))


def shows(clean: str) -> bool:
    """`visible` for text `one_line` has cleaned already: a title per story a publish, so
    its ASCII (every character of it printable there) is not looked up."""
    return any(c.isascii() or unicodedata.category(c) not in _UNSEEN for c in clean)


_UNSEEN = frozenset({"Cf", "Mn", "Me"})  # format characters, nonspacing and enclosing marks


def rfc822(moment: datetime) -> str:
    """RSS date, e.g. "Mon, 18 Nov 2024 02:00:00 +0000".

    What email.utils.format_datetime writes for the UTC instant (tests/test_publish_memo.py
    compares the two over many dates), formatted here in a fifth of its time. Never feedgen's
    formatter or strftime's names: both depend on locale.setlocale, which changes the whole
    process's locale while other threads may be running.
    """
    utc = as_utc(moment)
    return (
        f"{_DAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year:04d} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} +0000"
    )


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC, whole seconds (what every published date is written as)."""
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    return utc.replace(microsecond=0) if utc.microsecond else utc


def rfc3339(moment: datetime) -> str:
    """Atom / JSON Feed date in UTC, whole seconds: "2024-11-18T02:00:00+00:00"."""
    return as_utc(moment).isoformat()


def image_type(url: str, given: str | None) -> str:
    """The MIME type of an image: the given one, else from the URL's extension, else JPEG."""
    if given:
        return given
    path = url_path(url).lower()
    extension = path.rsplit(".", 1)[-1] if "." in path else ""
    return _IMAGE_TYPES.get(extension, "image/jpeg")


def url_path(url: str) -> str:
    """urlsplit(url).path, found without urlsplit for a plain http(s) URL (a fifth of its
    time): printable ASCII, a lower-case scheme, no bracket in its host. Anything else goes
    to urlsplit (tests/test_feeds_text.py compares the two)."""
    if url.startswith("https://"):
        rest = url[8:]
    elif url.startswith("http://"):
        rest = url[7:]
    else:
        return urlsplit(url).path
    if not (url.isascii() and url.isprintable()):
        return urlsplit(url).path
    end = len(rest)
    for stop in "/?#":
        at = rest.find(stop, 0, end)
        if at >= 0:
            end = at
    if "[" in rest[:end] or "]" in rest[:end]:
        return urlsplit(url).path
    path = rest[end:].split("#", 1)[0]
    return path.split("?", 1)[0]
