"""What the store holds, as domain questions: one function per question, called alike by the CLI
(``amikg graphs``, ``amikg stats``, ``amikg export --dcat``) and the web pages (home, clusters,
one cluster, the partner form, the import form).

Each function takes the store and answers plain values (dicts, lists, tuples of strings), never
rendered text; the pure reshaping of named-query answers (:func:`printed_counts`,
:func:`marketing_plan`) lives here too, so every interface draws the same figures.
"""

from __future__ import annotations

from collections import Counter, OrderedDict

import pyoxigraph as ox

from .config import Settings
from .errors import FormatError
from .namespaces import AMID, GRAPH_META, PREFIXES
from .publish import CatalogInfo, catalog_graph, compact_iri, rdflib_to_triples, serialize
from .queries import Param
from .sparql.binder import values_block
from .store import Store

#: The prefixes the questions below are written with (from :data:`amikg.namespaces.PREFIXES`).
_PROLOGUE = "".join(f"PREFIX {p}: <{PREFIXES[p]}> "
                    for p in ("ami", "org", "rdfs", "skos", "dcterms", "prov", "foaf"))

#: Clusters, and organisations that are neither a cluster nor a unit of one.
_COUNTS = ("SELECT (COUNT(DISTINCT ?c) AS ?clusters) (COUNT(DISTINCT ?o) AS ?orgs) WHERE { "
           "{ ?c a ami:Cluster } UNION { ?o a/rdfs:subClassOf* org:Organization "
           "FILTER NOT EXISTS { ?o a/rdfs:subClassOf* ami:Cluster } "
           "FILTER NOT EXISTS { ?o a/rdfs:subClassOf* org:OrganizationalUnit } } }")

#: Formats the DCAT-AP catalogue (a graph) can be written in.
CATALOG_FORMATS = ("turtle", "ntriples", "jsonld", "xml")


def _rows(store: Store, sparql: str, _prologue: bool = True, **subs: str) -> list[dict]:
    """The solutions of ``sparql`` (prefixes added; ``subs`` bound as IRIs) as dicts of strings
    (``None`` for unbound)."""
    res = store.query((_PROLOGUE if _prologue else "") + sparql, substitutions={
        k: ox.NamedNode(v) for k, v in subs.items()})
    names = [v.value for v in res.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in res]


def cluster_slug(iri: str) -> str:
    """``amid:cluster/filas`` -> ``filas``; ``""`` for an IRI outside ``amid:cluster/``."""
    prefix = str(AMID["cluster/"])
    return iri[len(prefix):] if iri.startswith(prefix) else ""


# -- the store as a whole -------------------------------------------------------------------------

def graph_listing(store: Store) -> list[dict]:
    """Every named graph with its size and the provenance of its last load."""
    prov = {}
    for r in _rows(store, "SELECT ?g ?when (GROUP_CONCAT(?title; separator=', ') AS ?files) "
                          "WHERE { GRAPH ?meta { ?g prov:wasGeneratedBy ?a . "
                          "?a prov:endedAtTime ?when . "
                          "OPTIONAL { ?g prov:wasDerivedFrom/dcterms:title ?title } } } "
                          "GROUP BY ?g ?when", meta=GRAPH_META):
        prov[r["g"]] = (r["when"], r["files"] or "")
    return [{"graph": g, "triples": store.count(g), "loaded": prov.get(g, ("", ""))[0],
             "from": prov.get(g, ("", ""))[1]} for g in store.named_graphs()]


def store_stats(store: Store) -> dict:
    """Counts a user wants at a glance."""
    row = _rows(store, _COUNTS)[0]
    return {"store": store.location, "kind": store.kind, "quads": store.count(),
            "graphs": len(store.named_graphs()), "clusters": int(row["clusters"]),
            "organisations": int(row["orgs"])}


def holdings(store: Store) -> dict:
    """What the store holds, for the home page: clusters, organisations, triples, graphs and the
    time of the last update (``None`` when nothing records one)."""
    counts = _rows(store, _COUNTS)[0]
    last = _rows(store, "SELECT (MAX(STR(?m)) AS ?last) WHERE { GRAPH ?meta { "
                        "?g dcterms:modified ?m } }", meta=GRAPH_META)[0]["last"]
    return {"clusters": int(counts["clusters"]), "organisations": int(counts["orgs"]),
            "triples": store.count(), "graphs": len(store.named_graphs()),
            "last_update": (last or "")[:19].replace("T", " ") or None}


