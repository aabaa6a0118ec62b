"""Publishing: resource descriptions, ontology and shapes documentation, the DCAT-AP 3 catalogue,
VoID, the JSON-LD context, and dataset dumps with sizes and checksums.

Everything here works on a :class:`~amikg.store.Store` and returns plain data, RDF terms or bytes;
``server/linked_data.py`` only adapts it to HTTP, and ``amikg export --dcat`` writes the catalogue.

IRIs (docs/modelling.md, README "Linked data and DCAT-AP"): instance data lives under
``<base>id/...`` (slash IRIs, dereferenced with a 303 to ``<base>doc/...``, W3C "Cool URIs for the
Semantic Web" §4.2), ontology terms are hash IRIs of one document ``<base>ontology`` (§4.1), shapes
are hash IRIs of ``<base>shapes``. The published datasets are the named graphs under ``amig:``
except the metadata graph: ``report``, ``ontology``, ``shapes``, ``demo``, ``source-<name>``,
``import-<id>``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import queue
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import BinaryIO, Iterable, Iterator

import pyoxigraph as ox

from .. import __version__
from ..errors import ConfigError, FormatError, NotFound
from ..namespaces import (AMI, AMIG, AMIS, GRAPH_META, GRAPH_ONTOLOGY, GRAPH_SHAPES, ONTOLOGY_IRI,
                         PREFIXES, REPORT_IRI)
from ..store import Store, nn

# -- vocabulary IRIs used below ------------------------------------------------------------------
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
VOID = "http://rdfs.org/ns/void#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"

#: Properties whose value names a resource, best first.
LABEL_PROPERTIES = [RDFS + "label", SKOS + "prefLabel", FOAF + "name", DCT + "title",
                    VCARD + "fn", SH + "name"]
_LABELS_VALUES = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)

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


@dataclass(frozen=True)
class DumpFormat:
    """One kind of dump file."""

    ext: str
    rdf: str            #: amikg short format name
    media_type: str     #: HTTP Content-Type of the file
    rdf_media: str      #: media type of the RDF inside (dcat:mediaType)
    file_type: str      #: EU file-type authority code (dct:format)
    gzip: bool = False


DUMP_FORMATS = {
    "ttl": DumpFormat("ttl", "turtle", "text/turtle", "text/turtle", "RDF_TURTLE"),
    "nt.gz": DumpFormat("nt.gz", "ntriples", "application/gzip", "application/n-triples",
                        "RDF_N_TRIPLES", gzip=True),
    "nq": DumpFormat("nq", "nquads", "application/n-quads", "application/n-quads", "RDF_N_QUADS"),
    "jsonld": DumpFormat("jsonld", "jsonld", "application/ld+json", "application/ld+json",
                         "JSON_LD"),
}

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,199}$")


# -- datasets -------------------------------------------------------------------------------------

@dataclass
class Dataset:
    """A published dataset: one named graph."""

    name: str
    graph: str
    title: str
    description: str
    kind: str  #: report, ontology, shapes, demo, source, import, other

    def to_dict(self) -> dict:
        return {"name": self.name, "graph": self.graph, "title": self.title,
                "description": self.description, "kind": self.kind}


_FIXED = {
    "report": ("AMI clusters in Europe: facts from the AMI-4Europe report D2.2",
               "The clusters, their organisations, goals, member counts and roadmap facts taken "
               "from the AMI-4Europe deliverable D2.2 \"Roadmap and Recommendations for cluster "
               "set-up and development\" (FP7 project 265435, May 2013), with report sections cited."),
    "ontology": ("AMI cluster ontology",
                 "OWL ontology and SKOS concept schemes for Advanced Medical Imaging clusters: "
                 "stakeholder categories, value chain, roadmap phases, checkpoints and activities "
                 "of the AMI-4Europe report D2.2, with reference data (NUTS regions, countries)."),
    "shapes": ("AMI cluster SHACL shapes",
               "SHACL shapes that check a cluster's data quality and its progress along the "
               "AMI-4Europe roadmap (set-up checkpoints and running activities)."),
    "demo": ("AMI clusters: synthetic demonstration organisations",
             "Illustrative, synthetic organisations for partner search and value-chain queries; "
             "marked synthetic, not real-world facts."),
}


def dataset_for_graph(graph: str) -> Dataset | None:
    """The dataset a named graph is published as, or None (metadata, foreign graphs)."""
    base = str(AMIG)
    if not graph.startswith(base) or graph == GRAPH_META:
        return None
    rest = graph[len(base):]
    name = rest.replace("/", "-").lower()
    if not _NAME.match(name):
        return None
    if rest in _FIXED:
        title, desc = _FIXED[rest]
        return Dataset(name, graph, title, desc, rest)
    kind = rest.split("/", 1)[0] if "/" in rest else "other"
    label = rest.split("/", 1)[-1]
    if kind == "source":
        return Dataset(name, graph, f"Loaded source: {label}",
                       f"RDF loaded into amikg from the file {label!r} (graph {graph}).", kind)
    if kind == "import":
        return Dataset(name, graph, f"Spreadsheet import {label}",
                       f"Cluster data imported from a spreadsheet (graph {graph}).", kind)
    return Dataset(name, graph, f"Graph {rest}", f"The named graph {graph}.", "other")


def datasets(store: Store) -> list[Dataset]:
    """Every published dataset in the store (fixed ones first, then the rest by name)."""
    order = {k: i for i, k in enumerate(_FIXED)}
    out = [d for d in (dataset_for_graph(g) for g in store.named_graphs()) if d]
    return sorted(out, key=lambda d: (order.get(d.name, len(order)), d.name))


def find_dataset(store: Store, name: str) -> Dataset:
    """:raise NotFound: when no published dataset has this name."""
    if not _NAME.match(name or ""):
        raise NotFound(f"no dataset {name!r}", dataset=name)
    for d in datasets(store):
        if d.name == name:
            return d
    raise NotFound(f"no dataset {name!r}; see /catalog for the published datasets", dataset=name)


def parse_dump_name(filename: str) -> tuple[str, DumpFormat]:
    """``report.nt.gz`` -> (``report``, the N-Triples gzip format).

    :raise NotFound: for an unknown extension or a name that is not a dataset name.
    """
    for ext in sorted(DUMP_FORMATS, key=len, reverse=True):
        if filename.endswith("." + ext):
            name = filename[: -len(ext) - 1]
            if _NAME.match(name) and "/" not in name and ".." not in name:
                return name, DUMP_FORMATS[ext]
    raise NotFound(f"no dump {filename!r}; dumps are <dataset>.{{{','.join(DUMP_FORMATS)}}}",
                   file=filename)


# -- graph state, dumps, checksums ----------------------------------------------------------------

def graph_modified(store: Store, graph: str) -> str | None:
    """The time the graph was last loaded (``dcterms:modified`` in the metadata graph)."""
    res = store.query(
        f"SELECT (MAX(STR(?m)) AS ?mod) WHERE {{ GRAPH ?meta {{ ?g <{DCT}modified> ?m }} }}",
        substitutions={"meta": nn(GRAPH_META), "g": nn(graph)})
    row = next(iter(res), None)
    return row["mod"].value if row is not None and row["mod"] is not None else None


def graph_state(store: Store, graph: str) -> tuple[int, str]:
    """What a dump's bytes depend on: the triple count and the recorded load time."""
    return store.count(graph), graph_modified(store, graph) or ""


