"""Which meta refresh sends an article's reader on (a moved story's stub, a CMS short link, a
cookie check refreshing to the same address) and which only reloads the page after a while:
the former's address is read as the article (tests/test_review_sixteenth_html.py runs it end
to end)."""

from __future__ import annotations

import pytest

from syndication.sources.html_source import _refresh_target

PAGE = "https://portal.id/r/640310"


@pytest.mark.parametrize(
    ("head", "target"),
    [
        ('<meta http-equiv="refresh" content="0; url=https://portal.id/berita/1-judul">',
         "https://portal.id/berita/1-judul"),
        ("<META HTTP-EQUIV=Refresh CONTENT='0;URL=/berita/2-judul'>", "https://portal.id/berita/2-judul"),
        ('<meta content="1; url=\'berita/3\'" http-equiv="refresh">', "https://portal.id/r/berita/3"),
        ('<meta http-equiv="refresh" content="0;url=https://portal.id/r/640310">', PAGE),
        ('<meta http-equiv="refresh" content="0; url=https://portal.id/?a=1&amp;b=2">',
         "https://portal.id/?a=1&b=2"),
        # a page reloading itself every few minutes, a refresh without an address, none
        ('<meta http-equiv="refresh" content="300; url=https://portal.id/">', None),
        ('<meta http-equiv="refresh" content="600">', None),
        ('<meta http-equiv="refresh" content="0; url=javascript:alert(1)">', None),
        ('<meta name="description" content="0; url=https://portal.id/x">', None),
        ("<p>refresh</p>", None),
    ],
)  # fmt: skip
def test_refresh_target(head: str, target: str | None) -> None:
    body = f"<html><head>{head}</head><body></body></html>".encode()
    assert _refresh_target(body, PAGE) == target
