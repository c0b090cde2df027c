"""Eleventh review: a hostile read of this sitting's diff (32ecc58..695d334), where the
earlier rounds looked least. Each test fails now."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syndication.config import load
from syndication.service import run_once
from tests.fakes.telegram_api import FakeTelegram
from tests.portal import Portal
from tests.test_e2e_html import HTML, article_page, config, html_source, listing_page, stored
from tests.test_html_retry_gone import KUKAR, age_the_skips
from tests.test_review_last import _CPU_CAP, _finishes

NOW = datetime.now(UTC)
NEW = ["/berita/baru-satu/", "/berita/baru-dua/", "/berita/baru-tiga/"]
OLD_PATH = "/berita/lama-dari-portal-uji/"


def poll(path: Path) -> int:
    """One `run --once`, whatever it returns (a poll that read no article is an error)."""
    return asyncio.run(run_once(load(path)))


def _first_poll_all_404(tmp_path: Path, portal: Portal, **kwargs: object) -> Path:
    """A first poll whose top max_articles x _SKIPPED_ROUNDS links answer 404 (the portal's
    cache behind its listing: three stories posted at once), an older story below them."""
    base = portal.url
    portal.set(OLD_PATH, article_page(base + OLD_PATH, "Berita Lama"), content_type=HTML)
    portal.set("/", listing_page(base, [*NEW, OLD_PATH]), content_type=HTML)
    path = config(
        tmp_path,
        f"sqlite:///{tmp_path}/db.sqlite3",
        html_source(portal, extra="max_articles = 1"),
        **kwargs,
    )
    poll(path)  # 3 links, 0 articles: the _nothing_kept error, the old story left for later
    poll(path)  # the old story read: the first poll is over
    assert base + OLD_PATH in stored(path)
    for n, p in enumerate(NEW):
        page = article_page(
            base + p, f"Pemkab Kukar Gelar Rapat Desa Tahap {n + 1}",
            when=NOW - timedelta(minutes=30), body=KUKAR,
        )  # fmt: skip
        portal.set(p, page, content_type=HTML)
    return path


def test_a_new_link_404_on_a_poll_that_read_nothing_is_retried_after_15_minutes(
    tmp_path: Path, portal: Portal
) -> None:
    """listing_entries raises _nothing_kept before _retries runs, and remembers the 404s as
    skipped for a whole day (no `retrying`): the very behaviour 9346edc set out to end (a new
    page not served yet is asked again after 15 minutes) is back whenever the poll read no
    article, e.g. a first poll whose newest max_articles x 3 links are not served yet."""
    path = _first_poll_all_404(tmp_path, portal)
    age_the_skips(path, timedelta(minutes=16))
    for _ in NEW:  # max_articles = 1: one page a poll
        poll(path)
    missing = [p for p in NEW if portal.url + p not in stored(path)]
    assert missing == [], f"still skipped for a day, not retried: {missing}"


def test_a_first_polls_404_on_a_poll_that_read_nothing_is_backlog_not_news(
    tmp_path: Path, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same links were listed on the source's very first poll, but never reach the
    backlog (neither `left` nor `retrying`: _nothing_kept returns first, and the next poll,
    still the first, no longer sees them as fresh). Read a day later they are announced as
    news (a page dated when it was finally served, or undated, is within max_age)."""
    with FakeTelegram(per_minute=60, min_interval=0.0) as fake:
        monkeypatch.setenv("SYNDICATION_TEST_TOKEN", fake.token)
        path = _first_poll_all_404(
            tmp_path, portal, api_url=fake.url, chats={"kukar": "@kabar_kukar"}
        )
        # a day on, the portal posts again (the listing changes, so it is read whole)
        base, newer = portal.url, "/berita/paling-baru/"
        page = article_page(
            base + newer, "Bupati Kukar Resmikan Jembatan Desa", when=NOW, body=KUKAR
        )
        portal.set(newer, page, content_type=HTML)
        portal.set("/", listing_page(base, [newer, *NEW, OLD_PATH]), content_type=HTML)
        age_the_skips(path, timedelta(hours=25))
        poll(path)
        poll(path)  # max_articles = 1: the rest on the next polls
        poll(path)
        poll(path)
        assert all(base + p in stored(path) for p in NEW)
        announced = [m.text for m in fake.messages if "Rapat Desa Tahap" in m.text]
        assert announced == [], "backlog of the first poll announced as news"


def test_redact_is_linear_on_a_long_run_of_digits() -> None:
    """bots._secrets.redact runs on every record of the httpx/telegram loggers (the
    RedactingFilter) and on every Bot API error's reason. Its token-shape pattern
    backtracked over every run of digits from each of its positions: quadratic, 20,000
    digits (an echoed message, a long number in a story) took seconds, 300,000 would take
    about ten minutes, with the delivery worker blocked in the logging call. Run in a child
    capped at _CPU_CAP seconds of CPU (a guard against a hang, not a speed test)."""
    done = _finishes(
        """
        from bots._secrets import redact
        text = "Bad Request: " + "1" * 300_000
        assert redact(text) == text
        print("ok")
        """
    )
    assert done.returncode == 0, f"killed past {_CPU_CAP} s of CPU: {done.stderr[-300:]}"
    assert done.stdout.strip() == "ok"
