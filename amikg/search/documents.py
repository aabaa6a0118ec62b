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
         ("cluster", "?doc org:memberOf|^org:hasMember ?x"))
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


def grouped(solutions) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, str]]]]:
    """The ``(?doc, ?x)`` solutions with an IRI ``?doc``, by ``?doc``: ``({doc: [IRI x]},
    {doc: [(literal x, its language or "")]})`` (blank nodes and other terms left out).

    The reducer of :meth:`Store.map_queries`: it runs where the query runs (perhaps another
    process), and only the groups cross over. Solutions are read by position (found once per
    answer), several times cheaper than by name over a million rows."""
    head = [v.value for v in solutions.variables]
    iris: dict[str, list[str]] = {}
    literals: dict[str, list[tuple[str, str]]] = {}
    named, literal = ox.NamedNode, ox.Literal
    for doc, x in map(itemgetter(head.index("doc"), head.index("x")), solutions):
        if type(doc) is not named:
            continue
        if type(x) is named:
            iris.setdefault(doc.value, []).append(x.value)
        elif type(x) is literal:
            literals.setdefault(doc.value, []).append((x.value, x.language or ""))
    return iris, literals


#: From this many ``rdf:type`` triples on, a whole-store read shares its queries out between
#: the cores (measured on 2 cores: at 10k organisations, 24,000 triples, it gains nothing, a
#: process costing 0.3 s to start; at 100k, 242,602 triples, the queries take 6.0 s instead of
#: 8.2 s).
PARALLEL_FROM = 100_000


def _read(store: Store, texts: list[str], only: list[str] | None = None, workers=None) -> list:
    """:func:`grouped` of each query of ``texts`` over the whole store (shared out between the
    cores when the store is large), or over the documents ``only`` (asked in VALUES chunks)."""
    if only is None:
        if workers is None and int(next(iter(store.query(Q_TYPE_COUNT)))["n"].value) \
                < PARALLEL_FROM:
            workers = 1
        return store.map_queries(texts, grouped, workers)
    out = []
    for text in texts:
        iris: dict[str, list[str]] = {}
        literals: dict[str, list[tuple[str, str]]] = {}
        for i in range(0, len(only), CHUNK):
            block = values("doc", [ox.NamedNode(x) for x in only[i:i + CHUNK]])
            more = grouped(store.query(with_values(text, block)))
            for mine, theirs in ((iris, more[0]), (literals, more[1])):
                for k, v in theirs.items():
                    mine.setdefault(k, []).extend(v)
        out.append((iris, literals))
    return out


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


def read_documents(store: Store, only: Iterable[str] | None = None, generation=None,
                   workers: int | None = None) -> list[Doc]:
    """Every organisation of the store as a :class:`Doc` (or only those of the IRIs ``only``),
    sorted by IRI (``generation``: see :func:`vocabulary`; ``workers``: at most this many cores
    for a whole-store read, by default as many as it is worth)."""
    only = sorted(set(only)) if only is not None else None
    if only is not None and len(only) > 4 * CHUNK and len(only) > WHOLE_READ_SHARE * int(
            next(iter(store.query(Q_TYPE_COUNT)))["n"].value):  # cheaper read whole
        keep = set(only)
        return [d for d in read_documents(store, None, generation, workers) if d.iri in keep]
    classes, broader, _ = vocabulary(store, generation)
    links = [pattern_query(pattern) for _, pattern in LINKS]
    words = [pattern_query(pattern) for _, pattern in WORDS]
    if only is None:  # one read of everything, the costly scans first
        got = _read(store, [Q_TYPES, *links, *words], None, workers)
        types, link_rows, word_rows = got[0], got[1:1 + len(links)], got[1 + len(links):]
    else:
        types, *link_rows = _read(store, [Q_TYPES, *links], only)
    docs, categories = _typed(types[0], classes)
    linked = _link(docs, link_rows, broader)
    for iri, key in categories.items():  # the names of its categories are words it is found by
        linked.setdefault(iri, []).append(key)
    if only is not None:
        wanted = sorted(set(docs) | {x for keys in linked.values() for key in keys for x in key})
        word_rows = _read(store, words, wanted)
    _finish(docs, linked, *_words(word_rows))
    return [docs[k] for k in sorted(docs)]


