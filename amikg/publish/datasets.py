"""The published datasets (one per named graph under ``amig:``, except the metadata graph) and
their dumps: formats, streaming, and byte sizes and checksums cached by graph state."""

from __future__ import annotations

import gzip
import hashlib
import queue
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import BinaryIO, Iterator

import pyoxigraph as ox

from ..access import is_restricted
from ..errors import FormatError, NotFound
from ..namespaces import AMIG, DCTERMS, EU_AUTHORITY, GRAPH_META, PROV, RDFS, VOID
from ..store import Store, nn
from .privacy import natural_persons, redact
from .rdf import write_turtle


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
    """The dataset a named graph is published as, or None (metadata, foreign graphs). An import
    graph gets a placeholder title here; whether it is published, and its title, come from its
    record (:func:`published_dataset`, :func:`datasets`)."""
    base = str(AMIG)
    if not graph.startswith(base) or graph == GRAPH_META or is_restricted(graph):
        return None  # restricted graphs (personal contact data) are never published
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
    if kind == "cluster":
        return Dataset(name, graph, f"Cluster profile: {label}",
                       f"The profile, assessments and edits of the cluster {label}, kept by its "
                       f"managers (graph {graph}).", kind)
    if kind == "import":
        return Dataset(name, graph, f"Spreadsheet import {label}",
                       f"Cluster data imported from a spreadsheet (graph {graph}).", kind)
    return Dataset(name, graph, f"Graph {rest}", f"The named graph {graph}.", "other")


#: The record of every published import: its cluster (and the cluster's label), the time of the
#: import, the mapping, the spreadsheet and the organisation count.
_PUBLISHED_IMPORTS = """SELECT ?g ?cluster (SAMPLE(?l) AS ?label) (MAX(?end) AS ?when)
    (SAMPLE(?plan) AS ?mapping) (SAMPLE(?name) AS ?file) (SAMPLE(?n) AS ?orgs) WHERE {
  GRAPH ?meta { ?g ?access ?public ; <%ssubject> ?cluster ; <%swasGeneratedBy> ?a .
    ?a <%sendedAtTime> ?end .
    OPTIONAL { ?g <%swasInfluencedBy>/<%stitle> ?plan }
    OPTIONAL { ?g <%swasDerivedFrom>/<%stitle> ?name }
    OPTIONAL { ?g <%sentities> ?n } }
  OPTIONAL { ?cluster <%slabel> ?l FILTER(LANG(?l) IN ("en", "")) }
} GROUP BY ?g ?cluster""" % (DCTERMS, PROV, PROV, PROV, DCTERMS, PROV, DCTERMS, VOID, RDFS)


def _content(mapping: str | None) -> str:
    """What a mapping imports, from its file name: ``members.csv-metadata.json`` -> members."""
    stem = re.sub(r"(\.csv)?-metadata\.json$|\.json$", "", mapping or "") or "members"
    return re.sub(r"[-_]+", " ", stem).strip()


def published_imports(store: Store) -> dict[str, Dataset]:
    """Import graph -> its dataset, for the imports published (``--publish``): titled by the
    cluster, the content and the day, e.g. "FILAS members (spreadsheet import, 2026-12-02)"."""
    out = {}
    for s in store.query(_PUBLISHED_IMPORTS, substitutions={
            "meta": nn(GRAPH_META), "access": nn(str(DCTERMS.accessRights)),
            "public": nn(str(EU_AUTHORITY["access-right/PUBLIC"]))}):
        graph, cluster = s["g"].value, s["cluster"].value
        base = dataset_for_graph(graph)
        if base is None or base.kind != "import":
            continue
        label = s["label"].value if s["label"] else cluster.rstrip("/").rsplit("/", 1)[-1]
        day = s["when"].value[:10]
        content = _content(s["mapping"].value if s["mapping"] else None)
        orgs = f"{s['orgs'].value} organisations" if s["orgs"] else "organisations"
        title = f"{label} {content} (spreadsheet import, {day})"
        file = f"the spreadsheet {s['file'].value}" if s["file"] else "a spreadsheet"
        desc = (f"The {content} of the cluster {label} ({cluster}), imported from {file} on "
                f"{day}: {orgs} (graph {graph}).")
        out[graph] = Dataset(base.name, graph, title, desc, "import")
    return out


