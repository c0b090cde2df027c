"""Several processes on one database serve the same bytes: what one publishes, the others
write into their own output folders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndication.config import load
from syndication.publishing import Publisher
from syndication.service import run_once
from syndication.store import open_store
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_e2e_once import kukar_post


def published_once(tmp_path: Path, portal: Portal, db_url: str) -> Path:
    """Two sites on one database, one/ and two/; `run --once` publishes one/. Returns two/'s
    config."""
    portal.set("/feed/", rss(portal.url, [kukar_post("a", "Pemkab Kukar Bagikan Sembako")]))
    sources = f'[[sources]]\nid = "p"\nurl = "{portal.url}/feed/"\n'
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = write_config(tmp_path / "one" / "config.toml", db_url=db_url, sources=sources)
    second = write_config(tmp_path / "two" / "config.toml", db_url=db_url, sources=sources)
    assert asyncio.run(run_once(load(first))) == 0
    return second


def test_a_second_process_gets_the_published_files(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    second = published_once(tmp_path, portal, db_url)

    config = load(second)
    publisher = Publisher(config, open_store(config.database_url), lambda: datetime.now(UTC))
    synced = publisher.sync_from_store()
    one, two = tmp_path / "one" / "public", tmp_path / "two" / "public"
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert synced == len(files) and "regency/kukar.rss" in {str(f) for f in files}
    for relative in files:
        assert (two / relative).read_bytes() == (one / relative).read_bytes(), relative
    mtimes = {f: (two / f).stat().st_mtime_ns for f in files}
    assert publisher.sync_from_store() == 0  # nothing new: nothing touched
    assert all((two / f).stat().st_mtime_ns == m for f, m in mtimes.items())


def test_two_processes_saving_the_same_new_files_do_not_collide(db_url: str) -> None:
    import threading

    from syndication.store import open_store

    store_a, store_b = open_store(db_url), open_store(db_url)
    now = datetime.now(UTC)
    files = [(f"category/c{i}.rss", f"d{i}", b"x" * 100) for i in range(50)]
    errors: list[BaseException] = []

    def save(store: object) -> None:
        try:
            store.save_files(files, now)  # type: ignore[attr-defined]
        except BaseException as e:  # the race this test is about
            errors.append(e)

    threads = [threading.Thread(target=save, args=(s,)) for s in (store_a, store_b)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len(store_a.file_digests()) == 50


def test_files_are_shared_and_synced_a_batch_at_a_time(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first publish rewrites every file; holding all their bodies at once was a cold
    run's memory peak. Saved and read back in batches, every file still arrives whole."""
    from syndication import publishing
    from syndication.store import Store

    saves: list[int] = []
    reads: list[int] = []
    save_files, file_bodies = Store.save_files, Store.file_bodies

    order: list[str] = []

    def counted_save(self: Store, files: object, now: datetime) -> None:
        batch = list(files)  # type: ignore[call-overload]
        saves.append(len(batch))
        order.extend(path for path, _, _ in batch)
        save_files(self, batch, now)

    def counted_read(self: Store, paths: object) -> dict[str, bytes]:
        batch = list(paths)  # type: ignore[call-overload]
        reads.append(len(batch))
        return file_bodies(self, batch)

    monkeypatch.setattr(publishing, "SHARE_BATCH", 1)  # a batch per file
    monkeypatch.setattr(publishing, "SYNC_BATCH", 3)
    monkeypatch.setattr(Store, "save_files", counted_save)
    monkeypatch.setattr(Store, "file_bodies", counted_read)
    second = published_once(tmp_path, portal, f"sqlite:///{tmp_path}/db.sqlite3")
    one, two = tmp_path / "one" / "public", tmp_path / "two" / "public"
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert len(files) > 10 and set(saves) == {1} and sum(saves) == len(files)
    # the pages that link the others come last: a sync between batches never gets an index
    # pointing at pages it has not got yet
    assert set(order[-2:]) == {"index.html", "feeds.opml"}

    config = load(second)
    publisher = Publisher(config, open_store(config.database_url), lambda: datetime.now(UTC))
    assert publisher.sync_from_store() == len(files)
    assert max(reads) == 3 and sum(reads) == len(files)
    for relative in files:
        assert (two / relative).read_bytes() == (one / relative).read_bytes(), relative
