"""Who may write which graph, and which graphs a write touches: the one place that decides.

Roles (issue 21):

- ``admin``: every graph, the store's default graph, "any graph" (``GRAPH ?g``, ``CLEAR ALL``);
- ``steward``: every data graph, including the default graph; not the ontology, the shapes or
  the provenance graph, and never "any graph" (that would include them);
- ``manager``: the graphs of its clusters, ``https://w3id.org/amikg/graph/cluster/<slug>`` and
  everything under it (``.../<slug>/restricted``, ...), and the imports made for its clusters;
- ``reader``: no graph.

:func:`graphs_touched` reads an update with rdflib's SPARQL parser (``parseUpdate`` and its
algebra), so the graphs are known before anything runs: ``WITH``, ``INSERT``/``DELETE`` templates
(a ``GRAPH ?g`` template is :data:`ANY`), ``INSERT DATA``/``DELETE DATA``/``DELETE WHERE``,
``LOAD ... INTO``, ``CLEAR``/``DROP``/``CREATE`` (``ALL``, ``NAMED``: :data:`ANY`;
``DEFAULT``: :data:`DEFAULT`), ``ADD``/``COPY`` (the target) and ``MOVE`` (both). ``USING`` only
names graphs read. :func:`may_write` is the rule; :func:`refuse_unless_allowed` raises.
"""

from __future__ import annotations

from typing import Iterable

from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.term import URIRef

from ..errors import ForbiddenOperation, QueryError
from ..namespaces import AMID, AMIG, GRAPH_META, GRAPH_ONTOLOGY, GRAPH_SHAPES
from ..sparql.lexer import unescape_local
from ..store import Store, nn
from .accounts import Account

#: "Any graph": a variable graph, ``ALL`` or ``NAMED``.
ANY = "*"
#: The store's own default graph (triples outside every named graph).
DEFAULT = "DEFAULT"
CLUSTER_GRAPHS = str(AMIG["cluster/"])
IMPORT_GRAPHS = str(AMIG["import/"])
CLUSTER_IRIS = str(AMID["cluster/"])
#: Graphs only an admin writes.
PROTECTED = frozenset({GRAPH_ONTOLOGY, GRAPH_SHAPES, GRAPH_META})


def cluster_graph(cluster: str) -> str:
    """The cluster's own graph, ``amig:cluster/<slug>``, from its IRI or slug."""
    slug = cluster[len(CLUSTER_IRIS):] if cluster.startswith(CLUSTER_IRIS) else cluster
    return CLUSTER_GRAPHS + slug.strip("/").split("/")[0]


def cluster_of_graph(graph: str) -> str | None:
    """The cluster IRI whose graphs ``graph`` belongs to by name, or None."""
    if not graph.startswith(CLUSTER_GRAPHS):
        return None
    slug = graph[len(CLUSTER_GRAPHS):].split("/")[0]
    return CLUSTER_IRIS + slug if slug else None


def is_restricted(graph: str) -> bool:
    """Whether a graph is restricted (read by accounts only): its IRI's last segment is
    ``restricted`` (``amig:cluster/<slug>/restricted``, ``amig:import/<id>/restricted``)."""
    return graph.rstrip("/").rsplit("/", 1)[-1] == "restricted"


def may_read_restricted(account: Account | None) -> bool:
    return account is not None


def may_write(account: Account | None, graphs: Iterable[str]) -> bool:
    """Whether ``account`` may write every graph of ``graphs`` (IRIs, :data:`ANY`,
    :data:`DEFAULT`). Import graphs must already be resolved to their cluster's graph
    (:func:`owned_graphs`). An empty set of graphs is allowed to anyone who may write at all."""
    if account is None or account.role == "reader":
        return False
    if account.role == "admin":
        return True
    graphs = set(graphs)
    if ANY in graphs:
        return False
    if account.role == "steward":
        return not graphs & PROTECTED
    if account.role == "manager":
        mine = {cluster_graph(c) for c in account.clusters}
        return all(cluster_of_graph(g) is not None and cluster_graph(cluster_of_graph(g)) in mine
                   for g in graphs)
    return False


