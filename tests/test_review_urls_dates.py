"""Review of canonical URLs and Indonesian dates: defects found by a hostile reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syndication.normalize.dates import parse_date
from syndication.urls import canonical_url, url_key, web_url

NOW = datetime(2024, 11, 20, 12, 0, tzinfo=UTC)


# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # WordPress writes a non-ASCII slug's escapes in lower case; a page or another feed
        # gives the raw text (escaped in upper case by canonical_url) or upper-case escapes
        ("https://e.id/berita/kukar-%c3%a9/", "https://e.id/berita/kukar-é/"),
        ("https://e.id/berita/kukar-%c3%a9/", "https://e.id/berita/kukar-%C3%A9/"),
        ("https://e.id/a%2fb", "https://e.id/a%2Fb"),
        # an unreserved character escaped or not is one character
        ("https://e.id/~kukar/%7Ebupati", "https://e.id/%7ekukar/~bupati"),
        ("https://e.id/berita-%41", "https://e.id/berita-A"),
        # a bare '%' as written, or escaped by another writer
        ("https://e.id/diskon-100%-lulus", "https://e.id/diskon-100%25-lulus"),
        # a doubled slash: a WordPress site address ending in '/'
        ("https://e.id//2024/11/18/kukar/", "https://e.id/2024/11/18/kukar/"),
    ],
)
def test_one_article_in_two_spellings_has_one_key(one: str, other: str) -> None:
    assert url_key(canonical_url(one)) == url_key(canonical_url(other))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # query values in Latin-1 (old PHP portals): invalid UTF-8 must not all become U+FFFD
        ("http://x.id/baca.php?judul=caf%E9", "http://x.id/baca.php?judul=caf%E8"),
        ("http://x.id/baca.php?id=%E9", "http://x.id/baca.php?id=%FF"),
        # case in the path names a different article; an escaped '/' is not a '/'
        ("https://e.id/Berita/A", "https://e.id/berita/a"),
        ("https://e.id/a%2Fb", "https://e.id/a/b"),
        ("https://e.id/a%2541", "https://e.id/a%41"),
    ],
)
def test_two_articles_keep_two_keys(one: str, other: str) -> None:
    assert url_key(canonical_url(one)) != url_key(canonical_url(other))


@pytest.mark.parametrize(
    "url",
    ["https://e.id:99999/a", "https://e.id:65536/a", "https://e.id:-1/a"],
)
def test_a_link_with_an_impossible_port_is_not_published(url: str) -> None:
    assert web_url(canonical_url(url)) == ""


def test_an_idn_host_is_the_host_a_browser_opens() -> None:
    # IDNA 2003 (Python's codec) maps 'ß' to "ss": a link to straße.de went to strasse.de
    assert canonical_url("https://straße.de/x") == "https://xn--strae-oqa.de/x"
    assert url_key("https://straße.de/x") == url_key("https://xn--strae-oqa.de/x")
    assert canonical_url("https://berita.bücher.de/x") == "https://berita.xn--bcher-kva.de/x"


def test_url_key_never_raises_on_a_lone_surrogate() -> None:
    assert url_key("https://e.id/?q=\ud800")


def test_keys_of_common_shapes_are_unchanged() -> None:
    """What stored keys look like for the links feeds commonly give: a change here makes an
    upgraded database see old items as new."""
    assert url_key("https://eksposisi.com/2024/11/18/pjs-bupati-kukar/") == (
        "eksposisi.com/2024/11/18/pjs-bupati-kukar"
    )
    assert url_key("https://e.id/?p=123") == "e.id?p=123"
    assert url_key("https://e.id/berita/kukar-%C3%A9/") == "e.id/berita/kukar-%C3%A9"
    assert url_key("https://e.id/read.php?id=5&q=a%20b") == "e.id/read.php?id=5&q=a+b"
    assert url_key("https://e.id/a?q=%C3%A9") == "e.id/a?q=%C3%A9"


# --- Dates --------------------------------------------------------------------------------


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # a printed date and time beside a rounded relative one: the printed one is exact
        ("Senin, 18 November 2024 - 19:15 WIB | 2 hari lalu", _utc(2024, 11, 18, 12, 15)),
        ("18 November 2024 19:15 WIB (1 hari yang lalu)", _utc(2024, 11, 18, 12, 15)),
        ("1 jam lalu, 18 November 2024 19:15 WIB", _utc(2024, 11, 18, 12, 15)),
        # a date with no time: the relative one is the closer
        ("Update: 2 jam lalu | 18 November 2024", NOW - timedelta(hours=2)),
        # compound relative forms
        ("1 jam 30 menit lalu", NOW - timedelta(hours=1, minutes=30)),
        ("2 hari 3 jam yang lalu", NOW - timedelta(days=2, hours=3)),
        ("sejam 5 menit lalu", NOW - timedelta(hours=1, minutes=5)),
        ("30 menit lalu", NOW - timedelta(minutes=30)),
        # "am"/"pm" only as a word: "12:15 Amuntai" (a town) is no "12:15 AM"
        ("18 Nov 2024 12:15 Amuntai", _utc(2024, 11, 18, 4, 15)),
        ("18 Nov 2024 08:05 PMI Kaltim", _utc(2024, 11, 18, 0, 5)),
        ("18 Nov 2024 7:15 p.m.", _utc(2024, 11, 18, 11, 15)),
        ("18 Nov 2024 7:15 p.m. WIB", _utc(2024, 11, 18, 12, 15)),
        ("18 Nov 2024 12:15 a.m.", _utc(2024, 11, 17, 16, 15)),
        ("18 Nov 2024 07:15 PM", _utc(2024, 11, 18, 11, 15)),
        # a zone label the 24-character window after the time cut in two ("wita" to "wit")
        ("18 Nov 2024 08:05 (redaksi kaltimpost) WITA", _utc(2024, 11, 18, 0, 5)),
        ("18 Nov 2024 08:05 (redaksi kaltimpost) WIT", _utc(2024, 11, 17, 23, 5)),
        # an English ordinal
        ("18th November 2024 19:15", _utc(2024, 11, 18, 11, 15)),
        ("1st Dec 2024", _utc(2024, 11, 30, 16, 0)),
    ],
)
def test_printed_dates(raw: str, expected: datetime) -> None:
    assert parse_date(raw, NOW) == expected


def test_a_password_in_a_link_never_reaches_a_published_link() -> None:
    assert canonical_url("https://user:pw@e.id/a") == "https://e.id/a"
    # unparseable (its port): canonical_url gives it back as given, web_url refuses it
    assert web_url(canonical_url("https://user:pw@e.id:99999/a")) == ""
