"""The answer while the index is stale: the organisations that may match, found by SPARQL with
the words and the facet filters pushed into the queries, read as the index would hold them.

The candidates are a superset of what the index finds, and never miss one of its hits:

* a facet filter keeps the organisations linked to one of its values or to a term under one
  (a sub-category, a sub-region, a narrower or combining competency: the closures are taken in
  Python over the small vocabulary tables), one query per facet;
* a word keeps the resources whose names or descriptions hold it as lower-case text (one scan of
  the names per word), and the organisations linked to a resource whose name holds it (its
  competency, step, region, country, cluster, or a category above its own).

Their documents then go into a throw-away in-memory index of the same schema, which applies the
exact rules (whole words, facet closures), so the hits, totals, facet counts and highlights are
those of the real index.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..sparql.binder import inject, values
from ..store import Store
from . import engine
from .documents import (CHUNK, DESCRIPTIONS, NAMES, PREFIXES, Q_BROADER, Q_SUBCLASS, closure,
                        read_documents)

#: How an organisation reaches the value of each facet (``?doc`` to ``?x``).
FACET_PATHS = {"category": "a", "competency": "ami:hasCompetency", "step": "ami:actsAtStep",
               "region": "ami:region", "country": "ami:country",
               "cluster": "org:memberOf|^org:hasMember"}
LINKS = ("ami:hasCompetency|ami:actsAtStep|ami:region|ami:country|org:memberOf|^org:hasMember|a")
Q_FACET = PREFIXES + "SELECT DISTINCT ?doc WHERE {{ ?doc {path} ?x }}"
#: The resources whose names or descriptions hold one of the words ``?w`` (one scan for all).
Q_WORDS = PREFIXES + f"""SELECT DISTINCT ?x ?w WHERE {{
  ?x {NAMES}|{DESCRIPTIONS} ?t FILTER(isIRI(?x) && CONTAINS(LCASE(STR(?t)), ?w))
}}"""
Q_LINKED = PREFIXES + f"SELECT DISTINCT ?doc WHERE {{ ?doc {LINKS} ?x FILTER(isIRI(?doc)) }}"
Q_LINKS_OF = PREFIXES + f"SELECT DISTINCT ?doc ?x WHERE {{ ?doc {LINKS} ?x FILTER(isIRI(?x)) }}"


def _under(edges: dict[str, set[str]], tops) -> set[str]:
    """``tops`` and every term whose closure reaches one of them."""
    tops = set(tops)
    return tops | {a for a, up in edges.items() if up & tops}


def _docs(store: Store, text: str, var: str, terms) -> set[str]:
    terms = sorted(terms)
    out: set[str] = set()
    for i in range(0, len(terms), CHUNK):
        block = values(var, [ox.NamedNode(t) for t in terms[i:i + CHUNK]])
        out |= {s["doc"].value for s in store.query(inject(text, block))}
    return out


def candidates(store: Store, words: list[str], wanted: dict[str, list[str]]) -> set[str] | None:
    """The IRIs that may match (None: no condition at all, every document)."""
    classes = closure((s["a"].value, s["b"].value) for s in store.query(Q_SUBCLASS))
    broader = closure((s["a"].value, s["b"].value) for s in store.query(Q_BROADER))
    only: set[str] | None = None
    for facet, vals in sorted(wanted.items(), key=lambda kv: kv[0] != "cluster"):
        if facet not in FACET_PATHS:
            continue  # kind: the index's rules decide
        terms = _under(classes if facet == "category" else broader, vals) \
            if facet in ("category", "competency", "region") else set(vals)
        found = _docs(store, Q_FACET.format(path=FACET_PATHS[facet]), "x", terms)
        only = found if only is None else only & found
        if not only:
            return set()
    if not words:
        return only
    block = values("w", [ox.Literal(w.lower()) for w in sorted(set(words))])
    direct: dict[str, set[str]] = {w.lower(): set() for w in words}
    for s in store.query(inject(Q_WORDS, block)):
        direct[s["w"].value].add(s["x"].value)
    if only is None:  # the rarest word first: what holds it, and what links to that
        rare = min(direct, key=lambda w: len(direct[w]))
        only = direct[rare] | _docs(store, Q_LINKED, "x", _under(classes, direct[rare]))
        del direct[rare]
        if not direct:
            return only
    links: dict[str, set[str]] = {}
    todo = sorted(only)
    for i in range(0, len(todo), CHUNK):
        block = values("doc", [ox.NamedNode(t) for t in todo[i:i + CHUNK]])
        for s in store.query(inject(Q_LINKS_OF, block)):
            links.setdefault(s["doc"].value, set()).update(
                classes.get(s["x"].value, {s["x"].value}))
    return {c for c in only if all(c in found or links.get(c, set()) & found
                                   for found in direct.values())}


def scratch_index(store: Store, words: list[str], wanted: dict[str, list[str]]):
    """An in-memory index of the documents that may match ``words`` and ``wanted``, read from
    the store now."""
    idx = engine.new_index(None)
    engine.write(idx, read_documents(store, candidates(store, words, wanted)))
    return idx

