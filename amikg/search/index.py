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
from ..store import Store
from . import engine
from .documents import read_documents

log = logging.getLogger("amikg.search")


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

    @classmethod
    def for_store(cls, store: Store, settings: Settings | None = None) -> "SearchIndex":
        return cls(store, index_dir(store, settings))

    # -- staleness ---------------------------------------------------------------------------
    def watch(self, rebuild: bool = True) -> "SearchIndex":
        """Mark the index stale after every committed write through ``store`` (and, with
        ``rebuild``, rebuild it in a background thread of this process)."""
        self.rebuilds_in_background = rebuild
        self.store.on_write(self._written)
        return self

    def _written(self) -> None:
        if self.closed:
            return
        self.mark_stale()
        if self.rebuilds_in_background:
            self.rebuild_soon()

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

    def rebuild(self, wait: bool = True) -> dict | None:
        """Read the whole store into a new generation and use it; returns what it holds
        (``documents``, ``seconds``, ``bytes``), or None when another rebuild is running and
        ``wait`` is false."""
        with self._locked(wait) as got:
            if not got:
                return None
            stamp = self.stale_stamp() or ""
            t0 = time.monotonic()
            docs = read_documents(self.store)
            if self.path is None:
                idx = engine.new_index(None)
                engine.write(idx, docs)
                self._ram = idx
                size = 0
            else:
                size = self._new_generation(docs)
            meta = {"documents": len(docs), "seconds": round(time.monotonic() - t0, 3),
                    "bytes": size, "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            if self.path is not None:
                (self.path / "meta.json").write_text(json.dumps(meta))
            self._clear(stamp)
            return meta

    def _new_generation(self, docs) -> int:
        gens = sorted(int(p.name[4:]) for p in self.path.glob("gen-*") if p.name[4:].isdigit())
        name = f"gen-{(gens[-1] + 1) if gens else 1}"
        target = self.path / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        engine.write(engine.new_index(target), docs)
        (target / "VERSION").write_text(engine.SCHEMA_VERSION)
        tmp = self.path / f".current-{uuid.uuid4().hex}"
        tmp.write_text(name)
        os.replace(tmp, self.path / "current")
        for g in gens[:-1]:  # keep the one before: another process may still read it
            shutil.rmtree(self.path / f"gen-{g}", ignore_errors=True)
        return sum(f.stat().st_size for f in target.iterdir() if f.is_file())

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
    def current(self):
        """The tantivy index of the newest generation (None before the first build)."""
        if self.path is None:
            return self._ram
        try:
            name = (self.path / "current").read_text()
        except FileNotFoundError:
            return None
        if self._open is None or self._open[0] != name:
            version = self.path / name / "VERSION"
            if not version.is_file() or version.read_text() != engine.SCHEMA_VERSION:
                return None
            self._open = (name, engine.open_index(self.path / name))
        return self._open[1]

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
def _try(lock: threading.Lock):
    got = lock.acquire(blocking=False)
    try:
        yield got
    finally:
        if got:
            lock.release()
