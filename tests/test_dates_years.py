"""Years as written: "0001" is a CMS's placeholder, not 2001; an implausible year is no date.

Only a genuine two-digit year ("1/1/24") is read as this century's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syndication.normalize.dates import parse_date, resolve_published

NOW = datetime(2024, 11, 28, 3, 0, tzinfo=UTC)  # 11:00 WITA
FIRST_SEEN = datetime(2024, 11, 28, 2, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        # a broken CMS's placeholder, in every form the module reads
        "1 Januari 0001",
        "Senin, 1 Januari 0001 - 00:00 WIB",
        "1 Januari 0001 10:00 WITA",
        "01-Jan-0001",
        "January 1, 0001",
        "01/01/0001",
        "1.1.0001 10:00",
        "0001/01/01",
        "0001-01-01",
        "0001-01-01T00:00:00Z",
        "0001-01-01 10:00:00",
        # other four-digit years with leading zeros: not 2024, not the year 24
        "1 Januari 0024",
        "Jan 1, 0024 10:00",
        "01/01/0024",
        "0024/01/01",
        "0024-01-01 10:00",
        # years no news story bears
        "1 Januari 1800",
        "31/12/1899 10:00",
        "1899-12-31T10:00:00+08:00",
        "1 Januari 2999",
        "12/05/3024 10:00 WITA",
        "2204/11/18",
        "100000 hari lalu",  # 273 years back
    ],
)
def test_an_implausible_year_is_no_date(text: str) -> None:
    assert parse_date(text, NOW) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # genuine two-digit years stay this century's
        ("1/1/24", utc(2023, 12, 31, 16, 0)),
        ("1/1/24 10:00", utc(2024, 1, 1, 2, 0)),
        ("18-11-24 19:15 WIB", utc(2024, 11, 18, 12, 15)),
        ("1 Jan 24 10:00", utc(2024, 1, 1, 2, 0)),
        ("18 Nov 24, 19:15 WITA", utc(2024, 11, 18, 11, 15)),
        ("1/1/00 10:00", utc(2000, 1, 1, 2, 0)),
        # four-digit years inside the range, as written
        ("12 Mar 1995 10:00 WITA", utc(1995, 3, 12, 2, 0)),
        ("01/01/1900 12:00 UTC", utc(1900, 1, 1, 12, 0)),
        ("31/12/2100 10:00 WITA", utc(2100, 12, 31, 2, 0)),
        ("2024-11-18T19:15:00+08:00", utc(2024, 11, 18, 11, 15)),
        ("5 tahun lalu", NOW - timedelta(days=5 * 365)),
    ],
)
def test_plausible_years_are_read_as_written(text: str, expected: datetime) -> None:
    assert parse_date(text, NOW) == expected


def test_a_placeholder_beside_a_real_date_does_not_hide_it() -> None:
    text = "Diperbarui 1 Januari 0001, terbit 18 November 2024 19:15 WITA"
    assert parse_date(text, NOW) == utc(2024, 11, 18, 11, 15)


@pytest.mark.parametrize(
    "raw",
    ["1 Januari 0001", "Senin, 1 Januari 0001 - 10:00 WITA", "01/01/0001", "1 Januari 0024"],
)
def test_resolve_published_falls_back_on_a_placeholder(raw: str) -> None:
    assert resolve_published(None, raw, NOW, FIRST_SEEN) == FIRST_SEEN


def test_a_placeholder_printed_with_a_label_does_not_beat_the_machine_date() -> None:
    machine = utc(2024, 11, 18, 11, 15)
    assert resolve_published(machine, "1 Januari 0001 10:00 WITA", NOW, FIRST_SEEN) == machine


@pytest.mark.parametrize(
    "machine",
    [
        datetime(1970, 1, 1, tzinfo=UTC),  # the epoch: a zero time
        datetime(1969, 12, 31, 16, 0, tzinfo=UTC),  # "1970-01-01 00:00" read as WITA
        datetime(1970, 1, 1, 23, 59, tzinfo=UTC),
        datetime(1899, 12, 31, tzinfo=UTC),
        datetime(1900, 1, 1, tzinfo=UTC),  # a database's default
        datetime(1901, 12, 13, 20, 45, 52, tzinfo=UTC),  # the least 32-bit Unix time
    ],
)
def test_a_zero_time_in_any_zone_is_no_date(machine: datetime) -> None:
    assert resolve_published(machine, None, NOW, FIRST_SEEN) == FIRST_SEEN


def test_a_date_before_the_epoch_is_the_storys_own() -> None:
    """A story dated 1965 kept its date only up to the epoch's first day: it took the time
    it was first seen instead, and stood at the top of every feed as today's news."""
    old = datetime(1965, 10, 1, 2, 0, tzinfo=UTC)
    assert resolve_published(old, None, NOW, FIRST_SEEN) == old
    printed = resolve_published(None, "Jumat, 1 Oktober 1965 10:00 WITA", NOW, FIRST_SEEN)
    assert printed == old
