"""Any SPARQL 1.1 store reached over HTTP: SPARQLWrapper for query and update, the Graph Store
Protocol for large writes (staged, then moved into place in one update)."""

from __future__ import annotations

import contextlib
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Iterator

import pyoxigraph as ox

from ..errors import QueryError, QueryTimeout, StoreError
from ..sparql.binder import bind, with_base
from ..sparql.explain import reaches_out
from ..sparql.guard import inspect
from .base import Store, TripleResult, nn, quad_text, query_error

#: URL scheme prefix -> (query path, update path, graph-store path, auth kind).
PRESETS = {
    "oxigraph": ("/query", "/update", "/store", "basic"),
    "virtuoso": ("/sparql", "/sparql-auth", "/sparql-graph-crud-auth", "digest"),
    "fuseki": ("/query", "/update", "/data", "basic"),
    "graphdb": ("", "/statements", "/rdf-graphs/service", "basic"),
    "sparql": ("", "", "", "basic"),
}


#: Graphs a bulk write stages its data in before moving it into place (never listed).
STAGING_PREFIX = "urn:x-amikg:staging:"



class RemoteStore(Store):
    """A SPARQL 1.1 store reached over HTTP (SPARQLWrapper for query and update)."""

    kind = "remote"
    #: Send a query's own FROM / FROM NAMED as the protocol's dataset too (the same dataset, so
    #: the same answer on any SPARQL 1.1 store): a store that makes every query's default graph
    #: the union of all graphs (an Oxigraph server started with --union-default-graph) would
    #: otherwise answer a FROM over every graph.
    sends_query_dataset = True

    def __init__(self, query_url: str, update_url: str = "", gsp_url: str = "", user: str = "",
                 password: str = "", auth: str = "basic", flavour: str = "sparql",
                 timeout: float = 60.0):
        self.location = query_url
        self.query_url, self.update_url = query_url, update_url or query_url
        self.gsp_url, self.user, self.password, self.auth = gsp_url, user, password, auth
        self.flavour, self.timeout = flavour, timeout

    def _wrapper(self, endpoint: str, timeout: float | None):
        # SPARQLWrapper (64 ms to import) only where a remote store is used
        from SPARQLWrapper import BASIC, DIGEST, POST, SPARQLWrapper

        sw = SPARQLWrapper(endpoint, updateEndpoint=self.update_url)
        sw.setMethod(POST)
        sw.setTimeout(int(max(1, timeout or self.timeout)))
        if self.user:
            sw.setHTTPAuth(DIGEST if self.auth == "digest" else BASIC)
            sw.setCredentials(self.user, self.password)
        return sw

    def _send(self, sw) -> bytes:
        return self._exchange(sw)[0]

    def _exchange(self, sw) -> tuple[bytes, dict[str, str]]:
        """Send a SPARQLWrapper request; the body and the (lower-cased) response headers."""
        from SPARQLWrapper.SPARQLExceptions import (EndPointNotFound, QueryBadFormed,
                                                    SPARQLWrapperException, Unauthorized)
        try:
            with _own_opener():
                resp = sw.query().response
                return resp.read(), {k.lower(): v for k, v in resp.headers.items()}
        except QueryBadFormed as e:
            err = QueryError(f"the store rejected the request: {_short(e)}")
            err.store_rejected = True
            raise err
        except Unauthorized:
            raise StoreError(f"the store {self.location} refused our credentials "
                             "(set AMIKG_STORE_USER / AMIKG_STORE_PASSWORD)")
        except EndPointNotFound as e:
            raise StoreError(f"no SPARQL endpoint at {sw.endpoint}: {_short(e)}")
        except SPARQLWrapperException as e:
            raise StoreError(f"the store {self.location} failed: {_short(e)}")
        except TimeoutError:
            raise QueryTimeout(f"the store {self.location} did not answer in time")
        except OSError as e:  # URLError, connection refused, socket timeout
            if "timed out" in str(e):
                raise QueryTimeout(f"the store {self.location} did not answer in time")
            raise StoreError(f"cannot reach the store {self.location}: {e}")

    #: Accept header for CONSTRUCT/DESCRIBE results ("" = SPARQLWrapper's Turtle negotiation).
    construct_accept = ""

    def map_queries(self, queries, reduce, workers=None):
        """Sent at once, from threads (the store evaluates them side by side; the threads wait
        on the network, not on each other)."""
        workers = min(workers or 4, len(queries))
        if workers < 2:
            return super().map_queries(queries, reduce)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers, thread_name_prefix="amikg-remote-read") as pool:
            return list(pool.map(lambda q: reduce(self.query(q)), queries))

    def query(self, sparql, *, substitutions=None, default_graph=None, named_graphs=None,
              timeout=None, base_iri=None):
        try:
            return self._query(sparql, substitutions, default_graph, named_graphs, timeout,
                               base_iri)
        except QueryError as e:
            raise explained(e, sparql, "query")

    def _query(self, sparql, substitutions, default_graph, named_graphs, timeout, base_iri):
        from SPARQLWrapper import JSON, TURTLE

        if not sparql.strip():
            raise query_error(SyntaxError(""), "query", sparql)
        if substitutions:
            sparql = bind(sparql, substitutions)
        sparql = with_base(sparql, base_iri)
        if default_graph is None and named_graphs is None and self.sends_query_dataset:
            own = inspect(sparql)
            if own.from_graphs or own.from_named:
                default_graph, named_graphs = own.from_graphs, own.from_named
        sw = self._wrapper(self.query_url, timeout)
        sw.setQuery(sparql)
        for g in default_graph or []:
            sw.addDefaultGraph(g)
        for g in named_graphs or []:
            sw.addNamedGraph(g)
        kind = sw.queryType
        if kind in ("SELECT", "ASK"):
            sw.setReturnFormat(JSON)
            data, headers = self._exchange(sw)
            if kind == "SELECT":
                data = self._complete_select(sparql, data, headers, default_graph,
                                             named_graphs, timeout)
            try:
                return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
            except SyntaxError as e:
                raise StoreError(f"the store sent results we cannot read: {e}")
        if kind in ("CONSTRUCT", "DESCRIBE"):
            if self.construct_accept:  # content negotiation only, no format=/output= params
                sw.setOnlyConneg(True)
                sw.addCustomHttpHeader("Accept", self.construct_accept)
                fmt = ox.RdfFormat.from_media_type(self.construct_accept)
            else:
                sw.setReturnFormat(TURTLE)
                fmt = ox.RdfFormat.TURTLE
            data, headers = self._exchange(sw)
            try:
                triples = [q.triple for q in ox.parse(data, format=fmt)]
            except SyntaxError as e:
                raise StoreError(f"the store sent RDF we cannot read: {e}")
            self._check_triples(len(triples), headers)
            return TripleResult(triples)
        raise QueryError("not a query (SELECT, ASK, CONSTRUCT or DESCRIBE)")

    def _complete_select(self, sparql, data, headers, default_graph, named_graphs, timeout):
        """Hook for stores that cut results: return the JSON of the complete result."""
        return data

    def _check_triples(self, n: int, headers: dict) -> None:
        """Hook for stores that cut CONSTRUCT results silently."""

    def update(self, sparql, base_iri=None):
        if not sparql.strip():
            raise query_error(SyntaxError(""), "update", sparql)
        try:
            self._update(sparql, base_iri)
        except QueryError as e:
            raise explained(e, sparql, "update")
        self._written()

    def _update(self, sparql, base_iri):
        sw = self._wrapper(self.update_url, None)
        sw.setQuery(with_base(sparql, base_iri))
        if sw.queryType in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            raise QueryError("not an update")
        self._send(sw)

    # -- writing: small writes are one SPARQL update, large ones go through the Graph Store ------

    #: Writes of at least this many quads use the Graph Store Protocol (when there is one).
    bulk_threshold = 20_000
    #: Triples per Graph Store POST.
    chunk_triples = 100_000
    #: ``callback(done, total)`` after each Graph Store chunk (the CLI sets a progress line).
    upload_progress = None

    def _wants_bulk(self, quads: list[ox.Quad]) -> bool:
        return bool(self.gsp_url) and len(quads) >= self.bulk_threshold

    def _insert_text(self, quads: list[ox.Quad]) -> str:
        """The update text that inserts ``quads`` (``INSERT DATA`` in standard SPARQL)."""
        return "INSERT DATA {\n" + "\n".join(quad_text(q) for q in quads) + "\n}"

    def add(self, quads):
        quads = list(quads)
        if self._wants_bulk(quads):
            return self._bulk_write(quads, [])
        for i in range(0, len(quads), 50_000):
            self.update(self._insert_text(quads[i:i + 50_000]))

    def add_fresh(self, quads, graphs, then=()):
        """Many quads into empty ``graphs``: POSTed straight into them (no staging: the graphs
        were empty, so dropping them undoes a failed write exactly), then ``then`` in one
        update."""
        quads, then = list(quads), list(then)
        if not self._wants_bulk(quads):
            return self.add(quads + then)
        targets = sorted({q.graph_name.value for q in quads
                          if isinstance(q.graph_name, ox.NamedNode)} | set(graphs))
        try:
            self._bulk_write(quads, [], staged=False)
            if then:
                self.add(then)
        except BaseException:
            for g in targets:
                try:
                    self.update(f"DROP SILENT GRAPH {nn(g)}")
                except Exception:  # the store is gone; nothing more we can do from here
                    pass
            raise

    def replace_graphs(self, graphs, quads, delete_patterns=""):
        graphs, quads = list(graphs), list(quads)
        if self._wants_bulk(quads):
            return self._bulk_write(quads, graphs, delete_patterns)
        drops = "".join(f"DROP SILENT GRAPH {nn(g)} ;\n" for g in graphs)
        self.update(f"{drops}{delete_patterns}{self._insert_text(quads)}")

    def _bulk_write(self, quads: list[ox.Quad], replace: list[str],
                    delete_patterns: str = "", staged: bool = True) -> None:
        """Write many quads through the Graph Store Protocol, all or nothing as far as the store
        allows (README, "Running on other stores"):

        1. each target graph's triples are POSTed as N-Triples chunks into its own staging graph
           (``urn:x-amikg:staging:<run>:<n>``, hidden from :meth:`named_graphs`);
        2. one SPARQL update then runs ``delete_patterns``, ``MOVE``s each staging graph onto a
           graph being replaced (or ``ADD``s it to one being appended to), and drops the graphs of
           ``replace`` that get no new triples;
        3. if anything fails, the staging graphs are dropped and the target graphs are as before.

        Until step 2 the staged triples are visible through the union default graph. With
        ``staged=False`` the chunks go straight into their graphs (the caller undoes a failure).
        """
        by_graph: dict[str, list[ox.Triple]] = {}
        for q in quads:
            if not isinstance(q.graph_name, ox.NamedNode):
                raise StoreError("bulk writes to a remote store need named graphs")
            by_graph.setdefault(q.graph_name.value, []).append(q.triple)
        run = uuid.uuid4().hex
        staging = {g: f"{STAGING_PREFIX}{run}:{i}" if staged else g
                   for i, g in enumerate(by_graph)}
        total, done = len(quads), 0
        try:
            for g, triples in by_graph.items():
                for chunk in _chunks_keeping_blank_nodes(triples, self.chunk_triples):
                    self._gsp("POST", staging[g],
                              ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES))
                    done += len(chunk)
                    if self.upload_progress:
                        self.upload_progress(done, total)
            if not staged:
                return
            ops = [f"DROP SILENT GRAPH {nn(g)}" for g in replace if g not in by_graph]
            for g, s in staging.items():
                if g in replace:
                    ops.append(f"MOVE SILENT {nn(s)} TO {nn(g)}")
                else:
                    ops += [f"ADD SILENT {nn(s)} TO {nn(g)}", f"DROP SILENT GRAPH {nn(s)}"]
            self.update(delete_patterns + " ;\n".join(ops))
        except BaseException:
            for s in staging.values() if staged else ():
                try:
                    self.update(f"DROP SILENT GRAPH {nn(s)}")
                except Exception:  # the store is gone; the staging graph stays hidden
                    pass
            raise

    def _gsp(self, method: str, graph: str, body: bytes | None = None,
             content_type: str = "application/n-triples", accept: str = "") -> bytes:
        """One Graph Store Protocol request on ``graph`` (authenticated like updates)."""
        if not self.gsp_url:
            raise StoreError(f"the store {self.location} has no Graph Store Protocol endpoint "
                             "(set AMIKG_GSP_URL)")
        url = (self.gsp_url + ("&" if "?" in self.gsp_url else "?")
               + urllib.parse.urlencode({"graph": graph}))
        headers = {"Content-Type": content_type} if body is not None else {}
        if accept:
            headers["Accept"] = accept
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        handlers = []
        if self.user:
            if self.auth == "digest":
                mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                mgr.add_password(None, self.gsp_url, self.user, self.password)
                handlers.append(urllib.request.HTTPDigestAuthHandler(mgr))
            else:
                mgr = urllib.request.HTTPPasswordMgrWithPriorAuth()
                mgr.add_password(None, self.gsp_url, self.user, self.password,
                                 is_authenticated=True)
                handlers.append(urllib.request.HTTPBasicAuthHandler(mgr))
        try:
            with urllib.request.build_opener(*handlers).open(
                    req, timeout=max(self.timeout, 300.0)) as resp:
                body = resp.read()
            if method != "GET":
                self._written()
            return body
        except urllib.error.HTTPError as e:
            detail = " ".join(e.read()[:300].decode("utf-8", "replace").split())
            if e.code in (401, 403):
                raise StoreError(f"the store {self.location} refused our credentials for the "
                                 "graph store (set AMIKG_STORE_USER / AMIKG_STORE_PASSWORD)")
            raise StoreError(f"the graph store {self.gsp_url} answered {e.code} to {method} "
                             f"<{graph}>: {detail}")
        except OSError as e:
            if "timed out" in str(e):
                raise QueryTimeout(f"the store {self.location} did not answer in time")
            raise StoreError(f"cannot reach the store {self.location}: {e}")

    # -- reading ---------------------------------------------------------------------------------
    def _is_user_graph(self, iri: str) -> bool:
        """False for graphs the store or an unfinished bulk write keeps for itself."""
        return not iri.startswith(STAGING_PREFIX)

    def named_graphs(self):
        res = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(s["g"].value for s in res
                      if isinstance(s["g"], ox.NamedNode) and self._is_user_graph(s["g"].value))

    def count(self, graph=None):
        if graph is None:
            res = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                             f"FILTER(!STRSTARTS(STR(?g), \"{STAGING_PREFIX}\")) }}")
        else:
            res = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                             substitutions={"g": nn(graph)})
        return int(next(iter(res))["n"].value)

    def quads(self, graph=None):
        graphs = [graph] if graph is not None else self.named_graphs()
        for g in graphs:
            res = self.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
                             substitutions={"g": nn(g)})
            for t in res:
                yield ox.Quad(t.subject, t.predicate, t.object, nn(g))



