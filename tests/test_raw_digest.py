"""raw_digest: the same raw entry gives the same digest in any process, any other one another
(an unchanged entry of a changed feed is not normalized again; a changed one always is)."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from syndication import workers
from syndication.config import load
from syndication.pipeline import poll_source
from syndication.service import build_app
from syndication.types import RawEntry
from syndication.workers import CpuPool, legacy_raw_digest, normalize, parse, raw_digest
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_e2e_once import kukar_post, kutim_post

FEED = (Path(__file__).parent / "data" / "pinned" / "feed-0.xml").read_bytes()


def raws() -> list[RawEntry]:
    return parse(FEED, "s", "https://p.test/feed/", "application/rss+xml")


def changed(value: Any) -> list[Any]:
    """Values next to `value` that an entry could hold instead."""
    if isinstance(value, str):
        return [value + "x", value[:-1], None, " " + value]
    if value is None:
        return ["", "None", ()]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, tuple):
        return [(*value, "x"), value[1:], (), None]
    return [value + timedelta(seconds=1), None]  # a date


def test_every_field_counts_and_an_equal_entry_gives_the_same_digest() -> None:
    for raw in raws():
        digest = raw_digest(raw)
        assert raw_digest(dataclasses.replace(raw)) == digest
        for field in dataclasses.fields(RawEntry):
            value = getattr(raw, field.name)
            for other in (v for v in changed(value) if v != value):
                other_raw: RawEntry = dataclasses.replace(raw, **{field.name: other})  # type: ignore[arg-type]
                assert raw_digest(other_raw) != digest, (
                    field.name,
                    other,
                )


def test_neighbouring_fields_never_run_together() -> None:
    a = RawEntry("s", title="ab", summary_html="c")
    b = RawEntry("s", title="a", summary_html="bc")
    c = RawEntry("s", title="a", summary_html="s1:bc")
    assert len({raw_digest(a), raw_digest(b), raw_digest(c)}) == 3


def test_a_worker_process_gives_the_digests_this_one_gives() -> None:
    pool = CpuPool(1)
    try:
        there = asyncio.run(pool.run(_digests, FEED))
        assert pool.kind == "process"
    finally:
        pool.shutdown()
    assert there == [raw_digest(r) for r in raws()]


def _digests(body: bytes) -> list[str]:
    return [raw_digest(r) for r in parse(body, "s", "https://p.test/feed/", "application/rss+xml")]


@pytest.mark.parametrize("stored", ["legacy", "unknown"])
def test_entries_an_older_version_stored_are_neither_normalized_again_nor_rewritten(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch, stored: str
) -> None:
    """An upgrade that changed the digest: a feed's next change finds its stored entries
    under the old digest (the repr of the whole entry), which they trade for the new one, and
    only the new story is normalized. Under a digest no version wrote, each is normalized
    again and left as it was: nothing rewritten, re-dated or sent."""
    posts = [kukar_post("satu", "Pemkab Kukar Buka Pelatihan"), kutim_post("dua", "Kutim Bantu")]
    portal.set("/feed/", rss(portal.url, posts))
    db = tmp_path / "db.sqlite"
    sources = f'[[sources]]\nid = "p"\nurl = "{portal.url}/feed/"\n'
    config = load(write_config(tmp_path / "c.toml", db_url=f"sqlite:///{db}", sources=sources))
    normalized: list[int] = []  # entries per normalize job

    def spy(todo: list[Any], *args: Any, **kwargs: Any) -> Any:
        normalized.append(len(todo))
        return normalize(todo, *args, **kwargs)

    monkeypatch.setattr(workers, "normalize", spy)

    async def poll() -> tuple[str, int, int]:
        app = await build_app(config)
        try:
            outcome = await poll_source(app.runtime, config.sources[0], force=True)
            assert outcome.result is not None
            return outcome.status, outcome.result.new, outcome.result.updated
        finally:
            await app.aclose()

    assert asyncio.run(poll())[1] == 2
    feed = parse(rss(portal.url, posts), "p", f"{portal.url}/feed/", "application/rss+xml")
    new_digests = {raw_digest(r) for r in feed}
    with sqlite3.connect(db) as conn:  # the digests an older version stored
        for raw in feed:
            older = legacy_raw_digest(raw) if stored == "legacy" else "x" + raw_digest(raw)[1:]
            conn.execute(
                "UPDATE entries SET raw_hash = ? WHERE raw_hash = ?", (older, raw_digest(raw))
            )
        before = conn.execute("SELECT id, version, updated FROM items ORDER BY id").fetchall()
        sent = conn.execute("SELECT count(*) FROM deliveries").fetchone()
    normalized.clear()
    portal.set("/feed/", rss(portal.url, [*posts, kukar_post("tiga", "Kukar Tanam Pohon")]))
    status, new, updated = asyncio.run(poll())
    assert (status, new, updated) == ("new", 1, 0)
    assert normalized == ([1] if stored == "legacy" else [3])
    with sqlite3.connect(db) as conn:
        after = conn.execute("SELECT id, version, updated FROM items ORDER BY id").fetchall()
        hashes = {h for (h,) in conn.execute("SELECT raw_hash FROM entries")}
        assert conn.execute("SELECT count(*) FROM deliveries").fetchone() == sent
    assert after[:2] == before  # neither rewritten nor re-dated
    assert new_digests < hashes and len(hashes) == 3  # the new digests kept
