"""Canonical URLs and the cross-source key."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from syndication.urls import KEY_CHARS, bounded_key, canonical_url, url_key

ARTICLE = "https://eksposisi.com/2024/11/18/pjs-bupati-kukar/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Eksposisi.COM:443/2024/11/18/pjs-bupati-kukar/#respond", ARTICLE),
        (ARTICLE + "?utm_source=fb&utm_medium=social&fbclid=abc&gclid=1&mc_cid=2&_ga=3", ARTICLE),
        (ARTICLE + "?tag_from=wp_nhl_3", ARTICLE),  # detik: the card's place on the page
        # share and ad clicks of Instagram, Facebook, Google, TikTok and X
        (ARTICLE + "?igsh=MXh2&mibextid=Zxz2cZ&srsltid=AfmBOoq&ttclid=E.1&twclid=2-x", ARTICLE),
        (ARTICLE + "?gbraid=0AAAAAD&wbraid=CjkKCQ&p=7", ARTICLE + "?p=7"),
        (ARTICLE + "amp/", ARTICLE),
        (ARTICLE + "amp", ARTICLE),
        (ARTICLE + "?amp=1", ARTICLE),
        (ARTICLE + "?amp", ARTICLE),
        ("https://amp.eksposisi.com/2024/11/18/pjs-bupati-kukar/", ARTICLE),
        (
            "https://eksposisi-com.cdn.ampproject.org/c/s/eksposisi.com/2024/11/18/pjs-bupati-kukar/amp/",
            ARTICLE,
        ),
        ("http://example.com:80/a?p=123&ref=home", "http://example.com/a?p=123"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://berita.bücher.de/x", "https://berita.xn--bcher-kva.de/x"),
        ("https://e.id/berita kukar", "https://e.id/berita%20kukar"),
    ],
)
def test_canonical(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_relative_against_base() -> None:
    assert canonical_url("/a/b/", "https://e.id/x/") == "https://e.id/a/b/"


def test_one_key_for_http_https_amp_www_and_slash() -> None:
    variants = [
        ARTICLE,
        "http://eksposisi.com/2024/11/18/pjs-bupati-kukar",
        "https://www.eksposisi.com/2024/11/18/pjs-bupati-kukar/amp/",
        ARTICLE + "?utm_campaign=x",
    ]
    assert len({url_key(v) for v in variants}) == 1
    assert url_key(ARTICLE) == "eksposisi.com/2024/11/18/pjs-bupati-kukar"
    assert url_key("https://e.id/?p=2&b=1") == url_key("https://e.id/?b=1&p=2")
    assert url_key("https://e.id/?p=2") != url_key("https://e.id/?p=3")


@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=50)))
def test_never_raises(url: str, base: str | None) -> None:
    assert isinstance(canonical_url(url, base), str)
    assert isinstance(url_key(url), str)


def test_a_long_key_is_bounded_by_its_head_and_a_digest_of_the_whole() -> None:
    head = "https://e.id/" + "a" * 600
    one, two = url_key(head + "/satu"), url_key(head + "/dua")
    assert len(one) <= KEY_CHARS and len(two) <= KEY_CHARS
    assert one != two and one[:400] == two[:400]  # same head, different whole
    assert url_key(head + "/satu") == one == bounded_key(one)  # stable, and bounded once only
    short = "portal.test/2024/berita"
    assert bounded_key(short) == short


@given(st.text(min_size=KEY_CHARS - 2, max_size=KEY_CHARS * 3))
def test_a_bounded_key_fits_an_index_row_of_every_database(key: str) -> None:
    # PostgreSQL indexes at most 2,704 bytes of a row, beside a source id of up to 64 bytes
    bounded = bounded_key(key)
    assert len(bounded.encode("utf-8", "surrogatepass")) <= 2704 - 64 - 16
    assert (bounded == key) == (len(key) <= KEY_CHARS)


# What links and bases are made of: enough of the URL grammar that most draws are absolute
# http(s) URLs near the edges of the fast path's pattern (ports, empty queries, ';', '#',
# brackets, user info, upper-case schemes, white space, non-ASCII).
_URL_PART = st.sampled_from(
    [
        "http://", "https://", "HTTP://", "ftp://", "//", "/", "./", "../", "?", "#", ";", ":",
        "@", "[", "]", "::1", "%20", " ", "\t", "\n", "a", "Z", "0", "9", "-", ".", "_", "~",
        "portal.id", "www.portal.id", ":8080", ":", "é", "ß", "\\", "&", "=", "+", "!", "*",
    ]
)  # fmt: skip
_URLISH = st.lists(_URL_PART, max_size=12).map("".join)


@st.composite
def _near_plain(draw: st.DrawFn) -> str:
    """A plain absolute link (the fast path's), sometimes with one part put in anywhere."""
    word = st.text("aZ09-._~%!$&'()*+,=:@/", max_size=8)
    link = (
        draw(st.sampled_from(["http://", "https://"]))
        + draw(st.sampled_from(["portal.id", "a", "p-1.b.id", "1.2.3.4", "x."]))
        + draw(st.sampled_from(["", ":", ":80", ":99999"]))
        + draw(st.sampled_from(["", "/"]))
        + draw(word)
        + draw(st.sampled_from(["", "?", "?a=1", "??", "?" + draw(word)]))
    )
    if draw(st.booleans()):
        at = draw(st.integers(0, len(link)))
        link = link[:at] + draw(_URL_PART) + link[at:]
    return link


_LINK = st.one_of(_URLISH, _near_plain())


@given(_LINK, st.one_of(_URLISH, _near_plain()))
@example("https://portal.id/a;", "https://portal.id/")  # urlunparse drops an empty ';'
@example("https://portal.id/a?", "https://portal.id/")  # and an empty query
@example("https://portal.id/a#", "https://portal.id/")  # and an empty fragment
@example("https://portal.id/a", "http://[::1/")  # a base urljoin refuses
@example("https://user@portal.id/a", "https://portal.id/")
def test_joining_a_link_gives_what_urljoin_gives(link: str, base: str) -> None:
    """canonical_url joins a link to its base without urljoin where urljoin returns the link
    as it is: the same URL, or the same error, for every link and base."""
    from urllib.parse import urljoin

    from syndication.urls import _joined

    def outcome(join: object) -> tuple[str, str]:
        try:
            return "ok", join(base, link)  # type: ignore[operator]
        except (ValueError, UnicodeError) as e:
            return "error", type(e).__name__

    assert outcome(_joined) == outcome(urljoin)


@pytest.mark.parametrize(
    "link",
    [
        "https://portal.id/2024/11/18/kukar/",
        "http://portal.id:8080/a/b?p=1&q=2",
        "https://portal.id",
        "https://portal.id:/x",
    ],
)
def test_a_plain_absolute_link_takes_the_fast_path(link: str) -> None:
    """The cases above would hold with no fast path at all: these are the links it is for."""
    from syndication.urls import _JOINED_AS_IS

    assert _JOINED_AS_IS.fullmatch(link)
