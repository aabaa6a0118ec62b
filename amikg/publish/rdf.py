"""RDF out of the store for the published views: the output formats, small graphs serialised
(Turtle, N-Triples, RDF/XML, JSON-LD), rdflib graphs as pyoxigraph triples, IRIs as prefixed or
local names, the rows of a SELECT as plain dicts, and the JSON-LD context of the ontology."""

from __future__ import annotations

import re
from typing import Iterable

import pyoxigraph as ox
import rdflib

from ..errors import FormatError
from ..namespaces import AMI, GRAPH_ONTOLOGY, OWL, PREFIXES, RDFS, SKOS, XSD
from ..store import Store, nn

#: RDF output formats: short name -> (media type, pyoxigraph format or None for JSON-LD via rdflib).
RDF_MEDIA = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "xml": "application/rdf+xml",
    "ntriples": "application/n-triples",
}
#: ``?format=`` spellings.
FORMAT_ALIASES = {
    "ttl": "turtle", "turtle": "turtle", "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld",
    "rdf": "xml", "xml": "xml", "rdfxml": "xml", "rdf+xml": "xml", "nt": "ntriples",
    "ntriples": "ntriples", "n-triples": "ntriples", "html": "html",
}


def local_name(iri: str) -> str:
    """The last segment of an IRI (after its last ``#`` or ``/``)."""
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def compact_iri(iri: str) -> str:
    """``ami:Cluster`` for an IRI under one of the PREFIXES, else the IRI itself."""
    for p, ns in PREFIXES.items():
        if iri.startswith(ns) and iri != ns:
            return f"{p}:{iri[len(ns):]}"
    return iri


def select_rows(store: Store, sparql: str, **subs) -> list[dict]:
    """The solutions of a SELECT as dicts of plain strings (``None`` where unbound); ``subs`` are
    bound as the store's substitutions."""
    res = store.query(sparql, substitutions={k: v for k, v in subs.items()} or None)
    names = [v.value for v in res.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in res]


# -- serialising small graphs (descriptions, catalogue, VoID) -------------------------------------

def serialize(triples: Iterable[ox.Triple], fmt: str, context: dict | None = None) -> bytes:
    """Small graphs in ``turtle``, ``ntriples``, ``xml`` or ``jsonld`` (compacted with
    ``context`` when given, so the JSON reads like the ontology's terms)."""
    triples = list(triples)
    if fmt == "turtle":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    if fmt == "ntriples":
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    if fmt == "xml":
        return ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=_xml_prefixes(triples))
    if fmt == "jsonld":
        g = rdflib.Graph()
        g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"),
                format="nt")
        ctx = context if context is not None else {"@context": dict(PREFIXES)}
        return g.serialize(format="json-ld", context=ctx.get("@context", ctx),
                           auto_compact=True, indent=2).encode("utf-8")
    raise FormatError(f"unknown RDF format {fmt!r}; use one of {', '.join(RDF_MEDIA)}", format=fmt)


def _xml_prefixes(triples) -> dict:
    # RDF/XML needs every predicate split into namespace + local name; prefixes help readability
    return {p: ns for p, ns in PREFIXES.items()}


def rdflib_to_triples(graph) -> list[ox.Triple]:
    """An rdflib graph as pyoxigraph triples (via N-Triples, so terms are escaped correctly)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


# -- JSON-LD context ------------------------------------------------------------------------------

def jsonld_context(store: Store) -> dict:
    """A JSON-LD ``@context`` for the ontology: every ``ami:`` class and property by its local
    name (object properties typed ``@id``, datatype properties with their XSD range), the
    prefixes, and ``id``/``type``/``label``."""
    ctx: dict = dict(PREFIXES)
    res = store.query(
        "SELECT ?t ?kind ?range WHERE { GRAPH ?g { ?t a ?kind "
        "VALUES ?kind { <%sClass> <%sObjectProperty> <%sDatatypeProperty> <%sAnnotationProperty> } "
        "OPTIONAL { ?t <%srange> ?range } } FILTER(STRSTARTS(STR(?t), STR(?ns))) } ORDER BY ?t"
        % (OWL, OWL, OWL, OWL, RDFS),
        substitutions={"g": nn(GRAPH_ONTOLOGY), "ns": ox.Literal(str(AMI))})
    for s in res:
        iri, kind = s["t"].value, s["kind"].value
        name = iri[len(str(AMI)):]
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name) or name in ctx:
            continue
        if kind == str(OWL.Class):
            ctx[name] = iri
        elif kind == str(OWL.ObjectProperty):
            ctx[name] = {"@id": iri, "@type": "@id"}
        elif kind == str(OWL.DatatypeProperty) and s["range"] is not None \
                and s["range"].value.startswith(str(XSD)) and s["range"].value != str(XSD.string):
            ctx[name] = {"@id": iri, "@type": s["range"].value}
        else:
            ctx[name] = {"@id": iri}
    for alias, value in (("id", "@id"), ("type", "@type"), ("label", str(RDFS.label)),
                         ("prefLabel", str(SKOS.prefLabel)), ("definition", str(SKOS.definition)),
                         ("comment", str(RDFS.comment))):
        ctx.setdefault(alias, value)
    return {"@context": ctx}

