"""What the search index holds, read from the store with SPARQL: one document per organisation
(clusters included), with its names, the words it is found by and its facet values.

A document is what a cluster manager would look for an organisation by: its names and
descriptions (in every language the data gives them), and the names of its competencies,
value-chain steps, region, country and categories (every label of each, so a region's name in its
own language finds it too: "Niedersachsen" finds the organisations of Lower Saxony). Its facet
values follow the partner search's rules: a category counts its sub-categories, a region its
sub-regions, a competency its narrower terms and the hybrid modalities that combine it.

Every read is a plain SPARQL query on the store (the union of its graphs), so the same documents
come out of every backend; the closures (sub-classes, broader regions and competencies) are taken
in Python over the small vocabulary tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Iterable

import pyoxigraph as ox

from ..namespaces import AMI, ORG, OWL
from ..sparql.binder import inject, values
from ..store import Store

PREFIXES = """PREFIX ami: <https://w3id.org/amikg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
#: The properties that name a resource.
NAMES = "rdfs:label|skos:prefLabel|skos:altLabel"
#: The properties that describe a document in words.
DESCRIPTIONS = "rdfs:comment|dcterms:description"

Q_SUBCLASS = PREFIXES + "SELECT ?a ?b WHERE { ?a rdfs:subClassOf ?b FILTER(isIRI(?a) && isIRI(?b)) }"
Q_BROADER = PREFIXES + ("SELECT ?a ?b WHERE { ?a skos:broader|ami:combinesModality ?b "
                        "FILTER(isIRI(?a) && isIRI(?b)) }")
#: A document's own reads are one plain triple pattern each (a property scan; term kinds are
#: checked in Python, which costs less than a FILTER over a million rows), by what it yields.
Q_TYPES = PREFIXES + "SELECT ?doc ?x WHERE { ?doc a ?x }"
LINKS = (("competency", "?doc ami:hasCompetency ?x"), ("step", "?doc ami:actsAtStep ?x"),
         ("region", "?doc ami:region ?x"), ("country", "?doc ami:country ?x"),
         ("cluster", "?doc org:memberOf ?x"), ("cluster", "?x org:hasMember ?doc"))
WORDS = tuple(("name", f"?doc {p} ?x") for p in NAMES.split("|")) + tuple(
    ("text", f"?doc {p} ?x") for p in DESCRIPTIONS.split("|"))


def pattern_query(pattern: str) -> str:
    return PREFIXES + f"SELECT ?doc ?x WHERE {{ {pattern} }}"


#: The documents a write confined to the graphs ``?g`` may change: those the graphs say something
#: about or point to, and those linked to a resource the graphs name (its names are their words).
Q_AFFECTED = PREFIXES + f"""SELECT DISTINCT ?doc WHERE {{
  {{ GRAPH ?g {{ ?doc ?p ?o }} }} UNION {{ GRAPH ?g {{ ?s ?p ?doc }} }}
  UNION {{ GRAPH ?g {{ ?x {NAMES} ?l }}
          ?doc ami:hasCompetency|ami:actsAtStep|ami:region|ami:country|org:memberOf|^org:hasMember|a ?x }}
  ?doc a ?t
}}"""
#: Whether the graphs ``?g`` hold vocabulary: sub-classes, broader terms (what every document's
#: categories and facets are closed over).
Q_VOCABULARY = PREFIXES + """ASK { GRAPH ?g { ?a rdfs:subClassOf|skos:broader|ami:combinesModality ?b } }"""

#: The roots a document's types must reach: an organisation (a cluster is one too).
ROOTS = {str(ORG.Organization), str(AMI.Cluster)}
#: Classes every organisation has, which say nothing as a category.
NOT_CATEGORIES = {str(ORG.Organization), str(OWL.Thing), str(OWL.NamedIndividual)}
#: A category is a class under one of these (as the partner search's categories are).
CATEGORY_ROOTS = {str(AMI.Stakeholder), str(ORG.Organization)}
#: The facets of a document, in the order the answers list them.
FACETS = ("kind", "category", "competency", "step", "region", "country", "cluster")
#: The facets that hold the terms above a document's own (broader regions and competencies).
WIDE = frozenset({"competency", "region"})
#: Rows per VALUES block when only some documents are read (remote stores take a request each).
CHUNK = 500
#: Reading some documents costs ~25 times as much per document as the whole store's read costs
#: per ``rdf:type`` triple (its property scans; measured at 100k organisations: 2,000 to 10,000
#: documents in chunks against the whole read): above this share of the type triples, and at
#: least four chunks, the whole store is read instead.
WHOLE_READ_SHARE = 0.04
Q_TYPE_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }"


