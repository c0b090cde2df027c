"""A feed document that is not well-formed and yields no usable entry is the source's failure
(kind "parse", "malformed feed: ..."); an empty but well-formed feed, with or without the
WordPress blank line before `<?xml`, stays healthy, and a truncated feed keeps the entries it
does carry."""

from __future__ import annotations

import asyncio
from pathlib import Path

from syndication.commands import status_data
from syndication.config import load
from syndication.service import run_once
from syndication.store import open_store
from tests.conftest import write_config
from tests.portal import Portal
from tests.test_daemon import source

EMPTY = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
ITEM = "<item><title>Pemkab Kukar Buka Pelatihan</title><link>{url}/satu/</link></item>"


async def test_malformed_feed_without_entries_is_a_source_error(
    tmp_path: Path, portal: Portal
) -> None:
    portal.set("/broken/", "<rss><channel><item><title>x", content_type="application/rss+xml")
    portal.set("/empty/", EMPTY, content_type="application/rss+xml")
    portal.set("/blank/", "\n" + EMPTY, content_type="application/rss+xml")
    truncated = '<rss version="2.0"><channel>' + ITEM.format(url=portal.url) + "<item><title>y"
    portal.set("/truncated/", truncated, content_type="application/rss+xml")
    sources = "".join(
        source(name, f"{portal.url}/{name}/") for name in ("broken", "empty", "blank", "truncated")
    )
    config = load(
        write_config(tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite",
                     sources=sources)
    )  # fmt: skip
    await run_once(config)
    store = await asyncio.to_thread(open_store, config.database_url)
    try:
        data = await asyncio.to_thread(status_data, config, store)
    finally:
        store.engine.dispose()
    by_id = {s["id"]: s for s in data["sources"]}
    broken = by_id["broken"]
    assert (broken["healthy"], broken["error_kind"]) == (False, "parse"), broken
    assert broken["last_error"].startswith("malformed feed: not well-formed XML"), broken
    for name in ("empty", "blank", "truncated"):
        assert by_id[name]["healthy"] is True and by_id[name]["error_kind"] is None, by_id[name]
    assert data["totals"]["items"] == 1
