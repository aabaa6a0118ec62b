"""Partner search on the search index: the named query ``partner-search``'s candidates, scores
and reasons, with the candidates found and scored by the index instead of by the store.

The score is the query's: 3 per wanted competency the candidate has (or a narrower one, or a
hybrid modality combining it), 3 for acting at the wanted step, 2 for covering a step the asking
cluster lacks, and 3/2/1 for the same region (or one inside it) / a neighbouring region (a
broader one that is not a country, or one with the same parent) / the same country. Each part is
a constant-score clause of one tantivy query over the document fields, so the index returns the
page best first; the page's names and reasons are then read by SPARQL, as the query reads them.
Conditions (category, size, country, excluded clusters, no clusters) are clauses that score
nothing. While the index is stale the named query answers (the same rows).

Candidates are the index's documents (resources typed as organisations); the named query would
also rank an untyped resource that has a competency.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pyoxigraph as ox
import tantivy

from ..namespaces import AMI
from ..queries import bind_params, get_query, page, run_query
from ..sparql.binder import values
from ..store import Store
from .documents import PREFIXES, vocabulary
from .index import SearchIndex

NAME = "partner-search"
Q_STEPS = PREFIXES + "SELECT ?gap WHERE { ?gap a ami:ValueChainStep }"
#: The steps the asking cluster's members act at (its gaps are the other steps).
Q_COVERED = PREFIXES + """SELECT DISTINCT ?gap WHERE {
  ?m org:memberOf|^org:hasMember ?for_cluster ; ami:actsAtStep ?gap }"""
Q_COUNTRY = PREFIXES + "SELECT DISTINCT ?c WHERE { ?region ami:country ?c }"
#: The page's names and reasons, as the named query's second part reads them: one query per
#: branch (those naming ``?c``, ``?gap``, ``?step`` only when there are such terms).
PAGE_SELECT = PREFIXES + "SELECT *"
PAGE_BRANCHES = {
    "": ["?candidate rdfs:label ?label", "?candidate ami:region ?r",
         "?candidate a ?type . ?type rdfs:label ?tl . FILTER(STRSTARTS(STR(?type), STR(ami:))) "
         "BIND(STR(?tl) AS ?type_label)"],
    "c": ["?candidate ami:hasCompetency ?c . ?c skos:prefLabel ?cl . BIND(STR(?cl) AS ?comp_label)"],
    "gap": ["?candidate ami:actsAtStep ?gap . ?gap skos:prefLabel ?gl . "
            "BIND(STR(?gl) AS ?gap_label)"],
    "step": ["?candidate ami:actsAtStep ?step . BIND(1 AS ?at)"]}


def page_queries(terms: dict[str, list[str]]) -> list[str]:
    """One query per branch (a union of them joined to the page's ``VALUES`` is evaluated over
    the whole store by Oxigraph), with the terms of ``?c``, ``?gap``, ``?step``: one term is
    written in its place, several are a ``FILTER IN`` (Virtuoso 7.2 fails on a ``FILTER IN`` of
    one term)."""
    out = [f"{PAGE_SELECT} WHERE {{ {b} }}" for b in PAGE_BRANCHES[""]]
    for var, iris in terms.items():
        if not iris:
            continue
        listed = [str(ox.NamedNode(i)) for i in sorted(iris)]
        for b in PAGE_BRANCHES[var]:
            if len(listed) == 1:
                out.append(f"{PAGE_SELECT} WHERE {{ {b.replace(f'?{var} ', f'{listed[0]} ')} }}")
            else:
                out.append(f"{PAGE_SELECT} WHERE {{ {b} FILTER(?{var} IN ({', '.join(listed)})) }}")
    return out


Q_STEP_LABEL = PREFIXES + "SELECT ?l WHERE { ?step skos:prefLabel ?l }"


def _under(edges: dict[str, set[str]], tops) -> set[str]:
    tops = set(tops)
    return tops | {a for a, up in edges.items() if up & tops}


def _const(query, score: float):
    return tantivy.Query.const_score_query(query, score)


def _terms(schema, field: str, vals) -> Any:
    return tantivy.Query.term_set_query(schema, field, sorted(vals))


def _iris(store: Store, text: str, var: str, binds: dict[str, list[str]]) -> list[str]:
    """``text`` (ending in ``WHERE {`` + a pattern) with ``binds`` as VALUES blocks first."""
    block = "".join(values(k, [ox.NamedNode(v) for v in vs]) for k, vs in binds.items())
    head, body = text.split("WHERE {", 1)
    return sorted({s[var].value for s in store.query(f"{head}WHERE {{ {block}{body}")})


def _region_clause(store: Store, schema, regions: list[str], broader: dict[str, set[str]],
                   direct: dict[str, str]):
    """3 in (or inside) a wanted region, 2 in a neighbouring one, 1 in the same country."""
    near = set()
    for r in regions:
        near |= {a for a in broader.get(r, set()) if a != r and a in direct}  # not the top
        up = direct.get(r)
        if up is not None:
            near |= {a for a, b in direct.items() if b == up and a != r}   # same parent
    near -= set(regions)
    levels = [_const(_terms(schema, "region", regions), 3.0)]
    if near:
        levels.append(_const(_terms(schema, "place", near), 2.0))
    countries = _iris(store, Q_COUNTRY, "c", {"region": regions})
    if countries:
        levels.append(_const(_terms(schema, "country", countries), 1.0))
    return tantivy.Query.disjunction_max_query(levels, 0.0), (set(regions), near, set(countries))


def region_level(data: dict, sets, broader: dict[str, set[str]]) -> int:
    """3, 2, 1 or 0, as :func:`_region_clause` scores a document's stored regions/country."""
    if sets is None:
        return 0
    regions, near, countries = sets
    own = data.get("region", [])
    if any(broader.get(r, {r}) & regions for r in own):
        return 3
    if set(own) & near:
        return 2
    return 1 if set(data.get("country", [])) & countries else 0


def _query(store: Store, tantivy_index, bound: dict[str, list[str]], gaps: list[str]):
    schema = tantivy_index.schema
    classes, broader, direct = vocabulary(store, tantivy_index)
    # each wanted competency scores once, as the query's COUNT(DISTINCT ?want)
    wanted, step = sorted(set(bound.get("competency", []))), bound.get("step", [])
    needs = [_const(_terms(schema, "competency", wanted), 0.0)] if wanted else []
    needs += [_const(_terms(schema, "step", step), 0.0)] if step else []
    clauses = [(tantivy.Occur.Must, tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, q) for q in needs])),
        (tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "type", str(AMI.Cluster)))]
    for name in ("category", "size"):
        if bound.get(name):
            clauses.append((tantivy.Occur.Must, _const(
                _terms(schema, "type", _under(classes, bound[name])), 0.0)))
    if bound.get("country"):
        clauses.append((tantivy.Occur.Must, _const(_terms(schema, "country", bound["country"]),
                                                   0.0)))
    if bound.get("exclude_cluster"):
        clauses.append((tantivy.Occur.MustNot, _terms(schema, "cluster",
                                                      bound["exclude_cluster"])))
    score = [_const(tantivy.Query.term_query(schema, "competency", w), 3.0) for w in wanted]
    score += [_const(_terms(schema, "step", step), 3.0)] if step else []
    score += [_const(_terms(schema, "step", gaps), 2.0)] if gaps else []
    sets = None
    if bound.get("region"):
        clause, sets = _region_clause(store, schema, bound["region"], broader, direct)
        score.append(clause)
    clauses += [(tantivy.Occur.Should, q) for q in score]
    return tantivy.Query.boolean_query(clauses), broader, sets


