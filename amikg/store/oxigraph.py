"""Oxigraph embedded in this process: on disk (RocksDB) or in memory.

On disk, loads into fresh graphs use Oxigraph's bulk loader straight from the bytes, bracketed by
a journal entry in the metadata graph so that they are all-or-nothing even across a crash;
checkpoints (:meth:`OxigraphStore.backup`) serve backups and the query executor's workers.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from pathlib import Path

import pyoxigraph as ox

from ..errors import QueryError, StoreError, StoreLockedError
from ..sparql.binder import bind
from ..sparql.lexer import names_dataset
from . import parallel
from .base import Store, nn, query_error, quad_text
from .formats import QUAD_FORMATS, ViewReader, rdf_format

#: Journal of unfinished bulk writes: ``<journal#id> <#incompleteLoadOf> <graph>`` in amig:meta.
_JOURNAL = "https://w3id.org/amikg/id/journal#"
_INCOMPLETE = "https://w3id.org/amikg/id/journal#incompleteLoadOf"
_META = "https://w3id.org/amikg/graph/meta"



#: Bytes per thread below which one bulk loader is as fast as several (measured on 2 cores: a
#: 1.6 MB file loads as fast either way, 4.7 MB 1.6x and 16 MB 1.8x faster in two parts).
_CHUNK_MIN = 1 << 20
_LINE_FORMATS = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)


def _line_chunks(data, fmt) -> list:
    """Cut line-based RDF (N-Triples, N-Quads) at line ends into one part per CPU (2-4) so that
    as many bulk loaders run at once (Oxigraph's loader releases the GIL and uses about one core;
    measured 1.6-1.8x faster on 2 cores). Anything else comes back whole: other formats, small
    inputs, files, and documents with blank nodes, whose labels are scoped to one load call."""
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


def _dataset(sparql: str, default_graph, named_graphs) -> dict:
    """pyoxigraph's dataset arguments: the graphs asked for (``[]``: the store's own default
    graph), else the union of every graph as the default graph."""
    kwargs: dict = {}
    if default_graph is not None:
        kwargs["default_graph"] = [nn(g) for g in default_graph] or [ox.DefaultGraph()]
    elif not names_dataset(sparql):
        # pyoxigraph's union replaces a query's own FROM / FROM NAMED: only where none
        kwargs["use_default_graph_as_union"] = True
    if named_graphs is not None:
        kwargs["named_graphs"] = [nn(g) for g in named_graphs]
    return kwargs


class OxigraphStore(Store):
    """Oxigraph embedded in this process: on disk (RocksDB) or in memory."""

    single_process = True
    _read_only = False

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
    def directory(self) -> Path | None:
        return Path(self.location) if self.kind == "embedded" else None

    @property
    def can_snapshot(self) -> bool:
        return self.kind == "embedded" and not self._read_only

    @property
    def can_bulk_load(self) -> bool:
        return self.kind == "embedded" and not self._read_only

    in_process = True
    can_prebind = True

    def query_prebound(self, sparql, bindings, *, default_graph=None, named_graphs=None):
        """SEP-0007 substitution: the planner sees constants (``OPTIONAL`` and ``EXISTS`` run as
        loops over the bound node's neighbourhood)."""
        try:
            return self._store.query(
                sparql, **_dataset(sparql, default_graph, named_graphs),
                substitutions={ox.Variable(k): v for k, v in bindings.items()})
        except SyntaxError as e:
            raise query_error(e, "query", sparql)
        except (OSError, RuntimeError, ValueError) as e:
            raise QueryError(f"query failed: {e}")

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store (for bulk paths and the rdflib adapter)."""
        return self._store

    def query(self, sparql, *, substitutions=None, default_graph=None, named_graphs=None,
              timeout=None, base_iri=None):
        kwargs = _dataset(sparql, default_graph, named_graphs)
        if base_iri:
            kwargs["base_iri"] = base_iri
        if substitutions:  # the same binding as on remote stores, so results agree
            sparql = bind(sparql, substitutions)
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as e:
            raise query_error(e, "query", sparql)
        except (OSError, RuntimeError, ValueError) as e:
            raise QueryError(f"query failed: {e}")

    def update(self, sparql, base_iri=None):
        try:
            with self._write_lock:
                self._store.update(sparql, **({"base_iri": base_iri} if base_iri else {}))
        except SyntaxError as e:
            raise query_error(e, "update", sparql)
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
        self.update("DELETE DATA {\n" + "\n".join(quad_text(q) for q in marker) + "\n} ;\n"
                    "INSERT DATA {\n" + "\n".join(quad_text(q) for q in then) + "\n}")

    def load_fresh(self, items, graphs, then=()):
        """Like :meth:`add_fresh`, but straight from serialised RDF: ``items`` are
        ``(bytes or binary file, RdfFormat, graph IRI[, progress])``. Oxigraph's bulk loader reads
        them without building Python objects, several times faster than :meth:`add`; large
        N-Triples/N-Quads bytes are cut at line ends and loaded by several threads at once
        (:func:`_line_chunks`). A syntax error part-way drops the graphs again (the journal) and
        is raised; ``then`` may be a callable, called after the write, giving the quads to add."""
        if not self.can_bulk_load:
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

    def is_empty(self):
        return next(iter(self._store.quads_for_pattern(None, None, None)), None) is None

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
        with self.changing([graph]):
            with self._write_lock:
                existed = self.graph_exists(graph)
                if existed:
                    self._store.remove_graph(nn(graph))
            if existed:
                self._written()
        return existed

    def backup(self, target: str | Path) -> None:
        """A consistent snapshot of an on-disk store into ``target`` (which must not exist)."""
        if not self.can_snapshot:
            raise StoreError("backup needs an on-disk store")
        self._store.flush()
        self._store.backup(str(target))

    def map_queries(self, queries, reduce, workers=None):
        """On disk: over one checkpoint, in this process and child processes at once (see
        :mod:`.parallel`); in memory (nobody else can read it): one after another."""
        workers = workers or os.cpu_count() or 1
        if self.kind != "embedded" or workers < 2 or len(queries) < 2:
            return super().map_queries(queries, reduce)
        if self._read_only:  # a checkpoint already: read it as it is
            return parallel.map_over_views(self.location, OxigraphStore.read_only, queries,
                                           reduce, workers)
        return parallel.map_on_checkpoint(self, OxigraphStore.read_only, queries, reduce,
                                          workers)

    @classmethod
    def read_only(cls, path: str | Path) -> "OxigraphStore":
        """Open an on-disk store (e.g. a backup checkpoint) read-only; several processes may."""
        self = cls.__new__(cls)
        self.kind, self.location, self._read_only = "embedded", str(path), True
        self._write_lock = threading.RLock()
        try:
            self._store = ox.Store.read_only(str(path))
        except OSError as e:
            raise StoreError(f"cannot open the store {path} read-only: {e}", store=str(path))
        return self

    def close(self):
        """Flush and release the store; closing twice is harmless."""
        if self._store is not None and self.kind == "embedded" and not self._read_only:
            self._store.flush()
        self._store = None




    def bulk_extend(self, quads):
        if self.kind != "embedded":
            return self.add(quads)
        with self._write_lock:
            self._store.bulk_extend(quads)
        self._written()
