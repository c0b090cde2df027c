"""Canonical article URLs and the cross-source duplicate key.

canonical_url() keeps a URL a reader can still click (scheme, path slash as published);
url_key() is the comparison form: scheme-less, www-less, AMP-less, slash-less, sorted query.
Both are pure and never raise: an unparseable URL comes back stripped, as given.
bounded_key() keeps every key the store indexes within what every database can index.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track a click or pick a rendering; they never name an article.
_DROP_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "igsh",  # Instagram's share link since 2023
        "mibextid",  # Facebook's mobile share button
        "srsltid",  # Google Search and Shopping, on links to a site since 2023
        "ttclid",  # TikTok's ads
        "twclid",  # X's ads
        "gbraid",  # Google's ads on iOS
        "wbraid",
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
        # Indonesian portals: where on the page a link was clicked (detik's tag_from=wp_nhl_3
        # changes with the card's position, so one story had a new URL on every poll)
        "tag_from",
        "page_from",
        "_gid",
    }
)
_DROP_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_AMP_CACHE = re.compile(r"^/[cv]/(?:(s)/)?([^/]+)(/.*)?$")
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = "!$&'()*+,;=:@/?%-._~"
_AMP_UNWRAPS = 3  # an AMP cache URL inside one is unwrapped this many times, no more
# A key (entry key, url_key) longer than this is stored as its head and a digest of the
# whole: PostgreSQL indexes at most 2,704 bytes of a row, and 512 characters are at most
# 2,048 bytes of UTF-8. A guid or link that long is junk or an attack, never an article's name.
KEY_CHARS = 512
_KEY_HEAD = 400
_KEY_MARK = "#sha256:"


def canonical_url(url: str, base: str | None = None) -> str:
    """The article's URL without tracking, AMP variants, default ports or fragment."""
    text = (url or "").strip()
    try:
        if base:
            text = _joined(base.strip(), text)
        return _canonical(text)
    except (ValueError, UnicodeError):
        return text


def joined(base: str, href: str) -> str | None:
    """urljoin(base, href) with `href` stripped; None where urljoin refuses either of them
    (a page's "http://[" link must not fail its whole poll)."""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None


def _joined(base: str, url: str) -> str:
    """urljoin(base, url). An absolute http(s) URL of _JOINED_AS_IS comes back from urljoin
    as it is (urlunparse of its own urlparse): only the base is parsed, as urljoin parses it,
    so that a base urljoin refuses is refused all the same. Most links in feeds are such URLs,
    and the join was a twentieth of normalizing an entry."""
    if not _JOINED_AS_IS.fullmatch(url):
        return urljoin(base, url)
    if base:
        urlsplit(base)  # raises ValueError where urljoin would (a bad port is never read)
    return url


# An http(s) URL with a plain host (and port), no user info, no ';' (urlparse's path
# parameters), no fragment, no empty query, no white space: urljoin returns it unchanged.
_JOINED_AS_IS = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]*)?(?:/[\w/.~%!$&'()*+,=:@-]*)?(?:\?[\w/.~%!$&'()*+,=:@?-]+)?",
    re.ASCII,
)


def web_url(url: str) -> str:
    """`url` when a reader can open it (http or https with a host), else "": a feed's
    `javascript:` or relative-without-base link must never reach a feed or a chat."""
    try:
        parts = urlsplit(url)
        if "@" in parts.netloc or "\\" in parts.netloc:
            return ""  # user info: a browser may open another host than the one named last
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return ""
        _ = parts.port  # raises on a port past 65535: no browser opens such a link
        return url
    except ValueError:
        return ""


_INDEX_FILE = re.compile(r"(?:index|default)\.\w{2,5}", re.IGNORECASE)


def index_file(folder: str) -> bool:
    """Whether a path's last folder is a site's index file (index.php, default.aspx)."""
    return _INDEX_FILE.fullmatch(folder) is not None


