"""Run SPARQL queries under a time limit that really stops the work, and a result-size limit.

pyoxigraph has no query timeout. Results stream lazily, so a deadline checked while iterating
stops a streaming query, but aggregates, ORDER BY, DISTINCT and the like block inside the engine
before the first row. So for the **embedded on-disk store** queries run in a small pool of worker
*processes* (``python -c ...``, not multiprocessing, so no ``__main__`` is re-run), each holding a
read-only view of the store; a query past its deadline gets its process killed (the CPU is freed
at once) and a fresh process takes its place.

A read-only view of a directory another process writes to is undefined behaviour in RocksDB, so
the views are of *checkpoints*: after a committed write (the store's ``on_write`` hook marks the
snapshot stale) the next query makes a new checkpoint with ``Store.backup`` (hard links, cheap)
and the workers reopen the newest generation. Old generations are deleted once no worker uses
them. Reads therefore see every write that was answered before the read was sent.

For the **memory** store (it cannot be shared with another process) and **remote** stores the
query runs in the calling thread: the deadline is checked between results (streaming queries stop;
a blocking aggregate on the memory store runs to its end), and a remote store gets the time limit
as its HTTP timeout (and should enforce its own, e.g. ``oxigraph serve --timeout-s``).

Results are serialised where the query runs, so they cross the process boundary as bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import queue
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import errors
from .config import Settings
from .errors import AmikgError, LimitExceeded, QueryError, QueryTimeout, StoreError
from .namespaces import PREFIXES
from .sparql.guard import add_using, check_query, check_update
from .store import RDF_FORMATS, RESULT_FORMATS, Store, open_snapshot

#: What each result format is sent as.
RESULT_MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "csv": "text/csv", "tsv": "text/tab-separated-values"}
RDF_MEDIA = {"turtle": "text/turtle", "ntriples": "application/n-triples",
             "jsonld": "application/ld+json", "xml": "application/rdf+xml",
             "nquads": "application/n-quads", "trig": "application/trig"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass
class Answer:
    """A serialised query result."""

    #: ``solutions`` (SELECT), ``boolean`` (ASK) or ``graph`` (CONSTRUCT/DESCRIBE).
    kind: str
    body: bytes
    media_type: str
    #: Rows or triples (1 for ASK).
    count: int
    #: The short format name the body is in.
    format: str


def _json_term(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(t.subject),
                                            "predicate": _json_term(t.predicate),
                                            "object": _json_term(t.object)}}
    raise QueryError(f"cannot write the term {t!r}")


def _over(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTimeout("the query ran past its time limit and was stopped "
                           "(AMIKG_QUERY_TIMEOUT); narrow it or add LIMIT")


def _too_many(max_results: int) -> LimitExceeded:
    return LimitExceeded(f"the query returns more than {max_results} results (AMIKG_MAX_RESULTS); "
                         f"add LIMIT or narrow it", limit=max_results)


def serialize_result(result, kind_format: str, max_results: int,
                     deadline: float | None = None) -> Answer:
    """Serialise a pyoxigraph query result in the format named ``kind_format`` (``json``,
    ``turtle``, ...), counting rows against ``max_results`` and checking ``deadline`` as it goes."""
    if isinstance(result, ox.QueryBoolean):
        fmt = kind_format if kind_format in RESULT_FORMATS else "json"
        if kind_format not in RESULT_FORMATS:
            raise QueryError(f"ASK results cannot be written as {kind_format}")
        return Answer("boolean", result.serialize(format=RESULT_FORMATS[fmt]), RESULT_MEDIA[fmt],
                      1, fmt)
    if isinstance(result, ox.QuerySolutions):
        if kind_format not in RESULT_FORMATS:
            raise QueryError(f"SELECT results cannot be written as {kind_format}")
        names = [v.value for v in result.variables]
        rows = []
        for n, sol in enumerate(result):
            if n >= max_results:
                raise _too_many(max_results)
            if n % 256 == 0:
                _over(deadline)
            rows.append({k: _json_term(sol[k]) for k in names if sol[k] is not None})
        body = json.dumps({"head": {"vars": names}, "results": {"bindings": rows}},
                          ensure_ascii=False, separators=(",", ":")).encode()
        if kind_format != "json":
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            body = parsed.serialize(format=RESULT_FORMATS[kind_format])
        return Answer("solutions", body, RESULT_MEDIA[kind_format], len(rows), kind_format)
    if kind_format not in RDF_FORMATS:
        raise QueryError(f"CONSTRUCT/DESCRIBE results cannot be written as {kind_format}")
    triples = []
    for n, t in enumerate(result):
        if n >= max_results:
            raise _too_many(max_results)
        if n % 256 == 0:
            _over(deadline)
        triples.append(t)
    fmt = RDF_FORMATS[kind_format]
    items = triples
    if kind_format in ("nquads", "trig"):
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    kw = {"prefixes": PREFIXES} if kind_format in ("turtle", "trig", "xml") else {}
    body = ox.serialize(items, format=fmt, **kw)
    return Answer("graph", body, RDF_MEDIA[kind_format], len(triples), kind_format)


def run_query(store: Store, sparql: str, fmt: str, *, default_graph=None, named_graphs=None,
              max_results: int = 100_000, deadline: float | None = None,
              base_iri: str | None = None) -> Answer:
    """Run a query on ``store`` in this thread and serialise the answer."""
    timeout = None if deadline is None else max(0.5, deadline - time.monotonic())
    res = store.query(sparql, default_graph=default_graph, named_graphs=named_graphs,
                      timeout=timeout, base_iri=base_iri)
    try:
        return serialize_result(res, fmt, max_results, deadline)
    except (OSError, RuntimeError) as e:  # raised lazily while iterating
        raise QueryError(f"query failed: {e}")


class Executor:
    """Runs queries (time- and size-limited) and updates (transactional) on one store."""

    def __init__(self, store: Store, settings: Settings):
        self.store, self.settings = store, settings

    def _deadline(self, timeout: float | None) -> float | None:
        t = self.settings.query_timeout if timeout is None else timeout
        return time.monotonic() + t if t and t > 0 else None

    def query(self, sparql: str, fmt: str = "json", *, default_graph=None, named_graphs=None,
              timeout: float | None = None, base_iri: str | None = None) -> Answer:
        """Run a query and serialise its answer as ``fmt`` (a short result or RDF format name).

        :raise QueryError: malformed query, or an update sent as a query.
        :raise ForbiddenOperation: SERVICE to a target that is not allow-listed.
        :raise QueryTimeout: past the time limit. :raise LimitExceeded: too many results.
        """
        check_query(sparql, self.settings.service_allow)
        return run_query(self.store, sparql, fmt, default_graph=default_graph,
                         named_graphs=named_graphs, max_results=self.settings.max_results,
                         deadline=self._deadline(timeout), base_iri=base_iri)

    def update(self, sparql: str, *, using_graphs=(), using_named_graphs=(),
               base_iri: str | None = None) -> None:
        """Run an update as one transaction (all of it or nothing).

        :raise QueryError: malformed update, or a query sent as an update.
        :raise ForbiddenOperation: LOAD or SERVICE to a target that is not allow-listed.
        """
        check_update(sparql, self.settings.service_allow)
        sparql = add_using(sparql, list(using_graphs), list(using_named_graphs))
        self.store.update(sparql, base_iri)

    def worker_pids(self) -> list[int]:
        """The process ids of the query workers (none: queries run in the calling thread)."""
        return []

    def close(self) -> None:
        pass


# -- worker processes for the embedded store --------------------------------------------------

def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!Q", len(data)) + data)
    stream.flush()


def _recv(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    (n,) = struct.unpack("!Q", head)
    data = stream.read(n)
    if len(data) < n:
        raise EOFError
    return pickle.loads(data)


def _worker_main() -> None:  # pragma: no cover - runs in a child process
    """A query worker: requests on stdin, answers on (the original) stdout, until stdin closes."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the protocol
    inp = os.fdopen(0, "rb")
    current, store = None, None
    while True:
        try:
            req = _recv(inp)
        except (EOFError, OSError):
            return
        try:
            if req["path"] != current:
                store = None
                store = open_snapshot(req["path"])
                current = req["path"]
            ans = run_query(store, req["sparql"], req["format"],
                            default_graph=req["default_graph"], named_graphs=req["named_graphs"],
                            max_results=req["max_results"], deadline=None,
                            base_iri=req.get("base_iri"))
            _send(out, ("ok", ans))
        except AmikgError as e:
            _send(out, ("error", type(e).__name__, e.message, e.details))
        except Exception as e:  # noqa: BLE001 - reported to the caller, who logs it
            _send(out, ("error", "QueryError", f"query failed: {e}", {}))


