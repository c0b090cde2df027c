"""Writing the published files under output_dir.

    scopes + entries | render .rss .atom .json | compare with the bytes on disk | replace atomically

A file is written only when its bytes change (so its mtime, ETag and Last-Modified stay put),
and always through a temporary file in the same folder + fsync + os.replace, so a reader sees
the old file or the new one, never half of one. Temporary names start with "." and the server
never serves dotfiles.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path, PurePosixPath

from feeds.errors import UnsafePathError
from feeds.index import render_index, render_opml
from feeds.jsonfeed import render_json
from feeds.model import Entry, Scope, Site
from feeds.render import XSL_NAME, render_atom, render_rss
from feeds.text import EPOCH

Renderer = Callable[..., bytes]
RENDERERS: tuple[tuple[str, Renderer], ...] = (
    ("rss", render_rss),
    ("atom", render_atom),
    ("json", render_json),
)


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
) -> PublishResult:
    """Render each scope as .rss, .atom and .json and write the files whose bytes changed.

    Pass every scope whose entries may have changed (an empty scope gets valid, empty feeds);
    scopes not passed are left alone. feed.xsl is (re)written when missing or outdated.
    """
    root = _root(output_dir)
    result = _write_asset(root)
    for scope, entries in scopes_with_entries:
        chosen = tuple(entries)
        for extension, render in RENDERERS:
            relative = f"{scope.path}.{extension}"
            data = render(site, scope, chosen, empty_date=empty_date)
            result += _write(root, relative, data)
    return result


def write_index(
    site: Site,
    output_dir: str | os.PathLike[str],
    all_scopes: Sequence[Scope],
    latest_headlines: Iterable[Entry],
    *,
    headline_limit: int = 20,
) -> PublishResult:
    """Write index.html (every feed with its subscribe links, the latest headlines),
    feeds.opml (every feed) and feed.xsl, each only when its bytes changed."""
    root = _root(output_dir)
    page = render_index(site, all_scopes, tuple(latest_headlines), limit=headline_limit)
    return (
        _write_asset(root)
        + _write(root, "index.html", page)
        + _write(root, "feeds.opml", render_opml(site, all_scopes))
    )


def stylesheet() -> bytes:
    """The XSL that makes a feed readable in a browser (served as /feed.xsl)."""
    return resources.files("feeds").joinpath("templates", XSL_NAME).read_bytes()


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


def _write_asset(root: Path) -> PublishResult:
    return _write(root, XSL_NAME, stylesheet())