def owned_graphs(store: Store, graphs: Iterable[str]) -> set[str]:
    """``graphs`` with each import graph (``amig:import/<id>`` and below) replaced by the graph
    of the cluster the import was made for, as its provenance record says."""
    out = set()
    for g in graphs:
        if g.startswith(IMPORT_GRAPHS):
            base = IMPORT_GRAPHS + g[len(IMPORT_GRAPHS):].split("/")[0]
            res = list(store.query(
                "SELECT ?c WHERE { GRAPH ?meta { ?g <http://purl.org/dc/terms/subject> ?c } }",
                substitutions={"meta": nn(GRAPH_META), "g": nn(base)}))
            if len(res) == 1 and str(res[0]["c"].value).startswith(CLUSTER_IRIS):
                out.add(cluster_graph(res[0]["c"].value))
                continue
        out.add(g)
    return out


def refuse_unless_allowed(store: Store, account: Account | None, graphs: Iterable[str],
                          action: str = "this write") -> set[str]:
    """Raise unless ``account`` may write ``graphs``; returns the graphs as given.

    :raise ForbiddenOperation: (403) naming the graphs outside the account's rights.
    """
    graphs = set(graphs)
    owned = owned_graphs(store, graphs)
    if may_write(account, owned):
        return graphs
    who = "an anonymous user" if account is None else f"{account.name} ({account.role})"
    outside = sorted(g for g in graphs if not may_write(account, owned_graphs(store, [g])))
    shown = ", ".join("any graph" if g == ANY else "the default graph" if g == DEFAULT else g
                      for g in outside[:5]) or "any graph"
    raise ForbiddenOperation(f"{action} is refused: {who} may not write {shown}; nothing was "
                             "written", account=None if account is None else account.name,
                             graphs=outside)


# -- the graphs an update touches ---------------------------------------------------------------

def _term(t) -> str:
    if isinstance(t, URIRef):  # rdflib keeps a prefixed name's escapes; an IRI written whole
        return unescape_local(str(t))  # cannot hold a backslash, so each one is such an escape
    if t in ("DEFAULT", None):
        return DEFAULT
    return ANY  # a Variable, ALL, NAMED


def _field(op, name: str):
    """A field of rdflib's algebra node, or None (its ``get`` answers the name itself)."""
    return dict.get(op, name)


def _template(clause, with_graph) -> set[str]:
    if clause is None:
        return set()
    out = {_term(g) for g, triples in (_field(clause, "quads") or {}).items() if triples}
    if _field(clause, "triples"):
        out.add(_term(with_graph))
    return out


def _one(op) -> set[str]:
    name = op.name
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        return _template(op, None)
    if name == "Modify":
        return _template(_field(op, "delete"), _field(op, "withClause")) | \
            _template(_field(op, "insert"), _field(op, "withClause"))
    if name == "Load":
        return {_term(_field(op, "graphiri"))}
    if name in ("Clear", "Drop", "Create"):
        return {_term(_field(op, "graphiri"))}
    if name in ("Add", "Copy"):
        return {_term(op.graph[1])}
    if name == "Move":
        return {_term(op.graph[0]), _term(op.graph[1])}
    return {ANY}  # an operation this reading does not know: fail closed


def graphs_touched(update: str, base_iri: str | None = None) -> set[str]:
    """Every graph the SPARQL update ``update`` would write (IRIs, :data:`ANY`, :data:`DEFAULT`).

    :raise QueryError: the text is not an update this parser can read (then nothing can be said
        about what it writes).
    """
    try:
        parsed = translateUpdate(parseUpdate(update), base=base_iri)
    except Exception as e:  # pyparsing's and rdflib's errors alike: the text cannot be read
        raise QueryError(f"cannot tell which graphs this update writes: {str(e)[:300]}",
                         parser=str(e)[:300])
    out: set[str] = set()
    for op in parsed.algebra or []:
        out |= _one(op)
    return out
