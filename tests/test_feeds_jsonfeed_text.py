"""feeds.jsonfeed writes indented JSON itself: the same text json.dumps(indent=2) writes."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from feeds.jsonfeed import _indented

ODD_STRINGS = ["", "a", 'quote " back \\ slash', "tab\tline\nfeed", "\x00\x1f\x7f", "é🎉\u2028"]


def _random_value(rng: random.Random, depth: int) -> Any:
    kind = rng.choice(["str", "int", "bool", "list", "dict"] if depth < 4 else ["str", "int"])
    if kind == "str":
        return rng.choice(ODD_STRINGS) + str(rng.random())
    if kind == "int":
        return rng.randint(-(10**12), 10**12)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(ODD_STRINGS) + str(i): _random_value(rng, depth + 1) for i in range(3)}


@pytest.mark.parametrize("seed", range(20))
def test_the_same_text_as_json_dumps(seed: int) -> None:
    value = _random_value(random.Random(seed), 0)
    assert _indented(value, "\n") == json.dumps(value, ensure_ascii=False, indent=2)


def test_empty_containers_and_nesting() -> None:
    value = {"a": [], "b": {}, "c": [{"d": [1, "x"]}], "e": None}
    assert _indented(value, "\n") == json.dumps(value, ensure_ascii=False, indent=2)


def test_other_types_are_refused() -> None:
    with pytest.raises(TypeError, match="unexpected float"):
        _indented({"x": 1.5}, "\n")
