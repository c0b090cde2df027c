"""The seed article as a feed item, through run --once, then `syndication explain`."""

from __future__ import annotations

import asyncio
import html
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from syndication.config import load
from syndication.service import run_once
from syndication.store import open_store
from tests.conftest import SEED, write_config
from tests.portal import Portal

ROOT = Path(__file__).resolve().parents[1]


def seed_feed(base: str) -> bytes:
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("KUTAI KARTANEGARA,"))
    end = next(i for i, line in enumerate(lines) if line.startswith("Share :"))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in lines[start:end] if p)
    title = "Pjs Bupati Kukar Menghadiri Rakor Kelancaran Penyelenggaraan Pilkada Serentak 2024"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>eksposisi'
        f"</title><link>{base}/</link><description>x</description><item><title>{title}</title>"
        f"<link>{base}/pjs-bupati-kukar-rakor-pilkada/?utm_source=rss</link>"
        "<pubDate>Senin, 18 November 2024 - 19:15 WIB</pubDate>"
        "<category>Advertorial</category><category>Pemerintah</category>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item></channel></rss>"
    ).encode()


def test_seed_article_end_to_end_and_explained(tmp_path: Path, portal: Portal) -> None:
    portal.set("/feed/", seed_feed(portal.url))
    path = write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        sources=f'[[sources]]\nid = "eksposisi"\nurl = "{portal.url}/feed/"\n',
    )
    assert asyncio.run(run_once(load(path))) == 0
    store = open_store(load(path).database_url)
    [item] = store.scope_items("all", 10)
    assert set(item.categories) == {"advertorial", "pemerintah"} and item.advertorial
    assert item.regencies == ("kukar",)
    assert item.published == datetime(2024, 11, 18, 12, 15, tzinfo=UTC)
    assert "Baca Juga" not in item.content_html and "Kutim" not in item.content_html
    assert "utm_source" not in item.url and item.credit == "adv/diskominfo/kukar"

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "syndication",
            "--config",
            str(path),
            "explain",
            f"{portal.url}/pjs-bupati-kukar-rakor-pilkada/",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "regencies   kukar" in out.stdout
    assert "credit" in out.stdout and "adv/diskominfo/kukar" in out.stdout
    assert "kukar" in out.stdout.split("evidence")[1]
    by_id = subprocess.run(
        [sys.executable, "-m", "syndication", "--config", str(path), "explain", str(item.id)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert by_id.returncode == 0 and by_id.stdout == out.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "syndication", "--config", str(path), "explain", "999"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert missing.returncode == 1 and "no stored item" in missing.stdout
