"""`syndication probe` shows the date it read from an article's printed date line (the one
ingest records), not "-", when the page has no machine-readable date."""

from __future__ import annotations

from pathlib import Path

from tests.portal import Portal
from tests.test_e2e_html import serve_theme
from tests.test_probe_cli import cli


def test_probe_shows_the_printed_date_it_parsed(tmp_path: Path, portal: Portal) -> None:
    serve_theme(portal, "newspaper")  # one article prints "22/11/2024 09:10" only
    done = cli("probe", portal.url + "/", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [line.strip() for line in done.stdout.splitlines() if "published:" in line]
    assert lines and not [line for line in lines if line.startswith("published: -")], lines
    # 09:10 WITA (the default zone, UTC+8) is 01:10 UTC
    assert "published: 2024-11-22T01:10:00+00:00  (as printed: 22/11/2024 09:10)" in lines
