"""Is an article gone? 404/410 and a redirect home say yes; anything else proves nothing."""

from __future__ import annotations

import pytest

from syndication.fetch import ACCEPT_HTML, Fetcher, FetchPolicy
from syndication.withdraw import check_gone, redirected_home
from tests.portal import Portal

ARTICLE = "<html><body><h1>Bupati Kukar</h1><p>Isi berita.</p></body></html>"


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ({"status": 410}, "410 Gone"),
        ({"status": 404}, "404 Not Found"),
        ({"status": 500}, None),
        ({"status": 503}, None),
        ({"status": 403}, None),
        ({"status": 200}, None),
        ({"status": 301, "headers": {"Location": "/"}}, "redirected to the home page"),
        ({"status": 302, "headers": {"Location": "/berita/baru"}}, None),
    ],
)
async def test_check_gone_through_the_portal(
    portal: Portal, page: dict[str, object], expected: str | None
) -> None:
    portal.set("/", "<html><body>Beranda</body></html>", content_type="text/html")
    portal.set("/berita/baru", ARTICLE, content_type="text/html")
    portal.set("/berita/lama", ARTICLE, content_type="text/html", **page)  # type: ignore[arg-type]
    fetcher = Fetcher(FetchPolicy(user_agent="test", total_timeout=5))
    try:
        reason = await check_gone(fetcher, portal.url + "/berita/lama", ACCEPT_HTML)
    finally:
        await fetcher.aclose()
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and reason.startswith(expected)


async def test_a_portal_that_is_down_withdraws_nothing() -> None:
    fetcher = Fetcher(FetchPolicy(user_agent="test", connect_timeout=1, total_timeout=2))
    try:
        assert await check_gone(fetcher, "http://127.0.0.1:9/berita/lama", ACCEPT_HTML) is None
    finally:
        await fetcher.aclose()


def test_redirected_home() -> None:
    assert redirected_home("https://a.id/2024/11/x/", "https://a.id/")
    assert redirected_home("https://a.id/2024/11/x/", "https://www.a.id/index.php")
    assert not redirected_home("https://a.id/", "https://a.id/")
    assert not redirected_home("https://a.id/x/", "https://other.id/")
    assert not redirected_home("https://a.id/x/", "https://a.id/x/")
    assert not redirected_home("https://a.id/?p=12", "https://a.id/?p=12")
