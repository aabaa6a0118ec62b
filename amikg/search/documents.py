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
from typing import Iterable, Iterator

import pyoxigraph as ox

from ..namespaces import AMI, ORG, OWL
from ..sparql.binder import inject, values, values_block
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
Q_TYPES_PATTERN = "?doc a ?x"
Q_TYPES = PREFIXES + f"SELECT ?doc ?x WHERE {{ {Q_TYPES_PATTERN} }}"
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
    descriptions: list[str] = field(default_factory=list)        # its own, in order
    #: the names of what it links to, one text per group (the distinct names in order, joined
    #: by " · "): its categories, then by kind of :data:`LINKS` (those that have names);
    #: documents share these
    linked: tuple[str, ...] = ()
    #: (documents share these sets: they are frozen)
    facets: dict[str, frozenset[str]] = field(
        default_factory=lambda: {f: frozenset() for f in FACETS})
    #: its own region(s) and country (the facets hold the broader regions too)
    where: dict[str, frozenset[str]] = field(
        default_factory=lambda: {"region": frozenset(), "country": frozenset()})
    #: its own classes (the category facet holds the classes above them too)
    types: frozenset[str] = field(default_factory=frozenset)

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
#: process costing 0.3 s to start; at 100k, 242,602 triples, the property scans took 6.0 s
#: instead of 8.2 s; since the coded read, the names beside the coded query: rebuilds of 8.6 s
#: instead of 8.8 s, medians of three in turn).
PARALLEL_FROM = 100_000


def _read(store: Store, texts: list[str], only: list[str]) -> list:
    """:func:`grouped` of each query of ``texts`` over the documents ``only`` (asked in VALUES
    chunks; a whole-store read is :func:`_read_whole`)."""
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


#: The resources of one kind a whole-store read codes (see :func:`_read_whole`); a kind that
#: links to more (the clusters, at a million organisations: 10,000) is read as a property scan.
CODED_MAX = 4000
#: What a document links to, kind by kind: its classes, then :data:`LINKS`' kinds.
KINDS = ("type", *(kind for kind, _ in LINKS))
PATTERNS = (Q_TYPES_PATTERN, *(pattern for _, pattern in LINKS))


def coded_or_grouped(solutions):
    """The reducer of a whole-store read: ``{doc: its codes}`` of the coded query (its rows
    ``?doc ?codes``, see :func:`_read_whole`), :func:`grouped` of any other."""
    head = [v.value for v in solutions.variables]
    if "codes" not in head:
        return grouped(solutions)
    named = ox.NamedNode
    return {doc.value: codes.value for doc, codes in
            map(itemgetter(head.index("doc"), head.index("codes")), solutions)
            if type(doc) is named and codes is not None}


def _read_whole(store: Store, words: list[str], workers=None) -> tuple[dict, list]:
    """``(links, word rows)`` of the whole store: per document, the IRIs it links to, a list
    per kind of :data:`KINDS`; the :data:`WORDS` queries' :func:`grouped` rows.

    A document links to few resources that many documents share (its classes, competencies,
    steps, region, country, clusters): each kind's are listed first (one ``SELECT DISTINCT``),
    each of them gets a short code, and one query gives every document with the codes of all it
    links to (``GROUP_CONCAT`` over a ``VALUES`` join on the codes). The engine then turns each
    document's IRI back into a string once rather than once per link, and the links never (at
    100k organisations, on one core: 1.3 s for the links instead of 4.5 s of property scans,
    whose rows cost the engine a string per term)."""
    table: dict[str, tuple[int, str]] = {}
    branches, plain = [], []
    for k, pattern in enumerate(PATTERNS):
        found = [s["x"] for s in store.query(
            PREFIXES + f"SELECT DISTINCT ?x WHERE {{ {pattern} }}")]
        found = [x for x in found if type(x) is ox.NamedNode]
        if len(found) > CODED_MAX:
            plain.append(k)
            continue
        rows = []
        for x in found:
            code = str(len(table))
            table[code] = (k, x.value)
            rows.append((x, ox.Literal(code)))
        if rows:
            branches.append(f"{{ {values_block(('x', 'i'), rows)} {pattern} }}")
    texts = [PREFIXES + "SELECT ?doc (GROUP_CONCAT(?i; separator=' ') AS ?codes) WHERE { "
             + " UNION ".join(branches) + " } GROUP BY ?doc"] if branches else []
    texts += [pattern_query(PATTERNS[k]) for k in plain] + words
    if workers is None and int(next(iter(store.query(Q_TYPE_COUNT)))["n"].value) \
            < PARALLEL_FROM:
        workers = 1
    got = store.map_queries(texts, coded_or_grouped, workers)
    links: dict[str, list[list[str]]] = {}
    if branches:
        for doc, codes in got.pop(0).items():
            kinds = links[doc] = [[] for _ in KINDS]
            for code in codes.split():
                k, x = table[code]
                kinds[k].append(x)
    for k in plain:
        for doc, xs in got.pop(0)[0].items():
            links.setdefault(doc, [[] for _ in KINDS])[k] = xs
    return links, got


def _read_some(store: Store, only: list[str]) -> dict:
    """Per document of ``only``, the IRIs it links to (as :func:`_read_whole`'s ``links``), by
    property scans in VALUES chunks."""
    links: dict[str, list[list[str]]] = {}
    for k, (iris, _) in enumerate(_read(store, [pattern_query(p) for p in PATTERNS], only)):
        for doc, xs in iris.items():
            links.setdefault(doc, [[] for _ in KINDS])[k] = xs
    return links


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
    return list(iter_documents(store, only, generation, workers))


