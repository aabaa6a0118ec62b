"""One store interface over three backends: embedded Oxigraph on disk, Oxigraph in memory, and any
remote SPARQL 1.1 store. This is the only module that knows which engine is underneath.

Open a store from one setting (``--store`` / ``AMIKG_STORE``) with :func:`open_store`:

==============================================  ===================================================
``/some/dir`` (any path)                        embedded Oxigraph (RocksDB) in that directory
``memory:``                                     Oxigraph in memory, gone when the process ends
``oxigraph+http://host:7878``                   Oxigraph server (``/query``, ``/update``, ``/store``)
``virtuoso+http://host:8890``                   Virtuoso (``/sparql``, ``/sparql-auth`` with digest)
``fuseki+http://host:3030/ds``                  Fuseki dataset (``/ds/query``, ``/ds/update``, ``/ds/data``)
``graphdb+http://host:7200/repositories/r``     GraphDB repository (``.../statements``)
``sparql+https://host/path`` or ``https://...``  any SPARQL 1.1 endpoint (update URL from settings)
==============================================  ===================================================

Credentials for remote stores come from the URL (``virtuoso+http://dba:dba@host:8890``) or from
``AMIKG_STORE_USER`` / ``AMIKG_STORE_PASSWORD``.

Every backend returns pyoxigraph result objects (``QuerySolutions``, ``QueryBoolean``, or an
iterable of ``Triple`` with ``serialize``), so callers never care where the answer came from.
Queries see the union of all named graphs as their default graph (docs/modelling.md).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

import pyoxigraph as ox

from .config import Settings
from .errors import FormatError, QueryError, QueryTimeout, StoreError, StoreLockedError

#: RDF formats by their short CLI names.
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
QUAD_FORMATS = {"nquads", "trig"}
#: File extensions and the format they mean.
EXTENSIONS = {
    ".ttl": "turtle", ".turtle": "turtle", ".nt": "ntriples", ".nq": "nquads", ".trig": "trig",
    ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "xml", ".owl": "xml", ".xml": "xml",
}
#: Query-result formats by their short names.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


def rdf_format(name: str) -> ox.RdfFormat:
    """The pyoxigraph format for a short name (``turtle``), an extension or a media type."""
    key = name.strip().lower()
    if key in RDF_FORMATS:
        return RDF_FORMATS[key]
    if "." + key in EXTENSIONS:
        return RDF_FORMATS[EXTENSIONS["." + key]]
    fmt = ox.RdfFormat.from_media_type(key.split(";")[0].strip())
    if fmt is None or fmt == ox.RdfFormat.N3:
        raise FormatError(f"unknown RDF format {name!r}; use one of {', '.join(RDF_FORMATS)}",
                          format=name)
    return fmt


def format_name(fmt: ox.RdfFormat) -> str:
    return next(k for k, v in RDF_FORMATS.items() if v == fmt)


def format_for_path(path: str | Path) -> str:
    """The short format name from a file name (``members.ttl.gz`` -> ``turtle``)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in EXTENSIONS:
        return EXTENSIONS[suffixes[-1]]
    raise FormatError(f"{path}: cannot tell the RDF format from the file name; give --format "
                      f"({', '.join(RDF_FORMATS)})", source=str(path))


def nn(iri: str) -> ox.NamedNode:
    """A NamedNode, with a clear error for a malformed IRI."""
    try:
        return ox.NamedNode(iri)
    except ValueError as e:
        raise QueryError(f"not a valid IRI: {iri!r} ({e})", term=iri)


class TripleResult:
    """CONSTRUCT/DESCRIBE results from a remote store, shaped like pyoxigraph's ``QueryTriples``."""

    def __init__(self, triples: list[ox.Triple]):
        self._triples = triples

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def serialize(self, output=None, format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES, **kw):
        return ox.serialize(self._triples, output, format=format, **kw)


