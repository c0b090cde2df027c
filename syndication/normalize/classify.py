"""Categories, regencies and the advertorial flag of one story, with the evidence for each.

Categories: source labels (categories, tags, breadcrumb, URL folders) mapped through the
config's aliases; the closing credit adds `advertorial` (adv, pariwara...) and `pemerintah`
(diskominfo, humas...); an "[ADV]" title marker adds `advertorial`.

Regencies, evidence by rank (1 = strongest):
    1 credit region   2 source label naming it   3 institution in the title   4 dateline
    5 plain title mention / tag   6 kecamatan in the body   7 other body mention
Decision, strongest tier wins (a weaker tier never adds to a stronger one):
    tier 1 (ranks 1-3): every regency with such evidence, e.g. both parties of a joint MoU
    province institution only ("Gubernur Kaltim ..."): the regencies named in the title
    tier 2 (ranks 4-5): every regency with such evidence
    tier 3 (ranks 6-7): regencies mentioned at least twice (a kecamatan counts twice); when
        none is, every regency mentioned once -- a lone mention counts only if nothing else does;
        so the body is searched only when tiers 1 and 2 (and a province institution) give nothing
The province bucket is added when the province is the title's institution or the credit's
region, or when nothing else was found and it is mentioned at all. No evidence: ().
The caller passes body text with "Baca Juga" inserts already removed (text.clean_content).
Only the first READ_CHARS (65,536) characters of the body are read: a story names its places
long before that, and a hostile entry of megabytes costs no more than a long story.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from ..types import CategoryInfo, Classification, Evidence, NormalizeContext
from .places import Gazetteer, Hit, find, find_in_token, gazetteer, key

RANK = {
    "credit": 1,
    "label": 2,
    "title-institution": 3,
    "dateline": 4,
    "title": 5,
    "tag": 5,
    "kecamatan": 6,
    "body": 7,
}
# category kinds are disjoint from regency kinds, so one evidence list serves `explain`
CATEGORY_RANK = {"source-label": 1, "url-folder": 1, "credit-token": 2, "title-marker": 3}
TIER1 = frozenset({"credit", "label", "title-institution"})
TIER2 = frozenset({"dateline", "title", "tag"})
PROVINCE_STRONG = frozenset({"credit", "title-institution"})
ADVERTORIAL, GOVERNMENT = "advertorial", "pemerintah"
READ_CHARS = 64 * 1024  # of a body, read for regency evidence

_OFFICE = (
    r"pemkab|pemkot|pemprov|pemda|pemdes|pemerintah|bupati|wabup|wakil\s+bupati|sekda|sekkab"
    r"|sekretaris\s+daerah|dprd|setwan|sekretariat\s+dprd|diskominfo|kominfo|disdikbud|disdik"
    r"|dinkes|dispar|dispora|bappeda|bapenda|bpbd|bkpsdm|rsud|inspektorat|satpol\s*pp"
    r"|wali\s*kota|walkot|wawali|wakil\s+wali\s*kota|gubernur|wagub|wakil\s+gubernur"
    r"|kapolres|polres|kejari|kodim|dandim"
)
_UNIT = r"dinas|badan|kadis|kepala\s+dinas|uptd?|bidang|kantor"
_LEVEL = r"(?:\s+(?:kabupaten|kab\.?|kota|provinsi|prov\.?|daerah))?"
_STOP = r"(?:di|ke|dari|untuk|pada|oleh|dengan|bersama|saat|usai|jelang|dan\s+di)"
_INSTITUTION_BEFORE = re.compile(
    rf"(?:^|[^\w])(?:(?:{_OFFICE}){_LEVEL}|(?:{_UNIT})(?:\s+(?!{_STOP}\b)[\w&.,-]+){{0,5}}?)\s+$",
    re.IGNORECASE,
)
_INSTITUTION_START = re.compile(rf"(?:{_OFFICE})(?!\w)", re.IGNORECASE)
_PROVINCE_OFFICE = re.compile(
    r"(?<!\w)(?:pemprov|pemerintah\s+provinsi|gubernur|wagub|wakil\s+gubernur)(?!\w)",
    re.IGNORECASE,
)
_JOIN = re.compile(r"\s*(?:,|&|/|-|–|dan|serta|dengan|bersama)\s*(?:dan\s+)?", re.IGNORECASE)
# "[ADV] ...", "ADV: ...", and the label closing a title ("... | ADV", "... - Advertorial"),
# which dedup.title_key strips as the portal's label too
_TITLE_MARKER = re.compile(
    r"[\[(]\s*(?:adv|advertorial|pariwara|iklan|sponsored)\s*[\])]"
    r"|^\s*(?:adv|advertorial|pariwara)\s*[:|–—-]"
    r"|\s[:|–—-]\s*(?:adv|advertorial|pariwara)\s*$",
    re.IGNORECASE,
)
_BREADCRUMB = re.compile(r"\s+[/»›>|]\s+|\s*[»›]\s*")
_CREDIT_SPLIT = re.compile(r"[/\s\-_,;|.+&()*]+")
# a news outlet's host in a credit ("TribunKaltim.co/Aris Joni", "kaltimpost.id"): the
# outlet's name, not the story's place; a government host (kukarkab.go.id) stays evidence
_OUTLET_HOST = re.compile(
    r"\b[\w-]+(?:\.[\w-]+)*\.(?:co\.id|com|co|id|net|news|tv)\b(?<!\.go\.id)", re.IGNORECASE
)


@dataclass(frozen=True)
class _Found:
    slug: str
    kind: str
    text: str
    province: bool


def classify(
    title: str,
    body_text: str,
    credit: str | None,
    dateline: str | None,
    labels: Iterable[str],
    tags: Iterable[str],
    url: str | None,
    ctx: NormalizeContext,
) -> Classification:
    """Label one story; pure, and total over any strings."""
    gaz = gazetteer(ctx)
    adv = ctx.advertorial_tokens
    label_list, tag_list = _split_labels(labels, adv), _split_labels(tags, adv)
    cat_evidence = _category_evidence(title, credit, label_list + tag_list, url, ctx)
    body = body_text[:READ_CHARS]
    found = _regency_evidence(title, body, credit, dateline, label_list, tag_list, gaz)
    regencies = _decide(found, gaz)
    categories = _ordered_categories(cat_evidence, ctx)
    advertorial = any(e.label == ADVERTORIAL for e in cat_evidence)
    evidence = (*cat_evidence, *_summarise(found))
    return Classification(tuple(categories), tuple(regencies), advertorial, evidence)


# --- categories ---------------------------------------------------------------------------


def _category_evidence(
    title: str, credit: str | None, labels: list[str], url: str | None, ctx: NormalizeContext
) -> list[Evidence]:
    aliases = _category_aliases(ctx)
    adv_tokens = set(ctx.advertorial_tokens)
    found: list[Evidence] = []
    for label in labels:
        label_key = key(label)
        if label_key in aliases:
            found.append(Evidence(aliases[label_key], "source-label", 1, label))
        if label_key in adv_tokens:
            found.append(Evidence(ADVERTORIAL, "source-label", 1, label))
    for folder in _url_folders(url):
        if key(folder) in aliases:
            found.append(Evidence(aliases[key(folder)], "url-folder", 1, folder))
    if credit:
        found.extend(_credit_categories(credit, ctx))
    marker = _TITLE_MARKER.search(title or "")
    if marker:
        found.append(Evidence(ADVERTORIAL, "title-marker", 3, marker.group().strip()))
    return _dedupe(found)


_last_aliases: tuple[tuple[CategoryInfo, ...], Mapping[str, str]] | None = None


def _category_aliases(ctx: NormalizeContext) -> Mapping[str, str]:
    """The alias table of the previous call's categories when they are the same object:
    hashing every category on each entry costs more than the rest of a cache lookup."""
    global _last_aliases
    last = _last_aliases  # one read: another thread may replace it meanwhile
    if last is None or last[0] is not ctx.categories:
        last = _last_aliases = (ctx.categories, _alias_table(ctx.categories))
    return last[1]


@lru_cache(maxsize=16)
def _alias_table(categories: tuple[CategoryInfo, ...]) -> Mapping[str, str]:
    """Built once per set of categories (equal contexts share it), not once per entry."""
    table: dict[str, str] = {}
    for category in categories:
        for name in (category.slug, category.name, *category.aliases):
            table.setdefault(key(name), category.slug)
    for category in categories:  # the shipped words of canonical ones, after all of those
        for name in category.words:
            table.setdefault(key(name), category.slug)
    return MappingProxyType(table)


def _credit_categories(credit: str, ctx: NormalizeContext) -> list[Evidence]:
    tokens = [t for t in _CREDIT_SPLIT.split(credit.lower()) if t]
    found = []
    if any(_advertorial_token(t, ctx) for t in tokens):
        found.append(Evidence(ADVERTORIAL, "credit-token", 2, credit))
    if any(g in t for t in tokens for g in ctx.government_tokens):
        found.append(Evidence(GOVERNMENT, "credit-token", 2, credit))
    return found


# what follows "adv" in the words that merely start like it: advokasi, advokat, adventure,
# advent, advisor, advis, advice, advance, advantage, adverb, adverse. Anything else joined
# to "adv" means it: a misspelt "advertorial" (advetorial, advrtorial, advtorial), or the
# agency that paid ("advdinkes", "advbpbd", "advprokompim": most are no government token)
_ADV_WORDS = ("ok", "en", "is", "ic", "an", "erb", "ers")


def _advertorial_token(token: str, ctx: NormalizeContext) -> bool:
    """Whether one credit token marks an advertorial: an advertorial word, alone or joined to
    digits ("adv1"), a government word ("advhumas"), a place of the gazetteer ("advkukar") or,
    for "adv", anything but the rest of a word merely starting so ("advokasi", "adventure"):
    a misspelt "advertorial", an agency ("advdinkes")."""
    for word in ctx.advertorial_tokens:
        if not token.startswith(word):
            continue
        rest = token[len(word) :]
        if not rest or not rest[0].isalpha():
            return True
        if word == "adv" and not rest.startswith(_ADV_WORDS):
            return True
        if any(rest.startswith(g) for g in ctx.government_tokens):
            return True
        if find_in_token(rest, gazetteer(ctx)):
            return True
    return False


def _ordered_categories(evidence: list[Evidence], ctx: NormalizeContext) -> list[str]:
    """Configured order; advertorial/pemerintah from credits only when configured (or no
    categories are configured at all, as in a bare config)."""
    found = {e.label for e in evidence}
    configured = [c.slug for c in ctx.categories]
    if not configured:
        return sorted(found)
    return [slug for slug in configured if slug in found]


def _url_folders(url: str | None) -> list[str]:
    path = re.sub(r"^[a-z]+://[^/]+", "", url or "", flags=re.IGNORECASE).split("?")[0]
    segments = [s for s in path.split("/") if s]
    return segments[:-1]  # the last segment is the article's own slug


# --- regencies: evidence ------------------------------------------------------------------


def _regency_evidence(
    title: str,
    body: str,
    credit: str | None,
    dateline: str | None,
    labels: list[str],
    tags: list[str],
    gaz: Gazetteer,
) -> list[_Found]:
    found: list[_Found] = []
    for token in _CREDIT_SPLIT.split(_OUTLET_HOST.sub(" ", credit or "")):
        found.extend(_Found(p.slug, "credit", token, p.province) for p in find_in_token(token, gaz))
    found.extend(_exact_names(labels, "label", gaz))
    found.extend(_title_evidence(title or "", gaz))
    if dateline:
        place = re.split(r"[,(–—]|\s-", dateline, maxsplit=1)[0]
        found.extend(
            _Found(h.place.slug, "dateline", h.text, h.place.province) for h in find(place, gaz)
        )
    found.extend(_exact_names(tags, "tag", gaz))
    if _settled(found):
        return found
    for hit in find(body or "", gaz):
        if _in_company_name(body, hit):
            continue
        kind = "kecamatan" if hit.place.kind == "kecamatan" else "body"
        found.append(_Found(hit.place.slug, kind, hit.text, hit.place.province))
    return found


def _settled(found: list[_Found]) -> bool:
    """Whether the body can no longer change the decision (`_decide`): a regency of tier 1 or
    2 leaves body mentions (tier 3) outranked, and a strong province institution reads the
    title and tags only. Then the body is not searched (a third of classifying a story), and
    its mentions are not listed as outranked evidence."""
    return any(
        f.kind in PROVINCE_STRONG if f.province else f.kind in TIER1 or f.kind in TIER2
        for f in found
    )


# "PT Kaltim Elektrik Power", "CV. Berau Jaya": a company's name, not the place
_COMPANY_BEFORE = re.compile(r"\b(?:PT|CV|UD|PD|Perum|Perumda)\.?\s+$")


def _in_company_name(text: str, hit: Hit) -> bool:
    return _COMPANY_BEFORE.search(text[max(0, hit.start - 12) : hit.start]) is not None


def _exact_names(labels: list[str], kind: str, gaz: Gazetteer) -> list[_Found]:
    return [
        _Found(p.slug, kind, label, p.province)
        for label in labels
        for p in gaz.names.get(key(label), ())
    ]


def _title_evidence(title: str, gaz: Gazetteer) -> list[_Found]:
    hits = find(title, gaz)
    found: list[_Found] = []
    previous: tuple[Hit, bool] | None = None
    for hit in hits:
        if _in_company_name(title, hit):
            continue
        office = _is_institution(title, hit)
        if not office and previous is not None and previous[1]:
            # "Pemkab Kukar dan Kutim", "Bupati Kukar-Kutim": the office covers both
            office = _JOIN.fullmatch(title[previous[0].end : hit.start]) is not None
        kind = "title-institution" if office else "title"
        found.append(_Found(hit.place.slug, kind, hit.text, hit.place.province))
        previous = (hit, office)
    if not any(f.province for f in found):
        office_word = _PROVINCE_OFFICE.search(title)
        province = next(
            (r for r, places in gaz.names.items() if any(p.province for p in places)), None
        )
        if office_word and province is not None:
            slug = next(p.slug for p in gaz.names[province] if p.province)
            found.append(_Found(slug, "title-institution", office_word.group(), True))
    return found


def _is_institution(title: str, hit: Hit) -> bool:
    if _INSTITUTION_START.match(hit.text):
        return True  # the alias itself names the office: "Pemkab Kukar", "DPRD Kaltim"
    window = title[max(0, hit.start - 80) : hit.start]
    if _WALI_BEFORE.search(window) and hit.text[:4].lower() == "kota":
        return True  # "Wali Kota Bontang": the alias "Kota Bontang" took the office's "Kota"
    return _INSTITUTION_BEFORE.search(window) is not None


_WALI_BEFORE = re.compile(r"(?:^|[^\w])wali\s+$", re.IGNORECASE)


# --- regencies: decision ------------------------------------------------------------------


def _decide(found: list[_Found], gaz: Gazetteer) -> list[str]:
    regencies = [f for f in found if not f.province]
    province = [f for f in found if f.province]
    province_strong = any(f.kind in PROVINCE_STRONG for f in province)
    chosen = _with(regencies, TIER1)
    if not chosen and province_strong:
        chosen = _with(regencies, {"title", "tag"})
    elif not chosen:
        chosen = _with(regencies, TIER2) or _by_mentions(regencies)
    ordered = sorted(chosen, key=lambda s: (_best_rank(s, regencies), gaz.order.get(s, 999)))
    if province and (province_strong or not ordered):
        ordered.append(province[0].slug)
    return ordered


def _with(found: list[_Found], kinds: Iterable[str]) -> set[str]:
    wanted = set(kinds)
    return {f.slug for f in found if f.kind in wanted}


def _by_mentions(found: list[_Found]) -> set[str]:
    score: dict[str, int] = {}
    for f in found:
        score[f.slug] = score.get(f.slug, 0) + (2 if f.kind == "kecamatan" else 1)
    repeated = {slug for slug, n in score.items() if n >= 2}
    return repeated or set(score)


def _best_rank(slug: str, found: list[_Found]) -> int:
    return min(RANK[f.kind] for f in found if f.slug == slug)


# --- helpers -------------------------------------------------------------------------------


def _split_labels(labels: Iterable[str], advertorial: Iterable[str] = ()) -> list[str]:
    """Labels as given, plus the parts of a breadcrumb ("Home / Advertorial / Pemerintah"),
    and of a label opening with an `advertorial` word ("Adv DPRD Kaltim": "Adv", "DPRD
    Kaltim"), as portals file each office's paid stories."""
    out: list[str] = []
    for label in labels:
        text = str(label).strip()
        if not text:
            continue
        out.append(text)
        # split with its spaces collapsed: the separators' \s+ tried at each space of a long
        # run was quadratic (a label of 25,000 spaces: 8 s)
        parts = [p.strip() for p in _BREADCRUMB.split(" ".join(text.split())) if p.strip()]
        if len(parts) > 1:
            out.extend(parts)
        out.extend(_advertorial_parts(parts, advertorial))
    return out


# advertorial words that are also a story's subject: "iklan" (advertising) opens topic tags
# ("Iklan Rokok", "Iklan Kampanye"), as the title marker does not take it closing a title
_SUBJECT_WORDS = frozenset({"iklan"})


def _advertorial_parts(parts: list[str], advertorial: Iterable[str]) -> list[str]:
    """The advertorial word and the rest, of each part opening with one word of
    `advertorial` then more words; a word merely starting so ("Advokasi") is none."""
    words = set(advertorial) - _SUBJECT_WORDS
    out: list[str] = []
    for part in parts:
        head, _, rest = part.partition(" ")
        if rest and key(head) in words:
            out += [head, rest]
    return out


def _summarise(found: list[_Found]) -> list[Evidence]:
    """One Evidence per (regency, kind): the distinct words that matched, at most three."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for f in found:
        texts = grouped.setdefault((f.slug, f.kind), [])
        if f.text.strip() and f.text.strip().lower() not in (t.lower() for t in texts):
            texts.append(f.text.strip())
    ordered = sorted(grouped.items(), key=lambda item: (RANK[item[0][1]], item[0][0]))
    return [
        Evidence(slug, kind, RANK[kind], ", ".join(texts[:3]) + (" …" if len(texts) > 3 else ""))
        for (slug, kind), texts in ordered
    ]


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str]] = set()
    out = []
    for e in evidence:
        if (e.label, e.kind) not in seen:
            seen.add((e.label, e.kind))
            out.append(e)
    return out
