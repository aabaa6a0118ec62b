"""What an anonymous reader may see: the public graphs only (issue 21).

A graph is restricted when its IRI's last segment is ``restricted``
(:func:`~.rights.is_restricted`); imports and the cluster forms put personal contact data there.
Every account reads everything. For an anonymous query the dataset is narrowed *before* the query
runs: the default graph and the named graphs are the public graphs (or those the request or the
query's own ``FROM`` / ``FROM NAMED`` name, when all of them are public), passed to the store
explicitly, so no query shape (``GRAPH ?g``, property paths, ``DESCRIBE``, sub-queries) can reach
a restricted graph. (Then the store's own unnamed default graph is not part of it; in a store
with no restricted graph, nothing is narrowed.)
"""

from __future__ import annotations

from ..errors import AuthenticationRequired
from ..sparql.guard import inspect
from ..store import Store
from .accounts import Account
from .rights import is_restricted


#: A graph that never exists: the dataset of an anonymous query when no graph is public.
NO_GRAPH = "urn:amikg:no-public-graph"


def public_graphs(store: Store) -> list[str]:
    """Every named graph that is not restricted."""
    return [g for g in store.named_graphs() if not is_restricted(g)]


def refuse_restricted(account: Account | None, graph: str) -> None:
    """Raise unless ``account`` may read ``graph``.

    :raise AuthenticationRequired: (401) an anonymous reader and a restricted graph.
    """
    if account is None and is_restricted(graph):
        raise AuthenticationRequired(f"the graph {graph} is restricted: send an account's "
                                     "credentials ('Authorization: Bearer <token>')", graph=graph)


def query_dataset(store: Store, account: Account | None, text: str,
                  default_graph: list[str] | None = None,
                  named_graphs: list[str] | None = None) -> tuple[list[str] | None, list[str] | None]:
    """The ``(default_graph, named_graphs)`` a query of ``account`` runs over: as asked for an
    account; for an anonymous reader always an explicit list of public graphs.

    :raise AuthenticationRequired: (401) an anonymous request or query naming a restricted graph.
    """
    if account is not None:
        return default_graph, named_graphs
    info = inspect(text)
    # a FROM the inspection cannot resolve (None) is overridden by the explicit dataset below
    asked_default = list(default_graph or []) or list(info.from_graphs or [])
    asked_named = list(named_graphs or []) or list(info.from_named or [])
    for g in asked_default + asked_named:
        refuse_restricted(None, g)
    graphs = store.named_graphs()
    if not any(is_restricted(g) for g in graphs):  # nothing to hide: the dataset as asked
        return default_graph, named_graphs
    # never an empty list: a remote store would read "no graph named" as "its whole default"
    public = [g for g in graphs if not is_restricted(g)] or [NO_GRAPH]
    if asked_default or asked_named:  # a dataset of its own: FROM without FROM NAMED has none
        return asked_default, asked_named
    return public, public
