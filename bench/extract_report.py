"""Accuracy and speed of HTML article extraction on the real-page corpus (tests/data/real/).

    .venv/bin/python bench/extract_report.py

Prints, per page, what went wrong, then kept / title / date / body / regency accuracy and
pages per second (extraction plus normalization, default selectors).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.real_pages import gazetteer_path, score
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
    for aspect in ("kept", "title", "date", "body", "regency"):
        rate = report.rate("" if aspect == "kept" else aspect)
        hits = round(rate * n)
        print(f"  {aspect:<8} {hits:>3}/{n}  {rate:6.1%}")
    print(f"  speed    {report.pages_per_second:.1f} pages/s ({report.seconds:.2f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