def write_dump(store: Store, graph: str, fmt: DumpFormat, output: BinaryIO) -> None:
    """Write one dataset's dump to ``output``, streaming (never the whole dump in memory).

    N-Quads keep the graph name so the dump can be loaded back as the same graph."""
    if fmt.gzip:
        with gzip.GzipFile(fileobj=output, mode="wb", mtime=0, filename="") as gz:
            _serialize_graph(store, graph, fmt.rdf, gz)
    else:
        _serialize_graph(store, graph, fmt.rdf, output)


def _serialize_graph(store: Store, graph: str, rdf: str, output) -> None:
    if rdf == "nquads":
        ox.serialize(store.quads(graph), output, format=ox.RdfFormat.N_QUADS)
        return
    triples = (q.triple for q in store.quads(graph))
    if rdf == "turtle":
        ox.serialize(triples, output, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    elif rdf == "ntriples":
        ox.serialize(triples, output, format=ox.RdfFormat.N_TRIPLES)
    elif rdf == "jsonld":
        ox.serialize(triples, output, format=ox.RdfFormat.JSON_LD)
    else:  # pragma: no cover - DUMP_FORMATS is fixed
        raise FormatError(f"no dump format {rdf}")


class _HashSink:
    """A write-only file that keeps only the SHA-256 and the length of what passes through."""

    def __init__(self):
        self.sha, self.size = hashlib.sha256(), 0

    def write(self, b) -> int:
        self.sha.update(b)
        self.size += len(b)
        return len(b)

    def flush(self):
        pass


@dataclass(frozen=True)
class DumpInfo:
    """Size, checksum and time of one dump file, for the state of the graph it was computed at."""

    dataset: str
    ext: str
    byte_size: int
    sha256: str
    modified: datetime
    media_type: str


_cache: dict[tuple, tuple[tuple, DumpInfo]] = {}
_cache_lock = threading.Lock()


def dump_info(store: Store, ds: Dataset, fmt: DumpFormat) -> DumpInfo:
    """Byte size and SHA-256 of the dump as it would be served now, from the actual bytes.

    Computed by one streaming pass and cached by graph state (triple count and recorded load
    time), so the catalogue, the download headers and the file agree until the graph changes."""
    state = graph_state(store, ds.graph)
    key = (store.location, ds.graph, fmt.ext)
    with _cache_lock:
        hit = _cache.get(key)
    if hit and hit[0] == state:
        return hit[1]
    sink = _HashSink()
    write_dump(store, ds.graph, fmt, sink)
    modified = _parse_time(state[1]) or datetime.now(timezone.utc).replace(microsecond=0)
    info = DumpInfo(ds.name, fmt.ext, sink.size, sink.sha.hexdigest(), modified, fmt.media_type)
    with _cache_lock:
        _cache[key] = (state, info)
    return info


def _parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


class _QueueWriter:
    """File-like object feeding a bounded queue; aborts when the reader has gone away."""

    def __init__(self, q: queue.Queue, stop: threading.Event, chunk: int):
        self.q, self.stop, self.chunk, self.buf = q, stop, chunk, bytearray()

    def write(self, b) -> int:
        self.buf += b
        if len(self.buf) >= self.chunk:
            self._push(bytes(self.buf))
            self.buf.clear()
        return len(b)

    def flush(self):
        pass

    def _push(self, item):
        while True:
            if self.stop.is_set():
                raise BrokenPipeError("the reader of the dump went away")
            try:
                self.q.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def close(self):
        if self.buf:
            self._push(bytes(self.buf))
            self.buf.clear()


def stream_dump(store: Store, ds: Dataset, fmt: DumpFormat, chunk: int = 1 << 16) -> Iterator[bytes]:
    """The dump as an iterator of byte chunks; a writer thread serialises into a bounded queue,
    so memory stays at a few chunks whatever the size of the graph."""
    q: queue.Queue = queue.Queue(maxsize=8)
    stop = threading.Event()
    done = object()

    def run():
        writer = _QueueWriter(q, stop, chunk)
        try:
            write_dump(store, ds.graph, fmt, writer)
            writer.close()
            writer._push(done)
        except BrokenPipeError:
            pass
        except Exception as e:  # handed to the reading side, which re-raises
            try:
                writer._push(e)
            except BrokenPipeError:
                pass

    threading.Thread(target=run, daemon=True, name=f"dump-{ds.name}.{fmt.ext}").start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()


# -- resource descriptions ------------------------------------------------------------------------

def _first(res):
    return next(iter(res), None)


def resource_exists(store: Store, iri: str) -> bool:
    node = nn(iri)
    return bool(store.query("ASK { { ?r ?p ?o } UNION { ?s ?p ?r } }", substitutions={"r": node}))


def describe(store: Store, iri: str) -> list[ox.Triple]:
    """The resource's own triples plus the blank nodes it points to (two levels deep), from
    every graph.

    :raise NotFound: when the store has no triple with the IRI as subject or object."""
    node = nn(iri)
    res = store.query(
        "CONSTRUCT { ?r ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 } WHERE { ?r ?p ?o "
        "OPTIONAL { ?o ?p2 ?o2 FILTER(isBlank(?o)) "
        "OPTIONAL { ?o2 ?p3 ?o3 FILTER(isBlank(?o2)) } } }", substitutions={"r": node})
    triples = list(res)
    if not triples and not resource_exists(store, iri):
        raise NotFound(f"no resource {iri} in the store", iri=iri)
    return triples


def _best_label(pairs: Iterable[tuple[str, ox.Literal]]) -> dict[str, str]:
    """IRI -> best label (English, then untagged, then any; by LABEL_PROPERTIES order)."""
    rank = {p: i for i, p in enumerate(LABEL_PROPERTIES)}
    best: dict[str, tuple] = {}
    for key, prop, lit in pairs:
        lang = getattr(lit, "language", None)
        score = (0 if lang == "en" else 1 if not lang else 2, rank.get(prop, 99), lit.value)
        if key not in best or score < best[key][0]:
            best[key] = (score, lit.value)
    return {k: v[1] for k, v in best.items()}


def label_of(store: Store, iri: str) -> str | None:
    res = store.query(f"SELECT ?p ?l WHERE {{ VALUES ?p {{ {_LABELS_VALUES} }} ?r ?p ?l "
                      f"FILTER(isLiteral(?l)) }}", substitutions={"r": nn(iri)})
    return _best_label((iri, s["p"].value, s["l"]) for s in res).get(iri)


def _labels_for(store: Store, query: str, subs: dict, var: str = "x") -> dict[str, str]:
    res = store.query(query, substitutions=subs)
    return _best_label((s[var].value, s["lp"].value, s["l"]) for s in res
                       if s[var] is not None and s["l"] is not None)


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def compact_iri(iri: str) -> str:
    for p, ns in PREFIXES.items():
        if iri.startswith(ns) and iri != ns:
            return f"{p}:{iri[len(ns):]}"
    return iri


@dataclass
class Value:
    """One value in a resource view."""

    kind: str               #: iri, bnode, literal
    text: str               #: IRI, blank node id or lexical form
    label: str | None = None
    language: str | None = None
    datatype: str | None = None
    nested: list = field(default_factory=list)  #: for blank nodes: [(pred, pred label, Value)]


@dataclass
class ResourceView:
    iri: str
    label: str
    types: list[tuple[str, str]]
    properties: list[tuple[str, str, list[Value]]]
    incoming: list[tuple[str, str, str, str]]   #: (subject, its label, predicate, its label)
    incoming_total: int
    graphs: list[dict]
    triples: list[ox.Triple]


def _value(term, labels: dict[str, str]) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value("iri", term.value, labels.get(term.value))
    if isinstance(term, ox.BlankNode):
        return Value("bnode", term.value)
    dt = term.datatype.value if term.datatype else None
    if dt in (XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"):
        dt = None
    return Value("literal", term.value, language=term.language, datatype=dt)


def resource_view(store: Store, iri: str, incoming_limit: int = 200) -> ResourceView:
    """Everything the HTML page of a resource shows.

    :raise NotFound: for an IRI the store does not know."""
    triples = describe(store, iri)
    node = nn(iri)
    lab_q = ("SELECT ?x ?lp ?l WHERE { { ?r ?p ?x } UNION { ?r ?x ?o } UNION "
             "{ ?r ?p ?b FILTER(isBlank(?b)) { ?b ?x ?o2 } UNION { ?b ?p2 ?x } } "
             f"VALUES ?lp {{ {_LABELS_VALUES} }} ?x ?lp ?l FILTER(isIRI(?x) && isLiteral(?l)) }}")
    labels = _labels_for(store, lab_q, {"r": node})
    own = label_of(store, iri)
    by_subject: dict[str, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(str(t.subject), []).append(t)

    def props_of(subject) -> list[tuple[str, str, list[Value]]]:
        grouped: dict[str, list[Value]] = {}
        for t in by_subject.get(str(subject), []):
            v = _value(t.object, labels)
            if isinstance(t.object, ox.BlankNode) and isinstance(subject, ox.NamedNode):
                v.nested = [(p, pl, vals[0]) for p, pl, vals in
                            ((p, pl, [x]) for p, pl, xs in props_of(t.object) for x in xs)]
            grouped.setdefault(t.predicate.value, []).append(v)
        return [(p, labels.get(p) or compact_iri(p),
                 sorted(vs, key=lambda v: (v.label or v.text).lower()))
                for p, vs in sorted(grouped.items(), key=lambda kv: compact_iri(kv[0]))]

    props = props_of(node)
    types = [(v.text, v.label or compact_iri(v.text))
             for p, _, vs in props if p == RDF_TYPE for v in vs if v.kind == "iri"]
    inc = store.query(
        "SELECT ?s ?p WHERE { ?s ?p ?r FILTER(!isBlank(?s)) } ORDER BY ?p ?s LIMIT "
        f"{int(incoming_limit)}", substitutions={"r": node})
    inc_rows = [(s["s"].value, s["p"].value) for s in inc]
    total = int(_first(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?r }",
                                   substitutions={"r": node}))["n"].value)
    inc_labels = _labels_for(
        store, "SELECT ?x ?lp ?l WHERE { { ?x ?p ?r } UNION { ?s ?x ?r } "
        f"VALUES ?lp {{ {_LABELS_VALUES} }} ?x ?lp ?l FILTER(isLiteral(?l)) }}", {"r": node})
    incoming = [(s, inc_labels.get(s) or compact_iri(s), p, inc_labels.get(p) or compact_iri(p))
                for s, p in inc_rows]
    return ResourceView(iri, own or local_name(iri), types, props, incoming, total,
                        resource_graphs(store, iri), triples)


def resource_graphs(store: Store, iri: str) -> list[dict]:
    """The named graphs that say something about the resource, with their provenance."""
    res = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?r ?p ?o } } ORDER BY ?g",
                      substitutions={"r": nn(iri)})
    return [graph_provenance(store, s["g"].value) for s in res]


