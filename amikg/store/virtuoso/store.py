"""OpenLink Virtuoso 7 as a remote store: its dialect rewrites (:mod:`.dialect`, :mod:`.paths`),
its result cap, its system graphs and its JSON quirks."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from typing import Iterator

import pyoxigraph as ox

from ...errors import QueryError, StoreError
from ...namespaces import PREFIXES
from ...sparql.guard import inspect
from ...sparql.lexer import mask, split_prologue, tokens
from ..base import nn, quad_text
from ..remote import RemoteStore, explained
from .dialect import rewrite
from .inline import MAX_INLINE_ROWS, grouped_sub_selects, split_lang_values
from .paths import inline_paths

#: Graphs a fresh Virtuoso 7 database (and its stock VAD packages) keeps for itself.
VIRTUOSO_SYSTEM_GRAPHS = frozenset({
    "http://www.openlinksw.com/schemas/virtrdf#",  # Virtuoso's own quad-map metadata
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "urn:activitystreams-owl:map",
    "http://www.w3.org/2002/07/owl#",
    "virtrdf-label",
    "urn:rules.skos",
})
VIRTUOSO_SYSTEM_PREFIXES = ("http://www.openlinksw.com/schemas/", "http://localuriqaserver/",
                            "urn:virtuoso:", "http://www.openlinksw.com/virtrdf-data-formats")


class VirtuosoStore(RemoteStore):
    """OpenLink Virtuoso 7 (``virtuoso+http://user:password@host:8890``), tested against
    Debian's ``virtuoso-opensource`` 7.2. Its differences from the standard, handled here:

    - updates go to ``/sparql-auth`` with HTTP digest authentication (``dba`` or a user with the
      ``SPARQL_UPDATE`` role); the Graph Store is ``/sparql-graph-crud-auth``;
    - every result is cut at ``ResultSetMaxRows`` (10 000 as shipped) without an error: SELECT
      results that reach it (header ``X-SPARQL-MaxRows``) are fetched again page by page, as the
      query wrapped in an ordered sub-select with LIMIT/OFFSET (a plain ORDER BY with an OFFSET
      beyond the cap is refused: SR353); a CONSTRUCT/DESCRIBE that reaches it is an error;
    - blank nodes come back as ``nodeID://b123`` in JSON results (made ``_:b123``) and booleans as
      ``"1"``/``"0"`` (made ``"true"``/``"false"``); CONSTRUCT is asked for in N-Triples, as
      Virtuoso's Turtle writer abbreviates IRIs into prefixed names other parsers may reject;
    - ``INSERT DATA`` refuses blank nodes (SP031) and long ``INSERT DATA`` texts overflow its SQL
      compiler, so blank nodes are written with ``INSERT {...} WHERE {}`` and anything beyond
      :attr:`bulk_threshold` quads through the Graph Store;
    - the union default graph includes Virtuoso's system graphs, which :meth:`named_graphs`,
      :meth:`count` and :meth:`quads` leave out;
    - a ``VALUES`` block of several variables and several rows drops the rows that hold a
      language-tagged literal (``VALUES (?k ?w) { ("1" "PET"@en) ("2" "x"@en) }`` matches nothing),
      so such blocks inside a group are sent as a ``UNION`` of blocks that each hold at most one
      such row (:func:`.inline.split_lang_values`); the answers are the same.
    Literal lexical forms are stored canonically (``"0042"^^xsd:integer`` comes back ``"42"``,
    ``+00:00`` as ``Z``), and language tags in lower case, as in Oxigraph.
    """

    construct_accept = "application/n-triples"
    bulk_threshold = 2_000
    sends_query_dataset = False  # Virtuoso keeps a query's FROM over its union default graph
    # (but not FROM NAMED alone: see empty_default_graph)

    def __init__(self, *args, max_rows: int = 10_000, **kw):
        super().__init__(*args, **kw)
        #: The server's ``ResultSetMaxRows``, updated whenever the server reports it.
        self.max_rows = max_rows

    #: Seconds the edges of a path predicate are reused by later queries (this store's own
    #: writes clear them at once).
    edges_ttl = 2.0

    def query(self, sparql, **kw):
        sent = sparql
        if kw.get("default_graph") is not None or kw.get("named_graphs") is not None:
            sent = without_dataset_clauses(sparql)
        kw = empty_default_graph(sent, kw)
        try:
            return self._rewritten_query(sent, **kw)
        except QueryError as e:  # explained on the text the caller sent, not on our rewriting
            raise explained(e, sparql, "query")

    def _rewritten_query(self, sparql, **kw):
        sparql = rewrite(sparql)
        # (a sub-select run on its own must see the same dataset: not with FROM in the text)
        if not re.search(r"\bFROM\s+(?:NAMED\s+)?<", mask(sparql), re.IGNORECASE):
            dataset = {k: kw[k] for k in ("default_graph", "named_graphs", "timeout") if k in kw}
            sparql = grouped_sub_selects(sparql, lambda q: self._inline_rows(q, **dataset))
        sparql = inline_paths(sparql, self._path_edges, PREFIXES)
        return super().query(split_lang_values(sparql), **kw)

    def _inline_rows(self, sparql: str, **kw):
        """A sub-select's variables and rows for :func:`grouped_sub_selects`, or None."""
        res = self.query(sparql, **kw)
        names = [v.value for v in res.variables]
        rows = [[s[n] for n in names] for s in res]
        if len(rows) > MAX_INLINE_ROWS or any(isinstance(t, ox.BlankNode)
                                              for r in rows for t in r):
            return None
        return names, rows

    def _path_edges(self, iri: str) -> list[tuple]:
        """The (subject, object) pairs of one predicate, for :func:`inline_paths`."""
        now = time.monotonic()
        cache = self.__dict__.setdefault("_edges_cache", {})
        hit = cache.get(iri)
        if hit is None or now - hit[0] > self.edges_ttl:
            res = super().query(f"SELECT ?a ?b WHERE {{ ?a {nn(iri)} ?b }}")
            hit = cache[iri] = (now, [(s["a"], s["b"]) for s in res])
        return hit[1]

    def update(self, sparql, base_iri=None):
        try:
            return super().update(sparql, base_iri)
        finally:
            self.__dict__.pop("_edges_cache", None)

    def _gsp(self, *args, **kw):
        try:
            return super()._gsp(*args, **kw)
        finally:
            self.__dict__.pop("_edges_cache", None)

    def _is_user_graph(self, iri):
        if not super()._is_user_graph(iri) or iri in VIRTUOSO_SYSTEM_GRAPHS \
                or iri.startswith(VIRTUOSO_SYSTEM_PREFIXES):
            return False
        path = urllib.parse.urlsplit(iri).path
        return not (path == "/DAV" or path.startswith("/DAV/"))  # its WebDAV folders

    def count(self, graph=None):
        if graph is not None:
            return super().count(graph)
        graphs = self.named_graphs()
        if not graphs:
            return 0
        values = " ".join(str(nn(g)) for g in graphs)
        res = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
                         "GRAPH ?g { ?s ?p ?o } }")
        return int(next(iter(res))["n"].value)

    def named_graphs(self):
        # GROUP BY, not DISTINCT: Virtuoso answers it from an index (ms, not seconds)
        res = self.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return sorted(s["g"].value for s in res
                      if isinstance(s["g"], ox.NamedNode) and self._is_user_graph(s["g"].value))

    def quads(self, graph=None):
        graphs = [graph] if graph is not None else self.named_graphs()
        for g in graphs:
            yield from self._graph_pages(g)

    def _graph_pages(self, graph: str) -> Iterator[ox.Quad]:
        """One graph, page by page below ResultSetMaxRows: CONSTRUCT as N-Triples (several times
        faster than Virtuoso's JSON; blank node labels are its internal ids, so they agree
        between pages), ordered inside a sub-select as Virtuoso's documentation advises."""
        g, offset = nn(graph), 0
        while True:
            sw = self._wrapper(self.query_url, None)
            sw.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ SELECT ?s ?p ?o WHERE {{ "
                        f"GRAPH {g} {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o }} }} "
                        f"LIMIT {self.max_rows} OFFSET {offset}")
            sw.setOnlyConneg(True)
            sw.addCustomHttpHeader("Accept", "application/n-triples")
            n = 0
            for t in ox.parse(self._send(sw), format=ox.RdfFormat.N_TRIPLES):
                n += 1
                yield ox.Quad(t.subject, t.predicate, t.object, g)
            if n < self.max_rows:
                return
            offset += n

    def drop_graph(self, graph):
        # plain DROP GRAPH fails on graphs never made with CREATE GRAPH (SPARUL_DROP)
        existed = self.graph_exists(graph)
        if existed:
            self.update(f"DROP SILENT GRAPH {nn(graph)}")
        return existed

    def _insert_text(self, quads):
        if not any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
            return super()._insert_text(quads)
        return "INSERT {\n" + "\n".join(quad_text(q) for q in quads) + "\n} WHERE { }"

    def _check_triples(self, n, headers):
        if self.max_rows and n >= self.max_rows:
            raise StoreError(f"the store returned {n} triples, its ResultSetMaxRows, so the "
                             "result is probably cut short; narrow the query, or raise "
                             "[SPARQL] ResultSetMaxRows in virtuoso.ini (and ?max_rows= in the "
                             "store URL)")

    def _complete_select(self, sparql, data, headers, default_graph, named_graphs, timeout):
        if "x-sparql-maxrows" not in headers:
            return _fix_virtuoso_json(data)
        cap = self.max_rows = int(headers["x-sparql-maxrows"])
        doc = json.loads(data)
        if len(doc["results"]["bindings"]) < cap:
            return _fix_virtuoso_json(doc)
        m = re.search(r"\bLIMIT\s+(\d+)\s*(?:OFFSET\s+\d+\s*)?$", sparql, re.IGNORECASE)
        if m and int(m.group(1)) <= cap:
            return _fix_virtuoso_json(doc)
        prologue, body = split_prologue(sparql)
        if not re.search(r"\bORDER\s+BY\b", body, re.IGNORECASE):
            order = " ".join("?" + v for v in doc["head"]["vars"])
            body = f"SELECT * WHERE {{ {{ {body} }} }} ORDER BY {order}"
        rows: list = []
        while True:
            sw = self._wrapper(self.query_url, timeout)
            sw.setQuery(f"{prologue}\nSELECT * WHERE {{ {{ {body}\n}} }} "
                        f"LIMIT {cap} OFFSET {len(rows)}")
            for g in default_graph or []:
                sw.addDefaultGraph(g)
            for g in named_graphs or []:
                sw.addNamedGraph(g)
            from SPARQLWrapper import JSON
            sw.setReturnFormat(JSON)
            try:
                page = json.loads(self._send(sw))["results"]["bindings"]
            except QueryError as e:
                raise StoreError(f"the result reached the store's limit of {cap} rows and "
                                 f"cannot be paged ({e.message}); add LIMIT/OFFSET, or raise "
                                 "ResultSetMaxRows in virtuoso.ini")
            rows += page
            if len(page) < cap:
                break
        doc["results"]["bindings"] = rows
        return _fix_virtuoso_json(doc)


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def _fix_virtuoso_json(data: bytes | dict) -> bytes:
    """Virtuoso's JSON results made standard: blank nodes ``nodeID://b1`` -> ``b1`` and
    booleans ``1``/``0`` -> ``true``/``false``."""
    if isinstance(data, bytes):
        if b"nodeID://" not in data and _BOOLEAN.encode() not in data:
            return data
        data = json.loads(data)
    for row in data.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode" and term["value"].startswith("nodeID://"):
                term["value"] = term["value"][len("nodeID://"):]
            elif term.get("datatype") == _BOOLEAN and term["value"] in ("1", "0"):
                term["value"] = "true" if term["value"] == "1" else "false"
    return json.dumps(data).encode()


#: A graph that is never written: the default graph of a dataset that names only named graphs.
EMPTY_DEFAULT_GRAPH = "urn:x-amikg:empty-default-graph"


def without_dataset_clauses(sparql: str) -> str:
    """The query without its ``FROM`` / ``FROM NAMED`` clauses: where the protocol gives the
    dataset, it replaces the query's own (SPARQL 1.1 Protocol 2.1.4); Virtuoso would keep them."""
    toks, cut = tokens(sparql), []
    for i, t in enumerate(toks):
        if t.is_word("FROM"):
            j = i + 2 if i + 1 < len(toks) and toks[i + 1].is_word("NAMED") else i + 1
            if j < len(toks) and toks[j].kind in ("iri", "pname"):
                cut.append((t.start, toks[j].end))
    for start, end in reversed(cut):
        sparql = sparql[:start] + " " + sparql[end:]
    return sparql


def empty_default_graph(sparql: str, kw: dict) -> dict:
    """The dataset to send so that named graphs alone (``FROM NAMED`` with no ``FROM``, or
    ``named-graph-uri`` with no ``default-graph-uri``) leave the default graph empty, as the
    standard says; Virtuoso would keep its union of every graph there."""
    if kw.get("named_graphs") and not kw.get("default_graph"):
        kw = {**kw, "default_graph": [EMPTY_DEFAULT_GRAPH]}
    if kw.get("default_graph") is None and kw.get("named_graphs") is None:
        own = inspect(sparql)
        if own.from_named and not own.from_graphs:
            return {**kw, "default_graph": [EMPTY_DEFAULT_GRAPH], "named_graphs": own.from_named}
    return kw
