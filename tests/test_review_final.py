"""A last hostile review of the diff since 482a607 (split_text, the fetcher building its own
requests, userinfo masking). Each test here failed on the code as reviewed (2557380).

Servers are raw sockets on 127.0.0.1 (tests/rawsock.py)."""

from __future__ import annotations

import socket
from collections.abc import Callable

import nh3
import pytest

from syndication.errors import FetchError
from syndication.fetch import Fetcher
from syndication.nesting import split_text
from syndication.normalize import text as T
from syndication.normalize.text import plain_text
from tests.portal import Portal
from tests.rawsock import Serve, policy, read_request

LONG = "x" * 17_000  # a text run longer than nesting.TEXT_RUN


# --- split_text: a comment put where the parser does not read text -------------------------


def test_a_comment_opened_by_bang_gt_keeps_its_content_hidden() -> None:
    # "<!--!>" opens a comment the parser keeps reading to "-->" (comment start state: "!" is
    # comment text); _past's search from start+2 takes "--!>" for its end, so split_text puts
    # "<!---->" into what the parser reads as the comment, which ends it there: the rest of the
    # hidden comment becomes text and markup of the item
    html = "<p>shown</p><!--!>" + LONG + "&amp; hidden <b>secret</b> -->after"
    assert "secret" not in plain_text(html)


def test_a_textarea_the_scan_takes_for_an_attribute_value_gets_no_comment_text() -> None:
    # `<b ="><textarea>">`: the parser reads an attribute named `="` and ends the tag at the
    # first ">", so <textarea> opens RCDATA; _TOKEN reads `="><textarea>"` as a quoted value,
    # so the scan takes the textarea's content for text and its "<!---->" shows as text
    html = '<b ="><textarea>">' + LONG + "&amp;tail</textarea>"
    assert "<!--" not in plain_text(html)


def test_split_text_moves_no_white_space_out_of_a_table() -> None:
    # the piece after a cut begins with "&", but "&#32;" is white space: a piece of only
    # white space stays inside the table, where the whole run went before it
    html = "<table><tr><td>a</td></tr>y" + LONG + "&#32;   </table>"
    opts = {"tags": T._TAGS, "attributes": T._ATTRS, "clean_content_tags": T._DROP_WITH_CONTENT}
    assert nh3.clean(split_text(html), **opts) == nh3.clean(html, **opts)


# --- the fetcher -------------------------------------------------------------------------------


async def test_a_password_httpx_percent_encodes_stays_out_of_an_error_after_a_redirect(
    raw_server: Callable[[Serve], int],
) -> None:
    # the config accepts "^" and "|" in a password; after a relative redirect the URL quoted in
    # the error is httpx's join, whose userinfo is percent-encoded ("s3cr%5Et%7Cx"), so
    # replacing userinfo(url) as written ("user:s3cr^t|x") masks nothing
    def serve(conn: socket.socket, number: int) -> None:
        while head := read_request(conn):
            if head.startswith(b"GET /feed "):
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /other\r\nContent-Length: 0\r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n")

    port = raw_server(serve)
    fetcher = Fetcher(policy())
    try:
        with pytest.raises(FetchError) as caught:
            await fetcher.get(f"http://user:s3cr^t|x@127.0.0.1:{port}/feed")
    finally:
        await fetcher.aclose()
    message = str(caught.value)
    assert "s3cr" not in message, message


async def test_a_cache_control_max_age_of_a_superscript_digit_is_no_crash(
    raw_server: Callable[[Serve], int],
) -> None:
    # "²".isdigit() is True, float("²") raises ValueError: out of Fetcher.get, not a FetchError
    # (parse_retry_after guards the same case; _max_age does not)
    def serve(conn: socket.socket, number: int) -> None:
        while read_request(conn):
            conn.sendall(
                "HTTP/1.1 200 OK\r\nCache-Control: max-age=²\r\n".encode()
                + b"Content-Length: 6\r\n\r\n<rss/>"
            )

    port = raw_server(serve)
    fetcher = Fetcher(policy())
    try:
        try:
            result = await fetcher.get(f"http://127.0.0.1:{port}/feed")
        except FetchError:
            return
        assert result.body == b"<rss/>"
    finally:
        await fetcher.aclose()


async def test_the_base_of_a_private_feeds_links_carries_no_password(portal: Portal) -> None:
    # the fetched URL is the base the feed's relative links are joined to: with the user
    # information in it, an item's link "/a/1" became http://user:pw@host/a/1 and went out to
    # channels and feeds
    portal.set("/feed", "<rss/>")
    fetcher = Fetcher(policy())
    try:
        got = await fetcher.get(portal.url.replace("http://", "http://user:pw@") + "/feed")
    finally:
        await fetcher.aclose()
    assert got.url == portal.url + "/feed"
