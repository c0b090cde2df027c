"""Regenerate the published feeds for the scopes that changed:

dirty scopes (+ any configured scope without files yet) | read each window from the store
| feeds/ renders and writes only changed bytes, atomically | index.html, feeds.opml
| clear the dirty marks | ping the WebSub hub for the rewritten feeds
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import logging
import os
import socket
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Set
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

import feeds
from feeds import publish, write_index
from feeds.errors import FeedsError
from feeds.model import (
    Entry,
    Image,
    Scope,
    ScopeStats,
    Site,
    all_scope,
    category_scope,
    regency_category_scope,
    regency_scope,
)
from feeds.publish import PublishMemo, PublishResult, Runner, safe_target, write_if_changed

from .config import Config
from .store import ScopeItem, Store
from .store.base import SCOPE_LEFT
from .workers import PoolUnavailable

log = logging.getLogger("syndication.publish")
FIRST_PUBLISHED = "feeds_first_published"  # the event whose value dates an empty feed
# the event whose value is the digest of what every feed shows of the config and of the code
# that renders it (`_look`): when it differs, every scope is rendered again
PUBLISHED_LOOK = "feeds_look"
FEEDS_SYNC = 10.0  # seconds between looks at files other processes published
# a publish of this many scopes or more renders them in the runner's processes: a first run
# or a reload rewrites every feed (73 scopes of the shipped config, 2 s on one core)
PARALLEL_SCOPES = 8
PER_PART = 2  # scopes a job renders: neighbours share stories; a worker's memory grows with it
BUILT_KEPT = 300  # entries a publish keeps for the next scopes (see _publish_locked)
_FEEDS_CODE = Path(feeds.__file__).resolve().parent
# what tells a file rewritten apart: inode (a replace makes a new one), size, mtime, ctime
Signature = tuple[int, int, int, int]


class Publisher:
    def __init__(self, config: Config, store: Store, clock: Callable[[], datetime]) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.files_written = 0
        self.failed = False  # the last publish could not write its files: try again soon
        # files a publish may have written and not shared: the last one ended early (or this
        # process is new, after one that may have), so its files on disk are compared with
        # what was last shared, not only with what this publish rewrites
        self._unshared = True
        self._digests: dict[str, str] = {}  # relative path -> digest of the bytes on disk
        self._since: datetime | None = None  # see _first_published
        # relative path -> (digest, the file's stat when it had it), kept in the store across
        # processes so that a new one need not read and hash every published file
        self._known: dict[str, tuple[str, Signature]] | None = None
        self._known_saved: dict[str, tuple[str, Signature]] = {}
        # what index.html and feeds.opml were last rendered from, and their digests then
        self._index: tuple[str, str | None, str | None] | None = None
        self._index_saved: tuple[str, str | None, str | None] | None = None
        # the scopes this process published, to skip the ones whose inputs did not change
        self._memo = PublishMemo()
        self._look: str | None = None  # the last `_look` published, as the store holds it
        self._source_names: tuple[Config | None, dict[str, str]] = (None, {})
        # the items (id, version) found unpublishable, told once: each scope and each
        # publish met them again, and logged them again
        self._refused: set[tuple[int, int]] = set()
        # where a big publish renders its scopes (the service's CPU pool, see
        # workers.sync_runner), PER_PART at a time; None: here, one scope after another
        self.runner: Runner | None = None

    def reconfigure(self, config: Config) -> None:
        self.config = config

    def site(self) -> Site:
        f = self.config.feeds
        return Site(
            base_url=f.base_url,
            title=f.title,
            link=f.site_url or f.base_url,
            language=f.language,
            content_mode=f.content,
            items_per_feed=f.items_per_feed,
            websub_hub=f.websub_hub or None,
            timezone=self.config.telegram.timezone,
        )

    def all_scopes(self, with_items: Iterable[str] | None = None) -> list[Scope]:
        """Every configured category and regency, and every regency x category with items
        (among `with_items`, the scopes that have items, when the caller read them already)."""
        f, cfg = self.config.feeds, self.config
        scopes = [all_scope(f.title, f.description)]
        scopes += [category_scope(c.slug, c.name) for c in cfg.categories]
        scopes += [regency_scope(r.slug, r.name) for r in cfg.regencies]
        if with_items is None:
            return scopes + self.pair_scopes(self.store.nonempty_pair_scopes())
        return scopes + self.pair_scopes(with_items)

    def pair_scopes(self, paths: Iterable[str]) -> list[Scope]:
        """The regency x category scopes of `paths` ("regency/{r}/{c}") that are configured."""
        cats = {c.slug for c in self.config.categories}
        regs = {r.slug for r in self.config.regencies}
        pairs = (p.split("/") for p in paths)
        shaped = [p for p in pairs if len(p) == 3 and p[0] == "regency"]
        return self.unlisted_scopes("/".join(p) for p in shaped if p[1] in regs and p[2] in cats)

    def unlisted_scopes(self, paths: Iterable[str]) -> list[Scope]:
        """The scopes of `paths` (files published once, no longer listed), named as the
        config names them, or by their slugs once the config no longer does."""
        cats = {c.slug: c.name for c in self.config.categories}
        regs = {r.slug: r.name for r in self.config.regencies}
        scopes = []
        for path in sorted(paths):
            parts = path.split("/")
            try:
                if len(parts) == 2 and parts[0] == "category":
                    scopes.append(category_scope(parts[1], cats.get(parts[1], parts[1])))
                elif len(parts) == 2 and parts[0] == "regency":
                    scopes.append(regency_scope(parts[1], regs.get(parts[1], parts[1])))
                elif len(parts) == 3 and parts[0] == "regency":
                    reg, cat = parts[1], parts[2]
                    name, cat_name = regs.get(reg, reg), cats.get(cat, cat)
                    scopes.append(regency_category_scope(reg, name, cat, cat_name))
            except FeedsError:  # not a path this service publishes (a file put there by hand)
                continue
        return scopes

    def scope_chats(self) -> dict[str, str]:
        """The Telegram chat of each regency scope, and of its pairs whose category is pushed."""
        chats: dict[str, str] = {}
        for r in self.config.regencies:
            if r.chat is not None:
                chats[f"regency/{r.slug}"] = r.chat
                pushed = self.config.notify_categories_for(r)
                chats.update({f"regency/{r.slug}/{c}": r.chat for c in pushed})
        return chats

    async def publish_dirty(self) -> int:
        """Publish what changed; returns how many files were rewritten."""
        site, written, urls = await asyncio.to_thread(self._publish_sync)
        if site.websub_hub and urls:
            await self._ping(site, urls)
        return written

    def _publish_sync(self) -> tuple[Site, int, tuple[str, ...]]:
        self.failed = True  # until the marks are cleared: a StorageError leaves it set too
        try:
            with self.store.publishing():  # one process at a time, each after the last's files
                return self._publish_locked()
        except BaseException:
            self._unshared = True  # files may be written and not shared (see __init__)
            raise

    def _publish_locked(self) -> tuple[Site, int, tuple[str, ...]]:
        self.sync_from_store()
        site = self.site()
        # the marks' versions, read before any item and before the scopes (a pair scope that
        # an ingest creates after this read keeps its mark): only what this publish saw is
        # cleared
        marks = self.store.dirty_marks()
        dirty = set(marks)
        # the counts the index shows, read with the scopes (one pass over the scopes' rows
        # gives both: a second, for the pairs alone, was a fifth of an idle publish)
        counted = self.store.scope_stats()
        scopes = self.all_scopes(counted)
        out = self.config.output_dir
        chats = self.scope_chats()
        look = _look(site, self.config, chats)
        if self._look is None:
            self._look = self.store.get_event(PUBLISHED_LOOK)
        if look != self._look:
            # a base_url, a title, a category's name or the renderer changed (while the service
            # was stopped, or on a reload): every scope shows it, not only the ones with news
            # and so do the files still served of a scope the index no longer lists
            dirty |= {s.path for s in scopes} | _published_scopes(out)
        todo = [s for s in scopes if s.path in dirty or not (out / f"{s.path}.html").exists()]
        # a published scope the index no longer lists (a pair whose last item left, a
        # category or regency taken out of the config): its files stay served, so they are
        # rewritten from what the store holds now, never left showing a story that left
        shown = {s.path for s in scopes}
        emptied = (p for p in dirty if p not in shown and (out / f"{p}.html").exists())
        todo += self.unlisted_scopes(emptied)
        if todo:  # each feed's date stays past its last story withdrawn
            left = {
                key.removeprefix(SCOPE_LEFT): when
                for key, value in self.store.events_like(SCOPE_LEFT).items()
                if (when := _aware_time(value)) is not None
            }
            todo = [replace(s, changed=left[s.path]) if s.path in left else s for s in todo]
        limit = site.items_per_feed
        # the entries of the last scopes, shared by the next ones (a story is in four or
        # so, mostly neighbours: a regency and its pairs), and never all of them at once
        built: OrderedDict[tuple[int, int], Entry] = OrderedDict()
        pairs = ((s, self._scope_entries(site, s.path, limit, built)) for s in todo)
        # each run of scopes' files go to the store as soon as they are written, while the
        # next runs render (at the end, after the last, they made a cold run's tail)
        sharing = _Sharing(self)
        written: list[str] = []  # every file rewritten, also by a publish cut short

        def on_written(files: tuple[str, ...]) -> None:
            written.extend(files)
            sharing.add(files)

        failed: set[str] = set()  # the scopes whose files could not be written
        try:
            parallel = self.runner is not None and len(todo) >= PARALLEL_SCOPES
            try:
                result = publish(
                    site,
                    out,
                    pairs,
                    chats=chats,
                    empty_date=self._first_published(),
                    memo=self._memo,
                    runner=self.runner if parallel else None,
                    per_part=PER_PART,
                    on_written=on_written,
                )
            except (FeedsError, OSError) as e:
                # one scope that cannot be written (a path taken, a story its renderer
                # refuses) must not keep every scope after it, and the index, stale: each
                # scope on its own (those written already are known current by the memo)
                log.error("event=publish_failed error=%r", str(e))
                failed = self._publish_each(site, todo, chats, on_written)
                result = PublishResult(written=tuple(written))
            # a scope never written is not linked (one written before stays, as it was)
            listed = [s for s in scopes if s.path not in failed or _has_files(out, s.path)]
            latest = self._entries(site, self.store.scope_items("all", 10))
            stats = {p: ScopeStats(n, last) for p, (n, last) in counted.items()}
            # rendered only when what it shows changed (or its files did): a prune changes
            # the counts without marking anything dirty, a reload the titles
            shown_now = _fingerprint(site, listed, latest, stats, chats)
            if not self._index_current(shown_now):
                result += write_index(site, out, listed, latest, stats=stats, chats=chats)
                self._index = (shown_now, *self._index_digests())
        except (FeedsError, OSError, PoolUnavailable, BrokenProcessPool) as e:
            # (the last two: the CPU pool that renders a big publish closing or broken)
            # the dirty marks stay: the files are written again once the disk allows it; the
            # ones this publish did rewrite are shared now, or other processes (and a restart
            # of this one) would keep serving, and syncing back, the older bytes
            log.error("event=publish_failed error=%r", str(e))
            self._unshared = True
            sharing.done()  # what it holds counts as shared already (_rewritten leaves it out)
            self._share(self._rewritten(todo, sharing.shared))
            return site, 0, ()
        except BaseException:
            sharing.close()  # no save goes on after this publish returned
            raise
        # a publish cut short after its writes (a StorageError reading the latest headlines,
        # saving the index) wrote files that this one finds unchanged: they are shared too, or
        # the store would keep the older bytes and sync them back over these
        # (nothing to do: no mark was left, so no publish was cut short)
        unshared = self._unshared or bool(failed)  # a scope that failed may have some files
        leftover = self._rewritten(todo, sharing.shared) if unshared and todo else []
        # the pages that link the others last: a process syncing between two batches never
        # gets an index.html that points at pages it has not got yet
        rest = {*result.written, *leftover} - sharing.shared
        sharing.add(sorted(rest, key=lambda f: (f in _INDEX_FILES, f)))
        sharing.done()
        self._save_known()
        if look != self._look and not failed:
            self.store.set_event(PUBLISHED_LOOK, look, self.clock())
            self._look = look
        # the scopes that failed keep their marks: published again by the retry
        self.store.clear_dirty({p: v for p, v in marks.items() if p not in failed})
        self.failed = self._unshared = bool(failed)
        self.files_written += len(result.written)
        if result.written:
            log.info(
                "event=published scopes=%d written=%d unchanged=%d",
                len(todo),
                len(result.written),
                len(result.unchanged),
            )
        return site, len(result.written), result.written_urls(site)

    def _publish_each(
        self,
        site: Site,
        todo: list[Scope],
        chats: dict[str, str],
        on_written: Callable[[tuple[str, ...]], None],
    ) -> set[str]:
        """publish() of each scope of `todo` on its own; returns the paths of those that
        could not be written (raises only when none could: a full disk, say)."""
        failed: set[str] = set()
        error: FeedsError | OSError | None = None
        built: OrderedDict[tuple[int, int], Entry] = OrderedDict()
        for scope in todo:
            entries = self._scope_entries(site, scope.path, site.items_per_feed, built)
            try:
                publish(
                    site,
                    self.config.output_dir,
                    [(scope, entries)],
                    chats=chats,
                    empty_date=self._first_published(),
                    memo=self._memo,
                    on_written=on_written,
                )
            except (FeedsError, OSError) as e:
                log.error("event=publish_failed scope=%s error=%r", scope.path, str(e))
                failed.add(scope.path)
                error = e
        if error is not None and len(failed) == len(todo):
            raise error
        return failed

    def _first_published(self) -> datetime:
        """The date an empty feed carries (RSS lastBuildDate, Atom updated): when this site
        first published, kept in the store. Stable, so an unchanged empty feed keeps its
        bytes, and shared, so every process writes the same ones; not the epoch, which reads
        as a broken clock."""
        if self._since is None:
            stored = self.store.get_event(FIRST_PUBLISHED)
            if stored is None:  # two processes may get here together: the first one's wins
                now = self.clock().replace(microsecond=0)
                stored = self.store.first_event(FIRST_PUBLISHED, now.isoformat(), now)
            self._since = datetime.fromisoformat(stored)
        return self._since

    def _share(self, written: Iterable[str]) -> None:
        """Keep the rewritten files in the database: other processes serve the same bytes."""
        sharing = _Sharing(self)
        sharing.add(written)
        sharing.done()

    def _rewritten(self, scopes: Iterable[Scope], shared: Set[str] = frozenset()) -> list[str]:
        """The files of `scopes` (and the index) whose bytes on disk are not the ones the
        store holds: what a publish cut short had already written. Those in `shared` (handed
        to the store by this publish) are not read again. Against the store, not the digests
        this process remembers: index.html's is remembered once it is written, before its
        save, which may fail."""
        out = self.config.output_dir
        paths = [f"{s.path}.{ext}" for s in scopes for ext in _SCOPE_FILES]
        stored = self.store.file_digests()
        changed = []
        for relative in [*paths, "index.html", "feeds.opml"]:
            if relative in shared:
                continue
            try:
                digest = hashlib.sha256((out / relative).read_bytes()).hexdigest()
            except OSError:
                continue
            if stored.get(relative) != digest:
                changed.append(relative)
        return changed

    def sync_from_store(self) -> int:
        """Write the files another process published since we last looked; returns how many."""
        out = self.config.output_dir
        remote = self.store.file_digests()
        stale = [p for p, d in remote.items() if self._local_digest(out, p) != d]
        count = 0
        for chunk in _batches(stale, SYNC_BATCH):  # every file at once is a publish's worth
            for relative, body in self.store.file_bodies(chunk).items():
                try:
                    count += write_if_changed(safe_target(out, relative), body)
                except (FeedsError, OSError) as e:
                    log.error("event=feed_sync_failed path=%s error=%r", relative, str(e))
                    continue
                self._digests[relative] = remote[relative]
                self._known_files().pop(relative, None)  # hashed again by the next process
        if count:
            log.info("event=feeds_synced files=%d", count)
        return count

    def _local_digest(self, out: Path, relative: str) -> str | None:
        if relative not in self._digests:
            path = out / relative
            known = self._known_files().get(relative)
            try:
                if known is not None and known[1] == _signature(path):
                    self._digests[relative] = known[0]  # the very file hashed before
                else:
                    body, signature = _read(path)
                    self._digests[relative] = hashlib.sha256(body).hexdigest()
                    self._known_files()[relative] = (self._digests[relative], signature)
            except OSError:
                return None
        return self._digests[relative]

    def _known_key(self) -> str:
        """One entry per host and output folder: each machine has its own files."""
        where = f"{socket.gethostname()}\0{self.config.output_dir}"
        return "published_files:" + hashlib.sha256(where.encode()).hexdigest()[:32]

    def _known_files(self) -> dict[str, tuple[str, Signature]]:
        if self._known is None:
            self._known = {}
            try:
                saved = json.loads(self.store.get_event(self._known_key()) or "{}")
                for relative, (digest, *signature) in saved.get("files", {}).items():
                    self._known[relative] = (str(digest), _as_signature(signature))
                if saved.get("index"):
                    shown, page, opml = saved["index"]
                    self._index = (str(shown), page, opml)
            except (ValueError, TypeError, AttributeError):  # unreadable: hash, render again
                self._known, self._index = {}, None
            self._known_saved, self._index_saved = dict(self._known), self._index
        return self._known

    def _index_digests(self) -> tuple[str | None, str | None]:
        out = self.config.output_dir
        return self._local_digest(out, "index.html"), self._local_digest(out, "feeds.opml")

    def _index_current(self, shown: str) -> bool:
        """index.html and feeds.opml are there, rendered from what they would show now."""
        self._known_files()
        if self._index is None or self._index[0] != shown:
            return False
        digests = self._index_digests()
        return None not in digests and digests == self._index[1:]

    def _save_known(self) -> None:
        """Keep the digests and stats of the files in the store, when any changed."""
        known = self._known_files()
        if known != self._known_saved or self._index != self._index_saved:
            files = {p: [d, *sig] for p, (d, sig) in sorted(known.items())}
            value = json.dumps({"files": files, "index": self._index})
            self.store.set_event(self._known_key(), value, self.clock())
            self._known_saved, self._index_saved = dict(known), self._index

    def _entries(
        self,
        site: Site,
        items: Iterable[ScopeItem],
        built: OrderedDict[tuple[int, int], Entry] | None = None,
    ) -> list[Entry]:
        """The items as feed entries; `built` (by item id and version, the BUILT_KEPT last
        used) shares them between the scopes of one publish."""
        names, host = self._naming(site)
        built = OrderedDict() if built is None else built
        made = (self._built(item, names, host, built) for item in items)
        return [entry for entry in made if entry is not None]

    def _scope_entries(
        self, site: Site, scope: str, limit: int, built: OrderedDict[tuple[int, int], Entry]
    ) -> list[Entry]:
        """_entries of a scope's items, the rows read only of those not in `built` (a story
        is listed by four scopes or so: its row is read and decoded once a publish)."""
        names, host = self._naming(site)
        listing = self.store.scope_listing(scope, limit, lambda n, v: (n, v) in built)
        # the held ones taken first: building the others may push them out of `built`
        held = {(n, v): built[n, v] for n, v, item in listing if item is None}
        out = []
        for n, v, item in listing:
            if item is None:
                out.append(_keep(built, (n, v), held[n, v]))
                continue
            entry = self._built(item, names, host, built)
            if entry is not None:
                out.append(entry)
        return out

    def _naming(self, site: Site) -> tuple[dict[str, str], str]:
        """What every entry of a publish is named with: category names by slug, the id host."""
        names = {c.slug: c.name for c in self.config.categories}
        return names, urlsplit(site.base_url).hostname or "localhost"

    def _built(
        self,
        item: ScopeItem,
        names: dict[str, str],
        host: str,
        built: OrderedDict[tuple[int, int], Entry],
    ) -> Entry | None:
        """The item's entry, from `built` or made and kept there (None: unpublishable)."""
        key = (item.id, item.version)
        known = built.get(key)
        if known is not None:
            return _keep(built, key, known)
        try:
            entry = self._entry(item, names, host)
        except FeedsError as e:
            if key not in self._refused:
                if len(self._refused) >= _REFUSED_TOLD:
                    self._refused.clear()
                self._refused.add(key)
                log.warning("event=entry_unpublishable item=%s error=%r", item.id, str(e))
            return None
        return _keep(built, key, entry)

    def _source_name(self, source_id: str) -> str:
        """The source's display name, from a table made once per config (a search of every
        source per entry cost a publish of 200 sources more than its queries)."""
        config, table = self._source_names
        if config is not self.config:
            table = {s.id: s.display_name for s in self.config.sources}
            self._source_names = (self.config, table)
        return table.get(source_id, source_id)

    def _entry(self, item: ScopeItem, names: dict[str, str], host: str) -> Entry:
        image = None
        if item.image and item.image.startswith(("http://", "https://")):
            image = Image(item.image)
        return Entry(
            # stable for the item's life: its row id and the day it was first seen
            id=f"tag:{host},{item.first_seen:%Y-%m-%d}:item/{item.id}",
            title=item.title,
            link=item.url,
            published=item.published,
            updated=max(item.updated, item.published),
            summary=item.summary,
            content_html=item.content_html,
            author=item.author,
            categories=tuple((c, names.get(c, c)) for c in item.categories),
            image=image,
            advertorial=item.advertorial,
            source_name=self._source_name(item.source_id),
            added=item.first_seen,
        )

    async def _ping(self, site: Site, urls: tuple[str, ...]) -> None:
        from feeds.websub import ping_hub  # only for a site with a hub, after a rewrite

        assert site.websub_hub
        async with httpx.AsyncClient(timeout=10) as client:
            try:
                await ping_hub(client, site.websub_hub, urls)
            except FeedsError as e:
                log.warning("event=websub_ping_failed hub=%s error=%r", site.websub_hub, str(e))


