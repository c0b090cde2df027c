"""Per-label precision and recall of classify() over the golden table.

    .venv/bin/python bench/classify_report.py

Labels are category slugs, regency slugs (prefixed "regency:") and "advertorial" (the flag).
Also prints the time normalize_entry takes per case.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_normalize_golden import build_ctx, load_cases, run


def main() -> int:
    ctx = build_ctx()
    cases = load_cases()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    started = time.perf_counter()
    for case in cases:
        item = run(case, ctx)
        got = _labels(item.categories, item.regencies, item.advertorial)
        want = _labels(tuple(case.categories), tuple(case.regencies), case.advertorial)
        for label in got & want:
            tp[label] += 1
        for label in got - want:
            fp[label] += 1
            print(f"  false positive {label:<22} in {case.id}")
        for label in want - got:
            fn[label] += 1
            print(f"  missed         {label:<22} in {case.id}")
    elapsed = time.perf_counter() - started
    print(f"\n{len(cases)} cases, {elapsed * 1000 / len(cases):.2f} ms per entry\n")
    print(f"{'label':<24}{'support':>8}{'precision':>11}{'recall':>8}")
    for label in sorted(set(tp) | set(fp) | set(fn)):
        precision = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        recall = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        print(f"{label:<24}{tp[label] + fn[label]:>8}{precision:>11.2f}{recall:>8.2f}")
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    micro_p = total_tp / (total_tp + total_fp) if total_tp + total_fp else 0.0
    micro_r = total_tp / (total_tp + total_fn) if total_tp + total_fn else 0.0
    print(f"{'(micro average)':<24}{total_tp + total_fn:>8}{micro_p:>11.2f}{micro_r:>8.2f}")
    return 0


def _labels(categories: tuple[str, ...], regencies: tuple[str, ...], adv: bool) -> set[str]:
    labels = {f"category:{c}" for c in categories} | {f"regency:{r}" for r in regencies}
    return labels | ({"flag:advertorial"} if adv else set())


if __name__ == "__main__":
    raise SystemExit(main())