def _rows(store: Store, page: list[tuple[int, str, int]], bound: dict, gaps: list[str],
          broader: dict[str, set[str]]) -> list[dict]:
    """The page's rows (``(score, iri, region level)``) with the named query's columns."""
    if not page:
        return []
    wanted = sorted(_under(broader, bound.get("competency", [])))
    block = values("candidate", [ox.NamedNode(c) for _, c, _ in page])
    got: dict[str, dict[str, set[str]]] = {}
    for text in page_queries({"c": wanted, "gap": gaps, "step": bound.get("step", [])}):
        head, body = text.split("WHERE {", 1)
        for s in store.query(f"{head}WHERE {{ {block}{body}"):
            cells = got.setdefault(s["candidate"].value, {})
            for v in ("label", "comp_label", "gap_label", "r", "at", "type_label"):
                if s[v] is not None:
                    cells.setdefault(v, set()).add(s[v].value)
    step_label = ""
    if bound.get("step"):
        ls = sorted(s["l"].value for s in store.query(
            Q_STEP_LABEL, substitutions={"step": ox.NamedNode(bound["step"][0])}))
        step_label = ls[0] if ls else ""
    rows = []
    for score, iri, level in page:
        cells = got.get(iri, {})
        mc, gap_steps, cats = (", ".join(sorted(cells.get(v, ())))
                               for v in ("comp_label", "gap_label", "type_label"))
        name = min(cells["label"]) if "label" in cells else iri
        region = min(cells["r"]) if "r" in cells else None
        step_match = step_label if "at" in cells else ""
        region_match = {3: "same region", 2: "neighbouring region",
                        1: "same country"}.get(level, "")
        reasons = "; ".join(x for x in (
            f"has {mc}" if mc else "", f"acts at {step_match}" if step_match else "",
            f"covers {gap_steps}, which the cluster lacks" if gap_steps else "",
            region_match, cats) if x)
        rows.append({"candidate": iri, "name": name, "score": score,
                     "matched_competencies": mc, "step_match": step_match,
                     "gap_steps": gap_steps, "region_match": region_match,
                     "categories": cats, "region": region, "reasons": reasons})
    rows.sort(key=lambda r: (-r["score"], r["name"]))
    return rows


