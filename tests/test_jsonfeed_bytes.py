"""The JSON Feed writer (feeds.jsonfeed._pretty) writes what json.dumps(ensure_ascii=False,
indent=2) writes, byte for byte: the files keep their bytes across the change (issue 12: the
standard library's indented encoder is pure Python, a fifth of a scope's publish)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import render_json
from feeds.jsonfeed import _pretty
from tests.test_feeds_support import all_scopes, hostile_entries, make_site

# what a feed document holds: text (any code point, lone surrogates aside), whole numbers,
# flags, null, and lists and objects of them
LEAVES = (
    st.none() | st.booleans() | st.integers() | st.text(st.characters(blacklist_categories=("Cs",)))
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def pretty(value: Any) -> str:
    out: list[str] = []
    _pretty(value, "\n", out)
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_any_document_is_written_as_json_dumps_writes_it(value: Any) -> None:
    assert pretty(value) == json.dumps(value, ensure_ascii=False, indent=2)


@pytest.mark.parametrize(
    "value",
    [{}, [], {"a": []}, {"a": {}}, [[]], '\u2028"\\\n\x00\x7fé😀', 0, -7, True, None],
)
def test_the_edges_are_written_as_json_dumps_writes_them(value: Any) -> None:
    assert pretty(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_a_feed_is_the_document_json_dumps_would_write() -> None:
    site = make_site(websub_hub="https://hub.example.org/")
    for scope in all_scopes()[:3]:
        data = render_json(site, scope, hostile_entries())
        document = json.loads(data)
        expected = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        escaped = expected.replace(b"<", b"\\u003c").replace(b">", b"\\u003e")
        assert data == escaped.replace(b"&", b"\\u0026")


def test_what_a_feed_never_holds_is_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        pretty({"size": 1.5})
