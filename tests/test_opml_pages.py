"""feeds.opml: each outline's htmlUrl is its scope's own readable page, a file that exists."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from feeds import publish, write_index
from tests.test_feeds_support import all_scopes, hostile_entries, make_site


def test_opml_outlines_point_at_their_scope_pages(tmp_path: Path) -> None:
    site = make_site()
    publish(site, tmp_path, [(s, hostile_entries()) for s in all_scopes()])
    write_index(site, tmp_path, all_scopes(), hostile_entries())
    root = etree.fromstring((tmp_path / "feeds.opml").read_bytes())
    outlines = root.findall("body/outline/outline")
    assert len(outlines) == len(all_scopes())
    by_feed = {o.get("xmlUrl"): o.get("htmlUrl") for o in outlines}
    for scope in all_scopes():
        html_url = by_feed[site.url(f"{scope.path}.rss")]
        assert html_url == site.url(f"{scope.path}.html")
        assert (tmp_path / f"{scope.path}.html").is_file(), html_url
    assert by_feed[site.url("regency/kukar.rss")] == site.url("regency/kukar.html")
