"""`App.aclose` closes every resource even when one close raises, and re-raises the first error;
`build_app` leaves no connection open when it fails half-way."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest

from syndication.config import load
from syndication.service import build_app
from tests.conftest import PG_ADMIN, write_config


def connections_to(url: str) -> int:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchone()
    assert row is not None
    return int(row[0])


class CloseFailed(RuntimeError):
    pass


def test_a_failing_close_still_closes_the_rest(tmp_path: Path, pg_url: str) -> None:
    path = write_config(tmp_path / "config.toml", db_url=pg_url, sources="")

    async def go() -> None:
        app = await build_app(load(path))
        await asyncio.to_thread(app.store.counts)  # the pool now holds a connection
        assert connections_to(pg_url) >= 1

        async def broken() -> None:
            raise CloseFailed("the Bot API client would not close")

        app.deliverer.aclose = broken  # type: ignore[method-assign]
        with pytest.raises(CloseFailed):
            await app.aclose()
        assert app.runtime.fetcher.closed
        assert connections_to(pg_url) == 0

    asyncio.run(go())


def test_build_app_failing_half_way_leaves_no_connection(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path / "config.toml", db_url=pg_url, sources="")
    from syndication.store.store import Store

    def refuse(self: Store, sources: object) -> None:
        self.counts()  # a connection is taken from the pool first
        raise CloseFailed("sync_sources failed")

    monkeypatch.setattr(Store, "sync_sources", refuse)
    with pytest.raises(CloseFailed):
        asyncio.run(build_app(load(path)))
    assert connections_to(pg_url) == 0
