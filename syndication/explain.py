"""`syndication explain`: a stored item, why it got each category and regency, and what
became of it on each Telegram channel."""

from __future__ import annotations

from .config import Config
from .normalize.urls import canonical_url, url_key
from .outcome import outcomes
from .store import ScopeItem, Store


def find_item(store: Store, target: str) -> ScopeItem | None:
    if target.isdigit():
        return store.item(int(target))
    return store.item_by_url_key(url_key(canonical_url(target)))


def explain_target(config: Config, store: Store, target: str) -> tuple[str, bool]:
    item = find_item(store, target)
    if item is None:
        skipped = _skip_reason(config, store, target)
        if skipped is not None:
            return skipped, False
        return f"explain: no stored item matches {target!r} (an item id or article URL)", False
    lines = [
        f"item {item.id}: {item.title}",
        f"  url         {item.url}",
        f"  source      {item.source_id}",
        f"  published   {item.published.isoformat()}  (first seen {item.first_seen.isoformat()})",
        f"  updated     {item.updated.isoformat()}",
        f"  dateline    {item.dateline or '-'}",
        f"  credit      {item.credit or '-'}",
        f"  categories  {', '.join(item.categories) or '(none)'}"
        + ("   [advertorial]" if item.advertorial else ""),
        f"  regencies   {', '.join(item.regencies) or '(unknown: no regency feed, no push)'}",
        f"  summary     {item.summary[:200]}",
    ]
    lines.append("  telegram (per channel):")
    for o in outcomes(config, store, item):
        lines.append(f"    {o.regency} -> {o.chat or '(no channel)'}: {o.state}, {o.detail}")
    if not item.regencies:
        lines.append("    (no regency: no channel to push to)")
    lines.append("  evidence (rank 1 = strongest):")
    for ev in sorted(item.evidence, key=lambda e: (e.rank, e.label)):
        lines.append(f"    {ev.label:<14} rank {ev.rank}  {ev.kind:<18} {ev.text!r}")
    if not item.evidence:
        lines.append("    (none recorded)")
    return "\n".join(lines), True


def _skip_reason(config: Config, store: Store, target: str) -> str | None:
    """Why an html source's listing link was not taken as an article, if it was skipped."""
    if target.isdigit():
        return None
    from .sources.html_source import skip_reasons_sync

    key = canonical_url(target)
    for source in config.sources:
        if source.kind != "html":
            continue
        reason = skip_reasons_sync(store, source.id).get(key)
        if reason is not None:
            return f"explain: {target} was not stored: source {source.id!r} skipped it ({reason})"
    return None