def graph_provenance(store: Store, graph: str) -> dict:
    """The last load of a graph: time, activity label, files (name, size, SHA-256)."""
    ds = dataset_for_graph(graph)
    out = {"graph": graph, "dataset": ds.name if ds else None, "title": ds.title if ds else graph,
           "triples": store.count(graph), "loaded": None, "activity": None, "files": []}
    res = store.query(
        "SELECT ?a ?label ?end WHERE { GRAPH ?meta { ?g <%swasGeneratedBy> ?a . "
        "OPTIONAL { ?a <%slabel> ?label } OPTIONAL { ?a <%sendedAtTime> ?end } } } "
        "ORDER BY DESC(?end) LIMIT 1" % (PROV, RDFS, PROV),
        substitutions={"meta": nn(GRAPH_META), "g": nn(graph)})
    row = _first(res)
    if row is not None:
        out["activity"] = row["label"].value if row["label"] else row["a"].value
        out["loaded"] = row["end"].value if row["end"] else None
    files = store.query(
        "SELECT ?title ?size ?sum WHERE { GRAPH ?meta { ?g <%swasDerivedFrom> ?e . "
        "OPTIONAL { ?e <%stitle> ?title } OPTIONAL { ?e <%sbyteSize> ?size } "
        "OPTIONAL { ?e <%schecksum>/<%schecksumValue> ?sum } } } ORDER BY ?title"
        % (PROV, DCT, DCAT, SPDX, SPDX),
        substitutions={"meta": nn(GRAPH_META), "g": nn(graph)})
    out["files"] = [{"name": s["title"].value if s["title"] else "",
                     "bytes": int(s["size"].value) if s["size"] else None,
                     "sha256": s["sum"].value if s["sum"] else None} for s in files]
    return out


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
        import rdflib

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
        if kind == OWL + "Class":
            ctx[name] = iri
        elif kind == OWL + "ObjectProperty":
            ctx[name] = {"@id": iri, "@type": "@id"}
        elif kind == OWL + "DatatypeProperty" and s["range"] is not None \
                and s["range"].value.startswith(XSD) and s["range"].value != XSD + "string":
            ctx[name] = {"@id": iri, "@type": s["range"].value}
        else:
            ctx[name] = {"@id": iri}
    for alias, value in (("id", "@id"), ("type", "@type"), ("label", RDFS + "label"),
                         ("prefLabel", SKOS + "prefLabel"), ("definition", SKOS + "definition"),
                         ("comment", RDFS + "comment")):
        ctx.setdefault(alias, value)
    return {"@context": ctx}


