"""Writing the published files under output_dir.

    scopes + entries | render .rss .atom .json .html | compare with the bytes on disk
                     | replace atomically

A file is written only when its bytes change (so its mtime, ETag and Last-Modified stay put),
and always through a temporary file in the same folder + fsync + os.replace, so a reader sees
the old file or the new one, never half of one. Temporary names start with "." and the server
never serves dotfiles. A publish syncs each folder it wrote to once, at its end.

Each story is cleaned (`feeds.render.entry_text`) and built as a feedgen entry once per
publish, whichever scopes list it; with a `PublishMemo` a scope whose inputs and files are as
the last publish left them is not rendered at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from feeds.errors import UnsafePathError
from feeds.model import Entry, Scope, ScopeStats, Site
from feeds.text import EPOCH

if TYPE_CHECKING:  # the renderers (feedgen, lxml) load when a scope or the index is rendered
    from feeds.render import EntryText


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


class PublishMemo:
    """What a publisher remembers between its publishes so that a scope whose inputs did not
    change is known unchanged without rendering it: per scope, a digest of everything its
    four files are made of, and the stat of each file as this process left it. A file
    replaced or touched since (another process, a restore, a hand edit) has another stat, and
    its scope is rendered and compared as before. Keep one per process and output folder."""

    def __init__(self) -> None:
        self._scopes: dict[tuple[Path, str], tuple[bytes, tuple[Signature, ...]]] = {}

    def unchanged(self, root: Path, scope: str, digest: bytes) -> bool:
        known = self._scopes.get((root, scope))
        if known is None or known[0] != digest:
            return False
        try:
            return known[1] == tuple(signature(root / f"{scope}.{e}") for e in EXTENSIONS)
        except OSError:
            return False

    def remember(self, root: Path, scope: str, digest: bytes) -> None:
        try:
            files = tuple(signature(root / f"{scope}.{e}") for e in EXTENSIONS)
        except OSError:
            self._scopes.pop((root, scope), None)
            return
        self._scopes[(root, scope)] = (digest, files)

    def forget(self, root: Path, scope: str) -> None:
        self._scopes.pop((root, scope), None)


# what tells a file rewritten apart: inode (a replace makes a new one), size, mtime, ctime
Signature = tuple[int, int, int, int]
EXTENSIONS = ("rss", "atom", "json", "html")


def signature(path: Path) -> Signature:
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


# runner(fn, jobs): fn(*job) for each job, the results in the jobs' order (worker processes,
# say); publish() hands it parts of its scopes (publish_part) when given one
Runner = Callable[[Callable[..., "PublishResult"], Iterable[tuple[Any, ...]]], Iterable[Any]]


def publish(
    site: Site,
    output_dir: str | os.PathLike[str],
    scopes_with_entries: Iterable[tuple[Scope, Iterable[Entry]]],
    *,
    empty_date: datetime = EPOCH,
    chats: Mapping[str, str] | None = None,
    memo: PublishMemo | None = None,
    runner: Runner | None = None,
    per_part: int = 4,
    on_written: Callable[[tuple[str, ...]], None] | None = None,
) -> PublishResult:
    """Render each scope as .rss, .atom, .json and its .html page, and write the files whose
    bytes changed. `chats` maps a scope path to its Telegram chat (linked when public); `memo`
    (kept by the caller across publishes) skips the scopes whose inputs and files are as the
    last publish left them. With a `runner`, the scopes to render go in runs of `per_part`
    neighbours (a regency beside its pairs: they list the same stories), each rendered and
    written by `publish_part` wherever the runner runs it. `on_written` is given the files
    each scope (or run of scopes) rewrote as soon as they are on disk, while the next ones
    render: a caller that copies them elsewhere need not wait for the whole publish.

    Pass every scope whose entries may have changed (an empty scope gets valid, empty feeds);
    scopes not passed are left alone.
    """
    if runner is not None:
        return _publish_in_parts(
            site,
            output_dir,
            scopes_with_entries,
            empty_date,
            chats,
            memo,
            runner,
            per_part,
            on_written,
        )
    root = _root(output_dir)
    result = PublishResult()
    # each story is cleaned and built for feedgen once, however many scopes list it
    shared: dict[Entry, tuple[EntryText, Any]] = {}
    with folder_syncs():
        for plan in _plans(site, root, scopes_with_entries, empty_date, chats, memo):
            if plan.current:
                result += PublishResult(unchanged=plan.files())
                continue
            scope, chosen, chat = plan.scope, plan.chosen, plan.chat
            done = _publish_scope(site, root, scope, chosen, shared, empty_date, chat)
            result += done
            if memo is not None:
                memo.remember(root, scope.path, plan.digest)
            if on_written is not None and done.written:
                on_written(done.written)
    return result


@dataclass(frozen=True)
class _Plan:
    """One scope of a publish: its entries, its chat, the digest of its inputs (with a memo),
    and whether its files are current (the memo knows them: nothing to render)."""

    scope: Scope
    chosen: tuple[Entry, ...]
    chat: str | None
    digest: bytes
    current: bool

    def files(self) -> tuple[str, ...]:
        return tuple(f"{self.scope.path}.{e}" for e in EXTENSIONS)


def _plans(
    site: Site,
    root: Path,
    scopes_with_entries: Iterable[tuple[Scope, Iterable[Entry]]],
    empty_date: datetime,
    chats: Mapping[str, str] | None,
    memo: PublishMemo | None,
) -> Iterator[_Plan]:
    """Each scope's plan, as the scopes come; one to render is forgotten by the memo until
    all four of its files are written (the caller remembers it then)."""
    for scope, entries in scopes_with_entries:
        chosen = _chosen(entries, site.items_per_feed)
        chat = (chats or {}).get(scope.path)
        if memo is None:
            yield _Plan(scope, chosen, chat, b"", current=False)
            continue
        digest = _inputs_digest(site, scope, chosen, empty_date, chat)
        current = memo.unchanged(root, scope.path, digest)
        if not current:
            memo.forget(root, scope.path)
        yield _Plan(scope, chosen, chat, digest, current)


def _chosen(entries: Iterable[Entry], limit: int) -> tuple[Entry, ...]:
    """select_entries: its module (feedgen, lxml) loads when a publish has a scope to do."""
    from feeds.render import select_entries

    return select_entries(entries, limit)


def publish_part(
    site: Site,
    output_dir: str,
    scopes: Sequence[tuple[Scope, Sequence[Entry]]],
    empty_date: datetime,
    chats: Mapping[str, str],
) -> PublishResult:
    """publish() of some scopes, their entries chosen already, without a memo: what a runner
    runs (in a worker process, so its arguments and result are plain records)."""
    return publish(site, output_dir, scopes, empty_date=empty_date, chats=chats)


def _publish_in_parts(
    site: Site,
    output_dir: str | os.PathLike[str],
    scopes_with_entries: Iterable[tuple[Scope, Iterable[Entry]]],
    empty_date: datetime,
    chats: Mapping[str, str] | None,
    memo: PublishMemo | None,
    runner: Runner,
    per_part: int,
    on_written: Callable[[tuple[str, ...]], None] | None,
) -> PublishResult:
    """publish() through `runner`: runs of `per_part` neighbouring scopes, each made into a
    job as the runner asks for it, so that only the scopes of the jobs under way are held."""
    root = _root(output_dir)
    unchanged: list[str] = []
    waiting: deque[list[_Plan]] = deque()  # the jobs handed out, in order

    def jobs() -> Iterator[tuple[Any, ...]]:
        group: list[_Plan] = []
        for plan in _plans(site, root, scopes_with_entries, empty_date, chats, memo):
            if plan.current:
                unchanged.extend(plan.files())
                continue
            group.append(plan)
            if len(group) >= per_part:
                yield _part(site, root, group, empty_date, waiting)
                group = []
        if group:
            yield _part(site, root, group, empty_date, waiting)

    result = PublishResult()
    for done in runner(publish_part, jobs()):
        result += done
        for plan in waiting.popleft():
            if memo is not None:
                memo.remember(root, plan.scope.path, plan.digest)
        if on_written is not None and done.written:
            on_written(done.written)  # the runner's next jobs render meanwhile
    return PublishResult(unchanged=tuple(unchanged)) + result


def _part(
    site: Site,
    root: Path,
    group: list[_Plan],
    empty_date: datetime,
    waiting: deque[list[_Plan]],
) -> tuple[Any, ...]:
    waiting.append(group)
    chats = {plan.scope.path: plan.chat for plan in group if plan.chat is not None}
    scopes = [(plan.scope, plan.chosen) for plan in group]
    return (site, str(root), scopes, empty_date, chats)


def _publish_scope(
    site: Site,
    root: Path,
    scope: Scope,
    chosen: Sequence[Entry],
    shared: dict[Entry, tuple[EntryText, Any]],
    empty_date: datetime,
    chat: str | None,
) -> PublishResult:
    from feeds.jsonfeed import json_bytes
    from feeds.pages import page_bytes
    from feeds.render import entry_text, feed_entry, feeds_bytes, generator

    for entry in chosen:
        if entry not in shared:
            text = entry_text(site, entry)
            shared[entry] = (text, feed_entry(site, text))
    texts = [shared[e][0] for e in chosen]
    fg = generator(site, scope, [shared[e][1] for e in chosen], texts, empty_date)
    rss, atom = feeds_bytes(site, scope, fg)
    result = _write(root, f"{scope.path}.rss", rss)
    result += _write(root, f"{scope.path}.atom", atom)
    result += _write(root, f"{scope.path}.json", json_bytes(site, scope, texts))
    return result + _write(root, f"{scope.path}.html", page_bytes(site, scope, chosen, chat))


def _inputs_digest(
    site: Site, scope: Scope, chosen: Sequence[Entry], empty_date: datetime, chat: str | None
) -> bytes:
    """A digest of everything a scope's files are rendered from (the code aside: a memo lives
    in one process). Pickle writes every field of the records; equal inputs built apart may
    pickle differently (shared objects), which costs only a render."""
    inputs = (site, scope, tuple(chosen), empty_date, chat)
    return hashlib.sha256(pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL)).digest()


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
    from feeds.index import IndexView, render_index, render_opml

    root = _root(output_dir)
    view = IndexView(stats=stats or {}, chats=chats or {})
    page = render_index(site, all_scopes, tuple(latest_headlines), limit=headline_limit, view=view)
    with folder_syncs():
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
    pending = _PENDING_SYNCS.get()
    if pending is None:
        _fsync_dir(path.parent)
    else:
        pending.add(path.parent)
    return True


# The folders whose renames still wait for their fsync, inside `folder_syncs` (a context
# variable, so write_if_changed keeps its signature and threads never share the set).
_PENDING_SYNCS: ContextVar[set[Path] | None] = ContextVar("pending_folder_syncs", default=None)


@contextlib.contextmanager
def folder_syncs() -> Iterator[None]:
    """Within it, each folder written to is synced once, at the end (also when a write fails
    part way), instead of after every file: one publish writes hundreds of files into a few
    folders. A file is durable once its folder is synced, and no reader waits on that."""
    if _PENDING_SYNCS.get() is not None:  # nested: the outer one syncs
        yield
        return
    pending: set[Path] = set()
    token = _PENDING_SYNCS.set(pending)
    try:
        yield
    finally:
        _PENDING_SYNCS.reset(token)
        for folder in sorted(pending):
            _fsync_dir(folder)


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
