"""Look at a portal before adding it: feeds, the WordPress API, listing links, sample articles.

    fetch page | autodiscover feeds | try feeds and /feed/ | try /wp-json/wp/v2/posts
               | extract listing links | fetch and extract `sample` articles | report

`format_report` prints what was found and a `[[sources]]` block ready for config.toml: kind
"feed" when a feed answered with a parseable feed, else "html" on the probed page.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx
from selectolax.lexbor import LexborHTMLParser

from syndication.errors import ParseError
from syndication.probe_hints import content_selector, link_selector
from syndication.sources.feed import feedparse
from syndication.sources.html import (
    Article,
    FeedDiscovery,
    NotArticle,
    Selectors,
    extract_links,
    find_feed_links,
    read_article,
)
from syndication.types import RawEntry
from syndication.urls import query_secrets, userinfo

# Host endings dropped from a suggested source id: `eksposisi.com` -> `eksposisi`.
_HOST_SUFFIXES = (
    ".co.id", ".go.id", ".or.id", ".web.id", ".my.id", ".ac.id", ".sch.id", ".biz.id",
    ".com", ".id", ".net", ".org", ".news", ".info", ".co", ".example", ".test",
)  # fmt: skip
_MAX_FEED_CHECKS = 3
_MAX_LINKS_SHOWN = 10
# what one answer may cost, as the service's own fetcher bounds it ([fetch] max_body and
# total_timeout's defaults): httpx alone reads any body whole and has no limit for a whole
# answer (its read timeout starts again with every byte a trickling server sends)
MAX_BODY = 8 * 2**20
TOTAL_TIMEOUT = 60.0
# json.loads of hostile nesting raises RecursionError, not ValueError
_NOT_JSON = (ValueError, RecursionError)


@dataclass(frozen=True)
class Check:
    """One URL the probe tried: did it answer with what it should?"""

    url: str
    status: int | None
    ok: bool
    note: str


@dataclass(frozen=True)
class Sample:
    url: str
    result: Article | NotArticle | None
    error: str | None = None
    content_hint: str | None = None  # where the story seems to be, when none was extracted


@dataclass(frozen=True)
class ProbeReport:
    url: str
    page: Check
    site_name: str | None = None
    discovery: FeedDiscovery = field(default_factory=FeedDiscovery)
    feeds: tuple[Check, ...] = ()
    wp_api: Check | None = None
    links: tuple[str, ...] = ()
    samples: tuple[Sample, ...] = ()
    selectors: Selectors | None = None
    link_hint: str | None = None  # where headline links seem to be, when none were found

    @property
    def articles(self) -> int:
        return sum(isinstance(s.result, Article) for s in self.samples)

    @property
    def working_feed(self) -> str | None:
        return next((c.url for c in self.feeds if c.ok), None)

    @property
    def kind(self) -> str:
        return "feed" if self.working_feed else "html"

    @property
    def source_url(self) -> str:
        return self.working_feed or self.page.url

    @property
    def source_id(self) -> str:
        return source_id_for(self.page.url)


@dataclass(frozen=True)
class _Caps:
    max_body: int
    total: float


async def probe(
    url: str,
    client: httpx.AsyncClient,
    sample: int = 5,
    *,
    selectors: Selectors | None = None,
    max_body: int = MAX_BODY,
    total_timeout: float = TOTAL_TIMEOUT,
) -> ProbeReport:
    """Probe one site. Network trouble becomes part of the report, never an exception; no
    answer is read past `max_body` bytes or waited for longer than `total_timeout` seconds."""
    caps = _Caps(max_body, total_timeout)
    response, page = await _get(client, url, caps)
    if response is None or not page.ok:
        return ProbeReport(url, page, selectors=selectors)
    if _parse_feed(response)[0]:  # the URL given is itself a feed
        return ProbeReport(url, page, feeds=(page,), selectors=selectors)
    html, base = response.text, str(response.url)
    discovery = find_feed_links(html, base)
    feeds = await _check_feeds(client, discovery, base, caps)
    api = await _check_api(client, discovery, base, caps)
    links = extract_links(html, base, selectors)
    samples = await asyncio.gather(
        *(_sample(client, link, selectors, source_id_for(base), caps) for link in links[:sample])
    )
    site = _site_name(html)
    hint = link_selector(html, base) if not links else None
    return ProbeReport(
        url, page, site, discovery, feeds, api, tuple(links), tuple(samples), selectors, hint
    )


async def _get(
    client: httpx.AsyncClient, url: str, caps: _Caps
) -> tuple[httpx.Response | None, Check]:
    try:
        async with asyncio.timeout(caps.total):
            response = await _read(client, url, caps.max_body)
    except TimeoutError:
        return None, Check(url, None, False, f"no complete answer within {caps.total:g}s")
    except _TooLarge as e:
        return None, Check(e.url, e.status, False, f"too large: more than {caps.max_body} bytes")
    except httpx.HTTPError as e:
        return None, Check(url, None, False, f"{type(e).__name__}: {e}")
    except (httpx.InvalidURL, ValueError, UnicodeError) as e:
        # not an HTTPError: a URL httpx cannot parse, such as "http://[::1"; its words may
        # quote a piece of a password ("u:pass/word@host": "Invalid port: 'pass'")
        why = "the URL cannot be read" if userinfo(url) else str(e)
        return None, Check(url, None, False, f"{type(e).__name__}: {why}")
    final = str(response.url)
    ok = response.status_code == 200
    return response, Check(final, response.status_code, ok, "ok" if ok else "HTTP error")


class _TooLarge(Exception):
    def __init__(self, url: str, status: int) -> None:
        self.url, self.status = url, status


async def _read(client: httpx.AsyncClient, url: str, max_body: int) -> httpx.Response:
    """GET `url`, its body read only up to `max_body` bytes (_TooLarge past that)."""
    async with client.stream("GET", url, follow_redirects=True) as streamed:
        final, status = str(streamed.url), streamed.status_code
        declared = streamed.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body:
            raise _TooLarge(final, status)
        body = bytearray()
        async for chunk in streamed.aiter_bytes():  # decoded: a gzip bomb counts as it grows
            body += chunk
            if len(body) > max_body:
                raise _TooLarge(final, status)
    # the body as read (decoded already: no Content-Encoding to undo twice)
    headers = [
        (k, v)
        for k, v in streamed.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(status, headers=headers, content=bytes(body), request=streamed.request)


def _parse_feed(response: httpx.Response) -> tuple[bool, str]:
    """Whether a response body is a feed (RSS, Atom, RDF, JSON Feed), and what kind."""
    ctype = response.headers.get("content-type", "").lower()
    if "json" in ctype:
        try:
            data = json.loads(response.content)
        except _NOT_JSON:
            return False, "not JSON"
        version = data.get("version", "") if isinstance(data, dict) else ""
        ok = isinstance(version, str) and version.startswith("https://jsonfeed.org/version/")
        items = data.get("items") if ok else None
        count = len(items) if isinstance(items, list) else 0
        return ok, f"JSON Feed, {count} items" if ok else "JSON, not a feed"
    if "html" in ctype:
        return False, "an HTML page, not a feed"
    try:
        parsed = feedparse(response.content, {"content-type": ctype or "application/xml"})
    except ParseError as e:  # past the bounds the service reads a feed within
        return False, str(e).partition("malformed feed: ")[2] or str(e)
    version = str(parsed.get("version") or "")
    if not version:
        return False, "not a feed"
    return True, f"{version}, {len(parsed.entries)} entries"


async def _check_feeds(
    client: httpx.AsyncClient, discovery: FeedDiscovery, base: str, caps: _Caps
) -> tuple[Check, ...]:
    candidates = [f.url for f in discovery.feeds if not f.is_comments]
    candidates.append(urljoin(base, "/feed/"))
    unique = list(dict.fromkeys(candidates))[:_MAX_FEED_CHECKS]
    return tuple(await asyncio.gather(*(_check_feed(client, u, caps) for u in unique)))


async def _check_feed(client: httpx.AsyncClient, url: str, caps: _Caps) -> Check:
    response, check = await _get(client, url, caps)
    if response is None or not check.ok:
        return Check(url, check.status, False, check.note)
    ok, note = _parse_feed(response)
    return Check(url, check.status, ok, note)


async def _check_api(
    client: httpx.AsyncClient, discovery: FeedDiscovery, base: str, caps: _Caps
) -> Check:
    root = discovery.wp_api or urljoin(base, "/wp-json/")
    url = urljoin(root if root.endswith("/") else root + "/", "wp/v2/posts?per_page=1")
    response, check = await _get(client, url, caps)
    if response is None or not check.ok:
        return Check(url, check.status, False, check.note)
    try:
        ok = isinstance(json.loads(response.content), list)
    except _NOT_JSON:
        ok = False
    return Check(url, check.status, ok, "posts endpoint answers" if ok else "not a post list")


async def _sample(
    client: httpx.AsyncClient, url: str, selectors: Selectors | None, source_id: str, caps: _Caps
) -> Sample:
    response, check = await _get(client, url, caps)
    if response is None or not check.ok:
        return Sample(url, None, f"{check.status or ''} {check.note}".strip())
    result = read_article(response.text, str(response.url), selectors, source_id=source_id)
    hint = content_selector(response.text) if isinstance(result, NotArticle) else None
    return Sample(url, result, content_hint=hint)


def _site_name(html: str) -> str | None:
    node = LexborHTMLParser(html).css_first('meta[property="og:site_name"]')
    name = (node.attributes.get("content") or "").strip() if node is not None else ""
    return name or None


def source_id_for(url: str) -> str:
    """A config id from the host: `https://www.eksposisi.com/x` -> `eksposisi`; a site on this
    machine (127.0.0.1, localhost) has no name in its host, so its path or port names it."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if _is_loopback(host):
        return _slug(parts.path) or f"local-{parts.port or 80}"
    for suffix in _HOST_SUFFIXES:
        if host.endswith(suffix) and len(host) > len(suffix):
            host = host[: -len(suffix)]
            break
    return _slug(host) or "site"


