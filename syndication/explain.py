"""`syndication explain`: a stored item, why it got each category and regency, and what
became of it on each Telegram channel."""

from __future__ import annotations

from .config import Config
from .outcome import outcomes
from .store import ScopeItem, Store
from .urls import canonical_url, shown_url, url_key

_MAX_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL (bigint) hold


def _is_id(target: str) -> bool:
    # ASCII only: "²" is str.isdigit() but not int()
    return target.isascii() and target.isdigit()


def find_item(store: Store, target: str) -> ScopeItem | None:
    if _is_id(target):
        number = int(target)
        return store.item(number) if number <= _MAX_ID else None  # past it: no such row
    return store.item_by_url_key(url_key(canonical_url(target)))


def explain_target(config: Config, store: Store, target: str) -> tuple[str, bool]:
    item = find_item(store, target)
    if item is None:
        skipped = _skip_reason(config, store, target)
        if skipped is not None:
            return skipped, False
        shown = shown_url(target)  # a password or token in the URL given stays unsaid
        return f"explain: no stored item matches {shown!r} (an item id or article URL)", False
    lines = [
        f"item {item.id}: {item.title}",
        f"  url         {item.url}",
        f"  source      {item.source_id}",
        *_read_by(config, store, item, target),
        f"  published   {item.published.isoformat()}  (first seen {item.first_seen.isoformat()})",
        f"  updated     {item.updated.isoformat()}",
        f"  dateline    {item.dateline or '-'}",
        f"  credit      {item.credit or '-'}",
        f"  categories  {', '.join(item.categories) or '(none)'}"
        + ("   [advertorial]" if item.advertorial else ""),
        f"  regencies   {', '.join(item.regencies) or '(unknown: no regency feed, no push)'}",
        f"  summary     {item.summary[:200]}",
    ]
    if item.withdrawn_at is not None:
        lines.insert(
            1,
            f"  WITHDRAWN   {item.withdrawn_at.isoformat()}: {item.withdrawn_reason or '?'} "
            "(out of every feed and page; its messages deleted, or edited where Telegram refused)",
        )
    lines.append("  telegram (per channel):")
    for o in outcomes(config, store, item):
        lines.append(f"    {o.regency} -> {o.chat or '(no channel)'}: {o.state}, {o.detail}")
    if not item.regencies:
        lines.append("    (no regency: no channel to push to)")
    # body mentions (ranks 6-7) are read only when no stronger evidence names a regency
    lines.append("  evidence (rank 1 = strongest; the body is read when nothing above it decides):")
    for ev in sorted(item.evidence, key=lambda e: (e.rank, e.label)):
        lines.append(f"    {ev.label:<14} rank {ev.rank}  {ev.kind:<18} {ev.text!r}")
    if not item.evidence:
        lines.append("    (none recorded)")
    return "\n".join(lines), True


def _skip_reason(config: Config, store: Store, target: str) -> str | None:
    """Why an html source's listing link was not taken as an article, if it was skipped."""
    if _is_id(target):
        return None
    key = canonical_url(target)
    for source in config.sources:
        if source.kind != "html":
            continue
        from .sources.html_source import skip_reasons_sync  # only with html sources: heavy

        reason = skip_reasons_sync(store, source.id).get(key)
        if reason is not None:
            shown = shown_url(target)
            return f"explain: {shown} was not stored: source {source.id!r} skipped it ({reason})"
    return None


def _read_by(config: Config, store: Store, item: ScopeItem, target: str) -> list[str]:
    """Which layer of an html source read the article page: admin selector, theme rule or
    the generic extractor (recorded when the page was read)."""
    source = next((s for s in config.sources if s.id == item.source_id), None)
    if source is None or source.kind != "html":
        return []
    from .sources.html_source import read_by_sync

    readers = read_by_sync(store, source.id)
    keys = [canonical_url(item.url)] + ([] if _is_id(target) else [canonical_url(target)])
    how = next((readers[k] for k in keys if k in readers), None)
    return [f"  read by     {how or '(not recorded)'}"]
