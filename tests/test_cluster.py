"""Three `syndication run` daemons on one PostgreSQL database, 60 sources on the fixture portal,
one bot on the fake Bot API, and one daemon killed with SIGKILL while it sends and polls.

The README's promise, checked whole: every due message arrives once (the killed process's one
in-flight message per chat may come twice), no backlog item is pushed, no chat is sent more than
Telegram allows and no 429 is drawn, no feed is fetched by two processes at once, every feed is
polled again after the kill, every survivor serves the new items, and SIGTERM stops the
survivors cleanly. Telegram's minute is scaled to 6 s (`pace_window`, the fake's `window`); six
chats share the messages, since one message a second to a chat is what bounds the test's time."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from syndication.store import schema as t
from tests.conftest import write_config
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
FEEDS = 60
FRESH = 80  # messages due after the backlog poll, a sixth to each chat
WINDOW = 6.0  # Telegram's minute, scaled down tenfold
PER_WINDOW = 20
CHATS = {
    "kukar": "@kabar_kukar", "kutim": "@kabar_kutim",
    "bontang": "@kabar_bontang", "berau": "@kabar_berau",
    "balikpapan": "@kabar_balikpapan", "samarinda": "@kabar_samarinda",
}  # fmt: skip
REGENCIES = tuple(CHATS)
GOVERNMENT = {"kukar": "Pemkab Kukar", "kutim": "Pemkab Kutim", "bontang": "Pemkot Bontang",
              "berau": "Pemkab Berau", "balikpapan": "Pemkot Balikpapan",
              "samarinda": "Pemkot Samarinda"}  # fmt: skip
BODY = {
    "kukar": "<p>TENGGARONG – Pemkab Kukar menggelar kegiatan di Tenggarong.</p>"
    "<p>Kegiatan berlangsung lancar. (adv/diskominfo/kukar)</p>",
    "kutim": "<p>SANGATTA – Pemkab Kutim menyalurkan bantuan di Sangatta Utara.</p>"
    "<p>Bantuan diterima warga. (adv/diskominfo/kutim)</p>",
    "bontang": "<p>BONTANG – Pemkot Bontang meresmikan fasilitas baru di Bontang Selatan.</p>"
    "<p>Warga menyambut baik. (adv/diskominfo/bontang)</p>",
    "berau": "<p>TANJUNG REDEB – Pemkab Berau menggelar kegiatan di Tanjung Redeb.</p>"
    "<p>Kegiatan berlangsung lancar. (adv/diskominfo/berau)</p>",
    "balikpapan": "<p>BALIKPAPAN – Pemkot Balikpapan menggelar kegiatan di Balikpapan Kota.</p>"
    "<p>Kegiatan berlangsung lancar. (adv/diskominfo/balikpapan)</p>",
    "samarinda": "<p>SAMARINDA – Pemkot Samarinda menyalurkan bantuan di Samarinda Ulu.</p>"
    "<p>Bantuan diterima warga. (adv/diskominfo/samarinda)</p>",
}
WORDS = ("Jalan", "Pasar", "Sekolah", "Jembatan", "Puskesmas", "Taman", "Masjid", "Stadion")


def story(slug: str, regency: str, title: str, minutes: float) -> Post:
    published = datetime.now(UTC) - timedelta(minutes=minutes)
    return Post(slug, title, published, ["Advertorial", "Pemerintah"], BODY[regency])


def regency_of(n: int) -> str:
    return REGENCIES[n % len(REGENCIES)]


def backlog() -> dict[int, list[Post]]:
    """One story a feed, there before the first poll: the backlog, never pushed."""
    return {
        f: [story(f"lama-{f}", regency_of(f), f"Arsip {WORDS[f % 8]} Lama Nomor {f:03d}", 90)]
        for f in range(FEEDS)
    }


def fresh() -> dict[int, list[Post]]:
    """FRESH new stories over the feeds, each to one chat."""
    out: dict[int, list[Post]] = {f: [] for f in range(FEEDS)}
    for n in range(FRESH):
        title = f"{GOVERNMENT[regency_of(n)]} Resmikan {WORDS[n % 8]} Baru Tahap {n:03d}"
        out[n % FEEDS].append(story(f"baru-{n}", regency_of(n), title, 5))
    return out


def serve(portal: Portal, posts: dict[int, list[Post]]) -> None:
    for f, items in posts.items():
        # a fetch takes a moment, so two processes fetching one feed at once would overlap
        portal.set(f"/feed/{f}/", rss(portal.url, items), delay=0.2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def configs(tmp_path: Path, db_url: str, portal: Portal, fake: FakeTelegram) -> list[Path]:
    sources = "".join(
        f'[[sources]]\nid = "feed{f:02d}"\nurl = "{portal.url}/feed/{f}/"\ninterval = "3s"\n'
        for f in range(FEEDS)
    )
    paths = []
    for n in range(3):
        folder = tmp_path / f"instance{n}"
        folder.mkdir()
        path = write_config(
            folder / "config.toml", db_url=db_url, api_url=fake.url, chats=CHATS,
            sources=sources, server=True, port=free_port(),
        )  # fmt: skip
        text = path.read_text()
        text = text.replace('publish_delay = "0s"', 'publish_delay = "0s"\nitems_per_feed = 300')
        text = text.replace('max_age = "24h"', f'max_age = "24h"\npace_window = "{WINDOW:g}s"')
        path.write_text(text)
        paths.append(path)
    return paths


def start(path: Path, token: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SYNDICATION_TEST_TOKEN": token}
    with (path.parent / "daemon.log").open("wb") as log:  # the daemon keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "syndication", "--config", str(path), "run"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def port_of(path: Path) -> int:
    line = next(x for x in path.read_text().splitlines() if x.startswith("port = "))
    return int(line.split("=")[1])


def wait_until(
    what: str, check: Callable[[], bool], seconds: float, procs: list[subprocess.Popen[bytes]]
) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        dead = [p.args for p in procs if p.poll() is not None]
        assert not dead, f"a daemon exited while waiting for {what}: {dead}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def scalar(engine: Engine, query: object) -> object:
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar()  # type: ignore[call-overload]
    except SQLAlchemyError:  # the schema is not there yet: the daemons are still migrating
        return None


def chat_holder(engine: Engine) -> int | None:
    """The pid of a process holding a chat's send lease now, if any."""
    c = t.channels.c
    owner = scalar(engine, select(c.lease_owner).where(c.lease_owner.is_not(None)).limit(1))
    if not isinstance(owner, str):
        return None
    return int(owner.split("#")[0].rsplit(":", 1)[1])


