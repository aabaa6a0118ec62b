"""Finding a cluster: the one resolver every interface uses, and the clusters' labels.

What a user types for a cluster (on the command line, in an API path or parameter, in a page URL,
for an import) becomes a cluster IRI here, and nowhere else. A cluster is any instance of
``ami:Cluster`` (``rdf:type/rdfs:subClassOf*``). It is found by:

- its IRI, or a prefixed name of it (``amid:cluster/filas``);
- its slug, the last segment of ``https://w3id.org/amikg/id/cluster/<slug>`` (``filas``,
  ``IMAGO-MOL`` in any case);
- its ``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel`` or ``skos:notation`` (any case, white
  space folded).

The error for an unknown cluster names the store it looked in and the nearest match.
"""

from __future__ import annotations

import difflib
import re

import pyoxigraph as ox
from rdflib import BNode, URIRef

from .errors import NotFound
from .namespaces import AMI, AMID, PREFIXES
from .store import Store

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
_CLUSTER_PREFIX = str(AMID["cluster/"])
_IS_CLUSTER = ("ASK { ?c <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
               "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?cls }")
#: Every cluster with the names it can be asked for by.
_NAMES = ("SELECT ?c ?name WHERE { ?c <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
          "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?cls . OPTIONAL { ?c "
          "<http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#"
          "prefLabel>|<http://www.w3.org/2004/02/skos/core#altLabel>|<http://www.w3.org/2004/02/"
          "skos/core#notation> ?name } }")


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _expand(ident: str) -> str:
    """``amid:cluster/filas`` as a full IRI (a known prefix), anything else unchanged."""
    prefix, _, local = ident.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return ident


def _is_cluster(store: Store, iri: str) -> bool:
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return False
    return bool(store.query(_IS_CLUSTER, substitutions={
        "c": node, "cls": ox.NamedNode(str(AMI.Cluster))}))


def cluster_names(store: Store) -> dict:
    """Cluster node -> the names it can be asked for by (its slug first, where it has one)."""
    out: dict = {}
    for s in store.query(_NAMES, substitutions={"cls": ox.NamedNode(str(AMI.Cluster))}):
        names = out.setdefault(s["c"], [])
        if not names and isinstance(s["c"], ox.NamedNode) and \
                s["c"].value.startswith(_CLUSTER_PREFIX):
            names.append(s["c"].value[len(_CLUSTER_PREFIX):])
        if s["name"] is not None and s["name"].value not in names:
            names.append(s["name"].value)
    return out


def resolve_cluster(store: Store, ident: str) -> URIRef:
    """The cluster that ``ident`` names (IRI, prefixed name, slug, label, alternative label or
    notation, in any case).

    :raise NotFound: naming the identifier, the store it looked in and the nearest match."""
    wanted = ident.strip()
    if _SCHEME.match(wanted) and " " not in wanted and _is_cluster(store, _expand(wanted)):
        return URIRef(_expand(wanted))
    if wanted and "/" not in wanted and " " not in wanted:
        for slug in (wanted, wanted.lower()):
            if _is_cluster(store, _CLUSTER_PREFIX + slug):
                return URIRef(_CLUSTER_PREFIX + slug)
    names = cluster_names(store)
    key = _fold(wanted)
    for node, ns in names.items():
        if any(_fold(n) == key for n in ns):
            return URIRef(node.value) if isinstance(node, ox.NamedNode) else BNode(node.value)
    firsts = [ns[0] for ns in names.values() if ns]
    near = difflib.get_close_matches(wanted.lower(), [n.lower() for n in firsts], n=1)
    match = next((n for n in firsts if near and n.lower() == near[0]), None)
    hint = f'; did you mean "{match}"?' if match else ""
    raise NotFound(f"no cluster {ident!r} in the store at {store.location} (give its IRI, slug "
                   f"or name, e.g. {min(firsts) if firsts else 'filas'}){hint}", cluster=ident)


def cluster_labels(store: Store, clusters: list | None = None) -> dict:
    """Cluster IRI -> one of its ``rdfs:label``\\ s, for every cluster of the store
    (``clusters`` is accepted and not used)."""
    q = ("SELECT ?c (SAMPLE(?l) AS ?label) WHERE { ?c a ?cls ; "
         "<http://www.w3.org/2000/01/rdf-schema#label> ?l } GROUP BY ?c")
    out = {}
    for s in store.query(q, substitutions={"cls": ox.NamedNode(str(AMI.Cluster))}):
        out[s["c"].value] = s["label"].value
    return out