class Store(ABC):
    """The store interface every backend implements."""

    #: ``embedded``, ``memory`` or ``remote``.
    kind: str = ""
    location: str = ""

    # -- reading -------------------------------------------------------------------------------
    @abstractmethod
    def query(self, sparql: str, *, substitutions: dict | None = None,
              default_graph: list[str] | None = None, named_graphs: list[str] | None = None,
              timeout: float | None = None):
        """Run a SPARQL query. ``substitutions`` maps variable names to pyoxigraph terms and binds
        them with a one-row ``VALUES`` block opening the first WHERE group (the terms are
        serialised by pyoxigraph, so they are escaped; no caller pastes values into the text).
        Raises :class:`QueryError` for a malformed query."""

    @abstractmethod
    def named_graphs(self) -> list[str]:
        """IRIs of all named graphs that hold at least one triple."""

    @abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Number of triples in ``graph``, or of quads in the whole store."""

    @abstractmethod
    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of one graph (``graph``), or of the whole dataset."""

    def graph_exists(self, graph: str) -> bool:
        return bool(self.query("ASK { GRAPH ?g { ?s ?p ?o } }",
                               substitutions={"g": nn(graph)}))

    def dump(self, output: BinaryIO, format: str = "nquads", graph: str | None = None) -> None:
        """Write one graph or the whole dataset to ``output``, streaming."""
        fmt = rdf_format(format)
        if graph is None and format not in QUAD_FORMATS:
            raise FormatError(f"a dump of the whole dataset needs a quad format (nquads, trig), "
                              f"not {format}", format=format)
        if graph is None:
            ox.serialize(self.quads(), output, format=fmt)
        else:
            ox.serialize((q.triple for q in self.quads(graph)), output, format=fmt)

    # -- writing (each call is all-or-nothing) --------------------------------------------------
    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL update as one transaction. Raises :class:`QueryError` when malformed."""

    @abstractmethod
    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction."""

    def add_fresh(self, quads: list[ox.Quad], graphs: list[str], then=()) -> None:
        """Add quads into empty ``graphs`` and then ``then``, all or nothing; engines may use a
        faster path."""
        self.add(list(quads) + list(then))

    def replace_graphs(self, graphs: Iterable[str], quads: list[ox.Quad],
                       delete_patterns: str = "") -> None:
        """Empty ``graphs`` and add ``quads``, as one transaction where the engine allows.

        ``delete_patterns`` is extra SPARQL Update text run first in the same transaction
        (used to retract superseded provenance)."""
        graphs = list(graphs)
        drops = "".join(f"DROP SILENT GRAPH {nn(g)} ;\n" for g in graphs)
        body = "\n".join(_quad_text(q) for q in quads)
        self.update(f"{drops}{delete_patterns}INSERT DATA {{\n{body}\n}}")

    def drop_graph(self, graph: str) -> bool:
        """Remove a named graph; False when it did not exist."""
        existed = self.graph_exists(graph)
        if existed:
            self.update(f"DROP GRAPH {nn(graph)}")
        return existed

    def on_write(self, callback) -> None:
        """Call ``callback()`` after every committed write (the query executor refreshes its
        read snapshot). Writes through :attr:`OxigraphStore.raw` bypass this."""
        self.__dict__.setdefault("_write_listeners", []).append(callback)

    def _written(self) -> None:
        for callback in self.__dict__.get("_write_listeners", ()):
            callback()

    def close(self) -> None:  # pragma: no cover - trivial
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


#: Journal of unfinished bulk writes: ``<journal#id> <#incompleteLoadOf> <graph>`` in amig:meta.
_JOURNAL = "https://w3id.org/amikg/id/journal#"
_INCOMPLETE = "https://w3id.org/amikg/id/journal#incompleteLoadOf"
_META = "https://w3id.org/amikg/graph/meta"


def _quad_text(q: ox.Quad) -> str:
    """A quad as SPARQL INSERT DATA text (terms are serialised by pyoxigraph, hence escaped)."""
    if isinstance(q.graph_name, ox.DefaultGraph):
        return f"{q.subject} {q.predicate} {q.object} ."
    return f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}"


