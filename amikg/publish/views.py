"""What the linked-data pages show: a resource's description, labels and provenance, the
ontology's terms and the shapes, each as plain data from the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import pyoxigraph as ox

from ..errors import NotFound
from ..namespaces import (AMI, DCAT, DCTERMS, FOAF, GRAPH_META, GRAPH_ONTOLOGY, GRAPH_SHAPES, OWL,
                          PROV, RDF, RDFS, SH, SKOS, SPDX, VCARD, XSD)
from ..sparql.binder import values_block
from ..store import Store, nn
from .datasets import published_dataset
from .privacy import natural_persons, redact
from .rdf import compact_iri, local_name, select_rows

#: Properties whose value names a resource, best first.
LABEL_PROPERTIES = [str(RDFS.label), str(SKOS.prefLabel), str(FOAF.name), str(DCTERMS.title),
                    str(VCARD.fn), str(SH.name)]
_LABEL_TERMS = [(nn(p),) for p in LABEL_PROPERTIES]


def _first(res):
    return next(iter(res), None)


def resource_exists(store: Store, iri: str) -> bool:
    """Whether any triple has the IRI as its subject or object."""
    node = nn(iri)
    return bool(store.query("ASK { { ?r ?p ?o } UNION { ?s ?p ?r } }", substitutions={"r": node}))


def describe(store: Store, iri: str, contacts: bool = False) -> list[ox.Triple]:
    """The resource's own triples plus the blank nodes it points to (two levels deep), from
    every graph; without ``contacts`` (``AMIKG_PUBLISH_CONTACTS``), no contact data and no
    natural person's name (:mod:`.privacy`).

    :raise NotFound: when the store has no triple with the IRI as subject or object."""
    node = nn(iri)
    res = store.query(
        "CONSTRUCT { ?r ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 } WHERE { ?r ?p ?o "
        "OPTIONAL { ?o ?p2 ?o2 FILTER(isBlank(?o)) "
        "OPTIONAL { ?o2 ?p3 ?o3 FILTER(isBlank(?o2)) } } }", substitutions={"r": node})
    triples = list(res)
    if not triples and not resource_exists(store, iri):
        raise NotFound(f"no resource {iri} in the store", iri=iri)
    if not contacts:
        triples = list(redact(triples, natural_persons(store, among=[node])))
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
    """The resource's best label (see :func:`_best_label`), or None."""
    res = store.query(f"SELECT ?p ?l WHERE {{ {values_block(['p'], _LABEL_TERMS)} ?r ?p ?l "
                      f"FILTER(isLiteral(?l)) }}", substitutions={"r": nn(iri)})
    return _best_label((iri, s["p"].value, s["l"]) for s in res).get(iri)


def _with_counts(store: Store, node: ox.NamedNode, labels: dict[str, str]) -> None:
    """A value that is a count (the report's printed member counts: ``ami:count``) reads as
    ``label: number`` ("Companies: 1986"), not as its label alone."""
    res = store.query(f"SELECT ?x ?n WHERE {{ ?r ?p ?x . ?x <{AMI['count']}> ?n }}",
                      substitutions={"r": node})
    for s in res:
        x = s["x"].value
        labels[x] = f"{labels.get(x) or compact_iri(x)}: {s['n'].value}"


def _labels_for(store: Store, query: str, subs: dict, var: str = "x") -> dict[str, str]:
    res = store.query(query, substitutions=subs)
    return _best_label((s[var].value, s["lp"].value, s["l"]) for s in res
                       if s[var] is not None and s["l"] is not None)


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
    if dt in (str(XSD.string), str(RDF.langString)):
        dt = None
    return Value("literal", term.value, language=term.language, datatype=dt)


def _unname(store: Store, tables: list[dict[str, str]], iri: str | None = None) -> bool:
    """Drop the natural persons from the label ``tables`` (IRI -> label), so that no page names
    one; whether ``iri`` is a natural person."""
    keys = {k for t in tables for k in t if ":" in k} | ({iri} if iri else set())
    persons = natural_persons(store, among=[nn(k) for k in keys])
    for table in tables:
        for k in [k for k in table if f"<{k}>" in persons]:
            del table[k]
    return iri is not None and f"<{iri}>" in persons


def resource_view(store: Store, iri: str, incoming_limit: int = 200,
                  contacts: bool = False) -> ResourceView:
    """Everything the HTML page of a resource shows (``contacts`` as for :func:`describe`; the
    labels of natural persons are not shown either).

    :raise NotFound: for an IRI the store does not know."""
    triples = describe(store, iri, contacts)
    node = nn(iri)
    lab_q = ("SELECT ?x ?lp ?l WHERE { { ?r ?p ?x } UNION { ?r ?x ?o } UNION "
             "{ ?r ?p ?b FILTER(isBlank(?b)) { ?b ?x ?o2 } UNION { ?b ?p2 ?x } } "
             f"{values_block(['lp'], _LABEL_TERMS)} ?x ?lp ?l FILTER(isIRI(?x) && isLiteral(?l)) }}")
    labels = _labels_for(store, lab_q, {"r": node})
    _with_counts(store, node, labels)
    own = label_of(store, iri)
    if not contacts and _unname(store, [labels], iri):
        own = None
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
             for p, _, vs in props if p == str(RDF.type) for v in vs if v.kind == "iri"]
    inc = store.query(
        "SELECT ?s ?p WHERE { ?s ?p ?r FILTER(!isBlank(?s)) } ORDER BY ?p ?s LIMIT "
        f"{int(incoming_limit)}", substitutions={"r": node})
    inc_rows = [(s["s"].value, s["p"].value) for s in inc]
    total = int(_first(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?r }",
                                   substitutions={"r": node}))["n"].value)
    inc_labels = _labels_for(
        store, "SELECT ?x ?lp ?l WHERE { { ?x ?p ?r } UNION { ?s ?x ?r } "
        f"{values_block(['lp'], _LABEL_TERMS)} ?x ?lp ?l FILTER(isLiteral(?l)) }}", {"r": node})
    if not contacts:
        _unname(store, [inc_labels])
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
    ds = published_dataset(store, graph)
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
        % (PROV, DCTERMS, DCAT, SPDX, SPDX),
        substitutions={"meta": nn(GRAPH_META), "g": nn(graph)})
    out["files"] = [{"name": s["title"].value if s["title"] else "",
                     "bytes": int(s["size"].value) if s["size"] else None,
                     "sha256": s["sum"].value if s["sum"] else None} for s in files]
    return out


