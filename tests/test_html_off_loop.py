"""A daemon reading an HTML source whose article page nests 64,000 <div>s deep (issue 10): the
page is extracted in the CPU pool, not on the event loop, so /healthz (and with it lease
renewal and delivery pacing) goes on answering, and the extraction finishes.

Before the fix the extraction ran on the loop for many minutes (16,000 levels: 20 s of CPU,
quadratic) and /healthz did not answer within 60 s. The test waits on events only: the
article's fetch, then answers from /healthz until the poll's result is logged."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.portal import Portal
from tests.test_daemon import DaemonProcess, daemon_config, daemons_fixture, wait_until
from tests.test_hostile_nesting import DEADLINE, nested_page

__all__ = ["daemons_fixture"]  # the fixture, imported for this module's tests

ARTICLE = "/berita/2024/11/18/pemkab-kukar-rapat-bersama-warga-desa/"
LISTING = (
    "<html><body><article><h2><a href='{}'>Pemkab Kukar Rapat Bersama Warga Desa</a></h2>"
    "</article></body></html>"
)


def test_healthz_answers_while_a_deeply_nested_article_is_extracted(
    tmp_path: Path, portal: Portal, daemons: Callable[..., DaemonProcess]
) -> None:
    portal.set("/", LISTING.format(ARTICLE), content_type="text/html")
    portal.set(ARTICLE, nested_page(64_000), content_type="text/html")
    sources = f'\n[[sources]]\nid = "portal"\nurl = "{portal.url}/"\nkind = "html"\n'
    sources += 'interval = "1h"\n'
    config = daemon_config(tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path / 'db'}",
                           sources=sources, server=True, chats={})  # fmt: skip
    daemon = daemons(config)
    wait_until(lambda: bool(portal.hits_for(ARTICLE)), 30, "the article page's fetch", daemon)
    answered = 0
    with httpx.Client(timeout=DEADLINE) as client:
        while not daemon.count("event=poll source=portal"):
            assert client.get(daemon.url + "healthz").status_code == 200
            answered += 1
            time.sleep(0.1)
    assert answered >= 1
    # the page's story came through, flattened: one new entry, nothing skipped
    assert daemon.count("event=poll source=portal status=ok entries=1 new=1") == 1
    assert daemon.count("event=article_skipped") == 0
    assert daemon.stop() == 0
