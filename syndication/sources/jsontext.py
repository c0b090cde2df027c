"""JSON from the web (JSON Feed, JSON-LD) without lone surrogates.

json.loads turns an escaped pair of UTF-16 halves ("\\ud83d\\ude00") into its character, but
a half without the other ("\\ud800"), a half written raw in the bytes or a pair written raw
(CESU-8) into surrogates in the str: text that no UTF-8 encoder, HTML sanitizer or database
takes, and that cost its entry or its whole feed. Here, in every string value, a pair becomes
the character it makes and a lone half U+FFFD, whatever the document's encoding. (Keys are
left as they are: two that differ only in their halves stay two, and none is ever shown.)
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
# an escaped half: json.loads makes it a surrogate, alone or paired
_HALF_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def loads(text: str | bytes) -> Any:
    """json.loads(text), the surrogates of its string values mended (raises as json.loads).
    A document with neither an escaped half nor a raw one is not walked at all."""
    if isinstance(text, bytes | bytearray):
        # as json.loads decodes bytes itself: a raw half survives into the str, as there
        text = bytes(text).decode(json.detect_encoding(text), "surrogatepass")
    try:
        data = json.loads(text, parse_int=_int)
    except RecursionError:  # nested past what json.loads can take (about 1,000 levels)
        raise ValueError("JSON nested too deep to read") from None
    if _HALF_ESCAPE.search(text) is None and _SURROGATE.search(text) is None:
        return data
    return _mended(data)


def _int(digits: str) -> int | float:
    """A JSON integer; one past Python's 4,300-digit conversion limit (which made json.loads
    refuse the whole document) as the float it rounds to (inf beyond)."""
    return int(digits) if len(digits) <= _INT_DIGITS else float(digits)


_INT_DIGITS = 4000


def _mended(data: Any) -> Any:
    """`data` with its string values mended in place, without recursion: a document nested
    as deep as json.loads takes (about 990 levels) is walked as well."""
    box = [data]
    todo: list[tuple[Any, Any]] = [(box, 0)]
    while todo:
        holder, key = todo.pop()
        value = holder[key]
        if isinstance(value, str):
            if _SURROGATE.search(value):
                holder[key] = _text(value)
        elif isinstance(value, list):
            todo.extend((value, i) for i in range(len(value)))
        elif isinstance(value, dict):
            todo.extend((value, k) for k in value)
    return box[0]


def _text(value: str) -> str:
    # through UTF-16: a high half before a low one is one character again, any other half
    # cannot be decoded and comes back as U+FFFD
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
