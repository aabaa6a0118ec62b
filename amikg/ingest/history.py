"""The imports recorded in the metadata graph, and undoing one."""

from __future__ import annotations

import difflib

from ..errors import NotFound
from ..namespaces import GRAPH_META, PROV, SPDX
from ..store import Store, nn
from .provenance import IMPORT_PREFIX

_HISTORY = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX void: <http://rdfs.org/ns/void#>
PREFIX schema: <https://schema.org/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?g ?id ?when ?file ?sha ?rows ?orgs ?triples ?cluster ?mapping ?agent ?activity WHERE {
  GRAPH ?meta {
    ?g dcterms:identifier ?id ; dcterms:subject ?cluster ; prov:wasGeneratedBy ?activity ;
       prov:wasDerivedFrom ?file_ent ; void:triples ?triples .
    ?activity prov:endedAtTime ?when ; prov:wasAssociatedWith ?agent .
    ?file_ent dcterms:title ?file ; spdx:checksum/spdx:checksumValue ?sha .
    OPTIONAL { ?file_ent schema:numberOfItems ?rows }
    OPTIONAL { ?g void:entities ?orgs }
    OPTIONAL { ?g prov:wasInfluencedBy/dcterms:title ?mapping }
  }
} ORDER BY ?when ?id"""


def history(store: Store) -> list[dict]:
    """Every import recorded in the metadata graph, oldest first."""
    out = []
    for s in store.query(_HISTORY, substitutions={"meta": nn(GRAPH_META)}):
        g = s["g"].value
        if not g.startswith(IMPORT_PREFIX):
            continue
        out.append({k: (s[k].value if s[k] is not None else None) for k in
                    ("id", "when", "file", "sha", "cluster", "mapping", "agent", "activity")}
                   | {"graph": g, "rows": _int(s["rows"]), "organisations": _int(s["orgs"]),
                      "triples": _int(s["triples"])})
    return out


def _int(term) -> int | None:
    return int(term.value) if term is not None else None


def find_import(store: Store, import_ref: str) -> dict:
    """The history entry of one import, by its id (as ``history`` lists it) or its graph IRI.

    :raise NotFound: no such import (with the nearest id)
    """
    imports = {h["id"]: h for h in history(store)}
    iid = import_ref[len(IMPORT_PREFIX):] if import_ref.startswith(IMPORT_PREFIX) else import_ref
    if iid not in imports:
        hit = difflib.get_close_matches(iid, list(imports), n=1)
        raise NotFound(f"no import {import_ref!r}" + (f'; did you mean "{hit[0]}"?' if hit else "")
                       + (" (see `amikg history`)" if imports else " (there are no imports)"),
                       import_id=import_ref)
    return imports[iid]


def import_graph(store: Store, import_ref: str) -> str:
    """The graph of one import (see :func:`find_import`)."""
    return find_import(store, import_ref)["graph"]


def undo(store: Store, import_ref: str) -> dict:
    """Remove one import: its graph and its provenance record (in one update).

    :param import_ref: the import id (as ``history`` lists it) or its graph IRI
    :raise NotFound: no such import
    """
    h = find_import(store, import_ref)
    g, meta = nn(h["graph"]), nn(GRAPH_META)
    restricted = nn(h["graph"] + "/restricted")  # its personal contact data
    # file and mapping records are shared by every import of the same file or mapping: they go
    # only with their last user
    update = f"""PREFIX prov: <{PROV}> PREFIX spdx: <{SPDX}>
DROP SILENT GRAPH {g} ;
DROP SILENT GRAPH {restricted} ;
DELETE {{ GRAPH {meta} {{ ?a ?p ?o }} }} WHERE {{ GRAPH {meta} {{ {g} prov:wasGeneratedBy ?a . ?a ?p ?o }} }} ;
DELETE {{ GRAPH {meta} {{ ?e ?p ?o . ?ck ?p2 ?o2 }} }} WHERE {{ GRAPH {meta} {{
  {{ {g} prov:wasDerivedFrom ?e }} UNION {{ {g} prov:wasInfluencedBy ?e }}
  FILTER NOT EXISTS {{ ?other prov:wasDerivedFrom|prov:wasInfluencedBy ?e FILTER(?other != {g}) }}
  ?e ?p ?o . OPTIONAL {{ ?e spdx:checksum ?ck . ?ck ?p2 ?o2 }} }} }} ;
DELETE {{ GRAPH {meta} {{ {g} ?p ?o }} }} WHERE {{ GRAPH {meta} {{ {g} ?p ?o }} }}"""
    with store.changing([h["graph"], h["graph"] + "/restricted", GRAPH_META]):
        store.update(update)
    return h

