"""What a reader may see: an account everything, an anonymous reader the public graphs (issue 21).

A graph is restricted when its IRI's last segment is ``restricted``
(:func:`~.rights.is_restricted`); imports and the cluster forms put personal contact data there.
Every account reads everything.

Every read an anonymous user triggers goes through ONE object, the store as that reader sees it:
:func:`read_view` gives the store itself to an account and a :class:`PublicReads` view to an
anonymous reader. The service hands that view to every page, named query, SPARQL request and
linked-data route (``current_store()``), the CLI's ``--public`` reads take it too, and every
library function (the roadmap, the summaries, the named queries, the search's names) asks it as
it would ask the store, so no way in asks the whole store a question on an anonymous user's
behalf. The view decides the dataset of each query in :meth:`PublicReads.dataset`, *before* the
query runs: the default graph and the named graphs are the public graphs (or those the request or
the query's own ``FROM`` / ``FROM NAMED`` name, when all of them are public), passed to the store
explicitly, so no query shape (``GRAPH ?g``, property paths, ``DESCRIBE``, sub-queries) can reach a
restricted graph. (Then the store's own unnamed default graph is not part of it; in a store with no
restricted graph, nothing is narrowed.) Its graph listing, counts and quads leave the restricted
graphs out; it cannot write.
"""

from __future__ import annotations

import functools
from typing import Iterator

import pyoxigraph as ox

from ..errors import AuthenticationRequired, ForbiddenOperation
from ..sparql.guard import inspect
from ..store import Store
from .accounts import Account
from .answers import answers_of, question
from .rights import is_restricted, may_read_restricted


#: A graph that never exists: the dataset of an anonymous query when no graph is public.
NO_GRAPH = "urn:amikg:no-public-graph"


def refuse_restricted(account: Account | None, graph: str) -> None:
    """Raise unless ``account`` may read ``graph``.

    :raise AuthenticationRequired: (401) an anonymous reader and a restricted graph.
    """
    if not may_read_restricted(account) and is_restricted(graph):
        raise AuthenticationRequired(f"the graph {graph} is restricted: send an account's "
                                     "credentials ('Authorization: Bearer <token>')", graph=graph)


@functools.lru_cache(maxsize=2048)
def own_dataset(sparql: str) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """The query's own ``FROM`` and ``FROM NAMED`` graphs (None: one cannot be resolved), read
    once per text: the library asks the same questions again and again."""
    info = inspect(sparql)
    return (None if info.from_graphs is None else tuple(info.from_graphs),
            None if info.from_named is None else tuple(info.from_named))


class PublicReads(Store):
    """The store as an anonymous reader sees it: the public graphs only (see the module
    docstring). One view serves one request: the store's graphs are listed once, when its first
    query asks."""

    def __init__(self, store: Store):
        self.base = store
        self.kind, self.location = store.kind, store.location
        self.single_process = store.single_process
        self._graphs: list[str] | None = None
        self._answers = answers_of(store)

    def reads_from(self) -> Store:
        return self.base

    def _all_graphs(self) -> list[str]:
        if self._graphs is None:
            self._graphs = self.base.named_graphs()
        return self._graphs

    # -- the one rule ------------------------------------------------------------------------------
    def dataset(self, sparql, default_graph=None, named_graphs=None):
        """The ``(default_graph, named_graphs)`` an anonymous query runs over: always an explicit
        list of public graphs once the store has a restricted graph; ``default_graph=[]`` (the
        store's own unnamed default graph, as the Graph Store reads it) stays as asked.

        :raise AuthenticationRequired: (401) a request or query naming a restricted graph.
        """
        own_default, own_named = own_dataset(sparql)
        # a FROM the inspection cannot resolve (None) is overridden by the explicit dataset below
        asked_default = list(default_graph or []) or list(own_default or [])
        asked_named = list(named_graphs or []) or list(own_named or [])
        for g in asked_default + asked_named:
            refuse_restricted(None, g)
        graphs = self._all_graphs()
        if not any(is_restricted(g) for g in graphs):  # nothing to hide: the dataset as asked
            return default_graph, named_graphs
        # never an empty list: a remote store would read "no graph named" as "its whole default"
        public = [g for g in graphs if not is_restricted(g)] or [NO_GRAPH]
        if default_graph is not None and not default_graph:  # the store's own default graph
            return [], asked_named or public
        if asked_default or asked_named:  # a dataset of its own: FROM without FROM NAMED has none
            return asked_default, asked_named
        return public, public

    # -- reading -----------------------------------------------------------------------------------
    def query(self, sparql, *, substitutions=None, default_graph=None, named_graphs=None,
              timeout=None, base_iri=None):
        default_graph, named_graphs = self.dataset(sparql, default_graph, named_graphs)

        def ask():
            return self.base.query(sparql, substitutions=substitutions,
                                   default_graph=default_graph, named_graphs=named_graphs,
                                   timeout=timeout, base_iri=base_iri)
        return self._kept(question(sparql, substitutions, default_graph, named_graphs, base_iri),
                          ask, default_graph)

    def _kept(self, key: tuple, ask, default_graph):
        """``ask()``'s answer, kept for every anonymous reader until the next write
        (:mod:`.answers`) when the dataset was narrowed (else the store answers as fast)."""
        if self._answers is None or default_graph is None:
            return ask()
        return self._answers.answer(key, ask)

    @property
    def in_process(self) -> bool:
        return self.base.in_process

    @property
    def can_prebind(self) -> bool:
        return self.base.can_prebind

    def query_prebound(self, sparql, bindings, *, default_graph=None, named_graphs=None):
        default_graph, named_graphs = self.dataset(sparql, default_graph, named_graphs)
        return self._kept(question(sparql, bindings, default_graph, named_graphs, "prebound"),
                          lambda: self.base.query_prebound(
                              sparql, bindings, default_graph=default_graph,
                              named_graphs=named_graphs), default_graph)

    def named_graphs(self) -> list[str]:
        return [g for g in self._all_graphs() if not is_restricted(g)]

    def count(self, graph: str | None = None) -> int:
        if graph is not None:
            return 0 if is_restricted(graph) else self.base.count(graph)
        hidden = [g for g in self._all_graphs() if is_restricted(g)]
        return self.base.count() - sum(self.base.count(g) for g in hidden)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        if graph is not None:
            return iter(()) if is_restricted(graph) else self.base.quads(graph)
        return (q for q in self.base.quads() if not (
            isinstance(q.graph_name, ox.NamedNode) and is_restricted(q.graph_name.value)))

    # -- no writing --------------------------------------------------------------------------------
    def update(self, sparql, base_iri=None):
        raise _read_only()

    def add(self, quads):
        raise _read_only()

    def close(self) -> None:
        """Nothing: the store itself stays open (its owner closes it)."""


def _read_only() -> ForbiddenOperation:
    return ForbiddenOperation("the public view of the store reads only; writes go through the "
                              "write gate")


def read_view(store: Store, account: Account | None) -> Store:
    """The store as ``account`` may read it: the store itself for an account, a
    :class:`PublicReads` view of the public graphs for an anonymous reader (None)."""
    return store if may_read_restricted(account) else PublicReads(store)
