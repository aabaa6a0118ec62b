"""What one process of the service holds, and how a view reaches it.

:func:`amikg_server.app.create_app` opens the store ONCE per process and keeps it, with its query
executor and settings, as a :class:`Service` in ``app.extensions["amikg"]``; blueprints reach them
with :func:`current_store`, :func:`current_executor`, :func:`current_search` and
:func:`current_settings`.

:func:`current_store` is the store *as this request's reader may read it*
(:func:`amikg.access.read_view`): the whole store for an account, the public graphs for an
anonymous reader. Every read of every route asks it, so no page or API answer reads more than its
reader may. It cannot write: writes go through :func:`current_gate`, whose ``store`` is the
store itself.
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass

from typing import Callable

from flask import current_app, g, has_request_context

from amikg.access import Account, AccountBook, Gate, read_view
from amikg.config import Settings
from amikg.executor import Executor
from amikg.search import SearchIndex
from amikg.store import Store

#: The key of the :class:`Service` in ``app.extensions``.
EXTENSION = "amikg"


@dataclass
class Service:
    """What one process of the service holds."""

    settings: Settings
    store: Store
    executor: Executor
    search: SearchIndex
    #: The accounts file (accounts, tokens, the audit log) and the write gate over the store.
    accounts: AccountBook
    gate: Gate
    #: Who reads in the current request (None: an anonymous reader); set by ``create_app``.
    reader: Callable[[], Account | None] = lambda: None

    closed: bool = False

    def close(self) -> None:
        """Stop the query workers and close the store (once; also run at exit)."""
        if self.closed:
            return
        self.closed = True
        atexit.unregister(self.close)
        self.search.close()
        self.executor.close()
        self.store.close()
        self.accounts.close()


def current_service() -> Service:
    """The service of the app handling this request."""
    return current_app.extensions[EXTENSION]


def current_store() -> Store:
    """The store of this process (opened once by ``create_app``) as this request's reader may
    read it (see the module docstring); outside a request, as an anonymous reader."""
    service = current_service()
    if not has_request_context():
        return read_view(service.store, None)
    if "amikg_reads" not in g:  # one view per request: the reader is asked once
        g.amikg_reads = read_view(service.store, service.reader())
    return g.amikg_reads


def current_executor() -> Executor:
    """The query executor (time and size limits, SERVICE/LOAD guard) of this process."""
    return current_service().executor


def current_search() -> SearchIndex:
    """The search index of this process's store (kept in step with its writes)."""
    return current_service().search


def current_gate() -> Gate:
    """The write gate: every write route asks it (rights, then the write, then the audit log);
    its ``store`` is the store itself, the one a write is made on."""
    return current_service().gate


def current_settings() -> Settings:
    return current_service().settings
