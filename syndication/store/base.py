"""The plumbing every query module shares: the engine, short transactions, small helpers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
)
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from ..errors import StorageError
from ..types import Evidence, Item
from .records import (
    ScopeItem,
)

T = TypeVar("T")


class Queries:
    """Holds the engine; each query mixin opens one short transaction per method."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _tx(self) -> _Transaction:
        return _Transaction(self.engine)


class _Transaction:
    """engine.begin() that turns driver errors into StorageError (a busy SQLite waits out its
    busy_timeout first; see db.py)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ctx: Any = None

    def __enter__(self) -> Connection:
        try:
            self.ctx = self.engine.begin()
            return self.ctx.__enter__()  # type: ignore[no-any-return]
        except OperationalError as e:
            raise StorageError(f"storage: cannot open a transaction: {e.orig}") from e

    def __exit__(self, *exc: Any) -> None:
        try:
            self.ctx.__exit__(*exc)
        except IntegrityError:
            raise
        except SQLAlchemyError as e:
            raise StorageError(f"storage: transaction failed: {e}") from e


def _chunks(values: list[T], size: int) -> Iterable[list[T]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _aware(value: Any) -> Any:  # datetime | None, from any driver
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _item_values(item: Item) -> dict[str, Any]:
    return {
        "source_id": item.source_id,
        "url": item.url,
        "url_key": item.url_key,
        "title": item.title,
        "title_key": item.title_key,
        "summary": item.summary,
        "content_html": item.content_html,
        "author": item.author,
        "image": item.image,
        "dateline": item.dateline,
        "credit": item.credit,
        "published": item.published,
        "updated": item.updated,
        "categories": list(item.categories),
        "regencies": list(item.regencies),
        "advertorial": item.advertorial,
        "evidence": [dataclasses.asdict(e) for e in item.evidence],
        "content_hash": item.content_hash,
    }


def _scope_item(row: Any) -> ScopeItem:
    return ScopeItem(
        id=row.id,
        source_id=row.source_id,
        url=row.url,
        title=row.title,
        summary=row.summary,
        content_html=row.content_html,
        author=row.author,
        image=row.image,
        published=row.published,
        updated=row.updated,
        first_seen=row.first_seen,
        categories=tuple(row.categories),
        regencies=tuple(row.regencies),
        advertorial=bool(row.advertorial),
        dateline=row.dateline,
        credit=row.credit,
        version=row.version,
        evidence=tuple(Evidence(**e) for e in row.evidence or ()),
    )