#: The ontology's header properties -> the keys of :func:`ontology_header`.
_HEADER_KEYS = {str(DCTERMS.title): "title", str(DCTERMS.description): "description",
                str(OWL.versionInfo): "version", str(OWL.versionIRI): "version_iri",
                str(DCTERMS.license): "license", str(DCTERMS.modified): "modified",
                str(DCTERMS.created): "created", str(RDFS.comment): "comment",
                str(RDFS.label): "label"}


def ontology_header(store: Store) -> dict:
    """Title, description, version and versioned IRI of the ontology in the store."""
    rows = select_rows(store,
                       "SELECT ?o ?p ?v WHERE { GRAPH ?g { ?o a <%sOntology> ; ?p ?v } }" % OWL,
                       g=nn(GRAPH_ONTOLOGY))
    if not rows:
        raise NotFound("the store holds no ontology (run `amikg init`)")
    head: dict = {"iri": rows[0]["o"]}
    for r in rows:
        key = _HEADER_KEYS.get(r["p"])
        if key and key not in head:
            head[key] = r["v"]
    return head


def ontology_view(store: Store) -> dict:
    """Every ``ami:`` class, property and other term with label, definition, super-classes or
    -properties, domain and range, and where it is used."""
    ns = ox.Literal(str(AMI))
    g = nn(GRAPH_ONTOLOGY)
    terms = select_rows(store, """
        SELECT ?t ?kind (SAMPLE(?lab) AS ?label) (SAMPLE(?def) AS ?definition)
               (SAMPLE(?com) AS ?comment) (SAMPLE(?sec) AS ?section)
        WHERE { GRAPH ?g { ?t a ?kind
          OPTIONAL { ?t <%slabel> ?lab FILTER(LANG(?lab) = "en" || LANG(?lab) = "") }
          OPTIONAL { ?t <%sdefinition> ?def }
          OPTIONAL { ?t <%scomment> ?com }
          OPTIONAL { ?t <%sreportSection> ?sec } }
          FILTER(isIRI(?t) && STRSTARTS(STR(?t), STR(?ns))) }
        GROUP BY ?t ?kind ORDER BY ?t""" % (RDFS, SKOS, RDFS, AMI), g=g, ns=ns)
    rel = select_rows(store, """
        SELECT ?t ?p ?v WHERE { GRAPH ?g { ?t ?p ?v
          VALUES ?p { <%ssubClassOf> <%ssubPropertyOf> <%sdomain> <%srange> <%sinScheme> } }
          FILTER(isIRI(?v) && STRSTARTS(STR(?t), STR(?ns))) }""" % (RDFS, RDFS, RDFS, RDFS, SKOS),
        g=g, ns=ns)
    uses = {r["p"]: int(r["n"]) for r in select_rows(store, """
        SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?p), STR(?ns))) }
        GROUP BY ?p""", ns=ns)}
    instances = {r["c"]: int(r["n"]) for r in select_rows(store, """
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
        if str(OWL.Class) in ks:
            entry["supers"] = [ref(v) for v in sorted(rl.get("subClassOf", []))]
            entry["subs"] = [ref(t) for t, x in sorted(relations.items())
                             if iri in x.get("subClassOf", [])]
            entry["used_in"] = [ref(t) for t, x in sorted(relations.items())
                                if iri in x.get("domain", []) + x.get("range", [])]
            entry["instances"] = instances.get(iri, 0)
            classes.append(entry)
        elif ks & {str(OWL.ObjectProperty), str(OWL.DatatypeProperty),
                   str(OWL.AnnotationProperty), str(RDF.Property)}:
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
    nodes = select_rows(store, """
        SELECT ?s (SAMPLE(?lab) AS ?label) (SAMPLE(?c) AS ?comment)
               (GROUP_CONCAT(DISTINCT STR(?tc); separator=" ") AS ?targets)
               (SAMPLE(?sev) AS ?severity) (SAMPLE(?msg) AS ?message)
        WHERE { GRAPH ?g { ?s a <%sNodeShape>
          OPTIONAL { ?s <%slabel>|<%sname> ?lab } OPTIONAL { ?s <%scomment>|<%sdescription> ?c }
          OPTIONAL { ?s <%stargetClass> ?tc } OPTIONAL { ?s <%sseverity> ?sev }
          OPTIONAL { ?s <%smessage> ?msg } } } GROUP BY ?s ORDER BY ?s"""
                  % (SH, RDFS, SH, RDFS, SH, SH, SH, SH), g=g)
    props = select_rows(store, """
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