# -- ontology and shapes documentation ------------------------------------------------------------

def _rows(store: Store, sparql: str, **subs) -> list[dict]:
    res = store.query(sparql, substitutions={k: v for k, v in subs.items()} or None)
    names = [v.value for v in res.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in res]


def ontology_header(store: Store) -> dict:
    """Title, description, version and versioned IRI of the ontology in the store."""
    rows = _rows(store,
                 "SELECT ?o ?p ?v WHERE { GRAPH ?g { ?o a <%sOntology> ; ?p ?v } }" % OWL,
                 g=nn(GRAPH_ONTOLOGY))
    if not rows:
        raise NotFound("the store holds no ontology (run `amikg init`)")
    head: dict = {"iri": rows[0]["o"]}
    for r in rows:
        key = {DCT + "title": "title", DCT + "description": "description",
               OWL + "versionInfo": "version", OWL + "versionIRI": "version_iri",
               DCT + "license": "license", DCT + "modified": "modified", DCT + "created": "created",
               RDFS + "comment": "comment", RDFS + "label": "label"}.get(r["p"])
        if key and key not in head:
            head[key] = r["v"]
    return head


def ontology_view(store: Store) -> dict:
    """Every ``ami:`` class, property and other term with label, definition, super-classes or
    -properties, domain and range, and where it is used."""
    ns = ox.Literal(str(AMI))
    g = nn(GRAPH_ONTOLOGY)
    terms = _rows(store, """
        SELECT ?t ?kind (SAMPLE(?lab) AS ?label) (SAMPLE(?def) AS ?definition)
               (SAMPLE(?com) AS ?comment) (SAMPLE(?sec) AS ?section)
        WHERE { GRAPH ?g { ?t a ?kind
          OPTIONAL { ?t <%slabel> ?lab FILTER(LANG(?lab) = "en" || LANG(?lab) = "") }
          OPTIONAL { ?t <%sdefinition> ?def }
          OPTIONAL { ?t <%scomment> ?com }
          OPTIONAL { ?t <%sreportSection> ?sec } }
          FILTER(isIRI(?t) && STRSTARTS(STR(?t), STR(?ns))) }
        GROUP BY ?t ?kind ORDER BY ?t""" % (RDFS, SKOS, RDFS, AMI), g=g, ns=ns)
    rel = _rows(store, """
        SELECT ?t ?p ?v WHERE { GRAPH ?g { ?t ?p ?v
          VALUES ?p { <%ssubClassOf> <%ssubPropertyOf> <%sdomain> <%srange> <%sinScheme> } }
          FILTER(isIRI(?v) && STRSTARTS(STR(?t), STR(?ns))) }""" % (RDFS, RDFS, RDFS, RDFS, SKOS),
        g=g, ns=ns)
    uses = {r["p"]: int(r["n"]) for r in _rows(store, """
        SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?p), STR(?ns))) }
        GROUP BY ?p""", ns=ns)}
    instances = {r["c"]: int(r["n"]) for r in _rows(store, """
        SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(STRSTARTS(STR(?c), STR(?ns))) }
        GROUP BY ?c""", ns=ns)}
    all_labels = {r["t"]: r["label"] for r in terms if r["label"]}
    relations: dict[str, dict[str, list[str]]] = {}
    for r in rel:
        relations.setdefault(r["t"], {}).setdefault(local_name(r["p"]), []).append(r["v"])
    kinds: dict[str, set] = {}
    info: dict[str, dict] = {}
    for r in terms:
        kinds.setdefault(r["t"], set()).add(r["kind"])
        info.setdefault(r["t"], r)

    def ref(iri):
        return {"iri": iri, "label": all_labels.get(iri) or compact_iri(iri)}

    classes, properties, others = [], [], []
    for iri, ks in kinds.items():
        r, rl = info[iri], relations.get(iri, {})
        entry = {"iri": iri, "name": iri[len(str(AMI)):], "label": r["label"] or local_name(iri),
                 "definition": r["definition"], "comment": r["comment"], "section": r["section"],
                 "types": sorted(compact_iri(k) for k in ks)}
        if OWL + "Class" in ks:
            entry["supers"] = [ref(v) for v in sorted(rl.get("subClassOf", []))]
            entry["subs"] = [ref(t) for t, x in sorted(relations.items())
                             if iri in x.get("subClassOf", [])]
            entry["used_in"] = [ref(t) for t, x in sorted(relations.items())
                                if iri in x.get("domain", []) + x.get("range", [])]
            entry["instances"] = instances.get(iri, 0)
            classes.append(entry)
        elif ks & {OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty",
                   "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"}:
            entry["supers"] = [ref(v) for v in sorted(rl.get("subPropertyOf", []))]
            entry["domain"] = [ref(v) for v in sorted(rl.get("domain", []))]
            entry["range"] = [ref(v) for v in sorted(rl.get("range", []))]
            entry["uses"] = uses.get(iri, 0)
            properties.append(entry)
        else:
            entry["schemes"] = [ref(v) for v in sorted(rl.get("inScheme", []))]
            others.append(entry)
    key = lambda e: e["name"].lower()  # noqa: E731
    return {"header": ontology_header(store), "classes": sorted(classes, key=key),
            "properties": sorted(properties, key=key), "others": sorted(others, key=key)}