def tie(iri: str) -> str:
    """The order of equal scores, as the named query's ``?tie``: the first 15 hex digits of the
    MD5 of the IRI (SPARQL's ``SUBSTR(MD5(STR(?candidate)), 1, 15)``)."""
    return hashlib.md5(iri.encode("utf-8")).hexdigest()[:15]


def _page(searcher, query, lim: int, off: int) -> list[tuple[int, str, dict]]:
    """``(score, iri, stored data)`` of the hits ``off`` to ``off + lim``, best first and equal
    scores in the named query's order (:func:`tie`). Tantivy gives equal scores in the order the
    documents sit in the index, so every hit that ties with the page's last one is read (asking
    for more until the ties end) and the cut is made as the named query makes it."""
    need, ask = off + lim, off + lim
    while True:
        hits = searcher.search(query, limit=ask, count=False).hits
        if len(hits) < ask or round(hits[-1][0]) != round(hits[need - 1][0]):
            break
        ask *= 4
    if len(hits) >= need:
        last = round(hits[need - 1][0])
        hits = [h for h in hits if round(h[0]) >= last]
    read = []
    for score, address in hits:
        doc = searcher.doc(address)
        read.append((int(round(score)), doc.get_first("iri"), doc))
    read.sort(key=lambda h: (-h[0], tie(h[1]), h[1]))
    return [(score, iri, json.loads(bytes(doc.get_first("data"))))
            for score, iri, doc in read[off:need]]


def partner_search(store: Store, index: SearchIndex | None, params: dict[str, Any] | None, *,
                   limit: Any = None, offset: Any = None, executor=None,
                   timeout: float | None = None) -> dict:
    """The named query ``partner-search``'s answer (``QueryRun.result()``'s JSON: query, params,
    columns, limit, offset, total, has_more, rows, and ``index``: whether the index answered),
    its candidates found and scored by ``index``; by the named query itself while the index is
    stale (or with no index).

    :raise ParameterError: bad parameters or page, as the named query's.
    """
    q = get_query(NAME)
    lim, off = page(q, limit, offset)
    bound_terms = bind_params(store, q, dict(params or {}))
    tantivy_index = None if index is None or index.stale else index.current()
    if tantivy_index is None:
        run = run_query(store, NAME, params, limit=limit, offset=offset, executor=executor,
                        timeout=timeout)
        return {**run.result(), "index": False}
    bound = {k: [t.value for t in v] for k, v in bound_terms.items()}
    gaps = sorted(set(_iris(store, Q_STEPS, "gap", {})) - set(_iris(
        store, Q_COVERED, "gap", {"for_cluster": bound["for_cluster"]}))) \
        if bound.get("for_cluster") else []
    query, broader, sets = _query(store, tantivy_index, bound, gaps)
    page_rows = [(score, iri, region_level(data, sets, broader))
                 for score, iri, data in _page(tantivy_index.searcher(), query, lim, off)]
    rows = _rows(store, page_rows, bound, gaps, broader)
    total = off + len(rows) if len(rows) < lim else None
    return {"query": NAME, "params": {k: list(v) for k, v in bound.items()},
            "columns": [c["name"] for c in q.columns], "limit": lim, "offset": off,
            "total": total, "has_more": total is None, "rows": rows, "index": True}