def arrivals(fake: FakeTelegram, titles: list[str]) -> dict[str, list[float]]:
    """title -> when each message carrying it arrived."""
    out: dict[str, list[float]] = {title: [] for title in titles}
    for m in fake.messages:
        for title in titles:
            if title in m.text:
                out[title].append(m.at)
    return out


def overlapping(portal: Portal) -> list[str]:
    """Feeds that two requests were fetching at the same time."""
    bad = []
    for f in range(FEEDS):
        hits = sorted(portal.hits_for(f"/feed/{f}/"), key=lambda h: h.start)
        bad += [f"/feed/{f}/" for a, b in itertools.pairwise(hits) if b.start < a.end]
    return bad


def served(port: int, titles: list[str]) -> bool:
    try:
        body = httpx.get(f"http://127.0.0.1:{port}/all.rss", timeout=5).text
    except httpx.HTTPError:
        return False
    return all(title in body for title in titles)


@pytest.fixture
def daemons() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for p in procs:  # a failed test leaves no daemon behind
        if p.poll() is None:
            p.kill()
            p.wait(10)


def test_three_daemons_one_killed_keep_every_promise(
    tmp_path: Path, portal: Portal, pg_url: str, daemons: list[subprocess.Popen[bytes]]
) -> None:
    old, new = backlog(), fresh()
    serve(portal, old)
    old_titles = [p.title for posts in old.values() for p in posts]
    new_titles = [p.title for posts in new.values() for p in posts]
    engine = create_engine(pg_url)
    s = t.sources.c
    with FakeTelegram(per_minute=PER_WINDOW, min_interval=1.0, window=WINDOW) as fake:
        paths = configs(tmp_path, pg_url, portal, fake)
        daemons += [start(path, fake.token) for path in paths]  # all at once, on an empty base
        backlog_done = select(func.count()).where(s.first_poll_done.is_(True))
        wait_until("the backlog poll", lambda: scalar(engine, backlog_done) == FEEDS, 60, daemons)

        serve(portal, {f: new[f] + old[f] for f in range(FEEDS)})
        wait_until("the first sends", lambda: len(fake.messages) >= 6, 60, daemons)
        wait_until("a chat's holder", lambda: chat_holder(engine) is not None, 30, daemons)
        victim_pid = chat_holder(engine)
        victim = next(p for p in daemons if p.pid == victim_pid)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(10) == -signal.SIGKILL
        killed_at = time.time()
        survivors = [p for p in daemons if p is not victim]
        ports = [port_of(path) for path, p in zip(paths, daemons, strict=True) if p is not victim]

        def all_arrived() -> bool:
            return all(arrivals(fake, new_titles).values())

        wait_until("every fresh message", all_arrived, 150, survivors)

        def all_polled_again() -> bool:
            return all(
                any(h.start > killed_at for h in portal.hits_for(f"/feed/{f}/"))
                for f in range(FEEDS)
            )

        wait_until("every feed polled after the kill", all_polled_again, 60, survivors)
        for port in ports:
            wait_until(f"port {port} serving the new items",
                       lambda port=port: served(port, new_titles), 60, survivors)  # fmt: skip
        # every delivery recorded: nothing is left that a survivor could send (again)
        d = t.deliveries.c
        unsent = select(func.count()).where(d.state == "pending")
        recorded = select(func.count()).where(d.state != "pending")
        wait_until("every delivery recorded",
                   lambda: scalar(engine, unsent) == 0 and scalar(engine, recorded) == FRESH,
                   90, survivors)  # fmt: skip
        for p in survivors:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(60) for p in survivors]

    logs = "\n".join((path.parent / "daemon.log").read_text() for path in paths)
    assert codes == [0, 0], logs[-3000:]
    assert "Traceback" not in logs, logs[logs.index("Traceback") - 500 :][:3000]

    times = arrivals(fake, new_titles)
    twice = {title: at for title, at in times.items() if len(at) > 1}
    assert all(len(at) <= 2 for at in times.values()), twice
    for chat in CHATS.values():  # the README's one duplicate: the killed process's in flight
        dup = [title for title in twice if any(title in m.text for m in fake.messages_to(chat))]
        assert len(dup) <= 1, (chat, dup)
    assert all(at[0] <= killed_at for at in twice.values()), twice
    assert not [title for title, at in arrivals(fake, old_titles).items() if at]  # no backlog
    assert fake.flood_count == 0, [r for r in fake.requests if r.status == 429][:3]
    for chat in CHATS.values():
        at = sorted(m.at for m in fake.messages_to(chat))
        busiest = max(sum(1 for b in at if a <= b < a + WINDOW) for a in at)
        assert busiest <= PER_WINDOW, (chat, busiest)
    assert overlapping(portal) == []
    engine.dispose()
