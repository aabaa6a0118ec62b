"""Store locations: the one place that reads ``--store`` / ``AMIKG_STORE`` and opens the store
it names.

==============================================  ===================================================
``/some/dir`` (any path)                        embedded Oxigraph (RocksDB) in that directory
``memory:``                                     Oxigraph in memory, gone when the process ends
``oxigraph+http://host:7878``                   Oxigraph server (``/query``, ``/update``, ``/store``)
``virtuoso+http://host:8890``                   Virtuoso (``/sparql``, ``/sparql-auth`` with digest)
``fuseki+http://host:3030/ds``                  Fuseki dataset (``/ds/query``, ``/ds/update``, ``/ds/data``)
``graphdb+http://host:7200/repositories/r``     GraphDB repository (``.../statements``)
``sparql+https://host/path`` or ``https://...``  any SPARQL 1.1 endpoint (update URL from settings)
==============================================  ===================================================

Credentials for remote stores come from the URL (``virtuoso+http://dba:dba@host:8890``) or from
``AMIKG_STORE_USER`` / ``AMIKG_STORE_PASSWORD``.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import StoreError
from .base import Store
from .oxigraph import OxigraphStore
from .remote import PRESETS, RemoteStore
from .virtuoso.store import VirtuosoStore

#: The ``--store`` option's help.
LOCATION_HELP = ("Store: a directory (embedded, default ~/.local/share/amikg/store), 'memory:', "
                 "or a remote URL such as oxigraph+http://127.0.0.1:7878 (see README).")

_REMOTE = re.compile(r"^(?:(\w+)\+)?(https?)://(.*)$")
_ANY_URL = re.compile(r"^[A-Za-z][\w+.-]*://")


@dataclass(frozen=True)
class Location:
    """A store location as written, and what it means."""

    text: str
    #: ``directory``, ``memory``, or the remote store's kind (``oxigraph``, ``virtuoso``, ...).
    flavour: str

    @property
    def single_process(self) -> bool:
        """Only one process can hold the store (in memory, or a locked directory)."""
        return self.flavour in ("directory", "memory")

    @property
    def directory(self) -> Path | None:
        """The store's directory on this machine, or None for memory and remote stores."""
        return Path(self.text).expanduser() if self.flavour == "directory" else None

    @property
    def remote(self) -> bool:
        return not self.single_process


def parse_location(location: str) -> Location:
    """What ``location`` names; :class:`StoreError` for a URL of an unknown kind."""
    if location == "memory:":
        return Location(location, "memory")
    m = _REMOTE.match(location)
    if not m:
        if _ANY_URL.match(location):
            raise StoreError(f"unknown store location {location!r}: use a directory, memory:, "
                             f"or an http(s) URL, optionally with a kind "
                             f"({', '.join(PRESETS)}+http://...)", store=location)
        return Location(location, "directory")
    flavour = (m.group(1) or "sparql").lower()
    if flavour not in PRESETS:
        raise StoreError(f"unknown store kind {flavour!r} in {location!r}; use one of "
                         f"{', '.join(PRESETS)}, a directory, or memory:", store=location)
    return Location(location, flavour)


def open_store(location: str | None = None, settings: Settings | None = None) -> Store:
    """Open the store named by ``location`` (or the settings' store, or the default directory)."""
    settings = settings or Settings.from_env()
    location = location or settings.store_location
    loc = parse_location(location)
    if loc.flavour == "memory":
        return OxigraphStore(None)
    if loc.flavour == "directory":
        return OxigraphStore(loc.directory)
    m = _REMOTE.match(location)
    flavour = loc.flavour
    parts = urllib.parse.urlsplit(f"{m.group(2)}://{m.group(3)}")
    user = urllib.parse.unquote(parts.username or "") or settings.store_user
    password = urllib.parse.unquote(parts.password or "") or settings.store_password
    options = urllib.parse.parse_qs(parts.query)  # e.g. ?max_rows=100000 (Virtuoso)
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    base = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    qpath, upath, gpath, auth = PRESETS[flavour]
    query_url = base + qpath
    update_url = settings.update_url or (base + upath if upath else query_url)
    gsp_url = settings.gsp_url or (base + gpath if gpath else "")
    timeout = max(settings.query_timeout, 1.0) * 2
    if flavour == "virtuoso":
        return VirtuosoStore(query_url, update_url, gsp_url, user, password, auth, flavour,
                             timeout=timeout, max_rows=int(options.get("max_rows", ["10000"])[0]))
    return RemoteStore(query_url, update_url, gsp_url, user, password, auth, flavour,
                       timeout=timeout)


def scratch_store() -> Store:
    """A new, empty store in this process's memory, for data being checked (nothing persists)."""
    return OxigraphStore(None)


def open_snapshot(path: str | Path) -> Store:
    """A checkpoint made by :meth:`Store.backup` opened read-only (several processes may)."""
    return OxigraphStore.read_only(path)
