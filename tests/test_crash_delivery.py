"""Crash test: `run --once` is killed with SIGKILL in the middle of sending, restarted, and
every message arrives. The only duplicates are the documented unknowable case: a message
Telegram accepted whose answer (message id) never reached the store. Each chat has at most
one request in flight, and here every chat has exactly one when the process dies (the fake
holds its answer back), so the bound is exact: one duplicate per chat, those very messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import Post, rss
from tests.portal import Portal
from tests.test_e2e_telegram import ROOT, cli, config_for, secret_free

PER_CHAT = 6
BODIES = {
    f"@kabar_{slug}": f"<p>{town} – {who} menggelar kegiatan.</p><p>(adv/diskominfo/{slug})</p>"
    for slug, town, who in (
        ("kukar", "TENGGARONG", "Pemkab Kukar"),
        ("kutim", "SANGATTA", "Pemkab Kutim"),
        ("kaltim", "SAMARINDA", "Pemprov Kaltim"),
    )
}
WORDS = ("Jalan", "Pasar", "Sekolah", "Jembatan", "Puskesmas", "Taman")


def posts() -> list[Post]:
    now = datetime.now(UTC)
    out = []
    for c, (chat, body) in enumerate(BODIES.items()):
        name = chat.removeprefix("@kabar_").capitalize()
        for k in range(PER_CHAT):
            title = f"Pemda {name} Resmikan {WORDS[k]} Baru Tahap {c * PER_CHAT + k}"
            out.append(Post(f"{name.lower()}-{k}", title, now - timedelta(minutes=30),
                            ["Pemerintah"], body))  # fmt: skip
    return out


def hanging(fake: FakeTelegram, chat: str) -> bool:
    """A message of `chat` is recorded but its answer has not gone out yet."""
    answered = [r for r in fake.requests if r.chat == chat and r.status == 200]
    return len(fake.messages_to(chat)) > len(answered)


def test_sigkill_mid_batch_then_restart_delivers_all_with_exact_duplicates(
    tmp_path: Path, portal: Portal, db_url: str
) -> None:
    with FakeTelegram(per_minute=20, min_interval=1.0, hang_seconds=30) as fake:
        path = config_for(tmp_path, db_url, portal, fake)
        portal.set("/feed/", rss(portal.url, []))
        portal.set("/mirror/", rss(portal.url, []))
        assert cli(path, "run", "--once", token=fake.token).returncode == 0
        stories = posts()
        portal.set("/feed/", rss(portal.url, stories))

        env = {**os.environ, "SYNDICATION_TEST_TOKEN": fake.token}
        proc = subprocess.Popen(
            [sys.executable, "-m", "syndication", "--config", str(path), "run", "--once"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120  # generous: only a failing run waits it out
            while any(len(fake.messages_to(c)) < 2 for c in BODIES):
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.02)
            for chat in BODIES:  # the next request of each chat is accepted, never answered
                fake.fail_next(chat, "hang")
            while not all(hanging(fake, c) for c in BODIES):
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.02)
            time.sleep(0.3)
            in_flight = {c: fake.messages_to(c)[-1].text for c in BODIES}
            proc.kill()  # SIGKILL: no cleanup, leases and all left as they are
        finally:
            proc.kill()
            _, killed_err = proc.communicate(timeout=10)
        assert proc.returncode == -9
        before = len(fake.messages)
        assert before < len(stories)  # killed in the middle

        again = cli(path, "run", "--once", token=fake.token, timeout=120)
        assert again.returncode == 0, again.stderr
        assert "event=leases_released" in again.stderr  # the dead run's rows, at once

        for chat in BODIES:
            got = [m.text for m in fake.messages_to(chat)]
            titles = [s.title for s in stories if BODIES[chat] == s.body]
            per_title = {t: sum(t in text for text in got) for t in titles}
            assert all(n >= 1 for n in per_title.values()), per_title  # every message arrived
            twice = [t for t, n in per_title.items() if n > 1]
            assert len(twice) == 1 and per_title[twice[0]] == 2  # the one in flight, once more
            assert twice[0] in in_flight[chat]
        assert len(fake.messages) == len(stories) + len(BODIES)
        assert fake.flood_count == 0

        status = json.loads(cli(path, "status", "--json", token=fake.token).stdout)
        assert status["totals"]["pending_deliveries"] == 0
        assert {c["chat"]: c["sent"] for c in status["channels"] if c["chat"] in BODIES} == {
            c: PER_CHAT for c in BODIES
        }
        secret_free(fake, killed_err, again.stderr)