class _Worker:
    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from amikg.executor import _worker_main; _worker_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.path: str | None = None

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for s in (self.proc.stdin, self.proc.stdout):
            try:
                s.close()
            except OSError:
                pass


class ProcessExecutor(Executor):
    """Queries in killable worker processes over checkpoints of an embedded store."""

    def __init__(self, store: Store, settings: Settings, workers: int = 2):
        super().__init__(store, settings)
        self._root = Path(tempfile.mkdtemp(prefix=".amikg-snapshots-",
                                           dir=str(store.directory.resolve().parent)))
        self._lock = threading.Lock()
        self._gen, self._path, self._dirty = 0, None, True
        #: checkpoint -> how many queries have been handed it and not yet answered: a newer
        #: checkpoint must not remove one a query is about to send to a worker
        self._leases: dict[str, int] = {}
        self._all: list[_Worker] = []
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        for _ in range(max(1, workers)):
            self._add_worker()
        store.on_write(self._mark_dirty)

    def _mark_dirty(self, graphs=None) -> None:
        self._dirty = True

    def _add_worker(self, old: _Worker | None = None) -> None:
        w = _Worker()
        with self._lock:
            if old in self._all:
                self._all.remove(old)
            self._all.append(w)
        self._idle.put(w)

    def snapshot(self) -> str:
        """The newest checkpoint directory (made now when a write came after the last one).

        Checkpoints no worker has open and no query holds (:meth:`_lease`) are removed."""
        with self._lock:
            return self._newest()

    @contextlib.contextmanager
    def _lease(self):
        """The newest checkpoint, kept on disk until the ``with`` block ends."""
        with self._lock:
            path = self._newest()
            self._leases[path] = self._leases.get(path, 0) + 1
        try:
            yield path
        finally:
            with self._lock:
                left = self._leases.pop(path) - 1
                if left:
                    self._leases[path] = left

    def _newest(self) -> str:  # with self._lock held
        if self._dirty or self._path is None:
            self._dirty = False  # before the backup: a write during it marks it stale again
            self._gen += 1
            path = self._root / f"gen-{self._gen}"
            try:
                self.store.backup(path)
            except (OSError, RuntimeError) as e:
                self._dirty = True
                raise StoreError(f"cannot snapshot the store for reading: {e}")
            self._path = str(path)
            in_use = {w.path for w in self._all} | set(self._leases) | {self._path}
            for d in self._root.iterdir():
                if str(d) not in in_use:
                    shutil.rmtree(d, ignore_errors=True)
        return self._path

    def query(self, sparql, fmt="json", *, default_graph=None, named_graphs=None, timeout=None,
              base_iri=None):
        check_query(sparql, self.settings.service_allow)
        deadline = self._deadline(timeout)
        with self._lease() as path:
            return self._ask(path, sparql, fmt, default_graph, named_graphs, base_iri, deadline)

    def _ask(self, path, sparql, fmt, default_graph, named_graphs, base_iri, deadline):
        try:
            w = self._idle.get(timeout=None if deadline is None
                               else max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise QueryTimeout("every query worker stayed busy until the time limit; "
                               "try again later")
        req = {"path": path, "sparql": sparql, "format": fmt, "default_graph": default_graph,
               "named_graphs": named_graphs, "max_results": self.settings.max_results,
               "base_iri": base_iri}
        try:
            _send(w.proc.stdin, req)
            w.path = path
            fd = w.proc.stdout.fileno()
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise QueryTimeout(
                    f"the query ran past its time limit of {self.settings.query_timeout:g} s "
                    f"and was stopped (AMIKG_QUERY_TIMEOUT); narrow it or add LIMIT")
            reply = _recv(w.proc.stdout)
        except QueryTimeout:
            w.kill()
            self._add_worker(w)
            raise
        except (EOFError, OSError, pickle.PickleError) as e:
            w.kill()
            self._add_worker(w)
            raise StoreError(f"a query worker failed ({e}); the query was not answered")
        self._idle.put(w)
        if reply[0] == "ok":
            return reply[1]
        _, name, message, details = reply
        cls = getattr(errors, name, QueryError)
        err = cls.__new__(cls)
        AmikgError.__init__(err, message, **details)
        raise err

    def worker_pids(self) -> list[int]:
        return [w.proc.pid for w in list(self._all)]  # no lock: a snapshot may hold it long

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for w in list(self._all):
            w.kill()
        shutil.rmtree(self._root, ignore_errors=True)


def make_executor(store: Store, settings: Settings, workers: int | None = None) -> Executor:
    """The right executor for ``store``: worker processes over checkpoints where the store can
    make them (the embedded on-disk store; unless ``workers`` is 0), the calling thread
    otherwise."""
    if store.can_snapshot and workers != 0:
        return ProcessExecutor(store, settings, workers or min(4, os.cpu_count() or 2))
    return Executor(store, settings)


__all__ = ["Answer", "Executor", "ProcessExecutor", "make_executor", "run_query",
           "serialize_result", "RESULT_MEDIA", "RDF_MEDIA"]
