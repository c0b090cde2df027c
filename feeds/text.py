"""Small pure helpers shared by the renderers: XML-safe text and locale-free dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

# Everything XML 1.0 cannot carry (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/F),
# plus DEL and the C1 controls, which are legal but show up as garbage in readers. lxml refuses
# the former outright ("All strings must be XML compatible"), so they must go before feedgen.
_NOT_XML_TEXT = re.compile("[^\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

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
    """Drop the characters XML cannot hold; keep everything else as it is."""
    return _NOT_XML_TEXT.sub("", value)


def one_line(value: str) -> str:
    """XML-safe text on one line with single spaces: for titles, names, labels."""
    return " ".join(xml_text(value).split())


def rfc822(moment: datetime) -> str:
    """RSS date, e.g. "Mon, 18 Nov 2024 02:00:00 +0000".

    Written by hand (email.utils) because feedgen's formatter calls locale.setlocale, which
    changes the whole process's locale while other threads may be running.
    """
    return format_datetime(as_utc(moment))


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC, whole seconds (what every published date is written as)."""
    return moment.astimezone(UTC).replace(microsecond=0)


def rfc3339(moment: datetime) -> str:
    """Atom / JSON Feed date in UTC, whole seconds: "2024-11-18T02:00:00+00:00"."""
    return as_utc(moment).isoformat()


def image_type(url: str, given: str | None) -> str:
    """The MIME type of an image: the given one, else from the URL's extension, else JPEG."""
    if given:
        return given
    path = urlsplit(url).path.lower()
    extension = path.rsplit(".", 1)[-1] if "." in path else ""
    return _IMAGE_TYPES.get(extension, "image/jpeg")
