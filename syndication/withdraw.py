"""Withdrawn articles: is an article page gone?

A portal that takes an article down answers 404 or 410 on its URL, or redirects it to the home
page. Any other failure (a timeout, a 500, a refused connection) says nothing about the
article and never withdraws it: a portal that is down has not withdrawn its news.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from .errors import FetchError, HTTPStatusError, TooLargeError

GONE_STATUSES = {404: "404 Not Found", 410: "410 Gone"}
# a home page's paths, without a trailing slash (WordPress adds one: "/beranda/")
_HOME_PATHS = {"", "/index.html", "/index.php", "/home", "/beranda"}


class _Page(Protocol):
    @property
    def url(self) -> str: ...


class PageGetter(Protocol):
    async def get(self, url: str, *, accept: str = ...) -> _Page: ...


def gone_status(status: int) -> str | None:
    """The reason an HTTP status withdraws an article, or None."""
    return GONE_STATUSES.get(status)


def redirected_home(article_url: str, final_url: str) -> bool:
    """True when an article URL ended on its site's home page."""
    start, end = urlsplit(article_url), urlsplit(final_url)
    if end.query or _is_home(start.path):
        return False
    if (end.hostname or "").removeprefix("www.") != (start.hostname or "").removeprefix("www."):
        return False
    return _is_home(end.path)


def _is_home(path: str) -> bool:
    return path.lower().rstrip("/") in _HOME_PATHS


async def check_gone(fetcher: PageGetter, url: str, accept: str) -> str | None:
    """Fetch `url` once: the reason it is gone ("410 Gone", "redirected to the home page"),
    or None when it is there or when the answer proves nothing."""
    return (await check_article(fetcher, url, accept)).gone


@dataclass(frozen=True)
class Verdict:
    gone: str | None = None  # why the article is gone
    there: bool = False  # it answered with a page of its own: never checked again
    # neither, for a reason that may pass (a timeout, a refused connection, a 5xx or a 429):
    # worth asking again at the next poll, even one that finds the listing unchanged
    transient: bool = False
    # neither, and asking again will not tell more (a 403 to the bot, another 4xx, a page
    # over the size cap): not checked again, so it never holds the checks of older entries
    # back (the newest unlisted are checked first) nor keeps every poll reading the listing
    final: bool = False


async def check_article(fetcher: PageGetter, url: str, accept: str) -> Verdict:
    """Fetch `url` once: gone (and why), there, or neither (the answer proves nothing)."""
    try:
        page = await fetcher.get(url, accept=accept)
    except HTTPStatusError as e:
        gone = gone_status(e.status)
        transient = e.status >= 500 or e.status == 429
        return Verdict(gone=gone, transient=transient, final=not gone and not transient)
    except TooLargeError:  # a page over the cap is there, and will be as big again
        return Verdict(final=True)
    except FetchError:
        return Verdict(transient=True)
    if redirected_home(url, page.url):
        return Verdict(gone=f"redirected to the home page ({page.url})")
    return Verdict(there=True)
