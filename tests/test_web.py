"""The daemon's web server: /healthz, /readyz (503 when the database is gone), /metrics in the
Prometheus text format, and the admin status page."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PG_ADMIN
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

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def scrape(url: str) -> Samples:
    resp = httpx.get(url + "metrics", timeout=5)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    out: Samples = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            out.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    found = samples.get(name, {})
    want = set(labels.items())
    return sum(v for key, v in found.items() if want <= set(key))


def test_metrics_health_and_status_page(
    tmp_path: Path, portal: Portal, fake: FakeTelegram, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    portal.set("/feed/", rss(portal.url, [kukar("lama", "Pemkab Kukar Bahas Jalan Desa")]))
    db_dir = tmp_path / "var"
    path = daemon_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{db_dir / 'db.sqlite3'}", fake=fake,
        server=True, sources=source("portal", f"{portal.url}/feed/")
        + source("gone", f"{portal.url}/nothing-here/"),
    )  # fmt: skip
    daemon = daemons(path, fake.token)
    url = daemon.url
    assert httpx.get(url + "healthz").status_code == 200
    assert httpx.get(url + "readyz").text == "ready\n"
    daemon.wait_log("event=poll source=portal status=ok")
    portal.set("/feed/", rss(portal.url, [
        kukar("lama", "Pemkab Kukar Bahas Jalan Desa"),
        kukar("baru", "Bupati Kukar Resmikan Jembatan Loa Kulu", minutes=5),
    ]))  # fmt: skip
    wait_until(lambda: len(fake.messages) == 1, 5, "a message", daemon)
    daemon.wait_log("status=unchanged http=304")

    samples = scrape(url)
    assert value(samples, "syndication_polls_total", source="portal", outcome="new") >= 2
    assert value(samples, "syndication_polls_total", source="gone", outcome="error") >= 1
    assert value(samples, "syndication_errors_total", stage="poll") >= 1
    assert value(samples, "syndication_not_modified_total", source="portal") >= 1
    assert value(samples, "syndication_items_total", source="portal", kind="new") == 2
    wait_until(lambda: value(scrape(url), "syndication_deliveries_total", outcome="sent") == 1,
               3, "the delivery counted")  # fmt: skip
    samples = scrape(url)
    assert value(samples, "syndication_delivery_lag_seconds_count") == 1
    assert 0 <= value(samples, "syndication_delivery_lag_seconds_sum") < 5
    assert value(samples, "syndication_queue_depth", chat="@kabar_kukar") == 0
    assert "syndication_queue_depth" in samples
    age = value(samples, "syndication_source_newest_item_age_seconds", source="portal")
    assert 4 * 60 < age < 6 * 60  # the newest item was published 5 minutes ago
    assert value(samples, "syndication_source_consecutive_failures", source="gone") >= 1

    page = httpx.get(url + "status")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for needle in ("portal", "gone", "HTTP 404", "@kabar_kukar", "@kabar_kutim", "<svg"):
        assert needle in html, needle
    assert "Kutai Kartanegara: 2 berita" in html  # the per-day chart: two items today
    data = httpx.get(url + "status.json").json()
    assert {s["id"] for s in data["sources"]} == {"portal", "gone"}

    # the database goes away: not ready, but alive
    shutil.rmtree(db_dir)
    assert httpx.get(url + "readyz").status_code == 503
    assert httpx.get(url + "healthz").status_code == 200
    assert httpx.get(url + "metrics").status_code == 200  # the process's own counters still
    assert httpx.get(url + "status").status_code == 503
    assert daemon.stop() == 0


def test_readyz_fails_when_the_postgresql_database_is_dropped(
    tmp_path: Path, portal: Portal, pg_url: str, daemons: Callable[..., DaemonProcess],
) -> None:  # fmt: skip
    portal.set("/feed/", rss(portal.url, []))
    path = daemon_config(
        tmp_path / "config.toml", db_url=pg_url, server=True,
        sources=source("portal", f"{portal.url}/feed/"),
    )  # fmt: skip
    daemon = daemons(path)
    url = daemon.url
    assert httpx.get(url + "readyz").status_code == 200
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    resp = httpx.get(url + "readyz")
    assert resp.status_code == 503 and "database" in resp.text
    assert httpx.get(url + "healthz").status_code == 200
    assert daemon.stop() == 0