def _link(docs: dict[str, Doc], rows: list, broader: dict[str, set[str]]) -> dict[str, list]:
    """Fill the documents' facets from the :data:`LINKS` queries' ``rows`` (in that order);
    returns, per document, the groups of resources it links to (one tuple per kind). Documents
    share most groups (a region, a combination of competencies), so what a group gives (its
    broader terms here, its names in :func:`_finish`) is worked out once per group."""
    linked: dict[str, list] = {}
    wide_of: dict[tuple, set[str]] = {}
    for (kind, _), (iris, _) in zip(LINKS, rows):
        wide, where = kind in WIDE, kind in ("region", "country")
        for iri, xs in iris.items():
            d = docs.get(iri)
            if d is None:
                continue
            key = tuple(xs)
            linked.setdefault(iri, []).append(key)
            if where:
                d.where[kind].update(xs)
            if wide:
                up = wide_of.get(key)
                if up is None:
                    up = wide_of[key] = set().union(*(broader.get(x) or (x,) for x in xs))
                d.facets[kind] |= up
            else:
                d.facets[kind].update(xs)
    return linked


def _finish(docs: dict[str, Doc], linked: dict[str, list], names: dict, descriptions: dict):
    """Each document's names, words and tagged names: its own, and those of the resources it
    links to (``linked``: groups of them, see :func:`_link`)."""
    named: dict = {}
    for d in docs.values():
        d.names = sorted(set(names.get(d.iri, [])), key=lambda n: (n[1] != "en", n))
        d.words = sorted(set(descriptions.get(d.iri, [])))
        found = set()
        for key in linked.get(d.iri, ()):
            of = named.get(key)
            if of is None:
                of = named[key] = frozenset(n for x in key for n in names.get(x, ()))
            found |= of
        other = sorted(found)
        d.words += sorted({t for t, _ in other})
        d.tagged = d.names + other


def _typed(types: dict[str, list[str]], classes: dict[str, set[str]]) -> tuple[dict, dict]:
    """A :class:`Doc` with its kind, categories and own classes for every resource typed (in
    ``types``: its classes, by IRI) as an organisation, by IRI; and its categories (one
    frozenset per combination of classes), by IRI."""
    seen: dict[frozenset, tuple[str, frozenset[str]] | None] = {}  # by direct types: most repeat

    def classify(ts: frozenset) -> tuple[str, frozenset[str]] | None:
        """(kind, categories) of a resource of the classes ``ts``, or None if no document."""
        up = set().union(*(classes.get(t) or (t,) for t in ts))
        if not up & ROOTS:
            return None
        return ("cluster" if str(AMI.Cluster) in up else "organisation",
                frozenset(t for t in up if t not in NOT_CATEGORIES
                          and (classes.get(t) or {t}) & CATEGORY_ROOTS))
    docs: dict[str, Doc] = {}
    categories: dict[str, frozenset[str]] = {}
    for iri, ts in types.items():
        key = frozenset(ts)
        if key not in seen:
            seen[key] = classify(key)
        found = seen[key]
        if found is not None:  # (the facets as one literal: 101,000 of them cost 1 s otherwise)
            docs[iri] = Doc(iri, [], [], [], {
                "kind": {found[0]}, "category": set(found[1]), "competency": set(),
                "step": set(), "region": set(), "country": set(), "cluster": set()},
                {"region": set(), "country": set()}, set(key))
            categories[iri] = found[1]
    return docs, categories


def _words(rows: list) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[str]]]:
    """``({iri: [(name, language)]}, {iri: [description]})`` of the literals of the
    :data:`WORDS` queries' ``rows`` (:func:`grouped`, in that order)."""
    names: dict[str, list[tuple[str, str]]] = {}
    descriptions: dict[str, list[str]] = {}
    for (kind, _), (_, literals) in zip(WORDS, rows):
        for iri, found in literals.items():
            if kind == "name":
                names.setdefault(iri, []).extend(found)
            else:
                descriptions.setdefault(iri, []).extend(t for t, _ in found)
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
