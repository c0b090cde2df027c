"""`run --once` ends with one cycle line in plain words: deliveries=sent:0,edited:0,..."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from syndication.config import load
from syndication.service import run_once
from tests.conftest import write_config
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_daemon import source
from tests.test_e2e_once import kukar_post


async def test_cycle_line_counts_deliveries_in_plain_words(
    tmp_path: Path, portal: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    portal.set("/feed/", rss(portal.url, [kukar_post("satu", "Pemkab Kukar Buka Pelatihan")]))
    path = write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite",
        sources=source("portal", f"{portal.url}/feed/"), chats={"kukar": "@kabar_kukar"},
    )  # fmt: skip
    caplog.set_level(logging.INFO, logger="syndication")
    assert await run_once(load(path)) == 0
    line = next(r.getMessage() for r in caplog.records if "event=cycle" in r.getMessage())
    deliveries = line.split("deliveries=", 1)[1]
    assert re.fullmatch(r"[a-z-]+:\d+(,[a-z-]+:\d+)*", deliveries), line
    assert deliveries.startswith("sent:0,edited:0,"), line  # a first poll announces nothing
