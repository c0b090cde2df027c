"""Canonical article URLs and the cross-source duplicate key.

canonical_url() keeps a URL a reader can still click (scheme, path slash as published);
url_key() is the comparison form: scheme-less, www-less, AMP-less, slash-less, sorted query.
Both are pure and never raise: an unparseable URL comes back stripped, as given.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track a click or pick a rendering; they never name an article.
_DROP_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "amp",
        "outputtype",
        "output_type",
        "spm",
        "share",
        "s_cid",
        "cmpid",
        "mkt_tok",
        "wt.mc_id",
    }
)
_DROP_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_AMP_CACHE = re.compile(r"^/[cv]/(?:(s)/)?([^/]+)(/.*)?$")
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"


def canonical_url(url: str, base: str | None = None) -> str:
    """The article's URL without tracking, AMP variants, default ports or fragment."""
    text = (url or "").strip()
    try:
        if base:
            text = urljoin(base.strip(), text)
        return _canonical(text)
    except (ValueError, UnicodeError):
        return text


def web_url(url: str) -> str:
    """`url` when a reader can open it (http or https with a host), else "": a feed's
    `javascript:` or relative-without-base link must never reach a feed or a chat."""
    try:
        parts = urlsplit(url)
        return url if parts.scheme.lower() in ("http", "https") and parts.hostname else ""
    except ValueError:
        return ""


def url_key(url: str) -> str:
    """A scheme-less key: http/https, www/no-www, AMP and slash variants of one article agree."""
    canon = canonical_url(url)
    try:
        parts = urlsplit(canon)
    except ValueError:
        return canon.lower()
    if not parts.netloc:
        return canon.lower()
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return host + path + (f"?{query}" if query else "")


def _canonical(text: str) -> str:
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return text
    host = _host(parts.hostname)
    path = parts.path
    cache = _unwrap_amp_cache(host, path)
    if cache:
        return _canonical(cache + (f"?{parts.query}" if parts.query else ""))
    host = host.removeprefix("amp.")
    netloc = _netloc(host, scheme, parts.port, parts.username, parts.password)
    path = quote(_drop_amp_path(path) or "/", safe=_SAFE_PATH)
    return urlunsplit((scheme, netloc, path, _clean_query(parts.query), ""))


def _host(hostname: str) -> str:
    host = hostname.lower().rstrip(".")
    if host.isascii():  # the idna codec returns an ASCII host as it is (or refuses it)
        return host
    try:
        # IDN: one spelling (punycode) so a Unicode and an ASCII host compare equal
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _netloc(host: str, scheme: str, port: int | None, user: str | None, pw: str | None) -> str:
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    if user:
        netloc = f"{user}{':' + pw if pw else ''}@{netloc}"
    return netloc


def _unwrap_amp_cache(host: str, path: str) -> str | None:
    """Google's AMP cache: example-com.cdn.ampproject.org/c/s/example.com/path -> the origin."""
    if not host.endswith(".cdn.ampproject.org"):
        return None
    match = _AMP_CACHE.match(path)
    if not match:
        return None
    scheme = "https" if match.group(1) else "http"
    return f"{scheme}://{match.group(2)}{match.group(3) or '/'}"


def _drop_amp_path(path: str) -> str:
    """/slug/amp/, /slug/amp, /amp/slug/ and /slug.amp(.html) all mean /slug/..."""
    segments = path.split("/")
    trailing = path.endswith("/")
    inner = [s for s in segments if s]
    changed = False
    if inner and inner[-1].lower() == "amp":
        inner, changed, trailing = inner[:-1], True, True
    if inner and inner[0].lower() == "amp":
        inner, changed = inner[1:], True
    if inner and re.search(r"\.amp(\.html?)?$", inner[-1], re.IGNORECASE):
        inner[-1] = re.sub(r"\.amp(?=\.html?$|$)", "", inner[-1], flags=re.IGNORECASE)
        changed = True
    if not changed:
        return path
    rebuilt = "/" + "/".join(inner)
    # WordPress permalinks end in a slash; keep one when the AMP form had it
    return rebuilt + "/" if trailing and inner else rebuilt


def _clean_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not _tracking(k)]
    return urlencode(kept, safe="/:,@")


def _tracking(name: str) -> bool:
    low = name.lower()
    return low in _DROP_PARAMS or low.startswith(_DROP_PREFIXES)
