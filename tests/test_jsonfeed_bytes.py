"""The JSON Feed writer (feeds.jsonfeed._pretty) writes what json.dumps(ensure_ascii=False,
indent=2) writes, byte for byte: the files keep their bytes across the change (issue 12: the
standard library's indented encoder is pure Python, a fifth of a scope's publish)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import Image, InvalidRecordError, jsonfeed, render_json
from feeds.jsonfeed import _pretty
from tests.test_feeds_support import all_scopes, hostile_entries, make_site

# what a feed document holds: text (any code point, a lone surrogate too), whole numbers,
# flags, null, and lists (or tuples) and objects of them
LEAVES = st.none() | st.booleans() | st.integers() | st.text(st.characters(blacklist_categories=()))
VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.text(), inner, max_size=4)
    ),
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


def test_a_feed_is_what_json_dumps_would_have_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole rendering, hostile entries included, against the same rendering with
    json.dumps in the writer's place."""
    site = make_site(websub_hub="https://hub.example.org/")
    scopes = all_scopes()[:4]
    ours = [render_json(site, scope, hostile_entries()) for scope in scopes]

    def dumps(value: Any, newline: str, out: list[str]) -> None:
        out.append(json.dumps(value, ensure_ascii=False, indent=2))

    monkeypatch.setattr(jsonfeed, "_pretty", dumps)
    assert ours == [render_json(site, scope, hostile_entries()) for scope in scopes]


def test_what_a_feed_never_holds_is_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        pretty({"size": 1.5})


@pytest.mark.parametrize("length", [1024.0, True, "1024"])
def test_an_image_length_is_a_whole_number(length: Any) -> None:
    """A float would be written as one (`"size_in_bytes": 1024.0`), a flag as `true`."""
    with pytest.raises(InvalidRecordError, match="whole number"):
        Image("https://p.example.id/a.jpg", "image/jpeg", length)
