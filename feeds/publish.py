"""Writing the published files under output_dir.

    scopes + entries | render .rss .atom .json .html | compare with the bytes on disk
                     | replace atomically

A file is written only when its bytes change (so its mtime, ETag and Last-Modified stay put),
and always through a temporary file in the same folder + fsync + os.replace, so a reader sees
the old file or the new one, never half of one. Temporary names start with "." and the server
never serves dotfiles.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from feeds.errors import UnsafePathError
from feeds.index import IndexView, render_index, render_opml
from feeds.jsonfeed import render_json
from feeds.model import Entry, Scope, ScopeStats, Site
from feeds.pages import render_page
from feeds.render import render_feeds
from feeds.text import EPOCH


@dataclass(frozen=True)
class PublishResult:
    """Paths relative to output_dir, POSIX style, in the order they were handled."""

    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    def __add__(self, other: PublishResult) -> PublishResult:
        return PublishResult(self.written + other.written, self.unchanged + other.unchanged)

    def written_urls(self, site: Site) -> tuple[str, ...]:
        """Public URLs of the rewritten feeds: what a WebSub hub should be pinged with."""
        feeds = [p for p in self.written if p.rsplit(".", 1)[-1] in ("rss", "atom", "json")]
        return tuple(site.url(p) for p in feeds)


def publish(
    site: Site,
    output_dir: str | os.PathLike[str],
    scopes_with_entries: Iterable[tuple[Scope, Iterable[Entry]]],
    *,
    empty_date: datetime = EPOCH,
    chats: Mapping[str, str] | None = None,
) -> PublishResult:
    """Render each scope as .rss, .atom, .json and its .html page, and write the files whose
    bytes changed. `chats` maps a scope path to its Telegram chat (linked when public).

    Pass every scope whose entries may have changed (an empty scope gets valid, empty feeds);
    scopes not passed are left alone.
    """
    root = _root(output_dir)
    result = PublishResult()
    for scope, entries in scopes_with_entries:
        chosen = tuple(entries)
        rss, atom = render_feeds(site, scope, chosen, empty_date=empty_date)
        result += _write(root, f"{scope.path}.rss", rss)
        result += _write(root, f"{scope.path}.atom", atom)
        result += _write(
            root, f"{scope.path}.json", render_json(site, scope, chosen, empty_date=empty_date)
        )
        page = render_page(site, scope, chosen, chat=(chats or {}).get(scope.path))
        result += _write(root, f"{scope.path}.html", page)
    return result


def write_index(
    site: Site,
    output_dir: str | os.PathLike[str],
    all_scopes: Sequence[Scope],
    latest_headlines: Iterable[Entry],
    *,
    headline_limit: int = 10,
    stats: Mapping[str, ScopeStats] | None = None,
    chats: Mapping[str, str] | None = None,
) -> PublishResult:
    """Write index.html (the latest headlines, every scope with its page, count, newest item,
    feeds and Telegram channel) and feeds.opml (every feed), each only when its bytes changed.
    `stats` and `chats` are keyed by scope path."""
    root = _root(output_dir)
    view = IndexView(stats=stats or {}, chats=chats or {})
    page = render_index(site, all_scopes, tuple(latest_headlines), limit=headline_limit, view=view)
    return _write(root, "index.html", page) + _write(
        root, "feeds.opml", render_opml(site, all_scopes)
    )


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace `path` with `data` unless it already holds exactly those bytes."""
    with contextlib.suppress(FileNotFoundError, IsADirectoryError):
        if path.read_bytes() == data:
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; the web server must read it
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_dir(path.parent)
    return True


def _fsync_dir(folder: Path) -> None:
    # The rename itself is durable only once the folder's entry is on disk.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _root(output_dir: str | os.PathLike[str]) -> Path:
    root = Path(output_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


def safe_target(root: Path, relative: str) -> Path:
    """`root / relative`, refusing anything that would land outside root (.., absolute paths,
    dotfiles, symlinked folders pointing elsewhere)."""
    parts = PurePosixPath(relative).parts
    if (
        not parts
        or PurePosixPath(relative).is_absolute()
        or "\\" in relative
        or "\x00" in relative
        or any(part in ("", ".", "..") or part.startswith(".") for part in parts)
    ):
        raise UnsafePathError(f"publish: refusing path {relative!r} (outside output_dir)")
    target = root.joinpath(*parts)
    if not target.parent.resolve().is_relative_to(root):
        raise UnsafePathError(f"publish: {relative!r} resolves outside {root} (symlink?)")
    return target


def _write(root: Path, relative: str, data: bytes) -> PublishResult:
    if write_if_changed(safe_target(root, relative), data):
        return PublishResult(written=(relative,))
    return PublishResult(unchanged=(relative,))