def shapes_view(store: Store) -> dict:
    """Every node shape in the shapes graph with its targets and property constraints."""
    g = nn(GRAPH_SHAPES)
    if not store.graph_exists(GRAPH_SHAPES):
        raise NotFound("the store holds no shapes graph (run `amikg init`)")
    nodes = _rows(store, """
        SELECT ?s (SAMPLE(?lab) AS ?label) (SAMPLE(?c) AS ?comment)
               (GROUP_CONCAT(DISTINCT STR(?tc); separator=" ") AS ?targets)
               (SAMPLE(?sev) AS ?severity) (SAMPLE(?msg) AS ?message)
        WHERE { GRAPH ?g { ?s a <%sNodeShape>
          OPTIONAL { ?s <%slabel>|<%sname> ?lab } OPTIONAL { ?s <%scomment>|<%sdescription> ?c }
          OPTIONAL { ?s <%stargetClass> ?tc } OPTIONAL { ?s <%sseverity> ?sev }
          OPTIONAL { ?s <%smessage> ?msg } } } GROUP BY ?s ORDER BY ?s"""
                  % (SH, RDFS, SH, RDFS, SH, SH, SH, SH), g=g)
    props = _rows(store, """
        SELECT ?s ?ps ?path (SAMPLE(?n) AS ?name) (SAMPLE(?msg) AS ?message)
               (SAMPLE(?sev) AS ?severity) (SAMPLE(?min) AS ?minCount) (SAMPLE(?grp) AS ?group)
        WHERE { GRAPH ?g { ?s <%sproperty> ?ps . OPTIONAL { ?ps <%spath> ?path }
          OPTIONAL { ?ps <%sname> ?n } OPTIONAL { ?ps <%smessage> ?msg }
          OPTIONAL { ?ps <%sseverity> ?sev } OPTIONAL { ?ps <%sminCount> ?min }
          OPTIONAL { ?ps <%sgroup> ?grp } } }
        GROUP BY ?s ?ps ?path ORDER BY ?s ?path""" % ((SH,) * 7), g=g)
    by_shape: dict[str, list] = {}
    for p in props:
        by_shape.setdefault(p["s"], []).append(p)
    out = []
    for n in nodes:
        n["name"] = local_name(n["s"])
        n["targets"] = [{"iri": t, "label": compact_iri(t)} for t in (n["targets"] or "").split()]
        n["properties"] = by_shape.get(n["s"], [])
        out.append(n)
    return {"shapes": out, "triples": store.count(GRAPH_SHAPES)}


