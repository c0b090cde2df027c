"""A publish's files are saved to the store on a thread of their own while it goes on
(publishing._Sharing): a failed save stops the ones after it, the index never reaches the
store ahead of a page it links, nothing saves on after the publish returned, and the next
publish shares whatever was left (found by a hostile review of the change)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from syndication import publishing
from syndication.errors import StorageError
from syndication.publishing import Publisher
from syndication.store import Store
from tests.fakes.telegram_api import FakeTelegram
from tests.test_deliver import item, make_env

LOCKED = "storage: transaction failed: database is locked"
Save = Callable[[Store, Iterable[tuple[str, str, bytes]], datetime], None]


def on_disk(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in out.rglob("*.*")
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as started:
        yield started


def publisher_with(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake: FakeTelegram,
    save: Callable[[Save], Save],
    items: int = 1,
) -> tuple[Any, Publisher, list[list[str]]]:
    """An environment with `items` stories, and a publisher whose saves go through `save`
    (given the real one); the batches it was asked to save."""
    env = make_env(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", fake, monkeypatch)
    env.add(*(item(n, regencies=("kutim",) if n % 2 else ("kukar",)) for n in range(items)))
    asked: list[list[str]] = []
    wrapped = save(Store.save_files)

    def counted(self: Store, files: Iterable[tuple[str, str, bytes]], now: datetime) -> None:
        batch = list(files)
        asked.append([p for p, _, _ in batch])
        wrapped(self, batch, now)

    monkeypatch.setattr(Store, "save_files", counted)
    publisher = Publisher(env.config, env.store, lambda: datetime.now(UTC))
    return env, publisher, asked


def test_after_a_failed_save_none_follows_and_the_index_stays_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeTelegram
) -> None:
    def first_fails(real: Save) -> Save:
        def save(self: Store, files: Iterable[tuple[str, str, bytes]], now: datetime) -> None:
            if not failed:
                failed.extend(p for p, _, _ in files)
                raise StorageError(LOCKED)
            real(self, files, now)

        return save

    failed: list[str] = []
    env, publisher, asked = publisher_with(tmp_path, monkeypatch, fake, first_fails, items=2)
    with pytest.raises(StorageError):
        publisher._publish_sync()
    assert failed and len(asked) == 1  # no save tried after the first failed
    assert env.store.file_digests() == {}  # the index least of all


def test_a_locked_database_costs_one_wait_not_one_per_scope(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeTelegram
) -> None:
    def busy(real: Save) -> Save:
        def save(self: Store, files: Iterable[tuple[str, str, bytes]], now: datetime) -> None:
            time.sleep(0.2)  # stands for busy_timeout (30 s)
            raise StorageError(LOCKED)

        return save

    monkeypatch.setattr(publishing, "SHARE_BATCH", 1)  # a save per file
    _, publisher, asked = publisher_with(tmp_path, monkeypatch, fake, busy, items=2)
    with pytest.raises(StorageError):
        publisher._publish_sync()
    assert len(asked) == 1


@pytest.mark.parametrize("failing", [(2, 5), ("index.html",)])
def test_the_next_publish_shares_whatever_a_failed_one_left(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake: FakeTelegram,
    failing: tuple[object, ...],
) -> None:
    """Some saves fail (the second and fifth; or the index's, whose digest this process knows
    from writing it): the next publish leaves the store holding what is on disk."""

    def flaky(real: Save) -> Save:
        def save(self: Store, files: Iterable[tuple[str, str, bytes]], now: datetime) -> None:
            count.append(1)
            batch = list(files)
            chosen = len(count) in failing or any(p in failing for p, _, _ in batch)
            if chosen and not broken:
                broken.append(len(count))
                raise StorageError(LOCKED)
            real(self, batch, now)

        return save

    count: list[int] = []
    broken: list[int] = []
    monkeypatch.setattr(publishing, "SHARE_BATCH", 1)
    env, publisher, _ = publisher_with(tmp_path, monkeypatch, fake, flaky)
    with pytest.raises(StorageError):
        publisher._publish_sync()
    assert broken and env.store.file_digests() != on_disk(env.config.output_dir)
    publisher._publish_sync()  # the dirty marks stayed: a whole retry, nothing failing now
    assert not publisher.failed
    assert env.store.file_digests() == on_disk(env.config.output_dir)


def test_no_save_goes_on_after_a_publish_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeTelegram
) -> None:
    """The database goes away while a slow save is under way: the publish raises only once
    that save ended, and no saver thread is left."""
    finished: list[float] = []
    real_listing, real_event = Store.scope_listing, Store.get_event
    state = {"listings": 0, "down": False}

    def slow(real: Save) -> Save:
        def save(self: Store, files: Iterable[tuple[str, str, bytes]], now: datetime) -> None:
            time.sleep(0.5)  # 4 MB of bodies, a busy database
            real(self, files, now)
            finished.append(time.monotonic())

        return save

    def listing(self: Store, *a: Any, **k: Any) -> Any:
        state["listings"] += 1
        if state["listings"] == 3:
            state["down"] = True
            raise StorageError("storage: cannot connect: server closed the connection")
        return real_listing(self, *a, **k)

    def event(self: Store, key: str) -> str | None:
        if state["down"]:  # _known_files, read at the end of the first publish, fails too
            raise StorageError("storage: cannot connect: server closed the connection")
        return real_event(self, key)

    monkeypatch.setattr(Store, "scope_listing", listing)
    monkeypatch.setattr(Store, "get_event", event)
    _, publisher, _ = publisher_with(tmp_path, monkeypatch, fake, slow)
    with pytest.raises(StorageError):
        publisher._publish_sync()
    returned = time.monotonic()
    assert [t.name for t in threading.enumerate() if t.name.startswith("share-files")] == []
    assert finished and all(f <= returned for f in finished)
