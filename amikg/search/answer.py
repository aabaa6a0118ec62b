"""The one search function every interface calls (``amikg search``, ``GET /api/search``, the
partners page): words and facet filters in, one page of organisations with highlighted matches
and the facet counts out.

While the index is stale (a write came after it was built) the same question is answered from
the store: SPARQL finds the organisations whose words contain every word asked for, their
documents are read as the index would hold them and searched in a throw-away in-memory index of
the same schema; so the hits, the totals, the facet counts and the highlights are the same, and
the answer says ``"stale": true``. Only the order of hits with different scores may differ (the
scores' word statistics are those of the candidates, not of the whole store).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import ParameterError
from ..queries import MAX_STRING, NamedQuery, Param, bind_params
from ..sparql.binder import values
from ..store import Store
from . import engine
from .documents import CHUNK, FACETS, NAMES, PREFIXES, with_values
from .index import SearchIndex
from .stale import scratch_index

DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET = 20, 100, 10_000

#: The filters, declared as a named query's parameters are (so they are looked up the same way:
#: an IRI, a prefixed name, a notation or a label).
FILTERS = NamedQuery(
    name="search", summary="Search organisations", description="", columns=[], text="",
    path=Path("search"), params=[
        Param("category", "class", "Only organisations of these categories (sub-categories "
              "included).", multiple=True, roots=["https://w3id.org/amikg/ontology#Stakeholder",
                                                  "http://www.w3.org/ns/org#Organization"],
              example="ami:Hospital"),
        Param("competency", "enum", "Only organisations with one of these competencies (or a "
              "narrower one, or a hybrid modality combining it).", multiple=True,
              cls="https://w3id.org/amikg/ontology#Competency", example="PET"),
        Param("step", "enum", "Only organisations acting at one of these value-chain steps.",
              multiple=True, cls="https://w3id.org/amikg/ontology#ValueChainStep",
              example="clinical-validation"),
        Param("region", "enum", "Only organisations in one of these regions (sub-regions "
              "included).", multiple=True, cls="https://w3id.org/amikg/ontology#Region",
              example="RO21"),
        Param("country", "enum", "Only organisations in one of these countries.", multiple=True,
              cls="http://purl.org/dc/terms/Location", example="ROU"),
        Param("cluster", "enum", "Only members of one of these clusters.", multiple=True,
              cls="https://w3id.org/amikg/ontology#Cluster", example="filas"),
    ])
KINDS = ("organisation", "cluster")
#: The query-string names of :func:`search` besides the filters.
OPTIONS = ("q", "kind", "lang", "limit", "offset")


def _int(name: str, value: Any, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    s = str(value).strip()
    if not re.fullmatch(r"\d{1,9}", s) or not low <= int(s) <= high:
        raise ParameterError(f"parameter {name}: give a whole number from {low} to {high}, "
                             f"not {s[:40]!r}", parameter=name)
    return int(s)


def check_options(q: str | None, kind: str | None, lang: str | None, limit, offset) -> tuple:
    q = q or ""
    if len(q) > MAX_STRING:
        raise ParameterError(f"parameter q: longer than {MAX_STRING} characters", parameter="q")
    if kind and kind not in KINDS:
        raise ParameterError(f"parameter kind: use one of {', '.join(KINDS)}", parameter="kind")
    lang = (lang or "en").strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{1,8})?", lang):
        raise ParameterError(f"parameter lang: {lang[:20]!r} is not a language tag (en, de, ...)",
                             parameter="lang")
    return (q, kind, lang, _int("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
            _int("offset", offset, 0, 0, MAX_OFFSET))


def search(index: SearchIndex, q: str | None = None, filters: dict[str, Any] | None = None, *,
           kind: str | None = None, lang: str | None = None, limit: Any = None,
           offset: Any = None, store: Store | None = None) -> dict:
    """Search the organisations of ``index.store``; the names, facet labels and the search while
    the index is stale are read from ``store``, the store as the reader may read it
    (:func:`amikg.access.read_view`; default: the index's store itself).

    ``q``: words, all of which must be found (case does not matter); ``filters``: facet name ->
    value or values (see :data:`FILTERS`); ``kind``: ``organisation`` or ``cluster``; ``lang``:
    the language of the names shown (else English). Returns ``{"q", "filters", "total", "limit",
    "offset", "stale", "hits": [{iri, name, kind, score, region, country, highlight}],
    "facets": {facet: [{value, label, count}]}}``; highlights are HTML (``<b>`` around matches,
    the rest escaped).

    :raise ParameterError: an unknown filter, a value that is not a term of its facet, a bad page.
    """
    q, kind, lang, limit, offset = check_options(q, kind, lang, limit, offset)
    store = index.store if store is None else store
    own = store.reads_from() is index.store   # the index's store, or a read view of it
    bound = bind_params(store, FILTERS, dict(filters or {}))
    wanted = {k: [t.value for t in v] for k, v in bound.items()}
    if kind:
        wanted["kind"] = [kind]
    words = engine.words_of(q)
    stale = index.stale
    tantivy_index = None if stale else index.current()
    if tantivy_index is None:
        stale = True
        tantivy_index = scratch_index(store, words, wanted)
        if index.rebuilds_in_background:
            index.rebuild_soon()
    found = engine.run(tantivy_index, words, wanted, limit, offset)
    return present(store, found, q, bound, lang, limit, offset, stale,
                   None if stale or not own else index.label_cache(store is not index.store))


def labels(store: Store, iris: set[str], lang: str, cache: dict | None = None) -> dict[str, str]:
    """A name for each of ``iris`` in ``lang`` (else English, else any); ``cache`` keeps the
    names read (:meth:`SearchIndex.label_cache`: emptied whenever the index changes)."""
    text = PREFIXES + f"SELECT ?x ?l WHERE {{ ?x {NAMES} ?l }}"
    found: dict[str, dict[str, str]] = {}
    todo = sorted(i for i in iris if ":" in i and (cache is None or i not in cache))
    for i in range(0, len(todo), CHUNK):
        block = values("x", [ox.NamedNode(x) for x in todo[i:i + CHUNK]])
        for s in store.query(with_values(text, block)):
            found.setdefault(s["x"].value, {}).setdefault(s["l"].language or "", s["l"].value)
    if cache is not None:
        cache.update({i: found.get(i, {}) for i in todo})
        found = {i: cache[i] for i in iris if cache.get(i)}
    out = {}
    for iri, by_lang in found.items():
        out[iri] = by_lang.get(lang) or by_lang.get("en") or by_lang.get("") or \
            sorted(by_lang.values())[0]
    return out


def _name(names: list[tuple[str, str]], lang: str, iri: str) -> str:
    for want in (lang, "en", ""):
        for text, tag in names:
            if tag == want:
                return text
    return names[0][0] if names else iri


def present(store: Store, found: dict, q: str, bound: dict, lang: str, limit: int, offset: int,
            stale: bool, cache: dict | None = None) -> dict:
    """The JSON answer of :func:`search` from :func:`engine.run`'s."""
    iris = {v for f in FACETS if f != "kind" for v in found["facets"][f]}
    iris |= {v for h in found["hits"] for f in ("region", "country") for v in h[f]}
    names = labels(store, iris, lang, cache)
    hits = []
    for h in found["hits"]:
        hits.append({
            "iri": h["iri"], "name": _name(h["names"], lang, h["iri"]),
            "kind": (h["kind"] or ["organisation"])[0], "score": h["score"],
            "region": [{"value": r, "label": names.get(r, r)} for r in h["region"]],
            "country": [{"value": c, "label": names.get(c, c)} for c in h["country"]],
            "highlight": h["highlight"]})
    facets = {}
    for f in FACETS:
        rows = [{"value": v, "label": v if f == "kind" else names.get(v, v), "count": n}
                for v, n in found["facets"][f].items()]
        facets[f] = sorted(rows, key=lambda r: (-r["count"], r["label"].lower()))
    return {"q": q, "filters": {k: [t.value for t in v] for k, v in bound.items()},
            "total": found["total"], "limit": limit, "offset": offset, "stale": stale,
            "hits": hits, "facets": facets}
