"""Per-label precision and recall of normalize_entry over the blind held-out table.

    .venv/bin/python bench/heldout_report.py            # categories from config.toml
    .venv/bin/python bench/heldout_report.py golden     # categories from the golden set

Labels: category slugs ("category:"), regency slugs ("regency:") and the advertorial flag.
Prints every miss (debatable cases marked), the table, micro averages and entries per second.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syndication.types import NormalizeContext
from tests.test_normalize_heldout import HeldoutCase, heldout_ctx, load_heldout, run, score


def main(argv: list[str]) -> int:
    ctx = heldout_ctx(argv[0] if argv else "config")
    cases = load_heldout()
    result = score(cases, ctx)
    for line in result.misses:
        print(f"  {line}")
    print(f"\n{'label':<28}{'support':>8}{'precision':>11}{'recall':>8}")
    for label in sorted(set(result.tp) | set(result.fp) | set(result.fn)):
        support, precision, recall = result.per_label(label)
        print(f"{label:<28}{support:>8}{precision:>11.2f}{recall:>8.2f}")
    precision, recall = result.micro()
    support = sum(result.tp.values()) + sum(result.fn.values())
    print(f"{'(micro average)':<28}{support:>8}{precision:>11.3f}{recall:>8.3f}")
    print(f"\n{len(cases)} cases, {sum(c.trap for c in cases)} traps: {_speed(cases, ctx)}")
    return 0


def _speed(cases: list[HeldoutCase], ctx: NormalizeContext) -> str:
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        for case in cases:
            run(case, ctx)
    elapsed = time.perf_counter() - started
    per_entry_ms = elapsed * 1e3 / rounds / len(cases)
    return f"{rounds * len(cases) / elapsed:,.0f} entries/s ({per_entry_ms:.2f} ms each)"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
