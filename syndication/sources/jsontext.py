"""JSON from the web (JSON Feed, JSON-LD) without lone surrogates.

json.loads turns an escaped surrogate pair ("\\ud83d\\ude00") into its character, but a half
without the other ("\\ud800") into a lone surrogate: a str that no UTF-8 encoder, HTML
sanitizer or database takes, and that failed every entry of its feed. Here each one becomes
U+FFFD, in keys and values alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

# an escape of a surrogate half, the only way a lone one gets into the decoded value
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(text: str | bytes) -> Any:
    """json.loads(text), its lone surrogates replaced by U+FFFD (raises as json.loads)."""
    data = json.loads(text)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if _SURROGATE_ESCAPE.search(text) is None:
        return data
    return _replaced(data)


def _replaced(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replaced(v) for v in value]
    if isinstance(value, dict):
        return {_replaced(k): _replaced(v) for k, v in value.items()}
    return value
