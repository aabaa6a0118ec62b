"""Finding a cluster: by IRI, slug (``filas``) or ``skos:notation``, and the clusters' labels.

The validation and the roadmap (and so the CLI, the API and the pages that call them) turn what a
user typed into a cluster IRI here. A cluster is any SHACL instance of ``ami:Cluster``
(``rdf:type/rdfs:subClassOf*``).
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import BNode, URIRef

from .errors import NotFound
from .namespaces import AMI, AMID
from .store import Store

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def resolve_cluster(store: Store, ident: str) -> URIRef:
    """A cluster IRI from an IRI, a slug (``filas``) or a ``skos:notation``.

    :raise NotFound: naming the identifier when no such cluster exists."""
    candidates = []
    if _SCHEME.match(ident):
        candidates.append(ox.NamedNode(ident) if " " not in ident else None)
    else:
        candidates.append(ox.NamedNode(str(AMID["cluster/" + ident])))
    q = ("SELECT ?c WHERE { ?c <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
         "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?cls }")
    for cand in filter(None, candidates):
        if list(store.query(q, substitutions={"c": cand, "cls": ox.NamedNode(str(AMI.Cluster))})):
            return URIRef(cand.value)
    if not _SCHEME.match(ident):
        q2 = ("SELECT ?c WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> ?n ; "
              "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
              "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?cls }")
        hits = list(store.query(q2, substitutions={"n": ox.Literal(ident),
                                                    "cls": ox.NamedNode(str(AMI.Cluster))}))
        if hits:
            c = hits[0]["c"]
            return URIRef(c.value) if isinstance(c, ox.NamedNode) else BNode(c.value)
    raise NotFound(f"no cluster {ident!r} in the store (give its IRI or slug, e.g. filas)",
                   cluster=ident)


def cluster_labels(store: Store, clusters: list | None = None) -> dict:
    """Cluster IRI -> one of its ``rdfs:label``\\ s, for every cluster of the store
    (``clusters`` is accepted and not used)."""
    q = ("SELECT ?c (SAMPLE(?l) AS ?label) WHERE { ?c a ?cls ; "
         "<http://www.w3.org/2000/01/rdf-schema#label> ?l } GROUP BY ?c")
    out = {}
    for s in store.query(q, substitutions={"cls": ox.NamedNode(str(AMI.Cluster))}):
        out[s["c"].value] = s["label"].value
    return out
