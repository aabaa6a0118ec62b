"""The DCAT-AP 3 catalogue of the store: the catalogue, its publisher and contact point, the SPARQL
endpoint as a data service, and every published dataset with its dumps as distributions (byte
size, SHA-256, media type). Authority-table concepts (EU Publications Office, ADMS) carry their
type, label and scheme, since the tables cannot be fetched offline."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from .. import __version__
from ..errors import ConfigError
from ..namespaces import (AMI, DCAT, DCATAP, DCTERMS, EU_AUTHORITY, FOAF, GRAPH_ONTOLOGY, IANA_MEDIA,
                          ONTOLOGY_IRI, PREFIXES, PROV, RDF, RDFS, REPORT_IRI, SKOS, SPDX, VCARD,
                          VOID, XSD)
from ..store import Store, nn
from .datasets import (DUMP_FORMATS, Dataset, DumpFormat, datasets, dump_info, graph_state,
                       parse_time)
from .privacy import has_personal_data
from .rdf import local_name, select_rows
from .views import graph_provenance

#: The ADMS publisher-type vocabulary (SEMIC).
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/"
#: The ADMS licence-type vocabulary (SEMIC).
ADMS_LICENCE_TYPES = "http://purl.org/adms/licencetype/"


@dataclass
class CatalogInfo:
    """Who publishes the catalogue, and under which terms. From ``AMIKG_PUBLISHER_NAME``,
    ``AMIKG_PUBLISHER_TYPE`` (a code of the ADMS publisher-type list), ``AMIKG_CONTACT_EMAIL``,
    ``AMIKG_CONTACT_URL``, ``AMIKG_LICENCE`` (a code of the EU licence table)."""

    publisher_name: str = "The amikg project"
    publisher_type: str = "NonProfitOrganisation"
    contact_email: str = "amikg@example.org"
    contact_url: str = "https://w3id.org/amikg/"
    licence: str = "CC_BY_4_0"

    @classmethod
    def from_env(cls, env: dict | None = None) -> "CatalogInfo":
        env = os.environ if env is None else env
        out = cls()
        for f in ("publisher_name", "publisher_type", "contact_email", "contact_url", "licence"):
            v = env.get("AMIKG_" + f.upper())
            if v:
                setattr(out, f, v.strip())
        if not re.fullmatch(r"[A-Za-z0-9_-]+", out.publisher_type + out.licence):
            raise ConfigError("AMIKG_PUBLISHER_TYPE and AMIKG_LICENCE must be authority-table codes "
                              "(e.g. NonProfitOrganisation, CC_BY_4_0)", setting="AMIKG_LICENCE")
        return out


#: English labels of the authority-table entries the catalogue uses (EU Publications Office).
AUTHORITY_LABELS = {
    f"{EU_AUTHORITY}data-theme": "Data theme",
    f"{EU_AUTHORITY}data-theme/HEAL": "Health",
    f"{EU_AUTHORITY}data-theme/TECH": "Science and technology",
    f"{EU_AUTHORITY}access-right": "Access right",
    f"{EU_AUTHORITY}access-right/PUBLIC": "public",
    f"{EU_AUTHORITY}language": "Language",
    f"{EU_AUTHORITY}language/ENG": "English",
    f"{EU_AUTHORITY}licence": "Licence",
    f"{EU_AUTHORITY}licence/CC_BY_4_0": "Creative Commons Attribution 4.0 International",
    f"{EU_AUTHORITY}licence/CC0": "Creative Commons CC0 1.0 Universal",
    f"{EU_AUTHORITY}file-type": "File type",
    f"{EU_AUTHORITY}file-type/RDF_TURTLE": "RDF Turtle",
    f"{EU_AUTHORITY}file-type/RDF_N_TRIPLES": "RDF N-Triples",
    f"{EU_AUTHORITY}file-type/RDF_N_QUADS": "RDF N-Quads",
    f"{EU_AUTHORITY}file-type/JSON_LD": "JSON-LD",
    f"{EU_AUTHORITY}planned-availability": "Planned availability",
    f"{EU_AUTHORITY}planned-availability/STABLE": "stable",
    f"{PUBLISHER_TYPES}1.0": "Publisher type",
    f"{PUBLISHER_TYPES}NonProfitOrganisation": "Non-Profit Organisation",
    f"{PUBLISHER_TYPES}Academia-ScientificOrganisation": "Academia/Scientific organisation",
    f"{ADMS_LICENCE_TYPES}1.0": "Licence type",
    f"{ADMS_LICENCE_TYPES}Attribution": "Attribution",
    f"{ADMS_LICENCE_TYPES}PublicDomain": "Public domain",
}
#: Report facts cover the project's run up to the report (start 1 October 2010, written May 2013).
REPORT_PERIOD = ("2010-10-01", "2013-05-31")
#: DCAT-AP data themes (EU data-theme table) of every dataset.
THEMES = ("HEAL", "TECH")
#: The ADMS licence type (``dct:type`` of the licence) of the EU licence codes amikg knows.
LICENCE_TYPES = {"CC_BY_4_0": "Attribution", "CC0": "PublicDomain"}
#: Keywords of every dataset and of the SPARQL service (what the catalogue is about).
KEYWORDS = ("advanced medical imaging", "medical imaging clusters", "AMI-4Europe")
#: Keywords by kind of dataset, before the ontology classes its data instantiates.
KIND_KEYWORDS = {"ontology": ("ontology", "OWL", "SKOS", "value chain", "cluster roadmap"),
                 "shapes": ("SHACL", "data quality", "cluster roadmap"),
                 "report": ("cluster", "EU report"), "demo": ("synthetic data",),
                 "import": ("cluster members",), "cluster": ("cluster", "cluster profile")}
#: At most this many class labels as keywords per dataset (the most instantiated first).
CLASS_KEYWORDS = 8
#: What each kind of dataset conforms to (``dct:conformsTo``): the data follow the ontology.
STANDARDS = {"ontology": ("http://www.w3.org/TR/owl2-overview/", "OWL 2 Web Ontology Language"),
             "shapes": ("http://www.w3.org/TR/shacl/", "Shapes Constraint Language (SHACL)")}


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


class _Catalog:
    """The graph being built, its base IRIs, and the nodes every part of the catalogue refers to
    (publisher, contact point, licence, access right, language, themes, availability)."""

    def __init__(self, base_url: str, base_iri: str, info: CatalogInfo, contacts: bool = False):
        self.info, self.contacts = info, contacts
        self.base_url = base_url.rstrip("/") + "/"
        self.base_iri = base_iri = base_iri.rstrip("/") + "/"
        self.g = g = Graph()
        for p, ns in PREFIXES.items():
            g.bind(p, ns)
        g.bind("dct", str(DCTERMS))
        self.catalog = URIRef(base_iri + "id/catalog")
        self.publisher = URIRef(base_iri + "id/agent/publisher")
        self.contact = URIRef(base_iri + "id/agent/publisher#contact")
        self.licence = self.authority("licence", info.licence, DCTERMS.LicenseDocument)
        if info.licence in LICENCE_TYPES:  # a code amikg does not know: no type (docs)
            self.add(self.licence, DCTERMS.type, self.concept(
                ADMS_LICENCE_TYPES + LICENCE_TYPES[info.licence], ADMS_LICENCE_TYPES + "1.0"))
        self.access = self.authority("access-right", "PUBLIC", DCTERMS.RightsStatement)
        self.english = self.authority("language", "ENG", DCTERMS.LinguisticSystem)
        europe = URIRef(f"{EU_AUTHORITY}continent/EUROPE")
        g.add((europe, RDF.type, DCTERMS.Location))
        self.themes = [self.authority("data-theme", t) for t in THEMES]
        self.stable = self.authority("planned-availability", "STABLE")
        self.service = URIRef(base_iri + "id/service/sparql")

    def add(self, s, p, o) -> None:
        self.g.add((s, p, o))

    def concept(self, iri: str, scheme: str, cls=None) -> URIRef:
        """A SKOS concept of an authority table, typed (``cls``), labelled and in its scheme."""
        node, sch = URIRef(iri), URIRef(scheme)
        for t in (cls, SKOS.Concept):
            if t is not None:
                self.add(node, RDF.type, t)
        self.add(node, SKOS.prefLabel, _en(AUTHORITY_LABELS.get(iri, local_name(iri))))
        self.add(node, SKOS.inScheme, sch)
        self.add(sch, RDF.type, SKOS.ConceptScheme)
        self.add(sch, DCTERMS.title, _en(AUTHORITY_LABELS.get(scheme, local_name(scheme))))
        return node

    def authority(self, table: str, code: str, cls=None) -> URIRef:
        """The concept ``code`` of the EU authority table ``table``."""
        return self.concept(f"{EU_AUTHORITY}{table}/{code}", f"{EU_AUTHORITY}{table}", cls)


def catalog_graph(store: Store, base_url: str, base_iri: str,
                  info: CatalogInfo | None = None, contacts: bool = False) -> Graph:
    """The DCAT-AP 3 catalogue of the store as an rdflib graph.

    :param base_url: where the service answers (download and endpoint URLs), ends with ``/``.
    :param base_iri: the IRI base of the published resources (``AMIKG_BASE_IRI``).
    :param contacts: the dumps include personal contact data (``AMIKG_PUBLISH_CONTACTS``); by
        default they leave it out, and a dataset that holds some says so in its description.
    Every IRI that DCAT-AP's range shapes check carries its ``rdf:type`` (the authority tables
    cannot be fetched offline), and authority concepts carry ``skos:inScheme``."""
    c = _Catalog(base_url, base_iri, info or CatalogInfo.from_env(), contacts)
    _agents(c)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    _catalog(c)
    _service(c)
    loads = [_dataset(c, store, ds, now) for ds in datasets(store)] or [now]
    # issued: the first dataset's load; modified: the last change to any dataset
    c.add(c.catalog, DCTERMS.issued, Literal(min(loads).isoformat(), datatype=XSD.dateTime))
    c.add(c.catalog, DCTERMS.modified, Literal(max(loads).isoformat(), datatype=XSD.dateTime))
    return c.g


def _agents(c: _Catalog) -> None:
    """The publisher (with its ADMS type) and the contact point."""
    info, publisher, contact = c.info, c.publisher, c.contact
    c.add(publisher, RDF.type, FOAF.Agent)
    c.add(publisher, RDF.type, FOAF.Organization)
    c.add(publisher, FOAF.name, _en(info.publisher_name))
    c.add(publisher, DCTERMS.type, c.concept(f"{PUBLISHER_TYPES}{info.publisher_type}",
                                             f"{PUBLISHER_TYPES}1.0"))
    c.add(contact, RDF.type, VCARD.Kind)
    c.add(contact, RDF.type, VCARD.Organization)
    c.add(contact, VCARD.fn, Literal(info.publisher_name))
    c.add(contact, VCARD.hasEmail, URIRef("mailto:" + info.contact_email))
    c.add(contact, VCARD.hasURL, URIRef(info.contact_url))


def _catalog(c: _Catalog) -> None:
    """The catalogue itself (its datasets and modification time are added as they come)."""
    catalog = c.catalog
    c.add(catalog, RDF.type, DCAT.Catalog)
    c.add(catalog, DCTERMS.title, _en("amikg: Advanced Medical Imaging clusters in Europe"))
    c.add(catalog, DCTERMS.description, _en(
        "Linked open data about Advanced Medical Imaging (AMI) clusters in Europe, built from the "
        "AMI-4Europe report D2.2: the cluster ontology, its SHACL shapes, the report's cluster "
        "facts and every dataset loaded into this amikg service, with a SPARQL endpoint."))
    c.add(catalog, DCTERMS.publisher, c.publisher)
    c.add(catalog, DCAT.contactPoint, c.contact)
    c.add(catalog, DCTERMS.language, c.english)
    c.add(catalog, DCTERMS.license, c.licence)
    c.add(catalog, DCTERMS.spatial, URIRef(f"{EU_AUTHORITY}continent/EUROPE"))
    homepage = URIRef(c.base_url)
    c.add(catalog, FOAF.homepage, homepage)
    c.add(homepage, RDF.type, FOAF.Document)
    c.add(catalog, DCAT.themeTaxonomy, URIRef(f"{EU_AUTHORITY}data-theme"))


def _service(c: _Catalog) -> None:
    """The SPARQL endpoint as a DCAT data service."""
    service, endpoint = c.service, URIRef(c.base_url + "sparql")
    c.add(c.catalog, DCAT.service, service)
    c.add(service, RDF.type, DCAT.DataService)
    c.add(service, DCTERMS.title, _en("amikg SPARQL 1.1 endpoint"))
    c.add(service, DCTERMS.description, _en(
        "SPARQL 1.1 query endpoint over the union of all published datasets; its service "
        "description (SPARQL 1.1 Service Description) is returned at the endpoint URL."))
    c.add(service, DCAT.endpointURL, endpoint)
    c.add(service, DCAT.endpointDescription, endpoint)
    c.add(endpoint, RDF.type, RDFS.Resource)
    c.add(service, DCTERMS.license, c.licence)
    c.add(service, DCTERMS.accessRights, c.access)
    c.add(service, DCTERMS.publisher, c.publisher)
    c.add(service, DCAT.contactPoint, c.contact)
    conforms = URIRef("https://www.w3.org/TR/sparql11-protocol/")
    c.add(service, DCTERMS.conformsTo, conforms)
    c.add(conforms, RDF.type, DCTERMS.Standard)
    for t in c.themes:
        c.add(service, DCAT.theme, t)
    for k in ("SPARQL", "linked data", *KEYWORDS):
        c.add(service, DCAT.keyword, _en(k))


def _dataset(c: _Catalog, store: Store, ds: Dataset, now: datetime) -> datetime:
    """One dataset with its place, period, provenance statement and distributions; returns when
    it was last loaded (``now`` when that was not recorded)."""
    d = URIRef(f"{c.base_iri}id/dataset/{ds.name}")
    c.add(c.catalog, DCAT.dataset, d)
    c.add(c.service, DCAT.servesDataset, d)
    c.add(d, RDF.type, DCAT.Dataset)
    c.add(d, DCTERMS.title, _en(ds.title))
    c.add(d, DCTERMS.description, _en(ds.description + _withheld(c, store, ds)))
    c.add(d, DCTERMS.identifier, Literal(ds.name))
    c.add(d, DCTERMS.publisher, c.publisher)
    c.add(d, DCAT.contactPoint, c.contact)
    c.add(d, DCTERMS.accessRights, c.access)
    c.add(d, DCTERMS.language, c.english)
    c.add(d, DCTERMS.license, c.licence)
    for t in c.themes:
        c.add(d, DCAT.theme, t)
    for sp in _spatial(store, ds):
        node = URIRef(sp)
        c.add(d, DCTERMS.spatial, node)
        c.add(node, RDF.type, DCTERMS.Location)
    prov = graph_provenance(store, ds.graph)
    period = _period(store, ds, prov["loaded"])
    if period:
        node = URIRef(f"{c.base_iri}id/dataset/{ds.name}#period")
        c.add(d, DCTERMS.temporal, node)
        c.add(node, RDF.type, DCTERMS.PeriodOfTime)
        c.add(node, DCAT.startDate, Literal(period[0], datatype=XSD.date))
        c.add(node, DCAT.endDate, Literal(period[1], datatype=XSD.date))
    for k in _keywords(store, ds):
        c.add(d, DCAT.keyword, _en(k))
    iri, title = STANDARDS.get(ds.kind, (ONTOLOGY_IRI, "AMI cluster ontology"))
    c.add(d, DCTERMS.conformsTo, URIRef(iri))
    c.add(URIRef(iri), RDF.type, DCTERMS.Standard)
    c.add(URIRef(iri), DCTERMS.title, _en(title))
    when = parse_time(prov["loaded"] or "") or now
    stamp = Literal(when.isoformat(), datatype=XSD.dateTime)
    c.add(d, DCTERMS.issued, stamp)
    c.add(d, DCTERMS.modified, stamp)
    statement = URIRef(f"{c.base_iri}id/dataset/{ds.name}#provenance")
    c.add(d, DCTERMS.provenance, statement)
    c.add(statement, RDF.type, DCTERMS.ProvenanceStatement)
    files = ", ".join(f"{f['name']} (sha256 {f['sha256']})" for f in prov["files"]) or "—"
    c.add(statement, RDFS.label, _en(
        f"Named graph {ds.graph} ({prov['triples']} triples), last loaded into amikg "
        f"{__version__} at {prov['loaded'] or 'an unrecorded time'} from: {files}. "
        "The PROV-O record is in the graph https://w3id.org/amikg/graph/meta."))
    if ds.kind in ("report", "ontology", "cluster"):
        c.add(d, PROV.wasDerivedFrom, URIRef(REPORT_IRI))
    c.add(d, VOID.triples, Literal(prov["triples"], datatype=XSD.integer))
    for fmt in DUMP_FORMATS.values():
        _distribution(c, store, ds, d, fmt)
    return when


def _distribution(c: _Catalog, store: Store, ds: Dataset, d: URIRef, fmt: DumpFormat) -> None:
    """One dump of a dataset as a distribution: download URL, media type, size and checksum."""
    dinfo = dump_info(store, ds, fmt, c.contacts)
    dist = URIRef(f"{c.base_iri}id/dataset/{ds.name}/{fmt.ext}")
    url = URIRef(f"{c.base_url}download/{ds.name}.{fmt.ext}")
    c.add(d, DCAT.distribution, dist)
    c.add(dist, RDF.type, DCAT.Distribution)
    c.add(dist, DCTERMS.title, _en(f"{ds.title} ({fmt.file_type.replace('_', ' ')}"
                                   f"{', gzip' if fmt.gzip else ''})"))
    c.add(dist, DCTERMS.description, _en(
        f"Dump of the named graph {ds.graph} as {fmt.rdf_media}"
        f"{' compressed with gzip' if fmt.gzip else ''}; streamed, with ETag and "
        "Last-Modified for conditional requests."))
    c.add(dist, DCATAP.availability, c.stable)
    c.add(dist, DCAT.accessURL, url)
    c.add(dist, DCAT.downloadURL, url)
    mt = URIRef(IANA_MEDIA + fmt.rdf_media)
    c.add(dist, DCAT.mediaType, mt)
    c.add(mt, RDF.type, DCTERMS.MediaType)
    if fmt.gzip:
        cf = URIRef(IANA_MEDIA + "application/gzip")
        c.add(dist, DCAT.compressFormat, cf)
        c.add(cf, RDF.type, DCTERMS.MediaType)
    c.add(dist, DCTERMS.format, c.authority("file-type", fmt.file_type, DCTERMS.MediaTypeOrExtent))
    c.add(dist, DCAT.byteSize, Literal(dinfo.byte_size, datatype=XSD.nonNegativeInteger))
    ck = BNode()
    c.add(dist, SPDX.checksum, ck)
    c.add(ck, RDF.type, SPDX.Checksum)
    c.add(ck, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
    c.add(SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm)
    c.add(ck, SPDX.checksumValue, Literal(dinfo.sha256, datatype=XSD.hexBinary))
    c.add(dist, DCTERMS.license, c.licence)
    c.add(dist, DCTERMS.accessRights, c.access)
    c.add(dist, DCTERMS.modified, Literal(dinfo.modified.isoformat(), datatype=XSD.dateTime))


def _period(store: Store, ds: Dataset, loaded: str | None) -> tuple[str, str] | None:
    """The time the dataset's data cover, as (start, end) dates, or None when they state none:
    the report's own period; for an import, from the earliest membership start (or the day of
    the import) to the day of the import (the members as of that day); for other data, the
    earliest and latest dates they state. The ontology and the shapes cover no period."""
    if ds.kind == "report":
        return REPORT_PERIOD
    if ds.kind == "cluster":  # a profile from the report, plus the dates its managers record
        rows = select_rows(store, """SELECT (MAX(?d) AS ?end) WHERE { GRAPH ?g { ?s ?p ?v
            FILTER(isLiteral(?v) && DATATYPE(?v) = <%sdate>) BIND(STR(?v) AS ?d) } }""" % XSD,
                           g=nn(ds.graph))
        end = rows[0]["end"] if rows and rows[0]["end"] else REPORT_PERIOD[1]
        return (REPORT_PERIOD[0], max(end, REPORT_PERIOD[1]))
    if ds.kind in ("ontology", "shapes"):
        return None
    rows = select_rows(store, """SELECT (MIN(?d) AS ?start) (MAX(?d) AS ?end) WHERE {
        GRAPH ?g { ?s ?p ?v FILTER(isLiteral(?v) && DATATYPE(?v) IN (<%sdate>, <%sdateTime>))
        BIND(SUBSTR(STR(?v), 1, 10) AS ?d) } }""" % (XSD, XSD), g=nn(ds.graph))
    start, end = (rows[0]["start"], rows[0]["end"]) if rows else (None, None)
    if ds.kind == "import" and loaded:
        return (min(start or loaded[:10], loaded[:10]), loaded[:10])
    return (start, end) if start and end else None


def _keywords(store: Store, ds: Dataset) -> list[str]:
    """The catalogue's keywords, the kind's, and the labels of the ontology classes the dataset
    instantiates most (from the ontology graph, in English)."""
    rows = select_rows(store, """SELECT ?c (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?x) AS ?n)
        WHERE { GRAPH ?g { ?x a ?c } GRAPH ?onto { ?c <%slabel> ?l FILTER(LANG(?l) IN ("en", "")) }
        FILTER(STRSTARTS(STR(?c), STR(?ns))) } GROUP BY ?c ORDER BY DESC(?n) ?c""" % RDFS,
                       g=nn(ds.graph), onto=nn(GRAPH_ONTOLOGY), ns=ox.Literal(str(AMI)))
    out = [*KEYWORDS, *KIND_KEYWORDS.get(ds.kind, ())]
    for r in rows[:CLASS_KEYWORDS]:
        if r["label"] and r["label"].lower() not in {k.lower() for k in out}:
            out.append(r["label"])
    return out


_personal: dict[tuple, bool] = {}


def _withheld(c: _Catalog, store: Store, ds: Dataset) -> str:
    """What the dumps of a dataset that holds personal data leave out (cached by graph state)."""
    if c.contacts:
        return ""
    key = (store.location, ds.graph, graph_state(store, ds.graph))
    if key not in _personal:
        _personal[key] = has_personal_data(store, ds.graph)
    if not _personal[key]:
        return ""
    return (" Personal contact data (e-mail addresses, telephone numbers) and the names of "
            "natural persons are left out of the downloads; they are in the store, for SPARQL "
            "users of the endpoint.")


def _spatial(store: Store, ds: Dataset) -> list[str]:
    """Country and NUTS authority IRIs the dataset's resources are located in (Europe for the
    ontology and shapes, which are not about a place)."""
    if ds.kind in ("ontology", "shapes"):
        return [f"{EU_AUTHORITY}continent/EUROPE"]
    rows = select_rows(store, """SELECT DISTINCT ?v WHERE { GRAPH ?g { ?s ?p ?v
        VALUES ?p { <%sregion> <%scountry> }
        FILTER(isIRI(?v) && (STRSTARTS(STR(?v), "http://data.europa.eu/nuts/code/")
                          || STRSTARTS(STR(?v), "%scountry/"))) } } ORDER BY ?v"""
                       % (AMI, AMI, EU_AUTHORITY), g=nn(ds.graph))
    return [r["v"] for r in rows] or [f"{EU_AUTHORITY}continent/EUROPE"]



# -- the catalogue for people ---------------------------------------------------------------------

def readable_size(n: int) -> str:
    """A byte count as people read it: ``812 B``, ``4.5 kB``, ``1.2 MB`` (SI units)."""
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} B"


def catalog_view(store: Store, base_url: str, base_iri: str, info: CatalogInfo | None = None,
                 contacts: bool = False) -> dict:
    """What the ``/catalog`` page shows, read from :func:`catalog_graph` (so the page and the
    RDF agree): the catalogue's publisher, licence and dates, and per dataset its title,
    description, licence, publisher, issued and modified dates, keywords, period and downloads
    (file name, media type, byte size, readable size, SHA-256)."""
    g = catalog_graph(store, base_url, base_iri, info, contacts)
    cat = next(g.subjects(RDF.type, DCAT.Catalog))

    def text(s, p):
        v = g.value(s, p)
        return str(v) if v is not None else None

    def licence(s):
        lic = g.value(s, DCTERMS.license)
        return {"iri": str(lic), "label": text(lic, SKOS.prefLabel) or str(lic)}

    def publisher(s):
        return text(g.value(s, DCTERMS.publisher), FOAF.name)

    out = []
    for d in g.objects(cat, DCAT.dataset):
        period = g.value(d, DCTERMS.temporal)
        dists = []
        for x in g.objects(d, DCAT.distribution):
            size = int(g.value(x, DCAT.byteSize))
            url = text(x, DCAT.downloadURL)
            dists.append({"file": url.rsplit("/", 1)[1], "url": url,
                          "media_type": text(x, DCAT.mediaType).removeprefix(IANA_MEDIA),
                          "gzip": g.value(x, DCAT.compressFormat) is not None,
                          "byte_size": size, "size": readable_size(size),
                          "sha256": text(g.value(x, SPDX.checksum), SPDX.checksumValue)})
        out.append({"name": text(d, DCTERMS.identifier), "title": text(d, DCTERMS.title),
                    "description": text(d, DCTERMS.description), "licence": licence(d),
                    "publisher": publisher(d), "issued": text(d, DCTERMS.issued),
                    "modified": text(d, DCTERMS.modified),
                    "keywords": sorted(str(k) for k in g.objects(d, DCAT.keyword)),
                    "period": (text(period, DCAT.startDate), text(period, DCAT.endDate))
                    if period is not None else None,
                    "distributions": sorted(dists, key=lambda x: _EXT_ORDER.get(
                        x["file"].split(".", 1)[1], 9))})
    order = {ds.name: i for i, ds in enumerate(datasets(store))}
    return {"title": text(cat, DCTERMS.title), "publisher": publisher(cat),
            "licence": licence(cat), "issued": text(cat, DCTERMS.issued),
            "modified": text(cat, DCTERMS.modified),
            "datasets": sorted(out, key=lambda d: order.get(d["name"], len(order)))}


_EXT_ORDER = {ext: i for i, ext in enumerate(DUMP_FORMATS)}