def catalog_format(fmt: str | None) -> str:
    """``fmt`` if the catalogue can be written in it, Turtle for none.

    :raise FormatError: ``fmt`` is not a graph format."""
    fmt = fmt or "turtle"
    if fmt not in CATALOG_FORMATS:
        raise FormatError(f"the catalogue is a graph; use turtle, ntriples, jsonld or xml, not {fmt}")
    return fmt


def dcat_catalogue(store: Store, fmt: str | None = None, base_url: str | None = None,
                   settings: Settings | None = None) -> bytes:
    """The DCAT-AP 3 catalogue (what ``/catalog`` serves) in ``fmt`` (default Turtle), with
    download and endpoint URLs under ``base_url`` (default: the base IRI).

    :raise FormatError: ``fmt`` is not a graph format (:func:`catalog_format`)."""
    fmt = catalog_format(fmt)
    settings = settings or Settings.from_env()
    g = catalog_graph(store, base_url or settings.base_iri, settings.base_iri,
                      CatalogInfo.from_env(), settings.publish_contacts)
    return serialize(rdflib_to_triples(g), fmt)


# -- clusters -------------------------------------------------------------------------------------

def cluster_identity(store: Store, iri: str) -> dict:
    """Mission, thematic alignment, alternative label and ordered goals of a cluster (what
    cluster-overview does not say)."""
    texts = _rows(store, "SELECT ?mission ?alignment ?alt WHERE { "
                         "OPTIONAL { ?c ami:missionStatement ?mission } "
                         "OPTIONAL { ?c ami:thematicAlignment ?alignment } "
                         "OPTIONAL { ?c skos:altLabel ?alt } }", c=iri)
    goals = _rows(store, "SELECT ?goal (SAMPLE(?l) AS ?label) (MIN(?o) AS ?order) WHERE { "
                         "?c ami:goal ?goal . OPTIONAL { ?goal rdfs:label ?l } "
                         "OPTIONAL { ?goal ami:goalOrder ?o } } GROUP BY ?goal "
                         "ORDER BY ?order ?label", c=iri)
    first = texts[0] if texts else {}
    return {"mission": first.get("mission"), "alignment": first.get("alignment"),
            "alt_label": first.get("alt"), "goals": [g["label"] for g in goals if g["label"]]}


def cluster_choices(store: Store) -> list[tuple[str, str]]:
    """(slug, label) of every cluster in the store, by label (the IRI for a cluster outside
    ``amid:cluster/``, or without a label)."""
    rows = _rows(store, "SELECT ?c (SAMPLE(?l) AS ?label) WHERE { ?c a ami:Cluster "
                        "OPTIONAL { ?c rdfs:label ?l FILTER (LANG(?l) = 'en' || LANG(?l) = '') } "
                        "} GROUP BY ?c")
    out = [(cluster_slug(r["c"]) or r["c"], r["label"] or r["c"]) for r in rows]
    return sorted(out, key=lambda c: c[1].casefold())


def printed_counts(member_counts: str | None) -> list[dict]:
    """``"Companies: 1986; Universities: 8"`` (cluster-overview's ``member_counts``) as rows
    ``{"label", "value"}``."""
    out = []
    for entry in (member_counts or "").split("; "):
        label, _, n = entry.rpartition(": ")
        if label and n.isdigit():
            out.append({"label": label, "value": int(n)})
    return out


def marketing_plan(rows: list[dict], label: str) -> dict:
    """Figure 4 (marketing-measures rows) as a measure x target-group matrix, each cell marked
    with whether the cluster called ``label`` records that action; with the counts of used
    cells, of top-importance cells and of top-importance cells still open."""
    groups: OrderedDict = OrderedDict()
    measures: OrderedDict = OrderedDict()
    for r in rows:
        groups.setdefault(r["target_group"], r["group_label"])
        m = measures.setdefault(r["measure"], {"label": r["measure_label"], "cells": {}})
        used = label in [u.strip() for u in (r.get("used_by") or "").split(",")]
        m["cells"][r["target_group"]] = {"rating": r["rating"], "importance": r["importance"],
                                         "used": used}
    cells = [c for m in measures.values() for c in m["cells"].values()]
    return {"groups": groups, "measures": measures,
            "used": sum(c["used"] for c in cells),
            "top_open": sum(1 for c in cells if c["importance"] == 3 and not c["used"]),
            "top": sum(1 for c in cells if c["importance"] == 3)}


