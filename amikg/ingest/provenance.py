"""How an import is named and recorded: its id and graph, the spreadsheet as a PROV-O source, and
what the import adds to the PROV-O record of :func:`amikg.loader.provenance_quads` (the cluster,
the counts, the mapping as a ``prov:Plan`` with its checksum)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..loader import Source
from ..namespaces import AMID, AMIG, DCTERMS, EU_AUTHORITY, GRAPH_META, PROV, RDF, SCHEMA, SPDX, VOID, XSD
from ..store import Store, nn
from ..util import slug
from .mapping import Mapping
from .report import ImportReport

IMPORT_PREFIX = str(AMIG["import/"])
#: The access right an import records: a published import is PUBLIC (a dataset of the DCAT
#: catalogue with its dumps), any other NON_PUBLIC (in the store for SPARQL users only).
PUBLIC, NON_PUBLIC = (str(EU_AUTHORITY[f"access-right/{c}"]) for c in ("PUBLIC", "NON_PUBLIC"))


def is_published(store: Store, graph: str) -> bool:
    """Whether the import ``graph`` recorded the PUBLIC access right."""
    return bool(store.query("ASK { GRAPH ?meta { ?g ?p ?o } }", substitutions={
        "meta": nn(GRAPH_META), "g": nn(graph), "p": nn(str(DCTERMS.accessRights)),
        "o": nn(PUBLIC)}))


def import_id_for(name: str, sha256: str, cluster: str, mapping: Mapping) -> str:
    """Same file, cluster and mapping -> same import id (so re-importing is idempotent)."""
    h = hashlib.sha256(f"{sha256} {cluster} {mapping.checksum}".encode()).hexdigest()[:12]
    return f"{slug(Path(name).stem)}-{h}"


@dataclass
class TabularSource(Source):
    """A spreadsheet as a provenance source (the file is streamed, never held in memory)."""

    size: int = 0
    sha: str = ""
    media: str = ""

    @property
    def checksum(self) -> str:
        return self.sha

    @property
    def byte_size(self) -> int:
        return self.size

    @property
    def media_type(self) -> str:
        return self.media


def import_provenance(graph: str, cluster: str, m: Mapping, rep: ImportReport) -> list[tuple]:
    """What an import adds to its PROV-O record: the graph as a schema:Dataset about the cluster,
    with the import id, counts and access right (published or not), and the mapping as the
    prov:Plan it followed."""
    g, L = nn(graph), ox.Literal
    plan = nn(str(AMID[f"mapping/sha256-{m.checksum}"]))
    file_ent = nn(str(AMID[f"file/sha256-{rep.sha256}"]))
    integer = nn(str(XSD.integer))
    return [
        (g, str(RDF.type), nn(str(SCHEMA.Dataset))),
        (g, str(DCTERMS.subject), nn(cluster)),
        (g, str(DCTERMS.identifier), L(rep.import_id)),
        (g, str(DCTERMS.accessRights), nn(PUBLIC if rep.published else NON_PUBLIC)),
        (g, str(VOID.entities), L(str(rep.organisations), datatype=integer)),
        (file_ent, str(SCHEMA.numberOfItems), L(str(rep.rows), datatype=integer)),
        (g, str(PROV.wasInfluencedBy), plan),
        (plan, str(RDF.type), nn(str(PROV.Plan))),
        (plan, str(DCTERMS.title), L(m.name)),
        (plan, str(DCTERMS.conformsTo), nn("http://www.w3.org/TR/tabular-metadata/")),
        (plan, str(SPDX.checksum), nn(plan.value + "#checksum")),
        (nn(plan.value + "#checksum"), str(RDF.type), nn(str(SPDX.Checksum))),
        (nn(plan.value + "#checksum"), str(SPDX.algorithm),
         nn(str(SPDX.checksumAlgorithm_sha256))),
        (nn(plan.value + "#checksum"), str(SPDX.checksumValue),
         L(m.checksum, datatype=nn(str(XSD.hexBinary)))),
    ]

