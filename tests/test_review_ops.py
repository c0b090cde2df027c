"""Hostile review of the operator-facing commands: `probe`, `explain` and `status` on odd and
hostile input (a password in a URL, a URL httpx cannot parse, a huge or endless page, JSON that
is not what it claims, an id past SQLite's integers), each run for real against a fixture
portal on 127.0.0.1 or a raw socket server and a real SQLite database."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from syndication.probe import probe
from syndication.status_view import print_status
from tests.conftest import write_config
from tests.portal import Portal
from tests.rawsock import Serve, read_request
from tests.test_probe_cli import cli

HTML = "text/html; charset=utf-8"
PAGE = "<html><body><h1>Portal</h1><p>Belum ada berita.</p></body></html>"


def _config(tmp_path: Path, sources: str = "") -> Path:
    return write_config(
        tmp_path / "config.toml", db_url=f"sqlite:///{tmp_path}/db.sqlite3", sources=sources
    )


# --- probe --------------------------------------------------------------------------------


def test_probe_masks_the_password_and_token_of_the_url_it_was_given(
    tmp_path: Path, portal: Portal
) -> None:
    """`probe http://user:pass@host/` answers, and its report (meant to be pasted into an
    issue or a chat) holds neither the password nor a ?token= value: every URL derived from
    the given one (the page, /feed/, /wp-json/) carries them, so every one must be masked."""
    portal.set("/", PAGE, content_type=HTML)
    portal.set("/feed/?token=Rahasia42kukar", PAGE, content_type=HTML)
    host = portal.url.removeprefix("http://")
    done = cli("probe", f"http://reader:Kukar2024s3cret@{host}/", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "s3cret" not in done.stdout, done.stdout
    assert "reader:***@" in done.stdout  # the user stays, to tell which account it was
    # httpx writes "@" and " " of a password percent-encoded in the URLs it answers
    done = cli("probe", f"http://reader:Ku@kar 2024s3cret@{host}/", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "s3cret" not in done.stdout, done.stdout
    # "u:s3cret/x@host" is no URL httpx reads: its error quotes "s3cret" as the port
    done = cli("probe", f"http://reader:s3cret/x@{host}/", cwd=tmp_path)
    assert done.returncode == 1
    assert "s3cret" not in done.stdout, done.stdout
    assert "s3cret" not in done.stderr, done.stderr  # "probe: URL: the page did not load"
    portal.set("/gone/", "no", status=404)
    done = cli("probe", f"http://reader:Kukar2024s3cret@{host}/gone/", cwd=tmp_path)
    assert done.returncode == 1
    assert "the page did not load" in done.stderr
    assert "s3cret" not in done.stdout + done.stderr, done.stderr
    done = cli("probe", f"{portal.url}/feed/?token=Rahasia42kukar", cwd=tmp_path)
    assert "Rahasia42" not in done.stdout, done.stdout
    assert "token=***" in done.stdout


def test_probe_of_a_url_httpx_cannot_parse_is_a_failed_page_not_a_traceback(
    tmp_path: Path,
) -> None:
    done = cli("probe", "http://[::1", cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert "the page did not load" in done.stderr


def test_probe_of_a_json_feed_whose_items_is_not_a_list(tmp_path: Path, portal: Portal) -> None:
    body = '{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": 5}'
    portal.set("/feed.json", body, content_type="application/feed+json")
    done = cli("probe", portal.url + "/feed.json", cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0
    assert 'kind = "feed"' in done.stdout  # a JSON Feed still, with no item to count


def test_probe_of_deeply_nested_json_is_no_traceback(tmp_path: Path, portal: Portal) -> None:
    """JSON nested past Python's recursion limit, as the page itself and as the WordPress API
    the page announces: `json.loads` raises RecursionError, not ValueError."""
    deep = "[" * 100_000 + "]" * 100_000
    portal.set("/deep", deep, content_type="application/json")
    portal.set(
        "/wp",
        '<html><head><link rel="https://api.w.org/" href="/api/"></head><body>x</body></html>',
        content_type=HTML,
    )
    portal.set("/api/wp/v2/posts?per_page=1", deep, content_type="application/json")
    for path in ("/deep", "/wp"):
        done = cli("probe", portal.url + path, cwd=tmp_path)
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == 0, path
        assert "Suggested config" in done.stdout


def test_probe_hint_skips_a_link_urllib_cannot_parse(tmp_path: Path, portal: Portal) -> None:
    """A page without article links gets a selector hint; one broken href on it (an IPv6
    bracket never closed, as a typo in a theme writes) must cost only that link."""
    links = "".join(
        f'<li><a href="/berita/{n}/">Bupati Kukar Resmikan Jembatan Nomor {n}</a></li>'
        for n in range(4)
    )
    portal.set(
        "/",
        f'<html><body><ul class="daftar">{links}</ul>'
        '<p><a href="http://[oops/x">satu dua tiga empat lima</a></p></body></html>',
        content_type=HTML,
    )
    done = cli("probe", portal.url + "/", cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0


def _serve_big(sent: list[int], size: int) -> Serve:
    """A 200 that declares and streams `size` bytes of HTML, counting what went out."""

    def serve(conn: socket.socket, number: int) -> None:
        read_request(conn)
        conn.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {size}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        chunk = b"<p>" + b"a" * 65_533
        while sent[0] < size:
            conn.sendall(chunk)
            sent[0] += len(chunk)

    return serve


def test_probe_stops_reading_a_huge_page(raw_server: Callable[[Serve], int]) -> None:
    """A page far past the service's body cap (8 MiB, [fetch] max_body's default) is not
    read whole into memory: the probe reports it too large."""
    sent = [0]
    port = raw_server(_serve_big(sent, 64 * 2**20))

    async def go() -> object:
        async with httpx.AsyncClient(timeout=10) as client:
            return await asyncio.wait_for(probe(f"http://127.0.0.1:{port}/", client), 30)

    report = asyncio.run(go())
    assert not report.page.ok  # type: ignore[attr-defined]
    assert "too large" in report.page.note  # type: ignore[attr-defined]
    assert sent[0] < 32 * 2**20  # the client hung up long before the end


def test_probe_gives_up_on_a_page_that_never_ends(raw_server: Callable[[Serve], int]) -> None:
    """A server that trickles a byte at a time never trips httpx's read timeout (it resets on
    every byte), and httpx has no timeout for a whole answer: the probe needs its own."""

    def serve(conn: socket.socket, number: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 9999\r\n\r\n")
        for _ in range(9999):
            conn.sendall(b"a")
            time.sleep(0.1)

    port = raw_server(serve)

    async def go() -> object:
        async with httpx.AsyncClient(timeout=2) as client:
            return await asyncio.wait_for(
                probe(f"http://127.0.0.1:{port}/", client, total_timeout=1.5), 20
            )

    report = asyncio.run(go())  # wait_for: a probe that never gives up fails the test
    assert not report.page.ok  # type: ignore[attr-defined]
    assert "1.5s" in report.page.note  # type: ignore[attr-defined]


# --- explain ------------------------------------------------------------------------------


def test_explain_an_id_past_sqlites_integers_is_not_found_not_a_traceback(
    tmp_path: Path, db_url: str
) -> None:
    config = write_config(tmp_path / "config.toml", db_url=db_url, sources="")
    for target in ("99999999999999999999999", "9223372036854775808", "9223372036854775807"):
        done = cli("--config", str(config), "explain", target, cwd=tmp_path)
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == 1
        assert "no stored item matches" in done.stdout


def test_explain_a_digit_python_cannot_read_as_an_int(tmp_path: Path) -> None:
    """'²' is `str.isdigit()` but not `int()`: a stray superscript must not crash explain."""
    config = _config(tmp_path)
    done = cli("--config", str(config), "explain", "²", cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1
    assert "no stored item matches" in done.stdout


def test_explain_does_not_echo_a_password_of_the_url_given(tmp_path: Path) -> None:
    config = _config(tmp_path)
    url = "https://reader:Kukar2024s3cret@satu.example/berita/1/?token=Rahasia42kukar"
    done = cli("--config", str(config), "explain", url, cwd=tmp_path)
    assert done.returncode == 1
    assert "no stored item matches" in done.stdout
    for secret in ("s3cret", "Rahasia42"):
        assert secret not in done.stdout + done.stderr


# --- status -------------------------------------------------------------------------------


def _source(sid: str, error: str | None, **more: object) -> dict[str, object]:
    return {
        "id": sid, "url": f"https://{sid}.example/feed/", "healthy": error is None,
        "last_success": None, "last_error": error, "consecutive_failures": 1 if error else 0,
        "items_count": 0, "withdrawn": 0, "configured": True, **more,
    }  # fmt: skip


def _status_text(capsys: object, data: dict[str, object]) -> str:
    print_status(data)
    return str(capsys.readouterr().out)  # type: ignore[attr-defined]


def test_status_shows_remote_texts_without_emoji_codes(capsys: object) -> None:
    """A reason phrase or error text the portal wrote is shown as written: rich turns
    ':fire:' into an emoji unless told not to, and escape() does not cover that."""
    data = {
        "sources": [_source("busy", "fetch: HTTP 503 Busy :fire: try later :x:")],
        "channels": [
            {
                "chat": "@kabar_kukar",
                "regency": "kukar",
                "state": "broken",
                "reason": "Forbidden: bot was kicked :smile:",
                "pending": 0,
                "sent": 0,
                "failed": 0,
                "last_sent": None,
            }
        ],
        "dry_run": False,
        "totals": {"items": 0, "pending_deliveries": 0},
        "config_error": "config.toml: sources[0].url: 'x:thumbs_up:' is not a URL",
    }
    out = _status_text(capsys, data)
    for written in (":fire:", ":x:", ":smile:", ":thumbs_up:"):
        assert written in out, out


def test_status_table_says_a_source_is_no_longer_configured(tmp_path: Path, portal: Portal) -> None:
    """A source removed from config.toml stays in the database with its last error: the
    table must not call it "failing" (it is never polled again, so it would fail forever),
    but say that it is no longer in the config, as the JSON (`configured`) and the page do."""
    portal.set("/gone", b"x", status=404, validators=False)
    portal.set("/feed/", PAGE, content_type=HTML)
    kept = f'[[sources]]\nid = "kept"\nurl = "{portal.url}/feed/"\n'
    gone = f'[[sources]]\nid = "gone"\nurl = "{portal.url}/gone"\n'
    config = _config(tmp_path, kept + gone)
    assert cli("--config", str(config), "run", "--once", cwd=tmp_path).returncode == 0
    config = _config(tmp_path, kept)
    done = cli("--config", str(config), "status", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (line,) = [ln for ln in done.stdout.splitlines() if " gone " in ln]
    assert "failing" not in line and "not in config" in line, line


def test_probe_reads_no_more_than_the_configs_max_body(tmp_path: Path, portal: Portal) -> None:
    """`probe` bounds an answer as the service would, by the config's [fetch] max_body: a
    page the service would refuse is not read whole here either."""
    write_config(
        tmp_path / "config.toml",
        db_url=f"sqlite:///{tmp_path}/db.sqlite3",
        sources="",
        extra='max_body = "4KB"\n',  # inside the [fetch] table write_config ends with
    )
    portal.set("/", "<html><body>" + "<p>Berita Kukar hari ini.</p>" * 400, content_type=HTML)
    done = cli("probe", portal.url + "/", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "too large" in done.stdout + done.stderr


def test_probe_of_a_feed_past_the_parse_bounds_says_so(tmp_path: Path, portal: Portal) -> None:
    """A feed the service refuses to parse (more elements than feedparser is given) is a
    feed check that failed with the reason, not a traceback out of `probe`."""
    body = "<rss version='2.0'><channel><title>x</title>" + "<x/>" * 100_001 + "</channel></rss>"
    portal.set("/feed/", body)
    done = cli("probe", portal.url + "/feed/", cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert "more than 100000 elements" in done.stdout, done.stdout
