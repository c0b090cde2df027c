"""No fast path changes a result: a cold `run --once` over the committed feeds in
tests/data/pinned publishes exactly what tests/data/pinned/golden.json says.

The golden file was written from the code before any optimisation. When a change alters a
result on purpose, rewrite it with SYNDICATION_PIN_WRITE=1 and review the diff line by line.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from syndication.config import load
from syndication.service import run_once
from syndication.store import schema as t
from tests.conftest import write_config
from tests.portal import Portal

DATA = Path(__file__).parent / "data" / "pinned"
GOLDEN = DATA / "golden.json"
FEEDS = sorted(DATA.glob("feed-*.xml"))
PORTAL = "http://portal.invalid"  # the fixture portal's address, which changes every run
_TAG = re.compile(r'<([a-z][a-z0-9]*)((?:\s+[^\s=>/]+(?:="[^"]*")?)+)\s*>')
_ATTR = re.compile(r'[^\s=>/]+(?:="[^"]*")?')


def test_cold_run_publishes_the_pinned_results(tmp_path: Path, portal: Portal, db_url: str) -> None:
    assert len(FEEDS) == 6
    sources = ""
    for path in FEEDS:
        portal.set(f"/{path.stem}/feed/", path.read_bytes())
        sources += f'[[sources]]\nid = "{path.stem}"\nurl = "{portal.url}/{path.stem}/feed/"\n'
    config = write_config(tmp_path / "config.toml", db_url=db_url, sources=sources)
    assert asyncio.run(run_once(load(config))) == 0

    got = published(db_url, portal.url)
    assert len(got) == 120
    if os.environ.get("SYNDICATION_PIN_WRITE"):
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert [i["key"] for i in got] == [i["key"] for i in want]
    for mine, pinned in zip(got, want, strict=True):
        assert mine == pinned, mine["key"]


def published(db_url: str, portal_url: str) -> list[dict[str, Any]]:
    """Every stored item, in a stable order, with what a reader of the feeds sees of it."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.items, t.entries.c.entry_key).join(
                    t.entries, t.entries.c.item_id == t.items.c.id
                )
            ).mappings()
            items = [dict(r) for r in rows]
            scopes: dict[int, list[str]] = {}
            for item_id, scope in conn.execute(
                select(t.item_scopes.c.item_id, t.item_scopes.c.scope)
            ):
                scopes.setdefault(item_id, []).append(scope)
    finally:
        engine.dispose()
    out = [_record(i, sorted(scopes.get(i["id"], [])), portal_url) for i in items]
    return sorted(out, key=lambda r: r["key"])


def _record(row: dict[str, Any], scopes: list[str], portal_url: str) -> dict[str, Any]:
    def stable(value: str | None) -> str | None:
        return value.replace(portal_url, PORTAL) if value is not None else None

    content = _attributes_sorted(stable(row["content_html"]) or "")
    return {
        "key": f"{row['source_id']} {row['entry_key']}",
        "url": row["url"],
        "title": row["title"],
        "published": row["published"].isoformat(),
        "updated": row["updated"].isoformat(),
        "categories": list(row["categories"]),
        "regencies": list(row["regencies"]),
        "advertorial": bool(row["advertorial"]),
        "summary": row["summary"],
        "author": row["author"],
        "image": stable(row["image"]),
        "dateline": row["dateline"],
        "credit": row["credit"],
        "scopes": scopes,
        "content_sha256": hashlib.sha256(content.encode()).hexdigest(),
        "content_start": content[:160],
        "text_hash": row["content_hash"],
        "evidence": row["evidence"],
    }


def _attributes_sorted(html: str) -> str:
    """The order of a tag's attributes is no result (feedparser's sanitizer sorted them, nh3
    keeps the source's order): the pinned hash is over tags with sorted attributes."""

    def tag(m: re.Match[str]) -> str:
        return f"<{m.group(1)} {' '.join(sorted(_ATTR.findall(m.group(2))))}>"

    return _TAG.sub(tag, html)