def home_page(url: str) -> bool:
    """Whether `url` is a site's home page: no path but "/" or an index file, and no query
    ("/?p=123" is a WordPress post). No story's link: a feed or a template that gives it
    for every story gives them all one URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    path = parts.path.strip("/")
    return not parts.query and (not path or index_file(path))


def bare_host(host: str | None) -> str:
    """A host name in lower case, without "www."."""
    host = (host or "").lower()
    return host[4:] if host.startswith("www.") else host


def site_of(url: str) -> str:
    """The site a URL is on: its bare_host, and its port when it names one ("" for a URL
    urlsplit refuses)."""
    try:
        parts = urlsplit(url.strip())
        host, port = bare_host(parts.hostname), parts.port
    except ValueError:
        return ""
    return f"{host}:{port}" if port is not None else host


def _is_ip(host: str) -> bool:
    return ":" in host or host.replace(".", "").isdigit()


# second-level names under a country's code that registrants sit below ("pemda.go.id")
_SECOND_LEVEL = frozenset({
    "ac", "biz", "co", "com", "desa", "edu", "go", "gov", "mil", "my", "net", "or", "org",
    "ponpes", "sch", "web",
})  # fmt: skip
# hosts that serve many sites, each its own subdomain: "kabarkukar.blogspot.com" is one
_PLATFORMS = frozenset({
    "blogspot.com", "wordpress.com", "github.io", "tumblr.com", "substack.com", "medium.com",
    "netlify.app", "vercel.app", "pages.dev", "web.app", "wixsite.com", "weebly.com",
})  # fmt: skip


def registrable(host: str) -> str:
    """A host name's last two labels, or three under a country's second level
    ("kukarkab.go.id"): the name its owner registered, as far as the name tells. An IP
    address is itself."""
    if _is_ip(host):
        return host
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def domain_of(url: str) -> str:
    """The domain a URL's site belongs to, as far as its name tells: "detik.com" for both
    rss.detik.com and news.detik.com; a blog of a platform its own
    ("kabarkukar.blogspot.com"), an agency's site under a go.id domain its own
    ("diskominfo.kukarkab.go.id"); an IP address with its port as it is (site_of)."""
    site = site_of(url)
    host = site.rsplit(":", 1)[0] if site.count(":") == 1 else site
    if not host or _is_ip(host):
        return site
    labels = host.split(".")
    keep = len(registrable(host).split("."))
    # a blog of a platform, or an agency's site under its government's go.id domain
    # ("diskominfo.kukarkab.go.id" beside "kukarkab.go.id"), is a site of its own
    if ".".join(labels[-keep:]) in _PLATFORMS or host.endswith(".go.id"):
        keep += 1
    return ".".join(labels[-keep:])


# services that serve many portals' feeds, each feed at its own path
_FEED_HOSTS = frozenset({
    "feedburner.com", "feedblitz.com", "google.com", "rss.app", "fetchrss.com", "blogger.com",
    "politepol.com", "feed43.com", "rssground.com",
})  # fmt: skip


def portal_of(feed_url: str) -> str:
    """The portal a feed's URL stands for: its domain (domain_of), or on a service serving
    many portals' feeds the service and the feed's path ("feedburner.com/kabarkukar",
    "blogger.com/feeds/1111/posts/default"): each such feed is a portal of its own."""
    domain = domain_of(feed_url)
    if domain not in _FEED_HOSTS:
        return domain
    try:
        path = urlsplit(feed_url.strip()).path.strip("/").lower()
    except ValueError:
        path = ""
    return f"{domain}/{path}"


def url_key(url: str) -> str:
    """A scheme-less key: http/https, www/no-www, AMP, slash and index-file ("/index.html")
    variants of one article agree."""
    canon = (
        url if _PLAIN_CANONICAL.fullmatch(url) and "amp" not in url.lower() else canonical_url(url)
    )
    try:
        parts = urlsplit(canon)
    except ValueError:
        return bounded_key(canon.lower())
    if not parts.netloc:
        return bounded_key(canon.lower())
    host = parts.netloc.removeprefix("www.")
    path = _key_path(parts.path).rstrip("/")
    folder, _, last = path.rpartition("/")
    if not parts.query and last and index_file(last):
        path = folder  # "/a/u7/index.html" is the page of "/a/u7/"
    try:
        # bytes that are no UTF-8 (a Latin-1 "?judul=caf%E9") kept as they are: decoded to
        # U+FFFD, every such article of a portal had one key, and all but one were lost
        pairs = parse_qsl(parts.query, keep_blank_values=True, errors="surrogateescape")
        query = urlencode(sorted(pairs), errors="surrogateescape")
    except UnicodeError:  # a lone surrogate in the query: no URL, but a key all the same
        query = parts.query
    return bounded_key(host + path + (f"?{query}" if query else ""))


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})?")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _key_path(path: str) -> str:
    """The path as url_key compares it: one spelling of each escape (upper-case hex, an
    unreserved character unescaped, a bare '%' escaped: WordPress writes a non-ASCII slug's
    escapes in lower case, canonical_url a raw one's in upper case) and no empty segment
    (a site address ending in '/' gives "//2024/..."). Paths without either are as given."""
    if "%" in path:
        path = _ESCAPE.sub(_one_escape, path)
    return re.sub(r"//+", "/", path) if "//" in path else path


def _one_escape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code is None:
        return "%25"
    char = chr(int(code, 16))
    return char if char in _UNRESERVED else f"%{code.upper()}"


# A URL that canonical_url leaves as it is: a lower-case host without a trailing dot, no
# port, no query, a path of characters it never escapes, nothing AMP-like to unwrap or strip.
# Most canonical links of stories are such URLs, and url_key need not canonicalise them again.
_PLAIN_CANONICAL = re.compile(r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*/[A-Za-z0-9/._~-]*")


def bounded_key(key: str) -> str:
    """`key` as it is, or past KEY_CHARS its head and a digest of all of it: the same long
    key always gives the same bounded one, and two long keys with one head still differ."""
    if len(key) <= KEY_CHARS:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{key[:_KEY_HEAD]}{_KEY_MARK}{digest}"


def _canonical(text: str) -> str:
    # a loop, bounded: a link wrapping the cache in itself 1,200 times was a RecursionError;
    # past the bound the last form is canonicalised as it is
    for unwraps in range(_AMP_UNWRAPS + 1):
        text = _as_browser(text)
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return text
        host = _host(parts.hostname)
        cache = _unwrap_amp_cache(host, parts.path) if unwraps < _AMP_UNWRAPS else None
        if not cache:
            break
        text = cache + (f"?{parts.query}" if parts.query else "")
    host = host.removeprefix("amp.")
    # no user or password: a news link never has one
    netloc = _netloc(host, scheme, parts.port)
    path = quote(_drop_amp_path(parts.path) or "/", safe=_SAFE_PATH)
    return urlunsplit((scheme, netloc, path, _clean_query(parts.query), ""))


def _as_browser(text: str) -> str:
    """An http(s) URL read as a browser reads it: a backslash before the query is a slash
    (`https://portal.id\\berita\\123` opens /berita/123; `http://evil.example\\@portal.id/`
    opens evil.example, whatever urlsplit and httpx make of it)."""
    head, sep, query = text.partition("?")
    if "\\" not in head or not head[:6].lower().startswith(("http:", "https:")):
        return text
    return head.replace("\\", "/") + sep + query


def _host(hostname: str) -> str:
    host = hostname.lower().rstrip(".")
    if host.isascii():  # the idna codec returns an ASCII host as it is (or refuses it)
        return host
    try:
        if _DEVIATIONS.intersection(host):
            # IDNA 2003 (Python's codec) maps 'ß' to "ss" and drops a joiner: straße.de
            # became strasse.de, another host than the one a browser opens (UTS 46)
            import idna  # here: httpx's own dependency, for the rare host that needs it

            return idna.encode(host, uts46=True).decode("ascii")
        # IDN: one spelling (punycode) so a Unicode and an ASCII host compare equal
        return host.encode("idna").decode("ascii")
    except (UnicodeError, ImportError):  # a host no IDNA spells: kept as written
        return host


# the characters IDNA 2003 and 2008 (browsers) map differently
_DEVIATIONS = frozenset("ßς\u200c\u200d")


def _netloc(host: str, scheme: str, port: int | None) -> str:
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
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
    """The query as the portal wrote it, less its tracking parameters: the pieces kept are
    never decoded and encoded again (`?12345`, `?q=caf%E9` and `?x=1;y=2` are what some
    portals read raw)."""
    if not query:
        return ""
    # "&amp;" is an "&" a feed escaped twice ("?utm_source=rss&amp;utm_medium=feed"): the
    # "amp;" is no part of the next parameter's name, which may be tracking
    pieces = [p.removeprefix("amp;") for p in query.split("&")]
    kept = [p for p in pieces if p and not _tracking(_piece_name(p))]
    # what a URL may not hold is escaped (a space, a quote, non-ASCII), what it may is left
    # as written: "%E9", ";" and a bare "?12345" stay
    return quote("&".join(kept), safe=_SAFE_QUERY)


def _piece_name(piece: str) -> str:
    return unquote_plus(piece.partition("=")[0])


def _tracking(name: str) -> bool:
    low = name.lower()
    return low in _DROP_PARAMS or low.startswith(_DROP_PREFIXES)


def userinfo(url: str) -> str | None:
    """The user information of `url` as written in it (between "//" and the "@" that ends
    it, where a password may hold "@", "/" or spaces), or None."""
    start = url.find("//") + 2
    if start < 2 or "@" not in url:
        return None
    import httpx  # here: the workers that canonicalise links never need it

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, UnicodeError, ValueError):  # such as a "/" in the password
        end = url.rfind("@")
        return url[start:end] or None if end > start else None
    if not parsed.userinfo:
        return None
    rest = url[start:]
    ends = [i for i in (rest.find(c) for c in "/?#") if i >= 0]
    at = rest.rfind("@", 0, min(ends, default=len(rest)))
    return rest[:at] or None if at > 0 else None


def without_userinfo(url: str) -> str:
    """`url` as it may be shown: without its user name and password."""
    secret = userinfo(url)
    return url.replace(secret + "@", "", 1) if secret else url


# a query parameter that carries a credential in a private feed's URL ("?token=...",
# "&api_key=...", "&sig=..."): its value is no more shown than a password. The name is one
# of these words or ends in one after a separator ("access_token"), not merely holds it
# ("author", "keyword" are shown)
_SECRET_PARAM = re.compile(
    r"([?&;](?:[\w.-]*[_.-])?"
    r"(?:token|key|apikey|secret|password|passwd|pass|pwd|auth|sig|signature|session|sid)=)"
    r"([^&#;\s'\"]+)",  # up to the next parameter, or the URL's end in a message
    re.IGNORECASE,
)


def query_secrets(url: str) -> list[str]:
    """The values of `url`'s query parameters that look like credentials."""
    return [m.group(2) for m in _SECRET_PARAM.finditer(url)]


def without_secrets(text: str, url: str) -> str:
    """`text` (an error about `url`: a log line, an alert, /status) with `url`'s user
    information and the values of its query parameters that look like credentials masked."""
    secret = userinfo(url)
    if secret:
        text = text.replace(f"{secret}@", "***@")
        # the password, and each piece of it a parser may quote alone ("Invalid port:
        # 'rahasia'" for "kukar:rahasia#2024@"), wherever the message holds it
        _, _, password = secret.partition(":")
        for piece in {password, *re.split(r"[#?/@]", password)}:
            if len(piece) >= _QUOTED:
                text = text.replace(piece, "***")
    keys = query_secrets(url)
    if keys:
        # a key's value masked where it follows its name (a short one, "?key=5", masked
        # alone was masked in every number of the message), and a long one anywhere (a login
        # redirect repeats it in its return address)
        text = _SECRET_PARAM.sub(r"\1***", text)
        for value in keys:
            if len(value) >= _QUOTED:
                text = text.replace(value, "***")
    return text


_QUOTED = 6  # a secret this long is masked wherever a message repeats it


def shown_url(url: str) -> str:
    """`url` as a page or a log line may show it: without its user information, and with the
    values of query parameters that look like credentials masked."""
    return _SECRET_PARAM.sub(r"\1***", without_userinfo(url))


# An article's number in its address: 5 digits or more, alone ("/12345678/"), after a letter
# prefix ("/d-7123456/", detik), or as the CMS joins a time and a number
# ("/20240501123456-20-1234567/", cnnindonesia); a date folder ("/20240501/") is none
_ARTICLE_NUMBER = re.compile(r"(?:[a-z]{1,3}-)?\d{5,}(?:-\d+)*")
_LEADING_NUMBER = re.compile(r"(\d{6,})-[^/]*[a-z][^/]*")  # "1234567-judul-berita" (viva)
_TRAILING_NUMBER = re.compile(r"[^/]*[a-z][^/]*-(\d{6,})(?:\.[a-z]{2,5})?")  # "judul-123456"


def article_key(key: str) -> str:
    """What of a url_key names the article whatever its slug, when the address holds the
    article's number: "portal.id/berita/12345/judul-lama" and ".../12345/judul-baru" (a
    headline corrected, its slug with it: one article) both give "portal.id/berita/12345/".
    "" when the address has no such number (a slug alone, a date folder, a query)."""
    if "?" in key or _KEY_MARK in key:
        return ""
    host, _, path = key.partition("/")
    parts = path.split("/")
    if not host or len(parts) < 2:
        return ""
    *folders, last = parts
    if not last or not any(ch.isalpha() for ch in last):
        return ""  # no slug: the number is the address itself, already the url_key
    if _ARTICLE_NUMBER.fullmatch(folders[-1]) and not _a_date(folders[-1]):
        return f"{host}/{'/'.join(folders)}/"
    for pattern in (_LEADING_NUMBER, _TRAILING_NUMBER):
        found = pattern.fullmatch(last)
        if found and not _a_date(found.group(1)):
            return f"{host}/{'/'.join(folders)}/#{found.group(1)}"
    return ""


def _a_date(text: str) -> bool:
    """A date (and time) folder or suffix, all digits: a day's folder is every story of that
    day's, no article's number. Any order of day, month and year a CMS writes in eight digits
    (YYYYMMDD, DDMMYYYY, MMDDYYYY), YYMMDD or YYYYMM in six, or a date with its hour, minute and
    second (YYYYMMDDHH...), of a plausible year. A number joined to more ("2024050112-20-123",
    cnnindonesia's) is an article's."""
    if not text.isdigit():
        return False
    formats = _DATE_FORMATS.get(len(text), ())
    if len(text) in (10, 12, 14):
        text, formats = text[:8], ("%Y%m%d",)
    for fmt in formats:
        try:
            when = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if 1990 <= when.year <= 2100:
            return True
    return False


_DATE_FORMATS = {
    8: ("%Y%m%d", "%d%m%Y", "%m%d%Y"),
    # six digits are an article's number more often than a date: a month's folder
    # ("202405") or a day's written short from its year ("240501") only
    6: ("%Y%m", "%y%m%d"),
}
