"""A publish with nothing dirty, in a new process, is cheap: it neither reads the published
files back to hash them (their digests and stats are kept in the store per host and folder)
nor renders index.html and feeds.opml again (unless what they show changed). It still never
leaves a file stale or missing."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syndication.config import Config, load
from syndication.publishing import Publisher
from syndication.service import run_once
from syndication.store import open_store
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_e2e_once import kukar_post

_OPENED: list[str] | None = None  # the files opened while a test listens


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _OPENED is not None and isinstance(args[0], str):
        _OPENED.append(args[0])


sys.addaudithook(_audit)


@pytest.fixture
def published(tmp_path: Path, portal: Portal) -> Config:
    portal.set(
        "/feed/",
        rss(
            portal.url,
            [
                kukar_post("a", "Pemkab Kukar Bagikan Sembako"),
                kukar_post("b", "Bupati Kukar Resmikan Jembatan"),
            ],
        ),
    )
    sources = f'[[sources]]\nid = "p"\nurl = "{portal.url}/feed/"\n'
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    path = write_config(tmp_path / "config.toml", db_url=db, sources=sources)
    config = load(path)
    assert asyncio.run(run_once(config)) == 0
    assert (config.output_dir / "index.html").exists()
    return config


def _publisher(config: Config) -> Publisher:
    """What a new process starts with."""
    return Publisher(config, open_store(config.database_url), lambda: datetime.now(UTC))


def _publish_watching(publisher: Publisher) -> list[str]:
    global _OPENED
    _OPENED = []
    try:
        publisher._publish_sync()
        return [p for p in _OPENED if p.startswith(str(publisher.config.output_dir))]
    finally:
        _OPENED = None


@pytest.fixture
def warm(published: Config) -> Iterator[Config]:
    _publisher(published)._publish_sync()  # the first one to run records what it hashed
    yield published


def test_a_new_process_with_nothing_dirty_reads_no_published_file(warm: Config) -> None:
    publisher = _publisher(warm)
    assert _publish_watching(publisher) == []
    assert not publisher.failed


def test_a_file_changed_on_disk_is_hashed_and_restored(warm: Config) -> None:
    out = warm.output_dir
    feed = out / "regency" / "kukar.rss"
    good = feed.read_bytes()
    feed.write_bytes(good.replace(b"Sembako", b"SEMBAKO"))  # in place: same inode and size
    _publisher(warm)._publish_sync()
    assert feed.read_bytes() == good


def test_a_missing_index_or_feed_is_written_again(warm: Config) -> None:
    out = warm.output_dir
    index, opml, feed = out / "index.html", out / "feeds.opml", out / "regency" / "kukar.atom"
    bodies = {p: p.read_bytes() for p in (index, opml, feed)}
    for p in bodies:
        p.unlink()
    _publisher(warm)._publish_sync()
    assert {p: p.read_bytes() for p in bodies} == bodies


def test_the_index_is_rendered_again_when_its_counts_change_without_a_mark(
    warm: Config,
) -> None:
    """A prune deletes items and marks nothing dirty: the counts on the index still follow."""
    store = open_store(warm.database_url)
    index = warm.output_dir / "index.html"
    before = index.read_bytes()
    removed = store.prune(datetime.now(UTC) + timedelta(days=1), keep_per_scope=1)
    assert removed == 1 and store.dirty_marks() == {}
    _publisher(warm)._publish_sync()
    assert index.read_bytes() != before


def test_the_index_follows_a_new_title_in_the_config(warm: Config, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "[feeds]\n", '[feeds]\ntitle = "Kabar Baru Sekali"\n', 1
        ),
        encoding="utf-8",
    )
    config = load(path)
    assert config.feeds.title == "Kabar Baru Sekali"
    _publisher(config)._publish_sync()
    assert "Kabar Baru Sekali" in (config.output_dir / "index.html").read_text(encoding="utf-8")
