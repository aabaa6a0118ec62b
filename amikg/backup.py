"""Backup, restore and the portable N-Quads dump of the whole dataset (issue 11).

Two kinds of copy:

- a **backup** is a RocksDB checkpoint of the embedded store (:meth:`OxigraphStore.backup`): a
  consistent snapshot, cheap (hard links on the same file system), opened as a store as it is.
  The store directory can be held by ONE process, so while ``amikg serve`` runs the CLI cannot open
  it; the backup is then made by the service (``POST /admin/backup``, update token) and sent as a
  tar stream, which :func:`fetch_backup` unpacks;
- a **dump** is the whole dataset as N-Quads (every named graph, provenance included): portable
  to any store and any version, restored with :func:`restore_dump` (or ``amikg load``).

Restores never overwrite: the current store directory is moved aside
(``<store>.before-restore-<time>``) and the copy takes its place with one rename.
"""

from __future__ import annotations

import gzip
import shutil
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import AmikgError, AuthenticationRequired, ForbiddenOperation, LoadError, StoreError
from .store import open_snapshot, open_store


@dataclass
class BackupReport:
    path: str
    quads: int
    via: str  # "store" or the service URL

    def to_dict(self) -> dict:
        return {"path": self.path, "quads": self.quads, "via": self.via}


def _fresh_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise StoreError(f"{target} exists and is not empty; back up into a new directory",
                         path=str(target))
    if target.exists():
        target.rmdir()
    target.parent.mkdir(parents=True, exist_ok=True)


def count_quads(path: Path) -> int:
    """Open a store directory read-only and count its quads (proves it is a usable store)."""
    store = open_snapshot(path)
    try:
        return store.count()
    finally:
        store.close()


def backup_local(location: str, target: str | Path) -> BackupReport:
    """Back up the embedded store at ``location`` (which this process can open) into ``target``.

    :raise StoreLockedError: the service (or another process) holds the store.
    """
    target = Path(target)
    _fresh_target(target)
    store = open_store(location)
    try:
        if not store.can_snapshot:
            raise StoreError(f"backup needs an embedded store directory, not {store.location}; "
                             "use `amikg dump` for a portable copy of any store")
        store.backup(target)
    finally:
        store.close()
    return BackupReport(str(target), count_quads(target), "store")


def fetch_backup(url: str, target: str | Path, token: str, timeout: float = 600.0) -> BackupReport:
    """Ask the service at ``url`` for a snapshot (``POST /admin/backup``) and unpack it into
    ``target``."""
    target = Path(target)
    _fresh_target(target)
    endpoint = url.rstrip("/") + "/admin/backup"
    if not token:
        raise AuthenticationRequired("a backup through the service needs the update token: set "
                                     "AMIKG_UPDATE_TOKEN (or --token-file)")
    req = urllib.request.Request(endpoint, data=b"", method="POST",
                                 headers={"Authorization": f"Bearer {token}"})
    work = Path(tempfile.mkdtemp(prefix=".amikg-restore-", dir=str(target.parent)))
    try:
        archive = work / "backup.tar"
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp, open(archive, "wb") as f:
                shutil.copyfileobj(resp, f, 1 << 20)
        except urllib.error.HTTPError as e:
            detail = " ".join(e.read()[:300].decode("utf-8", "replace").split())
            cls = {401: AuthenticationRequired, 403: ForbiddenOperation}.get(e.code, StoreError)
            raise cls(f"the service {url} answered {e.code} to the backup request: {detail}")
        except OSError as e:
            raise StoreError(f"cannot reach the service {url}: {e}")
        with tarfile.open(archive) as tar:
            tar.extractall(work / "x", filter="data")  # no absolute paths, links or devices
        got = work / "x" / "store"
        if not got.is_dir():
            raise StoreError(f"the service {url} sent an archive without a store directory")
        got.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupReport(str(target), count_quads(target), url)


def _move_aside(store_dir: Path) -> Path | None:
    """Move an existing, non-empty store directory out of the way; return where it went."""
    if not store_dir.exists():
        return None
    if store_dir.is_dir() and not any(store_dir.iterdir()):
        store_dir.rmdir()
        return None
    aside = store_dir.with_name(f"{store_dir.name}.before-restore-{time.strftime('%Y%m%dT%H%M%S')}")
    store_dir.rename(aside)
    return aside


def _check_unlocked(store_dir: Path) -> None:
    """Fail unless no other process holds the store (opening it takes the RocksDB lock)."""
    if store_dir.exists() and any(store_dir.iterdir()):
        open_store(str(store_dir)).close()  # raises StoreLockedError while the service runs


def restore_backup(backup: str | Path, location: str) -> tuple[int, Path | None]:
    """Make the backup directory ``backup`` the store at ``location`` (the service must be
    stopped). Returns the quad count and where the previous store was moved."""
    backup, store_dir = Path(backup), Path(location).expanduser()
    if not backup.is_dir():
        raise LoadError(f"{backup}: not a backup directory", source=str(backup))
    try:
        quads = count_quads(backup)
    except AmikgError as e:
        raise LoadError(f"{backup} is not a usable store backup: {e.message}", source=str(backup))
    _check_unlocked(store_dir)
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{store_dir.name}.restoring-", dir=store_dir.parent))
    try:
        copy = staging / "store"
        shutil.copytree(backup, copy)
        open_store(str(copy)).close()  # opens read-write: repairs an unfinished bulk write, if any
        aside = _move_aside(store_dir)
        copy.rename(store_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return quads, aside


def dump_dataset(location: str, output) -> int:
    """Write every quad of the store at ``location`` as N-Quads to ``output`` (binary)."""
    with open_store(location) as store:
        n = store.count()
        store.dump(output, "nquads")
    return n


def restore_dump(dump: str | Path, location: str) -> tuple[int, Path | None]:
    """Build a fresh store at ``location`` from an N-Quads dump (``.nq`` or ``.nq.gz``), moving
    the present store aside. Parsed completely before anything is written; the new store is
    built next to the old one and swapped in with one rename, so a crash leaves the old one."""
    dump, store_dir = Path(dump), Path(location).expanduser()
    raw = dump.read_bytes() if dump.is_file() else None
    if raw is None:
        raise LoadError(f"{dump}: no such file", source=str(dump))
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    try:
        quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    except (SyntaxError, ValueError) as e:
        line = getattr(e, "lineno", None)
        raise LoadError(f"{dump.name}: {'line %s: ' % line if line else ''}"
                        f"{str(e).splitlines()[0]}", source=str(dump), line=line)
    _check_unlocked(store_dir)
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{store_dir.name}.restoring-", dir=store_dir.parent))
    try:
        copy = staging / "store"
        store = open_store(str(copy))
        try:
            store.bulk_extend(quads)
        finally:
            store.close()
        aside = _move_aside(store_dir)
        copy.rename(store_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return len(quads), aside


__all__ = ["BackupReport", "backup_local", "fetch_backup", "restore_backup", "dump_dataset",
           "restore_dump", "count_quads"]