def _chunks_keeping_blank_nodes(triples: list[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Chunks of at most ``size`` triples, except that every triple with a blank node goes into
    one chunk of its own: a blank node label means the same node only within one request."""
    plain = [t for t in triples
             if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)]
    blank = [t for t in triples
             if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)]
    for i in range(0, len(plain), size):
        yield plain[i:i + size]
    if blank:
        yield blank


_OPENER_LOCK = threading.Lock()


@contextlib.contextmanager
def _own_opener():
    """SPARQLWrapper's digest authentication installs a process-wide urllib opener (its
    ``_createRequest``); that opener then fails on every other 401 in the process (e.g. a
    ``Bearer`` challenge). Keep it to this one request: put the previous opener back afterwards."""
    with _OPENER_LOCK:
        saved = urllib.request._opener  # noqa: SLF001 - the global SPARQLWrapper replaces
        try:
            yield
        finally:
            urllib.request.install_opener(saved)


def _short(e: Exception) -> str:
    return " ".join(str(e).split())[:400]


def explained(e: QueryError, text: str, what: str) -> QueryError:
    """The store's rejection of ``text`` in the words the embedded engine gives (one sentence,
    line and column, the parser's text): the same answer on every backend. The text is only
    parsed, on an empty in-memory store, and never if it could reach out (SERVICE, LOAD)."""
    if not getattr(e, "store_rejected", False) or reaches_out(text):
        return e
    try:
        (ox.Store().update if what == "update" else ox.Store().query)(text)
    except SyntaxError as syntax:
        explanation = query_error(syntax, what, text)
        explanation.details["store"] = e.details.get("store", e.message)
        explanation.store_rejected = True  # a caller holding the text it was given asks again
        return explanation
    except (OSError, RuntimeError, ValueError):
        pass
    return e