def _slug(text: str) -> str:
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in text.lower())
    return "-".join(part for part in slug.split("-") if part)


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "::1") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- the report ------------------------------------------------------------------------------


def format_report(
    report: ProbeReport, normalize: Callable[[RawEntry], object] | None = None
) -> str:
    """What the probe found, sample items, and a `[[sources]]` block for config.toml."""
    lines = [f"Probe of {report.url}", _check_line("page", report.page)]
    if not report.page.ok:
        text = "\n".join([*lines, "", "Nothing more to see: the page did not load."])
        return hide_secrets(text, report.url)
    if report.site_name:
        lines.append(f"  site name: {report.site_name}")
    lines += _discovery_lines(report)
    lines += _link_lines(report)
    lines += _sample_lines(report, normalize)
    lines += _warning_lines(report)
    lines += ["", "Suggested config (paste into config.toml):", "", toml_block(report)]
    text = "\n".join(lines)
    shown = hide_secrets(text, report.url)
    if shown != text:
        shown += "\n# the password or token of the URL is shown as ***: write it back in url"
    return shown


def hide_secrets(text: str, url: str) -> str:
    """`text` without the password and the credential-like query values (?token=...) of
    `url`, the URL the admin gave: every URL the probe derives from it carries them too, and
    a report is made to be pasted into an issue or a chat."""
    secret = userinfo(url)
    if secret:
        user, colon, _ = secret.partition(":")
        try:  # as httpx writes it in the URLs it answers: "p@ss word" is "p%40ss%20word"
            written = {secret, httpx.URL(url).userinfo.decode("ascii")}
        except (httpx.InvalidURL, UnicodeError, ValueError):
            written = {secret}
        for one in written:
            text = text.replace(one + "@", f"{user}:***@" if colon else "***@")
    for value in query_secrets(url):
        text = text.replace("=" + value, "=***")
    return text


