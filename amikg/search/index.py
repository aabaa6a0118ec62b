"""Where a store's search index lives, when it is stale, and how it is rebuilt.

The index is a folder of tantivy *generations* (``gen-N/``), with ``current`` naming the one in
use, ``meta.json`` saying what it holds, and ``stale`` present while the store has changed since
that generation was read: every committed write through the store marks it (the store's
``on_write`` hook, :meth:`SearchIndex.watch`), whichever process writes. A rebuild reads the
whole store into a new generation and then switches ``current`` (readers reopen it on their next
search); it clears ``stale`` only if no write came while it read, and otherwise runs again. One
process rebuilds at a time (a lock file). A store that lives in this process only (in memory) has
its index in memory, with the same rules.

Where: beside a store kept on this machine's disk (``<store folder>.search``), else under
``$XDG_DATA_HOME/amikg/search/`` by the store's location, else where ``AMIKG_SEARCH_INDEX`` says.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
from pathlib import Path

from ..config import Settings, default_store_dir
from ..errors import ConfigError
from ..store import Store
from . import engine
from .documents import affected, iter_documents, read_documents

log = logging.getLogger("amikg.search")
#: A write touching more documents than this is followed by a full rebuild instead.
INCREMENTAL_CAP = 5000


def index_dir(store: Store, settings: Settings | None = None) -> Path | None:
    """The folder of ``store``'s index, or None when it lives in memory (a store that lives
    only in this process, and has no folder)."""
    settings = settings or Settings.from_env()
    if settings.search_index:
        return Path(settings.search_index).expanduser()
    if store.directory is not None:
        d = store.directory.expanduser().resolve()
        return d.with_name(d.name + ".search")
    if store.single_process:
        return None
    key = hashlib.sha256(store.location.encode()).hexdigest()[:16]
    return default_store_dir().parent / "search" / key


class SearchIndex:
    """The search index of one store, in one process."""

    def __init__(self, store: Store, path: Path | None):
        self.store, self.path = store, path
        self._stamp: str | None = "never built"   # in memory: the stale marker
        self._ram = None                         # in memory: the index
        self._open: tuple[str, object] | None = None
        self._build = threading.Lock()
        self._thread: threading.Thread | None = None
        self.rebuilds_in_background = False
        self.closed = False
        self.last_error: str | None = None
        self._pending = threading.local()   # per writing thread: documents touched before
        self._serial = 0                         # in memory: updates since the last build
        self._labels: tuple = (None, {False: {}, True: {}})  # see label_cache

    @classmethod
    def for_store(cls, store: Store, settings: Settings | None = None) -> "SearchIndex":
        return cls(store, index_dir(store, settings))

    def check_writable(self) -> "SearchIndex":
        """Make sure the index's folder can be written (the service checks at start-up, so that
        a folder it cannot use is a clear error then rather than a failing rebuild later).

        :raise ConfigError: naming the folder and the setting that chooses it."""
        if self.path is None:
            return self
        probe = self.path / f".probe-{uuid.uuid4().hex}"
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe.write_text("")
            probe.unlink()
        except OSError as e:
            raise ConfigError(f"the search index folder {self.path} cannot be written "
                              f"({e.strerror or e}); make it writable or choose another with "
                              "AMIKG_SEARCH_INDEX", path=str(self.path))
        return self

    # -- staleness ---------------------------------------------------------------------------
    def watch(self, rebuild: bool = True) -> "SearchIndex":
        """Keep the index in step with every committed write through ``store``: a write the
        store can say the graphs of (a load, an import, its undo, a dropped graph) re-indexes
        the documents those graphs touch, at once, in one commit; any other write marks the
        index stale (and, with ``rebuild``, a background thread of this process rebuilds it)."""
        self.rebuilds_in_background = rebuild
        self.store.on_write(self._written, before=self._before)
        return self

    def _before(self, graphs: frozenset) -> None:
        pending = self._pending.__dict__.setdefault("docs", {})
        if self.closed or self.stale or pending.get("unmappable"):
            pending["unmappable"] = True
            return
        found = affected(self.store, graphs, INCREMENTAL_CAP, self.current())
        if found is None:
            pending["unmappable"] = True
        else:
            pending.setdefault("iris", set()).update(found)

    def _written(self, graphs: frozenset | None = None) -> None:
        pending, self._pending.docs = self._pending.__dict__.get("docs", {}), {}
        if self.closed:
            return
        if graphs is not None and not pending.get("unmappable"):
            try:
                if self.update(graphs, pending.get("iris", set())) is not None:
                    return
            except Exception as e:  # the answers stay right (the index goes stale)
                self.last_error = str(e)
                log.warning("search index update failed: %s", e)
        self.mark_stale()
        if self.rebuilds_in_background:
            self.rebuild_soon()

    def update(self, graphs, before: set[str]) -> dict | None:
        """Re-index the documents that a write confined to ``graphs`` changed (``before``: those
        it touched as the store was before the write), in one commit. Returns what it did
        (``documents``, ``seconds``), or None when it cannot (the index is stale, another
        rebuild runs, or too much changed): then the caller marks it stale."""
        t0 = time.monotonic()
        with self._locked(wait=False) as got:
            if not got or self.stale:
                return None
            idx = self.current()
            if idx is None:
                return None
            after = affected(self.store, graphs, INCREMENTAL_CAP, idx)
            if after is None or len(before | after) > INCREMENTAL_CAP:
                return None
            iris = before | after
            docs = read_documents(self.store, iris, idx)
            engine.replace(idx, iris, docs)
            self._serial += 1
            if self.path is not None:  # other processes reload the generation they have open
                marker = f"{self._current_name()}\n{uuid.uuid4().hex}"
                tmp = self.path / f".current-{uuid.uuid4().hex}"
                tmp.write_text(marker)
                os.replace(tmp, self.path / "current")
                self._open = (marker, idx)
            return {"documents": len(iris), "seconds": round(time.monotonic() - t0, 4)}

    def mark_stale(self) -> None:
        stamp = uuid.uuid4().hex
        if self.path is None:
            self._stamp = stamp
            return
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = self.path / f".stale-{stamp}"
        tmp.write_text(stamp)
        os.replace(tmp, self.path / "stale")

    def stale_stamp(self) -> str | None:
        """What marks the index stale (None when it is up to date)."""
        if self.path is None:
            return self._stamp
        try:
            return (self.path / "stale").read_text() or "stale"
        except FileNotFoundError:
            return None if (self.path / "current").is_file() else "never built"

    @property
    def stale(self) -> bool:
        return self.stale_stamp() is not None

    def _clear(self, stamp: str) -> None:
        """Remove the stale mark if it is still ``stamp`` (no write came since)."""
        if self.path is None:
            if self._stamp == stamp:
                self._stamp = None
            return
        taken = self.path / f".taken-{uuid.uuid4().hex}"
        try:
            os.rename(self.path / "stale", taken)
        except FileNotFoundError:
            return
        if taken.read_text() != stamp:
            with contextlib.suppress(FileExistsError):
                os.link(taken, self.path / "stale")
        taken.unlink()

    # -- building ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self, wait: bool):
        with self._build if wait else _try(self._build) as got:
            if not got or self.path is None:
                yield got
                return
            self.path.mkdir(parents=True, exist_ok=True)
            with open(self.path / "lock", "a") as f:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                except BlockingIOError:
                    yield False
                    return
                yield True

    def rebuild(self, wait: bool = True, progress=None) -> dict | None:
        """Read the whole store into a new generation and use it; returns what it holds
        (``documents``, ``seconds``, ``bytes``), or None when another rebuild is running and
        ``wait`` is false. ``progress``, if given, is called with ``(done, total)``: documents
        handed to the index so far, and how many there are; first with 0 once the store is
        read, then every :data:`engine.PROGRESS_EVERY` and at the end."""
        with self._locked(wait) as got:
            if not got:
                return None
            stamp = self.stale_stamp() or ""
            t0 = time.monotonic()
            with _collector_paused():
                docs = iter_documents(self.store)
                told = None
                if progress is not None:
                    total = len(docs)
                    progress(0, total)

                    def told(done: int) -> None:
                        progress(done, total)
                if self.path is None:
                    idx = engine.new_index(None)
                    count = engine.write(idx, docs, told)
                    self._ram = idx
                    size = 0
                else:
                    count, size = self._new_generation(docs, told)
                del docs
            meta = {"documents": count, "seconds": round(time.monotonic() - t0, 3),
                    "bytes": size, "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            if self.path is not None:
                (self.path / "meta.json").write_text(json.dumps(meta))
            self._clear(stamp)
            return meta

    def _new_generation(self, docs, progress=None) -> tuple[int, int]:
        """Write ``docs`` into a new generation and use it: (documents, bytes on disk)."""
        gens = sorted(int(p.name[4:]) for p in self.path.glob("gen-*") if p.name[4:].isdigit())
        name = f"gen-{(gens[-1] + 1) if gens else 1}"
        target = self.path / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        count = engine.write(engine.new_index(target), docs, progress)
        (target / "VERSION").write_text(engine.SCHEMA_VERSION)
        tmp = self.path / f".current-{uuid.uuid4().hex}"
        tmp.write_text(name)
        os.replace(tmp, self.path / "current")
        for g in gens[:-1]:  # keep the one before: another process may still read it
            shutil.rmtree(self.path / f"gen-{g}", ignore_errors=True)
        return count, sum(f.stat().st_size for f in target.iterdir() if f.is_file())

    def rebuild_soon(self) -> None:
        """Rebuild in a background thread until the index is no longer stale (one thread per
        process; another process's rebuild is left to finish)."""
        if self.closed or (self._thread is not None and self._thread.is_alive()):
            return
        self._thread = threading.Thread(target=self._rebuild_loop, name="amikg-search-rebuild",
                                        daemon=True)
        self._thread.start()

    def _rebuild_loop(self) -> None:
        while not self.closed and self.stale:
            try:
                if self.rebuild(wait=False) is None:
                    return  # another process rebuilds
                self.last_error = None
            except Exception as e:  # the answers stay right (by SPARQL); say why in the log
                self.last_error = str(e)
                log.warning("search index rebuild failed: %s", e)
                return

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait for a background rebuild; True when the index is up to date."""
        t = self._thread
        if t is not None:
            t.join(timeout)
        return not self.stale

    # -- reading ------------------------------------------------------------------------------
    def _current_name(self) -> str | None:
        try:
            return (self.path / "current").read_text().split("\n")[0]
        except FileNotFoundError:
            return None

    def current(self):
        """The tantivy index of the newest generation (None before the first build)."""
        if self.path is None:
            return self._ram
        try:
            marker = (self.path / "current").read_text()
        except FileNotFoundError:
            return None
        name = marker.split("\n")[0]
        if self._open is not None and self._open[0] == marker:
            return self._open[1]
        if self._open is not None and self._open[0].split("\n")[0] == name:
            self._open[1].reload()  # updated in place (by another process, perhaps)
            self._open = (marker, self._open[1])
            return self._open[1]
        version = self.path / name / "VERSION"
        if not version.is_file() or version.read_text() != engine.SCHEMA_VERSION:
            return None
        self._open = (marker, engine.open_index(self.path / name))
        return self._open[1]

    def label_cache(self, narrowed: bool = False) -> dict:
        """A dict for the names of facet values, emptied whenever the index changes (a rebuild,
        an update here or by another process), so that it never outlives the names it holds;
        ``narrowed``: the one for the names a read view (an anonymous reader's) reads."""
        version = self._open[0] if self.path is not None and self._open else \
            (id(self._ram), self._serial)
        if self._labels[0] != version or sum(map(len, self._labels[1].values())) > 50_000:
            self._labels = (version, {False: {}, True: {}})
        return self._labels[1][narrowed]

    def info(self) -> dict:
        """What the index holds: documents, size on disk, when built, whether stale."""
        meta = {}
        if self.path is not None and (self.path / "meta.json").is_file():
            meta = json.loads((self.path / "meta.json").read_text())
        return {"location": str(self.path) if self.path else "memory", **meta,
                "stale": self.stale}

    def close(self) -> None:
        self.closed = True


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused for a rebuild: it makes millions of objects
    that live until its end (and hold no cycles), which would otherwise set off full
    collections over all of them again and again (at 100k organisations, 1.5 s of the 5 s the
    documents take to put together). Reference counting still frees what is dropped."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def _try(lock: threading.Lock):
    got = lock.acquire(blocking=False)
    try:
        yield got
    finally:
        if got:
            lock.release()
