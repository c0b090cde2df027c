"""JSON from the web (JSON Feed, JSON-LD) without lone surrogates.

json.loads turns an escaped pair of UTF-16 halves ("\\ud83d\\ude00") into its character, but
a half without the other ("\\ud800"), a half written raw in the bytes (surrogatepass) or a pair
written raw (CESU-8) into surrogates in the str: text that no UTF-8 encoder, HTML sanitizer
or database takes, and that cost its entry or its whole feed. Here a pair becomes the character
it makes and a lone half U+FFFD, in keys and values alike, whatever the document's encoding.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(text: str | bytes) -> Any:
    """json.loads(text), its surrogates mended (raises as json.loads)."""
    return _mended(json.loads(text))


def _mended(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_mended(v) for v in value]
    if isinstance(value, dict):
        return {_mended(k): _mended(v) for k, v in value.items()}
    return value


def _text(value: str) -> str:
    # through UTF-16: a high half before a low one is one character again, any other half
    # cannot be decoded and comes back as U+FFFD
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