def graph_triples(store: Store, graph: str) -> list[ox.Triple]:
    """Every triple of one graph (for the ontology and shapes documents)."""
    if not store.graph_exists(graph):
        raise NotFound(f"no graph {graph} in the store (run `amikg init`)", graph=graph)
    return [q.triple for q in store.quads(graph)]


# -- DCAT-AP 3 catalogue --------------------------------------------------------------------------

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


DCATAP = "http://data.europa.eu/r5r/"
#: English labels of the authority-table entries the catalogue uses (EU Publications Office).
AUTHORITY_LABELS = {
    f"{EU}data-theme": "Data theme", f"{EU}data-theme/HEAL": "Health",
    f"{EU}data-theme/TECH": "Science and technology",
    f"{EU}access-right": "Access right", f"{EU}access-right/PUBLIC": "public",
    f"{EU}language": "Language", f"{EU}language/ENG": "English",
    f"{EU}licence": "Licence", f"{EU}licence/CC_BY_4_0": "Creative Commons Attribution 4.0 International",
    f"{EU}licence/CC0": "Creative Commons CC0 1.0 Universal",
    f"{EU}file-type": "File type", f"{EU}file-type/RDF_TURTLE": "RDF Turtle",
    f"{EU}file-type/RDF_N_TRIPLES": "RDF N-Triples", f"{EU}file-type/RDF_N_QUADS": "RDF N-Quads",
    f"{EU}file-type/JSON_LD": "JSON-LD",
    f"{EU}planned-availability": "Planned availability",
    f"{EU}planned-availability/STABLE": "stable",
    "http://purl.org/adms/publishertype/1.0": "Publisher type",
    "http://purl.org/adms/publishertype/NonProfitOrganisation": "Non-Profit Organisation",
    "http://purl.org/adms/publishertype/Academia-ScientificOrganisation":
        "Academia/Scientific organisation",
}
#: Report facts cover the project's run up to the report (start 1 October 2010, written May 2013).
REPORT_PERIOD = ("2010-10-01", "2013-05-31")
#: DCAT-AP data themes (EU data-theme table) of every dataset.
THEMES = ("HEAL", "TECH")


