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

Q_TYPES = PREFIXES + "SELECT ?doc ?t WHERE { ?doc a ?t FILTER(isIRI(?doc) && isIRI(?t)) }"
Q_SUBCLASS = PREFIXES + "SELECT ?a ?b WHERE { ?a rdfs:subClassOf ?b FILTER(isIRI(?a) && isIRI(?b)) }"
Q_BROADER = PREFIXES + ("SELECT ?a ?b WHERE { ?a skos:broader|ami:combinesModality ?b "
                        "FILTER(isIRI(?a) && isIRI(?b)) }")
Q_LINKS = PREFIXES + """SELECT ?doc ?p ?x WHERE {
  { ?doc ami:hasCompetency ?x BIND("competency" AS ?p) }
  UNION { ?doc ami:actsAtStep ?x BIND("step" AS ?p) }
  UNION { ?doc ami:region ?x BIND("region" AS ?p) }
  UNION { ?doc ami:country ?x BIND("country" AS ?p) }
  UNION { ?doc org:memberOf ?x BIND("cluster" AS ?p) }
  UNION { ?x org:hasMember ?doc BIND("cluster" AS ?p) }
  FILTER(isIRI(?doc) && isIRI(?x))
}"""
Q_WORDS = PREFIXES + f"""SELECT ?x ?w ?is WHERE {{
  {{ ?x {NAMES} ?w BIND("name" AS ?is) }} UNION {{ ?x {DESCRIPTIONS} ?w BIND("text" AS ?is) }}
  FILTER(isLiteral(?w))
}}"""
#: The organisations whose words hold ``?w`` (lower-case), for the answer while the index is
#: being rebuilt: a superset of what the index finds (it matches whole words).
Q_CONTAINING = PREFIXES + f"""SELECT DISTINCT ?doc WHERE {{
  {{ ?doc {NAMES}|{DESCRIPTIONS} ?t }}
  UNION {{ ?doc ami:hasCompetency|ami:actsAtStep|ami:region|ami:country|a ?x . ?x {NAMES} ?t }}
  FILTER(isIRI(?doc) && CONTAINS(LCASE(STR(?t)), ?w))
}}"""

#: The roots a document's types must reach: an organisation (a cluster is one too).
ROOTS = {str(ORG.Organization), str(AMI.Cluster)}
#: Classes every organisation has, which say nothing as a category.
NOT_CATEGORIES = {str(ORG.Organization), str(OWL.Thing), str(OWL.NamedIndividual)}
#: A category is a class under one of these (as the partner search's categories are).
CATEGORY_ROOTS = {str(AMI.Stakeholder), str(ORG.Organization)}
#: The facets of a document, in the order the answers list them.
FACETS = ("kind", "category", "competency", "step", "region", "country", "cluster")
#: Rows per VALUES block when only some documents are read (remote stores take a request each).
CHUNK = 500


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


def _rows(store: Store, text: str, var: str | None = None, only: list[str] | None = None):
    """The solutions of ``text``, restricted to ``?var`` in ``only`` (in VALUES chunks)."""
    if only is None:
        yield from store.query(text)
        return
    for i in range(0, len(only), CHUNK):
        block = values(var, [ox.NamedNode(x) for x in only[i:i + CHUNK]])
        yield from store.query(inject(text, block))


def read_documents(store: Store, only: Iterable[str] | None = None) -> list[Doc]:
    """Every organisation of the store as a :class:`Doc` (or only those of the IRIs ``only``),
    sorted by IRI."""
    only = sorted(set(only)) if only is not None else None
    classes = closure((s["a"].value, s["b"].value) for s in store.query(Q_SUBCLASS))
    broader = closure((s["a"].value, s["b"].value) for s in store.query(Q_BROADER))
    types: dict[str, set[str]] = {}
    for s in _rows(store, Q_TYPES, "doc", only):
        types.setdefault(s["doc"].value, set()).update(classes.get(s["t"].value, {s["t"].value}))
    docs = {iri: Doc(iri) for iri, ts in types.items() if ts & ROOTS}
    for d in docs.values():
        ts = types[d.iri]
        d.facets["kind"].add("cluster" if str(AMI.Cluster) in ts else "organisation")
        d.facets["category"].update(t for t in ts if t not in NOT_CATEGORIES
                                    and classes.get(t, {t}) & CATEGORY_ROOTS)
    linked: dict[str, list[str]] = {}
    for s in _rows(store, Q_LINKS, "doc", list(docs) if only is not None else None):
        d = docs.get(s["doc"].value)
        if d is None:
            continue
        kind, x = s["p"].value, s["x"].value
        linked.setdefault(d.iri, []).append(x)
        wide = kind in ("competency", "region")
        if kind in d.where:
            d.where[kind].add(x)
        d.facets[kind].update(broader.get(x, {x}) if wide else {x})
    for d in docs.values():  # the names of its categories are words it is found by
        linked.setdefault(d.iri, []).extend(d.facets["category"])
    wanted = None if only is None else sorted(set(docs) | {x for xs in linked.values() for x in xs})
    names: dict[str, list[tuple[str, str]]] = {}
    descriptions: dict[str, list[str]] = {}
    for s in _rows(store, Q_WORDS, "x", wanted):
        w = s["w"]
        if s["is"].value == "name":
            names.setdefault(s["x"].value, []).append((w.value, w.language or ""))
        else:
            descriptions.setdefault(s["x"].value, []).append(w.value)
    for d in docs.values():
        d.names = sorted(set(names.get(d.iri, [])), key=lambda n: (n[1] != "en", n))
        d.words = sorted(set(descriptions.get(d.iri, [])))
        other = sorted({n for x in set(linked.get(d.iri, [])) for n in names.get(x, [])})
        d.words += sorted({t for t, _ in other})
        d.tagged = d.names + other
    return [docs[k] for k in sorted(docs)]


def containing(store: Store, word: str) -> set[str]:
    """The IRIs of the resources whose words (or their competencies', steps', region's,
    country's or categories' names) contain ``word`` as lower-case text."""
    rows = store.query(Q_CONTAINING, substitutions={"w": ox.Literal(word.lower())})
    return {s["doc"].value for s in rows}
