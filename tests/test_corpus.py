"""Every file of the public corpora goes through fetch + parse + normalize + store, and no
exception escapes: a broken feed is recorded against its source, never a crash.

`make test` takes a fixed sample (every real feed and one in eight of feedparser's suite, about
300 files); `SYNDICATION_CORPUS_FULL=1` (set by .ci/run) takes every file, in four shards."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syndication.config import SourceConfig, loads
from syndication.fetch import Fetcher, FetchPolicy
from syndication.pipeline import poll_source
from syndication.runtime import Runtime
from syndication.store import open_store
from tests.conftest import CORPUS, gazetteer_toml
from tests.portal import Portal


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and p.suffix in (".xml", ".json", ".rss", ".atom")
    )


FULL = os.environ.get("SYNDICATION_CORPUS_FULL") == "1"
SHARDS = 4 if FULL else 1  # the full corpus in quarters, so parallel workers share it
STRIDE = 8  # the sample: one file in STRIDE of the feedparser suite, and every real feed


def chosen(every: list[Path], shard: int) -> list[Path]:
    if FULL:
        return every[shard::SHARDS]
    real = [p for p in every if p.relative_to(CORPUS).parts[0] == "real"]
    rest = [p for p in every if p.relative_to(CORPUS).parts[0] != "real"]
    return real + rest[::STRIDE]


if not CORPUS.is_dir():  # a user's clone: one line says why, whatever the number of shards
    pytest.skip(f"{CORPUS} is absent (set SYNDICATION_CORPUS)", allow_module_level=True)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_corpus_files_go_through_the_pipeline(portal: Portal, tmp_path: Path, shard: int) -> None:
    every = corpus_files()
    assert len(every) > 2000
    files = chosen(every, shard)
    share = len(files) / len(every)
    config = loads(f'[storage]\nurl = "sqlite:///{tmp_path}/c.sqlite3"\n' + gazetteer_toml())
    store = open_store(config.database_url)
    sources = []
    for i, path in enumerate(files):
        portal.set(f"/f{i}", path.read_bytes(), content_type="application/xml")
        sources.append(SourceConfig(id=f"f{i}", url=f"{portal.url}/f{i}"))
    store.sync_sources([(s.id, s.url) for s in sources])

    async def run_all() -> Counter[str]:
        fetcher = Fetcher(FetchPolicy(user_agent="corpus-test", per_host=4, concurrency=8))
        rt = Runtime(
            config=config, store=store, fetcher=fetcher, owner="t", clock=lambda: datetime.now(UTC)
        )
        outcomes: Counter[str] = Counter()
        try:
            for start in range(0, len(sources), 64):
                batch = sources[start : start + 64]
                for o in await asyncio.gather(*(poll_source(rt, s, force=True) for s in batch)):
                    assert not (o.error or "").startswith("internal:"), (o.source_id, o.error)
                    outcomes[o.status] += 1
                    if o.result:
                        r = o.result
                        outcomes["listed"] += o.entries
                        # every listed entry is stored, merged, or skipped with a reason;
                        # a feed may list one entry twice (counted once)
                        outcomes["accounted"] += r.new + r.duplicates + r.updated + o.skipped
        finally:
            await fetcher.aclose()
        return outcomes

    outcomes = asyncio.run(run_all())
    assert outcomes["new"] + outcomes["error"] + outcomes["unchanged"] == len(files)
    # over the whole corpus: more than 1,500 readable feeds of 2,268, 1,000 entries listed,
    # 250 items stored; a quarter or a sample holds its share
    assert outcomes["new"] > 0.6 * len(files), outcomes  # most fixtures are readable feeds
    assert outcomes["listed"] > 1000 * share, outcomes
    assert outcomes["accounted"] >= outcomes["listed"] * 0.98, outcomes
    assert store.counts()["items"] > 250 * share, outcomes
