"""Today's Store writing items as the versions before revision 0011 did, without
items.lead_key (a column their schema lacks): for the tests that build an older database
with today's code, then upgrade it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from syndication.store import base, items
from syndication.store import schema as t
from syndication.types import Item

_LATER = ("lead_key", "article_key")  # item columns added since revision 0010


@contextmanager
def writing_as_before_0011() -> Iterator[None]:
    columns = tuple(c for c in base.ITEM_VALUE_COLUMNS if c not in _LATER)
    saved = items._BULK_ITEM, items._item_values

    def values(item: Item) -> dict[str, Any]:
        return {k: v for k, v in saved[1](item).items() if k not in _LATER}

    items._BULK_ITEM = base.BulkInsert(t.items, (*columns, "first_seen", "version"))
    items._item_values = values  # type: ignore[assignment]
    try:
        yield
    finally:
        items._BULK_ITEM, items._item_values = saved  # type: ignore[assignment]
