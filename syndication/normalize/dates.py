"""Dates as Indonesian portals print them, and as feeds send them, to aware UTC.

Hand-written on purpose: dateparser misses `Jum'at`, `Ags` and `sejam lalu` and is slow, and
feedparser reads `WIB`/`WITA`/`WIT` as UTC. The printed zone label is trusted as printed
(Kaltim portals often print WIB); a string without one is in the source's zone.
Relative forms (`2 jam lalu`, `kemarin 19:15`) are resolved against the `now` handed in.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS: dict[str, int] = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb"), 2),
    **dict.fromkeys(("maret", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "agt", "ags", "agst", "aug"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}
# Hours east of UTC. Indonesian labels first; the US names are RFC 822's own.
ZONES: dict[str, int] = {
    "wib": 7,
    "wita": 8,
    "wit": 9,
    "utc": 0,
    "gmt": 0,
    "ut": 0,
    "z": 0,
    "est": -5,
    "edt": -4,
    "cst": -6,
    "cdt": -5,
    "mst": -7,
    "mdt": -6,
    "pst": -8,
    "pdt": -7,
}
UNITS: dict[str, timedelta] = {
    "detik": timedelta(seconds=1),
    "menit": timedelta(minutes=1),
    "jam": timedelta(hours=1),
    "hari": timedelta(days=1),
    "minggu": timedelta(weeks=1),
    "pekan": timedelta(weeks=1),
    "bulan": timedelta(days=30),
    "tahun": timedelta(days=365),
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
NUMBER_WORDS = {
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
    "sepuluh": 10,
}
_MAX_LEN = 200  # a date line is short; longer input is cut rather than scanned
# The years a news story bears. A four-digit year is read as written, and one outside these is
# no date: "1 Januari 0001" is a broken CMS's placeholder (not 2001), "1899" or "2204" a typo.
# Only a genuine two-digit year ("1/1/24") is taken as this century's. An ISO stamp is
# machine-written and read up to 9999 (a future one fails resolve_published like any other).
FIRST_YEAR = 1900
LAST_PRINTED_YEAR = 2100
_MONTH = r"([a-z]{3,9})\.?"
_NAMED_DMY = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s*[-\s]\s*{_MONTH}\s*[-,\s]\s*(\d{{4}}|\d{{2}}(?![:.]\d))(?!\d)"
)
_NAMED_MDY = re.compile(rf"(?<![a-z]){_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)")
_NUM_YMD = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_NUM_DMY = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)")
_TIME = re.compile(
    r"(?<![\d.:])(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:[.,]\d+)?(?![\d])"
    r"(?:\s*(am|pm|a\.m\.|p\.m\.)(?![a-z])|\s*)"  # a word: "12:15 Amuntai" is no "12:15 AM"
)
_ZONE_WORD = re.compile(r"(?<![a-z])(wita|wib|wit|utc|gmt|ut|z|[ecmp][sd]t)(?![a-z])")
_OFFSET = re.compile(r"(?:(?<=utc)|(?<=gmt)|(?<![\w]))\s*([+-])(\d{1,2})(?::?(\d{2}))?(?!\d)")
_COUNT = r"\d+|se|a|an|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh"
_UNIT = r"detik|menit|jam|hari|minggu|pekan|bulan|tahun|second|minute|hour|day|week"
_AMOUNT = rf"(?<![a-z])(?:{_COUNT})\s*(?:{_UNIT})s?"
_AMOUNT_PART = re.compile(rf"(?<![a-z])({_COUNT})\s*({_UNIT})s?")
# "2 jam lalu", and "1 jam 30 menit lalu" all of it (not its last 30 minutes only)
_RELATIVE = re.compile(rf"((?:{_AMOUNT}\s+(?:dan\s+)?)*{_AMOUNT})\s+(?:yang\s+)?(?:lalu|ago)")
_DAY_WORD = re.compile(r"(?<![a-z])(kemarin dulu|kemarin|hari ini|yesterday|today)(?![a-z])")


def parse_date(text: str, now: datetime, default_tz: str = "Asia/Makassar") -> datetime | None:
    """Parse a printed or machine date; aware UTC, or None when there is no date in it."""
    try:
        return _parse(str(text)[:_MAX_LEN], now, _zone(default_tz))
    except (ValueError, OverflowError, TypeError):
        return None


def resolve_published(
    machine: datetime | None,
    raw: str | None,
    now: datetime,
    first_seen: datetime,
    default_tz: str = "Asia/Makassar",
    skew: timedelta = timedelta(minutes=10),
) -> datetime:
    """The machine date, else the printed one; a missing or future date becomes first_seen,
    and so does a zero time (`0001-01-01T00:00:00Z`, the Unix epoch): no date.

    A raw string carrying WIB/WITA/WIT wins over the machine date: that machine date is
    usually feedparser's reading of the same string with the label taken as UTC.
    """
    limit = now + skew
    machine_utc = _as_utc(machine, default_tz)
    if raw and _has_local_label(raw):
        candidates = [parse_date(raw, now, default_tz), machine_utc]
    elif _usable(machine_utc, limit):
        candidates = [machine_utc]  # the printed date comes second: no need to read it
    else:
        candidates = [parse_date(raw, now, default_tz) if raw else None]
    for candidate in candidates:
        if candidate is not None and _usable(candidate, limit):
            return candidate
    return _as_utc(first_seen, default_tz) or first_seen


# a date within a day of the Unix epoch is a zero time written for "no date" (in any zone:
# "1970-01-01 00:00" read as WITA is 1969-12-31T16:00Z), and so is one before 1902
# ("0001-01-01", "1900-01-01"); an older date than that is the story's own ("1 Oktober
# 1965"): kept, not replaced by the time it was first seen, which put it at the top of every
# feed as news
_ZERO_FROM = datetime(1969, 12, 31, tzinfo=UTC)
_ZERO_UNTIL = datetime(1970, 1, 2, tzinfo=UTC)


def _usable(candidate: datetime | None, limit: datetime) -> bool:
    if candidate is None or candidate > limit or candidate.year < _ZERO_YEARS_UNTIL:
        return False
    return not _ZERO_FROM <= candidate <= _ZERO_UNTIL


# 1900-01-01 (a database's default) and 1901-12-13T20:45:52Z (the least 32-bit Unix time)
# are zero times too: no story of a feed is dated before 1902
_ZERO_YEARS_UNTIL = 1902


def _has_local_label(raw: str) -> bool:
    return re.search(r"(?<![a-z])(wita|wib|wit)(?![a-z])", raw.lower()) is not None


def _as_utc(value: datetime | None, default_tz: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_zone(default_tz))
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01 in a zone east of UTC: no date
        return None


@lru_cache(maxsize=32)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone(timedelta(hours=8), "WITA")  # Kaltim's own zone as the last resort


def _parse(raw: str, now: datetime, local: tzinfo) -> datetime | None:
    text = _normalise(raw)
    if not text:
        return None
    iso = _iso(text, local)
    if iso is not None:
        return iso
    relative = _relative(text, now)
    if relative is None:
        return _absolute(text, now, local)
    # "18 November 2024 19:15 WIB (1 hari yang lalu)": the printed date and time is exact,
    # the relative one rounded (a day, for a story 47 hours old)
    exact = _absolute(text, now, local, timed=True)
    return exact if exact is not None else relative


def _normalise(raw: str) -> str:
    text = raw.strip().lower()
    for quote in ("’", "‘", "`", "´", "ʼ"):
        text = text.replace(quote, "'")
    text = text.replace("jum'at", "jumat").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text)


def _iso(text: str, local: tzinfo) -> datetime | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[t ][\d:.,]+(?:z|[+-]\d{2}:?\d{2})?)?", text):
        return None
    try:
        value = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    if value.year < FIRST_YEAR:  # "0001-01-01T00:00:00Z": a placeholder, no date
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local)
    return value.astimezone(UTC)


def _relative(text: str, now: datetime) -> datetime | None:
    now_utc = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    if re.search(r"(?<![a-z])(baru saja|just now)(?![a-z])", text):
        return now_utc
    match = _RELATIVE.search(text)
    if not match:
        return None
    back = timedelta(0)
    for count_word, unit in _AMOUNT_PART.findall(match.group(1)):
        count = int(count_word) if count_word.isdigit() else NUMBER_WORDS.get(count_word, 1)
        if count > 100_000:
            return None
        back += UNITS[unit] * count
    moment = now_utc - back
    return moment if moment.year >= FIRST_YEAR else None


def _absolute(text: str, now: datetime, local: tzinfo, timed: bool = False) -> datetime | None:
    """The printed date; with `timed`, only a calendar date with its time of day."""
    found = _find_date(text)
    if timed and found is None:
        return None
    day, start, end = found if found is not None else (_day_word(text, now, local), 0, 0)
    if day is None:
        return None
    time_match = _TIME.search(text, end) or _TIME.search(text[:start])
    if time_match is None:
        if found is None or timed:  # "kemarin" with no time names no moment
            return None
        return datetime.combine(day, time(0, 0), local).astimezone(UTC)
    clock = _clock(time_match)
    if clock is None:
        return None
    zone = _zone_after(text, time_match.end()) or local
    return datetime.combine(day, clock).replace(tzinfo=zone).astimezone(UTC)


def _find_date(text: str) -> tuple[date | None, int, int] | None:
    for pattern, order in (
        (_NUM_YMD, "ymd"),
        (_NAMED_DMY, "dMy"),
        (_NAMED_MDY, "Mdy"),
        (_NUM_DMY, "dmy"),
    ):
        # a match that names no date ("05 wita, 06" in "14:05 WITA, 06 Desember 2026") is
        # stepped over by one character, not skipped whole: the date may start inside it
        match = pattern.search(text)
        while match is not None:
            value = _build_date(tuple(g or "" for g in match.groups()), order)
            if value is not None:
                return value, match.start(), match.end()
            match = pattern.search(text, match.start() + 1)
    return None


def _build_date(groups: tuple[str, ...], order: str) -> date | None:
    parts = dict(zip(order, groups, strict=True))
    month_text = parts.get("M")
    month = MONTHS.get(month_text) if month_text else int(parts["m"])
    if month is None:
        return None
    year = int(parts["y"])
    if len(parts["y"]) == 2:  # "1/1/24"; a year written "0024" is not 2024
        year += 2000
    elif not FIRST_YEAR <= year <= LAST_PRINTED_YEAR:
        return None
    try:
        return date(year, month, int(parts["d"]))
    except ValueError:
        return None


def _day_word(text: str, now: datetime, local: tzinfo) -> date | None:
    match = _DAY_WORD.search(text)
    if not match:
        return None
    today = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(local).date()
    back = {"kemarin": 1, "yesterday": 1, "kemarin dulu": 2}.get(match.group(1), 0)
    return today - timedelta(days=back)


def _clock(match: re.Match[str]) -> time | None:
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    half = (match.group(4) or "").replace(".", "")
    if half == "pm" and hour < 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _zone_after(text: str, pos: int) -> tzinfo | None:
    # 24 characters, and the rest of a word they cut: "wita" cut to "wit" was WIT, UTC+9
    cut = _LETTERS.match(text, pos + 24)
    rest = text[pos : cut.end() if cut else pos + 24]
    offset = _OFFSET.match(rest)
    word = _ZONE_WORD.search(rest)
    if word and (offset is None or word.start() < offset.start()):
        hours = ZONES[word.group(1)]
        after = _OFFSET.match(rest, word.end()) if word.group(1) in ("utc", "gmt") else None
        return _fixed(after) if after else timezone(timedelta(hours=hours))
    return _fixed(offset) if offset else None


_LETTERS = re.compile(r"[a-z]*")


def _fixed(match: re.Match[str]) -> tzinfo | None:
    sign = -1 if match.group(1) == "-" else 1
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