class Documents:
    """The documents of a read, in IRI order, each put together as it is taken; ``len()`` is
    how many there are (known once the store is read)."""

    def __init__(self, iris: list[str], docs: Iterator[Doc]):
        self.iris, self._docs = iris, docs

    def __len__(self) -> int:
        return len(self.iris)

    def __iter__(self) -> Iterator[Doc]:
        return self._docs


def iter_documents(store: Store, only: Iterable[str] | None = None, generation=None,
                   workers: int | None = None) -> Documents:
    """:func:`read_documents` one document at a time: the store is read first, then each
    document is put together as it is taken (a rebuild hands each to the index at once, so
    that the index's own thread works while the next is put together, and the documents are
    never all held at once)."""
    only = sorted(set(only)) if only is not None else None
    if only is not None and len(only) > 4 * CHUNK and len(only) > WHOLE_READ_SHARE * int(
            next(iter(store.query(Q_TYPE_COUNT)))["n"].value):  # cheaper read whole
        keep = set(only)
        every = iter_documents(store, None, generation, workers)
        return Documents([i for i in every.iris if i in keep],
                         (d for d in every if d.iri in keep))
    classes, broader, _ = vocabulary(store, generation)
    words = [pattern_query(pattern) for _, pattern in WORDS]
    if only is None:  # one read of everything
        links, word_rows = _read_whole(store, words, workers)
    else:  # the documents' links, then the words of the documents and of what they name
        links = _read_some(store, only)
        wanted = sorted({iri for iri, kinds in links.items() if kinds[0]}
                        | {x for kinds in links.values() for xs in kinds for x in xs}
                        | {c for kinds in links.values() for t in kinds[0]
                           for c in classes.get(t, ())})  # categories: the classes above
        word_rows = _read(store, words, wanted)
    return _assemble(links, classes, broader, *_words(word_rows))


def _assemble(links: dict[str, list[list[str]]], classes: dict[str, set[str]],
              broader: dict[str, set[str]], names: dict, descriptions: dict) -> Documents:
    """A :class:`Doc` for every resource of ``links`` (what each links to, per kind of
    :data:`KINDS`) typed as an organisation, in IRI order: its kind, categories, facets, names
    and words (its own, and the names of what it links to and of its categories).

    Documents share most of what they link to (a combination of classes, a region, a set of
    competencies), so what such a group gives (a kind and categories, the broader terms, the
    names, as one text) is worked out once per group; the documents hold these in
    common (read only), and the index makes what it needs of each once (see
    :func:`.engine._add`)."""
    typed: dict[frozenset, tuple | None] = {}
    groups: dict[tuple, tuple[frozenset, frozenset, str]] = {}
    kind_of = {k: frozenset({k}) for k in ("cluster", "organisation")}
    nothing: frozenset = frozenset()
    cluster = str(AMI.Cluster)

    def words(xs: Iterable[str]) -> str:
        """The names of ``xs`` as one group, as the index takes them: the distinct texts in
        order, joined by `` · `` ("" if they have none)."""
        return " · ".join(sorted({text for x in xs for text, _ in names.get(x, ())}))

    def classify(ts: frozenset) -> tuple | None:
        """(kind, categories, their names) of a resource of the classes ``ts``, or None if it
        is no document."""
        up = set().union(*(classes.get(t) or (t,) for t in ts))
        if not up & ROOTS:
            return None
        cats = frozenset(t for t in up if t not in NOT_CATEGORIES
                         and (classes.get(t) or {t}) & CATEGORY_ROOTS)
        return (kind_of["cluster" if cluster in up else "organisation"], cats, words(cats))

    def group(k: int, xs: list[str]) -> tuple[frozenset, frozenset, str]:
        """(facet values, own values, names) of a document linking to ``xs`` of kind ``k``."""
        key = (k, tuple(xs))
        got = groups.get(key)
        if got is None:
            own = frozenset(xs)
            wide = frozenset().union(*(broader.get(x) or (x,) for x in xs)) \
                if KINDS[k] in WIDE else own
            got = groups[key] = (wide, own, words(own))
        return got

    facet_kinds = tuple(enumerate(KINDS))[1:]
    chosen = []  # (IRI, its classes, what they give) of every document, in IRI order
    for iri in sorted(links):
        ts = links[iri][0]
        if not ts:
            continue
        tkey = frozenset(ts)
        t = typed.get(tkey, False)
        if t is False:
            t = typed[tkey] = classify(tkey)
        if t is not None:
            chosen.append((iri, tkey, t))

    def put_together() -> Iterator[Doc]:
        for iri, tkey, t in chosen:
            kinds = links[iri]
            facets = {"kind": t[0], "category": t[1]}
            where = {"region": nothing, "country": nothing}
            linked = [t[2]] if t[2] else []
            for k, kind in facet_kinds:
                xs = kinds[k]
                if not xs:
                    facets[kind] = nothing
                    continue
                wide, own, named = group(k, xs)
                facets[kind] = wide
                if kind in where:
                    where[kind] = own
                if named:
                    linked.append(named)
            own_names = names.get(iri)
            if not own_names:
                own_names = []
            elif len(own_names) > 1:
                own_names = sorted(set(own_names), key=lambda n: (n[1] != "en", n))
            own_text = descriptions.get(iri)
            yield Doc(iri, own_names, sorted(set(own_text)) if own_text else [],
                      tuple(linked), facets, where, tkey)
    return Documents([iri for iri, _, _ in chosen], put_together())


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
