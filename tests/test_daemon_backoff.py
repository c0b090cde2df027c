"""Backoff: a failing source is polled less and less often (up to fetch.max_backoff), a
Retry-After is honoured, and the admin hears once of a long failure and once of the recovery."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from syndication.config import SourceConfig
from syndication.pipeline import next_poll
from tests.fakes.telegram_api import FakeTelegram
from tests.feedmaker import rss
from tests.portal import Portal
from tests.test_daemon import (  # noqa: F401
    DaemonProcess,
    daemon_config,
    daemons_fixture,
    fake_fixture,
    kukar,
    source,
    wait_until,
)

NOW = datetime(2024, 11, 18, 12, 0, tzinfo=UTC)
MINUTE = SourceConfig(id="s", url="https://example.org/feed/", interval="1m")


def wait_s(when: datetime) -> float:
    return (when - NOW).total_seconds()


def test_quiet_source_is_polled_less_often_within_bounds() -> None:
    adaptive = SourceConfig(
        id="q", url="https://example.org/feed/", interval="1m", max_interval="30m"
    )
    busy = wait_s(next_poll(adaptive, NOW, 0, None, newest_age=timedelta(minutes=5)))
    quiet = wait_s(next_poll(adaptive, NOW, 0, None, newest_age=timedelta(hours=2)))
    silent = wait_s(next_poll(adaptive, NOW, 0, None, newest_age=timedelta(days=3)))
    assert busy == 30  # the interval (less the half-interval slack)
    assert quiet == 12 * 60 - 30  # a tenth of two hours
    assert silent == 30 * 60 - 30  # capped by max_interval
    # without max_interval a quiet source keeps its interval
    assert wait_s(next_poll(MINUTE, NOW, 0, None, newest_age=timedelta(days=3))) == 30


def test_max_interval_shorter_than_interval_is_a_config_error() -> None:
    import pytest

    from syndication.config import ConfigError, loads

    with pytest.raises(ConfigError) as err:
        loads(
            '[[sources]]\nid = "a"\nurl = "https://a.example/f"\ninterval = "10m"\n'
            'max_interval = "5m"\n'
        )
    assert any("sources[0]" in p and "max_interval" in p for p in err.value.problems)


def test_next_poll_backs_off_exponentially_up_to_the_cap() -> None:
    cap = timedelta(minutes=30)
    healthy = wait_s(next_poll(MINUTE, NOW, 0, None, cap=cap))
    assert healthy == 30  # half an interval of slack for the jittered job
    waits = [wait_s(next_poll(MINUTE, NOW, f, None, cap=cap)) for f in range(1, 8)]
    for failures, wait in enumerate(waits, start=1):
        base = min(60 * 2**failures, 1800)
        assert base - 30 <= wait <= base * 1.1 - 30, (failures, wait)
    assert waits[0] < waits[1] < waits[2] < waits[3] < waits[4]
    assert max(waits) <= 1800 * 1.1  # never beyond the cap (plus jitter)
    assert min(waits[5:]) >= 1800 - 30  # ... but at the cap, never forgotten


def test_next_poll_honours_retry_after_and_max_age() -> None:
    assert wait_s(next_poll(MINUTE, NOW, 1, None, retry_after=3600)) == 3600
    cap = timedelta(minutes=5)
    assert wait_s(next_poll(MINUTE, NOW, 1, None, retry_after=7200, cap=cap)) == 7200
    assert wait_s(next_poll(MINUTE, NOW, 0, 150)) == 150 - 30  # Cache-Control: max-age=150
    assert wait_s(next_poll(MINUTE, NOW, 0, 86400)) == 4 * 60 - 30  # at most 4 intervals


class HitClock:
    """Samples the portal's request log and notes when each request to `path` was seen."""

    def __init__(self, portal: Portal, path: str) -> None:
        self.portal, self.path = portal, path
        self.times: list[float] = []
        self.done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self.done.is_set():
            count = len(self.portal.hits_for(self.path))
            self.times.extend([time.monotonic()] * (count - len(self.times)))
            time.sleep(0.02)

    def gaps(self) -> list[float]:
        return [round(b - a, 2) for a, b in zip(self.times, self.times[1:], strict=False)]


def test_failing_sources_back_off_and_the_admin_hears_once(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    portal.set("/flaky/", "oops", status=500, content_type="text/plain")
    portal.set("/busy/", "later", status=429, headers={"Retry-After": "4"},
               content_type="text/plain")  # fmt: skip
    path = daemon_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", fake=fake,
        admin="@admin", max_backoff="2s",
        sources=source("flaky", f"{portal.url}/flaky/") + source("busy", f"{portal.url}/busy/"),
    )  # fmt: skip
    flaky, busy = HitClock(portal, "/flaky/"), HitClock(portal, "/busy/")
    daemon = daemons(path, fake.token)

    def alerts(word: str) -> list[str]:
        return [m.text for m in fake.messages_to("@admin") if word in m.text]

    wait_until(lambda: bool(alerts("flaky failing")), 16, "the failure alert", daemon)
    # the sampler looks every 20 ms: the alert can land before it has seen the fifth request
    # (the next one is at least 1.4 s away)
    wait_until(lambda: len(flaky.times) >= 5, 2, "the sampler's fifth request", daemon)
    assert len(flaky.times) == 5 and "failing 5 times" in alerts("flaky failing")[0]
    # 1 s interval, doubled per failure up to the 2 s cap (a job tick every second): never
    # sooner than the backoff; later only by a loaded machine, never by doubling past the cap
    assert all(g >= 1.4 for g in flaky.gaps()), flaky.gaps()
    assert all(g < 6 for g in flaky.gaps()), flaky.gaps()
    # Retry-After: 4 beats both the interval and the cap
    assert len(busy.gaps()) >= 1 and all(g >= 3.9 for g in busy.gaps()), busy.gaps()

    wait_until(lambda: len(flaky.times) >= 7, 6, "two more failures", daemon)
    portal.set("/flaky/", rss(portal.url, [kukar("a", "Pemkab Kukar Bahas Jalan Desa")]))
    wait_until(lambda: bool(alerts("flaky recovered")), 6, "the recovery alert", daemon)
    assert len(alerts("flaky failing")) == 1  # told once, not at every failure
    assert alerts("busy") == []  # two or three failures are no news
    flaky.done.set()
    busy.done.set()
    assert daemon.stop() == 0


def test_a_huge_retry_after_is_honoured_for_a_week_at_most() -> None:
    from datetime import UTC, datetime, timedelta

    from syndication.config import SourceConfig
    from syndication.pipeline import next_poll

    src = SourceConfig(id="s", url="https://portal.test/feed/", interval="5m")
    now = datetime(2024, 11, 18, 12, 0, tzinfo=UTC)
    when = next_poll(src, now, 1, None, 10.0**12, timedelta(hours=6))  # no OverflowError
    assert when <= now + timedelta(days=7)