class _Sharing:
    """A publisher's rewritten files saved to the store as they are handed over (`add`), on a
    thread of their own, while the publish goes on: reading, hashing and storing 66 MB (a
    cold publish of 200 feeds) keep the GIL only in moments, and on the publishing thread they
    held back the next scopes' entries. A few MB a transaction: holding every body at once
    was the peak of a cold run's memory (40 MB at 56 scopes). In the order handed over, and
    none after one failed (the index, handed over last, would point at files the store has
    not got, and each save would wait out a locked database again): `done` waits for them
    all, records the digest of each file saved, and raises the first failure. A file not
    saved is not recorded: a later publish finds it unshared (_rewritten)."""

    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher
        self._saver: ThreadPoolExecutor | None = None
        self._saves: list[Future[list[tuple[str, str, Signature]]]] = []
        self._failed = False  # set by the saver's thread: the saves after it are skipped
        self.shared: set[str] = set()  # every file handed over

    def add(self, written: Iterable[str]) -> None:
        files = [f for f in written if f not in self.shared]
        if not files:
            return
        self.shared.update(files)
        if self._saver is None:
            self._saver = ThreadPoolExecutor(1, "share-files")  # one: saved in order
        self._saves.append(self._saver.submit(self._save, files))

    def done(self) -> None:
        saves, self._saves = self._saves, []
        try:
            concurrent.futures.wait(saves)
        finally:  # nothing saves on once this returns, whatever happens in it
            if self._saver is not None:
                self._saver.shutdown()
                self._saver = None
        p = self._publisher
        failed: BaseException | None = None
        for save in saves:
            if save.exception() is not None:
                failed = failed or save.exception()
                continue
            for relative, digest, signature in save.result():
                p._digests[relative] = digest
                p._known_files()[relative] = (digest, signature)
        if failed is not None:
            raise failed

    def close(self) -> None:
        """After a publish that raised: the saves under way end before it returns."""
        with contextlib.suppress(BaseException):
            self.done()

    def _save(self, written: list[str]) -> list[tuple[str, str, Signature]]:
        if self._failed:
            return []
        try:
            return self._saved(written)
        except BaseException:
            self._failed = True
            raise

    def _saved(self, written: list[str]) -> list[tuple[str, str, Signature]]:
        p = self._publisher
        saved: list[tuple[str, str, Signature]] = []
        files: list[tuple[str, str, bytes]] = []
        held = 0
        for relative in written:
            body, signature = _read(p.config.output_dir / relative)
            digest = hashlib.sha256(body).hexdigest()
            files.append((relative, digest, body))
            saved.append((relative, digest, signature))
            held += len(body)
            if held >= SHARE_BATCH:
                p.store.save_files(files, p.clock())
                files, held = [], 0
        if files:
            p.store.save_files(files, p.clock())
        return saved