def _check_line(label: str, check: Check) -> str:
    verdict = "ok" if check.ok else "FAILED"
    return f"  {label}: {check.url} -> {check.status or '-'} {verdict} ({check.note})"


def _discovery_lines(report: ProbeReport) -> list[str]:
    lines = ["", "Feeds announced by the page:"]
    lines += [f"  - {f.url} [{f.type}] {f.title or ''}".rstrip() for f in report.discovery.feeds]
    if not report.discovery.feeds:
        lines.append("  (none)")
    lines.append(f"  WordPress API announced: {report.discovery.wp_api or 'no'}")
    lines += ["", "Feeds tried:"] + [_check_line("feed", c) for c in report.feeds]
    if report.wp_api is not None:
        lines.append(_check_line("wp-json", report.wp_api))
    return lines


def _link_lines(report: ProbeReport) -> list[str]:
    lines = ["", f"Listing: {len(report.links)} article links"]
    lines += [f"  - {link}" for link in report.links[:_MAX_LINKS_SHOWN]]
    if len(report.links) > _MAX_LINKS_SHOWN:
        lines.append(f"  ... and {len(report.links) - _MAX_LINKS_SHOWN} more")
    return lines


def _sample_lines(report: ProbeReport, normalize: Callable[[RawEntry], object] | None) -> list[str]:
    lines = ["", f"Sample articles ({len(report.samples)}):"]
    for n, sample in enumerate(report.samples, 1):
        lines.append(f"  [{n}] {sample.url}")
        if sample.error is not None or sample.result is None:
            lines.append(f"      fetch failed: {sample.error}")
        elif isinstance(sample.result, NotArticle):
            lines.append(f"      not an article: {sample.result.reason}")
        else:
            lines += _entry_lines(sample.result, normalize)
    return lines