def catalog_graph(store: Store, base_url: str, base_iri: str,
                  info: CatalogInfo | None = None):
    """The DCAT-AP 3 catalogue of the store as an rdflib graph.

    :param base_url: where the service answers (download and endpoint URLs), ends with ``/``.
    :param base_iri: the IRI base of the published resources (``AMIKG_BASE_IRI``).
    Every IRI that DCAT-AP's range shapes check carries its ``rdf:type`` (the authority tables
    cannot be fetched offline), and authority concepts carry ``skos:inScheme``."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCAT as D, DCTERMS as T, FOAF as F, RDF, RDFS as R, SKOS as K, XSD as X

    info = info or CatalogInfo.from_env()
    base_url = base_url.rstrip("/") + "/"
    base_iri = base_iri.rstrip("/") + "/"
    V, S, P = Namespace(VCARD), Namespace(SPDX), Namespace(PROV)
    g = Graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns)
    g.bind("dct", DCT)

    def concept(iri: str, scheme: str, cls=None) -> URIRef:
        node, sch = URIRef(iri), URIRef(scheme)
        for t in (cls, K.Concept):
            if t is not None:
                g.add((node, RDF.type, t))
        g.add((node, K.prefLabel, Literal(AUTHORITY_LABELS.get(iri, local_name(iri)), lang="en")))
        g.add((node, K.inScheme, sch))
        g.add((sch, RDF.type, K.ConceptScheme))
        g.add((sch, T.title, Literal(AUTHORITY_LABELS.get(scheme, local_name(scheme)), lang="en")))
        return node

    def auth(table: str, code: str, cls=None) -> URIRef:
        return concept(f"{EU}{table}/{code}", f"{EU}{table}", cls)

    en = lambda text: Literal(text, lang="en")  # noqa: E731
    catalog = URIRef(base_iri + "id/catalog")
    publisher = URIRef(base_iri + "id/agent/publisher")
    contact = URIRef(base_iri + "id/agent/publisher#contact")
    licence = auth("licence", info.licence, T.LicenseDocument)
    access = auth("access-right", "PUBLIC", T.RightsStatement)
    english = auth("language", "ENG", T.LinguisticSystem)
    europe = URIRef(f"{EU}continent/EUROPE")
    g.add((europe, RDF.type, T.Location))
    themes = [auth("data-theme", t) for t in THEMES]
    stable = auth("planned-availability", "STABLE")

    g.add((publisher, RDF.type, F.Agent))
    g.add((publisher, RDF.type, F.Organization))
    g.add((publisher, F.name, en(info.publisher_name)))
    g.add((publisher, T.type, concept(f"http://purl.org/adms/publishertype/{info.publisher_type}",
                                      "http://purl.org/adms/publishertype/1.0")))
    g.add((contact, RDF.type, V.Kind))
    g.add((contact, RDF.type, V.Organization))
    g.add((contact, V.fn, Literal(info.publisher_name)))
    g.add((contact, V.hasEmail, URIRef("mailto:" + info.contact_email)))
    g.add((contact, V.hasURL, URIRef(info.contact_url)))

    now = datetime.now(timezone.utc).replace(microsecond=0)
    g.add((catalog, RDF.type, D.Catalog))
    g.add((catalog, T.title, en("amikg: Advanced Medical Imaging clusters in Europe")))
    g.add((catalog, T.description, en(
        "Linked open data about Advanced Medical Imaging (AMI) clusters in Europe, built from the "
        "AMI-4Europe report D2.2: the cluster ontology, its SHACL shapes, the report's cluster "
        "facts and every dataset loaded into this amikg service, with a SPARQL endpoint.")))
    g.add((catalog, T.publisher, publisher))
    g.add((catalog, D.contactPoint, contact))
    g.add((catalog, T.language, english))
    g.add((catalog, T.license, licence))
    g.add((catalog, T.spatial, europe))
    homepage = URIRef(base_url)
    g.add((catalog, F.homepage, homepage))
    g.add((homepage, RDF.type, F.Document))
    g.add((catalog, D.themeTaxonomy, URIRef(f"{EU}data-theme")))

    service = URIRef(base_iri + "id/service/sparql")
    endpoint = URIRef(base_url + "sparql")
    g.add((catalog, D.service, service))
    g.add((service, RDF.type, D.DataService))
    g.add((service, T.title, en("amikg SPARQL 1.1 endpoint")))
    g.add((service, T.description, en(
        "SPARQL 1.1 query endpoint over the union of all published datasets; its service "
        "description (SPARQL 1.1 Service Description) is returned at the endpoint URL.")))
    g.add((service, D.endpointURL, endpoint))
    g.add((service, D.endpointDescription, endpoint))
    g.add((endpoint, RDF.type, R.Resource))
    g.add((service, T.license, licence))
    g.add((service, T.accessRights, access))
    g.add((service, T.publisher, publisher))
    g.add((service, D.contactPoint, contact))
    conforms = URIRef("https://www.w3.org/TR/sparql11-protocol/")
    g.add((service, T.conformsTo, conforms))
    g.add((conforms, RDF.type, T.Standard))
    for t in themes:
        g.add((service, D.theme, t))

    latest = None
    for ds in datasets(store):
        d = URIRef(f"{base_iri}id/dataset/{ds.name}")
        g.add((catalog, D.dataset, d))
        g.add((service, D.servesDataset, d))
        g.add((d, RDF.type, D.Dataset))
        g.add((d, T.title, en(ds.title)))
        g.add((d, T.description, en(ds.description)))
        g.add((d, T.identifier, Literal(ds.name)))
        g.add((d, T.publisher, publisher))
        g.add((d, D.contactPoint, contact))
        g.add((d, T.accessRights, access))
        g.add((d, T.language, english))
        g.add((d, T.license, licence))
        for t in themes:
            g.add((d, D.theme, t))
        for sp in _spatial(store, ds):
            node = URIRef(sp)
            g.add((d, T.spatial, node))
            g.add((node, RDF.type, T.Location))
        if ds.kind == "report":
            period = URIRef(f"{base_iri}id/dataset/{ds.name}#period")
            g.add((d, T.temporal, period))
            g.add((period, RDF.type, T.PeriodOfTime))
            g.add((period, D.startDate, Literal(REPORT_PERIOD[0], datatype=X.date)))
            g.add((period, D.endDate, Literal(REPORT_PERIOD[1], datatype=X.date)))
        prov = graph_provenance(store, ds.graph)
        when = _parse_time(prov["loaded"] or "") or now
        latest = max(latest or when, when)
        stamp = Literal(when.isoformat(), datatype=X.dateTime)
        g.add((d, T.issued, stamp))
        g.add((d, T.modified, stamp))
        statement = URIRef(f"{base_iri}id/dataset/{ds.name}#provenance")
        g.add((d, T.provenance, statement))
        g.add((statement, RDF.type, T.ProvenanceStatement))
        files = ", ".join(f"{f['name']} (sha256 {f['sha256']})" for f in prov["files"]) or "—"
        g.add((statement, R.label, en(
            f"Named graph {ds.graph} ({prov['triples']} triples), last loaded into amikg "
            f"{__version__} at {prov['loaded'] or 'an unrecorded time'} from: {files}. "
            "The PROV-O record is in the graph https://w3id.org/amikg/graph/meta.")))
        if ds.kind in ("report", "ontology"):
            g.add((d, URIRef(PROV + "wasDerivedFrom"), URIRef(REPORT_IRI)))
        g.add((d, URIRef(VOID + "triples"), Literal(prov["triples"], datatype=X.integer)))
        for fmt in DUMP_FORMATS.values():
            dinfo = dump_info(store, ds, fmt)
            dist = URIRef(f"{base_iri}id/dataset/{ds.name}/{fmt.ext}")
            url = URIRef(f"{base_url}download/{ds.name}.{fmt.ext}")
            g.add((d, D.distribution, dist))
            g.add((dist, RDF.type, D.Distribution))
            g.add((dist, T.title, en(f"{ds.title} ({fmt.file_type.replace('_', ' ')}"
                                     f"{', gzip' if fmt.gzip else ''})")))
            g.add((dist, T.description, en(
                f"Dump of the named graph {ds.graph} as {fmt.rdf_media}"
                f"{' compressed with gzip' if fmt.gzip else ''}; streamed, with ETag and "
                "Last-Modified for conditional requests.")))
            g.add((dist, URIRef(DCATAP + "availability"), stable))
            g.add((dist, D.accessURL, url))
            g.add((dist, D.downloadURL, url))
            mt = URIRef(IANA + fmt.rdf_media)
            g.add((dist, D.mediaType, mt))
            g.add((mt, RDF.type, T.MediaType))
            if fmt.gzip:
                cf = URIRef(IANA + "application/gzip")
                g.add((dist, D.compressFormat, cf))
                g.add((cf, RDF.type, T.MediaType))
            g.add((dist, T.format, auth("file-type", fmt.file_type, T.MediaTypeOrExtent)))
            g.add((dist, D.byteSize, Literal(dinfo.byte_size, datatype=X.nonNegativeInteger)))
            ck = BNode()
            g.add((dist, S.checksum, ck))
            g.add((ck, RDF.type, S.Checksum))
            g.add((ck, S.algorithm, S.checksumAlgorithm_sha256))
            g.add((S.checksumAlgorithm_sha256, RDF.type, S.ChecksumAlgorithm))
            g.add((ck, S.checksumValue, Literal(dinfo.sha256, datatype=X.hexBinary)))
            g.add((dist, T.license, licence))
            g.add((dist, T.accessRights, access))
            g.add((dist, T.modified, Literal(dinfo.modified.isoformat(), datatype=X.dateTime)))
    g.add((catalog, T.modified, Literal((latest or now).isoformat(), datatype=X.dateTime)))
    return g


def _spatial(store: Store, ds: Dataset) -> list[str]:
    """Country and NUTS authority IRIs the dataset's resources are located in (Europe for the
    ontology and shapes, which are not about a place)."""
    if ds.kind in ("ontology", "shapes"):
        return [f"{EU}continent/EUROPE"]
    rows = _rows(store, """SELECT DISTINCT ?v WHERE { GRAPH ?g { ?s ?p ?v
        VALUES ?p { <%sregion> <%scountry> }
        FILTER(isIRI(?v) && (STRSTARTS(STR(?v), "http://data.europa.eu/nuts/code/")
                          || STRSTARTS(STR(?v), "%scountry/"))) } } ORDER BY ?v"""
                 % (AMI, AMI, EU), g=nn(ds.graph))
    return [r["v"] for r in rows] or [f"{EU}continent/EUROPE"]


# -- VoID -----------------------------------------------------------------------------------------

def void_graph(store: Store, base_url: str, base_iri: str):
    """A VoID description: the whole store as one dataset with one subset per named graph,
    triple counts as the store reports them, vocabularies, example resources, the SPARQL endpoint
    and the dumps."""
    from rdflib import Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS as T, RDF, XSD as X

    Vd = Namespace(VOID)
    base_url = base_url.rstrip("/") + "/"
    base_iri = base_iri.rstrip("/") + "/"
    g = Graph()
    g.bind("void", VOID)
    g.bind("dct", DCT)
    top = URIRef(base_iri + "id/void")
    g.add((top, RDF.type, Vd.Dataset))
    g.add((top, T.title, Literal("amikg: Advanced Medical Imaging clusters in Europe", lang="en")))
    g.add((top, Vd.triples, Literal(store.count(), datatype=X.integer)))
    g.add((top, Vd.sparqlEndpoint, URIRef(base_url + "sparql")))
    g.add((top, Vd.uriSpace, Literal(base_iri + "id/")))
    g.add((top, Vd.rootResource, URIRef(base_iri + "id/catalog")))
    g.add((top, Vd.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    g.add((top, Vd.feature, URIRef("http://www.w3.org/ns/formats/N-Quads")))
    for r in _rows(store, "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"):
        ns = re.match(r"^(.*[#/])", r["p"])
        if ns:
            g.add((top, Vd.vocabulary, URIRef(ns.group(1))))
    examples = _rows(store, """SELECT ?c (SAMPLE(?s) AS ?ex) WHERE { ?s a ?c
        VALUES ?c { <%sCluster> <http://www.w3.org/ns/org#Organization> } FILTER(isIRI(?s)) }
        GROUP BY ?c""" % AMI)
    for r in examples:
        g.add((top, Vd.exampleResource, URIRef(r["ex"])))
    g.add((top, Vd.exampleResource, URIRef(str(AMI) + "Cluster")))
    for graph in store.named_graphs():
        ds = dataset_for_graph(graph)
        sub = URIRef(base_iri + "id/void/" + (ds.name if ds else local_name(graph)))
        g.add((top, Vd.subset, sub))
        g.add((sub, RDF.type, Vd.Dataset))
        g.add((sub, Vd.triples, Literal(store.count(graph), datatype=X.integer)))
        g.add((sub, URIRef(SD_NAME), URIRef(graph)))
        if ds:
            g.add((sub, T.title, Literal(ds.title, lang="en")))
            g.add((sub, T.isPartOf, URIRef(f"{base_iri}id/dataset/{ds.name}")))
            for ext in DUMP_FORMATS:
                g.add((sub, Vd.dataDump, URIRef(f"{base_url}download/{ds.name}.{ext}")))
    return g


SD_NAME = "http://www.w3.org/ns/sparql-service-description#name"

__all__ = ["Dataset", "DumpFormat", "DUMP_FORMATS", "DumpInfo", "CatalogInfo", "ResourceView",
           "datasets", "find_dataset", "parse_dump_name", "dump_info", "write_dump", "stream_dump",
           "describe", "resource_view", "resource_graphs", "graph_provenance", "serialize",
           "jsonld_context", "ontology_view", "ontology_header", "shapes_view", "graph_triples",
           "catalog_graph", "void_graph", "rdflib_to_triples", "label_of", "compact_iri",
           "local_name", "FORMAT_ALIASES", "RDF_MEDIA", "AMIS", "ONTOLOGY_IRI"]
