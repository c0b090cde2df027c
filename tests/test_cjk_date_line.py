"""A date line printed the Chinese or Japanese way, its time right after the day
("2024年04月24日23:52", People's Daily) or in hours and minutes ("21時37分"): the story
is dated by it. It was read as "2024-04-2423:52", no date at all, and the story took the
time it was first seen: a two-year-old article published as news of the day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syndication.normalize.dates import parse_date
from syndication.sources.html import extract_article
from syndication.sources.html_meta import readable_date

NOW = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "zone", "when"),
    [
        ("2024年04月24日23:52 | 来源：新华网", "Asia/Shanghai", datetime(2024, 4, 24, 15, 52)),
        ("2025年1月13日 21時37分", "Asia/Tokyo", datetime(2025, 1, 13, 12, 37)),
        ("2025年1月13日21时37分", "Asia/Shanghai", datetime(2025, 1, 13, 13, 37)),
        ("2018年6月18日 10:01", "Asia/Tokyo", datetime(2018, 6, 18, 1, 1)),
    ],
)
def test_a_cjk_date_line_reads_as_its_date_and_time(line: str, zone: str, when: datetime) -> None:
    assert parse_date(readable_date(line), NOW, zone) == when.replace(tzinfo=UTC)


def test_a_page_dated_only_by_such_a_line_takes_its_time() -> None:
    body = "".join(
        f"<p>新华社北京4月24日电 第{n}段，首届中国－拉美和加勒比国家航天合作论坛在武汉开幕。</p>"
        for n in range(6)
    )
    page = f"""<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">
<title>促进航天技术更好惠及人民--人民网</title><meta name="publishdate" content="2024-04-24">
</head><body><div class="main"><h1>促进航天技术更好惠及人民</h1>
<div class="col-1-1">2024年04月24日23:52 | 来源：<a href="http://www.news.cn/">新华网</a></div>
<div class="rm_txt_con">{body}</div></div></body></html>"""
    url = "http://politics.people.com.cn/n1/2024/0424/c1024-40223493.html"
    entry = extract_article(page, url, source_id="people")
    raw = getattr(entry, "published_raw", None)
    published = getattr(entry, "published", None)
    got = published or parse_date(raw or "", NOW, "Asia/Shanghai")
    assert got == datetime(2024, 4, 24, 15, 52, tzinfo=UTC), (raw, published)