def _entry_lines(article: Article, normalize: Callable[[RawEntry], object] | None) -> list[str]:
    entry = article.entry
    when = _published(entry)
    published = when.isoformat() if when else "-"
    lines = [
        f"      title: {entry.title}",
        f"      published: {published}  (as printed: {entry.published_raw or '-'})",
        f"      labels: {', '.join(entry.labels) or '-'}   tags: {', '.join(entry.tags) or '-'}",
        f"      author: {entry.author or '-'}   image: {entry.image or '-'}",
        f"      body: {_first_words(entry.content_html)}",
        f"      read by: {article.provenance()}",
    ]
    if normalize is not None:
        try:
            item = normalize(entry)
        except Exception as e:  # a probe shows the failure; it must not die of it
            return [*lines, f"      normalized: failed ({type(e).__name__}: {e})"]
        cats = ", ".join(getattr(item, "categories", ()) or ()) or "-"
        regs = ", ".join(getattr(item, "regencies", ()) or ()) or "-"
        lines.append(f"      normalized: categories {cats}; regencies {regs}")
    return lines


def _published(entry: RawEntry) -> datetime | None:
    """The page's machine-readable date, else the printed date line read as ingest reads it
    (normalize's parser, WITA by default); None when the page gives no date it can read."""
    if entry.published is not None or not entry.published_raw:
        return entry.published
    from .normalize.dates import resolve_published

    when = resolve_published(None, entry.published_raw, datetime.now(UTC), _NO_DATE)
    return None if when == _NO_DATE else when


_NO_DATE = datetime(1, 1, 1, tzinfo=UTC)  # resolve_published's answer when nothing was usable


def _first_words(html: str | None, words: int = 30) -> str:
    body = LexborHTMLParser(html).body if html else None
    text = body.text(deep=True, separator=" ", strip=True) if body is not None else ""
    found = text.split()
    if not found:
        return "(empty)"
    more = " …" if len(found) > words else ""
    return f"{len(found)} words: {' '.join(found[:words])}{more}"


def _warning_lines(report: ProbeReport) -> list[str]:
    """No sample article: say so, and where the links or the story seem to be."""
    if report.kind == "feed" or report.articles:
        return []
    if not report.links:
        lines = ["", "WARNING: no article links found on the page with the default rules."]
        if report.link_hint:
            lines.append(f"  try: [sources.selectors] link = {_toml_str(report.link_hint)}")
        return lines
    lines = ["", f"WARNING: none of the {len(report.samples)} sample links gave an article."]
    hints = [s.content_hint for s in report.samples if s.content_hint]
    if hints:
        best = max(set(hints), key=hints.count)
        lines.append(
            f"  the story seems to be in {best!r}: try [sources.selectors] content = "
            f"{_toml_str(best)}"
        )
    else:
        lines.append(
            "  no block of text stands out: check that the links lead to articles,"
            " or set [sources.selectors] link"
        )
    return lines


def _toml_str(value: str) -> str:
    # JSON's escaped ASCII strings are valid TOML basic strings
    return json.dumps(value, ensure_ascii=True)


def toml_block(report: ProbeReport) -> str:
    lines = ["[[sources]]", f"id = {_toml_str(report.source_id)}"]
    if report.site_name:
        lines.append(f"name = {_toml_str(report.site_name)}")
    lines += [
        f"url = {_toml_str(report.source_url)}",
        f"kind = {_toml_str(report.kind)}",
        'interval = "5m"',
    ]
    chosen = report.selectors
    if report.kind == "html" and chosen is not None and chosen != Selectors():
        lines += ["", "[sources.selectors]"]
        for f in fields(chosen):
            value = getattr(chosen, f.name)
            if value is not None:
                lines.append(f"{f.name} = {_toml_str(value)}")
    return "\n".join(lines)
