"""Answers of anonymous reads, kept until the store's next write (issue 21).

An anonymous query runs over an explicit list of public graphs (:mod:`.reads`), and an engine
evaluates a default graph made of many graphs more slowly than its union of all graphs (Oxigraph:
about five times, for the pages' path queries). Every anonymous reader asks the same questions
and gets the same answers, so :class:`Answers` keeps them: per store held by this process (its
``single_process`` stores: every write goes through this process, so the store's
:meth:`~amikg.store.Store.on_write` hook hears of every one), emptied by every committed write,
at most :data:`ENTRIES` answers of at most :data:`MAX_BYTES` each, the least recently used going
first. A remote store (other clients write to it too) keeps nothing.

An answer is kept serialised (SPARQL JSON results, N-Triples) and handed out parsed anew, so each
caller gets its own iterator.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Callable

import pyoxigraph as ox

from ..store import Store, TripleResult

#: Answers kept per store, and the largest one kept (bytes, serialised).
ENTRIES = 1024
MAX_BYTES = 1 << 20

_JSON = ox.QueryResultsFormat.JSON
_NT = ox.RdfFormat.N_TRIPLES


def _freeze(result) -> tuple[str, bytes]:
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        return "results", result.serialize(format=_JSON)
    return "graph", ox.serialize(list(result), format=_NT)


def _thaw(kind: str, data: bytes):
    if kind == "results":
        return ox.parse_query_results(data, format=_JSON)
    return TripleResult(list(ox.parse(data, format=_NT)))


class Answers:
    """The kept answers of one store (see the module docstring)."""

    def __init__(self, store: Store):
        self._lock = threading.Lock()
        self._generation = 0
        self._kept: OrderedDict = OrderedDict()
        store.on_write(self._written)

    def _written(self, graphs=None) -> None:
        with self._lock:
            self._generation += 1
            self._kept.clear()

    def answer(self, key: tuple, ask: Callable[[], object]):
        """The answer kept under ``key``, else ``ask()``'s (kept unless a write came meanwhile)."""
        with self._lock:
            generation, kept = self._generation, self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        if kept is not None:
            return _thaw(*kept)
        kind, data = _freeze(ask())
        if len(data) <= MAX_BYTES:
            with self._lock:
                if generation == self._generation:  # no write since the question was asked
                    self._kept[key] = (kind, data)
                    while len(self._kept) > ENTRIES:
                        self._kept.popitem(last=False)
        return _thaw(kind, data)


_BY_STORE: "weakref.WeakKeyDictionary[Store, Answers]" = weakref.WeakKeyDictionary()
_BY_STORE_LOCK = threading.Lock()


def answers_of(store: Store) -> Answers | None:
    """The kept answers of ``store``; None for a store other processes may write to."""
    if not store.single_process:
        return None
    with _BY_STORE_LOCK:
        if store not in _BY_STORE:
            _BY_STORE[store] = Answers(store)
        return _BY_STORE[store]


def question(sparql: str, substitutions: dict | None, *rest) -> tuple:
    """The key of one question: its text, its bound terms (as N-Triples terms) and the rest of
    what decides its answer (the dataset, the base IRI, pre-bound terms)."""
    subs = tuple(sorted((k, str(v)) for k, v in (substitutions or {}).items()))
    return (sparql, subs, *(tuple(r) if isinstance(r, list) else r for r in rest))
