"""The VoID description of the store: the whole store as one dataset with one subset per named
graph (SPARQL 1.1 Service Description ``sd:name``), with counts, vocabularies, examples and dumps."""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef

from ..access import is_restricted
from ..namespaces import AMI, DCTERMS, RDF, SD, VOID, XSD
from ..store import Store
from .datasets import DUMP_FORMATS, datasets
from .rdf import local_name, select_rows


def void_graph(store: Store, base_url: str, base_iri: str) -> Graph:
    """A VoID description: the whole store as one dataset with one subset per named graph,
    triple counts as the store reports them, vocabularies, example resources, the SPARQL endpoint
    and the dumps."""
    base_url = base_url.rstrip("/") + "/"
    base_iri = base_iri.rstrip("/") + "/"
    g = Graph()
    g.bind("void", str(VOID))
    g.bind("dct", str(DCTERMS))
    top = URIRef(base_iri + "id/void")
    g.add((top, RDF.type, VOID.Dataset))
    g.add((top, DCTERMS.title,
           Literal("amikg: Advanced Medical Imaging clusters in Europe", lang="en")))
    g.add((top, VOID.triples, Literal(store.count(), datatype=XSD.integer)))
    g.add((top, VOID.sparqlEndpoint, URIRef(base_url + "sparql")))
    g.add((top, VOID.uriSpace, Literal(base_iri + "id/")))
    g.add((top, VOID.rootResource, URIRef(base_iri + "id/catalog")))
    g.add((top, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    g.add((top, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Quads")))
    for r in select_rows(store, "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"):
        ns = re.match(r"^(.*[#/])", r["p"])
        if ns:
            g.add((top, VOID.vocabulary, URIRef(ns.group(1))))
    examples = select_rows(store, """SELECT ?c (SAMPLE(?s) AS ?ex) WHERE { ?s a ?c
        VALUES ?c { <%sCluster> <http://www.w3.org/ns/org#Organization> } FILTER(isIRI(?s)) }
        GROUP BY ?c""" % AMI)
    for r in examples:
        g.add((top, VOID.exampleResource, URIRef(r["ex"])))
    g.add((top, VOID.exampleResource, AMI.Cluster))
    published = {d.graph: d for d in datasets(store)}
    for graph in store.named_graphs():
        if is_restricted(graph):  # restricted graphs are not described in public (issue 21)
            continue
        ds = published.get(graph)  # a graph that is not published: its name and size only
        sub = URIRef(base_iri + "id/void/" + (ds.name if ds else local_name(graph)))
        g.add((top, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(store.count(graph), datatype=XSD.integer)))
        g.add((sub, SD.name, URIRef(graph)))
        if ds:
            g.add((sub, DCTERMS.title, Literal(ds.title, lang="en")))
            g.add((sub, DCTERMS.isPartOf, URIRef(f"{base_iri}id/dataset/{ds.name}")))
            for ext in DUMP_FORMATS:
                g.add((sub, VOID.dataDump, URIRef(f"{base_url}download/{ds.name}.{ext}")))
    return g

