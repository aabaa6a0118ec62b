"""The store interface every backend implements, with the capabilities that callers ask for
instead of asking which engine is underneath."""

from __future__ import annotations

import contextlib
import re
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

import pyoxigraph as ox

from ..errors import FormatError, QueryError, StoreError
from ..sparql.explain import explain
from .formats import QUAD_FORMATS, rdf_format

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

    #: A label for people (``embedded``, ``memory``, ``remote``): shown by ``amikg stats`` and
    #: ``/ready``. Code asks the capabilities below, never the label.
    kind: str = ""
    location: str = ""

    # -- capabilities ----------------------------------------------------------------------------
    #: Only one process can hold this store (it lives in this process, or its files are locked):
    #: the service runs one worker process with threads for it.
    single_process: bool = False
    #: ``callback(done, total)`` while a large write goes up in parts (stores that write in one
    #: go never call it).
    upload_progress = None

    @property
    def directory(self) -> Path | None:
        """The directory of a store kept on this machine's disk, or None."""
        return None

    @property
    def can_snapshot(self) -> bool:
        """Whether :meth:`backup` makes a consistent checkpoint of the live store (and so queries
        can run in worker processes over checkpoints, see :mod:`amikg.executor`)."""
        return False

    @property
    def in_process(self) -> bool:
        """Whether queries run in this process (no request per query): many small queries and
        large ``VALUES`` blocks cost nothing extra."""
        return False

    @property
    def can_prebind(self) -> bool:
        """Whether :meth:`query_prebound` binds variables natively, before the query is
        evaluated (the pre-binding SHACL prescribes), rather than by a ``VALUES`` join."""
        return False

    def query_prebound(self, sparql: str, bindings: dict, *,
                       default_graph: list[str] | None = None,
                       named_graphs: list[str] | None = None):
        """``sparql`` with the variables ``bindings`` (name -> term) pre-bound natively, over the
        dataset given as for :meth:`query`; only where :attr:`can_prebind`. Raises
        :class:`QueryError` for a malformed query."""
        raise StoreError(f"the store {self.location} cannot pre-bind variables",
                         store=self.location)

    @property
    def can_bulk_load(self) -> bool:
        """Whether :meth:`load_fresh` loads serialised RDF straight from the bytes."""
        return False

    def backup(self, target: str | Path) -> None:
        """A consistent snapshot of the store into the directory ``target`` (which must not
        exist); only where :attr:`can_snapshot`."""
        raise StoreError(f"the store {self.location} cannot make a checkpoint; use `amikg dump` "
                         "for a portable copy", store=self.location)

    def load_fresh(self, items, graphs: list[str], then=()) -> None:
        """Load serialised RDF into empty ``graphs``; only where :attr:`can_bulk_load`."""
        raise StoreError(f"the store {self.location} has no bulk loader", store=self.location)

    def bulk_extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads by the engine's fastest path, for a store nobody else uses yet (a restore
        being built); not necessarily one transaction."""
        self.add(quads)

    # -- reading -------------------------------------------------------------------------------
    @abstractmethod
    def query(self, sparql: str, *, substitutions: dict | None = None,
              default_graph: list[str] | None = None, named_graphs: list[str] | None = None,
              timeout: float | None = None, base_iri: str | None = None):
        """Run a SPARQL query. ``substitutions`` maps variable names to pyoxigraph terms and binds
        them with a one-row ``VALUES`` block opening the first WHERE group (the terms are
        serialised by pyoxigraph, so they are escaped; no caller pastes values into the text).
        ``base_iri`` resolves relative IRIs (``<s>``) of a query without a ``BASE`` of its own.
        Raises :class:`QueryError` for a malformed query."""

    def dataset(self, sparql: str, default_graph: list[str] | None = None,
                named_graphs: list[str] | None = None) -> tuple[list[str] | None, list[str] | None]:
        """The ``(default_graph, named_graphs)`` that :meth:`query` runs ``sparql`` over when
        asked for these: here, as asked. A read view (``amikg.access.read_view``) narrows them;
        whoever runs a query elsewhere (a query worker process) asks this first, so that the
        query sees what :meth:`query` would show."""
        return default_graph, named_graphs

    def reads_from(self) -> "Store":
        """The store whose data this one answers from: itself, or for a read view the store it
        narrows (so that what is kept per store, such as names read, can be kept per view)."""
        return self

    def map_queries(self, queries: list[str], reduce, workers: int | None = None) -> list:
        """``[reduce(self.query(q)) for q in queries]``: several read-only SELECT queries, on as
        many cores (up to ``workers``) as the backend can use for them. ``reduce`` is a
        module-level function of a query's solutions whose result can be pickled (it may run in
        another process); the costly queries should come first. Here: one after another."""
        return [reduce(self.query(q)) for q in queries]

    @abstractmethod
    def named_graphs(self) -> list[str]:
        """IRIs of all named graphs that hold at least one triple."""

    @abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Number of triples in ``graph``, or of quads in the whole store."""

    @abstractmethod
    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of one graph (``graph``), or of the whole dataset."""

    def is_empty(self) -> bool:
        """Whether the store holds no triple at all (one cheap look, whatever its size)."""
        return not bool(self.query("ASK { GRAPH ?g { ?s ?p ?o } }"))

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
    def update(self, sparql: str, base_iri: str | None = None) -> None:
        """Run a SPARQL update as one transaction (``base_iri`` as for :meth:`query`). Raises
        :class:`QueryError` when malformed."""

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
        body = "\n".join(quad_text(q) for q in quads)
        self.update(f"{drops}{delete_patterns}INSERT DATA {{\n{body}\n}}")

    def drop_graph(self, graph: str) -> bool:
        """Remove a named graph; False when it did not exist."""
        with self.changing([graph]):
            existed = self.graph_exists(graph)
            if existed:
                self.update(f"DROP GRAPH {nn(graph)}")
        return existed

    def on_write(self, callback, before=None) -> None:
        """Call ``callback(graphs)`` after every committed write through this object, on every
        backend (the query executor refreshes its read snapshot, the search index catches up).
        ``graphs`` is the set of named graphs the write was confined to (declared by
        :meth:`changing`), or None when nobody said (a SPARQL update, say): it may have changed
        anything. ``before(graphs)``, if given, is called when a write confined to ``graphs``
        begins, so that a listener can look at what is about to change. Writes through
        :attr:`OxigraphStore.raw`, and writes other clients send straight to a remote store,
        bypass this."""
        self.__dict__.setdefault("_write_listeners", []).append(callback)
        if before is not None:
            self.__dict__.setdefault("_before_listeners", []).append(before)

    @contextlib.contextmanager
    def changing(self, graphs: Iterable[str]):
        """Declare that the writes made by this thread inside the block change only the named
        ``graphs``: the listeners of :meth:`on_write` hear of them once, when the block ends,
        with these graphs (nested blocks add theirs to the outer one's)."""
        graphs = frozenset(graphs)
        for before in self.__dict__.get("_before_listeners", ()):
            before(graphs)
        local = self.__dict__.setdefault("_scopes", threading.local())
        stack = local.__dict__.setdefault("stack", [])
        frame = {"graphs": set(graphs), "written": False}
        stack.append(frame)
        try:
            yield
        finally:
            stack.pop()
            if stack:
                stack[-1]["graphs"] |= frame["graphs"]
                stack[-1]["written"] |= frame["written"]
            elif frame["written"]:
                self._notify(frozenset(frame["graphs"]))

    def _written(self) -> None:
        local = self.__dict__.get("_scopes")
        stack = getattr(local, "stack", None) if local is not None else None
        if stack:
            stack[-1]["written"] = True
            return
        self._notify(None)

    def _notify(self, graphs: frozenset | None) -> None:
        for callback in self.__dict__.get("_write_listeners", ()):
            callback(graphs)

    def close(self) -> None:  # pragma: no cover - trivial
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()



def quad_text(q: ox.Quad) -> str:
    """A quad as SPARQL INSERT DATA text (terms are serialised by pyoxigraph, hence escaped)."""
    if isinstance(q.graph_name, ox.DefaultGraph):
        return f"{q.subject} {q.predicate} {q.object} ."
    return f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}"


def query_error(e: Exception, what: str = "query", text: str | None = None) -> QueryError:
    """A parser's error as a :class:`QueryError`: one sentence saying what is wrong
    (:func:`amikg.sparql.explain.explain`), with the line, the column and the parser's own words
    (``parser``)."""
    msg = str(e).split("\n")[0][:500]
    if text is None:
        m = re.match(r"error at (\d+):(\d+)", msg)
        return QueryError(f"malformed {what}: {msg}", line=int(m.group(1)) if m else None,
                          column=int(m.group(2)) if m else None, parser=msg)
    sentence, line, column = explain(text, what, msg)
    return QueryError(sentence, line=line, column=column, parser=msg)