@dataclass
class Doc:
    """One organisation as the index holds it."""

    iri: str
    names: list[tuple[str, str]] = field(default_factory=list)   # (text, language or "")
    words: list[str] = field(default_factory=list)               # descriptions, linked names
    tagged: list[tuple[str, str]] = field(default_factory=list)  # every name with its language
    facets: dict[str, set[str]] = field(default_factory=lambda: {f: set() for f in FACETS})
    #: its own region(s) and country (the facets hold the broader regions too)
    where: dict[str, set[str]] = field(default_factory=lambda: {"region": set(), "country": set()})
    #: its own classes (the category facet holds the classes above them too)
    types: set[str] = field(default_factory=set)

    def name(self, lang: str = "en") -> str:
        """Its name in ``lang``, else in English, else without a language, else any."""
        for want in (lang, "en", ""):
            for text, tag in self.names:
                if tag == want:
                    return text
        return self.names[0][0] if self.names else self.iri


def closure(edges: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """``{a: every b reachable from a}`` (a itself included) over the edges ``a -> b``."""
    up: dict[str, set[str]] = {}
    for a, b in edges:
        up.setdefault(a, set()).add(b)
    memo: dict[str, set[str]] = {}

    def reach(a: str) -> set[str]:
        if a in memo:
            return memo[a]
        seen, todo = {a}, [a]
        while todo:
            for b in up.get(todo.pop(), ()):
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        memo[a] = seen
        return seen

    return {a: reach(a) for a in up} | {"": set()}


def _pairs(store: Store, text: str, only: list[str] | None = None):
    """The ``(?doc, ?x)`` terms of the solutions of ``text`` (every one, or those with ``?doc``
    in ``only``, asked in VALUES chunks). Solutions are read by position (found once per answer),
    which is several times cheaper than by name over a million rows."""
    blocks = [None] if only is None else [
        values("doc", [ox.NamedNode(x) for x in only[i:i + CHUNK]])
        for i in range(0, len(only), CHUNK)]
    for block in blocks:
        solutions = store.query(text if block is None else with_values(text, block))
        head = [v.value for v in solutions.variables]
        yield from map(itemgetter(head.index("doc"), head.index("x")), solutions)


def with_values(text: str, block: str) -> str:
    """One of this package's queries (a single ``WHERE {``) with ``block`` opening its group."""
    head, body = text.split("WHERE {", 1)
    return f"{head}WHERE {{\n{block}{body}"


#: The vocabulary tables, per index generation (see :func:`vocabulary`).
_VOCABULARY: dict = {}
Q_DIRECT = PREFIXES + "SELECT ?a ?b WHERE { ?a skos:broader ?b FILTER(isIRI(?a) && isIRI(?b)) }"


def vocabulary(store: Store, generation=None) -> tuple[dict, dict, dict]:
    """``(sub-class closure, broader closure, direct broader)`` of the store's vocabulary.

    With ``generation`` (an open index), kept while it is in use: the vocabulary changes only by
    a write the index cannot map to documents, which makes the index stale until a rebuild (a
    new generation); the entry holds both objects, so their ids are not reused."""
    def read():
        return (closure((s["a"].value, s["b"].value) for s in store.query(Q_SUBCLASS)),
                closure((s["a"].value, s["b"].value) for s in store.query(Q_BROADER)),
                {s["a"].value: s["b"].value for s in store.query(Q_DIRECT)})
    if generation is None:
        return read()
    key = (id(store), id(generation))
    if key not in _VOCABULARY:
        if len(_VOCABULARY) >= 4:
            _VOCABULARY.clear()
        _VOCABULARY[key] = (store, generation, read())
    return _VOCABULARY[key][2]


def read_documents(store: Store, only: Iterable[str] | None = None, generation=None) -> list[Doc]:
    """Every organisation of the store as a :class:`Doc` (or only those of the IRIs ``only``),
    sorted by IRI (``generation``: see :func:`vocabulary`)."""
    only = sorted(set(only)) if only is not None else None
    if only is not None and len(only) > 4 * CHUNK and len(only) > WHOLE_READ_SHARE * int(
            next(iter(store.query(Q_TYPE_COUNT)))["n"].value):  # cheaper read whole
        keep = set(only)
        return [d for d in read_documents(store, None, generation) if d.iri in keep]
    classes, broader, _ = vocabulary(store, generation)
    docs = _typed(store, only, classes)
    linked: dict[str, list[str]] = {}
    for kind, pattern in LINKS:
        wide, where = kind in WIDE, kind in ("region", "country")
        for doc, x in _pairs(store, pattern_query(pattern),
                              list(docs) if only is not None else None):
            d = docs.get(doc.value)
            if d is None or type(x) is not ox.NamedNode or type(doc) is not ox.NamedNode:
                continue
            x = x.value
            linked.setdefault(d.iri, []).append(x)
            if where:
                d.where[kind].add(x)
            if wide:
                d.facets[kind].update(broader.get(x) or (x,))
            else:
                d.facets[kind].add(x)
    for d in docs.values():  # the names of its categories are words it is found by
        linked.setdefault(d.iri, []).extend(d.facets["category"])
    wanted = None if only is None else sorted(set(docs) | {x for xs in linked.values() for x in xs})
    names, descriptions = _words(store, wanted)
    for d in docs.values():
        d.names = sorted(set(names.get(d.iri, [])), key=lambda n: (n[1] != "en", n))
        d.words = sorted(set(descriptions.get(d.iri, [])))
        other = sorted({n for x in set(linked.get(d.iri, [])) for n in names.get(x, [])})
        d.words += sorted({t for t, _ in other})
        d.tagged = d.names + other
    return [docs[k] for k in sorted(docs)]


def _typed(store: Store, only: list[str] | None, classes: dict[str, set[str]]) -> dict[str, Doc]:
    """A :class:`Doc` with its kind, categories and own classes for every resource (of
    ``only``) typed as an organisation, by IRI."""
    direct: dict[str, set[str]] = {}
    for doc, t in _pairs(store, Q_TYPES, only):
        if type(doc) is ox.NamedNode and type(t) is ox.NamedNode:
            direct.setdefault(doc.value, set()).add(t.value)
    seen: dict[frozenset, tuple[str, set[str]] | None] = {}  # by direct types: most repeat

    def classify(ts: frozenset) -> tuple[str, set[str]] | None:
        """(kind, categories) of a resource of the classes ``ts``, or None if no document."""
        up = set().union(*(classes.get(t) or (t,) for t in ts))
        if not up & ROOTS:
            return None
        return ("cluster" if str(AMI.Cluster) in up else "organisation",
                {t for t in up if t not in NOT_CATEGORIES
                 and (classes.get(t) or {t}) & CATEGORY_ROOTS})
    docs: dict[str, Doc] = {}
    for iri, ts in direct.items():
        key = frozenset(ts)
        if key not in seen:
            seen[key] = classify(key)
        if seen[key] is not None:
            d = docs[iri] = Doc(iri)
            d.types = ts
            d.facets["kind"].add(seen[key][0])
            d.facets["category"].update(seen[key][1])
    return docs


def _words(store: Store, wanted: list[str] | None):
    """``({iri: [(name, language)]}, {iri: [description]})`` of every resource (of ``wanted``)."""
    names: dict[str, list[tuple[str, str]]] = {}
    descriptions: dict[str, list[str]] = {}
    for kind, pattern in WORDS:
        for x, w in _pairs(store, pattern_query(pattern), wanted):
            if type(w) is not ox.Literal or type(x) is not ox.NamedNode:
                continue
            if kind == "name":
                names.setdefault(x.value, []).append((w.value, w.language or ""))
            else:
                descriptions.setdefault(x.value, []).append(w.value)
    return names, descriptions


def doc_classes(classes: dict[str, set[str]]) -> set[str]:
    """The classes whose instances are documents (organisations, clusters, their sub-classes)."""
    return {c for c, up in classes.items() if up & ROOTS} | ROOTS


def affected(store: Store, graphs: Iterable[str], cap: int, generation=None) -> set[str] | None:
    """The documents a write confined to ``graphs`` may change, as the store holds them now
    (call it before the write and after: the union is what to re-read); None when the graphs
    hold vocabulary (every document may change) or more than ``cap`` documents."""
    block = values("g", [ox.NamedNode(g) for g in sorted(graphs)])
    if store.query(inject(Q_VOCABULARY, block, any_brace=True)):
        return None
    classes = vocabulary(store, generation)[0]
    types = values("t", [ox.NamedNode(t) for t in sorted(doc_classes(classes))])
    text = with_values(Q_AFFECTED, block + types) + f" LIMIT {cap + 1}"
    found = {s["doc"].value for s in store.query(text)}
    return None if len(found) > cap else found