_REFUSED_TOLD = 10_000  # unpublishable items remembered as told (then told afresh)


def _keep(built: OrderedDict[tuple[int, int], Entry], key: tuple[int, int], entry: Entry) -> Entry:
    """`entry` kept in `built` as the last used, the least recently used beyond BUILT_KEPT
    let go."""
    built[key] = entry
    built.move_to_end(key)
    if len(built) > BUILT_KEPT:
        built.popitem(last=False)
    return entry


def _signature(path: Path) -> Signature:
    return _of_stat(os.stat(path))


def _of_stat(found: os.stat_result) -> Signature:
    return (found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


_INDEX_FILES = frozenset({"index.html", "feeds.opml"})
SHARE_BATCH = 4 << 20  # bytes of file bodies saved to the store in one transaction
SYNC_BATCH = 32  # files read back from the store at a time


_SCOPE_FILES = ("rss", "atom", "json", "html")  # the files of every published scope


def _has_files(out: Path, scope: str) -> bool:
    return all((out / f"{scope}.{ext}").is_file() for ext in _SCOPE_FILES)


def _published_scopes(out: Path) -> set[str]:
    """The scope paths with a page under `out` (every published scope has one)."""
    found = set()
    for pattern in ("category/*.html", "regency/*.html", "regency/*/*.html"):
        found |= {p.relative_to(out).with_suffix("").as_posix() for p in out.glob(pattern)}
    return found


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _read(path: Path) -> tuple[bytes, Signature]:
    """The file's bytes and the stat of the very file read (taken before reading: a file
    replaced or changed while read never matches it later)."""
    with open(path, "rb") as handle:
        signature = _of_stat(os.fstat(handle.fileno()))
        return handle.read(), signature


def _as_signature(values: list[object]) -> Signature:
    ino, size, mtime, ctime = (int(v) for v in values)  # type: ignore[call-overload]
    return (ino, size, mtime, ctime)


def _aware_time(value: str) -> datetime | None:
    """A stored ISO time, or None for one that does not read as an aware time (a value
    edited by hand must not stop every publish)."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _look(site: Site, config: Config, chats: dict[str, str]) -> str:
    """A digest of what every published file shows of the config (the site, each category's,
    regency's and source's name, the channels a page links) and of the code that renders
    them."""
    names = [("", config.feeds.title), ("", config.feeds.description)]
    names += [(c.slug, c.name) for c in config.categories]
    names += [(r.slug, r.name) for r in config.regencies]
    names += [(s.id, s.display_name) for s in config.sources]  # each story's source, on pages
    return _digest_of(site, names, sorted(chats.items()))


def _digest_of(*shown: object) -> str:
    code = sorted((p.name, *_signature(p)[1:3]) for p in _FEEDS_CODE.glob("*.py"))
    return hashlib.sha256(repr(code).encode() + repr(shown).encode()).hexdigest()


def _fingerprint(
    site: Site,
    scopes: Iterable[Scope],
    latest: Iterable[Entry],
    stats: dict[str, ScopeStats],
    chats: dict[str, str],
) -> str:
    """A digest of everything index.html and feeds.opml show, and of the code that renders
    them (a new version renders them again)."""
    return _digest_of(
        site, list(scopes), list(latest), sorted(stats.items()), sorted(chats.items())
    )
