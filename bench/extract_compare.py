"""Main-content extractors side by side on the real-page corpus (tests/data/real/articles/).

    .venv/bin/python bench/extract_compare.py [--rounds 3]

trafilatura (the generic layer of html sources), readability-lxml, goose3 and boilerpy3 each
read every corpus page alone, in a bench-only virtualenv outside the source tree (made on the
first run under ~/.cache/syndication-bench/extract-venv; none of them but trafilatura is a
dependency of the project). Each body then goes through the project's normalizer, as the
generic layer's body would, and is scored as bench/extract_report.py scores bodies: the
story's first and last words present, none of the page's boilerplate left. Speed is CPU time
of the extraction alone (process time, the best of --rounds), as pages per second.

The last row is the html source's own reader (admin selectors, theme rules, then
trafilatura, then its clean-up), for reference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syndication.normalize import normalize_entry
from syndication.sources.html import Article, read_article
from syndication.sources.html_source import decode
from syndication.types import NormalizeContext, RawEntry
from tests.real_pages import REAL, Truth, body_problems, gazetteer_path, load_truth
from tests.test_normalize_golden import build_ctx

SPEC = (
    "trafilatura>=2.0,<3",
    "readability-lxml>=0.8,<1",
    "goose3>=3.1,<4",
    "boilerpy3>=1.0,<2",
    "lxml_html_clean>=0.4,<1",
)
NOW = datetime(2030, 1, 1, tzinfo=UTC)

# Runs in the bench virtualenv: reads [[name, url, path]] on stdin, prints
# {extractor: {"cpu": seconds, "bodies": {name: html}}}. trafilatura gets the options of
# syndication/sources/html_generic.py (its own pass, its fallback only when that finds
# nothing); text-only extractors' paragraphs become <p> elements.
WORKER = r"""
import json, sys, time, logging, html as H
logging.disable(logging.CRITICAL)
pages = json.load(sys.stdin)
rounds = int(sys.argv[1])
texts = {n: open(p, "rb").read().decode("utf-8", "replace") for n, u, p in pages}

def paragraphs(text):
    return "".join(f"<p>{H.escape(x.strip())}</p>" for x in text.split("\n") if x.strip())

def trafilatura_body(html, url):
    import trafilatura
    def run(fast):
        return trafilatura.extract(html, url=None, output_format="html", include_comments=False,
            include_images=False, include_links=True, include_tables=True,
            favor_precision=True, deduplicate=True, fast=fast) or ""
    return run(True) or run(False)

def readability_body(html, url):
    from readability import Document
    return Document(html, url=url).summary(html_partial=True)

_goose = []
def goose_body(html, url):
    from goose3 import Goose
    if not _goose:
        _goose.append(Goose({"enable_image_fetching": False}))
    return paragraphs(_goose[0].extract(raw_html=html).cleaned_text or "")

def boilerpy_body(html, url):
    from boilerpy3 import extractors
    return paragraphs(extractors.ArticleExtractor(raise_on_failure=False).get_content(html))

out = {}
for name, fn in (("trafilatura", trafilatura_body), ("readability-lxml", readability_body),
                 ("goose3", goose_body), ("boilerpy3", boilerpy_body)):
    fn(texts[pages[0][0]], pages[0][1])  # imports and set-up out of the timing
    best, bodies = None, {}
    for _ in range(rounds):
        started = time.process_time()
        for n, u, p in pages:
            try:
                bodies[n] = fn(texts[n], u)
            except Exception as e:
                bodies[n] = ""
                print(f"{name} on {n}: {type(e).__name__}: {e}", file=sys.stderr)
        spent = time.process_time() - started
        best = spent if best is None else min(best, spent)
    out[name] = {"cpu": best, "bodies": bodies}
print(json.dumps(out))
"""


def default_venv() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "syndication-bench" / "extract-venv"


def ensure_venv(venv: Path) -> Path:
    """The extractors in their own virtualenv, outside the source tree; reused when they import."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import trafilatura, readability, goose3, boilerpy3"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"bench: installing {' '.join(SPEC)} into {venv}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *SPEC], check=True)
    return python


def run_worker(python: Path, truths: list[Truth], rounds: int) -> dict[str, dict[str, object]]:
    pages = [[t.name, t.url, str(REAL / "articles" / f"{t.name}.html")] for t in truths]
    done = subprocess.run(
        [str(python), "-c", WORKER, str(rounds)],
        input=json.dumps(pages),
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines()[-10:]:
        print(f"  ({line})", file=sys.stderr)
    result: dict[str, dict[str, object]] = json.loads(done.stdout)
    return result


def unclean_bodies(
    truths: list[Truth], bodies: dict[str, str], ctx: NormalizeContext
) -> dict[str, list[str]]:
    """page -> what is wrong with its body, normalized as the generic layer's body would be."""
    unclean = {}
    for truth in truths:
        entry = RawEntry(
            source_id=truth.name,
            link=truth.url,
            title=truth.title,
            title_is_text=True,
            content_html=bodies.get(truth.name) or "",
            published=truth.published,
            base_url=truth.url,
        )
        item = normalize_entry(entry, replace(ctx, default_timezone=truth.zone), NOW, NOW)
        problems = body_problems(truth, item)
        if problems:
            unclean[truth.name] = problems
    return unclean


def own_reader(truths: list[Truth], rounds: int) -> tuple[float, dict[str, str]]:
    """The html source's reader on every page: the best CPU time of `rounds`, and its bodies."""
    pages = [(t, decode((REAL / "articles" / f"{t.name}.html").read_bytes(), "")) for t in truths]
    read_article(pages[0][1], pages[0][0].url)  # imports out of the timing
    best, bodies = float("inf"), {}
    for _ in range(rounds):
        started = time.process_time()
        for truth, html in pages:
            result = read_article(html, truth.url, source_id=truth.name)
            bodies[truth.name] = (
                result.entry.content_html or "" if isinstance(result, Article) else ""
            )
        best = min(best, time.process_time() - started)
    return best, bodies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--venv", type=Path, default=default_venv())
    parser.add_argument("-v", "--verbose", action="store_true", help="print each unclean body")
    args = parser.parse_args()
    truths = load_truth()
    ctx = build_ctx(gazetteer_path())
    python = ensure_venv(args.venv)
    results = run_worker(python, truths, args.rounds)
    n = len(truths)
    print(f"{n} real article pages, each extractor alone (CPU time, best of {args.rounds})\n")
    rows = [(name, data["bodies"], data["cpu"]) for name, data in results.items()]
    cpu, bodies = own_reader(truths, args.rounds)
    rows.append(("html source (themes, then trafilatura)", bodies, cpu))
    print(f"  {'extractor':<40} {'body clean':>11} {'pages/s':>8}")
    for name, bodies, cpu in rows:
        assert isinstance(bodies, dict) and isinstance(cpu, float)
        unclean = unclean_bodies(truths, bodies, ctx)
        clean = n - len(unclean)
        print(f"  {name:<40} {clean:>3}/{n} {clean / n:5.0%} {n / cpu:>8.1f}")
        for page, problems in unclean.items() if args.verbose else ():
            print(f"      {page:<24} {problems[0][:110]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
