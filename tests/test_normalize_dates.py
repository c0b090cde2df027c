"""Dates: every format of NOTES.md, zones as printed, machine-date preference, never raising."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syndication.normalize.dates import parse_date, resolve_published

NOW = datetime(2024, 11, 28, 3, 0, tzinfo=UTC)  # 11:00 WITA


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Senin, 18 November 2024 - 19:15 WIB", utc(2024, 11, 18, 12, 15)),
        ("Jum'at, 22 Nopember 2024 | 08:05 WITA", utc(2024, 11, 22, 0, 5)),
        ("Jum’at, 22 Nopember 2024 | 08:05 WITA", utc(2024, 11, 22, 0, 5)),
        ("18/11/2024 19:15", utc(2024, 11, 18, 11, 15)),
        ("03/04/2024 10:00", utc(2024, 4, 3, 2, 0)),  # day first, always
        ("18 Nov 2024, 19:15 WITA", utc(2024, 11, 18, 11, 15)),
        ("Rabu, 27 Nop 2024 08.30 WITA", utc(2024, 11, 27, 0, 30)),
        ("Senin (18/11/2024)", utc(2024, 11, 17, 16, 0)),
        ("2 jam lalu", utc(2024, 11, 28, 1, 0)),
        ("5 menit yang lalu", utc(2024, 11, 28, 2, 55)),
        ("sejam lalu", utc(2024, 11, 28, 2, 0)),
        ("kemarin 19:15", utc(2024, 11, 27, 11, 15)),
        ("Ahad, 3 Agst 2024 7:05 WIT", utc(2024, 8, 2, 22, 5)),
        ("1 Ags 2024 10:00", utc(2024, 8, 1, 2, 0)),
        ("1 Agt 2024 10:00", utc(2024, 8, 1, 2, 0)),
        ("1 Agu 2024 10:00", utc(2024, 8, 1, 2, 0)),
        ("12 Sept 2024 9.15 WITA", utc(2024, 9, 12, 1, 15)),
        ("12 Sep 2024 9.15 WITA", utc(2024, 9, 12, 1, 15)),
        ("5 Peb 2024 10:00 WITA", utc(2024, 2, 5, 2, 0)),
        ("5 Pebruari 2024 10:00 WITA", utc(2024, 2, 5, 2, 0)),
        ("24 Des 2024 10:00 WITA", utc(2024, 12, 24, 2, 0)),
        ("2024-11-18T19:15:00+08:00", utc(2024, 11, 18, 11, 15)),
        ("2024-11-18T11:15:00Z", utc(2024, 11, 18, 11, 15)),
        (
            "2024-11-18T19:15:00.123+08:00",
            utc(2024, 11, 18, 11, 15) + timedelta(microseconds=123000),
        ),
        ("2024-11-18 19:15:00", utc(2024, 11, 18, 11, 15)),
        ("Mon, 18 Nov 2024 19:15:00 +0700", utc(2024, 11, 18, 12, 15)),
        ("Mon, 18 Nov 2024 19:15:00 GMT", utc(2024, 11, 18, 19, 15)),
        ("Mon, 18 Nov 2024 19:15:00 WIB", utc(2024, 11, 18, 12, 15)),
        ("Mon, 18 Nov 2024 19:15:00 WITA", utc(2024, 11, 18, 11, 15)),
        ("Mon, 18 Nov 2024 19:15:00 WIT", utc(2024, 11, 18, 10, 15)),
        ("Nov 18, 2024 7:15 PM", utc(2024, 11, 18, 11, 15)),
    ],
)
def test_formats(text: str, expected: datetime) -> None:
    assert parse_date(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "garbage", "Senin", "32/13/2024", "kemarin", "25:99 WIB"])
def test_no_date_is_none(text: str) -> None:
    assert parse_date(text, NOW) is None


def test_default_zone_is_the_sources() -> None:
    assert parse_date("18/11/2024 19:15", NOW, "Asia/Jakarta") == utc(2024, 11, 18, 12, 15)
    assert parse_date("18/11/2024 19:15 WITA", NOW, "Asia/Jakarta") == utc(2024, 11, 18, 11, 15)


def test_resolve_prefers_machine_but_not_a_misread_wib() -> None:
    first_seen = NOW
    machine = utc(2024, 11, 18, 1, 0)
    assert resolve_published(machine, "2 jam lalu", NOW, first_seen) == machine
    misread = utc(2024, 11, 18, 19, 15)  # feedparser took WIB for UTC
    raw = "Mon, 18 Nov 2024 19:15:00 WIB"
    assert resolve_published(misread, raw, NOW, first_seen) == utc(2024, 11, 18, 12, 15)


def test_resolve_falls_back_to_first_seen() -> None:
    first_seen = utc(2024, 11, 28, 2, 0)
    skew = timedelta(minutes=10)
    future = NOW + timedelta(minutes=11)
    assert resolve_published(future, None, NOW, first_seen, skew=skew) == first_seen
    assert resolve_published(None, "20 Desember 2024 10:00", NOW, first_seen) == first_seen
    assert resolve_published(None, None, NOW, first_seen) == first_seen
    near = NOW + timedelta(minutes=9)
    assert resolve_published(near, None, NOW, first_seen, skew=skew) == near


def test_naive_machine_date_is_local() -> None:
    naive = datetime(2024, 11, 18, 19, 15)
    got = resolve_published(naive, None, NOW, NOW, "Asia/Makassar")
    assert got == utc(2024, 11, 18, 11, 15)


@given(st.text(max_size=300))
def test_parse_date_never_raises(text: str) -> None:
    result = parse_date(text, NOW)
    assert result is None or result.utcoffset() == timedelta(0)


@given(
    st.from_regex(r"[0-9 :./\-+,a-zA-Z()|']{0,60}", fullmatch=True),
    st.sampled_from(["Asia/Makassar", "Asia/Jakarta", "Not/AZone", "UTC"]),
)
def test_parse_date_never_raises_on_date_like(text: str, zone: str) -> None:
    result = parse_date(text, NOW, zone)
    assert result is None or result.tzinfo is not None


@given(st.datetimes(timezones=st.just(timezone(timedelta(hours=8)))))
def test_iso_round_trip(moment: datetime) -> None:
    if moment.year < 1900:
        return
    assert parse_date(moment.isoformat(), NOW) == moment.astimezone(UTC)


def test_a_time_before_the_date_does_not_hide_it() -> None:
    """Review of 2026-12-06: "05 wita, 06" was tried as a day, month and year, and the real
    date starting inside it was never looked at."""
    now = datetime(2026, 12, 7, tzinfo=UTC)
    assert parse_date("14:05 WITA, 06 Desember 2026", now) == datetime(
        2026, 12, 6, 6, 5, tzinfo=UTC
    )
