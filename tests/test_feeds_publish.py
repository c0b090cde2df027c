"""Publishing: every contract path, write-only-if-changed, atomic replace, index and OPML."""

from __future__ import annotations

import threading
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds import PublishResult, UnsafePathError, publish, write_index
from feeds.publish import safe_target, write_if_changed
from tests.test_feeds_support import all_scopes, entry, hostile_entries, make_site

FORMATS = ("rss", "atom", "json")


def publish_all(root: Path, **changes: object) -> PublishResult:
    entries = hostile_entries()
    if changes:
        entries[0] = entry(1, **changes)
    scopes = all_scopes()
    # the province's own feed is empty: it must still get valid files
    pairs = [(s, [] if s.path == "regency/kaltim" else entries) for s in scopes]
    return publish(make_site(), root, pairs)


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_contract_path_is_written(tmp_path: Path) -> None:
    result = publish_all(tmp_path)
    write_index(make_site(), tmp_path, all_scopes(), hostile_entries())
    expected = {f"{s.path}.{ext}" for s in all_scopes() for ext in (*FORMATS, "html")}
    assert set(result.written) == expected
    for path in [
        "all.rss",
        "all.atom",
        "all.json",
        "category/pemerintah.rss",
        "regency/kukar.atom",
        "regency/kaltim.json",
        "regency/kukar/pemerintah.rss",
        "index.html",
        "feeds.opml",
        "all.html",
        "category/pemerintah.html",
        "regency/kaltim.html",
        "regency/kukar/pemerintah.html",
    ]:
        assert (tmp_path / path).is_file(), path
    empty = feedparser.parse((tmp_path / "regency/kaltim.rss").read_bytes())
    assert empty.bozo == 0 and empty.entries == []
    assert oct((tmp_path / "all.rss").stat().st_mode & 0o777) == "0o644"


def test_publishing_the_same_input_again_touches_nothing(tmp_path: Path) -> None:
    publish_all(tmp_path)
    write_index(make_site(), tmp_path, all_scopes(), hostile_entries())
    before = snapshot(tmp_path)
    again = publish_all(tmp_path)
    index_again = write_index(make_site(), tmp_path, all_scopes(), hostile_entries())
    assert again.written == () and index_again.written == ()
    assert len(again.unchanged) == len(all_scopes()) * 4
    assert snapshot(tmp_path) == before  # bytes, mtime and inode


def test_a_change_rewrites_only_the_affected_files(tmp_path: Path) -> None:
    publish_all(tmp_path)
    before = snapshot(tmp_path)
    site = make_site()
    changed = [entry(1, title="Judul dikoreksi")]
    result = publish(site, tmp_path, [(all_scopes()[1], changed)])
    assert result.written == (
        "category/pemerintah.rss",
        "category/pemerintah.atom",
        "category/pemerintah.json",
        "category/pemerintah.html",
    )
    after = snapshot(tmp_path)
    differ = {path for path in after if after[path] != before[path]}
    assert differ == set(result.written)
    feeds = result.written[:3]  # the page is not a feed: no WebSub ping for it
    assert result.written_urls(site) == tuple(site.url(p) for p in feeds)


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    publish_all(tmp_path)
    publish_all(tmp_path, title="Perubahan")
    (tmp_path / "blocked.rss").mkdir()  # os.replace onto a folder fails mid-write
    with pytest.raises(OSError):
        write_if_changed(tmp_path / "blocked.rss", b"<rss/>")
    leftovers = [p for p in tmp_path.rglob(".*")]
    assert leftovers == []


def test_readers_never_see_half_a_file(tmp_path: Path) -> None:
    target = tmp_path / "all.rss"
    versions = [b"<rss>" + bytes([65 + n]) * 400_000 + b"</rss>" for n in range(2)]
    write_if_changed(target, versions[0])
    seen: set[bytes] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(target.read_bytes())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(60):
            assert write_if_changed(target, versions[(n + 1) % 2])
    finally:
        stop.set()
        reader.join()
    assert seen <= set(versions) and len(seen) >= 1


@pytest.mark.parametrize(
    "relative", ["../outside.rss", "/etc/passwd", "category/../../x.rss", ".hidden.rss", "a\\b"]
)
def test_paths_outside_output_dir_are_refused(tmp_path: Path, relative: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_target(tmp_path.resolve(), relative)


def test_a_symlinked_folder_leading_outside_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "public", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "category").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePathError, match="outside"):
        publish(make_site(), root, [(all_scopes()[1], [entry(1)])])
    assert list(outside.iterdir()) == []


def test_a_bypassed_scope_check_is_still_caught(tmp_path: Path) -> None:
    scope = all_scopes()[1]
    object.__setattr__(scope, "path", "../escape")  # as if a buggy caller forged it
    with pytest.raises(UnsafePathError):
        publish(make_site(), tmp_path / "public", [(scope, [])])
    assert not (tmp_path / "escape.rss").exists()


def test_opml_lists_every_feed_once(tmp_path: Path) -> None:
    site = make_site()
    write_index(site, tmp_path, all_scopes(), [])
    root = etree.fromstring((tmp_path / "feeds.opml").read_bytes())
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title")
    outlines = root.findall("body/outline/outline")
    assert sorted(o.get("xmlUrl") for o in outlines) == sorted(
        site.url(f"{s.path}.rss") for s in all_scopes()
    )
    assert all(o.get("type") == "rss" and o.get("text") for o in outlines)


@pytest.mark.parametrize("in_parts", [False, True])
def test_each_scopes_files_are_handed_over_as_soon_as_they_are_on_disk(
    tmp_path: Path, in_parts: bool
) -> None:
    """on_written gets every rewritten file once, each run's while the next ones are still to
    render: a caller copying them elsewhere need not wait for the whole publish."""
    scopes = all_scopes()
    pairs = [(s, hostile_entries()) for s in scopes]
    handed: list[tuple[str, ...]] = []
    rendered_after: list[int] = []  # how many scopes each hand-over came before the end

    def on_written(files: tuple[str, ...]) -> None:
        assert all((tmp_path / f).is_file() for f in files)
        handed.append(files)

    def runner(fn: object, jobs: object) -> object:  # in order, here, as a pool would give them
        for job in jobs:  # type: ignore[attr-defined]
            rendered_after.append(len(handed))
            yield fn(*job)  # type: ignore[operator]

    result = publish(
        make_site(), tmp_path, pairs, on_written=on_written,
        runner=runner if in_parts else None, per_part=2,
    )  # fmt: skip
    flat = [f for files in handed for f in files]
    assert sorted(flat) == sorted(result.written) and len(flat) == len(set(flat))
    assert len(handed) == (len(scopes) + 1) // 2 if in_parts else len(scopes)
    if in_parts:  # the first part's files were handed over before the last part ran
        assert rendered_after[-1] == len(handed) - 1 > 0
    again: list[tuple[str, ...]] = []
    publish(make_site(), tmp_path, pairs, on_written=again.append)
    assert again == []  # nothing rewritten, nothing handed over
