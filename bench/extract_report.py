"""Accuracy and speed of HTML article extraction on the real-page corpus (tests/data/real/).

    .venv/bin/python bench/extract_report.py

Prints, per page, what went wrong, then kept / link / title / date / body / regency accuracy and
pages per second (extraction plus normalization, default selectors); then, per listing page,
the articles its links missed and the non-articles they took, and the listings' recall.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.real_pages import gazetteer_path, score, score_listings
from tests.test_normalize_golden import build_ctx


def main() -> int:
    report = score(build_ctx(gazetteer_path()))
    for page in report.pages:
        if page.item is None:
            print(f"  {page.truth.name:<18} not kept: {page.reason}")
        for problem in page.problems:
            print(f"  {page.truth.name:<18} {problem}")
    n = len(report.pages)
    print(f"\n{n} article pages")
    for aspect in ("kept", "link", "title", "date", "body", "regency"):
        rate = report.rate("" if aspect == "kept" else aspect)
        hits = round(rate * n)
        print(f"  {aspect:<8} {hits:>3}/{n}  {rate:6.1%}")
    print(f"  speed    {report.pages_per_second:.1f} pages/s ({report.seconds:.2f} s in all)")
    _print_listings()
    return 0


def _print_listings() -> None:
    listings = score_listings()
    print()
    for listing in listings:
        name = listing.truth.name
        for url in listing.missed:
            print(f"  {name:<18} missed article {url}")
        for url in listing.wrong:
            print(f"  {name:<18} took non-article {url}")
        for url in listing.extra:
            print(f"  {name:<18} (also took {url})")
        if not listing.not_article:
            print(f"  {name:<18} the listing page itself was taken for an article")
    articles = sum(len(x.truth.articles) for x in listings)
    found = articles - sum(len(x.missed) for x in listings)
    print(f"\n{len(listings)} listing pages, {articles} articles listed")
    complete = sum(x.ok for x in listings)
    print(f"  complete {complete:>3}/{len(listings)}  (every article, no non-article)")
    print(f"  recall   {found:>3}/{articles}  {found / articles if articles else 0:6.1%}")
    print(f"  wrong    {sum(len(x.wrong) for x in listings):>3}  non-article links taken")
    taken = sum(not x.not_article for x in listings)
    print(f"  as page  {taken:>3}  listing pages taken for an article")
    print(f"  extra    {sum(len(x.extra) for x in listings):>3}  links the truth lists neither way")


if __name__ == "__main__":
    raise SystemExit(main())