# -- organisations --------------------------------------------------------------------------------

#: An organisation's location and its public way in (its web site). Personal contact data
#: (e-mail, telephone, natural persons) is never part of it.
_WHERE_AND_WEB = ("SELECT ?o (GROUP_CONCAT(DISTINCT ?rl; separator=', ') AS ?region) "
                  "(SAMPLE(?cl) AS ?country) (SAMPLE(?web) AS ?website) WHERE { "
                  "VALUES ?o { } "
                  "OPTIONAL { ?o ami:region ?r . OPTIONAL { ?r skos:prefLabel|rdfs:label ?rl0 "
                  "FILTER(LANG(?rl0) IN ('en', '')) } OPTIONAL { ?r skos:notation ?rn } "
                  "BIND(IF(BOUND(?rn), CONCAT(COALESCE(STR(?rl0), STR(?r)), ' (', STR(?rn), ')'), "
                  "COALESCE(STR(?rl0), STR(?r))) AS ?rl) } "
                  "OPTIONAL { ?o ami:country ?c . OPTIONAL { ?c skos:prefLabel|rdfs:label ?cl0 "
                  "FILTER(LANG(?cl0) IN ('en', '')) } BIND(COALESCE(STR(?cl0), STR(?c)) AS ?cl) } "
                  "OPTIONAL { ?o foaf:homepage ?web } } GROUP BY ?o")


def where_and_web(store: Store, organisations: list[str]) -> dict:
    """Organisation IRI -> ``{"region", "country", "website"}`` (each may be None): where a
    partner is, and its public web site, for the partner search's results."""
    if not organisations:
        return {}
    block = values_block(["o"], [[ox.NamedNode(o)] for o in organisations])
    text = _PROLOGUE + _WHERE_AND_WEB.replace("VALUES ?o { }", block, 1)
    return {r["o"]: {"region": r["region"] or None, "country": r["country"],
                     "website": r["website"]} for r in _rows(store, text, _prologue=False)}


# -- named-query parameters -----------------------------------------------------------------------

def param_options(store: Store, param: Param) -> list[tuple[str, str]]:
    """(compact IRI, label) choices for an ``enum`` parameter (instances of its class) or a
    ``class`` parameter (sub-classes of its roots) of a named query, by label. Choices that
    would read the same (a NUTS level-1 region and its one level-2 region, both "Community of
    Madrid") say what tells them apart: their notation and note ("ES30, NUTS level 2")."""
    if param.type == "enum":
        rows = _rows(store, "SELECT DISTINCT ?x (SAMPLE(?l) AS ?label) (SAMPLE(?n) AS ?notation) "
                            "(SAMPLE(?nt) AS ?note) WHERE { "
                            "?x a/rdfs:subClassOf* ?root . OPTIONAL { ?x skos:prefLabel|rdfs:label "
                            "?l FILTER(LANG(?l) IN ('en', '')) } OPTIONAL { ?x skos:notation ?n } "
                            "OPTIONAL { ?x skos:note ?nt FILTER(LANG(?nt) IN ('en', '')) } "
                            "} GROUP BY ?x", root=param.cls)
    else:
        rows = []
        for root in param.roots:
            rows += _rows(store, "SELECT DISTINCT ?x (SAMPLE(?l) AS ?label) WHERE { "
                                 "?x rdfs:subClassOf* ?root . FILTER(isIRI(?x)) "
                                 "OPTIONAL { ?x rdfs:label|skos:prefLabel ?l "
                                 "FILTER(LANG(?l) IN ('en', '')) } } GROUP BY ?x", root=root)
    seen, out = set(), []
    for r in rows:
        if r["x"] in seen:
            continue
        seen.add(r["x"])
        out.append((compact_iri(r["x"]), r["label"] or compact_iri(r["x"]), r))
    shared = Counter(label.casefold() for _, label, _ in out)
    named = [(value, label if shared[label.casefold()] < 2 else _told_apart(label, value, r))
             for value, label, r in out]
    return sorted(named, key=lambda o: o[1].lower())


def _told_apart(label: str, value: str, row: dict) -> str:
    """``label (notation, note)`` for a choice whose label another choice has too."""
    extra = [x for x in (row.get("notation"), row.get("note")) if x] or [value]
    return f"{label} ({', '.join(extra)})"