def _query_error(e: Exception, what: str = "query") -> QueryError:
    msg = str(e).split("\n")[0][:500]
    m = re.match(r"error at (\d+):(\d+)", msg)
    return QueryError(f"malformed {what}: {msg}", line=int(m.group(1)) if m else None,
                      column=int(m.group(2)) if m else None)



#: Bytes per thread below which one bulk loader is as fast as several (measured on 2 cores: a
#: 1.6 MB file loads as fast either way, 4.7 MB 1.6x and 16 MB 1.8x faster in two parts).
_CHUNK_MIN = 1 << 20
_LINE_FORMATS = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)


def _line_chunks(data, fmt) -> list:
    """Cut line-based RDF (N-Triples, N-Quads) at line ends into one part per CPU (2-4) so that
    as many bulk loaders run at once (Oxigraph's loader releases the GIL and uses about one core;
    measured 1.6-1.8x faster on 2 cores). Anything else comes back whole: other formats, small
    inputs, files, and documents with blank nodes, whose labels are scoped to one load call."""
    import os

    parts = max(2, min(4, os.cpu_count() or 1))
    if (fmt not in _LINE_FORMATS or not isinstance(data, bytes)
            or len(data) < _CHUNK_MIN * 2 or b"_:" in data):
        return [data]
    view, cuts = memoryview(data), [0]
    for i in range(1, parts):
        cut = data.find(b"\n", max(cuts[-1], len(data) * i // parts))
        if cut < 0:
            break
        cuts.append(cut + 1)
    cuts.append(len(data))
    return [view[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


class ViewReader(io.RawIOBase):
    """A binary reader over a memoryview (no copy) that reports bytes read to ``progress``
    (under ``lock`` when several readers share one progress bar)."""

    def __init__(self, view: memoryview, progress=None, lock=contextlib.nullcontext()):
        self._view, self._pos, self._progress, self._lock = view, 0, progress, lock

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), len(self._view) - self._pos)
        b[:n] = self._view[self._pos:self._pos + n]
        self._pos += n
        if self._progress is not None and n:
            with self._lock:
                self._progress(n)
        return n


class OxigraphStore(Store):
    """Oxigraph embedded in this process: on disk (RocksDB) or in memory."""

    def __init__(self, path: str | Path | None = None):
        self.kind = "memory" if path is None else "embedded"
        self.location = "memory:" if path is None else str(path)
        #: Writes of this process, one at a time: Oxigraph runs concurrent SPARQL updates in
        #: parallel, so two read-modify-write updates (DELETE/INSERT ... WHERE) would both read
        #: the old state and one would be lost (tests/test_concurrency.py).
        self._write_lock = threading.RLock()
        try:
            if path is None:
                self._store = ox.Store()
            else:
                Path(path).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
                self.recovered = self._recover()
        except OSError as e:
            if "lock" in str(e).lower():
                raise StoreLockedError(
                    f"the store {path} is in use by another process (is `amikg serve` running "
                    f"on it? stop it, or send the work to the service over HTTP)", store=str(path))
            raise StoreError(f"cannot open the store {path}: {e}", store=str(path))

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store (for bulk paths and the rdflib adapter)."""
        return self._store

    def query(self, sparql, *, substitutions=None, default_graph=None, named_graphs=None,
              timeout=None):
        kwargs = {}
        if default_graph is not None:
            kwargs["default_graph"] = [nn(g) for g in default_graph] or [ox.DefaultGraph()]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [nn(g) for g in named_graphs]
        if substitutions:  # the same binding as on remote stores, so results agree
            sparql = _inject_values(sparql, substitutions)
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as e:
            raise _query_error(e)
        except (OSError, RuntimeError, ValueError) as e:
            raise QueryError(f"query failed: {e}")

    def update(self, sparql):
        try:
            with self._write_lock:
                self._store.update(sparql)
        except SyntaxError as e:
            raise _query_error(e, "update")
        except (OSError, RuntimeError, ValueError) as e:
            raise QueryError(f"update failed: {e}")
        self._written()

    def add(self, quads):
        try:
            with self._write_lock:
                self._store.extend(quads)
        except (OSError, ValueError) as e:
            raise StoreError(f"write failed: {e}")
        self._written()

    def add_fresh(self, quads, graphs, then=()):
        """Add quads that all go into ``graphs``, which must be empty, as fast as the engine can;
        ``then`` (e.g. the provenance record) is written in the transaction that completes it.

        On disk this uses Oxigraph's bulk loader, which is not transactional; a journal entry in
        the metadata graph makes it all-or-nothing all the same: written (transactionally) before
        the bulk write and removed after it, so that an error drops the graphs again at once and a
        crash (even SIGKILL) is repaired the next time the store is opened."""
        if self.kind != "embedded":
            return self.add(list(quads) + list(then))
        with self._write_lock:
            self._add_fresh(quads, graphs, then)

    def _add_fresh(self, quads, graphs, then):
        with self._journalled(graphs, then):
            self._store.bulk_extend(quads)

    @contextlib.contextmanager
    def _journalled(self, graphs, then):
        """Bracket a non-transactional bulk write into ``graphs`` with a journal entry: written
        first; on an error the graphs are dropped again; on success the entry goes and ``then``
        comes in one transaction. A crash in between is repaired by :meth:`_recover` on open."""
        marker = [ox.Quad(ox.NamedNode(_JOURNAL + uuid.uuid4().hex), ox.NamedNode(_INCOMPLETE),
                          nn(g), ox.NamedNode(_META)) for g in graphs]
        self._store.extend(marker)
        try:
            yield
        except BaseException:
            self._recover()
            raise
        if callable(then):  # e.g. a provenance record that needs the count of what was written
            then = then()
        self.update("DELETE DATA {\n" + "\n".join(_quad_text(q) for q in marker) + "\n} ;\n"
                    "INSERT DATA {\n" + "\n".join(_quad_text(q) for q in then) + "\n}")

    def load_fresh(self, items, graphs, then=()):
        """Like :meth:`add_fresh`, but straight from serialised RDF: ``items`` are
        ``(bytes or binary file, RdfFormat, graph IRI[, progress])``. Oxigraph's bulk loader reads
        them without building Python objects, several times faster than :meth:`add`; large
        N-Triples/N-Quads bytes are cut at line ends and loaded by several threads at once
        (:func:`_line_chunks`). A syntax error part-way drops the graphs again (the journal) and
        is raised; ``then`` may be a callable, called after the write, giving the quads to add."""
        if self.kind != "embedded":
            raise StoreError("load_fresh needs the embedded on-disk store")
        with self._write_lock:  # one write at a time (see __init__)
            self._load_fresh(items, graphs, then)

    def _load_fresh(self, items, graphs, then):
        with self._journalled(graphs, then):
            for data, fmt, graph, *progress in items:
                progress = progress[0] if progress else None
                chunks = _line_chunks(data, fmt)
                if len(chunks) == 1:
                    if progress is not None and isinstance(data, (bytes, memoryview)):
                        data = ViewReader(memoryview(data), progress)
                    self._store.bulk_load(data, format=fmt, to_graph=nn(graph))
                    continue
                errors: list[BaseException] = []
                lock = threading.Lock()

                def run(chunk, graph=graph, fmt=fmt, progress=progress):
                    try:
                        self._store.bulk_load(ViewReader(chunk, progress, lock), format=fmt,
                                              to_graph=nn(graph))
                    except BaseException as e:  # re-raised in the calling thread
                        errors.append(e)

                workers = [threading.Thread(target=run, args=(c,), name="amikg-bulk-load")
                           for c in chunks]
                for w in workers:
                    w.start()
                for w in workers:
                    w.join()
                if errors:
                    raise errors[0]

    def _recover(self) -> list[str]:
        """Drop the graphs of bulk writes that never finished (see :meth:`add_fresh`)."""
        dropped = []
        for q in list(self._store.quads_for_pattern(None, ox.NamedNode(_INCOMPLETE), None,
                                                    ox.NamedNode(_META))):
            self._store.remove_graph(q.object)
            self._store.remove(q)
            dropped.append(q.object.value)
        return dropped

    def named_graphs(self):
        return sorted(g.value for g in self._store.named_graphs()
                      if isinstance(g, ox.NamedNode) and self.graph_exists(g.value))

    def graph_exists(self, graph):
        return next(iter(self._store.quads_for_pattern(None, None, None, nn(graph))), None) \
            is not None

    def count(self, graph=None):
        if graph is None:
            return len(self._store)
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, nn(graph)))

    def quads(self, graph=None):
        g = nn(graph) if graph is not None else None
        return iter(self._store.quads_for_pattern(None, None, None, g))

    def dump(self, output, format="nquads", graph=None):
        fmt = rdf_format(format)
        if graph is None:
            if format not in QUAD_FORMATS:
                return super().dump(output, format, graph)
            self._store.dump(output, format=fmt)
        else:
            self._store.dump(output, format=fmt, from_graph=nn(graph))

    def drop_graph(self, graph):
        with self._write_lock:
            existed = self.graph_exists(graph)
            if existed:
                self._store.remove_graph(nn(graph))
        if existed:
            self._written()
        return existed

    def backup(self, target: str | Path) -> None:
        """A consistent snapshot of an on-disk store into ``target`` (which must not exist)."""
        if self.kind != "embedded":
            raise StoreError("backup needs an on-disk store")
        self._store.flush()
        self._store.backup(str(target))

    @classmethod
    def read_only(cls, path: str | Path) -> "OxigraphStore":
        """Open an on-disk store (e.g. a backup checkpoint) read-only; several processes may."""
        self = cls.__new__(cls)
        self.kind, self.location = "embedded", str(path)
        try:
            self._store = ox.Store.read_only(str(path))
        except OSError as e:
            raise StoreError(f"cannot open the store {path} read-only: {e}", store=str(path))
        return self

    def close(self):
        """Flush and release the store; closing twice is harmless."""
        if self._store is not None and self.kind == "embedded":
            self._store.flush()
        self._store = None


# -- remote SPARQL 1.1 stores ---------------------------------------------------------------------

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


def _inject_values(sparql: str, substitutions: dict) -> str:
    """Bind variables with a one-row VALUES block opening the first WHERE group. The values are
    pyoxigraph terms, serialised (and so escaped) by the library. Used on every backend (Oxigraph's
    SEP-0007 substitution needs the variable projected; remote stores have none)."""
    for name, term in substitutions.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"not a variable name: {name!r}")
        if not isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)):
            raise QueryError(f"value for ?{name} is not an RDF term: {term!r}")
    names = list(substitutions)
    row = " ".join(str(substitutions[n]) for n in names)
    block = f"VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}\n"
    m = re.search(r"\bWHERE\s*\{", sparql, re.IGNORECASE) or re.search(r"\{", sparql)
    if not m:
        raise QueryError("cannot bind parameters: the query has no WHERE group")
    return sparql[:m.end()] + "\n" + block + sparql[m.end():]


class RemoteStore(Store):
    """A SPARQL 1.1 store reached over HTTP (SPARQLWrapper for query and update)."""

    kind = "remote"

    def __init__(self, query_url: str, update_url: str = "", gsp_url: str = "", user: str = "",
                 password: str = "", auth: str = "basic", flavour: str = "sparql",
                 timeout: float = 60.0):
        self.location = query_url
        self.query_url, self.update_url = query_url, update_url or query_url
        self.gsp_url, self.user, self.password, self.auth = gsp_url, user, password, auth
        self.flavour, self.timeout = flavour, timeout

    def _wrapper(self, endpoint: str, timeout: float | None):
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
            raise QueryError(f"the store rejected the request: {_short(e)}")
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

    def query(self, sparql, *, substitutions=None, default_graph=None, named_graphs=None,
              timeout=None):
        from SPARQLWrapper import JSON, TURTLE

        if substitutions:
            sparql = _inject_values(sparql, substitutions)
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

    def update(self, sparql):
        sw = self._wrapper(self.update_url, None)
        sw.setQuery(sparql)
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
        return "INSERT DATA {\n" + "\n".join(_quad_text(q) for q in quads) + "\n}"

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
                return resp.read()
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
      such row (:func:`_split_lang_values`); the answers are the same.
    Literal lexical forms are stored canonically (``"0042"^^xsd:integer`` comes back ``"42"``,
    ``+00:00`` as ``Z``), and language tags in lower case, as in Oxigraph.
    """

    construct_accept = "application/n-triples"
    bulk_threshold = 2_000

    def __init__(self, *args, max_rows: int = 10_000, **kw):
        super().__init__(*args, **kw)
        #: The server's ``ResultSetMaxRows``, updated whenever the server reports it.
        self.max_rows = max_rows

    #: Seconds the edges of a path predicate are reused by later queries (this store's own
    #: writes clear them at once).
    edges_ttl = 2.0

    def query(self, sparql, **kw):
        from .namespaces import PREFIXES
        from .virtuoso_dialect import grouped_sub_selects, rewrite
        from .virtuoso_paths import _mask, inline_paths

        sparql = rewrite(sparql)
        # (a sub-select run on its own must see the same dataset: not with FROM in the text)
        if not re.search(r"\bFROM\s+(?:NAMED\s+)?<", _mask(sparql), re.IGNORECASE):
            dataset = {k: kw[k] for k in ("default_graph", "named_graphs", "timeout") if k in kw}
            sparql = grouped_sub_selects(sparql, lambda q: self._inline_rows(q, **dataset))
        sparql = inline_paths(sparql, self._path_edges, PREFIXES)
        return super().query(_split_lang_values(sparql), **kw)

    def _inline_rows(self, sparql: str, **kw):
        """A sub-select's variables and rows for :func:`grouped_sub_selects`, or None."""
        from .virtuoso_dialect import MAX_INLINE_ROWS

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

    def update(self, sparql):
        try:
            return super().update(sparql)
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
        return "INSERT {\n" + "\n".join(_quad_text(q) for q in quads) + "\n} WHERE { }"

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
        prologue, body = _split_prologue(sparql)
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


#: SPARQL text as tokens: strings, IRIs, comments, language tags, braces and parentheses, words.
_SPARQL_TOKEN = re.compile(r"""
    (?P<str>"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}
         |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<comment>\#[^\n]*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<punct>[{}()])
  | (?P<ws>\s+)
  | (?P<word>[^\s{}()"'<\#]+|<)
""", re.VERBOSE | re.DOTALL)


def _split_lang_values(sparql: str) -> str:
    """Work around a Virtuoso 7 bug: in a ``VALUES`` block of several variables and several rows,
    the rows holding a language-tagged literal match nothing. Each such block inside a group is
    rewritten as ``{ VALUES (...) { rows without tags } } UNION { VALUES (...) { one row } } ...``
    (a union of inline data is the same solution sequence). Blocks of one variable, of one row,
    without tags, and a trailing ``VALUES`` after the query's last brace are left as they are."""
    if "@" not in sparql or not re.search(r"VALUES\s*\(", sparql, re.IGNORECASE):
        return sparql
    toks = [(m.lastgroup, m.group(), m.start(), m.end())
            for m in _SPARQL_TOKEN.finditer(sparql)]
    code = [t for t in toks if t[0] not in ("ws", "comment")]
    out, last, depth, i = [], 0, 0, 0
    while i < len(code):
        kind, text, start, _ = code[i]
        if kind == "punct" and text in "{}":
            depth += 1 if text == "{" else -1
        if not (kind == "word" and text.upper() == "VALUES" and depth > 0
                and i + 1 < len(code) and code[i + 1][1] == "("):
            i += 1
            continue
        # VALUES ( ?a ?b ) { ( ... ) ( ... ) }
        j = i + 2
        while j < len(code) and code[j][1] != ")":
            j += 1
        variables = " ".join(t[1] for t in code[i + 2:j])
        j += 1
        if j >= len(code) or code[j][1] != "{":
            i += 1
            continue
        rows: list[tuple[str, bool]] = []
        j += 1
        ok = True
        while j < len(code) and code[j][1] == "(":
            k = j + 1
            while k < len(code) and code[k][1] not in "()":
                k += 1
            if k >= len(code) or code[k][1] != ")":
                ok = False
                break
            rows.append((sparql[code[j][2]:code[k][3]],
                         any(t[0] == "lang" for t in code[j + 1:k])))
            j = k + 1
        if not ok or j >= len(code) or code[j][1] != "}":
            i += 1
            continue
        tagged = [r for r, has in rows if has]
        if len(rows) > 1 and tagged and len(variables.split()) > 1:
            plain = [r for r, has in rows if not has]
            groups = ([" ".join(plain)] if plain else []) + tagged
            out += [sparql[last:start], "{ ", " } UNION { ".join(
                f"VALUES ({variables}) {{ {g} }}" for g in groups), " }"]
            last = code[j][3]
        i = j + 1
    if not out:
        return sparql
    return "".join(out) + sparql[last:]


def _split_prologue(sparql: str) -> tuple[str, str]:
    """The PREFIX/BASE declarations (and comments) opening a query, and the rest."""
    m = re.match(r"(?:\s+|#[^\n]*\n|PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", sparql,
                 re.IGNORECASE)
    return sparql[:m.end()], sparql[m.end():]


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


def open_store(location: str | None = None, settings: Settings | None = None) -> Store:
    """Open the store named by ``location`` (or the settings' store, or the default directory)."""
    settings = settings or Settings.from_env()
    location = location or settings.store_location
    if location == "memory:":
        return OxigraphStore(None)
    m = re.match(r"^(?:(\w+)\+)?(https?)://(.*)$", location)
    if not m:
        return OxigraphStore(Path(location).expanduser())
    flavour = (m.group(1) or "sparql").lower()
    if flavour not in PRESETS:
        raise StoreError(f"unknown store kind {flavour!r} in {location!r}; use one of "
                         f"{', '.join(PRESETS)}, a directory, or memory:", store=location)
    parts = urllib.parse.urlsplit(f"{m.group(2)}://{m.group(3)}")
    user = urllib.parse.unquote(parts.username or "") or settings.store_user
    password = urllib.parse.unquote(parts.password or "") or settings.store_password
    options = urllib.parse.parse_qs(parts.query)  # e.g. ?max_rows=100000 (Virtuoso)
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    base = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    qpath, upath, gpath, auth = PRESETS[flavour]
    query_url = base + qpath
    update_url = settings.update_url or (base + upath if upath else query_url)
    gsp_url = settings.gsp_url or (base + gpath if gpath else "")
    timeout = max(settings.query_timeout, 1.0) * 2
    if flavour == "virtuoso":
        return VirtuosoStore(query_url, update_url, gsp_url, user, password, auth, flavour,
                             timeout=timeout, max_rows=int(options.get("max_rows", ["10000"])[0]))
    return RemoteStore(query_url, update_url, gsp_url, user, password, auth, flavour,
                       timeout=timeout)


__all__ = ["Store", "OxigraphStore", "RemoteStore", "VirtuosoStore", "open_store", "rdf_format", "format_for_path",
           "RDF_FORMATS", "RESULT_FORMATS", "QUAD_FORMATS", "nn"]