def published_dataset(store: Store, graph: str) -> Dataset | None:
    """The dataset ``graph`` is published as, or None (metadata, foreign graphs, an import
    that was not published)."""
    ds = dataset_for_graph(graph)
    if ds is None or ds.kind != "import":
        return ds
    return published_imports(store).get(graph)


def datasets(store: Store) -> list[Dataset]:
    """Every published dataset in the store (fixed ones first, then the rest by name); an import
    only when it was published."""
    order = {k: i for i, k in enumerate(_FIXED)}
    imports = published_imports(store)
    out = []
    for g in store.named_graphs():
        d = dataset_for_graph(g)
        if d is not None and d.kind == "import":
            d = imports.get(g)
        if d is not None:
            out.append(d)
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
        f"SELECT (MAX(STR(?m)) AS ?mod) WHERE {{ GRAPH ?meta {{ ?g <{DCTERMS.modified}> ?m }} }}",
        substitutions={"meta": nn(GRAPH_META), "g": nn(graph)})
    row = next(iter(res), None)
    return row["mod"].value if row is not None and row["mod"] is not None else None


def graph_state(store: Store, graph: str) -> tuple[int, str]:
    """What a dump's bytes depend on: the triple count and the recorded load time."""
    return store.count(graph), graph_modified(store, graph) or ""


def write_dump(store: Store, graph: str, fmt: DumpFormat, output: BinaryIO,
               contacts: bool = False) -> None:
    """Write one dataset's dump to ``output``, streaming (never the whole dump in memory).

    N-Quads keep the graph name so the dump can be loaded back as the same graph. Unless
    ``contacts`` (``AMIKG_PUBLISH_CONTACTS``), personal contact data and the names of natural
    persons are left out (:mod:`.privacy`)."""
    if fmt.gzip:
        with gzip.GzipFile(fileobj=output, mode="wb", mtime=0, filename="") as gz:
            _serialize_graph(store, graph, fmt.rdf, gz, contacts)
    else:
        _serialize_graph(store, graph, fmt.rdf, output, contacts)


def _serialize_graph(store: Store, graph: str, rdf: str, output, contacts: bool) -> None:
    quads = store.quads(graph)
    if not contacts:
        quads = redact(quads, natural_persons(store, graph))
    if rdf == "nquads":
        ox.serialize(quads, output, format=ox.RdfFormat.N_QUADS)
        return
    triples = (q.triple for q in quads)
    if rdf == "turtle":  # sorted on disk: memory stays bounded
        write_turtle(triples, output, inline=False)
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


def dump_info(store: Store, ds: Dataset, fmt: DumpFormat, contacts: bool = False) -> DumpInfo:
    """Byte size and SHA-256 of the dump as it would be served now, from the actual bytes.

    Computed by one streaming pass and cached by graph state (triple count and recorded load
    time), so the catalogue, the download headers and the file agree until the graph changes.
    ``contacts`` as for :func:`write_dump`."""
    state = graph_state(store, ds.graph)
    key = (store.location, ds.graph, fmt.ext, contacts)
    with _cache_lock:
        hit = _cache.get(key)
    if hit and hit[0] == state:
        return hit[1]
    sink = _HashSink()
    write_dump(store, ds.graph, fmt, sink, contacts)
    modified = parse_time(state[1]) or datetime.now(timezone.utc).replace(microsecond=0)
    info = DumpInfo(ds.name, fmt.ext, sink.size, sink.sha.hexdigest(), modified, fmt.media_type)
    with _cache_lock:
        _cache[key] = (state, info)
    return info


def parse_time(text: str) -> datetime | None:
    """A recorded ``xsd:dateTime`` as an aware datetime (UTC when it has no zone), or None."""
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


def stream_dump(store: Store, ds: Dataset, fmt: DumpFormat, chunk: int = 1 << 16,
                contacts: bool = False) -> Iterator[bytes]:
    """The dump as an iterator of byte chunks; a writer thread serialises into a bounded queue,
    so memory stays at a few chunks whatever the size of the graph."""
    q: queue.Queue = queue.Queue(maxsize=8)
    stop = threading.Event()
    done = object()

    def run():
        writer = _QueueWriter(q, stop, chunk)
        try:
            write_dump(store, ds.graph, fmt, writer, contacts)
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
