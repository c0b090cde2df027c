"""A PostgreSQL server that accepts a connection and never answers (a hung host, a proxy in
front of a stopped one) is a StorageError after the connect timeout, not a wait of libpq's
minutes that held the start, a poll and Ctrl-C."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from syndication.errors import StorageError
from syndication.store import db, open_store
from tests.rawsock import Serve


def _silent(conn: socket.socket, number: int) -> None:
    while conn.recv(4096):  # takes what the client sends, answers nothing
        pass


def test_a_database_that_never_answers_is_a_storage_error(
    raw_server: Callable[[Serve], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PG_CONNECT_TIMEOUT", 2, raising=False)
    port = raw_server(_silent)
    with pytest.raises(StorageError):
        open_store(f"postgresql://app@127.0.0.1:{port}/news")


def test_a_connect_timeout_the_url_sets_is_kept() -> None:
    assert db._pg_args("postgresql://app@db/news?connect_timeout=3") == {}
    assert db._pg_args("postgresql://app@db/news") == {"connect_timeout": db.PG_CONNECT_TIMEOUT}
