"""Vocabulary terms and the fixed IRIs of amikg (see docs/modelling.md)."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, VANN, VOID, XSD

from .util import slug

AMI = Namespace("https://w3id.org/amikg/ontology#")
AMID = Namespace("https://w3id.org/amikg/id/")
AMIG = Namespace("https://w3id.org/amikg/graph/")
AMIS = Namespace("https://w3id.org/amikg/shapes#")
NUTS = Namespace("http://data.europa.eu/nuts/code/")
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("https://schema.org/")
#: EU Publications Office authority tables (``country/``, ``licence/``, ``file-type/``, ...).
EU_AUTHORITY = Namespace("http://publications.europa.eu/resource/authority/")
IANA_MEDIA = Namespace("http://www.iana.org/assignments/media-types/")
DCATAP = Namespace("http://data.europa.eu/r5r/")

ONTOLOGY_IRI = "https://w3id.org/amikg/ontology"
REPORT_IRI = str(AMID["source/ami-4europe-d2.2"])

#: The fixed named graphs.
GRAPH_ONTOLOGY = str(AMIG.ontology)
GRAPH_SHAPES = str(AMIG.shapes)
GRAPH_REPORT = str(AMIG.report)
GRAPH_DEMO = str(AMIG.demo)
GRAPH_META = str(AMIG.meta)

#: Prefixes offered to every query and used in every serialisation.
PREFIXES = {
    "ami": str(AMI), "amid": str(AMID), "amig": str(AMIG), "amis": str(AMIS),
    "nuts": str(NUTS), "country": str(COUNTRY),
    "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD), "skos": str(SKOS),
    "dcterms": str(DCTERMS), "prov": str(PROV), "org": str(ORG), "foaf": str(FOAF),
    "dcat": str(DCAT), "vcard": str(VCARD), "void": str(VOID), "vann": str(VANN),
    "spdx": str(SPDX), "sd": str(SD), "sh": str(SH),
}


def source_graph(name: str) -> str:
    """IRI of the named graph for a loaded file called ``name`` (slugged)."""
    return str(AMIG["source/" + slug(name)])
